r"""Safe parsing of student answers (plain math syntax or LaTeX) into SymPy objects.

No student text ever reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``. The package:

* :mod:`.whitelist` — THE one whitelist: functions, constants, operators, syntax nodes and
  LaTeX commands allowed, and the size bounds (``LIMITS``);
* :mod:`.tokens` — plain syntax as tokens, and the one policy for implicit products;
* :mod:`.latex` — LaTeX checked against the whitelist and lowered into the same tokens;
* :mod:`.plain` — tokens -> :func:`ast.parse` (builds a tree, executes nothing) -> a walk of
  the tree against the whitelist;
* :mod:`.build` — tree -> SymPy: the :class:`Builder` makes every object under the bounds
  (exact numbers via :func:`gdflow.derive.numbers.exact_number`, bounded powers, factorials,
  matrix sizes);
* :mod:`.shape` — the :class:`Shape` of an answer and the :class:`Parsed` result.

So a plain answer and its LaTeX counterpart (``(a + λ)w`` and ``(a + \lambda) w``,
``(1, 2)`` and ``\left(1, 2\right)``) are read by one walker into the same value, or refused
with the same message. Errors are :class:`ParseError` carrying what was wrong, where (column),
and a "did you mean" when one fits. Time is bounded by the worker that grades
(:mod:`gdflow.checks.grade.worker`); size here.
"""

from __future__ import annotations

import difflib
import re

import sympy as sp

from .build import Builder, DisplayBuilder, Eye, matrix_exp
from .errors import DomainAnswerError, ParseError
from .latex import is_latex, latex_precheck, lower_latex
from .plain import plain_tokens, read
from .scope import Scope
from .shape import Parsed, Shape, shape_of, to_latex
from .text import normalize_unicode, suggest_function, suggest_name
from .tokens import Token
from .whitelist import LIMITS

__all__ = [
    "ParseError",
    "DomainAnswerError",
    "Scope",
    "Parsed",
    "Shape",
    "Builder",
    "DisplayBuilder",
    "Eye",
    "LIMITS",
    "parse_answer",
    "parse_label",
    "parse_plain",
    "parse_latex_answer",
    "answer_tokens",
    "display_latex",
    "is_latex",
    "latex_precheck",
    "matrix_exp",
    "normalize_unicode",
    "shape_of",
    "suggest_function",
    "suggest_name",
    "to_latex",
    "warm_up",
]


def _plain_tokens(text: str) -> list[Token]:
    if len(text) > LIMITS["max_chars"]:
        raise ParseError(f"answer is longer than {LIMITS['max_chars']} characters")
    t = normalize_unicode(text).strip()
    if not t:
        raise ParseError("empty answer")
    return plain_tokens(t)


def _latex_tokens(text: str) -> list[Token]:
    return lower_latex(latex_precheck(normalize_unicode(text)))


def answer_tokens(text: str) -> list[Token]:
    """The plain-syntax tokens of an answer in either syntax (LaTeX lowered, see
    :func:`is_latex`), after the unicode and size checks: what :func:`parse_answer` reads."""
    return _latex_tokens(text) if is_latex(text) else _plain_tokens(text)


def _read(tokens: list[Token], scope: Scope, expect: str) -> Parsed:
    builder = Builder(scope)
    value = read(tokens, builder, expect)
    return Parsed(value, shape_of(value), to_latex(value), builder.used_data)


def parse_plain(text: str, scope: Scope, expect: str = "any") -> Parsed:
    """Parse plain math syntax (``(1-alpha*a)^k``, ``[[1,0],[0,1]]``, ``0 < alpha < 2/3``,
    ``(0, 2/3]``, ``y = 2*x``) through the whitelist."""
    return _read(_plain_tokens(text), scope, expect)


def parse_latex_answer(text: str, scope: Scope, expect: str = "any") -> Parsed:
    r"""Parse a LaTeX answer (``\frac{2}{5}``, ``\begin{bmatrix}...\end{bmatrix}``,
    ``0<\alpha<\frac23``, ``\alpha \in (0, \frac{2}{3}]``) lowered into plain syntax."""
    return _read(_latex_tokens(text), scope, expect)


def warm_up() -> None:
    """Prepare what forked workers should inherit (the reader has no grammar to build: this
    reads one answer of each syntax once)."""
    scope = Scope(symbols={"x": sp.Symbol("x", real=True)})
    parse_answer("2*x", scope)
    parse_answer(r"$\frac{x}{2}$", scope)


def display_latex(text: str, scope: Scope, expect: str = "any") -> str | None:
    """LaTeX of the formula as written (data names kept symbolic), or ``None`` when it cannot
    be shown that way."""
    try:
        from gdflow.derive.latex import latex as dlatex
    except Exception:  # noqa: BLE001
        dlatex = sp.latex
    try:
        b = DisplayBuilder(scope)
        text = _index_superscripts(text, scope, is_latex(text))
        value = b.finish(read(answer_tokens(text), b, expect))
        out = dlatex(value)
    except Exception:  # noqa: BLE001 - display only; the verdict does not depend on it
        return None
    return out if len(out) <= 600 else None


_INDEX_SUP = re.compile(
    r"(?<![A-Za-z\\])([A-Za-z])\s*\^\s*(?:\{\s*\(\s*(\d+)\s*\)\s*\}|\(\s*(\d+)\s*\))"
)


def _index_superscripts(text: str, scope: Scope, latex: bool = False) -> str:
    """``w^{(0)}`` / ``w^(0)`` is the iterate index of 001's notation, not a power: read it as
    the data name ``w0`` when the question has ``w0`` and no ``w``."""

    def repl(m: re.Match) -> str:
        name, idx = m.group(1), m.group(2) or m.group(3)
        if scope.lookup(name + idx) is not None and scope.lookup(name) is None:
            return f"{name}_{{{idx}}}" if latex else name + idx
        return m.group(0)

    return _INDEX_SUP.sub(repl, text)


def parse_answer(text: str, scope: Scope, expect: str = "any") -> Parsed:
    """Parse an answer in plain syntax or LaTeX (see :func:`is_latex`) with the names of
    ``scope``. ``expect="set"`` reads ``(a, b)`` and ``[a, b]`` as intervals; otherwise
    they are vectors. Raises :class:`ParseError` (invalid) or :class:`DomainAnswerError`."""
    if not isinstance(text, str):
        raise ParseError("answer must be text")
    if len(text) > max(LIMITS["max_chars"], LIMITS["max_latex_chars"]):
        raise ParseError(f"answer is longer than {LIMITS['max_chars']} characters")
    if expect == "set":
        word = re.sub(r"[\s$]+", " ", text).strip().lower()
        if word in _EMPTY_WORDS:
            return Parsed(sp.S.EmptySet, Shape.SET, r"\emptyset")
    text = _index_superscripts(text, scope, is_latex(text))
    try:
        return _read(answer_tokens(text), scope, expect)
    except (ParseError, DomainAnswerError):
        raise
    except (
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        KeyError,
        NotImplementedError,
        ZeroDivisionError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        # SymPy refused to build something the whitelist let through (e.g. exp of a 1×1
        # matrix holding oo): the answer cannot be read, say so rather than fail
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise ParseError(f"this answer cannot be evaluated ({detail})") from None


_EMPTY_WORDS = {
    "none",
    "empty",
    "empty set",
    "emptyset",
    "the empty set",
    "∅",
    "{}",
    "\\emptyset",
    "\\varnothing",
    "\\{\\}",
    "no alpha",
    "no value",
    "never",
    "no learning rate",
}


def parse_label(text: str, labels: dict[str, list[str]]) -> Parsed:
    """Read a behaviour label (``step_size_case``): ``labels`` maps each label to its
    accepted spellings; matching ignores case, spaces, hyphens and underscores."""
    if len(text) > 200:
        raise ParseError("label is longer than 200 characters")
    t = normalize_unicode(text)
    key = re.sub(r"[\s_\-]+", " ", t.strip().lower()).strip(" .")
    for label, spellings in labels.items():
        for s in [label, *spellings]:
            if key == re.sub(r"[\s_\-]+", " ", s.lower()).strip():
                return Parsed(label, Shape.LABEL, r"\text{" + label.replace("_", r"\_") + "}")
    choices = list(labels)
    close = difflib.get_close_matches(key.replace(" ", "_"), choices, n=1, cutoff=0.5)
    raise ParseError(
        f"`{text.strip()[:40]}` is not one of: {', '.join(choices)}",
        None,
        close[0] if close else None,
    )
