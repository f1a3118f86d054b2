r"""Gaussian uncertainty numerically: affine moments, and the mean and variance of gradient-flow
predictions for many times and many test inputs at once.

Source: 000 ("Evolution of prediction covariance", appendix on affine transforms), proved in
``gdflow.derive.gaussian`` (``gaussian.affine``, ``gaussian.prediction_uncertainty``).  Loss
:math:`L(\mathbf w) = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2` with ``scale`` "sum" (c = 1, 000) or
"mean" (c = 1/N); rows of :math:`\mathbf X\in\mathbb R^{N\times D}` are data points.

With the thin SVD :math:`\mathbf X = \mathbf U\mathbf S\mathbf V^\top` (positive singular values only)
and :math:`d_j(t) = 1 - e^{-c s_j^2 t}` (:math:`= 1` at :math:`t = \infty`), the prediction
:math:`f(\mathbf x_\star, t) = a(t) + \mathbf b(t)^\top\mathbf w_0` has

.. math::

    \mathbf b(t) = \mathbf x_\star - \mathbf V\,\mathrm{diag}(d_j(t))\,\mathbf V^\top\mathbf x_\star,\qquad
    a(t) = \sum_j d_j(t)\,\frac{\mathbf u_j^\top\mathbf y}{s_j}\,\mathbf v_j^\top\mathbf x_\star,

(000's :math:`\mathbf b = \mathbf x_\star - \mathbf X^\top\mathbf E\mathbf K^\dagger\mathbf k_\star`,
:math:`a = \mathbf k_\star^\top\mathbf K^\dagger\mathbf E\mathbf y` in the singular basis), and for
:math:`\mathbf w_0\sim\mathcal N(\boldsymbol\mu_0, \boldsymbol\Sigma_0)`:
mean :math:`a(t) + \mathbf b(t)^\top\boldsymbol\mu_0`, variance
:math:`\mathbf b(t)^\top\boldsymbol\Sigma_0\mathbf b(t) = \|\mathbf R^\top\mathbf b(t)\|^2` with
:math:`\boldsymbol\Sigma_0 = \mathbf R\mathbf R^\top` (so the variance is never negative).  Zero
singular values contribute nothing (rank-deficient X is safe), and at :math:`t=\infty`,
:math:`\mathbf b = (\mathbf I - \mathbf V\mathbf V^\top)\mathbf x_\star = (\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf x_\star`:
no NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .flow_numeric import linear_flow
from .simulate import Scale, as_matrix, as_vector, check_psd, check_symmetric, safe_norm

__all__ = ["PredictionMoments", "prediction_moments", "affine_moments", "psd_factor"]


def psd_factor(Sigma) -> np.ndarray:
    r""":math:`\mathbf R` with :math:`\boldsymbol\Sigma = \mathbf R\mathbf R^\top` for symmetric PSD Σ
    (``eigh``; eigenvalues within rounding of 0 are set to 0, clearly negative ones rejected)."""
    S = as_matrix("Sigma", Sigma)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"Sigma must be a square matrix; got shape {S.shape}")
    ev, Q = np.linalg.eigh(check_symmetric("Sigma", S))
    check_psd(ev, name="Sigma")
    return Q * np.sqrt(np.clip(ev, 0.0, None))[None, :]


def affine_moments(B, c, mu, Sigma) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and covariance of :math:`\mathbf B\mathbf z + \mathbf c` for
    :math:`\mathbf z\sim\mathcal N(\boldsymbol\mu, \boldsymbol\Sigma)`:
    :math:`(\mathbf B\boldsymbol\mu + \mathbf c,\ \mathbf B\boldsymbol\Sigma\mathbf B^\top)` (000 appendix;
    ``gaussian.affine``), float64; B of any shape and rank."""
    Bm = np.atleast_2d(np.asarray(B, dtype=float))
    R = psd_factor(Sigma)
    mean = Bm @ np.asarray(mu, dtype=float).reshape(-1) + np.asarray(c, dtype=float).reshape(-1)
    BR = Bm @ R
    return mean, BR @ BR.T


@dataclass(frozen=True)
class PredictionMoments:
    r"""Mean and variance of :math:`f(\mathbf x_\star, t)` under :math:`\mathbf w_0\sim\mathcal N(\boldsymbol\mu_0, \boldsymbol\Sigma_0)`,
    shape (T, M) each: rows are times, columns test inputs; ``a`` and ``b`` are the affine
    coefficients, shapes (T, M) and (T, M, D)."""

    times: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    a: np.ndarray
    b: np.ndarray
    std: np.ndarray
    r"""The standard deviation, computed as a scaled norm of :math:`\mathbf R^\top\mathbf b` (no underflow
    of the squares: exact to rounding even where ``variance`` underflows to 0)."""


def prediction_moments(X, y, x_star, times, mu0, Sigma0, scale: Scale = "sum") -> PredictionMoments:
    r"""Mean :math:`a(t) + \mathbf b(t)^\top\boldsymbol\mu_0` and variance :math:`\mathbf b(t)^\top\boldsymbol\Sigma_0\mathbf b(t)`
    of the gradient-flow prediction :math:`f(\mathbf x_\star, t)` for every time in ``times``
    (``inf`` allowed) and every row of ``x_star`` (M×D) (000, evolution of prediction covariance;
    ``gaussian.prediction_uncertainty``).  Loss :math:`\frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`
    (``scale="sum"``: c = 1, 000's convention).  One SVD of X; X of any rank.

    >>> m = prediction_moments([[1.0, 0.0]], [2.0], [[1.0, 1.0]], [0.0, np.inf], [0.0, 0.0], np.eye(2))
    >>> m.mean.tolist(), m.variance.tolist()
    ([[0.0], [2.0]], [[2.0], [1.0]])
    """
    Xa = as_matrix("X", X)
    D = Xa.shape[1]
    m0 = as_vector("mu0", mu0, D)
    R = psd_factor(Sigma0)
    if R.shape[0] != D:
        raise ValueError(f"Sigma0 must be {D}×{D}; got shape {np.shape(Sigma0)}")
    fl = linear_flow(Xa, y, m0, scale)  # validates y and the scale
    xs = np.atleast_2d(np.asarray(x_star, dtype=float))
    mean = fl.predict(xs, times)  # (T, M): f(x*, t) from w0 = mu0; validates x_star and times
    t = np.atleast_1d(np.asarray(times, dtype=float))
    with np.errstate(over="ignore"):
        d = -np.expm1(-np.outer(t, fl.lam))  # (T, m), 1 at t = inf
    b = xs[None, :, :] - np.einsum("tj,mj,dj->tmd", d, xs @ fl.V, fl.V)  # (T, M, D)
    a = mean - b @ m0
    bR = b @ R
    std = safe_norm(bR, axis=2)  # (T, M), no underflow of the squares
    variance = np.einsum("tmk,tmk->tm", bR, bR)
    return PredictionMoments(t, mean, variance, a, b, std)
