"""Derivations as plain text for a terminal: SymPy's unicode pretty printer in the package's
notation.

The text format of ``gdflow derive`` reads like the LaTeX: the same names (``w⁽ᵏ⁾``, ``ãⱼ``,
``w̃⋆,ⱼ``, ``α``, ``Φ``), ``Aᵀ``-style transposes drawn as superscripts, ``A†`` for the
pseudoinverse, ``e^(−Kt)`` drawn as a power of e, ``d/dt w(t)``, sums with their positive
terms first (``I − αA``), and each step's reason with its mark (level and method) and, for a
failing or refuted step, its certificate and counterexample.  The printer is
:class:`GDPrettyPrinter`, a subclass of SymPy's ``PrettyPrinter`` (2-D layout: fractions,
powers and piecewise cases as SymPy draws them).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import greek_unicode
from sympy.printing.pretty.stringpict import prettyForm, stringPict

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
from .report import Status, mark, summary

__all__ = [
    "GDPrettyPrinter",
    "certificate_detail",
    "claim_text",
    "derivation_text",
    "mark_and_method",
    "pretty",
    "pretty_name",
]

_SUP = dict(zip("0123456789+-()=kntjiTx", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾⁼ᵏⁿᵗʲⁱᵀˣ", strict=True))
_SUB = dict(
    zip("0123456789+-()=aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎₌ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", strict=True)
)
_WORDS = {"star": "⋆", "inf": "∞", "oo": "∞", "max": "max", "min": "min"}
_NAME = re.compile(
    r"^(?P<base>[A-Za-z]+)(?P<tilde>~)?(?:_(?P<sub>[^^(]+))?(?:\^\((?P<sup>[^)]*)\))?"
    r"(?:\((?P<arg>[^)]*)\))?$"
)


def _words(text: str) -> str:
    """Greek letters and the name convention's words (``star``, ``inf``) as unicode."""
    return "".join(
        _WORDS.get(tok) or greek_unicode.get(tok) or tok for tok in re.split(r"([,+\-()])", text)
    )


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` in unicode sub- or superscript letters when every character has one, else
    ``mark`` (``_`` or ``^``) and the text."""
    shown = _words(text)
    if all(ch in table or ch in ",⋆" for ch in shown):
        return "".join(table.get(ch, ch) for ch in shown)
    return f"{mark}{shown}" if len(shown) == 1 or shown.startswith("(") else f"{mark}({shown})"


def pretty_name(name: str) -> str:
    """A symbol name in the package's convention (``base[~][_sub][^(sup)][(arg)]``, see
    :func:`gdflow.derive.latex.render_name`) as unicode text.

    >>> pretty_name("w^(k)"), pretty_name("a~_j"), pretty_name("w~_star,j"), pretty_name("alpha")
    ('w⁽ᵏ⁾', 'ãⱼ', 'w̃⋆,ⱼ', 'α')
    >>> pretty_name("w^(inf)"), pretty_name("r(inf)"), pretty_name("w^(k+1)")
    ('w^(∞)', 'r(∞)', 'w⁽ᵏ⁺¹⁾')
    """
    m = _NAME.match(name)
    if not m or (len(m["base"]) > 1 and m["base"] not in greek_unicode):
        return name  # a word (a case label such as one_step), not a letter with indices
    base = typeset.rename_base(m["base"])
    out = greek_unicode.get(base, base)
    if m["tilde"]:
        out += "\u0303"
    if m["sub"]:
        out += _script(m["sub"], _SUB, "_")
    if m["sup"] is not None:
        out += _script(f"({m['sup']})", _SUP, "^")
    if m["arg"] is not None:
        out += f"({_words(m['arg'])})"
    return unicodedata.normalize("NFC", out)


class GDPrettyPrinter(PrettyPrinter):
    """SymPy's unicode pretty printer with the package's names and matrix nodes."""

    def __init__(self) -> None:
        super().__init__({"use_unicode": True, "order": "none", "wrap_line": False})

    def _print_Symbol(self, expr: Any, bold_name: bool = False) -> prettyForm:
        return prettyForm(pretty_name(expr.name))

    def _print_MatrixSymbol(self, expr: Any) -> prettyForm:
        return prettyForm(pretty_name(expr.name))

    def _print_Identity(self, expr: Any) -> prettyForm:
        return prettyForm("I")

    def _print_ZeroMatrix(self, expr: Any) -> prettyForm:
        return prettyForm("0")

    def _postfix(self, arg: Any, mark: str) -> prettyForm:
        """``A†``, ``(I − A)†``: a postfix mark on an atom or a parenthesised expression."""
        form = self._print(arg)
        if not isinstance(arg, sp.MatrixSymbol | sp.Symbol | sp.Identity):
            form = prettyForm(*form.parens())
        return prettyForm(*form.right(mark))

    def _print_Pinv(self, expr: Any) -> prettyForm:
        return self._postfix(expr.arg, "†")

    def _print_Transpose(self, expr: Any) -> prettyForm:
        return self._postfix(expr.arg, "ᵀ")

    def _print_Inverse(self, expr: Any) -> prettyForm:
        return self._postfix(expr.arg, "⁻¹")

    def _print_MatExp(self, expr: Any) -> prettyForm:
        """``e`` with the (printed) argument as its exponent."""
        exponent = self._print(expr.arg)
        return prettyForm(*stringPict("e").right(" ")) ** exponent

    def _print_TimeDerivative(self, expr: Any) -> prettyForm:
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol):
            inner = prettyForm(*inner.parens())
        d = prettyForm(*stringPict.stack("d", stringPict.LINE, "d" + str(self._print(expr.var))))
        d.baseline = 1
        return prettyForm(*d.right(" ", inner))

    def _print_MatrixLimit(self, expr: Any) -> prettyForm:
        side = "" if expr.point in (sp.oo, -sp.oo) else "⁺"
        head = f"lim[{pretty_name(str(expr.var))}→{self._print(expr.point)}{side}] "
        inner = prettyForm(*self._print(expr.expr).parens())
        return prettyForm(*inner.left(head))

    def _print_MatAdd(self, expr: Any) -> prettyForm:
        """Terms with a plus sign first (``I − αA``), as the LaTeX printer orders them."""
        terms = list(expr.args)
        negative = [t for t in terms if sp.Mul(*t.as_coeff_mmul()[:1]).could_extract_minus_sign()]
        ordered = [t for t in terms if t not in negative] + negative
        out: prettyForm | None = None
        for term in ordered:
            negate = term in negative
            form = self._print(-term if negate else term)
            if isinstance(term, sp.MatAdd):
                form = prettyForm(*form.parens())
            if out is None:
                out = prettyForm(*form.left("-")) if negate else form
            else:
                out = prettyForm(*out.right(" - " if negate else " + ", form))
        assert out is not None
        return out


_PRINTER = GDPrettyPrinter()


def pretty(expr: Any) -> str:
    """Unicode text of a SymPy object in the package's notation (several lines for fractions,
    powers and cases).

    >>> from gdflow.derive.notation import A, alpha, I, k
    >>> print(pretty((I - alpha * A) ** k))
              k
    (I - α⋅A)
    """
    return str(_PRINTER._print(sp.sympify(expr)) if not isinstance(expr, str) else expr)


def _side_by_side(*parts: Any) -> str:
    """Printed pieces (SymPy objects or strings) on one baseline."""
    forms = [prettyForm(p) if isinstance(p, str) else _PRINTER._print(p) for p in parts]
    out = forms[0]
    for form in forms[1:]:
        out = prettyForm(*out.right(form))
    return str(out)


class _ClaimText:
    """A claim as pretty text, kind by kind (a ``ClaimVisitor``)."""

    def identity(self, c: Identity) -> str:
        return _side_by_side(c.lhs, " = ", c.rhs)

    def refuted(self, c: Refuted) -> str:
        return _side_by_side(c.lhs, " ≠ ", c.rhs)

    def definition(self, c: Definition) -> str:
        if c.rhs is None:
            return pretty(c.lhs)
        return _side_by_side(c.lhs, " ≔ ", c.rhs)

    def holds(self, c: Holds) -> str:
        return pretty(c.condition)

    def equivalent(self, c: Equivalent) -> str:
        return _side_by_side(c.left, " ⇔ ", c.right)

    def recurrence(self, c: Recurrence) -> str:
        return _side_by_side(c.name, " = ", c.solution)


def claim_text(step: Step) -> str:
    """The math of one step as unicode text (:class:`GDPrettyPrinter`)."""
    return step.claim.accept(_ClaimText())


def mark_and_method(cert: Certificate | None) -> str:
    """``proved · symbolic``: the level (with the sizes of a checked step), then the method."""
    if cert is None:
        return "not checked"
    shown = mark(cert)
    return f"{shown} · {cert.method}" if cert.ok else shown


def certificate_detail(cert: Certificate | None) -> str | None:
    """The certificate's detail when it is worth printing: why a step is not passed, or what a
    checked step whose sizes could not be read from it was checked on; None when the mark
    says it all."""
    if cert is None or not cert.detail:
        return None
    if not cert.ok or mark(cert) in (Status.NO_LEVEL, "checked (sizes not named)"):
        return cert.detail
    return None


def _math_words(text: str) -> str:
    """A reason's ``$...$`` math as plain words: ``$\\alpha A$`` -> ``α A``, after the names
    of the derivation being printed and the reader's renames are applied
    (:func:`gdflow.derive.typeset.text`)."""
    text = typeset.text(text)

    def plain(m: re.Match[str]) -> str:
        tex = _MATRIX.sub(_matrix_words, m.group(1))
        tex = re.sub(r"\\tilde\s*\{?([A-Za-z])\}?", "{\\1\u0303}", tex)
        tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", tex)
        tex = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\1/\2", tex)
        tex = re.sub(r"\^\{\((\w+(?:[+-]\w+)?)\)\}", lambda g: _script(f"({g[1]})", _SUP, "^"), tex)
        tex = re.sub(r"\^\{?\\?(top|T)\}?", "ᵀ", tex)
        tex = re.sub(r"\\mathbb\{?([A-Z])\}?", lambda g: _BLACKBOARD.get(g[1], g[1]), tex)
        tex = re.sub(r"\\[,;:! ]", " ", tex)
        tex = tex.replace("\\|", "‖").replace("\\{", "{").replace("\\}", "}")
        tex = re.sub(r"\\(mathrm|text|operatorname|mathbf|boldsymbol)\{([^{}]*)\}", r"\2", tex)
        tex = re.sub(
            r"\\([A-Za-z]+)",
            lambda g: greek_unicode.get(g.group(1)) or _TEX_WORDS.get(g.group(1), g.group(1)),
            tex,
        )
        return tex.replace("{", "").replace("}", "")

    return re.sub(r"\$([^$]*)\$", plain, text)


_MATRIX = re.compile(
    r"(?:\\left[\[(]\s*)?\\begin\{[bp]?matrix\}(.*?)\\end\{[bp]?matrix\}(?:\s*\\right[\])])?", re.S
)


def _matrix_words(m: re.Match[str]) -> str:
    """A LaTeX matrix as nested lists: ``[[1, 2], [2, 4]]``."""
    rows = [r for r in m.group(1).split("\\\\") if r.strip()]
    return (
        "[" + ", ".join("[" + ", ".join(c.strip() for c in r.split("&")) + "]" for r in rows) + "]"
    )


_BLACKBOARD = {"R": "ℝ", "E": "𝔼", "N": "ℕ", "Z": "ℤ", "P": "ℙ"}

_TEX_WORDS = {
    "sim": "~",
    "times": "×",
    "varphi": "φ",
    "det": "det ",
    "operatorname": "",
    "dagger": "†",
    "top": "ᵀ",
    "le": "≤",
    "ge": "≥",
    "in": "∈",
    "infty": "∞",
    "star": "⋆",
    "to": "→",
    "cdot": "·",
    "neq": "≠",
    "tilde": "",
    "frac": "",
    "log": "log",
    "max": "max",
    "min": "min",
    "quad": " ",
    "qquad": "  ",
    "implies": "⇒",
    "iff": "⇔",
    "sum": "Σ",
    "pm": "±",
    "ne": "≠",
    "ell": "ℓ",
    "circ": "∘",
    "nabla": "∇",
    "partial": "∂",
    "sqrt": "√",
    "approx": "≈",
    "mid": "|",
    "prod": "Π",
    "ldots": "…",
    "dots": "…",
    "mathcal": "",
    "left": "",
    "right": "",
}


def _indent(block: str, by: str) -> list[str]:
    return [by + line.rstrip() for line in block.splitlines()]


def derivation_text(d: Derivation) -> str:
    """A derivation as unicode text: a header (id, title, source, verdict, the level counts),
    its summary and assumptions, then each step's mark and math (drawn by
    :class:`GDPrettyPrinter`) with its reason, the detail of a failing certificate and a
    counterexample, then the source claims found false."""
    with typeset.naming(typeset.names_of(d)):
        return _derivation_text(d)


def _derivation_text(d: Derivation) -> str:
    verdict = "VERIFIED" if d.verified else "NOT VERIFIED"
    out = [f"{d.id}: {_math_words(d.title)}  [{d.source}]  {verdict}", f"  {summary([d])}"]
    if d.summary:
        out.append("  " + _math_words(d.summary))
    if d.assumptions.text:
        out.append("  assuming:")
        out.extend(f"    - {_math_words(t)}" for t in d.assumptions.text)
    for group, steps in (("", d.steps), ("source claims that do not hold:", d.source_claims)):
        if group and steps:
            out.append("  " + group)
        for s in steps:
            cert = s.certificate
            out.append(f"  [{mark_and_method(cert)}] {_math_words(s.reason)}")
            out.extend(_indent(claim_text(s), "      "))
            detail = certificate_detail(cert)
            if detail is not None:
                out.append(f"      certificate: {detail}")
            if cert is not None and cert.counterexample:
                values = ", ".join(
                    f"{pretty_name(k)} = {v}" for k, v in cert.counterexample.items()
                )
                out.append(f"      counterexample: {values}")
    return "\n".join(out)
