"""Adaptive methods (AdaGrad, RMSprop, Adam) break the rotation invariance of gradient descent.

Sources: seed 003's slide "Adaptive methods automatically adjust :math:`\\varepsilon` during
training!" names Adam, RMSprop and AdaGrad (names only: the updates here are the standard
published ones); 001 §2.1 (eq 6-8) proves GD commutes with rigid maps
:math:`\\mathcal T(\\mathbf w) = \\mathbf Q^\\top(\\mathbf w - \\mathbf s)`, and 001 §2.3 warns
that one "can't assume diagonal A WLOG when analyzing an optimization algorithm based on
diagonal rescaling, such as RMSprop or Adam".

Per coordinate i, with gradient coordinate :math:`g_i` and state from the previous step:

- AdaGrad: :math:`G_i^+ = G_i + g_i^2`, :math:`w_i^+ = w_i - \\alpha g_i/(\\sqrt{G_i^+} +
  \\varepsilon)`;
- RMSprop: :math:`v_i^+ = \\rho v_i + (1-\\rho) g_i^2`, :math:`w_i^+ = w_i - \\alpha
  g_i/(\\sqrt{v_i^+} + \\varepsilon)`;
- Adam: :math:`m_i^+ = \\beta_1 m_i + (1-\\beta_1) g_i`, :math:`v_i^+ = \\beta_2 v_i +
  (1-\\beta_2) g_i^2`, :math:`w_i^+ = w_i - \\alpha\\,\\hat m_i/(\\sqrt{\\hat v_i} +
  \\varepsilon)` with :math:`\\hat m_i = m_i^+/(1-\\beta_1^t)`, :math:`\\hat v_i =
  v_i^+/(1-\\beta_2^t)`.

Proved: GD and heavy ball commute with :math:`\\mathcal T`.  Refuted (exact counterexamples):
the first AdaGrad, RMSprop and Adam step commutes with the rotation by the 3-4-5 angle.
Proved: with :math:`\\varepsilon = 0` each adaptive step is unchanged when the gradient (and so
the state) is rescaled coordinatewise by :math:`d_i > 0`; refuted for :math:`\\varepsilon \\ne 0`.
"""

from __future__ import annotations

import sympy as sp

from .derivation import Assumptions, Definition, Derivation, Identity, Refuted, Source, Step
from .notation import A, Q, alpha, eps, s, w
from .quadratic import gradient_expr

__all__ = ["rotation_invariance", "DERIVATIONS"]

SOURCE = "003_b986fbe0add72eb9.txt"

beta = sp.Symbol("beta", nonnegative=True)
beta1 = sp.Symbol("beta_1", nonnegative=True)
beta2 = sp.Symbol("beta_2", nonnegative=True)
rho = sp.Symbol("rho", nonnegative=True)
tstep = sp.Symbol("t", integer=True, positive=True)
g_i = sp.Symbol("g_i", real=True)
d_i = sp.Symbol("d_i", positive=True)
w_i = sp.Symbol("w_i", real=True)
G_i = sp.Symbol("G_i", nonnegative=True)
v_i = sp.Symbol("v_i", nonnegative=True)
m_i = sp.Symbol("m_i", real=True)
G_new = sp.Symbol("G_i^+", nonnegative=True)
v_new = sp.Symbol("v_i^+", nonnegative=True)
m_new = sp.Symbol("m_i^+", real=True)
w_new = sp.Symbol("w_i^+", real=True)

# the rotation by the 3-4-5 angle (cos = 3/5, sin = 4/5): exact, with rational entries
Q345 = sp.Matrix([[sp.Rational(3, 5), sp.Rational(-4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
g1, g2 = sp.symbols("g_1 g_2", real=True)
gvec = sp.Matrix([g1, g2])


def _coordinatewise(f: object, g: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([f(g[0]), f(g[1])])  # type: ignore[operator]


def _adagrad_first(x: sp.Expr) -> sp.Expr:
    """AdaGrad's first step direction from G = 0: g/(sqrt(g^2) + eps)."""
    return x / (sp.sqrt(x**2) + eps)


def _rmsprop_first(x: sp.Expr) -> sp.Expr:
    """RMSprop's first step direction from v = 0: g/(sqrt((1 - rho) g^2) + eps)."""
    return x / (sp.sqrt((1 - rho) * x**2) + eps)


def _adam_first(x: sp.Expr) -> sp.Expr:
    """Adam's first step direction (t = 1, m = v = 0), bias-corrected."""
    m_hat = sp.Mul((1 - beta1) * x, sp.Pow(1 - beta1, -1), evaluate=False)
    v_hat = sp.Mul((1 - beta2) * x**2, sp.Pow(1 - beta2, -1), evaluate=False)
    return m_hat / (sp.sqrt(v_hat) + eps)


def _rates() -> tuple[sp.Basic, ...]:
    return (beta1 < 1, beta2 < 1, rho < 1, eps >= 0)


def rotation_invariance() -> Derivation:
    """``adaptive.rotation_invariance``: GD and heavy ball commute with rigid maps
    :math:`\\mathbf w \\mapsto \\mathbf Q^\\top(\\mathbf w - \\mathbf s)` (001 eq 6-8); one
    AdaGrad/RMSprop/Adam step (003's adaptive-methods slide) does not (exact counterexample at
    the 3-4-5 rotation), and with :math:`\\varepsilon = 0` each is invariant to rescaling the
    gradient coordinatewise, :math:`g_i \\mapsto d_i g_i`, :math:`d_i > 0`."""
    wt = sp.MatrixSymbol("w~", *w.shape)
    wp = sp.MatrixSymbol("w^(k-1)", *w.shape)
    wtp = sp.MatrixSymbol("w~^(k-1)", *w.shape)
    grad_tilde = Q.T * gradient_expr(Q * wt + s)
    coords = Assumptions(definitions={wt: Q.T * (w - s)})
    coords_hb = Assumptions(definitions={wt: Q.T * (w - s), wtp: Q.T * (wp - s)})
    rates = Assumptions(conditions=_rates())
    definitions = [
        Step(Definition(G_new, G_i + g_i**2), "AdaGrad accumulates squared gradients"),
        Step(
            Definition(w_new, w_i - alpha * g_i / (sp.sqrt(G_new) + eps)),
            "AdaGrad's step (003: adapts based on cumulative gradient info)",
        ),
        Step(
            Definition(v_new, rho * v_i + (1 - rho) * g_i**2),
            "RMSprop's moving average of squared gradients, $0 \\le \\rho < 1$",
        ),
        Step(
            Definition(w_new, w_i - alpha * g_i / (sp.sqrt(v_new) + eps)),
            "RMSprop's step (003: uses moving average of squared gradients)",
        ),
        Step(
            Definition(m_new, beta1 * m_i + (1 - beta1) * g_i),
            "Adam's first moment, $0 \\le \\beta_1 < 1$",
        ),
        Step(
            Definition(v_new, beta2 * v_i + (1 - beta2) * g_i**2),
            "Adam's second moment, $0 \\le \\beta_2 < 1$",
        ),
        Step(
            Definition(
                w_new,
                w_i
                - alpha
                * (m_new / (1 - beta1**tstep))
                / (sp.sqrt(v_new / (1 - beta2**tstep)) + eps),
            ),
            "Adam's step with bias correction at step $t$ (003: adapts learning rate per "
            "parameter based on gradient history)",
        ),
    ]
    invariant = [
        Step(
            Identity(wt - alpha * grad_tilde, Q.T * (w - alpha * gradient_expr(w) - s)),
            "GD commutes with $\\mathcal{T}$ (as in gd.rigid_invariance): a step on $\\tilde J$ "
            "from $\\mathcal{T}(w)$ lands on $\\mathcal{T}$ of the step from $w$",
            given=coords,
            label="gd",
        ),
        Step(
            Identity(
                wt - alpha * grad_tilde + beta * (wt - wtp),
                Q.T * (w - alpha * gradient_expr(w) + beta * (w - wp) - s),
            ),
            "heavy ball commutes with $\\mathcal{T}$ too: the momentum term $\\beta(w - "
            "w^{(k-1)})$ is a difference of points, which $\\mathcal{T}$ maps linearly",
            given=coords_hb,
            label="heavy_ball",
        ),
    ]
    not_invariant = [
        Step(
            Refuted(Q345 * _coordinatewise(f, Q345.T * gvec), _coordinatewise(f, gvec)),
            f"the first {name} step does not commute with the rotation by the 3-4-5 angle: "
            "rotating the gradient, stepping coordinatewise and rotating back differs from "
            "stepping (001 §2.3: methods based on diagonal rescaling)",
            given=rates,
            label=f"{name.lower()}_rotation",
        )
        for name, f in (
            ("AdaGrad", _adagrad_first),
            ("RMSprop", _rmsprop_first),
            ("Adam", _adam_first),
        )
    ]
    scaled = d_i * g_i
    zero_eps = {eps: 0}
    adagrad_dir = g_i / (sp.sqrt(G_i + g_i**2) + eps)
    adagrad_scaled = scaled / (sp.sqrt(d_i**2 * G_i + scaled**2) + eps)
    rms_dir = g_i / (sp.sqrt(rho * v_i + (1 - rho) * g_i**2) + eps)
    rms_scaled = scaled / (sp.sqrt(rho * d_i**2 * v_i + (1 - rho) * scaled**2) + eps)
    adam_dir = ((beta1 * m_i + (1 - beta1) * g_i) / (1 - beta1**tstep)) / (
        sp.sqrt((beta2 * v_i + (1 - beta2) * g_i**2) / (1 - beta2**tstep)) + eps
    )
    adam_scaled = ((beta1 * d_i * m_i + (1 - beta1) * scaled) / (1 - beta1**tstep)) / (
        sp.sqrt((beta2 * d_i**2 * v_i + (1 - beta2) * scaled**2) / (1 - beta2**tstep)) + eps
    )
    positive = Assumptions(
        conditions=(*_rates(), G_i + g_i**2 > 0, v_i + g_i**2 > 0),
        text=("the accumulated squares are positive, so the steps are defined at $\\epsilon = 0$",),
    )
    scale = [
        Step(
            Identity(adagrad_scaled.subs(zero_eps), adagrad_dir.subs(zero_eps)),
            "with $\\epsilon = 0$ AdaGrad's step is unchanged when the gradient is scaled by "
            "$d_i > 0$ (its accumulator then scales by $d_i^2$)",
            given=positive,
            label="adagrad_scale",
        ),
        Step(
            Identity(rms_scaled.subs(zero_eps), rms_dir.subs(zero_eps)),
            "the same for RMSprop (its average scales by $d_i^2$)",
            given=positive,
            label="rmsprop_scale",
        ),
        Step(
            Identity(adam_scaled.subs(zero_eps), adam_dir.subs(zero_eps)),
            "the same for Adam (first moment scales by $d_i$, second by $d_i^2$)",
            given=positive,
            label="adam_scale",
        ),
        Step(
            Refuted(adam_scaled, adam_dir),
            "with $\\epsilon > 0$ the invariance is only approximate: the rescaled step differs",
            given=positive,
            label="adam_scale_eps",
        ),
        Step(
            Refuted(adagrad_scaled, adagrad_dir),
            "the same for AdaGrad",
            given=positive,
            label="adagrad_scale_eps",
        ),
    ]
    steps = definitions + invariant + not_invariant + scale
    return Derivation(
        id="adaptive.rotation_invariance",
        title="Adaptive methods are not rotation invariant",
        source=Source(SOURCE, "adaptive methods slide; 001 §2.1 eq 6-8, §2.3"),
        assumptions=Assumptions(
            matrices={Q: "orthogonal", A: "symmetric"},
            text=("$Q$ orthogonal, $s$ any shift, $A$ symmetric; decay rates in $[0, 1)$",),
        ),
        steps=steps,
        result=invariant[1].claim,
        summary=(
            "Gradient descent and heavy-ball momentum commute with rotations; one AdaGrad, "
            "RMSprop or Adam step does not, and with epsilon = 0 those are invariant to a "
            "coordinatewise rescaling of the gradient instead."
        ),
    )


DERIVATIONS = [rotation_invariance]
