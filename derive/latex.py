"""LaTeX for derivations: a printer for the package's notation, align chains, documents.

Notation
--------
- Matrices and vectors (``MatrixSymbol``) are bold: ``\\mathbf{A}``, ``\\boldsymbol{\\Phi}``;
  a 1×1 ``MatrixSymbol`` is a scalar (``c``, ``a(t)``), the loss ``J`` or ``L`` calligraphic.
  Reasons' ``$...$`` math is typeset in the same notation, and the reader's renames apply to
  both (:mod:`gdflow.derive.typeset`).
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

import functools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import typeset
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

_GREEK = set(typeset.GREEK)
_SPECIAL = {
    "star": r"\star",
    "inf": r"\infty",
    "oo": r"\infty",
    "max": r"\max",
    "min": r"\min",
    "top": r"\top",
}
_NAME = re.compile(
    r"^(?P<base>[A-Za-z]+)(?P<tilde>~)?(?:_(?P<sub>[^^(]+))?(?:\^\((?P<sup>[^)]*)\))?(?:\((?P<arg>[^)]*)\))?$"
)
_BRACKETED = re.compile(r"^(?P<op>E|Var|Cov)\[(?P<body>.*)\]$")


def _piece(text: str, arg: bool = False) -> str:
    """Render a sub/superscript or an argument: comma lists, specials, names (renamed; in an
    argument, bold when the name is a vector of the derivation being rendered), ``k+1``."""
    names = typeset.current_names()
    out = []
    for token in re.split(r"([,+\-\s])", text):
        if token in _SPECIAL:
            out.append(_SPECIAL[token])
        elif _NAME.match(token):
            key = typeset.split_name(token)
            bold = (
                arg
                and names is not None
                and key is not None
                and names.is_bold(("~" if key[1] else "") + key[0], superscript=True)
            )
            out.append(render_name(token, bold=bool(bold)))
        else:
            out.append(token)
    return "".join(out)


def _bracketed(name: str) -> str | None:
    """An expectation or variance written out as a name (``E[Bz + c]``,
    ``Var[f(x_star, t)]``): ``\\mathbb{E}[\\mathbf{B}\\mathbf{z} + \\mathbf{c}]``, its inside
    read as plain math (:func:`gdflow.derive.typeset.math`), the names in it in the
    package's convention (``x_star``, ``mu_0``) first."""
    m = _BRACKETED.match(name)
    if m is None:
        return None
    body = re.sub(r"\b([A-Za-z]+)_(star|[0-9]+)\b", r"\1_{\2}", m["body"])
    body = re.sub(
        r"(?<![A-Za-z\\])[A-Za-z]+(?![A-Za-z])",
        lambda w: _SPECIAL[w[0]] if w[0] in _SPECIAL else "\\" + w[0] if w[0] in _GREEK else w[0],
        body,
    )
    op = r"\mathbb{E}" if m["op"] == "E" else rf"\operatorname{{{m['op']}}}"
    return op + r"\left[" + typeset.math(body) + r"\right]"


def render_name(name: str, bold: bool = False, loss: bool = False) -> str:
    """LaTeX for a symbol name in the package's convention (see the module docstring), under
    the reader's renames in force (:func:`gdflow.derive.typeset.renamed`).  ``loss`` prints a
    one-letter capital base calligraphic (the loss ``J`` as ``\\mathcal{J}``).

    >>> render_name("w^(k)", bold=True)
    '\\\\mathbf{w}^{(k)}'
    >>> render_name("w~_star,j")
    '\\\\tilde{w}_{\\\\star,j}'
    >>> render_name("Phi", bold=True)
    '\\\\boldsymbol{\\\\Phi}'
    >>> render_name("r(inf)", bold=True)
    '\\\\mathbf{r}(\\\\infty)'
    >>> render_name("J", loss=True)
    '\\\\mathcal{J}'
    """
    m = _NAME.match(name)
    if not m:
        bracketed = _bracketed(name)
        return bracketed if bracketed is not None else sp.latex(sp.Symbol(name))
    base = typeset.rename_base(m["base"])
    if loss:
        body = typeset.loss_letter(base)
    elif base in _GREEK:
        body = "\\" + base
        body = rf"\boldsymbol{{{body}}}" if bold else body
    else:
        body = rf"\mathbf{{{base}}}" if bold else base
    sub = m["sub"]
    if sub == "hat" or (sub is not None and sub.startswith("hat,")):
        body = rf"\hat{{{body}}}"
        sub = sub[4:] or None
    if m["tilde"]:
        body = rf"\tilde{{{body}}}"
    if sub:
        body += "_{" + _piece(sub) + "}"
    if m["sup"] is not None:
        body += "^{(" + _piece(m["sup"]) + ")}"
    if m["arg"] is not None:
        body += "(" + _piece(m["arg"], arg=True) + ")"
    return body


def _factor_rank(factor: Any) -> tuple[int, int]:
    """Where a factor goes in a printed product: numbers, then the parameters in the order of
    :data:`gdflow.derive.typeset.PARAMETERS`, then the other symbols (the data), then the
    rest (functions, sums)."""
    base = factor.base if factor.is_Pow else factor
    if factor.is_Number or (isinstance(base, sp.Symbol) and base.name.isdigit()):
        return (0, 0)
    if isinstance(base, sp.Symbol):
        if base.name in typeset.PARAMETERS:
            return (1, typeset.PARAMETERS.index(base.name))
        return (2, 1 if "^(" in base.name else 0)  # an iterate after its coefficient
    return (3, 0)


class GDLatexPrinter(LatexPrinter):
    r"""SymPy's LaTeX printer in the package's notation: vectors and matrices bold, scalars
    (including 1×1 matrices) not, the loss calligraphic, the reader's renames applied,
    products in textbook order (numbers, parameters, data), ``\mathbf{B}^{\top\dagger}`` and
    ``\mathbf{B}^{-\top}``."""

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        return render_name(expr.name)

    def _print_MatrixSymbol(self, expr: Any) -> str:
        if expr.shape == (1, 1):  # a scalar: a(t), the constant c, the loss J
            key = typeset.split_name(expr.name)
            return render_name(expr.name, loss=key is not None and key[0] in typeset.LOSSES)
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

    def _script(self, arg: Any, mark: str) -> str:
        r"""``arg`` with the superscript ``mark``; a transposed symbol merges its marks:
        ``(\mathbf{B}^\top)^\dagger`` prints ``\mathbf{B}^{\top\dagger}``, the inverse of a
        transpose ``\mathbf{B}^{-\top}``."""
        if isinstance(arg, sp.Transpose) and isinstance(arg.arg, sp.MatrixSymbol):
            inner = self._print(arg.arg)
            if "^" not in inner:
                merged = r"-\top" if mark == "-1" else r"\top" + mark
                return inner + "^{" + merged + "}"
        return self._wrap(arg) + "^{" + mark + "}"

    def _print_Transpose(self, expr: Any) -> str:
        if getattr(expr.arg, "shape", None) == (1, 1) and isinstance(expr.arg, sp.MatrixSymbol):
            return self._print(expr.arg)  # a scalar is its own transpose
        return self._wrap(expr.arg) + r"^{\top}"

    def _print_Pinv(self, expr: Any) -> str:
        return self._script(expr.arg, r"\dagger")

    def _print_Mul(self, expr: Any) -> str:
        """A product in textbook order: the number, then the parameters (``k``, ``t``, ``N``,
        ``\alpha``, ...), then the data: ``-k\alpha\tilde{b}_{j}``.  Fractions and
        non-commuting products are SymPy's."""
        coeff, factors = expr.as_coeff_mul()
        ordered = sorted(factors, key=_factor_rank)
        if (
            ordered == list(factors)
            or not expr.is_commutative
            or not coeff.is_Integer
            or any(f.is_Pow and f.exp.could_extract_minus_sign() for f in factors)
        ):
            return str(super()._print_Mul(expr))
        parts: list[str] = [] if abs(coeff) == 1 else [self._print(abs(coeff))]
        for i, factor in enumerate(ordered):
            text = self._print(factor)
            if self._needs_mul_brackets(
                factor, first=not parts and i == 0, last=i == len(ordered) - 1
            ):
                text = rf"\left({text}\right)"
            parts.append(rf"\cdot {text}" if parts and text[:1].isdigit() else text)
        return ("- " if coeff < 0 else "") + " ".join(parts)

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
        if coeff == 0 or isinstance(mats, sp.ZeroMatrix):
            return r"\mathbf{I}"  # e^{0} is the identity
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
        return self._script(expr.arg, "-1")

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
        scalars = [a for a in expr.args if not getattr(a, "is_Matrix", False)]
        if len(scalars) > 1:  # several scalar factors: one product, in textbook order
            mats = [a for a in expr.args if getattr(a, "is_Matrix", False)]
            scalar = sp.Mul(*scalars)
            text = self._print(scalar)
            if isinstance(scalar, sp.Add):
                text = rf"\left({text}\right)"
            rest = self._print(sp.MatMul(*mats)) if len(mats) > 1 else self._wrap_factor(mats[0])
            return f"{text} {rest}"
        return str(super()._print_MatMul(expr))

    def _wrap_factor(self, arg: Any) -> str:
        text = self._print(arg)
        return rf"\left({text}\right)" if isinstance(arg, sp.MatAdd) else text

    def _print_MatAdd(self, expr: Any) -> str:
        """Terms with a plus sign first (``I - αA``, not ``-αA + I``), the rest in SymPy's order;
        among the first, those constant in the index or time (``k``, ``t``) lead, as in a
        textbook's ``\\mathbf{w}^{(\\infty)} + (\\mathbf{I} - \\alpha\\mathbf{A})^{k}(\\ldots)``."""
        terms = list(expr.args)
        negative = [t for t in terms if sp.Mul(*t.as_coeff_mmul()[:1]).could_extract_minus_sign()]
        positive = sorted(
            (t for t in terms if t not in negative),
            # "0" is the index of a printed base case (_StepLatex.recurrence)
            key=lambda t: any(str(x) in ("k", "t", "0") for x in t.free_symbols),
        )
        ordered = positive + negative
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
    """LaTeX of a SymPy object in the package's notation, under the reader's renames in force
    (:func:`gdflow.derive.typeset.renamed`).  Outside a derivation being rendered, the names
    of ``expr`` itself decide which arguments are vectors (``\\mathcal{J}(\\mathbf{w})``)."""
    if typeset.current_names() is None:
        with typeset.naming(typeset.names_in([expr])):
            return str(_PRINTER.doprint(expr))
    return str(_PRINTER.doprint(expr))


def _at(name: sp.Basic, index: sp.Basic, superscript: str) -> sp.Basic:
    """The iterate ``name`` (``w^(k)``) at another superscript (``w^(k+1)``, ``w^(0)``), for
    printing a recurrence."""
    text = str(name).replace(f"^({index})", f"^({superscript})")
    if isinstance(name, sp.MatrixSymbol):
        return sp.MatrixSymbol(text, *name.shape)
    return sp.Symbol(text)


def _escape(text: str, names: typeset.Names | None = None, bare: bool = True) -> str:
    """Escape a reason for LaTeX text mode; its ``$...$`` math is typeset in the notation of
    the equations (:func:`gdflow.derive.typeset.math` with ``names``, by default those of the
    derivation being rendered): ``$I - \\alpha A$`` prints as the equations'
    ``\\mathbf{I} - \\alpha\\mathbf{A}``, renames applied; a bare name in the text
    (``A symmetric``) is put in math first (:func:`gdflow.derive.typeset.mark_names`) unless
    ``bare`` is False."""
    if bare:
        text = typeset.mark_names(text, names)
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
    return "".join(
        "$" + typeset.math(p[1:-1], names) + "$"
        if p.startswith("$") and len(p) > 1
        else "".join(table.get(c, c) for c in p)
        for p in parts
    )


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
    out = _escape(text.replace("$", ""), bare=False)
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
    names = typeset.current_names() or typeset.names_in(step.claim.parts())
    reason = _escape(step.reason, names)
    return reason + conditions + extra + r" \hfill{\footnotesize[" + tag + "]}"


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
        """The update (with the initial value when it is not the iterate's own name), the
        base case (the solution at index 0 is the initial value, written out: no printed
        tautology; left out, and said so, when the solution does not depend on the index),
        then the solution."""
        shifted, first = _at(c.name, c.index, f"{c.index}+1"), _at(c.name, c.index, "0")
        update = rf"{latex(shifted)} &= {latex(c.update_expression())}"
        if str(first) != str(c.initial):  # same name (assumptions aside): nothing to state
            update += rf",\qquad {latex(first)} = {latex(c.initial)}"
        # the index as the printed digit 0, so that SymPy keeps (I - alpha A)^0 as written
        zero = sp.Symbol("0", integer=True, nonnegative=True)
        base = c.solution.xreplace({c.index: zero})
        k = latex(c.index)
        lines = [update]
        if latex(base) != latex(c.initial):
            lines.append(_relation(latex(base), "=", latex(c.initial)))
            how = (
                f"; the recurrence, its base case ${k} = 0$, then its solution by induction "
                f"on ${k}$"
            )
        else:  # a solution constant in k: its base case is the initial value itself
            how = (
                f"; the recurrence, then its solution by induction on ${k}$ (constant in ${k}$, "
                "it is the initial value at 0)"
            )
        lines.append(r"\implies " + _relation(latex(c.name), "=", latex(c.solution)))
        return lines, _reason(self.step, how)

    def refuted(self, c: Refuted) -> tuple[list[str], str]:
        extra = ""
        cert = self.step.certificate
        if cert is not None and cert.counterexample:
            extra = (
                "; fails at $"
                + _COMMA.join(
                    f"{render_name(k, bold=isinstance(v, list))} = {_value(v)}"
                    for k, v in cert.counterexample.items()
                )
                + "$"
            )
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


def claim_latex(step: Step) -> str:
    """The math of one step on its own (no alignment, no reason): for JSON and Markdown."""
    lines, _ = render_step(replace(step, certificate=None), None)
    return r",\qquad ".join(drop_alignment(line) for line in lines)


def _in_notation(render: Callable[[Derivation], str]) -> Callable[[Derivation], str]:
    """``render`` with the names of its derivation in force
    (:func:`gdflow.derive.typeset.naming`): its reasons, summary and assumptions are typeset
    in the notation of its equations."""

    @functools.wraps(render)
    def rendered(d: Derivation) -> str:
        with typeset.naming(typeset.names_of(d)):
            return render(d)

    return rendered


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


@_in_notation
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
