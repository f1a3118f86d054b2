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

The forms accepted (one policy for both syntaxes; ``examples/homework/README.md``): with
``named`` (a question asking for a value) a left side naming the quantity (``w = …``,
``w^{(k)} = …``, ``r(t) = …``, ``α = …``), named components (``u = 1.8, v = -0.6``), ``=``
chains whose sides the grader checks agree (``3/4 = 0.75``) and ``≈`` (a rounding, or alone
an approximate value); ``]a, b[`` intervals and comma-separated conditions for sets; ``M^+``
as the pseudoinverse; unicode letters and operators. Refused as ``invalid`` with the fix: a
decimal comma where one number is asked (``0,75``), prose. A formula whose sizes do not fit
reads but has no value (:class:`~.build.SizeError`, a :class:`DomainAnswerError`: graded
``incorrect`` naming the product).
"""

from __future__ import annotations

import difflib
import keyword
import re

import sympy as sp

from .build import Builder, DisplayBuilder, Eye, matrix_exp
from .errors import BUILD_ERRORS, DomainAnswerError, ParseError
from .latex import is_latex, latex_precheck, lower_latex
from .plain import plain_tokens, read
from .scope import Scope
from .shape import Parsed, Shape, shape_of, to_latex
from .text import normalize_unicode, suggest_function, suggest_name
from .tokens import Token
from .whitelist import ALIASES, FUNCTIONS, GREEK, LIMITS

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
    return lower_latex(latex_precheck(normalize_unicode(text, latex=True)))


def answer_tokens(text: str, scope: Scope | None = None) -> list[Token]:
    """The plain-syntax tokens of an answer in either syntax (LaTeX lowered, see
    :func:`is_latex`), after the unicode and size checks: what :func:`parse_answer` reads.
    In LaTeX a letter typed right before digits is the data name they spell when ``scope``
    has it and not the letter alone (``Xw0 - y`` with data ``w0``), as in plain syntax."""
    if not is_latex(text):
        return _plain_tokens(text)
    tokens = _latex_tokens(text)
    if scope is None:
        return tokens
    out: list[Token] = []
    for t in tokens:
        prev = out[-1] if out else None
        if (
            prev is not None
            and t.kind == "num"
            and prev.kind == "name"
            and t.text.isdigit()
            and t.column == prev.column + len(prev.text)
            and scope.lookup(prev.text + t.text) is not None
            and scope.lookup(prev.text) is None
        ):
            out[-1] = Token("name", prev.text + t.text, prev.column)
            continue
        out.append(t)
    return out


def _read(tokens: list[Token], scope: Scope, expect: str, named: bool = False) -> Parsed:
    builder = Builder(scope)
    value = read(tokens, builder, expect, named)
    return Parsed(
        value,
        shape_of(value),
        to_latex(value),
        builder.used_data,
        builder.sides,
        builder.approximate,
        builder.labels,
    )


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


def display_latex(text: str, scope: Scope, expect: str = "any", named: bool = False) -> str | None:
    """LaTeX of the formula as written (data names kept symbolic), or ``None`` when it cannot
    be shown that way; ``named`` as in :func:`parse_answer`."""
    try:
        from gdflow.derive.latex import latex as dlatex
    except Exception:  # noqa: BLE001
        dlatex = sp.latex
    try:
        b = DisplayBuilder(scope)
        text = _index_superscripts(text, scope, is_latex(text))
        value = b.finish(read(answer_tokens(text, scope), b, expect, named))
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


def parse_answer(text: str, scope: Scope, expect: str = "any", named: bool = False) -> Parsed:
    """Parse an answer in plain syntax or LaTeX (see :func:`is_latex`) with the names of
    ``scope``. ``expect="set"`` reads ``(a, b)``, ``[a, b]`` and ``]a, b[`` as intervals;
    otherwise they are vectors; ``expect="scalar"`` refuses a decimal comma (``0,75``) with
    the fix. ``named`` (a question asking for a value) accepts a left side naming the
    quantity, named components, ``=`` chains and ``≈`` (:func:`.plain.read`). Raises
    :class:`ParseError` (invalid) or :class:`DomainAnswerError`."""
    if not isinstance(text, str):
        raise ParseError("answer must be text")
    if len(text) > max(LIMITS["max_chars"], LIMITS["max_latex_chars"]):
        raise ParseError(f"answer is longer than {LIMITS['max_chars']} characters")
    if expect == "set":
        word = re.sub(r"[\s$]+", " ", text).strip().lower()
        if word in _EMPTY_WORDS:
            return Parsed(sp.S.EmptySet, Shape.SET, r"\emptyset")
    text = _index_superscripts(text, scope, is_latex(text))
    if not is_latex(text):
        _refuse_prose(text, scope)
    try:
        return _read(answer_tokens(text, scope), scope, expect, named)
    except (ParseError, DomainAnswerError):
        raise
    except BUILD_ERRORS:
        # SymPy refused to build something the whitelist let through (e.g. exp of a 1×1
        # matrix holding oo): the answer cannot be read, say so rather than fail
        # (the library's own words never reach the student)
        raise ParseError(
            "this answer cannot be evaluated (a value in it is undefined or too large)"
        ) from None


#: words an answer may contain besides the problem's names
_KNOWN_WORDS = frozenset(
    {"in", "and", "or", "oo", "inf", "infty", "dagger", "pi", "e", "I", "T", "lam", "eps"}
    | set(GREEK)
    | set(FUNCTIONS)
    | set(keyword.kwlist)  # refused by the walker with a message of their own
)


def _refuse_prose(text: str, scope: Scope) -> None:
    """Refuse an answer written as a sentence (``the loss is -3/4``): two or more words side
    by side (only spaces between them) that are not names of the problem nor typos of one,
    one of them at least three letters long."""
    word = r"(?<![A-Za-z0-9_\\])[A-Za-z]{2,}(?![A-Za-z0-9_(])"
    runs = [m.group() for m in re.finditer(rf"{word}(?:\s+{word})+", text)]
    words = [w for run in runs for w in run.split()]  # words side by side, as in a sentence
    unknown = [
        w
        for w in words
        if w not in _KNOWN_WORDS
        and scope.lookup(w) is None
        and w not in ALIASES
        and suggest_name(w, scope) is None  # a typo of a name gets its own "did you mean"
        and Builder(scope).split(w) is None  # Kt: a product of names
    ]
    if len(unknown) >= 2 and max(len(w) for w in unknown) >= 3:
        shown = " ".join(unknown[:4])
        raise ParseError(
            f"this reads as words (`{shown}`), not a formula: write only the value or "
            "formula, e.g. `-3/4` or `w = [1, 2]`"
        )


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


def _label_key(text: str) -> str:
    """A label spelling reduced for matching: lower case, runs of spaces, hyphens and
    underscores as one space, a leading "it"/"they"/"the iterates" and final dots dropped,
    and each word's plural or verb ``s`` dropped (``bounded oscillations`` is ``bounded
    oscillation``, ``diverges`` is ``diverge``)."""
    key = re.sub(r"[\s_\-]+", " ", text.strip().lower()).strip(" .!")
    key = re.sub(r"^(it|they|the iterates?|the coordinate) ", "", key)
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in key.split())


def parse_label(text: str, labels: dict[str, list[str]]) -> Parsed:
    """Read a behaviour label (``step_size_case``): ``labels`` maps each label to its
    accepted spellings; matching ignores case, spaces, hyphens, underscores and plurals
    (:func:`_label_key`)."""
    if len(text) > 200:
        raise ParseError("label is longer than 200 characters")
    t = normalize_unicode(text)
    key = _label_key(t)
    for label, spellings in labels.items():
        for s in [label, *spellings]:
            if key == _label_key(s):
                return Parsed(label, Shape.LABEL, r"\text{" + label.replace("_", r"\_") + "}")
    choices = list(labels)
    close = difflib.get_close_matches(key.replace(" ", "_"), choices, n=1, cutoff=0.5)
    raise ParseError(
        f"`{text.strip()[:40]}` is not one of: {', '.join(choices)}",
        None,
        close[0] if close else None,
    )
