"""gdflow.checks.momentum_numeric: the heavy-ball and Nesterov closed forms against an
independent witness (explicit loops in fractions.Fraction), on 1x1 and 2x2 cases, a singular A
with drift, k = 0, huge k and a diverging direction; the case classification against the
proved region; and the mpmath simulators of gdflow.checks.optimizers."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from gdflow.checks import momentum_numeric as mn
from gdflow.checks import optimizers as opt

F = Fraction


def witness(method: str, A: list[list[Fraction]], b, w0, alpha, beta, k: int):
    """w^(k) by the update rule itself, exactly (an explicit loop in Fractions)."""
    n = len(w0)

    def grad(w):
        return [sum(A[i][j] * w[j] for j in range(n)) + b[i] for i in range(n)]

    w, prev = list(w0), list(w0)
    for _ in range(k):
        if method == "heavy_ball":
            g = grad(w)
            new = [w[i] - alpha * g[i] + beta * (w[i] - prev[i]) for i in range(n)]
        else:
            y = [w[i] + beta * (w[i] - prev[i]) for i in range(n)]
            g = grad(y)
            new = [y[i] - alpha * g[i] for i in range(n)]
        w, prev = new, w
    return w


def floats(xs):
    return np.array([float(x) for x in xs])


@pytest.mark.parametrize("method", mn.METHODS)
@pytest.mark.parametrize("k", [0, 1, 2, 3, 7, 40])
def test_one_by_one_against_fraction_loop(method: str, k: int) -> None:
    a, b, w0, alpha, beta = F(2), F(-3), F(5), F(1, 4), F(1, 2)
    exact = witness(method, [[a]], [b], [w0], alpha, beta, k)
    got = mn.momentum_iterate(method, [[2.0]], [-3.0], [5.0], 0.25, 0.5, k)
    # the data are exact binary fractions: only the 2x2 power rounds (a few ulps of 5)
    assert abs(got.w[0] - float(exact[0])) <= 1e-14 * 5
    assert got.cases == ("converging",)


def test_one_by_one_hand_values() -> None:
    # heavy ball, a = 2, b = -3 (w* = 3/2), alpha = 1/4, beta = 1/2, w0 = 5:
    # w1 = 5 - (1/4)(10 - 3) = 13/4; w2 = 13/4 - (1/4)(13/2 - 3) + (1/2)(13/4 - 5) = 3/2
    r1 = mn.momentum_iterate("heavy_ball", [[2.0]], [-3.0], [5.0], 0.25, 0.5, 1)
    r2 = mn.momentum_iterate("heavy_ball", [[2.0]], [-3.0], [5.0], 0.25, 0.5, 2)
    assert r1.w[0] == pytest.approx(3.25, abs=1e-15)
    assert r2.w[0] == pytest.approx(1.5, abs=1e-15)


@pytest.mark.parametrize("method", mn.METHODS)
def test_two_by_two_against_fraction_loop(method: str) -> None:
    A = [[F(3), F(1)], [F(1), F(2)]]
    b, w0 = [F(-1), F(1, 2)], [F(1), F(-2)]
    for k in (1, 5, 30):
        exact = floats(witness(method, A, b, w0, F(1, 5), F(3, 10), k))
        got = mn.momentum_iterate(method, [[3.0, 1.0], [1.0, 2.0]], [-1, 0.5], [1, -2], 0.2, 0.3, k)
        assert np.max(np.abs(got.w - exact)) <= 64 * np.finfo(float).eps * (1 + k)
        assert got.cases == ("converging", "converging")


@pytest.mark.parametrize("method", mn.METHODS)
def test_singular_a_drifts_along_the_null_direction(method: str) -> None:
    # A = diag(2, 0): the second coordinate has no minimiser; b_2 = 1 makes it drift by
    # -alpha b_2/(1 - beta) per step asymptotically; the Fraction loop is the witness
    A = [[F(2), F(0)], [F(0), F(0)]]
    b, w0 = [F(-2), F(1)], [F(0), F(3)]
    for k in (0, 1, 4, 25):
        exact = floats(witness(method, A, b, w0, F(1, 4), F(1, 2), k))
        got = mn.momentum_iterate(method, [[2.0, 0], [0, 0]], [-2.0, 1.0], [0, 3.0], 0.25, 0.5, k)
        assert np.max(np.abs(got.w - exact)) <= 1e-13 * (1 + k)
    null = [d for d in got.directions if d.null]
    assert len(null) == 1 and null[0].case == "boundary"
    assert null[0].drift == pytest.approx(-0.5)  # -(1/4)(1)/(1 - 1/2)
    # b with no null component: the null coordinate stays put
    still = mn.momentum_iterate(method, [[2.0, 0], [0, 0]], [-2.0, 0], [0, 3.0], 0.25, 0.5, 10**6)
    assert still.w[1] == 3.0 and still.directions[0].drift == 0.0


def test_null_direction_formula_against_loop() -> None:
    for beta in (F(0), F(1, 3), F(9, 10)):
        w, v = F(2), F(0)
        for k in range(12):
            assert mn.null_direction(F(2), F(3), F(1, 7), beta, k) == w
            v = beta * v - F(1, 7) * 3
            w = w + v


@pytest.mark.parametrize("method", mn.METHODS)
def test_k_zero_returns_w0_exactly(method: str) -> None:
    w0 = np.array([0.1, -0.7, 3.3])
    A = np.array([[2.0, 0.3, 0], [0.3, 1.0, 0], [0, 0, 0]])
    got = mn.momentum_iterate(method, A, [1.0, 2.0, 3.0], w0, 0.1, 0.9, 0)
    assert np.array_equal(got.w, w0)


def test_huge_k_converges_to_the_minimiser() -> None:
    # k = 10**6 in ~40 products of 2x2 matrices; the converging iterate is the minimiser
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([-1.0, 0.5])
    star = -np.linalg.solve(A, b)
    for method in mn.METHODS:
        got = mn.momentum_iterate(method, A, b, [10.0, -10.0], 0.2, 0.5, 10**6)
        assert np.max(np.abs(got.w - star)) <= 1e-14
        assert np.all(np.isfinite(got.w))


def test_diverging_direction_overflow_is_an_error_and_dps_gives_the_value() -> None:
    # 1x1 heavy ball a = 1, alpha = 3.5, beta = 0.5: alpha a = 3.5 > 2(1 + beta) = 3
    assert mn.classify("heavy_ball", 3.5, 0.5, 1.0) == "diverging"
    small = mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], 3.5, 0.5, 6)
    exact = witness("heavy_ball", [[F(1)]], [F(0)], [F(1)], F(7, 2), F(1, 2), 6)
    assert small.w[0] == float(exact[0])  # honest finite value at small k
    with pytest.raises(mn.MomentumOverflowError, match="direction 0"):
        mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], 3.5, 0.5, 10**6)
    big = mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], 3.5, 0.5, 10**6, dps=30)
    rho = mn.spectral_radius("heavy_ball", 3.5, 0.5, 1.0)
    # |w^(k)| grows like rho^k: compare orders of magnitude (log10), not digits
    assert abs(mpmath.log10(abs(big.w[0])) - 10**6 * np.log10(rho)) < 5
    # mpmath at small k agrees with the exact witness
    mid = mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], 3.5, 0.5, 60, dps=40)
    ref = witness("heavy_ball", [[F(1)]], [F(0)], [F(1)], F(7, 2), F(1, 2), 60)[0]
    with mpmath.workdps(40):
        err = abs(mid.w[0] - mpmath.mpf(ref.numerator) / ref.denominator)
        assert err <= abs(mpmath.mpf(ref.numerator) / ref.denominator) * mpmath.mpf(10) ** -30


def test_at_minimiser_a_diverging_direction_stays_put() -> None:
    got = mn.momentum_iterate("heavy_ball", [[1.0]], [-2.0], [2.0], 3.5, 0.5, 10**6)
    assert got.w[0] == 2.0 and got.cases == ("diverging",)


@pytest.mark.parametrize("beta", [0.0, 0.25, 0.375])
def test_classify_heavy_ball_is_the_proved_region(beta: float) -> None:
    # momentum.heavy_ball: converging iff 0 < alpha a < 2 (1 + beta)
    edge = 2 * (1 + beta)
    assert mn.classify("heavy_ball", edge, beta, 1.0) == "boundary"
    assert mn.classify("heavy_ball", edge * (1 - 1e-12), beta, 1.0) == "converging"
    assert mn.classify("heavy_ball", edge * (1 + 1e-12), beta, 1.0) == "diverging"
    assert mn.classify("heavy_ball", 1.0, beta, 0.0) == "boundary"


def test_classify_nesterov_region() -> None:
    # Nesterov: converging iff 0 < alpha a < (2 + 2 beta)/(1 + 2 beta); beta = 1/2: 3/2
    assert mn.classify("nesterov", 1.5, 0.5, 1.0) == "boundary"
    assert mn.classify("nesterov", 1.49, 0.5, 1.0) == "converging"
    assert mn.classify("nesterov", 1.51, 0.5, 1.0) == "diverging"
    assert mn.spectral_radius("nesterov", 1.5, 0.5, 1.0) == pytest.approx(1.0)


def test_companion_is_read_from_the_derivation() -> None:
    assert mn.companion_matrix("heavy_ball", F(1, 2), F(1, 4), F(1)) == [
        [F(3, 4), F(-1, 4)],
        [1, 0],
    ]
    assert mn.companion_matrix("nesterov", F(1, 2), F(1, 3), F(1)) == [
        [F(2, 3), F(-1, 6)],
        [1, 0],
    ]


def test_double_root_power_is_exact_in_fractions() -> None:
    # Nesterov at m = 1, M = 100: double root 9/10 at a = 1; C^k = 9/10^k-type Jordan block,
    # and C^k (1, 1) has first entry (9/10)^k (1 + k/9 ... ) checked against the loop
    C = mn.companion_matrix("nesterov", F(1, 100), F(9, 11), F(1))
    for k in (0, 1, 2, 17):
        P = mn.matrix_power(C, k)
        e = witness("nesterov", [[F(1)]], [F(0)], [F(1)], F(1, 100), F(9, 11), k)[0]
        assert P[0][0] + P[0][1] == e


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(alpha=0.0, beta=0.5), "alpha"),
        (dict(alpha=0.1, beta=1.0), "beta"),
        (dict(alpha=float("nan"), beta=0.5), "alpha"),
    ],
)
def test_bad_hyperparameters_named(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], k=3, **kwargs)


def test_bad_k_and_method() -> None:
    for k in (-1, 1.5, True):
        with pytest.raises(ValueError, match="k must be"):
            mn.momentum_iterate("heavy_ball", [[1.0]], [0.0], [1.0], 0.1, 0.5, k)
    with pytest.raises(ValueError, match="unknown method"):
        mn.momentum_iterate("adam", [[1.0]], [0.0], [1.0], 0.1, 0.5, 3)


# -- the mpmath simulators of gdflow.checks.optimizers ----------------------------------------


@pytest.mark.parametrize(
    "method,params",
    [
        ("gd", dict(alpha=0.1)),
        ("heavy_ball", dict(alpha=0.1, beta=0.5)),
        ("nesterov", dict(alpha=0.1, beta=0.5)),
    ],
)
def test_mp_simulators_exact_against_fractions(method: str, params: dict) -> None:
    # binary-exact data, Fraction witness; 60 digits resolve every step of 20
    A = [[F(3), F(1)], [F(1), F(2)]]
    b, w0 = [F(-1), F(1, 2)], [F(1), F(-2)]
    alpha = F(params["alpha"])  # the float 0.1 exactly
    beta = F(params.get("beta", 0.0))
    grad = opt.quadratic_gradient([[3.0, 1.0], [1.0, 2.0]], [-1.0, 0.5], dps=60)
    got = opt.run(method, grad, [1.0, -2.0], 20, dps=60, **params)
    m = "heavy_ball" if method == "gd" else method
    exact = witness(m, A, b, w0, alpha, beta, 20)
    with mpmath.workdps(60):
        for i in range(2):
            ref = mpmath.mpf(exact[i].numerator) / exact[i].denominator
            assert abs(got[20, i] - ref) <= mpmath.mpf(10) ** -50 * (1 + abs(ref))


@pytest.mark.parametrize("method", ["adagrad", "rmsprop", "adam"])
def test_mp_adaptive_first_step_to_40_digits(method: str) -> None:
    # from zero state with eps = 0 every first step is w0 - alpha sign(g)/sqrt(c), c = 1 - rho
    # for RMSprop and 1 otherwise (Adam's bias correction cancels 1 - beta_i exactly here,
    # where float64 would round 1 - beta2^1); g = A w0 + b = (1, -1/2)
    grad = opt.quadratic_gradient([[3.0, 1.0], [1.0, 2.0]], [-1.0, 0.5], dps=40)
    got = opt.run(method, grad, [1.0, -1.0], 1, dps=40, alpha=0.1, eps=0.0)
    with mpmath.workdps(40):
        c = 1 - mpmath.mpf(0.9) if method == "rmsprop" else mpmath.mpf(1)
        s = mpmath.mpf(0.1) / mpmath.sqrt(c)
        assert abs(got[1, 0] - (1 - s)) <= mpmath.mpf(10) ** -38
        assert abs(got[1, 1] - (-1 + s)) <= mpmath.mpf(10) ** -38


def test_mp_rejects_bad_dps_and_keeps_the_shared_errors() -> None:
    grad = opt.quadratic_gradient([[1.0]], [0.0], dps=30)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="dps"):
            opt.run("gd", grad, [1.0], 2, dps=bad, alpha=0.1)
    with pytest.raises(ValueError, match="beta"):
        opt.run("heavy_ball", grad, [1.0], 2, dps=30, alpha=0.1, beta=1.5)
    with pytest.raises(ValueError, match="alpha"):
        opt.adam_step([1.0], opt.AdamState([0.0], [0.0], 0), [1.0], -1.0, dps=30)


def test_mp_divergence_to_huge_values_is_finite_not_nan() -> None:
    # mpmath's exponent is unbounded: 2000 steps of GD at alpha a = 3 (|1 - 3| = 2) give 2^2000
    grad = opt.quadratic_gradient([[1.0]], [0.0], dps=20)
    out = opt.run("gd", grad, [1.0], 2000, dps=20, alpha=3.0)
    assert out[-1, 0] == mpmath.mpf(2) ** 2000
    with pytest.raises(ValueError, match="diverged"):
        opt.run("gd", opt.quadratic_gradient([[1.0]], [0.0]), [1.0], 2000, alpha=3.0)
