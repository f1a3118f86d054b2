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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Vector = NDArray[np.float64]
Gradient = Callable[[Vector], ArrayLike]

__all__ = [
    "AdamState",
    "adagrad",
    "adagrad_step",
    "adam",
    "adam_step",
    "gd",
    "gd_step",
    "heavy_ball",
    "heavy_ball_step",
    "nesterov",
    "nesterov_step",
    "rmsprop",
    "rmsprop_step",
    "run",
]


def _vec(x: ArrayLike, name: str) -> Vector:
    a = np.array(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {a!r}")
    return a


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


def _adaptive_denominator(s: Vector, eps: float) -> Vector:
    d = np.sqrt(s) + eps
    if np.any(d == 0):
        raise ValueError(
            "eps = 0 and a coordinate with no accumulated squared gradient: the adaptive step "
            "g/(sqrt(v) + eps) is 0/0 there; use eps > 0"
        )
    return d


# ---------------------------------------------------------------- steps


def gd_step(w: ArrayLike, g: ArrayLike, alpha: float) -> Vector:
    r"""One gradient-descent step :math:`w \leftarrow w - \alpha g` (003's
    :math:`W_{new} = W_{old} - \varepsilon\nabla_W f(W)`, 001 §2 with :math:`\alpha`)."""
    return _vec(w, "w") - _check_alpha(alpha) * _vec(g, "g")


def heavy_ball_step(
    w: ArrayLike, w_prev: ArrayLike, g: ArrayLike, alpha: float, beta: float
) -> Vector:
    r"""One heavy-ball (Polyak) step :math:`w^{(k+1)} = w^{(k)} - \alpha g + \beta(w^{(k)} -
    w^{(k-1)})`, with :math:`g = \nabla J(w^{(k)})` (MATH.md, momentum; 003 "momentum
    methods")."""
    wk = _vec(w, "w")
    return (
        wk
        - _check_alpha(alpha) * _vec(g, "g")
        + _check_rate(beta, "beta") * (wk - _vec(w_prev, "w_prev"))
    )


def nesterov_step(
    w: ArrayLike, w_prev: ArrayLike, grad: Gradient, alpha: float, beta: float
) -> Vector:
    r"""One Nesterov step :math:`y = w^{(k)} + \beta(w^{(k)} - w^{(k-1)})`, :math:`w^{(k+1)} =
    y - \alpha\nabla J(y)` (MATH.md, momentum).  ``grad`` is the gradient function, since it
    is evaluated at the look-ahead point :math:`y`."""
    wk = _vec(w, "w")
    a = _check_alpha(alpha)
    y = wk + _check_rate(beta, "beta") * (wk - _vec(w_prev, "w_prev"))
    return y - a * _vec(grad(y), "grad(y)")


def adagrad_step(
    w: ArrayLike, G: ArrayLike, g: ArrayLike, alpha: float, eps: float = 1e-8
) -> tuple[Vector, Vector]:
    r"""One AdaGrad step (Duchi, Hazan, Singer 2011; named on 003's "Adaptive methods" slide:
    "adapts based on cumulative gradient info"), coordinatewise:

    .. math:: G \leftarrow G + g^2, \qquad w \leftarrow w - \alpha\,\frac{g}{\sqrt G +
        \varepsilon}.

    Returns ``(w, G)``."""
    gv = _vec(g, "g")
    G_new = _vec(G, "G") + gv * gv
    d = _adaptive_denominator(G_new, _check_eps(eps))
    return _vec(w, "w") - _check_alpha(alpha) * gv / d, G_new


def rmsprop_step(
    w: ArrayLike,
    v: ArrayLike,
    g: ArrayLike,
    alpha: float,
    rho: float = 0.9,
    eps: float = 1e-8,
) -> tuple[Vector, Vector]:
    r"""One RMSprop step (Tieleman and Hinton 2012; 003's slide: "uses moving average of
    squared gradients"), coordinatewise:

    .. math:: v \leftarrow \rho v + (1-\rho) g^2, \qquad w \leftarrow w - \alpha\,
        \frac{g}{\sqrt v + \varepsilon}.

    Returns ``(w, v)``."""
    gv = _vec(g, "g")
    r = _check_rate(rho, "rho")
    v_new = r * _vec(v, "v") + (1 - r) * gv * gv
    d = _adaptive_denominator(v_new, _check_eps(eps))
    return _vec(w, "w") - _check_alpha(alpha) * gv / d, v_new


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
    gv = _vec(g, "g")
    b1 = _check_rate(beta1, "beta1")
    b2 = _check_rate(beta2, "beta2")
    e = _check_eps(eps)
    a = _check_alpha(alpha)
    if state.t < 0:
        raise ValueError(f"Adam step count t must be >= 0, got {state.t!r}")
    t = state.t + 1
    m = b1 * _vec(state.m, "m") + (1 - b1) * gv
    v = b2 * _vec(state.v, "v") + (1 - b2) * gv * gv
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    d = _adaptive_denominator(v_hat, e)
    return _vec(w, "w") - a * m_hat / d, AdamState(m, v, t)


# ---------------------------------------------------------------- iterators


def gd(grad: Gradient, w0: ArrayLike, alpha: float) -> Iterator[Vector]:
    r"""Yield :math:`w^{(0)}, w^{(1)}, \dots` of GD :math:`w^{(k+1)} = w^{(k)} - \alpha\nabla
    J(w^{(k)})` (:func:`gd_step`)."""
    _check_alpha(alpha)
    w = _vec(w0, "w0")
    while True:
        yield w
        w = gd_step(w, grad(w), alpha)


def heavy_ball(grad: Gradient, w0: ArrayLike, alpha: float, beta: float) -> Iterator[Vector]:
    r"""Yield the heavy-ball iterates (:func:`heavy_ball_step`), started at rest:
    :math:`w^{(-1)} = w^{(0)}`."""
    _check_alpha(alpha)
    _check_rate(beta, "beta")
    w = w_prev = _vec(w0, "w0")
    while True:
        yield w
        w, w_prev = heavy_ball_step(w, w_prev, grad(w), alpha, beta), w


def nesterov(grad: Gradient, w0: ArrayLike, alpha: float, beta: float) -> Iterator[Vector]:
    r"""Yield the Nesterov iterates (:func:`nesterov_step`), started at rest:
    :math:`w^{(-1)} = w^{(0)}`."""
    _check_alpha(alpha)
    _check_rate(beta, "beta")
    w = w_prev = _vec(w0, "w0")
    while True:
        yield w
        w, w_prev = nesterov_step(w, w_prev, grad, alpha, beta), w


def adagrad(grad: Gradient, w0: ArrayLike, alpha: float, eps: float = 1e-8) -> Iterator[Vector]:
    r"""Yield the AdaGrad iterates (:func:`adagrad_step`) from :math:`G = 0`."""
    _check_alpha(alpha)
    _check_eps(eps)
    w = _vec(w0, "w0")
    G = np.zeros_like(w)
    while True:
        yield w
        w, G = adagrad_step(w, G, grad(w), alpha, eps)


def rmsprop(
    grad: Gradient, w0: ArrayLike, alpha: float, rho: float = 0.9, eps: float = 1e-8
) -> Iterator[Vector]:
    r"""Yield the RMSprop iterates (:func:`rmsprop_step`) from :math:`v = 0`."""
    _check_alpha(alpha)
    _check_rate(rho, "rho")
    _check_eps(eps)
    w = _vec(w0, "w0")
    v = np.zeros_like(w)
    while True:
        yield w
        w, v = rmsprop_step(w, v, grad(w), alpha, rho, eps)


def adam(
    grad: Gradient,
    w0: ArrayLike,
    alpha: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Iterator[Vector]:
    r"""Yield the Adam iterates (:func:`adam_step`) from :math:`m = v = 0`, :math:`t = 0`."""
    _check_alpha(alpha)
    _check_rate(beta1, "beta1")
    _check_rate(beta2, "beta2")
    _check_eps(eps)
    w = _vec(w0, "w0")
    state = AdamState(np.zeros_like(w), np.zeros_like(w), 0)
    while True:
        yield w
        w, state = adam_step(w, state, grad(w), alpha, beta1, beta2, eps)


_METHODS: dict[str, Callable[..., Iterator[Vector]]] = {
    "gd": gd,
    "heavy_ball": heavy_ball,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}


def run(method: str, grad: Gradient, w0: ArrayLike, steps: int, **params: float) -> Vector:
    r"""The iterates :math:`w^{(0)},\dots,w^{(\text{steps})}` of ``method`` (one of ``gd``,
    ``heavy_ball``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``) as rows of an array of
    shape ``(steps + 1, D)``; ``params`` are the iterator's hyperparameters."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {sorted(_METHODS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    it = _METHODS[method](grad, w0, **params)
    rows = [next(it) for _ in range(steps + 1)]
    out = np.array(rows)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{method} diverged to a non-finite iterate within {steps} steps")
    return out
