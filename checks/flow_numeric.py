r"""Gradient flow on least squares, numerically: closed-form evaluators and real simulations.

Source: 000 (gradient flow, residual / function / parameter / prediction evolution), the
formulas proved in ``gdflow.derive.flow`` and ``gdflow.derive.function_space``.  The loss is

.. math::

    L(\mathbf w) = \frac{c}{2}\|\mathbf X\mathbf w - \mathbf y\|^2, \qquad
    c = 1 \text{ (``scale="sum"``, 000's convention)}, \quad
    c = 1/N \text{ (``scale="mean"``)},

rows of :math:`\mathbf X \in \mathbb R^{N\times D}` are data points.  Gradient flow
:math:`\dot{\mathbf w} = -\nabla L = -c\,\mathbf X^\top(\mathbf X\mathbf w - \mathbf y)` has, with
:math:`\mathbf K_c = c\,\mathbf X\mathbf X^\top` (so the mean scale turns :math:`e^{-\mathbf Kt}` into
:math:`e^{-\mathbf Kt/N}`) and :math:`\mathbf r_0 = \mathbf X\mathbf w_0 - \mathbf y`,

.. math::

    \mathbf r(t) = e^{-\mathbf K_c t}\mathbf r_0, \quad
    \mathbf f(t) = \mathbf y + \mathbf r(t), \quad
    \mathbf w(t) = \mathbf w_0 - c\,\mathbf X^\top \varphi(\mathbf K_c, t)\,\mathbf r_0, \quad
    f(\mathbf x_\star, t) = \mathbf x_\star^\top \mathbf w(t),

with :math:`\varphi(\lambda, t) = (1 - e^{-\lambda t})/\lambda` (:math:`= t` at
:math:`\lambda = 0`), which for :math:`c = 1` is 000's
:math:`\mathbf w(t) = \mathbf w_0 - \mathbf X^\top\mathbf K^\dagger(\mathbf I - e^{-\mathbf Kt})\mathbf r_0`.

Evaluation (:class:`LinearFlow`): one thin SVD :math:`\mathbf X = \mathbf U\mathbf S\mathbf V^\top`
(so :math:`\mathbf K_c = \mathbf U (c\mathbf S^2)\mathbf U^\top` on the range of X, and 0 on its
complement), then every time point costs :math:`O(N m)`, :math:`m = \min(N, D)`.  Singular
values below :math:`\tau` (``gdflow.checks.simulate.eigenvalue_tolerance`` of the singular values) are
zero: those directions of the residual never move (:math:`e^{0} = 1`) and contribute nothing
to :math:`\mathbf w(t)` (:math:`\mathbf X^\top\mathbf u = 0`), so :math:`t = \infty` and singular K
give the projection limits :math:`(\mathbf I - \mathbf K\mathbf K^\dagger)\mathbf r_0` and
:math:`(\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf w_0 + \mathbf X^\dagger\mathbf y` without NaN.
For positive eigenvalues :math:`c\,s\,\varphi(cs^2, t) = -\mathrm{expm1}(-cs^2t)/s`, accurate for
tiny :math:`\lambda t`.

:class:`LinearFlowMP` evaluates the same formulas in mpmath (``dps`` digits) from an
eigendecomposition of :math:`\mathbf K_c` (``mpmath.eigsy``): an independent route, used as the
high-precision reference.

Simulations: :func:`integrate_flow` (scipy ``solve_ivp``, DOP853 or an implicit method with the
exact Jacobian, tight tolerances) and :func:`gd_parameters` (GD with step :math:`\alpha`, the
forward-Euler discretisation of the flow).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import mpmath
import numpy as np
from scipy.integrate import solve_ivp

from .simulate import (
    Scale,
    as_matrix,
    as_vector,
    eigenvalue_tolerance,
    gd_trajectory,
    scale_divisor,
    scale_factor,
    thin_svd,
)

__all__ = [
    "Scale",
    "scale_factor",
    "phi",
    "phi_mp",
    "LinearFlow",
    "LinearFlowMP",
    "linear_flow",
    "integrate_flow",
    "gd_parameters",
    "THREE_POINT",
]


def phi(lam: np.ndarray, t: np.ndarray) -> np.ndarray:
    r""":math:`\varphi(\lambda, t) = \int_0^t e^{-\lambda\tau}d\tau = (1 - e^{-\lambda t})/\lambda`,
    elementwise with broadcasting, stable for small :math:`\lambda t` (``-expm1(-λt)/λ``),
    :math:`= t` at :math:`\lambda = 0` and :math:`= 1/\lambda` at :math:`t = \infty`,
    :math:`\lambda > 0` (000, parameter evolution).  :math:`\varphi(0, \infty) = \infty`.

    >>> phi(np.array([0.0, 1e-20, 2.0]), np.array([3.0, 3.0, np.inf])).tolist()
    [3.0, 3.0, 0.5]
    """
    lam, t = np.broadcast_arrays(np.asarray(lam, dtype=float), np.asarray(t, dtype=float))
    out = np.empty(lam.shape)
    zero = lam == 0
    out[zero] = t[zero]
    nz = ~zero
    with np.errstate(over="ignore", invalid="ignore"):
        out[nz] = -np.expm1(-lam[nz] * t[nz]) / lam[nz]  # expm1(-inf) = -1: 1/λ at t = inf
    return out


def phi_mp(lam, t):
    r""":math:`\varphi(\lambda, t) = (1 - e^{-\lambda t})/\lambda` in mpmath (``t`` may be
    ``mpmath.inf``; :math:`t` at :math:`\lambda = 0`); 000, parameter evolution, any loss scale
    (:math:`\lambda` is an eigenvalue of :math:`c\mathbf X\mathbf X^\top`)."""
    lam, t = mpmath.mpf(lam), mpmath.mpf(t)
    if lam == 0:
        return t
    if mpmath.isinf(t):
        return 1 / lam
    return -mpmath.expm1(-lam * t) / lam


def _times(ts) -> np.ndarray:
    t = np.atleast_1d(np.asarray(ts, dtype=float))
    if t.ndim != 1 or np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError(f"times must be a 1-d array of numbers >= 0 (inf allowed); got {ts!r}")
    return t


@dataclass(frozen=True)
class LinearFlow:
    r"""Closed forms of gradient flow on :math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`
    (module docstring), evaluated from one thin SVD of X.  Build with :func:`linear_flow`.

    ``s`` are the positive singular values of X (zeros removed), ``U`` (N×m) and ``V`` (D×m)
    the matching singular vectors, ``lam = c s^2`` the nonzero eigenvalues of
    :math:`\mathbf K_c = c\mathbf X\mathbf X^\top`, ``coef = U^T r0``.
    """

    X: np.ndarray
    y: np.ndarray
    w0: np.ndarray
    c: float
    s: np.ndarray
    U: np.ndarray
    V: np.ndarray
    lam: np.ndarray
    r0: np.ndarray
    coef: np.ndarray

    @property
    def rank(self) -> int:
        """The numerical rank of X (= rank of K)."""
        return int(self.s.size)

    @property
    def trainable(self) -> bool:
        r"""True iff K has full rank N: then :math:`\mathbf r(t) \to 0` (``flow.trainability``)."""
        return self.rank == self.X.shape[0]

    def residual(self, ts) -> np.ndarray:
        r""":math:`\mathbf r(t) = e^{-\mathbf K_c t}\mathbf r_0` at each time (rows), shape (T, N);
        at :math:`t = \infty`, :math:`(\mathbf I - \mathbf K\mathbf K^\dagger)\mathbf r_0` (000, eq 11;
        ``flow.residual``, ``flow.trainability``)."""
        return self.r0[None, :] - (self._decay(ts) * self.coef[None, :]) @ self.U.T

    def outputs(self, ts) -> np.ndarray:
        r""":math:`\mathbf f(t) = \mathbf y + e^{-\mathbf K_c t}(\mathbf f_0 - \mathbf y)` at the training
        inputs, shape (T, N) (000, eq 12; ``flow.residual``)."""
        return self.y[None, :] + self.residual(ts)

    def _decay(self, ts) -> np.ndarray:
        # 1 - e^{-λt}, (T, m); 1 at t = inf
        t = _times(ts)
        with np.errstate(over="ignore"):
            return -np.expm1(-np.outer(t, self.lam))

    def _shift(self, ts) -> np.ndarray:
        # c s φ(c s², t) U^T r0 = -expm1(-λ t)/s · coef, (T, m)
        return self._decay(ts) * (self.coef / self.s)[None, :]

    def parameters(self, ts) -> np.ndarray:
        r""":math:`\mathbf w(t) = \mathbf w_0 - c\mathbf X^\top\varphi(\mathbf K_c, t)\mathbf r_0`, shape (T, D)
        (000, eq 16 for any rank, sum scale :math:`c = 1`: :math:`\mathbf w_0 - \mathbf X^\top\mathbf K^\dagger(\mathbf I
        - e^{-\mathbf Kt})\mathbf r_0`; ``flow.parameter_evolution``).  At :math:`t = \infty`:
        :math:`(\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf w_0 + \mathbf X^\dagger\mathbf y`."""
        return self.w0[None, :] - self._shift(ts) @ self.V.T

    def predict(self, x_star, ts) -> np.ndarray:
        r""":math:`f(\mathbf x_\star, t) = \mathbf x_\star^\top\mathbf w(t) = a(t) + \mathbf b(t)^\top\mathbf w_0`
        for each row of ``x_star`` (M×D, or one point of length D), shape (T, M)
        (000, eq 21–24; ``flow.predictions``)."""
        xs = np.atleast_2d(np.asarray(x_star, dtype=float))
        if xs.shape[1] != self.X.shape[1]:
            raise ValueError(
                f"x_star must have {self.X.shape[1]} columns (one per parameter); got shape {xs.shape}"
            )
        proj = xs @ self.V  # (M, m)
        return (xs @ self.w0)[None, :] - self._shift(ts) @ proj.T

    def loss(self, ts) -> np.ndarray:
        r""":math:`L(t) = \frac c2\|\mathbf r(t)\|^2`, shape (T,)."""
        r = self.residual(ts)
        return 0.5 * self.c * np.einsum("ij,ij->i", r, r)


def linear_flow(
    X, y, w0, scale: Scale = "sum", method: Literal["svd", "eigh"] = "svd"
) -> LinearFlow:
    r"""Prepare the closed-form evaluators of gradient flow on
    :math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2` (``scale``: ``"sum"`` c = 1, ``"mean"``
    c = 1/N) from ``X`` (N×D, rows are data), ``y`` (N), ``w0`` (D).

    ``method="svd"``: one thin SVD of X, :math:`O(N D \min(N, D))`, singular values accurate to
    :math:`\varepsilon s_{\max}`.  ``method="eigh"``: the symmetric eigendecomposition of the smaller
    Gram matrix (:math:`\mathbf X^\top\mathbf X` or :math:`\mathbf K = \mathbf X\mathbf X^\top`), then
    :math:`\mathbf U = \mathbf X\mathbf V\mathbf S^{-1}` (or :math:`\mathbf V = \mathbf X^\top\mathbf U\mathbf S^{-1}`):
    faster with the LAPACK shipped here (``eigh`` beats ``gesdd`` 3–10x on 1000×1000), but the
    eigenvalues :math:`s^2` carry absolute error :math:`\varepsilon s_{\max}^2`, so singular values
    below about :math:`\sqrt{10 m\varepsilon}\,s_{\max}` count as zero (their directions of
    :math:`\mathbf w` are dropped, as for rank-deficient X).

    >>> fl = linear_flow([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0], [0.0, 0.0])
    >>> fl.residual([0.0, np.inf]).tolist()
    [[-1.0, -1.0], [0.0, -1.0]]
    """
    Xa = as_matrix("X", X)
    N, D = Xa.shape
    ya, wa = as_vector("y", y, N), as_vector("w0", w0, D)
    c = scale_factor(scale, N)
    if method == "svd":
        U, s, V = thin_svd(Xa)
    elif method == "eigh":
        small_side = Xa.T @ Xa if D <= N else Xa @ Xa.T
        mu, vecs = np.linalg.eigh(small_side)
        keep = mu > eigenvalue_tolerance(mu) if mu.size else np.zeros(0, bool)
        mu, vecs = mu[keep], vecs[:, keep]
        s = np.sqrt(mu)
        if D <= N:
            V, U = vecs, (Xa @ vecs) / s[None, :]
        else:
            U, V = vecs, (Xa.T @ vecs) / s[None, :]
    else:
        raise ValueError(f"method must be 'svd' or 'eigh'; got {method!r}")
    r0 = Xa @ wa - ya
    return LinearFlow(Xa, ya, wa, c, s, U, V, c * s**2, r0, U.T @ r0)


@dataclass(frozen=True)
class LinearFlowMP:
    r"""The closed forms of :class:`LinearFlow` in mpmath at ``dps`` digits, from the symmetric
    eigendecomposition :math:`\mathbf K_c = \mathbf Q\Lambda\mathbf Q^\top` (``mpmath.eigsy``).  Inputs
    are converted exactly from float64 (or given as strings / mpf).  Suited to N, D up to a few dozen.

    Which eigenvalues are zero: float64 data determine a singular value of X only to about
    :math:`\varepsilon s_{\max}`, so by default (``data_eps`` = 2^-52) eigenvalues
    :math:`\lambda \le (10\,m\,\varepsilon)^2\lambda_{\max}`, :math:`m = \min(N, D)`, count as zero: the
    same rank decision as :class:`LinearFlow` (singular values :math:`\le 10 m\varepsilon s_{\max}`).
    The :math:`t = \infty` limits (pseudoinverses) are discontinuous in the data and would otherwise
    follow rounding noise.  ``data_eps=0`` keeps every eigenvalue above
    :math:`10^{-(dps-10)}N\lambda_{\max}` (for exact data given as strings)."""

    X: mpmath.matrix
    y: mpmath.matrix
    w0: mpmath.matrix
    c: mpmath.mpf
    lam: list
    Q: mpmath.matrix
    dps: int

    @classmethod
    def build(
        cls, X, y, w0, scale: Scale = "sum", dps: int = 50, data_eps: float = 2.0**-52
    ) -> LinearFlowMP:
        """Convert and decompose (see the class docstring)."""
        with mpmath.workdps(dps):
            Xm = mpmath.matrix([[mpmath.mpf(v) for v in row] for row in X])
            N, D = Xm.rows, Xm.cols
            ym = mpmath.matrix([mpmath.mpf(v) for v in np.asarray(y, dtype=object).reshape(-1)])
            wm = mpmath.matrix([mpmath.mpf(v) for v in np.asarray(w0, dtype=object).reshape(-1)])
            if ym.rows != N or wm.rows != D:
                raise ValueError(f"y must have {N} entries and w0 {D}; got {ym.rows} and {wm.rows}")
            c = mpmath.mpf(1) / scale_divisor(scale, N)
            K = c * Xm * Xm.T
            ev, Q = mpmath.eigsy(K)
            top = max([abs(v) for v in ev] + [mpmath.mpf(0)])
            tol = max(
                top * N * mpmath.mpf(10) ** (-(dps - 10)),
                top * (10 * min(N, D) * mpmath.mpf(data_eps)) ** 2,
            )
            lam = [v if abs(v) > tol else mpmath.mpf(0) for v in ev]
            return cls(Xm, ym, wm, c, lam, Q, dps)

    def _coef(self):
        r0 = self.X * self.w0 - self.y
        return self.Q.T * r0

    def residual(self, t) -> mpmath.matrix:
        r""":math:`\mathbf r(t) = \mathbf Q e^{-\Lambda t}\mathbf Q^\top\mathbf r_0` (``t`` may be ``mpmath.inf``)."""
        with mpmath.workdps(self.dps):
            t = mpmath.mpf(t)
            coef = self._coef()
            g = mpmath.matrix(
                [
                    coef[i] * (mpmath.exp(-lam * t) if lam > 0 else 1)
                    for i, lam in enumerate(self.lam)
                ]
            )
            return self.Q * g

    def parameters(self, t) -> mpmath.matrix:
        r""":math:`\mathbf w(t) = \mathbf w_0 - c\mathbf X^\top\mathbf Q\varphi(\Lambda, t)\mathbf Q^\top\mathbf r_0`
        (zero eigenvalues dropped: :math:`\mathbf X^\top\mathbf q = 0` for them)."""
        with mpmath.workdps(self.dps):
            t = mpmath.mpf(t)
            coef = self._coef()
            g = mpmath.matrix(
                [coef[i] * phi_mp(lam, t) if lam > 0 else 0 for i, lam in enumerate(self.lam)]
            )
            return self.w0 - self.c * self.X.T * (self.Q * g)

    def predict(self, x_star, t):
        r""":math:`f(\mathbf x_\star, t) = \mathbf x_\star^\top\mathbf w(t)`."""
        with mpmath.workdps(self.dps):
            xs = mpmath.matrix([mpmath.mpf(v) for v in x_star])
            return (xs.T * self.parameters(t))[0]


def _exponent(x: np.ndarray) -> float:
    """The exponent e with :math:`2^{e-1} \\le \\max|x| < 2^e` (``frexp``: exact at any
    magnitude, subnormals included); -inf when x is zero or empty."""
    m = float(np.max(np.abs(x))) if np.size(x) else 0.0
    return float(np.frexp(m)[1]) if m > 0 else -np.inf


def _normalised(
    X: np.ndarray, y: np.ndarray, w0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    r"""``(X/ξ, y/(ξs), w0/s, log2 ξ, log2 s)`` with powers of two :math:`\xi\approx\max|X_{ij}|`,
    :math:`s\approx\max(\|\mathbf w_0\|_\infty, \|\mathbf y\|_\infty/\xi)` (1 for zero
    data): the flow (or GD) of the normalised data, at time :math:`\xi^2 t` (or with step
    :math:`\xi^2\alpha`), is the original one divided by s.  Each entry is scaled once, exactly
    unless it falls below :math:`2^{-1074}` of the scale."""
    ex = _exponent(X)
    ex = int(ex) if np.isfinite(ex) else 0
    es = max(_exponent(w0), _exponent(y) - ex)
    es = int(es) if np.isfinite(es) else 0
    return np.ldexp(X, -ex), np.ldexp(y, -ex - es), np.ldexp(w0, -es), ex, es


def integrate_flow(
    X,
    y,
    w0,
    ts: Sequence[float],
    scale: Scale = "sum",
    rtol: float = 1e-12,
    atol: float = 1e-14,
    method: str = "DOP853",
) -> np.ndarray:
    r"""Integrate gradient flow :math:`\dot{\mathbf w} = -c\,\mathbf X^\top(\mathbf X\mathbf w - \mathbf y)`
    numerically (scipy ``solve_ivp``) from :math:`\mathbf w(0) = \mathbf w_0` and return
    :math:`\mathbf w(t)` at the finite, sorted times ``ts``, shape (T, D) (000, eq 6–7; the
    ground truth for the closed forms).  ``method="DOP853"`` (explicit, order 8) suits
    well-conditioned problems; for stiff ones pass ``"Radau"`` or ``"BDF"``, which receive the
    exact Jacobian :math:`-c\mathbf X^\top\mathbf X`.

    Any scale: the flow is linear, so with powers of two :math:`\xi \approx \max|X_{ij}|` and
    :math:`s \approx \max(\|\mathbf w_0\|_\infty, \|\mathbf y\|_\infty/\xi)`, the
    function :math:`\mathbf u(\tau) = \mathbf w(\tau/\xi^2)/s` is the flow of
    :math:`(\mathbf X/\xi,\ \mathbf y/(\xi s))` from :math:`\mathbf w_0/s`, whose data are of
    order 1.  That problem is integrated at :math:`\tau = \xi^2 t` and scaled back; the
    scalings are exact (powers of two; only entries below :math:`2^{-1074}s` underflow), so the
    integrator solves the given problem, and it never sees the under- or overflowing error
    norms that make it fail for, e.g., :math:`\mathbf w_0 = 4.5\cdot10^{-160}` or
    :math:`\mathbf X = 10^{200}`.  Hence ``atol`` is relative to the scale s of the problem
    (absolute tolerance ``atol * s`` on w), ``rtol`` is relative as always.
    """
    Xa = as_matrix("X", X)
    N, D = Xa.shape
    ya, wa = as_vector("y", y, N), as_vector("w0", w0, D)
    c = scale_factor(scale, N)
    t = _times(ts)
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
        raise ValueError(f"ts must be finite and sorted for integration; got {ts!r}")
    Xs, us, u0, ex, es = _normalised(Xa, ya, wa)
    tau = np.ldexp(t, 2 * ex)
    if not np.all(np.isfinite(tau)):
        raise ValueError(
            f"ts are too large for X of scale 2^{ex}: the flow's own time xi^2 t overflows; got {ts!r}"
        )
    A = c * Xs.T @ Xs
    b = c * Xs.T @ us

    def rhs(_t, u):
        return b - A @ u

    if not tau.size or tau[-1] == 0:  # nothing to integrate (solve_ivp returns no states then)
        return np.tile(wa, (t.size, 1))
    kwargs = {"jac": lambda _t, _u: -A} if method in ("Radau", "BDF", "LSODA") else {}
    # scipy's DOP853 error estimate is 0/0 = NaN when its two error norms underflow unequally
    # (a component that moves at 1e-172 next to static ones of size 1): it rejects the step,
    # shrinks it until both norms are 0, and carries on; success is checked below.
    with np.errstate(invalid="ignore", under="ignore"):
        sol = solve_ivp(
            rhs,
            (0.0, float(tau[-1])),
            u0,
            method=method,
            t_eval=tau,
            rtol=rtol,
            atol=atol,
            **kwargs,
        )
    if not sol.success:
        raise RuntimeError(f"solve_ivp ({method}) failed: {sol.message}")
    return np.ldexp(sol.y.T, es)


def gd_parameters(
    X, y, w0, alpha: float, steps: Sequence[int] | int, scale: Scale = "sum"
) -> np.ndarray:
    r"""Gradient descent :math:`\mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha c\,\mathbf X^\top(\mathbf X\mathbf w^{(k)} - \mathbf y)`
    (000, eq 5: the forward-Euler discretisation of the flow with step :math:`\alpha`), returning
    :math:`\mathbf w^{(k)}` for each k in ``steps``, shape (len(steps), D).  Step k approximates
    :math:`\mathbf w(k\alpha)` with error :math:`O(\alpha)` (``flow.gd_limit``).  This is
    :func:`gdflow.checks.simulate.gd_trajectory` on :math:`\mathbf A = c\mathbf X^\top\mathbf X`,
    :math:`\mathbf b = -c\mathbf X^\top\mathbf y` (raises ``OverflowError`` if the run diverges),
    run on the data normalised by powers of two as in :func:`integrate_flow` (step
    :math:`\xi^2\alpha`) and scaled back: every float64 operation commutes with those
    scalings, so the iterates are bit for bit those of the unscaled run wherever that one is
    representable, and a run at scale 1e200 no longer fails because its loss overflows."""
    Xa = as_matrix("X", X)
    N, D = Xa.shape
    ya, wa = as_vector("y", y, N), as_vector("w0", w0, D)
    c = scale_factor(scale, N)
    Xs, us, u0, ex, es = _normalised(Xa, ya, wa)

    def unscaled():  # its errors name the caller's alpha and steps
        return gd_trajectory(c * Xa.T @ Xa, -c * Xa.T @ ya, wa, alpha, steps).w

    if not (
        isinstance(alpha, (int, float, np.floating))
        and not isinstance(alpha, bool)
        and np.isfinite(alpha)
        and alpha > 0
    ):
        return unscaled()
    try:
        return np.ldexp(
            gd_trajectory(
                c * Xs.T @ Xs, -c * Xs.T @ us, u0, np.ldexp(float(alpha), 2 * ex), steps
            ).w,
            es,
        )
    except OverflowError:  # a divergent run: report it as the caller's problem
        unscaled()
        raise


THREE_POINT = {
    "X": [[0.2, 1.0], [0.4, 1.0], [0.8, 1.0]],
    "y": [-0.1, 0.15, 0.3],
    "w0": [-0.05, -0.4],
}
"""The worked example of 000 (fitting a line to three points; MATH.md): rows of X are
(x_i, 1), so w = (slope, intercept).  Sum loss scale."""
