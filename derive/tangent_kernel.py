"""The tangent kernel of any SymPy model, and kernel regression trained by gradient descent.

Source: 002 §3 (kernel regression by GD on the coefficients), §4 (GD on a model f(w, x):
the function-space update through the tangent kernel), §5 (wide networks).  Loss scale: 002
writes :math:`L(\\mathbf w) = \\tfrac12\\sum_i (f(\\mathbf w, x_i) - y_i)^2` in §4 (its gradient
:math:`\\sum_i (u_i - y_i)\\nabla_w f(\\mathbf w, x_i)` needs the ½) and
:math:`g(\\boldsymbol\\alpha) = \\|\\mathbf K\\boldsymbol\\alpha - \\mathbf y\\|^2` *without* ½ in
§3
(gradient :math:`2\\mathbf K(\\mathbf K\\boldsymbol\\alpha - \\mathbf y)`).

.. math::
    H(x, x') = \\langle \\nabla_w f(\\mathbf w, x), \\nabla_w f(\\mathbf w, x')\\rangle, \\qquad
    f(\\mathbf w - \\eta\\nabla L, x) - f(\\mathbf w, x) = -\\eta\\sum_i (u_i - y_i) H(x, x_i) +
    O(\\eta^2).

Derivations: ``kernel.tangent`` (for the default nonlinear model, or any model through
:func:`tangent_derivation`), ``kernel.regression`` (with 002's false last step, H = K, recorded
as a refuted source claim).
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Formula,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .notation import N, eps, eta, k, y

__all__ = [
    "SOURCE",
    "tangent_kernel",
    "gradient",
    "first_order_update",
    "tangent_derivation",
    "DEFAULT_MODEL",
    "DERIVATIONS",
]

SOURCE = "002_a76f7205a64ed1af.txt"

W1, W2 = sp.symbols("w_1 w_2", real=True)
XV = sp.Symbol("x", real=True)
XP = sp.Symbol("x'", real=True)
DEFAULT_MODEL = (W2 * (W1 * XV) ** 2, (W1, W2), XV)
"""``(f, params, x)``: a width-one two-layer network with quadratic activation,
:math:`f(\\mathbf w, x) = w_2 (w_1 x)^2`, nonlinear in w (so the first-order update is not
exact)."""
LINE_MODEL = (W1 * XV + W2, (W1, W2), XV)
"""The line of 000, :math:`f(\\mathbf w, x) = w_1 x + w_2`: linear in w."""


def _params(params: Sequence[sp.Symbol]) -> list[sp.Symbol]:
    ps = list(params)
    if not ps or not all(isinstance(p, sp.Symbol) for p in ps):
        raise TypeError(f"params must be a non-empty sequence of SymPy symbols; got {params!r}")
    return ps


def gradient(model: sp.Basic, params: Sequence[sp.Symbol]) -> sp.Matrix:
    """:math:`\\nabla_w f(\\mathbf w, x)` as a column of partial derivatives (002 §4)."""
    return sp.Matrix([sp.diff(model, p) for p in _params(params)])


def tangent_kernel(
    model: sp.Basic, params: Sequence[sp.Symbol], x: sp.Symbol, x2: sp.Basic
) -> sp.Basic:
    """:math:`H(x, x') = \\langle\\nabla_w f(\\mathbf w, x), \\nabla_w f(\\mathbf w, x')\\rangle =
    \\sum_p
    \\partial_{w_p} f(\\mathbf w, x)\\,\\partial_{w_p} f(\\mathbf w, x')` of any SymPy model
    ``model`` in the
    parameters ``params`` and the input symbol ``x``; ``x2`` is the second input (a symbol or a
    value).  002 §4 (the definition of :math:`H^{(t)}`); ``kernel.tangent``.

    >>> import sympy as sp
    >>> w1, w2, x, xp = sp.symbols("w1 w2 x xp")
    >>> tangent_kernel(w1 * x + w2, [w1, w2], x, xp)
    x*xp + 1
    """
    g = gradient(model, params)
    g2 = g.xreplace({x: x2})
    return sp.expand((g.T * g2)[0, 0])


def first_order_update(
    model: sp.Basic,
    params: Sequence[sp.Symbol],
    x: sp.Symbol,
    data_x: Sequence[sp.Basic],
    data_y: Sequence[sp.Basic],
    eta_value: sp.Basic = eta,
) -> tuple[sp.Basic, sp.Basic]:
    """``(exact, first_order)`` change of :math:`f(\\cdot, x)` after one GD step on
    :math:`L = \\tfrac12\\sum_i (f(\\mathbf w, x_i) - y_i)^2` (sum scale, 002 §4):
    exact :math:`f(\\mathbf w - \\eta\\nabla L, x) - f(\\mathbf w, x)` and first order
    :math:`-\\eta\\sum_i (u_i - y_i) H(x, x_i)`, :math:`u_i = f(\\mathbf w, x_i)`.  They differ by
    :math:`O(\\eta^2)` and agree exactly for models linear in w (``kernel.tangent``).

    >>> import sympy as sp
    >>> w, x, e = sp.symbols("w x eta")
    >>> exact, first = first_order_update(w * x, [w], x, [1], [0], e)
    >>> sp.simplify(exact - first)
    0
    """
    ps = _params(params)
    if len(data_x) != len(data_y):
        raise ValueError(
            f"data_x and data_y must have the same length; got {len(data_x)} and {len(data_y)}"
        )
    grad_L = _loss_gradient(model, ps, x, data_x, data_y)
    moved = model.xreplace({p: p - eta_value * gi for p, gi in zip(ps, grad_L, strict=True)})
    exact = moved - model
    first = -eta_value * sum(
        (model.xreplace({x: xi}) - yi) * tangent_kernel(model, ps, x, xi)
        for xi, yi in zip(data_x, data_y, strict=True)
    )
    return exact, first


def _loss_gradient(
    model: sp.Basic,
    ps: list[sp.Symbol],
    x: sp.Symbol,
    data_x: Sequence[sp.Basic],
    data_y: Sequence[sp.Basic],
) -> sp.Matrix:
    """:math:`\\nabla L = \\sum_i (u_i - y_i)\\nabla_w f(\\mathbf w, x_i)` of
    :math:`L = \\tfrac12\\sum_i (f(\\mathbf w, x_i) - y_i)^2` (002 §4)."""
    terms = (
        gradient(model.xreplace({x: xi}), ps) * (model.xreplace({x: xi}) - yi)
        for xi, yi in zip(data_x, data_y, strict=True)
    )
    return sum(terms, sp.zeros(len(ps), 1))


def tangent_derivation(
    model: sp.Basic | None = None,
    params: Sequence[sp.Symbol] | None = None,
    x: sp.Symbol | None = None,
    n_data: int = 2,
) -> Derivation:
    """``kernel.tangent`` for a model :math:`f(\\mathbf w, x)` given as a SymPy expression in
    ``params`` and ``x`` (default :data:`DEFAULT_MODEL`), on ``n_data`` symbolic training points
    (002 §4).  Proves: the gradient of the loss, the first-order function-space update through H,
    its second-order error term, and (for the built-in line model) exactness when f is linear in w;
    for a nonlinear model it refutes exactness with a counterexample.
    """
    if model is None:
        model, params, x = DEFAULT_MODEL
    if params is None or x is None:
        raise TypeError("give params and x together with model")
    ps = _params(params)
    xs = sp.symbols(f"x_1:{n_data + 1}", real=True)
    ys = sp.symbols(f"y_1:{n_data + 1}", real=True)
    u = [model.xreplace({x: xi}) for xi in xs]
    loss = sum((ui - yi) ** 2 for ui, yi in zip(u, ys, strict=True)) / 2
    grad_L = _loss_gradient(model, ps, x, xs, ys)
    exact, first = first_order_update(model, ps, x, xs, ys)
    H = sp.Function("H")
    kernel_terms = [tangent_kernel(model, ps, x, xi) for xi in xs]
    hess = sp.hessian(model, ps)
    steps = [
        Step(
            Definition(sp.Symbol("f(w, x)"), model),
            "the model, a SymPy expression in the parameters and the input",
        ),
        Step(
            Definition(H(x, XP), tangent_kernel(model, ps, x, XP)),
            "the tangent kernel $H(x, x') = \\langle \\nabla_w f(w, x), \\nabla_w f(w, "
            "x')\\rangle$ (002 §4)",
        ),
        Step(
            Identity(sp.ImmutableMatrix([sp.Derivative(loss, p) for p in ps]), grad_L),
            "the gradient of $L = \\frac12\\sum_i (u_i - y_i)^2$, $u_i = f(w, x_i)$: "
            "$\\nabla L = \\sum_i (u_i - y_i)\\nabla_w f(w, x_i)$",
        ),
        Step(
            Definition(sp.Function("Delta")(eta), exact),
            "the change of the output at x after one GD step with learning rate $\\eta$",
        ),
        Step(
            Identity(
                sp.factor(sp.diff(exact, eta).subs(eta, 0)),
                sp.Add(
                    *[
                        -(ui - yi) * sp.factor(k)
                        for ui, yi, k in zip(u, ys, kernel_terms, strict=True)
                    ]
                ),
            ),
            "$\\Delta'(0)$, the first-order change of $f(w - \\eta\\nabla L, x)$ in "
            "$\\eta$, is $-\\sum_i (u_i - y_i) H(x, x_i)$: kernel regression with the "
            "kernel H",
        ),
        Step(
            Identity(
                sp.factor(sp.diff(exact, eta, 2).subs(eta, 0) / 2),
                ((grad_L.T * hess * grad_L)[0, 0]) / 2,
            ),
            "$\\Delta''(0)/2$: the error of the first-order update is "
            "$\\frac{\\eta^2}{2}\\nabla L^T \\nabla^2_w f\\, \\nabla L + O(\\eta^3)$: "
            "second order in $\\eta$",
        ),
    ]
    linear = all(sp.diff(model, p, q) == 0 for p in ps for q in ps)
    if linear:
        steps.pop()  # the second-order term is identically 0: nothing to state
        steps.append(
            Step(
                Identity(exact, first),
                "f is linear in w: the first-order update is exact",
                label="exactness",
            )
        )
    else:
        steps.append(
            Step(
                Refuted(exact, first),
                "f is not linear in w: the first-order update is not exact",
                label="exactness",
            )
        )
    lm, lps, lx = LINE_MODEL
    l_exact, l_first = first_order_update(lm, lps, lx, xs, ys)
    steps.append(
        Step(
            Identity(l_exact, l_first),
            "for a model linear in w, e.g. the line $w_1 x + w_2$ of 000, the update "
            "through H is exact",
        )
    )
    # 002 §4 writes the first-order update with "=": refute it for f(w, x) = w^2 x with one
    # training point (x_1, y_1) = (1, 0), at w = 1 and x = 1 (exact (1 - 2 eta)^2 - 1 vs -4 eta)
    q_exact, q_first = first_order_update(W1**2 * XV, [W1], XV, [sp.Integer(1)], [sp.Integer(0)])
    at_one = {W1: sp.Integer(1), XV: sp.Integer(1)}
    source_claims = [
        Step(
            Refuted(sp.expand(q_exact.xreplace(at_one)), sp.expand(q_first.xreplace(at_one))),
            "002 §4 writes $f(w^{(t+1)}, x) - f(w^{(t)}, x) = -\\eta\\sum_i (u_i - y_i) "
            "H(x, x_i)$ as an equality; it holds only to first order in $\\eta$.  For $f(w, x) = "
            "w^2 x$, one training point $(x_1, y_1) = (1, 0)$, $w = 1$, $x = 1$: the step "
            "changes f by $(1 - 2\\eta)^2 - 1 = 4\\eta^2 - 4\\eta$, not $-4\\eta$ (at "
            "$\\eta = 1/2$: $-1$, not $-2$)",
            label="source_first_order",
        )
    ]
    return Derivation(
        id="kernel.tangent",
        title="Gradient descent in function space: the tangent kernel",
        source=Source(SOURCE, "§4 gradient descent analysis"),
        source_claims=source_claims,
        assumptions=Assumptions(
            text=(
                f"{n_data} training points $(x_i, y_i)$; $L = \\frac12\\sum_i (f(w, x_i) - "
                "y_i)^2$; learning rate $\\eta > 0$",
            )
        ),
        steps=steps,
        result=steps[4].claim,
        summary="One GD step changes the model's output at any input by $-\\eta\\sum_i (u_i - y_i) "
        "H(x, x_i)$ up to $O(\\eta^2)$: kernel regression with the time-dependent tangent "
        "kernel H.",
    )


def tangent() -> Derivation:
    """``kernel.tangent`` for :data:`DEFAULT_MODEL` (002 §4)."""
    return tangent_derivation()


def regression() -> Derivation:
    """``kernel.regression``: GD on :math:`g(\\boldsymbol\\alpha) = \\|\\mathbf
    K\\boldsymbol\\alpha - \\mathbf y\\|^2`,
    :math:`\\boldsymbol\\alpha^{(t+1)} = \\boldsymbol\\alpha^{(t)} - 2\\eta\\mathbf K(\\mathbf
    K\\boldsymbol\\alpha^{(t)} - \\mathbf y)`,
    fixed point :math:`\\mathbf K^{-1}\\mathbf y`, and the tangent kernel of this parametrisation
    :math:`H(x, x') = \\sum_j K(x, x_j)K(x', x_j)` (002 §3)."""
    Km = sp.MatrixSymbol("K", N, N)
    al = sp.MatrixSymbol("alpha^(t)", N, 1)
    al1 = sp.MatrixSymbol("alpha^(t+1)", N, 1)
    alstar = sp.MatrixSymbol("alpha_star", N, 1)
    v = sp.MatrixSymbol("v", N, 1)
    kx = sp.MatrixSymbol("k_x", N, 1)
    kx2 = sp.MatrixSymbol("k_x'", N, 1)
    g1 = sp.MatrixSymbol("g", 1, 1)
    fhat = sp.MatrixSymbol("f_hat", 1, 1)
    Hm = sp.MatrixSymbol("H", N, N)

    def g(a: sp.Basic) -> sp.Basic:
        r = Km * a - y
        return r.T * r

    sym = Assumptions(
        matrices={Km: "symmetric"},
        sizes={N: (1, 2, 3, 4)},
        text=("$K$ symmetric ($K_{ij} = K(x_i, x_j)$)",),
    )
    update = Assumptions(definitions={al1: al - 2 * eta * Km * (Km * al - y)})
    alk = sp.MatrixSymbol("alpha^(k)", N, 1)
    al0 = sp.MatrixSymbol("alpha^(0)", N, 1)
    kappa = sp.Symbol("kappa_j", nonnegative=True)
    e_k, e_0 = sp.symbols("e_k e_0", real=True)
    contraction = 1 - 2 * eta * kappa**2
    interpolant_value = Km.inverse() * y
    iterates = interpolant_value + (sp.Identity(N) - 2 * eta * Km * Km) ** k * (
        al0 - interpolant_value
    )

    def gd_step(a: sp.Basic, _k: sp.Basic) -> sp.Basic:
        return a - 2 * eta * Km * (Km * a - y)

    interpolant = Assumptions(matrices={Km: "pd"}, definitions={alstar: Km.inverse() * y})
    steps = [
        Step(
            Definition(fhat, kx.T * al),
            "kernel regression $\\hat f(x) = \\sum_i \\alpha_i K(x, x_i)$, $k_x = (K(x, "
            "x_i))_i$ (002 §3)",
        ),
        Step(
            Definition(g1, g(al)),
            "the fitting objective $g(\\alpha) = \\|K\\alpha - y\\|^2$ (no factor "
            "$\\frac12$); 002 §3 writes $\\|K\\alpha - y\\|$ without the square, a typo: "
            "its gradient $2K(K\\alpha - y)$ is that of the square",
        ),
        Step(
            Identity(
                g(al + eps * v),
                g(al) + eps * v.T * (2 * Km * (Km * al - y)) + eps**2 * (v.T * Km.T * Km * v),
            ),
            "expand along v: $\\nabla g = 2K(K\\alpha - y)$ because K is symmetric",
        ),
        Step(
            Definition(al1, al - 2 * eta * Km * (Km * al - y)),
            "one GD step with learning rate $\\eta$",
        ),
        Step(
            Identity(alstar - 2 * eta * Km * (Km * alstar - y), alstar),
            "the interpolant $\\alpha_\\star = K^{-1}y$ is a fixed point: GD stops where "
            "$\\hat f(x_i) = y_i$",
            given=interpolant,
        ),
        Step(
            Recurrence(alk, iterates, k, gd_step, al0),
            "so after k steps from $\\alpha^{(0)}$ the error $\\alpha - \\alpha_\\star$ has been "
            "multiplied by $(I - 2\\eta K^2)^k$",
            given=interpolant,
            label="iterates",
        ),
        Step(
            Recurrence(e_k, contraction**k * e_0, k, lambda e, _k: contraction * e, e_0),
            "along an eigenvector of $K$ with eigenvalue $\\kappa_j$ the error shrinks by "
            "$1 - 2\\eta\\kappa_j^2$ per step (it converges iff $0 < \\eta\\kappa_j^2 < 1$)",
            label="coordinate",
        ),
        Step(
            Identity(kx.T * (al1 - al), -2 * eta * (kx.T * Km) * (Km * al - y)),
            "the change of $\\hat f(x)$ in one step: $-2\\eta\\sum_i (\\hat f(x_i) - y_i) "
            "H(x, x_i)$ with $H(x, x_i) = \\sum_j K(x, x_j) K(x_i, x_j)$",
            given=update,
        ),
        Step(
            Definition(sp.Function("H")(XV, XP), kx.T * kx2),
            "the tangent kernel of this parametrisation: $\\nabla_\\alpha \\hat f(x) = "
            "k_x$, so $H(x, x') = k_x^T k_{x'} = \\sum_j K(x, x_j) K(x', x_j)$",
        ),
        Step(
            Definition(Hm, Km.T * Km),
            "on the training inputs, $H_{ij} = \\sum_l K_{il} K_{jl}$",
            label="H_training",
        ),
        Step(Identity(Km.T * Km, Km * Km), "on the training inputs $H = K^T K = K^2$, not K"),
    ]
    source_claims = [
        Step(
            Refuted(Km * Km, Km),
            "002 §3, last step, equates the tangent kernel H with K; but $H = K^2$ on the "
            "training inputs "
            "(e.g. $K = \\begin{pmatrix}2&1\\\\1&2\\end{pmatrix}$ gives $H = "
            "\\begin{pmatrix}5&4\\\\4&5\\end{pmatrix}$)",
            given=Assumptions(sizes={N: (2,)}),
        ),
        Step(
            Refuted(kx.T * (al1 - al), -eta * kx.T * (Km * al - y)),
            "002 §3 concludes $\\hat f(\\alpha^{(t+1)}, x) - \\hat f(\\alpha^{(t)}, x) = "
            "-\\eta\\sum_i (\\hat f - y)_i K(x, x_i)$; the step actually moves $\\hat f$ "
            "by $-2\\eta\\, k_x^T K (K\\alpha - y)$",
            given=update,
        ),
    ]
    return Derivation(
        id="kernel.regression",
        title="Kernel regression by gradient descent, and its tangent kernel",
        source=Source(SOURCE, "§3 kernel regression"),
        assumptions=sym,
        steps=steps,
        source_claims=source_claims,
        result=steps[7].claim,
        formulas={
            "alpha": Formula(
                alk,
                iterates,
                (Km, y, al0, eta, k),
                step="iterates",
                spectral=contraction**k,
                spectral_params=(kappa, eta, k),
                spectral_step="coordinate",
                text="alpha^(k) = K^-1 y + (I - 2 eta K^2)^k (alpha^(0) - K^-1 y); along an "
                "eigenvector of K: (1 - 2 eta kappa^2)^k",
            )
        },
        summary="GD on the kernel coefficients converges to the interpolant $K^{-1}y$, but in "
        "function space it is kernel regression with $H = K^2$ (on the training inputs), "
        "not with K.",
    )


DERIVATIONS = [tangent, regression]
