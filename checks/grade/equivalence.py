r"""Equivalence of an answer and a reference, under the question's assumptions.

Order of methods (the first that decides is reported in ``Comparison.method``):

1. **symbolic**: the difference is identically zero after cancellation/simplification with
   the symbols' assumptions (``alpha`` positive, ``k`` a nonnegative integer, ...);
2. **exact points**: both sides are evaluated *exactly* at deterministic admissible rational
   points (each symbol cycles through values inside its admissible interval, integers for
   integer symbols); a rational identity that holds at these points holds identically with
   high probability (Schwartz–Zippel), and one point where they differ is a proof of
   difference and becomes the counterexample;
3. **high precision**: where a value is transcendental (``exp``, ``sqrt`` of non-squares) it
   is evaluated with 60 significant digits (mpmath through ``evalf``) at up to 5 of the points;
   a difference larger than 10^-45 (relative) is a difference, and a smaller one counts as zero
   only if it shrinks when the precision is doubled (a true zero's residue does, a genuinely
   tiny value such as e^-200 does not).

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

import itertools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Domain", "Comparison", "compare", "relation_to_set", "sample_points"]

_DIGITS = 60
_TRANSCENDENTAL_POINTS = 5
_AGREE = sp.Rational(1, 10**45)


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


@dataclass
class Comparison:
    """Outcome of :func:`compare`: ``equal``; ``method`` that decided; for a difference, a
    ``counterexample`` (``at``: values of the free symbols, ``answer`` and ``reference``
    values, ``entry`` for matrices) and a ``message`` (e.g. a size mismatch)."""

    equal: bool
    method: str
    counterexample: dict[str, Any] | None = None
    message: str | None = None


# ------------------------------------------------------------------------------- points

_FRACTIONS = [sp.Rational(p, q) for p, q in
              [(1, 7), (2, 3), (1, 3), (5, 6), (3, 7), (1, 2), (8, 9), (2, 9), (5, 11), (3, 5), (4, 13), (10, 11)]]
_HALF_LINE = [sp.Rational(p, q) for p, q in
              [(1, 3), (7, 4), (5, 2), (1, 1), (11, 3), (2, 7), (3, 2), (13, 5), (5, 1), (2, 3), (9, 7), (4, 1)]]
_LINE = [sp.Rational(p, q) for p, q in
         [(-1, 1), (3, 2), (-7, 3), (2, 5), (5, 2), (-1, 3), (7, 4), (-5, 2), (1, 1), (3, 1), (-2, 7), (11, 5)]]


def _candidates(s: sp.Symbol, dom: Domain) -> list[sp.Expr]:
    iv = dom.interval(s)
    if not isinstance(iv, sp.Interval):
        iv = sp.Interval(-sp.oo, sp.oo) if iv == sp.S.Reals else iv
    lo, hi = iv.start, iv.end
    if dom.is_integer(s):
        a = -6 if lo.is_infinite else int(sp.ceiling(lo))
        b = a + 12 if hi.is_infinite else int(sp.floor(hi))
        vals = [sp.Integer(v) for v in range(a, b + 1) if sp.Integer(v) in iv]
        order = [v for v in vals if v > 1] + [v for v in vals if v <= 1]
        return order[:13] or vals
    if lo.is_finite and hi.is_finite:
        return [lo + (hi - lo) * f for f in _FRACTIONS]
    if lo.is_finite:
        return [lo + f for f in _HALF_LINE]
    if hi.is_finite:
        return [hi - f for f in _HALF_LINE]
    return list(_LINE)


_PRIMES = [1, 5, 7, 11, 13, 17, 19, 23]


def sample_points(symbols: list[sp.Symbol], dom: Domain, n: int = 12) -> list[dict]:
    """``n`` deterministic admissible points: symbol i takes candidate
    ``(j*step_i + i) mod len`` at point j, so each symbol sweeps its whole candidate list."""
    syms = sorted(symbols, key=lambda s: s.name)
    cands = {s: _candidates(s, dom) for s in syms}
    pts = []
    for j in range(n):
        pt = {}
        for i, s in enumerate(syms):
            c = cands[s]
            if not c:
                continue
            pt[s] = c[(j * _PRIMES[i % len(_PRIMES)] + i) % len(c)]
        pts.append(pt)
    return pts


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
    except (ZeroDivisionError, ValueError, TypeError):
        return None


def _num(v: sp.Expr) -> sp.Expr:
    return sp.N(v, _DIGITS)


def _same(a: sp.Expr, b: sp.Expr, tolerance: sp.Rational | None) -> bool | None:
    """Whether two values agree: exactly for rationals, to 45 digits otherwise, or within
    the relative ``tolerance``. ``None`` when undecidable (both infinite, ...)."""
    if a.is_infinite or b.is_infinite:
        return a == b
    if tolerance is not None:
        na, nb = _num(a), _num(b)
        diff = abs(na - nb)
        scale = max(abs(nb), sp.Rational(1, 10**12)) if nb != 0 else 1
        return bool(diff <= tolerance * scale)
    if a.is_Rational and b.is_Rational:
        return a == b
    if a == b:
        return True
    d = a - b  # identical transcendental parts cancel here: exp(-t) + 10^-50 vs exp(-t)
    if d.is_Rational:
        return d == 0
    diff = abs(sp.N(d, _DIGITS))
    if diff.has(sp.nan) or not diff.is_number:
        return None
    scale = max(abs(_num(b)), 1)
    if diff > _AGREE * scale:
        return False
    # Looks like zero at 60 digits. A true zero's numerical residue shrinks with precision;
    # a genuinely tiny difference (e^-200 against 0) stays the same size.
    finer = abs(sp.N(d, 2 * _DIGITS))
    return bool(finer == 0 or diff == 0 or finer < diff * sp.Rational(1, 10**30))


def _show(v: Any) -> str:
    if v is None:
        return "undefined"
    if isinstance(v, sp.Expr) and v.is_Rational:
        if max(abs(v.p).bit_length(), v.q.bit_length()) > 180:
            return "≈ " + str(sp.N(v, 15))
        return str(v)
    if isinstance(v, sp.Expr):
        exact = str(v)
        if len(exact) <= 40:
            approx = str(sp.N(v, 12))
            return exact if exact == approx else f"{exact} ≈ {approx}"
        return str(sp.N(v, 15))
    return str(v)


def _symbolic_zero(d: sp.Expr) -> bool:
    """Whether ``d`` is provably zero (cheap simplifications only for large expressions)."""
    if d == 0:
        return True
    try:
        if d.has(sp.factorial):
            d = d.doit()
            if d == 0:
                return True
        if sp.count_ops(d) > 400:
            return False
        big = [p.exp for p in d.atoms(sp.Pow) if p.exp.is_Integer and abs(p.exp) > 30]
        if big:
            return False  # expanding (1 - x)^1000 is slow; the points decide
        if sp.expand(d) == 0 or sp.cancel(d) == 0:
            return True
        if sp.count_ops(d) > 120:
            return False
        return sp.simplify(d) == 0
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return False


# ------------------------------------------------------------------------------- scalars


def _compare_scalars(pairs: list[tuple[Any, Any, str | None]], dom: Domain, tolerance,
                     npoints: int = 12) -> Comparison:
    """Compare lists of (answer, reference, entry-label) at shared points."""
    free: set[sp.Symbol] = set()
    for a, r, _ in pairs:
        free |= getattr(a, "free_symbols", set()) | getattr(r, "free_symbols", set())
    free_syms = sorted(free, key=lambda s: s.name)
    if tolerance is None and all(_symbolic_zero(a - r) for a, r, _ in pairs):
        return Comparison(True, "symbolic")
    pts = sample_points(free_syms, dom, npoints) if free_syms else [{}]
    transcendental = False
    decided = 0
    for index, pt in enumerate(pts):
        if transcendental and index >= _TRANSCENDENTAL_POINTS:
            break  # 60-digit agreement at several points; evaluation is costly
        for a, r, entry in pairs:
            av, rv = _value(a, pt), _value(r, pt)
            if rv is None:
                continue  # outside the reference's domain: not a test point
            if av is None:
                return Comparison(False, "exact points", _cex(pt, av, rv, entry),
                                  "your answer is undefined where the reference is defined")
            same = _same(av, rv, tolerance)
            if same is None:
                continue
            if not (av.is_Rational and rv.is_Rational):
                transcendental = True
            if not same:
                method = "tolerance" if tolerance is not None else (
                    "high precision" if transcendental else "exact points")
                return Comparison(False, method, _cex(pt, av, rv, entry))
            decided += 1
    if decided == 0:
        return Comparison(False, "undecided", None,
                          "no admissible point where both sides are defined")
    if tolerance is not None:
        return Comparison(True, "tolerance")
    if not free_syms:
        return Comparison(True, "high precision" if transcendental else "exact")
    used = min(len(pts), _TRANSCENDENTAL_POINTS) if transcendental else len(pts)
    return Comparison(True, f"{'high precision' if transcendental else 'exact'} evaluation at {used} points")


def _cex(pt: dict, av: Any, rv: Any, entry: str | None) -> dict[str, Any]:
    out = {"at": {str(k): _show(v) for k, v in pt.items()}, "answer": _show(av),
           "reference": _show(rv)}
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
    return value.xreplace({var: real}).as_set()


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


def _compare_sets(a: sp.Set, r: sp.Set, var: sp.Symbol, tolerance: sp.Rational | None = None) -> Comparison:
    if tolerance is not None and _close_intervals(a, r, tolerance):
        return Comparison(True, "set (ends within tolerance)")
    extra = sp.Complement(a, r)
    missing = sp.Complement(r, a)
    if extra.is_empty and missing.is_empty:
        return Comparison(True, "set")
    p = _pick(extra) if not extra.is_empty else None
    if p is not None:
        return Comparison(False, "set", {"at": {str(var): _show(p)}, "answer": "included",
                                         "reference": "excluded"})
    p = _pick(missing)
    return Comparison(False, "set", {"at": {str(var): _show(p)}, "answer": "excluded",
                                     "reference": "included"})


# ------------------------------------------------------------------------------- equations


def _compare_equations(a: sp.Eq, r: sp.Eq, dom: Domain) -> Comparison:
    da, dr = a.lhs - a.rhs, r.lhs - r.rhs
    free = sorted(da.free_symbols | dr.free_symbols, key=lambda s: s.name)
    if not free:
        same = (da == 0) == (dr == 0)
        return Comparison(same, "exact")
    ratio = None
    for pt in sample_points(free, dom, 12):
        va, vr = _value(da, pt), _value(dr, pt)
        if va is None or vr is None:
            continue
        za, zr = _same(va, sp.Integer(0), None), _same(vr, sp.Integer(0), None)
        if za and zr:
            continue
        if za != zr:
            return Comparison(False, "equation", _cex(pt, va, vr, None),
                              "at this point one equation holds and the other does not")
        q = sp.nsimplify(va / vr) if not (va.is_Rational and vr.is_Rational) else va / vr
        if ratio is None:
            ratio = q
        elif not _same(q, ratio, None):
            return Comparison(False, "equation", _cex(pt, va, vr, None),
                              "the two equations are not multiples of each other")
    if ratio is None:
        return Comparison(False, "undecided", None, "could not test the equation")
    return Comparison(True, "equation up to a nonzero factor")


# ------------------------------------------------------------------------------- entry


def _kind(v: Any) -> str:
    if isinstance(v, str):
        return "label"
    if isinstance(v, sp.MatrixBase):
        return "matrix"
    if isinstance(v, sp.Set):
        return "set"
    if isinstance(v, sp.Equality):
        return "equation"
    if isinstance(v, (sp.core.relational.Relational, sp.logic.boolalg.Boolean)) and not isinstance(v, sp.Expr):
        return "relation"
    return "scalar"


_WORDS = {"label": "a label", "matrix": "a vector or matrix", "set": "a set of values",
          "equation": "an equation", "relation": "a condition (inequalities)", "scalar": "a number or expression"}


def compare(answer: Any, reference: Any, domain: Domain | None = None,
            tolerance: sp.Rational | None = None, variable: sp.Symbol | None = None) -> Comparison:
    """Decide whether ``answer`` equals ``reference`` (see the module docstring for the
    methods). ``variable`` is the unknown of a set-valued reference (e.g. ``alpha``)."""
    dom = domain or Domain()
    ka, kr = _kind(answer), _kind(reference)
    if kr == "label":
        return Comparison(answer == reference, "label")
    if kr in ("set", "relation") and variable is not None:
        if ka not in ("set", "relation", "equation"):
            return Comparison(False, "shape", None,
                              f"the question asks for {_WORDS['set']} of {variable}; your answer is {_WORDS[ka]}")
        try:
            sa = relation_to_set(answer, variable)
        except (ValueError, NotImplementedError, TypeError) as exc:
            return Comparison(False, "shape", None, str(exc))
        return _compare_sets(sa, relation_to_set(reference, variable), variable, tolerance)
    if kr == "equation":
        if ka != "equation":
            return Comparison(False, "shape", None, f"the question asks for an equation; your answer is {_WORDS[ka]}")
        return _compare_equations(answer, reference, dom)
    if kr == "matrix":
        if ka != "matrix":
            return Comparison(False, "shape", None,
                              f"the answer should be a {reference.shape[0]}×{reference.shape[1]} "
                              f"{'vector' if 1 in reference.shape else 'matrix'}; yours is {_WORDS[ka]}")
        A, R = answer, reference
        if A.shape != R.shape:
            if 1 in A.shape and 1 in R.shape and len(A) == len(R):
                A = A.reshape(*R.shape)
            else:
                return Comparison(False, "shape", None,
                                  f"your answer is {A.shape[0]}×{A.shape[1]}; the answer should be "
                                  f"{R.shape[0]}×{R.shape[1]}")
        pairs = [(A[i, j], R[i, j], f"({i + 1}, {j + 1})")
                 for i, j in itertools.product(range(R.shape[0]), range(R.shape[1]))]
        return _compare_scalars(pairs, dom, tolerance)
    if ka != "scalar":
        return Comparison(False, "shape", None, f"the answer should be {_WORDS[kr]}; yours is {_WORDS[ka]}")
    return _compare_scalars([(answer, reference, None)], dom, tolerance)
