r"""Property checks tying the gradient-flow derivations (``gdflow.derive.flow``,
``gdflow.derive.function_space``,
``gdflow.derive.tangent_kernel``) to real simulations, and the lazy-training experiment of 002 §5.

Each check takes one drawn problem and raises ``AssertionError`` with the numbers when the
property fails; :func:`flow_problems` is the hypothesis strategy that draws them.  Loss scale:
:math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`, ``scale`` "sum" (c = 1, 000) or "mean"
(c = 1/N); all evaluators come from :mod:`gdflow.checks.flow_numeric`.

Properties (name: statement, source):

- ``flow.closed_form_vs_integration``: :math:`\mathbf w(t)`, :math:`\mathbf r(t)`,
  :math:`f(\mathbf x_\star, t)` from the closed forms equal a DOP853 integration of
  :math:`\dot{\mathbf w} = -\nabla L` (rtol 1e-12) to 1e-8 relative (000, eq 11–18).
- ``flow.gd_rate``: GD with step :math:`\alpha` for :math:`T/\alpha` steps differs from
  :math:`\mathbf w(T)` by :math:`O(\alpha)`: the fitted slope of :math:`\log\|\text{err}\|` against
  :math:`\log\alpha` is within 0.1 of 1 (``flow.gd_limit``).
- ``flow.residual_limit``: :math:`\mathbf r(\infty) = (\mathbf I - \mathbf K\mathbf
K^\dagger)\mathbf r_0` for
  any rank, finite, and it is what a long integration reaches (``flow.trainability``).
- ``flow.parameter_limit``: :math:`\mathbf w(\infty) = (\mathbf I - \mathbf X^\dagger\mathbf
X)\mathbf w_0 +
  \mathbf X^\dagger\mathbf y`, the minimum-norm least-squares solution from :math:`\mathbf w_0 = 0`
  (``flow.parameter_evolution``).
- ``flow.mpmath_agrees``: the float64 evaluator equals a 50-digit mpmath evaluation through an
  independent eigendecomposition (of K instead of X), t = ∞ included.
- ``kernel.first_order_rate``: for a nonlinear SymPy model, the first-order tangent-kernel
  update misses the true change by :math:`O(\eta^2)`: fitted slope within 0.01 of 2
  (``kernel.tangent``).

:func:`lazy_training` is the width experiment of 002 §5.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from hypothesis import assume
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from . import strategies as gs
from .flow_numeric import LinearFlowMP, Scale, gd_parameters, integrate_flow, linear_flow
from .properties import register
from .simulate import safe_norm

__all__ = [
    "FlowProblem",
    "flow_problems",
    "problem_scale",
    "closed_form_vs_integration",
    "gd_rate",
    "fitted_slope",
    "residual_limit",
    "parameter_limit",
    "agrees_with_mpmath",
    "KernelProblem",
    "kernel_problems",
    "first_order_rate",
    "LazyTraining",
    "lazy_training",
    "FLOW_PROPERTIES",
]

CLOSED_FORM_RTOL = 1e-8
"""Closed form vs integration (rtol 1e-12, atol 1e-14 of the problem's scale): relative to the
largest entry, or to the problem's scale (:func:`problem_scale`) when that is larger."""
GD_SLOPE_TOL = 0.1
"""|slope - 1| allowed for GD vs flow with alpha * lambda_max in [0.0025, 0.02] (the next term
of the error is relatively O(alpha lambda_max), a few percent of the slope)."""
KERNEL_SLOPE_TOL = 1e-2
"""|slope - 2| allowed for the first-order update error (eta in 2^-24 ... 2^-28 scaled by the
gradient norm, 50-digit arithmetic).  The check also requires e(eta)/(c2 eta^2) within 1% of 1
at every eta; over the 16x range of eta that alone bounds the slope's deviation from 2 by
log(1.01/0.99)/log(16) < 7.3e-3, so this tolerance is kept just above that, not looser."""


def fitted_slope(xs: ArrayLike, ys: ArrayLike) -> float:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x`."""
    lx, ly = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(lx, ly, 1)[0])


@dataclass(frozen=True)
class FlowProblem:
    """A least-squares gradient-flow problem: X (N×D, rows are data), y, w0, a new input x_star,
    the loss ``scale``."""

    X: np.ndarray
    y: np.ndarray
    w0: np.ndarray
    x_star: np.ndarray
    scale: Scale = "sum"

    def __repr__(self) -> str:
        return (
            f"FlowProblem(scale={self.scale!r},\n  X={np.array2string(self.X, precision=4)},\n"
            f"  y={np.array2string(self.y, precision=4)}, "
            f"w0={np.array2string(self.w0, precision=4)},\n"
            f"  x_star={np.array2string(self.x_star, precision=4)})"
        )


@st.composite
def flow_problems(draw: st.DrawFn, max_n: int = 6, max_d: int = 5) -> FlowProblem:
    """Draw a :class:`FlowProblem`: X = U diag(s) Vᵀ (``strategies.matrices_of_rank``) of random
    rank 1 … min(N, D) (rank-deficient by chance) with singular values in [0.3, 2] (well
    conditioned); entries of y, w0, x_star in [-2, 2]; scale "sum" or "mean"."""
    N = draw(st.integers(1, max_n))
    D = draw(st.integers(1, max_d))
    rank = draw(st.integers(1, min(N, D)))
    X = draw(gs.matrices_of_rank(N, D, rank, min_singular=0.3, max_singular=2.0))
    vec = lambda n: np.array(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))  # noqa: E731
    scale: Scale = draw(st.sampled_from(["sum", "mean"]))
    return FlowProblem(X, vec(N), vec(D), vec(D), scale)


FULL_PRECISION = float(np.finfo(float).tiny / np.finfo(float).eps)
"""About 1e-292: below 2^-1022 float64 numbers are subnormal, so a problem whose data are
smaller than this has lost relative precision before any computation (its errors are then
measured against this absolute floor)."""


def problem_scale(p: FlowProblem) -> float:
    r"""The size of the problem's data, :math:`\max(\|\mathbf w_0\|_\infty, \|\mathbf y\|_\infty)`
    (X has singular values in [0.3, 2], so w(t), r(t) and the limits are of this size or 0),
    kept at least ``FULL_PRECISION``: the floor of :func:`_rel`."""
    size = max(float(np.max(np.abs(p.w0), initial=0.0)), float(np.max(np.abs(p.y), initial=0.0)))
    return max(size, FULL_PRECISION)


def _rel(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    """``max|a - b|`` relative to the largest entry of the reference b, or to ``floor`` (the
    problem's own scale) when b is smaller (its entries may be 0).  The floor was 1: a problem
    of size 1e-160 was then compared with 1 and passed whatever it computed, and one of size
    1e200 failed on rounding (r(t) = X w(t) - y cancels to ~1e184)."""
    return float(np.max(np.abs(a - b)) / max(floor, float(np.max(np.abs(b)))))


def closed_form_vs_integration(p: FlowProblem) -> float:
    """``flow.closed_form_vs_integration``; returns the worst relative error."""
    fl = linear_flow(p.X, p.y, p.w0, p.scale)
    lam_max = float(fl.lam.max()) if fl.rank else 1.0
    ts = np.array([0.0, 0.05, 0.3, 1.0, 4.0]) / lam_max
    w_int = integrate_flow(p.X, p.y, p.w0, ts, p.scale)
    size = problem_scale(p)
    size_f = max(size * float(np.max(np.abs(p.x_star), initial=0.0)), FULL_PRECISION)
    errs = {
        "w(t)": _rel(fl.parameters(ts), w_int, size),
        "r(t)": _rel(fl.residual(ts), w_int @ p.X.T - p.y[None, :], size),
        "f(x*, t)": _rel(fl.predict(p.x_star, ts)[:, 0], w_int @ p.x_star, size_f),
    }
    worst = max(errs.values())
    assert worst <= CLOSED_FORM_RTOL, (
        f"closed form vs integration at t = {ts.tolist()}: relative errors {errs} > "
        f"{CLOSED_FORM_RTOL}"
    )
    return worst


def gd_rate(p: FlowProblem) -> float:
    """``flow.gd_rate``; returns the fitted slope.  Examples where the flow does not move (r0 in
    the null space of K, e.g. y = X w0) have nothing to measure and are rejected with
    ``hypothesis.assume`` (not counted by ``run_checks``)."""
    fl = linear_flow(p.X, p.y, p.w0, p.scale)
    assume(fl.rank > 0)
    lam_max = float(fl.lam.max())
    T = 1.0 / lam_max
    ms = np.array([50, 100, 200, 400])  # alpha * lam_max = 1/m in [0.0025, 0.02]
    alphas = T / ms
    w_T = fl.parameters([T])[0]
    # safe_norm: numpy's norm squares the entries, which underflow to 0 for errors ~1e-162
    errs = np.array(
        [
            safe_norm(gd_parameters(p.X, p.y, p.w0, a, [m], p.scale)[0] - w_T)
            for a, m in zip(alphas, ms, strict=True)
        ]
    )
    assume(
        errs.max() >= 1e-10 * max(problem_scale(p), float(safe_norm(w_T)))
    )  # else the flow barely moves
    slope = fitted_slope(alphas, errs)
    assert abs(slope - 1.0) <= GD_SLOPE_TOL, (
        f"GD vs flow at T = {T:.4g}: errors {errs.tolist()} for alpha {alphas.tolist()}, "
        f"slope {slope:.3f} not within {GD_SLOPE_TOL} of 1"
    )
    return slope


def residual_limit(p: FlowProblem) -> float:
    """``flow.residual_limit``; returns the relative error against the projection."""
    fl = linear_flow(p.X, p.y, p.w0, p.scale)
    r0 = p.X @ p.w0 - p.y
    proj = r0 - p.X @ np.linalg.pinv(p.X) @ r0  # (I - K K^+) r0, since K K^+ = X X^+
    r_inf = fl.residual([np.inf])[0]
    assert np.all(np.isfinite(r_inf)), f"r(inf) is not finite: {r_inf}"
    size = problem_scale(p)
    err = _rel(r_inf, proj, size)
    assert err <= 1e-10, f"r(inf) = {r_inf} but (I - KK^+) r0 = {proj} (relative error {err:.2e})"
    lam_min = float(fl.lam.min()) if fl.rank else 1.0
    late = integrate_flow(p.X, p.y, p.w0, [40.0 / lam_min], p.scale)[0] @ p.X.T - p.y
    err_late = _rel(late, proj, size)
    assert err_late <= 1e-8, (
        f"integration to t = {40 / lam_min:.3g} reaches {late}, not the projection {proj} "
        f"(error {err_late:.2e})"
    )
    if fl.trainable:
        assert np.max(np.abs(r_inf)) <= 1e-10 * max(size, float(np.max(np.abs(r0)))), (
            f"K has full rank but r(inf) = {r_inf}"
        )
    return max(err, err_late)


def parameter_limit(p: FlowProblem) -> float:
    """``flow.parameter_limit``; returns the worst relative error."""
    fl = linear_flow(p.X, p.y, p.w0, p.scale)
    P = np.linalg.pinv(p.X)
    want = p.w0 - P @ p.X @ p.w0 + P @ p.y
    w_inf = fl.parameters([np.inf])[0]
    assert np.all(np.isfinite(w_inf)), f"w(inf) is not finite: {w_inf}"
    size = problem_scale(p)
    err = _rel(w_inf, want, size)
    assert err <= 1e-10, f"w(inf) = {w_inf} but (I - X^+X) w0 + X^+ y = {want} (error {err:.2e})"
    zero = linear_flow(p.X, p.y, np.zeros_like(p.w0), p.scale).parameters([np.inf])[0]
    min_norm = np.linalg.lstsq(p.X, p.y, rcond=None)[0]
    err0 = _rel(zero, min_norm, size)
    assert err0 <= 1e-10, (
        f"from w0 = 0 the flow ends at {zero}, not the minimum-norm solution {min_norm} "
        f"(error {err0:.2e})"
    )
    return max(err, err0)


MP_RTOL = 1e-11
"""float64 evaluator vs 50-digit mpmath: the drawn X have singular values in [0.3, 2]
(condition number <= 6.7), so the float64 closed forms are accurate to a few hundred eps;
1e-11 leaves a margin of ~100x for the eigenvector sensitivity of clustered singular values."""


def agrees_with_mpmath(p: FlowProblem) -> float:
    """``flow.mpmath_agrees``: the float64 evaluator (thin SVD of X) equals the 50-digit mpmath
    evaluator (``mpmath.eigsy`` of K, an independent route) for w(t) and r(t) at
    t = 0.5/lambda_max, 5/lambda_max and infinity, to ``MP_RTOL`` relative; returns the worst
    error."""
    fl = linear_flow(p.X, p.y, p.w0, p.scale)
    mp = LinearFlowMP.build(p.X, p.y, p.w0, p.scale, dps=50)
    lam_max = float(fl.lam.max()) if fl.rank else 1.0
    size = problem_scale(p)
    worst = 0.0
    for tv in (0.5 / lam_max, 5.0 / lam_max, np.inf):
        t_mp = mpmath.inf if np.isinf(tv) else mpmath.mpf(tv)
        w_mp = np.array([float(v) for v in mp.parameters(t_mp)])
        r_mp = np.array([float(v) for v in mp.residual(t_mp)])
        errs = (_rel(fl.parameters([tv])[0], w_mp, size), _rel(fl.residual([tv])[0], r_mp, size))
        assert max(errs) <= MP_RTOL, (
            f"float64 vs mpmath at t = {tv:.4g}: relative errors (w, r) = {errs} > {MP_RTOL}"
        )
        worst = max(worst, *errs)
    return worst


# -- the tangent kernel: first-order update error ----------------------------------------------

_W = sp.symbols("a_1 a_2 b_1 b_2", real=True)
_X = sp.Symbol("x", real=True)
NONLINEAR_MODEL = (_W[0] * sp.tanh(_W[2] * _X) + _W[1] * sp.tanh(_W[3] * _X), _W, _X)
(
    r"""A width-2 tanh network :math:`f(\mathbf w, x) = a_1\tanh(b_1 x) + a_2\tanh(b_2 x)` "
    r"(nonlinear in w)."""
)


@dataclass(frozen=True)
class KernelProblem:
    """Parameters w, training inputs/targets, and a test input for the first-order update."""

    w: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    x: float


@st.composite
def kernel_problems(draw: st.DrawFn, n_data: int = 3) -> KernelProblem:
    """Draw parameters in [-1.5, 1.5], inputs in [-2, 2], targets in [-2, 2]."""
    fl = lambda lo, hi, n: np.array(draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)))  # noqa: E731
    return KernelProblem(
        fl(-1.5, 1.5, 4), fl(-2, 2, n_data), fl(-2, 2, n_data), float(draw(st.floats(-2, 2)))
    )


@functools.cache
def _model_functions() -> tuple[Callable[..., Any], ...]:
    """f, its gradient and Hessian in w, lambdified for mpmath (built once)."""
    from gdflow.derive.tangent_kernel import gradient

    model, params, x = NONLINEAR_MODEL
    f = sp.lambdify([params, x], model, "mpmath")
    grad = sp.lambdify([params, x], list(gradient(model, params)), "mpmath")
    hess = sp.lambdify([params, x], sp.hessian(model, params).tolist(), "mpmath")
    return f, grad, hess


KERNEL_DPS = 50
KERNEL_MIN_C2 = 1e-4
"""Below this second-order coefficient the problem is degenerate (e.g. a critical point): the
error is then dominated by the third-order term at any eta tried.  Such examples are rejected
with ``hypothesis.assume`` (not counted as passing examples by ``run_checks``)."""


def first_order_rate(p: KernelProblem) -> float:
    r"""``kernel.first_order_rate``: :math:`e(\eta) = |f(\mathbf w - \eta\nabla L, x) - f(\mathbf
    w, x) +
    \eta\sum_i (u_i - y_i)H(x, x_i)|` for :math:`\eta = 2^{-k}/\max(1, \|\nabla L\|)`,
    :math:`k = 24, \dots, 28`, evaluated in mpmath at 50 digits (no rounding floor), has log-log
    slope within ``KERNEL_SLOPE_TOL`` of 2, and :math:`e(\eta)/\eta^2` is within 1% of
    :math:`c_2 = \frac12|\nabla L^\top\nabla_w^2 f(\mathbf w, x)\nabla L|` (002 §4; model,
    gradient and
    Hessian lambdified from ``gdflow.derive.tangent_kernel``; sum scale :math:`L = \frac12\sum_i
    (u_i - y_i)^2`).
    Returns the slope.  Examples with :math:`c_2 <` ``KERNEL_MIN_C2`` are rejected by
    ``hypothesis.assume`` (so outside a hypothesis test they raise ``UnsatisfiedAssumption``)."""
    f, grad, hess = _model_functions()
    with mpmath.workdps(KERNEL_DPS):
        w = [mpmath.mpf(float(v)) for v in p.w]
        xs = [mpmath.mpf(float(v)) for v in p.xs]
        ys = [mpmath.mpf(float(v)) for v in p.ys]
        x = mpmath.mpf(p.x)
        u = [f(w, xi) for xi in xs]
        G = [grad(w, xi) for xi in xs]
        g = [mpmath.fsum((u[i] - ys[i]) * G[i][k] for i in range(len(xs))) for k in range(len(w))]
        gx = grad(w, x)
        Hx = [mpmath.fsum(G[i][k] * gx[k] for k in range(len(w))) for i in range(len(xs))]
        Hs = hess(w, x)
        c2 = (
            abs(mpmath.fsum(g[a] * Hs[a][b] * g[b] for a in range(len(w)) for b in range(len(w))))
            / 2
        )
        assume(c2 >= KERNEL_MIN_C2)
        gnorm = mpmath.sqrt(mpmath.fsum(v * v for v in g))
        first = mpmath.fsum((u[i] - ys[i]) * Hx[i] for i in range(len(xs)))
        etas = [mpmath.mpf(2) ** -k / max(1, gnorm) for k in range(24, 29)]
        f0 = f(w, x)
        errs = [abs(f([w[k] - e * g[k] for k in range(len(w))], x) - f0 + e * first) for e in etas]
        ratios = [float(err / (c2 * e**2)) for err, e in zip(errs, etas, strict=True)]
        slope = fitted_slope([float(e) for e in etas], [float(e) for e in errs])
    assert abs(slope - 2.0) <= KERNEL_SLOPE_TOL, (
        f"first-order update errors {[float(e) for e in errs]}: slope {slope:.3f} not "
        f"within {KERNEL_SLOPE_TOL} of 2"
    )
    assert all(abs(r - 1) <= 0.01 for r in ratios), (
        f"error / (c2 eta^2) = {ratios}, not within 1% of 1 (c2 = {float(c2):.4g})"
    )
    return slope


# -- 002 §5: the tangent kernel of a wide network barely moves ---------------------------------


@dataclass(frozen=True)
class LazyTraining:
    """Result of :func:`lazy_training`: widths m, the mean relative kernel change
    :math:`\\|H_T - H_0\\|_F/\\|H_0\\|_F` at each width, the training loss before/after, and the
    fitted slope of log change against log m (-1/2 expected)."""

    widths: tuple[int, ...]
    relative_change: tuple[float, ...]
    loss_start: tuple[float, ...]
    loss_end: tuple[float, ...]
    slope: float
    settings: dict = field(default_factory=dict)


_ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
}


def _ntk(Xd: np.ndarray, a: np.ndarray, W: np.ndarray, activation: str = "tanh") -> np.ndarray:
    m = a.size
    z = Xd @ W.T
    sig, dsig = _ACTIVATIONS[activation]
    s, ds = sig(z), dsig(z)
    Ja = s / np.sqrt(m)  # df/da_r
    Bw = ds * a[None, :] / np.sqrt(m)  # df/dW_r = Bw[:, r] x
    return Ja @ Ja.T + (Bw @ Bw.T) * (Xd @ Xd.T)


def lazy_training(
    widths: Sequence[int] = (64, 128, 256, 512, 1024, 2048, 4096),
    n_data: int = 8,
    d_in: int = 3,
    steps: int = 300,
    seeds: int = 4,
    seed: int = 0,
    activation: str = "tanh",
) -> LazyTraining:
    r"""002 §5: train :math:`f(x) = \frac{1}{\sqrt m}\sum_{r=1}^m a_r\tanh(\mathbf w_r^\top x)` (NTK
    parametrisation, :math:`a_r, w_{rk} \sim N(0, 1)`) by full-batch GD on
    :math:`L = \frac12\sum_i (f(x_i) - y_i)^2` (sum scale) with step :math:`\eta =
    1/\lambda_{\max}(H_0)`
    for ``steps`` steps, and measure the relative change of the empirical tangent kernel
    :math:`H(x_i, x_j) = \langle\nabla_\theta f(x_i), \nabla_\theta f(x_j)\rangle`,
    :math:`\|H_T - H_0\|_F / \|H_0\|_F`, averaged over ``seeds`` initialisations per width.
    The data (inputs on the unit sphere, targets :math:`\sin(3x_1) + x_2`) are fixed by ``seed``.
    Theory (Jacot et al., cited in 002 §5): the change is :math:`O(1/\sqrt m)`, a slope of -1/2
    against m.  Numpy only; about 1–3 s with the defaults.  ``activation``: ``"tanh"`` or
    ``"relu"`` (:math:`\max(z, 0)`, whose kernel changes only through units changing sign).
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}; got {activation!r}")
    sig, dsig = _ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    Xd = rng.normal(size=(n_data, d_in))
    Xd /= np.linalg.norm(Xd, axis=1, keepdims=True)
    yd = np.sin(3 * Xd[:, 0]) + Xd[:, 1]
    changes, l0s, l1s = [], [], []
    for m in widths:
        per = []
        for s in range(seeds):
            r = np.random.default_rng([seed, m, s])
            a, W = r.normal(size=m), r.normal(size=(m, d_in))
            H0 = _ntk(Xd, a, W, activation)
            lr = 1.0 / np.linalg.eigvalsh(H0)[-1]
            for k in range(steps):
                z = Xd @ W.T
                th = sig(z)
                res = th @ a / np.sqrt(m) - yd
                if k == 0:
                    l0s.append(0.5 * float(res @ res))
                ga = th.T @ res / np.sqrt(m)
                gW = ((res[:, None] * dsig(z)) * a[None, :] / np.sqrt(m)).T @ Xd
                a, W = a - lr * ga, W - lr * gW
            res = sig(Xd @ W.T) @ a / np.sqrt(m) - yd
            l1s.append(0.5 * float(res @ res))
            HT = _ntk(Xd, a, W, activation)
            per.append(np.linalg.norm(HT - H0) / np.linalg.norm(H0))
        changes.append(float(np.mean(per)))
    slope = fitted_slope(widths, changes)
    settings = {
        "n_data": n_data,
        "d_in": d_in,
        "steps": steps,
        "seeds": seeds,
        "seed": seed,
        "activation": activation,
    }
    return LazyTraining(tuple(widths), tuple(changes), tuple(l0s), tuple(l1s), slope, settings)


FLOW_PROPERTIES: dict[str, tuple[Any, Any, str]] = {
    "flow.closed_form_vs_integration": (
        flow_problems(),
        closed_form_vs_integration,
        "closed forms w(t), r(t), f(x*, t) = DOP853 integration of the flow (rtol 1e-8; "
        "000 eq 11-18)",
    ),
    "flow.gd_rate": (
        flow_problems(),
        gd_rate,
        "GD with step alpha tracks gradient flow with error O(alpha): log-log slope within "
        "0.1 of 1 (flow.gd_limit)",
    ),
    "flow.residual_limit": (
        flow_problems(),
        residual_limit,
        "r(inf) = (I - KK^+) r(0) for any rank, finite, and reached by integration "
        "(flow.trainability)",
    ),
    "flow.parameter_limit": (
        flow_problems(),
        parameter_limit,
        "w(inf) = (I - X^+X) w0 + X^+ y; min-norm least squares from w0 = 0 "
        "(flow.parameter_evolution)",
    ),
    "flow.mpmath_agrees": (
        flow_problems(max_n=4, max_d=4),
        agrees_with_mpmath,
        "the float64 closed forms (thin SVD) equal a 50-digit mpmath evaluation (eigsy of "
        "K) to 1e-11, t = inf and singular K included",
    ),
    "kernel.first_order_rate": (
        kernel_problems(),
        first_order_rate,
        "the first-order tangent-kernel update of a tanh network errs by O(eta^2): slope "
        "within 0.01 of 2 and e/(c2 eta^2) within 1% of 1 (kernel.tangent)",
    ),
}
"""name -> (hypothesis strategy, check, description); each is registered with
:func:`gdflow.checks.properties.register` below."""

for _name, (_strategy, _check, _description) in FLOW_PROPERTIES.items():
    register(_name, _description, _strategy)(_check)
