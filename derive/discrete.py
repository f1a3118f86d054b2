"""Closed-form iterates of GD on a convex quadratic, their limit, and the decay of the loss.

Source: 001 §2.2–2.3, eq 13–16.  Objective :math:`J(\\mathbf{w}) = \\tfrac12\\mathbf{w}^\\top
\\mathbf{A}\\mathbf{w} + \\mathbf{b}^\\top\\mathbf{w} + c`, A ⪰ 0, b ∈ range(A) (J bounded below):

.. math::
    \\mathbf{w}^{(k)} = \\mathbf{w}^{(\\infty)} + (\\mathbf{I} - \\alpha\\mathbf{A})^k
    (\\mathbf{w}^{(0)} - \\mathbf{w}^{(\\infty)}), \\qquad
    \\mathbf{w}^{(\\infty)} = -\\mathbf{A}^\\dagger\\mathbf{b} + (\\mathbf{I} - \\mathbf{A}^\\dagger\\mathbf{A})\\mathbf{w}^{(0)}.

For least squares with the mean scale, :math:`\\mathbf{A} = \\Phi^\\top\\Phi/N`,
:math:`\\mathbf{b} = -\\Phi^\\top\\mathbf{t}/N`, and GD from 0 tends to :math:`\\Phi^\\dagger\\mathbf{t}` (eq 16).
"""

from __future__ import annotations

import sympy as sp

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Holds,
    Identity,
    Recurrence,
    Source,
    Step,
)
from .matrices import Pinv, exact_matrix, exact_scalar
from .notation import (
    A,
    D,
    I,
    N,
    Phi,
    a_j,
    a_max,
    a_min,
    alpha,
    b,
    c,
    k,
    kappa,
    n,
    tt,
    w0,
    winf,
    wk,
    wstar_j,
    wt0_j,
    wt_j,
)

__all__ = ["closed_form_iterate", "limit_point", "loss_after", "DERIVATIONS"]

SOURCE = "001_76f73b0c2cfaffb7.txt"


def _limit_expr(A_, b_, w0_, I_):
    return -Pinv(A_) * b_ + (I_ - Pinv(A_) * A_) * w0_


def limit_point(A_value, b_value, w0_value) -> sp.Matrix:
    """:math:`w^{(\\infty)} = -A^\\dagger b + (I - A^\\dagger A) w^{(0)}`, exactly (001 eq 13–14;
    ``gd.limit_projection``).  Raises ``ValueError`` when b ∉ range(A): then J is unbounded
    below and GD has no limit.

    >>> limit_point([[2, 0], [0, 0]], [-2, 0], [1, 1])
    Matrix([
    [1],
    [1]])
    """
    A_m, b_m = exact_matrix(A_value, "A"), exact_matrix(b_value, "b")
    w_m = exact_matrix(w0_value, "w0")
    pinv = A_m.pinv()
    eye = sp.eye(A_m.rows)
    if any(sp.simplify(e) != 0 for e in (eye - A_m * pinv) * b_m):
        raise ValueError(
            f"b = {b_m.T.tolist()[0]} is not in the range of A: J is unbounded below and GD drifts without a limit"
        )
    return (-pinv * b_m + (eye - pinv * A_m) * w_m).applyfunc(sp.simplify)


def closed_form_iterate(A_value, b_value, w0_value, alpha_value, k_value=k) -> sp.Matrix:
    """:math:`w^{(k)} = w^{(\\infty)} + (I - \\alpha A)^k (w^{(0)} - w^{(\\infty)})` (001 eq 13;
    ``gd.closed_form``) for explicit A, b, w⁽⁰⁾; α and k may be symbols.

    Computed through the eigendecomposition of A so that a symbolic k stays symbolic:
    each eigendirection contributes :math:`(1 - \\alpha a_j)^k` times its part of
    :math:`w^{(0)} - w^{(\\infty)}`.

    >>> import sympy as sp
    >>> closed_form_iterate([[2, 0], [0, 0]], [-2, 0], [0, 1], sp.Rational(1, 4), 1)
    Matrix([
    [1/2],
    [  1]])
    """
    A_m = exact_matrix(A_value, "A")
    al, kk = exact_scalar(alpha_value), exact_scalar(k_value)
    w_inf = limit_point(A_m, b_value, w0_value)
    delta = exact_matrix(w0_value, "w0") - w_inf
    out = w_inf
    for value, _mult, vectors in A_m.eigenvects():
        basis = sp.Matrix.hstack(*vectors)
        projector = basis * (basis.T * basis).inv() * basis.T
        out = out + (1 - al * value) ** kk * projector * delta
    return out.applyfunc(sp.simplify)


def loss_after(A_value, b_value, c_value, w0_value, alpha_value, k_value=k) -> sp.Basic:
    """:math:`J(w^{(k)})` exactly, through :math:`J(w^{(k)}) - J_\\star = \\tfrac12 (w^{(0)} -
    w^{(\\infty)})^\\top (I - \\alpha A)^{2k} A (w^{(0)} - w^{(\\infty)})` (001 §2.3; ``gd.loss_decay``)."""
    A_m, b_m = exact_matrix(A_value, "A"), exact_matrix(b_value, "b")
    w_inf = limit_point(A_m, b_m, w0_value)
    j_star = ((w_inf.T * A_m * w_inf) / 2 + b_m.T * w_inf)[0, 0] + exact_scalar(c_value)
    w_k = closed_form_iterate(A_m, b_m, w0_value, alpha_value, k_value)
    return (
        sp.simplify(((w_k.T * A_m * w_k) / 2 + b_m.T * w_k)[0, 0] + exact_scalar(c_value) - j_star)
        + j_star
    )


# -- derivations -------------------------------------------------------------------------------


def _gd(x, _k):
    return x - alpha * (A * x + b)


_IN_RANGE = Assumptions(
    matrices={A: "psd"},
    definitions={b: A * c},
    text=(
        "$A$ symmetric positive semidefinite, possibly singular",
        "$b \\in \\mathrm{range}(A)$, i.e. J bounded below (A1)",
    ),
)


def closed_form() -> Derivation:
    """``gd.closed_form``: w⁽ᵏ⁾ = w⁽∞⁾ + (I − αA)ᵏ(w⁽⁰⁾ − w⁽∞⁾) (001 eq 13)."""
    w_inf = _limit_expr(A, b, w0, I)
    defs = Assumptions(definitions={winf: w_inf})
    steps = [
        Step(Definition(winf, w_inf), "the candidate limit (gd.limit_projection)"),
        Step(Identity(A * winf + b, sp.ZeroMatrix(n, 1)), "it is a critical point", given=defs),
        Step(Identity(_gd(winf, k), winf), "so it is a fixed point of the update", given=defs),
        Step(
            Identity(_gd(wk, k) - winf, (I - alpha * A) * (wk - winf)),
            "the error is multiplied by $I - \\alpha A$ at each step",
            given=defs,
        ),
        Step(
            Recurrence(wk, winf + (I - alpha * A) ** k * (w0 - winf), k, _gd, w0),
            "closed form of the iterates (eq 13)",
            given=defs,
        ),
    ]
    return Derivation(
        id="gd.closed_form",
        title="Closed form of the gradient-descent iterates",
        source=Source(SOURCE, "§2.2, eq 13"),
        assumptions=_IN_RANGE,
        steps=steps,
        summary="The error relative to the limit is multiplied by the same matrix $I - \\alpha A$ at every step, so after k steps it is multiplied by its k-th power.",
    )


def limit_projection() -> Derivation:
    """``gd.limit_projection``: w⁽∞⁾ is the projection of w⁽⁰⁾ on the minimisers (001 eq 13–16)."""
    w_inf = _limit_expr(A, b, w0, I)
    u = sp.MatrixSymbol("u", n, 1)
    z = sp.MatrixSymbol("z", n, 1)
    defs = Assumptions(definitions={winf: w_inf})
    minimisers = Assumptions(definitions={winf: w_inf, z: winf + (I - Pinv(A) * A) * u})
    Aq = sp.MatrixSymbol("A", D, D)
    bq = sp.MatrixSymbol("b", D, 1)
    ls = Assumptions(
        definitions={Aq: Phi.T * Phi / N, bq: -Phi.T * tt / N},
        sizes={N: (1, 2, 3, 4), D: (1, 2, 3)},
        text=("least squares $J = \\frac{1}{2N}\\|\\Phi w - t\\|^2$, $\\Phi$ of any rank",),
    )
    steps = [
        Step(Definition(winf, w_inf), "the limit of the iterates (eq 13)"),
        Step(Identity(A * winf + b, sp.ZeroMatrix(n, 1)), "it minimises J", given=defs),
        Step(
            Identity(w0 - winf, Pinv(A) * (A * w0 + b)),
            "$w^{(0)} - w^{(\\infty)}$ lies in range($A^\\dagger$) = range(A), orthogonal to null(A)",
            given=defs,
        ),
        Step(
            Identity(
                (w0 - z).T * (w0 - z), (w0 - winf).T * (w0 - winf) + u.T * (I - Pinv(A) * A) * u
            ),
            "every minimiser is $z = w^{(\\infty)} + (I - A^\\dagger A)u$; by Pythagoras ($I - A^\\dagger A$ is an orthogonal projection) none is closer to $w^{(0)}$: $w^{(\\infty)}$ is the projection",
            given=minimisers,
        ),
        Step(
            Identity(w_inf.subs(w0, sp.ZeroMatrix(n, 1)), -Pinv(A) * b),
            "from $w^{(0)} = 0$: the minimum-norm minimiser (eq 14)",
        ),
        Step(
            Identity(-Pinv(Aq) * bq, Pinv(Phi) * tt),
            "least squares from 0: $-A^\\dagger b = \\Phi^\\dagger t$ (eq 16)",
            given=ls,
        ),
    ]
    return Derivation(
        id="gd.limit_projection",
        title="The limit is the projection onto the minimisers",
        source=Source(SOURCE, "§2.2-2.3, eq 13, 14, 16"),
        assumptions=_IN_RANGE,
        steps=steps,
        result=steps[0].claim,
        summary="GD never moves the component of the weights in the null space of A, so it converges to the minimiser closest to where it started; from zero that is the minimum-norm solution $\\Phi^\\dagger t$.",
    )


def loss_decay() -> Derivation:
    """``gd.loss_decay``: J(w⁽ᵏ⁾) − J⋆ per eigendirection, the rate, κ (001 §2.3)."""
    star = -sp.Symbol("b~_j", real=True) / a_j
    bt = sp.Symbol("b~_j", real=True)
    positive = Assumptions(
        conditions=(a_j > 0,), definitions={wstar_j: star}, text=("$\\tilde a_j > 0$",)
    )
    w_inf = _limit_expr(A, b, w0, I)
    defs = Assumptions(definitions={winf: w_inf, wk: winf + (I - alpha * A) ** k * (w0 - winf)})
    Jm = lambda x: (x.T * A * x) / 2 + b.T * x  # noqa: E731
    Jc = lambda x: a_j / 2 * x**2 + bt * x  # noqa: E731
    eps_ = sp.Symbol("epsilon", positive=True)
    k_eps = sp.Symbol("k_epsilon", positive=True)
    u = sp.Symbol("u", positive=True)
    bound = sp.exp(-u) - (1 - u)
    steps = [
        Step(
            Identity(Jc(wt_j) - Jc(wstar_j), a_j / 2 * (wt_j - wstar_j) ** 2),
            "per eigendirection, J is a parabola around its minimum",
            given=positive,
        ),
        Step(
            Identity(
                Jc(wstar_j + (1 - alpha * a_j) ** k * (wt0_j - wstar_j)) - Jc(wstar_j),
                a_j / 2 * (1 - alpha * a_j) ** (2 * k) * (wt0_j - wstar_j) ** 2,
            ),
            "along the iterates (gd.coordinate_recurrence): decay by $(1 - \\alpha\\tilde a_j)^{2k}$",
            given=positive,
            label="coordinate_gap",
        ),
        Step(
            Identity(
                Jm(wk) - Jm(winf), (w0 - winf).T * (I - alpha * A) ** (2 * k) * A * (w0 - winf) / 2
            ),
            "the same in matrix form, summed over the eigendirections with $\\tilde a_j > 0$",
            given=defs,
        ),
        Step(
            Identity(1 - (1 / a_max) * a_min, 1 - 1 / kappa),
            "with $\\alpha = 1/\\tilde a_{\\max}$ the slowest direction, the smallest nonzero curvature, contracts by $1 - 1/\\kappa$, $\\kappa = \\tilde a_{\\max}/\\tilde a_{\\min}$",
            given=Assumptions(definitions={kappa: a_max / a_min}),
        ),
        Step(
            Identity(sp.Subs(bound, u, 0), 0),
            "the bound $1 - u \\le e^{-u}$: the gap $g(u) = e^{-u} - (1 - u)$ vanishes at 0",
        ),
        Step(Identity(sp.Derivative(bound, u), 1 - sp.exp(-u)), "its derivative"),
        Step(
            Holds(1 - sp.exp(-u) >= 0),
            "is nonnegative for $u > 0$, so $g \\ge 0$; with $u = 1/\\kappa$, $(1 - 1/\\kappa)^{2k} \\le e^{-2k/\\kappa}$",
        ),
        Step(
            Identity(sp.exp(-2 * k_eps / kappa), eps_),
            "$k_\\epsilon = \\frac{\\kappa}{2}\\log\\frac1\\epsilon$ steps shrink the gap by $\\epsilon$: $O(\\kappa\\log 1/\\epsilon)$ iterations",
            given=Assumptions(definitions={k_eps: kappa / 2 * sp.log(1 / eps_)}),
        ),
    ]
    return Derivation(
        id="gd.loss_decay",
        title="Decay of the loss and the condition number",
        source=Source(SOURCE, "§2.3"),
        assumptions=_IN_RANGE,
        steps=steps,
        result=steps[2].claim,
        summary="Each eigendirection's share of the excess loss decays geometrically; the smallest nonzero curvature sets the asymptotic rate, so the number of iterations grows like the condition number.",
    )


DERIVATIONS = [closed_form, limit_projection, loss_decay]
