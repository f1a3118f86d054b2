"""Derivations and steps for notebooks and for the JSON result: MathJax LaTeX, Markdown, reprs.

Jupyter shows an object by its ``_repr_latex_`` / ``_repr_markdown_``; those methods of
:class:`~gdflow.derive.derivation.Derivation` and :class:`~gdflow.derive.derivation.Step` call
the functions here (imported lazily: this module imports :mod:`gdflow.derive.latex`, which
imports the data model).  The math is what :func:`gdflow.derive.latex.render_step` prints for
the LaTeX document, made displayable by MathJax: one ``$$\\begin{aligned} ... \\end{aligned}$$``
block, text in ``\\text{}``, no document commands (``\\section``, ``\\paragraph``,
``\\shortintertext``) and nothing beyond amsmath and amssymb (a side the page breaks with
``multlined`` is one line again, ``\\coloneqq`` becomes ``\\mathrel{:=}``).

:func:`result_sympy` writes the final right-hand side of a derivation's result as text that
``sympy.sympify`` reads back (for ``gdflow derive --format json``).
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import replace
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from . import typeset
from .derivation import (
    Certificate,
    Claim,
    Definition,
    Derivation,
    Formula,
    Identity,
    Recurrence,
    Step,
)
from .latex import claim_latex, counterexample_latex, drop_alignment, latex, render_step
from .report import mark, summary
from .text import certificate_detail, mark_and_method

__all__ = [
    "derivation_latex",
    "derivation_markdown",
    "derivation_repr",
    "display_math",
    "formula_latex",
    "mathjax",
    "result_latex",
    "result_sympy",
    "step_latex",
    "step_markdown",
    "step_repr",
]

_MULTLINED = re.compile(r"\\begin\{multlined\}\[t\] (.*?) \\end\{multlined\}", re.S)
"""A long side as :func:`gdflow.derive.latex.render_step` breaks it for the printed page."""

_TEXT_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "^": r"\wedge",
    "~": r"\sim",
    "\\": r"\backslash",
}


def mathjax(tex: str) -> str:
    """``tex`` with what MathJax lacks (amsmath and amssymb only) undone or replaced: a long
    side broken for the page (``multlined``, lines joined by `` \\\\ ``) is one line again (a
    notebook scrolls; the page's break points may fall inside a ``cases``), ``\\coloneqq`` is
    ``\\mathrel{:=}``."""
    tex = _MULTLINED.sub(lambda m: m.group(1).replace(" \\\\ ", " "), tex)
    return tex.replace(r"\coloneqq", r"\mathrel{:=}")


def display_math(step: Step) -> str:
    """The math of one step on its own line, for Markdown: the rows the document prints
    (:func:`gdflow.derive.latex.render_step`) through :func:`mathjax`, without their alignment
    points, joined by ``,\\qquad``."""
    lines, _ = render_step(replace(step, certificate=None), None)
    return r",\qquad ".join(" ".join(drop_alignment(mathjax(line)).split()) for line in lines)


def _text(text: str) -> str:
    r"""``\text{...}`` of prose that may hold ``$...$`` math: the math kept as written, each
    character TeX treats specially written as inline math (``a_b`` is ``a$\_$b``), so both
    LaTeX and MathJax read it."""
    parts = re.split(r"(\$[^$]*\$)", text)
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part)
        else:
            out.append("".join(f"${_TEXT_SPECIAL[c]}$" if c in _TEXT_SPECIAL else c for c in part))
    return r"\text{" + "".join(out) + "}"


def _certificate_words(cert: Certificate | None) -> str:
    """``proved · symbolic``: the mark (level, with the sizes of a checked step) and the method
    (:func:`gdflow.derive.text.mark_and_method`, as the text format prints it), then why a
    failing step fails (:func:`gdflow.derive.text.certificate_detail`)."""
    detail = certificate_detail(cert)
    return mark_and_method(cert) + (f": {detail}" if detail is not None else "")


def _counterexample(cert: Certificate | None) -> str:
    """``$\\mathbf{A} = \\begin{bmatrix}...\\end{bmatrix}$, $k = 3$``: the counterexample of
    a certificate in the equations' notation (:func:`gdflow.derive.latex.counterexample_latex`),
    or ``""``."""
    if cert is None or not cert.counterexample:
        return ""
    return ", ".join(f"${part}$" for part in counterexample_latex(cert.counterexample))


def _step_rows(step: Step, previous: Step | None) -> list[str]:
    """The aligned rows of one step: its reason and certificate, then its math."""
    lines, _ = render_step(step, previous)
    note = f"[{_certificate_words(step.certificate)}]"
    example = _counterexample(step.certificate)
    if example:
        note += f" fails at {example}"
    reason = r"&" + _text(typeset.text(step.reason)) + r"\quad " + _text(note)
    return [reason, *(mathjax(line) for line in lines)]


def _aligned(rows: list[str]) -> str:
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"


def step_latex(step: Step) -> str:
    """One step for MathJax: its reason and certificate above its math, in ``$$...$$``."""
    return _aligned(_step_rows(step, None))


def derivation_latex(d: Derivation) -> str:
    """A derivation for MathJax (Jupyter's ``text/latex``): one ``$$\\begin{aligned}`` block
    with its title, id, source, verdict, assumptions and summary as text rows, then each step's
    reason and level mark above its math (the rows of :func:`gdflow.derive.latex.render_step`,
    so consecutive steps on one object print as an ``&=`` chain), then the source claims found
    false.  No ``\\section`` or other document-only command."""
    with typeset.naming(typeset.names_of(d)):
        return _derivation_latex(d)


def _derivation_latex(d: Derivation) -> str:
    verdict = "verified" if d.verified else "NOT VERIFIED"
    rows = [
        r"&\textbf{" + _text(d.title)[len(r"\text{") : -1] + "}",
        "&" + _text(f"{d.id} -- source: {d.source} ({verdict})"),
        "&" + _text(summary([d])),
    ]
    if d.summary:
        rows.append("&" + _text(typeset.text(d.summary)))
    if d.assumptions.text:
        rows.append("&" + _text("Assumptions:"))
        rows.extend(r"&\quad " + _text(f"- {typeset.text(t)}") for t in d.assumptions.text)
    previous = None
    for s in d.steps:
        rows.extend(_step_rows(s, previous))
        previous = s
    if d.source_claims:
        rows.append("&" + _text("Source claims that do not hold:"))
        rows.extend(row for s in d.source_claims for row in _step_rows(s, None))
    return _aligned(rows)


def step_markdown(step: Step) -> str:
    """One step in Markdown: its claim as a ``$$...$$`` line, then its reason and certificate
    (level and method, why a failing step fails, the counterexample if any)."""
    cert = step.certificate
    detail = certificate_detail(cert)
    tail = f" — {detail}" if detail is not None else ""
    example = _counterexample(cert)
    tail += f" — counterexample: {example}" if example else ""
    reason = typeset.text(step.reason)
    return f"$$\n{display_math(step)}\n$$\n\n{reason} **[{mark_and_method(cert)}]**{tail}\n"


def derivation_markdown(d: Derivation) -> str:
    """A derivation in Markdown: title, id, source and verdict, assumptions, summary, the level
    counts, then each step (:func:`step_markdown`) and the source claims found false."""
    with typeset.naming(typeset.names_of(d)):
        return _derivation_markdown(d)


def _derivation_markdown(d: Derivation) -> str:
    verdict = "verified" if d.verified else "**NOT VERIFIED**"
    out = [f"### {d.title}\n", f"`{d.id}` — {d.source} — {verdict}\n"]
    if d.assumptions.text:
        items = "\n".join(f"- {typeset.text(t)}" for t in d.assumptions.text)
        out.append("**Assumptions**\n\n" + items + "\n")
    if d.summary:
        out.append(typeset.text(d.summary) + "\n")
    out.append(f"*{summary([d])}*\n")
    out.extend(step_markdown(s) for s in d.steps)
    if d.source_claims:
        out.append("**Source claims that do not hold**\n")
        out.extend(step_markdown(s) for s in d.source_claims)
    return "\n".join(out)


def formula_latex(f: Formula) -> str:
    """A formula for MathJax: ``$$name = expr$$`` in the package's notation."""
    return f"$$\n{mathjax(latex(f.name))} = {mathjax(latex(f.expr))}\n$$"


def derivation_repr(d: Derivation) -> str:
    """``<Derivation gd.closed_form: 6 steps, verified>`` (``not verified`` when a step fails
    or is unchecked; the source claims are counted when there are any)."""
    verdict = "verified" if d.verified else "not verified"
    claims = f", {len(d.source_claims)} source claims" if d.source_claims else ""
    return f"<Derivation {d.id}: {len(d.steps)} steps{claims}, {verdict}>"


def step_repr(step: Step) -> str:
    """``<Step closed_form: recurrence, proved>``: the label (or the start of the reason), the
    claim kind and the mark."""
    handle = step.label or (step.reason[:40] + ("..." if len(step.reason) > 40 else ""))
    handle = " ".join(handle.split())
    return f"<Step {handle!r}: {step.claim.kind}, {mark(step.certificate)}>"


def result_latex(d: Derivation) -> str | None:
    """The LaTeX of a derivation's result claim (as :func:`gdflow.derive.latex.claim_latex`
    prints it), None when it has none."""
    if d.result is None:
        return None
    return claim_latex(Step(d.result, ""))


def final_rhs(claim: Claim | None) -> sp.Basic | None:
    """The final right-hand side of a claim: an identity's or definition's ``rhs``, a
    recurrence's solution; None for other kinds (and for a hypothesis)."""
    if isinstance(claim, Identity | Definition):
        return claim.rhs
    if isinstance(claim, Recurrence):
        return claim.solution
    return None


_RESERVED = set(dir(sp)) | set(dir(builtins)) | set(keyword.kwlist)
"""Names ``sympy.sympify`` would read as something other than a symbol."""


def _identifier(name: str) -> str:
    """A Python identifier for a symbol name (``w^(0)`` -> ``w__0``, ``a~_j`` ->
    ``a_tilde_j``, ``lambda`` -> ``lambda_``)."""
    text = name.replace("~", "_tilde").replace("^(", "__").replace("(", "_").replace(")", "")
    text = re.sub(r"\W", lambda m: {"+": "p", "-": "m"}.get(m.group(), "_"), text)
    if not text.isidentifier():
        text = "s_" + text
    while text in _RESERVED:
        text += "_"
    return text


class _ReadablePrinter(StrPrinter):
    """``str()`` of SymPy objects with every symbol written as a Python identifier, the
    identity matrix as the symbol ``I_n`` (``I`` is the imaginary unit for ``sympify``), a zero
    matrix as ``0`` and transposes as ``transpose(...)``: text ``sympy.sympify`` reads."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def _print_Symbol(self, expr: Any) -> str:
        return self.names.get(expr.name, expr.name)

    _print_MatrixSymbol = _print_Symbol

    def _print_Identity(self, expr: Any) -> str:
        return self.names[f"Identity({expr.rows})"]

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return "0"

    def _print_Transpose(self, expr: Any) -> str:
        return f"transpose({self._print(expr.arg)})"


def result_sympy(claim: Claim | None) -> tuple[str | None, dict[str, str]]:
    """The final right-hand side of ``claim`` (:func:`final_rhs`) as text ``sympy.sympify``
    parses, and the names used in it: ``{identifier: symbol name}`` (``w__0`` is ``w^(0)``;
    ``I_n`` is the identity matrix ``Identity(n)``).
    Matrix symbols come back from ``sympify`` as scalar symbols; pass
    ``locals={k: sympy.Symbol(k, commutative=False)}`` to keep their order.  ``(None, {})``
    when the claim has no right-hand side.

    >>> lam, w0 = sp.symbols("lambda w^(0)")
    >>> result_sympy(Identity(sp.Symbol("x"), lam * w0))
    ('lambda_*w__0', {'lambda_': 'lambda', 'w__0': 'w^(0)'})
    """
    rhs = final_rhs(claim)
    if rhs is None:
        return None, {}
    symbols = sorted(
        {s.name for s in rhs.atoms(sp.Symbol, sp.MatrixSymbol)} | {str(s) for s in rhs.free_symbols}
    )
    names: dict[str, str] = {}
    used: set[str] = set()
    for eye in sorted(rhs.atoms(sp.Identity), key=str):
        ident = _identifier(f"I_{eye.rows}")
        while ident in used:
            ident += "_"
        used.add(ident)
        names[f"Identity({eye.rows})"] = ident
    for name in symbols:
        ident = _identifier(name)
        while ident in used:
            ident += "_"
        used.add(ident)
        names[name] = ident
    text = _ReadablePrinter(names).doprint(rhs)
    return text, {ident: name for name, ident in names.items()}
