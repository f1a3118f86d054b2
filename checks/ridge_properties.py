r"""Property checks for ridge regression and implicit regularisation (001 §2.4), registered in
:mod:`gdflow.checks.properties` so ``gdflow check -k ridge`` runs them.

Loss scales: :math:`\mathcal J_\lambda = \frac c2\|\boldsymbol\Phi\mathbf w - \mathbf t\|^2 +
\frac\lambda2\|\mathbf w\|^2`, ``scale`` "mean" (c = 1/N, 001) or "sum" (c = 1).  Evaluators from
:mod:`gdflow.checks.ridge_numeric`.

Properties (name: statement; derivation):

- ``ridge.limit_is_pinv``: the ridge path at λ = 0 is :math:`\boldsymbol\Phi^\dagger\mathbf t`
  (against ``numpy.linalg.pinv``, an independent route), :math:`\mathbf w_\lambda` at a moderate λ
  is the solution of the normal equations (``numpy.linalg.solve``), and along
  :math:`\lambda/c = s_{\min}^2 10^{-i}`, i = 1…4, the error obeys the proved bound
  :math:`\|\mathbf w_\lambda - \boldsymbol\Phi^\dagger\mathbf t\| \le
  (\lambda/c)\|\boldsymbol\Phi^\dagger\mathbf t\|/s_{\min}^2` and is :math:`O(\lambda)`: the fitted
  log–log slope is within 0.02 of 1 (``ridge.limit``).
- ``ridge.gd_from_zero_is_pinv``: GD from 0 on the unregularised loss stays in
  range(:math:`\boldsymbol\Phi^\top`) and reaches :math:`\boldsymbol\Phi^\dagger\mathbf t`
  (``ridge.implicit_regularisation``).
- ``ridge.gd_stability_boundary``: GD on :math:`\mathcal J_\lambda` with :math:`\alpha = 0.98\cdot
  2/(\tilde a_{\max}+\lambda)` converges to :math:`\mathbf w_\lambda`; with :math:`\alpha =
  1.02\cdot 2/(\tilde a_{\max}+\lambda)` it diverges from a start with a component along the top
  eigenvector (``ridge.implicit_regularisation``).

Tolerances (no tuned constants): float64 backward-error bounds with the constant
:data:`gdflow.checks.properties.SAFETY`; the statements about λ use the proved bound and a slope
whose deviation from 1 over λ/c ∈ [s²_min·1e-4, s²_min·1e-1] is at most log10(1.1)/3 < 0.015
(the factor :math:`s^2/(s^2+\lambda/c)` changes by less than 10% there).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies as gs
from .properties import SAFETY, TINY, register, steps_to_shrink
from .ridge_numeric import ridge_gd, ridge_path, ridge_step_bound
from .simulate import EIGENVALUE_TOL_FACTOR, EPS, Scale, safe_norm, scale_factor

__all__ = ["limit_is_pinv", "gd_from_zero_is_pinv", "gd_stability_boundary", "SLOPE_TOL"]

SLOPE_TOL = 0.02
"""|slope − 1| allowed for log‖w_λ − Φ†t‖ against log λ (bound 0.015 from the filter factor, see
the module docstring)."""

_scales = st.sampled_from(["mean", "sum"])


def _problems(max_condition: float) -> st.SearchStrategy[gs.LeastSquaresProblem]:
    return gs.least_squares_problems(max_points=6, max_features=5, max_condition=max_condition)


def _pinv_reference(Phi: np.ndarray, t: np.ndarray) -> np.ndarray:
    # numpy's pinv (an independent route) with the rank decision of simulate.thin_svd: it keeps
    # s > rcond * s_max, and eigenvalue_tolerance(s) = EIGENVALUE_TOL_FACTOR * min(N, D) * EPS *
    # s_max
    return np.linalg.pinv(Phi, rcond=EIGENVALUE_TOL_FACTOR * min(Phi.shape) * EPS) @ t


@register(
    "ridge.limit_is_pinv",
    "w_lambda -> Phi^dagger t as lambda -> 0+, within the proved bound lambda/c "
    "||Phi^dagger t||/s_min^2, with slope 1 (001 §2.4)",
    _problems(1e3),
    _scales,
)
def limit_is_pinv(problem: gs.LeastSquaresProblem, scale: Scale) -> None:
    Phi, t = problem.Phi, problem.t
    N, D = Phi.shape
    path = ridge_path(Phi, t, scale)
    c = scale_factor(scale, N)
    ref = _pinv_reference(Phi, t)
    lim = path.limit()
    if path.rank == 0:
        assert np.all(lim == 0) and np.all(path.weights([1.0, 1e-8]) == 0), (
            "rank 0: every w_lambda must be 0"
        )
        return
    s_max, s_min = float(path.singular_values.max()), float(path.singular_values.min())
    kappa = s_max / s_min
    tol = SAFETY * (N + D) * EPS * (kappa * safe_norm(ref) + kappa**2 * safe_norm(t) / s_max) + TINY
    err = safe_norm(lim - ref)
    assert err <= tol, f"ridge path at lambda = 0 differs from pinv(Phi) t by {err:.3g} > {tol:.3g}"
    # the evaluator at a moderate lambda (lambda/c = s_max^2) against the normal equations
    lam = c * s_max**2
    direct = np.linalg.solve(Phi.T @ Phi + (lam / c) * np.eye(D), Phi.T @ t)
    w = path.weights([lam])[0]
    tol_w = SAFETY * (N + D) * EPS * (safe_norm(direct) + safe_norm(t) / s_max) + TINY
    assert safe_norm(w - direct) <= tol_w, (
        f"w_lambda from the SVD differs from solve() by {safe_norm(w - direct):.3g} > {tol_w:.3g}"
    )
    # lambda -> 0: the proved bound, and the O(lambda) rate
    lams = c * s_min**2 * 10.0 ** -np.arange(1, 5)
    errs = np.array([safe_norm(x - lim) for x in path.weights(lams)])
    bound = path.error_bound(lams)
    slack = SAFETY * (N + D) * EPS * kappa * safe_norm(lim) + TINY
    assert np.all(errs <= bound * (1 + SAFETY * EPS) + slack), (
        f"errors {errs} exceed the bound {bound}"
    )
    floor = 1e3 * slack
    use = errs > floor
    if use.sum() >= 2:
        slope = float(np.polyfit(np.log(lams[use]), np.log(errs[use]), 1)[0])
        assert abs(slope - 1) <= SLOPE_TOL, (
            f"log-log slope of the error against lambda is {slope:.4f}, not 1 (errors {errs})"
        )


@register(
    "ridge.gd_from_zero_is_pinv",
    "GD from 0 on (c/2)||Phi w - t||^2 stays in range(Phi^T) and converges to Phi^dagger "
    "t = lim w_lambda (001 eq 16, §2.4)",
    _problems(10),
    _scales,
)
def gd_from_zero_is_pinv(problem: gs.LeastSquaresProblem, scale: Scale) -> None:
    Phi, t = problem.Phi, problem.t
    N, D = Phi.shape
    path = ridge_path(Phi, t, scale)
    ref = path.limit()
    if path.rank == 0:
        assert np.all(ridge_gd(Phi, t, 0.0, 1.0, 5, scale=scale) == 0), (
            "rank 0: GD never moves from 0"
        )
        return
    c = scale_factor(scale, N)
    a = c * path.singular_values**2
    alpha = 1.0 / a.max()  # inside (0, 2/a_max)
    rho = 1.0 - a.min() / a.max()  # contraction on range(Phi^T)
    steps = steps_to_shrink(rho, 1e-14)
    w = ridge_gd(Phi, t, 0.0, alpha, steps, scale=scale)
    kappa_a = a.max() / a.min()
    tol = (
        SAFETY
        * (N + D)
        * EPS
        * kappa_a
        * (safe_norm(ref) + safe_norm(t) / path.singular_values.max())
        + 1e-14 * safe_norm(ref)
        + TINY
    )
    err = safe_norm(w - ref)
    assert err <= tol, (
        f"GD from 0 after {steps} steps is {err:.3g} from Phi^dagger t (tolerance {tol:.3g})"
    )
    outside = safe_norm(w - path.V @ (path.V.T @ w))
    assert outside <= tol, f"GD left range(Phi^T): component {outside:.3g} in the null space of Phi"


@register(
    "ridge.gd_stability_boundary",
    "GD on the ridge objective converges to w_lambda for alpha = 0.98*2/(a_max + lambda) "
    "and diverges for 1.02*2/(a_max + lambda) (001 §2.2 A2, §2.4)",
    _problems(10),
    _scales,
    st.floats(0.05, 1.0),
)
def gd_stability_boundary(problem: gs.LeastSquaresProblem, scale: Scale, lam_ratio: float) -> None:
    Phi, t = problem.Phi, problem.t
    N, D = Phi.shape
    c = scale_factor(scale, N)
    s = np.linalg.svd(Phi, compute_uv=False)
    a_max = c * float(s.max()) ** 2 if s.size else 0.0
    lam = lam_ratio * max(a_max, 1.0)
    bound = ridge_step_bound(Phi, lam, scale)
    assert np.isclose(bound, 2.0 / (a_max + lam), rtol=SAFETY * D * EPS), (
        f"step bound {bound} != 2/(a_max + lambda)"
    )
    w_lam = ridge_path(Phi, t, scale).weights([lam])[0]
    A_lam = c * Phi.T @ Phi + lam * np.eye(D)
    ev, Qe = np.linalg.eigh(A_lam)
    top = Qe[:, -1]
    w0 = w_lam + top + 0.5 * np.ones(D) / np.sqrt(D)
    # below the boundary: contraction rho = max(|1 - alpha a_min|, |1 - alpha a_top|) <= max(1 -
    # alpha*lam, 0.96)
    alpha = 0.98 * bound
    rho = max(abs(1 - alpha * ev.min()), abs(1 - alpha * ev.max()))
    assert rho < 1, (
        f"alpha = 0.98 * ridge_step_bound = {alpha:.6g} does not contract: rho = "
        f"{rho:.6g} for eigenvalues [{ev.min():.6g}, {ev.max():.6g}] of A_lambda"
    )
    steps = steps_to_shrink(rho, 1e-13)
    w = ridge_gd(Phi, t, lam, alpha, steps, w0=w0, scale=scale)
    tol = (
        1e-13 * safe_norm(w0 - w_lam)
        + SAFETY * (N + D) * EPS * (ev.max() / ev.min()) * (safe_norm(w_lam) + safe_norm(w0))
        + TINY
    )
    assert safe_norm(w - w_lam) <= tol, (
        f"alpha = 0.98 * bound: GD ended {safe_norm(w - w_lam):.3g} from w_lambda (tol {tol:.3g})"
    )
    # above the boundary: the top direction grows by |1 - 1.02 * 2| = 1.04 per step
    alpha = 1.02 * bound
    steps = 400  # 1.04^400 > 6e6
    w = ridge_gd(Phi, t, lam, alpha, steps, w0=w0, scale=scale)
    grow = safe_norm(w - w_lam) / safe_norm(w0 - w_lam)
    assert grow > 1e6, (
        f"alpha = 1.02 * bound: the deviation grew only by {grow:.3g} in {steps} steps"
    )
