r"""LaTeX lowered into the tokens of plain syntax, so that one reader (:mod:`.plain`) with
one whitelist reads both.

:func:`latex_precheck` first refuses anything outside the whitelist (size, commands such as
``\input``, ``\def``, ``\csname``, environments other than matrices, TeX specials); then
:func:`lower_latex` rewrites the LaTeX structure as plain syntax, token by token:
``\frac{a}{b}`` is ``((a)/(b))``, ``\sqrt{x}`` is ``sqrt(x)``, ``\sqrt[n]{x}`` is
``(x)**(1/(n))``, ``x^{2}`` is ``x**(2)``, ``w_{0}`` is the name ``w_0``, ``\left(`` is ``(``,
``|x|`` is ``abs(x)``, ``\sin x`` is ``sin(x)``, ``\log_2 x`` is ``log(x, 2)``, a
``bmatrix`` is ``([[...], [...]])``, ``\cdot`` is ``*``, ``\le`` is ``<=``, ``\in`` is ``in``,
``\alpha`` is ``alpha``, ``\infty`` is ``oo``, ``^\top`` is ``**T``, ``^\dagger`` is
``**dagger`` (and ``^{+}`` too, 001's pseudoinverse), ``\approx`` is ``≈``, ``0{,}75`` a
decimal comma (refused with a hint). Each letter is a name of its own (``xy`` is ``x y``);
implicit products then follow the one policy of :mod:`.tokens`. No LaTeX engine and no SymPy
LaTeX parser runs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import ParseError
from .tokens import NAME, NUM, OP, Token, bracket_depth
from .whitelist import (
    LATEX_COMMANDS,
    LATEX_ENVIRONMENTS,
    LATEX_FUNCTIONS,
    LATEX_OPERATORS,
    LATEX_SYMBOLS,
    LIMITS,
)

__all__ = ["latex_precheck", "lower_latex", "is_latex"]


def is_latex(text: str) -> bool:
    """An answer is LaTeX when it is wrapped in ``$...$`` or contains a backslash or braces."""
    t = text.strip()
    return (
        "\\" in t or "{" in t or "}" in t or (t.startswith("$") and t.endswith("$") and len(t) > 1)
    )


def _text_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def latex_precheck(text: str) -> str:
    """Refuse LaTeX outside the whitelist (size, commands, environments, special characters)
    and return the text with ``$`` delimiters, spacing commands and ``\\mathrm{e}`` removed."""
    if len(text) > LIMITS["max_latex_chars"]:
        raise ParseError(f"LaTeX answer is longer than {LIMITS['max_latex_chars']} characters")
    t = text.strip()
    if t.startswith("$$") and t.endswith("$$") and len(t) > 4:
        t = t[2:-2]
    elif t.startswith("$") and t.endswith("$") and len(t) > 2:
        t = t[1:-1]
    for ch, what in (
        ("$", "`$` inside the answer"),
        ("%", "`%` (a TeX comment)"),
        ("#", "`#`"),
        ("~", "`~`"),
        ("@", "`@`"),
        ('"', "quotes"),
        ("'", "quotes or primes"),
    ):
        if ch in t:
            raise ParseError(f"{what} is not allowed", t.index(ch) + 1)
    t = re.sub(r"(?<!\\)\\[,;:! ]", " ", t)
    t = re.sub(r"\\(mathrm|text)\{\s*e\s*\}", "e", t)
    for m in re.finditer(r"\\([A-Za-z]+|.)", t):
        cmd = m.group(1)
        if cmd == "\\":
            continue
        if cmd in ("{", "}"):
            continue
        if cmd not in LATEX_COMMANDS:
            pool = sorted(LATEX_COMMANDS - {"in", "top", "pi"})
            sug = [c for c in pool if sorted(c) == sorted(cmd)] or difflib.get_close_matches(
                cmd, pool, n=1, cutoff=0.8
            )
            raise ParseError(
                f"LaTeX command `\\{cmd}` is not allowed",
                m.start() + 1,
                ("\\" + sug[0]) if sug else None,
            )
        if cmd in ("mathrm", "text"):
            raise ParseError(f"`\\{cmd}{{...}}` is only allowed as \\mathrm{{e}}", m.start() + 1)
    for m in re.finditer(r"\\(begin|end)\s*\{([^}]*)\}", t):
        if m.group(2) not in LATEX_ENVIRONMENTS:
            close = difflib.get_close_matches(
                m.group(2), sorted(LATEX_ENVIRONMENTS), n=1, cutoff=0.6
            )
            raise ParseError(
                f"LaTeX environment `{m.group(2)}` is not allowed (use bmatrix or pmatrix)",
                m.start() + 1,
                close[0] if close else None,
            )
    if re.search(r"\\(begin|end)(?!\s*\{)", t):
        raise ParseError("\\begin / \\end need an environment name")
    if _text_depth(t) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    if t.count("^") > 60 or t.count("\\frac") > 60:
        raise ParseError("answer is too large")
    return t.strip()


def _paren(col: int, *tokens: Token) -> list[Token]:
    """``( tokens )``: a LaTeX group lowered to a parenthesised group of plain tokens."""
    return [Token(OP, "(", col), *tokens, Token(OP, ")", col)]


@dataclass(frozen=True)
class _LTok:
    kind: str  # "rowsep", "cmd", "digit", "space", "ch"
    text: str
    column: int


_LTOKEN = re.compile(
    r"(?P<rowsep>\\\\)|(?P<cmd>\\[A-Za-z]+|\\.)|(?P<digit>[0-9])|(?P<space>\s+)|(?P<ch>.)",
    re.S,
)


def _tokenize(text: str) -> list[_LTok]:
    return [_LTok(m.lastgroup or "ch", m.group(), m.start() + 1) for m in _LTOKEN.finditer(text)]


class _Lowerer:
    """Recursive descent over LaTeX tokens, writing plain-syntax tokens."""

    def __init__(self, text: str):
        self.toks = _tokenize(text)
        self.i = 0
        self.abs_open = 0
        self.depth = 0

    def deeper(self, column: int) -> None:
        """Count one level of nested structure; refuse more than the whitelist's depth."""
        self.depth += 1
        if self.depth > 2 * LIMITS["max_depth"]:
            raise ParseError(
                f"the LaTeX answer is nested too deeply (limit {LIMITS['max_depth']})", column
            )

    # -- cursor
    def peek(self) -> _LTok | None:
        while self.i < len(self.toks) and self.toks[self.i].kind == "space":
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _LTok:
        t = self.peek()
        if t is None:
            raise ParseError("the LaTeX answer ends too early (a command is missing its argument)")
        self.i += 1
        return t

    def expect(self, text: str) -> _LTok:
        t = self.peek()
        if t is None or t.text != text:
            where = t.column if t is not None else None
            raise ParseError(f"expected `{text}` in the LaTeX answer", where)
        return self.take()

    # -- structure
    def lower(self) -> list[Token]:
        out = self.seq(frozenset())
        t = self.peek()
        if t is not None:
            raise ParseError(f"unexpected `{t.text}` in the LaTeX answer", t.column)
        if self.abs_open:
            raise ParseError("unbalanced `|` in the LaTeX answer")
        return out

    def seq(self, stops: frozenset[str]) -> list[Token]:
        out: list[Token] = []
        while True:
            t = self.peek()
            if t is None or t.text in stops:
                return out
            out.extend(self.item(out))

    def group(self) -> list[Token]:
        """``{...}`` as a bracketed group."""
        start = self.expect("{")
        inner = self.seq(frozenset({"}"}))
        if self.peek() is None:
            raise ParseError("unbalanced braces in the LaTeX answer", start.column)
        self.take()
        if not inner:
            raise ParseError("empty braces `{}` in the LaTeX answer", start.column)
        return [Token(OP, "(", start.column), *inner, Token(OP, ")", start.column)]

    def argument(self) -> list[Token]:
        """One TeX argument: a brace group, a command, or a single character (``\\frac23``,
        ``x^23`` is x²·3), a sign with its argument (``x^-1``)."""
        t = self.peek()
        if t is None:
            raise ParseError("a LaTeX command is missing its argument")
        if t.text == "{":
            return self.group()
        if t.kind == "digit":
            self.take()
            return [Token(NUM, t.text, t.column)]
        if t.text in ("-", "+"):
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt.text in ("-", "+"):
                raise ParseError("two signs in a row in a LaTeX argument", nxt.column)
            return [Token(OP, t.text, t.column), *self.argument()]
        if t.kind == "ch" and t.text.isalpha():
            self.take()
            return [Token(NAME, t.text, t.column)]
        if t.kind == "cmd":
            word = t.text[1:]
            if word in LATEX_SYMBOLS:
                self.take()
                return [Token(NAME, LATEX_SYMBOLS[word], t.column)]
            if word in ("frac", "dfrac", "tfrac", "sqrt"):
                return [Token(OP, "(", t.column), *self.item([]), Token(OP, ")", t.column)]
        raise ParseError(f"`{t.text}` cannot be the argument of a LaTeX command", t.column)

    def _superscript_mark(self) -> str | None:
        """After ``^``: a lone ``+`` or ``*`` (``^+``, ``^{+}``, ``^*``, ``^{*}``), consumed, or
        ``None`` (nothing consumed). ``x^+2`` keeps its sign."""
        t = self.peek()
        if t is None:
            return None
        if t.text in ("+", "*"):
            nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
            if t.text == "*" or nxt is None or nxt.kind != "digit":
                self.take()
                return t.text
            return None
        if t.text == "{":
            j = self.i + 1
            inner = [u for u in self.toks[j : j + 4] if u.kind != "space"]
            if len(inner) >= 2 and inner[0].text in ("+", "*") and inner[1].text == "}":
                self.take()
                mark = self.take().text
                self.take()
                return mark
        return None

    def subscript(self) -> str:
        """The text of a subscript: letters and digits (``w_0``, ``x_{ij}``, ``\\alpha_{k}``)."""
        t = self.peek()
        if t is None:
            raise ParseError("`_` is missing its subscript")
        parts: list[_LTok]
        if t.text == "{":
            self.take()
            parts = []
            while (u := self.peek()) is not None and u.text != "}":
                parts.append(self.take())
            self.expect("}")
        else:
            parts = [self.take()]
        words = []
        for p in parts:
            if p.kind == "cmd" and p.text[1:] in LATEX_SYMBOLS:
                words.append(LATEX_SYMBOLS[p.text[1:]])
            elif p.kind in ("digit", "ch") and p.text.isalnum() and p.text.isascii():
                words.append(p.text)
            else:
                raise ParseError("a subscript must be letters or digits", p.column)
        if not words:
            raise ParseError("empty subscript", t.column)
        return "".join(words)

    def number(self) -> Token:
        start = self.i
        t = self.toks[start]
        j = start
        while j < len(self.toks) and (self.toks[j].kind == "digit" or self.toks[j].text == "."):
            j += 1
        self.i = j
        return Token(NUM, "".join(x.text for x in self.toks[start:j]), t.column)

    def item(self, out: list[Token]) -> list[Token]:
        t = self.peek()
        if t is None:
            raise ParseError("the LaTeX answer ends too early")
        self.deeper(t.column)
        try:
            return self._item(t, out)
        finally:
            self.depth -= 1

    def _item(self, t: _LTok, out: list[Token]) -> list[Token]:
        col = t.column
        if t.kind == "digit" or (
            t.text == "." and self.i + 1 < len(self.toks) and self.toks[self.i + 1].kind == "digit"
        ):
            return [self.number()]
        if t.kind == "rowsep":
            raise ParseError("`\\\\` (a new row) is only allowed inside a matrix", col)
        if t.text == "&":
            raise ParseError("`&` is only allowed inside a matrix", col)
        if t.text == "{":
            nxt = [u for u in self.toks[self.i + 1 : self.i + 3]]
            if len(nxt) == 2 and nxt[0].text == "," and nxt[1].text == "}":
                self.i += 3  # 0{,}75: LaTeX's decimal comma
                return [Token(OP, "{,}", col)]
            return self.group()
        if t.text == "}":
            raise ParseError("unbalanced braces in the LaTeX answer", col)
        if t.text == "^":
            self.take()
            if not out:
                raise ParseError("`^` needs something before it", col)
            mark = self._superscript_mark()
            if mark == "+":  # \Phi^{+}: the pseudoinverse, as printed in 001
                return [Token(OP, "**", col), Token(NAME, "dagger", col)]
            if mark == "*":  # w^*, w^{*}: a name of the quantity (a left side)
                return [Token(OP, "**", col), *_paren(col, Token(OP, "*", col))]
            return [Token(OP, "**", col), *_paren(col, *self.argument())]
        if t.text == "_":
            self.take()
            if not out or out[-1].kind != NAME:
                raise ParseError("`_` (a subscript) must follow a name", col)
            out[-1] = Token(NAME, f"{out[-1].text}_{self.subscript()}", out[-1].column)
            return []
        if t.text == "|":
            self.take()
            if self.abs_open and out and out[-1].ends_operand():
                self.abs_open -= 1
                return [Token(OP, ")", col)]
            self.abs_open += 1
            return [Token(NAME, "abs", col), Token(OP, "(", col)]
        if t.kind == "ch":
            self.take()
            if t.text.isalpha():
                return [Token(NAME, t.text, col)]
            nxt = self.toks[self.i] if self.i < len(self.toks) else None
            if t.text in "<>" and nxt is not None and nxt.text == "=":
                self.i += 1
                return [Token(OP, t.text + "=", col)]
            return [Token(OP, t.text, col)]
        return self.command(out)

    def command(self, out: list[Token]) -> list[Token]:
        t = self.take()
        col = t.column
        word = t.text[1:]
        if word in LATEX_SYMBOLS:
            return [Token(NAME, LATEX_SYMBOLS[word], col)]
        if word in LATEX_OPERATORS:
            op = LATEX_OPERATORS[word]
            return [Token(NAME if op.isalpha() else OP, op, col)]
        if word in LATEX_FUNCTIONS:
            return self.function(LATEX_FUNCTIONS[word], col)
        if word in ("frac", "dfrac", "tfrac"):
            num, den = self.argument(), self.argument()
            return _paren(col, *_paren(col, *num), Token(OP, "/", col), *_paren(col, *den))
        if word == "sqrt":
            nxt = self.peek()
            if nxt is not None and nxt.text == "[":
                self.take()
                index = self.seq(frozenset({"]"}))
                self.expect("]")
                if not index:
                    raise ParseError("empty root index `\\sqrt[]`", col)
                radicand = self.argument()
                one_over = [Token(NUM, "1", col), Token(OP, "/", col)]
                reciprocal = _paren(col, *one_over, *_paren(col, *index))
                return _paren(col, *_paren(col, *radicand), Token(OP, "**", col), *reciprocal)
            return [Token(NAME, "sqrt", col), *_paren(col, *self.argument())]
        if word in ("left", "right"):
            d = self.take()
            if d.text in ("(", "[") and word == "left":
                return [Token(OP, d.text, col)]
            if d.text in (")", "]") and word == "right":
                return [Token(OP, d.text, col)]
            if (word, d.text) in (("left", "]"), ("right", "[")):  # ]a, b[: an open interval
                return [Token(OP, d.text, col)]
            if d.text == "|":
                if word == "left":
                    self.abs_open += 1
                    return [Token(NAME, "abs", col), Token(OP, "(", col)]
                if not self.abs_open:
                    raise ParseError("`\\right|` without `\\left|`", col)
                self.abs_open -= 1
                return [Token(OP, ")", col)]
            raise ParseError(f"`\\{word}{d.text}` is not a bracket that can be read", col)
        if word == "begin":
            return self.environment(col)
        if word == "end":
            raise ParseError("`\\end` without a matching `\\begin`", col)
        if word in ("{", "}"):
            raise ParseError(
                "set braces `\\{ \\}` are not read; write an interval such as (0, 1)", col
            )
        raise ParseError(f"LaTeX command `{t.text}` is not allowed", col)

    def function(self, name: str, col: int) -> list[Token]:
        """``\\sin x``, ``\\sin(x)``, ``\\sin^2 x``, ``\\log_2 x``, ``\\exp{x}``."""
        power: list[Token] = []
        base: list[Token] = []
        for _ in range(2):
            nxt = self.peek()
            if nxt is not None and nxt.text == "^" and not power:
                self.take()
                power = self.argument()
            elif nxt is not None and nxt.text == "_" and not base and name == "log":
                self.take()
                base = self.argument()
        nxt = self.peek()
        if nxt is None:
            raise ParseError(f"`\\{name}` is missing its argument", col)
        if nxt.text == "(" or nxt.text == "\\left":
            arg = self.item([])  # the opening bracket; the group follows in the sequence
            if not base and not power:
                return [Token(NAME, name, col), *arg]
            inner = self.seq(frozenset({")", "\\right"}))
            if self.peek() is None:
                raise ParseError(f"`\\{name}(` is missing its closing bracket", col)
            closing = self.item([])
            arg = [*arg, *inner, *closing]
        else:
            arg = self.argument()
            nxt = self.peek()
            if nxt is not None and nxt.text == "^":  # \sin x^2 is sin(x^2)
                self.take()
                arg = [*arg, Token(OP, "**", col), *_paren(col, *self.argument())]
        call = [Token(NAME, name, col), Token(OP, "(", col), *arg]
        if base:
            call += [Token(OP, ",", col), *base]
        call.append(Token(OP, ")", col))
        if power:
            return [*_paren(col, *call), Token(OP, "**", col), *_paren(col, *power)]
        return call

    def env_name(self) -> str:
        self.expect("{")
        name = ""
        while (u := self.peek()) is not None and u.text != "}":
            name += self.take().text
        self.expect("}")
        return name

    def environment(self, col: int) -> list[Token]:
        """A matrix environment as nested lists (one row: a row vector; one column: a column
        vector)."""
        name = self.env_name()
        if name not in LATEX_ENVIRONMENTS:
            raise ParseError(f"LaTeX environment `{name}` is not allowed", col)
        rows: list[list[list[Token]]] = [[]]
        while True:
            cell = self.seq(frozenset({"&", "\\\\", "\\end"}))
            rows[-1].append(cell)
            t = self.peek()
            if t is None:
                raise ParseError(f"`\\begin{{{name}}}` without `\\end{{{name}}}`", col)
            self.take()
            if t.text == "&":
                continue
            if t.text == "\\\\":
                rows.append([])
                continue
            if self.env_name() != name:
                raise ParseError(f"`\\begin{{{name}}}` closed by another `\\end`", t.column)
            break
        if len(rows) > 1 and rows[-1] == [[]]:
            rows.pop()  # a trailing \\ before \end
        out = [Token(OP, "(", col), Token(OP, "[", col)]
        for r, row in enumerate(rows):
            if r:
                out.append(Token(OP, ",", col))
            out.append(Token(OP, "[", col))
            for c, cell in enumerate(row):
                if not cell:
                    raise ParseError(f"empty entry in row {r + 1} of the matrix", col)
                if c:
                    out.append(Token(OP, ",", col))
                out.extend(cell)
            out.append(Token(OP, "]", col))
        out += [Token(OP, "]", col), Token(OP, ")", col)]
        return out


def lower_latex(text: str) -> list[Token]:
    """A LaTeX answer (after :func:`latex_precheck`) as tokens of plain syntax."""
    tokens = _Lowerer(text).lower()
    if bracket_depth(tokens) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    return tokens
