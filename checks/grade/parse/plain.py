"""Plain syntax -> tree -> value: tokens (of plain text, or of LaTeX lowered by
:mod:`.latex`) are read by :func:`ast.parse` (which builds a syntax tree and executes nothing)
and the tree is walked against the whitelist (:class:`Walker`); every SymPy object is built
node by node by the :class:`~.build.Builder`."""

from __future__ import annotations

import ast
import bisect
import warnings
from typing import Any

import sympy as sp

from .build import Builder, Eye, interval
from .errors import ParseError
from .shape import Shape, shape_of
from .text import suggest_function
from .tokens import (
    NAME,
    OP,
    Token,
    bracket_depth,
    explicit_products,
    rewrite_factorials,
    to_source,
    tokenize_plain,
)
from .whitelist import (
    COMPARISONS,
    FUNCTIONS,
    LIMITS,
    NODES,
    OPERATORS,
    REFUSED_NODES,
    REFUSED_OPERATORS,
)

__all__ = ["Walker", "check_plain_text", "read", "read_value", "plain_tokens"]


def check_plain_text(text: str) -> None:
    """Refuse what plain syntax never has: braces (LaTeX) and quotes (strings)."""
    for brace in "{}":
        if brace in text:
            fixed = text.replace("{", "(").replace("}", ")")
            raise ParseError(
                "curly braces are LaTeX: use ( ) in plain syntax, or wrap LaTeX in $...$",
                text.index(brace) + 1,
                fixed if len(fixed) < 80 else None,
            )
    for quote in "'\"":
        if quote in text:
            raise ParseError("quotes (strings) are not allowed in an answer", text.index(quote) + 1)


def plain_tokens(text: str) -> list[Token]:
    """The tokens of a plain-syntax answer."""
    check_plain_text(text)
    return tokenize_plain(text)


def _list_to_matrix(b: Builder, elts: list[ast.expr], items: list[Any], column: int) -> sp.Matrix:
    if all(isinstance(x, sp.MatrixBase) and x.shape[1] == 1 for x in items) and all(
        isinstance(e, (ast.List, ast.Tuple)) for e in elts
    ):
        rows = [list(x) for x in items]
        return b.matrix(rows, column)
    if any(isinstance(x, sp.MatrixBase) for x in items):
        raise ParseError("mix of numbers and lists in a matrix", column)
    return b.matrix([[x] for x in items], column)


class Walker:
    """Walks the syntax tree of an answer against the whitelist, calling the Builder for each
    allowed node; any other node is refused naming it."""

    def __init__(self, src: str, where: dict[int, int], builder: Builder, expect: str):
        self.src = src
        self.where = where
        self.offsets = sorted(where)
        self.b = builder
        self.expect = expect

    def col(self, node: ast.AST) -> int:
        """The column the student typed ``node`` at."""
        offset = getattr(node, "col_offset", 0)
        i = bisect.bisect_right(self.offsets, offset) - 1
        return self.where[self.offsets[i]] if i >= 0 else offset + 1

    def walk(self, node: ast.AST, depth: int = 0) -> Any:
        """The value of ``node``, built by the Builder."""
        if depth > LIMITS["max_depth"]:
            raise ParseError(
                f"answer is nested too deeply (limit {LIMITS['max_depth']})", self.col(node)
            )
        if type(node) not in NODES:
            word = REFUSED_NODES.get(type(node), f"`{type(node).__name__}`")
            raise ParseError(f"{word} not allowed in an answer", self.col(node))
        d = depth + 1
        b = self.b
        if isinstance(node, ast.Expression):
            return self.walk(node.body, d)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                kind = "strings" if isinstance(v, (str, bytes)) else f"`{v!r}`"
                if isinstance(v, complex):
                    kind = "complex literals"
                raise ParseError(f"{kind} are not allowed in an answer", self.col(node))
            seg = ast.get_source_segment(self.src, node) or repr(v)
            return b.number(seg, self.col(node))
        if isinstance(node, ast.Name):
            name = node.id[:-1] if node.id == "lambda_" else node.id
            if name in FUNCTIONS and self.b.scope.lookup(name) is None:
                raise ParseError(f"`{name}` is a function; write `{name}(...)`", self.col(node))
            if name == "T" and self.b.scope.lookup("T") is None:
                return sp.Symbol("T")  # only meaningful as the exponent of a matrix
            return b.symbol(name, self.col(node))
        if isinstance(node, ast.BinOp):
            op = OPERATORS.get(type(node.op))
            if op is None:
                sym = REFUSED_OPERATORS.get(type(node.op), "?")
                raise ParseError(f"operator `{sym}` is not allowed", self.col(node))
            if op == "pow" and isinstance(node.right, ast.Name) and node.right.id == "dagger":
                left = self.walk(node.left, d)
                if not isinstance(left, (sp.MatrixBase, sp.MatrixExpr, Eye)):
                    raise ParseError(
                        "`^dagger` (pseudoinverse) applies to matrices only", self.col(node)
                    )
                return b.pow(left, sp.Symbol("dagger"), self.col(node))
            left = self.walk(node.left, d)
            right = self.walk(node.right, d)
            return getattr(b, op)(left, right, self.col(node))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return b.neg(self.walk(node.operand, d))
            if isinstance(node.op, ast.UAdd):
                return self.walk(node.operand, d)
            raise ParseError("operator `not`/`~` is not allowed", self.col(node))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ParseError(
                    "only named functions such as sqrt(...) can be called", self.col(node)
                )
            if node.keywords:
                raise ParseError("keyword arguments are not allowed", self.col(node))
            name = node.func.id
            if name.rstrip("_") == "lambda":
                name = "lambda"
            if name not in FUNCTIONS and b.knows(name):
                # a value before a bracket is a product (the policy in .tokens): alpha(x+1)
                if len(node.args) != 1:
                    raise ParseError(
                        f"`{name}(...)` multiplies {name} by one bracket; write `*`",
                        self.col(node),
                    )
                return b.mul(b.symbol(name, self.col(node)), self.walk(node.args[0], d))
            if name not in FUNCTIONS:
                raise ParseError(
                    f"function `{name}` is not allowed", self.col(node), suggest_function(name)
                )
            args = [self.walk(a, d) for a in node.args]
            return b.call(name, args, self.col(node))
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.walk(e, d) for e in node.elts]
            if (
                self.expect == "set"
                and len(items) == 2
                and not any(isinstance(x, sp.MatrixBase) for x in items)
            ):
                closed = isinstance(node, ast.List)
                return interval(items[0], items[1], not closed, not closed, self.col(node))
            return _list_to_matrix(b, node.elts, items, self.col(node))
        if isinstance(node, ast.Compare):
            return self.compare(node, d)
        if isinstance(node, ast.BoolOp):
            parts = [self.walk(v, d) for v in node.values]
            for p in parts:
                if shape_of(p) not in (Shape.RELATION, Shape.EQUATION):
                    raise ParseError("`and`/`or` join comparisons only", self.col(node))
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        raise ParseError(f"`{type(node).__name__}` not allowed in an answer", self.col(node))

    def compare(self, node: ast.Compare, d: int) -> Any:
        """A chain of comparisons, or ``symbol in interval``."""
        terms = [node.left] + list(node.comparators)
        if any(isinstance(o, ast.In) for o in node.ops):
            if len(node.ops) != 1:
                raise ParseError("use `x in (a, b)` on its own", self.col(node))
            var = self.walk(node.left, d)
            saved, self.expect = self.expect, "set"
            try:
                s = self.walk(node.comparators[0], d)
            finally:
                self.expect = saved
            if not isinstance(s, sp.Set) or not isinstance(var, sp.Symbol):
                raise ParseError("write `symbol in (a, b)` with an interval", self.col(node))
            return s.as_relational(var)
        vals = [self.walk(t, d) for t in terms]
        rels = []
        for op, a, bb in zip(node.ops, vals, vals[1:], strict=False):
            sym = COMPARISONS.get(type(op))
            if sym is None:
                raise ParseError("only <, <=, >, >=, = comparisons are allowed", self.col(node))
            rels.append(self.b.relation(sym, a, bb, self.col(node)))
        return rels[0] if len(rels) == 1 else sp.And(*rels)


def read_value(tokens: list[Token], builder: Builder, expect: str = "any") -> Any:
    """The value of one expression (no top-level ``=``) given as tokens."""
    if not tokens:
        raise ParseError("empty part in the answer")
    if bracket_depth(tokens) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    tokens = rewrite_factorials(explicit_products(tokens))
    src, where = to_source(tokens)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1
        best = max((o for o in where if o <= offset), default=None)
        col = where.get(best) if best is not None else None
        raise ParseError("syntax error: this is not a formula that can be read", col) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("answer is nested too deeply or too long") from None
    return Walker(src, where, builder, expect).walk(tree)


def _top_level(tokens: list[Token], text: str) -> list[int]:
    depth = 0
    hits = []
    for i, t in enumerate(tokens):
        if t.kind == OP and t.text in "([":
            depth += 1
        elif t.kind == OP and t.text in ")]":
            depth -= 1
        elif depth == 0 and t.kind in (OP, NAME) and t.text == text:
            hits.append(i)
    return hits


def _interval_tokens(tokens: list[Token], builder: Builder) -> sp.Set | None:
    """``(a, b)``, ``[a, b)``, ``(a, b]``, ``[a, b]`` as an interval, or ``None`` when the
    tokens are not one bracketed pair."""
    if len(tokens) < 5 or tokens[0].text not in "([" or tokens[-1].text not in ")]":
        return None
    if tokens[0].kind != OP or tokens[-1].kind != OP:
        return None
    inner = tokens[1:-1]
    depth = 0
    for t in inner:
        if t.kind == OP and t.text in "([":
            depth += 1
        elif t.kind == OP and t.text in ")]":
            depth -= 1
            if depth < 0:
                return None
    commas = _top_level(inner, ",")
    if depth != 0 or len(commas) != 1:
        return None
    lo = read_value(inner[: commas[0]], builder, "scalar")
    hi = read_value(inner[commas[0] + 1 :], builder, "scalar")
    return interval(lo, hi, tokens[0].text == "(", tokens[-1].text == ")", tokens[0].column)


def read(tokens: list[Token], builder: Builder, expect: str = "any") -> Any:
    """The value of a whole answer given as tokens: ``symbol in interval``, an interval (when
    a set is expected), an equation ``lhs = rhs`` or an expression."""
    if not tokens:
        raise ParseError("empty answer")
    ins = _top_level(tokens, "in")
    if ins:
        if ins != [1] or tokens[0].kind != NAME:
            raise ParseError("write `symbol in (a, b)` with an interval", tokens[ins[0]].column)
        var = builder.symbol(tokens[0].text, tokens[0].column)
        iv = _interval_tokens(tokens[2:], builder)
        if iv is None:
            iv = read_value(tokens[2:], builder, "set")
        if not isinstance(iv, sp.Set) or not isinstance(var, sp.Symbol):
            raise ParseError("write `symbol in (a, b)` with an interval", tokens[1].column)
        return iv.as_relational(var)
    if expect == "set":
        iv = _interval_tokens(tokens, builder)
        if iv is not None:
            return iv
    eqs = _top_level(tokens, "=")
    if len(eqs) > 1:
        raise ParseError("more than one `=` in the answer", tokens[eqs[1]].column)
    if eqs:
        lhs = read_value(tokens[: eqs[0]], builder, expect)
        rhs = read_value(tokens[eqs[0] + 1 :], builder, expect)
        return builder.relation("==", lhs, rhs, tokens[eqs[0]].column)
    return builder.finish(read_value(tokens, builder, expect))
