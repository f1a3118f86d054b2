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
    this test fails by chance with probability at most 6e-8 (union bound) if the formulas are right."""
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
