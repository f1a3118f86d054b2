"""Closed-form iterates of GD on a convex quadratic, their limit, and the decay of the loss.

Source: 001 §2.2 (eq 13–15) and §2.4 (eq 16).  Objective
:math:`J(\\mathbf{w}) = \\tfrac12\\mathbf{w}^\\top
\\mathbf{A}\\mathbf{w} + \\mathbf{b}^\\top\\mathbf{w} + c`, A ⪰ 0, b ∈ range(A) (J bounded below):

.. math::
    \\mathbf{w}^{(k)} = \\mathbf{w}^{(\\infty)} + (\\mathbf{I} - \\alpha\\mathbf{A})^k
    (\\mathbf{w}^{(0)} - \\mathbf{w}^{(\\infty)}), \\qquad
    \\mathbf{w}^{(\\infty)} = -\\mathbf{A}^\\dagger\\mathbf{b} + (\\mathbf{I} -
    \\mathbf{A}^\\dagger\\mathbf{A})\\mathbf{w}^{(0)}.

For least squares with the mean scale, :math:`\\mathbf{A} = \\Phi^\\top\\Phi/N`,
:math:`\\mathbf{b} = -\\Phi^\\top\\mathbf{t}/N`, and GD from 0 tends to
:math:`\\Phi^\\dagger\\mathbf{t}` (eq 16).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .catalogue import formula as _formula
from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Formula,
    Holds,
    Identity,
    Recurrence,
    Source,
    Step,
)
from .eigencases import coordinate_recurrence
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
    bt_j,
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
from .quadratic import objective

__all__ = ["closed_form_iterate", "limit_point", "loss_after", "DERIVATIONS"]

SOURCE = "001_76f73b0c2cfaffb7.txt"


def _limit_expr(A_: Any, b_: Any, w0_: Any, I_: Any) -> Any:
    return -Pinv(A_) * b_ + (I_ - Pinv(A_) * A_) * w0_


# -- exact references: the derivations' formulas, instantiated ---------------------------------


def _problem(A_value: Any, b_value: Any, w0_value: Any) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(A, b, w⁽⁰⁾) read exactly (``exact_matrix``: 0.1 is 1/10), shapes checked."""
    A_m = exact_matrix(A_value, "A")
    b_m, w_m = exact_matrix(b_value, "b"), exact_matrix(w0_value, "w0")
    if A_m.rows != A_m.cols:
        raise ValueError(f"A must be square; got shape {A_m.shape}")
    for name, v in (("b", b_m), ("w0", w_m)):
        if v.shape != (A_m.rows, 1):
            raise ValueError(f"{name} must have shape ({A_m.rows}, 1) to match A; got {v.shape}")
    return A_m, b_m, w_m


def _check_in_range(A_m: sp.Matrix, b_m: sp.Matrix) -> None:
    residual = (sp.eye(A_m.rows) - A_m * A_m.pinv()) * b_m
    if any(sp.simplify(e) != 0 for e in residual):
        raise ValueError(
            f"b = {b_m.T.tolist()[0]} is not in the range of A: J is unbounded below and GD "
            "drifts without a limit"
        )


def _eigenspaces(A_m: sp.Matrix) -> list[tuple[sp.Basic, sp.Matrix]]:
    """``(eigenvalue, orthogonal projector onto its eigenspace)`` for symmetric ``A_m``
    (exact: :math:`P = V(V^\\top V)^{-1}V^\\top` for any basis V of the eigenspace)."""
    out = []
    for value, _mult, vectors in A_m.eigenvects():
        V = sp.Matrix.hstack(*vectors)
        out.append((value, (V * (V.T * V).inv() * V.T).applyfunc(sp.simplify)))
    return out


def _coefficients(expr: sp.Basic, variables: tuple[sp.Basic, ...], degree: int) -> dict:
    """The coefficients of ``expr``, a homogeneous polynomial of ``degree`` (1 or 2) in
    ``variables``: ``{(i,): c_i}`` or ``{(i, j): c_ij}`` (i <= j).  ``ValueError`` when it is
    not one (then the spectral form cannot be applied to projected vectors)."""
    poly = sp.Poly(sp.expand(expr), *variables)
    out: dict = {}
    for monomial, coeff in poly.terms():
        if coeff == 0:  # the zero form: (1 - αa)^{2k} at αa = 1 (one step) adds nothing
            continue
        if sum(monomial) != degree:
            raise ValueError(
                f"the spectral form {expr} is not homogeneous of degree {degree} in "
                f"{', '.join(map(str, variables))}"
            )
        key = tuple(i for i, e in enumerate(monomial) for _ in range(e))
        out[key] = coeff
    return out


def _apply_spectral(
    formula: Formula,
    A_m: sp.Matrix,
    vectors: dict[sp.Basic, sp.Matrix],
    scalars: dict[sp.Basic, sp.Basic],
    degree: int,
    positive_only: bool = False,
) -> Any:
    """The formula's per-eigenvalue form applied exactly to the eigendecomposition of ``A_m``.

    ``vectors`` maps the spectral symbols standing for projected data (b̃_j, w̃_j⁽⁰⁾) to the
    vectors they are projections of; ``scalars`` gives the other parameters (α, k).  In an
    orthonormal eigenbasis a formula linear in the projected data (``degree`` 1) sums to
    :math:`\\sum_a \\sum_i c_i(a) P_a v_i` (a vector), one quadratic in it (``degree`` 2) to
    :math:`\\sum_a \\sum_{i\\le j} c_{ij}(a)\\, v_i^\\top P_a v_j` (a scalar), with :math:`P_a`
    the projector onto the eigenspace of a: exact, and free of the square roots an orthonormal
    basis would bring.  ``positive_only`` skips the eigenvalue 0 (a form stated for
    :math:`\\tilde a_j > 0`)."""
    if formula.spectral is None:
        raise ValueError(f"formula for {formula.name} has no spectral form")
    names = tuple(vectors)
    stand_ins = tuple(sp.Dummy(str(v)) for v in names)
    eigen = formula.spectral_params[0]
    known = {eigen, *names, *scalars}
    unknown = [p for p in formula.spectral_params if p not in known]
    if unknown:
        raise KeyError(f"formula for {formula.name}: no value for {', '.join(map(str, unknown))}")
    generic = formula.spectral.xreplace({**scalars, **dict(zip(names, stand_ins, strict=True))})
    data = [vectors[v] for v in names]
    total: Any = sp.zeros(A_m.rows, 1) if degree == 1 else sp.Integer(0)
    for value, P in _eigenspaces(A_m):
        if positive_only and value == 0:
            continue
        at = generic.xreplace({eigen: value})
        if isinstance(at, sp.Piecewise):
            at = sp.piecewise_fold(at).doit()
        for key, coeff in _coefficients(at, stand_ins, degree).items():
            if degree == 1:
                total += coeff * (P * data[key[0]])
            else:
                total += coeff * (data[key[0]].T * P * data[key[1]])[0, 0]
    return total


def limit_point(A_value: Any, b_value: Any, w0_value: Any) -> sp.Matrix:
    """:math:`w^{(\\infty)} = -A^\\dagger b + (I - A^\\dagger A) w^{(0)}`, exactly (001 eq
    13–14): the formula of ``gd.limit_projection`` instantiated at A, b, w⁽⁰⁾ (read exactly).
    Raises ``ValueError`` when b ∉ range(A): then J is unbounded below and GD has no limit.

    >>> limit_point([[2, 0], [0, 0]], [-2, 0], [1, 1])
    Matrix([
    [1],
    [1]])
    """
    A_m, b_m, w_m = _problem(A_value, b_value, w0_value)
    _check_in_range(A_m, b_m)
    formula = _formula("gd.limit_projection", "w")
    values = {A: sp.ImmutableMatrix(A_m), b: sp.ImmutableMatrix(b_m), w0: sp.ImmutableMatrix(w_m)}
    out = formula.instantiate({**values, n: A_m.rows})
    return sp.Matrix(out.as_explicit()).applyfunc(sp.simplify)


def closed_form_iterate(
    A_value: Any, b_value: Any, w0_value: Any, alpha_value: Any, k_value: Any = k
) -> sp.Matrix:
    """:math:`w^{(k)} = w^{(\\infty)} + (I - \\alpha A)^k (w^{(0)} - w^{(\\infty)})` (001 eq 13;
    ``gd.closed_form``) for explicit A, b, w⁽⁰⁾; α and k may be symbols.

    Computed from ``gd.closed_form``'s per-eigendirection form (the solution of
    ``gd.coordinate_recurrence``, 001 §2.2) applied exactly to the eigendecomposition of A, so
    that a symbolic k stays symbolic: each eigenspace of eigenvalue a contributes the
    coordinate formula at a, applied to the projections of b and w⁽⁰⁾ on it.  It is the
    iterate of GD for any b (a zero eigenvalue with b outside range(A) drifts, 001 case 2).

    >>> import sympy as sp
    >>> closed_form_iterate([[2, 0], [0, 0]], [-2, 0], [0, 1], sp.Rational(1, 4), 1)
    Matrix([
    [1/2],
    [  1]])
    """
    A_m, b_m, w_m = _problem(A_value, b_value, w0_value)
    formula = _formula("gd.closed_form", "w")
    scalars = {alpha: exact_scalar(alpha_value), k: exact_scalar(k_value)}
    out = _apply_spectral(formula, A_m, {bt_j: b_m, wt0_j: w_m}, scalars, degree=1)
    return out.applyfunc(sp.simplify)


def loss_after(
    A_value: Any, b_value: Any, c_value: Any, w0_value: Any, alpha_value: Any, k_value: Any = k
) -> sp.Basic:
    """:math:`J(w^{(k)}) = J_\\star + \\sum_j \\frac{\\tilde a_j}{2}(1 - \\alpha\\tilde
    a_j)^{2k}(\\tilde w_j^{(0)} - \\tilde w_{\\star j})^2` exactly (001 §2.2;
    ``gd.loss_decay``): the gap is that derivation's per-eigendirection formula applied exactly
    to the eigendecomposition of A, and :math:`J_\\star = J(w^{(\\infty)})` the objective at
    :func:`limit_point`.  ``ValueError`` when b ∉ range(A) (no J⋆).

    >>> loss_after([[2]], [-2], 1, [0], "1/4", 1)
    1/4
    """
    A_m, b_m, w_m = _problem(A_value, b_value, w0_value)
    j_star = objective(A_m, b_m, c_value, limit_point(A_m, b_m, w_m))
    formula = _formula("gd.loss_decay", "gap")
    scalars = {alpha: exact_scalar(alpha_value), k: exact_scalar(k_value)}
    gap = _apply_spectral(
        formula, A_m, {bt_j: b_m, wt0_j: w_m}, scalars, degree=2, positive_only=True
    )
    return sp.simplify(gap) + j_star  # b in range(A): zero directions never move, add no gap


# -- derivations -------------------------------------------------------------------------------


def _gd(x: sp.MatrixExpr, _k: sp.Basic) -> sp.MatrixExpr:
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
            label="closed_form",
        ),
    ]
    coordinates = coordinate_recurrence().step("solution")
    steps.append(
        Step(
            coordinates.claim,
            "the same iterates one eigen-coordinate at a time (gd.eigenbasis,"
            " gd.coordinate_recurrence): the form numeric code applies to one eigendecomposition",
            given=coordinates.given,
            label="coordinates",
        )
    )
    matrix, spectral = steps[4].claim, coordinates.claim
    assert isinstance(matrix, Recurrence) and isinstance(spectral, Recurrence)
    formulas = {
        "w": Formula(
            name=matrix.name,
            expr=matrix.solution,
            params=(A, w0, winf, alpha, k),
            step="closed_form",
            spectral=spectral.solution,
            spectral_params=(a_j, bt_j, wt0_j, alpha, k),
            spectral_step="coordinates",
            text="the k-th GD iterate from w^(0), around the limit w^(inf) (gd.limit_projection)",
        )
    }
    return Derivation(
        id="gd.closed_form",
        title="Closed form of the gradient-descent iterates",
        source=Source(SOURCE, "§2.2, eq 13"),
        assumptions=_IN_RANGE,
        steps=steps,
        summary="The error relative to the limit is multiplied by the same matrix $I - \\alpha A$"
        " at every step, so after k steps it is multiplied by its k-th power.",
        result=steps[4].claim,
        formulas=formulas,
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
    ct_j = sp.Symbol("c~_j", real=True)
    per_direction = sp.Piecewise((-bt_j / a_j, a_j > 0), (wt0_j, True))
    in_range_j = Assumptions(
        definitions={bt_j: a_j * ct_j},
        text=("$b = Ac$: $\\tilde b_j = \\tilde a_j \\tilde c_j$, zero where $\\tilde a_j = 0$",),
    )
    steps = [
        Step(Definition(winf, w_inf), "the limit of the iterates (eq 13)", label="limit"),
        Step(
            Identity(A * winf + b, sp.ZeroMatrix(n, 1)),
            "it minimises J",
            given=defs,
            label="minimiser",
        ),
        Step(
            Identity(w0 - winf, Pinv(A) * (A * w0 + b)),
            "$w^{(0)} - w^{(\\infty)}$ lies in range($A^\\dagger$) = range(A), orthogonal to "
            "null(A)",
            given=defs,
            label="range",
        ),
        Step(
            Identity(
                (w0 - z).T * (w0 - z), (w0 - winf).T * (w0 - winf) + u.T * (I - Pinv(A) * A) * u
            ),
            "every minimiser is $z = w^{(\\infty)} + (I - A^\\dagger A)u$; by Pythagoras ($I - "
            "A^\\dagger A$ is an orthogonal projection) none is closer to $w^{(0)}$: "
            "$w^{(\\infty)}$ is the projection",
            given=minimisers,
            label="closest",
        ),
        Step(
            Identity(w_inf.subs(w0, sp.ZeroMatrix(n, 1)), -Pinv(A) * b),
            "from $w^{(0)} = 0$: the minimum-norm minimiser (eq 14)",
        ),
        Step(
            Identity(-Pinv(Aq) * bq, Pinv(Phi) * tt),
            "least squares from 0: $-A^\\dagger b = \\Phi^\\dagger t$ (§2.4, eq 16)",
            given=ls,
        ),
        Step(
            Identity(per_direction - alpha * (a_j * per_direction + bt_j), per_direction),
            "per eigendirection: $-\\tilde b_j/\\tilde a_j$ where $\\tilde a_j > 0$ (the fixed"
            " point the coordinate contracts to, gd.coordinate_recurrence), $\\tilde w_j^{(0)}$"
            " where $\\tilde a_j = 0$ (it never moves); a fixed point of the coordinate update",
            given=in_range_j,
            label="coordinates",
        ),
    ]
    formulas = {
        "w": Formula(
            name=winf,
            expr=w_inf,
            params=(A, b, w0),
            step="limit",
            proof=("minimiser", "range", "closest"),
            spectral=per_direction,
            spectral_params=(a_j, bt_j, wt0_j),
            spectral_step="coordinates",
            text="the limit of GD: the projection of w^(0) onto the minimisers",
        )
    }
    return Derivation(
        id="gd.limit_projection",
        title="The limit is the projection onto the minimisers",
        source=Source(SOURCE, "§2.2, eq 13-14; §2.4, eq 16"),
        assumptions=_IN_RANGE,
        steps=steps,
        result=steps[0].claim,
        summary="GD never moves the component of the weights in the null space of A, so it"
        " converges to the minimiser closest to where it started; from zero that is the"
        " minimum-norm solution $\\Phi^\\dagger t$.",
        formulas=formulas,
    )


def loss_decay() -> Derivation:
    """``gd.loss_decay``: J(w⁽ᵏ⁾) − J⋆ per eigendirection, the rate, κ (001 §2.2)."""
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
            "along the iterates (gd.coordinate_recurrence): decay by $(1 - \\alpha\\tilde "
            "a_j)^{2k}$",
            given=positive,
            label="coordinate_gap",
        ),
        Step(
            Identity(
                Jm(wk) - Jm(winf), (w0 - winf).T * (I - alpha * A) ** (2 * k) * A * (w0 - winf) / 2
            ),
            "the same in matrix form, summed over the eigendirections with $\\tilde a_j > 0$ "
            "(001 §2.2 writes the left side as $J(w^{(k)})$, dropping the constant: the sum "
            "is $J(w^{(k)}) - J_\\star$)",
            given=defs,
            label="gap",
        ),
        Step(
            Identity(1 - (1 / a_max) * a_min, 1 - 1 / kappa),
            "with $\\alpha = 1/\\tilde a_{\\max}$ the slowest direction, the smallest nonzero "
            "curvature, contracts by $1 - 1/\\kappa$, $\\kappa = \\tilde a_{\\max}/\\tilde "
            "a_{\\min}$",
            given=Assumptions(definitions={kappa: a_max / a_min}),
        ),
        Step(
            Identity(sp.Subs(bound, u, 0), 0),
            "the bound $1 - u \\le e^{-u}$: the gap $g(u) = e^{-u} - (1 - u)$ vanishes at 0",
        ),
        Step(Identity(sp.Derivative(bound, u), 1 - sp.exp(-u)), "its derivative"),
        Step(
            Holds(1 - sp.exp(-u) >= 0),
            "is nonnegative for $u > 0$, so $g \\ge 0$; with $u = 1/\\kappa$, $(1 - "
            "1/\\kappa)^{2k} \\le e^{-2k/\\kappa}$",
        ),
        Step(
            Identity(sp.exp(-2 * k_eps / kappa), eps_),
            "$k_\\epsilon = \\frac{\\kappa}{2}\\log\\frac1\\epsilon$ steps shrink the gap by "
            "$\\epsilon$: $O(\\kappa\\log 1/\\epsilon)$ iterations",
            given=Assumptions(definitions={k_eps: kappa / 2 * sp.log(1 / eps_)}),
        ),
    ]
    gap, coordinate_gap = steps[2].claim, steps[1].claim
    assert isinstance(gap, Identity) and isinstance(coordinate_gap, Identity)
    formulas = {
        "gap": Formula(
            name=gap.lhs,
            expr=gap.rhs,
            params=(A, w0, winf, alpha, k),
            step="gap",
            spectral=positive.substitute(coordinate_gap.rhs),
            spectral_params=(a_j, bt_j, wt0_j, alpha, k),
            spectral_step="coordinate_gap",
            text="the excess loss J(w^(k)) - J* (b in range(A)); per eigendirection with a_j > 0",
        )
    }
    return Derivation(
        id="gd.loss_decay",
        title="Decay of the loss and the condition number",
        source=Source(SOURCE, "§2.2, the loss after eq 14, eq 15"),
        assumptions=_IN_RANGE,
        steps=steps,
        result=steps[2].claim,
        summary="Each eigendirection's share of the excess loss decays geometrically; the"
        " smallest nonzero curvature sets the asymptotic rate, so the number of iterations grows"
        " like the condition number.",
        formulas=formulas,
    )


DERIVATIONS = [closed_form, limit_projection, loss_decay]
