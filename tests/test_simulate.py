"""gdflow.checks.simulate: real GD iterations (float64 and mpmath), input validation, least
squares."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from gdflow.checks.properties import iterate_tolerance
from gdflow.checks.simulate import (
    eigenvalue_tolerance,
    gd_trajectory,
    gd_trajectory_mp,
    least_squares_quadratic,
    quadratic_value,
    safe_norm,
    validate_quadratic,
)

# -- hand-computed trajectories ----------------------------------------------------------------
# J(w) = w^2 - 2w on R (A = [[2]], b = [-2]), alpha = 1/4: w_{k+1} = w_k/2 + 1/2, w_k = 1 - 2^-k
# from w_0 = 0 (computed by hand; all values dyadic, so float64 is exact).
TRAJECTORIES = [
    # (A, b, w0, alpha, ks, expected rows)
    ([[2.0]], [-2.0], [0.0], 0.25, [0, 1, 2, 3], [[0.0], [0.5], [0.75], [0.875]]),
    # alpha*a = 1: one step to the minimiser w* = 1
    ([[2.0]], [-2.0], [5.0], 0.5, [0, 1, 7], [[5.0], [1.0], [1.0]]),
    # alpha*a = 2: oscillates between w* ± (w0 - w*) = 1 ± 2
    ([[2.0]], [-2.0], [3.0], 1.0, [0, 1, 2, 11], [[3.0], [-1.0], [3.0], [-1.0]]),
    # a = 0, b != 0: drift w0 - alpha k b
    ([[0.0]], [1.0], [2.0], 0.5, [0, 4, 10], [[2.0], [0.0], [-3.0]]),
    # singular 2x2: the null coordinate never moves, the other converges
    ([[2.0, 0.0], [0.0, 0.0]], [-2.0, 0.0], [0.0, 7.0], 0.25, [0, 2], [[0.0, 7.0], [0.75, 7.0]]),
]


@pytest.mark.parametrize("A, b, w0, alpha, ks, expected", TRAJECTORIES)
def test_float64_trajectory_matches_hand_computation(A, b, w0, alpha, ks, expected):
    traj = gd_trajectory(A, b, w0, alpha, ks)
    assert traj.ks == tuple(ks)
    np.testing.assert_array_equal(traj.w, np.array(expected))  # dyadic data: exact


@pytest.mark.parametrize("A, b, w0, alpha, ks, expected", TRAJECTORIES)
def test_mpmath_trajectory_is_exact_on_dyadic_data(A, b, w0, alpha, ks, expected):
    traj = gd_trajectory_mp(A, b, w0, alpha, ks, dps=30)
    assert traj.dps == 30
    assert all(isinstance(x, mpmath.mpf) for x in traj.w.ravel())
    assert [[float(x) for x in row] for row in traj.w] == expected


def test_loss_is_the_quadratic_along_the_trajectory():
    A, b, c = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0]), 0.5
    traj = gd_trajectory(A, b, [1.0, 1.0], 0.1, [0, 3, 9], c=c)
    for w, loss in zip(traj.w, traj.loss, strict=True):
        assert loss == pytest.approx(quadratic_value(A, b, c, w), rel=1e-15)
    mp = gd_trajectory_mp(A, b, [1.0, 1.0], 0.1, [0, 3, 9], c=c)
    np.testing.assert_allclose(mp.as_float().loss, traj.loss, rtol=1e-14)


def test_mpmath_exact_against_rational_arithmetic():
    # 20 steps in exact rational arithmetic (fractions) vs 60-digit mpmath: agree to 1e-55
    A = [[0.75, 0.25], [0.25, 0.5]]
    b, w0, alpha = [0.125, -0.5], [1.0, -2.0], 0.375
    w = [Fraction(x) for x in w0]
    for _ in range(20):
        g = [sum(Fraction(A[i][j]) * w[j] for j in range(2)) + Fraction(b[i]) for i in range(2)]
        w = [w[i] - Fraction(alpha) * g[i] for i in range(2)]
    mp = gd_trajectory_mp(A, b, w0, alpha, [20], dps=60)
    with mpmath.mp.workdps(60):
        for i in range(2):
            exact = mpmath.mpf(w[i].numerator) / w[i].denominator
            assert abs(mp.w[0, i] - exact) <= mpmath.mpf(10) ** -55 * abs(exact)


def test_float64_iteration_error_grows_with_k_but_stays_small_in_a_contracting_case():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = Q @ np.diag([5.0, 3.0, 1.0, 0.5, 0.1, 1e-3]) @ Q.T
    A = (A + A.T) / 2
    b, w0 = rng.standard_normal(6), rng.standard_normal(6)
    ks = [0, 10, 100, 1000]
    f = gd_trajectory(A, b, w0, 0.3, ks).w
    m = gd_trajectory_mp(A, b, w0, 0.3, ks).as_float().w
    for i, k in enumerate(ks):  # the float64 run is backward stable per step (checks.properties)
        assert np.linalg.norm(f[i] - m[i]) <= iterate_tolerance(A, b, w0, 0.3, k)


def test_divergent_run_that_overflows_raises_naming_the_step():
    # |1 - 10*2| = 19 per step: 19^k passes 1.8e308 at k = 242
    with pytest.raises(
        OverflowError, match=r"left the float64 range at step k = 242 .*alpha \* a_max = 20"
    ):
        gd_trajectory([[2.0]], [0.0], [1.0], 10.0, [0, 400])


# -- least squares in 001's scale --------------------------------------------------------------


def test_least_squares_quadratic_is_one_over_2N_squared_residual():
    rng = np.random.default_rng(1)
    Phi, t = rng.standard_normal((7, 3)), rng.standard_normal(7)
    A, b, c = least_squares_quadratic(Phi, t)
    np.testing.assert_allclose(A, Phi.T @ Phi / 7, rtol=1e-15)
    np.testing.assert_allclose(b, -Phi.T @ t / 7, rtol=1e-15)
    for _ in range(5):
        w = rng.standard_normal(3)
        direct = np.sum((Phi @ w - t) ** 2) / (2 * 7)
        assert quadratic_value(A, b, c, w) == pytest.approx(direct, rel=1e-12)


def test_least_squares_shape_error_names_the_shapes():
    with pytest.raises(
        ValueError, match=r"t must have shape \(4,\) to match Phi \(4×2\); got shape \(3,\)"
    ):
        least_squares_quadratic(np.ones((4, 2)), np.ones(3))


# -- validation: errors name the bad value -----------------------------------------------------

BAD_INPUTS = [
    # (A, b, w0, alpha, error type, message pattern)
    (
        [[1.0, 0.0], [0.0, -0.5]],
        [0, 0],
        [0, 0],
        0.1,
        ValueError,
        r"A must be symmetric positive semidefinite; got a 2×2 matrix with eigenvalue -0.5",
    ),
    (
        [[1.0, 1.0], [0.0, 1.0]],
        [0, 0],
        [0, 0],
        0.1,
        ValueError,
        r"A must be symmetric; got a 2×2 matrix with A\[0, 1\] = 1.0 ≠ A\[1, 0\] = 0.0",
    ),
    (
        [[1.0, 0.0], [0.0, np.nan]],
        [0, 0],
        [0, 0],
        0.1,
        ValueError,
        r"A must be finite; got nan at A\[1, 1\]",
    ),
    (
        [[1.0, 0.0], [0.0, 1.0]],
        [0, np.inf],
        [0, 0],
        0.1,
        ValueError,
        r"b must be finite; got inf at b\[1\]",
    ),
    (
        [[1.0, 0.0], [0.0, 1.0]],
        [0, 0],
        [-np.inf, 0],
        0.1,
        ValueError,
        r"w0 must be finite; got -inf at w0\[0\]",
    ),
    (
        [[1.0, 0.0], [0.0, 1.0]],
        [0, 0, 0],
        [0, 0],
        0.1,
        ValueError,
        r"b must have shape \(2,\) to match A \(2×2\); got shape \(3,\)",
    ),
    (
        [[1.0, 0.0], [0.0, 1.0]],
        [0, 0],
        [0],
        0.1,
        ValueError,
        r"w0 must have shape \(2,\) to match A \(2×2\); got shape \(1,\)",
    ),
    (
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        [0, 0],
        [0, 0],
        0.1,
        ValueError,
        r"A must be a square D×D matrix with D ≥ 1; got shape \(2, 3\)",
    ),
    ([[1.0]], [0], [0], 0.0, ValueError, r"alpha must be a finite step size > 0; got alpha = 0.0"),
    (
        [[1.0]],
        [0],
        [0],
        -0.5,
        ValueError,
        r"alpha must be a finite step size > 0; got alpha = -0.5",
    ),
    (
        [[1.0]],
        [0],
        [0],
        np.nan,
        ValueError,
        r"alpha must be a finite step size > 0; got alpha = nan",
    ),
    ([[1.0]], [0], [0], "0.1", TypeError, r"alpha must be a real number; got '0.1' of type str"),
    ([["a"]], [0], [0], 0.1, TypeError, r"A must be an array of real numbers"),
]


@pytest.mark.parametrize("A, b, w0, alpha, error, message", BAD_INPUTS)
def test_bad_input_is_rejected_with_the_value_named(A, b, w0, alpha, error, message):
    with pytest.raises(error, match=message):
        validate_quadratic(A, b, w0, alpha)
    with pytest.raises(error, match=message):
        gd_trajectory(A, b, w0, alpha, [1])


@pytest.mark.parametrize(
    "ks, message",
    [
        ([-1], r"got -1.0"),
        ([1.5], r"got 1.5"),
        ([np.inf], r"cannot reach k = inf"),
        ([], r"nonempty .* got shape \(0,\)"),
    ],
)
def test_bad_step_counts_are_rejected(ks, message):
    with pytest.raises(ValueError, match=message):
        gd_trajectory([[1.0]], [0.0], [1.0], 0.1, ks)


def test_rounding_level_asymmetry_and_negative_eigenvalue_are_accepted():
    # a rotated singular matrix: symmetric and PSD only to working precision
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    A = Q @ np.diag([1.0, 0.5, 0.0, 0.0, 0.0]) @ Q.T
    ev = np.linalg.eigvalsh(A)
    assert abs(ev[0]) <= eigenvalue_tolerance(ev)  # the zero eigenvalues come out as ±O(eps)
    A2, *_ = validate_quadratic(A, np.zeros(5), np.zeros(5), 1.0)
    assert np.array_equal(A2, A2.T)


def test_eigenvalue_tolerance_is_10_D_eps_a_max():
    assert eigenvalue_tolerance(np.array([0.0, 1.0, 4.0])) == 10 * 3 * np.finfo(float).eps * 4.0


def test_safe_norm_does_not_underflow():
    x = np.array([3e-200, 4e-200])
    assert np.linalg.norm(x) == 0.0  # numpy squares and underflows
    assert safe_norm(x) == pytest.approx(5e-200, rel=1e-15)
    rows = safe_norm(np.array([[3e-200, 4e-200], [0.0, 0.0], [6.0, 8.0]]), axis=1)
    np.testing.assert_allclose(rows, [5e-200, 0.0, 10.0], rtol=1e-15, atol=0)


def test_symmetry_and_psd_errors_name_the_matrix():
    from gdflow.checks.simulate import check_psd, check_symmetric

    with pytest.raises(
        ValueError, match=r"Sigma must be symmetric; got a 2×2 matrix with Sigma\[0, 1\] = 1.0"
    ):
        check_symmetric("Sigma", np.array([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(
        ValueError,
        match="Sigma must be symmetric positive semidefinite; got a 2×2 matrix with eigenvalue -1",
    ):
        check_psd(np.array([-1.0, 3.0]), name="Sigma")


def test_doctests_of_simulate():
    import doctest

    import gdflow.checks.simulate

    result = doctest.testmod(gdflow.checks.simulate)
    assert result.attempted >= 2 and result.failed == 0
