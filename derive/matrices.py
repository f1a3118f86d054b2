"""Matrix nodes SymPy lacks, and exact random matrices for instantiating matrix identities.

Symbolic nodes
--------------
``Pinv(X)`` is the Moore–Penrose pseudoinverse :math:`\\mathbf{X}^\\dagger` of a matrix
expression (001 §2.2, the definition after eq 13: :math:`\\mathbf{B}^\\dagger = \\mathbf{V}
\\mathbf{S}^\\dagger \\mathbf{U}^\\top`).  It has symbolic shape, transposes as
:math:`(\\mathbf{X}^\\top)^\\dagger`, and ``doit()`` on an explicit matrix computes the exact
pseudoinverse (SymPy's rank-decomposition ``Matrix.pinv``), so a rational matrix gives a
rational pseudoinverse.

``MatExp(M)`` is the matrix exponential (the gradient-flow derivations); exact instantiation
stays possible through :func:`rational_orthogonal` (``A = Q D Q^T`` with rational ``Q`` and
``D``).  ``MatrixLimit(M, x, x0)`` is an entrywise one-sided limit whose variable is bound, so
the ladder instantiates everything else and takes the limit per entry.  ``TimeDerivative(M)``
is :math:`\\tfrac{d}{dt}\\mathbf{M}(t)` kept for printing; the engine unfolds it
(``doit(differentiate=True)``) before it instantiates t.

Exact inputs
------------
:func:`exact_matrix` and :func:`exact_scalar` turn user input into exact SymPy values for the
public functions (a float by its decimal form: ``0.1`` is 1/10).

Exact random matrices
---------------------
:func:`random_matrix` (rational, of exact rank) and :func:`rational_orthogonal` (Cayley
transform) are the building blocks ``gdflow.derive.instances`` draws every matrix property and
rank stratum from.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp
from sympy import Basic, ImmutableMatrix, Rational
from sympy.core.sympify import _sympify
from sympy.matrices.expressions.matexpr import MatrixExpr

from .notation import t
from .numbers import exact_number, is_number_text

if TYPE_CHECKING:
    from sympy.printing.latex import LatexPrinter

__all__ = [
    "Pinv",
    "MatExp",
    "exact_matrix",
    "exact_scalar",
    "exact_matrix_exp",
    "is_zero_matrix",
    "MatrixLimit",
    "TimeDerivative",
    "diff_t",
    "MatrixProperty",
    "random_rational",
    "random_matrix",
    "rational_orthogonal",
]


class _MatrixFunction(MatrixExpr):
    """A function of one matrix expression, kept symbolic: ``doit()`` evaluates it once the
    argument is explicit (:meth:`_explicit`), entries of the symbolic node are not available."""

    is_commutative = False
    _takes = "a matrix expression"
    _what = "matrix function"

    def __new__(cls, arg: object) -> Basic:
        arg = _sympify(arg)
        if not getattr(arg, "is_Matrix", False):
            raise TypeError(
                f"{cls.__name__} takes {cls._takes}; got {arg!r} of type {type(arg).__name__}"
            )
        return Basic.__new__(cls, arg)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    def doit(self, **hints: Any) -> Basic:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        return self._explicit(arg)

    def _explicit(self, arg: MatrixExpr) -> Basic:
        """The value at the evaluated argument ``arg`` (the node itself while it is symbolic)."""
        raise NotImplementedError

    def _entry(self, i: Basic, j: Basic, **kwargs: Any) -> Basic:
        raise NotImplementedError(f"entries of a symbolic {self._what} are not available")


class Pinv(_MatrixFunction):
    """Moore–Penrose pseudoinverse :math:`\\mathbf{X}^\\dagger` of a matrix expression.

    For :math:`\\mathbf{X} \\in \\mathbb{R}^{m\\times n}`, :math:`\\mathbf{X}^\\dagger \\in
    \\mathbb{R}^{n \\times m}` is the unique matrix with
    :math:`XX^\\dagger X = X,\\ X^\\dagger X X^\\dagger = X^\\dagger` and
    :math:`XX^\\dagger,\\ X^\\dagger X` symmetric (001 §2.2, after eq 13).

    >>> import sympy as sp
    >>> Pinv(sp.ImmutableMatrix([[2, 0], [0, 0]])).doit()
    Matrix([
    [1/2, 0],
    [  0, 0]])
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> Pinv(sp.MatrixSymbol("B", n, 3)).shape
    (3, n)
    """

    _what = "pseudoinverse"

    @property
    def shape(self) -> tuple[Basic, Basic]:
        rows, cols = self.arg.shape
        return (cols, rows)

    def _explicit(self, arg: MatrixExpr) -> Basic:
        if isinstance(arg, sp.MatrixBase):
            return ImmutableMatrix(sp.Matrix(arg).pinv())
        if isinstance(arg, sp.ZeroMatrix):
            return sp.ZeroMatrix(*self.shape)
        return Pinv(arg)

    def _eval_transpose(self) -> Basic:
        return Pinv(self.arg.T)


# -- exact inputs ------------------------------------------------------------------------------


def exact_scalar(value: object) -> Basic:
    """``value`` as an exact SymPy value: a number by :func:`gdflow.derive.numbers.exact_number`
    (a float by its decimal form, ``0.1`` -> 1/10, not the binary
    3602879701896397/36028797018963968; text such as ``"1/10"`` by its digits), an expression
    or non-numeric text sympified with each of its floats read the same way (a symbol stays a
    symbol); infinity, ``oo`` or a float ``inf``, is ``oo`` (t = oo is a time the
    derivations are evaluated at); NaN is refused.

    >>> exact_scalar(0.1), exact_scalar("1/3"), exact_scalar(2), exact_scalar("alpha/10")
    (1/10, 1/3, 2, alpha/10)
    """
    if isinstance(value, (float, np.floating)) and math.isinf(value):
        return sp.oo if value > 0 else -sp.oo
    if isinstance(value, str) and not is_number_text(value):
        value = sp.sympify(value)
    if isinstance(value, Basic) and (not isinstance(value, sp.Number) or value.is_infinite):
        floats = value.atoms(sp.Float)
        return value.xreplace({f: exact_number(f) for f in floats}) if floats else value
    return exact_number(value)


def exact_matrix(value: object, name: str = "matrix") -> sp.Matrix:
    """``value`` (nested lists, a vector as a flat list, a SymPy or NumPy matrix) as a SymPy
    ``Matrix`` with exact entries (:func:`exact_scalar`: ``0.1`` -> 1/10).  ``TypeError``
    naming ``name`` when it is not a matrix.

    >>> exact_matrix([[0.5, 1], [0.1, "1/3"]])
    Matrix([
    [ 1/2,   1],
    [1/10, 1/3]])
    """
    try:
        M = sp.Matrix(value)
    except Exception as exc:  # noqa: BLE001
        raise TypeError(
            f"{name} must be a matrix (nested lists or a SymPy Matrix); got {value!r} of type "
            f"{type(value).__name__}"
        ) from exc
    return M.applyfunc(exact_scalar)


# -- exact random matrices -------------------------------------------------------------------

MatrixProperty = str
"""Names of matrix properties the engine understands (``gdflow.derive.instances.strata`` lists
their rank strata, ``gdflow.derive.instances.draw_matrix`` draws them): ``"any"``, ``"symmetric"``,
``"psd"``, ``"pd"``, ``"singular_psd"``, ``"orthogonal"``, ``"diagonal"``, ``"diagonal_nonneg"``,
``"invertible"``, ``"full_column_rank"``, ``"full_row_rank"``, ``"rational_svd"`` (``U S V^T``
with rational orthogonal U, V: ``X X^T`` has a rational spectrum, so its exponential is exact),
``"rational_svd_full_column_rank"``."""


def random_rational(rng: random.Random, low: int = -4, high: int = 4, den: int = 4) -> Rational:
    """A random rational ``p/q`` with ``low <= p/q <= high`` and ``1 <= q <= den``."""
    q = rng.randint(1, den)
    return Rational(rng.randint(low * q, high * q), q)


def random_matrix(
    rng: random.Random, rows: int, cols: int, rank: int | None = None
) -> ImmutableMatrix:
    """A random integer matrix of the given shape and exact rank (default: full rank)."""
    full = min(rows, cols)
    rank = full if rank is None else rank
    if not 0 <= rank <= full:
        raise ValueError(f"rank must be in [0, {full}] for a {rows}x{cols} matrix; got {rank}")
    for _ in range(100):
        left = sp.Matrix(rows, rank, lambda i, j: rng.randint(-3, 3))
        right = sp.Matrix(rank, cols, lambda i, j: rng.randint(-3, 3))
        m = left * right if rank else sp.zeros(rows, cols)
        if m.rank() == rank:
            return ImmutableMatrix(m)
    raise RuntimeError(f"could not draw a {rows}x{cols} matrix of rank {rank}")


def rational_orthogonal(rng: random.Random, n: int) -> ImmutableMatrix:
    """An exact rational orthogonal matrix by the Cayley transform.

    :math:`Q = (I - S)(I + S)^{-1}` is orthogonal for skew-symmetric :math:`S`
    (:math:`I + S` is always invertible).  With probability 1/2 a row is negated, so both
    rotations and reflections are drawn.
    """
    s = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            v = random_rational(rng, -2, 2, 3)
            s[i, j], s[j, i] = v, -v
    eye = sp.eye(n)
    q = (eye - s) * (eye + s).inv()
    if rng.random() < 0.5:
        q[0, :] = -q[0, :]
    return ImmutableMatrix(q)


# -- the matrix exponential ----------------------------------------------------------------


def exact_matrix_exp(m: sp.MatrixBase) -> ImmutableMatrix:
    """:math:`e^{\\mathbf{M}} = \\mathbf{P} e^{\\mathbf{J}} \\mathbf{P}^{-1}` of an explicit square
    matrix, exactly (SymPy's ``Matrix.exp``, through the Jordan form).

    Exact and fast when the eigenvalues are rational, as for a rational symmetric
    :math:`\\mathbf{Q}\\mathbf{D}\\mathbf{Q}^\\top` with rational Q, D (how the verification ladder
    instantiates kernels: ``rational_svd``); measured 2–15 ms for 2x2–6x6 (Sylvester's formula over
    the same eigenvalues was 2–3x slower).  Raises ``NotImplementedError`` when the
    characteristic polynomial has an irreducible factor of degree 3 or more: the eigenvalues
    are then cubic radicals, slow to build (seconds for 3x3) and not evaluable in arb.

    >>> exact_matrix_exp(sp.Matrix([[0, 0], [0, 2]]))
    Matrix([
    [1,      0],
    [0, exp(2)]])
    """
    m = sp.Matrix(m)
    if m.rows != m.cols:
        raise sp.ShapeError(f"the matrix exponential needs a square matrix; got {m.rows}x{m.cols}")
    if m.rows == 0:
        return ImmutableMatrix(m)
    if m.is_zero_matrix:
        return ImmutableMatrix(sp.eye(m.rows))
    _, factors = m.charpoly().factor_list()
    worst = max((f.degree() for f, _ in factors), default=0)
    if worst >= 3:
        raise NotImplementedError(
            f"the {m.rows}x{m.rows} matrix has an irreducible characteristic factor of degree "
            f"{worst}; its exponential is not evaluated exactly"
        )
    return ImmutableMatrix(m.exp())


class MatExp(_MatrixFunction):
    """Matrix exponential :math:`e^{\\mathbf{M}}` of a square matrix expression
    (000, gradient flow: :math:`\\mathbf{r}(t) = e^{-\\mathbf{K}t}\\mathbf{r}(0)`).

    :math:`e^{\\mathbf{M}} = \\sum_{k \\ge 0} \\mathbf{M}^k / k!`.  The node keeps its argument
    symbolic; it transposes as :math:`e^{\\mathbf{M}^\\top}`, differentiates in a scalar
    :math:`t` when the argument is :math:`t\\mathbf{B}` with B free of t
    (:math:`\\tfrac{d}{dt} e^{t\\mathbf{B}} = \\mathbf{B} e^{t\\mathbf{B}}`), and ``doit()`` on an
    explicit matrix evaluates it with :func:`exact_matrix_exp`.  SymPy's own ``exp`` does not
    accept a ``MatrixSymbol`` (sympy issue 16813).

    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> t = sp.Symbol("t", nonnegative=True)
    >>> K = sp.MatrixSymbol("K", n, n)
    >>> MatExp(-K * t).diff(t)
    -K*MatExp((-t)*K)
    >>> MatExp(-K * t).subs(t, 0)
    MatExp(0)
    >>> MatExp(sp.ImmutableMatrix([[1, 0], [0, 0]]) * t).doit()
    Matrix([
    [exp(t), 0],
    [     0, 1]])
    """

    _takes = "a square matrix expression"
    _what = "matrix exponential"

    def __new__(cls, arg: object) -> Basic:
        node = super().__new__(cls, arg)
        rows, cols = node.arg.shape
        if rows != cols:
            raise sp.ShapeError(f"MatExp needs a square matrix; got shape {node.arg.shape}")
        if isinstance(node.arg, sp.MatMul) and node.arg.as_coeff_mmul()[0] == 0:
            # exp(0 K), e.g. exp(-K t) at t = 0: keep the node, with the zero matrix as argument
            return Basic.__new__(cls, sp.ZeroMatrix(rows, cols))
        return node

    @property
    def shape(self) -> tuple[Basic, Basic]:
        return self.arg.shape

    def _explicit(self, arg: MatrixExpr) -> Basic:
        if isinstance(arg, sp.MatrixBase):
            return exact_matrix_exp(arg)
        if isinstance(arg, sp.ZeroMatrix):
            return sp.Identity(arg.rows)
        return MatExp(arg)

    def _eval_transpose(self) -> Basic:
        return MatExp(self.arg.T)

    def _eval_derivative(self, x: sp.Symbol) -> Basic:
        arg = self.arg
        if not arg.has(x):
            return sp.ZeroMatrix(*self.shape)
        rate = arg.diff(x)
        if rate.has(x) or not is_zero_matrix(arg - x * rate):
            raise NotImplementedError(
                f"d/d{x} of exp({arg}) is implemented only for an argument {x}*B with B free of {x}"
            )
        return rate * self


def is_zero_matrix(e: Basic) -> bool:
    """Whether the matrix expression ``e`` is zero after expansion and ``doit`` (an explicit
    matrix: every entry simplifies to 0)."""
    e = sp.expand(e).doit()
    if isinstance(e, sp.MatrixBase):
        return all(sp.simplify(v) == 0 for v in e)
    return bool(e == 0 or getattr(e, "is_ZeroMatrix", False))


# -- the matrix limit ------------------------------------------------------------------------


class MatrixLimit(MatrixExpr):
    """Entrywise one-sided limit :math:`\\lim_{x \\to x_0^{+}} \\mathbf{M}(x)` of a matrix
    expression (from the right; ``point`` may be ``oo``).

    ``var`` is bound (not a free symbol), so the verification ladder instantiates every other
    symbol (sizes, matrices of random rank, scalars) exactly and ``doit`` then computes the
    limit of each entry with SymPy's ``limit`` (from the right).  This decides a limit claim at
    exact instances; it is evidence at those instances, not a proof for all of them — the
    derivations that use it also give the proof (``ridge.limit``).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> MatrixLimit(sp.ImmutableMatrix([[x / (x + x**2)]]), x, 0).doit()
    Matrix([[1]])
    """

    is_commutative = False

    def __new__(cls, expr: object, var: sp.Symbol, point: object = 0) -> Basic:
        expr, var, point = _sympify(expr), _sympify(var), _sympify(point)
        if not getattr(expr, "is_Matrix", False):
            raise TypeError(
                f"MatrixLimit takes a matrix expression; got {expr!r} of type {type(expr).__name__}"
            )
        if not isinstance(var, sp.Symbol):
            raise TypeError(f"the limit variable must be a Symbol; got {var!r}")
        return Basic.__new__(cls, expr, var, point)

    @property
    def expr(self) -> MatrixExpr:
        return self.args[0]

    @property
    def var(self) -> sp.Symbol:
        return self.args[1]

    @property
    def point(self) -> Basic:
        return self.args[2]

    @property
    def shape(self) -> tuple[Basic, Basic]:
        return self.expr.shape

    @property
    def free_symbols(self) -> set[Basic]:
        return (self.expr.free_symbols - {self.var}) | self.point.free_symbols

    def doit(self, **hints: Any) -> Basic:
        inner = self.expr.doit(**hints) if hints.get("deep", True) else self.expr
        if isinstance(inner, sp.MatrixBase):
            return ImmutableMatrix(
                inner.applyfunc(lambda e: sp.limit(sp.cancel(e), self.var, self.point, "+"))
            )
        return MatrixLimit(inner, self.var, self.point)

    def _eval_transpose(self) -> Basic:
        return MatrixLimit(self.expr.T, self.var, self.point)

    def _entry(self, i: Basic, j: Basic, **kwargs: Any) -> Basic:
        return sp.Limit(self.expr[i, j], self.var, self.point, "+")

    def _latex(self, printer: LatexPrinter) -> str:
        inner = printer._print(self.expr)
        side = "" if self.point in (sp.oo, -sp.oo) else "^{+}"
        return (
            r"\lim_{"
            + printer._print(self.var)
            + r" \to "
            + printer._print(self.point)
            + side
            + r"} \left("
            + inner
            + r"\right)"
        )


# -- the time derivative -------------------------------------------------------------------


def diff_t(expr: sp.Basic, var: sp.Basic = t) -> sp.Basic:
    """:math:`\\tfrac{d}{dt}` of a matrix expression in which ``t`` appears only through
    :class:`MatExp` nodes :math:`e^{t\\mathbf{B}}` (rule
    :math:`\\tfrac{d}{dt}e^{t\\mathbf{B}} = \\mathbf{B}e^{t\\mathbf{B}}`) and scalar factors;
    the product rule is SymPy's.  Used to check that a candidate solves the flow ODE of 000
    (eq 6-7); a rule of calculus, independent of the loss scale."""
    return sp.expand(expr.diff(var))


class TimeDerivative(MatrixExpr):
    """:math:`\\tfrac{d}{dt}\\mathbf{M}(t)` of a matrix expression, kept unevaluated for printing;
    ``doit()`` differentiates (:func:`diff_t`).  SymPy's ``Derivative`` of a matrix expression is
    not recognised as a matrix, so claims about derivatives of vectors use this node.  The node
    cannot be evaluated once t is a number (``doit(differentiate=True)`` raises ``ValueError``):
    the engine unfolds it with ``doit(differentiate=True)`` after substituting definitions and
    before it instantiates a claim (``gdflow.derive.verify``)."""

    is_commutative = False

    def __new__(cls, arg: object, var: Basic = t) -> Basic:
        return Basic.__new__(cls, _sympify(arg), _sympify(var))

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def var(self) -> Basic:
        return self.args[1]

    @property
    def shape(self) -> tuple[Basic, Basic]:
        return self.arg.shape

    def doit(self, **hints: Any) -> Basic:
        """Differentiate only when asked with ``doit(differentiate=True)``: SymPy calls ``doit``
        while it builds sums (``TimeDerivative(r) + K*r``), and a vector r(t) whose dependence
        on t is given by a later definition would be differentiated as a constant there."""
        arg, var = self.args
        arg = arg.doit(**hints) if hints.get("deep", True) else arg
        if not hints.get("differentiate", False):
            return TimeDerivative(arg, var)
        if not isinstance(var, sp.Symbol):
            raise ValueError(f"cannot differentiate with respect to the number {var}")
        return diff_t(arg, var)

    def _entry(self, i: Basic, j: Basic, **kwargs: Any) -> Basic:
        raise NotImplementedError("entries of a symbolic derivative are not available")
