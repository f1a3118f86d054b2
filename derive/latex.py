"""LaTeX for derivations: a printer for the package's notation, align chains, documents.

Notation
--------
- Matrices and vectors (``MatrixSymbol``) are bold: ``\\mathbf{A}``, ``\\boldsymbol{\\Phi}``.
- Transpose ``^\\top``, pseudoinverse ``^\\dagger``, identity ``\\mathbf{I}``, zero ``\\mathbf{0}``.
- Names follow one convention, read by :func:`render_name`:
  ``base[~][_sub][^(sup)]``.  ``~`` puts a tilde on the base (eigenbasis coordinates),
  ``_star`` is ``_\\star``, ``^(k)`` is the iterate superscript ``^{(k)}``, ``inf`` is ``\\infty``.
  A trailing ``(arg)`` is an argument: ``MatrixSymbol("w(t)", D, 1)`` prints
  ``\\mathbf{w}(t)``, ``r(inf)`` prints ``\\mathbf{r}(\\infty)``.
  So ``MatrixSymbol("w^(k)", n, 1)`` prints ``\\mathbf{w}^{(k)}`` and ``Symbol("w~_j^(0)")``
  prints ``\\tilde{w}_{j}^{(0)}``.

A derivation renders as an ``align`` environment: one line per step, its reason above it with
a mark naming the level of its certificate (``\\textsc{proved}``,
``\\textsc{checked at n=5,6}``, ``\\textsc{evidence}``, ``\\textsc{stated}``; see
:mod:`gdflow.derive.report`) and, smaller, the method that decided it; the final line
numbered and labelled ``eq:<id>``; the section is labelled ``sec:<id>``.  Source claims found
false are rendered after it, under their own heading.  A document opens with what the levels
mean and how many steps have each.  Claims are printed kind by kind by a
:class:`~gdflow.derive.derivation.ClaimVisitor`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .derivation import (
    Certificate,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Step,
)
from .report import Status, mark, status, summary

__all__ = [
    "GDLatexPrinter",
    "latex",
    "claim_latex",
    "counterexample_latex",
    "drop_alignment",
    "render_name",
    "render_mark",
    "render_step",
    "render_derivation",
    "render_document",
    "render_fragment",
    "FRAGMENT_PACKAGES",
    "LOG_MARKER",
    "Overfull",
    "PdfBuild",
    "overfull_boxes",
    "build_pdf",
    "compile_pdf",
]

_GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "eta",
    "theta",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "sigma",
    "tau",
    "phi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
_SPECIAL = {"star": r"\star", "inf": r"\infty", "oo": r"\infty", "max": r"\max", "min": r"\min"}
_NAME = re.compile(
    r"^(?P<base>[A-Za-z]+)(?P<tilde>~)?(?:_(?P<sub>[^^(]+))?(?:\^\((?P<sup>[^)]*)\))?(?:\((?P<arg>[^)]*)\))?$"
)


def _piece(text: str) -> str:
    """Render a sub/superscript: comma lists, specials, greek letters, ``k+1``."""
    out = []
    for token in re.split(r"([,+\-])", text):
        if token in _SPECIAL:
            out.append(_SPECIAL[token])
        elif token in _GREEK:
            out.append("\\" + token)
        else:
            out.append(token)
    return "".join(out)


def render_name(name: str, bold: bool = False) -> str:
    """LaTeX for a symbol name in the package's convention (see the module docstring).

    >>> render_name("w^(k)", bold=True)
    '\\\\mathbf{w}^{(k)}'
    >>> render_name("w~_star,j")
    '\\\\tilde{w}_{\\\\star,j}'
    >>> render_name("Phi", bold=True)
    '\\\\boldsymbol{\\\\Phi}'
    >>> render_name("r(inf)", bold=True)
    '\\\\mathbf{r}(\\\\infty)'
    """
    m = _NAME.match(name)
    if not m:
        return sp.latex(sp.Symbol(name))
    base = m["base"]
    if base in _GREEK:
        body = "\\" + base
        body = rf"\boldsymbol{{{body}}}" if bold else body
    else:
        body = rf"\mathbf{{{base}}}" if bold else base
    if m["tilde"]:
        body = rf"\tilde{{{body}}}"
    if m["sub"]:
        body += "_{" + _piece(m["sub"]) + "}"
    if m["sup"] is not None:
        body += "^{(" + _piece(m["sup"]) + ")}"
    if m["arg"] is not None:
        body += "(" + _piece(m["arg"]) + ")"
    return body


class GDLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the package's notation for matrices and iterates."""

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        return render_name(expr.name)

    def _print_MatrixSymbol(self, expr: Any) -> str:
        return render_name(expr.name, bold=True)

    def _print_Identity(self, expr: Any) -> str:
        return r"\mathbf{I}"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return r"\mathbf{0}"

    def _wrap(self, arg: Any) -> str:
        text = self._print(arg)
        if isinstance(arg, (sp.MatrixSymbol, sp.Symbol, sp.Identity)) or arg.is_Atom:
            return "{" + text + "}" if "^" in text else text
        return rf"\left({text}\right)"

    def _print_Transpose(self, expr: Any) -> str:
        return self._wrap(expr.arg) + r"^{\top}"

    def _print_Pinv(self, expr: Any) -> str:
        return self._wrap(expr.arg) + r"^{\dagger}"

    def _print_MatExp(self, expr: Any) -> str:
        """``e^{-\\mathbf{K} t}``: the sign first, then the matrices, then the scalar factor."""
        coeff, mats = expr.arg.as_coeff_mmul()
        coeff = sp.sympify(coeff)
        sign = ""
        if coeff.could_extract_minus_sign():
            sign, coeff = "-", -coeff
        mats = (
            mats.doit(deep=False) if isinstance(mats, sp.MatMul) and len(mats.args) == 1 else mats
        )
        text = self._print(mats)
        if isinstance(mats, sp.MatAdd):
            text = rf"\left({text}\right)"
        if coeff != 1:
            scalar = self._print(coeff)
            text += " " + (rf"\left({scalar}\right)" if isinstance(coeff, sp.Add) else scalar)
        return "e^{" + sign + text + "}"

    def _print_TimeDerivative(self, expr: Any) -> str:
        """``\\frac{d}{dt}\\mathbf{w}(t)``; a compound argument in parentheses."""
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol):
            inner = rf"\left({inner}\right)"
        return rf"\frac{{d}}{{d{self._print(expr.var)}}}{inner}"

    def _print_Inverse(self, expr: Any) -> str:
        return self._wrap(expr.arg) + r"^{-1}"

    def _print_MatPow(self, expr: Any) -> str:
        base, exp = expr.args
        return self._wrap(base) + "^{" + self._print(exp) + "}"

    def _print_MatMul(self, expr: Any) -> str:
        """A rational coefficient prints as a fraction in front, without parentheses."""
        coeff, factors = expr.as_coeff_mmul()
        if coeff.is_Rational and coeff not in (1, -1) and factors.args:
            rest = (
                self._print(sp.MatMul(*factors.args))
                if len(factors.args) > 1
                else self._wrap_factor(factors.args[0])
            )
            sign = "- " if coeff < 0 else ""
            return f"{sign}{self._print(abs(coeff))} {rest}"
        return super()._print_MatMul(expr)

    def _wrap_factor(self, arg: Any) -> str:
        text = self._print(arg)
        return rf"\left({text}\right)" if isinstance(arg, sp.MatAdd) else text

    def _print_MatAdd(self, expr: Any) -> str:
        """Terms with a plus sign first (``I - αA``, not ``-αA + I``), the rest in SymPy's order."""
        terms = list(expr.args)
        negative = [t for t in terms if sp.Mul(*t.as_coeff_mmul()[:1]).could_extract_minus_sign()]
        ordered = [t for t in terms if t not in negative] + negative
        out = []
        for i, term in enumerate(ordered):
            text = self._print(term)
            if i and not text.startswith("-"):
                out.append("+ " + text)
            elif i:
                out.append("- " + text[1:].lstrip())
            else:
                out.append(text)
        return " ".join(out)

    def _print_MatrixElement(self, expr: Any) -> str:
        if expr.parent.shape == (1, 1):
            return self._print(expr.parent)
        return super()._print_MatrixElement(expr)


_COMMA = r",\ "
_PRINTER = GDLatexPrinter({"mat_symbol_style": "bold", "mul_symbol": None, "order": "old"})


def latex(expr: Any) -> str:
    """LaTeX of a SymPy object in the package's notation."""
    return _PRINTER.doprint(expr)


def _at(name: sp.Basic, index: sp.Basic, superscript: str) -> sp.Basic:
    """The iterate ``name`` (``w^(k)``) at another superscript (``w^(k+1)``, ``w^(0)``), for
    printing a recurrence."""
    text = str(name).replace(f"^({index})", f"^({superscript})")
    if isinstance(name, sp.MatrixSymbol):
        return sp.MatrixSymbol(text, *name.shape)
    return sp.Symbol(text)


def _escape(text: str) -> str:
    """Escape a reason for LaTeX text mode, keeping ``$...$`` math as written."""
    parts = re.split(r"(\$[^$]*\$)", text)
    table = {
        "&": r"\&",
        "%": r"\%",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
        "\\": r"\textbackslash{}",
        # the math \S is in cmsy (outlines); text's \S and utf-8's § are TS1, a bitmap font
        # in a plain article (OT1, no cm-super)
        "§": r"$\S$",
    }
    return "".join(p if p.startswith("$") else "".join(table.get(c, c) for c in p) for p in parts)


_LINE = 62
"""Visible characters of math that fit on one line of the document (A4, 2 cm margins, 11 pt)."""
_SIDE = 32


def _visible(tex: str) -> int:
    """A rough count of the characters a LaTeX math string shows."""
    tex = re.sub(r"\\(left|right|mathbf|boldsymbol|tilde|top|dagger)\b", "", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)
    return len(re.sub(r"[{}^_\s]", "", tex))


_ENVIRONMENT = re.compile(r"\\(begin|end)\{[A-Za-z*]+\}")


def drop_alignment(line: str) -> str:
    """``line`` without its alignment points: the ``&`` outside environments (those inside
    ``cases`` or a matrix separate columns and stay)."""
    out, depth, i = [], 0, 0
    while i < len(line):
        env = _ENVIRONMENT.match(line, i)
        if env:
            depth += 1 if env.group(1) == "begin" else -1
            out.append(env.group(0))
            i = env.end()
            continue
        if line[i] == "&" and depth == 0 and (i == 0 or line[i - 1] != "\\"):
            i += 1
            continue
        out.append(line[i])
        i += 1
    return "".join(out).strip()


def _terms(tex: str) -> list[str]:
    """Split a printed sum at its top-level + and - signs (each piece keeps its sign)."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        env = _ENVIRONMENT.match(tex, i)
        if env:  # \begin{cases} ... \end{cases} is one term: never split inside it
            depth += 1 if env.group(1) == "begin" else -1
            i = env.end()
            continue
        if tex.startswith(r"\left", i):
            depth += 1
            i += 5
            continue
        if tex.startswith(r"\right", i):
            depth -= 1
            i += 6
            continue
        ch = tex[i]
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth == 0 and tex.startswith((" + ", " - "), i) and i > start:
            pieces.append(tex[start:i].strip())
            start = i + 1
        i += 1
    pieces.append(tex[start:].strip())
    return [p for p in pieces if p]


def _fit(tex: str, width: int) -> str:
    """``tex`` as is when it is short, else a ``multlined`` block broken at top-level signs."""
    if _visible(tex) <= width:
        return tex
    lines, current = [], ""
    for term in _terms(tex):
        if current and _visible(current + term) > width:
            lines.append(current)
            current = term
        else:
            current = f"{current} {term}".strip()
    lines.append(current)
    if len(lines) == 1:
        return tex
    return r"\begin{multlined}[t] " + r" \\ ".join(lines) + r" \end{multlined}"


def _relation(lhs: str, op: str, rhs: str) -> str:
    """``lhs &op rhs`` with long sides broken over several lines."""
    if _visible(lhs) + _visible(rhs) <= _LINE:
        return f"{lhs} &{op} {rhs}"
    side = _SIDE if _visible(lhs) > _SIDE else _LINE - _visible(lhs)
    return f"{_fit(lhs, _SIDE)} &{op} {_fit(rhs, side)}"


_UNICODE = {
    "…": r"\ldots{}",
    "–": "--",
    "—": "---",
    "×": r"$\times$",
    "∈": r"$\in$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
}


def _plain(text: str) -> str:
    """Escape text from a certificate (no math in it) for LaTeX; a few symbols it may use are
    spelled out, anything else outside ASCII is dropped (pdflatex would stop at it)."""
    out = _escape(text.replace("$", ""))
    for char, tex in _UNICODE.items():
        out = out.replace(char, tex)
    return out.encode("ascii", "ignore").decode()


def render_mark(cert: Certificate | None) -> str:
    r"""The mark beside a step: its level in small capitals, then (smaller) the method.

    A checked step says where it was checked: ``\textsc{checked at n=5,6}`` (see
    :func:`gdflow.derive.report.mark`).  A passing certificate
    without a level is shown as ``\textbf{no level}``, a failing one by why it fails
    (``\textbf{UNVERIFIED}``, ``\textbf{UNVERIFIED (TIME)}``, ``\textbf{VACUOUS}``,
    ``\textbf{REJECTED}``).

    >>> render_mark(Certificate(True, "symbolic", "the difference simplifies to 0", level="proved"))
    '\\textsc{proved} {\\scriptsize\\textit{symbolic}}'
    >>> render_mark(Certificate(False, "unverified", "no symbolic decision"))
    '\\textbf{UNVERIFIED}'
    """
    if cert is None:
        return r"\textbf{not checked}"
    shown = status(cert)
    method = r" {\scriptsize\textit{" + _plain(cert.method) + "}}"
    if shown is Status.CHECKED:
        return r"\textsc{" + _plain(mark(cert)) + "}" + method
    if shown.passed:
        return r"\textsc{" + shown + "}" + method
    if shown is Status.NO_LEVEL:
        return r"\textbf{no level}" + method
    return r"\textbf{" + _plain(shown.upper()) + "}"


def _reason(step: Step, extra: str = "", given: bool = True) -> str:
    """The reason of a step in text mode, with its step-level conditions (unless ``given`` is
    False: the math shows them) and its mark."""
    tag = render_mark(step.certificate)
    conditions = ""
    if given and step.given is not None and step.given.conditions:
        conditions = " (if $" + _COMMA.join(latex(c) for c in step.given.conditions) + "$)"
    return _escape(step.reason) + conditions + extra + r" \hfill{\footnotesize[" + tag + "]}"


class _StepLatex:
    """The LaTeX of one step, kind by kind (a :class:`~gdflow.derive.derivation.ClaimVisitor`):
    its align lines (math only, ``&`` before the relation) and its reason."""

    def __init__(self, step: Step, previous: Step | None) -> None:
        self.step = step
        self.previous = previous

    def identity(self, c: Identity) -> tuple[list[str], str]:
        prev = self.previous.claim if self.previous is not None else None
        if isinstance(prev, Identity) and prev.rhs == c.lhs:  # a chain: = rhs on the next line
            return [f"&= {_fit(latex(c.rhs), _LINE)}"], _reason(self.step)
        return [_relation(latex(c.lhs), "=", latex(c.rhs))], _reason(self.step)

    def definition(self, c: Definition) -> tuple[list[str], str]:
        if c.rhs is None:
            return [f"& {latex(c.lhs)}"], _reason(self.step)
        return [_relation(latex(c.lhs), r"\coloneqq", latex(c.rhs))], _reason(self.step)

    def holds(self, c: Holds) -> tuple[list[str], str]:
        conds = self.step.given.conditions if self.step.given is not None else ()
        if conds:
            joined = _COMMA.join(latex(x) for x in conds)
            return [rf"{joined} &\implies {latex(c.condition)}"], _reason(self.step, given=False)
        return [f"& {latex(c.condition)}"], _reason(self.step)

    def equivalent(self, c: Equivalent) -> tuple[list[str], str]:
        return [rf"{latex(c.left)} &\iff {latex(c.right)}"], _reason(self.step)

    def recurrence(self, c: Recurrence) -> tuple[list[str], str]:
        shifted, first = _at(c.name, c.index, f"{c.index}+1"), _at(c.name, c.index, "0")
        lines = [
            rf"{latex(shifted)} &= {latex(c.update_expression())},"
            rf"\qquad {latex(first)} = {latex(c.initial)}",
            r"\implies " + _relation(latex(c.name), "=", latex(c.solution)),
        ]
        how = "; the recurrence, then its solution, by induction on $" + latex(c.index) + "$"
        return lines, _reason(self.step, how)

    def refuted(self, c: Refuted) -> tuple[list[str], str]:
        extra = ""
        cert = self.step.certificate
        if cert is not None and cert.counterexample:
            extra = "; fails at $" + _COMMA.join(counterexample_latex(cert.counterexample)) + "$"
        return [_relation(latex(c.lhs), r"\neq", latex(c.rhs))], _reason(self.step, extra)


def render_step(step: Step, previous: Step | None = None) -> tuple[list[str], str]:
    """The align lines (math only, ``&`` before the relation) of one step, and its reason."""
    return step.claim.accept(_StepLatex(step, previous))


def _value(v: Any) -> str:
    """LaTeX of a counterexample value (a rational as text, or a matrix as nested lists)."""
    if isinstance(v, list):
        rows = [" & ".join(latex(sp.Rational(x)) for x in row) for row in v]
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    return latex(sp.Rational(v)) if re.fullmatch(r"-?\d+(/\d+)?", str(v)) else _escape(str(v))


def counterexample_latex(values: Mapping[str, Any]) -> list[str]:
    """``name = value`` in LaTeX for each entry of a counterexample: the name as the equations
    print it (bold for a matrix or vector), a rational as a fraction, a matrix as a
    ``bmatrix``."""
    return [f"{render_name(k, bold=isinstance(v, list))} = {_value(v)}" for k, v in values.items()]


def claim_latex(step: Step) -> str:
    """The math of one step on its own (no alignment, no reason): for JSON and Markdown."""
    lines, _ = render_step(replace(step, certificate=None), None)
    return r",\qquad ".join(drop_alignment(line) for line in lines)


def _align(steps: Iterable[Step], label: str | None) -> str:
    """An align environment: each step's reason as a short line of text above its math, the
    last line numbered and labelled."""
    rows: list[str] = []
    previous = None
    for step in steps:
        lines, reason = render_step(step, previous)
        text = r"\shortintertext{\small " + reason + "}"
        rows.append(text + "\n" + lines[0])
        rows.extend(lines[1:])
        previous = step
    body = [row + r" \nonumber" for row in rows]
    if label is not None and body:
        body[-1] = rows[-1] + rf" \label{{{label}}}"
    return "\\begin{align}\n" + " \\\\\n".join(body) + "\n\\end{align}"


def render_derivation(d: Derivation) -> str:
    """One derivation as a LaTeX section: title, source, assumptions, align chain."""
    verdict = "verified" if d.verified else r"\textbf{NOT VERIFIED}"
    out = [
        rf"\section{{{_escape(d.title)}}}\label{{sec:{d.id}}}",
        rf"\noindent\texttt{{{_escape(d.id)}}} \quad Source: {_escape(str(d.source))}"
        rf" \quad ({verdict})",
        r"\par\noindent{\small " + _plain(summary([d])) + "}",
    ]
    if d.summary:
        out.append(r"\par\medskip\noindent " + _escape(d.summary))
    if d.assumptions.text:
        # the math bullet (cmsy, outlines): itemize's \textbullet is TS1, a bitmap font in a
        # plain article without cm-super
        items = "\n".join(r"\item[$\bullet$] " + _escape(t) for t in d.assumptions.text)
        out.append("\\paragraph{Assumptions.}\n\\begin{itemize}\n" + items + "\n\\end{itemize}")
    out.append(_align(d.steps, f"eq:{d.id}"))
    if d.source_claims:
        out.append(r"\paragraph{Source claims that do not hold.}")
        out.append(_align(d.source_claims, None))
    return "\n".join(out)


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb,mathtools,bm}
\IfFileExists{lmodern.sty}{\usepackage[T1]{fontenc}\usepackage{lmodern}}{}
\usepackage[hidelinks,bookmarks,bookmarksnumbered]{hyperref}
\allowdisplaybreaks
\title{%s}
\author{gdflow}
\date{}
\begin{document}
\maketitle
"""

_LEVELS_EXPLAINED = r"""\paragraph{How far each line is to be trusted.}
Every step below went through gdflow's verifier before it was printed.  The mark beside its
reason names the \emph{level} of its certificate, and after it, smaller, the method that
decided it.
\begin{center}
\begin{tabular}{@{}lp{0.72\textwidth}@{}}
\textsc{proved} & a symbolic proof, confirmed at exact instances, or an exact decision \\
\textsc{checked at} \ldots & exact agreement on every rank stratum at the sizes named in the mark,
  and only there \\
\textsc{evidence} & numeric agreement only \\
\textsc{stated} & a definition or hypothesis: stated, not proved \\
\textbf{UNVERIFIED} & no method decided the step (\textbf{UNVERIFIED (TIME)}: its time bound ran
  out); it is not passed \\
\textbf{VACUOUS} & the step's assumptions cannot all hold; it is not passed \\
\textbf{REJECTED} & the verifier found the step false \\
\end{tabular}
\end{center}
\noindent A statement of a source recorded as false is refuted by an exact counterexample, and
its level is that of the refutation.  This document: %s.
"""


def render_document(
    derivations: Iterable[Derivation], title: str = "Dynamics of gradient descent"
) -> str:
    """A standalone LaTeX document (article, amsmath) of the given derivations.

    Its fonts are outlines: Latin Modern in T1 encoding when ``lmodern.sty`` is installed,
    else Computer Modern in its original encoding (T1 without Latin Modern or cm-super would
    be bitmap, Type 3, fonts).  hyperref makes the sections PDF bookmarks.  Before each
    derivation a ``\\typeout`` names it in the log (see :func:`overfull_boxes`)."""
    derivations = list(derivations)
    head = (_PREAMBLE % _escape(title)) + (_LEVELS_EXPLAINED % _plain(summary(derivations)))
    return head + "\n" + _bodies(derivations) + "\n\\end{document}\n"


LOG_MARKER = "gdflow derivation: "
"""What ``\\typeout`` writes to the LaTeX log before each derivation (see
:func:`overfull_boxes`)."""

FRAGMENT_PACKAGES = ("amsmath", "amssymb", "mathtools", "bm")
"""The packages a fragment needs: ``align``, ``\\boldsymbol`` and ``\\text`` (amsmath), the
blackboard letters (amssymb), ``multlined``, ``\\coloneqq`` and ``\\shortintertext``
(mathtools); with bm loaded, ``\\boldsymbol`` is bm's ``\\bm`` (a real bold font where one
exists rather than amsmath's overprinting)."""


def _bodies(derivations: Iterable[Derivation]) -> str:
    """The derivations one after another, each after a ``\\typeout`` that names it in the log
    (``\\par`` first, so that whatever came before is typeset, and reported, before it)."""
    return "\n\n".join(
        rf"\par\typeout{{{LOG_MARKER}{d.id}}}" + "\n" + render_derivation(d) for d in derivations
    )


def render_fragment(derivations: Iterable[Derivation]) -> str:
    r"""Only the bodies of the derivations, for ``\input`` into one's own document.

    No ``\documentclass``, preamble or ``\begin{document}``: the first line is a comment
    naming the packages the body needs (:data:`FRAGMENT_PACKAGES`), so it compiles inside
    ``\documentclass{article}`` with ``\usepackage{amsmath,amssymb,mathtools,bm}``.  Each
    derivation is a ``\section`` labelled ``sec:<id>`` whose last line is labelled
    ``eq:<id>``, as in :func:`render_document`.  Long chains may break across pages: the
    fragment allows display breaks inside its own group (``\begingroup\allowdisplaybreaks``
    ... ``\endgroup``), leaving the including document's setting alone.
    """
    derivations = list(derivations)
    packages = ",".join(FRAGMENT_PACKAGES)
    head = (
        rf"% gdflow fragment: needs \usepackage{{{packages}}}" + "\n"
        f"% derivations: {', '.join(d.id for d in derivations)}; {_plain(summary(derivations))}"
        "\n"
    )
    return head + "\\begingroup\\allowdisplaybreaks\n" + _bodies(derivations) + "\n\\endgroup\n"


@dataclass(frozen=True)
class Overfull:
    """An overfull ``\\hbox`` from the LaTeX log: how far it sticks out (points), where (the
    log's ``lines 12--34`` or ``line 55`` of the source) and the derivation it falls in (None
    before the first derivation, e.g. in the explanation of the levels)."""

    derivation: str | None
    points: float
    lines: str

    def __str__(self) -> str:
        where = self.derivation or "outside any derivation"
        return f"{where}: overfull \\hbox, {self.points:g}pt too wide (source {self.lines})"


@dataclass(frozen=True)
class PdfBuild:
    """A built PDF and the overfull boxes over the threshold its LaTeX log reports."""

    path: Path
    overfull: tuple[Overfull, ...]


_OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<pt>\d+(?:\.\d+)?)pt too wide\) "
    r"(?:in paragraph at lines (?P<lines>\d+--\d+)|in alignment at lines (?P<align>\d+--\d+)"
    r"|detected at line (?P<line>\d+))"
)


def overfull_boxes(log: str, threshold: float = 1.0) -> list[Overfull]:
    """The ``Overfull \\hbox`` lines of a LaTeX log wider than ``threshold`` points, each named
    by the derivation it falls in: the last ``\\typeout`` marker (written before each
    derivation by :func:`render_document` and :func:`render_fragment`) above it in the log."""
    found: list[Overfull] = []
    current: str | None = None
    for line in log.splitlines():
        if line.startswith(LOG_MARKER):
            current = line[len(LOG_MARKER) :].strip() or None
            continue
        m = _OVERFULL.match(line)
        if m and float(m["pt"]) > threshold:
            box = Overfull(current, float(m["pt"]), m["lines"] or m["align"] or m["line"])
            if box not in found:  # amsmath sets an alignment twice (measure, then typeset)
                found.append(box)
    return found


def build_pdf(tex: str, output: Path, threshold: float = 1.0) -> PdfBuild:
    """Compile a LaTeX document to ``output`` (a .pdf path) with latexmk, else pdflatex, and
    read its log for overfull boxes wider than ``threshold`` points (:func:`overfull_boxes`).

    Overfull boxes do not fail the build; the caller reports them.  Raises ``RuntimeError``
    naming what is missing when neither engine is installed, and with the end of the log when
    compilation fails.
    """
    engine = shutil.which("latexmk") or shutil.which("pdflatex")
    if engine is None:
        raise RuntimeError(
            "cannot write a PDF: neither latexmk nor pdflatex is installed "
            "(on Debian: apt-get install latexmk texlive-latex-recommended); "
            "write LaTeX with -o FILE.tex instead"
        )
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "derivations.tex"
        src.write_text(tex)
        log = Path(tmp) / "derivations.log"
        if Path(engine).name == "latexmk":
            cmd = [engine, "-pdf", "-interaction=nonstopmode", "-halt-on-error", src.name]
            runs = 1
        else:
            cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", src.name]
            runs = 2
        for _ in range(runs):
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                tail = (
                    log.read_text(errors="replace")[-3000:] if log.exists() else proc.stdout[-3000:]
                )
                raise RuntimeError(f"LaTeX failed ({' '.join(cmd)}):\n{tail}")
        overfull = overfull_boxes(log.read_text(errors="replace"), threshold)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "derivations.pdf", output)
    return PdfBuild(output, tuple(overfull))


def compile_pdf(tex: str, output: Path) -> Path:
    """Compile a LaTeX document to ``output`` (a .pdf path): :func:`build_pdf`, its path only.

    Raises ``RuntimeError`` naming what is missing when neither latexmk nor pdflatex is
    installed, and with the end of the log when compilation fails.
    """
    return build_pdf(tex, output).path
