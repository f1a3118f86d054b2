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

from dataclasses import dataclass

import sympy as sp
from sympy import Basic, ImmutableMatrix
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

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


def _fmpq(m: sp.MatrixBase):
    import flint

    return flint.fmpq_mat(m.rows, m.cols, [flint.fmpq(int(x.p), int(x.q)) for x in m])


def _from_fmpq(f) -> ImmutableMatrix:
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
    out = Ff.transpose() * (Ff * Ff.transpose()).inv() * (Cf.transpose() * Cf).inv() * Cf.transpose()
    return _from_fmpq(out)


def _exact_inverse(m: sp.MatrixBase) -> ImmutableMatrix:
    m = sp.Matrix(m)
    if m.rows != m.cols:
        raise sp.ShapeError(f"inverse of a non-square {m.rows}x{m.cols} matrix")
    if _rational(m):
        f = _fmpq(m)
        if f.rank() < m.rows:
            raise Undefined(f"the {m.rows}x{m.rows} matrix is singular (rank {f.rank()}): its inverse does not exist")
        return _from_fmpq(f.inv())
    det = m.det()
    if det == 0:
        raise Undefined("the matrix is singular: its inverse does not exist")
    if not det.is_number:
        raise Undecided("symbols left in an inverse")
    if sign_of(det) is None:
        raise Undecided("cannot tell whether the matrix is singular")
    return ImmutableMatrix(m.inv())


def _exact_power(m: sp.MatrixBase, e: int) -> ImmutableMatrix:
    if e < 0:
        return _exact_power(_exact_inverse(m), -e)
    if _rational(m):
        return _from_fmpq(_fmpq(sp.Matrix(m)) ** e)
    return ImmutableMatrix(sp.Matrix(m) ** e)


def _exact_exp(m: sp.MatrixBase) -> ImmutableMatrix:
    from .matrices import exact_matrix_exp

    try:
        return exact_matrix_exp(m)
    except NotImplementedError as exc:
        raise Undecided(str(exc)) from exc


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
    try:
        return _finite(_exact(expr))
    except ZeroDivisionError as exc:
        raise Undefined("division by zero") from exc


_BOUND: list[Basic] = []
"""Variables bound by an enclosing MatrixLimit while its inner expression is evaluated."""


def _exact(expr: Basic) -> Basic:
    from .matrices import MatExp, MatrixLimit, Pinv, TimeDerivative

    if isinstance(expr, sp.MatrixBase):
        return ImmutableMatrix(expr)
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
        if expr.free_symbols - set(_BOUND):
            raise Undecided(f"symbols left after instantiation: {sorted(map(str, expr.free_symbols))}")
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
        out = sp.Integer(1)
        for a in args:
            if isinstance(out, sp.MatrixBase) and isinstance(a, sp.MatrixBase):
                if out.cols != a.rows:
                    raise sp.ShapeError(f"multiplying {out.rows}x{out.cols} by {a.rows}x{a.cols}")
                out = _from_fmpq(_fmpq(out) * _fmpq(a)) if _rational(out) and _rational(a) else out * a
            else:
                out = out * a
        return ImmutableMatrix(out) if isinstance(out, sp.MatrixBase) else out
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
    e = sp.cancel(e)
    if point.is_finite:
        num, den = sp.fraction(e)
        if den.xreplace({var: point}) != 0:
            return e.xreplace({var: point})
    return sp.limit(e, var, point, "+")


# -- balls -------------------------------------------------------------------------------------

_UNARY = {
    sp.exp: "exp",
    sp.log: "log",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.asin: "asin",
    sp.acos: "acos",
    sp.atan: "atan",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.Abs: "__abs__",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.gamma: "gamma",
}


def to_ball(e: Basic):
    """A constant SymPy scalar as an arb ball at the current precision (``flint.ctx.prec``)."""
    import flint

    if e.is_Integer:
        return flint.arb(int(e))
    if e.is_Rational:
        return flint.arb(int(e.p)) / int(e.q)
    if e is sp.pi:
        return flint.arb.pi()
    if e is sp.E:
        return flint.arb(1).exp()
    if e.is_Float:
        return flint.arb(flint.fmpq(*sp.Rational(e).as_numer_denom()))
    if isinstance(e, sp.Add):
        out = flint.arb(0)
        for a in e.args:
            out += to_ball(a)
        return out
    if isinstance(e, sp.Mul):
        out = flint.arb(1)
        for a in e.args:
            out *= to_ball(a)
        return out
    if isinstance(e, sp.Pow):
        base, exp = e.args
        if exp.is_Integer:
            b = to_ball(base)
            if int(exp) < 0 and b.contains(0):
                raise Undecided("a power with a negative exponent of a ball containing 0")
            return b ** int(exp)
        b = to_ball(base)
        if not b > 0:
            raise Undecided("a non-integer power of a base not certified positive")
        return b ** to_ball(exp)
    if e.func in _UNARY:
        x = to_ball(e.args[0])
        v = getattr(x, _UNARY[e.func])()
        if not v.is_finite():
            raise Undecided(f"{e.func.__name__} is not finite in balls here")
        return v
    raise Undecided(f"no ball evaluation for {e.func.__name__}")


def _mat_ball(m: sp.MatrixBase):
    import flint

    return flint.arb_mat(m.rows, m.cols, [to_ball(sp.sympify(x)) for x in m])


def evaluate_ball(expr: Basic, prec: int):
    """The value of an instantiated expression in arb balls at ``prec`` bits
    (``flint.arb_mat`` or ``flint.arb``)."""
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return _ball(expr)
    finally:
        flint.ctx.prec = old


def _ball(expr: Basic):
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
        return _ball(expr.parent)[int(expr.i), int(expr.j)]
    if isinstance(expr, (Pinv, sp.Inverse)) or (isinstance(expr, sp.MatPow) and expr.args[1].is_negative):
        try:  # exact when the argument is exact
            return _mat_ball(_exact(expr))
        except Undecided:
            pass
    args = [_ball(a) for a in expr.args]
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
            raise Undecided("the rank of a matrix of balls cannot be certified for its pseudoinverse") from exc
    if isinstance(expr, sp.Trace):
        return args[0].trace()
    if isinstance(expr, sp.Determinant):
        return args[0].det()
    raise Undecided(f"no ball evaluation for {type(expr).__name__}")


def _ball_inv(m):
    try:
        return m.inv()
    except ZeroDivisionError as exc:
        raise Undecided("a matrix of balls not certified invertible") from exc


def sign_of(e: Basic) -> int | None:
    """-1, 0 or 1 for a constant scalar, exactly or by balls at rising precision (None:
    undecided: an enclosure of a nonzero value that does not exclude 0, or of a zero that does
    not shrink)."""
    e = sp.sympify(e)
    if e.free_symbols:
        return None
    if e.is_Rational:
        return int(sp.sign(e))
    if e.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    radii = []
    for prec in PRECISIONS:
        try:
            b = evaluate_ball(e, prec)
        except (Undecided, ZeroDivisionError, ValueError):
            return None
        if b > 0:
            return 1
        if b < 0:
            return -1
        radii.append(float(b.rad()))
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


def _entries(v) -> list:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _shape(v):
    return v.shape if isinstance(v, sp.MatrixBase) else None


def _ball_entries(b) -> list:
    import flint

    if isinstance(b, flint.arb_mat):
        return [b[i, j] for i in range(b.nrows()) for j in range(b.ncols())]
    return [b]


def _ball_shape(b):
    import flint

    if isinstance(b, flint.arb_mat):
        return (b.nrows(), b.ncols())
    return None


def compare(lhs: Basic, rhs: Basic) -> Outcome:
    """Decide whether two instantiated expressions have the same value.

    Raises ``sympy.ShapeError`` on incompatible shapes.  A side that is undefined where the
    other is defined makes them *different*; both undefined is *undecided*.
    """
    lv = rv = None
    l_err = r_err = None
    for side in ("l", "r"):
        try:
            v = evaluate_exact(lhs if side == "l" else rhs)
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
        pending = []
        for a, b in zip(_entries(lv), _entries(rv), strict=True):
            a, b = sp.sympify(a), sp.sympify(b)
            if a.is_Rational and b.is_Rational:
                if a != b:
                    return Outcome("different", True, f"exact values {_short(lv)} and {_short(rv)}")
            elif a != b:
                pending.append((a, b))
        if not pending:
            return Outcome("equal", True)
        return _compare_balls(lambda prec: [(to_ball_at(a, prec), to_ball_at(b, prec)) for a, b in pending], f"{_short(lv)} and {_short(rv)}")
    if undefined:
        # one side undefined: a counterexample if the other side has a value
        other = rhs if l_err and l_err[0] == "undefined" else lhs
        try:
            evaluate_ball(other, PRECISIONS[0])
        except (Undefined, Undecided, ZeroDivisionError, ValueError):
            try:
                evaluate_exact(other)
            except (Undefined, Undecided):
                return Outcome("undecided", detail=f"one side is undefined ({undefined[0][1]}) and the other cannot be evaluated")
        which = "left" if other is rhs else "right"
        return Outcome("different", True, f"the {which} side is undefined ({undefined[0][1]}) where the other has a value")

    def pairs(prec):
        lb, rb = evaluate_ball(lhs, prec), evaluate_ball(rhs, prec)
        if _ball_shape(lb) != _ball_shape(rb):
            raise sp.ShapeError(f"the sides have shapes {_ball_shape(lb)} and {_ball_shape(rb)}")
        return list(zip(_ball_entries(lb), _ball_entries(rb), strict=True))

    return _compare_balls(pairs, "")


def to_ball_at(e: Basic, prec: int):
    return evaluate_ball(e, prec)


def _compare_balls(pairs_at, shown: str) -> Outcome:
    """Differences of ball pairs at rising precision: any excluding 0 is a rigorous
    difference; agreement needs every enclosure to contain 0 and to shrink by at least
    2^-(bits gained)/2 from the first precision to the last (or to be exactly 0)."""
    first = None
    worst = 0.0
    for prec in PRECISIONS:
        try:
            pairs = pairs_at(prec)
        except (Undecided, Undefined, ZeroDivisionError, ValueError) as exc:
            return Outcome("undecided", False, f"ball evaluation failed at {prec} bits: {exc}")
        radii = []
        for a, b in pairs:
            d = a - b
            if not d.contains(0):
                return Outcome("different", False, f"rigorous enclosure at {prec} bits: the difference {d.str(5, radius=False)} excludes 0" + (f" ({shown})" if shown else ""))
            if not d.is_finite():
                return Outcome("undecided", False, f"a non-finite enclosure at {prec} bits")
            radii.append(float(d.rad()) if d.rad() < 1e300 else float("inf"))
        worst = max(radii, default=0.0)
        if first is None:
            first = worst
    gained = PRECISIONS[-1] - PRECISIONS[0]
    if worst == 0.0 or (first > 0 and worst <= first * 2.0 ** (-gained / 2)):
        return Outcome("equal", False, f"balls contain 0 at {PRECISIONS[-1]} bits (radius {worst:.1e}, shrinking from {first:.1e})")
    return Outcome("undecided", False, f"the enclosure of the difference does not shrink (radius {first:.1e} at {PRECISIONS[0]} bits, {worst:.1e} at {PRECISIONS[-1]})")


def _short(v) -> str:
    return str(v.tolist()) if isinstance(v, sp.MatrixBase) else str(v)
