"""Gradient flow on least squares: the ODE, its matrix-exponential solution, the GD limit.

Source: 000 ("Gradient descent and gradient flow", "Gradient flow for least squares loss",
"Parameter evolution", "Comparison to closed-form solution"; eq 5–7, 16–20 of the blog, whose
equations were lost in extraction and are restated in MATH.md).  Loss scale: the *sum* scale

.. math:: L(\\mathbf{w}) = \\tfrac12 \\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|^2,\\qquad
   \\nabla L(\\mathbf{w}) = \\mathbf{X}^\\top(\\mathbf{X}\\mathbf{w} - \\mathbf{y}),

rows of :math:`\\mathbf{X} \\in \\mathbb{R}^{N\\times D}` are data points.  With the mean scale
:math:`\\frac{1}{2N}\\|\\cdot\\|^2` every :math:`\\mathbf{X}^\\top\\mathbf{X}` below becomes
:math:`\\mathbf{X}^\\top\\mathbf{X}/N` (time runs N times slower).

Derivations: ``flow.ode``, ``flow.gd_limit``, ``flow.parameter_solution``.
"""

from __future__ import annotations

import sympy as sp

from .derivation import Assumptions, Definition, Derivation, Formula, Identity, Source, Step
from .matrices import MatExp, Pinv, TimeDerivative, diff_t
from .notation import D, Dg, N, Q, X, a_j, alpha, eps, k, n, t, y

__all__ = [
    "SOURCE",
    "diff_t",
    "TimeDerivative",
    "DERIVATIONS",
]

SOURCE = "000_fe852d0dbc3739f0.txt"

W = sp.MatrixSymbol("w", D, 1)
W0 = sp.MatrixSymbol("w^(0)", D, 1)
WK = sp.MatrixSymbol("w^(k)", D, 1)
WK1 = sp.MatrixSymbol("w^(k+1)", D, 1)
WSTAR = sp.MatrixSymbol("w_star", D, 1)
V = sp.MatrixSymbol("v", D, 1)
L1 = sp.MatrixSymbol("L", 1, 1)
SMALL = {N: (1, 2, 3), D: (1, 2, 3)}
"""Sizes tried by exact instantiation (exact matrix exponentials stay cheap up to 3x3)."""
FULL_COLUMN_RANK = Assumptions(
    matrices={X: "rational_svd_full_column_rank"},
    definitions={WSTAR: (X.T * X).inverse() * X.T * y},
    text=("$X$ of full column rank ($N \\ge D$, the overdetermined case): $X^TX$ invertible",),
)
"""X of full column rank (exact exponentials of XᵀX), w* the least-squares solution."""


WT = sp.MatrixSymbol("w(t)", D, 1)


def loss_gradient(w: sp.Basic) -> sp.Basic:
    r""":math:`\nabla L(\mathbf{w}) = \mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{y})`,
    the gradient of :math:`L = \tfrac12\|\mathbf{X}\mathbf{w} - \mathbf{y}\|^2` (000, eq 5;
    proved in ``flow.ode``), at the matrix expression ``w``: the one place the flow
    derivations write it."""
    return X.T * (X * w - y)


def _loss(x: sp.Basic, X_: sp.Basic = X, y_: sp.Basic = y) -> sp.Basic:
    r = X_ * x - y_
    return (r.T * r) / 2


# -- derivations -------------------------------------------------------------------------------


def flow_ode() -> Derivation:
    """``flow.ode``: the gradient of L, the GD step as a difference quotient, the flow ODE
    :math:`\\tfrac{d\\mathbf{w}}{dt} = -\\nabla L(\\mathbf{w}) =
    -\\mathbf{X}^\\top(\\mathbf{X}\\mathbf{w} - \\mathbf{y})` (000, eq 5–7;
    sum scale :math:`L = \\tfrac12\\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|^2`)."""
    grad = loss_gradient(W)
    gd = Assumptions(definitions={WK1: WK - alpha * loss_gradient(WK)})
    steps = [
        Step(Definition(L1, _loss(W)), "least squares, sum scale $\\frac12$, rows of $X$ are data"),
        Step(
            Identity(
                _loss(W + eps * V), _loss(W) + eps * V.T * grad + eps**2 / 2 * (V.T * X.T * X * V)
            ),
            "expand along a direction v: the coefficient of $\\epsilon$ is $v^T\\nabla "
            "L(w)$, so $\\nabla L(w) = X^T(Xw - y)$ and $\\nabla^2 L = X^T X$",
        ),
        Step(
            Definition(WK1, WK - alpha * loss_gradient(WK)),
            "one GD step with learning rate $\\alpha$",
        ),
        Step(
            Identity((WK1 - WK) / alpha, -loss_gradient(WK)),
            "the step divided by $\\alpha$ is $-\\nabla L$; with $w^{(k)} = w(k\\alpha)$, "
            "$t = k\\alpha$ and $\\alpha \\to 0$ the difference quotient becomes $dw/dt$",
            given=gd,
        ),
        Step(
            Definition(sp.Derivative(W, t, evaluate=False), -loss_gradient(W)),
            "gradient flow: the ODE of the small-step limit (its solutions are the limits "
            "of GD, flow.gd_limit)",
        ),
    ]
    return Derivation(
        id="flow.ode",
        title="Gradient flow: the small-step limit of gradient descent",
        source=Source(SOURCE, "gradient descent and gradient flow, eq 5-7"),
        assumptions=Assumptions(
            sizes=SMALL,
            text=(
                "$X \\in \\mathbb{R}^{N\\times D}$ of any rank, rows are data; $L = "
                "\\frac12\\|Xw - y\\|^2$",
            ),
        ),
        steps=steps,
        summary="Dividing a GD step by the learning rate gives minus the gradient; letting the "
        "rate go to zero turns the iteration into the ODE $dw/dt = -X^T(Xw - y)$.",
    )


def gd_limit() -> Derivation:
    """``flow.gd_limit``: :math:`(\\mathbf{I} - \\alpha\\mathbf{A})^{t/\\alpha} \\to
    e^{-\\mathbf{A}t}` as
    :math:`\\alpha \\to 0^+`, with the first-order error
    :math:`(\\mathbf{I} - \\alpha\\mathbf{A})^{t/\\alpha} = e^{-\\mathbf{A}t}(\\mathbf{I} -
    \\tfrac{\\alpha t}{2}\\mathbf{A}^2) + O(\\alpha^2)`
    (000, "gradient flow"; MATH.md).  A symmetric PSD, here :math:`\\mathbf{X}^\\top\\mathbf{X}`."""
    A_ = sp.MatrixSymbol("A", n, n)
    In = sp.Identity(n)
    eig = Assumptions(
        matrices={Q: "orthogonal", Dg: "diagonal_nonneg"},
        definitions={A_: Q * Dg * Q.T},
        text=("$A = QDQ^T$, $Q$ orthogonal, $D$ diagonal with entries $a_j \\ge 0$",),
    )
    a = a_j
    power = (1 - alpha * a) ** (t / alpha)
    steps = [
        Step(
            Identity(sp.Limit(power, alpha, 0, "+"), sp.exp(-a * t)),
            "one eigendirection: $(t/\\alpha)\\log(1 - \\alpha a) \\to -at$",
        ),
        Step(
            Identity(
                sp.Limit((power - sp.exp(-a * t)) / alpha, alpha, 0, "+"),
                -(a**2) * t * sp.exp(-a * t) / 2,
            ),
            "the first-order error: $(1 - \\alpha a)^{t/\\alpha} = e^{-at}(1 - \\alpha a^2 "
            "t/2) + O(\\alpha^2)$",
        ),
        Step(
            Identity((In - alpha * A_) ** k, Q * (In - alpha * Dg) ** k * Q.T),
            "k GD steps act on each eigendirection of A separately ($Q^TQ = I$)",
            given=eig,
        ),
        Step(
            Identity(MatExp(-A_ * t), Q * MatExp(-Dg * t) * Q.T),
            "so does the exponential: $e^{-At} = Q e^{-Dt} Q^T$, $e^{-Dt} = "
            "\\mathrm{diag}(e^{-a_j t})$",
            given=eig,
        ),
        Step(
            Identity(
                MatExp(-A_ * t) * (In - alpha * t / 2 * A_ * A_),
                Q * MatExp(-Dg * t) * (In - alpha * t / 2 * Dg * Dg) * Q.T,
            ),
            "lifting the scalar limits entry by entry of the diagonal: $(I - \\alpha "
            "A)^{t/\\alpha} = e^{-At}(I - \\frac{\\alpha t}{2}A^2) + O(\\alpha^2) \\to "
            "e^{-At}$",
            given=eig,
        ),
    ]
    return Derivation(
        id="flow.gd_limit",
        title="Gradient descent tends to gradient flow as the step shrinks",
        source=Source(SOURCE, "gradient flow (the limit of eq 5 as the learning rate goes to 0)"),
        assumptions=Assumptions(
            sizes={n: (1, 2, 3)},
            text=(
                "$a \\ge 0$ an eigenvalue of the symmetric PSD curvature $A$ ($A = X^TX$ "
                "for $L = \\frac12\\|Xw-y\\|^2$), $t \\ge 0$, $k = t/\\alpha$ steps",
            ),
        ),
        steps=steps,
        summary="After $t/\\alpha$ steps of size $\\alpha$ each eigendirection has shrunk by "
        "$(1-\\alpha a)^{t/\\alpha} \\to e^{-at}$; the error is first order in $\\alpha$, "
        "so GD tracks the flow with error $O(\\alpha)$.",
    )


def parameter_solution() -> Derivation:
    """``flow.parameter_solution``: :math:`\\mathbf{w}(t) = \\mathbf{w}_\\star +
    e^{-\\mathbf{X}^\\top\\mathbf{X}t}
    (\\mathbf{w}_0 - \\mathbf{w}_\\star)` solves the flow ODE, and tends to least squares (000, eq
    16–20;
    sum scale :math:`L = \\tfrac12\\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|^2`)."""
    B = X.T * X
    w_star = B.inverse() * X.T * y
    cand = w_star + MatExp(-B * t) * (W0 - w_star)
    V_ = sp.MatrixSymbol("V", D, D)
    S_ = sp.MatrixSymbol("S", D, D)
    Bm = sp.MatrixSymbol("B", D, D)
    eig = Assumptions(
        matrices={V_: "orthogonal", S_: "diagonal_nonneg"}, definitions={Bm: V_ * S_ * V_.T}
    )
    s = sp.Symbol("s", positive=True)
    steps = [
        Step(
            Definition(WSTAR, (X.T * X).inverse() * X.T * y),
            "the least-squares solution (000, end of blog)",
            label="w_star",
        ),
        Step(
            Definition(WT, cand),
            "the candidate (eq 18), $w_\\star + e^{-X^TXt}(w_0 - w_\\star)$",
            label="candidate",
        ),
        Step(
            Identity(TimeDerivative(WT), -loss_gradient(WT)),
            "substitute: $\\frac{d}{dt}$ of the candidate ($\\frac{d}{dt}e^{-Bt} = "
            "-Be^{-Bt}$) equals $-\\nabla L$ at the candidate, since $X^TXw_\\star = X^Ty$",
            given=Assumptions(definitions={WT: cand}),
            label="ode",
        ),
        Step(
            Identity(cand.subs(t, 0), W0),
            "the initial condition; a linear ODE with constant coefficients has exactly "
            "one solution (Picard-Lindelöf)",
            label="initial",
        ),
        Step(
            Identity(MatExp(-Bm * t), V_ * MatExp(-S_ * t) * V_.T),
            "$X^TX = VSV^T$: each eigendirection decays like $e^{-s_j t}$",
            given=eig,
            label="eigenbasis",
        ),
        Step(
            Identity(sp.Limit(sp.exp(-s * t), t, sp.oo), sp.Integer(0)),
            "every eigenvalue $s_j$ of $X^TX$ is positive (full column rank), so "
            "$e^{-X^TXt} \\to 0$",
        ),
        Step(
            Identity(WSTAR, Pinv(X) * y),
            "the limit $w(\\infty) = w_\\star$ is the least-squares solution $X^\\dagger "
            "y$ (eq 20)",
        ),
    ]
    return Derivation(
        id="flow.parameter_solution",
        title="The gradient-flow parameters in closed form (overdetermined case)",
        source=Source(SOURCE, "parameter evolution for the linear model, eq 18-20"),
        assumptions=FULL_COLUMN_RANK.merged(Assumptions(sizes=SMALL)),
        steps=steps,
        result=steps[2].claim,
        formulas={
            "w": Formula(
                WT,
                cand,
                (X, y, W0, t),
                step="candidate",
                proof=("ode", "initial"),
                spectral=sp.exp(-s * t),
                spectral_params=(s, t),
                spectral_step="eigenbasis",
                text="w(t) = w* + exp(-X^T X t)(w0 - w*), w* = (X^T X)^-1 X^T y; along an "
                "eigenvector of X^T X with eigenvalue s: w* + exp(-s t)(w0 - w*)",
            )
        },
        summary="The parameters relax exponentially to the least-squares solution, each "
        "eigendirection of $X^TX$ at its own rate.",
    )


DERIVATIONS = [flow_ode, gd_limit, parameter_solution]
