"""gdflow.derive.decide: the scalar decision engine.

Every expected verdict here is decided by hand, and every witness the engine reports is
re-checked independently (Python fractions / integers, mpmath at a fixed high precision),
never with the engine's own sampler or comparison.
"""

from __future__ import annotations

import math
import random
import time
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from gdflow.derive import decide
from gdflow.derive.decide import Decision, compare_constants, decide_scalar, draw_scalar

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
xp = sp.Symbol("x", positive=True)
t = sp.Symbol("t", real=True)
K = sp.Symbol("K", positive=True)
r0 = sp.Symbol("r0", real=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
n = sp.Symbol("n", integer=True)
alpha = sp.Symbol("alpha", positive=True)
lam = sp.Symbol("lambda", positive=True)
a = sp.Symbol("a", positive=True)
b = sp.Symbol("b", real=True)


def _frac(text: str) -> Fraction:
    return Fraction(text)


def _mp(text: str) -> mpmath.mpf:
    return mpmath.mpf(Fraction(text).numerator) / Fraction(text).denominator


# --------------------------------------------------------------------------- Decision


def test_decision_validates_its_fields():
    with pytest.raises(ValueError):
        Decision("maybe", None, "x")
    with pytest.raises(ValueError):
        Decision("equal", "sure", "x")
    with pytest.raises(ValueError):
        Decision("equal", None, "x")  # a decision has a level
    with pytest.raises(ValueError):
        Decision("undecided", "proved", "x")
    d = Decision("different", "proved", "exact", witness={"x": "1"})
    assert d.different and not d.equal


# --------------------------------------------------------------------------- constants


def test_huge_term_plus_small_rational_differs():
    d = compare_constants(sp.exp(200) + sp.Rational(2, 5), sp.exp(200))
    assert (d.verdict, d.level) == ("different", "proved")
    # the same, without SymPy cancelling exp(200) structurally: arb must resolve 2/5 next to e^200
    lhs = sp.Add(sp.exp(200), sp.Rational(2, 5))
    rhs = sp.Mul(sp.exp(100), sp.exp(100), evaluate=False)
    d = compare_constants(lhs, rhs)
    assert (d.verdict, d.level, d.method) == ("different", "proved", "rigorous enclosure")


def test_scale_bits_resolve_one_next_to_exp_exp_10():
    h = sp.exp(sp.exp(10) / 2)  # h*h = e^(e^10) ~ 10^9566
    d = compare_constants(sp.exp(sp.exp(10)) + 1, sp.Mul(h, h, evaluate=False))
    assert (d.verdict, d.level) == ("different", "proved")


def test_acos_close_to_one_is_not_zero():
    # acos(1 - e) ~ sqrt(2 e) with e = 1e-11: about 4.47e-6 (sympy's evalf has returned 0 here)
    v = sp.acos(sp.Rational(99999999999, 100000000000))
    with mpmath.workdps(50):
        assert abs(mpmath.acos(mpmath.mpf(99999999999) / 100000000000) - mpmath.sqrt(2e-11)) < 1e-15
    d = compare_constants(v, 0)
    assert (d.verdict, d.level) == ("different", "proved")


def test_tiny_nonzero_is_different():
    d = compare_constants(sp.exp(-1000), 0)
    assert (d.verdict, d.level) == ("different", "proved")
    d = compare_constants(sp.exp(-1000) + 1, 1)
    assert d.verdict == "different"


def test_pi_against_a_rational_within_1e_50():
    with mpmath.workdps(80):
        approx = sp.Rational(str(mpmath.nstr(mpmath.pi, 60)))
    d = compare_constants(sp.pi, approx)
    assert (d.verdict, d.level) == ("different", "proved")
    assert compare_constants(sp.pi, sp.Rational(355, 113)).verdict == "different"


def test_algebraic_identity_is_proved():
    d = compare_constants(sp.sqrt(2) + sp.sqrt(3), sp.sqrt(5 + 2 * sp.sqrt(6)))
    assert (d.verdict, d.level) == ("equal", "proved")
    d = compare_constants(
        sp.sqrt(2) + sp.sqrt(3), sp.sqrt(5 + 2 * sp.sqrt(6)) + sp.Rational(1, 10**40)
    )
    assert d.verdict == "different"


def test_transcendental_identity_is_evidence_only():
    d = compare_constants(sp.sin(1) ** 2 + sp.cos(1) ** 2, 1)
    assert (d.verdict, d.level) == ("equal", "evidence")


def test_undefined_sides():
    assert compare_constants(sp.nan, 1).verdict == "different"
    assert compare_constants(1, sp.zoo).verdict == "different"
    assert compare_constants(sp.oo, 3).verdict == "different"
    assert compare_constants(sp.zoo, sp.nan).verdict == "undecided"
    assert compare_constants(sp.oo, sp.oo).verdict == "undecided"


def test_overflowing_tower_is_undecided_not_an_error():
    d = compare_constants(sp.exp(sp.exp(sp.exp(sp.exp(10)))), 1)
    assert d.verdict == "undecided" and d.level is None


def test_complex_values_compare():
    # principal branches: sqrt(-4) = 2i, log(-1) = i pi
    assert compare_constants(sp.sqrt(-4), 2 * sp.I).verdict == "equal"
    assert compare_constants(sp.log(-1), sp.I * sp.pi).verdict == "equal"
    assert compare_constants(sp.sqrt(-4), -2 * sp.I).verdict == "different"


def test_mpmath_fallback_for_functions_arb_lacks():
    # J_{1/2}(1) = sqrt(2/pi) sin(1); besselj is not mapped to arb here
    v = sp.besselj(sp.Rational(1, 2), 1)
    ref = sp.sqrt(2 / sp.pi) * sp.sin(1)
    d = compare_constants(v, ref)
    assert (d.verdict, d.level, d.method) == ("equal", "evidence", "high precision")
    d = compare_constants(v, ref + sp.Rational(1, 10**30))
    assert (d.verdict, d.level) == ("different", "evidence")  # mpmath is not rigorous


def test_free_symbols_are_refused():
    with pytest.raises(ValueError):
        compare_constants(x, 1)


# --------------------------------------------------------------------------- sampler


def test_draw_scalar_respects_assumptions_and_intervals():
    rng = random.Random(7)
    for _ in range(300):
        assert draw_scalar(rng, xp) > 0
        v = draw_scalar(rng, k)
        assert v.is_Integer and v >= 0
        v = draw_scalar(rng, x, sp.Interval.open(0, 1))
        assert 0 < v < 1
        v = draw_scalar(rng, x, sp.Interval(-2, 3))
        assert -2 <= v <= 3
        v = draw_scalar(rng, n, sp.Interval(5, 9))
        assert v in {5, 6, 7, 8, 9}
    neg = sp.Symbol("m", negative=True)
    assert all(draw_scalar(rng, neg) < 0 for _ in range(100))
    p = sp.Symbol("p", prime=True)
    assert all(sp.isprime(draw_scalar(rng, p)) for _ in range(50))
    e = sp.Symbol("e", even=True)
    assert all(draw_scalar(rng, e) % 2 == 0 for _ in range(50))


def test_draw_scalar_ranges_are_wide():
    rng = random.Random(11)
    reals = [draw_scalar(rng, x) for _ in range(600)]
    assert max(abs(v) for v in reals) > 10**3
    assert min(abs(v) for v in reals if v != 0) < sp.Rational(1, 10**6)
    assert max(v.q for v in reals) > 100  # random denominators
    assert any(v < 0 for v in reals) and any(v > 0 for v in reals)
    assert 0 in reals and 1 in reals
    ints = [draw_scalar(rng, k) for _ in range(600)]
    assert max(ints) > 1000 and {0, 1, 2} <= set(ints)
    assert sum(1 for v in ints if v > 12) > 200  # integers beyond 12, often
    # closed ends are drawn, open ends never
    ends = {draw_scalar(rng, x, sp.Interval(0, 1)) for _ in range(400)}
    assert {0, 1} <= ends
    assert all(0 < draw_scalar(rng, x, sp.Interval.open(0, 1)) < 1 for _ in range(400))


def test_draw_scalar_empty_domain():
    with pytest.raises(ValueError):
        draw_scalar(random.Random(0), xp, sp.Interval(-3, -1))


# --------------------------------------------------------------------------- identities


def _check_witness_differs(dec: Decision, f):
    """Recompute both sides at the witness independently; f(point) -> (lhs, rhs) mpmath values."""
    assert dec.witness is not None
    point = {name: _mp(v) for name, v in dec.witness.items()}
    with mpmath.workdps(60):
        lv, rv = f(point)
        assert lv is None or rv is None or abs(lv - rv) > mpmath.mpf(10) ** -40 * max(1, abs(rv))


def test_sin_pi_k_integer_vs_real():
    assert decide_scalar(sp.sin(sp.pi * k), 0, seed=1).verdict == "equal"
    # k given as an integer only by the domain (the symbol itself is plain): exact zeros at samples
    m = sp.Symbol("m")
    d = decide_scalar(sp.sin(sp.pi * m), 0, domains={m: (None, True)}, seed=1)
    assert (d.verdict, d.level) == ("equal", "checked")
    d = decide_scalar(sp.sin(sp.pi * x), 0, seed=1)
    assert (d.verdict, d.level) == ("different", "proved")
    w = _frac(d.witness["x"])
    assert w.denominator != 1  # sin(pi w) = 0 only at integers
    d = decide_scalar(sp.cos(2 * sp.pi * x), 1, seed=2)
    assert d.verdict == "different"
    assert (
        decide_scalar(sp.cos(2 * sp.pi * m), 1, domains={m: (None, True)}, seed=2).verdict
        == "equal"
    )


def test_removable_singularity_policy():
    # strict (identities): at x = 1 the left side is 0/0 and the right side is 2
    d = decide_scalar((x**2 - 1) / (x - 1), x + 1, seed=0)
    assert (d.verdict, d.level) == ("different", "proved")
    assert d.witness == {"x": "1"} and d.lhs_value == "undefined" and d.rhs_value == "2"
    # on x > 1 they are the same function
    d = decide_scalar(
        (x**2 - 1) / (x - 1), x + 1, domains={x: (sp.Interval.open(1, sp.oo), False)}, seed=0
    )
    assert (d.verdict, d.level) == ("equal", "proved")
    # reference policy: the reference (rhs) fixes the domain
    d = decide_scalar(x + 1, (x**2 - 1) / (x - 1), seed=0, undefined="reference")
    assert d.verdict == "equal"
    d = decide_scalar((x**2 - 1) / (x - 1), x + 1, seed=0, undefined="reference")
    assert d.verdict == "different" and d.witness == {"x": "1"}
    # two variables: undefined on the line x = y
    d = decide_scalar((x**2 - y**2) / (x - y), x + y, seed=0)
    assert d.verdict == "different"
    assert d.witness["x"] == d.witness["y"]
    # the same singular set on both sides
    d = decide_scalar(1 / (x - 1) + 1 / (x + 1), 2 * x / (x**2 - 1), seed=0)
    assert (d.verdict, d.level) == ("equal", "proved")


def test_loss_plus_vanishing_polynomial_in_k():
    w0 = sp.Symbol("w0", real=True)
    loss = (1 - alpha * lam) ** (2 * k) * lam * w0**2 / 2
    bump = k * sp.prod([k - j for j in range(2, 13)])  # zero at k = 0, 2, 3, ..., 12
    d = decide_scalar(loss + bump, loss, seed=5)
    assert (d.verdict, d.level) == ("different", "proved")
    kk = int(d.witness["k"])
    assert (
        kk * math.prod(kk - j for j in range(2, 13)) != 0
    )  # independent: the bump is nonzero there
    assert decide_scalar(loss, sp.expand(loss), seed=5).verdict == "equal"


def test_vanishing_polynomial_on_finite_and_infinite_integer_domains():
    p = sp.prod([k - j for j in range(13)])
    d = decide_scalar(p, 0, domains={k: (sp.Interval(0, 12), True)}, seed=0)
    assert (d.verdict, d.level) == ("equal", "proved")
    d = decide_scalar(p, 0, seed=0)
    assert (d.verdict, d.level) == ("different", "proved")
    assert int(d.witness["k"]) > 12


def test_flow_plus_degree_five_polynomial_in_t():
    r = sp.exp(-K * t) * r0
    bump = t * (t - 1) * (t - 2) * (t - 3) * (t - 4)
    d = decide_scalar(r + bump, r, seed=3)
    assert (d.verdict, d.level) == ("different", "proved")
    tt = _frac(d.witness["t"])
    assert tt * (tt - 1) * (tt - 2) * (tt - 3) * (tt - 4) != 0
    assert decide_scalar(r, sp.exp(-K * t / 2) ** 2 * r0, seed=3).verdict == "equal"


def test_ridge_answer_plus_polynomial_in_lambda():
    ref = b / (a + lam)
    d = decide_scalar(ref + lam * (lam - 1) * (lam - 2), ref, seed=4)
    assert (d.verdict, d.level, d.method) == ("different", "proved", "polynomial remainder")
    ll = _frac(d.witness["lambda"])
    assert ll * (ll - 1) * (ll - 2) != 0
    d = decide_scalar(b * (a + lam) / (a + lam) ** 2, ref, seed=4)
    assert (d.verdict, d.level) == ("equal", "proved")


def test_sqrt_of_square():
    d = decide_scalar(sp.sqrt(x**2), x, seed=0)
    assert (d.verdict, d.level) == ("different", "proved")
    assert _frac(d.witness["x"]) < 0  # |x| = x exactly for x >= 0
    d = decide_scalar(sp.sqrt(xp**2), xp, seed=0)
    assert d.verdict == "equal" and d.level == "proved"
    plain = sp.Symbol("z")  # no assumptions: sampled as a real of either sign
    assert decide_scalar(sp.sqrt(plain**2), plain, seed=0).verdict == "different"


def test_log_of_square():
    assert decide_scalar(sp.log(xp**2), 2 * sp.log(xp), seed=0).verdict == "equal"
    d = decide_scalar(sp.log(x**2), 2 * sp.log(x), seed=0)
    assert d.verdict == "different"
    assert _frac(d.witness["x"]) < 0 or d.witness["x"] == "0"


def test_truncated_exponential_series():
    series = sum(x**j / sp.factorial(j) for j in range(6))
    d = decide_scalar(series, sp.exp(x), seed=0)
    assert (d.verdict, d.level) == ("different", "proved")
    _check_witness_differs(
        d, lambda p: (sum(p["x"] ** j / math.factorial(j) for j in range(6)), mpmath.exp(p["x"]))
    )


def test_true_identities_with_functions():
    d = decide_scalar(sp.exp(x) * sp.exp(y), sp.exp(x + y), seed=0)
    assert (d.verdict, d.level) == ("equal", "proved")
    d = decide_scalar(sp.cos(x) ** 2 + sp.sin(x) ** 2, 1, seed=0)
    assert d.verdict == "equal"


def test_seeded_and_deterministic():
    e = (sp.sin(x) + x**3, sp.sin(x))
    assert decide_scalar(*e, seed="q1|answer") == decide_scalar(*e, seed="q1|answer")


def test_time_bound(monkeypatch):
    def forever(*args, **kwargs):  # busy: the bounds count CPU time (derive.timebox)
        while True:
            pass

    monkeypatch.setattr(decide, "_sample", forever)
    monkeypatch.setattr(decide, "_rational_path", lambda *a, **kw: None)
    start = time.monotonic()
    d = decide_scalar(sp.sin(x) * 2, sp.sin(x) + sp.sin(x) * 1.0, seed=0, timeout=0.5)
    assert time.monotonic() - start < 3
    assert (d.verdict, d.method) == ("undecided", "time")


def test_bad_policy_name():
    with pytest.raises(ValueError):
        decide_scalar(x, x, undefined="lenient")


def test_piecewise_formula_wrong_only_far_out_is_caught_at_its_kink():
    # |x + 1000| - 1000 equals x exactly for x >= -1000: random points over |x| <= 10^3 would
    # rarely look below -1000; the kink x = -1000 is found and both sides of it are tried
    d = decide_scalar(sp.Abs(x + 1000) - 1000, x, seed=0)
    assert (d.verdict, d.level) == ("different", "proved")
    assert _frac(d.witness["x"]) < -1000
    d = decide_scalar(sp.Max(x, -1000), x, seed=0)
    assert d.verdict == "different" and _frac(d.witness["x"]) < -1000
    # two symbols: the kink x*y = -1000 is reached by solving for one of them
    d = decide_scalar(sp.Abs(x * y + 1000) - 1000, x * y, seed=0)
    assert d.verdict == "different"
    assert _frac(d.witness["x"]) * _frac(d.witness["y"]) < -1000
    # and a true piecewise identity stays equal
    assert decide_scalar(sp.Max(x, -1000) + sp.Min(x, -1000), x - 1000, seed=0).verdict == "equal"


def test_floats_are_their_binary_value():
    # SymPy computes Float(0.1) - 1/10 in floating point and gets 0; it is 2^-55 * 0.1-ish
    d = compare_constants(sp.Float(0.1), sp.Rational(1, 10))
    assert (d.verdict, d.level) == ("different", "proved")
    assert Fraction(0.1) != Fraction(1, 10)  # the independent witness
    assert compare_constants(sp.Float(0.5), sp.Rational(1, 2)).verdict == "equal"
    assert decide_scalar(sp.Float(0.1) * x, x / 10, seed=0).verdict == "different"
    assert compare_constants(sp.Float(0.1) * sp.pi, sp.pi / 10).verdict == "different"


def test_powers_combined_under_assumptions_are_a_symbolic_zero():
    z = sp.Symbol("z")
    m = sp.Symbol("m", integer=True, nonnegative=True)
    d = decide_scalar(
        (1 - z) ** (m + 1), (1 - z) * (1 - z) ** m, seed=0
    )  # simplify misses this one
    assert (d.verdict, d.level, d.method) == ("equal", "proved", "symbolic")
    # powsimp respects assumptions: sqrt(x) sqrt(y) is not sqrt(x y) for negative reals
    assert decide_scalar(sp.sqrt(x) * sp.sqrt(y), sp.sqrt(x * y), seed=0).verdict == "different"
