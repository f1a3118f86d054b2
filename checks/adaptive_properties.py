r"""Property checks for the optimizers of :mod:`gdflow.checks.optimizers` (issue 12; 001 §2.1,
§2.3; 003 "Adaptive methods"), registered so ``gdflow check -k adaptive`` and ``-k
optimizers`` run them.

- ``adaptive.rotation_invariance_observed`` (``adaptive.rotation_invariance``): on
  :math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w`
  and its rotated copy :math:`\tilde J(\mathbf v) = J(\mathbf Q\mathbf v)` (:math:`\tilde{\mathbf
  A} = \mathbf Q^\top\mathbf A\mathbf Q`, :math:`\tilde{\mathbf b} = \mathbf Q^\top\mathbf b`,
  :math:`\mathbf v^{(0)} = \mathbf Q^\top\mathbf w^{(0)}`):

  1. GD and heavy ball commute with a random rotation Q: :math:`\mathbf w^{(k)} = \mathbf
     Q\mathbf v^{(k)}` to rounding (001 eq 6–8), for 20 steps;
  2. AdaGrad, RMSprop and Adam commute with every signed permutation P, exactly (bit for
     bit): their updates are coordinatewise and odd in g, and the gradient is summed with
     ``math.fsum`` (correctly rounded, so independent of the order of the terms);
  3. they do not commute with a rotation away from the signed permutations: for
     :math:`\mathbf R = \mathbf P\,\mathbf R_\theta\,\mathbf P^\top`, :math:`\mathbf
     R_\theta` the rotation by θ in the plane of the first two coordinates, the first step
     (from zero state, where each method moves by :math:`\alpha\,\mathrm{sign}(g_i)/s` up to
     :math:`\varepsilon`, s = :math:`\sqrt{1-\rho}` for RMSprop and 1 otherwise) gives
     :math:`\|\mathbf w^{(1)} - \mathbf R\mathbf v^{(1)}\| = (\alpha/s)\|\mathrm{sign}(\mathbf
     g) - \mathbf R\,\mathrm{sign}(\mathbf R^\top\mathbf g)\| \ge (\alpha/s)\,2\sqrt2\,
     \sin(\delta/2)`, δ the angle from θ to the nearest multiple of π/2 (the sign vectors sit
     at odd multiples of π/4 on the circle of radius √2; R turns them by θ), minus the
     :math:`\varepsilon`-correction :math:`(\alpha/s^2)\varepsilon\sum_i(1/|g_i| +
     1/|\tilde g_i|)` and rounding.

- ``optimizers.mpmath_agrees``: float64 against mpmath at 50 digits on well-conditioned
  quadratics (:math:`\kappa \le 10`).  GD, heavy ball and Nesterov: whole trajectories agree
  within the propagation tolerance of
  :func:`gdflow.checks.momentum_properties.iteration_tolerance`.  AdaGrad, RMSprop, Adam:
  every step along the float64 trajectory agrees with the same step taken in mpmath from the
  same float64 state, within its own rounding: :math:`C\varepsilon(|w_i| + r|\Delta_i|)` with
  :math:`r = 4 + \beta_1^t/(1-\beta_1^t) + \beta_2^t/(1-\beta_2^t)` for Adam (the cancellation
  in :math:`1-\beta^t`) and 4 otherwise, and the states within :math:`C\varepsilon` of their
  size.  Whole adaptive trajectories are not compared: :math:`g/(|g| + \varepsilon)` has
  derivative up to :math:`1/\varepsilon` near :math:`g_i = 0`, so no a-priori propagation
  bound holds.

Measured (seed 3, 100 examples): with C shrunk tenfold both properties pass; a hundredfold
fails ``optimizers.mpmath_agrees`` (an AdaGrad step off by 2.2e-19 against 1.4e-19), so its
bounds are within two orders of magnitude of the rounding seen; the rotation property's
tolerance for GD and heavy ball is a worst-case propagation bound and passes even at C/1000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from . import optimizers as opt
from . import strategies as gs
from .momentum_properties import iteration_tolerance, region_limit
from .properties import SAFETY, TINY, register
from .simulate import EPS, safe_norm

__all__ = [
    "OptimizerProblem",
    "RotationProblem",
    "fsum_gradient",
    "mpmath_agrees",
    "rotation_invariance_observed",
    "signed_permutations",
]

ADAPTIVE = ("adagrad", "rmsprop", "adam")
STEPS = 20


def fsum_gradient(A: np.ndarray, b: np.ndarray) -> opt.Gradient:
    r""":math:`\mathbf A\mathbf w + \mathbf b` with each coordinate summed by ``math.fsum``
    (correctly rounded): permuting or negating coordinates permutes or negates the result
    exactly."""

    def grad(w: np.ndarray) -> np.ndarray:
        return np.array(
            [math.fsum([*(A[i, j] * w[j] for j in range(len(w))), b[i]]) for i in range(len(b))]
        )

    return grad


@st.composite
def signed_permutations(draw: st.DrawFn, n: int) -> np.ndarray:
    """n×n signed permutation matrices (entries 0, ±1)."""
    perm = draw(st.permutations(range(n)))
    signs = [draw(st.sampled_from([-1.0, 1.0])) for _ in range(n)]
    P = np.zeros((n, n))
    for i, j in enumerate(perm):
        P[i, j] = signs[i]
    return P


@dataclass(frozen=True, repr=False)
class RotationProblem(gs.MatrixRepr):
    """A quadratic, a start, a random rotation Q, a signed permutation P, a plane angle θ and
    the methods' hyperparameters."""

    A: np.ndarray
    b: np.ndarray
    w0: np.ndarray
    Q: np.ndarray
    P: np.ndarray
    theta: float
    alpha_gd: float
    beta: float
    alpha_adaptive: float
    rho: float

    def _parts(self) -> list[str]:
        return [
            gs._block("A", self.A),
            gs._block("b", self.b),
            gs._block("w0", self.w0),
            gs._block("Q", self.Q),
            gs._block("P", self.P),
            f"theta = {self.theta!r}, alpha_gd = {self.alpha_gd!r}, beta = {self.beta!r}",
            f"alpha_adaptive = {self.alpha_adaptive!r}, rho = {self.rho!r}",
        ]


@st.composite
def rotation_problems(draw: st.DrawFn) -> RotationProblem:
    r""":class:`RotationProblem`: from :func:`gdflow.checks.strategies.gd_problems` (D in 2–4,
    :math:`\kappa\le 10^3`, interior α for GD), β in [0, 0.9], θ in [0.05, π/2 − 0.05],
    adaptive α in [1e-3, 0.5], ρ in [0.5, 0.99]."""
    p = draw(gs.gd_problems(min_size=2, max_size=4, max_condition=1e3, alpha="interior"))
    n = p.size
    Q = draw(gs.orthogonal_matrices(n))
    P = draw(signed_permutations(n))
    theta = draw(gs.finite_floats(0.05, math.pi / 2 - 0.05))
    beta = draw(gs.finite_floats(0, 0.9))
    return RotationProblem(
        p.A,
        p.b,
        p.w0,
        Q,
        P,
        theta,
        p.alpha,
        beta,
        draw(gs.finite_floats(1e-3, 0.5)),
        draw(gs.finite_floats(0.5, 0.99)),
    )


def _rotated(A: np.ndarray, b: np.ndarray, w0: np.ndarray, R: np.ndarray) -> tuple:
    At = R.T @ A @ R
    return (At + At.T) / 2, R.T @ b, R.T @ w0


def _adaptive_params(method: str, p: RotationProblem) -> dict[str, Any]:
    params: dict[str, Any] = {"alpha": p.alpha_adaptive}
    if method == "rmsprop":
        params["rho"] = p.rho
    return params


@register(
    "adaptive.rotation_invariance_observed",
    "GD and heavy ball commute with random rotations w -> Q^T w to rounding (001 eq 6-8); "
    "AdaGrad, RMSprop and Adam commute exactly with signed permutations but not with plane "
    "rotations away from them (first step off by (alpha/s) 2 sqrt(2) sin(delta/2); 001 §2.3)",
    rotation_problems(),
)
def rotation_invariance_observed(problem: RotationProblem) -> None:
    p = problem
    A, b, w0 = p.A, p.b, p.w0
    D = len(b)
    # 1. GD and heavy ball: rotation Q, to rounding
    a = np.clip(np.linalg.eigvalsh(A), 0.0, None)
    At, bt, vt = _rotated(A, b, w0, p.Q)
    cases: list[tuple[str, dict[str, Any], float]] = [
        ("gd", {"alpha": p.alpha_gd}, 0.0),
        ("heavy_ball", {"alpha": p.alpha_gd, "beta": p.beta}, p.beta),
    ]
    for method, params, beta in cases:
        if method == "heavy_ball" and p.alpha_gd * float(a[-1]) >= region_limit(method, beta):
            continue
        w = opt.run(method, opt.quadratic_gradient(A, b), w0, STEPS, **params)
        v = opt.run(method, opt.quadratic_gradient(At, bt), vt, STEPS, **params)
        W = float(np.max(np.abs(w))) * math.sqrt(D)
        pos = a > 10 * D * EPS * max(float(a[-1]), TINY)
        star = float(safe_norm(b)) / float(a[pos].min()) if pos.any() else 0.0
        tol, _ = iteration_tolerance(
            "heavy_ball", a, p.alpha_gd, beta, STEPS, W, float(safe_norm(b)), star
        )
        err = float(np.max(safe_norm(w - v @ p.Q.T, axis=1)))
        assert err <= tol, (
            f"{method} does not commute with the rotation: max_k |w_k - Q v_k| = {err:.3g} > "
            f"{tol:.3g}"
        )
    # 2. adaptive methods: signed permutation, exactly
    Ap, bp, vp = _rotated(A, b, w0, p.P)
    for method in ADAPTIVE:
        params = _adaptive_params(method, p)
        w = opt.run(method, fsum_gradient(A, b), w0, STEPS, **params)
        v = opt.run(method, fsum_gradient(Ap, bp), vp, STEPS, **params)
        assert np.array_equal(w, v @ p.P.T), (
            f"{method} does not commute with the signed permutation P: max |w_k - P v_k| = "
            f"{float(np.max(np.abs(w - v @ p.P.T))):.3g}"
        )
    # 3. adaptive methods: a plane rotation away from the signed permutations
    c, s = math.cos(p.theta), math.sin(p.theta)
    R2 = np.eye(D)
    R2[:2, :2] = [[c, -s], [s, c]]
    R = p.P @ R2 @ p.P.T
    Ar, br, vr = _rotated(A, b, w0, R)
    g = A @ w0 + b
    gr = Ar @ vr + br
    assume(np.all(g != 0) and np.all(gr != 0))
    delta = min(p.theta % (math.pi / 2), math.pi / 2 - p.theta % (math.pi / 2))
    for method in ADAPTIVE:
        params = _adaptive_params(method, p)
        scale = math.sqrt(1 - p.rho) if method == "rmsprop" else 1.0
        alpha = p.alpha_adaptive
        lower = alpha / scale * 2 * math.sqrt(2) * math.sin(delta / 2)
        eps_corr = alpha / scale**2 * 1e-8 * float(np.sum(1 / np.abs(g)) + np.sum(1 / np.abs(gr)))
        rounding = SAFETY * D * EPS * (3 * float(safe_norm(w0)) + alpha / scale) + TINY
        assume(lower > 2 * (eps_corr + rounding))
        w1 = opt.run(method, opt.quadratic_gradient(A, b), w0, 1, **params)[1]
        v1 = opt.run(method, opt.quadratic_gradient(Ar, br), vr, 1, **params)[1]
        gap = float(safe_norm(w1 - R @ v1))
        assert gap >= lower - eps_corr - rounding, (
            f"{method}'s first step nearly commutes with a rotation by theta = {p.theta:.4g}: "
            f"|w1 - R v1| = {gap:.3g} < (alpha/s) 2 sqrt(2) sin(delta/2) = {lower:.3g}"
        )


# -- float64 against mpmath ---------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class OptimizerProblem(gs.MatrixRepr):
    """A well-conditioned quadratic, a start, a method and its hyperparameters, k steps."""

    method: str
    A: np.ndarray
    b: np.ndarray
    w0: np.ndarray
    params: dict[str, Any]
    k: int

    def _parts(self) -> list[str]:
        return [
            f"method = {self.method}, k = {self.k}, params = {self.params!r}",
            gs._block("A", self.A),
            gs._block("b", self.b),
            gs._block("w0", self.w0),
        ]


@st.composite
def optimizer_problems(draw: st.DrawFn) -> OptimizerProblem:
    r""":class:`OptimizerProblem`: full-rank A of size 1–4 with :math:`\kappa\le 10`, any of the
    six methods; GD α interior, momentum α at :math:`u\in[0.05, 0.95]` of the region, β in
    [0, 0.9]; adaptive α in [1e-3, 0.5], ρ, β₁ in [0.5, 0.99], β₂ in [0.9, 0.9999], ε 1e-8
    or in [1e-8, 1e-2]; k in 1–40."""
    p = draw(gs.gd_problems(1, 4, rank="full", max_condition=10, alpha="interior"))
    method = draw(st.sampled_from(opt.METHODS))
    a_max = float(np.linalg.eigvalsh(p.A)[-1])
    params: dict[str, Any]
    if method == "gd":
        params = {"alpha": p.alpha}
    elif method in ("heavy_ball", "nesterov"):
        beta = draw(gs.finite_floats(0, 0.9))
        u = draw(gs.finite_floats(0.05, 0.95))
        params = {"alpha": u * region_limit(method, beta) / a_max, "beta": beta}
    else:
        params = {
            "alpha": draw(gs.finite_floats(1e-3, 0.5)),
            "eps": draw(st.one_of(st.just(1e-8), gs.finite_floats(1e-8, 1e-2))),
        }
        if method == "rmsprop":
            params["rho"] = draw(gs.finite_floats(0.5, 0.99))
        if method == "adam":
            params["beta1"] = draw(gs.finite_floats(0.5, 0.99))
            params["beta2"] = draw(gs.finite_floats(0.9, 0.9999))
    return OptimizerProblem(method, p.A, p.b, p.w0, params, draw(st.integers(1, 40)))


DPS = 50


def _mp(x: ArrayLike) -> np.ndarray:
    with mpmath.workdps(DPS):
        return np.array([mpmath.mpf(float(v)) for v in np.ravel(x)], dtype=object)


def _floats(x: Any) -> np.ndarray:
    return np.array([float(v) for v in x])


def _adaptive_local(p: OptimizerProblem) -> None:
    """Every float64 step along the trajectory against the same step in mpmath."""
    A, b = p.A, p.b
    n = len(b)
    prm = dict(p.params)
    alpha, eps = prm.pop("alpha"), prm.pop("eps")
    w = p.w0.astype(float)
    zero = np.zeros(n)
    G = v = m = zero
    t = 0
    for _ in range(p.k):
        g = A @ w + b
        with mpmath.workdps(DPS):
            g_mp = _floats(opt.quadratic_gradient(A, b, dps=DPS)(_mp(w)))  # rounded once to float64
        g_err = float(np.max(np.abs(g - g_mp)))
        g_tol = SAFETY * n * EPS * float(np.max(np.abs(A) @ np.abs(w) + np.abs(b))) + TINY
        assert g_err <= g_tol, f"gradient off by {g_err:.3g} > {g_tol:.3g}"
        r = 4.0
        if p.method == "adagrad":
            wf, Gf = opt.adagrad_step(w, G, g, alpha, eps)
            wm, Gm = opt.adagrad_step(_mp(w), _mp(G), _mp(g), alpha, eps, dps=DPS)
            states = [(Gf, Gm, np.abs(_floats(Gm)))]
            G = Gf
        elif p.method == "rmsprop":
            rho = prm["rho"]
            wf, vf = opt.rmsprop_step(w, v, g, alpha, rho, eps)
            wm, vm = opt.rmsprop_step(_mp(w), _mp(v), _mp(g), alpha, rho, eps, dps=DPS)
            states = [(vf, vm, rho * v + (1 - rho) * g * g)]
            v = vf
        else:
            b1, b2 = prm["beta1"], prm["beta2"]
            st_f = opt.AdamState(m, v, t)
            wf, sf = opt.adam_step(w, st_f, g, alpha, b1, b2, eps)
            wm, sm = opt.adam_step(
                _mp(w), opt.AdamState(_mp(m), _mp(v), t), _mp(g), alpha, b1, b2, eps, dps=DPS
            )
            tt = t + 1
            r = 4 + b1**tt / (1 - b1**tt) + b2**tt / (1 - b2**tt)
            states = [
                (sf.m, sm.m, b1 * np.abs(m) + (1 - b1) * np.abs(g)),
                (sf.v, sm.v, b2 * v + (1 - b2) * g * g),
            ]
            m, v, t = sf.m, sf.v, sf.t
        wm_f = _floats(wm)
        step = np.abs(wm_f - w)
        tol = SAFETY * EPS * (np.abs(w) + r * step) + TINY
        err = np.abs(wf - wm_f)
        assert np.all(err <= tol), (
            f"{p.method} step differs from mpmath by {err} > {tol} (w = {w}, g = {g})"
        )
        for got, ref, size in states:
            e = np.abs(got - _floats(ref))
            assert np.all(e <= SAFETY * EPS * size + TINY), (
                f"{p.method} state differs from mpmath by {e} (size {size})"
            )
        w = wf


@register(
    "optimizers.mpmath_agrees",
    "float64 GD, heavy ball and Nesterov trajectories, and every AdaGrad/RMSprop/Adam step, "
    "agree with the same update rules in 50-digit mpmath within their rounding bounds "
    "(003 optimizers; MATH.md momentum)",
    optimizer_problems(),
)
def mpmath_agrees(problem: OptimizerProblem) -> None:
    p = problem
    if p.method in ADAPTIVE:
        _adaptive_local(p)
        return
    D = len(p.b)
    f = opt.run(p.method, opt.quadratic_gradient(p.A, p.b), p.w0, p.k, **p.params)
    mp_traj = opt.run(
        p.method, opt.quadratic_gradient(p.A, p.b, dps=DPS), p.w0, p.k, dps=DPS, **p.params
    )
    ref = np.array([_floats(row) for row in mp_traj])
    a = np.linalg.eigvalsh(p.A)
    beta = p.params.get("beta", 0.0)
    method = "heavy_ball" if p.method == "gd" else p.method
    W = float(np.max(np.abs(ref))) * math.sqrt(D)
    star = float(safe_norm(np.linalg.solve(p.A, p.b)))
    tol, _ = iteration_tolerance(
        method, a, p.params["alpha"], beta, p.k, W, float(safe_norm(p.b)), star
    )
    err = float(np.max(safe_norm(f - ref, axis=1)))
    assert err <= tol, (
        f"{p.method}: float64 trajectory differs from 50-digit mpmath by {err:.3g} > {tol:.3g}"
    )
