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
:mod:`gdflow.derive.report`) and, smaller, the method that decided it; consecutive steps on
one object as one ``&=`` chain (001 eq 11-16); the final line numbered and labelled
``eq:<id>``, the line of each formula's proving step ``eq:<id>:<key>``; the section is
labelled ``sec:<id>`` and names its source document by title and section (the seed file in a
footnote).  Source claims found false are rendered after it, under their own heading, each
counterexample displayed.  A document opens with a table of contents, then what the levels
mean and how many steps have each.  Claims are printed kind by kind by a
:class:`~gdflow.derive.derivation.ClaimVisitor`.

Layout
------
:func:`render_step` gives each step's lines whole; :func:`_align` lays them out for the page
(:func:`_layout`): a left side wider than 40% of the line gets a row of its own
(``\\MoveEqLeft``), and every side wider than what is left is broken by :func:`_lines` at
top-level operators, inside parentheses and matrix cells, into a ``multlined`` block.  Widths
are estimated (:func:`_width`, checked against TeX's own on the whole catalogue); the document
is laid out for its text width (:data:`DOCUMENT_WIDTH`), a fragment for a plain article's
(:data:`ARTICLE_WIDTH`).  :func:`build_pdf` reads the LaTeX log, and with ``strict=True`` an
overfull box is an :class:`OverfullError` naming its derivation.
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
    "ARTICLE_WIDTH",
    "DOCUMENT_WIDTH",
    "OverfullError",
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
    package's convention (``x_star``, ``mu_0``) first, and a matrix's ``^+`` its
    pseudoinverse (``E[X^+ X]`` is :math:`\\mathbb{E}[\\mathbf{X}^\\dagger\\mathbf{X}]`)."""
    m = _BRACKETED.match(name)
    if m is None:
        return None
    body = re.sub(r"\b([A-Za-z]+)_(star|[0-9]+)\b", r"\1_{\2}", m["body"])
    body = re.sub(
        r"(?<![A-Za-z\\])[A-Za-z]+(?![A-Za-z])",
        lambda w: _SPECIAL[w[0]] if w[0] in _SPECIAL else "\\" + w[0] if w[0] in _GREEK else w[0],
        body,
    )
    # a matrix's ^+ inside the brackets is its pseudoinverse, as in the code's names (X^+ X)
    body = re.sub(r"([A-Za-z}])\^\+", r"\1^\\dagger", body)
    body = re.sub(r"\^(-?[0-9]+)", r"^{\1}", body)  # ^-1: the whole exponent raised
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

    def _print_Add(self, expr: Any, order: str | None = None) -> str:
        """A sum as textbooks write it: the terms with a plus sign first (in SymPy's order:
        ``1 + \\frac{D}{N - D - 1}``), then the negative ones, a negative constant last
        (``N - D - 1``, ``u + e^{-u} - 1``, ``1 - \\alpha x``)."""
        terms = list(self._as_ordered_terms(expr, order=order))
        if len(terms) < 2:
            return super()._print_Add(expr, order)
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        negative = [t for t in negative if not t.is_number] + [t for t in negative if t.is_number]
        out = ""
        for i, term in enumerate(positive + negative):
            if term.could_extract_minus_sign():
                text, sign = self._print(-term), " - "
            else:
                text, sign = self._print(term), " + "
            if self._needs_add_brackets(term):
                text = rf"\left({text}\right)"
            out += (sign if i else sign.strip()) + text
        return out.lstrip("+ ").strip() if not out.startswith("-") else out

    def _print_Mul(self, expr: Any) -> str:
        r"""A product in textbook order: the number, then the parameters (``k``, ``t``, ``N``,
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

    def _print_exp(self, expr: Any, exp: str | None = None) -> str:
        """``e^{-u}`` while the exponent is short and flat; ``\\exp(...)`` when it holds a
        fraction or a long product, which a superscript would shrink to an unreadable size
        (the normal density's quadratic form)."""
        inner = self._print(expr.args[0])
        if r"\frac" in inner or len(re.sub(r"\\[A-Za-z]+|[{}\s]", "", inner)) > 12:
            out = rf"\exp\left({inner}\right)"
        else:
            out = "e^{" + inner + "}"
        return rf"{out}^{{{exp}}}" if exp is not None else out

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


# --- measuring and breaking math for the page --------------------------------------------------
#
# A display line is laid out by estimate, not by TeX: :func:`_width` reads a LaTeX math string
# and adds up the widths (in points at 10 pt, Computer/Latin Modern) its symbols take, and
# :func:`_lines` breaks a string that is too wide at its top-level separators: first at a
# ``\qquad`` between statements, then at + and -, then between the factors of a product, then
# inside a parenthesis, a fraction's numerator or the cells of a matrix.  The estimate errs wide;
# the compile tests (tests/test_layout.py) check that nothing sticks out.

ARTICLE_WIDTH = 345.0
"""The text width of ``\\documentclass{article}`` at 10 pt (points): what a fragment's lines
are broken for (:func:`render_fragment`)."""
DOCUMENT_WIDTH = 439.0
"""The text width of :func:`render_document` (A4, 2 cm margins, 481 pt at 11 pt) in points at
10 pt: the widths :func:`_width` estimates scale with the font."""

_RELATIONS_WORDS = (
    "= < >".split() + r"\coloneqq \neq \ne \le \leq \ge \geq \implies \iff \in \to".split()
)
_GROUP_ARG = frozenset(
    r"\mathbf \boldsymbol \bm \tilde \hat \bar \overline \vec \mathrm \mathcal \mathbb "
    r"\operatorname \text \textit \textsc \textbf \mathit \dot \ddot \widetilde \widehat".split()
)
_TWO_ARGS = frozenset(r"\frac \dfrac \tfrac \binom".split())
_COMMAND_WIDTH = {
    r"\infty": 10.0,
    r"\top": 7.8,
    r"\dagger": 4.5,
    r"\star": 5.0,
    r"\partial": 5.7,
    r"\nabla": 8.3,
    r"\sum": 14.4,
    r"\prod": 12.8,
    r"\int": 10.0,
    r"\lim": 15.0,
    r"\log": 13.0,
    r"\ln": 9.0,
    r"\det": 14.0,
    r"\max": 17.0,
    r"\min": 15.0,
    r"\exp": 15.0,
    r"\sin": 12.0,
    r"\cos": 14.0,
    r"\ldots": 13.4,
    r"\cdots": 13.4,
    r"\dots": 13.4,
    r"\,": 1.7,
    r"\:": 2.2,
    r"\;": 2.8,
    r"\!": -1.7,
    r"\ ": 3.3,
    r"\quad": 10.0,
    r"\qquad": 20.0,
    r"\coloneqq": 17.6,
    r"\neq": 13.4,
    r"\ne": 13.4,
    r"\le": 13.4,
    r"\leq": 13.4,
    r"\ge": 13.4,
    r"\geq": 13.4,
    r"\implies": 28.0,
    r"\iff": 28.0,
    r"\to": 15.6,
    r"\in": 12.3,
    r"\sim": 13.4,
    r"\cdot": 7.2,
    r"\times": 12.2,
    r"\pm": 12.2,
    r"\wedge": 11.1,
    r"\vee": 11.1,
    r"\langle": 3.9,
    r"\rangle": 3.9,
    r"\ell": 4.2,
    r"\\": 0.0,
    r"\limits": 0.0,
    r"\nonumber": 0.0,
    r"\left": 0.0,
    r"\right": 0.0,
    r"\{": 5.0,
    r"\}": 5.0,
    r"\|": 5.0,
    r"\&": 7.8,
}
_CHAR_WIDTH = {
    "+": 12.2,
    "-": 12.2,
    "=": 13.4,
    "<": 13.4,
    ">": 13.4,
    "(": 3.9,
    ")": 3.9,
    "[": 2.8,
    "]": 2.8,
    ",": 4.5,
    "'": 2.8,
    "|": 2.8,
    "/": 5.0,
    ".": 2.8,
    "!": 2.8,
    ":": 2.8,
    ";": 4.5,
    "&": 0.0,
    "~": 3.3,
}
_SCRIPT = 0.8
_UNDER = frozenset(r"\lim \sum \prod \max \min".split())


@dataclass(frozen=True)
class _Atom:
    """One top-level unit of a math string: its base (a symbol, a command with its arguments,
    a group, a ``\\left...\\right`` pair, an environment) with its sub/superscripts, its source
    text, and whether whitespace came before it."""

    text: str
    base: str
    scripts: tuple[str, ...]
    spaced: bool


def _group_end(tex: str, i: int) -> int:
    """The index after the group ``{...}`` that starts at ``tex[i]``."""
    depth = 0
    while i < len(tex):
        if tex[i] == "\\":
            i += 2
            continue
        if tex[i] == "{":
            depth += 1
        elif tex[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(tex)


def _command_end(tex: str, i: int) -> int:
    """The index after the command name at ``tex[i] == '\\\\'``."""
    m = re.compile(r"\\(?:[A-Za-z]+|.)").match(tex, i)
    return m.end() if m else i + 1


def _delimiter_end(tex: str, i: int) -> int:
    """The index after the delimiter that follows ``\\left`` or ``\\right`` at ``tex[i]``."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    return _command_end(tex, i) if tex.startswith("\\", i) else min(i + 1, len(tex))


def _token_end(tex: str, i: int) -> int:
    """The index after the one token (group, command with its arguments, character) at i."""
    if tex[i] == "{":
        return _group_end(tex, i)
    if tex.startswith(r"\begin{", i):
        depth, j = 0, i
        while j < len(tex):
            m = _ENVIRONMENT.match(tex, j)
            if m:
                depth += 1 if m.group(1) == "begin" else -1
                j = m.end()
                if depth == 0:
                    return j
                continue
            j += 1
        return len(tex)
    if tex.startswith(r"\left", i) and not tex[i + 5 : i + 6].isalpha():
        depth, j = 0, i
        while j < len(tex):
            if tex.startswith(r"\left", j) and not tex[j + 5 : j + 6].isalpha():
                depth += 1
                j = _delimiter_end(tex, j + 5)
                continue
            if tex.startswith(r"\right", j) and not tex[j + 6 : j + 7].isalpha():
                depth -= 1
                j = _delimiter_end(tex, j + 6)
                if depth == 0:
                    return j
                continue
            j = _group_end(tex, j) if tex[j] == "{" else j + (2 if tex[j] == "\\" else 1)
        return len(tex)
    if tex[i] == "\\":
        j = _command_end(tex, i)
        name = tex[i:j]
        wanted = 2 if name in _TWO_ARGS else 1 if name in _GROUP_ARG else 0
        if name == r"\sqrt":
            if tex.startswith("[", j):
                j = tex.index("]", j) + 1
            wanted = 1
        for _ in range(wanted):
            while j < len(tex) and tex[j] == " ":
                j += 1
            if j < len(tex):
                j = _token_end(tex, j)
        return j
    if tex[i] == "(":  # a plain parenthesis: one unit up to its match
        depth, j = 0, i
        while j < len(tex):
            if tex[j] == "(":
                depth += 1
            elif tex[j] == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
            j = _group_end(tex, j) if tex[j] == "{" else j + (2 if tex[j] == "\\" else 1)
        return len(tex)
    return i + 1


def _atoms(tex: str) -> list[_Atom]:
    """The top-level units of a math string, each with its scripts (see :class:`_Atom`)."""
    out: list[_Atom] = []
    i, spaced = 0, False
    while i < len(tex):
        if tex[i].isspace():
            i, spaced = i + 1, True
            continue
        if tex[i] in "^_" and out:
            j = i + 1
            while j < len(tex) and tex[j] == " ":
                j += 1
            end = _token_end(tex, j) if j < len(tex) else j
            last = out[-1]
            out[-1] = _Atom(
                last.text + tex[i:end], last.base, (*last.scripts, tex[j:end]), last.spaced
            )
            i = end
            continue
        end = _token_end(tex, i)
        out.append(_Atom(tex[i:end], tex[i:end], (), spaced))
        i, spaced = end, False
    return out


def _unbrace(tex: str) -> str:
    return tex[1:-1] if tex.startswith("{") and tex.endswith("}") else tex


def _cells(body: str) -> list[list[str]]:
    """The rows and cells of an environment's body (split at its own ``\\\\`` and ``&``)."""
    rows: list[list[str]] = [[]]
    cell: list[str] = []
    for atom in _atoms(body):
        if atom.base == "\\\\":
            rows[-1].append(" ".join(cell))
            rows.append([])
            cell = []
        elif atom.base == "&":
            rows[-1].append(" ".join(cell))
            cell = []
        else:
            cell.append(atom.text)
    rows[-1].append(" ".join(cell))
    return [r for r in rows if any(c.strip() for c in r)]


def _environment_width(atom: str) -> float:
    m = re.match(r"\\begin\{([A-Za-z*]+)\}(?:\[[a-z]\])?", atom)
    name = m.group(1) if m else ""
    body = atom[m.end() if m else 0 : atom.rfind(r"\end{")]
    rows = _cells(body)
    if not rows:
        return 0.0
    if name in ("multlined", "gathered", "split", "aligned"):
        return max(sum(_width(c) for c in row) for row in rows)
    columns = max(len(r) for r in rows)
    widths = [max((_width(r[c]) for r in rows if c < len(r)), default=0.0) for c in range(columns)]
    gap = 10.0 if name != "cases" else 12.0
    frame = {"cases": 8.0, "bmatrix": 10.0, "pmatrix": 10.0}.get(name, 0.0)
    return sum(widths) + gap * (columns - 1) + frame + 4.0


def _base_width(base: str) -> float:
    if base.startswith("{"):
        return _width(base[1:-1])
    if base.startswith(r"\begin{"):
        return _environment_width(base)
    if base.startswith(r"\left") and not base[5:6].isalpha():
        inner_start = _delimiter_end(base, 5)
        inner_end = base.rfind(r"\right")
        inner = base[inner_start:inner_end]
        tall = r"\frac" in inner or r"\begin" in inner or r"\sum" in inner
        sides = sum(
            0.0 if d == "." else (6.0 if tall else 3.9)
            for d in (base[5:inner_start].strip(), base[inner_end + 6 :].strip())
        )
        return _width(inner) + sides
    if base.startswith("("):
        return 7.8 + _width(base[1:-1])
    if base.startswith("\\"):
        name_end = _command_end(base, 0)
        name, rest = base[:name_end], base[name_end:].strip()
        if name in _TWO_ARGS:
            num_end = _token_end(rest, 0) if rest else 0
            num, den = rest[:num_end], rest[num_end:].strip()
            return max(_width(_unbrace(num)), _width(_unbrace(den))) + 2.4
        if name == r"\sqrt":
            return _width(_unbrace(rest)) + 8.3
        if name in _GROUP_ARG:
            arg = _unbrace(rest)
            if name.startswith(r"\text") or name == r"\operatorname":
                return 5.0 * len(arg) + 2.0
            if name in (r"\mathbf", r"\boldsymbol", r"\bm"):
                return 1.3 * _width(arg)
            if name in (r"\mathcal", r"\mathbb"):
                return 8.0 * max(1, len(arg))
            return _width(arg)
        if name not in _COMMAND_WIDTH and name[1:2].isupper():
            return 7.0
        return _COMMAND_WIDTH.get(name, 6.0)
    if base.isalpha():
        return 7.5 if base.isupper() else 5.4
    if base.isdigit():
        return 5.0
    return _CHAR_WIDTH.get(base, 6.0)


def _width(tex: str) -> float:
    """An estimate of the width (points, 10 pt type, display style) of a LaTeX math string."""
    total = 0.0
    for n, atom in enumerate(_atoms(tex)):
        base = _base_width(atom.base)
        if n == 0 and atom.base in "+-":
            base = 7.8  # a sign, not a binary operator
        if atom.scripts:
            script = _SCRIPT * max(_width(_unbrace(s)) for s in atom.scripts)
            base = max(base, script) if atom.base in _UNDER else base + script
        total += base
    return total


def _merge_signs(parts: list[list[_Atom]]) -> list[list[_Atom]]:
    """Parts that hold only an operator (``-``, ``\\cdot``) joined to the part after them."""
    out: list[list[_Atom]] = []
    carry: list[_Atom] = []
    for part in parts:
        if all(a.base in ("+", "-", r"\cdot", r"\times") and not a.scripts for a in part):
            carry.extend(part)
            continue
        out.append(carry + part)
        carry = []
    if carry:
        if out:
            out[-1].extend(carry)
        else:
            out.append(carry)
    return out


def _split(atoms: list[_Atom], level: str) -> list[list[_Atom]]:
    """``atoms`` cut before each ``\\qquad`` (level ``qquad``), each relation (``relation``:
    =, ``\\neq``, ...), each binary + or - (``sign``), or each factor of a product
    (``factor``: a unit set off by a space)."""
    parts: list[list[_Atom]] = [[]]
    for atom in atoms:
        plain = atom.spaced and not atom.scripts
        if parts[-1] and (
            (level == "qquad" and atom.base == r"\qquad")
            or (level == "relation" and plain and atom.base in _RELATIONS)
            or (level == "sign" and plain and atom.base in ("+", "-"))
            or (level == "factor" and atom.spaced)
        ):
            parts.append([])
        parts[-1].append(atom)
    return _merge_signs(parts) if level == "factor" else parts


_MATRICES = ("matrix", "bmatrix", "pmatrix")


def _join(atoms: list[_Atom]) -> str:
    return " ".join(a.text for a in atoms)


_LEVELS = (("qquad", ""), ("relation", ""), ("sign", ""), ("factor", r"\cdot "))


@dataclass(frozen=True)
class _Item:
    """A piece of a flattened expression: a ``token`` (unbreakable text), a ``break`` (a place
    to start a new line, at parenthesis ``depth`` and split ``level``, the next line starting
    with ``text``), or the ``open`` / ``close`` delimiter of a parenthesis."""

    kind: str
    text: str
    width: float = 0.0
    depth: int = 0
    level: int = 0


def _flat(tex: str, width: float, depth: int = 0, level: int = 0) -> list[_Item]:
    """``tex`` as a sequence of tokens and places to break it: between statements
    (``\\qquad``), before relations, before + and -, between factors; inside a parenthesis
    (or an exponent of e, or a long numerator, as a factor in parentheses) that is wider than a
    quarter of ``width``."""
    return _flat_atoms(_atoms(tex), width, depth, level)


def _flat_atoms(atoms: list[_Atom], width: float, depth: int, level: int) -> list[_Item]:
    if level < len(_LEVELS):
        name, joiner = _LEVELS[level]
        out: list[_Item] = []
        for n, part in enumerate(_split(atoms, name)):
            if n:
                out.append(_Item("break", joiner, 0.0, depth, level))
            out.extend(_flat_atoms(part, width, depth, level + 1))
        return out
    return [item for atom in atoms for item in _flat_atom(atom, width, depth)]


def _flat_atom(atom: _Atom, width: float, depth: int) -> list[_Item]:
    """One unit: a token, or opened up when it is wide and can be broken inside."""
    whole = _width(atom.text)
    if atom.base in ("+", "-") and not atom.scripts:
        whole = _CHAR_WIDTH[atom.base]  # binary inside a line (a sign only at its start)
    if whole <= width / 4:
        return [_Item("token", atom.text, whole)]
    base, suffix = atom.base, atom.text[len(atom.base) :]
    if base.startswith(r"\left") and not base[5:6].isalpha():
        start = _delimiter_end(base, 5)
        end = base.rfind(r"\right")
        inner = base[start:end]
        side = 6.0 if (r"\frac" in inner or r"\begin" in inner) else 4.0
        return [
            _Item("open", base[:start].strip(), side),
            *_flat(inner, width, depth + 1),
            _Item("close", (base[end:] + suffix).strip(), side + _width(suffix[1:]) * _SCRIPT),
        ]
    if base == "e" and suffix.startswith("^") and len(atom.scripts) == 1:
        # e^{long exponent} cannot break inside its superscript: \exp(...) can
        return _flat(rf"\exp\left({_unbrace(atom.scripts[0])}\right)", width, depth)
    if base.startswith(r"\frac") and not suffix:
        rest = base[5:].strip()
        split = _token_end(rest, 0)
        num, den = _unbrace(rest[:split]), _unbrace(rest[split:].strip())
        if _width(den) < width / 4:
            return _flat(rf"\frac{{1}}{{{den}}} \left({num}\right)", width, depth)
    if base.startswith("{") and not suffix:
        return _flat(base[1:-1], width, depth)
    m = re.match(r"\\begin\{(\w+)\}", base)
    if m and m.group(1) in _MATRICES and whole > width:
        rows = _cells(base[m.end() : base.rfind(r"\end{")])
        columns = max(len(r) for r in rows)
        cell_width = (width - 10.0 * columns) / columns
        cells = [[_stack(_lines(cell, cell_width), "[c]") for cell in row] for row in rows]
        body = r" \\ ".join(" & ".join(row) for row in cells)
        text = rf"\begin{{{m.group(1)}}}{body}\end{{{m.group(1)}}}{suffix}"
        return [_Item("token", text, _width(text))]
    return [_Item("token", atom.text, whole)]


def _line_width(items: list[_Item]) -> float:
    return sum(i.width for i in items)


def _render(items: list[_Item], opened: int) -> tuple[str, int]:
    """A line's text: ``\\left.`` for each parenthesis still open from the lines before, its
    tokens, ``\\right.`` for each it leaves open; and how many are open after it."""
    parts = [r"\left." for _ in range(opened)]
    for item in items:
        if item.kind == "open":
            opened += 1
        elif item.kind == "close":
            opened -= 1
        if item.kind != "break":
            parts.append(item.text)
    parts.extend(r"\right." for _ in range(opened))
    return " ".join(p for p in parts if p).replace(r"\cdot  ", r"\cdot "), opened


def _lines(tex: str, width: float) -> list[str]:
    """``tex`` cut into lines that each fit ``width`` points where it can be: each line is
    filled until the next token would not fit, then cut at its best place to break that leaves
    it at least half full (the shallowest in parentheses, then the strongest: between
    statements, before a relation, before + or -, between factors; the latest of equals).
    A parenthesis cut over lines closes with ``\\right.`` and reopens with ``\\left.``, so
    each line is a box of its own."""
    tex = tex.strip()
    if _width(tex) <= width:
        return [tex]
    items = _flat(tex, width)
    lines: list[str] = []
    opened = 0
    current: list[_Item] = []
    for item in items:
        current.append(item)
        if item.kind == "break" or _line_width(current) <= width:
            continue
        breaks = [n for n, it in enumerate(current) if it.kind == "break"]
        # never a line of a few symbols (K, then = and its matrix on the next line)
        breaks = [n for n in breaks if _line_width(current[:n]) >= width / 8]
        full = [n for n in breaks if _line_width(current[:n]) >= width / 2]
        breaks = full or breaks
        if not breaks:
            continue
        cut = min(breaks, key=lambda n: (current[n].depth, current[n].level, -n))
        text, opened = _render(current[:cut], opened)
        lines.append(text)
        joiner = current[cut].text
        current = current[cut + 1 :]
        if current and current[0].text == r"\qquad":  # no gap at the start of a line
            current = current[1:]
        current = ([_Item("token", joiner, 7.2)] if joiner else []) + current
    if current:
        text, opened = _render(current, opened)
        lines.append(text)
    return [line for line in lines if line.strip()] or [tex]


def _stack(lines: list[str], position: str = "[t]") -> str:
    """One line as it is; several as a ``multlined`` block (first flush left, last right)."""
    if len(lines) == 1:
        return lines[0]
    return rf"\begin{{multlined}}{position} " + r" \\ ".join(lines) + r" \end{multlined}"


def _terms(tex: str) -> list[str]:
    """Split a printed sum at its top-level + and - signs (each piece keeps its sign; an
    environment such as ``cases`` is one piece)."""
    return [_join(p) for p in _split(_atoms(tex), "sign") if p]


def _fit(tex: str, width: float) -> str:
    """``tex`` as is when it fits ``width`` points, else a ``multlined`` block of the lines
    :func:`_lines` breaks it into."""
    return _stack(_lines(tex, width))


def _relation(lhs: str, op: str, rhs: str) -> str:
    """``lhs &op rhs``: one aligned line (:func:`_align` breaks it for the page)."""
    return f"{lhs} &{op} {rhs}"


_RELATIONS = frozenset(_RELATIONS_WORDS)
_MARGIN = 0.88
"""The share of the text width the estimated lines may fill: :func:`_width` was measured
against TeX on every side of the catalogue (``\\sbox`` widths) and never fell below 0.88 of
the true width."""
_LEFT_SHARE = 0.4
"""A left side wider than this share of the line goes on a line of its own (``\\MoveEqLeft``),
so that it does not push every right side of its ``align`` off the page."""


def _alignment(line: str) -> tuple[str, str] | None:
    """``line`` cut at its alignment point (the ``&`` outside environments), or None."""
    depth, i = 0, 0
    while i < len(line):
        env = _ENVIRONMENT.match(line, i)
        if env:
            depth += 1 if env.group(1) == "begin" else -1
            i = env.end()
            continue
        if line[i] == "&" and depth == 0 and (i == 0 or line[i - 1] != "\\"):
            return line[:i].strip(), line[i + 1 :].strip()
        i += 1
    return None


def _layout(lines: list[str], width: float) -> list[list[str]]:
    """The align rows of each line of math so that the block fits ``width`` points: a long
    left side on a row of its own (``\\MoveEqLeft``, the relation on the next row), every side
    broken at its top-level operators (:func:`_lines`) to the width the left column leaves."""
    width *= _MARGIN
    cut = [_alignment(line) for line in lines]
    limit = _LEFT_SHARE * width
    lefts = [_width(c[0]) for c in cut if c is not None and _width(c[0]) <= limit]
    column = max(lefts, default=0.0)
    room = width - column - 6.0
    out: list[list[str]] = []
    for line, parts in zip(lines, cut, strict=True):
        if parts is None:
            out.append([_fit(line, width)])
            continue
        left, right = parts
        atoms = _atoms(right)
        op = atoms[0].text if atoms and atoms[0].base in _RELATIONS else ""
        rest = _join(atoms[1:]) if op else right
        body = _fit(rest, room - (_width(op) if op else 0.0))
        right = f"{op} {body}".strip()
        if _width(left) > limit:
            out.append([r"\MoveEqLeft[1] " + _fit(left, room + 10.0), "&" + right])
        else:
            out.append([f"{left} &{right}".strip()])
    return out


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


def _sides(claim: Any) -> tuple[Any, Any] | None:
    """The two sides of an identity or a definition ``name := value`` (what a following step
    may continue as a chain), else None."""
    if isinstance(claim, Identity):
        return claim.lhs, claim.rhs
    if isinstance(claim, Definition) and claim.rhs is not None:
        return claim.lhs, claim.rhs
    return None


class _StepLatex:
    """The LaTeX of one step, kind by kind (a :class:`~gdflow.derive.derivation.ClaimVisitor`):
    its align lines (math only, ``&`` before the relation) and its reason."""

    def __init__(self, step: Step, previous: Step | None) -> None:
        self.step = step
        self.previous = previous

    def identity(self, c: Identity) -> tuple[list[str], str]:
        """``lhs &= rhs``; in a chain (the left side is the previous step's right side, or its
        left side again) only ``&= rhs``, continuing the previous line as in 001 eq 11-16."""
        sides = _sides(self.previous.claim) if self.previous is not None else None
        if sides is not None and c.lhs in sides:
            return [f"&= {latex(c.rhs)}"], _reason(self.step)
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
            lines.append(rf"&\text{{at }} {k} = 0\text{{:}}")  # the base case, named on its own row
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
        """The counterexample as a line of its own (``&\\text{at } name = value,\\qquad ...:``,
        its matrices displayed, broken between values), then ``lhs &\\neq rhs``."""
        lines = [_relation(latex(c.lhs), r"\neq", latex(c.rhs))]
        extra = ""
        cert = self.step.certificate
        if cert is not None and cert.counterexample:
            extra = "; it fails at"
            values = r",\qquad ".join(counterexample_latex(cert.counterexample))
            lines.insert(0, r"&\text{at } " + values + ":")
        return lines, _reason(self.step, extra)


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


def _align(
    steps: Iterable[Step],
    label: str | None,
    width: float = DOCUMENT_WIDTH,
    labels: dict[str, list[str]] | None = None,
) -> str:
    """An align environment: each step's reason as a short line of text above its math (with
    the mark of its level), consecutive steps on one object as one ``&=`` chain, every line
    broken to fit ``width`` points (:func:`_layout`).

    ``labels`` maps a step's label to the ``\\label`` names of its last line (each formula's
    ``eq:<id>:<key>``): those lines are numbered.  The last line is numbered and labelled
    ``label``; a second name on it is set after the environment, on the same number (amsmath
    allows one ``\\label`` per line)."""
    labels = labels or {}
    steps = list(steps)
    reasons: list[str] = []
    lines: list[list[str]] = []
    previous = None
    for step in steps:
        math, reason = render_step(step, previous)
        reasons.append(reason)
        lines.append(math)
        previous = step
    laid = iter(_layout([line for math in lines for line in math], width))
    rows: list[str] = []
    tags: list[list[str]] = []
    for step, reason, math in zip(steps, reasons, lines, strict=True):
        first = len(rows)
        for _ in math:
            rows.extend(next(laid))
        # a long identifier (gd.coordinate\_recurrence) may break after its underscores
        reason = reason.replace(r"\_", r"\_\allowbreak{}")
        rows[first] = r"\shortintertext{\small " + reason + "}\n" + rows[first]
        tags.extend([] for _ in range(len(rows) - len(tags)))
        tags[-1] = list(labels.get(step.label, [])) if step.label else []
    if label is not None and rows:
        tags[-1] = [label, *tags[-1]]
    body = []
    after = []
    for n, (row, names) in enumerate(zip(rows, tags, strict=True)):
        if not names:
            body.append(row + r" \nonumber")
            continue
        body.append(row + rf" \label{{{names[0]}}}")
        if len(names) > 1 and n != len(rows) - 1:
            raise ValueError(f"labels {names} name one line that is not the last of its align")
        after.extend(names[1:])
    out = "\\begin{align}\n" + " \\\\\n".join(body) + "\n\\end{align}"
    if after:  # the same number as the last line (the equation counter is global)
        out += (
            "\n{\\expandafter\\edef\\csname @currentlabel\\endcsname{\\theequation}"
            + "".join(rf"\label{{{name}}}" for name in after)
            + "}"
        )
    return out


def _source(d: Derivation, cite: Mapping[str, int] | None = None) -> str:
    """The source line: the document's title and the section or equation; the seed file in a
    footnote, or, in a document with a list of its sources (``cite``: seed file -> number),
    the number of its entry there.  Titles and places are text (no name in them is a matrix:
    "A Toy Model")."""
    src = d.source
    title = rf"\emph{{{_escape(src.title, bare=False)}}}"
    if cite is not None and src.seed in cite:
        title += rf"~[{cite[src.seed]}]"
    else:
        title += rf"\footnote{{Source file \texttt{{{_escape(src.seed, bare=False)}}}.}}"
    return rf"{title}, {_escape(src.where, bare=False)}"


def _sources(derivations: Iterable[Derivation]) -> tuple[dict[str, int], str]:
    """The documents the derivations come from, numbered in order of first use, and the
    paragraph that lists them (title and seed file) for the front of a document."""
    cite: dict[str, int] = {}
    titles: dict[str, str] = {}
    for d in derivations:
        if d.source.seed not in cite:
            cite[d.source.seed] = len(cite) + 1
            titles[d.source.seed] = d.source.title
    items = "\n".join(
        rf"\item[{{[{n}]}}] \emph{{{_escape(titles[seed], bare=False)}}}\\"
        rf"source file \texttt{{{_escape(seed, bare=False)}}}"
        for seed, n in cite.items()
    )
    text = "\\paragraph{Sources.}\n\\begin{description}\n" + items + "\n\\end{description}\n"
    return cite, text


def render_derivation(
    d: Derivation, width: float = DOCUMENT_WIDTH, cite: Mapping[str, int] | None = None
) -> str:
    """One derivation as a LaTeX section: title, source (by title and section, the file in a
    footnote), assumptions, then the steps as one ``align`` whose lines fit ``width`` points at
    10 pt (:func:`_align`), with the names of the derivation in force
    (:func:`gdflow.derive.typeset.naming`), so its reasons, summary and assumptions are
    typeset in the notation of its equations.  The section is labelled ``sec:<id>``, the
    result line ``eq:<id>``, the line of each formula's proving step ``eq:<id>:<key>``.
    ``cite`` numbers the source documents of a document that lists them (:func:`_sources`);
    without it the source's file goes in a footnote."""
    with typeset.naming(typeset.names_of(d)):
        return _render_derivation(d, width, cite)


def _heading(title: str) -> str:
    """A section title: typeset like a reason, and, when it holds math, with a plain-text
    version for the PDF bookmarks (``\\texorpdfstring``: a bookmark cannot hold math;
    :func:`render_document` and :func:`render_fragment` provide the command where hyperref
    does not)."""
    tex = _escape(title)
    if "$" not in tex:
        return tex
    plain = _escape(re.sub(r"\$([^$]*)\$", lambda m: _bookmark_math(m[1]), title), bare=False)
    return rf"\texorpdfstring{{{tex}}}{{{plain}}}"


def _bookmark_math(tex: str) -> str:
    """Math as bookmark text: Greek and a few symbols as words, the rest of the commands and
    braces dropped (``\\lambda \\to 0^+`` -> ``lambda -> 0+``)."""
    words = {"to": "->", "infty": "infinity", "top": "T", "dagger": "+", "le": "<=", "ge": ">="}
    tex = re.sub(r"\\([A-Za-z]+)", lambda m: words.get(m[1], m[1]), tex)
    return re.sub(r"[{}^_\\]", "", tex).strip()


def _render_derivation(
    d: Derivation, width: float = DOCUMENT_WIDTH, cite: Mapping[str, int] | None = None
) -> str:
    """:func:`render_derivation` without setting the names (the caller has)."""
    verdict = "verified" if d.verified else r"\textbf{NOT VERIFIED}"
    out = [
        rf"\section{{{_heading(d.title)}}}\label{{sec:{d.id}}}",
        rf"\noindent\texttt{{{_escape(d.id)}}} \quad ({verdict})"
        rf"\par\noindent Source: {_source(d, cite)}",
        r"\par\noindent{\small " + _plain(summary([d])) + "}",
    ]
    if d.summary:
        out.append(r"\par\medskip\noindent " + _escape(d.summary))
    if d.assumptions.text:
        # the math bullet (cmsy, outlines): itemize's \textbullet is TS1, a bitmap font in a
        # plain article without cm-super
        items = "\n".join(r"\item[$\bullet$] " + _escape(t) for t in d.assumptions.text)
        out.append("\\paragraph{Assumptions.}\n\\begin{itemize}\n" + items + "\n\\end{itemize}")
    labels: dict[str, list[str]] = {}
    for key, formula in d.formulas.items():
        if formula.step:
            labels.setdefault(formula.step, []).append(f"eq:{d.id}:{key}")
    out.append(_align(d.steps, f"eq:{d.id}", width, labels))
    if d.source_claims:
        out.append(r"\paragraph{Source claims that do not hold.}")
        out.append(_align(d.source_claims, None, width))
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
\setlength{\emergencystretch}{3em}
\begin{document}
\maketitle
\tableofcontents
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
    cite, sources = _sources(derivations)
    head = (_PREAMBLE % _escape(title, bare=False)) + (
        _LEVELS_EXPLAINED % _plain(summary(derivations))
    )
    return head + sources + "\n" + _bodies(derivations, cite=cite) + "\n\\end{document}\n"


LOG_MARKER = "gdflow derivation: "
"""What ``\\typeout`` writes to the LaTeX log before each derivation (see
:func:`overfull_boxes`)."""

FRAGMENT_PACKAGES = ("amsmath", "amssymb", "mathtools", "bm")
"""The packages a fragment needs: ``align``, ``\\boldsymbol`` and ``\\text`` (amsmath), the
blackboard letters (amssymb), ``multlined``, ``\\coloneqq`` and ``\\shortintertext``
(mathtools); with bm loaded, ``\\boldsymbol`` is bm's ``\\bm`` (a real bold font where one
exists rather than amsmath's overprinting)."""


def _bodies(
    derivations: Iterable[Derivation],
    width: float = DOCUMENT_WIDTH,
    cite: Mapping[str, int] | None = None,
) -> str:
    """The derivations one after another, each after a ``\\typeout`` that names it in the log
    (``\\par`` first, so that whatever came before is typeset, and reported, before it)."""
    return "\n\n".join(
        rf"\par\typeout{{{LOG_MARKER}{d.id}}}" + "\n" + render_derivation(d, width, cite)
        for d in derivations
    )


def render_fragment(derivations: Iterable[Derivation], width: float = ARTICLE_WIDTH) -> str:
    r"""Only the bodies of the derivations, for ``\input`` into one's own document.

    No ``\documentclass``, preamble or ``\begin{document}``: the first line is a comment
    naming the packages the body needs (:data:`FRAGMENT_PACKAGES`), so it compiles inside
    ``\documentclass{article}`` with ``\usepackage{amsmath,amssymb,mathtools,bm}``.  Each
    derivation is a ``\section`` labelled ``sec:<id>`` whose last line is labelled
    ``eq:<id>`` (each formula's line ``eq:<id>:<key>``), as in :func:`render_document`, its
    lines broken for a text ``width`` points wide at 10 pt (:data:`ARTICLE_WIDTH`, a plain
    article's; the document's is wider).  Long chains may break across pages: the fragment
    allows display breaks inside its own group (``\begingroup\allowdisplaybreaks`` ...
    ``\endgroup``, with some emergency stretch for the reasons' lines), leaving the
    including document's settings alone.
    """
    derivations = list(derivations)
    packages = ",".join(FRAGMENT_PACKAGES)
    head = (
        rf"% gdflow fragment: needs \usepackage{{{packages}}}" + "\n"
        f"% derivations: {', '.join(d.id for d in derivations)}; {_plain(summary(derivations))}"
        "\n"
    )
    body = _bodies(derivations, width)
    return (
        head
        + "\\providecommand{\\texorpdfstring}[2]{#1}\n"
        + "\\begingroup\\allowdisplaybreaks\\setlength{\\emergencystretch}{3em}\n"
        + body
        + "\n\\endgroup\n"
    )


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


class OverfullError(RuntimeError):
    """A strict PDF build whose LaTeX log reports overfull boxes: ``boxes`` names each one
    (:class:`Overfull`, with its derivation), ``path`` is the PDF, written anyway so that it
    can be looked at."""

    def __init__(self, path: Path, boxes: tuple[Overfull, ...]) -> None:
        self.path = path
        self.boxes = boxes
        listed = "; ".join(str(b) for b in boxes)
        super().__init__(f"{len(boxes)} line(s) stick out of the page in {path}: {listed}")


def build_pdf(tex: str, output: Path, threshold: float = 1.0, strict: bool = False) -> PdfBuild:
    """Compile a LaTeX document to ``output`` (a .pdf path) with latexmk, else pdflatex, and
    read its log for overfull boxes wider than ``threshold`` points (:func:`overfull_boxes`).

    With ``strict`` an overfull box is a failure: :class:`OverfullError` (a ``RuntimeError``)
    carrying the boxes, each named by its derivation, after the PDF is written.  Otherwise the
    boxes are returned in :class:`PdfBuild` for the caller to report.  Raises ``RuntimeError``
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
    if strict and overfull:
        raise OverfullError(output, tuple(overfull))
    return PdfBuild(output, tuple(overfull))


def compile_pdf(tex: str, output: Path) -> Path:
    """Compile a LaTeX document to ``output`` (a .pdf path): :func:`build_pdf`, its path only.

    Raises ``RuntimeError`` naming what is missing when neither latexmk nor pdflatex is
    installed, and with the end of the log when compilation fails.
    """
    return build_pdf(tex, output).path
