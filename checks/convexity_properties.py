r"""Property check of Theorem 1 (001 §5, ``convexity.strong_rate``) on an objective that is not
a quadratic, registered in :mod:`gdflow.checks.properties` so ``gdflow check -k convexity`` runs
it.

The objective is :math:`\ell_2`-regularised logistic regression,

.. math::
    f(\mathbf w) = \frac1N\sum_i \log\bigl(1 + e^{-y_i\mathbf x_i^\top\mathbf w}\bigr)
    + \frac\lambda2\|\mathbf w\|^2,\qquad y_i\in\{-1, 1\},

whose Hessian :math:`\frac1N\mathbf X^\top\operatorname{diag}(\sigma_i(1-\sigma_i))\mathbf X +
\lambda\mathbf I` lies between :math:`\lambda\mathbf I` and
:math:`(\lambda + \|\mathbf X\|_2^2/4N)\mathbf I` (:math:`\sigma(1-\sigma)\le 1/4`): C1 holds with
:math:`m = \lambda` and C2 with :math:`M = \lambda + \|\mathbf X\|_2^2/(4N)`
(:func:`logistic_constants`).

Property ``convexity.theorem1_logistic``: for :math:`0 < \alpha \le 1/M` every GD step shrinks the
gap :math:`f(\mathbf w^{(k)}) - f_\star` by at least the factor :math:`1 - \alpha m`.

:math:`f_\star` is not known exactly: :func:`minimum` runs Newton's method (``scipy.optimize``,
``trust-exact``) and returns :math:`\hat f = f(\hat{\mathbf w})` with the bound
:math:`\delta = \|\nabla f(\hat{\mathbf w})\|^2/(2m)` on :math:`\hat f - f_\star` (the
Polyak–Łojasiewicz inequality, a step of ``convexity.strong_rate``).  With the computed gaps
:math:`g_k = f(\mathbf w^{(k)}) - \hat f`, the true gaps lie in :math:`[g_k, g_k + \delta]`,
so Theorem 1 implies :math:`g_{k+1} \le (1 - \alpha m)(g_k + \delta)`; the check allows on top
the rounding of the two evaluations of f (:data:`gdflow.checks.properties.SAFETY` times the
float64 epsilon times the size of the sum).  Steps where the gap is already at that noise
level are not informative and are skipped; at least the first step is always checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit

from .properties import SAFETY, TINY, register
from .simulate import EPS

__all__ = [
    "LogisticProblem",
    "logistic_loss",
    "logistic_gradient",
    "logistic_hessian",
    "logistic_constants",
    "minimum",
    "contraction_excess",
    "theorem1_logistic",
    "STEPS",
]

STEPS = 25
"""GD steps checked per example."""


@dataclass(frozen=True)
class LogisticProblem:
    """Data X (N×D), labels y ∈ {−1, 1}ᴺ, ridge strength λ > 0, start w⁽⁰⁾ and the step as a
    fraction of 1/M (α = fraction/M); ``repr`` shows the arrays."""

    X: np.ndarray
    y: np.ndarray
    lam: float
    w0: np.ndarray
    fraction: float

    def __repr__(self) -> str:
        return (
            f"LogisticProblem(X={self.X.tolist()}, y={self.y.tolist()}, lam={self.lam!r}, "
            f"w0={self.w0.tolist()}, fraction={self.fraction!r})"
        )


def logistic_loss(X: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray) -> float:
    """:math:`f(\\mathbf w) = \\frac1N\\sum_i\\log(1 + e^{-y_i\\mathbf x_i^\\top\\mathbf w}) +
    \\frac\\lambda2\\|\\mathbf w\\|^2` (001 §5's ℓ2-regularised logistic regression), with
    ``logaddexp`` so that no exponential overflows."""
    z = y * (X @ w)
    return float(np.mean(np.logaddexp(0.0, -z)) + lam / 2 * (w @ w))


def logistic_gradient(X: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray) -> np.ndarray:
    """:math:`\\nabla f(\\mathbf w) = -\\frac1N\\sum_i y_i\\,\\sigma(-y_i\\mathbf
    x_i^\\top\\mathbf w)\\,\\mathbf x_i + \\lambda\\mathbf w`, σ the logistic function
    (``scipy.special.expit``)."""
    z = y * (X @ w)
    return np.asarray(-(X.T @ (y * expit(-z))) / len(y) + lam * w)


def logistic_hessian(X: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray) -> np.ndarray:
    """:math:`\\nabla^2 f(\\mathbf w) = \\frac1N\\mathbf X^\\top\\operatorname{diag}(\\sigma_i(1 -
    \\sigma_i))\\mathbf X + \\lambda\\mathbf I`, :math:`\\sigma_i = \\sigma(y_i\\mathbf x_i^\\top
    \\mathbf w)`."""
    s = expit(y * (X @ w))
    return np.asarray((X.T * (s * (1 - s))) @ X / len(y) + lam * np.eye(X.shape[1]))


def logistic_constants(X: np.ndarray, lam: float) -> tuple[float, float]:
    """``(m, M) = (λ, λ + ‖X‖₂²/(4N))``: the constants of C1 and C2 for ℓ2-regularised logistic
    regression (the Hessian lies between λI and MI since σ(1 − σ) ≤ 1/4).  ``ValueError`` for
    λ ≤ 0 (then m = 0 and Theorem 1 says nothing)."""
    if not lam > 0:
        raise ValueError(f"lambda must be > 0 for strong convexity; got {lam!r}")
    N = X.shape[0]
    return lam, lam + float(np.linalg.norm(X, 2)) ** 2 / (4 * N)


def minimum(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[float, float]:
    """``(f_hat, delta)``: the minimum of f computed by Newton's method
    (``scipy.optimize.minimize``, ``trust-exact``, from 0) and the bound
    :math:`\\delta = \\|\\nabla f(\\hat w)\\|^2/(2m)` on
    :math:`\\hat f - f_\\star \\ge 0` (Polyak–Łojasiewicz, ``convexity.strong_rate``)."""
    m, _ = logistic_constants(X, lam)
    D = X.shape[1]
    res = minimize(
        lambda w: logistic_loss(X, y, lam, w),
        np.zeros(D),
        jac=lambda w: logistic_gradient(X, y, lam, w),
        hess=lambda w: logistic_hessian(X, y, lam, w),
        method="trust-exact",
        options={"gtol": 1e-13, "maxiter": 200},
    )
    w_hat = np.asarray(res.x)
    g = logistic_gradient(X, y, lam, w_hat)
    return logistic_loss(X, y, lam, w_hat), float(g @ g) / (2 * m)


def contraction_excess(problem: LogisticProblem, rho: float | None = None) -> list[float]:
    """For each GD step k → k + 1 (:data:`STEPS` of them) whose gap is above the noise level:
    :math:`g_{k+1} - \\rho(g_k + \\delta) - \\text{tol}_k`, which Theorem 1 makes ≤ 0 with
    :math:`\\rho = 1 - \\alpha m` (the default; another ρ is for tests that the check can fail).
    The first step is always included."""
    X, y, lam = problem.X, problem.y, problem.lam
    m, M = logistic_constants(X, lam)
    alpha = problem.fraction / M
    rate = 1 - alpha * m if rho is None else rho
    f_hat, delta = minimum(X, y, lam)
    w = problem.w0.astype(float)
    f = logistic_loss(X, y, lam, w)
    out = []
    for k in range(STEPS):
        w_next = w - alpha * logistic_gradient(X, y, lam, w)
        f_next = logistic_loss(X, y, lam, w_next)
        # rounding of f: the mean of N terms of size <= |logaddexp| and the ridge term
        size = float(np.mean(np.logaddexp(0.0, np.abs(X @ w_next)))) + lam * (w_next @ w_next)
        tol = SAFETY * (X.shape[0] + X.shape[1]) * EPS * (size + abs(f_hat)) + TINY
        gap, gap_next = f - f_hat, f_next - f_hat
        if k == 0 or gap > 1e3 * (tol + delta):
            out.append(gap_next - rate * (gap + delta) - 2 * tol)
        w, f = w_next, f_next
    return out


@st.composite
def logistic_problems(draw: st.DrawFn) -> LogisticProblem:
    """N ∈ 2..8 points in D ∈ 1..4 dimensions, entries in [−3, 3], labels ±1, λ ∈ [0.01, 2],
    w⁽⁰⁾ entries in [−3, 3], α = fraction/M with fraction ∈ (0, 1]."""
    N = draw(st.integers(2, 8))
    D = draw(st.integers(1, 4))
    entry = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
    X = np.array(draw(st.lists(entry, min_size=N * D, max_size=N * D))).reshape(N, D)
    y = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=N, max_size=N)))
    lam = draw(st.floats(0.01, 2.0))
    w0 = np.array(draw(st.lists(entry, min_size=D, max_size=D)))
    fraction = draw(st.floats(0.01, 1.0))
    return LogisticProblem(X, y, lam, w0, fraction)


@register(
    "convexity.theorem1_logistic",
    "GD on l2-regularised logistic regression with alpha <= 1/M shrinks f - f* by at least "
    "1 - alpha m per step, m = lambda, M = lambda + ||X||^2/(4N) (001 §5, Theorem 1)",
    logistic_problems(),
)
def theorem1_logistic(problem: LogisticProblem) -> None:
    excess = contraction_excess(problem)
    worst = max(excess)
    assert worst <= 0, (
        f"a GD step shrank the gap by less than 1 - alpha m (excess {worst:.3g} over the "
        "bound with its tolerance)"
    )
