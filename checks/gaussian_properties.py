r"""Property checks for affine transforms of Gaussians and the uncertainty of gradient-flow
predictions (000, evolution of prediction covariance and appendix), registered in
:mod:`gdflow.checks.properties` so ``gdflow check -k gaussian`` runs them.

Properties (name: statement; derivation):

- ``gaussian.affine_moments``: for :math:`\mathbf z\sim\mathcal N(\boldsymbol\mu,\boldsymbol\Sigma)`
  (Σ PSD, possibly singular) and any B (random rank), 20 000 samples of :math:`\mathbf B\mathbf z +
  \mathbf c` have mean and variance (along the coordinate axes, two random directions and a
  direction outside range(B)) consistent with :math:`\mathcal N(\mathbf B\boldsymbol\mu+\mathbf c,
  \mathbf B\boldsymbol\Sigma\mathbf B^\top)` (``gaussian.affine``).
- ``gaussian.affine_density``: for invertible B (n = 1, 2), the transformed density
  :math:`p_z(\mathbf B^{-1}(\mathbf x - \mathbf c))/|\det\mathbf B|` equals the normal density of
  :math:`\mathcal N(\mathbf B\boldsymbol\mu+\mathbf c, \mathbf B\boldsymbol\Sigma\mathbf B^\top)` at
  drawn points (mpmath, 40 digits, relative 1e-25) and integrates to 1 (mpmath ``quad`` for n = 1, a
  60×60 Gauss–Hermite rule for n = 2).
- ``gaussian.prediction_variance_mc``: for gradient flow with :math:`\mathbf w_0\sim\mathcal
  N(\boldsymbol\mu_0,\boldsymbol\Sigma_0)`, Monte Carlo predictions (20 000 draws of :math:`\mathbf
  w_0`, pushed through
  :math:`\mathbf w(t) = \mathbf w_0 - c\mathbf X^\top\mathbf K_c^\dagger(\mathbf I - e^{-\mathbf K_c
  t})(\mathbf X\mathbf w_0 - \mathbf y)` with ``scipy.linalg.expm`` and ``pinv``, an independent
  route) have mean and variance consistent with
  :func:`gdflow.checks.gaussian_numeric.prediction_moments` at t = 0, 0.5, 3, ∞
  (``gaussian.prediction_uncertainty``).

Statistical tolerances, with the false-alarm probability computed, not guessed
------------------------------------------------------------------------------
Every sampled quantity is an affine image of Gaussian draws, so its law is exact, not
asymptotic: a sample mean of S draws with variance σ² is :math:`\mathcal N(m, \sigma^2/S)`, and
:math:`(S-1)\hat s^2/\sigma^2 \sim \chi^2_{S-1}`.  Each test accepts

.. math:: |\bar x - m| \le z\,\sigma/\sqrt S + \delta, \qquad
          \sigma\sqrt{q_-} - \delta \le \hat s \le \sigma\sqrt{q_+} + \delta,

with :math:`z` and :math:`q_\pm = \chi^2_{S-1}` quantiles / (S − 1) at two-sided level
:math:`\alpha_{\text{test}}`, and :math:`\delta` a float64 bound on the rounding of each sample
(:data:`gdflow.checks.properties.SAFETY` × size × ε × magnitude; it also covers σ = 0, degenerate
directions).  With :data:`FALSE_ALARM_PER_EXAMPLE` = 1e-9 split evenly (Bonferroni) over the
tests of one example, a run of 200 examples raises a false alarm with probability at most
2e-7 (union bound); the samples come from ``numpy.random.default_rng`` with a seed drawn by
hypothesis, so a run is reproducible from its hypothesis seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import scipy.linalg
from hypothesis import strategies as st
from scipy.stats import chi2, norm

from . import strategies as gs
from .flow_properties import FlowProblem, flow_problems
from .gaussian_numeric import prediction_moments, psd_factor
from .properties import SAFETY, TINY, register
from .simulate import EPS, eigenvalue_tolerance, safe_norm, scale_factor, thin_svd

__all__ = [
    "FALSE_ALARM_PER_EXAMPLE",
    "AffineProblem",
    "affine_problems",
    "affine_moments_match_samples",
    "affine_density",
    "prediction_variance_mc",
    "mean_ok",
    "sd_bounds",
]

FALSE_ALARM_PER_EXAMPLE = 1e-9
"""Probability that one example of a Monte Carlo property fails although the formula is right
(split over its tests by Bonferroni)."""

AFFINE_SAMPLES = 20_000
PREDICTION_SAMPLES = 20_000


def mean_ok(
    sample_mean: float, mean: float, sd: float, samples: int, alpha: float, delta: float
) -> tuple[bool, float]:
    """``|x̄ − m| <= z σ/√S + δ`` with z the two-sided normal quantile at level ``alpha``;
    returns (passed, allowed deviation)."""
    z = float(norm.isf(alpha / 2))
    allowed = z * sd / np.sqrt(samples) + delta
    return abs(sample_mean - mean) <= allowed, allowed


def sd_bounds(sd: float, samples: int, alpha: float, delta: float) -> tuple[float, float]:
    """Acceptance interval for the sample standard deviation: σ√q₋ − δ … σ√q₊ + δ,
    q± the χ²_{S−1} quantiles at α/2 and 1 − α/2 divided by S − 1."""
    dof = samples - 1
    lo = float(chi2.ppf(alpha / 2, dof)) / dof
    hi = float(chi2.isf(alpha / 2, dof)) / dof
    return sd * np.sqrt(lo) - delta, sd * np.sqrt(hi) + delta


@dataclass(frozen=True, repr=False)
class AffineProblem(gs.MatrixRepr):
    """z ~ N(mu, Sigma) in R^n, x = B z + c in R^m; ``seed`` for the numpy generator."""

    B: np.ndarray
    c: np.ndarray
    mu: np.ndarray
    Sigma: np.ndarray
    seed: int

    def _parts(self) -> list[str]:
        return [gs._block(k, getattr(self, k)) for k in ("B", "c", "mu", "Sigma")] + [
            f"seed = {self.seed}"
        ]


@st.composite
def affine_problems(draw: st.DrawFn, max_dim: int = 4, invertible: bool = False) -> AffineProblem:
    """B (m×n) of random rank (or invertible n×n), Σ PSD of random rank (singular included),
    μ, c in [-2, 2]."""
    n = draw(st.integers(1, 2 if invertible else max_dim))
    m = n if invertible else draw(st.integers(1, max_dim))
    rank_b = n if invertible else draw(st.integers(0, min(m, n)))
    B = draw(gs.matrices_of_rank(m, n, rank_b))
    rank_s = n if invertible else draw(st.integers(0, n))
    R = draw(gs.matrices_of_rank(n, n, rank_s))
    Sigma = R @ R.T + (0.05 * np.eye(n) if invertible else 0.0)
    vec = lambda k: np.array([draw(gs.finite_floats(-2, 2)) for _ in range(k)])  # noqa: E731
    return AffineProblem(B, vec(m), vec(n), (Sigma + Sigma.T) / 2, draw(st.integers(0, 2**32 - 1)))


@register(
    "gaussian.affine_moments",
    "samples of Bz + c, z ~ N(mu, Sigma), any B and PSD Sigma, have the moments of N(B "
    "mu + c, B Sigma B^T) (000 appendix)",
    affine_problems(),
)
def affine_moments_match_samples(p: AffineProblem) -> None:
    m, n = p.B.shape
    rng = np.random.default_rng(p.seed)
    R = psd_factor(p.Sigma)
    xi = rng.standard_normal((AFFINE_SAMPLES, n))
    x = (p.mu[None, :] + xi @ R.T) @ p.B.T + p.c[None, :]
    mean = p.B @ p.mu + p.c
    mag = safe_norm(p.B) * (
        safe_norm(p.mu) + safe_norm(R) * float(np.max(np.linalg.norm(xi, axis=1)))
    ) + safe_norm(p.c)
    delta = SAFETY * (m + n) * EPS * mag + TINY
    dirs = [np.eye(m)[i] for i in range(m)]
    dirs += [v / np.linalg.norm(v) for v in rng.standard_normal((2, m))]
    rank = thin_svd(p.B)[1].size
    if rank < m:
        dirs.append(np.linalg.svd(p.B)[0][:, rank])  # orthogonal to range(B): no variance at all
    tests = m + len(dirs)
    alpha = FALSE_ALARM_PER_EXAMPLE / tests
    xbar = np.array([math.fsum(col) for col in x.T]) / AFFINE_SAMPLES  # correctly rounded sums
    delta_mean = delta + 2 * EPS * float(np.max(np.abs(x), initial=0.0))
    # the formula's sd, ||R^T B^T u||, is itself computed with an error of at most delta_formula
    delta_formula = SAFETY * (m + n) * EPS * safe_norm(p.B) * safe_norm(R) + TINY
    for i in range(m):
        ok, allowed = mean_ok(
            xbar[i],
            mean[i],
            float(safe_norm(R.T @ p.B[i])),
            AFFINE_SAMPLES,
            alpha,
            delta_mean + delta_formula,
        )
        assert ok, (
            f"sample mean {xbar[i]:.6g} of coordinate {i} is not within {allowed:.3g} of "
            f"(B mu + c)_{i} = {mean[i]:.6g}"
        )
    centred = x - xbar[None, :]
    for u in dirs:
        sd = float(safe_norm(R.T @ (p.B.T @ u)))
        sd_hat = safe_norm(centred @ u) / np.sqrt(AFFINE_SAMPLES - 1)
        lo, hi = sd_bounds(sd, AFFINE_SAMPLES, alpha, 2 * delta + delta_mean + 2 * delta_formula)
        hi *= 1 + SAFETY * np.log2(AFFINE_SAMPLES) * EPS
        assert lo <= sd_hat <= hi, (
            f"sample sd {sd_hat:.6g} along {u} is outside [{lo:.6g}, {hi:.6g}] (sqrt(u^T "
            f"B Sigma B^T u) = {sd:.6g})"
        )


def _mp_normal_density(x: Any, mean: Any, cov: Any) -> Any:
    d = cov.rows
    r = x - mean
    q = (r.T * mpmath.lu_solve(cov, r))[0]
    return (
        (2 * mpmath.pi) ** (-mpmath.mpf(d) / 2)
        * mpmath.det(cov) ** mpmath.mpf(-0.5)
        * mpmath.exp(-q / 2)
    )


@register(
    "gaussian.affine_density",
    "for invertible B the transformed density p_z(B^-1(x - c))/|det B| is the N(B mu + "
    "c, B Sigma B^T) density and integrates to 1 (000 appendix)",
    affine_problems(invertible=True),
    st.lists(st.lists(gs.finite_floats(-3, 3), min_size=2, max_size=2), min_size=1, max_size=3),
)
def affine_density(p: AffineProblem, offsets: list[list[float]]) -> None:
    n = p.B.shape[0]
    with mpmath.workdps(40):
        B = mpmath.matrix(p.B.tolist())
        S = mpmath.matrix(p.Sigma.tolist())
        mu = mpmath.matrix(p.mu.tolist())
        c = mpmath.matrix(p.c.tolist())
        detB = abs(mpmath.det(B))
        mean, cov = B * mu + c, B * S * B.T
        sd = np.sqrt(np.diag(p.B @ p.Sigma @ p.B.T))

        def transformed(x: Any) -> Any:
            return _mp_normal_density(mpmath.lu_solve(B, x - c), mu, S) / detB

        for off in offsets:
            x = mean + mpmath.matrix(
                [mpmath.mpf(float(o * s)) for o, s in zip(off[:n], sd, strict=True)]
            )
            lhs, rhs = transformed(x), _mp_normal_density(x, mean, cov)
            rel = abs(lhs - rhs) / rhs
            assert rel < mpmath.mpf("1e-25"), (
                f"at x = {x.T}: transformed density {lhs} != normal density {rhs} (relative {rel})"
            )
    # normalisation: the transformed density integrates to 1
    if n == 1:
        with mpmath.workdps(20):
            b, cc, m0, v = (
                mpmath.mpf(float(a)) for a in (p.B[0, 0], p.c[0], p.mu[0], p.Sigma[0, 0])
            )

            def scalar(x: Any) -> Any:
                return (
                    mpmath.exp(-(((x - cc) / b - m0) ** 2) / (2 * v))
                    / mpmath.sqrt(2 * mpmath.pi * v)
                    / abs(b)
                )

            total = mpmath.quad(scalar, [-mpmath.inf, b * m0 + cc, mpmath.inf])
        assert abs(total - 1) < 1e-12, f"the transformed density integrates to {total}, not 1"
    else:
        # tensor Gauss-Hermite rule after the substitution x = m + Q diag(2 sqrt(e)) u, (e, Q) the
        # eigenpairs of B Sigma B^T: any substitution is valid; this one makes the integrand
        # exp(-u^2) times a smooth factor, so 60 nodes per axis integrate it to ~1e-15
        Binv = np.linalg.inv(p.B)
        Sinv = np.linalg.inv(p.Sigma)
        const = 1.0 / (2 * np.pi * np.sqrt(np.linalg.det(p.Sigma)) * abs(np.linalg.det(p.B)))
        mf = p.B @ p.mu + p.c
        ev, Q = np.linalg.eigh(p.B @ p.Sigma @ p.B.T)
        M = Q * (2 * np.sqrt(ev))[None, :]
        nodes, weights = np.polynomial.hermite.hermgauss(60)
        U1, U2 = np.meshgrid(nodes, nodes, indexing="ij")
        u = np.stack([U1.ravel(), U2.ravel()])  # (2, 3600)
        x = mf[:, None] + M @ u
        z = Binv @ (x - p.c[:, None]) - p.mu[:, None]
        dens = const * np.exp(-0.5 * np.einsum("ik,ij,jk->k", z, Sinv, z))
        wts = np.outer(weights, weights).ravel()
        total = float(np.sum(wts * dens * np.exp(np.sum(u**2, axis=0)))) * abs(np.linalg.det(M))
        assert abs(total - 1) < 1e-10, f"the transformed density integrates to {total:.15g}, not 1"


@st.composite
def _prediction_problems(
    draw: st.DrawFn,
) -> tuple[FlowProblem, np.ndarray, np.ndarray, np.ndarray, int]:
    p = draw(flow_problems(max_n=5, max_d=4))
    D = p.X.shape[1]
    L = draw(gs.matrices_of_rank(D, D, draw(st.integers(0, D))))
    mu0 = np.array([draw(gs.finite_floats(-2, 2)) for _ in range(D)])
    extra = np.array([draw(gs.finite_floats(-2, 2)) for _ in range(D)])
    return (
        p,
        mu0,
        (L @ L.T + (L @ L.T).T) / 2 * 0.25,
        np.vstack([p.x_star, extra]),
        draw(st.integers(0, 2**32 - 1)),
    )


@register(
    "gaussian.prediction_variance_mc",
    "Monte Carlo over w0 ~ N(mu0, Sigma0) of gradient-flow predictions matches the mean "
    "a + b^T mu0 and variance b^T Sigma0 b at t = 0, 0.5, 3, inf (000)",
    _prediction_problems(),
)
def prediction_variance_mc(
    example: tuple[FlowProblem, np.ndarray, np.ndarray, np.ndarray, int],
) -> None:
    p, mu0, Sigma0, xs, seed_value = example
    X, y = p.X, p.y
    N, D = X.shape
    c = scale_factor(p.scale, N)
    times = np.array([0.0, 0.5, 3.0, np.inf])
    mom = prediction_moments(X, y, xs, times, mu0, Sigma0, scale=p.scale)
    rng = np.random.default_rng(seed_value)
    R = psd_factor(Sigma0)
    W0 = mu0[:, None] + R @ rng.standard_normal((D, PREDICTION_SAMPLES))  # (D, S)
    K = c * X @ X.T
    Kp = np.linalg.pinv(
        K,
        hermitian=True,
        rcond=max(eigenvalue_tolerance(np.linalg.eigvalsh(K)) / max(np.abs(K).max(), TINY), 1e-15),
    )
    s = thin_svd(X)[1]
    kappa_k = float((s.max() / s.min()) ** 2) if s.size else 1.0
    tests = 2 * len(times) * xs.shape[0]
    alpha = FALSE_ALARM_PER_EXAMPLE / tests
    for ti, t in enumerate(times):
        E = K @ Kp if np.isinf(t) else np.eye(N) - scipy.linalg.expm(-K * t)
        Wt = W0 - c * X.T @ (Kp @ (E @ (X @ W0 - y[:, None])))
        F = xs @ Wt  # (M, S)
        # sqrt(D) max|W0| bounds every column norm of W0 without squaring (no underflow)
        mag = safe_norm(xs) * (
            np.sqrt(D) * float(np.max(np.abs(W0))) + safe_norm(X) * safe_norm(Kp) * safe_norm(y)
        )
        delta = SAFETY * (N + D) * EPS * kappa_k * mag + TINY
        for j in range(xs.shape[0]):
            sd = float(mom.std[ti, j])
            fbar = math.fsum(F[j]) / PREDICTION_SAMPLES  # correctly rounded sum
            delta_mean = delta + 2 * EPS * float(np.max(np.abs(F[j])))
            ok, allowed = mean_ok(
                fbar, float(mom.mean[ti, j]), sd, PREDICTION_SAMPLES, alpha, delta_mean
            )
            assert ok, (
                f"t = {t}, x* = {xs[j]}: Monte Carlo mean {fbar:.8g} not within "
                f"{allowed:.3g} of a + b^T mu0 = {mom.mean[ti, j]:.8g}"
            )
            sd_hat = safe_norm(F[j] - fbar) / np.sqrt(PREDICTION_SAMPLES - 1)
            delta_formula = (
                SAFETY * (N + D) * EPS * kappa_k * safe_norm(xs[j]) * safe_norm(R) + TINY
            )
            lo, hi = sd_bounds(
                sd, PREDICTION_SAMPLES, alpha, 2 * delta + delta_mean + 2 * delta_formula
            )
            hi *= 1 + SAFETY * np.log2(PREDICTION_SAMPLES) * EPS
            assert lo <= sd_hat <= hi, (
                f"t = {t}, x* = {xs[j]}: Monte Carlo sd {sd_hat:.6g} outside [{lo:.6g}, "
                f"{hi:.6g}] (formula sd {sd:.6g})"
            )
