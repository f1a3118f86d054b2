"""The question kinds of issue 12: line_search_step, momentum_iterate, adam_step.

Every reference is held against an independent witness written here (plain ``Fraction``
loops, the vertex of a parabola through three exact points, an mpmath loop for Adam), never
against the code that computes it.  Each kind gets right answers in several written forms,
wrong answers (each typical slip with its own feedback), malformed answers (``invalid``) and
bad specs (an error naming the question and the key).
"""

from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import sympy as sp

from gdflow.checks.grade.grader import grade_answer
from gdflow.checks.grade.spec import SpecError, loads_spec
from gdflow.derive.search import MAX_REDUCTIONS, armijo_backtracking, exact_step

# ------------------------------------------------------------------------------ witnesses


def mat_vec(A, x):
    return [sum(F(a) * xi for a, xi in zip(row, x, strict=True)) for row in A]


def J(A, b, x):
    """½xᵀAx + bᵀx with Fractions."""
    Ax = mat_vec(A, x)
    return sum(xi * ai for xi, ai in zip(x, Ax, strict=True)) / 2 + sum(
        F(bi) * xi for bi, xi in zip(b, x, strict=True)
    )


def grad(A, b, x):
    return [ai + F(bi) for ai, bi in zip(mat_vec(A, x), b, strict=True)]


def along(w, g, eps):
    return [wi - eps * gi for wi, gi in zip(w, g, strict=True)]


def line_minimiser(A, b, w):
    """The vertex of the parabola φ(ε) = J(w − εg) through φ(0), φ(1), φ(2) (no formula for ε⋆)."""
    g = grad(A, b, [F(x) for x in w])
    p0, p1, p2 = (J(A, b, along([F(x) for x in w], g, F(e))) for e in (0, 1, 2))
    a2 = (p2 - 2 * p1 + p0) / 2
    a1 = p1 - p0 - a2
    return -a1 / (2 * a2)


def backtrack(A, b, w, eps0, factor, c):
    """Armijo's loop written out: reduce ε until J(w − εg) ≤ J(w) − cε‖g‖²."""
    w = [F(x) for x in w]
    g = grad(A, b, w)
    gg = sum(x * x for x in g)
    eps = F(eps0)
    for _ in range(200):
        if J(A, b, along(w, g, eps)) <= J(A, b, w) - F(c) * eps * gg:
            return eps
        eps *= F(factor)
    raise AssertionError("no step accepted")


def heavy_ball(A, b, w0, alpha, beta, k, prev=None):
    prev = [F(x) for x in (prev or w0)]
    cur = [F(x) for x in w0]
    for _ in range(k):
        g = grad(A, b, cur)
        cur, prev = (
            [c - alpha * gi + beta * (c - p) for c, gi, p in zip(cur, g, prev, strict=True)],
            cur,
        )
    return cur


def ema_momentum(A, b, w0, alpha, beta, k):
    """v ← βv + (1 − β)∇J, w ← w − αv from v = 0."""
    w = [F(x) for x in w0]
    v = [F(0)] * len(w)
    for _ in range(k):
        g = grad(A, b, w)
        v = [beta * vi + (1 - beta) * gi for vi, gi in zip(v, g, strict=True)]
        w = [wi - alpha * vi for wi, vi in zip(w, v, strict=True)]
    return w


def nesterov(A, b, w0, alpha, beta, k):
    prev, cur = [F(x) for x in w0], [F(x) for x in w0]
    for _ in range(k):
        y = [c + beta * (c - p) for c, p in zip(cur, prev, strict=True)]
        g = grad(A, b, y)
        cur, prev = [yi - alpha * gi for yi, gi in zip(y, g, strict=True)], cur
    return cur


def adam(
    grads,
    w0,
    alpha,
    b1,
    b2,
    eps,
    *,
    bias_m=True,
    bias_v=True,
    square=True,
    inside=False,
    swap=False,
):
    """Adam in mpmath at 50 digits (``grads(t, w)`` the gradient at step t)."""
    mpmath.mp.dps = 50
    w = [mpmath.mpf(x) for x in w0]
    m = [mpmath.mpf(0)] * len(w)
    v = [mpmath.mpf(0)] * len(w)
    a, b1, b2, e = (mpmath.mpf(F(x).numerator) / F(x).denominator for x in (alpha, b1, b2, eps))
    for t in range(1, 10**6):
        g = grads(t, w)
        if g is None:
            return w
        p, q = (1 - b1, b1) if swap else (b1, 1 - b1)
        m = [p * mi + q * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * (gi * gi if square else gi) for vi, gi in zip(v, g, strict=True)]
        mh = [mi / (1 - b1**t) if bias_m else mi for mi in m]
        vh = [vi / (1 - b2**t) if bias_v else vi for vi in v]
        w = [
            wi - a * mi / (mpmath.sqrt(vi + e) if inside else mpmath.sqrt(vi) + e)
            for wi, mi, vi in zip(w, mh, vh, strict=True)
        ]
    raise AssertionError


def vec(xs, digits=None):
    """An answer string for a vector."""
    if digits is None:
        return "[" + ", ".join(str(x) for x in xs) + "]"
    return "[" + ", ".join(mpmath.nstr(x, digits) for x in xs) + "]"


# ------------------------------------------------------------------------------ the spec

A2 = [[3, 1], [1, 2]]
HB_A = [[2, 1], [1, 2]]

SPEC = """
title = "issue 12 kinds"

[[question]]
id = "ls"
kind = "line_search_step"
A = [[3, 1], [1, 2]]
b = [1, -1]
w = [1, 1]

[[question]]
id = "ls_tol"
kind = "line_search_step"
A = [[3, 1], [1, 2]]
b = [1, -1]
w = [1, 1]
mode = "exact"
tolerance = 1e-4

[[question]]
id = "bt"
kind = "line_search_step"
A = [[3, 1], [1, 2]]
b = [1, -1]
w = [1, 1]
mode = "backtracking"
eps0 = 1
factor = 0.5
c = 0.9

[[question]]
id = "bt003"
kind = "line_search_step"
A = [[2]]
b = [-4]
w = [0]
mode = "backtracking"
eps0 = 1
c = "1/2"

[[question]]
id = "hb"
kind = "momentum_iterate"
A = [[2, 1], [1, 2]]
b = [-1, 0]
start = [0, 1]
learning_rate = "1/2"
momentum = "1/4"
steps = 4

[[question]]
id = "hb_tol"
kind = "momentum_iterate"
A = [[2, 1], [1, 2]]
b = [-1, 0]
start = [0, 1]
learning_rate = "1/2"
momentum = "1/4"
steps = 4
tolerance = 1e-6

[[question]]
id = "hb_prev"
kind = "momentum_iterate"
A = [[2, 1], [1, 2]]
b = [-1, 0]
start = [0, 1]
previous = [1, 1]
learning_rate = "1/2"
momentum = "1/4"
steps = 2

[[question]]
id = "hbk"
kind = "momentum_iterate"
A = [[2, 1], [1, 2]]
b = [-3, -3]
start = [3, 1]
learning_rate = "1/4"
momentum = "1/4"
steps = "k"
assume = ["k >= 0 integer"]

[[question]]
id = "hb_div"
kind = "momentum_iterate"
A = [[2, 1], [1, 2]]
b = [-1, 0]
start = [0, 1]
learning_rate = 2
momentum = "1/4"
steps = 2

[[question]]
id = "bt_null"
kind = "line_search_step"
A = [[1, 0], [0, 0]]
b = [0, 1]
w = [0, 0]
mode = "backtracking"
eps0 = 3
c = 0.5

[[question]]
id = "adam1"
kind = "adam_step"
A = [[2, 0], [0, 1]]
b = [-2, 1]
start = [0, 0]
learning_rate = "1/10"
beta1 = 0.9
beta2 = 0.999
eps = "1/100"

[[question]]
id = "adam_g"
kind = "adam_step"
start = [1, -1]
gradients = [[1, 2], [3, 1], [2, 2]]
steps = 2
learning_rate = "1/10"
beta1 = 0.9
beta2 = 0.999
eps = "1/100"
tolerance = 1e-9

[[question]]
id = "adam_q"
kind = "adam_step"
A = [[2, 1, 0], [1, 3, 1], [0, 1, 2]]
b = [-2, 1, 3]
start = [0, 1, -1]
learning_rate = "1/10"
beta1 = 0.9
beta2 = 0.999
eps = 1e-8
steps = 3
tolerance = 1e-9
"""


@pytest.fixture(scope="module")
def qs():
    return loads_spec(SPEC).questions


def grade(qs, qid, answer):
    return grade_answer(qs[qid], answer)


# ------------------------------------------------------------------------------ references


def test_exact_step_against_the_parabola_vertex(qs):
    assert qs["ls"].reference.value == line_minimiser(A2, [1, -1], [1, 1]) == F(29, 103)
    rng = np.random.default_rng(12)
    for n in (1, 3, 5):  # other sizes: exact_step is the vertex of J along −g
        M = rng.integers(-3, 4, size=(n, n))
        A = (M @ M.T + np.eye(n, dtype=int)).tolist()
        b = rng.integers(-5, 6, size=n).tolist()
        w = rng.integers(-5, 6, size=n).tolist()
        assert exact_step(A, b, w) == line_minimiser(A, b, w)


def test_backtracking_against_the_loop(qs):
    assert qs["bt"].reference.value == backtrack(A2, [1, -1], [1, 1], 1, F(1, 2), F(9, 10))
    assert qs["bt"].reference.value == F(1, 32)
    assert qs["bt003"].reference.value == F(1, 2)  # 003: f = x² − 4x + 5 from 0 lands on 2
    assert qs["bt_null"].reference.value == backtrack(
        [[1, 0], [0, 0]], [0, 1], [0, 0], 3, F(1, 2), F(1, 2)
    )
    rng = np.random.default_rng(3)
    for n in (2, 4):
        M = rng.integers(-3, 4, size=(n, n))
        A = (M @ M.T + np.eye(n, dtype=int)).tolist()
        b = rng.integers(-5, 6, size=n).tolist()
        w = rng.integers(-5, 6, size=n).tolist()
        for c in (F(1, 10), F(1, 2), F(9, 10)):
            got, j = armijo_backtracking(A, b, w, 4, "1/2", c)
            assert got == backtrack(A, b, w, 4, F(1, 2), c) == F(4) / 2**j


def test_momentum_references_against_the_loops(qs):
    half, quarter = F(1, 2), F(1, 4)
    assert list(qs["hb"].reference.value) == heavy_ball(HB_A, [-1, 0], [0, 1], half, quarter, 4)
    assert list(qs["hb_div"].reference.value) == heavy_ball(HB_A, [-1, 0], [0, 1], 2, quarter, 2)
    assert list(qs["hb_prev"].reference.value) == heavy_ball(
        HB_A, [-1, 0], [0, 1], half, quarter, 2, prev=[1, 1]
    )
    ref = qs["hbk"].reference.value
    k = qs["hbk"].reference.scope.symbols["k"]
    for j in (0, 1, 2, 5, 12, 31):
        want = heavy_ball(HB_A, [-3, -3], [3, 1], quarter, quarter, j)
        for e, x in zip(ref.xreplace({k: j}), want, strict=True):
            assert sp.simplify(e - sp.Rational(x.numerator, x.denominator)) == 0, j


def _adam_given(rows):
    return lambda t, w: None if t > len(rows) else [mpmath.mpf(x) for x in rows[t - 1]]


def _adam_quadratic(A, b, steps):
    An = [[mpmath.mpf(x) for x in r] for r in A]

    def g(t, w):
        if t > steps:
            return None
        return [
            sum(a * x for a, x in zip(r, w, strict=True)) + bi for r, bi in zip(An, b, strict=True)
        ]

    return g


ADAM_G_ROWS = [[1, 2], [3, 1]]
A3 = [[2, 1, 0], [1, 3, 1], [0, 1, 2]]
ADAM_Q_ARGS = ("1/10", "0.9", "0.999", "1e-8")
ADAM_ARGS = ("1/10", "0.9", "0.999", "1/100")


def test_adam_references_against_mpmath(qs):
    got = [sp.N(e, 40) for e in qs["adam_g"].reference.value]
    want = adam(_adam_given(ADAM_G_ROWS), [1, -1], *ADAM_ARGS)
    assert all(
        abs(mpmath.mpf(str(a)) - b) < mpmath.mpf(10) ** -30 for a, b in zip(got, want, strict=True)
    )
    assert list(qs["adam1"].reference.value) == [F(20, 201), F(-10, 101)]  # α g/(|g| + ε)
    want = adam(_adam_quadratic(A3, [-2, 1, 3], 3), [0, 1, -1], *ADAM_Q_ARGS)
    got = [sp.N(e, 40) for e in qs["adam_q"].reference.value]
    assert all(
        abs(mpmath.mpf(str(a)) - b) < mpmath.mpf(10) ** -30 for a, b in zip(got, want, strict=True)
    )


# ------------------------------------------------------------------------------ answers


def _hb(**kw):
    args = dict(A=HB_A, b=[-1, 0], w0=[0, 1], alpha=F(1, 2), beta=F(1, 4), k=4)
    args.update(kw)
    return vec(heavy_ball(**args))


def _adam_g(**kw):
    return vec(adam(_adam_given(ADAM_G_ROWS), [1, -1], *ADAM_ARGS, **kw), 15)


RIGHT = [
    ("ls", "29/103"),
    ("ls", r"\frac{29}{103}"),
    ("ls", "transpose(g)*g*inv(transpose(g)*A*g)"),
    ("ls", "[29/103]"),
    ("ls_tol", "0.28155"),
    ("ls_tol", "29/103"),
    ("bt", "1/32"),
    ("bt", "0.03125"),
    ("bt", "2^(-5)"),
    ("bt003", "0.5"),
    ("bt_null", "3"),  # g = (0, 1) in the null space of A: J falls linearly, ε₀ passes
    ("hb", _hb()),
    ("hb", r"\begin{bmatrix} 23/32 \\ -25/64 \end{bmatrix}"),
    ("hb", "[[0.71875], [-0.390625]]"),
    ("hb_tol", "[0.71875, -0.390625]"),
    ("hb_tol", "[0.7187500001, -0.3906250001]"),
    ("hb_prev", vec(heavy_ball(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 2, prev=[1, 1]))),
    (
        "hbk",
        "[1 + (1/2)^k*(1 + k/2) + (1/2)^k*cos(k*pi/3),"
        " 1 - (1/2)^k*(1 + k/2) + (1/2)^k*cos(k*pi/3)]",
    ),
    ("adam1", "[20/201, -10/101]"),
    ("adam1", "[0.2/2.01, -0.1/1.01]"),
    ("adam_g", _adam_g()),
    ("adam_q", vec(adam(_adam_quadratic(A3, [-2, 1, 3], 3), [0, 1, -1], *ADAM_Q_ARGS), 14)),
]


@pytest.mark.parametrize("qid,answer", RIGHT)
def test_right_answers(qs, qid, answer):
    r = grade(qs, qid, answer)
    assert r["verdict"] == "correct", r


def test_the_hand_values_are_the_loops():
    # the bmatrix answer above is the heavy-ball loop, written by hand
    assert heavy_ball(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 4) == [F(23, 32), F(-25, 64)]


WRONG = [
    # line search, exact: ε⋆ = gᵀg/gᵀAg = 29/103 with g = (5, 2), Ag = (17, 9), A²g = (60, 35)
    ("ls", "103/29", "swapped numerator and denominator"),
    ("ls", "-29/103", "the step size is positive"),
    ("ls", "58/103", "the ½ makes the minimiser"),
    ("ls", "29/206", "that is half the exact step"),
    ("ls", "sqrt(29)/103", "you used ‖g‖ in the numerator"),
    ("ls", "103/370", "minimal-residual step"),
    ("ls", "5/18", "you took g = Aw"),  # g = Aw = (4, 3): 25/90
    ("ls", "1/3", "differs"),
    ("ls", "0.28155", "rounded to 5 decimals"),  # no tolerance: decimals are exact
    ("ls_tol", "0.2816", "differs"),
    # backtracking from 1 with c = 9/10: Armijo holds once ε ≤ 2(1 − c)gᵀg/gᵀAg = 29/515
    ("bt", "1/64", "one halving too many"),
    ("bt", "1/16", "one halving too few"),
    ("bt", "29/103", "exact line-search step"),
    ("bt", "29/515", "largest step passing Armijo"),
    ("bt", "1/2", "plain decrease"),
    ("bt", "1/4", "you used ‖g‖ in Armijo's condition"),
    ("bt", "1/8", "differs"),
    ("bt003", "1", "one halving too few"),
    ("bt003", "1/4", "one halving too many"),
    # heavy ball
    ("hb", vec(ema_momentum(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 4)), "(1 − β)-weighted"),
    ("hb", _hb(beta=F(-1, 4)), "your β = -1/4 is outside the convergence region"),
    ("hb", _hb(alpha=F(-1, 2)), "you moved along +∇J"),
    ("hb", _hb(alpha=F(-1, 2)), "outside the convergence region"),
    ("hb", _hb(beta=F(3, 4)), "you used 1 − β"),
    ("hb", _hb(beta=F(0)), "plain gradient descent"),
    ("hb", vec(nesterov(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 4)), "Nesterov"),
    ("hb", _hb(k=5), "after 5 steps"),
    ("hb", _hb(k=3), "after 3 steps"),
    ("hb", "[0, 0]", "differs"),
    ("hb", "[1/2, 1/2, 1/2]", "2×1"),
    ("hb_tol", "[0.7188, -0.390625]", "differs"),
    # α a = 2·3 > 2(1 + β): the question's own iterates diverge, and the feedback says so
    ("hb_div", "[0, 0]", "this question's iterates do not converge"),
    (
        "hb_prev",
        vec(heavy_ball(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 2)),
        "you started from w⁽⁻¹⁾ = w⁽⁰⁾",
    ),
    ("hbk", "[1 + (3/4)^k + (1/4)^k, 1 - (3/4)^k + (1/4)^k]", "plain gradient descent"),
    (
        "hbk",
        "[1 + (1/2)^k*(1 + k/2) + (1/2)^k*cos(k*pi/3), 1 - (1/2)^k*(1 + k/2)]",
        "for example",
    ),
    # Adam
    ("adam1", "[0.2, -0.1]", "gradient descent"),
    ("adam1", "[0.0995, -0.099]", "rounded"),
    ("adam_g", _adam_g(bias_m=False, bias_v=False), "you left out the bias correction"),
    ("adam_g", _adam_g(bias_v=False), "you corrected m but not v"),
    ("adam_g", _adam_g(bias_m=False), "you corrected v but not m"),
    ("adam_g", _adam_g(square=False), "averages g²"),
    ("adam_g", _adam_g(inside=True), "ε inside the square root"),
    ("adam_g", _adam_g(swap=True), "you swapped β₁ and 1 − β₁"),
    ("adam_g", vec(adam(_adam_given(ADAM_G_ROWS[:1]), [1, -1], *ADAM_ARGS), 15), "after 1 step"),
    (
        "adam_g",
        vec(adam(_adam_given([*ADAM_G_ROWS, [2, 2]]), [1, -1], *ADAM_ARGS), 15),
        "after 3 steps",
    ),
    ("adam_g", "[0.6, -1.3]", "gradient descent"),  # w − α(g₁ + g₂)
    ("adam_g", "[0.8, -1.2]", "differs"),
]


@pytest.mark.parametrize("qid,answer,words", WRONG)
def test_wrong_answers_get_their_feedback(qs, qid, answer, words):
    r = grade(qs, qid, answer)
    assert r["verdict"] == "incorrect", r
    assert words in r["feedback"], r["feedback"]


MALFORMED = ["", "29/", "[[1, 2]", r"\frac{29}{", "x +", "eps", "__import__('os')", "1 +* 2"]


@pytest.mark.parametrize("qid", ["ls", "bt", "hb", "hbk", "adam_g"])
@pytest.mark.parametrize("answer", MALFORMED)
def test_malformed_answers_are_invalid(qs, qid, answer):
    r = grade(qs, qid, answer)
    assert r["verdict"] == "invalid", r


# ------------------------------------------------------------------------------ bad specs

BASE = {
    "line_search_step": "A = [[3, 1], [1, 2]]\nb = [1, -1]\nw = [1, 1]\n",
    "momentum_iterate": (
        'A = [[2, 1], [1, 2]]\nb = [-1, 0]\nstart = [0, 1]\nlearning_rate = "1/2"\n'
        'momentum = "1/4"\n'
    ),
    "adam_step": (
        'start = [1, -1]\ngradients = [[1, 2], [3, 1]]\nlearning_rate = "1/10"\n'
        "beta1 = 0.9\nbeta2 = 0.999\neps = 0.01\n"
    ),
}


def spec_error(kind, body, base=True):
    text = f'[[question]]\nid = "q7"\nkind = "{kind}"\n' + (BASE[kind] if base else "") + body
    with pytest.raises(SpecError) as info:
        loads_spec(text)
    return str(info.value)


BAD = [
    # (kind, extra keys, replace the base data?, words that must appear)
    ("line_search_step", 'mode = "backtracking"\neps0 = 1e30\nc = 0.5\n', True, "`eps0`"),
    ("line_search_step", 'mode = "backtracking"\neps0 = 1e30\nc = 0.5\n', True, "60"),
    ("line_search_step", 'mode = "backtracking"\nc = 0.5\n', True, "missing key `eps0`"),
    ("line_search_step", 'mode = "backtracking"\neps0 = 1\n', True, "missing key `c`"),
    ("line_search_step", 'mode = "backtracking"\neps0 = 1\nc = 1\n', True, "key `c`"),
    (
        "line_search_step",
        'mode = "backtracking"\neps0 = 1\nc = 0.5\nfactor = 2\n',
        True,
        "`factor`",
    ),
    ("line_search_step", 'mode = "backtracking"\neps0 = -1\nc = 0.5\n', True, "`eps0`"),
    ("line_search_step", "eps0 = 1\n", True, "key `eps0`: only"),
    ("line_search_step", 'mode = "newton"\n', True, "key `mode`"),
    (
        "line_search_step",
        "A = [[3, 1], [1, 2]]\nb = [-4, -3]\nw = [1, 1]\n",
        False,
        "g = Aw + b = 0",
    ),
    ("line_search_step", "A = [[1, 0], [0, 0]]\nb = [0, 1]\nw = [0, 0]\n", False, "gᵀAg = 0"),
    ("line_search_step", "A = [[1, 2], [2, 1]]\nb = [0, 1]\nw = [0, 0]\n", False, "key `A`"),
    ("line_search_step", "A = [[1, 0], [0, 1]]\nb = [0, 1]\nw = [0, 0, 1]\n", False, "key `w`"),
    ("momentum_iterate", "steps = 101\n", True, "key `steps`"),
    ("momentum_iterate", "steps = -1\n", True, "key `steps`"),
    (
        "momentum_iterate",
        'A = [[2]]\nb = [0]\nstart = [1]\nlearning_rate = "alpha"\nmomentum = 0.25\nsteps = 2\n',
        False,
        "key `learning_rate`",
    ),
    (
        "momentum_iterate",
        'A = [[2]]\nb = [0]\nstart = [1]\nlearning_rate = 0.25\nmomentum = "beta"\n',
        False,
        "key `momentum`",
    ),
    ("momentum_iterate", "previous = [1]\n", True, "key `previous`"),
    (
        "momentum_iterate",
        "A = [[1, 0], [0, 0]]\nb = [0, 1]\nstart = [0, 0]\nlearning_rate = 0.5\nmomentum = 0.25\n",
        False,
        "key `b`",
    ),
    (  # companion roots at the angle acos(3/4): no closed form in sin and cos of kπ/q
        "momentum_iterate",
        'A = [[1]]\nb = [0]\nstart = [1]\nlearning_rate = 0.5\nmomentum = 0.25\nsteps = "k"\n',
        False,
        "key `steps`",
    ),
    (
        "momentum_iterate",
        "A = [[1,0,0,0,0],[0,1,0,0,0],[0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1]]\n"
        "b = [0,0,0,0,0]\nstart = [1,0,0,0,0]\nlearning_rate = 0.25\nmomentum = 0.25\n"
        'steps = "k"\n',
        False,
        "key `A`",
    ),
    (
        "adam_step",
        "start = [1]\ngradients = [[1]]\nlearning_rate = 0.1\nbeta1 = 1\nbeta2 = 0.9\neps = 0\n",
        False,
        "key `beta1`",
    ),
    ("adam_step", "steps = 3\n", True, "key `steps`"),
    ("adam_step", "A = [[1, 0], [0, 1]]\nb = [0, 0]\n", True, "exactly one of `A`"),
    (
        "adam_step",
        "start = [1, -1]\ngradients = [[1, 0]]\nlearning_rate = 0.1\nbeta1 = 0.9\nbeta2 = 0.9\n"
        "eps = 0\n",
        False,
        "key `eps`",
    ),
    (
        "adam_step",
        "start = [1, -1]\ngradients = [[1, 0, 2]]\nlearning_rate = 0.1\nbeta1 = 0.9\n"
        "beta2 = 0.9\neps = 0.1\n",
        False,
        "key `gradients`",
    ),
    (
        "adam_step",
        'start = [1, -1]\ngradients = [[1, 0], [1, "x"]]\nlearning_rate = 0.1\nbeta1 = 0.9\n'
        "beta2 = 0.9\neps = 0.1\n",
        False,
        "key `gradients` row 2",
    ),
    (
        "adam_step",
        "start = [0]\nA = [[1]]\nb = [1]\nsteps = 4\nlearning_rate = 0.1\nbeta1 = 0.9\n"
        "beta2 = 0.9\neps = 0.1\n",
        False,
        "key `steps`",
    ),
    (
        "adam_step",
        "start = [0]\nA = [[1]]\nlearning_rate = 0.1\nbeta1 = 0.9\nbeta2 = 0.9\neps = 0.1\n",
        False,
        "missing key `b`",
    ),
]


@pytest.mark.parametrize("kind,body,replace,words", BAD)
def test_bad_specs_name_question_and_key(kind, body, replace, words):
    if replace:
        msg = spec_error(kind, body)
    else:
        msg = spec_error(kind, body, base=False)
    assert "question q7" in msg
    assert words in msg, msg


def test_adam_on_a_large_quadratic_is_bounded_before_any_work():
    # 5x5 (one past the bound) with 2 steps is refused at A; 1 step, or 2 on a 4x4, loads
    def body(n, steps):
        eye = [[int(i == j) for j in range(n)] for i in range(n)]
        return (
            f"A = {eye}\nb = {[1] * n}\nstart = {[0] * n}\nlearning_rate = 0.1\n"
            f"beta1 = 0.9\nbeta2 = 0.999\neps = 0.01\nsteps = {steps}\n"
        )

    msg = spec_error("adam_step", body(5, 2), base=False)
    assert "key `A`" in msg and "4x4" in msg, msg
    head = '[[question]]\nid = "q7"\nkind = "adam_step"\n'
    for n, steps in [(5, 1), (4, 2)]:
        q = loads_spec(head + body(n, steps)).questions["q7"]
        # identity A, b = 1, from 0: every coordinate sees g = 1 at step 1, so the first step
        # moves each by -alpha * 1/(1 + eps) (bias-corrected m = g, v = g^2)
        if steps == 1:
            expected = sp.Rational(-1, 10) / (1 + sp.Rational(1, 100))
            assert all(sp.simplify(x - expected) == 0 for x in q.reference.value)


def test_reduction_bound_is_documented():
    assert MAX_REDUCTIONS == 60
    with pytest.raises(ValueError):
        armijo_backtracking([[1]], [1], [0], 10**30, "1/2", "1/2")


# ------------------------------------------------------------------------------ the example


def test_the_shipped_example_spec():
    """examples/homework/optimizers.toml loads (its `expected` answers agree with the
    references) and its references are the witnesses'."""
    from pathlib import Path

    from gdflow.checks.grade.spec import load_spec

    ps = load_spec(Path(__file__).parents[1] / "examples" / "homework" / "optimizers.toml")
    q = ps.questions
    assert q["L1"].reference.value == line_minimiser(A2, [1, -1], [1, 1])
    assert q["L2"].reference.value == backtrack([[2]], [-4], [0], 1, F(1, 2), F(1, 2))
    assert list(q["M1"].reference.value) == heavy_ball(HB_A, [-1, 0], [0, 1], F(1, 2), F(1, 4), 4)
    want = adam(_adam_given(ADAM_G_ROWS), [1, -1], *ADAM_ARGS)
    got = [mpmath.mpf(str(sp.N(e, 40))) for e in q["D1"].reference.value]
    assert all(abs(a - b) < mpmath.mpf(10) ** -30 for a, b in zip(got, want, strict=True))
    assert (
        grade_answer(q["M2"], "[1 + (3/4)^k + (1/4)^k, 1 - (3/4)^k + (1/4)^k]")["verdict"]
        == "incorrect"
    )
