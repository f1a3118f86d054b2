"""Plain syntax -> tree -> value: tokens (of plain text, or of LaTeX lowered by
:mod:`.latex`) are read by :func:`ast.parse` (which builds a syntax tree and executes nothing)
and the tree is walked against the whitelist (:class:`Walker`); every SymPy object is built
node by node by the :class:`~.build.Builder`."""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from typing import Any

import sympy as sp

from .build import Builder, Eye, SizeError, interval
from .errors import ParseError
from .shape import Shape, shape_of
from .text import suggest_function
from .tokens import (
    NAME,
    NUM,
    OP,
    Token,
    bracket_depth,
    decimal_comma,
    explicit_products,
    rewrite_factorials,
    rewrite_plus_dagger,
    to_source,
    tokenize_plain,
)
from .whitelist import (
    COMPARISONS,
    CONSTANTS,
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

    def shown(self, node: ast.AST) -> str:
        """``node`` as the student wrote it, for a message (``X*w0`` as ``Xw0``, ``a**T`` as
        ``a^T``), shortened."""
        seg = ast.get_source_segment(self.src, node) or "…"
        seg = seg.replace("lambda_", "λ").replace("**", "^")
        seg = re.sub(r"\s+", "", seg).replace("*", "·").replace(",", ", ")
        if not isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.List, ast.Tuple)):
            seg = f"({seg})"
        return seg if len(seg) <= 30 else seg[:29] + "…"

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
            try:
                return getattr(b, op)(left, right, self.col(node))
            except SizeError as exc:
                raise exc.named(op, self.shown(node.left), self.shown(node.right)) from None
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
    if any(t.kind == OP and t.text == "≈" for t in tokens):
        raise ParseError(
            "`≈` may only introduce the value itself (`≈ -1.91`, `x ≈ -1.91`)",
            next(t.column for t in tokens if t.text == "≈"),
        )
    tokens = rewrite_factorials(explicit_products(rewrite_plus_dagger(tokens), builder.knows))
    tree, src, where = parse_tokens(tokens, "answer")
    return Walker(src, where, builder, expect).walk(tree)


def parse_tokens(tokens: list[Token], what: str) -> tuple[ast.Expression, str, dict[int, int]]:
    """The syntax tree of ``tokens`` (products already explicit), its source text and the map
    from source offsets to the columns typed (:func:`.tokens.to_source`); a syntax error is a
    :class:`ParseError` at the column typed, and ``what`` ("answer", "this side") names the
    text in the message for one nested too deeply."""
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
        raise ParseError(f"{what} is nested too deeply or too long") from None
    return tree, src, where


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
    if len(tokens) < 5 or tokens[0].text not in "([]" or tokens[-1].text not in ")][":
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
    # ]a, b[ is the open interval (a, b) (the French notation), ]a, b] and [a, b[ half-open
    return interval(lo, hi, tokens[0].text in "(]", tokens[-1].text in ")[", tokens[0].column)


#: the most sides a chain ``v1 = v2 ≈ v3`` may have (each side is checked by the grader)
MAX_SIDES = 4


def _split_top(tokens: list[Token], seps: set[str]) -> list[tuple[str | None, list[Token]]]:
    """``tokens`` split at the top-level operators ``seps``: (separator before, part)."""
    parts: list[tuple[str | None, list[Token]]] = [(None, [])]
    depth = 0
    for t in tokens:
        if t.kind == OP and t.text in "([":
            depth += 1
        elif t.kind == OP and t.text in ")]":
            depth -= 1
        elif depth == 0 and t.kind == OP and t.text in seps:
            parts.append((t.text, []))
            continue
        parts[-1][1].append(t)
    return parts


def _closing(tokens: list[Token], i: int) -> int | None:
    """Index of the ``)`` closing the ``(`` at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == OP and tokens[j].text == "(":
            depth += 1
        elif tokens[j].kind == OP and tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def label_of(tokens: list[Token], builder: Builder) -> str | None:
    """The name of a left side that names the asked quantity, or ``None``: one name that is
    not a value of the problem (not declared, not data, not a constant or function), with at
    most an index exponent (``w^{(k)}``, ``w^(0)``, ``w^k``, ``w^*``) and one argument group
    (``r(t)``, ``J(w^{(2)})``); subscripts are part of the name (``x_2``, ``w_k``)."""
    n = len(tokens)
    if not n or tokens[0].kind != NAME or tokens[0].is_keyword():
        return None
    name = tokens[0].text
    if builder.knows(name) or name in FUNCTIONS or name in ("T", "dagger") or name in CONSTANTS:
        return None
    i = 1
    if i < n and tokens[i].kind == OP and tokens[i].text == "**":
        i += 1
        if i < n and tokens[i].kind == OP and tokens[i].text == "*":
            i += 1
        elif i < n and tokens[i].kind == NAME and tokens[i].text not in ("T", "dagger"):
            i += 1
        elif i < n and tokens[i].text == "(":
            j = _closing(tokens, i)
            if j is None or not all(
                t.kind in (NAME, NUM) or t.text in ("(", ")", "+", "-", "*")
                for t in tokens[i + 1 : j]
            ):
                return None
            i = j + 1
        else:
            return None
    if i < n and tokens[i].text == "(":
        j = _closing(tokens, i)
        if j is None:
            return None
        i = j + 1
    return name if i == n else None


def _decimal_comma_check(tokens: list[Token]) -> None:
    dc = decimal_comma(tokens)
    if dc is not None:
        col = next((t.column for t in tokens if t.text in (",", "{,}")), None)
        raise ParseError(
            f"`{dc}` is written with a decimal comma: write {dc.replace(',', '.')}", col
        )


def _index(label: str) -> tuple[str, int] | None:
    """``x_2`` / ``x2`` / ``w_{1}`` as (``x``, 2)."""
    m = re.fullmatch(r"([A-Za-z]+)_?\{?([0-9]+)\}?", label)
    return (m.group(1), int(m.group(2))) if m else None


def _read_chain(sides: list[tuple[str | None, list[Token]]], builder: Builder, expect: str) -> Any:
    """The value of ``v1 = v2 ≈ v3 ...``: the first side written exactly (after ``=`` or
    first) is the answer; every other side is kept in ``builder.sides`` (``"="``: must be
    equal; ``"≈"``: must be a rounding). When only ``≈`` sides exist the first one is the
    answer and ``builder.approximate`` is set."""
    values: list[tuple[str, Any, str]] = []
    for sep, part in sides:
        if not part:
            raise ParseError(f"one side of `{sep or '='}` is empty")
        if expect == "scalar":
            _decimal_comma_check(part)
        value = builder.finish(read_value(part, builder, "any"))
        text = "".join(t.text for t in part).replace("**", "^")
        values.append((sep or "=", value, text))
    exact = [k for k, v in enumerate(values) if v[0] == "="]
    main = exact[0] if exact else 0
    if not exact:
        builder.approximate = True
    builder.sides.extend(v for k, v in enumerate(values) if k != main)
    return values[main][1]


def _read_named(tokens: list[Token], builder: Builder, expect: str) -> Any:
    """An answer to a question asking for a value: ``w = …``, ``u = 1.8, v = -0.6``,
    ``3/4 = 0.75``, ``≈ -1.91`` (see :func:`read`)."""
    parts = _split_top(tokens, {","})
    if len(parts) > 1:
        chains = [_split_top(p, {"=", "≈"}) for _, p in parts]
        if any(len(c) > MAX_SIDES for c in chains):
            raise ParseError(f"more than {MAX_SIDES} sides joined by `=` or `≈`; give one value")
        if all(len(c) > 1 and label_of(c[0][1], builder) for c in chains):
            labels = [label_of(c[0][1], builder) or "" for c in chains]
            if len(set(labels)) != len(labels):
                raise ParseError("the same name is given two values")
            values = [_read_chain(c[1:], builder, "scalar") for c in chains]
            for lab, v in zip(labels, values, strict=True):
                if isinstance(v, sp.MatrixBase):
                    raise ParseError(f"`{lab} = …` must be one number in a list of components")
            idx = [_index(lab) for lab in labels]
            if all(idx) and len({i[0] for i in idx if i}) == 1:  # x_1 = …, x_2 = …: by index
                order = sorted(range(len(labels)), key=lambda k: idx[k][1])  # type: ignore[index]
                labels = [labels[k] for k in order]
                values = [values[k] for k in order]
            builder.labels = labels
            return builder.matrix([[v] for v in values], tokens[0].column)
    chain = _split_top(tokens, {"=", "≈"})
    if len(chain) > MAX_SIDES:
        raise ParseError(f"more than {MAX_SIDES} sides joined by `=` or `≈`; give one value")
    if len(chain) == 1:
        if expect == "scalar":
            _decimal_comma_check(tokens)
        return builder.finish(read_value(tokens, builder, expect))
    first = chain[0][1]
    if not first or label_of(first, builder):
        if first:
            builder.labels = [label_of(first, builder) or ""]
        return _read_chain(chain[1:], builder, expect)
    return _read_chain(chain, builder, expect)


def read(tokens: list[Token], builder: Builder, expect: str = "any", named: bool = False) -> Any:
    """The value of a whole answer given as tokens: ``symbol in interval``, an interval (when
    a set is expected, also ``]a, b[``), comma-separated conditions (``alpha > 0, alpha <
    1/3``), an equation ``lhs = rhs`` or an expression.

    With ``named`` (the question asks for a value, not an equation or a set), a left side
    naming the quantity is dropped (``w = …``, ``w^{(k)} = …``, ``J(w^{(2)}) = …``,
    ``r(t) = …``; see :func:`label_of`), named components form a vector (``u = 1.8, v =
    -0.6``, ordered by index when written ``x_1 = …, x_2 = …``), sides joined by ``=`` are
    all values of the answer (``3/4 = 0.75``: the grader checks they agree) and ``≈``
    introduces a rounding (``1/3 ≈ 0.333``) or, alone, an approximate answer (``≈ -1.91``).
    With ``expect="scalar"`` a decimal comma (``0,75``) is refused naming the fix."""
    if not tokens:
        raise ParseError("empty answer")
    for t in tokens:
        if t.kind == OP and t.text == "{,}":
            dc = decimal_comma(tokens)
            fix = dc.replace(",", ".") if dc else "a decimal point, e.g. 0.75"
            raise ParseError(f"`{{,}}` is a decimal comma: write {fix}", t.column)
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
        parts = _split_top(tokens, {",", ";"})
        if len(parts) > 1 and all(
            any(t.kind == OP and t.text in ("<", ">", "<=", ">=") for t in p) for _, p in parts
        ):  # alpha > 0, alpha < 1/3: both conditions hold
            return sp.And(*(read(p, builder, expect) for _, p in parts))
    if named:
        return _read_named(tokens, builder, expect)
    if expect == "scalar":
        _decimal_comma_check(tokens)
    eqs = _top_level(tokens, "=")
    if len(eqs) > 1:
        raise ParseError("more than one `=` in the answer", tokens[eqs[1]].column)
    if eqs:
        lhs = read_value(tokens[: eqs[0]], builder, expect)
        rhs = read_value(tokens[eqs[0] + 1 :], builder, expect)
        return builder.relation("==", lhs, rhs, tokens[eqs[0]].column)
    return builder.finish(read_value(tokens, builder, expect))
