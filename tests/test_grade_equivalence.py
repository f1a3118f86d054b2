"""Equivalence: right answers accepted, wrong ones rejected with a counterexample, and the
known false verdicts of other graders avoided."""

import pytest
import sympy as sp

from gdflow.checks.grade.equivalence import Domain, compare, sample_points
from gdflow.checks.grade.parse import Scope, parse_answer

n_real = sp.Symbol("n", real=True)
n_pos = sp.Symbol("n", positive=True)
x = sp.Symbol("x", real=True)
alpha = sp.Symbol("alpha", positive=True)
alpha_r = sp.Symbol("alpha", real=True)
a = sp.Symbol("a", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
t = sp.Symbol("t", nonnegative=True)


def read(text, *syms, expect="any"):
    return parse_answer(text, Scope(symbols={s.name: s for s in syms}), expect).value


def same(u, v, *syms, tolerance=None, variable=None, expect="any"):
    return compare(
        read(u, *syms, expect=expect), read(v, *syms, expect=expect), Domain(), tolerance, variable
    )


# (answer, reference, symbols, equal?)  -- the known false verdicts first
CASES = [
    ("1/2004!", "1/2006!", [], False),
    ("1/2006!", "1/(2006*2005*2004!)", [], True),
    ("4*sqrt(2)", "4", [], False),
    ("sqrt(32)", "4*sqrt(2)", [], True),
    ("sqrt(1/n)", "1/sqrt(n)", [n_real], False),  # n real of either sign: differ at n < 0
    ("sqrt(1/n)", "1/sqrt(n)", [n_pos], True),  # assumed n > 0: equal
    ("0.4000001", "2/5", [], False),  # a float that rounds to the reference
    ("0.33", "1/3", [], False),
    ("0.4", "2/5", [], True),
    ("(1-alpha*a)^(2*k)", "((1-alpha*a)^2)^k", [alpha, a, k], True),
    ("(1+alpha*a)^(2*k)", "(1-alpha*a)^(2*k)", [alpha, a, k], False),
    ("(1-alpha*a)^k", "(1-alpha*a)^(2*k)", [alpha, a, k], False),
    ("exp(-2*t)", "exp(-t)^2", [t], True),
    ("exp(-2*t)", "exp(-t)/2", [t], False),
    ("exp(-t) + 10^(-30)", "exp(-t)", [t], False),  # high precision sees 1e-30
    ("exp(-t) + 10^(-50)", "exp(-t)", [t], False),  # below 60 digits, but exactly nonzero
    ("exp(-200)", "0", [], False),  # tiny is not zero
    ("exp(-200*t)", "0", [t], False),
    ("sin(pi/7)^2 + cos(pi/7)^2", "1", [], True),  # a true zero difference with numerical residue
    ("sqrt(2)*sqrt(3)", "sqrt(6)", [], True),
    ("exp(1)^2 + 10^(-70)", "exp(2)", [], False),
    ("(x^2 - 1)/(x - 1)", "x + 1", [x], True),
    ("x^2", "x", [x], False),
    ("log(exp(x))", "x", [x], True),
    ("abs(x)", "x", [x], False),
]


@pytest.mark.parametrize("u,v,syms,equal", CASES)
def test_verdicts(u, v, syms, equal):
    c = same(u, v, *syms)
    assert c.equal is equal, c
    if not equal and c.method != "shape":
        assert c.counterexample is not None
        assert c.counterexample["answer"] != c.counterexample["reference"]


def test_counterexample_is_admissible_and_exact():
    c = same("(1+alpha*a)^k", "(1-alpha*a)^k", alpha, a, k)
    cx = c.counterexample
    assert sp.Rational(cx["at"]["alpha"]) > 0 and sp.Rational(cx["at"]["a"]) > 0
    kk = sp.Integer(cx["at"]["k"])
    assert kk >= 0
    al, aa = sp.Rational(cx["at"]["alpha"]), sp.Rational(cx["at"]["a"])
    assert sp.Rational(cx["answer"]) == (1 + al * aa) ** kk
    assert sp.Rational(cx["reference"]) == (1 - al * aa) ** kk


def test_sqrt_counterexample_is_negative_n():
    c = same("sqrt(1/n)", "1/sqrt(n)", n_real)
    assert sp.Rational(c.counterexample["at"]["n"]) < 0


def test_tolerance_accepts_close_decimals_only_when_asked():
    assert same("0.3333", "1/3", tolerance=sp.Rational(1, 1000)).equal
    assert not same("0.33", "1/3", tolerance=sp.Rational(1, 1000)).equal
    assert not same("0.3333", "1/3").equal


def test_equations_up_to_nonzero_factor():
    assert same("2*x = 4", "x = 2", x).equal
    assert same("4 - 2*x = 0", "x = 2", x).equal
    assert not same("x = 2", "x = 3", x).equal
    assert not same("x*(x-2) = 0", "x = 2", x).equal  # a factor that vanishes is not a scaling
    assert not same("0*x = 0", "x = 2", x).equal


def test_matrices_entrywise_with_size_message():
    assert same("[1, 2]", "[[1, 2]]").equal  # a row and a column vector of one length
    c = same("[1, 2, 3]", "[1, 2]")
    assert not c.equal and c.message == "your answer is 3×1; the answer should be 2×1"
    c = same("[[1, 2], [3, 4]]", "[[1, 2], [3, 5]]")
    assert not c.equal and c.counterexample["entry"] == "(2, 2)"
    c = same("2", "[1, 2]")
    assert not c.equal and "vector" in c.message


def test_sets_and_inequalities():
    ref = sp.Interval.open(0, sp.Rational(2, 3))
    for good in [
        "0 < alpha < 2/3",
        "(0, 2/3)",
        "alpha > 0 and alpha < 2/3",
        r"$0<\alpha<\frac{2}{3}$",
    ]:
        assert compare(read(good, alpha_r, expect="set"), ref, variable=alpha_r).equal, good
    c = compare(read("(0, 2/3]", alpha_r, expect="set"), ref, variable=alpha_r)
    assert not c.equal and c.counterexample["at"] == {"alpha": "2/3"}
    c = compare(read("alpha < 2/3", alpha_r, expect="set"), ref, variable=alpha_r)
    assert not c.equal and sp.Rational(c.counterexample["at"]["alpha"]) <= 0
    c = compare(read("0 < alpha < 1/3", alpha_r, expect="set"), ref, variable=alpha_r)
    assert not c.equal and c.counterexample["answer"] == "excluded"


def test_sample_points_respect_domain():
    s = sp.Symbol("s", real=True)
    dom = Domain(intervals={s: sp.Interval.open(0, 1)}, integers=set())
    pts = sample_points([s, k], dom, 12)
    assert all(0 < p[s] < 1 for p in pts)
    assert all(p[k].is_Integer and p[k] >= 0 for p in pts)
    assert len({p[s] for p in pts}) > 6  # the points really vary


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

coeffs = st.lists(
    st.fractions(min_value=-5, max_value=5, max_denominator=7), min_size=1, max_size=5
)


@settings(max_examples=40, deadline=None)
@given(
    coeffs,
    st.integers(0, 6),
    st.fractions(min_value=-3, max_value=3, max_denominator=5).filter(lambda c: c != 0),
)
def test_rewritings_accepted_and_perturbations_rejected(cs, j, c):
    p = sum(sp.Rational(q.numerator, q.denominator) * x**i for i, q in enumerate(cs))
    factored = sp.factor(p)
    assert compare(factored, sp.expand(p)).equal
    perturbed = p + sp.Rational(c.numerator, c.denominator) * x**j
    cmp = compare(perturbed, p)
    assert not cmp.equal
    given_at = cmp.counterexample["at"]  # {} when both sides are constants
    at = {x: sp.Rational(given_at["x"])} if given_at else {}
    assert sp.S(perturbed).subs(at) != sp.S(p).subs(at)  # the counterexample is a real one


def test_numeric_zero_test_tells_residue_from_tiny_values():
    from gdflow.checks.grade.equivalence import _same

    one = sp.sin(sp.pi / 7) ** 2 + sp.cos(sp.pi / 7) ** 2  # not simplified: numeric path
    assert _same(one, sp.Integer(1), None) is True
    assert _same(sp.sqrt(5 + 2 * sp.sqrt(6)), sp.sqrt(2) + sp.sqrt(3), None) is True
    assert _same(sp.exp(-200), sp.Integer(0), None) is False
    assert _same(sp.E**2 + sp.Rational(1, 10**70), sp.exp(2), None) is False


# --------------------------------------------------------------------------- answers built to
# vanish at sample points (issue 8): the old grader compared at a fixed, public list of points,
# so the right answer plus a polynomial vanishing there was graded correct.  Every verdict below
# is decided by hand: each added polynomial is nonzero away from its finitely many roots.

from fractions import Fraction  # noqa: E402
from math import prod  # noqa: E402

from gdflow.checks.grade.equivalence import stable_seed  # noqa: E402

K = sp.Symbol("K", positive=True)
r0 = sp.Symbol("r0", real=True)
lam = sp.Symbol("lambda", positive=True)
w = sp.Symbol("w", real=True)
OLD_HALF_LINE = ["1/3", "7/4", "5/2", "1", "11/3", "2/7", "3/2", "13/5", "5", "2/3", "9/7", "4"]


def _bump(var: str, roots: list[str]) -> str:
    return "*".join(f"({var} - {r})" for r in roots)


VANISHING = [
    # loss + k(k-2)(k-3)...(k-12): zero at k = 0, 2..12 (the old integer points were 2..12, 0, 1)
    (
        "(1 - alpha*a)^(2*k) + k*" + _bump("k", [str(j) for j in range(2, 13)]),
        "(1 - alpha*a)^(2*k)",
        [alpha, a, k],
    ),
    # ... and zero at every k in 0..12
    (
        "(1 - alpha*a)^(2*k) + " + _bump("k", [str(j) for j in range(13)]),
        "(1 - alpha*a)^(2*k)",
        [alpha, a, k],
    ),
    # the flow e^{-Kt} r0 + a degree-5 polynomial in t vanishing at the old 5 transcendental points
    ("exp(-K*t)*r0 + " + _bump("t", OLD_HALF_LINE[:5]), "exp(-K*t)*r0", [K, t, r0]),
    # a ridge answer + a polynomial in lambda vanishing at all 12 old points of the half line
    ("w/(2 + lambda) + " + _bump("lambda", OLD_HALF_LINE), "w/(2 + lambda)", [w, lam]),
    # the same, rational in lambda: a nonzero numerator is a polynomial remainder
    ("(w + " + _bump("lambda", OLD_HALF_LINE) + ")/(2 + lambda)", "w/(2 + lambda)", [w, lam]),
]


@pytest.mark.parametrize("u,v,syms", VANISHING)
def test_answers_built_to_vanish_at_points_are_incorrect(u, v, syms):
    c = same(u, v, *syms)
    assert not c.equal, c
    assert c.method not in ("undecided", "time", "overflow")
    at = {name: Fraction(val) for name, val in c.counterexample["at"].items()}
    # independent check: the added polynomial is nonzero at the counterexample
    if "k" in at:
        kk = at["k"]
        assert kk.denominator == 1 and kk >= 0
        roots = range(13) if "(k - 0)" in u else [0, *range(2, 13)]
        assert prod(kk - j for j in roots) != 0
    if "t" in at:
        assert at["t"] >= 0 and prod(at["t"] - Fraction(r) for r in OLD_HALF_LINE[:5]) != 0
    if "lambda" in at:
        assert at["lambda"] > 0 and prod(at["lambda"] - Fraction(r) for r in OLD_HALF_LINE) != 0


def test_rational_difference_is_decided_exactly():
    c = same("(w + " + _bump("lambda", OLD_HALF_LINE) + ")/(2 + lambda)", "w/(2 + lambda)", w, lam)
    assert (c.method, c.level) == ("polynomial remainder", "proved")
    c = same("w*(2 + lambda)/(2 + lambda)^2", "w/(2 + lambda)", w, lam)
    assert c.equal and c.level == "proved"


def test_periodic_and_truncated_answers():
    m = sp.Symbol("m", integer=True)
    assert same("sin(pi*m)", "0", m).equal  # sin(pi m) = 0 for every integer m
    assert not same("sin(pi*x)", "0", x).equal  # but not for real x
    assert not same("cos(2*pi*x)", "1", x).equal
    assert not same("1 + t + t^2/2 + t^3/6 + t^4/24 + t^5/120", "exp(t)", t).equal


def test_points_are_seeded_per_answer_not_a_public_list():
    s = sp.Symbol("s", real=True)
    dom = Domain()
    p1 = sample_points([s, k], dom, 12, stable_seed("q1", "answer one", "ref"))
    p2 = sample_points([s, k], dom, 12, stable_seed("q1", "answer two", "ref"))
    assert p1 == sample_points([s, k], dom, 12, stable_seed("q1", "answer one", "ref"))  # stable
    assert p1 != p2
    assert max(abs(p[s]) for p in p1 + p2) > 10 or max(p[k] for p in p1 + p2) > 12  # wide


def test_overflowing_answer_is_refused_with_why():
    c = same("exp(exp(exp(exp(10))))", "(1 - alpha*a)^(2*k)", alpha, a, k)
    assert not c.equal and c.method == "overflow" and "overflows" in c.message
    c = same("exp(exp(exp(exp(10))))", "2/5")
    assert c.method == "overflow"
    # a huge but finite value is compared, not refused
    c = same("exp(exp(10))", "2/5")
    assert not c.equal and c.method == "rigorous enclosure"


def test_huge_integers_are_shown_not_an_error():
    c = same("sin(10^9999)", "0")
    assert not c.equal and c.counterexample["answer"].startswith("≈ -0.7756")


def test_grader_rejects_vanishing_answer_with_a_counterexample_and_is_repeatable():
    from gdflow.checks.grade.grader import grade_answer
    from gdflow.checks.grade.spec import loads_spec

    ps = loads_spec("""
title = "t"
[[question]]
id = "loss"
kind = "expression"
reference = "(1 - alpha*a)^(2*k)"
assume = ["alpha > 0", "a > 0", "k >= 0 integer"]
""")
    q = ps.questions["loss"]
    text = (
        "(1 - alpha*a)^(2*k) + k*(k-2)*(k-3)*(k-4)*(k-5)*(k-6)*(k-7)*(k-8)*(k-9)*(k-10)*(k-11)"
        "*(k-12)"
    )
    r1, r2 = grade_answer(q, text), grade_answer(q, text)
    assert r1["verdict"] == "incorrect" and r1["counterexample"]
    assert r1["counterexample"] == r2["counterexample"]  # seeded from question, answer, reference
    kk = int(r1["counterexample"]["at"]["k"])
    assert kk * prod(kk - j for j in range(2, 13)) != 0
    tower = grade_answer(q, "exp(exp(exp(exp(10))))")
    assert tower["verdict"] == "invalid" and "overflows" in tower["feedback"]
    assert grade_answer(q, "((1 - alpha*a)^2)^k")["verdict"] == "correct"


def test_running_out_of_time_is_reported_not_raised(monkeypatch):
    import time

    import gdflow.checks.grade.equivalence as eq
    import gdflow.checks.grade.grader as grader
    from gdflow.checks.grade.spec import loads_spec

    def forever(*args, **kwargs):  # busy: the bounds count CPU time (derive.timebox)
        while True:
            pass

    ps = loads_spec(
        'title = "t"\n[defaults]\ntimeout = 0.5\n[[question]]\nid = "q"\nkind = "expression"\n'
        'reference = "x^2"\nassume = ["x real"]\n'
    )
    monkeypatch.setattr(eq, "decide_scalar", forever)
    t0 = time.monotonic()
    c = compare(x**2, x * x + 1, timeout=0.3)
    assert c.method == "time" and not c.equal and time.monotonic() - t0 < 3
    # in the grader the question's time share runs out: a `timeout` verdict with feedback
    monkeypatch.setattr(grader, "compare", forever)
    r = grader.grade_answer(ps.questions["q"], "x*x")
    assert r["verdict"] == "timeout" and "longer than" in r["feedback"]


def test_answer_wrong_only_beyond_a_kink():
    # equal to x for x >= -1000 only; the old points and plain random points miss x < -1000
    c = same("abs(x + 1000) - 1000", "x", x)
    assert not c.equal and Fraction(c.counterexample["at"]["x"]) < -1000
