"""momentum.heavy_ball and momentum.nesterov (003 momentum slide, 001 §2.3): every labelled step
verified at its honest level, the exact helpers, and independent numpy witnesses: heavy ball and
Nesterov iterated on random κ = 100 quadratics, and the companion matrix's spectral radius inside
and outside the claimed convergence region."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gdflow.derive.catalogue import MODULES, get
from gdflow.derive.derivation import Level
from gdflow.derive.momentum import (
    gd_rate,
    heavy_ball_matrix,
    heavy_ball_rate,
    nesterov_matrix,
    nesterov_rate,
    optimal_parameters,
)

HEAVY_BALL_LEVELS = {
    "recurrence": Level.PROVED,
    "companion": Level.PROVED,
    "characteristic": Level.PROVED,
    "region": Level.CHECKED,
    "disc_m": Level.PROVED,
    "disc_M": Level.PROVED,
    "modulus": Level.PROVED,
    "rate": Level.CHECKED,
    "comparison": Level.PROVED,
}

NESTEROV_LEVELS = {
    "recurrence": Level.PROVED,
    "companion": Level.PROVED,
    "characteristic": Level.PROVED,
    "slowest": Level.PROVED,
    "rate": Level.PROVED,
    "disc": Level.PROVED,
    "disc_factored": Level.PROVED,
    "disc_sign": Level.CHECKED,
    "roots": Level.PROVED,
    "modulus": Level.PROVED,
    "modulus_tuned": Level.PROVED,
    "rate_all": Level.CHECKED,
}


def _levels(derivation_id: str) -> dict[str, Level | None]:
    d = get(derivation_id)
    assert d.verified, [(s.label, str(s.certificate)) for s in d.all_steps if not s.verified]
    return {s.label: s.certificate.level for s in d.all_steps if s.label}


def test_registered_in_reading_order():
    """Strong convexity, then line search, then momentum, then the adaptive methods."""
    order = [MODULES.index(m) for m in ("convexity", "search", "momentum", "adaptive")]
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("derivation_id", "expected"),
    [("momentum.heavy_ball", HEAVY_BALL_LEVELS), ("momentum.nesterov", NESTEROV_LEVELS)],
)
def test_verified_at_its_levels(derivation_id, expected):
    levels = _levels(derivation_id)
    assert levels == expected
    d = get(derivation_id)
    # the Jury/Schur-Cohn criterion is the only stated step
    stated = [s for s in d.steps if s.certificate.level is Level.STATED]
    assert len(stated) == (1 if derivation_id == "momentum.heavy_ball" else 0)


def test_results_are_the_rates():
    kappa = sp.Symbol("kappa", positive=True)
    q = sp.sqrt(kappa)
    hb = get("momentum.heavy_ball")
    assert hb.result == hb.step("rate").claim
    assert sp.simplify(hb.formulas["rate"].expr - (q - 1) / (q + 1)) == 0
    ne = get("momentum.nesterov")
    assert sp.simplify(ne.formulas["rate"].expr - (1 - 1 / q)) == 0


# -- exact helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "M", "root"), [(1, 4, 2), (1, 100, 10), (2, 50, 5), (3, 3, 1)])
def test_optimal_parameters_give_one_double_modulus(m, M, root):
    al, be = optimal_parameters(m, M)
    assert al == sp.Rational(4, (root + 1) ** 2 * m) and be == sp.Rational(root - 1, root + 1) ** 2
    rho = heavy_ball_rate(m, M)
    assert rho == sp.Rational(root - 1, root + 1)
    for a in (sp.Integer(m), sp.Rational(m + M, 2), sp.Integer(M)):
        C = heavy_ball_matrix(al, be, a)
        for ev in C.eigenvals():
            assert sp.simplify(sp.Abs(ev) - rho) == 0, (a, ev)
    # at the ends the roots coincide: the discriminant vanishes
    assert heavy_ball_matrix(al, be, m).eigenvals() == {rho: 2}


@pytest.mark.parametrize("root", [2, 3, 10])
def test_nesterov_double_root_on_the_slowest_direction(root):
    m, M = 1, root**2
    beta = sp.Rational(root - 1, root + 1)
    C = nesterov_matrix(sp.Rational(1, M), beta, m)
    assert C.eigenvals() == {nesterov_rate(m, M): 2}
    assert nesterov_rate(m, M) == 1 - sp.Rational(1, root)


def test_rates_compare():
    assert gd_rate(1, 100) == sp.Rational(99, 101)
    assert heavy_ball_rate(1, 100) < nesterov_rate(1, 100) < gd_rate(1, 100)


def test_helpers_reject_bad_bounds():
    with pytest.raises(ValueError, match="m = 0"):
        optimal_parameters(0, 1)
    with pytest.raises(ValueError, match="M = 1"):
        heavy_ball_rate(2, 1)


# -- numpy witnesses ---------------------------------------------------------------------------


def _quadratic(rng: np.random.Generator, m: float, M: float, n: int = 20):
    eigs = np.concatenate([[m, M], rng.uniform(m, M, n - 2)])
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(eigs) @ Q.T
    b = rng.standard_normal(n)
    return A, b, np.linalg.solve(A, -b)


def _fit_rate(errors: np.ndarray, k0: int, k1: int) -> float:
    ks = np.arange(k0, k1)
    slope = np.polyfit(ks, np.log(errors[k0:k1]), 1)[0]
    return float(np.exp(slope))


def _heavy_ball(A, b, w0, alpha, beta, steps):
    prev, w = w0.copy(), w0.copy()
    out = [w]
    for _ in range(steps):
        w, prev = w - alpha * (A @ w + b) + beta * (w - prev), w
        out.append(w)
    return out


def _nesterov(A, b, w0, alpha, beta, steps):
    prev, w = w0.copy(), w0.copy()
    out = [w]
    for _ in range(steps):
        y = w + beta * (w - prev)
        w, prev = y - alpha * (A @ y + b), w
        out.append(w)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heavy_ball_observed_rate_is_the_derived_rate(seed):
    rng = np.random.default_rng(seed)
    m, M = 1.0, 100.0
    A, b, wstar = _quadratic(rng, m, M)
    al, be = (float(v) for v in optimal_parameters(1, 100))
    w0 = rng.standard_normal(len(b))
    errors = np.array([np.linalg.norm(w - wstar) for w in _heavy_ball(A, b, w0, al, be, 120)])
    expected = float(heavy_ball_rate(1, 100))  # 9/11
    # the double roots at a = m and a = M add a factor k: the raw fit sits a little above rho,
    # the fit of error / k on it
    raw = _fit_rate(errors, 20, 120)
    assert expected < raw < expected + 0.02, raw
    observed = _fit_rate(errors / np.arange(1, len(errors) + 1), 20, 120)
    assert abs(observed - expected) < 0.003, observed
    # GD at its best step size on the same problem is far slower: 99/101
    w = w0.copy()
    gd_errors = []
    for _ in range(120):
        gd_errors.append(np.linalg.norm(w - wstar))
        w = w - 2 / (m + M) * (A @ w + b)
    gd_observed = _fit_rate(np.array(gd_errors), 20, 120)
    assert abs(gd_observed - float(gd_rate(1, 100))) < 0.005, gd_observed
    assert observed < gd_observed - 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_nesterov_slowest_direction_rate(seed):
    rng = np.random.default_rng(seed)
    m, M = 1.0, 100.0
    A, b, wstar = _quadratic(rng, m, M)
    beta = float(sp.Rational(9, 11))
    w0 = rng.standard_normal(len(b))
    errors = np.array([np.linalg.norm(w - wstar) for w in _nesterov(A, b, w0, 1 / M, beta, 300)])
    # the slowest direction's double root 9/10 dominates, times a factor k
    observed = _fit_rate(errors / np.arange(1, len(errors) + 1), 100, 300)
    assert abs(observed - float(nesterov_rate(1, 100))) < 0.002, observed


def test_companion_spectral_radius_matches_the_region():
    rng = np.random.default_rng(12)
    inside = outside = 0
    for _ in range(4000):
        alpha = rng.uniform(0.01, 2.0)
        beta = rng.uniform(-0.3, 1.3)
        a = rng.uniform(0.0, 4.0)
        x = alpha * a
        # keep clear of the boundary, where rounding decides
        margin = min(abs(beta), abs(abs(beta) - 1), abs(x), abs(x - 2 * (1 + beta)))
        if margin < 1e-3:
            continue
        # the stated Jury/Schur-Cohn criterion, c0 = beta, c1 = -(1 + beta - x), any real beta
        jury = abs(beta) < 1 and abs(1 + beta - x) < 1 + beta
        # the derived region, for beta >= 0 (the derivation's assumption)
        claimed = 0 <= beta < 1 and 0 < x < 2 * (1 + beta) if beta >= 0 else jury
        C = np.array([[1 + beta - x, -beta], [1.0, 0.0]])
        radius = max(abs(np.linalg.eigvals(C)))
        assert (radius < 1) == claimed == jury, (alpha, beta, a, radius)
        inside += claimed
        outside += not claimed
    assert inside > 500 and outside > 500


def test_nesterov_companion_by_numpy():
    # independent of sympy: the matrix built by hand, its eigenvalues by numpy
    root = 10
    beta, g = (root - 1) / (root + 1), 1 - 1 / root**2
    C = np.array([[(1 + beta) * g, -beta * g], [1.0, 0.0]])
    assert np.allclose(np.abs(np.linalg.eigvals(C)), 1 - 1 / root, atol=1e-6)
    assert np.allclose(np.array(nesterov_matrix(0.01, sp.Rational(9, 11), 1), dtype=float), C)


@pytest.mark.parametrize(("m", "M"), [(1, 100), (1, 4), (3, 7), (2, 50)])
def test_nesterov_rate_for_every_curvature_by_numpy(m, M):
    """At alpha = 1/M, beta = (sqrt(kappa) - 1)/(sqrt(kappa) + 1) the companion matrix's
    spectral radius on a grid of a in [m, M] is sqrt(rho^2 (M - a)/(M - m)) (step
    modulus_tuned), never above rho = nesterov_rate(m, M), attained at a = m only."""
    q = np.sqrt(M / m)
    beta = (q - 1) / (q + 1)
    rho = float(nesterov_rate(m, M))
    for a in np.linspace(m, M, 41):
        C = np.array([[(1 + beta) * (1 - a / M), -beta * (1 - a / M)], [1.0, 0.0]])
        radius = max(abs(np.linalg.eigvals(C)))
        expected = np.sqrt(rho**2 * (M - a) / (M - m))
        assert radius == pytest.approx(expected, abs=1e-6), a  # a double root at a = m
        assert radius <= rho + 1e-6
        if a > m + 1e-9:
            assert radius < rho - 1e-9
    # just outside [m, M] on the low side the roots turn real and the larger exceeds rho
    a = m * 0.9
    C = np.array([[(1 + beta) * (1 - a / M), -beta * (1 - a / M)], [1.0, 0.0]])
    assert max(abs(np.linalg.eigvals(C))) > rho
    assert np.all(np.isreal(np.linalg.eigvals(C)))
