"""Evaluate an instantiated claim exactly, or in rigorous balls where exact values run out.

:func:`evaluate_exact` walks a SymPy (matrix) expression whose symbols all have explicit values
and returns an ``ImmutableMatrix`` or a SymPy number.  Pseudoinverses, inverses and powers are
exact (python-flint's ``fmpq_mat`` for rational matrices); a matrix exponential is exact when
its eigenvalues are rational or quadratic.  Where a value is undefined (the inverse of a
singular matrix, a division by zero, an infinite value) it raises :class:`Undefined`; where it
cannot be computed exactly it raises :class:`Undecided`.

:func:`evaluate_ball` evaluates the same tree in arb balls (python-flint ``arb``/``arb_mat``) at
a given precision: matrix exponentials of any matrix, exp/log/sqrt/trigonometric values.  A
pseudoinverse in balls needs a certified full column or row rank.

:func:`compare` decides whether two instantiated sides are equal: exactly where both are
rational, else by balls at rising precision — a ball of the difference that excludes 0 is a
rigorous disproof, and agreement is accepted (as *evidence*) only when the enclosure of the
difference shrinks with the precision, which a true zero's does and a tiny nonzero value's
(e^-200 next to 0, 0.4 next to e^200) does not for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy import Basic, ImmutableMatrix
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

if TYPE_CHECKING:
    import flint

__all__ = [
    "Undefined",
    "Undecided",
    "evaluate_exact",
    "evaluate_ball",
    "to_ball",
    "sign_of",
    "Outcome",
    "compare",
    "PRECISIONS",
]

PRECISIONS = (128, 512, 2048)
"""Bits of the ball evaluations, in order: agreement needs the last."""


class Undefined(Exception):
    """The expression has no value at this instance (singular inverse, division by zero)."""


class Undecided(Exception):
    """The expression could not be evaluated here (exactly, or in balls at this precision)."""


# -- exact ---------------------------------------------------------------------------------------


def _fmpq(m: sp.MatrixBase) -> flint.fmpq_mat:
    import flint

    return flint.fmpq_mat(m.rows, m.cols, [flint.fmpq(int(x.p), int(x.q)) for x in m])


def _from_fmpq(f: flint.fmpq_mat) -> ImmutableMatrix:
    rows, cols = f.nrows(), f.ncols()
    entries = [sp.Rational(int(x.p), int(x.q)) for x in f.entries()]
    return ImmutableMatrix(rows, cols, entries)


def _rational(m: sp.MatrixBase) -> bool:
    return all(getattr(x, "is_Rational", False) for x in m)


def exact_pinv(m: sp.MatrixBase) -> ImmutableMatrix:
    """The Moore–Penrose pseudoinverse of an explicit matrix, exactly.  Rational matrices go
    through a rank factorisation M = C F (F the nonzero rows of rref(M), C the pivot columns):
    M^+ = F^T (F F^T)^{-1} (C^T C)^{-1} C^T."""
    m = sp.Matrix(m)
    if m.rows == 0 or m.cols == 0 or m.is_zero_matrix:
        return ImmutableMatrix(sp.zeros(m.cols, m.rows))
    if not _rational(m):
        if any(x.free_symbols for x in m):
            raise Undecided("symbols left in a pseudoinverse")
        raise Undecided("a pseudoinverse of irrational entries is not computed exactly")
    f = _fmpq(m)
    rank = f.rank()
    red, _ = f.rref()
    rref = _from_fmpq(red)
    pivots = []
    for i in range(rank):
        row = rref.row(i)
        pivots.append(next(j for j in range(m.cols) if row[j] != 0))
    F = rref[:rank, :]
    C = m.extract(list(range(m.rows)), pivots)
    Ff, Cf = _fmpq(F), _fmpq(C)
    out = (
        Ff.transpose() * (Ff * Ff.transpose()).inv() * (Cf.transpose() * Cf).inv() * Cf.transpose()
    )
    return _from_fmpq(out)


def _exact_inverse(m: sp.MatrixBase) -> ImmutableMatrix:
    m = sp.Matrix(m)
    if m.rows != m.cols:
        raise sp.ShapeError(f"inverse of a non-square {m.rows}x{m.cols} matrix")
    if _rational(m):
        f = _fmpq(m)
        if f.rank() < m.rows:
            raise Undefined(
                f"the {m.rows}x{m.rows} matrix is singular (rank {f.rank()}): its inverse does "
                "not exist"
            )
        return _from_fmpq(f.inv())
    if any(x.free_symbols for x in m):  # a variable bound by a limit: invert over Q(var)
        from sympy.polys.matrices import DomainMatrix

        dm = DomainMatrix.from_Matrix(m).to_field()
        if dm.det() == dm.domain.zero:
            raise Undefined("the matrix is singular for every value of the limit variable")
        return ImmutableMatrix(dm.inv().to_Matrix())
    det = m.det()
    if det == 0:
        raise Undefined("the matrix is singular: its inverse does not exist")
    if sign_of(det) is None:
        raise Undecided("cannot tell whether the matrix is singular")
    return ImmutableMatrix(m.inv())


def _exact_power(m: sp.MatrixBase, e: int) -> ImmutableMatrix:
    if e < 0:
        return _exact_power(_exact_inverse(m), -e)
    if _rational(m):
        return _from_fmpq(_fmpq(sp.Matrix(m)) ** e)
    return ImmutableMatrix(sp.Matrix(m) ** e)


_EXPS: dict[tuple, sp.Dummy] = {}
"""Stand-ins for exponentials: ``(rate, var) -> Dummy`` meaning e^{rate * var} (var 1 for a
constant e^{rate}).  Matrix exponentials of rational matrices with rational spectra are
P diag(E_i) P^{-1} with such stand-ins, so products stay polynomial (fast, exact); the
comparison maps every constant stand-in to a power of one transcendental z = e^{1/L}
(Lindemann–Weierstrass), where equality of Laurent polynomials is equality of numbers."""
_RATES: dict[sp.Dummy, tuple] = {}


def _stand_in(rate: Basic, var: Basic | None = None) -> sp.Dummy:
    key = (sp.Rational(rate), sp.Integer(1) if var is None else var)
    if key not in _EXPS:
        d = sp.Dummy(f"exp_{len(_EXPS)}")
        _EXPS[key] = d
        _RATES[d] = key
    return _EXPS[key]


def _restore(v: Basic) -> Basic:
    """``v`` with every stand-in replaced by the exponential it stands for."""
    if not isinstance(v, Basic) or not _RATES or not v.has(*_RATES):
        return v
    return v.xreplace({d: sp.exp(r * x) for d, (r, x) in _RATES.items()})


def _exact_exp(m: sp.MatrixBase, var: Basic | None = None) -> ImmutableMatrix:
    """e^{var m} of a rational m: P diag(stand-ins) P^{-1} when m is diagonalizable with a
    rational spectrum; SymPy's exact exponential otherwise (quadratic eigenvalues)."""
    from .matrices import exact_matrix_exp

    m = sp.Matrix(m)
    if m.rows == 0:
        return ImmutableMatrix(m)
    if _rational(m):
        try:
            p, d = m.diagonalize()
        except Exception:  # noqa: BLE001 - not diagonalizable (sympy's MatrixError)
            p = None
        if p is not None and all(x.is_Rational for x in d.diagonal()) and _rational(p):
            middle = sp.diag(*[_stand_in(x, var) for x in d.diagonal()])
            return _product([ImmutableMatrix(p), ImmutableMatrix(middle), _exact_inverse(p)])
    if var is not None:
        raise Undecided(f"e^({var} M) with M of irrational spectrum is not evaluated exactly")
    try:
        return exact_matrix_exp(m)
    except NotImplementedError as exc:
        raise Undecided(str(exc)) from exc


def _product(factors: list) -> Basic:
    """The product of explicit factors: fmpq_mat for rational matrices, DomainMatrix (polynomial
    entries in stand-ins or a limit variable) otherwise."""
    out = sp.Integer(1)
    for a in factors:
        if isinstance(out, sp.MatrixBase) and isinstance(a, sp.MatrixBase):
            if out.cols != a.rows:
                raise sp.ShapeError(f"multiplying {out.rows}x{out.cols} by {a.rows}x{a.cols}")
            if _rational(out) and _rational(a):
                out = _from_fmpq(_fmpq(out) * _fmpq(a))
            else:
                out = _dm_product(out, a)
        else:
            out = out * a
    return ImmutableMatrix(out) if isinstance(out, sp.MatrixBase) else out


def _dm_product(a: sp.MatrixBase, b: sp.MatrixBase) -> ImmutableMatrix:
    """The product of two matrices whose entries are polynomials (over Q) in stand-ins or a
    limit variable: DomainMatrix over Q[those symbols] (the ring is named, not inferred per
    call, which cost most of the time); SymPy's own product when an entry is not such a
    polynomial."""
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.polyerrors import CoercionFailed

    gens = sorted({g for m in (a, b) for x in m for g in x.free_symbols}, key=str)
    try:
        if not gens:
            raise CoercionFailed("no generators")
        ring = sp.QQ[tuple(gens)]
        x, y = (
            DomainMatrix(
                [[ring.from_sympy(v) for v in m.row(i)] for i in range(m.rows)], m.shape, ring
            )
            for m in (a, b)
        )
        return ImmutableMatrix((x * y).to_Matrix())
    except (CoercionFailed, sp.PolynomialError, ValueError, TypeError):
        return ImmutableMatrix(sp.Matrix(a) * sp.Matrix(b))


def _finite(v: Basic) -> Basic:
    if isinstance(v, sp.MatrixBase):
        for x in v:
            _finite(x)
        return v
    if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise Undefined(f"the value {v} is not finite")
    return v


def evaluate_exact(expr: Basic) -> Basic:
    """The exact value of an instantiated expression (see the module docstring)."""
    v = _evaluate_exact(expr)
    return ImmutableMatrix(v.applyfunc(_restore)) if isinstance(v, sp.MatrixBase) else _restore(v)


def _evaluate_exact(expr: Basic) -> Basic:
    try:
        return _finite(_exact(expr))
    except ZeroDivisionError as exc:
        raise Undefined("division by zero") from exc


_BOUND: list[Basic] = []
"""Variables bound by an enclosing MatrixLimit while its inner expression is evaluated."""


_HEAVY_CACHE: dict = {}
"""Values of the expensive nodes (limits, exponentials, pseudoinverses, inverses) at an
instance: the ball and exact comparisons of one instance meet the same nodes several times."""


def _exact(expr: Basic) -> Basic:
    from .matrices import MatExp, MatrixLimit, Pinv

    if isinstance(expr, (MatrixLimit, MatExp, Pinv, sp.Inverse)) and not _BOUND:
        key = expr
        if key in _HEAVY_CACHE:
            value = _HEAVY_CACHE[key]
            if isinstance(value, Exception):
                raise value
            return value
        if len(_HEAVY_CACHE) > 512:
            _HEAVY_CACHE.clear()
        try:
            value = _exact_node(expr)
        except (Undefined, Undecided) as exc:
            _HEAVY_CACHE[key] = exc
            raise
        _HEAVY_CACHE[key] = value
        return value
    return _exact_node(expr)


def _exact_node(expr: Basic) -> Basic:
    from .matrices import MatExp, MatrixLimit, Pinv, TimeDerivative

    if isinstance(expr, sp.MatrixBase):
        if all(getattr(x, "is_Rational", False) for x in expr):
            return ImmutableMatrix(expr)
        return ImmutableMatrix(expr.rows, expr.cols, [_exact(x) for x in expr])
    if isinstance(expr, sp.Identity):
        return ImmutableMatrix(sp.eye(int(expr.rows)))
    if isinstance(expr, sp.ZeroMatrix):
        return ImmutableMatrix(sp.zeros(int(expr.rows), int(expr.cols)))
    if isinstance(expr, sp.OneMatrix):
        return ImmutableMatrix(sp.ones(int(expr.rows), int(expr.cols)))
    if isinstance(expr, sp.MatrixSymbol):
        raise Undecided(f"the matrix symbol {expr} was not instantiated")
    if not isinstance(expr, Basic):
        return sp.sympify(expr)
    if isinstance(expr, TimeDerivative):
        raise Undecided("a time derivative must be unfolded before instantiation")
    if isinstance(expr, MatrixElement):
        parent = _exact(expr.parent)
        return parent[int(expr.i), int(expr.j)]
    is_mat = isinstance(expr, MatrixExpr) or expr.has(MatrixExpr) or expr.has(sp.MatrixBase)
    if not is_mat:
        if expr.free_symbols - set(_BOUND) - set(_RATES):
            raise Undecided(
                f"symbols left after instantiation: {sorted(map(str, expr.free_symbols))}"
            )
        if expr.has(sp.Limit, sp.Subs, sp.Sum, sp.Product, sp.Integral):
            expr = expr.doit()
        if expr.has(sp.Piecewise):
            expr = sp.piecewise_fold(expr)
        return expr
    if isinstance(expr, MatrixLimit):
        _BOUND.append(expr.var)
        try:
            inner = _exact(expr.expr)
        finally:
            _BOUND.pop()
        return ImmutableMatrix(inner.applyfunc(lambda e: _limit(e, expr.var, expr.point)))
    if isinstance(expr, sp.Trace):
        return sp.Matrix(_exact(expr.arg)).trace()
    if isinstance(expr, sp.Determinant):
        return sp.Matrix(_exact(expr.arg)).det()
    args = [_exact(a) for a in expr.args]
    if isinstance(expr, sp.MatAdd):
        shapes = {a.shape for a in args if isinstance(a, sp.MatrixBase)}
        if len(shapes) > 1:
            raise sp.ShapeError(f"adding matrices of shapes {sorted(shapes)}")
        total = args[0]
        for a in args[1:]:
            total = total + a
        return ImmutableMatrix(total)
    if isinstance(expr, sp.MatMul):
        return _product(args)
    if isinstance(expr, sp.MatPow):
        base, exponent = args
        if not exponent.is_Integer:
            raise Undecided(f"matrix power with exponent {exponent}")
        return _exact_power(base, int(exponent))
    if isinstance(expr, sp.Transpose):
        return ImmutableMatrix(args[0].T)
    if isinstance(expr, sp.Inverse):
        return _exact_inverse(args[0])
    if isinstance(expr, Pinv):
        return exact_pinv(args[0])
    if isinstance(expr, MatExp):
        a = args[0]
        if isinstance(a, sp.MatrixBase):
            bound = [v for v in _BOUND if any(x.has(v) for x in a)]
            if bound:
                var = bound[0]
                m0 = sp.Matrix(a).applyfunc(lambda x: sp.cancel(x / var))
                if any(x.free_symbols for x in m0):
                    raise Undecided(f"the exponent is not {var} times a constant matrix")
                return _exact_exp(m0, var)
            return _exact_exp(a)
    # scalar expressions with matrix parts (1x1 products, traces): rebuild and evaluate
    node = expr.func(*args)
    value = node.doit() if hasattr(node, "doit") else node
    if isinstance(value, MatrixExpr) and not isinstance(value, sp.MatrixBase):
        if value == expr:
            raise Undecided(f"cannot evaluate {type(expr).__name__} explicitly")
        return _exact(value)
    return value


def _limit(e: Basic, var: Basic, point: Basic) -> Basic:
    """lim_{var -> point+} e: exactly for rational functions (after cancelling, the value at
    the point when the denominator does not vanish there, else infinite) and for sums
    c_i e^{a_i var} at infinity; SymPy's ``limit`` otherwise."""
    ours = [d for d in e.free_symbols if d in _RATES and _RATES[d][1] == var]
    if ours and point == sp.oo:
        try:
            poly = sp.Poly(sp.expand(e), *ours)
        except sp.PolynomialError:
            poly = None
        if poly is not None and not any(c.has(var) for c in poly.coeffs()):
            total = sp.Integer(0)
            for powers, coeff in poly.terms():
                rate = sum(k * _RATES[d][0] for k, d in zip(powers, ours, strict=True))
                if rate > 0 and coeff != 0:
                    raise Undefined(f"the limit as {var} -> oo is infinite")
                if rate == 0:
                    total += coeff
            return total
    if ours:
        e = e.xreplace({d: sp.exp(_RATES[d][0] * var) for d in ours})
    e = sp.expand(e) if e.has(sp.exp) else sp.cancel(e)
    if point.is_finite and e.is_rational_function(var):
        num, den = sp.fraction(sp.cancel(e))
        if den.xreplace({var: point}) == 0:
            raise Undefined(f"the limit as {var} -> {point} is infinite")
        return sp.cancel(e).xreplace({var: point})
    if point == sp.oo:
        total, ok = sp.Integer(0), True
        growing: dict[Basic, Basic] = {}
        for term in sp.Add.make_args(e):
            coeff, rest = term.as_independent(var)
            if rest == 1:
                total += coeff
                continue
            if isinstance(rest, sp.Mul):  # expand splits e^{(a + sqrt(d)) t} into two factors
                rest = sp.powsimp(rest)
            rate = sp.expand(rest.args[0] / var) if isinstance(rest, sp.exp) else None
            # a rate in an algebraic field (sqrt(1954)/25 - 48/25) needs its sign decided
            sign = None if rate is None or rate.free_symbols else sign_of(rate)
            if sign is not None:
                if sign > 0:
                    growing[rate] = growing.get(rate, sp.Integer(0)) + coeff
                if sign == 0:
                    total += coeff
                continue
            ok = False
            break
        if ok:
            if any(sign_of(sp.radsimp(c)) != 0 for c in growing.values()):
                raise Undefined(f"the limit as {var} -> oo is infinite")
            return total
    return sp.limit(e, var, point, "+")


# -- balls -------------------------------------------------------------------------------------


def to_ball(e: Basic) -> flint.arb:
    """A constant SymPy scalar as a real arb ball at the current precision (``flint.ctx.prec``),
    through ``gdflow.derive.decide.ball`` (the grader's evaluation too); a value that is not
    real, or not finite, is :class:`Undecided`."""
    import flint

    from .decide import NoBall, ball

    if getattr(e, "is_Rational", False):  # most entries: no detour through complex balls
        return flint.arb(flint.fmpq(int(e.p), int(e.q)))
    if _RATES and isinstance(e, Basic) and e.has(*_RATES):
        e = _restore(e)
    try:
        b = ball(e)
    except NoBall as exc:
        raise Undecided(str(exc)) from exc
    if not b.imag.contains(0):
        raise Undecided(f"{e} is not real")
    if not b.real.is_finite():
        raise Undecided(f"{e} is not finite in balls here")
    return b.real


def _mat_ball(m: sp.MatrixBase) -> flint.arb_mat:
    import flint

    return flint.arb_mat(m.rows, m.cols, [to_ball(sp.sympify(x)) for x in m])


def evaluate_ball(expr: Basic, prec: int) -> flint.arb | flint.arb_mat:
    """The value of an instantiated expression in arb balls at ``prec`` bits
    (``flint.arb_mat`` or ``flint.arb``)."""
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return _ball(expr)
    finally:
        flint.ctx.prec = old


def _ball(expr: Basic) -> flint.arb | flint.arb_mat:
    import flint

    from .matrices import MatExp, MatrixLimit, Pinv

    if isinstance(expr, sp.MatrixBase):
        return _mat_ball(expr)
    if isinstance(expr, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixSymbol)):
        return _mat_ball(_exact(expr))
    is_mat = isinstance(expr, MatrixExpr) or expr.has(MatrixExpr) or expr.has(sp.MatrixBase)
    if not is_mat:
        if expr.free_symbols:
            raise Undecided("symbols left after instantiation")
        try:  # exact where cheap: rational pieces stay exact inside the ball conversion
            return to_ball(expr)
        except Undecided:
            raise
    if isinstance(expr, MatrixLimit):
        return _mat_ball(_exact(expr))
    if isinstance(expr, MatrixElement):
        parent = _ball(expr.parent)
        if not isinstance(parent, flint.arb_mat):
            raise Undecided(f"the parent of {expr} is not a matrix")
        return parent[int(expr.i), int(expr.j)]
    if isinstance(expr, (Pinv, sp.Inverse)) or (
        isinstance(expr, sp.MatPow) and expr.args[1].is_negative
    ):
        try:  # exact when the argument is exact
            return _mat_ball(_exact(expr))
        except Undecided:
            pass
    # the arguments of a matrix node: arb_mat for matrix arguments, arb for scalar factors
    args: list[Any] = [_ball(a) for a in expr.args]
    if isinstance(expr, sp.MatAdd):
        total = args[0]
        for a in args[1:]:
            total = total + a
        return total
    if isinstance(expr, sp.MatMul):
        out = flint.arb(1)
        for a in args:
            out = out * a
        return out
    if isinstance(expr, sp.MatPow):
        base, exponent = args
        e = expr.args[1]
        if not e.is_Integer:
            raise Undecided("matrix power with a non-integer exponent")
        if int(e) < 0:
            base = _ball_inv(base)
        return base ** abs(int(e))
    if isinstance(expr, sp.Transpose):
        return args[0].transpose()
    if isinstance(expr, sp.Inverse):
        return _ball_inv(args[0])
    if isinstance(expr, MatExp):
        return args[0].exp()
    if isinstance(expr, Pinv):
        m = args[0]
        mt = m.transpose()
        if m.nrows() >= m.ncols():
            try:
                return (mt * m).inv() * mt
            except ZeroDivisionError:
                pass
        try:
            return mt * (m * mt).inv()
        except ZeroDivisionError as exc:
            raise Undecided(
                "the rank of a matrix of balls cannot be certified for its pseudoinverse"
            ) from exc
    if isinstance(expr, sp.Trace):
        return args[0].trace()
    if isinstance(expr, sp.Determinant):
        return args[0].det()
    raise Undecided(f"no ball evaluation for {type(expr).__name__}")


def _ball_inv(m: flint.arb_mat) -> flint.arb_mat:
    try:
        return m.inv()
    except ZeroDivisionError as exc:
        raise Undecided("a matrix of balls not certified invertible") from exc


def sign_of(e: Basic) -> int | None:
    """-1, 0 or 1 for a constant scalar: exactly for a rational, by a ball that excludes 0 at
    rising precision, 0 only for SymPy's structural zero; None when undecided."""
    import flint

    e = sp.sympify(e)
    if e.free_symbols:
        return None
    if e.is_Rational:
        return int(sp.sign(e))
    if e.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    for prec in PRECISIONS:
        try:
            b = evaluate_ball(e, prec)
        except (Undecided, ZeroDivisionError, ValueError):
            return None
        if not isinstance(b, flint.arb):  # a matrix has no sign
            return None
        if b > 0:
            return 1
        if b < 0:
            return -1
    if e.is_zero:  # SymPy's structural zero (e.g. sqrt(2) - sqrt(2)) together with the balls
        return 0
    return None


# -- comparing the two sides ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How two instantiated sides compare: ``verdict`` in {"equal", "different", "undecided"},
    ``exact`` (True when equality was decided without balls), and what was seen."""

    verdict: str
    exact: bool = True
    detail: str = ""


def _entries(v: Basic) -> list[Basic]:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _shape(v: Basic) -> tuple[int, int] | None:
    return v.shape if isinstance(v, sp.MatrixBase) else None


def _ball_entries(b: flint.arb | flint.arb_mat) -> list[flint.arb]:
    import flint

    if isinstance(b, flint.arb_mat):
        return [b[i, j] for i in range(b.nrows()) for j in range(b.ncols())]
    return [b]


def _ball_shape(b: flint.arb | flint.arb_mat) -> tuple[int, int] | None:
    import flint

    if isinstance(b, flint.arb_mat):
        return (b.nrows(), b.ncols())
    return None


def _transcendental(e: Basic) -> bool:
    from .matrices import MatExp

    return isinstance(e, Basic) and e.has(MatExp, sp.exp, sp.log, sp.sin, sp.cos, sp.E, sp.pi)


def compare(lhs: Basic, rhs: Basic) -> Outcome:
    """Decide whether two instantiated expressions have the same value.

    Rational expressions are compared exactly.  Where exponentials appear, balls decide first
    (a difference there is rigorous and cheap); an agreement is then upgraded to an exact one
    if exact evaluation finishes within a share of the time left (exact arithmetic with
    exponential entries is slow), and stays a ball agreement (*evidence*) otherwise.

    Raises ``sympy.ShapeError`` on incompatible shapes.  A side that is undefined where the
    other is defined makes them *different*; both undefined is *undecided*.
    """
    if _transcendental(lhs) or _transcendental(rhs):
        quick = _by_balls(lhs, rhs, PRECISIONS[:1])  # a cheap rigorous look for a difference
        if quick.verdict == "different":
            return quick
        from .timebox import OutOfTime, deadline, remaining

        left = remaining()
        try:
            with deadline(
                _EXACT_UPGRADE if left is None else max(min(_EXACT_UPGRADE, left * 0.15), 0.01)
            ):
                exact = _by_exact(lhs, rhs)
        except OutOfTime:
            if remaining() == 0:
                raise
            exact = Outcome("undecided")
        if exact.verdict != "undecided":
            return exact
        return _by_balls(lhs, rhs)
    return _by_exact(lhs, rhs)


_EXACT_UPGRADE = 2.0
"""Seconds at most spent upgrading a ball agreement at one instance to an exact one."""


def _by_balls(lhs: Basic, rhs: Basic, precisions: tuple[int, ...] = PRECISIONS) -> Outcome:
    def pairs(prec: int) -> list[tuple[flint.arb, flint.arb]]:
        lb, rb = evaluate_ball(lhs, prec), evaluate_ball(rhs, prec)
        if _ball_shape(lb) != _ball_shape(rb):
            raise sp.ShapeError(f"the sides have shapes {_ball_shape(lb)} and {_ball_shape(rb)}")
        return list(zip(_ball_entries(lb), _ball_entries(rb), strict=True))

    return _compare_balls(pairs, "", precisions)


def _constants(pairs: list[tuple[Basic, Basic]], lv: Basic, rv: Basic) -> Outcome:
    """Entry pairs of numbers that are not rational: ``gdflow.derive.decide.compare_constants``
    (the grader's comparison too) decides each; equality is exact only when every pair is
    proved."""
    from .decide import compare_constants
    from .timebox import remaining

    exact = True
    for a, b in pairs:
        left = remaining()
        d = compare_constants(a, b, timeout=None if left is None else max(left, 0.01))
        if d.verdict == "different":
            return Outcome(
                "different",
                d.level == "proved" and d.method == "exact",
                f"{d.method}: {d.detail} "
                f"({_short(_restore_all(lv))} and {_short(_restore_all(rv))})",
            )
        if d.verdict == "undecided":
            return Outcome("undecided", False, f"{d.method}: {d.detail}")
        exact = exact and d.level == "proved"
    return Outcome(
        "equal", exact, "" if exact else "ball agreement of the entries that are not rational"
    )


def _restore_all(v: Basic) -> Basic:
    return v.applyfunc(_restore) if isinstance(v, sp.MatrixBase) else _restore(v)


def _laurent(pairs: list[tuple[Basic, Basic]]) -> list[tuple[Basic, Basic]] | None:
    """Decide the pairs whose entries are rational polynomials in constant exponential
    stand-ins: every e^q becomes z^(q L) for z = e^(1/L) (L the common denominator), which is
    transcendental, so two Laurent polynomials in z are equal as numbers exactly when they are
    equal as polynomials.  Returns the pairs left undecided, or None when one pair differs."""
    used = {
        d
        for a, b in pairs
        for d in (a.free_symbols | b.free_symbols)
        if d in _RATES and _RATES[d][1] == 1
    }
    if not used:
        return pairs
    den = (
        sp.ilcm(*[_RATES[d][0].q for d in used]) if len(used) > 1 else _RATES[next(iter(used))][0].q
    )
    z = sp.Dummy("z")
    to_z = {d: z ** int(_RATES[d][0] * den) for d in used}
    left = []
    for a, b in pairs:
        diff = sp.expand((a - b).xreplace(to_z))
        if diff == 0:
            continue
        num, dnm = sp.fraction(sp.together(diff))
        if (
            num.free_symbols <= {z}
            and dnm.free_symbols <= {z}
            and sp.Poly(num, z).domain.is_QQ | sp.Poly(num, z).domain.is_ZZ
        ):
            return None  # a nonzero rational-coefficient Laurent polynomial in a transcendental z
        left.append((a, b))
    return left


def _by_exact(lhs: Basic, rhs: Basic) -> Outcome:
    lv: Basic | None = None
    rv: Basic | None = None
    l_err: tuple[str, str] | None = None
    r_err: tuple[str, str] | None = None
    for side in ("l", "r"):
        err: tuple[str, str] | None
        try:
            v = _evaluate_exact(lhs if side == "l" else rhs)
        except Undefined as exc:
            v, err = None, ("undefined", str(exc))
        except Undecided as exc:
            v, err = None, ("undecided", str(exc))
        else:
            err = None
        if side == "l":
            lv, l_err = v, err
        else:
            rv, r_err = v, err
    undefined = [e for e in (l_err, r_err) if e and e[0] == "undefined"]
    if len(undefined) == 2:
        return Outcome("undecided", detail=f"both sides are undefined: {undefined[0][1]}")
    if l_err is None and r_err is None:
        if _shape(lv) != _shape(rv):
            raise sp.ShapeError(f"the sides have shapes {_shape(lv)} and {_shape(rv)}")
        pending: list[tuple[Basic, Basic]] = []
        for a, b in zip(_entries(lv), _entries(rv), strict=True):
            a, b = sp.sympify(a), sp.sympify(b)
            if a.is_Rational and b.is_Rational:
                if a != b:
                    return Outcome("different", True, f"exact values {_short(lv)} and {_short(rv)}")
            elif a != b:
                pending.append((a, b))
        if not pending:
            return Outcome("equal", True)
        undecided = _laurent(pending)
        if undecided is None:
            return Outcome(
                "different",
                True,
                f"exact values {_short(_restore_all(lv))} and {_short(_restore_all(rv))} "
                "(as polynomials in e^(1/L))",
            )
        if not undecided:
            return Outcome("equal", True)
        return _constants([(_restore(a), _restore(b)) for a, b in undecided], lv, rv)
    if undefined:
        # one side undefined: a counterexample if the other side has a value
        other = rhs if l_err and l_err[0] == "undefined" else lhs
        try:
            evaluate_ball(other, PRECISIONS[0])
        except (Undefined, Undecided, ZeroDivisionError, ValueError):
            try:
                evaluate_exact(other)
            except (Undefined, Undecided):
                return Outcome(
                    "undecided",
                    detail=f"one side is undefined ({undefined[0][1]}) and the other cannot be "
                    "evaluated",
                )
        which = "left" if other is rhs else "right"
        return Outcome(
            "different",
            True,
            f"the {which} side is undefined ({undefined[0][1]}) where the other has a value",
        )
    return _by_balls(lhs, rhs)


def _compare_balls(
    pairs_at: Callable[[int], list[tuple[flint.arb, flint.arb]]],
    shown: str,
    precisions: tuple[int, ...] = PRECISIONS,
) -> Outcome:
    """Differences of ball pairs at rising precision: any excluding 0 is a rigorous
    difference; agreement needs every enclosure to contain 0 and to shrink by at least
    2^-(bits gained)/2 from the first precision to the last (or to be exactly 0)."""
    first: float | None = None
    worst = 0.0
    for prec in precisions:
        try:
            pairs = pairs_at(prec)
        except (Undecided, Undefined, ZeroDivisionError, ValueError) as exc:
            return Outcome("undecided", False, f"ball evaluation failed at {prec} bits: {exc}")
        radii = []
        for a, b in pairs:
            d = a - b
            if not d.contains(0):
                return Outcome(
                    "different",
                    False,
                    f"rigorous enclosure at {prec} bits: the difference "
                    f"{d.str(5, radius=False)} excludes 0" + (f" ({shown})" if shown else ""),
                )
            if not d.is_finite():
                return Outcome("undecided", False, f"a non-finite enclosure at {prec} bits")
            radii.append(float(d.rad()) if d.rad() < 1e300 else float("inf"))
        worst = max(radii, default=0.0)
        if first is None:
            first = worst
    gained = precisions[-1] - precisions[0]
    if gained == 0 or first is None:
        return Outcome("undecided", False, f"the balls contain 0 at {precisions[0]} bits")
    if worst == 0.0 or (first > 0 and worst <= first * 2.0 ** (-gained / 2)):
        return Outcome(
            "equal",
            False,
            f"balls contain 0 at {precisions[-1]} bits (radius {worst:.1e}, shrinking from "
            f"{first:.1e})",
        )
    return Outcome(
        "undecided",
        False,
        f"the enclosure of the difference does not shrink (radius {first:.1e} at "
        f"{precisions[0]} bits, {worst:.1e} at {precisions[-1]})",
    )


def _short(v: Basic) -> str:
    return str(v.tolist()) if isinstance(v, sp.MatrixBase) else str(v)
