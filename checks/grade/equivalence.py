r"""Equivalence of an answer and a reference, under the question's assumptions.

Decided by gdflow's one decision engine, :mod:`gdflow.derive.decide` (the same as for derivation
steps); ``Comparison.method`` says what decided and ``Comparison.level`` how well
(``proved`` / ``checked`` / ``evidence``, see :mod:`gdflow.derive.decide`):

1. **rational functions** (the difference cancels to a quotient of polynomials in the free
   symbols): decided *exactly*. A zero numerator is equal; a nonzero one is ``incorrect`` at an
   admissible point where it does not vanish (a polynomial added to the right answer is caught
   whatever its roots are: ``k(k-2)(k-3)...(k-12)`` or a polynomial in ``lambda``).
2. **symbolic**: ``simplify`` of the difference (time-bounded) gives 0, confirmed at points.
3. **points**: otherwise both sides are compared at random admissible points seeded from the
   answer and the reference (the grader adds the question id and the answer text): reals over
   wide ranges with random denominators, integers up to 10^4, the symbols' intervals and
   assumptions respected. There is no fixed, public list of points. Values are compared
   exactly when rational, otherwise in rigorous arb balls with a precision that grows with the
   scale of the terms (``exp(-t) + 10^-50`` is not ``exp(-t)``; ``exp(200) + 2/5`` is not
   ``exp(200)``), with mpmath as a non-rigorous last resort.

Sides are compared where both are defined (``undefined="generic"`` in
:func:`gdflow.derive.decide.decide_scalar`): ``(x^2 - 1)/(x - 1)`` is accepted for ``x + 1`` (a
removable singularity is not a difference, as in computer-algebra graders); a pole that is
not removable makes the answer differ near it and is found like any other difference, and a
constant answer that is undefined (``1/0``) is ``incorrect``.  An answer whose
value cannot be enclosed in a finite number (``exp(exp(exp(exp(10))))``) is ``invalid``
(``Comparison.method == "overflow"``, with why); running out of time is ``method == "time"``.

Numbers are exact: ``0.4`` is 2/5 and ``0.33`` is not 1/3 unless a ``tolerance`` (relative)
is given. ``1/2004!`` and ``1/2006!`` differ exactly; ``4*sqrt(2)`` is not ``4``.

Symbols without assumptions are **real of either sign** (documented choice): so
``sqrt(1/n)`` and ``1/sqrt(n)`` differ (at n = −1 they are i and −i) unless the question
assumes ``n > 0``, in which case they are equal.

Matrices are compared entry by entry after a size check (a row and a column vector of the
same length count as the same vector); equations are equivalent when one is a nonzero
constant multiple of the other; inequalities and intervals are compared as sets of the
question's variable.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdflow.derive.decide import (
    Decision,
    compare_constants,
    decide_scalar,
    draw_scalar,
    finite_enclosure,
)
from gdflow.derive.decide import show_value as _engine_show
from gdflow.derive.numbers import exact_number
from gdflow.derive.timebox import OutOfTime, deadline, remaining

from .parse.shape import Shape, shape_of

__all__ = [
    "Domain",
    "Comparison",
    "compare",
    "relation_to_set",
    "sample_points",
    "stable_seed",
    "decimal_places",
    "decimal_text",
    "rounding_of",
]

_DIGITS = 60
_POINTS = 10  # random admissible points per entry when no exact decision applies


@dataclass
class Domain:
    """Admissible values of the free symbols: an interval per symbol (default the real
    line) and whether it is an integer."""

    intervals: dict[sp.Symbol, sp.Interval] = field(default_factory=dict)
    integers: set[sp.Symbol] = field(default_factory=set)

    def interval(self, s: sp.Symbol) -> sp.Set:
        """The admissible interval of ``s`` (from the spec, else from its assumptions)."""
        if s in self.intervals:
            return self.intervals[s]
        if s.is_positive:
            return sp.Interval.open(0, sp.oo)
        if s.is_nonnegative:
            return sp.Interval(0, sp.oo)
        return sp.Interval(-sp.oo, sp.oo)

    def is_integer(self, s: sp.Symbol) -> bool:
        """Whether ``s`` takes integer values only."""
        return s in self.integers or bool(s.is_integer)

    def for_engine(self, symbols: Iterable[sp.Symbol]) -> dict[sp.Symbol, Any]:
        """The ``domains`` argument of :func:`gdflow.derive.decide.decide_scalar`."""
        return {s: (self.intervals.get(s), self.is_integer(s)) for s in symbols}


@dataclass
class Comparison:
    """Outcome of :func:`compare`: ``equal``; ``method`` that decided; for a difference, a
    ``counterexample`` (``at``: values of the free symbols, ``answer`` and ``reference``
    values, ``entry`` for matrices) and a ``message`` (e.g. a size mismatch); ``level`` the
    engine's level (``proved``, ``checked``, ``evidence``; None when not from the engine)."""

    equal: bool
    method: str
    counterexample: dict[str, Any] | None = None
    message: str | None = None
    level: str | None = None


def stable_seed(*parts: Any) -> str:
    """A seed that is the same in every process and run (``hash()`` is salted per process):
    a SHA-256 of the parts (strings as they are, SymPy objects by their structure)."""
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
        h.update(b"\0")
    return h.hexdigest()


def _feed(h: Any, v: Any) -> None:
    """Hash ``v`` by structure; integers in hexadecimal (printing a huge integer in decimal is
    refused by Python beyond 4300 digits, and slow)."""
    if isinstance(v, str):
        h.update(v.encode())
    elif isinstance(v, int):
        h.update(hex(v).encode())
    elif isinstance(v, sp.Integer):
        h.update(b"I" + hex(int(v)).encode())
    elif isinstance(v, sp.Rational):
        h.update(b"Q" + hex(int(v.p)).encode() + b"/" + hex(int(v.q)).encode())
    elif isinstance(v, sp.Symbol):
        h.update(b"S" + v.name.encode() + repr(sorted(v.assumptions0.items())).encode())
    elif isinstance(v, sp.MatrixBase):
        h.update(f"M{v.shape}".encode())
        for e in v:
            _feed(h, e)
    elif isinstance(v, sp.Basic) and v.args:
        h.update(type(v).__name__.encode() + b"(")
        for a in v.args:
            _feed(h, a)
            h.update(b",")
        h.update(b")")
    else:
        h.update(type(v).__name__.encode() + b":" + repr(v).encode())


# ------------------------------------------------------------------------------- points


def sample_points(symbols: list[sp.Symbol], dom: Domain, n: int = 12, seed: Any = 0) -> list[dict]:
    """``n`` random admissible points (:func:`gdflow.derive.decide.draw_scalar`), seeded by
    ``seed``."""
    syms = sorted(symbols, key=lambda s: s.name)
    rng = random.Random(seed if isinstance(seed, (int, str, bytes)) else repr(seed))
    return [
        {s: draw_scalar(rng, s, dom.intervals.get(s), dom.is_integer(s)) for s in syms}
        for _ in range(n)
    ]


# ------------------------------------------------------------------------------- values


def _value(expr: Any, pt: dict) -> sp.Expr | None:
    """Exact value at a point (``None`` where undefined)."""
    try:
        v = expr.xreplace(pt) if hasattr(expr, "xreplace") else expr
        if v.has(sp.factorial):
            v = v.doit()
        if v.has(sp.zoo, sp.nan) or v is sp.zoo or v is sp.nan:
            return None
        return v
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return None


def _num(v: sp.Expr) -> sp.Expr:
    return sp.N(v, _DIGITS)


def _same(a: sp.Expr, b: sp.Expr, tolerance: sp.Rational | None) -> bool | None:
    """Whether two values agree: decided by :func:`gdflow.derive.decide.compare_constants`,
    or within the relative ``tolerance``. ``None`` when undecidable (both infinite, ...)."""
    if a.is_infinite or b.is_infinite:
        return a == b
    if tolerance is not None:
        try:
            na, nb = _num(a), _num(b)
            diff = abs(na - nb)
            scale = max(abs(nb), sp.Rational(1, 10**12)) if nb != 0 else 1
            return bool(diff <= tolerance * scale)
        except (TypeError, ValueError, ArithmeticError):
            return None
    d = compare_constants(a, b)
    return None if d.verdict == "undecided" else d.verdict == "equal"


def decimal_places(v: Any) -> int | None:
    """The number of decimals of ``v`` when it is a rational with a finite decimal expansion
    (denominator 2^a·5^b: ``0.75`` has 2, ``1/8`` has 3, an integer 0), else ``None``."""
    if not isinstance(v, sp.Rational):
        return None
    q = int(v.q)
    twos = (q & -q).bit_length() - 1
    rest = q >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    return max(twos, fives) if rest == 1 else None


def decimal_text(v: Any) -> str | None:
    """``v`` as the decimal a student wrote (``3333/10000`` is ``0.3333``), or ``None`` when
    it has no finite decimal expansion or more than 60 decimals."""
    d = decimal_places(v)
    if d is None or d > 60 or abs(int(v.p)).bit_length() > 400:
        return None
    digits = str(abs(int(v.p)) * 10**d // int(v.q)).rjust(d + 1, "0")
    sign = "-" if v < 0 else ""
    return sign + (digits[:-d] + "." + digits[-d:] if d else digits)


def rounding_of(value: Any, exact: Any) -> int | None:
    """``d`` when ``value`` is a decimal with ``d ≥ 1`` decimals that is ``exact`` rounded to
    ``d`` decimals (``|value − exact| ≤ ½·10^−d``, ``value ≠ exact``): ``0.3333333333333333``
    is 1/3 rounded to 16 decimals. ``None`` otherwise (also for a non-numeric ``exact``)."""
    d = decimal_places(value)
    if not d or not isinstance(exact, sp.Expr) or not exact.is_number or d > 60:
        return None
    try:
        if compare_constants(value, exact).verdict != "different":
            return None
        gap = sp.N(abs(value - exact), 30)
        return d if bool(gap <= sp.Rational(1, 2 * 10**d)) else None
    except (TypeError, ValueError, ArithmeticError):
        return None


def _show(v: Any) -> str:
    """A value for people (:func:`gdflow.derive.decide` shows it: exact when short, else a decimal
    from a rigorous ball; never fails on huge integers)."""
    return _engine_show(v)


# ------------------------------------------------------------------------------- scalars

# Simple points, tried only *after* a difference is proved, to show a readable counterexample
# (never used to decide).
_SIMPLE = [sp.Integer(v) for v in (1, 2, 3, 0, -1, -2, 4, 5)] + [
    sp.Rational(p, q) for p, q in ((1, 2), (1, 3), (3, 2), (2, 3), (-1, 2), (5, 2))
]


def _simpler_counterexample(a: Any, r: Any, dom: Domain, entry: str | None) -> dict | None:
    free = sorted(
        getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set()), key=lambda s: s.name
    )
    if not free or len(free) > 4:
        return None
    cands = {}
    for s in free:
        iv = dom.interval(s)
        ok = [
            v
            for v in _SIMPLE
            if (v.is_integer or not dom.is_integer(s))
            and iv.contains(v) is sp.true
            and _facts(s, v)
        ]
        if not ok:
            return None
        cands[s] = ok
    for combo in itertools.islice(itertools.product(*(cands[s] for s in free)), 40):
        pt = dict(zip(free, combo, strict=True))
        av, rv = _value(a, pt), _value(r, pt)
        if rv is None:
            continue
        if av is None:
            return _cex(pt, av, rv, entry)
        d = compare_constants(av, rv, timeout=1.0)
        if d.verdict == "different" and d.level == "proved":
            return _cex(pt, av, rv, entry)
    return None


def _facts(s: sp.Symbol, v: sp.Expr) -> bool:
    for fact in (
        "integer",
        "even",
        "odd",
        "prime",
        "positive",
        "nonnegative",
        "negative",
        "nonpositive",
        "nonzero",
    ):
        want = getattr(s, f"is_{fact}", None)
        if want is not None and bool(getattr(v, f"is_{fact}", None)) != bool(want):
            return False
    return True


def _tower(a: Any) -> bool:
    """Whether ``a`` is a constant or has an exponential (or a power) inside an exponent: the
    answers worth testing for overflow first."""
    if not isinstance(a, sp.Basic):
        return False
    if not a.free_symbols:
        return True
    for p in a.atoms(sp.exp, sp.Pow):
        inner = p.args[0] if isinstance(p, sp.exp) else p.exp
        if inner.has(sp.exp) or any(
            isinstance(q, sp.Pow) and not q.exp.is_Number for q in sp.preorder_traversal(inner)
        ):
            return True
    return False


def _overflow(a: Any, r: Any, dom: Domain, seed: Any) -> str | None:
    """Why the answer ``a`` overflows, when its value cannot be enclosed in a finite number
    where the reference's can (at a few admissible points), else None."""
    free = sorted(
        getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set()), key=lambda s: s.name
    )
    try:
        pts = sample_points(free, dom, 3, seed) if free else [{}]
    except ValueError:
        return None
    seen = 0
    for pt in pts:
        av, rv = _value(a, pt), _value(r, pt)
        if av is None or rv is None or finite_enclosure(rv) is not True:
            return None
        if finite_enclosure(av) is not False:
            return None
        seen += 1
    if not seen:
        return None
    answer_free: set[sp.Symbol] = getattr(a, "free_symbols", set())
    where = (
        f" (at {', '.join(f'{k} = {_show(v)}' for k, v in pts[0].items() if k in answer_free)})"
        if answer_free
        else ""
    )
    shown = _engine_show(a) if not getattr(a, "free_symbols", None) else str(a)[:60]
    shown = shown.removeprefix("≈ ")
    return (
        f"your answer overflows: the value of {shown} is too large to represent or compute"
        + where
        + " (it cannot be enclosed in any finite interval), so it cannot be compared with the"
        + " reference"
    )


def _gap(a: Any, r: Any, at: dict[str, str]) -> str:
    """``answer - reference`` at a counterexample (for values that print alike)."""
    free = sorted(
        getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set()), key=lambda s: s.name
    )
    pt = _by_name(free, at)
    if pt is None:
        return "nonzero"
    av, rv = _value(a, pt), _value(r, pt)
    if av is None or rv is None:
        return "nonzero"
    if (
        av.is_Rational
        and rv.is_Rational
        and abs(int(av.p)).bit_length() + int(av.q).bit_length() > 4000
    ):
        return "nonzero"  # subtracting huge rationals is quadratic in CPython; the values differ
    return _show(av - rv)


def _from_decision(d: Decision, entry: str | None) -> dict[str, Any] | None:
    if d.witness is None and d.lhs_value is None:
        return None
    out: dict[str, Any] = {
        "at": dict(d.witness or {}),
        "answer": d.lhs_value or "undefined",
        "reference": d.rhs_value or "undefined",
    }
    if entry:
        out["entry"] = entry
    return out


def _compare_scalars(
    pairs: Sequence[tuple[Any, Any, str | None]],
    dom: Domain,
    tolerance: sp.Rational | None,
    seed: Any = 0,
    npoints: int = _POINTS,
) -> Comparison:
    """Compare lists of (answer, reference, entry-label)."""
    if tolerance is not None:
        return _compare_tolerance(pairs, dom, tolerance, seed, npoints)
    levels, methods = [], []
    undecided: Decision | None = None
    for a, r, entry in pairs:
        free = getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set())
        if _tower(a):  # refuse an overflowing answer before any costly evaluation
            why = _overflow(a, r, dom, stable_seed(seed, entry or "", "overflow"))
            if why:
                return Comparison(
                    False, "overflow", None, why + (f" (entry {entry})" if entry else "")
                )
        d = decide_scalar(
            a,
            r,
            domains=dom.for_engine(free),
            seed=stable_seed(seed, entry or ""),
            points=npoints,
            timeout=None,
            undefined="generic",
        )
        if d.verdict == "different":
            cx = _simpler_counterexample(a, r, dom, entry) or _from_decision(d, entry)
            if cx and cx.get("answer") == cx.get("reference"):  # shown alike: show the gap too
                cx["difference"] = _gap(a, r, cx.get("at", {}))
            msg = None
            if cx and cx.get("answer") == "undefined":
                msg = "your answer is undefined where the reference is defined"
            return Comparison(False, d.method, cx, msg, d.level)
        if d.verdict == "undecided":
            why = _overflow(a, r, dom, stable_seed(seed, entry or "", "overflow"))
            if why:
                return Comparison(
                    False, "overflow", None, why + (f" (entry {entry})" if entry else "")
                )
            undecided = undecided or d
            continue
        levels.append(d.level)
        methods.append(d.method)
    if undecided is not None:
        return Comparison(
            False,
            "undecided",
            None,
            f"the grader could not decide whether your answer equals the reference: "
            f"{_own_words(undecided.detail)}",
        )
    level = max(levels, key=("proved", "checked", "evidence").index)
    method = methods[0] if len(set(methods)) == 1 else "+".join(sorted(set(methods)))
    return Comparison(True, f"{method} ({level})", level=level)


def _own_words(detail: str) -> str:
    """The engine's explanation without a library's own message (``evaluation failed:
    TypeError: …`` is ``evaluation failed``): no raw library text reaches a student."""
    text = re.sub(r"(evaluation failed|cannot evaluate numerically): .*", r"\1", detail)
    return text if len(text) <= 200 else text[:199] + "…"


def _compare_tolerance(
    pairs: Sequence[tuple[Any, Any, str | None]],
    dom: Domain,
    tolerance: sp.Rational,
    seed: Any,
    npoints: int,
) -> Comparison:
    """Relative tolerance: values at random admissible points, within ``tolerance``."""
    free: set[sp.Symbol] = set()
    for a, r, _ in pairs:
        free |= getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set())
    pts = sample_points(sorted(free, key=lambda s: s.name), dom, npoints, seed) if free else [{}]
    decided = 0
    for pt in pts:
        for a, r, entry in pairs:
            av, rv = _value(a, pt), _value(r, pt)
            if rv is None:
                continue
            if av is None:
                return Comparison(
                    False,
                    "tolerance",
                    _cex(pt, av, rv, entry),
                    "your answer is undefined where the reference is defined",
                )
            same = _same(av, rv, tolerance)
            if same is None:
                continue
            if not same:
                return Comparison(False, "tolerance", _cex(pt, av, rv, entry))
            decided += 1
    if decided == 0:
        return Comparison(
            False, "undecided", None, "no admissible point where both sides are defined"
        )
    return Comparison(True, "tolerance", level="evidence")


def _cex(pt: dict, av: Any, rv: Any, entry: str | None) -> dict[str, Any]:
    out = {
        "at": {str(k): _show(v) for k, v in pt.items()},
        "answer": _show(av),
        "reference": _show(rv),
    }
    if entry:
        out["entry"] = entry
    return out


# ------------------------------------------------------------------------------- sets


def relation_to_set(value: Any, var: sp.Symbol) -> sp.Set:
    """The set of real ``var`` satisfying a relation / boolean combination / interval."""
    if isinstance(value, sp.Set):
        return value
    if value is sp.true:
        return sp.S.Reals
    if value is sp.false:
        return sp.S.EmptySet
    other = value.free_symbols - {var}
    if other:
        names = ", ".join(sorted(str(s) for s in other))
        raise ValueError(f"the condition should involve only {var}; it also involves {names}")
    real = sp.Dummy(var.name, real=True)
    try:
        return value.xreplace({var: real}).as_set()
    except (NotImplementedError, TypeError, ValueError, AttributeError, RecursionError):
        # the library's own words (e.g. on periodic solutions) never reach the student
        raise ValueError(
            f"this condition cannot be solved for {var} as a set of values (conditions "
            f"through sin, cos or other periodic functions are not read); write it as "
            f"inequalities on {var}, e.g. 0 < {var} < 1"
        ) from None


def _pick(s: sp.Set) -> sp.Expr | None:
    if s.is_empty:
        return None
    if isinstance(s, sp.FiniteSet):
        return sorted(s, key=lambda x: float(x))[0]
    if isinstance(s, sp.Union):
        return _pick(s.args[0])
    if isinstance(s, sp.Interval):
        lo, hi = s.start, s.end
        if not s.left_open and lo.is_finite:
            return lo
        if not s.right_open and hi.is_finite:
            return hi
        if lo.is_infinite and hi.is_infinite:
            return sp.Integer(0)
        if lo.is_infinite:
            return hi - 1
        if hi.is_infinite:
            return lo + 1
        return (lo + hi) / 2
    return None


def _close_intervals(a: sp.Set, r: sp.Set, tolerance: sp.Rational) -> bool:
    """Intervals with the same openness whose finite ends agree within ``tolerance``."""
    if not (isinstance(a, sp.Interval) and isinstance(r, sp.Interval)):
        return False
    if (a.left_open, a.right_open) != (r.left_open, r.right_open):
        return False
    for x, y in ((a.start, r.start), (a.end, r.end)):
        if x.is_infinite or y.is_infinite:
            if x != y:
                return False
        elif not _same(x, y, tolerance):
            return False
    return True


def _compare_sets(
    a: sp.Set, r: sp.Set, var: sp.Symbol, tolerance: sp.Rational | None = None
) -> Comparison:
    if tolerance is not None and _close_intervals(a, r, tolerance):
        return Comparison(True, "set (ends within tolerance)")
    extra = sp.Complement(a, r)
    missing = sp.Complement(r, a)
    if extra.is_empty and missing.is_empty:
        return Comparison(True, "set")
    p = _pick(extra) if not extra.is_empty else None
    if p is not None:
        return Comparison(
            False,
            "set",
            {"at": {str(var): _show(p)}, "answer": "included", "reference": "excluded"},
        )
    p = _pick(missing)
    return Comparison(
        False, "set", {"at": {str(var): _show(p)}, "answer": "excluded", "reference": "included"}
    )


# ------------------------------------------------------------------------------- equations


def _compare_equations(a: sp.Eq, r: sp.Eq, dom: Domain, seed: Any = 0) -> Comparison:
    """Equivalent when ``a.lhs - a.rhs = c (r.lhs - r.rhs)`` for a nonzero constant ``c``: ``c``
    is read at a point where the reference's side is nonzero, then the identity is decided."""
    da, dr = a.lhs - a.rhs, r.lhs - r.rhs
    free = sorted(da.free_symbols | dr.free_symbols, key=lambda s: s.name)
    if not free:
        za, zr = compare_constants(da, 0), compare_constants(dr, 0)
        if "undecided" in (za.verdict, zr.verdict):
            return Comparison(
                False, "undecided", None, "could not decide whether the equation holds"
            )
        return Comparison(za.verdict == zr.verdict, "exact", level="proved")
    for pt in sample_points(free, dom, 24, stable_seed(seed, "equation")):
        va, vr = _value(da, pt), _value(dr, pt)
        if va is None or vr is None:
            continue
        if compare_constants(vr, 0).verdict != "different":
            continue
        za = compare_constants(va, 0)
        if za.verdict == "equal":
            return Comparison(
                False,
                "equation",
                _cex(pt, va, vr, None),
                "at this point your equation holds and the correct one does not",
            )
        if za.verdict == "undecided":
            continue
        c = va / vr
        d = decide_scalar(
            da,
            c * dr,
            domains=dom.for_engine(free),
            seed=stable_seed(seed, "factor"),
            points=_POINTS,
            timeout=None,
            undefined="generic",
        )
        if d.verdict == "equal":
            return Comparison(True, "equation up to a nonzero factor", level=d.level)
        if d.verdict == "different":
            cx = _from_decision(d, None)
            pt_w = _by_name(free, d.witness)
            if pt_w is not None and len(pt_w) == len(free):
                cx = _cex(pt_w, _value(da, pt_w), _value(dr, pt_w), None)
            return Comparison(
                False, "equation", cx, "the two equations are not multiples of each other", d.level
            )
        return Comparison(False, "undecided", None, f"could not decide the equation: {d.detail}")
    return Comparison(False, "undecided", None, "could not test the equation")


def _by_name(free: list[sp.Symbol], witness: dict[str, str] | None) -> dict | None:
    """A witness (names -> value strings) back as a point; None when a value is not a plain
    number (an algebraic root, an approximation)."""
    names = {s.name: s for s in free}
    try:
        return {names[k]: exact_number(v) for k, v in (witness or {}).items() if k in names}
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------- entry


def compare(
    answer: Any,
    reference: Any,
    domain: Domain | None = None,
    tolerance: sp.Rational | None = None,
    variable: sp.Symbol | None = None,
    *,
    seed: Any = None,
    timeout: float | None = None,
) -> Comparison:
    """Decide whether ``answer`` equals ``reference`` (see the module docstring for the
    methods). ``variable`` is the unknown of a set-valued reference (e.g. ``alpha``).

    ``seed`` seeds the random points (default: a stable hash of answer and reference; the
    grader passes one of question, answer text and reference). ``timeout`` bounds the
    decision in seconds: running out gives ``method == "time"`` (an outer
    :func:`gdflow.derive.timebox.deadline` that runs out is not caught here)."""
    if seed is None:
        seed = stable_seed(answer, reference)
    left = remaining()
    clipped = left is not None and (timeout is None or timeout >= left)
    try:
        with deadline(None if clipped else timeout):
            return _compare(answer, reference, domain, tolerance, variable, seed)
    except OutOfTime:
        if clipped:
            raise
        return Comparison(
            False, "time", None, f"deciding equivalence took longer than {timeout:g} s"
        )
    except (OverflowError, RecursionError) as exc:
        what = "overflows" if isinstance(exc, OverflowError) else "is nested too deeply"
        return Comparison(False, "overflow", None, f"your answer {what}: it cannot be evaluated")


def _compare(
    answer: Any,
    reference: Any,
    domain: Domain | None,
    tolerance: sp.Rational | None,
    variable: sp.Symbol | None,
    seed: Any,
) -> Comparison:
    dom = domain or Domain()
    ka, kr = shape_of(answer), shape_of(reference)
    if kr == Shape.LABEL:
        return Comparison(answer == reference, "label")
    if kr in (Shape.SET, Shape.RELATION) and variable is not None:
        if ka not in (Shape.SET, Shape.RELATION, Shape.EQUATION):
            return Comparison(
                False,
                "shape",
                None,
                f"the question asks for {Shape.SET.words} of {variable}; your answer is {ka.words}",
            )
        try:
            sa = relation_to_set(answer, variable)
        except (ValueError, NotImplementedError, TypeError) as exc:
            return Comparison(False, "shape", None, str(exc))
        return _compare_sets(sa, relation_to_set(reference, variable), variable, tolerance)
    if kr == Shape.EQUATION:
        if ka != Shape.EQUATION:
            return Comparison(
                False,
                "shape",
                None,
                f"the question asks for an equation; your answer is {ka.words}",
            )
        return _compare_equations(answer, reference, dom, seed)
    if kr == Shape.MATRIX:
        if ka != Shape.MATRIX:
            return Comparison(
                False,
                "shape",
                None,
                f"the answer should be a {reference.shape[0]}×{reference.shape[1]} "
                f"{'vector' if 1 in reference.shape else 'matrix'}; yours is {ka.words}",
            )
        A, R = answer, reference
        if A.shape != R.shape:
            if 1 in A.shape and 1 in R.shape and len(A) == len(R):
                A = A.reshape(*R.shape)
            else:
                return Comparison(
                    False,
                    "shape",
                    None,
                    f"your answer is {A.shape[0]}×{A.shape[1]}; the answer should be "
                    f"{R.shape[0]}×{R.shape[1]}",
                )
        pairs = [
            (A[i, j], R[i, j], f"({i + 1}, {j + 1})")
            for i, j in itertools.product(range(R.shape[0]), range(R.shape[1]))
        ]
        return _compare_scalars(pairs, dom, tolerance, seed)
    if ka != Shape.SCALAR:
        return Comparison(
            False, "shape", None, f"the answer should be {kr.words}; yours is {ka.words}"
        )
    return _compare_scalars([(answer, reference, None)], dom, tolerance, seed)
