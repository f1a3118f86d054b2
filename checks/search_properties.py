r"""Property checks for line search (003: steepest descent, line search, backtracking; issue
12), registered in :mod:`gdflow.checks.properties` so ``gdflow check -k search`` runs them.

- ``search.exact_step_minimises``: on :math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf
  A\mathbf w + \mathbf b^\top\mathbf w`, the step :math:`\varepsilon_\star = \mathbf g^\top
  \mathbf g/\mathbf g^\top\mathbf A\mathbf g` (solved from the step ``stationary`` of
  ``search.exact_line_search``, :func:`exact_step`) minimises :math:`\varphi(\varepsilon) =
  J(\mathbf w - \varepsilon\mathbf g)` as well as ``scipy.optimize.minimize_scalar`` does (no
  worse in value, the same argmin to the flatness of φ), successive exact-line-search
  gradients are orthogonal, and the gap to the minimum shrinks by Kantorovich's
  :math:`((\kappa - 1)/(\kappa + 1))^2` per step (``kantorovich``).
- ``search.backtracking_sufficient_decrease``: on random M-smooth objectives, quadratics plus
  :math:`\lambda\,\mathrm{lse}(\mathbf C\mathbf w)` or :math:`\lambda\sum_i \log(1 +
  e^{\mathbf c_i^\top\mathbf w})`, with the proved smoothness constant :math:`M = a_{\max} +
  \lambda h\|\mathbf C\|_2^2` (h = 1/2 for log-sum-exp: the softmax Hessian
  :math:`\mathrm{diag}(p) - pp^\top` has :math:`x^\top(\cdot)x = \mathrm{Var}_p(x) \le
  (\max x - \min x)^2/4 \le \|x\|^2/2`; h = 1/4 for the logistic term, :math:`\sigma' \le
  1/4`), :func:`gdflow.checks.optimizers.backtracking` terminates, its step satisfies Armijo
  for the true f (re-evaluated in 40-digit mpmath) and decreases f, and the accepted step is
  :math:`\ge \min(\varepsilon_0, (1 - c)/M)` (``search.backtracking``, step
  ``accepted_bound``) unless the last rejection is explained by float64 rounding (the exact
  margin :math:`\varepsilon(1 - c - M\varepsilon/2)\|\mathbf g\|^2` of the rejected trial below
  the evaluation error).

Tolerances (no tuned constants; :data:`gdflow.checks.properties.SAFETY` = C): evaluating J or
f at a point costs a relative rounding :math:`\lesssim D\varepsilon` of the sum of the absolute
values of its terms (:func:`_magnitude`); φ is a parabola with curvature
:math:`\mathbf g^\top\mathbf A\mathbf g`, so values equal to within δ leave its argmin
undetermined by :math:`\sqrt{2\delta/\mathbf g^\top\mathbf A\mathbf g}` (on top of Brent's own
``xtol``); the orthogonality residual :math:`\mathbf g_k^\top\mathbf g_{k+1}` is exactly 0 and
its computed value errs by at most :math:`C D\varepsilon\|\mathbf g_k\|(\|\mathbf g_k\| +
a_{\max}(\|\mathbf w_k\| + \|\mathbf w_{k+1}\| + \varepsilon_\star\|\mathbf g_k\|) +
\|\mathbf b\|)`.

Measured (seed 3, 100 examples): with C shrunk tenfold both properties still pass; a
hundredfold fails ``exact_step_minimises`` (an orthogonality residual of 3.8e-15 against a
bound of 3.5e-15), so that bound is within two orders of magnitude of the rounding seen.
``backtracking_sufficient_decrease`` passes even at C/1000: its rounding slack only matters
when a trial lands within rounding of the Armijo boundary, which random draws rarely do.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from hypothesis import assume
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from scipy.special import expit, logsumexp, softmax

from gdflow.derive import search as ds
from gdflow.derive.derivation import Identity

from . import optimizers as opt
from . import strategies as gs
from .properties import SAFETY, TINY, register
from .simulate import EPS, safe_norm

__all__ = [
    "SmoothProblem",
    "backtracking_sufficient_decrease",
    "exact_step",
    "exact_step_minimises",
    "smooth_problems",
]

BRENT_XTOL = 1.48e-8
"""``minimize_scalar``'s default relative ``xtol`` for Brent's method."""
BRENT_MINTOL = 1e-11
"""Brent's absolute floor on the tolerance (scipy's ``_mintol``)."""


@functools.cache
def _exact_step_fn() -> Callable[[float, float], float]:
    claim = ds.exact_line_search().step("stationary").claim
    if not isinstance(claim, Identity):
        raise AssertionError(f"search.exact_line_search's step stationary is {claim!r}")
    syms = {s.name: s for s in claim.lhs.free_symbols}
    star, gg, gAg = syms["epsilon_star"], syms["NormSq(g)"], syms["gAg"]
    (sol,) = sp.solve(claim.lhs, star)
    return sp.lambdify((gg, gAg), sol, modules="math")


def exact_step(A: np.ndarray, g: np.ndarray) -> float:
    r"""The exact line-search step :math:`\varepsilon_\star = \mathbf g^\top\mathbf g /
    \mathbf g^\top\mathbf A\mathbf g` on a quadratic (003 line search; solved from the step
    ``stationary`` of ``search.exact_line_search``).  Raises :class:`ValueError` when
    :math:`\mathbf g^\top\mathbf A\mathbf g \le 0` (no minimum along the line)."""
    gAg = float(g @ A @ g)
    if not gAg > 0:
        raise ValueError(f"g^T A g = {gAg!r} <= 0: J has no minimum along -g")
    return float(_exact_step_fn()(float(g @ g), gAg))


def _quad(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    return float(0.5 * w @ A @ w + b @ w)


def _quad_magnitude(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    aw = np.abs(w)
    return float(0.5 * aw @ np.abs(A) @ aw + np.abs(b) @ aw)


@register(
    "search.exact_step_minimises",
    "eps* = g^T g / g^T A g minimises J(w - eps g) as scipy's minimize_scalar does, successive "
    "exact-line-search gradients are orthogonal and the gap shrinks by ((kappa-1)/(kappa+1))^2"
    " (003 line search)",
    gs.gd_problems(max_size=5, rank="any", b_in_range=True, max_condition=1e4),
)
def exact_step_minimises(problem: gs.GDProblem) -> None:
    A, b, w = problem.A, problem.b, problem.w0.copy()
    D = len(b)
    ev, Q = np.linalg.eigh(A)
    a_max = float(ev[-1])
    tol_ev = 10 * D * EPS * max(a_max, TINY)
    pos = ev > tol_ev
    assume(pos.any())
    kappa = a_max / float(ev[pos].min())
    r2 = ((kappa - 1) / (kappa + 1)) ** 2
    bt = Q.T @ b
    star = -(Q[:, pos] @ (bt[pos] / ev[pos]))  # b in range(A): the minimiser set's nearest
    d_star = SAFETY * D * EPS * kappa * (float(safe_norm(star)) + float(safe_norm(w)))
    bnorm = float(safe_norm(b))
    g = A @ w + b
    gAg = float(g @ A @ g)
    assume(gAg > SAFETY * D * EPS * a_max * float(g @ g) and float(g @ g) > 0)
    # 1. against scipy's scalar minimiser
    eps_star = exact_step(A, g)

    def phi(e: float) -> float:
        return _quad(A, b, w - e * g)

    res = minimize_scalar(phi, bracket=(0.0, 1.0 / a_max), method="brent")
    e_s = float(res.x)
    mag = max(_quad_magnitude(A, b, w - e * g) for e in (0.0, eps_star, e_s))
    delta = SAFETY * D * EPS * mag + TINY
    assert phi(eps_star) <= phi(e_s) + 2 * delta, (
        f"J(w - eps* g) = {phi(eps_star)!r} > J(w - eps_scipy g) = {phi(e_s)!r} + {2 * delta:.3g}"
        f" (eps* = {eps_star!r}, scipy {e_s!r})"
    )
    tol_e = math.sqrt(8 * delta / gAg) + 4 * (BRENT_XTOL * abs(eps_star) + BRENT_MINTOL)
    assert abs(e_s - eps_star) <= tol_e, (
        f"scipy's argmin {e_s!r} differs from eps* = {eps_star!r} by {abs(e_s - eps_star):.3g}"
        f" > {tol_e:.3g}"
    )

    # 2. orthogonality and Kantorovich along a few exact line-search steps
    def gap(x: np.ndarray) -> float:
        e = x - star
        return float(0.5 * e @ A @ e)

    for k in range(6):
        g = A @ w + b
        gg = float(g @ g)
        gAg = float(g @ A @ g)
        if not (gAg > SAFETY * D * EPS * a_max * gg and gg > 0):
            break  # at the minimiser to rounding
        e_k = exact_step(A, g)
        w_next = w - e_k * g
        g_next = A @ w_next + b
        gn = math.sqrt(gg)
        tol_o = (
            SAFETY
            * D
            * EPS
            * gn
            * (gn + a_max * (float(safe_norm(w)) + float(safe_norm(w_next)) + e_k * gn) + bnorm)
            + TINY
        )
        inner = float(g @ g_next)
        assert abs(inner) <= tol_o, (
            f"step {k}: g_k^T g_(k+1) = {inner:.3g}, not 0 to rounding {tol_o:.3g} "
            f"(|g_k| = {gn:.3g}, |g_(k+1)| = {float(safe_norm(g_next)):.3g})"
        )
        # Kantorovich: J(w_{k+1}) - J* <= r^2 (J(w_k) - J*), up to rounding of the gaps
        h0, h1 = gap(w), gap(w_next)
        round_gap = (
            SAFETY * D * EPS * (h1 + r2 * h0)
            + a_max * d_star * (float(safe_norm(w - star)) + float(safe_norm(w_next - star)))
            + a_max * d_star**2
            + a_max
            * float(safe_norm(w_next - star))
            * SAFETY
            * EPS
            * (float(safe_norm(w)) + e_k * gn)
            + TINY
        )
        assert h1 <= r2 * h0 + round_gap, (
            f"step {k}: gap {h1:.6g} > ((kappa-1)/(kappa+1))^2 {r2:.6g} x previous {h0:.6g} "
            f"+ {round_gap:.3g} (kappa = {kappa:.4g})"
        )
        w = w_next


# -- backtracking -----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SmoothProblem(gs.MatrixRepr):
    r""":math:`f(\mathbf w) = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf
    w + \lambda\,\varphi(\mathbf C\mathbf w)` with :math:`\varphi` log-sum-exp (``kind``
    ``"lse"``) or :math:`\sum_i\log(1 + e^{z_i})` (``"logistic"``), a point ``w``, and
    backtracking's :math:`\varepsilon_0` and c (factor 1/2)."""

    A: np.ndarray
    b: np.ndarray
    C: np.ndarray
    lam: float
    kind: str
    w: np.ndarray
    eps0: float
    c: float

    @property
    def smoothness(self) -> float:
        r""":math:`M = a_{\max} + \lambda h\|\mathbf C\|_2^2` (module docstring)."""
        h = 0.5 if self.kind == "lse" else 0.25
        a_max = float(np.linalg.eigvalsh(self.A)[-1]) if len(self.b) else 0.0
        return max(a_max, 0.0) + self.lam * h * float(np.linalg.norm(self.C, 2)) ** 2

    def f(self, w: np.ndarray) -> float:
        z = self.C @ w
        phi = logsumexp(z) if self.kind == "lse" else float(np.sum(np.logaddexp(0.0, z)))
        return _quad(self.A, self.b, w) + self.lam * float(phi)

    def grad(self, w: np.ndarray) -> np.ndarray:
        z = self.C @ w
        dphi = softmax(z) if self.kind == "lse" else expit(z)
        return self.A @ w + self.b + self.lam * (self.C.T @ dphi)

    def f_mp(self, w: np.ndarray) -> mpmath.mpf:
        """f at the float64 point ``w`` (converted exactly), in the current mpmath precision."""
        mpf = mpmath.mpf
        wm = [mpf(float(x)) for x in w]
        n = len(wm)
        quad = sum(
            (mpf(float(self.A[i, j])) * wm[i] * wm[j] for i in range(n) for j in range(n)),
            mpf(0),
        ) / 2 + sum((mpf(float(self.b[i])) * wm[i] for i in range(n)), mpf(0))
        z = [sum((mpf(float(cij)) * wm[j] for j, cij in enumerate(row)), mpf(0)) for row in self.C]
        if self.kind == "lse":
            phi = mpmath.log(sum((mpmath.exp(x) for x in z), mpf(0)))
        else:
            phi = sum((mpmath.log1p(mpmath.exp(x)) for x in z), mpf(0))
        return quad + mpf(self.lam) * phi

    def magnitude(self, w: np.ndarray) -> float:
        """Sum of the absolute values of f's terms at ``w`` (the scale of its rounding)."""
        z = self.C @ w
        return (
            _quad_magnitude(self.A, self.b, w)
            + self.lam * (float(np.sum(np.abs(z))) + math.log(len(z) + 1) + abs(self.f(w)))
            + abs(self.f(w))
        )

    def _parts(self) -> list[str]:
        return [
            gs._block("A", self.A),
            gs._block("b", self.b),
            gs._block("C", self.C),
            f"lambda = {self.lam!r} ({self.kind}), M = {self.smoothness!r}",
            gs._block("w", self.w),
            f"eps0 = {self.eps0!r}, c = {self.c!r}",
        ]


@st.composite
def smooth_problems(draw: st.DrawFn) -> SmoothProblem:
    r""":class:`SmoothProblem`: A PSD of size 1–4 (full rank or any, :math:`\kappa \le
    10^4`), b entries in [-10, 10], w in [-3, 3], C with 1–4 rows of entries in [-2, 2],
    λ = 0 (pure quadratic, M tight) or in [0.1, 10], :math:`\varepsilon_0 = 10^u/M`,
    :math:`u\in[-1, 3]` (both accepted at once and backtracked), :math:`c\in[0.05, 0.95]`."""
    A = draw(gs.psd_matrices(1, 4, draw(st.sampled_from(["full", "any"])), 1e4))
    n = A.shape[0]
    b = np.array([draw(gs.finite_floats(-10, 10)) for _ in range(n)])
    w = np.array([draw(gs.finite_floats(-3, 3)) for _ in range(n)])
    rows = draw(st.integers(1, 4))
    C = np.array([[draw(gs.finite_floats(-2, 2)) for _ in range(n)] for _ in range(rows)])
    lam = draw(st.one_of(st.just(0.0), gs.finite_floats(0.1, 10)))
    kind = draw(st.sampled_from(["lse", "logistic"]))
    p = SmoothProblem(A, b, C, lam, kind, w, 1.0, 0.5)
    M = p.smoothness
    assume(M > 0)
    eps0 = 10.0 ** draw(gs.finite_floats(-1, 3)) / M
    c = draw(gs.finite_floats(0.05, 0.95))
    return SmoothProblem(A, b, C, lam, kind, w, eps0, c)


@register(
    "search.backtracking_sufficient_decrease",
    "backtracking (halving from eps0) on an M-smooth f terminates, satisfies Armijo f(w - eps g)"
    " <= f(w) - c eps |g|^2, decreases f and accepts eps >= min(eps0, (1 - c)/M) (003 "
    "backtracking)",
    smooth_problems(),
)
def backtracking_sufficient_decrease(problem: SmoothProblem) -> None:
    p = problem
    D = len(p.w)
    g = p.grad(p.w)
    gg = float(g @ g)
    assume(gg > 0)
    M = p.smoothness
    res = opt.backtracking(p.f, p.w, g, p.eps0, 0.5, p.c)
    eps = res.step
    terms = D + len(p.C)
    # rounding of the comparison f(w - eps g) <= f(w) - c eps |g|^2, and of g against grad f
    grad_err = (
        SAFETY
        * terms
        * EPS
        * (
            float(np.abs(p.A).max(initial=0.0)) * D * float(safe_norm(p.w))
            + float(safe_norm(p.b))
            + p.lam * float(np.abs(p.C).sum())
        )
    )

    def delta(e: float) -> float:
        x = p.w - e * g
        return (
            SAFETY * terms * EPS * (p.magnitude(p.w) + p.magnitude(x) + p.c * e * gg)
            + e * math.sqrt(gg) * grad_err
            + TINY
        )

    with mpmath.workdps(40):
        f0 = p.f_mp(p.w)
        f1 = p.f_mp(res.w)
        slack = delta(eps)
        lhs = float(f1 - f0 + mpmath.mpf(p.c) * mpmath.mpf(eps) * mpmath.mpf(gg))
    assert lhs <= slack, (
        f"Armijo fails for the true f at the accepted eps = {eps!r}: f(w - eps g) - f(w) + c eps"
        f" |g|^2 = {lhs:.6g} > rounding {slack:.3g}"
    )
    assert float(f1 - f0) < slack, f"f did not decrease: {float(f1 - f0):.6g}"
    bound = min(p.eps0, (1 - p.c) / M)
    if eps < bound * (1 - 4 * EPS):
        prev = eps / 0.5  # the rejected trial before the accepted one
        margin = prev * (1 - p.c - M * prev / 2) * gg
        assert res.trials > 1 and margin < delta(prev), (
            f"accepted eps = {eps!r} < min(eps0, (1 - c)/M) = {bound!r} although the rejected "
            f"trial {prev!r} has exact Armijo margin {margin:.3g} >= rounding {delta(prev):.3g}"
        )
