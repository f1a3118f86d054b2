r"""Gaussian uncertainty numerically: affine moments, and the mean and variance of gradient-flow
predictions for many times and many test inputs at once.

Source: 000 ("Evolution of prediction covariance", appendix on affine transforms), proved in
``gdflow.derive.gaussian`` (``gaussian.affine``, ``gaussian.prediction_uncertainty``).  Loss
:math:`L(\mathbf w) = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2` with ``scale`` "sum" (c = 1,
000) or "mean" (c = 1/N); rows of :math:`\mathbf X\in\mathbb R^{N\times D}` are data points.

Generated from the formulas
---------------------------
Nothing here restates a closed form; each evaluator reads a
:class:`~gdflow.derive.derivation.Formula` of the catalogue (or an edited copy passed in):

- :func:`affine_moments` lambdifies the matrix formulas
  :data:`~gdflow.derive.gaussian.AFFINE_MEAN` (:math:`\mathbf B\boldsymbol\mu + \mathbf c`) and
  :data:`~gdflow.derive.gaussian.AFFINE_COVARIANCE`
  (:math:`\mathbf B\boldsymbol\Sigma\mathbf B^\top`) once, for numpy.
- :func:`prediction_moments` lambdifies the per-singular-value forms of
  :data:`~gdflow.derive.gaussian.PREDICTION_MEAN` and
  :data:`~gdflow.derive.gaussian.PREDICTION_VARIANCE` once and applies them to one thin SVD
  :math:`\mathbf X = \mathbf U\mathbf S\mathbf V^\top` (positive singular values only).  With
  :math:`\xi_j = \mathbf v_j^\top\mathbf x_\star`, :math:`\tau_j = \mathbf u_j^\top\mathbf y`,
  :math:`\nu_j = \mathbf v_j^\top\boldsymbol\mu_0` and
  :math:`\mathbf P_\perp = \mathbf I - \mathbf V\mathbf V^\top` (the null space of X, where the
  prior is untouched):

  .. math::

      \text{mean} = (\mathbf P_\perp\mathbf x_\star)^\top\boldsymbol\mu_0
        + \sum_j \xi_j\Bigl(\frac{(1 - e^{-s_j^2t})\tau_j}{s_j} + e^{-s_j^2t}\nu_j\Bigr),\qquad
      \mathbf b(t) = \mathbf P_\perp\mathbf x_\star + \sum_j \xi_j e^{-s_j^2t}\mathbf v_j,

  :math:`a(t)` is the mean at :math:`\boldsymbol\mu_0 = 0`, and the variance is
  :math:`\mathbf b(t)^\top\boldsymbol\Sigma_0\mathbf b(t) = \|\mathbf R^\top\mathbf b(t)\|^2` with
  :math:`\boldsymbol\Sigma_0 = \mathbf R\mathbf R^\top` (never negative).

The formulas are in 000's sum scale; the mean scale is the sum scale at time :math:`t/N`
(its gradient is 1/N times as large).  Before the formulas are applied the problem is rescaled
by a power of two :math:`\rho \approx \max|X_{ij}|`: :math:`(\mathbf X, \mathbf y, t) \to
(\mathbf X/\rho, \mathbf y/\rho, \rho^2 t)` leaves the flow :math:`\mathbf w(t)` (hence the
prediction and its law) unchanged and is exact in binary floating point, so data scaled by
1e-170 or 1e160 stay finite and right.  At :math:`t = \infty` every :math:`e^{-s_j^2t}` is 0
(:math:`s_j > 0`): no NaN, and :math:`\mathbf b(\infty) = \mathbf P_\perp\mathbf x_\star =
(\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf x_\star`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from gdflow.derive.derivation import Formula
from gdflow.derive.gaussian import (
    AFFINE_COVARIANCE,
    AFFINE_MEAN,
    PREDICTION_MEAN,
    PREDICTION_VARIANCE,
)

from .ridge_numeric import spectral_kernel
from .simulate import (
    Scale,
    as_matrix,
    as_vector,
    check_psd,
    check_symmetric,
    safe_norm,
    scale_divisor,
    thin_svd,
)

__all__ = [
    "PredictionMoments",
    "prediction_moments",
    "affine_moments",
    "psd_factor",
    "matrix_function",
]


def psd_factor(Sigma: object) -> np.ndarray:
    r""":math:`\mathbf R` with :math:`\boldsymbol\Sigma = \mathbf R\mathbf R^\top` for symmetric PSD
    Σ (``eigh``; eigenvalues within rounding of 0 are set to 0, clearly negative ones rejected)."""
    S = as_matrix("Sigma", Sigma)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"Sigma must be a square matrix; got shape {S.shape}")
    ev, Q = np.linalg.eigh(check_symmetric("Sigma", S))
    check_psd(ev, name="Sigma")
    return Q * np.sqrt(np.clip(ev, 0.0, None))[None, :]


@lru_cache(maxsize=64)
def matrix_function(formula: Formula) -> Callable[..., np.ndarray]:
    """``formula.expr`` (a matrix expression) lambdified once for numpy, arguments
    ``formula.params`` (matrix symbols take 2-d arrays; products become ``@``).  Cached."""
    return sp.lambdify(formula.params, formula.expr, modules="numpy")


def affine_moments(
    B: object,
    c: object,
    mu: object,
    Sigma: object,
    *,
    mean_formula: Formula = AFFINE_MEAN,
    covariance_formula: Formula = AFFINE_COVARIANCE,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and covariance of :math:`\mathbf B\mathbf z + \mathbf c` for
    :math:`\mathbf z\sim\mathcal N(\boldsymbol\mu, \boldsymbol\Sigma)`:
    :math:`(\mathbf B\boldsymbol\mu + \mathbf c,\ \mathbf B\boldsymbol\Sigma\mathbf B^\top)` (000
    appendix; ``gaussian.affine``), float64; B of any shape and rank, Σ symmetric PSD (singular
    allowed).  The two formulas are lambdified from ``gaussian.affine`` (or the copies passed);
    the covariance is returned exactly symmetric, :math:`(\mathbf C + \mathbf C^\top)/2`.

    >>> mean, cov = affine_moments([[1.0, 1.0]], [2.0], [1.0, -1.0], [[1.0, 0.0], [0.0, 4.0]])
    >>> mean.tolist(), cov.tolist()
    ([2.0], [[5.0]])
    """
    S = as_matrix("Sigma", Sigma)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"Sigma must be a square matrix; got shape {S.shape}")
    S = check_symmetric("Sigma", S)
    check_psd(np.linalg.eigvalsh(S), name="Sigma")
    n = S.shape[0]
    Bm = as_matrix("B", np.atleast_2d(np.asarray(B, dtype=float)))
    if Bm.shape[1] != n:
        raise ValueError(f"B must have {n} columns to act on z; got shape {Bm.shape}")
    m_ = as_vector("mu", mu, n)[:, None]
    c_ = as_vector("c", c, Bm.shape[0])[:, None]
    mean = np.asarray(matrix_function(mean_formula)(Bm, m_, c_), dtype=float).reshape(-1)
    cov = np.asarray(matrix_function(covariance_formula)(Bm, S), dtype=float)
    return mean, (cov + cov.T) / 2


@dataclass(frozen=True)
class PredictionMoments:
    r"""Mean and variance of :math:`f(\mathbf x_\star, t)` under
    :math:`\mathbf w_0\sim\mathcal N(\boldsymbol\mu_0, \boldsymbol\Sigma_0)`, shape (T, M) each:
    rows are times, columns test inputs; ``a`` and ``b`` are the affine coefficients, shapes
    (T, M) and (T, M, D)."""

    times: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    a: np.ndarray
    b: np.ndarray
    std: np.ndarray
    r"""The standard deviation, computed as a scaled norm of :math:`\mathbf R^\top\mathbf b` (no
    underflow of the squares: exact to rounding even where ``variance`` underflows to 0)."""


def _times(ts: object) -> np.ndarray:
    t = np.atleast_1d(np.asarray(ts, dtype=float))
    if t.ndim != 1 or np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError(f"times must be a 1-d array of numbers >= 0 (inf allowed); got {ts!r}")
    return t


def prediction_moments(
    X: object,
    y: object,
    x_star: object,
    times: object,
    mu0: object,
    Sigma0: object,
    scale: Scale = "sum",
    *,
    mean_formula: Formula = PREDICTION_MEAN,
    variance_formula: Formula = PREDICTION_VARIANCE,
) -> PredictionMoments:
    r"""Mean :math:`a(t) + \mathbf b(t)^\top\boldsymbol\mu_0` and variance
    :math:`\mathbf b(t)^\top\boldsymbol\Sigma_0\mathbf b(t)` of the gradient-flow prediction
    :math:`f(\mathbf x_\star, t)` for every time in ``times`` (``inf`` allowed) and every row of
    ``x_star`` (M×D) (000, evolution of prediction covariance;
    ``gaussian.prediction_uncertainty``).  Loss :math:`\frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`
    (``scale="sum"``: c = 1, 000's convention).  One SVD of X; X of any rank.  The formulas
    default to the catalogue's; their spectral forms are evaluated (module docstring).

    >>> m = prediction_moments([[1.0, 0.0]], [2.0], [[1.0, 1.0]], [0.0, np.inf], [0.0, 0.0],
    ...                        np.eye(2))
    >>> m.mean.tolist(), m.variance.tolist()
    ([[0.0], [2.0]], [[2.0], [1.0]])
    """
    Xa = as_matrix("X", X)
    N, D = Xa.shape
    ya = as_vector("y", y, N)
    m0 = as_vector("mu0", mu0, D)
    R = psd_factor(Sigma0)
    if R.shape[0] != D:
        raise ValueError(f"Sigma0 must be {D}×{D}; got shape {R.shape}")
    xs = as_matrix("x_star", np.atleast_2d(np.asarray(x_star, dtype=float)))
    if xs.shape[1] != D:
        raise ValueError(f"x_star must have {D} columns (one per parameter); got shape {xs.shape}")
    t = _times(times)
    # exact rescaling by rho = 2^e: (X, y, t) -> (X / rho, y / rho, rho^2 t / divisor)
    top = float(np.max(np.abs(Xa), initial=0.0))
    e = int(np.frexp(top)[1]) if top > 0 else 0
    U, s, V = thin_svd(np.ldexp(Xa, -e))
    tau = U.T @ np.ldexp(ya, -e)  # (m,)
    t_eff = np.ldexp(t / scale_divisor(scale, N), 2 * e)  # (T,)
    xi = xs @ V  # (M, m)
    nu = V.T @ m0  # (m,)
    perp = xs - xi @ V.T  # P_perp x*, (M, D)
    T, M = t.size, xs.shape[0]
    f_mean = spectral_kernel(mean_formula, ("s", "t", "xi", "tau", "nu"))
    f_b = spectral_kernel(variance_formula, ("s", "t", "xi"))
    args = (s[None, None, :], t_eff[:, None, None], xi[None, :, :])
    with np.errstate(over="ignore", under="ignore"):
        mean_terms = np.broadcast_to(f_mean(*args, tau, nu), (T, M, s.size))
        a_terms = np.broadcast_to(f_mean(*args, tau, np.zeros_like(nu)), (T, M, s.size))
        b_coef = np.broadcast_to(f_b(*args), (T, M, s.size))
    mean = (perp @ m0)[None, :] + mean_terms.sum(axis=2)
    a = a_terms.sum(axis=2)
    b = perp[None, :, :] + b_coef @ V.T  # (T, M, D)
    bR = b @ R
    std = np.asarray(safe_norm(bR, axis=2))  # (T, M), no underflow of the squares
    variance = np.einsum("tmk,tmk->tm", bR, bR)
    for name, value in (("mean", mean), ("b(t)", b)):
        if not np.all(np.isfinite(value)):
            raise OverflowError(f"the prediction's {name} leaves the float64 range")
    return PredictionMoments(t, mean, variance, a, b, std)
