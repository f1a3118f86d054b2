r"""Ridge regression numerically: the whole path :math:`\lambda \mapsto \mathbf w_\lambda` from one
SVD, its :math:`\lambda \to 0^+` limit, GD from zero in closed form, and plain GD on the ridge
objective (the ground truth).

Source: 001 §2.4 (ridge regression, implicit regularisation), proved in
``gdflow.derive.pseudoinverse`` (``ridge.solution``, ``ridge.limit``,
``ridge.implicit_regularisation``).  Loss scales:

.. math::

    \mathcal J_\lambda(\mathbf w) = \frac{c}{2}\|\boldsymbol\Phi\mathbf w - \mathbf t\|^2
    + \frac\lambda2\|\mathbf w\|^2,
    \qquad c = 1/N \ (\text{``scale="mean"``, 001}), \quad c = 1 \ (\text{``scale="sum"``, 000}),

rows of :math:`\boldsymbol\Phi\in\mathbb R^{N\times D}` are data points.

Generated from the formulas
---------------------------
The evaluators do not restate the closed forms: each reads the per-singular-value form of a
:class:`~gdflow.derive.derivation.Formula` (``Formula.spectral``), lambdifies it once and applies
it to one thin SVD :math:`\boldsymbol\Phi = \mathbf U\mathbf S\mathbf V^\top` (positive singular
values only, :func:`gdflow.checks.simulate.thin_svd`):

- :data:`~gdflow.derive.pseudoinverse.RIDGE_SOLUTION`:
  :math:`\mathbf w_\lambda = \sum_j \frac{s_j\tau_j}{s_j^2 + N\lambda}\mathbf v_j`,
  :math:`\tau_j = \mathbf u_j^\top\mathbf t` (zero singular values contribute 0);
- :data:`~gdflow.derive.pseudoinverse.RIDGE_LIMIT`:
  :math:`\boldsymbol\Phi^\dagger\mathbf t = \sum_j \frac{\tau_j}{s_j}\mathbf v_j`;
- :data:`~gdflow.derive.pseudoinverse.GD_FROM_ZERO`:
  :math:`\mathbf w^{(k)} = \sum_j (1 - (1 - \alpha s_j^2/N)^k)\frac{\tau_j}{s_j}\mathbf v_j`.

The formulas are in the mean scale; the sum scale is the mean scale at :math:`\lambda/N`
(``ridge.solution``'s last step) and at step :math:`\alpha N` (the sum-scale gradient is N
times the mean-scale one).  Every λ costs :math:`O(Dm)` after one :math:`O(ND\min(N,D))` SVD.

Scale.  The problem is rescaled by a power of two :math:`\rho \approx s_{\max}` before the
formula is applied: :math:`(\boldsymbol\Phi, \mathbf t, \lambda, \alpha) \to (\boldsymbol\Phi/\rho,
\mathbf t/\rho, \lambda/\rho^2, \alpha\rho^2)` leaves :math:`\mathbf w_\lambda` and every GD iterate
unchanged (both normal equations and GD steps are multiplied through by :math:`\rho^2`), and
it is exact in binary floating point.  So data scaled by 1e-170 or 1e160 gives finite, right
weights (``s**2`` no longer under- or overflows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gdflow.derive.derivation import Formula
from gdflow.derive.pseudoinverse import GD_FROM_ZERO, RIDGE_LIMIT, RIDGE_SOLUTION

from .simulate import (
    Scale,
    as_matrix,
    as_vector,
    gd_trajectory,
    safe_norm,
    scale_divisor,
    scale_factor,
    thin_svd,
)

__all__ = [
    "Scale",
    "RidgePath",
    "ridge_path",
    "ridge_gd",
    "ridge_step_bound",
    "spectral_kernel",
]


def spectral_kernel(
    formula: Formula, params: tuple[str, ...] | None = None
) -> Callable[..., np.ndarray]:
    """``formula.spectral`` lambdified once for numpy (arguments ``formula.spectral_params``),
    by :meth:`Formula.spectral_function` (after SymPy's ``expm1``/``log1p`` rewriting:
    ``exp(x) - 1`` becomes ``expm1(x)``, the same function without cancellation).
    ``params``: the names the caller passes, in its order; ``ValueError`` when the formula's
    spectral parameters differ."""
    if formula.spectral is None:
        raise ValueError(f"formula for {formula.name} has no spectral (per-singular-value) form")
    names = tuple(str(p) for p in formula.spectral_params)
    if params is not None and names != params:
        raise ValueError(
            f"formula for {formula.name}: spectral parameters {names}; this evaluator passes "
            f"{params}"
        )
    return formula.spectral_function("numpy")


def _inputs(Phi: object, t: object) -> tuple[np.ndarray, np.ndarray]:
    P = as_matrix("Phi", Phi)
    return P, as_vector("t", t, P.shape[0])


def _nonnegative(name: str, values: Sequence[float] | float | np.ndarray) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be numbers >= 0; got {values!r}")
    return arr


def _finite(name: str, w: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(w)):
        raise OverflowError(f"{name} leaves the float64 range (the data are too large or tiny)")
    return w


@dataclass(frozen=True)
class RidgePath:
    r"""The SVD of :math:`\boldsymbol\Phi/\rho` and the coefficients
    :math:`\mathbf U^\top\mathbf t/\rho`, ready to evaluate :math:`\mathbf w_\lambda` for any
    λ ≥ 0 (module docstring).  ``s`` are the positive singular values of Φ/ρ, ``coef`` the
    τ_j/ρ, ``V`` (D×m) the right singular vectors, ``exponent`` the e of
    :math:`\rho = 2^e`, ``divisor`` 1 (sum scale) or N (mean scale); ``solution``,
    ``limit_formula``, ``gd_formula`` the formulas evaluated."""

    s: np.ndarray
    V: np.ndarray
    coef: np.ndarray
    divisor: int
    n_data: int
    n_features: int
    exponent: int = 0
    solution: Formula = RIDGE_SOLUTION
    limit_formula: Formula = RIDGE_LIMIT
    gd_formula: Formula = GD_FROM_ZERO

    @property
    def c(self) -> float:
        """The loss factor: 1 (sum scale) or 1/N (mean scale)."""
        return 1.0 / self.divisor

    @property
    def rank(self) -> int:
        return int(self.s.size)

    @property
    def singular_values(self) -> np.ndarray:
        """The positive singular values of Φ itself (:math:`\\rho s_j`)."""
        return np.ldexp(self.s, self.exponent)

    def _lam(self, lam: np.ndarray) -> np.ndarray:
        # the formula's (mean-scale) lambda of the rescaled problem: lam * divisor / N / rho^2
        return np.ldexp(lam * (self.divisor / self.n_data), -2 * self.exponent)

    def _combine(self, coefficients: np.ndarray) -> np.ndarray:
        return coefficients @ self.V.T

    def weights(self, lams: Sequence[float] | float | np.ndarray) -> np.ndarray:
        r""":math:`\mathbf w_\lambda` for each λ (rows), shape (L, D); λ = 0 gives
        :math:`\boldsymbol\Phi^\dagger\mathbf t`, λ = ∞ gives 0.

        :math:`\mathbf w_\lambda = \sum_j s_j\tau_j/(s_j^2 + N\lambda)\,\mathbf v_j`, the
        spectral form of ``ridge.solution`` (001 §2.4) applied to the SVD."""
        lam = _nonnegative("lams", lams)
        if self.rank == 0:
            return np.zeros((lam.size, self.n_features))
        f = spectral_kernel(self.solution, ("s", "tau", "lambda", "N"))
        filt = f(self.s[None, :], self.coef[None, :], self._lam(lam)[:, None], self.n_data)
        filt = np.broadcast_to(filt, (lam.size, self.rank))
        return _finite("w_lambda", self._combine(filt))

    def limit(self) -> np.ndarray:
        r""":math:`\lim_{\lambda\to0^+}\mathbf w_\lambda = \boldsymbol\Phi^\dagger\mathbf t =
        \sum_j (\tau_j/s_j)\mathbf v_j` (the spectral form of ``ridge.limit``)."""
        if self.rank == 0:
            return np.zeros(self.n_features)
        f = spectral_kernel(self.limit_formula, ("s", "tau"))
        coef = np.broadcast_to(f(self.s, self.coef), (self.rank,))
        return _finite("Phi^+ t", self._combine(coef))

    def gd_from_zero(self, alpha: float, steps: Sequence[int] | int) -> np.ndarray:
        r"""GD from :math:`\mathbf w^{(0)} = 0` on the unregularised loss after each number of
        steps in ``steps`` (rows), in closed form: the spectral form of
        ``ridge.implicit_regularisation``,
        :math:`\sum_j (1 - (1 - \alpha c\,s_j^2)^k)(\tau_j/s_j)\mathbf v_j`."""
        ks = np.atleast_1d(np.asarray(steps))
        if ks.ndim != 1 or not np.issubdtype(ks.dtype, np.integer) or np.any(ks < 0):
            raise ValueError(f"steps must be integers >= 0; got {steps!r}")
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite number > 0; got {alpha!r}")
        if self.rank == 0:
            return np.zeros((ks.size, self.n_features))
        # the formula's (mean-scale) step of the rescaled problem: alpha * N / divisor * rho^2
        a = math.ldexp(alpha * (self.n_data / self.divisor), 2 * self.exponent)
        f = spectral_kernel(self.gd_formula, ("s", "tau", "alpha", "k", "N"))
        with np.errstate(over="ignore", invalid="ignore"):
            coef = f(self.s[None, :], self.coef[None, :], a, ks[:, None].astype(float), self.n_data)
        return _finite("w^(k)", self._combine(np.broadcast_to(coef, (ks.size, self.rank))))

    def error_bound(self, lams: Sequence[float] | float | np.ndarray) -> np.ndarray:
        r""":math:`\|\mathbf w_\lambda - \boldsymbol\Phi^\dagger\mathbf t\| \le
        \frac{\lambda/c}{s_{\min}^2}\|\boldsymbol\Phi^\dagger\mathbf t\|` (``ridge.limit``: the
        error is :math:`-(\lambda/c)(\boldsymbol\Phi^\top\boldsymbol\Phi +
        (\lambda/c)\mathbf I)^{-1}\boldsymbol\Phi^\dagger\mathbf t` and
        :math:`\boldsymbol\Phi^\dagger\mathbf t` lies where every eigenvalue is
        :math:`\ge s_{\min}^2`)."""
        lam = _nonnegative("lams", lams)
        if self.rank == 0:
            return np.zeros(lam.size)
        ratio = np.ldexp(lam / self.c, -2 * self.exponent) / self.s.min() ** 2
        return ratio * safe_norm(self.limit())


def ridge_path(
    Phi: object,
    t: object,
    scale: Scale = "mean",
    *,
    solution: Formula = RIDGE_SOLUTION,
    limit_formula: Formula = RIDGE_LIMIT,
    gd_formula: Formula = GD_FROM_ZERO,
) -> RidgePath:
    r"""Prepare :math:`\lambda\mapsto\mathbf w_\lambda` for ridge regression on ``Phi`` (N×D,
    rows are data points, any rank), ``t`` (N), loss scale ``scale`` (module docstring); one
    thin SVD.  The formulas default to the catalogue's (``ridge.solution``, ``ridge.limit``,
    ``ridge.implicit_regularisation``); pass an edited copy to evaluate that instead.

    >>> path = ridge_path([[1.0, 0.0], [1.0, 0.0]], [1.0, 3.0])
    >>> np.round(path.weights([1.0, 0.0]), 12).tolist()  # lam = 1 (mean scale), then the limit
    [[1.0, 0.0], [2.0, 0.0]]
    """
    P, y = _inputs(Phi, t)
    divisor = scale_divisor(scale, P.shape[0])
    top = float(np.max(np.abs(P), initial=0.0))
    exponent = math.frexp(top)[1] if top > 0 else 0
    U, s, V = thin_svd(np.ldexp(P, -exponent))
    coef = U.T @ np.ldexp(y, -exponent)
    return RidgePath(
        s, V, coef, divisor, P.shape[0], P.shape[1], exponent, solution, limit_formula, gd_formula
    )


def ridge_step_bound(Phi: object, lam: float, scale: Scale = "mean") -> float:
    r"""GD on :math:`\mathcal J_\lambda` converges iff
    :math:`0 < \alpha < 2/(\tilde a_{\max} + \lambda)`, :math:`\tilde a_{\max} = c\,s_{\max}^2`
    the largest eigenvalue of :math:`c\boldsymbol\Phi^\top\boldsymbol\Phi` (001 §2.2 A2 for
    :math:`\mathbf A_\lambda`; ``ridge.implicit_regularisation``).  Returns the bound."""
    P = np.asarray(Phi, dtype=float)
    c = scale_factor(scale, P.shape[0])
    s_max = float(np.linalg.norm(P, 2)) if P.size else 0.0
    return 2.0 / (c * s_max**2 + float(lam))


def ridge_gd(
    Phi: object,
    t: object,
    lam: float,
    alpha: float,
    steps: int,
    w0: object = None,
    scale: Scale = "mean",
) -> np.ndarray:
    r"""Run ``steps`` iterations of GD on :math:`\mathcal J_\lambda` (a real simulation, float64,
    the ground truth for the closed forms):

    .. math:: \mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha\bigl(c\boldsymbol\Phi^\top
       (\boldsymbol\Phi\mathbf w^{(k)} - \mathbf t) + \lambda\mathbf w^{(k)}\bigr)

    from ``w0`` (default 0); λ = 0 is plain least squares (001 eq 9, §2.4).  Returns the last
    iterate; raises ``OverflowError`` when the run leaves the float64 range.  This is
    :func:`gdflow.checks.simulate.gd_trajectory` on
    :math:`\mathbf A = c\boldsymbol\Phi^\top\boldsymbol\Phi + \lambda\mathbf I`,
    :math:`\mathbf b = -c\boldsymbol\Phi^\top\mathbf t`."""
    P, y = _inputs(Phi, t)
    N, D = P.shape
    c = scale_factor(scale, N)
    w = np.zeros(D) if w0 is None else as_vector("w0", w0, D)
    A = c * P.T @ P + lam * np.eye(D)
    return gd_trajectory(A, -c * P.T @ y, w, alpha, [int(steps)]).w[0]
