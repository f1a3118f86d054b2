"""Training seen in function space: residual, trainability, parameters of any rank, predictions.

Source: 000 ("Evolution of residual", "Closed-form solution for function evolution",
"Trainability and convergence", "Evolution of parameters", "Evolution of model predictions";
eq 8–18 and 21–24 of the blog, restated in MATH.md).  Loss scale: the *sum* scale
:math:`L = \\tfrac12\\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|^2`, rows of X are data points, and
:math:`\\mathbf{K} = \\mathbf{X}\\mathbf{X}^\\top` is the tangent kernel of the linear model on the
training inputs.  With the mean scale :math:`\\frac{1}{2N}\\|\\cdot\\|^2`, replace K by K/N.

.. math::
    \\mathbf{r}(t) = e^{-\\mathbf{K}t}\\mathbf{r}(0),\\qquad
    \\mathbf{w}(t) = \\mathbf{w}_0 - \\mathbf{X}^\\top\\mathbf{K}^\\dagger(\\mathbf{I} -
    e^{-\\mathbf{K}t})
    (\\mathbf{X}\\mathbf{w}_0 - \\mathbf{y}),\\qquad
    f(\\mathbf{x}_\\star, t) = a(t) + \\mathbf{b}(t)^\\top\\mathbf{w}_0.

Derivations: ``flow.residual``, ``flow.trainability``, ``flow.parameter_evolution``,
``flow.predictions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .catalogue import formula as _formula
from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Formula,
    Identity,
    Refuted,
    Source,
    Step,
)
from .flow import FULL_COLUMN_RANK, SMALL, SOURCE, W0, WSTAR, WT, W, loss_gradient
from .matrices import MatExp, MatrixLimit, Pinv, TimeDerivative, exact_matrix, exact_scalar
from .notation import D, K, N, X, t, y

__all__ = [
    "residual_evolution",
    "parameter_evolution",
    "prediction_coefficients",
    "LAM",
    "DECAY",
    "PHI",
    "DERIVATIONS",
]

R0 = sp.MatrixSymbol("r^(0)", N, 1)
_U = sp.Symbol("u", real=True)
COLLINEAR = Assumptions(
    conditions=(_U > 1,),
    definitions={
        X: sp.ImmutableMatrix([[0, 1], [1, 1], [_U, 1]]),
        y: sp.ImmutableMatrix([1, 2, 1 + _U]),
        K: X * X.T,
        R0: -y,
        N: 3,
        D: 2,
    },
    sizes={N: (3,), D: (2,)},
    text=(
        "three collinear points on the line $y = x + 1$: rows of X are $(x_i, 1)$, "
        "$x = (0, 1, u)$, $u > 1$, $y = (1, 2, 1 + u)$",
    ),
)
"""000's trainability counterexample: K = XXᵀ singular, y in the range of X (flow.trainability)."""
F = sp.MatrixSymbol("f", N, 1)
F0 = sp.MatrixSymbol("f^(0)", N, 1)
J = sp.MatrixSymbol("J", N, D)
XS = sp.MatrixSymbol("x_star", D, 1)
KS = sp.MatrixSymbol("k_star", N, 1)
EM = sp.MatrixSymbol("E(t)", N, N)
AT = sp.MatrixSymbol("a(t)", 1, 1)
BT = sp.MatrixSymbol("b(t)", D, 1)
IN = sp.Identity(N)
ID = sp.Identity(D)
EXP = MatExp(-K * t)
RT = sp.MatrixSymbol("r(t)", N, 1)
FT = sp.MatrixSymbol("f(t)", N, 1)

E_T = IN - EXP
"""E(t) = I - e^{-Kt}: how far each eigendirection of K has been fitted at time t."""
w_t = W0 - X.T * Pinv(K) * E_T * (X * W0 - y)
"""w(t) for X of any rank (000, eq 16 with K^+ in place of K^-1; flow.parameter_evolution)."""
w_inf = (ID - Pinv(X) * X) * W0 + Pinv(X) * y
"""w(oo) = (I - X^+ X) w0 + X^+ y (flow.parameter_evolution, step ``limit``)."""
r_t = EXP * R0
"""r(t) = e^{-Kt} r(0) (000, eq 9; flow.residual)."""
f_t = y + EXP * (F0 - y)
"""f(t) = y + e^{-Kt}(f(0) - y) at the training inputs (000, eq 10; eq 12 for the linear model;
flow.residual)."""
r_inf = (IN - K * Pinv(K)) * R0
"""r(oo) = (I - K K^+) r(0) (flow.trainability, step ``residual_limit``)."""
a_t = KS.T * Pinv(K) * EM * y
"""a(t) = k*^T K^+ E(t) y, with E(t) the symbol EM (flow.predictions)."""
b_t = XS - X.T * EM * Pinv(K) * KS
"""b(t) = x* - X^T E(t) K^+ k*, with E(t) the symbol EM (flow.predictions)."""
a_inf = XS.T * Pinv(X) * y
b_inf = (ID - Pinv(X) * X) * XS
W_INF = sp.MatrixSymbol("w(oo)", D, 1)
R_INF = sp.MatrixSymbol("r(oo)", N, 1)
F_STAR = sp.MatrixSymbol("f(x_star, t)", 1, 1)
A_INF = sp.MatrixSymbol("a(oo)", 1, 1)
B_INF = sp.MatrixSymbol("b(oo)", D, 1)

LAM = sp.Symbol("lambda_j", nonnegative=True)
"""An eigenvalue of K = XX^T (zero allowed): the variable of the per-eigenvalue forms."""
LAM_POS = sp.Symbol("lambda_+", positive=True)
"""A positive eigenvalue of K (the limit t -> oo of phi)."""
TAU = sp.Symbol("tau", nonnegative=True)
DECAY = sp.exp(-LAM * t)
"""e^{-lambda t}: r(t) and f(t) along one eigenvector of K (flow.residual, step ``eigenbasis``)."""
PHI = sp.Piecewise((t, sp.Eq(LAM, 0)), ((1 - sp.exp(-LAM * t)) / LAM, True))
r"""phi(lambda, t) = (1 - e^{-lambda t})/lambda = int_0^t e^{-lambda tau} dtau, = t at lambda = 0:
w(t) = w0 - X^T phi(K, t) r(0) along one eigenvector of K (flow.parameter_evolution, step
``phi``; X^T K^+ (I - e^{-Kt}) = X^T phi(K, t) because X^T vanishes on the null space of K)."""
PHI_INF = sp.Piecewise((0, sp.Eq(LAM, 0)), (1 / LAM, True))
"""lambda^+ (1/lambda, 0 at lambda = 0): phi(lambda, oo) on the range of K, w(oo) = w0 - X^T K^+
r(0) along one eigenvector (flow.parameter_evolution, step ``phi_limit``)."""
DECAY_INF = sp.Piecewise((1, sp.Eq(LAM, 0)), (0, True))
"""lim e^{-lambda t} as t -> oo: 1 on the null space of K, 0 on its range (flow.trainability,
step ``fitted``)."""

KERNEL = Assumptions(
    matrices={X: "rational_svd"},
    definitions={K: X * X.T},
    sizes=SMALL,
    text=(
        "$X \\in \\mathbb{R}^{N\\times D}$ of any rank (rows are data), $K = XX^T$; "
        "$L = \\frac12\\|Xw - y\\|^2$",
    ),
)
"""K = X Xᵀ with X drawn as U S Vᵀ (rational orthogonal U, V): rank-deficient X included, and
every exponential of K or XᵀX stays exact."""


def _check_Xy(Xm: sp.Matrix, ym: sp.Matrix, vm: sp.Matrix, name: str = "w0") -> None:
    if ym.shape != (Xm.rows, 1):
        raise ValueError(f"y must have one entry per row of X ({Xm.rows}); got shape {ym.shape}")
    if vm.shape != (Xm.cols, 1):
        raise ValueError(
            f"{name} must have one entry per column of X ({Xm.cols}); got shape {vm.shape}"
        )


def _values(Xm: sp.Matrix, ym: sp.Matrix, extra: Mapping[sp.Basic, Any]) -> dict[sp.Basic, Any]:
    """Values of the sizes and the data for :meth:`Formula.instantiate`, with K = XXᵀ."""
    Xi = sp.ImmutableMatrix(Xm)
    return {N: Xm.rows, D: Xm.cols, X: Xi, y: sp.ImmutableMatrix(ym), K: Xi * Xi.T, **extra}


def _explicit_arithmetic(expr: sp.Basic, args: list[sp.Basic]) -> sp.ImmutableMatrix | None:
    """A fast path of :func:`_evaluated`: a product, sum or transpose whose arguments are
    already explicit matrices (or scalars) computed by explicit matrix arithmetic, the same
    entries ``as_explicit`` builds one ``Sum`` at a time (seconds at 12×12; a product of 12×12
    rational matrices takes milliseconds this way).  ``None`` when another node or argument is
    involved."""
    if not all(
        isinstance(a, sp.MatrixBase) or not getattr(a, "is_Matrix", False) for a in args
    ) or not any(isinstance(a, sp.MatrixBase) for a in args):
        return None
    if isinstance(expr, sp.Transpose):
        return sp.ImmutableMatrix(args[0]).T
    if isinstance(expr, sp.MatMul):
        scalar: sp.Basic = sp.Integer(1)
        product: sp.Matrix | None = None
        for a in args:
            if isinstance(a, sp.MatrixBase):
                product = sp.Matrix(a) if product is None else product * a
            else:
                scalar = scalar * a
        if product is None:
            return None
        return sp.ImmutableMatrix(product if scalar == 1 else scalar * product)
    if isinstance(expr, sp.MatAdd) and all(isinstance(a, sp.MatrixBase) for a in args):
        total = sp.Matrix(args[0])
        for a in args[1:]:
            total = total + a
        return sp.ImmutableMatrix(total)
    return None


def _evaluated(expr: sp.Basic) -> sp.Basic:
    """An instantiated formula (every matrix symbol replaced by an explicit matrix) made
    explicit bottom-up: each matrix node becomes an explicit matrix once its arguments are
    (``MatExp`` and ``Pinv`` through their exact ``doit``), also when a symbolic time scales a
    matrix (``Formula.instantiate``'s plain ``doit`` keeps ``(-t)*Matrix`` unevaluated, and
    the exponential of it symbolic)."""
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr)
    if not getattr(expr, "is_Matrix", False) or isinstance(expr, sp.MatrixSymbol):
        return expr
    args = [_evaluated(a) for a in expr.args]
    direct = _explicit_arithmetic(expr, args)
    if direct is not None:
        return direct
    node = expr.func(*args)
    node = node.doit(deep=False) if isinstance(node, (MatExp, Pinv, sp.Inverse)) else node
    if isinstance(node, sp.MatrixBase):
        return sp.ImmutableMatrix(node)
    if node.free_symbols and any(isinstance(s, sp.MatrixSymbol) for s in node.free_symbols):
        return node
    return sp.ImmutableMatrix(node.as_explicit())


def _instantiate(formula: Formula, values: Mapping[sp.Basic, Any]) -> sp.Matrix:
    """The exact value of ``formula`` at ``values`` (:meth:`Formula.instantiate`'s
    substitution, evaluated by :func:`_evaluated`) as a mutable matrix."""
    missing = [p for p in formula.params if p not in values]
    if missing:
        names = ", ".join(map(str, missing))
        raise KeyError(f"formula for {formula.name}: no value for {names}")
    out = _evaluated(formula.expr.xreplace({k: sp.sympify(v) for k, v in values.items()}))
    return sp.Matrix(out)


def _exact_inputs(
    X_value: Any, y_value: Any, v_value: Any, name: str = "w0"
) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    Xm, ym, vm = (
        exact_matrix(X_value, "X"),
        exact_matrix(y_value, "y"),
        exact_matrix(v_value, name),
    )
    _check_Xy(Xm, ym, vm, name)
    return Xm, ym, vm


def residual_evolution(X_value: Any, y_value: Any, w0_value: Any, t_value: Any = t) -> sp.Matrix:
    """:math:`\\mathbf{r}(t) = e^{-\\mathbf{K}t}\\mathbf{r}(0)`, :math:`\\mathbf{r}(0) =
    \\mathbf{X}\\mathbf{w}_0 - \\mathbf{y}`, :math:`\\mathbf{K} = \\mathbf{X}\\mathbf{X}^\\top`
    (000, eq 9–12), exactly, sum loss scale: the formula ``r`` of ``flow.residual``
    instantiated.  At ``t_value = oo`` the formula ``r_inf`` of ``flow.trainability``,
    :math:`(\\mathbf{I} - \\mathbf{K}\\mathbf{K}^\\dagger)\\mathbf{r}(0)`.  Raises
    ``NotImplementedError`` when K has an irreducible cubic (or higher) characteristic factor
    (``gdflow.derive.matrices.exact_matrix_exp``).

    >>> residual_evolution([[1, 0], [0, 0]], [1, 1], [0, 0], sp.oo)
    Matrix([
    [ 0],
    [-1]])
    """
    Xm, ym, wm = _exact_inputs(X_value, y_value, w0_value)
    tv = exact_scalar(t_value)
    values = _values(Xm, ym, {R0: sp.ImmutableMatrix(Xm * wm - ym), t: tv})
    if tv is sp.oo:
        return _instantiate(_formula("flow.trainability", "r_inf"), values)
    return _instantiate(_formula("flow.residual", "r"), values)


def parameter_evolution(X_value: Any, y_value: Any, w0_value: Any, t_value: Any = t) -> sp.Matrix:
    """:math:`\\mathbf{w}(t) = \\mathbf{w}_0 - \\mathbf{X}^\\top\\mathbf{K}^\\dagger(\\mathbf{I} -
    e^{-\\mathbf{K}t})(\\mathbf{X}\\mathbf{w}_0 - \\mathbf{y})` for X of any rank (000, eq 16),
    exactly, sum loss scale: the formula ``w`` of ``flow.parameter_evolution`` instantiated.  At
    ``t_value = oo`` its formula ``w_inf``,
    :math:`(\\mathbf{I} - \\mathbf{X}^\\dagger\\mathbf{X})\\mathbf{w}_0 +
    \\mathbf{X}^\\dagger\\mathbf{y}`.

    >>> parameter_evolution([[1, 1]], [2], [0, 0], sp.oo)
    Matrix([
    [1],
    [1]])
    """
    Xm, ym, wm = _exact_inputs(X_value, y_value, w0_value)
    tv = exact_scalar(t_value)
    values = _values(Xm, ym, {W0: sp.ImmutableMatrix(wm), t: tv})
    key = "w_inf" if tv is sp.oo else "w"
    return _instantiate(_formula("flow.parameter_evolution", key), values)


def prediction_coefficients(
    X_value: Any, y_value: Any, x_star: Any, t_value: Any = t
) -> tuple[sp.Basic, sp.Matrix]:
    """``(a(t), b(t))`` with :math:`f(\\mathbf{x}_\\star, t) = a(t) +
    \\mathbf{b}(t)^\\top\\mathbf{w}_0`,
    :math:`\\mathbf{k}_\\star = \\mathbf{X}\\mathbf{x}_\\star`,
    :math:`\\mathbf{E}(t) = \\mathbf{I} - e^{-\\mathbf{K}t}`:
    :math:`a(t) = \\mathbf{k}_\\star^\\top\\mathbf{K}^\\dagger\\mathbf{E}(t)\\mathbf{y}`,
    :math:`\\mathbf{b}(t) = \\mathbf{x}_\\star - \\mathbf{X}^\\top\\mathbf{E}(t)\\mathbf{K}^\\dagger
    \\mathbf{k}_\\star` (000, eq 21–24), exactly, sum loss scale: the formulas ``a``, ``b``
    (``a_inf``,
    ``b_inf`` at ``t_value = oo``) of ``flow.predictions`` instantiated.

    >>> prediction_coefficients([[1, 0]], [2], [1, 1], sp.oo)
    (2, Matrix([
    [0],
    [1]]))
    """
    Xm, ym, xs = _exact_inputs(X_value, y_value, x_star, "x_star")
    tv = exact_scalar(t_value)
    values = _values(Xm, ym, {XS: sp.ImmutableMatrix(xs), t: tv})
    values[KS] = _evaluated((X * XS).xreplace(values))  # the derivation's k* and E(t)
    if tv is not sp.oo:
        values[EM] = _evaluated(E_T.xreplace(values))
    a_key, b_key = ("a_inf", "b_inf") if tv is sp.oo else ("a", "b")
    a = _instantiate(_formula("flow.predictions", a_key), values)[0, 0]
    b = _instantiate(_formula("flow.predictions", b_key), values)
    return a, b


# -- derivations -------------------------------------------------------------------------------


def residual() -> Derivation:
    """``flow.residual``: :math:`\\tfrac{d\\mathbf{r}}{dt} = -\\mathbf{K}\\mathbf{r}`,
    :math:`\\mathbf{K} = \\mathbf{J}\\mathbf{J}^\\top`,
    and :math:`\\mathbf{f}(t) = \\mathbf{y} + e^{-\\mathbf{K}t}(\\mathbf{f}_0 - \\mathbf{y})`
    (000, eq 8–12; sum scale
    :math:`\\tfrac12\\|\\mathbf{f} - \\mathbf{y}\\|^2`, with the mean scale K becomes K/N)."""
    general = Assumptions(
        definitions={K: J * J.T}, text=("$J = \\partial f/\\partial w$ at the current parameters",)
    )
    Qn = sp.MatrixSymbol("Q", N, N)
    Dn = sp.MatrixSymbol("D", N, N)
    eig = Assumptions(
        matrices={Qn: "orthogonal", Dn: "diagonal_nonneg"},
        definitions={K: Qn * Dn * Qn.T},
        sizes={N: (1, 2, 3)},
        text=("$K = QDQ^T$, $D = \\mathrm{diag}(\\lambda_j)$, $\\lambda_j \\ge 0$",),
    )
    steps = [
        Step(
            Definition(sp.Derivative(W, t, evaluate=False), -J.T * (F - y)),
            "gradient flow on $\\frac12\\|f(w) - y\\|^2$ (flow.ode): $\\nabla L = J^T(f - "
            "y)$ by the chain rule",
        ),
        Step(
            Identity(J * (-J.T * (F - y)), -K * (F - y)),
            "chain rule: $\\frac{df}{dt} = J\\frac{dw}{dt}$; with $K = JJ^T$ (the tangent "
            "kernel on the training inputs) the residual $r = f - y$ obeys $\\frac{dr}{dt} "
            "= -Kr$",
            given=general,
        ),
        Step(
            Identity(X * -loss_gradient(W), -K * (X * W - y)),
            "the linear model $f = Xw$: $J = X$ and $K = XX^T$ does not depend on $w$, so "
            "the ODE is linear with constant coefficients",
        ),
        Step(
            Definition(RT, r_t),
            "the candidate (eq 9), the solution of the ODE of eq 8",
            label="candidate",
        ),
        Step(
            Identity(TimeDerivative(RT), -K * RT),
            "it solves $\\frac{dr}{dt} = -Kr$: $\\frac{d}{dt}e^{-Kt} = -Ke^{-Kt}$",
            given=Assumptions(definitions={RT: r_t}),
            label="ode",
        ),
        Step(
            Identity(r_t.subs(t, 0), R0),
            "with $r(0) = r^{(0)}$; the solution is unique",
            label="initial",
        ),
        Step(
            Identity(Qn.T * EXP * R0, MatExp(-Dn * t) * Qn.T * R0),
            "in the eigenbasis of $K$ each coordinate of the residual decays on its own: "
            "$\\tilde r_j(t) = e^{-\\lambda_j t}\\tilde r_j(0)$",
            given=eig,
            label="eigenbasis",
        ),
        Step(
            Definition(FT, f_t),
            "the function at the data points, $f(t) = y + r(t)$ (eq 10; eq 12 for the linear "
            "model)",
            label="outputs",
        ),
        Step(
            Identity(TimeDerivative(FT), -K * (FT - y)),
            "it obeys $\\frac{df}{dt} = -K(f - y)$ with $f(0) = f^{(0)}$",
            given=Assumptions(definitions={FT: f_t}),
            label="outputs_ode",
        ),
    ]
    return Derivation(
        id="flow.residual",
        title="The residual decays through the tangent kernel",
        source=Source(SOURCE, "evolution of residual, closed-form function evolution, eq 8-12"),
        assumptions=KERNEL,
        steps=steps,
        formulas={
            "r": Formula(
                RT,
                r_t,
                (K, R0, t),
                step="candidate",
                proof=("ode", "initial"),
                spectral=DECAY,
                spectral_params=(LAM, t),
                spectral_step="eigenbasis",
                text="r(t) = exp(-K t) r(0); along an eigenvector of K: exp(-lambda t)",
            ),
            "f": Formula(
                FT,
                f_t,
                (K, y, F0, t),
                step="outputs",
                proof=("ode", "initial", "outputs_ode"),
                spectral=DECAY,
                spectral_params=(LAM, t),
                spectral_step="eigenbasis",
                text="f(t) = y + exp(-K t)(f(0) - y) at the training inputs",
            ),
        },
        summary="In function space the residual obeys the linear ODE $dr/dt = -Kr$ with the kernel "
        "$K = XX^T$, so $f(t) = y + e^{-Kt}(f_0 - y)$.",
    )


def trainability() -> Derivation:
    """``flow.trainability``: :math:`\\mathbf{r}(\\infty) = (\\mathbf{I} -
    \\mathbf{K}\\mathbf{K}^\\dagger)\\mathbf{r}(0)`,
    zero iff K has full rank; eigendirection j of K decays at rate :math:`\\lambda_j` (000,
    "Trainability";
    sum scale, :math:`\\mathbf{K} = \\mathbf{X}\\mathbf{X}^\\top`)."""
    lam = sp.Symbol("lambda_j", positive=True)
    Qn = sp.MatrixSymbol("Q", N, N)
    Dn = sp.MatrixSymbol("D", N, N)
    eig = Assumptions(
        matrices={Qn: "orthogonal", Dn: "diagonal_nonneg"},
        definitions={K: Qn * Dn * Qn.T},
        sizes={N: (1, 2, 3, 4)},
        text=(
            "$K = QDQ^T$: $Q$ orthogonal, $D = \\mathrm{diag}(\\lambda_j)$, $\\lambda_j "
            "\\ge 0$ (zeros included)",
        ),
    )
    steps = [
        Step(
            Identity(Qn.T * EXP * R0, MatExp(-Dn * t) * Qn.T * R0),
            "in the eigenbasis of K each coordinate decays on its own: $\\tilde r_j(t) = "
            "e^{-\\lambda_j t}\\tilde r_j(0)$; the speed is set by the eigenvalues",
            given=eig,
        ),
        Step(
            Identity(sp.Limit(sp.exp(-lam * t), t, sp.oo), sp.Integer(0)),
            "a direction with $\\lambda_j > 0$ is fitted; one with $\\lambda_j = 0$ keeps its "
            "residual (its factor $e^{-\\lambda_j t}$ is 1)",
            label="fitted",
        ),
        Step(
            Identity(Qn * (IN - Dn * Pinv(Dn)) * Qn.T, IN - K * Pinv(K)),
            "so $e^{-Dt} \\to I - DD^\\dagger$ (1 where $\\lambda_j = 0$, else 0), and "
            "$e^{-Kt} \\to I - KK^\\dagger$, the projection onto the null space of K",
            given=eig,
        ),
        Step(
            Identity(MatrixLimit(EXP * R0, t, sp.oo), (IN - K * Pinv(K)) * R0),
            "$r(\\infty) = \\lim_{t\\to\\infty} e^{-Kt}r(0) = (I - KK^\\dagger)r(0)$ "
            "(SymPy's limit entry by entry at exact instances of random rank; the "
            "eigenbasis steps above are the proof for every K)",
            given=KERNEL,
            label="residual_limit",
        ),
        Step(
            Identity(K * (IN - K * Pinv(K)) * R0, sp.ZeroMatrix(N, 1)),
            "$r(\\infty) = (I - KK^\\dagger)r(0)$ lies in the null space of K: the part of "
            "the residual the model cannot reach",
            given=KERNEL,
        ),
        Step(
            Identity(IN - K * Pinv(K), sp.ZeroMatrix(N, N)),
            "trainable: when K is full rank ($\\mathrm{rank}\\,X = N \\le D$) the residual "
            "tends to 0",
            given=Assumptions(matrices={K: "pd"}),
        ),
        Step(
            Refuted((IN - K * Pinv(K)) * R0, sp.ZeroMatrix(N, 1)),
            "not trainable: for singular K some residuals never vanish",
            given=Assumptions(matrices={K: "singular_psd"}, sizes={N: (2, 3)}),
        ),
        Step(
            Identity((IN - K * Pinv(K)) * R0, sp.ZeroMatrix(N, 1)),
            "but some do: three collinear points, the line $w_1 x + w_2$ through $(0, 1)$, "
            "$(1, 2)$, $(u, 1 + u)$ from $w_0 = 0$, so $r(0) = -y$: K is singular (rank 2) "
            "and yet $r(\\infty) = 0$, since $y$ lies in the range of X",
            given=COLLINEAR,
            label="collinear",
        ),
    ]
    source_claims = [
        Step(
            Refuted(K * Pinv(K), IN),
            "000 says that if K is not full rank the model cannot fit the data exactly, i.e. "
            "$r(\\infty) = 0$ forces $KK^\\dagger = I$; at the three collinear points "
            "above $r(\\infty) = 0$ (step collinear) while $KK^\\dagger \\ne I$: K is "
            "singular, the fit exact",
            given=COLLINEAR,
            label="source_not_full_rank",
        )
    ]
    return Derivation(
        id="flow.trainability",
        title="Trainability and convergence speed from the eigenvalues of K",
        source_claims=source_claims,
        source=Source(SOURCE, "trainability and convergence in the linear model (eq 12)"),
        assumptions=Assumptions(
            sizes=SMALL,
            text=("$K = XX^T$ symmetric PSD of any rank; $r(t) = e^{-Kt}r(0)$ (flow.residual)",),
        ),
        steps=steps,
        result=steps[3].claim,
        formulas={
            "r_inf": Formula(
                R_INF,
                r_inf,
                (K, R0),
                step="residual_limit",
                spectral=DECAY_INF,
                spectral_params=(LAM,),
                spectral_step="fitted",
                text="r(oo) = (I - K K^+) r(0); along an eigenvector of K: 1 if lambda = 0, else 0",
            )
        },
        summary="The residual's component along an eigenvector of K decays like $e^{-\\lambda t}$; "
        "the component in the null space of K stays, so the training data are fitted "
        "exactly iff K has full rank.",
    )


def parameter_evolution_derivation() -> Derivation:
    """``flow.parameter_evolution``: :math:`\\mathbf{w}(t) = \\mathbf{w}_0 -
    \\mathbf{X}^\\top\\mathbf{K}^\\dagger
    (\\mathbf{I} - e^{-\\mathbf{K}t})(\\mathbf{X}\\mathbf{w}_0 - \\mathbf{y})` for any rank (000,
    eq 13–18; sum scale)."""
    steps = [
        Step(
            Definition(WT, w_t),
            "the candidate for any rank (eq 16 with $K^\\dagger$ in place of $K^{-1}$)",
            label="candidate",
        ),
        Step(
            Identity(TimeDerivative(WT), -loss_gradient(WT)),
            "it solves the flow ODE: its derivative is $-\\nabla L(w(t))$, since "
            "$X^TKK^\\dagger = X^T$ and $K^\\dagger K e^{-Kt} = KK^\\dagger e^{-Kt}$",
            given=Assumptions(definitions={WT: w_t}),
            label="ode",
        ),
        Step(
            Identity(w_t.subs(t, 0), W0),
            "and starts at $w_0$",
            label="initial",
        ),
        Step(
            Identity(w_t, WSTAR + MatExp(-X.T * X * t) * (W0 - WSTAR)),
            "when $X^TX$ is invertible it is the overdetermined form of "
            "flow.parameter_solution (eq 18): $X^T g(XX^T) = g(X^TX)X^T$",
            given=FULL_COLUMN_RANK,
        ),
        Step(
            Identity(sp.Integral(sp.exp(-LAM * TAU), (TAU, 0, t)), PHI),
            "along an eigenvector of $K$ with eigenvalue $\\lambda_j$, "
            "$K^\\dagger(I - e^{-Kt})$ acts as $\\varphi(\\lambda_j, t) = "
            "\\int_0^t e^{-\\lambda_j\\tau}d\\tau$ when $\\lambda_j > 0$; on the null space of $K$ "
            "the factor $X^T$ is 0, so $w(t) = w_0 - X^T\\varphi(K, t)\\,(Xw_0 - y)$",
            label="phi",
        ),
        Step(
            Identity(sp.Limit((1 - sp.exp(-LAM_POS * t)) / LAM_POS, t, sp.oo), 1 / LAM_POS),
            "$\\varphi(\\lambda_j, \\infty) = 1/\\lambda_j$ for $\\lambda_j > 0$: "
            "$w(\\infty) = w_0 - X^TK^\\dagger(Xw_0 - y)$",
            label="phi_limit",
        ),
        Step(
            Identity(MatrixLimit(w_t, t, sp.oo), w_inf),
            "as $t \\to \\infty$, $I - e^{-Kt} \\to KK^\\dagger$ (flow.trainability): the "
            "limit keeps the part of $w_0$ in the null space of X and adds the "
            "minimum-norm solution $X^\\dagger y$ (SymPy's limit entry by entry at exact "
            "instances)",
            label="limit",
        ),
    ]
    return Derivation(
        id="flow.parameter_evolution",
        title="Parameter evolution for any rank, and its limit",
        source=Source(
            SOURCE, "evolution of parameters, eq 13-18; comparison to closed-form solution"
        ),
        assumptions=KERNEL,
        steps=steps,
        result=steps[1].claim,
        formulas={
            "w": Formula(
                WT,
                w_t,
                (X, y, W0, t),
                step="candidate",
                proof=("ode", "initial"),
                spectral=PHI,
                spectral_params=(LAM, t),
                spectral_step="phi",
                text="w(t) = w0 - X^T K^+ (I - exp(-K t))(X w0 - y); along an eigenvector of K: "
                "phi(lambda, t) = (1 - exp(-lambda t))/lambda (t at lambda = 0)",
            ),
            "w_inf": Formula(
                W_INF,
                w_inf,
                (X, y, W0),
                step="limit",
                spectral=PHI_INF,
                spectral_params=(LAM,),
                spectral_step="phi_limit",
                text="w(oo) = (I - X^+ X) w0 + X^+ y; along an eigenvector of K: 1/lambda",
            ),
        },
        summary="The parameters move only within the row space of X; they converge to the "
        "projection of $w_0$ onto the solution set, $(I - X^\\dagger X)w_0 + X^\\dagger "
        "y$, which is $X^\\dagger y$ from $w_0 = 0$.",
    )


def predictions() -> Derivation:
    """``flow.predictions``: :math:`f(\\mathbf{x}_\\star, t) = a(t) + "
    "\\mathbf{b}(t)^\\top\\mathbf{w}_0` (000, eq 21–24; sum scale)."""
    defs = Assumptions(definitions={KS: X * XS, EM: E_T})
    steps = [
        Step(Definition(KS, X * XS), "the kernel between the new input and the training inputs"),
        Step(Definition(EM, E_T), "how far each eigendirection of K has been fitted at time t"),
        Step(Definition(AT, a_t), "the part of the prediction fixed by the data", label="a"),
        Step(Definition(BT, b_t), "the coefficient of the initial parameters", label="b"),
        Step(
            Identity(XS.T * w_t, a_t + b_t.T * W0),
            "the prediction $x_\\star^T w(t)$ (flow.parameter_evolution) is affine in "
            "$w_0$; $K^\\dagger$ and $e^{-Kt}$ are symmetric and commute",
            given=defs,
            label="affine",
        ),
        Step(
            Identity(MatrixLimit(a_t, t, sp.oo), a_inf),
            "at $t = \\infty$, $E \\to KK^\\dagger$ and $a(\\infty) = x_\\star^T "
            "X^\\dagger y$: the least-squares prediction",
            given=defs,
            label="a_limit",
        ),
        Step(
            Identity(MatrixLimit(b_t, t, sp.oo), b_inf),
            "and $b(\\infty) = (I - X^\\dagger X)x_\\star$: $w_0$ still matters along the "
            "null space of X",
            given=defs,
            label="b_limit",
        ),
        Step(
            Identity(sp.Integral(sp.exp(-LAM * TAU), (TAU, 0, t)), PHI),
            "along an eigenvector of $K$: $f(x_\\star, t) = x_\\star^Tw_0 - k_\\star^T"
            "\\varphi(K, t)(Xw_0 - y)$ with $\\varphi(\\lambda_j, t) = \\int_0^t "
            "e^{-\\lambda_j\\tau}d\\tau$ (flow.parameter_evolution)",
            label="phi",
        ),
    ]
    return Derivation(
        id="flow.predictions",
        title="Predictions at a new input during training",
        source=Source(SOURCE, "evolution of model predictions, eq 21-24"),
        assumptions=KERNEL,
        steps=steps,
        result=steps[4].claim,
        formulas={
            "f": Formula(
                F_STAR,
                a_t + b_t.T * W0,
                (X, y, W0, XS, t),
                step="affine",
                spectral=PHI,
                spectral_params=(LAM, t),
                spectral_step="phi",
                text="f(x*, t) = a(t) + b(t)^T w0 = x*^T w0 - k*^T phi(K, t)(X w0 - y), "
                "k* = X x*, E(t) = I - exp(-K t)",
            ),
            "a": Formula(AT, a_t, (X, y, XS, t), step="a", text="a(t) = k*^T K^+ E(t) y"),
            "b": Formula(BT, b_t, (X, XS, t), step="b", text="b(t) = x* - X^T E(t) K^+ k*"),
            "a_inf": Formula(A_INF, a_inf, (X, y, XS), step="a_limit", text="a(oo) = x*^T X^+ y"),
            "b_inf": Formula(B_INF, b_inf, (X, XS), step="b_limit", text="b(oo) = (I - X^+ X) x*"),
        },
        summary="The prediction at a new point is an affine function $a(t) + b(t)^T w_0$ of the "
        "initial parameters, which is what makes its uncertainty under a Gaussian $w_0$ "
        "computable.",
    )


DERIVATIONS = [residual, trainability, parameter_evolution_derivation, predictions]
