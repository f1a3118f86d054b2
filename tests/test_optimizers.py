"""The float64 optimizers of gdflow.checks.optimizers: first steps against exact values,
rotation (non-)invariance on a rotated quadratic (001 §2.3), optax agreement when installed."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from gdflow.checks import optimizers as opt

# a fixed non-diagonal SPD quadratic J(w) = w^T A w / 2 + b^T w
A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([-1.0, 0.5])
W0 = np.array([1.0, -2.0])


def grad(w: np.ndarray) -> np.ndarray:
    return A @ w + B


def test_gd_and_heavy_ball_first_steps_exact() -> None:
    # w1 = w0 - a (A w0 + b); heavy ball at rest: the same; w2 adds beta (w1 - w0)
    a, beta = Fraction(1, 10), Fraction(1, 2)
    Af = [[Fraction(3), Fraction(1)], [Fraction(1), Fraction(2)]]
    bf = [Fraction(-1), Fraction(1, 2)]

    def g(w: list[Fraction]) -> list[Fraction]:
        return [Af[i][0] * w[0] + Af[i][1] * w[1] + bf[i] for i in range(2)]

    w0 = [Fraction(1), Fraction(-2)]
    w1 = [w0[i] - a * g(w0)[i] for i in range(2)]
    w2_gd = [w1[i] - a * g(w1)[i] for i in range(2)]
    w2_hb = [w1[i] - a * g(w1)[i] + beta * (w1[i] - w0[i]) for i in range(2)]
    y = [w1[i] + beta * (w1[i] - w0[i]) for i in range(2)]
    w2_nes = [y[i] - a * g(y)[i] for i in range(2)]
    assert w1 == [Fraction(1), Fraction(-7, 4)]  # g(w0) = (0, -5/2)
    np.testing.assert_allclose(opt.run("gd", grad, W0, 2, alpha=0.1)[2], [float(x) for x in w2_gd])
    hb = opt.run("heavy_ball", grad, W0, 2, alpha=0.1, beta=0.5)
    np.testing.assert_allclose(hb[1], [float(x) for x in w1], rtol=1e-15)
    np.testing.assert_allclose(hb[2], [float(x) for x in w2_hb], rtol=1e-15)
    nes = opt.run("nesterov", grad, W0, 2, alpha=0.1, beta=0.5)
    np.testing.assert_allclose(nes[2], [float(x) for x in w2_nes], rtol=1e-15)
    assert not np.allclose(hb[2], nes[2])


def _exact_adaptive(method: str, steps: int, **p: str) -> list[list[mpmath.mpf]]:
    """The same updates in 50-digit mpmath, written out independently."""
    with mpmath.workdps(50):
        P = {k: mpmath.mpf(v) for k, v in p.items()}
        Am = [[mpmath.mpf(3), mpmath.mpf(1)], [mpmath.mpf(1), mpmath.mpf(2)]]
        bm = [mpmath.mpf(-1), mpmath.mpf("0.5")]
        w = [mpmath.mpf(1), mpmath.mpf(-2)]
        s = [mpmath.mpf(0)] * 2
        m = [mpmath.mpf(0)] * 2
        out = [list(w)]
        for t in range(1, steps + 1):
            g = [Am[i][0] * w[0] + Am[i][1] * w[1] + bm[i] for i in range(2)]
            new = []
            for i in range(2):
                if method == "adagrad":
                    s[i] = s[i] + g[i] ** 2
                    new.append(w[i] - P["alpha"] * g[i] / (mpmath.sqrt(s[i]) + P["eps"]))
                elif method == "rmsprop":
                    s[i] = P["rho"] * s[i] + (1 - P["rho"]) * g[i] ** 2
                    new.append(w[i] - P["alpha"] * g[i] / (mpmath.sqrt(s[i]) + P["eps"]))
                else:
                    m[i] = P["beta1"] * m[i] + (1 - P["beta1"]) * g[i]
                    s[i] = P["beta2"] * s[i] + (1 - P["beta2"]) * g[i] ** 2
                    mh = m[i] / (1 - P["beta1"] ** t)
                    vh = s[i] / (1 - P["beta2"] ** t)
                    new.append(w[i] - P["alpha"] * mh / (mpmath.sqrt(vh) + P["eps"]))
            w = new
            out.append(list(w))
        return out


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("adagrad", {"alpha": "0.1", "eps": "1e-8"}),
        ("rmsprop", {"alpha": "0.01", "rho": "0.9", "eps": "1e-8"}),
        ("adam", {"alpha": "0.001", "beta1": "0.9", "beta2": "0.999", "eps": "1e-8"}),
    ],
)
def test_adaptive_first_steps_against_mpmath(method: str, params: dict[str, str]) -> None:
    exact = _exact_adaptive(method, 3, **params)
    got = opt.run(method, grad, W0, 3, **{k: float(v) for k, v in params.items()})
    for k in range(4):
        np.testing.assert_allclose(got[k], [float(x) for x in exact[k]], rtol=1e-14, atol=0)


def test_adaptive_first_step_by_hand() -> None:
    # g0 = A w0 + b = (0, -2.5).  AdaGrad, eps = 0 would be 0/0 in coordinate 1: error.
    with pytest.raises(ValueError, match="eps"):
        opt.adagrad_step(W0, np.zeros(2), grad(W0), 0.1, eps=0.0)
    # g = (3, -4): AdaGrad's first step is -alpha sign(g) when eps = 0; Adam's too
    g = np.array([3.0, -4.0])
    w, G = opt.adagrad_step([0.0, 0.0], [0.0, 0.0], g, 0.5, eps=0.0)
    assert w.tolist() == [-0.5, 0.5] and G.tolist() == [9.0, 16.0]
    w, st = opt.adam_step([0.0, 0.0], opt.AdamState(np.zeros(2), np.zeros(2), 0), g, 0.5, eps=0.0)
    np.testing.assert_allclose(w, [-0.5, 0.5], rtol=1e-15)
    assert st.t == 1
    np.testing.assert_allclose(st.m, [0.3, -0.4], rtol=1e-15)
    # RMSprop rho = 3/4: v = g^2/4, step g/(|g|/2) = 2 sign(g)
    w, v = opt.rmsprop_step([0.0, 0.0], [0.0, 0.0], g, 0.5, rho=0.75, eps=0.0)
    assert w.tolist() == [-1.0, 1.0] and v.tolist() == [2.25, 4.0]


def _rotation(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


# w = Q w~: the rotated problem is J~(w~) = J(Q w~), gradient Q^T grad(Q w~), start Q^T w0
ROTATION_CASES = [
    ("gd", {"alpha": 0.1}, False),
    ("heavy_ball", {"alpha": 0.1, "beta": 0.5}, False),
    ("nesterov", {"alpha": 0.1, "beta": 0.5}, False),
    ("adagrad", {"alpha": 0.1}, True),
    ("rmsprop", {"alpha": 0.01}, True),
    ("adam", {"alpha": 0.1}, True),
]


def rotation_gap(method: str, params: dict[str, float], theta: float = 0.7) -> float:
    """‖w₅₀ − Q w̃₅₀‖ on the quadratic and its rotation by theta."""
    Q = _rotation(theta)
    w = opt.run(method, grad, W0, 50, **params)[-1]
    wt = opt.run(method, lambda u: Q.T @ grad(Q @ u), Q.T @ W0, 50, **params)[-1]
    return float(np.linalg.norm(w - Q @ wt))


@pytest.mark.parametrize(("method", "params", "adaptive"), ROTATION_CASES)
def test_rotation_invariance(method: str, params: dict[str, float], adaptive: bool) -> None:
    gap = rotation_gap(method, params)
    if adaptive:
        assert gap > 1e-3, (method, gap)
    else:
        assert gap < 1e-13, (method, gap)


@pytest.mark.parametrize("method", ["adagrad", "rmsprop", "adam"])
def test_adaptive_methods_invariant_to_diagonal_rescaling(method: str) -> None:
    # with eps = 0 one step g/sqrt(v) is unchanged when the gradient is scaled coordinatewise
    # by a positive diagonal D (the gradient of the u-problem under w = D u is D grad); eps > 0
    # breaks it
    d = np.array([2.0, 0.25])
    g = grad(np.array([1.0, 1.0]))  # (3, 2.5), nonzero in both coordinates
    params = {"adagrad": {}, "rmsprop": {"rho": 0.9}, "adam": {}}[method]
    zero = np.zeros(2)
    if method == "adam":
        s0 = opt.AdamState(zero, zero, 0)
        w1, _ = opt.adam_step(zero, s0, g, 1.0, eps=0.0)
        w2, _ = opt.adam_step(zero, s0, d * g, 1.0, eps=0.0)
        w3, _ = opt.adam_step(zero, s0, d * g, 1.0, eps=0.5)
    else:
        step = opt.adagrad_step if method == "adagrad" else opt.rmsprop_step
        w1, _ = step(zero, zero, g, 1.0, eps=0.0, **params)
        w2, _ = step(zero, zero, d * g, 1.0, eps=0.0, **params)
        w3, _ = step(zero, zero, d * g, 1.0, eps=0.5, **params)
    np.testing.assert_allclose(w1, w2, rtol=1e-15)
    assert not np.allclose(w1, w3)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: opt.gd_step([0.0], [1.0], 0.0), "alpha"),
        (lambda: opt.gd_step([0.0], [1.0], -1.0), "alpha"),
        (lambda: opt.gd_step([0.0], [1.0], float("nan")), "alpha"),
        (lambda: opt.heavy_ball_step([0.0], [0.0], [1.0], 0.1, 1.0), "beta"),
        (lambda: opt.heavy_ball_step([0.0], [0.0], [1.0], 0.1, -0.1), "beta"),
        (lambda: opt.rmsprop_step([0.0], [0.0], [1.0], 0.1, rho=1.0), "rho"),
        (lambda: opt.adagrad_step([0.0], [0.0], [1.0], 0.1, eps=-1e-8), "eps"),
        (lambda: next(opt.adam(grad, W0, 0.1, beta1=1.0)), "beta1"),
        (lambda: next(opt.adam(grad, W0, 0.1, beta2=1.5)), "beta2"),
        (lambda: opt.run("sgd", grad, W0, 3, alpha=0.1), "sgd"),
        (lambda: opt.run("gd", grad, W0, -1, alpha=0.1), "steps"),
        (lambda: opt.gd_step([[0.0]], [1.0], 0.1), "w"),
    ],
)
def test_bad_hyperparameters_named(call: object, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()  # type: ignore[operator]


def test_divergence_is_an_error_not_nan() -> None:
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match="finite"):
        opt.run("gd", grad, W0, 2000, alpha=1.0)


@pytest.mark.parametrize("method", ["adagrad", "rmsprop", "adam"])
def test_agrees_with_optax(method: str) -> None:
    optax = pytest.importorskip("optax")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    # optax puts eps inside the square root for RMSprop and AdaGrad: compare at eps = 0, from a
    # start whose gradient (1/2, -5/2) has no zero coordinate (W0's first one is 0: 0/0 at eps = 0)
    start = np.array([1.5, -2.0])
    if method == "adam":
        tx = optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8)
        params = {"alpha": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    elif method == "rmsprop":
        tx = optax.rmsprop(0.01, decay=0.9, eps=0.0)
        params = {"alpha": 0.01, "rho": 0.9, "eps": 0.0}
    else:
        tx = optax.adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)
        params = {"alpha": 0.1, "eps": 0.0}
    ours = opt.run(method, grad, start, 20, **params)
    w = jnp.asarray(start, dtype=jnp.float64)
    state = tx.init(w)
    for k in range(1, 21):
        updates, state = tx.update(jnp.asarray(grad(np.asarray(w))), state, w)
        w = optax.apply_updates(w, updates)
        np.testing.assert_allclose(np.asarray(w), ours[k], rtol=0, atol=1e-12)
