r"""Safe parsing of student answers (plain math syntax or LaTeX) into SymPy objects.

No student text ever reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``:

* **plain syntax** is read by :func:`ast.parse` (which builds a syntax tree and executes
  nothing) and the tree is walked against a strict whitelist; every SymPy object is built
  node by node by :class:`Builder`, which bounds exponents, factorials, sizes and depth;
* **LaTeX** first passes a size and macro whitelist (``\input``, ``\def``, ``\csname`` and
  every other command not on the list are refused), is then read by SymPy's Lark LaTeX
  parser with a transformer that refuses huge numeric powers and factorials *while* parsing
  and keeps decimals exact, and the resulting SymPy tree is re-walked through the same
  :class:`Builder` and whitelist as plain syntax.

Errors are :class:`ParseError` carrying what was wrong, where (column), and a
"did you mean" when one fits.
"""

from __future__ import annotations

import ast
import difflib
import fractions
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdflow.derive.matrices import exact_matrix_exp

__all__ = [
    "ParseError",
    "DomainAnswerError",
    "Scope",
    "Parsed",
    "Builder",
    "parse_answer",
    "parse_label",
    "LIMITS",
]

#: Bounds applied to every answer (documented in the README section on grading).
LIMITS = {
    "max_chars": 2000,  # plain-syntax answer length
    "max_latex_chars": 1000,  # LaTeX answer length
    "max_depth": 40,  # bracket / syntax-tree nesting depth
    "max_nodes": 3000,  # syntax-tree size
    "max_exponent": 1000,  # |n| in x**n for a non-numeric base
    "max_digits": 10000,  # decimal digits of any exact number built from an answer
    "max_factorial": 5000,  # n in n! (n! has ~16000 digits at 5000)
    "max_matrix": 12,  # rows or columns
}


class ParseError(ValueError):
    """An answer could not be read: ``message`` says what, ``column`` where (1-based),
    ``suggestion`` is a "did you mean" replacement text or ``None``."""

    def __init__(self, message: str, column: int | None = None, suggestion: str | None = None):
        self.message = message
        self.column = column
        self.suggestion = suggestion
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line for a student: what, where, and a suggestion."""
        text = self.message
        if self.column is not None:
            text += f" (at column {self.column})"
        if self.suggestion:
            text += f"; did you mean `{self.suggestion}`?"
        return text


class DomainAnswerError(Exception):
    """An answer that reads fine but cannot be evaluated on this problem's data, such as
    ``inv(A)`` for a singular ``A``. Grading turns it into an ``incorrect`` verdict with
    ``feedback`` as the explanation."""

    def __init__(self, feedback: str):
        self.feedback = feedback
        super().__init__(feedback)


# --------------------------------------------------------------------------------------
# scope


@dataclass
class Scope:
    """The names an answer may use.

    ``symbols`` maps a name to a SymPy Symbol (with its assumptions); ``matrices`` maps a
    name to the problem's data (a SymPy Matrix), so that formula answers such as
    ``-pinv(A)*b`` are evaluated on the data; ``dimension`` gives the size of the identity
    ``I`` (only when matrices are in scope). With ``declare_unknown`` any identifier becomes a
    real Symbol (used for the author's own text, never for students).
    """

    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    matrices: dict[str, sp.Matrix] = field(default_factory=dict)
    dimension: int | None = None
    declare_unknown: bool = False

    def key(self, name: str) -> str:
        """The normalised form of ``name`` used for lookups (``x_{0}`` → ``x0``)."""
        return _name_key(name)

    def lookup(self, name: str) -> Any | None:
        """The data matrix or symbol called ``name``, or ``None``."""
        key = _name_key(name)
        for table in (self.matrices, self.symbols):
            for n, v in table.items():
                if _name_key(n) == key:
                    return v
        return None

    def names(self) -> list[str]:
        """Every name an answer may use."""
        return list(self.symbols) + list(self.matrices)


_ALIASES = {"eps": "epsilon", "varepsilon": "epsilon", "lam": "lambda", "varphi": "phi"}


def _name_key(name: str) -> str:
    n = name.replace("{", "").replace("}", "").replace("_", "").replace("\\", "")
    return _ALIASES.get(n, n)


# --------------------------------------------------------------------------------------
# result


@dataclass
class Parsed:
    """A parsed answer. ``value`` is a SymPy Expr (``shape == "scalar"``), a Matrix
    (``"matrix"``), a relation or boolean combination of relations (``"relation"``), a
    SymPy Set (``"set"``) or a label string (``"label"``); ``latex`` renders what was read."""

    value: Any
    shape: str
    latex: str
    used_data: bool = False


def _shape_of(value: Any) -> str:
    if isinstance(value, sp.MatrixBase):
        return "matrix"
    if isinstance(value, sp.Set):
        return "set"
    if isinstance(value, (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction)):
        return "relation"
    if isinstance(value, sp.logic.boolalg.BooleanAtom):
        return "relation"
    return "scalar"


def to_latex(value: Any) -> str:
    """LaTeX of a parsed value; numbers too long to print are abbreviated."""
    try:
        text = sp.latex(value)
    except ValueError:  # integer too long for str()
        text = r"\text{(a number with more than 4300 digits)}"
    if len(text) > 600:
        text = text[:600] + r"\ldots"
    return text


# --------------------------------------------------------------------------------------
# the builder: the only place SymPy objects are made from answer parts

_FUNCTIONS = {
    "sqrt": 1,
    "exp": 1,
    "log": (1, 2),
    "ln": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "abs": 1,
    "Abs": 1,
    "factorial": 1,
    "transpose": 1,
    "inv": 1,
    "pinv": 1,
    "expm": 1,
}
_CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E, "oo": sp.oo, "inf": sp.oo, "infty": sp.oo}
_MATRIX_ONLY = {"transpose", "inv", "pinv", "expm"}


class Builder:
    """Builds SymPy objects from answer parts with bounds: exact numbers only (decimals
    become rationals), numeric powers limited to ``max_digits`` digits, symbolic exponents
    to ``max_exponent``, ``n!`` to ``max_factorial``; matrices are checked for shape."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.nodes = 0
        self.used_data = False

    # -- leaves
    def tick(self) -> None:
        """Count one syntax node; refuse answers larger than ``max_nodes``."""
        self.nodes += 1
        if self.nodes > LIMITS["max_nodes"]:
            raise ParseError(f"answer is too large (more than {LIMITS['max_nodes']} parts)")

    def number(self, text: str, column: int | None = None) -> sp.Expr:
        """An exact number from its decimal text (``0.4`` is 2/5, ``1e-3`` is 1/1000)."""
        self.tick()
        t = text.strip()
        if not re.fullmatch(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
            raise ParseError(f"`{t}` is not a plain decimal number", column)
        mant = re.split(r"[eE]", t)[0]
        if len(mant.replace(".", "")) > 400:
            raise ParseError("number has too many digits (limit 400)", column)
        m = re.search(r"[eE]([+-]?\d+)$", t)
        if m and abs(int(m.group(1))) > 400:
            raise ParseError("decimal exponent too large (limit 400)", column)
        f = fractions.Fraction(t)  # exact; the text was checked to be a plain decimal
        return sp.Rational(f.numerator, f.denominator)

    def symbol(self, name: str, column: int | None = None) -> Any:
        """A declared symbol, a data matrix, a constant (``pi``, ``e``, ``oo``) or ``I``."""
        self.tick()
        found = self.scope.lookup(name)
        if found is not None:
            if isinstance(found, sp.MatrixBase):
                self.used_data = True
            return found
        key = _name_key(name)
        if key in _CONSTANTS and key not in ("E",):
            return _CONSTANTS[key]
        if key == "I" and self.scope.dimension:
            self.used_data = True
            return Eye()
        if self.scope.declare_unknown and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key):
            sym = sp.Symbol(key, real=True)
            self.scope.symbols[key] = sym
            return sym
        raise ParseError(f"unknown name `{name}`", column, suggest_name(name, self.scope))

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
            raise ParseError("cannot add the identity I and a scalar", column)
        if m.shape[0] != m.shape[1]:
            raise ParseError(f"cannot add the identity I and a {_dims(m)} matrix", column)
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
            raise ParseError(f"cannot multiply a {_dims(a)} matrix by a {_dims(b)} matrix", column)
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
        """``base ** exp`` with bounds; ``M**T`` transposes and ``M**-1`` inverts a matrix."""
        self.tick()
        self._operands(base, exp, column=column)
        if isinstance(exp, (sp.MatrixBase, Eye)):
            raise ParseError("a matrix cannot be an exponent", column)
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
        if name not in _FUNCTIONS:
            raise ParseError(f"function `{name}` is not allowed", column, suggest_function(name))
        arity = _FUNCTIONS[name]
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
        if name in _MATRIX_ONLY or isinstance(a, sp.MatrixBase):
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
                raise DomainAnswerError(
                    f"your formula holds only when {what} is invertible; here {what if names else 'it'} "
                    f"is singular (rank {a.rank()} < {a.shape[0]})"
                )
            return a.inv()
        if name in ("expm", "exp"):
            if not square:
                raise ParseError("the matrix exponential needs a square matrix", column)
            return matrix_exp(a)
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
        """The relation ``a op b`` (``<``, ``<=``, ``>``, ``>=``, ``==``) between scalars, unevaluated."""
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
        if ma and mb and a.shape != b.shape:
            raise ParseError(f"cannot {op} a {_dims(a)} and a {_dims(b)} matrix", column)
        if ma != mb:
            raise ParseError(f"cannot {op} a matrix and a scalar", column)


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
    """``gdflow.derive.matrices.exact_matrix_exp(m)``, remembered: a spec computes the exponentials its
    answers are likely to use (e.g. e^{-Kt}) once in the parent process, and every forked worker
    inherits them.  Raises ``NotImplementedError`` for a characteristic polynomial with an
    irreducible factor of degree 3 or more (cubic radicals: slow and not evaluable)."""
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
                if _name_key(n) == _name_key(name):
                    return sp.MatrixSymbol(_DISPLAY_NAMES.get(n, n), *v.shape)
        if _name_key(name) == "I" and self.scope.dimension and found is None:
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
        if isinstance(base, sp.MatrixExpr):
            if isinstance(exp, sp.Symbol) and exp.name == "T":
                return base.T
            if isinstance(exp, sp.Symbol) and exp.name == "dagger":
                from gdflow.derive.matrices import Pinv

                return Pinv(base)
            return sp.MatPow(base, exp)
        return super().pow(base, exp, column)

    def call(self, name: str, args: list[Any], column: int | None = None) -> Any:
        a = args[0] if args else None
        if isinstance(a, sp.MatrixExpr):
            from gdflow.derive.matrices import MatExp, Pinv

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
        if is_latex(text):
            t = latex_precheck(normalize_unicode(text))
            value = b.finish(_latex_piece(t, b))
        else:
            t = normalize_unicode(text).strip()
            value = b.finish(_parse_plain_part(t, b, expect))
        out = dlatex(value)
    except Exception:  # noqa: BLE001 - display only; the verdict does not depend on it
        return None
    return out if len(out) <= 600 else None


# --------------------------------------------------------------------------------------
# "did you mean"

_LEET = str.maketrans({"1": "l", "0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "|": "l"})


def suggest_name(name: str, scope: Scope) -> str | None:
    """The declared name closest to ``name`` (``a1pha`` → ``alpha``, ``Alpha`` → ``alpha``,
    ``lamda`` → ``lambda``), or ``None``."""
    candidates = scope.names() + ["pi", "e", "oo"]
    if scope.dimension:
        candidates.append("I")
    plain = name.translate(_LEET)
    for cand in candidates:
        if plain == cand or name.lower() == cand.lower() or plain.lower() == cand.lower():
            return cand
    close = difflib.get_close_matches(plain, candidates, n=1, cutoff=0.6)
    if close:
        return close[0]
    if name in _FUNCTIONS:
        return f"{name}(...)"
    return None


def suggest_function(name: str) -> str | None:
    """The allowed function closest to ``name``, or ``None``."""
    close = difflib.get_close_matches(name, list(_FUNCTIONS), n=1, cutoff=0.6)
    return f"{close[0]}(...)" if close else None


# --------------------------------------------------------------------------------------
# unicode

_UNICODE_MAP = {
    "α": " alpha ",
    "β": " beta ",
    "γ": " gamma ",
    "δ": " delta ",
    "ε": " epsilon ",
    "ϵ": " epsilon ",
    "η": " eta ",
    "θ": " theta ",
    "κ": " kappa ",
    "λ": " lambda ",
    "μ": " mu ",
    "σ": " sigma ",
    "τ": " tau ",
    "ω": " omega ",
    "π": " pi ",
    "Σ": " Sigma ",
    "−": "-",
    "–": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "⩽": "<=",
    "⩾": ">=",
    "∞": " oo ",
    "∈": " in ",
    "√": "sqrt",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "ᵀ": "^T",
    "†": "^dagger",
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ᵏⁿᵗⁱ", "0123456789-+knti", strict=True))
_CONFUSABLE = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "і": "i",
    "к": "k",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "ο": "o",
    "ν": "v",
    "ι": "i",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Χ": "X",
}


def normalize_unicode(text: str) -> str:
    """Map the usual math characters to plain syntax (α → alpha, − → -, ≤ → <=, ² → ^2);
    refuse anything else outside ASCII (lookalike letters, zero-width and direction
    characters, full-width digits) naming the character and suggesting the ASCII one."""
    out = []
    i = 0
    while i < len(text):
        if text[i] in _SUPERSCRIPTS:  # a run of superscripts is one exponent: x¹⁰ → x^(10)
            j = i
            while j < len(text) and text[j] in _SUPERSCRIPTS:
                j += 1
            out.append("^(" + "".join(_SUPERSCRIPTS[c] for c in text[i:j]) + ")")
            i = j
            continue
        two = text[i : i + 2]
        if two in _UNICODE_MAP:
            out.append(_UNICODE_MAP[two])
            i += 2
            continue
        ch = text[i]
        if ord(ch) < 128:
            if ch in "\x00\r" or (ord(ch) < 32 and ch not in "\t\n"):
                raise ParseError("control character in the answer", i + 1)
            out.append(ch)
        elif ch in _UNICODE_MAP:
            out.append(_UNICODE_MAP[ch])
        elif unicodedata.name(ch, "").startswith("VULGAR FRACTION"):
            out.append("(" + unicodedata.normalize("NFKC", ch).replace("\u2044", "/") + ")")
        else:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            hint = _CONFUSABLE.get(ch)
            if hint is None:
                nf = unicodedata.normalize("NFKC", ch)
                hint = nf if nf.isascii() and nf.strip() else None
            whole = unicodedata.normalize("NFKC", text)
            if whole.isascii() and whole != text:
                fixed = whole
            else:
                fixed = text[:i] + hint + text[i + 1 :] if hint else None
            raise ParseError(
                f"character `{ch}` ({name}) is not allowed",
                i + 1,
                fixed if fixed and len(fixed) < 80 else hint,
            )
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------------------
# plain syntax

_OPS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
    ast.MatMult: "mul",
}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "=="}
_NODE_WORDS = {
    ast.Attribute: "attribute access (`.name`)",
    ast.Subscript: "indexing (`x[...]`)",
    ast.Lambda: "lambda expressions",
    ast.IfExp: "conditional expressions",
    ast.Dict: "dictionaries",
    ast.Set: "set literals",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.Starred: "`*` unpacking",
    ast.JoinedStr: "strings",
    ast.NamedExpr: "assignment expressions",
    ast.Await: "await",
}


def _bracket_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def _rewrite_factorials(text: str) -> str:
    """``n!`` → ``factorial(n)``, ``(expr)!`` → ``factorial((expr))``; ``!=`` is left alone."""
    out = text
    for _ in range(50):
        m = re.search(r"!(?!=)", out)
        if not m:
            return out
        i = m.start()
        j = i
        while j > 0 and out[j - 1] == " ":
            j -= 1
        end = j
        if j > 0 and out[j - 1] == ")":
            depth = 0
            k = j - 1
            while k >= 0:
                if out[k] == ")":
                    depth += 1
                elif out[k] == "(":
                    depth -= 1
                    if depth == 0:
                        break
                k -= 1
            if k < 0:
                raise ParseError("unbalanced parenthesis before `!`", i + 1)
            start = k
            while start > 0 and (out[start - 1].isalnum() or out[start - 1] == "_"):
                start -= 1
        else:
            start = j
            while start > 0 and (out[start - 1].isalnum() or out[start - 1] in "._"):
                start -= 1
            if start == end:
                raise ParseError("`!` must follow a number or a bracket", i + 1)
        out = out[:start] + "factorial(" + out[start:end] + ")" + out[i + 1 :]
    raise ParseError("too many factorials")


def _split_equation(text: str) -> tuple[str, str] | None:
    """Split ``lhs = rhs`` at a single top-level ``=`` (not ``==``, ``<=``, ``>=``, ``!=``)."""
    hits = [m.start() for m in re.finditer(r"(?<![<>=!])=(?!=)", text)]
    if not hits:
        return None
    if len(hits) > 1:
        raise ParseError("more than one `=` in the answer", hits[1] + 1)
    i = hits[0]
    return text[:i], text[i + 1 :]


_IMPLICIT = re.compile(r"(\d)\s*([A-Za-z(])|(\))\s*([A-Za-z0-9(])")


def _syntax_hint(text: str) -> tuple[str, str | None]:
    m = _IMPLICIT.search(text)
    if m:
        fixed = _IMPLICIT.sub(
            lambda g: (g.group(1) or g.group(3)) + "*" + (g.group(2) or g.group(4)), text
        )
        return "implicit multiplication is not read; write `*`", fixed
    if "{" in text or "}" in text:
        return "curly braces are LaTeX; wrap LaTeX in $...$ or use ( )", None
    return "syntax error", None


def _plain_source(text: str) -> str:
    src = text.replace("^", "**")
    src = re.sub(r"\blambda\b", "lambda_", src)
    src = _rewrite_factorials(src)
    return src


class _PlainWalker:
    def __init__(self, src: str, builder: Builder, expect: str):
        self.src = src
        self.b = builder
        self.expect = expect

    def col(self, node: ast.AST) -> int:
        return getattr(node, "col_offset", 0) + 1

    def walk(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > LIMITS["max_depth"]:
            raise ParseError(
                f"answer is nested too deeply (limit {LIMITS['max_depth']})", self.col(node)
            )
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
            if name in _FUNCTIONS and self.b.scope.lookup(name) is None:
                raise ParseError(f"`{name}` is a function; write `{name}(...)`", self.col(node))
            if name == "T" and self.b.scope.lookup("T") is None:
                return sp.Symbol("T")  # only meaningful as the exponent of a matrix
            return b.symbol(name, self.col(node))
        if isinstance(node, ast.BinOp):
            op = _OPS.get(type(node.op))
            if op is None:
                sym = {
                    ast.FloorDiv: "//",
                    ast.Mod: "%",
                    ast.BitXor: "^",
                    ast.BitAnd: "&",
                    ast.BitOr: "|",
                    ast.LShift: "<<",
                    ast.RShift: ">>",
                }.get(type(node.op), "?")
                raise ParseError(f"operator `{sym}` is not allowed", self.col(node))
            if op == "pow" and isinstance(node.right, ast.Name) and node.right.id == "dagger":
                left = self.walk(node.left, d)
                if not isinstance(left, sp.MatrixBase):
                    raise ParseError(
                        "`^dagger` (pseudoinverse) applies to matrices only", self.col(node)
                    )
                return left.pinv()
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
            if name not in _FUNCTIONS:
                sug = suggest_function(name)
                if sug is None and self.b.scope.lookup(name) is not None:
                    sug = f"{name}*(...)"
                raise ParseError(f"function `{name}` is not allowed", self.col(node), sug)
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
                return _interval(items[0], items[1], not closed, not closed, self.col(node))
            return _list_to_matrix(b, node.elts, items, self.col(node))
        if isinstance(node, ast.Compare):
            return self.compare(node, d)
        if isinstance(node, ast.BoolOp):
            parts = [self.walk(v, d) for v in node.values]
            for p in parts:
                if _shape_of(p) != "relation":
                    raise ParseError("`and`/`or` join comparisons only", self.col(node))
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        word = _NODE_WORDS.get(type(node), f"`{type(node).__name__}`")
        raise ParseError(f"{word} not allowed in an answer", self.col(node))

    def compare(self, node: ast.Compare, d: int) -> Any:
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
            sym = _CMP.get(type(op))
            if sym is None:
                raise ParseError("only <, <=, >, >=, = comparisons are allowed", self.col(node))
            rels.append(self.b.relation(sym, a, bb, self.col(node)))
        return rels[0] if len(rels) == 1 else sp.And(*rels)


def _interval(lo: Any, hi: Any, left_open: bool, right_open: bool, column: int | None) -> sp.Set:
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


def _list_to_matrix(b: Builder, elts: list[ast.AST], items: list[Any], column: int) -> sp.Matrix:
    if all(isinstance(x, sp.MatrixBase) and x.shape[1] == 1 for x in items) and all(
        isinstance(e, (ast.List, ast.Tuple)) for e in elts
    ):
        rows = [list(x) for x in items]
        return b.matrix(rows, column)
    if any(isinstance(x, sp.MatrixBase) for x in items):
        raise ParseError("mix of numbers and lists in a matrix", column)
    return b.matrix([[x] for x in items], column)


def parse_plain(text: str, scope: Scope, expect: str = "any") -> Parsed:
    """Parse plain math syntax (``(1-alpha*a)^k``, ``[[1,0],[0,1]]``, ``0 < alpha < 2/3``,
    ``(0, 2/3]``, ``y = 2*x``) through the AST whitelist."""
    if len(text) > LIMITS["max_chars"]:
        raise ParseError(f"answer is longer than {LIMITS['max_chars']} characters")
    text = normalize_unicode(text).strip()
    if not text:
        raise ParseError("empty answer")
    if _bracket_depth(text) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    builder = Builder(scope)
    if expect == "set":
        iv = _half_open(text, scope, builder)
        if iv is not None:
            return Parsed(iv, "set", to_latex(iv))
    eq = _split_equation(text)
    if eq is not None:
        lhs, rhs = (_parse_plain_part(s, builder, expect) for s in eq)
        value = builder.relation("==", lhs, rhs)
    else:
        value = builder.finish(_parse_plain_part(text, builder, expect))
    return Parsed(value, _shape_of(value), to_latex(value), builder.used_data)


def _parse_plain_part(text: str, builder: Builder, expect: str) -> Any:
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
    src = _plain_source(text)
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for 2alpha: we explain it
            warnings.simplefilter("ignore")
            tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as exc:
        msg, fix = _syntax_hint(text)
        col = exc.offset if exc.offset and exc.offset <= len(text) else None
        raise ParseError(
            msg if fix or msg != "syntax error" else f"syntax error: {exc.msg}", col, fix
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("answer is nested too deeply or too long") from None
    return _PlainWalker(src.strip(), builder, expect).walk(tree)


def _half_open(text: str, scope: Scope, builder: Builder) -> sp.Set | None:
    m = re.fullmatch(r"\s*(\\left)?\s*([\[(])(.*)(\\right)?\s*([\])])\s*", text, re.S)
    if not m:
        return None
    inner = m.group(3)
    if inner.rstrip().endswith("\\right"):
        inner = inner.rstrip()[: -len("\\right")]
    depth = 0
    commas = []
    for i, ch in enumerate(inner):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "," and depth == 0:
            commas.append(i)
    if len(commas) != 1 or depth != 0:
        return None
    lo_t, hi_t = inner[: commas[0]], inner[commas[0] + 1 :]
    lo = _parse_scalar_text(lo_t, builder)
    hi = _parse_scalar_text(hi_t, builder)
    return _interval(lo, hi, m.group(2) == "(", m.group(5) == ")", None)


def _parse_scalar_text(t: str, builder: Builder) -> Any:
    if "\\" in t:
        return _latex_piece(t, builder)
    return _parse_plain_part(t, builder, "scalar")


# --------------------------------------------------------------------------------------
# LaTeX

_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi rho "
    "sigma tau phi varphi chi psi omega Sigma Lambda Phi"
).split()
_LATEX_ALLOWED = set(
    (
        "frac dfrac tfrac sqrt cdot times left right le leq ge geq lt gt exp ln log sin cos tan "
        "infty begin end top pi mathrm text dagger in"
    ).split()
) | set(_GREEK)
_LATEX_ENVS = {"bmatrix", "pmatrix", "matrix"}
_LATEX_REL = [
    (r"\leq", "<="),
    (r"\geq", ">="),
    (r"\le", "<="),
    (r"\ge", ">="),
    (r"\lt", "<"),
    (r"\gt", ">"),
    ("<=", "<="),
    (">=", ">="),
    ("<", "<"),
    (">", ">"),
    ("=", "=="),
]


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
        if cmd not in _LATEX_ALLOWED:
            pool = sorted(_LATEX_ALLOWED - {"in", "top", "pi"})
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
        if m.group(2) not in _LATEX_ENVS:
            close = difflib.get_close_matches(m.group(2), sorted(_LATEX_ENVS), n=1, cutoff=0.6)
            raise ParseError(
                f"LaTeX environment `{m.group(2)}` is not allowed (use bmatrix or pmatrix)",
                m.start() + 1,
                close[0] if close else None,
            )
    if re.search(r"\\(begin|end)(?!\s*\{)", t):
        raise ParseError("\\begin / \\end need an environment name")
    if _bracket_depth(t) > LIMITS["max_depth"]:
        raise ParseError(f"brackets nested too deeply (limit {LIMITS['max_depth']})")
    if t.count("^") > 60 or t.count("\\frac") > 60:
        raise ParseError("answer is too large")
    return t.strip()


_lark_parser = None


def _nc(sym: Any) -> Any:
    if isinstance(sym, sp.Symbol) and sym.is_commutative:
        return sp.Symbol(sym.name, commutative=False)
    return sym


_PREFIX_FUNCS = {"sin", "cos", "tan", "exp", "ln", "log"}
_INFIX_COMMANDS = {"cdot", "times", "le", "leq", "ge", "geq", "lt", "gt", "in", "ne", "neq"}


def _group_end(t: str, i: int) -> int:
    """Index just past the brace group starting at ``t[i] == "{"``."""
    depth = 0
    for j in range(i, len(t)):
        if t[j] == "{":
            depth += 1
        elif t[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ParseError("unbalanced braces in the LaTeX answer", i + 1)


def _argument(t: str, i: int) -> tuple[str, int]:
    """One TeX argument at ``i`` (a brace group, a command or one character), processed."""
    while i < len(t) and t[i] == " ":
        i += 1
    if i >= len(t):
        raise ParseError("a LaTeX command is missing its argument")
    if t[i] == "{":
        j = _group_end(t, i)
        return "{" + _explicit_products(t[i + 1 : j - 1]) + "}", j
    if t[i] == "\\":
        j = i + 1
        while j < len(t) and t[j].isalpha():
            j += 1
        return t[i : max(j, i + 2)], max(j, i + 2)
    return t[i], i + 1


def _explicit_products(t: str) -> str:
    r"""Write every implicit product of a LaTeX answer as ``\cdot`` (``x^2 y``, ``B \Sigma
    B^T``, ``\alpha(x+1)``): SymPy's Lark grammar misses several adjacencies and reads
    ``\alpha(x+1)`` ambiguously. Each item is classified as starting and/or ending an
    operand; ``\cdot`` goes between an operand end and an operand start."""
    out: list[str] = []
    i, n = 0, len(t)
    prev_end = False
    attach: str | bool = False  # the next item is the argument of ^ or _ (subscripts kept raw)
    while i < n:
        c = t[i]
        if c.isspace():
            out.append(c)
            i += 1
            continue
        if t.startswith("\\\\", i):
            item, i, starts, ends = "\\\\", i + 2, False, False
        elif c == "\\":
            j = i + 1
            while j < n and t[j].isalpha():
                j += 1
            if j == i + 1:
                j += 1
            word = t[i + 1 : j]
            if word in ("begin", "end", "mathit", "mathrm", "text"):
                k = j
                while k < n and t[k] == " ":
                    k += 1
                close = _group_end(t, k) if k < n and t[k] == "{" else k
                item, i = t[i:close], close
                starts, ends = (
                    word in ("begin", "mathit", "mathrm", "text"),
                    word in ("end", "mathit", "mathrm", "text"),
                )
            elif word == "frac":
                a1, j = _argument(t, j)
                a2, j = _argument(t, j)
                item, i, starts, ends = "\\frac" + a1 + a2, j, True, True
            elif word == "sqrt":
                item = "\\sqrt"
                k = j
                if k < n and t[k] == "[":
                    close = t.index("]", k)
                    item += "[" + _explicit_products(t[k + 1 : close]) + "]"
                    k = close + 1
                a1, j = _argument(t, k)
                item, i, starts, ends = item + a1, j, True, True
            elif word in ("left", "right"):
                k = j
                while k < n and t[k] == " ":
                    k += 1
                if k < n and t[k] == "\\":
                    m = k + 1
                    while m < n and t[m].isalpha():
                        m += 1
                    k = max(m, k + 2)
                else:
                    k += 1
                item, i = t[i:k], k
                starts, ends = word == "left", word == "right"
            elif word in _PREFIX_FUNCS:
                item, i, starts, ends = t[i:j], j, True, False
            elif word in _INFIX_COMMANDS:
                item, i, starts, ends = t[i:j], j, False, False
            else:  # a symbol: \alpha, \infty, ...
                item, i, starts, ends = t[i:j], j, True, True
        elif c == "{":
            j = _group_end(t, i)
            inner = t[i + 1 : j - 1] if attach == "_" else _explicit_products(t[i + 1 : j - 1])
            item, i, starts, ends = "{" + inner + "}", j, True, True
        elif c in "([":
            item, i, starts, ends = c, i + 1, True, False
        elif c in ")]":
            item, i, starts, ends = c, i + 1, False, True
        elif c.isalpha():
            item, i, starts, ends = c, i + 1, True, True
        elif c.isdigit() or c == ".":
            j = i
            while j < n and (t[j].isdigit() or t[j] == "."):
                j += 1
            item, i, starts, ends = t[i:j], j, True, True
        elif c == "!":
            item, i, starts, ends = c, i + 1, False, True
        else:  # + - * / = < > , & | ^ _ and anything the parser will judge
            item, i, starts, ends = c, i + 1, False, False
        if attach:
            out.append(item)
            prev_end, attach = True, False
            continue
        if starts and prev_end:
            out.append(r" \cdot ")
        out.append(item)
        prev_end = ends
        if item in ("^", "_"):
            attach, prev_end = item, False
    return "".join(out)


def _get_lark_parser():
    global _lark_parser
    if _lark_parser is None:
        from sympy.parsing.latex.lark import LarkLaTeXParser
        from sympy.parsing.latex.lark.transformer import TransformToSymPyExpr

        class _SafeTransformer(TransformToSymPyExpr):
            """SymPy's transformer with exact decimals and bounded numeric powers/factorials
            (so no huge number is ever built while parsing)."""

            def number(self, tokens):  # noqa: D401
                tok = tokens[0]
                if tok.type == "CMD_IMAGINARY_UNIT":
                    raise ParseError("the imaginary unit is not allowed")
                return Builder(Scope()).number(str(tok))

            def superscript(self, tokens):
                base = tokens[0]
                sup = tokens[2] if len(tokens) == 3 else tokens[3] if len(tokens) == 5 else None
                if (
                    isinstance(base, sp.Expr)
                    and isinstance(sup, sp.Expr)
                    and base.is_Number
                    and sup.is_Number
                ):
                    Builder(Scope()).pow(base, sup)  # raises if too large
                if (
                    isinstance(base, sp.MatrixBase)
                    and isinstance(sup, sp.Expr)
                    and sup.is_Number
                    and abs(sup) > LIMITS["max_exponent"]
                ):
                    raise ParseError(
                        f"matrix power {_short(sup)} is too large (limit {LIMITS['max_exponent']})"
                    )
                if (
                    isinstance(base, sp.MatrixBase)
                    and isinstance(sup, sp.Symbol)
                    and sup.name in ("T", "dagger")
                ):
                    return sp.Transpose(base) if sup.name == "T" else sp.Matrix(base).pinv()
                return super().superscript(tokens)

            def factorial(self, tokens):
                a = tokens[0]
                if isinstance(a, sp.Expr) and a.is_Number:
                    return Builder(Scope()).call("factorial", [a])
                return sp.factorial(a)

            def binomial(self, tokens):
                raise ParseError("\\binom is not allowed")

            # Every symbol is read as noncommutative so that a product keeps the order in
            # which it was written (B \Sigma B^T is not \Sigma B B^T); the rebuild through
            # Builder then multiplies the real objects in that order.
            def SYMBOL(self, tok):  # noqa: N802 - lark token callback name
                return sp.Symbol(str(tok), commutative=False)

            def GREEK_SYMBOL_WITH_PRIMES(self, tok):  # noqa: N802
                return _nc(super().GREEK_SYMBOL_WITH_PRIMES(tok))

            def LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(self, tok):  # noqa: N802
                return _nc(super().LATIN_SYMBOL_WITH_LATIN_SUBSCRIPT(tok))

            def GREEK_SYMBOL_WITH_LATIN_SUBSCRIPT(self, tok):  # noqa: N802
                return _nc(super().GREEK_SYMBOL_WITH_LATIN_SUBSCRIPT(tok))

            def LATIN_SYMBOL_WITH_GREEK_SUBSCRIPT(self, tok):  # noqa: N802
                return _nc(super().LATIN_SYMBOL_WITH_GREEK_SUBSCRIPT(tok))

            def GREEK_SYMBOL_WITH_GREEK_SUBSCRIPT(self, tok):  # noqa: N802
                return _nc(super().GREEK_SYMBOL_WITH_GREEK_SUBSCRIPT(tok))

            def multi_letter_symbol(self, tokens):
                return _nc(super().multi_letter_symbol(tokens))

        _lark_parser = LarkLaTeXParser(transformer=_SafeTransformer)
    return _lark_parser


def warm_up() -> None:
    """Build the LaTeX grammar once (so forked workers inherit it)."""
    _get_lark_parser()


_LATEX_NODE_FUNCS = {
    sp.exp: "exp",
    sp.log: "log",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.Abs: "abs",
    sp.factorial: "factorial",
}


def _rebuild(expr: Any, b: Builder, depth: int = 0) -> Any:
    """Re-walk a tree produced by the LaTeX parser through the whitelist and ``Builder``."""
    from lark import Tree

    if depth > LIMITS["max_depth"] * 2:
        raise ParseError("answer is nested too deeply")
    d = depth + 1
    if isinstance(expr, Tree):
        if expr.data == "_ambig":
            errors = []
            for option in expr.children:
                try:
                    return _rebuild(option, b, d)
                except ParseError as exc:
                    errors.append(exc)
            raise errors[0] if errors else ParseError("ambiguous LaTeX")
        raise ParseError("could not read this LaTeX")
    if isinstance(expr, tuple):
        raise ParseError("derivatives and differentials are not allowed")
    if isinstance(expr, sp.MatrixBase):
        rows = [
            [_rebuild(expr[i, j], b, d) for j in range(expr.shape[1])] for i in range(expr.shape[0])
        ]
        return b.matrix(rows)
    if isinstance(expr, sp.Transpose):
        return b.call("transpose", [_rebuild(expr.arg, b, d)])
    if isinstance(expr, sp.Inverse):
        return b.call("inv", [_rebuild(expr.arg, b, d)])
    if isinstance(expr, (sp.MatAdd, sp.MatMul)):
        args = [_rebuild(a, b, d) for a in expr.args]
        op = b.add if isinstance(expr, sp.MatAdd) else b.mul
        out = args[0]
        for a in args[1:]:
            out = op(out, a)
        return out
    if isinstance(expr, sp.MatPow):
        return b.pow(_rebuild(expr.base, b, d), _rebuild(expr.exp, b, d))
    if not isinstance(expr, sp.Basic):
        raise ParseError(f"could not read this LaTeX ({type(expr).__name__})")
    if expr.is_Symbol:
        name = str(expr.name)
        if name == "T":
            return sp.Symbol("T") if b.scope.lookup("T") is None else b.symbol("T")
        if name in ("dagger",):
            return sp.Symbol("dagger")
        return b.symbol(name)
    if expr is sp.oo or expr is sp.zoo or expr is sp.nan or expr is sp.S.NegativeInfinity:
        if expr is sp.oo:
            return sp.oo
        if expr is sp.S.NegativeInfinity:
            return -sp.oo
        raise ParseError("undefined value (division by zero?)")
    if expr.is_Integer or expr.is_Rational:
        # a value the LaTeX parser computed (10^{500}): bounded like a computed number, not
        # like typed digits
        b.tick()
        digits = max(int(abs(expr.p)).bit_length(), int(expr.q).bit_length()) * math.log10(2)
        if digits > LIMITS["max_digits"]:
            raise ParseError(
                f"a number with about {digits:.3g} digits (limit {LIMITS['max_digits']})"
            )
        return expr
    if expr.is_Float:
        raise ParseError("inexact number")
    if expr in (sp.pi, sp.E):
        return expr
    if isinstance(expr, sp.Add):
        args = [_rebuild(a, b, d) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = b.add(out, a)
        return out
    if isinstance(expr, sp.Mul):
        args = [_rebuild(a, b, d) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = b.mul(out, a)
        return out
    if isinstance(expr, sp.Pow):
        base = _rebuild(expr.base, b, d)
        if isinstance(expr.exp, sp.Symbol) and expr.exp.name == "dagger":
            if not isinstance(base, (sp.MatrixBase, sp.MatrixExpr)):
                raise ParseError("^\\dagger applies to matrices only")
            return b.pow(base, sp.Symbol("dagger"))
        ex = _rebuild(expr.exp, b, d)
        if base == sp.E and not isinstance(ex, sp.MatrixBase):
            return b.call("exp", [ex])
        return b.pow(base, ex)
    if isinstance(expr, sp.core.relational.Relational):
        op = {
            sp.StrictLessThan: "<",
            sp.LessThan: "<=",
            sp.StrictGreaterThan: ">",
            sp.GreaterThan: ">=",
            sp.Equality: "==",
        }.get(type(expr))
        if op is None:
            raise ParseError("only <, ≤, >, ≥, = relations are allowed")
        return b.relation(op, _rebuild(expr.lhs, b, d), _rebuild(expr.rhs, b, d))
    for cls, name in _LATEX_NODE_FUNCS.items():
        if isinstance(expr, cls):
            return b.call(name, [_rebuild(a, b, d) for a in expr.args])
    raise ParseError(f"`{type(expr).__name__}` is not allowed in an answer")


def _latex_piece(t: str, b: Builder) -> Any:
    t = t.strip()
    if not t:
        raise ParseError("empty part in the LaTeX answer")
    t = re.sub(r"\^\s*\\top\b", "^{T}", t)
    t = re.sub(r"\^\s*\{\s*\\top\s*\}", "^{T}", t)
    t = re.sub(r"\^\s*\{?\s*\\dagger\s*\}?", r"^{\\mathit{dagger}}", t)
    t = re.sub(r"\\pi\b", r"(\\mathit{pi})", t)
    t = re.sub(r"\\(Sigma|Lambda|Phi)\b", r"(\\mathit{\1})", t)
    t = re.sub(r"\\(d|t)frac", r"\\frac", t)
    t = _explicit_products(t)
    try:
        expr = _get_lark_parser().doparse(t)
    except ParseError:
        raise
    except Exception as exc:  # lark's UnexpectedInput, VisitError, LaTeXParsingError
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, ParseError):
            raise inner from None
        if isinstance(inner, DomainAnswerError):
            raise inner from None
        col = getattr(exc, "column", None)
        raise ParseError(
            "could not read this LaTeX", col if isinstance(col, int) and col > 0 else None
        ) from None
    return _rebuild(expr, b)


def _split_top(t: str) -> list[tuple[str, str | None]]:
    """Split LaTeX at top-level relation operators: [(piece, op_after), ...]."""
    pieces: list[tuple[str, str | None]] = []
    depth = 0
    i = 0
    start = 0
    while i < len(t):
        ch = t[i]
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if depth == 0:
            for tok, op in _LATEX_REL:
                if t.startswith(tok, i) and (
                    not tok[0] == "\\" or not t[i + len(tok) : i + len(tok) + 1].isalpha()
                ):
                    pieces.append((t[start:i], op))
                    i += len(tok)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    pieces.append((t[start:], None))
    return pieces


def parse_latex_answer(text: str, scope: Scope, expect: str = "any") -> Parsed:
    r"""Parse a LaTeX answer (``\frac{2}{5}``, ``\begin{bmatrix}...\end{bmatrix}``,
    ``0<\alpha<\frac23``, ``\alpha \in (0, \frac{2}{3})``) after :func:`latex_precheck`."""
    t = latex_precheck(text)
    b = Builder(scope)
    m = re.match(r"^\s*(\\?[A-Za-z]+)\s*\\in\b(.*)$", t, re.S)
    if m:
        var = _latex_piece(m.group(1), b)
        iv = _half_open(m.group(2), scope, b)
        if iv is None or not isinstance(var, sp.Symbol):
            raise ParseError("write `\\alpha \\in (a, b)` with an interval")
        value = iv.as_relational(var)
        return Parsed(value, "relation", to_latex(value))
    if re.search(r"\\in(?![A-Za-z])", t):
        raise ParseError("`\\in` must follow a single symbol")
    if expect == "set":
        iv = _half_open(t, scope, b)
        if iv is not None:
            return Parsed(iv, "set", to_latex(iv))
    pieces = _split_top(t)
    if len(pieces) == 1:
        value = b.finish(_latex_piece(t, b))
    else:
        vals = [_latex_piece(p, b) for p, _ in pieces]
        rels = [b.relation(op, x, y) for (_, op), x, y in zip(pieces, vals, vals[1:], strict=False)]
        value = rels[0] if len(rels) == 1 else sp.And(*rels)
    return Parsed(value, _shape_of(value), to_latex(value), b.used_data)


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


def is_latex(text: str) -> bool:
    """An answer is LaTeX when it is wrapped in ``$...$`` or contains a backslash or braces."""
    t = text.strip()
    return (
        "\\" in t or "{" in t or "}" in t or (t.startswith("$") and t.endswith("$") and len(t) > 1)
    )


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
            return Parsed(sp.S.EmptySet, "set", r"\emptyset")
    text = _index_superscripts(text, scope, is_latex(text))
    try:
        if is_latex(text):
            return parse_latex_answer(normalize_unicode(text), scope, expect)
        return parse_plain(text, scope, expect)
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
                return Parsed(label, "label", r"\text{" + label.replace("_", r"\_") + "}")
    choices = list(labels)
    close = difflib.get_close_matches(key.replace(" ", "_"), choices, n=1, cutoff=0.5)
    raise ParseError(
        f"`{text.strip()[:40]}` is not one of: {', '.join(choices)}",
        None,
        close[0] if close else None,
    )
