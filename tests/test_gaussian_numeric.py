"""gdflow.checks.gaussian_numeric, checks.gaussian_properties and the uncertainty-band example."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2, norm

from gdflow.checks.gaussian_numeric import affine_moments, prediction_moments, psd_factor
from gdflow.checks.gaussian_properties import mean_ok, sd_bounds
from gdflow.checks.properties import load_properties, run_checks

EPS = np.finfo(float).eps


def _rank_deficient_problem():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))  # 4x5 of rank 2
    y = rng.standard_normal(4)
    xs = rng.standard_normal((7, 5))
    mu0 = rng.standard_normal(5)
    L = rng.standard_normal((5, 5))
    return X, y, xs, mu0, L @ L.T


def test_prediction_moments_at_zero_and_infinity_any_rank():
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    m = prediction_moments(X, y, xs, [0.0, 1.0, np.inf], mu0, S0)
    assert (
        np.all(np.isfinite(m.mean)) and np.all(np.isfinite(m.variance)) and np.all(m.variance >= 0)
    )
    # t = 0: the prior predictive
    assert np.allclose(m.mean[0], xs @ mu0, rtol=1e-13) and np.allclose(
        m.variance[0], np.einsum("md,de,me->m", xs, S0, xs), rtol=1e-12
    )
    # t = oo: mean x*^T (X^+ y + (I - X^+ X) mu0), variance only from the null space of X
    P = np.eye(5) - np.linalg.pinv(X) @ X
    assert np.allclose(m.mean[-1], xs @ (np.linalg.pinv(X) @ y + P @ mu0), rtol=1e-10)
    assert np.allclose(m.variance[-1], np.einsum("md,de,me->m", xs @ P, S0, xs @ P), rtol=1e-10)
    assert np.all(m.variance[-1] > 1e-3)  # rank-deficient: uncertainty is left


def test_prediction_moments_match_a_direct_evaluation_with_expm():
    from scipy.linalg import expm

    X, y, xs, mu0, S0 = _rank_deficient_problem()
    K = X @ X.T
    Kp = np.linalg.pinv(K, hermitian=True)
    t = 0.7
    E = np.eye(4) - expm(-K * t)
    m = prediction_moments(X, y, xs, [t], mu0, S0)
    for j, x in enumerate(xs):
        k = X @ x
        a = k @ Kp @ E @ y
        b = x - X.T @ E @ Kp @ k
        assert m.mean[0, j] == pytest.approx(a + b @ mu0, rel=1e-9, abs=1e-12)
        assert m.variance[0, j] == pytest.approx(b @ S0 @ b, rel=1e-9, abs=1e-12)


def test_variance_decreases_along_the_flow_for_an_isotropic_prior():
    """With Sigma0 = s^2 I, b(t) = (I - V diag(1 - e^{-s_j^2 t}) V^T) x* has a non-increasing
    norm, so the variance never grows."""
    X, y, xs, mu0, _ = _rank_deficient_problem()
    m = prediction_moments(X, y, xs, np.linspace(0, 5, 40), mu0, 0.04 * np.eye(5))
    assert np.all(np.diff(m.variance, axis=0) <= 1e-12)


def test_affine_moments_and_psd_factor():
    B = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]])
    S = np.array([[2.0, 1.0], [1.0, 1.0]])
    mean, cov = affine_moments(B, [1, 0, 0], [1, -1], S)
    assert np.allclose(mean, [0.0, -2.0, -1.0]) and np.allclose(cov, B @ S @ B.T)
    R = psd_factor(np.array([[1.0, 1.0], [1.0, 1.0]]))  # singular PSD
    assert np.allclose(R @ R.T, [[1.0, 1.0], [1.0, 1.0]], atol=1e-15)
    with pytest.raises(ValueError, match="positive semidefinite"):
        psd_factor([[1.0, 2.0], [2.0, 1.0]])


def test_statistical_bounds_have_the_stated_level():
    """The acceptance intervals are exact quantiles: at level alpha, z and the chi-square bounds
    leave probability alpha outside (checked against scipy's cdfs)."""
    alpha, S = 1e-6, 2000
    ok, allowed = mean_ok(0.0, 0.0, 1.0, S, alpha, 0.0)
    assert ok and 2 * norm.sf(allowed * np.sqrt(S)) == pytest.approx(alpha, rel=1e-9)
    lo, hi = sd_bounds(1.0, S, alpha, 0.0)
    dof = S - 1
    assert chi2.cdf(lo**2 * dof, dof) + chi2.sf(hi**2 * dof, dof) == pytest.approx(alpha, rel=1e-9)


def test_properties_registered_and_pass():
    """Fixed seed: with FALSE_ALARM_PER_EXAMPLE = 1e-9 and 30 examples per Monte Carlo property,
    this test fails by chance with probability at most 6e-8 (union bound) if the formulas are right.
    """
    names = {
        "gaussian.affine_moments",
        "gaussian.affine_density",
        "gaussian.prediction_variance_mc",
    }
    assert names <= set(load_properties())
    results = run_checks("gaussian.", examples=30, seed=0)
    assert {r.name for r in results} == names
    failed = [(r.name, r.counterexample) for r in results if not r.passed]
    assert not failed, failed


def test_monte_carlo_catches_a_wrong_variance():
    """A variance 10% too large is rejected: with 20 000 draws the chi-square acceptance interval
    at level 1e-10 spans about -6.3% ... +6.6% of the variance (the sample size of both Monte
    Carlo properties; with 2000 draws it would be about ±20%)."""
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    m = prediction_moments(X, y, xs[:1], [0.5], mu0, S0)
    rng = np.random.default_rng(0)
    b = m.b[0, 0]
    f = b @ (mu0[:, None] + psd_factor(S0) @ rng.standard_normal((5, 20_000))) + m.a[0, 0]
    sd_hat = f.std(ddof=1)
    lo, hi = sd_bounds(np.sqrt(m.variance[0, 0]), 20_000, 1e-10, 0.0)
    assert lo <= sd_hat <= hi
    lo, hi = sd_bounds(np.sqrt(1.1 * m.variance[0, 0]), 20_000, 1e-10, 0.0)
    assert not lo <= sd_hat <= hi


def test_uncertainty_band_example(tmp_path):
    import examples.uncertainty_band as ex

    out = ex.main(["-o", str(tmp_path / "band.png")])
    assert out.exists() and out.stat().st_size > 10_000
    xg, mean, sd, ls = ex.band()
    widths = sd.max(axis=1)
    assert np.all(np.diff(widths) < 0)  # the band shrinks at every later time shown
    assert widths[-1] < 1e-12 and np.abs(mean[-1] - ls).max() < 1e-12  # onto the least-squares line
    assert widths[0] == pytest.approx(
        0.1 * np.sqrt(2), rel=1e-12
    )  # prior sd at x = 1: 0.1 * ||(1, 1)||


# -- generated from the formulas ---------------------------------------------------------------


def test_prediction_moments_follow_edited_formulas():
    """prediction_moments evaluates the spectral forms it is given: e^{-2 s^2 t} in b(t) is the
    catalogue's variance at 2t; tau replaced by 2 tau in the mean is the catalogue's mean for 2y."""
    import dataclasses

    import sympy as sp

    from gdflow.derive.gaussian import PREDICTION_MEAN, PREDICTION_VARIANCE, xi_
    from gdflow.derive.notation import t as t_sym
    from gdflow.derive.pseudoinverse import s_, tau_

    X, y, xs, mu0, S0 = _rank_deficient_problem()
    times = np.array([0.0, 0.3, 2.0, np.inf])
    base = prediction_moments(X, y, xs, times, mu0, S0)
    var2 = dataclasses.replace(PREDICTION_VARIANCE, spectral=xi_ * sp.exp(-2 * s_**2 * t_sym))
    mean2 = dataclasses.replace(
        PREDICTION_MEAN, spectral=PREDICTION_MEAN.spectral.subs(tau_, 2 * tau_)
    )
    edited = prediction_moments(X, y, xs, times, mu0, S0, mean_formula=mean2, variance_formula=var2)
    at_2t = prediction_moments(X, y, xs, 2 * times, mu0, S0)
    doubled_y = prediction_moments(X, 2 * y, xs, times, mu0, S0)
    assert np.allclose(edited.variance, at_2t.variance, rtol=1e-12, atol=1e-14)
    assert np.allclose(edited.mean, doubled_y.mean, rtol=1e-12, atol=1e-14)
    assert not np.allclose(edited.variance[1:3], base.variance[1:3], rtol=1e-3)
    assert not np.allclose(edited.mean[1:], base.mean[1:], rtol=1e-3)


def test_affine_moments_follow_edited_formulas():
    import dataclasses

    from gdflow.derive.gaussian import AFFINE_COVARIANCE, AFFINE_MEAN, B, Sigma, mu

    Bm = np.array([[1.0, 2.0], [0.0, 1.0]])
    S = np.array([[2.0, 1.0], [1.0, 1.0]])
    mean, cov = affine_moments(
        Bm,
        [1.0, 1.0],
        [1.0, -1.0],
        S,
        mean_formula=dataclasses.replace(AFFINE_MEAN, expr=B * mu),
        covariance_formula=dataclasses.replace(AFFINE_COVARIANCE, expr=B.T * Sigma * B),
    )
    assert np.allclose(mean, Bm @ [1.0, -1.0]) and np.allclose(cov, Bm.T @ S @ Bm)


@pytest.mark.parametrize("factor", [1e-170, 1e-150, 1e150, 1e160])
def test_prediction_moments_at_extreme_scales(factor):
    """(X, y) scaled by 1e-170 ... 1e160: the flow is the unscaled one at time factor^2 t, so
    t = 0 and t = inf give the same moments (and, where factor^2 is a float, so do the times
    t / factor^2); finite everywhere.  Before the rescaling s^2 t under- or overflowed (NaN)."""
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    base = prediction_moments(X, y, xs, [0.0, 0.4, np.inf], mu0, S0)
    times = [0.0, 0.4 / factor**2, np.inf] if 1e-150 <= factor <= 1e150 else [0.0, np.inf]
    m = prediction_moments(X * factor, y * factor, xs, times, mu0, S0)
    rows = [0, 1, 2] if len(times) == 3 else [0, 2]
    assert np.all(np.isfinite(m.mean)) and np.all(np.isfinite(m.variance))
    assert np.allclose(m.mean, base.mean[rows], rtol=1e-11, atol=1e-13)
    assert np.allclose(m.variance, base.variance[rows], rtol=1e-11, atol=1e-13)


def test_mean_scale_is_the_sum_scale_at_time_t_over_n():
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    times = np.array([0.0, 0.5, 4.0, np.inf])
    mean_scale = prediction_moments(X, y, xs, times, mu0, S0, scale="mean")
    sum_scale = prediction_moments(X, y, xs, times / X.shape[0], mu0, S0, scale="sum")
    assert np.allclose(mean_scale.mean, sum_scale.mean, rtol=1e-14, atol=1e-15)
    assert np.allclose(mean_scale.variance, sum_scale.variance, rtol=1e-14, atol=1e-15)


def test_huge_time_is_infinity_and_a_is_the_mean_at_zero_prior():
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    m = prediction_moments(X, y, xs, [1e300, np.inf, 0.7], mu0, S0)
    assert np.array_equal(m.mean[0], m.mean[1]) and np.array_equal(m.variance[0], m.variance[1])
    zero_prior = prediction_moments(X, y, xs, [0.7], np.zeros(5), S0)
    assert np.allclose(m.a[2], zero_prior.mean[0], rtol=1e-14, atol=1e-15)
    assert np.allclose(m.mean[2], m.a[2] + m.b[2] @ mu0, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"times": [-1.0]}, "times must be"),
        ({"times": [np.nan]}, "times must be"),
        ({"x_star": np.ones((2, 4))}, "x_star must have 5 columns"),
        ({"Sigma0": np.eye(4)}, "Sigma0 must be 5"),
    ],
)
def test_prediction_moments_errors_name_the_value(kwargs, message):
    X, y, xs, mu0, S0 = _rank_deficient_problem()
    args = {"X": X, "y": y, "x_star": xs, "times": [1.0], "mu0": mu0, "Sigma0": S0, **kwargs}
    with pytest.raises(ValueError, match=message):
        prediction_moments(**args)


def test_rank_zero_keeps_the_prior_at_every_time():
    """X = 0: nothing is learnt; every time (inf included) gives the prior predictive."""
    _, _, xs, mu0, S0 = _rank_deficient_problem()
    m = prediction_moments(np.zeros((4, 5)), np.ones(4), xs, [0.0, 3.0, np.inf], mu0, S0)
    prior_var = np.einsum("md,de,me->m", xs, S0, xs)
    assert np.allclose(m.mean, (xs @ mu0)[None, :], rtol=1e-14, atol=1e-14)
    assert np.allclose(m.variance, prior_var[None, :], rtol=1e-13, atol=0)
    assert np.all(m.a == 0)
