r"""Gradient flow on least squares, numerically: closed-form evaluators and real simulations.

Source: 000 (gradient flow, residual / function / parameter / prediction evolution), the
formulas proved in ``gdflow.derive.flow`` and ``gdflow.derive.function_space``.  The loss is

.. math::

    L(\mathbf w) = \frac{c}{2}\|\mathbf X\mathbf w - \mathbf y\|^2, \qquad
    c = 1 \text{ (``scale="sum"``, 000's convention)}, \quad
    c = 1/N \text{ (``scale="mean"``)},

rows of :math:`\mathbf X \in \mathbb R^{N\times D}` are data points.  Gradient flow
:math:`\dot{\mathbf w} = -\nabla L = -c\,\mathbf X^\top(\mathbf X\mathbf w - \mathbf y)` has, with
:math:`\mathbf K_c = c\,\mathbf X\mathbf X^\top` (so the mean scale turns
:math:`e^{-\mathbf Kt}` into :math:`e^{-\mathbf Kt/N}`) and
:math:`\mathbf r_0 = \mathbf X\mathbf w_0 - \mathbf y`,

.. math::

    \mathbf r(t) = e^{-\mathbf K_c t}\mathbf r_0, \quad
    \mathbf f(t) = \mathbf y + \mathbf r(t), \quad
    \mathbf w(t) = \mathbf w_0 - c\,\mathbf X^\top \varphi(\mathbf K_c, t)\,\mathbf r_0, \quad
    f(\mathbf x_\star, t) = \mathbf x_\star^\top \mathbf w(t),

with :math:`\varphi(\lambda, t) = (1 - e^{-\lambda t})/\lambda` (:math:`= t` at
:math:`\lambda = 0`), which for :math:`c = 1` is 000's
:math:`\mathbf w(t) = \mathbf w_0 - \mathbf X^\top\mathbf K^\dagger(\mathbf I - e^{-\mathbf
Kt})\mathbf r_0`.

The formulas are not written here: they are the ``formulas`` of the derivations
(:data:`FLOW_FORMULAS`: ``w`` and ``w_inf`` of ``flow.parameter_evolution``, ``r`` of
``flow.residual``, ``r_inf`` of ``flow.trainability``), whose per-eigenvalue forms
(:math:`\varphi(\lambda, t)`, :math:`\lambda^+`, :math:`e^{-\lambda t}` and its limit) are
lambdified once (:func:`spectral_function`, with ``expm1`` for accuracy at tiny
:math:`\lambda t`) and applied to one decomposition of X.

Evaluation (:class:`LinearFlow`): the data are normalised by powers of two (any scale, no
under- or overflow), X is decomposed once (``method``: the eigendecomposition of the smaller
Gram matrix where it is accurate, a thin SVD on the rest, or a thin SVD of X; singular values
below :func:`~gdflow.checks.simulate.eigenvalue_tolerance` are zero), and every time point
then costs :math:`O((N + D) m)`, :math:`m = \operatorname{rank} X`.  Zero singular values
contribute nothing to :math:`\mathbf w(t)` (:math:`\mathbf X^\top\mathbf u = 0`) and keep
their part of the residual, so :math:`t = \infty` and singular K give the projection limits
:math:`(\mathbf I - \mathbf K\mathbf K^\dagger)\mathbf r_0` and
:math:`(\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf w_0 + \mathbf X^\dagger\mathbf y` without
NaN.  :class:`FlowPredictor` keeps the projection of the test points.

:class:`LinearFlowMP` evaluates the same formulas in mpmath (``dps`` digits) from an
eigendecomposition of :math:`\mathbf K_c` (``mpmath.eigsy``): an independent route, used as the
high-precision reference.

Simulations: :func:`integrate_flow` (scipy ``solve_ivp``, DOP853 or an implicit method with the
exact Jacobian, tight tolerances) and :func:`gd_parameters` (GD with step :math:`\alpha`, the
forward-Euler discretisation of the flow).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import mpmath
import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from gdflow.derive.catalogue import formula as catalogue_formula
from gdflow.derive.derivation import Formula

from .simulate import (
    EIGENVALUE_TOL_FACTOR,
    Scale,
    as_matrix,
    as_vector,
    eigenvalue_tolerance,
    gd_trajectory,
    safe_norm,
    scale_divisor,
    scale_factor,
    thin_svd,
)

__all__ = [
    "Scale",
    "scale_factor",
    "FLOW_FORMULAS",
    "flow_formula",
    "spectral_function",
    "phi",
    "phi_mp",
    "GRAM_RATIO",
    "LinearFlow",
    "FlowPredictor",
    "LinearFlowMP",
    "linear_flow",
    "integrate_flow",
    "gd_parameters",
    "THREE_POINT",
]


# -- the formulas, read from the derivations ----------------------------------------------------

FLOW_FORMULAS: Mapping[str, tuple[str, str]] = {
    "w": ("flow.parameter_evolution", "w"),
    "w_inf": ("flow.parameter_evolution", "w_inf"),
    "r": ("flow.residual", "r"),
    "r_inf": ("flow.trainability", "r_inf"),
}
r"""Where each evaluator's formula lives: key -> (derivation id, formula key).  ``w``: w(t),
per eigenvalue :math:`\varphi(\lambda, t)`; ``w_inf``: w(∞), per eigenvalue :math:`\lambda^+`;
``r``: r(t), per eigenvalue :math:`e^{-\lambda t}`; ``r_inf``: r(∞), per eigenvalue 1 on the
null space of K and 0 on its range."""


def flow_formula(key: str) -> Formula:
    """The catalogue's formula for ``key`` of :data:`FLOW_FORMULAS` (``KeyError`` naming the
    keys there are)."""
    if key not in FLOW_FORMULAS:
        raise KeyError(f"no flow formula {key!r}; keys: {sorted(FLOW_FORMULAS)}")
    return catalogue_formula(*FLOW_FORMULAS[key])


SpectralFunction = Callable[..., np.ndarray]


@lru_cache(maxsize=64)
def spectral_function(formula: Formula) -> SpectralFunction:
    r"""``formula.spectral`` lambdified once (NumPy), in its ``spectral_params`` order, by
    :meth:`Formula.spectral_function` after its ``expm1`` rewriting: :math:`1 - e^{-x}`
    becomes ``-expm1(-x)``, so :math:`\varphi(\lambda, t) = (1 - e^{-\lambda t})/\lambda` keeps
    full relative accuracy for tiny :math:`\lambda t` (the plain quotient loses
    :math:`\log_{10}(1/\lambda t)` digits).  The returned function broadcasts its arguments,
    silences the floating-point warnings of the branch that ``numpy.select`` discards (0/0 at
    :math:`\lambda = 0`), and returns float64 arrays."""
    raw = formula.spectral_function("numpy")

    def evaluate(*args: ArrayLike) -> np.ndarray:
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            out = raw(*arrays)
        return np.broadcast_to(np.asarray(out, dtype=float), arrays[0].shape).copy()

    return evaluate


def phi(lam: ArrayLike, t: ArrayLike, formula: Formula | None = None) -> np.ndarray:
    r""":math:`\varphi(\lambda, t) = \int_0^t e^{-\lambda\tau}d\tau = (1 - e^{-\lambda t})/\lambda`
    (:math:`= t` at :math:`\lambda = 0`, :math:`1/\lambda` at :math:`t = \infty`), elementwise
    with broadcasting: the per-eigenvalue form of w(t) in ``flow.parameter_evolution``
    (000, eq 16, :math:`\mathbf w(t) = \mathbf w_0 - \mathbf X^\top\varphi(\mathbf K, t)\mathbf
    r_0`),
    lambdified by :func:`spectral_function` (``formula``: default the catalogue's ``w``).
    :math:`\varphi(0, \infty) = \infty`.

    >>> phi(np.array([0.0, 1e-20, 2.0]), np.array([3.0, 3.0, np.inf])).tolist()
    [3.0, 3.0, 0.5]
    """
    return spectral_function(formula or flow_formula("w"))(lam, t)


def phi_mp(lam: Any, t: Any) -> mpmath.mpf:
    r""":math:`\varphi(\lambda, t) = (1 - e^{-\lambda t})/\lambda` in mpmath (``t`` may be
    ``mpmath.inf``; :math:`t` at :math:`\lambda = 0`); 000, parameter evolution, any loss scale
    (:math:`\lambda` is an eigenvalue of :math:`c\mathbf X\mathbf X^\top`)."""
    lam, t = mpmath.mpf(lam), mpmath.mpf(t)
    if lam == 0:
        return t
    if mpmath.isinf(t):
        return 1 / lam
    return -mpmath.expm1(-lam * t) / lam


def _times(ts: ArrayLike) -> np.ndarray:
    t = np.atleast_1d(np.asarray(ts, dtype=float))
    if t.ndim != 1 or np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError(f"times must be a 1-d array of numbers >= 0 (inf allowed); got {ts!r}")
    return t


GRAM_RATIO = 1e-3
r"""Where ``method="auto"`` splits the spectrum of the smaller Gram matrix G (of the data
normalised by powers of two).  Eigenvalues of G formed and decomposed in float64 carry an
absolute error of a few :math:`\varepsilon\mu_{\max}`: those at least ``GRAM_RATIO``
:math:`\mu_{\max}` are kept (relative error at most a few :math:`\varepsilon/` ``GRAM_RATIO``);
the space of the others, zeros included (rank-deficient X), is resolved by a thin SVD of X on
it, accurate to :math:`\varepsilon s_{\max}` as the SVD of X is.  Measured on X = QS with Q
the normalised Hadamard matrix (N = 256, exact flow in mpmath): errors of the outputs and
predictions relative to their largest value of 4.9e-15 at κ(K) = 1e2 (the SVD: 1.9e-15),
1.3e-14 at 1e6 and 1.0e-14 at 1e14 (t = ∞: 1.4e-11, where the plain eigendecomposition of G
gives 9e-7).  1e-2 cost 10% more time on random square X (a wider SVD) and was no more
accurate."""


@dataclass(frozen=True)
class FlowPredictor:
    r""":math:`f(\mathbf x_\star, t) = \mathbf x_\star^\top\mathbf w(t)` at fixed test points: the
    projection :math:`\mathbf P = \mathbf x_\star^\top\mathbf V` is computed once, and every call
    costs one evaluation of :math:`\varphi` on the m nonzero
    eigenvalues and one (T×m)·(m×M) product (000, eq 21–24; ``flow.predictions``, whose
    per-eigenvalue form is :math:`\varphi`).  Build with :meth:`LinearFlow.predictor`."""

    flow: LinearFlow
    x_star: np.ndarray
    base: np.ndarray
    proj: np.ndarray

    def __call__(self, ts: ArrayLike) -> np.ndarray:
        """Predictions at each time (rows) and test point (columns), shape (T, M)."""
        fl = self.flow
        tau = fl._tau(ts)
        out = self.base[None, :] - fl._spectral("w", tau) @ self.proj.T
        return np.ldexp(out, fl.exp_w)


@dataclass(frozen=True)
class LinearFlow:
    r"""Closed forms of gradient flow on :math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`
    (module docstring), evaluated from one decomposition of X.  Build with :func:`linear_flow`.

    The data are normalised by powers of two (exactly): :math:`\mathbf X = 2^{e_X}\mathbf X'`,
    :math:`\mathbf w_0 = 2^{e_w}\mathbf w_0'`, :math:`\mathbf y = 2^{e_X + e_w}\mathbf y'` with
    :math:`\max|X'_{ij}|` and :math:`\max(|w'_0|, |y'|)` in [1/2, 1), and the flow of the
    normalised problem is evaluated at time :math:`\tau = 4^{e_X}t`: the same numbers without
    under- or overflow at any scale of the data.  ``sn``, ``U`` (N×m), ``V`` (D×m) are the
    positive singular values and vectors of X', ``lam_n = c sn²`` the nonzero eigenvalues of
    :math:`c\mathbf X'\mathbf X'^\top`, ``coef`` :math:`= \mathbf U^\top\mathbf r_0'`;
    ``functions`` are the per-eigenvalue functions lambdified from the formulas
    (:data:`FLOW_FORMULAS`), ``method`` the decomposition used ("svd" or "eigh").
    """

    X: np.ndarray
    y: np.ndarray
    w0: np.ndarray
    c: float
    sn: np.ndarray
    lam_n: np.ndarray
    r0n: np.ndarray
    w0n: np.ndarray
    coef: np.ndarray
    exp_x: int
    exp_w: int
    functions: Mapping[str, SpectralFunction]
    method: str
    U_given: np.ndarray | None = field(default=None, repr=False)
    V_given: np.ndarray | None = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def U(self) -> np.ndarray:
        r"""Left singular vectors of X' (N×m); the columns the decomposition did not give
        (``U_given`` holds the last ones, or none) are :math:`\mathbf X'\mathbf v/s'`,
        computed on first use."""
        return self._side("U", self.U_given, lambda: self.V, lambda: self._Xn())

    @property
    def V(self) -> np.ndarray:
        r"""Right singular vectors of X' (D×m); the columns not given are
        :math:`\mathbf X'^\top\mathbf u/s'`, computed on first use."""
        return self._side("V", self.V_given, lambda: self.U, lambda: self._Xn().T)

    def _left_times(self, Z: np.ndarray) -> np.ndarray:
        r""":math:`\mathbf Z\mathbf U^\top` for Z of shape (T, m).  While U has columns not yet
        formed (an eigendecomposition of XᵀX gave V), those are applied as
        :math:`\mathbf X'\mathbf V\mathbf S'^{-1}` (cost (N + m)·D per time instead of N·m);
        U is formed (N·D·m once) when the times asked for add up to m/8."""
        given = self.U_given
        n_given = 0 if given is None else given.shape[1]
        if n_given == self.rank or "U" in self._cache:
            return Z @ self.U.T
        used = self._cache.get("times", 0) + Z.shape[0]
        self._cache["times"] = used
        if used * 8 >= self.rank:
            return Z @ self.U.T
        head = self.rank - n_given
        V_head = self.V[:, :head]
        out = ((Z[:, :head] / self.sn[None, :head]) @ V_head.T) @ self._Xn().T
        if given is not None and n_given:
            out += Z[:, head:] @ given.T
        return out

    def _side(
        self,
        key: str,
        given: np.ndarray | None,
        other: Callable[[], np.ndarray],
        op: Callable[[], np.ndarray],
    ) -> np.ndarray:
        if given is not None and given.shape[1] == self.rank:
            return given
        if key not in self._cache:
            head = self.rank - (0 if given is None else given.shape[1])
            vecs = _scaled_columns(op() @ other()[:, :head], self.sn[:head])
            self._cache[key] = vecs if given is None else np.hstack([vecs, given])
        return self._cache[key]

    def _Xn(self) -> np.ndarray:
        return np.ldexp(self.X, -self.exp_x)

    @property
    def s(self) -> np.ndarray:
        """The positive singular values of X (zeros removed), in the units of X."""
        return np.ldexp(self.sn, self.exp_x)

    @property
    def lam(self) -> np.ndarray:
        r"""The nonzero eigenvalues :math:`c s^2` of :math:`\mathbf K_c = c\mathbf X\mathbf X^\top`
        (in the units of X; ``inf`` where they overflow float64)."""
        with np.errstate(over="ignore"):
            return np.ldexp(self.lam_n, 2 * self.exp_x)

    @property
    def r0(self) -> np.ndarray:
        r""":math:`\mathbf r_0 = \mathbf X\mathbf w_0 - \mathbf y`."""
        with np.errstate(over="ignore"):
            return np.ldexp(self.r0n, self.exp_x + self.exp_w)

    @property
    def rank(self) -> int:
        """The numerical rank of X (= rank of K)."""
        return int(self.sn.size)

    @property
    def trainable(self) -> bool:
        r"""True iff K has full rank N: then :math:`\mathbf r(t) \to 0` (``flow.trainability``)."""
        return self.rank == self.X.shape[0]

    def _tau(self, ts: ArrayLike) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.ldexp(_times(ts), 2 * self.exp_x)

    def _spectral(self, key: str, tau: np.ndarray) -> np.ndarray:
        r"""The per-eigenvalue function of formula ``key`` at every time (rows) and nonzero
        eigenvalue (columns), (T, m): the formula at finite times, its ``_inf`` limit formula
        at :math:`t = \infty`; for ``w`` times :math:`c\,s'\,\tilde r'_0` (what
        :math:`\mathbf X'^\top = \mathbf V\mathbf S'\mathbf U^\top` makes of the residual's
        coordinates), for ``r`` minus 1 (the change of the residual's coordinates)."""
        out = np.empty((tau.size, self.rank))
        finite = np.isfinite(tau)
        if finite.any():
            out[finite] = self.functions[key](self.lam_n[None, :], tau[finite, None])
        if not finite.all():
            out[~finite] = self.functions[key + "_inf"](self.lam_n)[None, :]
        if key == "w":
            return out * (self.c * self.sn * self.coef)[None, :]
        return (out - 1.0) * self.coef[None, :]

    def residual(self, ts: ArrayLike) -> np.ndarray:
        r""":math:`\mathbf r(t) = e^{-\mathbf K_c t}\mathbf r_0` at each time (rows), shape (T, N);
        at :math:`t = \infty`, :math:`(\mathbf I - \mathbf K\mathbf K^\dagger)\mathbf r_0` (000,
        eq 11; the formulas ``r`` of ``flow.residual`` and ``r_inf`` of ``flow.trainability``,
        per eigenvalue :math:`e^{-\lambda t}` and its limit)."""
        tau = self._tau(ts)
        out = self.r0n[None, :] + self._left_times(self._spectral("r", tau))
        with np.errstate(over="ignore"):
            return np.ldexp(out, self.exp_x + self.exp_w)

    def outputs(self, ts: ArrayLike) -> np.ndarray:
        r""":math:`\mathbf f(t) = \mathbf y + e^{-\mathbf K_c t}(\mathbf f_0 - \mathbf y)` at the
        training inputs, shape (T, N) (000, eq 12; ``flow.residual``)."""
        return self.y[None, :] + self.residual(ts)

    def parameters(self, ts: ArrayLike) -> np.ndarray:
        r""":math:`\mathbf w(t) = \mathbf w_0 - c\mathbf X^\top\varphi(\mathbf K_c, t)\mathbf r_0`,
        shape (T, D) (000, eq 16 for any rank; sum scale :math:`c = 1`:
        :math:`\mathbf w_0 - \mathbf X^\top\mathbf K^\dagger(\mathbf I - e^{-\mathbf Kt})
        \mathbf r_0`; the formulas ``w`` and ``w_inf`` of ``flow.parameter_evolution``).  At
        :math:`t = \infty`: :math:`(\mathbf I - \mathbf X^\dagger\mathbf X)\mathbf w_0 +
        \mathbf X^\dagger\mathbf y`."""
        out = self.w0n[None, :] - self._spectral("w", self._tau(ts)) @ self.V.T
        return np.ldexp(out, self.exp_w)

    def predictor(self, x_star: ArrayLike) -> FlowPredictor:
        r"""The evaluator of :math:`f(\mathbf x_\star, t)` at the rows of ``x_star`` (M×D, or
        one point of length D), with its projection onto the eigenvectors computed once
        (:class:`FlowPredictor`)."""
        xs = np.atleast_2d(np.asarray(x_star, dtype=float))
        D = self.X.shape[1]
        if xs.ndim != 2 or xs.shape[1] != D:
            raise ValueError(
                f"x_star must have {D} columns (one per parameter); got shape {xs.shape}"
            )
        if not np.all(np.isfinite(xs)):
            raise ValueError(f"x_star must be finite; got {xs}")
        return FlowPredictor(self, xs, xs @ self.w0n, xs @ self.V)

    def predict(self, x_star: ArrayLike, ts: ArrayLike) -> np.ndarray:
        r""":math:`f(\mathbf x_\star, t) = \mathbf x_\star^\top\mathbf w(t) = a(t) +
        \mathbf b(t)^\top\mathbf w_0` for each row of ``x_star`` (M×D, or one point of length
        D), shape (T, M) (000, eq 21–24; ``flow.predictions``).  The projection of the last
        ``x_star`` is kept: calling again with equal test points costs what
        :class:`FlowPredictor` costs per call (one comparison of ``x_star`` more)."""
        xs = np.atleast_2d(np.asarray(x_star, dtype=float))
        last = self._cache.get("predictor")
        if last is None or last.x_star.shape != xs.shape or not np.array_equal(last.x_star, xs):
            last = self.predictor(xs.copy())
            self._cache["predictor"] = last
        return last(ts)

    def loss(self, ts: ArrayLike) -> np.ndarray:
        r""":math:`L(t) = \frac c2\|\mathbf r(t)\|^2`, shape (T,) (from :meth:`residual`, with
        the sum of squares taken at the normalised scale: no overflow of the squares)."""
        r = self.residual(ts)
        norm = np.asarray(safe_norm(r, axis=1)) if r.size else np.zeros(r.shape[0])
        with np.errstate(over="ignore"):
            return np.asarray(0.5 * self.c * norm * norm)


def _scaled_columns(M: np.ndarray, s: np.ndarray) -> np.ndarray:
    return M / s[None, :] if s.size else M[:, :0]


Decomposition = tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str]
"""``(s, U, V, method)``: positive singular values in decreasing order and the singular
vectors; one of U, V may hold only its last columns (the others are computed on first use)."""


def _gram_split(Xn: np.ndarray, K_n: np.ndarray | None = None) -> Decomposition:
    r"""``method="auto"``: the symmetric eigendecomposition of the smaller Gram matrix G of the
    normalised X, split at :data:`GRAM_RATIO`.  Eigenvalues :math:`\mu \ge` ``GRAM_RATIO``
    :math:`\mu_{\max}` are accurate to a relative few :math:`\varepsilon/` ``GRAM_RATIO``: their
    eigenvectors give the singular vectors on one side, the other side is
    :math:`\mathbf X\mathbf v/s` (computed on first use).  The eigenvectors of the smaller
    eigenvalues span the rest of the space accurately but resolve nothing inside it: X times
    them (an N×k or D×k matrix) gets a thin SVD, which gives those singular values to
    :math:`\varepsilon s_{\max}` as the SVD of X would, and both sides of their vectors.  Cost:
    one Gram product, one eigendecomposition of size min(N, D), one thin SVD of width k."""
    N, D = Xn.shape
    row_side = N < D or (K_n is not None and N == D)  # G = X X^T: eigenvectors are U
    G = (Xn @ Xn.T if K_n is None else K_n) if row_side else Xn.T @ Xn
    mu, vecs = np.linalg.eigh(G)
    top = float(mu[-1]) if mu.size else 0.0
    big = mu >= GRAM_RATIO * top if top > 0 else np.zeros(mu.shape, bool)
    s_big = np.sqrt(mu[big][::-1])
    vec_big = np.ascontiguousarray(vecs[:, big][:, ::-1])
    rest = np.ascontiguousarray(vecs[:, ~big])
    B = (Xn.T if row_side else Xn) @ rest  # X (or X^T) on the rest of the space
    P, s_rest, Wt = np.linalg.svd(B, full_matrices=False)
    tol = EIGENVALUE_TOL_FACTOR * min(N, D) * np.finfo(float).eps * max(np.sqrt(top), 0.0)
    keep = s_rest > tol
    P, s_rest, W = P[:, keep], s_rest[keep], rest @ Wt[keep].T
    s = np.concatenate([s_big, s_rest])
    used = "eigh+svd" if s_rest.size else "eigh"
    if row_side:  # left vectors: eigenvectors and rest @ W; right: X^T u / s, then P
        return s, np.hstack([vec_big, W]), P, used
    return s, P, np.hstack([vec_big, W]), used


def _decompose(Xn: np.ndarray, method: str, K_n: np.ndarray | None = None) -> Decomposition:
    """``(s, U, V, method used)`` for the normalised X (see :func:`linear_flow`)."""
    if method == "auto":
        if Xn.size == 0:
            U, s, V = thin_svd(Xn)
            return s, U, V, "svd"
        return _gram_split(Xn, K_n)
    if method == "svd":
        U, s, V = thin_svd(Xn)
        return s, U, V, "svd"
    if method == "eigh":
        return _eigh_any_rank(Xn)
    raise ValueError(f"method must be 'auto', 'svd' or 'eigh'; got {method!r}")


def _eigh_any_rank(Xn: np.ndarray) -> Decomposition:
    """``method="eigh"``: the smaller Gram matrix's eigenvalues above
    :func:`~gdflow.checks.simulate.eigenvalue_tolerance` count, the others are zero."""
    N, D = Xn.shape
    row_side = N < D
    mu, vecs = np.linalg.eigh(Xn @ Xn.T if row_side else Xn.T @ Xn)
    keep = mu > eigenvalue_tolerance(mu) if mu.size else np.zeros(0, bool)
    mu, vecs = mu[keep][::-1], np.ascontiguousarray(vecs[:, keep][:, ::-1])
    s = np.sqrt(mu)
    return (s, vecs, None, "eigh") if row_side else (s, None, vecs, "eigh")


def _coefficients(
    Xn: np.ndarray, r0n: np.ndarray, s: np.ndarray, U: np.ndarray | None, V: np.ndarray | None
) -> np.ndarray:
    r""":math:`\mathbf U^\top\mathbf r_0`, the columns of U that are not given taken as
    :math:`\mathbf X\mathbf v/s`."""
    given = 0 if U is None else U.shape[1]
    head = s.size - given
    out = np.empty(s.size)
    if head:
        assert V is not None
        out[:head] = (Xn.T @ r0n) @ V[:, :head] / s[:head]
    if given:
        assert U is not None
        out[head:] = U.T @ r0n
    return out


def _given_kernel(K: ArrayLike | None, X: np.ndarray, ex: int) -> np.ndarray | None:
    r"""The caller's :math:`\mathbf K = \mathbf X\mathbf X^\top`, normalised like X (by
    :math:`4^{-e_X}`), after checks: N×N, finite, symmetric, and equal to X(Xᵀv) at a random v
    to rounding (a K of other data is refused, naming what differs).  None when not given."""
    if K is None:
        return None
    Ka = as_matrix("K", K)
    N = X.shape[0]
    if Ka.shape != (N, N):
        raise ValueError(f"K must be X X^T, {N}x{N}; got shape {Ka.shape}")
    Kn = np.ldexp(Ka, -2 * ex)
    Xn = np.ldexp(X, -ex)
    if not np.array_equal(Kn, Kn.T):
        raise ValueError("K must be X X^T, a symmetric matrix; got a non-symmetric K")
    v = np.random.default_rng(0).standard_normal(N)
    gap = np.abs(Kn @ v - Xn @ (Xn.T @ v)).max()
    bound = 1e-10 * (1.0 + np.abs(Xn).sum(axis=1).max() ** 2) * np.abs(v).max() * N
    if not gap <= bound:
        raise ValueError(f"K must be X X^T: K v and X (X^T v) differ by {gap:.3g} at a random v")
    return Kn


def linear_flow(
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    scale: Scale = "sum",
    method: Literal["auto", "svd", "eigh"] = "auto",
    *,
    formulas: Mapping[str, Formula] | None = None,
    K: ArrayLike | None = None,
) -> LinearFlow:
    r"""Prepare the closed-form evaluators of gradient flow on
    :math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2` (``scale``: ``"sum"`` c = 1,
    ``"mean"`` c = 1/N) from ``X`` (N×D, rows are data), ``y`` (N), ``w0`` (D): one
    decomposition of X (normalised by powers of two, see :class:`LinearFlow`), then the
    per-eigenvalue functions of the formulas (``formulas``: key -> :class:`Formula`, keys of
    :data:`FLOW_FORMULAS`; missing keys take the catalogue's) applied to it.

    ``method="svd"``: one thin SVD of X, singular values accurate to :math:`\varepsilon
    s_{\max}`; below :func:`~gdflow.checks.simulate.eigenvalue_tolerance` they are zero.
    ``method="eigh"``: the symmetric eigendecomposition of the smaller Gram matrix
    (:math:`\mathbf X^\top\mathbf X` or :math:`\mathbf X\mathbf X^\top`), 2–3x faster than the
    SVD with the LAPACK here, but its eigenvalues :math:`s^2` carry absolute error
    :math:`\approx\varepsilon s_{\max}^2`: singular values below about
    :math:`\sqrt{10m\varepsilon}\,s_{\max}` count as zero.  ``method="auto"`` (the default)
    takes the eigendecomposition when its computed spectrum is within :data:`GRAM_RATIO` of
    the largest eigenvalue (then it is as accurate as the SVD to a few units of
    :math:`\varepsilon/` ``GRAM_RATIO``), the SVD otherwise (ill-conditioned or rank-deficient
    X).  The decomposition used is ``.method``.  ``K``: the kernel :math:`\mathbf X\mathbf
    X^\top` if the caller has it already (as Neural Tangents takes it); with N < D it spares
    forming the Gram matrix (it is checked against X at one random vector).

    >>> fl = linear_flow([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0], [0.0, 0.0])
    >>> fl.residual([0.0, np.inf]).tolist()
    [[-1.0, -1.0], [0.0, -1.0]]
    """
    Xa = as_matrix("X", X)
    N, D = Xa.shape
    ya, wa = as_vector("y", y, N), as_vector("w0", w0, D)
    c = scale_factor(scale, N)
    chosen = dict(formulas or {})
    unknown = set(chosen) - set(FLOW_FORMULAS)
    if unknown:
        raise KeyError(f"no flow formulas {sorted(unknown)}; keys: {sorted(FLOW_FORMULAS)}")
    functions = {
        key: spectral_function(chosen.get(key) or flow_formula(key)) for key in FLOW_FORMULAS
    }
    Xn, yn, wn, ex, es = _normalised(Xa, ya, wa)
    s, U, V, used = _decompose(Xn, method, _given_kernel(K, Xa, ex))
    r0n = Xn @ wn - yn
    coef = _coefficients(Xn, r0n, s, U, V)
    return LinearFlow(
        Xa, ya, wa, c, s, c * s**2, r0n, wn, coef, ex, es, functions, used, U_given=U, V_given=V
    )


@dataclass(frozen=True)
class LinearFlowMP:
    r"""The closed forms of :class:`LinearFlow` in mpmath at ``dps`` digits, from the symmetric
    eigendecomposition :math:`\mathbf K_c = \mathbf Q\Lambda\mathbf Q^\top` (``mpmath.eigsy``).
    Inputs
    are converted exactly from float64 (or given as strings / mpf).  Suited to N, D up to a few
    dozen.

    Which eigenvalues are zero: float64 data determine a singular value of X only to about
    :math:`\varepsilon s_{\max}`, so by default (``data_eps`` = 2^-52) eigenvalues
    :math:`\lambda \le (10\,m\,\varepsilon)^2\lambda_{\max}`, :math:`m = \min(N, D)`, count as
    zero: the
    same rank decision as :class:`LinearFlow` (singular values :math:`\le 10 m\varepsilon
    s_{\max}`).
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
        cls,
        X: Any,
        y: Any,
        w0: Any,
        scale: Scale = "sum",
        dps: int = 50,
        data_eps: float = 2.0**-52,
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

    def _coef(self) -> mpmath.matrix:
        r0 = self.X * self.w0 - self.y
        return self.Q.T * r0

    def residual(self, t: Any) -> mpmath.matrix:
        r""":math:`\mathbf r(t) = \mathbf Q e^{-\Lambda t}\mathbf Q^\top\mathbf r_0` "
        r"(``t`` may be ``mpmath.inf``)."""
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

    def parameters(self, t: Any) -> mpmath.matrix:
        r""":math:`\mathbf w(t) = \mathbf w_0 - c\mathbf X^\top\mathbf Q\varphi(\Lambda, t)\mathbf
        Q^\top\mathbf r_0`
        (zero eigenvalues dropped: :math:`\mathbf X^\top\mathbf q = 0` for them)."""
        with mpmath.workdps(self.dps):
            t = mpmath.mpf(t)
            coef = self._coef()
            g = mpmath.matrix(
                [coef[i] * phi_mp(lam, t) if lam > 0 else 0 for i, lam in enumerate(self.lam)]
            )
            return self.w0 - self.c * self.X.T * (self.Q * g)

    def predict(self, x_star: Any, t: Any) -> mpmath.mpf:
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
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    ts: ArrayLike,
    scale: Scale = "sum",
    rtol: float = 1e-12,
    atol: float = 1e-14,
    method: str = "DOP853",
) -> np.ndarray:
    r"""Integrate gradient flow :math:`\dot{\mathbf w} = -c\,\mathbf X^\top(\mathbf X\mathbf w -
    \mathbf y)`
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
            f"ts are too large for X of scale 2^{ex}: the flow's own time xi^2 t "
            f"overflows; got {ts!r}"
        )
    A = c * Xs.T @ Xs
    b = c * Xs.T @ us

    def rhs(_t: float, u: np.ndarray) -> np.ndarray:
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
    X: ArrayLike,
    y: ArrayLike,
    w0: ArrayLike,
    alpha: float,
    steps: Sequence[int] | int,
    scale: Scale = "sum",
) -> np.ndarray:
    r"""Gradient descent :math:`\mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha c\,\mathbf
    X^\top(\mathbf X\mathbf w^{(k)} - \mathbf y)`
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

    def unscaled() -> np.ndarray:  # its errors name the caller's alpha and steps
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
