r"""The scalar core of the decision engine: is ``lhs == rhs`` for every admissible value?

Used by the derivation verifier and by the grader (``gdflow.checks.grade``); nothing here imports
``checks``.  Three public entry points and one result type:

* :func:`compare_constants` decides two SymPy numbers without free symbols;
* :func:`draw_scalar` draws one admissible value of a symbol (wide ranges, random
  denominators, special values, the symbol's assumptions and an optional interval);
* :func:`decide_scalar` decides an identity in free scalar symbols;
* :class:`Decision` says what was decided and **how well**.

Levels (``Decision.level``) -- what a reader may trust:

``"proved"``
    An exact decision (rational arithmetic, a polynomial remainder that is identically zero
    or provably nonzero at an exhibited point, a minimal polynomial), a rigorous arb ball of
    ``lhs - rhs`` that excludes 0 (a proof of difference) or is exactly 0, or a symbolic zero
    (``simplify``) that was confirmed at sampled instances.
``"checked"``
    The sides agree **exactly** at every sampled admissible point (or, for rational
    functions, agree as rational functions while a singular set could not be fully
    compared).  Not a proof.
``"evidence"``
    Numeric agreement only: at some point the sides were only shown to agree to high
    relative precision (a ball containing 0 that shrank as the precision rose).
``None``
    Nothing was decided (``verdict == "undecided"``).

Numbers have a scale.  A ball of ``a - b`` that contains 0 is accepted as agreement only when
its radius is tiny relative to the *smallest* nonzero term that takes part in a sum (so that
``exp(200) + 2/5`` against ``exp(200)`` is resolved: the working precision grows by the
number of bits between the largest and the smallest term) and only when it shrinks as the
precision rises, as a true zero's does.  A value that SymPy's ``evalf`` or ``simplify``
reports is never trusted alone.

Definedness policy (documented choice, sound for identities): ``lhs == rhs`` holds when at
every admissible point either both sides are undefined, or both are defined (finite) and
equal.  A point where one side is undefined (a zero denominator, ``log(0)``, ``0/0``) or
infinite while the other is defined and finite is a counterexample.  So over the reals
``(x**2 - 1)/(x - 1)`` and ``x + 1`` are **different** (at ``x = 1`` the left side is
undefined and the right side is 2); on the domain ``x > 1`` they are equal.  The grader may
pass ``undefined="reference"``: then the right-hand side (the reference) fixes the domain,
points where it is undefined are not tested, and an answer undefined where the reference is
defined is still a difference.  ``undefined="generic"`` compares the sides only where both are
defined, as a computer-algebra grader does: ``(x**2 - 1)/(x - 1)`` equals ``x + 1`` (a
removable singularity is not a difference).  This is sound for "equal as functions on a
dense set": SymPy expressions are undefined only on the zero sets of their denominators (and
of ``log``'s argument), which are isolated points, or everywhere; a pole that is not
removable makes the sides differ near it, which is found like any other difference, and a
side undefined at every point tried leaves the question undecided.

A SymPy ``Float`` stands for its exact binary value (``Float(0.1)`` is not ``1/10``; SymPy's
own ``Float(0.1) - Rational(1, 10)`` is a floating-point 0).  Symbols without assumptions are
sampled as real numbers.  Every computation is bounded in
time with :func:`gdflow.derive.timebox.deadline`; running out gives ``"undecided"`` with method
``"time"``.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> decide_scalar((x + 1)**2, x**2 + 2*x + 1, seed=0).verdict
'equal'
>>> d = decide_scalar((x**2 - 1)/(x - 1), x + 1, seed=0)
>>> d.verdict, d.level, d.witness
('different', 'proved', {'x': '1'})
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

import sympy as sp

from .derivation import Level
from .timebox import OutOfTime, deadline, remaining

if TYPE_CHECKING:
    import flint

__all__ = [
    "Decision",
    "compare_constants",
    "draw_scalar",
    "decide_scalar",
    "admissible_set",
    "finite_enclosure",
    "show_value",
    "ball",
    "NoBall",
    "facts_hold",
    "VERDICTS",
    "LEVELS",
]

VERDICTS = ("equal", "different", "undecided")
LEVELS = (Level.PROVED, Level.CHECKED, Level.EVIDENCE)  # a decision is never "stated"

_BASE_PRECISIONS = (128, 512, 2048)  # bits, before the scale bits are added
_MAX_EXTRA_BITS = 60_000  # terms further apart than 2^60000 are not resolved
_MAX_PREC = 1 << 17  # the doubling after the ladder stops here (bits)
_AGREE_BITS = 1024  # a zero's ball at the last precision: < smallest term * 2^-1024
_SHRINK_BITS = 768  # ... and < the previous precision's radius * 2^-768
_RATIONAL_SECONDS = 2.0  # the exact rational-function step, when no timeout is given
_SIMPLIFY_SECONDS = 2.0  # simplify, at most (and at most 30% of the timeout)

_Domains = dict[sp.Symbol, tuple[sp.Set | None, bool]]
"""Each symbol's (interval or None, is_integer), as :func:`_domains` completes them."""


@dataclass(frozen=True)
class Decision:
    """Outcome of a decision.

    ``verdict``: ``"equal"``, ``"different"`` or ``"undecided"``; ``level``: ``"proved"``,
    ``"checked"``, ``"evidence"`` or ``None`` (see the module docstring); ``method``: what
    decided (``"exact"``, ``"polynomial remainder"``, ``"rigorous enclosure"``,
    ``"high precision"``, ``"symbolic"``, ``"minimal polynomial"``, ``"sampled points"``,
    ``"time"``, ...); ``detail``: human text; ``witness``: for a difference found at a point,
    symbol name -> value (as a string), with ``lhs_value`` and ``rhs_value`` there (strings,
    ``"undefined"`` for a side that is undefined).
    """

    verdict: str
    level: str | None
    method: str
    detail: str = ""
    witness: dict[str, str] | None = field(default=None, hash=False, compare=True)
    lhs_value: str | None = None
    rhs_value: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")
        if self.level not in (*LEVELS, None):
            raise ValueError(f"level must be one of {LEVELS} or None; got {self.level!r}")
        if (self.verdict == "undecided") != (self.level is None):
            raise ValueError("a decision has a level exactly when it is not undecided")

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"

    @property
    def different(self) -> bool:
        return self.verdict == "different"


def _undecided(method: str, detail: str) -> Decision:
    return Decision("undecided", None, method, detail)


def _weakest(levels: list[str]) -> str:
    return Level.weakest(*levels) if levels else Level.PROVED


# ----------------------------------------------------------------------------- time


class _Timeout:
    pass


_TIMEOUT = _Timeout()

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _bounded(
    seconds: float | None, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
) -> _R | _Timeout:
    """``fn(*args)`` within ``seconds``; ``_TIMEOUT`` when this bound (not an outer one) ran
    out."""
    left = remaining()
    clipped = left is not None and (seconds is None or seconds >= left)  # the outer bound rules
    if left is not None and clipped and left <= 0:
        raise OutOfTime(left)
    try:
        with deadline(None if clipped else seconds):
            return fn(*args, **kwargs)
    except OutOfTime:
        if clipped:
            raise
        return _TIMEOUT


# ----------------------------------------------------------------------------- showing values


def _text(v: Any, limit: int | None = None) -> str | None:
    """``str(v)``, cut to ``limit`` characters; None when it cannot be printed (an integer
    beyond Python's limit on decimal conversion)."""
    try:
        text = str(v)
    except ValueError:
        return None
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _show(v: Any) -> str:
    """A value for people: exact when short, with a 15-digit decimal for irrational numbers."""
    if v is None:
        return "undefined"
    if not isinstance(v, sp.Basic):
        return _text(v, 80) or "<value too large to print>"
    if v.is_Rational:
        if max(abs(v.p).bit_length(), v.q.bit_length()) > 180:
            return "≈ " + _approx(v)
        return str(v)
    if v.free_symbols:
        return _text(v, 80) or "<expression too large to print>"
    text = _text(v)
    if text is None or len(text) > 60:
        return "≈ " + _approx(v)
    approx = _approx(v)
    return text if approx in (text, "?") else f"{text} ≈ {approx}"


def _bits(r: sp.Rational) -> int:
    return abs(int(r.p)).bit_length() + int(r.q).bit_length()


def show_value(v: Any) -> str:
    """A value as :class:`Decision` shows it: exact when short, else a 15-digit decimal from a
    rigorous ball; ``"undefined"`` for None; never fails on huge integers.

    >>> import sympy as sp
    >>> show_value(sp.Rational(2, 5)), show_value(sp.sqrt(2))
    ('2/5', 'sqrt(2) ≈ 1.41421356237310')
    """
    return _show(v)


def _approx_rational(r: sp.Rational) -> str:
    """15 digits of a rational of any size, from the leading bits of its numerator and
    denominator (no big division)."""
    flint = _flint()
    p, q = int(r.p), int(r.q)
    sp_, sq = max(0, abs(p).bit_length() - 160), max(0, q.bit_length() - 160)
    old = flint.ctx.prec
    flint.ctx.prec = 200
    try:  # relative truncation error below 2^-150: 15 digits are right
        val = flint.arb(flint.fmpz(p >> sp_ if p >= 0 else -((-p) >> sp_))) / flint.arb(
            flint.fmpz(q >> sq)
        )
        val = val * flint.arb(2) ** (sp_ - sq)
        return val.str(15, radius=False)
    finally:
        flint.ctx.prec = old


def _approx(v: sp.Basic) -> str:
    """A 15-digit decimal of a constant from an arb ball (display only; "?" when none)."""
    if isinstance(v, sp.Rational) and _bits(v) > 2000:
        return _approx_rational(v)
    try:
        import flint

        old = flint.ctx.prec
        try:
            for prec in (128, 1024, 8192, 65536):  # enough bits for 30 correct ones, if possible
                flint.ctx.prec = prec
                b = _acb(sp.sympify(v), None)
                if (
                    b.is_finite()
                    and min(
                        b.real.rel_accuracy_bits() if not b.real.is_zero() else 99,
                        b.imag.rel_accuracy_bits() if not b.imag.is_zero() else 99,
                    )
                    >= 30
                ):
                    break
        finally:
            flint.ctx.prec = old
        if not b.is_finite():
            return "?"

        def one(x: flint.arb) -> str:
            if x.rel_accuracy_bits() < 30:
                return x.str(5)  # an imprecise ball: show it with its radius
            return x.str(15, radius=False)

        if b.imag.is_zero():
            return one(b.real)
        return f"{one(b.real)} + {one(b.imag)}*I"
    except Exception:  # noqa: BLE001 - display only
        return "?"


# ----------------------------------------------------------------------------- arb evaluation


class NoBall(Exception):
    """The expression contains something without an arb counterpart."""


def ball(e: sp.Basic) -> flint.acb:
    """A rigorous complex ball (``flint.acb``) of the constant ``e`` at the current precision
    (``flint.ctx.prec``); ``NoBall`` when some part has no arb counterpart.  The one conversion
    of SymPy constants to balls, for the grader's comparisons and the engine's matrices."""
    return _acb(sp.sympify(e), None)


def _flint() -> ModuleType:
    import flint

    return flint


_UNARY = {
    sp.exp: "exp",
    sp.log: "log",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.cot: "cot",
    sp.sec: "sec",
    sp.csc: "csc",
    sp.asin: "asin",
    sp.acos: "acos",
    sp.atan: "atan",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.asinh: "asinh",
    sp.acosh: "acosh",
    sp.atanh: "atanh",
    sp.gamma: "gamma",
    sp.erf: "erf",
    sp.erfc: "erfc",
    sp.conjugate: "conjugate",
    sp.zeta: "zeta",
    sp.digamma: "digamma",
}


def _acb(e: sp.Basic, record: list[flint.acb] | None) -> flint.acb:
    """A rigorous complex ball of the constant ``e`` at ``flint.ctx.prec`` bits (principal
    branches, as SymPy's).  ``record`` collects the balls of every summand of every sum."""
    flint = _flint()
    if e.is_Integer:
        return flint.acb(int(e))
    if e.is_Rational:
        return flint.acb(flint.arb(flint.fmpq(int(e.p), int(e.q))))
    if e.is_Float:
        sign, man, exp, _ = e._mpf_
        if not man and exp:  # inf / nan
            raise NoBall("a non-finite float")
        num = (-1) ** sign * int(man)
        q = flint.fmpq(num * 2**exp, 1) if exp >= 0 else flint.fmpq(num, 2 ** (-exp))
        return flint.acb(flint.arb(q))
    if e is sp.pi:
        return flint.acb(flint.arb.pi())
    if e is sp.E:
        return flint.acb(flint.arb.const_e())
    if e is sp.I:
        return flint.acb(0, 1)
    if e is sp.EulerGamma:
        return flint.acb(flint.arb.const_euler())
    if e is sp.Catalan:
        return flint.acb(flint.arb.const_catalan())
    if e is sp.GoldenRatio:
        return flint.acb((1 + flint.arb(5).sqrt()) / 2)
    if isinstance(e, sp.Add):
        vals = [_acb(t, record) for t in e.args]
        if record is not None:
            record.extend(vals)
        out = vals[0]
        for v in vals[1:]:
            out = out + v
        return out
    if isinstance(e, sp.Mul):
        out = flint.acb(1)
        for t in e.args:
            out = out * _acb(t, record)
        return out
    if isinstance(e, sp.Pow):
        base, ex = e.args
        if ex.is_Integer:
            b = _acb(base, record)
            n = int(ex)
            if n < 0:
                if b.contains(0):
                    raise NoBall("a power with negative exponent of a ball containing 0")
                return 1 / (b ** (-n))
            return b**n
        b = _acb(base, record)
        if ex == sp.S.Half:
            return b.sqrt()
        if ex == -sp.S.Half:
            return b.rsqrt()
        return b ** _acb(ex, record)
    if isinstance(e, sp.Abs):
        return flint.acb(abs(_acb(e.args[0], record)))
    if isinstance(e, (sp.re, sp.im)):
        v = _acb(e.args[0], record)
        return flint.acb(v.real if isinstance(e, sp.re) else v.imag)
    if isinstance(e, (sp.sign, sp.floor, sp.ceiling, sp.Min, sp.Max, sp.Heaviside)):
        vals = [_acb(t, record) for t in e.args[:2] if not isinstance(e, sp.Heaviside)] or [
            _acb(e.args[0], record)
        ]
        if not all(v.imag.is_zero() for v in vals):
            raise NoBall(f"{e.func.__name__} of a complex ball")
        r = [v.real for v in vals]
        if isinstance(e, sp.sign):
            return flint.acb(r[0].sgn())
        if isinstance(e, sp.floor):
            return flint.acb(r[0].floor())
        if isinstance(e, sp.ceiling):
            return flint.acb(r[0].ceil())
        if isinstance(e, sp.Heaviside):
            raise NoBall("Heaviside")
        m = r[0]
        for t in e.args[1:]:
            v = _acb(t, record)
            if not v.imag.is_zero():
                raise NoBall("Min/Max of a complex ball")
            m = m.min(v.real) if isinstance(e, sp.Min) else m.max(v.real)
        return flint.acb(m)
    if isinstance(e, sp.factorial):
        return (_acb(e.args[0], record) + 1).gamma()
    if isinstance(e, sp.LambertW) and len(e.args) == 1:
        return _acb(e.args[0], record).lambertw()
    if isinstance(e, sp.Function) and e.func in _UNARY and len(e.args) == 1:
        return getattr(_acb(e.args[0], record), _UNARY[e.func])()
    raise NoBall(f"no arb evaluation for {e.func}")


def finite_enclosure(value: Any, prec: int = 128) -> bool | None:
    """Whether the constant ``value`` can be enclosed in a finite arb ball at ``prec`` bits:
    ``False`` for an overflow (``exp(exp(exp(exp(10))))``) or a singular value, ``None`` when
    it has no arb evaluation (or is not a number).

    >>> import sympy as sp
    >>> finite_enclosure(sp.exp(sp.exp(10))), finite_enclosure(sp.exp(sp.exp(sp.exp(sp.exp(10)))))
    (True, False)
    """
    flint = _flint()
    v = sp.sympify(value)
    if v.free_symbols:
        return None
    if _is_undefined(v):
        return False
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return bool(_acb(v, None).is_finite())
    except NoBall:
        return None
    except (ZeroDivisionError, ValueError, OverflowError, RecursionError):
        return False
    finally:
        flint.ctx.prec = old


def _radius(b: flint.acb) -> flint.arb:
    """Radius of a complex ball (an upper bound, as arb)."""
    flint = _flint()
    return flint.arb(b.real.rad()).max(flint.arb(b.imag.rad()))


def _log2(x: flint.arb) -> float:
    """log2 of a positive arb (its midpoint), as a float (huge exponents are fine)."""
    flint = _flint()
    m = flint.arb(x.mid())
    if not m > 0:
        return -math.inf
    return float((m.log() / flint.arb(2).log()).mid())


def _scale_bits(balls: list[flint.acb], total: flint.acb) -> tuple[float, float]:
    """log2 of the largest and of the smallest nonzero magnitude among summands and the total."""
    hi, lo = -math.inf, math.inf
    for b in [*balls, total]:
        if not b.is_finite():
            continue
        up = b.abs_upper() if hasattr(b, "abs_upper") else abs(b).upper()
        hi = max(hi, _log2(_flint().arb(up)))
        if not b.contains(0):
            lo = min(lo, _log2(_flint().arb(b.abs_lower())))
    if lo == math.inf:
        lo = hi
    return hi, lo


def _arb_decide(d: sp.Expr) -> Decision:
    """Decide ``d == 0`` with arb balls at escalating precision (see the module docstring).

    The ladder is 128, 512 and 2048 bits plus the bits between the largest and the smallest
    term; while the ball still contains 0 without meeting the agreement test (a huge argument
    of ``sin``, an overflow that more bits may cure), the precision keeps doubling up to
    ``_MAX_PREC`` bits."""
    flint = _flint()
    old = flint.ctx.prec
    extra = 0
    lo_bits = 0.0
    history: list[tuple[int, Any]] = []  # (precision, radius) of finite balls containing 0
    precs = list(_BASE_PRECISIONS)
    try:
        i = 0
        while i < len(precs):
            prec = precs[i] + extra
            flint.ctx.prec = prec
            record: list = []
            try:
                D = _acb(d, record)
            except (ZeroDivisionError, ValueError, OverflowError) as exc:
                raise NoBall(str(exc)) from exc
            if i == 0:
                hi, lo = _scale_bits(record, D)
                if math.isfinite(hi) and math.isfinite(lo):
                    extra = max(0, math.ceil(hi - lo))
                    lo_bits = lo
                if extra > _MAX_EXTRA_BITS:
                    return _undecided(
                        "rigorous enclosure",
                        f"the terms differ in magnitude by about 2^{extra}; "
                        "too far apart to resolve",
                    )
            i += 1
            if i == len(precs) and history and precs[-1] + extra < _MAX_PREC:
                precs.append(
                    2 * precs[-1]
                )  # a finite ball containing 0, not decided: keep doubling
            if not D.is_finite():
                continue
            if not D.contains(0):
                return Decision(
                    "different",
                    "proved",
                    "rigorous enclosure",
                    f"a {prec}-bit ball of the difference excludes 0: {D.str(10)}",
                )
            rad = _radius(D)
            if rad == 0:  # an exact ball containing 0 is exactly 0
                return Decision(
                    "equal",
                    "proved",
                    "rigorous enclosure",
                    "the difference evaluates exactly to 0 in ball arithmetic",
                )
            history.append((prec, rad))
            if i >= len(_BASE_PRECISIONS) and len(history) >= 2:
                (_, r1), (p2, r2) = history[-2], history[-1]
                tiny = _log2(r2) <= lo_bits - _AGREE_BITS
                shrank = _log2(r2) <= _log2(r1) - _SHRINK_BITS
                if tiny and shrank:
                    return Decision(
                        "equal",
                        "evidence",
                        "high precision",
                        f"the difference's {p2}-bit ball contains 0 with radius "
                        f"2^{_log2(r2):.0f}, below the smallest term by more than "
                        f"2^{_AGREE_BITS}, and it shrank as the precision rose",
                    )
        if not history:
            return _undecided(
                "rigorous enclosure",
                "the difference could not be enclosed in a finite ball (overflow or a singularity)",
            )
        return _undecided(
            "rigorous enclosure",
            f"the difference's ball contains 0 up to {precs[-1] + extra} bits but did "
            "not shrink as a true zero's would",
        )
    finally:
        flint.ctx.prec = old


# ----------------------------------------------------------------------------- mpmath fallback


def _mp_decide(d: sp.Expr) -> Decision:
    """Decide ``d == 0`` with mpmath at escalating precision (not rigorous: "evidence" both
    ways)."""
    import mpmath

    terms = sp.Add.make_args(d)
    try:
        fs = [sp.lambdify([], t, modules="mpmath") for t in terms]
    except Exception as exc:  # noqa: BLE001 - SymPy's printer raises many types
        return _undecided("high precision", f"cannot evaluate numerically: {exc}")
    history = []
    extra = 0
    lo_bits = 0.0
    for i, base in enumerate(_BASE_PRECISIONS):
        prec = base + extra
        try:
            with mpmath.workprec(prec):
                vals = [mpmath.mpmathify(f()) for f in fs]
                total = mpmath.fsum(vals)
                mags = [abs(v) for v in vals]
                hi = max([*mags, abs(total)])
                lo = min([m for m in mags if m != 0], default=hi)
                if not all(mpmath.isfinite(v) for v in [*vals, total]):
                    continue
                ad = abs(total)
                hb = float(mpmath.log(hi, 2)) if hi else 0.0
                lb = float(mpmath.log(lo, 2)) if lo else hb
                db = float(mpmath.log(ad, 2)) if ad else -math.inf
        except Exception:  # noqa: BLE001 - mpmath raises many types
            continue
        if i == 0:
            extra = max(0, math.ceil(hb - lb))
            lo_bits = lb
            if extra > _MAX_EXTRA_BITS:
                return _undecided("high precision", "terms too far apart in magnitude")
        history.append((prec, total, db))
    if len(history) < 2:
        return _undecided("high precision", "the difference could not be evaluated")
    (p1, t1, b1), (p2, t2, b2) = history[-2], history[-1]
    with mpmath.workprec(p2):
        stable = t2 != 0 and abs(t2 - t1) <= abs(t2) * mpmath.mpf(2) ** -64
    if t2 != 0 and b2 > lo_bits - p1 / 4 and stable:
        return Decision(
            "different",
            "evidence",
            "high precision",
            f"the difference is {mpmath.nstr(t2, 12)} at {p1} and {p2} bits (not rigorous)",
        )
    if t2 == 0 or (b2 <= lo_bits - _AGREE_BITS and b2 <= b1 - _SHRINK_BITS):
        size = "0" if t2 == 0 else f"below 2^{b2:.0f}"
        return Decision(
            "equal",
            "evidence",
            "high precision",
            f"the difference is {size} at {p2} bits and shrank with the precision (not rigorous)",
        )
    return _undecided("high precision", "the difference neither vanished nor stabilised")


# ----------------------------------------------------------------------------- constants


def _is_undefined(v: sp.Basic) -> bool:
    return bool(v.has(sp.nan, sp.zoo, sp.oo, -sp.oo)) or v is sp.nan


def _algebraic(e: sp.Basic) -> bool:
    if e.is_Rational or e is sp.I:
        return True
    if isinstance(e, (sp.Add, sp.Mul)):
        return all(_algebraic(a) for a in e.args)
    if isinstance(e, sp.Pow):
        return e.exp.is_Rational and _algebraic(e.base)
    return False


def _minpoly_decide(d: sp.Expr) -> Decision | None:
    """Exact decision of an algebraic constant by its minimal polynomial, if cheap."""
    if not _algebraic(d) or sp.count_ops(d) > 60:
        return None
    radicals = {p for p in d.atoms(sp.Pow) if not p.exp.is_Integer}
    if len(radicals) > 4:
        return None
    x = sp.Dummy("x")
    poly = _bounded(2.0, sp.minimal_polynomial, d, x)
    if isinstance(poly, _Timeout) or poly is None:
        return None
    if sp.expand(poly - x) == 0:
        return Decision(
            "equal", "proved", "minimal polynomial", "the difference has minimal polynomial x"
        )
    return Decision(
        "different",
        "proved",
        "minimal polynomial",
        f"the difference is a root of {_short(poly)}, so it is not 0",
    )


def compare_constants(a: Any, b: Any, *, timeout: float | None = 10.0) -> Decision:
    """Decide whether two SymPy numbers without free symbols are equal.

    Exact when ``a - b`` is rational (SymPy's automatic evaluation combines identical terms);
    otherwise rigorous arb balls at 128, 512 and 2048 bits plus the bits between the largest
    and the smallest term: a ball excluding 0 is a proved difference, an exactly-zero ball a
    proved equality, a ball containing 0 that is tiny against the smallest term and shrank
    with the precision is evidence of equality.  Algebraic numbers are then settled by their
    minimal polynomial when that is cheap; functions arb cannot evaluate fall back to mpmath
    (evidence only).  ``nan``, ``zoo`` or ``oo`` on one side only is a difference, on both
    sides undecided.

    >>> import sympy as sp
    >>> compare_constants(sp.exp(200) + sp.Rational(2, 5), sp.exp(200)).verdict
    'different'
    >>> d = compare_constants(sp.acos(sp.Rational(99999999999, 100000000000)), 0)
    >>> d.verdict, d.level, d.method
    ('different', 'proved', 'rigorous enclosure')
    >>> compare_constants(sp.sqrt(2) * sp.sqrt(3), sp.sqrt(6)).level
    'proved'
    >>> compare_constants(sp.sin(1)**2 + sp.cos(1)**2, 1).level
    'evidence'
    """
    a, b = _exact_floats(sp.sympify(a)), _exact_floats(sp.sympify(b))
    free = a.free_symbols | b.free_symbols
    if free:
        raise ValueError(f"compare_constants needs numbers; free symbols {sorted(map(str, free))}")
    sa, sb = _show(a), _show(b)
    ua, ub = _is_undefined(a), _is_undefined(b)
    if ua and ub:
        return Decision(
            "undecided",
            None,
            "exact",
            "both sides are undefined or infinite",
            lhs_value=sa,
            rhs_value=sb,
        )
    if ua or ub:
        side = "left" if ua else "right"
        return Decision(
            "different",
            "proved",
            "exact",
            f"the {side} side is undefined or infinite and the other is not",
            lhs_value="undefined" if ua else sa,
            rhs_value="undefined" if ub else sb,
        )
    try:
        out = _bounded(timeout, _compare, a, b)
    except RecursionError:
        out = _undecided("exact", "expression too deep")
    except (ArithmeticError, ValueError, TypeError, NotImplementedError) as exc:
        out = _undecided("exact", f"evaluation failed: {type(exc).__name__}: {exc}")
    if isinstance(out, _Timeout):
        out = _undecided("time", f"no decision within {timeout} s")
    return Decision(out.verdict, out.level, out.method, out.detail, None, sa, sb)


def _exact_floats(e: sp.Basic) -> sp.Basic:
    """Every SymPy ``Float`` replaced by the rational number it is (its binary value): SymPy
    subtracts ``Float(0.1) - 1/10`` in floating point and gets 0.  A caller who means the
    decimal ``0.1`` converts it first (``gdflow.derive.matrices.exact_scalar``)."""
    floats = {f: sp.Rational(f) for f in e.atoms(sp.Float) if f.is_finite}
    return e.xreplace(floats) if floats else e


def _compare(a: sp.Expr, b: sp.Expr) -> Decision:
    if a.is_Rational and b.is_Rational:
        if a == b:
            return Decision("equal", "proved", "exact", "equal rational numbers")
        if _bits(a) + _bits(b) > 4000:  # subtracting huge rationals is quadratic in CPython
            return Decision("different", "proved", "exact", "different rational numbers")
        return Decision(
            "different", "proved", "exact", f"rational numbers; the difference is {_show(a - b)}"
        )
    d = a - b
    if d == 0:
        return Decision("equal", "proved", "exact", "identical after SymPy's automatic evaluation")
    if d.is_Rational:
        return Decision("different", "proved", "exact", f"the difference is {_show(d)}")
    if _is_undefined(d):
        return _undecided("exact", "the difference is undefined")
    try:
        out = _arb_decide(d)
    except NoBall:
        out = None
    if out is None:
        out = _mp_decide(d)
    if out.verdict == "different" and out.level == "proved":
        return out
    exact = _minpoly_decide(d)
    if exact is not None:
        if out.verdict == "undecided" or exact.verdict == out.verdict:
            return exact
        return _undecided(
            "minimal polynomial", "the minimal polynomial and the numeric evaluation disagree"
        )
    return out


# ----------------------------------------------------------------------------- admissible values


_ASSUMED = (
    ("positive", sp.Interval.open(0, sp.oo)),
    ("nonnegative", sp.Interval(0, sp.oo)),
    ("negative", sp.Interval.open(-sp.oo, 0)),
    ("nonpositive", sp.Interval(-sp.oo, 0)),
)


def admissible_set(symbol: sp.Symbol, interval: sp.Set | None = None) -> sp.Set:
    """The real values ``symbol`` may take: ``interval`` (default the real line) cut by its
    sign assumptions (``positive``, ``nonnegative``, ``negative``, ``nonpositive``, ``nonzero``)."""
    s = sp.S.Reals if interval is None else interval
    for fact, iv in _ASSUMED:
        if getattr(symbol, f"is_{fact}", None):
            s = sp.Intersection(s, iv)
    if symbol.is_zero:
        s = sp.Intersection(s, sp.FiniteSet(0))
    elif symbol.is_nonzero or symbol.is_zero is False:
        s = sp.Complement(s, sp.FiniteSet(0))
    return s


def facts_hold(symbol: sp.Symbol, v: sp.Expr) -> bool:
    """Whether the value satisfies the symbol's number-theoretic and sign assumptions."""
    checks = (
        "integer",
        "even",
        "odd",
        "prime",
        "composite",
        "positive",
        "negative",
        "nonnegative",
        "nonpositive",
        "zero",
        "nonzero",
        "rational",
        "real",
        "imaginary",
        "irrational",
    )
    for fact in checks:
        want = getattr(symbol, f"is_{fact}", None)
        if want is None:
            continue
        have = getattr(v, f"is_{fact}", None)
        if have is None or bool(have) != bool(want):
            return False
    return True


def _in(s: sp.Set, v: sp.Expr) -> bool:
    try:
        return s.contains(v) is sp.true
    except (TypeError, ValueError):
        return False


def _pieces(s: sp.Set) -> list[sp.Set]:
    if isinstance(s, sp.Union):
        return list(s.args)
    if isinstance(s, sp.Complement):
        return _pieces(s.args[0])
    if isinstance(s, sp.Intersection):
        # Intersection left unevaluated (symbolic ends): sample the interval pieces
        ivs = [a for a in s.args if isinstance(a, (sp.Interval, sp.FiniteSet, sp.Union))]
        return _pieces(ivs[0]) if ivs else [sp.S.Reals]
    if s == sp.S.Reals:
        return [sp.Interval(-sp.oo, sp.oo)]
    if s == sp.S.Integers or s == sp.S.Naturals0 or s == sp.S.Naturals:
        lo = {sp.S.Integers: -sp.oo, sp.S.Naturals0: 0, sp.S.Naturals: 1}[s]
        return [sp.Interval(lo, sp.oo)]
    return [s]


def _pos(rng: random.Random) -> sp.Rational:
    """A positive magnitude over a wide range: small, general, tiny and huge."""
    r = rng.random()
    if r < 0.30:
        q = rng.randint(1, 50)
        return sp.Rational(rng.randint(1, 10 * q), q)
    if r < 0.75:
        q = rng.randint(1, 1000)
        return sp.Rational(rng.randint(1, 1000 * q), q)
    if r < 0.88:
        return sp.Rational(rng.randint(1, 999), 10 ** rng.randint(4, 30))
    return sp.Rational(rng.randint(1, 999) * 10 ** rng.randint(3, 9), rng.randint(1, 7))


def _draw_real(rng: random.Random, iv: sp.Set) -> sp.Expr | None:
    if isinstance(iv, sp.FiniteSet):
        return rng.choice(sorted(iv, key=sp.default_sort_key)) if len(iv) else None
    if not isinstance(iv, sp.Interval):
        return None
    lo, hi = iv.start, iv.end
    r = rng.random()
    if r < 0.15:  # special values
        cands = [
            sp.Integer(0),
            sp.Integer(1),
            sp.Integer(-1),
            sp.Rational(1, 2),
            sp.Integer(2),
            sp.Rational(-1, 2),
        ]
        if lo.is_finite and not iv.left_open:
            cands.append(lo)
        if hi.is_finite and not iv.right_open:
            cands.append(hi)
        cands = [c for c in cands if _in(iv, c)]
        if cands:
            return rng.choice(cands)
    if lo.is_infinite and hi.is_infinite:
        v = _pos(rng)
        return v if rng.random() < 0.5 else -v
    if hi.is_infinite:
        return lo + _pos(rng)
    if lo.is_infinite:
        return hi - _pos(rng)
    width = hi - lo
    t = rng.random()
    if t < 0.15:  # near an end
        eps = sp.Rational(rng.randint(1, 999), 10 ** rng.randint(4, 30))
        return lo + width * eps if rng.random() < 0.5 else hi - width * eps
    q = rng.randint(2, 1000)
    return lo + width * sp.Rational(rng.randint(1, q - 1), q)


def _draw_integer(rng: random.Random, iv: sp.Set, symbol: sp.Symbol) -> sp.Expr | None:
    if isinstance(iv, sp.FiniteSet):
        ints = [v for v in iv if v.is_integer]
        return rng.choice(sorted(ints)) if ints else None
    if not isinstance(iv, sp.Interval):
        return None
    lo = None if iv.start.is_infinite else int(sp.ceiling(iv.start))
    hi = None if iv.end.is_infinite else int(sp.floor(iv.end))
    if lo is not None and hi is not None and lo > hi:
        return None
    if symbol.is_prime:
        base = rng.choice([2, 3, 5, rng.randint(2, 10**4)])
        return sp.Integer(sp.nextprime(max(base, lo or 2) - 1))
    r = rng.random()
    if r < 0.25:
        cands = [0, 1, 2, -1, -2, 3] + [v for v in (lo, hi) if v is not None]
        cands += [v + 1 for v in (lo,) if v is not None] + [v - 1 for v in (hi,) if v is not None]
        v = rng.choice(cands)
    else:
        span = 20 if r < 0.5 else 10**4
        if lo is not None and hi is not None:
            v = rng.randint(lo, min(hi, lo + span)) if r < 0.5 else rng.randint(lo, hi)
        elif lo is not None:
            v = lo + rng.randint(0, span)
        elif hi is not None:
            v = hi - rng.randint(0, span)
        else:
            v = rng.randint(-span, span)
    if symbol.is_even and v % 2:
        v += 1
    if symbol.is_odd and not v % 2:
        v += 1
    return sp.Integer(v)


class _NoValue(ValueError):
    """No admissible value could be drawn (an empty or integer-free domain, contradictory facts)."""


def draw_scalar(
    rng: random.Random,
    symbol: sp.Symbol,
    interval: sp.Set | None = None,
    integer: bool | None = None,
) -> sp.Expr:
    """One admissible value of ``symbol``: inside ``interval`` (a SymPy set; default the real
    line), cut by the symbol's assumptions (:func:`admissible_set`), an integer when
    ``integer`` (default: ``symbol.is_integer``), and satisfying the symbol's facts (even,
    odd, prime, ...).  Reals are rationals over wide ranges with random denominators (up to
    10^3 in size with denominators up to 10^3, small ones, tiny ones down to 10^-30, huge
    ones up to 10^12, 0, ±1, ±1/2 and closed interval ends); integers reach 10^4 and include
    0, 1, 2 and the ends.  Raises ``ValueError`` when no admissible value is found.

    >>> import random, sympy as sp
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> all(draw_scalar(random.Random(i), k) >= 0 for i in range(50))
    True
    >>> x = sp.Symbol("x")
    >>> v = draw_scalar(random.Random(1), x, sp.Interval.open(0, 1))
    >>> 0 < v < 1
    True
    """
    if integer is None:
        integer = bool(symbol.is_integer)
    s = admissible_set(symbol, interval)
    if s.is_empty:
        raise _NoValue(f"no admissible value for {symbol}: the domain is empty")
    pieces = _pieces(s)
    for _ in range(400):
        piece = rng.choice(pieces)
        v = _draw_integer(rng, piece, symbol) if integer else _draw_real(rng, piece)
        if v is None:
            continue
        if integer and not v.is_integer:
            continue
        if _in(s, v) and facts_hold(symbol, v):
            return v
    raise _NoValue(f"could not draw an admissible value for {symbol} in {s}")


# ----------------------------------------------------------------------------- identities


class _EvalFailed(Exception):
    """A side could not be evaluated at a point (not the same as undefined there)."""


def _at(expr: sp.Expr, pt: dict) -> sp.Expr | None:
    """The value of ``expr`` at a point; None where undefined (a division by zero, ``nan``,
    ``zoo``) or infinite.  Raises :class:`_EvalFailed` when SymPy fails otherwise (an
    overflow inside SymPy is not a point where the expression is undefined)."""
    try:
        v = expr.xreplace(pt)
        if v.has(sp.factorial, sp.binomial, sp.Sum, sp.Product):
            v = v.doit()
    except ZeroDivisionError:
        return None
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise _EvalFailed(str(exc)) from exc
    if _is_undefined(v):
        return None
    if v.free_symbols:
        raise _EvalFailed(f"free symbols left after substitution: {v.free_symbols}")
    return v


def _both(lhs: sp.Expr, rhs: sp.Expr, pt: dict) -> tuple[sp.Expr | None, sp.Expr | None] | None:
    """Both sides at a point, or None when one of them could not be evaluated."""
    try:
        return _at(lhs, pt), _at(rhs, pt)
    except _EvalFailed:
        return None


def _witness(pt: dict) -> dict[str, str]:
    return {str(k): _show(v) for k, v in sorted(pt.items(), key=lambda kv: str(kv[0]))}


def _singular_factors(e: sp.Expr, syms: list) -> set[sp.Expr]:
    """Irreducible polynomial factors whose zeros make the rational expression ``e`` undefined
    (the numerators of the bases of negative powers, at every depth)."""
    out: set[sp.Expr] = set()
    for p in sp.preorder_traversal(e):
        if isinstance(p, sp.Pow) and p.exp.is_negative:
            num = sp.fraction(sp.together(p.base))[0]
            if not num.free_symbols & set(syms):
                continue
            for f, _ in sp.factor_list(num, *syms)[1]:
                if f.free_symbols & set(syms):
                    out.add(sp.Poly(f, *syms).monic().as_expr() if f.is_polynomial(*syms) else f)
    return out


def _admissible_roots(f: sp.Expr, v: sp.Symbol, s: sp.Set, integer: bool) -> list[sp.Expr]:
    poly = sp.Poly(f, v)
    if poly.degree() <= 0:
        return []
    roots = poly.real_roots()
    out = []
    for r in dict.fromkeys(roots):
        if integer and not r.is_integer:
            continue
        if _in(s, r):
            out.append(r)
    return out


def _zero_where_other_defined(
    f: sp.Expr, other: set, syms: list, doms: dict, rng: random.Random, tries: int = 24
) -> dict | Literal[False] | None:
    """An admissible point where ``f = 0`` and no factor of ``other`` vanishes.

    Returns the point, ``False`` when provably none exists (univariate ``f``), or ``None``
    when none was found (multivariate)."""
    vars_ = sorted(f.free_symbols & set(syms), key=str)
    if len(vars_) == 1:
        (v,) = vars_
        roots = _admissible_roots(f, v, admissible_set(v, doms[v][0]), doms[v][1])
        for r in roots:
            if all(
                sp.simplify(g.xreplace({v: r})) != 0 if g.free_symbols <= {v} else True
                for g in other
            ):
                return {v: r}
        return False if not roots else None
    for i in range(tries):
        v = vars_[i % len(vars_)]
        pt = {s: draw_scalar(rng, s, *doms[s]) for s in vars_ if s != v}
        g = sp.expand(f.xreplace(pt))
        if not g.free_symbols:
            continue
        oth = [sp.expand(h.xreplace(pt)) for h in other]
        common = sp.Integer(1)
        for h in oth:
            if h.free_symbols <= {v} and h.free_symbols:
                common *= sp.gcd(g, h)
        gg = sp.quo(g, sp.gcd(g, common), v) if common != 1 else g
        for r in _admissible_roots(gg, v, admissible_set(v, doms[v][0]), doms[v][1]):
            point = {**pt, v: r}
            if all(h.xreplace({v: r}) != 0 for h in oth if not h.free_symbols - {v}):
                return point
    return None


def _rational_path(
    lhs: sp.Expr,
    rhs: sp.Expr,
    syms: list,
    doms: _Domains,
    rng: random.Random,
    undefined: str,
) -> Decision | None:
    """Exact decision when both sides are rational functions of the symbols."""
    if not all(e.is_rational_function(*syms) for e in (lhs, rhs)):
        return None
    d = sp.cancel(sp.together(lhs - rhs))
    num, den = sp.fraction(d)
    poly = sp.Poly(num, *syms)
    if poly.domain.is_ZZ or poly.domain.is_QQ:
        zero = poly.is_zero
        level = "proved"
    else:
        levels = []
        zero = True
        for c in poly.coeffs():
            c_dec = compare_constants(c, 0)
            if c_dec.level is None:  # undecided
                return None
            if c_dec.verdict == "different":
                zero = False
                break
            levels.append(c_dec.level)
        level = _weakest(levels)
    if zero:
        fl, fr = _singular_factors(lhs, syms), _singular_factors(rhs, syms)
        todo = [(f, "left", fr) for f in fl - fr]
        if undefined == "strict":
            todo += [(f, "right", fl) for f in fr - fl]
        if undefined == "generic":
            todo = []
        unsure = []
        for f, side, other in todo:
            pt = _zero_where_other_defined(f, other, syms, doms, rng)
            if pt is False:
                continue
            if pt is None:
                unsure.append(f)
                continue
            for _ in range(20):  # complete the point with the symbols f does not involve
                full = {**{s: draw_scalar(rng, s, *doms[s]) for s in syms if s not in pt}, **pt}
                got = _both(lhs, rhs, full)
                if got is None:
                    continue
                lv, rv = got
                if (lv is None) != (rv is None):
                    return Decision(
                        "different",
                        "proved",
                        "exact",
                        f"the {side} side is undefined where {f} = 0; the other side is "
                        "defined there",
                        _witness(full),
                        _show(lv),
                        _show(rv),
                    )
            unsure.append(f)
        if unsure:
            return Decision(
                "equal",
                "checked",
                "polynomial remainder",
                "the sides agree as rational functions; whether they are undefined at "
                f"the same points (zeros of {', '.join(map(_short, unsure))}) was not decided",
            )
        where = (
            "the sides may be undefined at different isolated points"
            if undefined == "generic"
            else "both sides are undefined at the same admissible points"
        )
        return Decision(
            "equal",
            level,
            "polynomial remainder",
            f"the numerator of lhs - rhs is the zero polynomial and {where}",
        )
    # A nonzero numerator: find an admissible point where it does not vanish.
    for _ in range(400):
        pt = {s: draw_scalar(rng, s, *doms[s]) for s in syms}
        got = _both(lhs, rhs, pt)
        if got is None:
            continue
        lv, rv = got
        if (rv is None and (undefined == "reference" or lv is None)) or (
            undefined == "generic" and (lv is None or rv is None)
        ):
            continue
        if lv is None or rv is None:
            side = "left" if lv is None else "right"
            return Decision(
                "different",
                "proved",
                "exact",
                f"the {side} side is undefined here and the other is defined",
                _witness(pt),
                _show(lv),
                _show(rv),
            )
        c = compare_constants(lv, rv)
        if c.verdict == "different":
            return Decision(
                "different",
                c.level,
                "polynomial remainder",
                f"lhs - rhs has the nonzero numerator {_short(num)}; it does not vanish here",
                _witness(pt),
                _show(lv),
                _show(rv),
            )
    finite = _finite_integer_points(syms, doms)
    if finite is not None:
        for pt in finite:
            got = _both(lhs, rhs, pt)
            if got is None:
                return _undecided("exhaustive", f"a side could not be evaluated at {_witness(pt)}")
            lv, rv = got
            if (
                (lv is None) != (rv is None)
                and not (undefined == "reference" and rv is None)
                and undefined != "generic"
            ):
                return Decision(
                    "different",
                    "proved",
                    "exact",
                    "one side is undefined here",
                    _witness(pt),
                    _show(lv),
                    _show(rv),
                )
            if lv is not None and rv is not None:
                c = compare_constants(lv, rv)
                if c.verdict != "equal":
                    return Decision(
                        c.verdict,
                        c.level,
                        "exhaustive",
                        c.detail,
                        _witness(pt) if c.different else None,
                        _show(lv),
                        _show(rv),
                    )
        return Decision(
            "equal",
            "proved",
            "exhaustive",
            "the domain is a finite set of integers and the sides agree at every point",
        )
    return _undecided(
        "polynomial remainder",
        f"lhs - rhs has the nonzero numerator {_short(num)} but no admissible point "
        "where it is nonzero was found",
    )


def _finite_integer_points(syms: list, doms: _Domains, limit: int = 20000) -> list[dict] | None:
    ranges = []
    for s in syms:
        iv, integer = doms[s]
        if not integer:
            return None
        a = admissible_set(s, iv)
        inf, sup = a.inf, a.sup
        if inf.is_infinite or sup.is_infinite:
            return None
        vals = [
            sp.Integer(v)
            for v in range(int(sp.ceiling(inf)), int(sp.floor(sup)) + 1)
            if _in(a, sp.Integer(v)) and facts_hold(s, sp.Integer(v))
        ]
        ranges.append(vals)
    total = math.prod(len(r) for r in ranges)
    if total > limit:
        return None
    return [dict(zip(syms, combo, strict=True)) for combo in itertools.product(*ranges)]


def _short(e: sp.Expr) -> str:
    return _text(e, 80) or "<too large to print>"


def _kinks(e: sp.Expr, syms: set) -> list[sp.Expr]:
    """Expressions whose sign changes the formula piece by piece: arguments of ``Abs``,
    ``sign``, ``floor``, ``ceiling``, ``Heaviside``, differences in ``Min``/``Max``, bases of
    fractional powers and arguments of ``log`` (real on one side, complex on the other)."""
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.Abs, sp.sign, sp.floor, sp.ceiling, sp.Heaviside, sp.log)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Min, sp.Max)):
            out += [a - b for a, b in itertools.combinations(node.args, 2)]
        elif isinstance(node, sp.Pow) and not node.exp.is_Integer:
            out.append(node.base)
        elif isinstance(node, sp.Piecewise):
            out += [
                c.lhs - c.rhs for _, c in node.args if isinstance(c, sp.core.relational.Relational)
            ]
    return [u for u in dict.fromkeys(out) if u.free_symbols & syms]


def _kink_points(
    lhs: sp.Expr, rhs: sp.Expr, syms: list, doms: _Domains, rng: random.Random, limit: int
) -> list[dict]:
    """Admissible points on both sides of, and at, the zeros of the kink expressions
    (:func:`_kinks`): a formula that is wrong only for ``x < -1000`` (``|x + 1000| - 1000``
    against ``x``) is tested there, not left to chance.  For each kink and each of its
    symbols, the other symbols are drawn and the real roots of the kink in that symbol are
    found exactly (rational functions only)."""
    symset = set(syms)
    points: list[dict] = []
    for u in _kinks(lhs, symset) + _kinks(rhs, symset):
        for v in sorted(u.free_symbols & symset, key=str)[:2]:
            try:
                base = {s: draw_scalar(rng, s, *doms[s]) for s in syms}
                g = u.xreplace({s: val for s, val in base.items() if s != v})
                if not g.is_rational_function(v):
                    continue
                num = sp.fraction(sp.together(g))[0]
                poly = sp.Poly(num, v)
                if not 0 < poly.degree() <= 12:
                    continue
                roots = poly.real_roots()[:4]
            except (
                ValueError,
                TypeError,
                NotImplementedError,
                ArithmeticError,
                sp.PolynomialError,
            ):
                continue
            iv, integer = doms[v]
            adm = admissible_set(v, iv)
            for r in roots:
                q = r if r.is_Rational else sp.Rational(str(sp.N(r, 30)))
                eps = sp.Rational(1, 1000) * max(1, abs(q))
                far = abs(draw_scalar(rng, sp.Dummy(positive=True))) + 1
                cands = [q, q - eps, q + eps, q - far, q + far]
                if integer:
                    cands = [sp.floor(c) for c in cands] + [sp.ceiling(c) for c in cands]
                for c in dict.fromkeys(cands):
                    if _in(adm, c) and facts_hold(v, c):
                        points.append({**base, v: c})
            if len(points) >= limit:
                return points[:limit]
    return points


def _sample(
    lhs: sp.Expr,
    rhs: sp.Expr,
    syms: list,
    doms: _Domains,
    rng: random.Random,
    points: int,
    undefined: str,
) -> Decision:
    """Compare at ``points`` random admissible points plus up to ``2 * points`` points at and
    around the kinks of piecewise formulas (:func:`_kink_points`; see :func:`decide_scalar`).

    A point where a value cannot be enclosed in a finite ball (an overflow at a huge drawn
    value: ``exp(exp(t))`` at ``t = 10^9``) or where SymPy fails is replaced by a new draw, at
    most ``points`` times; a replaced point caps the level at ``evidence``, and more than
    ``points // 2`` replacements leave the question undecided.  Points where a side is
    undefined are handled by the ``undefined`` policy."""
    levels: list[str] = []
    undecided: list[str] = []
    replaced = 0
    drawn = 0
    kinks = _kink_points(lhs, rhs, syms, doms, rng, 2 * points)
    while drawn < points + replaced + len(kinks) and replaced <= points:
        drawn += 1
        pt = kinks.pop() if kinks else {s: draw_scalar(rng, s, *doms[s]) for s in syms}
        got = _both(lhs, rhs, pt)
        if got is None:  # SymPy failed at this point (an overflow): draw another
            replaced += 1
            continue
        lv, rv = got
        if lv is None and rv is None:
            continue
        if (rv is None and undefined == "reference") or (
            undefined == "generic" and (lv is None or rv is None)
        ):
            continue
        if lv is None or rv is None:
            side = "left" if lv is None else "right"
            return Decision(
                "different",
                "proved",
                "exact",
                f"the {side} side is undefined or infinite here and the other is defined",
                _witness(pt),
                _show(lv),
                _show(rv),
            )
        c = compare_constants(lv, rv, timeout=None)
        if c.verdict == "different":
            return Decision(
                "different", c.level, c.method, c.detail, _witness(pt), c.lhs_value, c.rhs_value
            )
        if c.level is None:  # undecided
            if "finite ball" in c.detail:  # overflow at a huge point: draw another
                replaced += 1
                continue
            undecided.append(f"at {_witness(pt)}: {c.detail}")
            continue
        levels.append(c.level)
    if undecided:
        return _undecided("sampled points", "undecided " + "; ".join(undecided[:2]))
    if not levels or replaced > points // 2:
        return _undecided(
            "sampled points", "too few admissible points where both sides are defined and finite"
        )
    level = "checked" if all(lv == "proved" for lv in levels) and not replaced else "evidence"
    note = f" ({replaced} points replaced after an overflow)" if replaced else ""
    return Decision(
        "equal",
        level,
        "sampled points",
        f"the sides agree at {len(levels)} admissible points{note}",
    )


def _domains(syms: list, domains: dict | None) -> _Domains:
    out: _Domains = {}
    by_name = {str(k): v for k, v in (domains or {}).items()}
    for s in syms:
        got = (domains or {}).get(s, by_name.get(s.name))
        if got is None:
            iv, integer = None, bool(s.is_integer)
        else:
            iv, integer = got
            integer = bool(integer) or bool(s.is_integer)
        out[s] = (iv, integer)
    return out


def decide_scalar(
    lhs: Any,
    rhs: Any,
    *,
    domains: dict | None = None,
    seed: Any = 0,
    points: int = 12,
    timeout: float | None = 10.0,
    undefined: str = "strict",
) -> Decision:
    """Decide whether ``lhs == rhs`` for all admissible values of the free symbols.

    ``domains`` maps a symbol (or its name) to ``(interval, is_integer)``; a symbol not listed
    ranges over its assumptions (:func:`admissible_set`).  ``seed`` seeds the instances
    (any value :class:`random.Random` accepts; the grader seeds from spec and answer).
    ``undefined``: ``"strict"`` (the module's definedness policy), ``"reference"`` (points
    where ``rhs`` is undefined are not tested) or ``"generic"`` (only points where both sides
    are defined are tested; removable singularities are not differences).

    1. Rational functions (after ``together``/``cancel``) are decided exactly: a zero
       numerator is ``equal``/``proved`` (after comparing where each side is undefined); a
       nonzero one is ``different``/``proved`` at an admissible point where it does not vanish
       (for finite integer domains every point is checked).
    2. Otherwise ``points`` admissible points: any difference is ``different`` (``proved`` when
       exact or rigorous); exact agreement everywhere ``equal``/``checked``; numeric agreement
       ``equal``/``evidence``; an undecided point makes the whole ``undecided``.
    3. When the points agree, ``simplify`` (time-bounded, modest expressions only): a zero
       confirmed by the points is ``equal``/``proved``; a nonzero constant against agreeing
       points is reported ``undecided`` (the two disagree).

    >>> import sympy as sp
    >>> k = sp.Symbol("k", integer=True)
    >>> x = sp.Symbol("x", real=True)
    >>> decide_scalar(sp.sin(sp.pi * k), 0, seed=1).verdict
    'equal'
    >>> decide_scalar(sp.sin(sp.pi * x), 0, seed=1).verdict
    'different'
    """
    if undefined not in ("strict", "reference", "generic"):
        raise ValueError(f"undefined must be 'strict', 'reference' or 'generic'; got {undefined!r}")
    lhs, rhs = _exact_floats(sp.sympify(lhs)), _exact_floats(sp.sympify(rhs))
    syms = sorted(lhs.free_symbols | rhs.free_symbols, key=lambda s: s.name)
    if not syms:
        if undefined != "strict" and _is_undefined(rhs):
            return _undecided("exact", "the reference is undefined")
        return compare_constants(lhs, rhs, timeout=timeout)
    doms = _domains(syms, domains)
    for s in syms:
        if admissible_set(s, doms[s][0]).is_empty:
            return _undecided("domain", f"no admissible value for {s}: the domain is empty")
    rng = random.Random(repr(seed) if not isinstance(seed, (int, str, bytes)) else seed)
    try:
        out = _bounded(timeout, _decide, lhs, rhs, syms, doms, rng, points, timeout, undefined)
    except _NoValue as exc:  # e.g. an integer symbol on an interval without integers
        return _undecided("domain", str(exc))
    if isinstance(out, _Timeout):
        return _undecided("time", f"no decision within {timeout} s")
    return out


def _worth_simplifying(d: sp.Expr) -> bool:
    """``simplify`` is tried only on modest expressions (it can take minutes on big powers)."""
    if sp.count_ops(d) > 150:
        return False
    return not any(p.exp.is_Integer and abs(p.exp) > 30 for p in d.atoms(sp.Pow))


def _symbolic_zero_or_simplified(d: sp.Expr) -> sp.Expr:
    """0 when a cheap rewriting (powers combined under the symbols' assumptions, expansion)
    or ``simplify`` reduces ``d`` to 0; else what ``simplify`` gives.  ``simplify`` misses
    ``(1 - x)**(k + 1) - (1 - x)*(1 - x)**k`` for integer ``k``; ``powsimp`` does not."""
    for rewrite in (
        sp.powsimp,
        lambda e: sp.expand(sp.powsimp(e)),
        lambda e: sp.powsimp(sp.expand(e)),
    ):
        if rewrite(d) == 0:
            return sp.Integer(0)
    return sp.simplify(d)


def _decide(
    lhs: sp.Expr,
    rhs: sp.Expr,
    syms: list,
    doms: _Domains,
    rng: random.Random,
    points: int,
    timeout: float | None,
    undefined: str,
) -> Decision:
    budget = _RATIONAL_SECONDS if timeout is None else timeout * 0.4
    try:
        exact = _bounded(budget, _rational_path, lhs, rhs, syms, doms, rng, undefined)
    except (sp.PolynomialError, NotImplementedError, RecursionError, ValueError, ArithmeticError):
        exact = None
    if isinstance(exact, Decision):
        return exact
    # Points first: a difference found there is final, and cheaper than simplify.
    sampled = _sample(lhs, rhs, syms, doms, rng, points, undefined)
    if sampled.verdict == "different":
        return sampled
    d = lhs - rhs
    simple: sp.Expr | None = None
    if _worth_simplifying(d):
        budget = _SIMPLIFY_SECONDS if timeout is None else min(_SIMPLIFY_SECONDS, timeout * 0.3)
        try:
            got = _bounded(budget, _symbolic_zero_or_simplified, d)
            simple = None if isinstance(got, _Timeout) else got
        except (
            TypeError,
            ValueError,
            NotImplementedError,
            RecursionError,
            AttributeError,
            ArithmeticError,
        ):
            simple = None
    if simple is not None and simple == 0:
        return Decision(
            "equal",
            "proved" if sampled.verdict == "equal" else "evidence",
            "symbolic",
            f"simplify(lhs - rhs) = 0; {sampled.detail}",
        )
    if simple is not None and not simple.free_symbols and not _is_undefined(simple):
        c = compare_constants(simple, 0)
        if c.verdict == "different" and sampled.verdict == "equal":
            return _undecided(
                "symbolic",
                f"simplify(lhs - rhs) = {_short(simple)} but the sides agree at sampled points",
            )
    return sampled
