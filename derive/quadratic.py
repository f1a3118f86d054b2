"""Convex quadratics: the least-squares objective, its gradient and Hessian, fixed points of GD.

Source: 001 §2 (eq 3–5, 9–10).  The general objective is
:math:`J(\\mathbf{w}) = \\tfrac12\\mathbf{w}^\\top\\mathbf{A}\\mathbf{w} +
\\mathbf{b}^\\top\\mathbf{w} + c`
with :math:`\\mathbf{A}` symmetric positive semidefinite.  Least squares is the instance
:math:`J = \\frac{1}{2N}\\|\\Phi\\mathbf{w} - \\mathbf{t}\\|^2` (mean loss scale, rows of Φ are
data points): :math:`\\mathbf{A} = \\Phi^\\top\\Phi/N`, :math:`\\mathbf{b} =
-\\Phi^\\top\\mathbf{t}/N`,
:math:`c = \\mathbf{t}^\\top\\mathbf{t}/(2N)`.  With the sum scale ½‖Φw − t‖², drop the 1/N.
"""

from __future__ import annotations

from typing import Any, Literal

import sympy as sp

from .derivation import Assumptions, Definition, Derivation, Formula, Identity, Source, Step
from .matrices import Pinv, exact_matrix, exact_scalar
from .notation import A, D, I, N, Phi, alpha, b, eps, n, tt, v, w

__all__ = [
    "least_squares_quadratic",
    "objective",
    "gradient",
    "hessian",
    "gd_step",
    "objective_expr",
    "gradient_expr",
    "FixedPoints",
    "fixed_points",
    "DERIVATIONS",
]

SOURCE = "001_76f73b0c2cfaffb7.txt"
Scale = Literal["mean", "sum"]


def least_squares_quadratic(
    Phi_value: Any, t_value: Any, scale: Scale = "mean"
) -> tuple[sp.Matrix, sp.Matrix, sp.Basic]:
    """``(A, b, c)`` of the least-squares objective as a quadratic (001 eq 3–4, §2.4).

    ``scale="mean"``: :math:`J = \\frac{1}{2N}\\|\\Phi w - t\\|^2`, so :math:`A =
    \\Phi^\\top\\Phi/N,\\
    b = -\\Phi^\\top t/N,\\ c = t^\\top t/(2N)`; ``scale="sum"``: :math:`J = \\frac12\\|\\Phi w -
    t\\|^2`
    (000's convention), the same without 1/N.  Exact (SymPy) matrices in and out.

    >>> least_squares_quadratic([[1, 0], [1, 1]], [1, 3])[0]
    Matrix([
    [  1, 1/2],
    [1/2, 1/2]])
    """
    P, y = exact_matrix(Phi_value, "Phi"), exact_matrix(t_value, "t")
    if y.shape != (P.rows, 1):
        raise ValueError(f"t must have one entry per row of Phi ({P.rows}); got shape {y.shape}")
    if scale not in ("mean", "sum"):
        raise ValueError(f"scale must be 'mean' or 'sum'; got {scale!r}")
    f = sp.Rational(1, P.rows) if scale == "mean" else sp.Integer(1)
    return f * P.T * P, -f * P.T * y, (f * y.T * y)[0, 0] / 2


def _check(A_m: sp.Matrix, b_m: sp.Matrix, w_m: sp.Matrix | None = None) -> None:
    if A_m.rows != A_m.cols:
        raise ValueError(f"A must be square; got shape {A_m.shape}")
    if A_m != A_m.T:
        raise ValueError(f"A must be symmetric; got {A_m.tolist()}")
    if b_m.shape != (A_m.rows, 1):
        raise ValueError(f"b must have shape ({A_m.rows}, 1) to match A; got {b_m.shape}")
    if w_m is not None and w_m.shape != (A_m.rows, 1):
        raise ValueError(f"w must have shape ({A_m.rows}, 1) to match A; got {w_m.shape}")


def objective(A_value: Any, b_value: Any, c_value: Any, w_value: Any) -> sp.Basic:
    """:math:`J(w) = \\tfrac12 w^\\top A w + b^\\top w + c` (001 eq 4), exactly."""
    A_m, b_m, w_m = (
        exact_matrix(A_value, "A"),
        exact_matrix(b_value, "b"),
        exact_matrix(w_value, "w"),
    )
    _check(A_m, b_m, w_m)
    return sp.expand((w_m.T * A_m * w_m)[0, 0] / 2 + (b_m.T * w_m)[0, 0] + exact_scalar(c_value))


def gradient(A_value: Any, b_value: Any, w_value: Any) -> sp.Matrix:
    """:math:`\\nabla J(w) = A w + b` for symmetric A (001 eq 10; proved in
    ``quadratic.gradient``)."""
    A_m, b_m, w_m = (
        exact_matrix(A_value, "A"),
        exact_matrix(b_value, "b"),
        exact_matrix(w_value, "w"),
    )
    _check(A_m, b_m, w_m)
    return A_m * w_m + b_m


def hessian(A_value: Any) -> sp.Matrix:
    """:math:`\\nabla^2 J = A` (``quadratic.gradient``)."""
    return exact_matrix(A_value, "A")


def gd_step(
    A_value: Any, b_value: Any, w_value: Any, alpha_value: Any, steps: int = 1
) -> sp.Matrix:
    """``steps`` GD updates :math:`w \\leftarrow (I - \\alpha A) w - \\alpha b` (001 eq 5, 9),
    exactly: the formula ``step`` of ``quadratic.gradient`` instantiated at each step.

    ``alpha_value`` may be a SymPy symbol.

    >>> gd_step([[2]], [-4], [0], "1/10")
    Matrix([[2/5]])
    """
    A_m, b_m, w_m = (
        exact_matrix(A_value, "A"),
        exact_matrix(b_value, "b"),
        exact_matrix(w_value, "w"),
    )
    _check(A_m, b_m, w_m)
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a nonnegative integer; got {steps!r}")
    al = exact_scalar(alpha_value)
    update = gradient_derivation().formulas["step"]
    data = {A: sp.ImmutableMatrix(A_m), b: sp.ImmutableMatrix(b_m), alpha: al, n: A_m.rows}
    for _ in range(steps):
        out = update.instantiate({**data, w: sp.ImmutableMatrix(w_m)})
        w_m = sp.Matrix(out.as_explicit() if hasattr(out, "as_explicit") else out)
        w_m = w_m.applyfunc(sp.expand)
    return w_m


class FixedPoints:
    """The fixed points of GD on J, i.e. the solutions of :math:`Aw + b = 0` (001 eq 10).

    ``kind`` is ``"none"`` (b ∉ range(A)), ``"unique"`` (A invertible) or ``"affine"``
    (``particular + span(null_basis)``, with ``particular = -A^† b`` the minimum-norm one).
    """

    def __init__(self, kind: str, particular: sp.Matrix | None, null_basis: list[sp.Matrix]):
        self.kind, self.particular, self.null_basis = kind, particular, null_basis

    def __repr__(self) -> str:
        return (
            f"FixedPoints(kind={self.kind!r}, particular={self.particular}, "
            f"null_basis={self.null_basis})"
        )


def fixed_points(A_value: Any, b_value: Any) -> FixedPoints:
    """Classify the fixed points of GD on ½wᵀAw + bᵀw + c (``quadratic.fixed_points``).

    >>> fixed_points([[2, 0], [0, 0]], [-2, 0]).kind
    'affine'
    >>> fixed_points([[2, 0], [0, 0]], [-2, 1]).kind
    'none'
    """
    A_m, b_m = exact_matrix(A_value, "A"), exact_matrix(b_value, "b")
    _check(A_m, b_m)
    pinv = A_m.pinv()
    if any(sp.simplify(e) != 0 for e in (sp.eye(A_m.rows) - A_m * pinv) * b_m):
        return FixedPoints("none", None, [])
    particular = -pinv * b_m
    null = A_m.nullspace()
    return FixedPoints("unique" if not null else "affine", particular, null)


# -- derivations -------------------------------------------------------------------------------


def objective_expr(x: sp.MatrixExpr) -> sp.MatrixExpr:
    """:math:`J(x) = \\tfrac12 x^\\top A x + b^\\top x + c` at a vector expression x, as a 1×1
    matrix expression in the symbols of :mod:`gdflow.derive.notation` (001 eq 4)."""
    return (x.T * A * x) / 2 + b.T * x + sp.MatrixSymbol("c", 1, 1)


def gradient_expr(x: sp.MatrixExpr) -> sp.MatrixExpr:
    """:math:`\\nabla J(x) = A x + b` at a vector expression x (001 eq 10;
    ``quadratic.gradient``)."""
    return A * x + b


def least_squares() -> Derivation:
    """``quadratic.least_squares``: (1/2N)‖Φw − t‖² = ½wᵀAw + bᵀw + c (001 eq 3–4, §2.4)."""
    Aq = sp.MatrixSymbol("A", D, D)
    bq = sp.MatrixSymbol("b", D, 1)
    cq = sp.MatrixSymbol("c", 1, 1)
    wq = sp.MatrixSymbol("w", D, 1)
    defs = Assumptions(
        definitions={Aq: Phi.T * Phi / N, bq: -Phi.T * tt / N, cq: tt.T * tt / (2 * N)}
    )
    r = Phi * wq - tt
    steps = [
        Step(
            Definition(sp.MatrixSymbol("J", 1, 1), r.T * r / (2 * N)),
            "mean squared error, rows of $\\Phi$ are data points (eq 3)",
        ),
        Step(
            Identity(
                r.T * r / (2 * N),
                (wq.T * Phi.T * Phi * wq - 2 * tt.T * Phi * wq + tt.T * tt) / (2 * N),
            ),
            "expand; $w^T\\Phi^T t = t^T \\Phi w$ is a scalar",
        ),
        Step(
            Identity(
                (wq.T * Phi.T * Phi * wq - 2 * tt.T * Phi * wq + tt.T * tt) / (2 * N),
                (wq.T * Aq * wq) / 2 + bq.T * wq + cq,
            ),
            "collect: $A = \\Phi^T\\Phi/N$, $b = -\\Phi^T t/N$, $c = t^T t/(2N)$ (eq 4)",
            given=defs,
        ),
        Step(
            Identity(wq.T * Aq * wq, (Phi * wq).T * (Phi * wq) / N),
            "$w^T A w = \\|\\Phi w\\|^2/N \\ge 0$: A is positive semidefinite",
            given=defs,
        ),
    ]
    return Derivation(
        id="quadratic.least_squares",
        title="Least squares is a convex quadratic",
        source=Source(SOURCE, "§2, eq 3-4 (and §2.4)"),
        assumptions=Assumptions(
            sizes={N: (1, 2, 3, 4), D: (1, 2, 3)},
            text=(
                "$\\Phi \\in \\mathbb{R}^{N\\times D}$ of any rank, $t \\in \\mathbb{R}^N$; loss "
                "scale $1/(2N)$",
            ),
        ),
        steps=steps,
        result=steps[2].claim,
        summary="The mean squared error of a linear model is a quadratic in the weights whose"
        " curvature matrix $\\Phi^T\\Phi/N$ is positive semidefinite.",
    )


def gradient_derivation() -> Derivation:
    """``quadratic.gradient``: ∇J = Aw + b, Hessian A, the GD update, fixed points = critical
    points (001 eq 5, 9, 10)."""
    grad = gradient_expr(w)
    steps = [
        Step(
            Definition(sp.MatrixSymbol("J(w)", 1, 1), objective_expr(w)),
            "a convex quadratic, A symmetric PSD (eq 4)",
        ),
        Step(
            Identity(
                objective_expr(w + eps * v),
                objective_expr(w) + eps * v.T * grad + eps**2 / 2 * (v.T * A * v),
            ),
            "expand along a direction v: the $\\epsilon$ coefficient is $v^T \\nabla J(w)$, the "
            "$\\epsilon^2/2$ coefficient $v^T \\nabla^2 J\\, v$; so $\\nabla J = Aw + b$ and "
            "$\\nabla^2 J = A$ (eq 10)",
        ),
        Step(
            Identity(w - alpha * grad, (I - alpha * A) * w - alpha * b),
            "the GD update (eq 5, 9)",
            label="update",
        ),
        Step(
            Identity(w - ((I - alpha * A) * w - alpha * b), alpha * grad),
            "a step moves w by $\\alpha\\nabla J(w)$; with $\\alpha > 0$, w is fixed iff $Aw + b "
            "= 0$: fixed points are the critical points",
        ),
    ]
    update = steps[2].claim
    assert isinstance(update, Identity)
    formulas = {
        "step": Formula(
            name=update.lhs,
            expr=update.rhs,
            params=(A, b, w, alpha),
            step="update",
            text="one gradient-descent step w - alpha grad J(w) on the quadratic",
        )
    }
    return Derivation(
        id="quadratic.gradient",
        title="Gradient, Hessian and the gradient-descent update",
        source=Source(SOURCE, "§2.1-2.2, eq 5, 9, 10"),
        assumptions=Assumptions(matrices={A: "symmetric"}, text=("$A$ symmetric, $\\alpha > 0$",)),
        steps=steps,
        result=steps[2].claim,
        summary="Expanding J along a direction gives its gradient and Hessian exactly, since J is"
        " quadratic; one GD step is an affine map of the weights.",
        formulas=formulas,
    )


def fixed_points_derivation() -> Derivation:
    """``quadratic.fixed_points``: none, one, or an affine subspace of critical points."""
    z = sp.MatrixSymbol("z", n, 1)
    w_general = -Pinv(A) * b + (I - Pinv(A) * A) * z
    in_range = Assumptions(
        definitions={b: A * sp.MatrixSymbol("c", n, 1)}, text=("$b \\in \\mathrm{range}(A)$",)
    )
    w_star = sp.MatrixSymbol("w_star", n, 1)
    invertible = Assumptions(
        matrices={A: "pd"}, definitions={w_star: -A.I * b}, text=("A invertible",)
    )
    steps = [
        Step(
            Identity((I - A * Pinv(A)) * (A * w + b), (I - A * Pinv(A)) * b),
            "$(I - AA^\\dagger)$ annihilates range(A), so if $(I - AA^\\dagger) b \\ne 0$ (b "
            "outside range(A)) no w has $Aw + b = 0$: no fixed point",
        ),
        Step(
            Identity(A * w_star + b, sp.ZeroMatrix(n, 1)),
            "A invertible: $w_\\star = -A^{-1}b$ is a fixed point, and the only one",
            given=invertible,
        ),
        Step(
            Identity(A * w_general + b, sp.ZeroMatrix(n, 1)),
            "b in range(A): every $-A^\\dagger b + (I - A^\\dagger A) z$ is a fixed point",
            given=in_range,
        ),
        Step(
            Identity(A * (I - Pinv(A) * A) * z, sp.ZeroMatrix(n, 1)),
            "$(I - A^\\dagger A)z$ spans null(A): the fixed points form an affine subspace "
            "$w_\\star + \\mathrm{null}(A)$",
        ),
        Step(
            Identity((I - Pinv(A) * A) * (-Pinv(A) * b), sp.ZeroMatrix(n, 1)),
            "the particular solution $-A^\\dagger b$ has no null-space component: it is the one "
            "of least norm",
        ),
    ]
    return Derivation(
        id="quadratic.fixed_points",
        title="Fixed points: none, one, or an affine subspace",
        source=Source(SOURCE, "§2.2, after eq 10"),
        assumptions=Assumptions(
            matrices={A: "psd"}, text=("$A$ symmetric positive semidefinite, possibly singular",)
        ),
        steps=steps,
        result=steps[2].claim,
        summary=(
            "GD's fixed points solve $Aw + b = 0$: none when b leaves range(A), one when A is "
            "invertible, otherwise the affine subspace through $-A^\\dagger b$ along null(A)."
        ),
    )


DERIVATIONS = [least_squares, gradient_derivation, fixed_points_derivation]
