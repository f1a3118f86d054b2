r"""One side of a step, LaTeX -> a symbolic SymPy expression, through the one parser.

The answer parser (:mod:`gdflow.checks.grade.parse`) reads LaTeX by lowering it into plain
tokens (:mod:`~gdflow.checks.grade.parse.latex`) that one walker reads against the whitelist
(:mod:`~gdflow.checks.grade.parse.plain`) and one builder turns into SymPy objects.  The chain
reader uses that pipeline and extends it, by subclassing and without changing it, with what
derivations write and answers do not:

* names as documents write them: font commands dropped (``\mathbf{w}_\star`` is ``w_\star``),
  a parenthesised superscript is part of the name (``w^{(k)}``), ``r(t)`` when declared so;
* ``\frac{d}{dt} X`` (the time derivative of the rest of the product), ``\lim_{t\to\infty} X``
  (the limit of the rest of the product), ``\operatorname{tr}``, ``\det``, ``\|x\|^2``,
  ``^{+}`` (the pseudoinverse, as ``^\dagger``), ``e^{M}`` and ``\exp(M)`` of a matrix;
* a :class:`SymbolicBuilder` that builds *symbolic* matrix expressions (``MatrixSymbol``,
  ``Transpose``, ``Inverse``, :class:`~gdflow.derive.matrices.Pinv`,
  :class:`~gdflow.derive.matrices.MatExp`, ``Trace``, ``Determinant``, ``MatPow``) of declared
  shapes, where the grader's builder computes with a problem's data.

Nothing is evaluated: :func:`ast.parse` builds a tree, the walker refuses any node outside the
whitelist, and every object is made by a builder method under the parser's bounds (size, depth,
exponents, digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdflow.checks.grade.parse.build import Builder
from gdflow.checks.grade.parse.errors import BUILD_ERRORS, ParseError
from gdflow.checks.grade.parse.latex import _Lowerer
from gdflow.checks.grade.parse.plain import Walker, parse_tokens
from gdflow.checks.grade.parse.scope import Scope
from gdflow.checks.grade.parse.tokens import (
    NAME,
    OP,
    Token,
    bracket_depth,
    explicit_products,
    rewrite_factorials,
)
from gdflow.checks.grade.parse.whitelist import (
    FUNCTIONS,
    LATEX_COMMANDS,
    LATEX_ENVIRONMENTS,
    LATEX_SYMBOLS,
    LIMITS,
)
from gdflow.derive.matrices import MatExp, MatrixLimit, Pinv, TimeDerivative

__all__ = [
    "Names",
    "SymbolicBuilder",
    "UndeclaredName",
    "canonical_name",
    "read_side",
    "identity_like",
    "CHAIN_LIMITS",
    "HOSTILE",
]

#: bounds of one side of a step (the parser's ``LIMITS`` hold as well)
CHAIN_LIMITS: dict[str, int] = {
    "max_chars": 2000,  # characters of one side
    "max_powers": 60,  # `^` in one side
    "max_exponent": LIMITS["max_exponent"],  # |n| in M^n for a matrix M
}

#: TeX commands that define, include or execute something: refused wherever they appear
HOSTILE = frozenset(
    (
        "input include includeonly def edef gdef xdef let newcommand renewcommand "
        "providecommand DeclareMathOperator newenvironment renewenvironment csname endcsname "
        "catcode write immediate openout openin read readline special directlua luaexec "
        "expandafter futurelet afterassignment everymath everydisplay "
        "loop repeat uppercase lowercase scantokens jobname shipout"
    ).split()
)

_CHAIN_FUNCTIONS = ("tr", "det", "ddt", "lim", "norm")
_FONTS = r"mathbf|boldsymbol|bm|mathit|mathsf|mathrm|mathnormal|vec|bold|mathbb"
_FONT = re.compile(r"\\(?:" + _FONTS + r")\s*\{([^{}]*)\}|\\(?:" + _FONTS + r")\s+([A-Za-z])")
_OPNAME = re.compile(r"\\(?:operatorname|mathrm|text|textrm)\s*\{\s*(tr|Tr|trace|det)\s*\}")
# a name: a letter or a Greek command, an optional subscript, an optional parenthesised
# superscript (``w^{(k)}``) or an argument ``(t)`` (kept only when the name is declared so)
_NAME = re.compile(
    r"(?P<base>\\[A-Za-z]+|[A-Za-z])"
    r"(?P<sub>\s*_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?"
    r"(?P<sup>\s*\^\s*\{\s*\([^{}()]*\)\s*\}|\s*\^\s*\(\s*[A-Za-z0-9+\-\s]*\))?"
    r"(?P<arg>\s*\(\s*[A-Za-z]\s*\))?"
)
_MANGLE_BASE = 0x4E00  # names that the LaTeX reader cannot spell become one CJK letter each


def _blank(m: re.Match[str], keep: str, at: int) -> str:
    """``m``'s text replaced by ``keep`` at offset ``at`` within it, padded with spaces to the
    same length (columns stay where they were typed)."""
    n = len(m.group(0))
    return (" " * at + keep).ljust(n)[:n]


def drop_fonts(text: str) -> str:
    r"""``\mathbf{A}`` -> ``A``, ``\operatorname{tr}`` -> ``\tr`` (same length, so columns are
    kept)."""
    text = _OPNAME.sub(
        lambda m: _blank(m, "\\det" if m.group(1) == "det" else "\\tr", 0),
        text,
    )
    for _ in range(3):  # \mathbf{\boldsymbol{x}}
        text = _FONT.sub(
            lambda m: (
                _blank(
                    m,
                    m.group(1) if m.group(1) is not None else m.group(2),
                    m.group(0).index("{") + 1,
                )
                if m.group(1) is not None
                else _blank(m, m.group(2), len(m.group(0)) - 1)
            ),
            text,
        )
    return text


def canonical_name(text: str) -> str:
    r"""The canonical spelling of a name: fonts dropped, spaces removed, a one-token
    subscript unbraced (``\mathbf{w}_{\star}`` and ``w_\star`` are ``w_\star``;
    ``w^{(k+1)}`` stays ``w^{(k+1)}``; ``w^(k)`` is ``w^{(k)}``)."""
    t = re.sub(r"\s+", "", drop_fonts(text))
    t = re.sub(r"_\{(\\[A-Za-z]+|[A-Za-z0-9])\}", r"_\1", t)
    t = re.sub(r"\^\(([^()]*)\)", r"^{(\1)}", t)
    return t


def _needs_mangling(canon: str) -> bool:
    if "^" in canon or "(" in canon:
        return True
    m = re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z])(?:_(.*))?", canon)
    if m is None:
        return True
    base, sub = m.group(1), m.group(2)
    if base.startswith("\\") and base[1:] not in LATEX_SYMBOLS:
        return True
    if sub is None:
        return False
    sub = sub[1:-1] if sub.startswith("{") else sub
    parts = re.findall(r"\\[A-Za-z]+|.", sub)
    return not all(
        (p.startswith("\\") and p[1:] in LATEX_SYMBOLS) or (p.isascii() and p.isalnum())
        for p in parts
    )


@dataclass
class Names:
    """The declared names of a document: canonical spelling -> SymPy object (a ``Symbol`` or a
    ``MatrixSymbol``); names the LaTeX reader cannot spell (``w^{(k)}``, ``w_\\star``,
    ``r(t)``) are read through a one-letter stand-in."""

    objects: dict[str, Any] = field(default_factory=dict)
    _stand_in: dict[str, str] = field(default_factory=dict)  # canonical -> stand-in letter
    _by_key: dict[str, str] = field(default_factory=dict)  # reader's NAME text -> canonical

    def declare(self, canon: str, obj: Any) -> None:
        """Add the name ``canon`` (see :func:`canonical_name`) for ``obj``."""
        self.objects[canon] = obj
        if _needs_mangling(canon):
            if canon not in self._stand_in:
                self._stand_in[canon] = chr(_MANGLE_BASE + len(self._stand_in))
            self._by_key[self._stand_in[canon]] = canon
        else:
            self._by_key[_reader_key(canon)] = canon

    def stand_in(self, canon: str) -> str | None:
        """The stand-in letter of a name the reader cannot spell, else None."""
        return self._stand_in.get(canon)

    def undeclared_stand_in(self, canon: str) -> str:
        """A stand-in for an undeclared name of the form ``w^{(k)}`` (so that it is reported
        as an undeclared name and never read as a power)."""
        if canon not in self._stand_in:
            self._stand_in[canon] = chr(_MANGLE_BASE + len(self._stand_in))
            self._by_key[self._stand_in[canon]] = canon
        return self._stand_in[canon]

    def lookup(self, key: str) -> tuple[str, Any] | None:
        """``(canonical name, object)`` of the reader's NAME text ``key``, or None (the
        canonical name with None when it is a known spelling with no object)."""
        canon = self._by_key.get(key)
        if canon is None:
            return None
        return canon, self.objects.get(canon)

    def spelling(self, key: str) -> str:
        """How a NAME text of the reader is written in LaTeX (for messages)."""
        canon = self._by_key.get(key)
        if canon is not None:
            return canon
        base, _, sub = key.partition("_")
        base = "\\" + base if len(base) > 1 else base
        return f"{base}_{{{sub}}}" if sub else base


def _reader_key(canon: str) -> str:
    """The NAME text the LaTeX reader gives a simple name (``\\alpha_0`` -> ``alpha_0``)."""
    m = re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z])(?:_(.*))?", canon)
    assert m is not None
    base = m.group(1).lstrip("\\")
    base = LATEX_SYMBOLS.get(base, base)
    if m.group(2) is None:
        return base
    sub = m.group(2)
    sub = sub[1:-1] if sub.startswith("{") else sub
    parts = re.findall(r"\\[A-Za-z]+|.", sub)
    return base + "_" + "".join(LATEX_SYMBOLS[p[1:]] if p.startswith("\\") else p for p in parts)


def _mangle(text: str, names: Names) -> str:
    """Replace each declared name the reader cannot spell (and each ``x^{(...)}``) with its
    stand-in letter, at the column of the name."""

    out: list[str] = []
    pos = 0
    for m in _NAME.finditer(text):
        if m.start() < pos:
            continue
        base = m.group("base")
        if base.startswith("\\") and base[1:] not in LATEX_SYMBOLS:
            continue
        choices = []
        sub, sup, arg = m.group("sub") or "", m.group("sup") or "", m.group("arg") or ""
        if arg:
            choices.append(base + sub + sup + arg)
        choices += [base + sub + sup] if sup else []
        choices += [base + sub] if sub else []
        hit = None
        for c in choices:
            canon = canonical_name(c)
            if names.stand_in(canon) is not None:
                hit = (c, names.stand_in(canon))
                break
        if hit is None and (sup or (sub and _needs_mangling(canonical_name(base + sub)))):
            c = base + sub + sup
            hit = (c, names.undeclared_stand_in(canonical_name(c)))
        if hit is None:
            continue
        c, letter = hit
        out.append(text[pos : m.start()])
        out.append(letter + " " * (len(c) - 1))
        pos = m.start() + len(c)
    out.append(text[pos:])
    return "".join(out)


def precheck(text: str) -> str:
    """Refuse what one side of a step may not contain (hostile or unknown commands, TeX
    specials, size) with its column; return the text with fonts dropped and spacing blanked
    (same length)."""
    if len(text) > CHAIN_LIMITS["max_chars"]:
        raise ParseError(f"this side is longer than {CHAIN_LIMITS['max_chars']} characters")
    for m in re.finditer(r"\\([A-Za-z]+)", text):
        if m.group(1) in HOSTILE:
            raise ParseError(
                f"`\\{m.group(1)}` is refused: gdflow verify runs no TeX and defines nothing",
                m.start() + 1,
            )
    for ch, what in (("$", "`$`"), ("#", "`#`"), ("~", "`~`"), ("@", "`@`"), ('"', "quotes")):
        if ch in text:
            raise ParseError(f"{what} is not allowed in a formula", text.index(ch) + 1)
    for m in re.finditer(r"[^\x00-\x7f]", text):
        raise ParseError(f"the character `{m.group()}` is not read in a formula", m.start() + 1)
    t = drop_fonts(text)
    t = re.sub(r"(?<!\\)\\[,;:! ]", "  ", t)
    t = re.sub(r"\\(?:quad|qquad|displaystyle|textstyle|big|Big|bigg|Bigg)(?![A-Za-z])", _spaces, t)
    t = re.sub(r"\\(?:mathrm|text)\{\s*e\s*\}", lambda m: _blank(m, "e", 0), t)
    if t.count("^") > CHAIN_LIMITS["max_powers"] or t.count("\\frac") > 60:
        raise ParseError("this side is too large (too many powers or fractions)")
    for m in re.finditer(r"\\([A-Za-z]+|.)", t):
        cmd = m.group(1)
        if cmd in ("\\", "{", "}", "|") or cmd in _EXTRA_COMMANDS:
            continue
        if cmd not in LATEX_COMMANDS or cmd in ("mathrm", "text"):
            raise ParseError(f"LaTeX command `\\{cmd}` is not read here", m.start() + 1)
    for m in re.finditer(r"\\(begin|end)\s*\{([^}]*)\}", t):
        if m.group(2) not in LATEX_ENVIRONMENTS:
            raise ParseError(f"LaTeX environment `{m.group(2)}` is not read here", m.start() + 1)
    return t


def _spaces(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


_EXTRA_COMMANDS = frozenset({"tr", "det", "lim", "to", "star", "ast", "prime"})
_REL_STOPS = frozenset(
    {"+", "-", "=", "<", ">", "&", ",", "\\\\", "\\le", "\\leq", "\\ge", "\\geq", "\\lt", "\\gt"}
)


class _ChainLowerer(_Lowerer):
    """The parser's LaTeX lowerer with the commands of derivations added (see the module)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.norm_open = 0
        self.closed_norm = False

    def _rest_of_term(self) -> list[Token]:
        """The tokens of the rest of the current product (up to a top-level ``+``, ``-``,
        relation or closing bracket): what ``\\frac{d}{dt}`` and ``\\lim`` apply to."""
        out: list[Token] = []
        depth = 0
        while True:
            t = self.peek()
            if t is None:
                break
            if depth == 0 and out and (t.text in _REL_STOPS):
                break
            if depth == 0 and t.text in (")", "]", "}", "\\right"):
                break
            if depth == 0 and t.text == "\\|" and self.norm_open and out and out[-1].ends_operand():
                break
            toks = self.item(out)
            for x in toks:
                if x.kind == OP and x.text in "([":
                    depth += 1
                elif x.kind == OP and x.text in ")]":
                    depth -= 1
            out.extend(toks)
        if not out:
            col = self.toks[self.i - 1].column if self.i else 1
            raise ParseError("`\\frac{d}{dt}` or `\\lim` has nothing to apply to", col)
        return out

    def _d_dt(self) -> str | None:
        """The variable of ``\\frac{d}{dX}`` at the cursor (consumed), else None."""
        save = self.i
        words: list[str] = []
        for want in ("\\frac", "{", "d", "}", "{", "d"):
            t = self.peek()
            if t is None or t.text != want:
                self.i = save
                return None
            self.take()
        t = self.peek()
        if t is not None and (t.kind == "ch" and t.text.isalpha() or t.kind == "cmd"):
            self.take()
            words.append(LATEX_SYMBOLS.get(t.text[1:], t.text[1:]) if t.kind == "cmd" else t.text)
        end = self.peek()
        if not words or end is None or end.text != "}":
            self.i = save
            return None
        self.take()
        return words[0]

    def _item(self, t: Any, out: list[Token]) -> list[Token]:
        closed_norm, self.closed_norm = self.closed_norm, False
        col = t.column
        if t.text == "_" and closed_norm:  # \|x\|_2: the Euclidean norm, as \|x\|
            self.take()
            sub = self.subscript()
            if sub != "2":
                raise ParseError("only the Euclidean norm \\|x\\|_2 is read", col)
            self.closed_norm = True
            return []
        if t.text == "\\frac":
            var = self._d_dt()
            if var is not None:
                body = self._rest_of_term()
                return [
                    Token(NAME, "ddt", col),
                    Token(OP, "(", col),
                    *body,
                    Token(OP, ",", col),
                    Token(NAME, var, col),
                    Token(OP, ")", col),
                ]
        if t.text == "^":
            save = self.i
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt.text == "{":
                self.take()
                plus = self.peek()
                if plus is not None and plus.text == "+":
                    self.take()
                    close = self.peek()
                    if close is not None and close.text == "}":
                        self.take()
                        if not out:
                            raise ParseError("`^` needs something before it", col)
                        return [Token(OP, "**", col), Token(NAME, "dagger", col)]
            self.i = save
        if t.text == "\\|":
            self.take()
            if self.norm_open and out and out[-1].ends_operand():
                self.norm_open -= 1
                self.closed_norm = True
                return [Token(OP, ")", col)]
            self.norm_open += 1
            return [Token(NAME, "norm", col), Token(OP, "(", col)]
        if t.text in ("\\tr", "\\det"):
            self.take()
            name = t.text[1:]
            nxt = self.peek()
            if nxt is None:
                raise ParseError(f"`\\{name}` is missing its argument", col)
            if nxt.text in ("(", "\\left"):
                return [Token(NAME, name, col)]  # the bracket follows: a call
            return [
                Token(NAME, name, col),
                Token(OP, "(", col),
                *self.argument(),
                Token(OP, ")", col),
            ]
        if t.text == "\\lim":
            self.take()
            self.expect("_")
            self.expect("{")
            var_t = self.take()
            var = (
                LATEX_SYMBOLS.get(var_t.text[1:], "")
                if var_t.kind == "cmd"
                else (var_t.text if var_t.text.isalpha() else "")
            )
            if not var:
                raise ParseError("write the limit as \\lim_{t \\to \\infty}", var_t.column)
            self.expect("\\to")
            point = self.seq(frozenset({"}"}))
            self.expect("}")
            if not point:
                raise ParseError("the limit point is missing", col)
            body = self._rest_of_term()
            return [
                Token(NAME, "lim", col),
                Token(OP, "(", col),
                *body,
                Token(OP, ",", col),
                Token(NAME, var, col),
                Token(OP, ",", col),
                *point,
                Token(OP, ")", col),
            ]
        if t.text in ("\\star", "\\ast", "\\prime", "\\to"):
            raise ParseError(f"`{t.text}` is read only inside a declared name", col)
        return super()._item(t, out)

    def command(self, out: list[Token]) -> list[Token]:
        t = self.peek()
        if t is not None and t.text in ("\\left", "\\right"):
            save = self.i
            self.take()
            d = self.peek()
            if d is not None and d.text == "\\|":
                self.take()
                if t.text == "\\left":
                    self.norm_open += 1
                    return [Token(NAME, "norm", t.column), Token(OP, "(", t.column)]
                if not self.norm_open:
                    raise ParseError("`\\right\\|` without `\\left\\|`", t.column)
                self.norm_open -= 1
                self.closed_norm = True
                return [Token(OP, ")", t.column)]
            self.i = save
        return super().command(out)


class UndeclaredName(ParseError):
    """A name that no declaration gives: ``name`` as written, ``suggestion`` the declaration
    to add."""

    def __init__(self, name: str, column: int | None, declaration: str):
        self.name = name
        self.names = [name]
        self.declaration = declaration
        super().__init__(f"undeclared name `{name}`", column)
        self.message = f"undeclared name `{name}`; add `% gdflow: {declaration}`"


def _suggest_declaration(name: str) -> str:
    plain = name.lstrip("\\")
    if plain[:1].isupper() and plain[:1].isascii():
        return f"matrix {name} m n"
    if name in ("k", "K", "i", "j", "n", "m"):
        return f"integer {name} nonnegative"
    if plain.startswith(("alpha", "beta", "eta", "lambda", "mu", "gamma", "sigma", "tau")):
        return f"scalar {name} positive"
    if plain[:1] in "wxyzbrtuvec" and plain[:1] != "t":
        return f"vector {name} n  (or: scalar {name} real)"
    return f"scalar {name} real"


class _Zero:
    """``\\mathbf{0}``/``0`` in a matrix position is resolved by the matrix it meets."""


def _is_mat(x: Any) -> bool:
    return bool(getattr(x, "is_Matrix", False))


class SymbolicBuilder(Builder):
    """Builds symbolic expressions of declared names (the grader's :class:`Builder` computes
    with data): matrices stay ``MatrixSymbol`` expressions of their declared shapes, ``I`` is
    the identity of the size it meets, ``0`` next to a matrix is the zero matrix, a ``1×1``
    matrix meets a scalar as a scalar times the ``1×1`` identity."""

    def __init__(self, names: Names, keep_identity: bool = False):
        super().__init__(Scope())
        self.names = names
        self.keep_identity = keep_identity

    # -- names
    def knows(self, name: str) -> bool:
        return self.names.lookup(name) is not None

    def symbol(self, name: str, column: int | None = None) -> Any:
        self.tick()
        found = self.names.lookup(name)
        if found is not None and found[1] is not None:
            return found[1]
        if name == "I" or re.fullmatch(r"I_[A-Za-z0-9]+", name):
            if name == "I":
                return _Eye()
            size = name[2:]
            n = self.names.objects.get(size, int(size) if size.isdigit() else None)
            if n is None:
                raise UndeclaredName(size, column, f"integer {size} positive")
            return sp.Identity(n)
        if name in ("e", "pi", "oo"):
            return {"e": sp.E, "pi": sp.pi, "oo": sp.oo}[name]
        if name == "T":
            return sp.Symbol("T")
        spelled = self.names.spelling(name)
        raise UndeclaredName(spelled, column, _suggest_declaration(spelled))

    # -- shapes
    def _lift(self, a: Any, b: Any, column: int | None, op: str) -> tuple[Any, Any]:
        if isinstance(a, _Eye) and _is_mat(b):
            a = a.resolve(b.shape[0], column)
        if isinstance(b, _Eye) and _is_mat(a):
            b = b.resolve(a.shape[1], column)
        if isinstance(a, _Eye) or isinstance(b, _Eye):
            raise ParseError("the size of the identity I is not determined here", column)
        if _is_mat(a) and not _is_mat(b):
            if b == 0 and op in ("+", "-"):
                return a, sp.ZeroMatrix(*a.shape)
            if a.shape == (1, 1):
                return a, b * sp.Identity(1)
            raise ParseError(f"cannot {op} a {_dims(a)} matrix and a scalar", column)
        if _is_mat(b) and not _is_mat(a):
            if a == 0 and op in ("+", "-"):
                return sp.ZeroMatrix(*b.shape), b
            if b.shape == (1, 1):
                return a * sp.Identity(1), b
            raise ParseError(f"cannot {op} a scalar and a {_dims(b)} matrix", column)
        if _is_mat(a) and a.shape != b.shape:
            raise ParseError(f"cannot {op} a {_dims(a)} and a {_dims(b)} matrix", column)
        return a, b

    def add(self, a: Any, b: Any, column: int | None = None) -> Any:
        a, b = _scalar(a), _scalar(b)
        self.tick()
        self._operands(a, b, column=column)
        if isinstance(a, _Eye) and isinstance(b, _Eye):
            return _Eye(a.scale + b.scale)
        a, b = self._lift(a, b, column, "+")
        return a + b

    def sub(self, a: Any, b: Any, column: int | None = None) -> Any:
        return self.add(a, self.neg(b), column)

    def neg(self, a: Any) -> Any:
        a = _scalar(a)
        self.tick()
        return _Eye(-a.scale) if isinstance(a, _Eye) else -a

    def mul(self, a: Any, b: Any, column: int | None = None) -> Any:
        a, b = _scalar(a), _scalar(b)
        self.tick()
        self._operands(a, b, column=column)
        if isinstance(a, _Eye) and isinstance(b, _Eye):
            return _Eye(a.scale * b.scale)
        if isinstance(a, _Eye):
            return _Eye(a.scale * b) if not _is_mat(b) else a.scale * b
        if isinstance(b, _Eye):
            return _Eye(a * b.scale) if not _is_mat(a) else a * b.scale
        if _is_mat(a) and _is_mat(b) and a.shape[1] != b.shape[0]:
            if a.shape == (1, 1) or b.shape == (1, 1):  # a scalar such as x^T y times a matrix
                return (a[0, 0] if a.shape == (1, 1) else a) * (b[0, 0] if b.shape == (1, 1) else b)
            raise ParseError(f"cannot multiply a {_dims(a)} matrix by a {_dims(b)} matrix", column)
        return a * b

    def div(self, a: Any, b: Any, column: int | None = None) -> Any:
        a, b = _scalar(a), _scalar(b)
        self.tick()
        self._operands(a, b, column=column)
        if _is_mat(b) or isinstance(b, _Eye):
            raise ParseError("division by a matrix is not defined; write ^{-1}", column)
        if b == 0:
            raise ParseError("division by zero", column)
        if isinstance(a, _Eye):
            return _Eye(a.scale / b)
        return a / b

    def pow(self, base: Any, exp: Any, column: int | None = None) -> Any:
        if isinstance(base, _Norm) and exp == 2:
            return base.x.T * base.x  # the squared norm of a vector: x^T x (1×1)
        base, exp = _scalar(base), _scalar(exp)
        self.tick()
        self._operands(base, exp, column=column)
        if _is_mat(exp) or isinstance(exp, _Eye):
            if base == sp.E:
                return self.call("exp", [exp], column)
            raise ParseError("a matrix cannot be an exponent (except in e^M)", column)
        if isinstance(exp, sp.Symbol) and exp.name == "T":
            if isinstance(base, _Eye):
                return base
            return base.T if _is_mat(base) else base
        if isinstance(exp, sp.Symbol) and exp.name == "dagger":
            if isinstance(base, _Eye):
                return _Eye(1 / base.scale)
            if not _is_mat(base):
                raise ParseError("`^\\dagger` (pseudoinverse) applies to matrices only", column)
            return Pinv(base)
        if isinstance(base, _Eye):
            return _Eye(super().pow(base.scale, exp, column))
        if _is_mat(base):
            if base.shape[0] != base.shape[1]:
                raise ParseError(
                    f"only square matrices have powers; this one is {_dims(base)}", column
                )
            if exp.is_Number:
                if not exp.is_Integer:
                    raise ParseError("a matrix power needs an integer exponent", column)
                if abs(exp) > CHAIN_LIMITS["max_exponent"]:
                    raise ParseError(
                        f"exponent {exp} is too large (limit {CHAIN_LIMITS['max_exponent']})",
                        column,
                    )
                if exp == -1:
                    return sp.Inverse(base)
                if exp < 0:
                    return sp.MatPow(sp.Inverse(base), -exp)
                return sp.MatPow(base, exp)
            if not exp.is_integer:
                raise ParseError(
                    "a matrix power needs an integer exponent (declare it: integer k ...)", column
                )
            if exp.is_nonnegative is not True:
                raise ParseError(
                    "a symbolic matrix power needs a nonnegative integer exponent "
                    "(declare it: integer k nonnegative)",
                    column,
                )
            return sp.MatPow(base, exp)
        if exp.is_Number and abs(exp) > CHAIN_LIMITS["max_exponent"] and not base.is_Number:
            raise ParseError(
                f"exponent {exp} is too large (limit {CHAIN_LIMITS['max_exponent']})", column
            )
        return super().pow(base, exp, column)

    def call(self, name: str, args: list[Any], column: int | None = None) -> Any:
        args = [_scalar(x) for x in args]
        self.tick()
        self._operands(*args, column=column)
        args = [a.resolve(None, column) if isinstance(a, _Eye) else a for a in args]
        a = args[0] if args else None
        if name in ("exp", "expm") and len(args) == 1 and _is_mat(a):
            if a.shape[0] != a.shape[1]:
                raise ParseError("the matrix exponential needs a square matrix", column)
            return MatExp(a)
        if name == "tr":
            if len(args) != 1 or not _is_mat(a) or a.shape[0] != a.shape[1]:
                raise ParseError("\\operatorname{tr} takes one square matrix", column)
            return sp.Trace(a)
        if name == "det":
            if len(args) != 1 or not _is_mat(a) or a.shape[0] != a.shape[1]:
                raise ParseError("\\det takes one square matrix", column)
            return sp.Determinant(a)
        if name == "norm":
            if len(args) != 1:
                raise ParseError("\\| \\| holds one expression", column)
            if not _is_mat(a):
                return sp.Abs(a)
            if a.shape[1] == 1 and a.shape != (1, 1):
                return _Norm(a)
            return sp.sqrt(sp.Trace(a.T * a)) if a.shape != (1, 1) else sp.Abs(a[0, 0])
        if name == "ddt":
            body, var = args
            if not isinstance(var, sp.Symbol):
                raise ParseError("the derivative's variable must be a declared scalar", column)
            if isinstance(body, _Eye):
                raise ParseError("the size of the identity I is not determined here", column)
            return TimeDerivative(body, var) if _is_mat(body) else sp.Derivative(body, var)
        if name == "lim":
            body, var, point = args
            if not isinstance(var, sp.Symbol):
                raise ParseError("the limit's variable must be a declared scalar", column)
            if point not in (sp.oo, sp.S.Zero) and point.free_symbols:
                raise ParseError("the limit point must be a number or \\infty", column)
            if _is_mat(body):
                return MatrixLimit(body, var, point)
            return sp.Limit(body, var, point, "+" if point != sp.oo else "-")
        if _is_mat(a):
            if name == "inv":
                return sp.Inverse(a)
            if name == "pinv":
                return Pinv(a)
            if name == "transpose":
                return a.T
            raise ParseError(f"`{name}` of a matrix is not read", column)
        return super().call(name, args, column)

    def matrix(self, rows: list[list[Any]], column: int | None = None) -> Any:
        return sp.ImmutableMatrix(super().matrix(rows, column))

    def relation(self, op: str, a: Any, b: Any, column: int | None = None) -> Any:
        raise ParseError("a relation inside one side of a step", column)

    def finish(self, value: Any) -> Any:
        value = _scalar(value)
        if isinstance(value, _Eye):
            if self.keep_identity:
                return value
            raise ParseError("the size of the identity I is not determined here")
        if isinstance(value, sp.Basic) and value.has(sp.nan, sp.zoo):
            raise ParseError("this side has an undefined value (such as 1/0)")
        return value


class _Norm:
    """``\\|x\\|`` of a vector: ``x^T x`` when squared, else the scalar
    ``sqrt(tr(x^T x))``."""

    def __init__(self, x: Any):
        self.x = x


def _scalar(v: Any) -> Any:
    return sp.sqrt(sp.Trace(v.x.T * v.x)) if isinstance(v, _Norm) else v


class _Eye:
    """``I`` times a scalar, until it meets a matrix that gives its size."""

    def __repr__(self) -> str:
        return f"{self.scale}*I"

    def __init__(self, scale: Any = sp.S.One):
        self.scale = scale

    def resolve(self, n: Any, column: int | None) -> Any:
        if n is None:
            raise ParseError("the size of the identity I is not determined here", column)
        return self.scale * sp.Identity(n)


def identity_like(side: Any, other: Any) -> Any:
    """``side`` with a bare ``I`` (times a scalar) sized by ``other`` (square matrix), else
    unchanged; a ``ParseError`` when no size can be given."""
    if not isinstance(side, _Eye):
        return side
    if isinstance(other, _Eye):
        k = sp.Symbol("n_I", integer=True, positive=True)
        return side.scale * sp.Identity(k)
    if _is_mat(other) and other.shape[0] == other.shape[1]:
        return side.scale * sp.Identity(other.shape[0])
    raise ParseError("the size of the identity I is not determined here")


def _dims(m: Any) -> str:
    return f"{m.shape[0]}×{m.shape[1]}"


class _ChainWalker(Walker):
    """The parser's walker with the chain's functions (``tr``, ``det``, derivative, limit,
    norm) allowed as calls."""

    def walk(self, node: Any, depth: int = 0) -> Any:
        import ast

        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _CHAIN_FUNCTIONS
            and not node.keywords
        ):
            args = [self.walk(a, depth + 1) for a in node.args]
            return self.b.call(node.func.id, args, self.col(node))
        return super().walk(node, depth)


def _read_tokens(tokens: list[Token], builder: SymbolicBuilder) -> Any:

    if not tokens:
        raise ParseError("this side of the step is empty")
    if bracket_depth(tokens) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    for t in tokens:
        if t.kind == OP and t.text == "=":
            raise ParseError("a second relation inside one side", t.column)
        if t.kind == NAME and t.text in FUNCTIONS and t.text in ("factorial",):
            raise ParseError("`!` is not read in a derivation", t.column)
    # a value before a bracket is a product (every name here is declared: the undeclared were
    # refused before), so `\\beta(BC)^{-1}` is beta times (BC)^{-1}, not (beta BC)^{-1}
    tokens = rewrite_factorials(
        explicit_products(tokens, lambda name: name not in _CHAIN_FUNCTIONS)
    )
    tree, src, where = parse_tokens(tokens, "this side")
    return builder.finish(_ChainWalker(src, where, builder, "any").walk(tree))


_BUILT_IN = frozenset({"e", "pi", "oo", "T", "I", "dagger", "in"})


def _all_declared(tokens: list[Token], names: Names) -> None:
    """Raise :class:`UndeclaredName` naming every undeclared name of the side (first column
    of each), not only the first one met."""
    missing: dict[str, int] = {}
    for k, t in enumerate(tokens):
        if t.kind != NAME or t.text in _BUILT_IN:
            continue
        found = names.lookup(t.text)
        if found is not None and found[1] is not None:
            continue
        if re.fullmatch(r"I_[A-Za-z0-9]+", t.text):
            continue
        called = k + 1 < len(tokens) and tokens[k + 1].kind == OP and tokens[k + 1].text == "("
        if called and (t.text in FUNCTIONS or t.text in _CHAIN_FUNCTIONS):
            continue
        missing.setdefault(names.spelling(t.text), t.column)
    if not missing:
        return
    spelled = list(missing)
    err = UndeclaredName(spelled[0], missing[spelled[0]], _suggest_declaration(spelled[0]))
    if len(spelled) > 1:
        err.message = (
            "undeclared names "
            + ", ".join(f"`{n}`" for n in spelled)
            + "; add "
            + (", ".join(f"`% gdflow: {_suggest_declaration(n)}`" for n in spelled))
        )
        err.names = spelled
    raise err


def read_side(text: str, names: Names, keep_identity: bool = False) -> Any:
    """One side of a step (LaTeX) as a symbolic SymPy expression of the declared ``names``.

    With ``keep_identity`` a side that is a multiple of ``I`` alone is returned as an
    :class:`Identity` stand-in whose size the other side gives (:func:`identity_like`).
    Raises :class:`~gdflow.checks.grade.parse.ParseError` (column 1-based in ``text``), or its
    subclass :class:`UndeclaredName`."""
    t = precheck(text)
    t = _mangle(t, names)
    lowerer = _ChainLowerer(t)
    tokens = lowerer.lower()
    if lowerer.norm_open:
        raise ParseError("unbalanced `\\|` in this formula")
    _all_declared(tokens, names)
    try:
        return _read_tokens(tokens, SymbolicBuilder(names, keep_identity))
    except ParseError:
        raise
    except BUILD_ERRORS as exc:
        detail = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise ParseError(f"this formula cannot be built ({detail})") from None
