"""Tokens of plain syntax: what both syntaxes become before they are read.

Plain text is split into tokens here (:func:`tokenize_plain`); LaTeX is lowered into the same
tokens by :mod:`.latex`. From then on both are one pipeline: implicit products are written
out under one policy (:func:`explicit_products`), factorials are rewritten as calls
(:func:`rewrite_factorials`), and the tokens are joined into source text for :func:`ast.parse`
with a map back to the columns the student typed (:func:`to_source`).

**The policy for implicit products** (one for both syntaxes): a product may be written
without ``*`` wherever one operand ends and the next begins —

* after a number, a name or a closing bracket, before a name, a number or ``(``:
  ``2x``, ``2 alpha``, ``(a + λ)w``, ``(x+1)(x-1)``, ``x y``; in LaTeX ``2x``,
  ``\\alpha(x+1)``, ``B \\Sigma B^\\top``, ``\\frac12 x``, and a matrix environment next
  to anything (``A \\begin{bmatrix}1\\\\2\\end{bmatrix}``: an environment is lowered as
  ``([[1], [2]])``, a bracketed operand);
* ``[`` after a name is indexing, refused in both syntaxes (``x[0]``, ``A [1, 2]``); after
  a number or a closing bracket it starts a vector multiplied by it (``1/5 [9, -3]``,
  ``(1/5)[9, -3]``), as a LaTeX matrix environment is;
* a name directly before ``(`` is read as a call when it is a function of the whitelist
  (``sqrt(x)``) and as a product when it is a value of the problem (``alpha(x+1)``);
  any other name before ``(`` is refused as an unknown function;
* two numbers side by side (``2 3``) are refused: the reading (23 or 2·3) is not clear.

Juxtaposition binds like ``*`` (``a/2b`` is ``(a/2)·b``, ``2x^2`` is ``2·x²``). LaTeX reads
each letter as a name (``xy`` is ``x·y``), plain syntax reads a run of letters and digits as
one name (``xy``, ``w0``) — and, when no name is spelled so, as the product of the problem's
names it spells in exactly one way (``Kt`` is K·t, ``Xw0`` is X·w0, as STACK inserts stars;
:meth:`.build.Builder.split`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .errors import ParseError
from .whitelist import FUNCTIONS, LIMITS

__all__ = [
    "Token",
    "NUM",
    "NAME",
    "OP",
    "tokenize_plain",
    "rewrite_factorials",
    "explicit_products",
    "to_source",
    "bracket_depth",
    "rewrite_plus_dagger",
    "decimal_comma",
]

NUM: Final = "num"
NAME: Final = "name"
OP: Final = "op"

#: Python keywords that are operators of an answer (or refused by the walker), never names
_KEYWORDS: Final[frozenset[str]] = frozenset(keyword.kwlist) - {"True", "False", "None", "lambda"}

_TOKEN = re.compile(
    r"(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|<=|>=|==|!=|:=|<<|>>|->|\S)"
)


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is :data:`NUM`, :data:`NAME` or :data:`OP`; ``text`` its plain
    syntax; ``column`` where it was typed (1-based)."""

    kind: str
    text: str
    column: int

    def is_keyword(self) -> bool:
        """A name that is a Python keyword (``in``, ``and``, ``if``, ...)."""
        return self.kind == NAME and self.text in _KEYWORDS

    def ends_operand(self) -> bool:
        """Whether an operand can end with this token."""
        if self.kind in (NUM, NAME):
            return not self.is_keyword()
        return self.text in (")", "]", "!")

    def starts_operand(self) -> bool:
        """Whether an operand can start with this token."""
        if self.kind in (NUM, NAME):
            return not self.is_keyword()
        return self.text in ("(", "[")


def tokenize_plain(text: str) -> list[Token]:
    """Plain text as tokens (``^`` is ``**``); whitespace only separates."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or OP
        tok = m.group()
        out.append(Token(kind, "**" if tok == "^" else tok, m.start() + 1))
        if len(out) > LIMITS["max_nodes"]:
            raise ParseError(f"answer is too large (more than {LIMITS['max_nodes']} parts)")
    return out


def bracket_depth(tokens: list[Token]) -> int:
    """The deepest bracket nesting of ``tokens``."""
    depth = best = 0
    for t in tokens:
        if t.kind == OP and t.text in "([{":
            depth += 1
            best = max(best, depth)
        elif t.kind == OP and t.text in ")]}":
            depth -= 1
    return best


def _opening(tokens: list[Token], close: int) -> int:
    """Index of the bracket that opens the group closed at ``tokens[close]``."""
    depth = 0
    for k in range(close, -1, -1):
        t = tokens[k]
        if t.kind == OP and t.text in ")]":
            depth += 1
        elif t.kind == OP and t.text in "([":
            depth -= 1
            if depth == 0:
                return k
    raise ParseError("unbalanced bracket before `!`", tokens[close].column)


def rewrite_factorials(tokens: list[Token]) -> list[Token]:
    """``n!`` -> ``factorial(n)`` and ``(expr)!`` / ``f(x)!`` -> ``factorial(...)``: ``!``
    applies to the number, name or bracketed group just before it."""
    out = list(tokens)
    i = 0
    while i < len(out):
        t = out[i]
        if not (t.kind == OP and t.text == "!"):
            i += 1
            continue
        if i == 0 or not out[i - 1].ends_operand():
            raise ParseError("`!` must follow a number, a name or a bracket", t.column)
        start = i - 1
        if out[start].text in (")", "]") and out[start].kind == OP:
            start = _opening(out, start)
            if start > 0 and out[start - 1].kind == NAME and out[start].text == "(":
                start -= 1  # a call: sqrt(x)!
        col = out[start].column
        out[start : i + 1] = [
            Token(NAME, "factorial", col),
            Token(OP, "(", col),
            *out[start:i],
            Token(OP, ")", t.column),
        ]
        i += 3
    return out


def rewrite_plus_dagger(tokens: list[Token]) -> list[Token]:
    """``M^+`` (plain) and ``M^{+}`` (LaTeX) are the pseudoinverse ``M^dagger``, as printed in
    001 (:math:`\\Phi^{+}`): ``**`` then ``+`` not followed by a number, or ``**`` then
    ``( + )``. ``x^+2`` stays the power ``x**(+2)``."""
    out: list[Token] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if t.kind == OP and t.text == "**" and i + 1 < n:
            a = tokens[i + 1]
            if (
                i + 3 < n
                and a.text == "("
                and tokens[i + 2].text == "+"
                and tokens[i + 3].text == ")"
            ):
                out += [t, Token(NAME, "dagger", a.column)]
                i += 4
                continue
            if a.kind == OP and a.text == "+" and (i + 2 >= n or tokens[i + 2].kind != NUM):
                out += [t, Token(NAME, "dagger", a.column)]
                i += 2
                continue
        out.append(t)
        i += 1
    return out


def decimal_comma(tokens: list[Token]) -> str | None:
    """The text ``0,75`` when ``tokens`` hold a number written with a decimal comma at the top
    level (an integer, a comma and digits typed without a space, or LaTeX ``0{,}75``; or the
    whole answer being ``0, 75``), else ``None``. Only meaningful where a single number is
    asked for: there two numbers are never the answer."""
    depth = 0
    for i, t in enumerate(tokens):
        if t.kind == OP and t.text in "([":
            depth += 1
        elif t.kind == OP and t.text in ")]":
            depth -= 1
        elif t.kind == OP and t.text in (",", "{,}") and 0 < i < len(tokens) - 1:
            a, b = tokens[i - 1], tokens[i + 1]
            if a.kind != NUM or b.kind != NUM or not b.text.isdigit() or "." in a.text:
                continue
            tight = a.column + len(a.text) == t.column and t.column + 1 == b.column
            alone = len(tokens) - i == 2 and (i == 1 or (i == 2 and tokens[0].text == "-"))
            if t.text == "{,}" or (depth == 0 and (tight or alone)):
                sign = i >= 2 and tokens[i - 2].kind == OP and tokens[i - 2].text == "-"
                return f"{'-' if sign else ''}{a.text},{b.text}"
    return None


def _holds_comma(tokens: list[Token], open_at: int) -> bool:
    """Whether the bracket opened at ``tokens[open_at]`` has a comma at its own depth."""
    depth = 0
    for t in tokens[open_at:]:
        if t.kind == OP and t.text in "([":
            depth += 1
        elif t.kind == OP and t.text in ")]":
            depth -= 1
            if depth == 0:
                return False
        elif depth == 1 and t.text == ",":
            return True
    return False


def explicit_products(
    tokens: list[Token], is_value: Callable[[str], bool] | None = None
) -> list[Token]:
    """Write every implicit product as ``*`` under the module's policy; refuses two numbers
    side by side.

    ``is_value(name)`` says whether a name is a value of the problem: a value before ``(`` gets
    its ``*`` here, so that juxtaposition binds like ``*`` (``alpha(x+1)^2`` is
    ``alpha*(x+1)**2``; read as a call it would become ``(alpha*(x+1))**2``, a power binding
    tighter than a call)."""
    out: list[Token] = []
    for i, t in enumerate(tokens):
        if out and out[-1].ends_operand() and t.starts_operand():
            prev = out[-1]
            if (
                prev.kind == NAME
                and t.text == "("
                and is_value is not None
                and prev.text not in FUNCTIONS
                and is_value(prev.text)
                and not _holds_comma(tokens, i)  # x(1, 2) stays a call, refused as such
            ):
                out.append(Token(OP, "*", t.column))
                out.append(t)
                continue
            if prev.kind == NUM and t.kind == NUM:
                raise ParseError(
                    f"two numbers side by side (`{prev.text} {t.text}`): write `*` between "
                    "them, or remove the space",
                    t.column,
                    f"{prev.text}*{t.text}",
                )
            if not (prev.kind == NAME and t.text == "(") and not (
                t.text == "[" and prev.kind == NAME
            ):
                out.append(Token(OP, "*", t.column))
        out.append(t)
    return out


def to_source(tokens: list[Token]) -> tuple[str, dict[int, int]]:
    """Source text of ``tokens`` for :func:`ast.parse` and the map from each token's offset in
    it to the column where the token was typed. ``lambda`` (the Greek letter) is written
    ``lambda_``, since it is a Python keyword."""
    parts: list[str] = []
    where: dict[int, int] = {}
    offset = 0
    for t in tokens:
        text = "lambda_" if t.kind == NAME and t.text == "lambda" else t.text
        where[offset] = t.column
        parts.append(text)
        offset += len(text) + 1
    return " ".join(parts), where
