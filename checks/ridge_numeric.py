r"""Ridge regression numerically: the whole path :math:`\lambda \mapsto \mathbf w_\lambda` from one SVD,
its :math:`\lambda \to 0^+` limit, and GD on the ridge objective.

Source: 001 §2.4 (ridge regression, implicit regularisation), proved in ``gdflow.derive.pseudoinverse``
(``ridge.solution``, ``ridge.limit``, ``ridge.implicit_regularisation``).  Loss scales:

.. math::

    \mathcal J_\lambda(\mathbf w) = \frac{c}{2}\|\boldsymbol\Phi\mathbf w - \mathbf t\|^2 + \frac\lambda2\|\mathbf w\|^2,
    \qquad c = 1/N \ (\text{``scale="mean"``, 001}), \quad c = 1 \ (\text{``scale="sum"``, 000}),

rows of :math:`\boldsymbol\Phi\in\mathbb R^{N\times D}` are data points.  The minimiser is
:math:`\mathbf w_\lambda = (c\boldsymbol\Phi^\top\boldsymbol\Phi + \lambda\mathbf I)^{-1}c\boldsymbol\Phi^\top\mathbf t`
(:math:`(\boldsymbol\Phi^\top\boldsymbol\Phi + N\lambda\mathbf I)^{-1}\boldsymbol\Phi^\top\mathbf t` for the mean
scale).  With the thin SVD :math:`\boldsymbol\Phi = \mathbf U\mathbf S\mathbf V^\top`,

.. math:: \mathbf w_\lambda = \mathbf V\,\mathrm{diag}\Bigl(\frac{s_j}{s_j^2 + \lambda/c}\Bigr)\mathbf U^\top\mathbf t,

so every λ costs :math:`O(D m)` after one :math:`O(ND\min(N,D))` SVD.  Singular values at or
below :math:`\tau` (``gdflow.checks.simulate.eigenvalue_tolerance``) are zero and dropped: at
:math:`\lambda = 0` this gives :math:`\boldsymbol\Phi^\dagger\mathbf t`, the limit (no NaN for any rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .simulate import Scale, as_matrix, as_vector, gd_trajectory, safe_norm, scale_factor, thin_svd

__all__ = ["Scale", "RidgePath", "ridge_path", "ridge_gd", "ridge_step_bound"]


def _inputs(Phi, t) -> tuple[np.ndarray, np.ndarray]:
    P = as_matrix("Phi", Phi)
    return P, as_vector("t", t, P.shape[0])


@dataclass(frozen=True)
class RidgePath:
    r"""The SVD of Φ and the coefficients :math:`\mathbf U^\top\mathbf t`, ready to evaluate
    :math:`\mathbf w_\lambda` for any λ ≥ 0 (module docstring).  ``s`` are the positive singular
    values, ``V`` (D×m) the right singular vectors, ``c`` the loss factor."""

    s: np.ndarray
    V: np.ndarray
    coef: np.ndarray
    c: float
    n_features: int

    @property
    def rank(self) -> int:
        return int(self.s.size)

    def weights(self, lams: Sequence[float] | float) -> np.ndarray:
        r""":math:`\mathbf w_\lambda` for each λ (rows), shape (L, D); λ = 0 gives :math:`\boldsymbol\Phi^\dagger\mathbf t`.

        :math:`\mathbf w_\lambda = \mathbf V\,\mathrm{diag}(s_j/(s_j^2 + \lambda/c))\mathbf U^\top\mathbf t`
        (001 §2.4, ``ridge.solution`` / ``ridge.limit``)."""
        lam = np.atleast_1d(np.asarray(lams, dtype=float))
        if lam.ndim != 1 or np.any(np.isnan(lam)) or np.any(lam < 0):
            raise ValueError(f"lams must be numbers >= 0; got {lams!r}")
        if self.rank == 0:
            return np.zeros((lam.size, self.n_features))
        filt = self.s[None, :] / (self.s[None, :] ** 2 + lam[:, None] / self.c)
        return (filt * self.coef[None, :]) @ self.V.T

    def limit(self) -> np.ndarray:
        r""":math:`\lim_{\lambda\to0^+}\mathbf w_\lambda = \boldsymbol\Phi^\dagger\mathbf t` (``ridge.limit``)."""
        return self.weights([0.0])[0]

    def error_bound(self, lams: Sequence[float] | float) -> np.ndarray:
        r""":math:`\|\mathbf w_\lambda - \boldsymbol\Phi^\dagger\mathbf t\| \le \frac{\lambda/c}{s_{\min}^2}\|\boldsymbol\Phi^\dagger\mathbf t\|`
        (``ridge.limit``: the error is :math:`-(\lambda/c)(\boldsymbol\Phi^\top\boldsymbol\Phi + (\lambda/c)\mathbf I)^{-1}\boldsymbol\Phi^\dagger\mathbf t`
        and :math:`\boldsymbol\Phi^\dagger\mathbf t` lies where every eigenvalue is ≥ :math:`s_{\min}^2`)."""
        lam = np.atleast_1d(np.asarray(lams, dtype=float))
        if self.rank == 0:
            return np.zeros(lam.size)
        return lam / self.c / self.s.min() ** 2 * safe_norm(self.limit())


def ridge_path(Phi, t, scale: Scale = "mean") -> RidgePath:
    r"""Prepare :math:`\lambda\mapsto\mathbf w_\lambda` for ridge regression on ``Phi`` (N×D, rows are data
    points, any rank), ``t`` (N), loss scale ``scale`` (module docstring); one thin SVD.

    >>> path = ridge_path([[1.0, 0.0], [1.0, 0.0]], [1.0, 3.0])
    >>> np.round(path.weights([1.0, 0.0]), 12).tolist()  # lam = 1 (mean scale), then the limit
    [[1.0, 0.0], [2.0, 0.0]]
    """
    P, y = _inputs(Phi, t)
    c = scale_factor(scale, P.shape[0])
    U, s, V = thin_svd(P)
    return RidgePath(s, V, U.T @ y, c, P.shape[1])


def ridge_step_bound(Phi, lam: float, scale: Scale = "mean") -> float:
    r"""GD on :math:`\mathcal J_\lambda` converges iff :math:`0 < \alpha < 2/(\tilde a_{\max} + \lambda)`,
    :math:`\tilde a_{\max} = c\,s_{\max}^2` the largest eigenvalue of :math:`c\boldsymbol\Phi^\top\boldsymbol\Phi`
    (001 §2.2 A2 for :math:`\mathbf A_\lambda`; ``ridge.implicit_regularisation``).  Returns the bound."""
    P = np.asarray(Phi, dtype=float)
    c = scale_factor(scale, P.shape[0])
    s_max = float(np.linalg.norm(P, 2)) if P.size else 0.0
    return 2.0 / (c * s_max**2 + float(lam))


def ridge_gd(
    Phi, t, lam: float, alpha: float, steps: int, w0=None, scale: Scale = "mean"
) -> np.ndarray:
    r"""Run ``steps`` iterations of GD on :math:`\mathcal J_\lambda` (a real simulation, float64):

    .. math:: \mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha\bigl(c\boldsymbol\Phi^\top(\boldsymbol\Phi\mathbf w^{(k)} - \mathbf t) + \lambda\mathbf w^{(k)}\bigr)

    from ``w0`` (default 0); λ = 0 is plain least squares (001 eq 9, §2.4).  Returns the last
    iterate; raises ``OverflowError`` when the run leaves the float64 range.  This is
    :func:`gdflow.checks.simulate.gd_trajectory` on :math:`\mathbf A = c\boldsymbol\Phi^\top\boldsymbol\Phi + \lambda\mathbf I`,
    :math:`\mathbf b = -c\boldsymbol\Phi^\top\mathbf t`."""
    P, y = _inputs(Phi, t)
    N, D = P.shape
    c = scale_factor(scale, N)
    w = np.zeros(D) if w0 is None else as_vector("w0", w0, D)
    return gd_trajectory(c * P.T @ P + lam * np.eye(D), -c * P.T @ y, w, alpha, [int(steps)]).w[0]
