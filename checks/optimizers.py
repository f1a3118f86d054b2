r"""Plain float64 step functions and iterators for first-order optimizers (issue 12).

Gradient descent and the momentum methods are written as in /work/shared/MATH.md; the adaptive
methods are the ones seed 003 names on its slide "Adaptive methods automatically adjust
:math:`\varepsilon` during training!" (Adam, RMSprop, AdaGrad; the slide gives names only, so
the updates are the standard published ones, stated in each docstring).  001 §2.3 remarks that
GD is invariant to rigid transformations while RMSprop and Adam, "based on diagonal
rescaling", are not; ``tests/test_optimizers.py`` measures both.

Every function takes and returns numpy float64 arrays and never mutates its arguments.
A bad hyperparameter raises :class:`ValueError` naming it: :math:`\alpha \le 0`, a decay rate
:math:`\beta, \rho \notin [0, 1)`, :math:`\varepsilon < 0`, or any non-finite value.

mpmath: every step, iterator and :func:`run` takes ``dps`` (decimal digits, default None =
float64).  With ``dps`` set the same update rules run on numpy ``object`` arrays of
``mpmath.mpf`` at that precision: inputs (floats) are converted exactly, the hyperparameters
too (so :math:`1 - \beta_2^t` is not rounded in float64), every step is evaluated inside
``mpmath.workdps(dps)``, and the results are ``mpf`` arrays.  The gradient callable then
receives ``mpf`` arrays (:func:`quadratic_gradient` builds one for either mode).  There is one
copy of each update rule; only the arithmetic (:class:`_Arithmetic`) differs.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

Vector = NDArray[np.float64]
Gradient = Callable[[Vector], ArrayLike]

__all__ = [
    "AdamState",
    "METHODS",
    "adagrad",
    "adagrad_step",
    "adam",
    "adam_step",
    "Backtracking",
    "backtracking",
    "gd",
    "gd_step",
    "heavy_ball",
    "heavy_ball_step",
    "nesterov",
    "nesterov_step",
    "quadratic_gradient",
    "rmsprop",
    "rmsprop_step",
    "run",
]


class _Arithmetic:
    """float64 (``dps`` None) or mpmath at ``dps`` digits: conversion of vectors and scalars,
    the square root, and the precision context each step runs in."""

    def __init__(self, dps: int | None):
        if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or dps < 1):
            raise ValueError(f"dps must be None (float64) or an integer >= 1, got {dps!r}")
        self.dps = dps

    def context(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext() if self.dps is None else mpmath.workdps(self.dps)

    def vec(self, x: ArrayLike, name: str) -> Vector:
        if self.dps is None:
            a = np.array(x, dtype=np.float64)
            finite = bool(np.all(np.isfinite(a)))
        else:
            raw = np.array(x, dtype=object)
            a = np.empty(raw.shape, dtype=object)
            for i, v in np.ndenumerate(raw):
                a[i] = mpmath.mpf(v)
            finite = all(mpmath.isfinite(v) for v in a.flat)
        if a.ndim != 1:
            raise ValueError(f"{name} must be a vector, got shape {a.shape}")
        if not finite:
            raise ValueError(f"{name} must be finite, got {a!r}")
        return a

    def scalar(self, x: float) -> Any:
        return x if self.dps is None else mpmath.mpf(x)

    def sqrt(self, a: Vector) -> Vector:
        if self.dps is None:
            return np.sqrt(a)
        out = np.empty(a.shape, dtype=object)
        for i, v in np.ndenumerate(a):
            out[i] = mpmath.sqrt(v)
        return out

    def zeros(self, n: int) -> Vector:
        return self.vec(np.zeros(n), "zeros")


_FLOAT64 = _Arithmetic(None)


def _arith(dps: int | None) -> _Arithmetic:
    return _FLOAT64 if dps is None else _Arithmetic(dps)


def _vec(x: ArrayLike, name: str) -> Vector:
    return _FLOAT64.vec(x, name)


def _check_alpha(alpha: float) -> float:
    a = float(alpha)
    if not math.isfinite(a) or a <= 0:
        raise ValueError(f"step size alpha must be a finite number > 0, got {alpha!r}")
    return a


def _check_rate(value: float, name: str) -> float:
    b = float(value)
    if not math.isfinite(b) or not 0 <= b < 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return b


def _check_eps(eps: float) -> float:
    e = float(eps)
    if not math.isfinite(e) or e < 0:
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return e


def _adaptive_denominator(s: Vector, eps: Any, ar: _Arithmetic) -> Vector:
    d = ar.sqrt(s) + eps
    if np.any(d == 0):
        raise ValueError(
            "eps = 0 and a coordinate with no accumulated squared gradient: the adaptive step "
            "g/(sqrt(v) + eps) is 0/0 there; use eps > 0"
        )
    return d


def quadratic_gradient(A: ArrayLike, b: ArrayLike, dps: int | None = None) -> Gradient:
    r"""The gradient :math:`\nabla J(\mathbf w) = \mathbf A\mathbf w + \mathbf b` of the
    ½-scale quadratic :math:`J = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf
    b^\top\mathbf w` (001 eq 9), in float64 or, with ``dps``, in mpmath (A and b converted
    exactly)."""
    ar = _arith(dps)
    with ar.context():
        bv = ar.vec(b, "b")
        Am = np.array([ar.vec(row, "A row") for row in np.atleast_2d(np.asarray(A, dtype=float))])
    if Am.shape != (len(bv), len(bv)):
        raise ValueError(f"A must be {len(bv)}x{len(bv)} to match b, got shape {Am.shape}")

    def grad(w: Vector) -> Vector:
        with ar.context():
            return Am @ ar.vec(w, "w") + bv

    return grad


# ---------------------------------------------------------------- steps


def gd_step(w: ArrayLike, g: ArrayLike, alpha: float, *, dps: int | None = None) -> Vector:
    r"""One gradient-descent step :math:`w \leftarrow w - \alpha g` (003's
    :math:`W_{new} = W_{old} - \varepsilon\nabla_W f(W)`, 001 §2 with :math:`\alpha`)."""
    ar = _arith(dps)
    a = _check_alpha(alpha)
    with ar.context():
        return ar.vec(w, "w") - ar.scalar(a) * ar.vec(g, "g")


def heavy_ball_step(
    w: ArrayLike,
    w_prev: ArrayLike,
    g: ArrayLike,
    alpha: float,
    beta: float,
    *,
    dps: int | None = None,
) -> Vector:
    r"""One heavy-ball (Polyak) step :math:`w^{(k+1)} = w^{(k)} - \alpha g + \beta(w^{(k)} -
    w^{(k-1)})`, with :math:`g = \nabla J(w^{(k)})` (MATH.md, momentum; 003 "momentum
    methods")."""
    ar = _arith(dps)
    a, b = _check_alpha(alpha), _check_rate(beta, "beta")
    with ar.context():
        wk = ar.vec(w, "w")
        return wk - ar.scalar(a) * ar.vec(g, "g") + ar.scalar(b) * (wk - ar.vec(w_prev, "w_prev"))


def nesterov_step(
    w: ArrayLike,
    w_prev: ArrayLike,
    grad: Gradient,
    alpha: float,
    beta: float,
    *,
    dps: int | None = None,
) -> Vector:
    r"""One Nesterov step :math:`y = w^{(k)} + \beta(w^{(k)} - w^{(k-1)})`, :math:`w^{(k+1)} =
    y - \alpha\nabla J(y)` (MATH.md, momentum).  ``grad`` is the gradient function, since it
    is evaluated at the look-ahead point :math:`y`."""
    ar = _arith(dps)
    a, b = _check_alpha(alpha), _check_rate(beta, "beta")
    with ar.context():
        wk = ar.vec(w, "w")
        y = wk + ar.scalar(b) * (wk - ar.vec(w_prev, "w_prev"))
    g = grad(y)
    with ar.context():
        return y - ar.scalar(a) * ar.vec(g, "grad(y)")


def adagrad_step(
    w: ArrayLike,
    G: ArrayLike,
    g: ArrayLike,
    alpha: float,
    eps: float = 1e-8,
    *,
    dps: int | None = None,
) -> tuple[Vector, Vector]:
    r"""One AdaGrad step (Duchi, Hazan, Singer 2011; named on 003's "Adaptive methods" slide:
    "adapts based on cumulative gradient info"), coordinatewise:

    .. math:: G \leftarrow G + g^2, \qquad w \leftarrow w - \alpha\,\frac{g}{\sqrt G +
        \varepsilon}.

    Returns ``(w, G)``."""
    ar = _arith(dps)
    a, e = _check_alpha(alpha), _check_eps(eps)
    with ar.context():
        gv = ar.vec(g, "g")
        G_new = ar.vec(G, "G") + gv * gv
        d = _adaptive_denominator(G_new, ar.scalar(e), ar)
        return ar.vec(w, "w") - ar.scalar(a) * gv / d, G_new


def rmsprop_step(
    w: ArrayLike,
    v: ArrayLike,
    g: ArrayLike,
    alpha: float,
    rho: float = 0.9,
    eps: float = 1e-8,
    *,
    dps: int | None = None,
) -> tuple[Vector, Vector]:
    r"""One RMSprop step (Tieleman and Hinton 2012; 003's slide: "uses moving average of
    squared gradients"), coordinatewise:

    .. math:: v \leftarrow \rho v + (1-\rho) g^2, \qquad w \leftarrow w - \alpha\,
        \frac{g}{\sqrt v + \varepsilon}.

    Returns ``(w, v)``."""
    ar = _arith(dps)
    a, r, e = _check_alpha(alpha), _check_rate(rho, "rho"), _check_eps(eps)
    with ar.context():
        gv = ar.vec(g, "g")
        rm = ar.scalar(r)
        v_new = rm * ar.vec(v, "v") + (1 - rm) * gv * gv
        d = _adaptive_denominator(v_new, ar.scalar(e), ar)
        return ar.vec(w, "w") - ar.scalar(a) * gv / d, v_new


class AdamState(NamedTuple):
    """Adam's state after ``t`` steps: first moment ``m``, second moment ``v``."""

    m: Vector
    v: Vector
    t: int


def adam_step(
    w: ArrayLike,
    state: AdamState,
    g: ArrayLike,
    alpha: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    *,
    dps: int | None = None,
) -> tuple[Vector, AdamState]:
    r"""One Adam step with bias correction (Kingma and Ba 2015, Algorithm 1; 003's slide:
    "adapts learning rate per parameter based on gradient history"), coordinatewise, with
    :math:`t` the step number after the increment:

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \hat m = \frac{m}{1-\beta_1^t},\quad \hat v = \frac{v}{1-\beta_2^t},\quad
        w \leftarrow w - \alpha\,\frac{\hat m}{\sqrt{\hat v} + \varepsilon}.

    Returns ``(w, AdamState(m, v, t))``."""
    ar = _arith(dps)
    b1 = _check_rate(beta1, "beta1")
    b2 = _check_rate(beta2, "beta2")
    e = _check_eps(eps)
    a = _check_alpha(alpha)
    if state.t < 0:
        raise ValueError(f"Adam step count t must be >= 0, got {state.t!r}")
    t = state.t + 1
    with ar.context():
        gv = ar.vec(g, "g")
        b1m, b2m = ar.scalar(b1), ar.scalar(b2)
        m = b1m * ar.vec(state.m, "m") + (1 - b1m) * gv
        v = b2m * ar.vec(state.v, "v") + (1 - b2m) * gv * gv
        m_hat = m / (1 - b1m**t)
        v_hat = v / (1 - b2m**t)
        d = _adaptive_denominator(v_hat, ar.scalar(e), ar)
        return ar.vec(w, "w") - ar.scalar(a) * m_hat / d, AdamState(m, v, t)


# ---------------------------------------------------------------- iterators


def gd(grad: Gradient, w0: ArrayLike, alpha: float, *, dps: int | None = None) -> Iterator[Vector]:
    r"""Yield :math:`w^{(0)}, w^{(1)}, \dots` of GD :math:`w^{(k+1)} = w^{(k)} - \alpha\nabla
    J(w^{(k)})` (:func:`gd_step`)."""
    _check_alpha(alpha)
    ar = _arith(dps)
    with ar.context():
        w = ar.vec(w0, "w0")
    while True:
        yield w
        w = gd_step(w, grad(w), alpha, dps=dps)


def heavy_ball(
    grad: Gradient, w0: ArrayLike, alpha: float, beta: float, *, dps: int | None = None
) -> Iterator[Vector]:
    r"""Yield the heavy-ball iterates (:func:`heavy_ball_step`), started at rest:
    :math:`w^{(-1)} = w^{(0)}`."""
    _check_alpha(alpha)
    _check_rate(beta, "beta")
    ar = _arith(dps)
    with ar.context():
        w = w_prev = ar.vec(w0, "w0")
    while True:
        yield w
        w, w_prev = heavy_ball_step(w, w_prev, grad(w), alpha, beta, dps=dps), w


def nesterov(
    grad: Gradient, w0: ArrayLike, alpha: float, beta: float, *, dps: int | None = None
) -> Iterator[Vector]:
    r"""Yield the Nesterov iterates (:func:`nesterov_step`), started at rest:
    :math:`w^{(-1)} = w^{(0)}`."""
    _check_alpha(alpha)
    _check_rate(beta, "beta")
    ar = _arith(dps)
    with ar.context():
        w = w_prev = ar.vec(w0, "w0")
    while True:
        yield w
        w, w_prev = nesterov_step(w, w_prev, grad, alpha, beta, dps=dps), w


def adagrad(
    grad: Gradient, w0: ArrayLike, alpha: float, eps: float = 1e-8, *, dps: int | None = None
) -> Iterator[Vector]:
    r"""Yield the AdaGrad iterates (:func:`adagrad_step`) from :math:`G = 0`."""
    _check_alpha(alpha)
    _check_eps(eps)
    ar = _arith(dps)
    with ar.context():
        w = ar.vec(w0, "w0")
        G = ar.zeros(len(w))
    while True:
        yield w
        w, G = adagrad_step(w, G, grad(w), alpha, eps, dps=dps)


def rmsprop(
    grad: Gradient,
    w0: ArrayLike,
    alpha: float,
    rho: float = 0.9,
    eps: float = 1e-8,
    *,
    dps: int | None = None,
) -> Iterator[Vector]:
    r"""Yield the RMSprop iterates (:func:`rmsprop_step`) from :math:`v = 0`."""
    _check_alpha(alpha)
    _check_rate(rho, "rho")
    _check_eps(eps)
    ar = _arith(dps)
    with ar.context():
        w = ar.vec(w0, "w0")
        v = ar.zeros(len(w))
    while True:
        yield w
        w, v = rmsprop_step(w, v, grad(w), alpha, rho, eps, dps=dps)


def adam(
    grad: Gradient,
    w0: ArrayLike,
    alpha: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    *,
    dps: int | None = None,
) -> Iterator[Vector]:
    r"""Yield the Adam iterates (:func:`adam_step`) from :math:`m = v = 0`, :math:`t = 0`."""
    _check_alpha(alpha)
    _check_rate(beta1, "beta1")
    _check_rate(beta2, "beta2")
    _check_eps(eps)
    ar = _arith(dps)
    with ar.context():
        w = ar.vec(w0, "w0")
        state = AdamState(ar.zeros(len(w)), ar.zeros(len(w)), 0)
    while True:
        yield w
        w, state = adam_step(w, state, grad(w), alpha, beta1, beta2, eps, dps=dps)


class Backtracking(NamedTuple):
    """The outcome of :func:`backtracking`: the accepted step ``step``, the new point ``w``,
    and ``trials`` (how many trial steps were evaluated, the accepted one included)."""

    step: float
    w: Vector
    trials: int


def backtracking(
    f: Callable[[Vector], float],
    w: ArrayLike,
    g: ArrayLike,
    eps0: float = 1.0,
    factor: float = 0.5,
    c: float = 0.5,
    max_trials: int = 200,
) -> Backtracking:
    r"""Backtracking line search (003, "backtracking"; ``search.backtracking``): try
    :math:`\varepsilon = \varepsilon_0, \tau\varepsilon_0, \tau^2\varepsilon_0, \dots`
    (:math:`\tau` = ``factor``) and accept the first that satisfies Armijo's sufficient
    decrease

    .. math:: f(\mathbf w - \varepsilon\mathbf g) \le f(\mathbf w) - c\,\varepsilon\,
        \|\mathbf g\|^2,

    :math:`\mathbf g = \nabla f(\mathbf w)`.  For an M-smooth f with :math:`\tau = 1/2` the
    derivation proves the accepted step is :math:`\ge \min(\varepsilon_0, (1 - c)/M)` (for a
    general :math:`\tau`, :math:`\min(\varepsilon_0, 2\tau(1 - c)/M)`).  A trial whose value
    is not finite is rejected (never accepted through a NaN comparison).  Raises
    :class:`ValueError` for :math:`\varepsilon_0 \le 0`, :math:`\tau, c \notin (0, 1)`, or
    when ``max_trials`` trials all fail."""
    e = _check_alpha(eps0)
    tau, cc = float(factor), float(c)
    if not math.isfinite(tau) or not 0 < tau < 1:
        raise ValueError(f"factor must lie in (0, 1), got {factor!r}")
    if not math.isfinite(cc) or not 0 < cc < 1:
        raise ValueError(f"Armijo constant c must lie in (0, 1), got {c!r}")
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise ValueError(f"max_trials must be an integer >= 1, got {max_trials!r}")
    wv, gv = _vec(w, "w"), _vec(g, "g")
    f0 = float(f(wv))
    if not math.isfinite(f0):
        raise ValueError(f"f(w) must be finite, got {f0!r}")
    gg = float(gv @ gv)
    for trial in range(1, max_trials + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            new = wv - e * gv
            value = float(f(new))
        if value <= f0 - cc * e * gg:
            return Backtracking(e, new, trial)
        e *= tau
    raise ValueError(
        f"backtracking found no step satisfying Armijo in {max_trials} trials (last eps = "
        f"{e / tau:.3g}); is g the gradient of f at w?"
    )


_METHODS: dict[str, Callable[..., Iterator[Vector]]] = {
    "gd": gd,
    "heavy_ball": heavy_ball,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}

METHODS = tuple(_METHODS)
"""The method names :func:`run` accepts."""


def run(
    method: str,
    grad: Gradient,
    w0: ArrayLike,
    steps: int,
    *,
    dps: int | None = None,
    **params: Any,
) -> Vector:
    r"""The iterates :math:`w^{(0)},\dots,w^{(\text{steps})}` of ``method`` (one of ``gd``,
    ``heavy_ball``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``) as rows of an array of
    shape ``(steps + 1, D)``; ``params`` are the iterator's hyperparameters.  With ``dps`` the
    iteration runs in mpmath at ``dps`` digits (``grad`` must then accept ``mpf`` arrays, e.g.
    :func:`quadratic_gradient` with the same ``dps``) and the array holds ``mpf``.  A
    non-finite iterate raises :class:`ValueError` (never NaN passed off as an answer)."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {sorted(_METHODS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    it = _METHODS[method](grad, w0, dps=dps, **params)

    def finite(row: Vector) -> bool:
        if dps is None:
            return bool(np.all(np.isfinite(row)))
        return all(mpmath.isfinite(v) for v in row)

    diverged = ValueError(f"{method} diverged to a non-finite iterate within {steps} steps")
    rows: list[Vector] = []
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        for _ in range(steps + 1):
            try:
                rows.append(next(it))
            except ValueError:
                if rows and not finite(rows[-1]):
                    raise diverged from None
                raise
            if not finite(rows[-1]):
                raise diverged
    return np.array(rows) if dps is None else np.array(rows, dtype=object)
