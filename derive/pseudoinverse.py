"""The pseudoinverse, ridge regression and its λ → 0⁺ limit, implicit regularisation of GD.

Source: 001 §2.2 (the pseudoinverse, after eq 13–14) and §2.4 (eq 16, ridge regression,
"implicit regularization").  Loss scale: 001 writes the mean scale

.. math:: \\mathcal{J}_\\lambda(\\mathbf{w}) = \\frac{1}{2N}\\|\\Phi\\mathbf{w} - \\mathbf{t}\\|^2
   + \\frac{\\lambda}{2}\\|\\mathbf{w}\\|^2,\\qquad
   \\mathbf{A}_\\lambda = \\Phi^\\top\\Phi/N + \\lambda\\mathbf{I},\\quad
   \\mathbf{b} = -\\Phi^\\top\\mathbf{t}/N,

whose minimiser is :math:`\\mathbf{w}_\\lambda = (\\Phi^\\top\\Phi +
N\\lambda\\mathbf{I})^{-1}\\Phi^\\top\\mathbf{t}`. The source prints :math:`(\\Phi^\\top\\Phi +
\\lambda\\mathbf{I})^{-1}\\Phi^\\top\\mathbf{t}` (and
:math:`\\mathbf{b} = +\\Phi^\\top\\mathbf{t}/N`); that formula is the minimiser of the sum-scale
objective :math:`\\tfrac12\\|\\Phi w - t\\|^2 + \\tfrac\\lambda2\\|w\\|^2`, i.e. of
:math:`\\mathcal{J}_{\\lambda/N}`.  ``ridge.solution`` records both slips as refuted source claims.

Rows of Φ are data points (N×D).

Derivations: ``pinv.properties``, ``ridge.solution``, ``ridge.limit``,
``ridge.implicit_regularisation``.  Exact public functions (for the grader):
:func:`ridge_solution`, :func:`ridge_limit`, :func:`ridge_step_size_bound`.

Formulas (``Derivation.formulas``, the one source of the closed forms): :data:`RIDGE_SOLUTION`,
:data:`RIDGE_LIMIT`, :data:`GD_FROM_ZERO`.  The grader's exact functions instantiate them; the
numeric evaluators of :mod:`gdflow.checks.ridge_numeric` lambdify their per-singular-value
forms.  Their parameters are the data (Φ, t, λ, α, k); N and D are the shape of Φ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import sympy as sp
from sympy import Basic, ImmutableMatrix

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Equivalent,
    Formula,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .matrices import MatrixLimit, Pinv, exact_matrix, exact_scalar
from .notation import D, Dg, N, Phi, Q, alpha, k, lam, n, tt
from .notation import Phi as Phi_sym
from .notation import lam as lam_sym
from .quadratic import least_squares_quadratic

__all__ = [
    "MatrixLimit",
    "ridge_solution",
    "ridge_limit",
    "ridge_step_size_bound",
    "ridge_expression",
    "RIDGE_SOLUTION",
    "RIDGE_LIMIT",
    "GD_FROM_ZERO",
    "pinv_properties",
    "ridge_solution_derivation",
    "ridge_limit_derivation",
    "implicit_regularisation",
    "DERIVATIONS",
]

SOURCE = "001_76f73b0c2cfaffb7.txt"
Scale = Literal["mean", "sum"]


# -- symbols of this module -------------------------------------------------------------------

m = sp.Symbol("m", integer=True, positive=True)
B = sp.MatrixSymbol("B", m, n)
cm = sp.MatrixSymbol("c", m, 1)
u = sp.MatrixSymbol("u", n, 1)
Bsq = sp.MatrixSymbol("B", n, n)
U = sp.MatrixSymbol("U", n, n)
S = sp.MatrixSymbol("S", n, n)
V = sp.MatrixSymbol("V", n, n)
G = sp.MatrixSymbol("G", n, n)
In = sp.Identity(n)

tn = sp.MatrixSymbol("t~", n, 1)
_SVD = Assumptions(matrices={U: "orthogonal", V: "orthogonal", S: "diagonal"}, sizes={n: (1, 2, 3)})
wD = sp.MatrixSymbol("w", D, 1)
vD = sp.MatrixSymbol("v", D, 1)
w0D = sp.MatrixSymbol("w^(0)", D, 1)
wkD = sp.MatrixSymbol("w^(k)", D, 1)
w_lam = sp.MatrixSymbol("w_lambda", D, 1)
ID = sp.Identity(D)
IN = sp.Identity(N)
mu_ = sp.Symbol("mu", positive=True)
# a singular value of Phi: the cases s > 0 and s = 0 are step conditions
s_ = sp.Symbol("s", nonnegative=True)
# tau = u^T t: the targets along the left singular vector u of s
tau_ = sp.Symbol("tau", real=True)
a_max_ = sp.Symbol("a~_max", positive=True)
a_lmax = sp.Symbol("a~_lambda,max", positive=True)
x_ = sp.Symbol("x", positive=True)
eps_ = sp.Symbol("epsilon", real=True)


def ridge_expression(
    Phi_: Basic = Phi, t_: Basic = tt, lam_: Basic = lam, scale: Scale = "mean"
) -> Basic:
    """The ridge minimiser as a SymPy (matrix) expression (001 §2.4, N placed correctly).

    ``scale="mean"``: :math:`(\\Phi^\\top\\Phi + N\\lambda I)^{-1}\\Phi^\\top t` for
    :math:`\\frac{1}{2N}\\|\\Phi w - t\\|^2 + \\frac\\lambda2\\|w\\|^2`; ``scale="sum"``:
    :math:`(\\Phi^\\top\\Phi + \\lambda I)^{-1}\\Phi^\\top t` for :math:`\\frac12\\|\\Phi w - t\\|^2
    + \\frac\\lambda2\\|w\\|^2`.
    """
    rows, cols = Phi_.shape
    factor = rows if scale == "mean" else 1
    return sp.Inverse(Phi_.T * Phi_ + factor * lam_ * sp.Identity(cols)) * Phi_.T * t_


_W_LAM = ridge_expression()
_A_LS = Phi.T * Phi / N
_A_LAM = _A_LS + lam * ID
_B_LS = -Phi.T * tt / N
_C_LS = tt.T * tt / (2 * N)
_WK_LS = (ID - (ID - alpha * _A_LS) ** k) * Pinv(Phi) * tt

# -- the closed forms, as data (formulas of the derivations below) ----------------------------

RIDGE_SOLUTION = Formula(
    name=w_lam,
    expr=_W_LAM,
    params=(Phi, tt, lam),
    step="solution",
    spectral=s_ * tau_ / (s_**2 + N * lam),
    spectral_params=(s_, tau_, lam, N),
    spectral_step="solution_spectral",
    text=(
        "w_lambda = (Phi^T Phi + N lambda I)^(-1) Phi^T t (mean scale); with Phi = U S V^T its "
        "coordinate along v_j is s_j tau_j / (s_j^2 + N lambda), tau_j = u_j^T t (0 when s_j = 0)"
    ),
)
"""``ridge.solution``: :math:`\\mathbf w_\\lambda = (\\Phi^\\top\\Phi + N\\lambda\\mathbf I)^{-1}
\\Phi^\\top\\mathbf t`; per singular value :math:`s\\tau/(s^2 + N\\lambda)`,
:math:`\\tau = \\mathbf u^\\top\\mathbf t`.  The sum scale is this formula at
:math:`\\lambda/N` (the derivation's last step)."""

RIDGE_LIMIT = Formula(
    name=sp.MatrixSymbol("w_0+", D, 1),
    expr=Pinv(Phi) * tt,
    params=(Phi, tt),
    step="limit",
    spectral=tau_ / s_,
    spectral_params=(s_, tau_),
    spectral_step="limit_spectral",
    text=(
        "lim_{lambda -> 0+} w_lambda = Phi^+ t; along v_j: tau_j / s_j for s_j > 0, 0 for s_j = 0"
    ),
)
"""``ridge.limit``: :math:`\\lim_{\\lambda\\to0^+}\\mathbf w_\\lambda = \\Phi^\\dagger\\mathbf t`;
per positive singular value :math:`\\tau/s` (zero singular values contribute 0)."""

GD_FROM_ZERO = Formula(
    name=wkD,
    expr=_WK_LS,
    params=(Phi, tt, alpha, k),
    step="gd_from_zero",
    spectral=(1 - (1 - alpha * s_**2 / N) ** k) * tau_ / s_,
    spectral_params=(s_, tau_, alpha, k, N),
    spectral_step="gd_from_zero_spectral",
    text=(
        "GD from 0 on (1/2N)||Phi w - t||^2: w^(k) = (I - (I - alpha A)^k) Phi^+ t, A = "
        "Phi^T Phi/N; "
        "along v_j: (1 - (1 - alpha s_j^2/N)^k) tau_j / s_j for s_j > 0, 0 for s_j = 0"
    ),
)
"""``ridge.implicit_regularisation``: GD from zero on the unregularised mean-scale loss,
:math:`\\mathbf w^{(k)} = (\\mathbf I - (\\mathbf I - \\alpha\\mathbf A)^k)\\Phi^\\dagger\\mathbf
t`; per positive singular value :math:`(1 - (1 - \\alpha s^2/N)^k)\\tau/s`."""


def _J_ridge(x: Basic) -> Basic:
    r = Phi * x - tt
    return r.T * r / (2 * N) + lam / 2 * (x.T * x)


def _quad(x: Basic, A_: Basic, b_: Basic) -> Basic:
    return (x.T * A_ * x) / 2 + b_.T * x + _C_LS


_LS_SIZES = {N: (1, 2, 3, 4), D: (1, 2, 3)}
_LS = Assumptions(
    sizes=_LS_SIZES,
    text=(
        "$\\Phi \\in \\mathbb{R}^{N\\times D}$ of any rank (rows are data points), $t "
        "\\in \\mathbb{R}^N$, $\\lambda > 0$",
        "loss scale $1/(2N)$: $J_\\lambda(w) = \\frac{1}{2N}\\|\\Phi w - t\\|^2 + "
        "\\frac{\\lambda}{2}\\|w\\|^2$",
    ),
)


# -- exact public functions -------------------------------------------------------------------


def _lam_value(lam_value: object) -> Basic:
    value = exact_scalar(lam_value)
    if value.is_positive is False:
        raise ValueError(
            "lam must be > 0 (for lam = 0 use ridge_limit, the minimum-norm solution); "
            f"got lam = {value}"
        )
    return value


def _data(Phi: object, t: object) -> tuple[ImmutableMatrix, ImmutableMatrix]:
    """Phi (N×D) and t (N) as exact immutable matrices (``exact_matrix``: 0.1 is 1/10)."""
    P, y = exact_matrix(Phi, "Phi"), exact_matrix(t, "t")
    if y.shape != (P.rows, 1):
        raise ValueError(f"t must have one entry per row of Phi ({P.rows}); got shape {y.shape}")
    return ImmutableMatrix(P), ImmutableMatrix(y)


def _sizes(P: sp.MatrixBase) -> dict[Basic, Basic]:
    return {N: sp.Integer(P.rows), D: sp.Integer(P.cols)}


def ridge_solution(Phi: object, t: object, lam: object, scale: Scale = "mean") -> sp.Matrix:
    """The ridge minimiser :math:`\\mathbf{w}_\\lambda`, exactly (001 §2.4; ``ridge.solution``).

    ``scale="mean"`` (001's convention):

    .. math:: \\mathbf{w}_\\lambda = \\arg\\min_{\\mathbf{w}}
       \\frac{1}{2N}\\|\\Phi\\mathbf{w}-\\mathbf{t}\\|^2 + \\frac{\\lambda}{2}\\|\\mathbf{w}\\|^2 =
       (\\Phi^\\top\\Phi + N\\lambda\\mathbf{I})^{-1}\\Phi^\\top\\mathbf{t};

    ``scale="sum"`` (000's convention, and the formula 001 prints):
    :math:`\\arg\\min \\tfrac12\\|\\Phi w - t\\|^2 + \\tfrac\\lambda2\\|w\\|^2 = (\\Phi^\\top\\Phi +
    \\lambda I)^{-1}\\Phi^\\top t`. Φ is N×D with rows the data points (any rank), ``t`` has N
    entries, ``lam`` = λ > 0 may be a positive SymPy symbol.  Numbers are converted exactly (``0.1``
    → 1/10; ``matrices.exact_matrix``).  Computed by instantiating :data:`RIDGE_SOLUTION` (the
    formula ``ridge.solution`` proves), at λ/N for the sum scale.

    >>> ridge_solution([[1, 0], [1, 0]], [1, 3], 1)
    Matrix([
    [1],
    [0]])
    >>> ridge_solution([[1, 0], [1, 0]], [1, 3], 1, scale="sum")
    Matrix([
    [4/3],
    [  0]])
    """
    P, y = _data(Phi, t)
    if scale not in ("mean", "sum"):
        raise ValueError(f"scale must be 'mean' or 'sum'; got {scale!r}")
    lv = _lam_value(lam)
    # the sum scale at lam is the mean scale at lam / N (ridge.solution's last step)
    lv = lv if scale == "mean" else lv / P.rows
    fast = _ridge_solution_symbolic(P, y, lv)
    if fast is not None:
        return fast
    w = RIDGE_SOLUTION.instantiate({**_sizes(P), Phi_sym: P, tt: y, lam_sym: lv})
    return sp.Matrix(w).applyfunc(sp.simplify)


def _ridge_solution_symbolic(P: ImmutableMatrix, y: ImmutableMatrix, lv: Basic) -> sp.Matrix | None:
    """A fast path of :func:`ridge_solution` (mean scale) for rational Φ, t and a symbolic λ:
    the same :math:`(\\Phi^\\top\\Phi + N\\lambda I)^{-1}\\Phi^\\top t` (001 §2.4), solved
    fraction-free over :math:`\\mathbb{Q}[\\mu]` with :math:`\\mu = N\\lambda` an
    indeterminate (SymPy's ``DomainMatrix.solve_den``: no eigenvalues, and
    :math:`\\Phi^\\top\\Phi + \\mu I` is invertible for every rational Φ), each entry put over
    a common denominator (``cancel``) before the same ``simplify`` as the general path, which
    at 12×12 spends its time on the uncancelled sums of the explicit inverse.  ``None`` when
    λ is a number or an entry of Φ or t is not rational (then the general path applies)."""
    if not lv.free_symbols or not all(v.is_Rational for v in (*P, *y)):
        return None
    from sympy.polys.matrices import DomainMatrix

    mu = sp.Dummy("mu")
    ring = sp.QQ[mu]
    A = DomainMatrix.from_Matrix(P.T * P + mu * sp.eye(P.cols)).convert_to(ring)
    b = DomainMatrix.from_Matrix(P.T * y).convert_to(ring)
    num, den = A.solve_den(b)
    q = ring.to_sympy(den)
    at = {mu: P.rows * lv}
    return sp.Matrix([sp.simplify(sp.cancel((e / q).xreplace(at))) for e in num.to_Matrix()])


def ridge_limit(Phi: object, t: object) -> sp.Matrix:
    """:math:`\\lim_{\\lambda\\to0^+}\\mathbf{w}_\\lambda = \\Phi^\\dagger\\mathbf{t}`, exactly (001
    §2.4; ``ridge.limit``).

    The same for both loss scales (rescaling λ does not move the limit); it is the
    minimum-norm least-squares solution, where GD from 0 on the unregularised loss converges
    (001 eq 16; ``ridge.implicit_regularisation``).  Φ is N×D of any rank.  Computed by
    instantiating :data:`RIDGE_LIMIT` (the formula ``ridge.limit`` proves).

    >>> ridge_limit([[1, 1], [2, 2]], [1, 2])
    Matrix([
    [1/2],
    [1/2]])
    """
    P, y = _data(Phi, t)
    return sp.Matrix(RIDGE_LIMIT.instantiate({**_sizes(P), Phi_sym: P, tt: y}))


def ridge_step_size_bound(Phi: object, lam: object, scale: Scale = "mean") -> Basic:
    """The largest stable step of GD on the ridge objective: GD converges to
    :math:`\\mathbf{w}_\\lambda` iff :math:`0 < \\alpha < 2/(\\tilde a_{\\max} + \\lambda)`
    (001 §2.2 A2 applied to §2.4; ``ridge.implicit_regularisation``).

    ``scale="mean"``: :math:`\\tilde a_{\\max} = \\lambda_{\\max}(\\Phi^\\top\\Phi)/N`;
    ``scale="sum"``: :math:`\\tilde a_{\\max} = \\lambda_{\\max}(\\Phi^\\top\\Phi)`.  Exact.

    >>> ridge_step_size_bound([[2, 0], [0, 0]], "1/2")
    4/5
    """
    P = exact_matrix(Phi, "Phi")
    A_ = least_squares_quadratic(P, sp.zeros(P.rows, 1), scale)[0]
    lv = _lam_value(lam)
    eigs = [sp.simplify(e) for e in A_.eigenvals()]
    top = sp.Max(*eigs) if eigs else sp.Integer(0)
    return sp.simplify(2 / (top + lv))


# -- derivations ------------------------------------------------------------------------------


def pinv_properties() -> Derivation:
    """``pinv.properties``: Penrose conditions, min-norm least squares, (BᵀB)†Bᵀ = B† (001 §2.2)."""
    P = In - Pinv(B) * B
    full_col = Assumptions(
        matrices={B: "full_column_rank"}, text=("B of full column rank ($B^T B$ invertible)",)
    )
    square = Assumptions(matrices={Bsq: "invertible"})
    sym = Assumptions(matrices={Q: "orthogonal", Dg: "diagonal"})
    svd = Assumptions(matrices={U: "orthogonal", V: "orthogonal", S: "diagonal"})
    steps = [
        Step(
            Identity(Pinv(U * S * V.T), V * Pinv(S) * U.T),
            "definition by the SVD $B = U S V^T$: $B^\\dagger = V S^\\dagger U^T$, "
            "$S^\\dagger$ inverts the nonzero singular values (checked for square S; the "
            "node computes $B^\\dagger$ exactly for any shape)",
            given=svd,
        ),
        Step(Identity(B * Pinv(B) * B, B), "Penrose 1"),
        Step(Identity(Pinv(B) * B * Pinv(B), Pinv(B)), "Penrose 2"),
        Step(
            Identity((B * Pinv(B)).T, B * Pinv(B)),
            "Penrose 3: $BB^\\dagger$ is symmetric, the orthogonal projector onto range(B)",
        ),
        Step(
            Identity((Pinv(B) * B).T, Pinv(B) * B),
            "Penrose 4: $B^\\dagger B$ is symmetric, the orthogonal projector onto range($B^T$)",
        ),
        Step(Identity(Pinv(B.T * B) * B.T, Pinv(B)), "for any B (used in eq 16)"),
        Step(
            Identity(sp.Inverse(B.T * B) * B.T, Pinv(B)),
            "when $B^T B$ is invertible",
            given=full_col,
        ),
        Step(
            Identity(sp.Inverse(Bsq), Pinv(Bsq)),
            "the ordinary inverse when B is invertible",
            given=square,
        ),
        Step(
            Identity(Pinv(Q * Dg * Q.T), Q * Pinv(Dg) * Q.T),
            "symmetric $A = QDQ^T$: $A^\\dagger = Q D^\\dagger Q^T$",
            given=sym,
        ),
        Step(
            Identity(B.T * (B * (Pinv(B) * cm) - cm), sp.ZeroMatrix(n, 1)),
            "$B^\\dagger c$ solves the normal equations $B^T B v = B^T c$, so it "
            "minimises $\\|Bv - c\\|^2$",
        ),
        Step(
            Identity(Pinv(B) * B * u, Pinv(B.T * B) * (B.T * B * u)),
            "if $B^T B u = B^T c$ then $B^\\dagger B u = (B^T B)^\\dagger B^T c = "
            "B^\\dagger c$: every least-squares solution is $B^\\dagger c + (I - "
            "B^\\dagger B)u$",
        ),
        Step(
            Identity(
                (Pinv(B) * cm + P * u).T * (Pinv(B) * cm + P * u),
                (Pinv(B) * cm).T * (Pinv(B) * cm) + (P * u).T * (P * u),
            ),
            "Pythagoras: $B^\\dagger c$ is orthogonal to null(B), so it is the "
            "least-squares solution of minimum norm",
        ),
    ]
    return Derivation(
        id="pinv.properties",
        title="The pseudoinverse: Penrose conditions and the minimum-norm least-squares solution",
        source=Source(SOURCE, "§2.2, after eq 13-14; §2.4 (eq 16)"),
        assumptions=Assumptions(
            sizes={m: (1, 2, 3, 4), n: (1, 2, 3)},
            text=(
                "$B \\in \\mathbb{R}^{m\\times n}$ of any rank (rectangular, "
                "rank-deficient included)",
            ),
        ),
        steps=steps,
        result=steps[-1].claim,
        summary="The symbolic pseudoinverse satisfies the four Penrose conditions; $B^\\dagger "
        "c$ is the least-squares solution of minimum norm, and $(B^T B)^\\dagger B^T = "
        "B^\\dagger$ for every B.",
    )


def ridge_solution_derivation() -> Derivation:
    """``ridge.solution``: the minimiser of (1/2N)‖Φw − t‖² + (λ/2)‖w‖² (001 §2.4)."""
    defs = Assumptions(definitions={w_lam: _W_LAM})
    src = ridge_expression(scale="sum")
    w_src = sp.MatrixSymbol("w_lambda^(001)", D, 1)
    src_def = Assumptions(definitions={w_src: src})
    J = sp.MatrixSymbol("J_lambda", 1, 1)
    steps = [
        Step(
            Definition(J, _J_ridge(wD)),
            "ridge regression: mean squared error plus an $\\ell_2$ penalty (§2.4)",
        ),
        Step(
            Identity(_J_ridge(wD), _quad(wD, _A_LAM, _B_LS)),
            "a quadratic with $A_\\lambda = \\Phi^T\\Phi/N + \\lambda I$, $b = -\\Phi^T "
            "t/N$, $c = t^T t/(2N)$",
        ),
        Step(
            Identity(
                _J_ridge(wD + eps_ * vD),
                _J_ridge(wD)
                + eps_ * vD.T * (_A_LAM * wD + _B_LS)
                + eps_**2 / 2 * (vD.T * _A_LAM * vD),
            ),
            "expansion along v: $\\nabla J_\\lambda = A_\\lambda w + b$, $\\nabla^2 "
            "J_\\lambda = A_\\lambda$ (quadratic.gradient)",
        ),
        Step(
            Identity(vD.T * _A_LAM * vD, (Phi * vD).T * (Phi * vD) / N + lam * (vD.T * vD)),
            "$v^T A_\\lambda v \\ge \\lambda\\|v\\|^2 > 0$ for $v \\ne 0$: $A_\\lambda$ "
            "is positive definite, so the critical point is the unique minimiser",
        ),
        Step(Definition(w_lam, _W_LAM), "the candidate, with the N placed correctly"),
        Step(
            Identity(_A_LAM * w_lam + _B_LS, sp.ZeroMatrix(D, 1)),
            "it is the critical point: $\\nabla J_\\lambda(w_\\lambda) = 0$",
            given=defs,
        ),
        Step(
            Identity(-sp.Inverse(_A_LAM) * _B_LS, RIDGE_SOLUTION.expr),
            "so the minimiser, the unique critical point $-A_\\lambda^{-1}b$, is "
            "$w_\\lambda = (\\Phi^T\\Phi + N\\lambda I)^{-1}\\Phi^T t$ (the formula)",
            label="solution",
        ),
        Step(
            Identity(
                sp.Inverse((U * S * V.T).T * (U * S * V.T) + N * lam * In) * (U * S * V.T).T * tn,
                V * sp.Inverse(S.T * S + N * lam * In) * S.T * U.T * tn,
            ),
            "in the singular basis $\\Phi = USV^T$ (U, V orthogonal, S diagonal; a rectangular "
            "$\\Phi$ is padded with zero rows or columns) the solve is diagonal",
            given=_SVD,
        ),
        Step(
            Identity(-(-s_ * tau_ / N) / (s_**2 / N + lam), RIDGE_SOLUTION.spectral),
            "per singular value s (s = 0 included), with $\\tau = u^T t$: $A_\\lambda$ has "
            "eigenvalue $s^2/N + \\lambda$ along v and $b$ the coordinate $-s\\tau/N$, so "
            "the coordinate of $w_\\lambda$ along v is $s\\tau/(s^2 + N\\lambda)$",
            label="solution_spectral",
        ),
        Step(
            Identity(w_lam, Phi.T * sp.Inverse(Phi * Phi.T + N * lam * IN) * tt),
            "the push-through (kernel) form: an $N\\times N$ solve, cheaper when $N < D$",
            given=defs,
        ),
        Step(Definition(w_src, src), "the formula printed in 001 §2.4"),
        Step(
            Identity((Phi.T * Phi + lam * ID) * w_src - Phi.T * tt, sp.ZeroMatrix(D, 1)),
            "it is the critical point of the sum-scale objective $\\frac12\\|\\Phi w - "
            "t\\|^2 + \\frac{\\lambda}{2}\\|w\\|^2$",
            given=src_def,
        ),
        Step(
            Identity(w_src, _W_LAM.xreplace({lam: mu_})),
            "so it is the mean-scale minimiser $w_\\mu$ at $\\mu = \\lambda/N$: to "
            "minimise $J_\\lambda$ the source's formula needs $\\lambda$ replaced by "
            "$N\\lambda$",
            given=src_def.merged(Assumptions(conditions=(sp.Eq(mu_, lam / N),))),
        ),
    ]
    source_claims = [
        Step(
            Refuted(_A_LAM * src + _B_LS, sp.ZeroMatrix(D, 1)),
            "001 §2.4 gives $w_\\lambda = (\\Phi^T\\Phi + \\lambda I)^{-1}\\Phi^T t$ as "
            "the minimiser of $J_\\lambda$; it is not even a critical point when $N \\ge "
            "2$",
            given=Assumptions(sizes={N: (2, 3, 4), D: (1, 2, 3)}),
        ),
        Step(
            Refuted(_J_ridge(wD), _quad(wD, _A_LAM, -_B_LS)),
            "001 §2.4 writes $b = \\frac1N\\Phi^T t$; the sign is $-$",
        ),
    ]
    return Derivation(
        id="ridge.solution",
        title="Ridge regression: the minimiser, with the N in the right place",
        source=Source(SOURCE, "§2.4 (ridge regression)"),
        assumptions=_LS,
        steps=steps,
        source_claims=source_claims,
        result=Identity(w_lam, _W_LAM),
        formulas={"w": RIDGE_SOLUTION},
        summary="With the mean loss scale the ridge minimiser is $(\\Phi^T\\Phi + N\\lambda "
        "I)^{-1}\\Phi^T t$; the source's formula without N minimises the sum-scale loss, "
        "i.e. uses $\\lambda/N$.",
    )


def ridge_limit_derivation() -> Derivation:
    """``ridge.limit``: lim_{λ→0⁺} w_λ = Φ†t, through the eigen/SVD form (001 §2.4)."""
    GL = Phi.T * Phi
    defs = Assumptions(definitions={w_lam: _W_LAM})
    eig = Assumptions(
        matrices={Q: "orthogonal", Dg: "diagonal_nonneg"},
        definitions={G: Q * Dg * Q.T},
        sizes={n: (1, 2, 3, 4)},
        text=("$G = \\Phi^T\\Phi = Q D Q^T$, $D = \\mathrm{diag}(s_j^2)$, $\\mu = N\\lambda > 0$",),
    )
    d = sp.Symbol("d", positive=True)
    # concrete rank-deficient feature matrices: 3x2 of rank 1 (N > D) and 2x3 of rank 1 (N < D)
    examples = [
        (ImmutableMatrix([[1, 2], [2, 4], [0, 0]]), ImmutableMatrix([1, 0, 2])),
        (ImmutableMatrix([[1, 0, 1], [2, 0, 2]]), ImmutableMatrix([1, 1])),
    ]
    concrete = []
    for P0, t0 in examples:
        N0, D0 = P0.shape
        lhs = ImmutableMatrix(
            ridge_solution(P0, t0, lam).applyfunc(lambda e: sp.Limit(sp.cancel(e), lam, 0, "+"))
        )
        concrete.append(
            Step(
                Identity(lhs, ImmutableMatrix(ridge_limit(P0, t0))),
                f"SymPy's limit, entry by entry, on the rank-1 {N0}x{D0} $\\Phi = "
                f"{sp.latex(P0)}$, $t = {sp.latex(t0.T)}^T$",
            )
        )
    steps = [
        Step(Definition(w_lam, _W_LAM), "the ridge minimiser (ridge.solution)"),
        Step(
            Identity(Pinv(Phi), Pinv(GL) * Phi.T),
            "$\\Phi^\\dagger = (\\Phi^T\\Phi)^\\dagger\\Phi^T$ (pinv.properties)",
        ),
        Step(
            Identity(GL * Pinv(GL) * Phi.T, Phi.T),
            "range($\\Phi^T$) = range($\\Phi^T\\Phi$): $GG^\\dagger$ fixes $\\Phi^T$",
        ),
        Step(
            Identity(w_lam, sp.Inverse(GL + N * lam * ID) * GL * Pinv(Phi) * tt),
            "so $w_\\lambda = (G + N\\lambda I)^{-1} G\\, \\Phi^\\dagger t$: the ridge "
            "solution filters $\\Phi^\\dagger t$",
            given=defs,
        ),
        Step(
            Identity(
                w_lam - Pinv(Phi) * tt, -N * lam * sp.Inverse(GL + N * lam * ID) * Pinv(Phi) * tt
            ),
            "the error, exactly: linear in $\\lambda$ times a bounded factor",
            given=defs,
        ),
        Step(
            Identity(Pinv(Phi) * tt, GL * Pinv(GL) * Pinv(Phi) * tt),
            "$\\Phi^\\dagger t$ lies in range(G), where every eigenvalue of G is $\\ge "
            "s_{\\min}^2 > 0$",
        ),
        Step(
            Identity(
                sp.Inverse(G + mu_ * In) * G * Pinv(G),
                Q * sp.Inverse(Dg + mu_ * In) * Dg * Pinv(Dg) * Q.T,
            ),
            "in the eigenbasis of G the filter is diagonal: $s_j^2/(s_j^2 + N\\lambda)$ "
            "times $(s_j^2)^\\dagger$",
            given=eig,
        ),
        Step(
            Identity(1 / d - 1 / (d + mu_), mu_ / (d * (d + mu_))),
            "per eigenvalue $d = s^2 > 0$: $0 \\le 1/d - 1/(d + N\\lambda) \\le "
            "N\\lambda/d^2$, so $\\|w_\\lambda - \\Phi^\\dagger t\\| \\le "
            "N\\lambda\\|\\Phi^\\dagger t\\|/s_{\\min}^2 = O(\\lambda)$",
        ),
        Step(
            Identity(sp.Limit(RIDGE_SOLUTION.spectral, lam, 0, "+"), RIDGE_LIMIT.spectral),
            "per singular value $s > 0$: $\\frac{s\\tau}{s^2 + N\\lambda} \\to "
            "\\frac{\\tau}{s}$ (SymPy's limit)",
            given=Assumptions(conditions=(s_ > 0,)),
            label="limit_spectral",
        ),
        Step(
            Identity(sp.Limit(s_ / (s_**2 + N * lam), lam, 0, "+"), sp.Integer(0)),
            "per singular value $s = 0$: the factor is 0 for every $\\lambda > 0$, as is "
            "the entry of $S^\\dagger$",
            given=Assumptions(conditions=(sp.Eq(s_, 0),)),
        ),
        *concrete,
        Step(
            Identity(MatrixLimit(_W_LAM, lam, 0), RIDGE_LIMIT.expr),
            "the limit itself at random exact $\\Phi$ of random rank (SymPy's limit "
            "entry by entry); the proof for all $\\Phi$ is the chain above",
            label="limit",
        ),
    ]
    return Derivation(
        id="ridge.limit",
        title="The ridgeless limit: $\\lambda \\to 0^+$ gives the minimum-norm solution",
        source=Source(SOURCE, "§2.4 (limit of the ridge solution)"),
        assumptions=_LS,
        steps=steps,
        result=steps[-1].claim,
        formulas={"w": RIDGE_LIMIT},
        summary=(
            "Proof: $w_\\lambda - \\Phi^\\dagger t = -N\\lambda(\\Phi^T\\Phi + N\\lambda "
            "I)^{-1}\\Phi^\\dagger t$ exactly (exact instantiation), "
            "and $\\Phi^\\dagger t$ lies in the span of the eigenvectors of "
            "$\\Phi^T\\Phi$ with eigenvalue $s^2 \\ge s_{\\min}^2 > 0$, "
            "so the error is at most $N\\lambda\\|\\Phi^\\dagger t\\|/s_{\\min}^2$. Per "
            "singular value the filter "
            "$s/(s^2 + N\\lambda)$ tends to $1/s$ for $s > 0$ and is 0 for $s = 0$ "
            "(SymPy's limit, decided symbolically). "
            "The limit is also computed by SymPy on two concrete rank-1 matrices and, "
            "entry by entry, at random exact instances."
        ),
    )


def _gd_update(A_: Basic) -> Callable[[Basic, Basic], Basic]:
    """The GD update :math:`x \\mapsto x - \\alpha(\\mathbf{A}x + \\mathbf{b})` on a quadratic with
    curvature ``A_`` and :math:`\\mathbf{b} = -\\Phi^\\top t/N` (a :class:`Recurrence` update)."""

    def update(x: Basic, _k: Basic) -> Basic:
        return x - alpha * (A_ * x + _B_LS)

    return update


def implicit_regularisation() -> Derivation:
    """``ridge.implicit_regularisation``: GD from 0 → Φ†t = lim w_λ; ridge GD converges iff 0 < α <
    2/(ã_max + λ)."""
    defs = Assumptions(definitions={w_lam: _W_LAM})
    eig = Assumptions(
        matrices={Q: "orthogonal", Dg: "diagonal_nonneg"}, definitions={G: Q * Dg * Q.T}
    )
    omega = sp.Symbol("w~_j^(k)", real=True)
    steps = [
        Step(
            Recurrence(wkD, GD_FROM_ZERO.expr, k, _gd_update(_A_LS), sp.ZeroMatrix(D, 1)),
            "GD on $J = \\frac{1}{2N}\\|\\Phi w - t\\|^2$ from $w^{(0)} = 0$ "
            "(gd.closed_form with $w^{(\\infty)} = \\Phi^\\dagger t$)",
            label="gd_from_zero",
        ),
        Step(
            Recurrence(
                omega,
                GD_FROM_ZERO.spectral,
                k,
                lambda x, _k: x - alpha * (s_**2 / N * x - s_ * tau_ / N),
                sp.Integer(0),
            ),
            "per singular value $s > 0$ ($\\tau = u^T t$): the coordinate along v follows "
            "the scalar GD on curvature $s^2/N$ with linear term $-s\\tau/N$; a direction "
            "with $s = 0$ has zero gradient and stays at 0",
            given=Assumptions(conditions=(s_ > 0,)),
            label="gd_from_zero_spectral",
        ),
        Step(
            Identity(Pinv(_A_LS) * _A_LS * Pinv(Phi) * tt, Pinv(Phi) * tt),
            "$\\Phi^\\dagger t \\in$ range(A): $(I - \\alpha A)^k\\Phi^\\dagger t \\to "
            "0$ when $0 < \\alpha < 2/\\tilde a_{\\max}$ (gd.step_size_cases), so "
            "$w^{(k)} \\to \\Phi^\\dagger t$",
        ),
        Step(
            Identity(-Pinv(_A_LS) * _B_LS, Pinv(Phi) * tt),
            "the limit is $-A^\\dagger b$, the minimum-norm minimiser (eq 14, 16)",
        ),
        Step(
            Identity(MatrixLimit(_W_LAM, lam, 0), Pinv(Phi) * tt),
            "the same point as the ridgeless limit (ridge.limit): implicit regularisation",
        ),
        Step(
            Recurrence(
                wkD, w_lam + (ID - alpha * _A_LAM) ** k * (w0D - w_lam), k, _gd_update(_A_LAM), w0D
            ),
            "GD on the ridge objective, from any $w^{(0)}$: the error is multiplied by "
            "$I - \\alpha A_\\lambda$ per step",
            given=defs,
        ),
        Step(
            Identity(Q.T * (G + lam * In) * Q, Dg + lam * In),
            "the eigenvalues of $A_\\lambda = A + \\lambda I$ are $\\tilde a_j + "
            "\\lambda \\ge \\lambda > 0$: no flat direction, a unique fixed point",
            given=eig,
        ),
        Step(
            Equivalent(sp.And(x_ > 0, x_ < 2), sp.Abs(1 - x_) < 1, x_),
            "direction j contracts iff $x = \\alpha(\\tilde a_j + \\lambda) \\in (0, 2)$ "
            "(gd.step_size_cases)",
        ),
        Step(
            Holds(1 - x_ <= -1),
            "at $x = \\alpha(\\tilde a_{\\max} + \\lambda) \\ge 2$ the top direction "
            "does not contract: no convergence from a generic start",
            given=Assumptions(conditions=(x_ >= 2,)),
        ),
        Step(
            Definition(a_lmax, a_max_ + lam),
            "the largest eigenvalue of $A_\\lambda$",
        ),
        Step(
            Equivalent(
                sp.And(alpha * a_lmax > 0, alpha * a_lmax < 2),
                sp.And(alpha > 0, alpha < 2 / a_lmax),
                alpha,
            ),
            "so ridge GD converges to $w_\\lambda$ iff $0 < \\alpha < 2/(\\tilde "
            "a_{\\max} + \\lambda)$",
        ),
    ]
    return Derivation(
        id="ridge.implicit_regularisation",
        title="Implicit regularisation: GD from zero finds the ridgeless solution",
        source=Source(SOURCE, "§2.4 (implicit regularization), eq 13-16"),
        assumptions=Assumptions(
            sizes=_LS_SIZES,
            text=_LS.text
            + ("$\\tilde a_{\\max}$ the largest eigenvalue of $\\Phi^T\\Phi/N$, $\\alpha > 0$",),
        ),
        steps=steps,
        result=steps[-1].claim,
        formulas={"w": GD_FROM_ZERO},
        summary="GD from zero on the unregularised loss never leaves range($\\Phi^T$) and "
        "converges to $\\Phi^\\dagger t = \\lim_{\\lambda\\to0^+} w_\\lambda$; GD on the "
        "ridge objective converges to $w_\\lambda$ exactly when $0 < \\alpha < "
        "2/(\\tilde a_{\\max} + \\lambda)$.",
    )


DERIVATIONS = [
    pinv_properties,
    ridge_solution_derivation,
    ridge_limit_derivation,
    implicit_regularisation,
]
