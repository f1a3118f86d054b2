"""Tree -> SymPy: :class:`Builder` is the only place SymPy objects are made from the parts
of an answer, under the whitelist's bounds (exact numbers, bounded powers, factorials, sizes);
:class:`DisplayBuilder` builds the unevaluated formula that is shown."""

from __future__ import annotations

import math
import re
from typing import Any

import sympy as sp

from gdflow.derive.matrices import MatExp, Pinv, exact_matrix_exp
from gdflow.derive.numbers import exact_number

from .errors import DomainAnswerError, ParseError
from .scope import Scope, name_key
from .text import suggest_function, suggest_name
from .whitelist import CONSTANTS, FUNCTIONS, LIMITS, MATRIX_ONLY

__all__ = ["Builder", "DisplayBuilder", "Eye", "SizeError", "matrix_exp", "interval"]


class SizeError(DomainAnswerError):
    """A formula whose sizes do not fit (a product ``(n×m)(p×q)`` with m ≠ p, a sum of
    different shapes): it reads, but has no value, so grading makes it ``incorrect``, like an
    inverse of a singular matrix. ``sizes`` says which sizes met; the walker names the two
    operands as the student wrote them (:meth:`named`)."""

    def __init__(self, feedback: str, sizes: str):
        self.sizes = sizes
        super().__init__(f"the sizes in your formula do not fit: {feedback}")

    def named(self, op: str, left: str, right: str) -> DomainAnswerError:
        """The error naming the operands: ``the product mu·B is not defined (2×1 times 2×2:
        the inner sizes 1 and 2 differ)``."""
        what = {"mul": "product", "add": "sum", "sub": "difference"}.get(op, "operation")
        sym = {"mul": "·", "add": " + ", "sub": " − "}.get(op, " ")
        return DomainAnswerError(
            f"the sizes in your formula do not fit: the {what} {left}{sym}{right} is not "
            f"defined ({self.sizes})"
        )


class Builder:
    """Builds SymPy objects from answer parts with bounds: exact numbers only (decimals
    become rationals), numeric powers limited to ``max_digits`` digits, symbolic exponents
    to ``max_exponent``, ``n!`` to ``max_factorial``; matrices are checked for shape."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.nodes = 0
        self.used_data = False
        #: other sides of a chain ``v1 = v2 ≈ v3`` (``(operator, value, text)``), see
        #: :func:`.plain.read`
        self.sides: list[tuple[str, Any, str]] = []
        #: the answer was introduced by ``≈`` only
        self.approximate = False
        #: names of the left sides (``w``, ``u``, ``v``) an answer gave
        self.labels: list[str] = []

    # -- leaves
    def tick(self) -> None:
        """Count one syntax node; refuse answers larger than ``max_nodes``."""
        self.nodes += 1
        if self.nodes > LIMITS["max_nodes"]:
            raise ParseError(f"answer is too large (more than {LIMITS['max_nodes']} parts)")

    def number(self, text: str, column: int | None = None) -> sp.Expr:
        """An exact number from the decimal text typed, read by
        :func:`gdflow.derive.numbers.exact_number` (``0.4`` is 2/5, ``1e-3`` is 1/1000)."""
        self.tick()
        t = text.strip()
        if not re.fullmatch(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
            raise ParseError(f"`{t}` is not a plain decimal number", column)
        try:
            return exact_number(t)
        except ValueError as exc:
            raise ParseError(f"number {exc}", column) from None

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a value here (declared, data, a constant or ``I``), so that
        ``name(...)`` is a product and not a call."""
        key = name_key(name)
        return (
            self.scope.lookup(name) is not None
            or key in CONSTANTS
            or (key == "I" and bool(self.scope.dimension))
            or self.split(name) is not None
        )

    def symbol(self, name: str, column: int | None = None) -> Any:
        """A declared symbol, a data matrix, a constant (``pi``, ``e``, ``oo``) or ``I``."""
        self.tick()
        found = self.scope.lookup(name)
        if found is not None:
            if isinstance(found, sp.MatrixBase):
                self.used_data = True
            return found
        key = name_key(name)
        if key in CONSTANTS:
            return CONSTANTS[key]
        if key == "I" and self.scope.dimension:
            self.used_data = True
            return Eye()
        if self.scope.declare_unknown and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key):
            sym = sp.Symbol(key, real=True)
            self.scope.symbols[key] = sym
            return sym
        parts = self.split(name)
        if parts is not None:  # Kt is K·t, as in LaTeX (and as STACK inserts stars)
            value = self.symbol(parts[0], column)
            for k, part in enumerate(parts[1:], 1):
                try:
                    value = self.mul(value, self.symbol(part, column), column)
                except SizeError as exc:
                    raise exc.named("mul", "".join(parts[:k]), part) from None
            return value
        ways, one = self.readings(name)
        if ways > 1 and one:
            raise ParseError(
                f"`{name}` reads as more than one product of names (one is "
                f"{'·'.join(one)}): write `*` between the names you mean",
                column,
            )
        shown = name if len(name) <= 40 else name[:39] + "…"
        raise ParseError(f"unknown name `{shown}`", column, suggest_name(name, self.scope))

    def split(self, name: str) -> list[str] | None:
        """The one way to read an unknown run of letters and digits as a product of the
        problem's names (``Kt`` → K, t; ``Xw0`` → X, w0), or ``None`` when there is none or
        more than one (see :meth:`readings`)."""
        ways, parts = self.readings(name)
        return parts if ways == 1 else None

    def readings(self, name: str) -> tuple[int, list[str] | None]:
        """How many ways (0, 1 or 2 for "two or more") ``name`` reads as a product of two or
        more of the problem's names, and one such reading."""
        if len(name) > 30 or not name.isalnum() or not name.isascii():
            return 0, None
        known = {name_key(n) for n in self.scope.names()} | {"pi"}
        if self.scope.dimension:
            known.add("I")
        n = len(name)
        ways = [0] * (n + 1)  # ways[i]: how many readings name[i:] has (capped at 2)
        ways[n] = 1
        nxt: list[int | None] = [None] * (n + 1)
        for i in range(n - 1, -1, -1):
            for j in range(i + 1, n + 1):
                if name[i:j] in known and ways[j]:
                    ways[i] = min(2, ways[i] + ways[j])
                    nxt[i] = j
        if not ways[0] or name in known:
            return 0, None
        parts, i = [], 0
        while i < n:
            j = nxt[i]
            assert j is not None
            parts.append(name[i:j])
            i = j
        return ways[0], parts

    # -- arithmetic
    @staticmethod
    def _operands(*xs: Any, column: int | None = None) -> None:
        for x in xs:
            if isinstance(x, sp.Set):
                raise ParseError("an interval cannot be used inside arithmetic", column)
            if isinstance(x, sp.logic.boolalg.Boolean) and not isinstance(x, sp.Expr):
                raise ParseError("a comparison cannot be used inside arithmetic", column)

    def add(self, a: Any, b: Any, column: int | None = None) -> Any:
        """``a + b`` (matrices must have one shape; ``I`` takes the other's size)."""
        self.tick()
        self._operands(a, b, column=column)
        if isinstance(a, Eye) or isinstance(b, Eye):
            return self._eye_add(a, b, column)
        self._same_shape(a, b, "+", column)
        return a + b

    def sub(self, a: Any, b: Any, column: int | None = None) -> Any:
        """``a - b`` (as :meth:`add`)."""
        self._operands(a, b, column=column)
        self.tick()
        if isinstance(a, Eye) or isinstance(b, Eye):
            return self._eye_add(a, self.neg(b), column)
        self._same_shape(a, b, "-", column)
        return a - b

    def neg(self, a: Any) -> Any:
        """``-a``."""
        self._operands(a)
        self.tick()
        if isinstance(a, Eye):
            return Eye(-a.scale)
        return -a

    def _eye_add(self, a: Any, b: Any, column: int | None) -> Any:
        if isinstance(a, Eye) and isinstance(b, Eye):
            return Eye(a.scale + b.scale)
        e, m = (a, b) if isinstance(a, Eye) else (b, a)
        if not isinstance(m, sp.MatrixBase):
            raise SizeError("cannot add the identity I and a number", "the identity I and a number")
        if m.shape[0] != m.shape[1]:
            raise SizeError(
                f"cannot add the identity I and a {_dims(m)} matrix",
                f"the identity I and a {_dims(m)} matrix",
            )
        return m + e.scale * sp.eye(m.shape[0])

    def finish(self, value: Any) -> Any:
        """Resolve a left-over identity to ``Scope.dimension``; refuse undefined values."""
        if isinstance(value, Eye):
            if not self.scope.dimension:
                raise ParseError("the size of the identity I is not determined here")
            return value.scale * sp.eye(self.scope.dimension)
        if isinstance(value, (sp.Basic, sp.MatrixBase)) and value.has(sp.nan, sp.zoo):
            raise ParseError("the answer has an undefined value (such as ∞ − ∞, 0·∞ or 1/0)")
        return value

    def mul(self, a: Any, b: Any, column: int | None = None) -> Any:
        """``a * b``; a matrix product checks that the inner sizes agree."""
        self._operands(a, b, column=column)
        self.tick()
        if isinstance(a, Eye) and isinstance(b, Eye):
            return Eye(a.scale * b.scale)
        if isinstance(a, Eye):
            return Eye(a.scale * b) if not isinstance(b, sp.MatrixBase) else a.scale * b
        if isinstance(b, Eye):
            return Eye(a * b.scale) if not isinstance(a, sp.MatrixBase) else a * b.scale
        if (
            isinstance(a, sp.MatrixBase)
            and isinstance(b, sp.MatrixBase)
            and a.shape[1] != b.shape[0]
        ):
            raise SizeError(
                f"cannot multiply a {_dims(a)} matrix by a {_dims(b)} matrix",
                f"{_dims(a)} times {_dims(b)}: the inner sizes {a.shape[1]} and "
                f"{b.shape[0]} differ",
            )
        return a * b

    def div(self, a: Any, b: Any, column: int | None = None) -> Any:
        """``a / b``; refuses division by zero and by a matrix."""
        self._operands(a, b, column=column)
        self.tick()
        if isinstance(b, sp.MatrixBase):
            raise ParseError("division by a matrix is not defined; use inv(...)", column)
        if isinstance(b, Eye):
            raise ParseError("division by I is not defined", column)
        if b == 0:
            raise ParseError("division by zero", column)
        if isinstance(a, Eye):
            return Eye(a.scale / b)
        return a / b

    def pow(self, base: Any, exp: Any, column: int | None = None) -> Any:
        """``base ** exp`` with bounds; ``M**T`` transposes and ``M**-1`` inverts a matrix;
        ``e**M`` is the matrix exponential of a square matrix ``M`` (as ``expm(M)``)."""
        self.tick()
        self._operands(base, exp, column=column)
        if isinstance(exp, (sp.MatrixBase, Eye)):
            if base == sp.E:
                return self.call("expm", [exp], column)
            raise ParseError("a matrix cannot be an exponent (except in e^M)", column)
        if isinstance(base, Eye):
            if isinstance(exp, sp.Symbol) and exp.name in ("T", "dagger"):
                return base
            return Eye(self.pow(base.scale, exp, column))
        if isinstance(base, sp.MatrixBase):
            if isinstance(exp, sp.Symbol) and exp.name == "T":
                return base.T
            if isinstance(exp, sp.Symbol) and exp.name in ("dagger", "+"):
                return base.pinv()
            if base.shape[0] != base.shape[1]:
                raise ParseError(
                    f"only square matrices have powers; this one is {_dims(base)}", column
                )
            if exp.is_Integer and abs(exp) > LIMITS["max_exponent"]:
                raise ParseError(
                    f"exponent {exp} is too large (limit {LIMITS['max_exponent']})", column
                )
            if exp == -1:
                return self.call("inv", [base], column)
            if exp.is_Integer and exp < 0:
                return self.call("inv", [base], column) ** (-exp)
            if not (exp.is_Integer or exp.is_integer):
                raise ParseError("a matrix power needs an integer exponent", column)
            return base**exp
        if isinstance(exp, sp.Symbol) and exp.name == "T" and self.scope.lookup("T") is None:
            raise ParseError("`^T` (transpose) applies to matrices only", column)
        if exp.is_Number:
            if exp.is_zero and base.is_zero:
                raise ParseError("0^0 is undefined", column)
            if base.is_Number:
                if base.is_zero and exp.is_negative:
                    raise ParseError("division by zero (0 to a negative power)", column)
                if abs(base) not in (0, 1) and exp.is_finite:
                    digits = float(abs(exp)) * math.log10(
                        max(float(abs(base)), 1 / float(abs(base)))
                    )
                    if digits > LIMITS["max_digits"]:
                        raise ParseError(
                            f"{_power_text(base, exp)} would have about {digits:.3g} digits "
                            f"(limit {LIMITS['max_digits']})",
                            column,
                        )
            elif abs(exp) > LIMITS["max_exponent"]:
                raise ParseError(
                    f"exponent {_short(exp)} is too large (limit {LIMITS['max_exponent']})", column
                )
        elif base.is_Number and abs(base) > 1 and exp.free_symbols == set():
            # a numeric tower that SymPy did not evaluate (e.g. 10**(10**10) with evaluate off)
            ev = exp.evalf(20)
            if ev.is_real and abs(ev) * math.log10(float(abs(base))) > LIMITS["max_digits"]:
                raise ParseError("numeric power too large", column)
        return sp.Pow(base, exp)

    def call(self, name: str, args: list[Any], column: int | None = None) -> Any:
        """A whitelisted function applied to ``args`` (scalars or matrices as allowed)."""
        self.tick()
        self._operands(*args, column=column)
        if name not in FUNCTIONS:
            raise ParseError(f"function `{name}` is not allowed", column, suggest_function(name))
        arity = FUNCTIONS[name]
        ok = len(args) in arity if isinstance(arity, tuple) else len(args) == arity
        if not ok:
            raise ParseError(f"`{name}` takes {arity} argument(s), got {len(args)}", column)
        a = args[0]
        if isinstance(a, Eye):
            if name in ("transpose",):
                return a
            if name in ("inv", "pinv") and a.scale != 0:
                return Eye(1 / a.scale)
            a = self.finish(a)
        if name in MATRIX_ONLY or isinstance(a, sp.MatrixBase):
            return self._matrix_call(name, a, column)
        if any(isinstance(x, sp.MatrixBase) for x in args):
            raise ParseError(f"`{name}` of a matrix is not supported", column)
        if name == "sqrt":
            return sp.sqrt(a)
        if name == "exp":
            return sp.exp(a)
        if name in ("log", "ln"):
            if a.is_zero:
                raise ParseError("log(0) is undefined", column)
            return sp.log(*args)
        if name in ("abs", "Abs"):
            return sp.Abs(a)
        if name == "factorial":
            if not a.free_symbols and not a.is_Number:
                a = a.doit()  # e.g. (170!)!: the inner factorial is already bounded
            if a.is_Number:
                if not a.is_Integer or a < 0:
                    raise ParseError("n! needs a nonnegative integer n", column)
                if a > LIMITS["max_factorial"]:
                    raise ParseError(
                        f"n! with n = {_short(a)} is too large (limit {LIMITS['max_factorial']}!)",
                        column,
                    )
            return sp.factorial(a, evaluate=False) if a.is_Number else sp.factorial(a)
        return getattr(sp, name)(a)

    def _matrix_call(self, name: str, a: Any, column: int | None) -> Any:
        if not isinstance(a, sp.MatrixBase):
            if name == "transpose":
                return a
            raise ParseError(f"`{name}` needs a matrix argument", column)
        if name == "transpose":
            return a.T
        if name == "pinv":
            return a.pinv()
        square = a.shape[0] == a.shape[1]
        if name == "inv":
            if not square:
                raise DomainAnswerError(
                    f"your formula inverts a {_dims(a)} matrix, which has no inverse "
                    "(only the pseudoinverse)"
                )
            if a.free_symbols:
                return a.inv()
            if a.det() == 0:
                names = [n for n, m in self.scope.matrices.items() if m.shape == a.shape and m == a]
                for n, m in self.scope.matrices.items():  # the usual Gram matrices: XᵀX, XXᵀ
                    if m.shape[1] > 1 and (m.T * m).shape == a.shape and m.T * m == a:
                        names.append(f"{n}ᵀ{n}")
                    if m.shape[0] > 1 and (m * m.T).shape == a.shape and m * m.T == a:
                        names.append(f"{n}{n}ᵀ")
                what = names[0] if names else "the matrix it inverts"
                it = what if names else "it"
                raise DomainAnswerError(
                    f"your formula holds only when {what} is invertible; here {it} "
                    f"is singular (rank {a.rank()} < {a.shape[0]})"
                )
            return a.inv()
        if name in ("expm", "exp"):
            if not square:
                raise ParseError("the matrix exponential needs a square matrix", column)
            try:
                return matrix_exp(a)
            except NotImplementedError:
                raise ParseError(
                    f"the exponential of this {_dims(a)} matrix cannot be computed exactly (it "
                    "has an irreducible characteristic factor of degree 3 or more)",
                    column,
                ) from None
        raise ParseError(f"`{name}` of a matrix is not supported", column)

    def matrix(self, rows: list[list[Any]], column: int | None = None) -> sp.Matrix:
        """A matrix from rows of scalars; a flat list is a column vector."""
        self.tick()
        if not rows:
            raise ParseError("empty vector or matrix", column)
        if len(rows) > LIMITS["max_matrix"] or any(len(r) > LIMITS["max_matrix"] for r in rows):
            raise ParseError(f"matrix larger than {LIMITS['max_matrix']} rows or columns", column)
        width = len(rows[0])
        for i, r in enumerate(rows, 1):
            if len(r) != width:
                raise ParseError(f"row {i} has {len(r)} entries but row 1 has {width}", column)
            for x in r:
                self._operands(x, column=column)
                if isinstance(x, sp.Expr) and x.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
                    raise ParseError("vector and matrix entries must be finite", column)
                if isinstance(x, (sp.MatrixBase, Eye)):
                    raise ParseError("matrix entries must be numbers or expressions", column)
                if not isinstance(x, sp.Expr):
                    raise ParseError("matrix entries must be numbers or expressions", column)
        return sp.Matrix(rows)

    def relation(self, op: str, a: Any, b: Any, column: int | None = None) -> Any:
        """The relation ``a op b`` (``<``, ``<=``, ``>``, ``>=``, ``==``) between scalars,
        unevaluated."""
        self.tick()
        a, b = self.finish(a), self.finish(b)
        if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
            if op == "==" and isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
                raise ParseError(
                    "write the matrix itself, not an equation between matrices", column
                )
            raise ParseError("comparisons of matrices are not supported", column)
        cls = {
            "<": sp.StrictLessThan,
            "<=": sp.LessThan,
            ">": sp.StrictGreaterThan,
            ">=": sp.GreaterThan,
            "==": sp.Eq,
        }[op]
        return cls(a, b, evaluate=False)

    def _same_shape(self, a: Any, b: Any, op: str, column: int | None) -> None:
        ma, mb = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        word = "add" if op == "+" else "subtract"
        if ma and mb and a.shape != b.shape:
            raise SizeError(
                f"cannot {word} a {_dims(a)} and a {_dims(b)} matrix",
                f"{_dims(a)} and {_dims(b)}",
            )
        if ma != mb:
            m = a if ma else b
            raise SizeError(
                f"cannot {word} a {_dims(m)} matrix and a number",
                f"a {_dims(m)} matrix and a number" if ma else f"a number and a {_dims(m)} matrix",
            )


def _short(x: Any) -> str:
    """A number for a message: in full when short, else its size."""
    try:
        text = str(x)
    except ValueError:
        return "a number with more than 4300 digits"
    if len(text) <= 24:
        return text
    if isinstance(x, sp.Integer) or (isinstance(x, int) and not isinstance(x, bool)):
        return f"a {len(text.lstrip('-'))}-digit number"
    return text[:20] + "…"


def _power_text(base: Any, exp: Any) -> str:
    b, e = _short(base), _short(exp)
    return f"the number {b}**{e}" if " " not in b + e else "this power of numbers"


def _dims(m: sp.MatrixBase) -> str:
    return f"{m.shape[0]}×{m.shape[1]}"


_EXP_CACHE: dict[Any, sp.Matrix] = {}


def matrix_exp(m: sp.MatrixBase) -> sp.Matrix:
    """``gdflow.derive.matrices.exact_matrix_exp(m)``, remembered: a spec computes the
    exponentials its answers are likely to use (e.g. e^{-Kt}) once in the parent process, and
    every forked worker inherits them.  Raises ``NotImplementedError`` for a characteristic
    polynomial with an irreducible factor of degree 3 or more (cubic radicals: slow and not
    evaluable)."""
    key = sp.ImmutableMatrix(m)
    if key not in _EXP_CACHE:
        _EXP_CACHE[key] = sp.Matrix(exact_matrix_exp(m))
    return _EXP_CACHE[key]


class Eye:
    """The identity ``I`` of a formula answer, times a scalar; its size is taken from the
    matrix it meets (``A + I``) or, at the end, from ``Scope.dimension``."""

    def __init__(self, scale: Any = sp.S.One):
        self.scale = scale

    def __repr__(self) -> str:
        return f"{self.scale}*I"


_DISPLAY_NAMES = {"w0": "w^(0)"}  # derive.notation's names, so the printer shows w^{(0)}


class DisplayBuilder(Builder):
    """Builds the *unevaluated* formula of an answer that uses the problem's data names
    (``-pinv(A)*b`` stays :math:`-\\mathbf{A}^\\dagger\\mathbf{b}`), only to show what was read.
    It runs after the real :class:`Builder` has accepted the answer."""

    def symbol(self, name: str, column: int | None = None) -> Any:
        found = self.scope.lookup(name)
        if isinstance(found, sp.MatrixBase):
            for n, v in self.scope.matrices.items():
                if name_key(n) == name_key(name):
                    return sp.MatrixSymbol(_DISPLAY_NAMES.get(n, n), *v.shape)
        if name_key(name) == "I" and self.scope.dimension and found is None:
            return Eye()
        return super().symbol(name, column)

    def _eye(self, e: Eye, like: Any) -> Any:
        n = like.shape[0] if hasattr(like, "shape") else self.scope.dimension
        return e.scale * sp.Identity(n)

    def add(self, a: Any, b: Any, column: int | None = None) -> Any:
        if isinstance(a, Eye) != isinstance(b, Eye):
            a, b = (self._eye(a, b), b) if isinstance(a, Eye) else (a, self._eye(b, a))
        elif isinstance(a, Eye):
            return Eye(a.scale + b.scale)
        return a + b

    def sub(self, a: Any, b: Any, column: int | None = None) -> Any:
        return self.add(a, self.neg(b), column)

    def neg(self, a: Any) -> Any:
        return Eye(-a.scale) if isinstance(a, Eye) else -a

    def mul(self, a: Any, b: Any, column: int | None = None) -> Any:
        if isinstance(a, Eye) or isinstance(b, Eye):
            return super().mul(a, b, column)
        return a * b

    def div(self, a: Any, b: Any, column: int | None = None) -> Any:
        return Eye(a.scale / b) if isinstance(a, Eye) else a / b

    def pow(self, base: Any, exp: Any, column: int | None = None) -> Any:
        if base == sp.E and isinstance(exp, sp.MatrixExpr):
            return MatExp(exp)
        if isinstance(base, sp.MatrixExpr):
            if isinstance(exp, sp.Symbol) and exp.name == "T":
                return base.T
            if isinstance(exp, sp.Symbol) and exp.name == "dagger":
                return Pinv(base)
            return sp.MatPow(base, exp)
        return super().pow(base, exp, column)

    def call(self, name: str, args: list[Any], column: int | None = None) -> Any:
        a = args[0] if args else None
        if isinstance(a, sp.MatrixExpr):
            return {
                "transpose": lambda m: m.T,
                "inv": lambda m: m.I,
                "pinv": Pinv,
                "expm": MatExp,
                "exp": MatExp,
            }[name](a)
        return super().call(name, args, column)

    def finish(self, value: Any) -> Any:
        if isinstance(value, Eye):
            return value.scale * sp.Identity(self.scope.dimension or 1)
        return value


def interval(
    lo: Any, hi: Any, left_open: bool, right_open: bool, column: int | None = None
) -> sp.Set:
    """The interval from ``lo`` to ``hi`` (numbers; an infinite end is open)."""
    for v in (lo, hi):
        if not isinstance(v, sp.Expr) or v.free_symbols:
            raise ParseError("interval ends must be numbers", column)
    if lo.is_infinite:
        left_open = True
    if hi.is_infinite:
        right_open = True
    if (lo > hi) == sp.true:
        raise ParseError(f"interval ({lo}, {hi}) has its ends in the wrong order", column)
    return sp.Interval(lo, hi, left_open, right_open)
