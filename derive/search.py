"""Steepest descent, exact line search and backtracking (003, issue 12).

Source: 003 (the slides): the directional derivative by the chain rule, "which direction
minimises our function fastest?", the update :math:`x_{new} = x_{old} - \\varepsilon
\\nabla f(x_{old})`, the learning-rate dilemma, and the worked example
:math:`f(x) = x^2 - 4x + 5` from :math:`x = 0`.

Derivations: ``search.steepest_descent``, ``search.exact_line_search``,
``search.backtracking``.  Norms and inner products of abstract vectors are scalar symbols
(:class:`~gdflow.derive.convexity.Term`); the steps that use a hypothesis carry it as a
condition, so the engine decides the implication itself.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .convexity import Term
from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .matrices import exact_matrix, exact_scalar
from .notation import A, b, k, kappa, n, w
from .quadratic import objective, objective_expr

__all__ = [
    "steepest_descent",
    "exact_line_search",
    "backtracking",
    "exact_step",
    "armijo_backtracking",
    "MAX_REDUCTIONS",
    "DERIVATIONS",
]

SOURCE = "003_b986fbe0add72eb9.txt"

_NAMES: dict[str, tuple[str, str]] = {
    "Dir(u,g)": (r"\mathbf{u}^\top\mathbf{g}", "uᵀg"),
    "Norm(g)": (r"\|\mathbf{g}\|", "‖g‖"),
    "NormSq(g)": (r"\|\mathbf{g}\|^2", "‖g‖²"),
    "gAg": (r"(\mathbf{g}^\top\mathbf{A}\mathbf{g})", "(gᵀAg)"),
    "gAinvg": (r"(\mathbf{g}^\top\mathbf{A}^{-1}\mathbf{g})", "(gᵀA⁻¹g)"),
    "f(w)": (r"f(\mathbf{w})", "f(w)"),
    "f(w-eg)": (r"f(\mathbf{w} - \varepsilon\mathbf{g})", "f(w - εg)"),
}
"""name -> (LaTeX, text) of each :class:`_Term` of this module (the two quadratic forms in
parentheses, so that a product of them reads as one)."""


class _Term(Term):
    """A scalar standing for an inner product, a norm or a value of f (as
    :class:`~gdflow.derive.convexity.Term`), printed from :data:`_NAMES`."""

    def _latex(self, printer: Any) -> str:
        return _NAMES[self.name][0]

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(_NAMES[self.name][1])


_u = sp.MatrixSymbol("u", n, 1)
_g = sp.MatrixSymbol("g", n, 1)
_g_plus = sp.MatrixSymbol("g^+", n, 1)
_w_plus = sp.MatrixSymbol("w^+", n, 1)
_eps = sp.Symbol("epsilon", positive=True)
_t = _Term("Dir(u,g)", real=True)
_G = _Term("Norm(g)", positive=True)
_S = _Term("NormSq(g)", positive=True)
_a = _Term("gAg", positive=True)
_h = _Term("gAinvg", positive=True)


def _when(*conds: sp.Basic) -> Assumptions:
    return Assumptions(conditions=conds)


# -- the cost of one step on least squares (003: "O(n) per iteration") --------------------------

_m_data = sp.Symbol("m", integer=True, positive=True)
_c_const = sp.Symbol("c", integer=True, positive=True)
"""A constant of the claimed bound; an integer, since a real bound c implies the integer ⌈c⌉."""
_ops = sp.Symbol("C_{m,n}", positive=True)
_OPS_COUNT = sp.Add(
    _m_data * n,
    _m_data * (n - 1),
    _m_data,
    n * _m_data,
    n * (_m_data - 1),
    2 * n,
    evaluate=False,
)
r"""The arithmetic of one GD step on :math:`\frac12\|\mathbf X\mathbf w - \mathbf y\|^2`,
X of size m x n, term by term: Xw (mn products, m(n - 1) sums), minus y (m), Xᵀr (nm products,
n(m - 1) sums), w - εg (n products, n differences)."""


def _cost_steps() -> list[Step]:
    """The operation count :math:`C_{m,n} = n(4m + 1)` of one step and its growth in m."""
    total = n * (4 * _m_data + 1)
    return [
        Step(
            Definition(_ops, _OPS_COUNT),
            "the cost of one step $w - \\varepsilon X^T(X w - y)$ on least squares with $m$"
            " data points and $n$ features ($X$ is $m \\times n$), counted as written: $X w$"
            " takes $mn$ products and $m(n - 1)$ sums, subtracting $y$ takes $m$, $X^T r$"
            " takes $nm$ products and $n(m - 1)$ sums, the update $2n$",
            label="cost_count",
        ),
        Step(
            Identity(_OPS_COUNT, total),
            "in all $C_{m,n} = n(4m + 1)$ arithmetic operations per iteration",
            label="cost_total",
        ),
        Step(
            Holds(total > _c_const * n),
            "for every constant $c$ (a whole number: a real bound $c$ gives the whole number"
            " $\\lceil c \\rceil$) every number of data points $m \\ge c$ makes the step cost"
            " more than $c\\,n$: the cost grows with $m$ as well as $n$, it is $\\Theta(mn)$",
            given=_when(_m_data >= _c_const),
            label="cost_unbounded",
        ),
    ]


def _cost_claim() -> Step:
    """003's "O(n) per iteration", refuted: :math:`C_{m,n} \\le c\\,n` fails at m = c."""
    total = n * (4 * _m_data + 1)
    return Step(
        Refuted(sp.Piecewise((1, total <= _c_const * n), (0, True)), 1),
        '003 lists "$O(n)$ per iteration" among gradient descent\'s advantages, i.e. $C_{m,n}'
        " \\le c\\,n$ for some constant $c$; whatever $c$, at $m = c$ data points the cost is"
        " $(4c + 1)n > c\\,n$ (the slide's 10,000 features with $c = 100$, $m = 100$: 4,010,000"
        " operations against $cn$ = 1,000,000). The step costs $O(mn)$",
        given=Assumptions(definitions={_m_data: _c_const}),
        label="cost_O_n",
    )


# -- search.steepest_descent ----------------------------------------------------------------------


def steepest_descent() -> Derivation:
    """``search.steepest_descent``: the directional derivative :math:`D_{\\mathbf{u}} f =
    \\frac{\\partial}{\\partial\\alpha} f(\\mathbf{x} + \\alpha\\mathbf{u}) =
    \\mathbf{u}^\\top\\nabla f` (003, "directional derivative", chain rule); among unit
    :math:`\\mathbf{u}` it is at least :math:`-\\|\\nabla f\\|` (Cauchy-Schwarz), with equality at
    :math:`\\mathbf{u} = -\\nabla f/\\|\\nabla f\\|` (003, "the optimal direction").  The slides'
    step :math:`\\min_u \\|\\nabla f\\|\\cos\\theta = \\min_u \\cos\\theta` is refuted."""
    u1, u2, g1, g2 = sp.symbols("u_1 u_2 g_1 g_2", real=True)
    Du = sp.Symbol("D_u", real=True)
    theta = sp.Symbol("theta", real=True)
    unit = sp.Eq(u1**2 + u2**2, 1)
    steps = [
        Step(
            Definition(Du, _t),
            "003's chain rule at $x + \\alpha u$: $\\frac{\\partial}{\\partial\\alpha}"
            " f(x + \\alpha u) = u^T \\nabla f(x)$, the directional derivative; write $g ="
            " \\nabla f(x)$",
            label="directional",
        ),
        Step(
            Identity(
                (u1**2 + u2**2) * (g1**2 + g2**2) - (u1 * g1 + u2 * g2) ** 2,
                (u1 * g2 - u2 * g1) ** 2,
            ),
            "Lagrange's identity in two coordinates ($\\|u\\|^2\\|g\\|^2 - (u^T g)^2$ is a sum"
            " of squares $(u_i g_j - u_j g_i)^2$ over $i < j$ in general)",
            label="lagrange",
        ),
        Step(
            Holds((u1 * g1 + u2 * g2) ** 2 <= g1**2 + g2**2),
            "Cauchy-Schwarz for a unit vector: the square above is nonnegative",
            given=_when(unit),
            label="cauchy_schwarz",
        ),
        Step(
            Holds(_t >= -_G),
            "so $u^T g \\ge -\\|g\\|$ for every unit $u$",
            given=_when(_t**2 <= _G**2),
            label="lower_bound",
        ),
        Step(
            Identity(_u.T * _u, _g.T * _g / _G**2),
            "the candidate $u = -g/\\|g\\|$ ($g \\ne 0$) has $\\|u\\|^2 = \\|g\\|^2/\\|g\\|^2 = 1$",
            given=Assumptions(definitions={_u: -_g / _G}),
            label="unit_candidate",
        ),
        Step(
            Identity(_u.T * _g, -(_g.T * _g) / _G),
            "and $u^T g = -\\|g\\|^2/\\|g\\| = -\\|g\\|$: the bound is attained, so the steepest"
            " descent direction is $-g/\\|g\\|$ and the rate there is $-\\|g\\|$",
            given=Assumptions(definitions={_u: -_g / _G}),
            label="attained",
        ),
        Step(
            Identity(-_S / _G, -_G),
            "with $\\|g\\|^2 = \\|g\\| \\cdot \\|g\\|$",
            given=Assumptions(definitions={_S: _G**2}),
            label="attained_value",
        ),
    ]
    steps += _cost_steps()
    source_claims = [
        Step(
            Refuted(_G * sp.cos(theta), sp.cos(theta)),
            '003: "Since $u$ is a unit vector: $\\min_u \\|\\nabla f(x)\\|_2 \\cos\\theta ='
            ' \\min_u \\cos\\theta$". The minimisers agree ($\\theta = 180^\\circ$) but the values'
            " differ unless $\\|\\nabla f\\| = 1$: at $\\|\\nabla f\\| = 2$ the left side is $-2$,"
            " the right $-1$",
            given=Assumptions(definitions={theta: sp.pi}),
            label="min_cos",
        ),
        _cost_claim(),
    ]
    return Derivation(
        id="search.steepest_descent",
        title="The directional derivative and the steepest descent direction",
        source=Source(SOURCE, "directional derivative; the optimal direction"),
        assumptions=Assumptions(
            text=("$f$ differentiable at $x$, $g = \\nabla f(x) \\ne 0$; $u$ a unit vector",)
        ),
        steps=steps,
        source_claims=source_claims,
        result=next(s.claim for s in steps if s.label == "lower_bound"),
        summary="The rate of change along a unit direction is $u^T g$, never below $-\\|g\\|$,"
        " and exactly $-\\|g\\|$ along $-g/\\|g\\|$: the negative gradient is the steepest"
        " descent direction.",
    )


# -- search.exact_line_search ---------------------------------------------------------------------


def exact_line_search() -> Derivation:
    """``search.exact_line_search``: on :math:`J = \\frac12\\mathbf{w}^\\top\\mathbf{A}\\mathbf{w}
    + \\mathbf{b}^\\top\\mathbf{w} + c` (A positive definite), with :math:`\\mathbf{g} =
    \\mathbf{A}\\mathbf{w} + \\mathbf{b}`, :math:`\\varphi(\\varepsilon) = J(\\mathbf{w} -
    \\varepsilon\\mathbf{g})` is a parabola minimised at :math:`\\varepsilon_\\star =
    \\mathbf{g}^\\top\\mathbf{g}/\\mathbf{g}^\\top\\mathbf{A}\\mathbf{g}`; successive gradients are
    orthogonal; and the gap shrinks by at least :math:`((\\kappa - 1)/(\\kappa + 1))^2` per step
    (Kantorovich).  003 poses the choice of :math:`\\varepsilon` ("the learning rate dilemma",
    update :math:`x_{new} = x_{old} - \\varepsilon\\nabla f(x_{old})`); the choice that minimises
    along the line is this one."""
    eps = sp.Symbol("epsilon", real=True)
    es = sp.Symbol("epsilon_star", positive=True)
    J0 = sp.Symbol("J_0", real=True)
    phi = J0 - eps * _S + eps**2 / 2 * _a
    grad = Assumptions(definitions={_g: A * w + b}, matrices={A: "pd"})
    star = Assumptions(definitions={es: _S / _a})
    x, y = sp.Symbol("x", nonnegative=True), sp.Symbol("y", nonnegative=True)
    m, M = sp.Symbol("m", positive=True), sp.Symbol("M", positive=True)
    gap, gap1 = sp.Symbol("Delta", nonnegative=True), sp.Symbol("Delta^+", real=True)
    kant = _S**2 * (m + M) ** 2 >= 4 * m * M * _a * _h
    lam_ = sp.Symbol("lambda", positive=True)
    g3v = sp.Matrix(sp.symbols("g_1 g_2 g_3", real=True))
    a3 = sp.Matrix([[3, 1, 0], [1, 3, 0], [0, 0, 1]])  # spectrum 1, 2, 4
    m3, M3 = min(a3.eigenvals()), max(a3.eigenvals())
    _S3, _a3, _h3 = (sp.expand((g3v.T * X * g3v)[0, 0]) for X in (sp.eye(3), a3, a3.inv()))
    rate = ((M - m) / (M + m)) ** 2
    steps = [
        Step(
            Identity(
                objective_expr(w - eps * _g),
                objective_expr(w) - eps * _g.T * _g + eps**2 / 2 * _g.T * A * _g,
            ),
            "expand $J$ along the line, with $g = A w + b$ and $A$ symmetric",
            given=grad,
            label="along_line",
        ),
        Step(
            Definition(sp.Function("varphi")(eps), phi),
            "so with $J_0 = J(w)$ the line function is a parabola in $\\varepsilon$",
            label="parabola",
        ),
        Step(
            Identity(sp.Derivative(phi, eps), -_S + eps * _a),
            "its slope",
            label="slope",
        ),
        Step(
            Identity(-_S + es * _a, 0),
            "vanishes at $\\varepsilon_\\star = g^T g / g^T A g$",
            given=star,
            label="stationary",
        ),
        Step(
            Identity(sp.Derivative(phi, eps, 2), _a),
            "the curvature $g^T A g > 0$ ($A$ positive definite, $g \\ne 0$): a minimum",
            label="curvature",
        ),
        Step(
            Identity(phi.subs(eps, es), J0 - _S**2 / (2 * _a)),
            "the value at the minimum: $J(w^+) = J(w) - (g^T g)^2/(2 g^T A g)$",
            given=star,
            label="decrease",
        ),
        Step(
            Identity(A * (w - eps * _g) + b, _g - eps * A * _g),
            "the next gradient $g^+ = A(w - \\varepsilon g) + b$",
            given=grad,
            label="next_gradient",
        ),
        Step(
            Identity(_g_plus.T * _g, _g.T * _g - eps * _g.T * A * _g),
            "its inner product with $g$",
            given=Assumptions(definitions={_g_plus: _g - eps * A * _g}, matrices={A: "pd"}),
            label="inner",
        ),
        Step(
            Identity(_S - es * _a, 0),
            "is zero at $\\varepsilon_\\star$: successive gradients are orthogonal",
            given=star,
            label="orthogonal",
        ),
        Step(
            Identity(
                (x + y) ** 2 * (m + M) ** 2 - 4 * m * M * (m * x + M * y) * (x / m + y / M),
                (M - m) ** 2 * (x - y) ** 2,
            ),
            "Kantorovich in two dimensions: in the eigenbasis $A = \\mathrm{diag}(m, M)$ with"
            " $x = \\tilde g_1^2$, $y = \\tilde g_2^2$, $g^T g = x + y$, $g^T A g = m x + M y$,"
            " $g^T A^{-1} g = x/m + y/M$",
            label="kantorovich_2d_square",
        ),
        Step(
            Holds((x + y) ** 2 * (m + M) ** 2 >= 4 * m * M * (m * x + M * y) * (x / m + y / M)),
            "so $(g^T g)^2 (m + M)^2 \\ge 4 m M (g^T A g)(g^T A^{-1} g)$ for every 2 x 2"
            " positive definite $A$",
            given=_when(m <= M),
            label="kantorovich_2d",
        ),
        Step(
            Identity(
                (M * sp.Identity(n) - A) * (A - m * sp.Identity(n)) * A.I,
                (m + M) * sp.Identity(n) - A - m * M * A.I,
            ),
            "for any $n$ (Kantorovich 1948; Luenberger & Ye, Linear and Nonlinear Programming,"
            " §8.3): a product of three functions of $A$",
            given=Assumptions(matrices={A: "pd"}),
            label="kantorovich_matrix",
        ),
        Step(
            Holds((M - lam_) * (lam_ - m) / lam_ >= 0),
            "at each eigenvalue $\\lambda \\in [m, M]$ of $A$ it is $\\ge 0$",
            given=_when(lam_ >= m, lam_ <= M),
            label="kantorovich_eigen",
        ),
        Step(
            Definition(_a + m * M * _h <= (m + M) * _S),
            "so the matrix is positive semidefinite (the spectral theorem: a function of a"
            " symmetric $A$ has the function's values at the eigenvalues as its eigenvalues;"
            " stated), and with $g$: $g^T A g + m M\\, g^T A^{-1} g \\le (m + M)\\, g^T g$",
            label="kantorovich_psd",
        ),
        Step(
            Identity((_a + m * M * _h) ** 2 - 4 * m * M * _a * _h, (_a - m * M * _h) ** 2),
            "the square of a difference",
            label="kantorovich_amgm",
        ),
        Step(
            Holds(kant),
            "so $4 m M (g^T A g)(g^T A^{-1} g) \\le (g^T A g + m M\\, g^T A^{-1} g)^2 \\le (m +"
            " M)^2 (g^T g)^2$: Kantorovich's inequality for any $n$, $m$ and $M$ the extreme"
            " eigenvalues of $A$",
            given=_when(_a + m * M * _h <= (m + M) * _S),
            label="kantorovich",
        ),
        Step(
            Holds(_S3**2 * (m3 + M3) ** 2 >= 4 * m3 * M3 * _a3 * _h3),
            "an exact instance with $n = 3$: $A = [[3, 1, 0], [1, 3, 0], [0, 0, 1]]$ (spectrum"
            " 1, 2, 4: $m = 1$, $M = 4$), $g = (g_1, g_2, g_3)$, $g^T A^{-1} g$ from $A^{-1} ="
            " \\frac18 [[3, -1, 0], [-1, 3, 0], [0, 0, 8]]$",
            label="kantorovich_3",
        ),
        Step(
            Holds(gap1 <= rate * gap),
            "the gap $\\Delta = J(w) - J_\\star = \\frac12 g^T A^{-1} g$ and the decrease above"
            " give $\\Delta^+ = \\Delta - (g^T g)^2/(2 g^T A g) \\le ((M - m)/(M + m))^2\\Delta$",
            given=_when(sp.Eq(gap, _h / 2), sp.Eq(gap1, gap - _S**2 / (2 * _a)), kant, m <= M),
            label="rate",
        ),
        Step(
            Identity(rate, ((kappa - 1) / (kappa + 1)) ** 2),
            "in the condition number $\\kappa = M/m$",
            given=Assumptions(definitions={kappa: M / m}),
            label="rate_kappa",
        ),
    ]
    return Derivation(
        id="search.exact_line_search",
        title="Exact line search on a quadratic",
        source=Source(SOURCE, "the update rule and the learning-rate dilemma"),
        assumptions=Assumptions(
            text=(
                "$J(w) = \\frac12 w^T A w + b^T w + c$, $A$ symmetric positive definite with"
                " extreme eigenvalues $0 < m \\le M$, $\\kappa = M/m$",
                "$g = A w + b \\ne 0$",
            )
        ),
        steps=steps,
        result=next(s.claim for s in steps if s.label == "rate"),
        summary="Along the negative gradient a quadratic is a parabola; its minimiser"
        " $\\varepsilon_\\star = g^T g/g^T A g$ makes the next gradient orthogonal to this one,"
        " and the gap shrinks at least by $((\\kappa - 1)/(\\kappa + 1))^2$ per step.",
    )


# -- search.backtracking --------------------------------------------------------------------------


def _f(x: sp.Basic) -> sp.Basic:
    """003's worked example :math:`f(x) = x^2 - 4x + 5`."""
    return x**2 - 4 * x + 5


_X12 = sp.MatrixSymbol("X", 1, 2)
_Y1 = sp.MatrixSymbol("y", 1, 1)
_W_S = sp.MatrixSymbol("w_s", 2, 1)
_W_T = sp.MatrixSymbol("w_t", 2, 1)
_s, _t_line = sp.Symbol("s", real=True), sp.Symbol("t", real=True)
_LINE = Assumptions(
    definitions={
        _X12: sp.ImmutableMatrix([[1, 1]]),
        _Y1: sp.ImmutableMatrix([[1]]),
        _W_S: sp.ImmutableMatrix([_s, 1 - _s]),
        _W_T: sp.ImmutableMatrix([_t_line, 1 - _t_line]),
    },
    text=("$X = [1 \\; 1]$, $y = [1]$, $w_s = (s, 1 - s)$, $w_t = (t, 1 - t)$",),
)
"""Least squares with one data point and two weights: the minimisers form the line
:math:`w_1 + w_2 = 1` (003's "only one minimum" refuted)."""


def _line_of_minimisers(eps: sp.Symbol) -> list[Step]:
    """On :math:`\\frac12\\|\\mathbf X\\mathbf w - \\mathbf y\\|^2` with X = [[1, 1]], y = [1]:
    every :math:`\\mathbf w_s = (s, 1 - s)` fits exactly and GD never leaves it."""
    return [
        Step(
            Identity(_X12 * _W_S, _Y1),
            "least squares $f(w) = \\frac12\\|X w - y\\|^2 \\ge 0$ with one data point, $X ="
            " [1 \\; 1]$, $y = [1]$: every $w_s = (s, 1 - s)$ fits it exactly, so $f(w_s) = 0$"
            " and the whole line $w_1 + w_2 = 1$ consists of minimisers",
            given=_LINE,
            label="line_fits",
        ),
        Step(
            Identity(_W_S - eps * _X12.T * (_X12 * _W_S - _Y1), _W_S),
            "the gradient $X^T(X w_s - y)$ vanishes there, so GD started at $w_s$ stays at"
            " $w_s$ for every step size: the limit depends on the start",
            given=_LINE,
            label="line_fixed",
        ),
    ]


def backtracking() -> Derivation:
    """``search.backtracking``: Armijo's sufficient decrease :math:`f(\\mathbf{w} -
    \\varepsilon\\mathbf{g}) \\le f(\\mathbf{w}) - c\\varepsilon\\|\\mathbf{g}\\|^2`; for an
    M-smooth f every :math:`0 < \\varepsilon \\le 2(1 - c)/M` satisfies it (descent lemma), so
    halving from :math:`\\varepsilon_0` stops with :math:`\\varepsilon \\ge \\min(\\varepsilon_0,
    (1 - c)/M)`.  On 003's :math:`f(x) = x^2 - 4x + 5` from :math:`x = 0` the fixed step
    :math:`\\varepsilon = 1` cycles 0, 4, 0, ... while backtracking (:math:`\\varepsilon_0 = 1`,
    factor 1/2, :math:`c = 1/2`) accepts :math:`\\varepsilon = 1/2` and lands on the minimiser 2.
    003's "only one minimum, so GD always converges" is refuted by that cycle."""
    c = sp.Symbol("c", positive=True)
    M = sp.Symbol("M", positive=True)
    e = sp.Symbol("epsilon", positive=True)
    e0 = sp.Symbol("epsilon_0", positive=True)
    ep = sp.Symbol("epsilon_prev", positive=True)
    Fw, Fn = _Term("f(w)", real=True), _Term("f(w-eg)", real=True)
    x, x0 = sp.Symbol("x", real=True), sp.Symbol("x^(0)", real=True)
    xk = sp.Symbol("x^(k)", real=True)
    armijo = Fn <= Fw - c * e * _S
    lemma = Fn <= Fw - e * (1 - M * e / 2) * _S
    small = e <= 2 * (1 - c) / M
    c_range = (c < 1,)
    start = {x0: sp.Integer(0), c: sp.Rational(1, 2)}
    trial = x0 - e * sp.Derivative(_f(x), x).doit().subs(x, x0)
    cycle = 2 - 2 * (-1) ** k
    steps = [
        Step(
            Definition(armijo),
            "Armijo's sufficient decrease at the trial step $\\varepsilon$, $0 < c < 1$, $g ="
            " \\nabla f(w)$",
            label="armijo",
        ),
        Step(
            Definition(lemma),
            "the descent lemma of an $M$-smooth $f$ (the quadratic upper bound at $w -"
            " \\varepsilon g$, as in convexity.strong_rate)",
            label="descent_lemma",
        ),
        Step(
            Holds(armijo),
            "every $0 < \\varepsilon \\le 2(1 - c)/M$ passes Armijo: then $1 - M\\varepsilon/2"
            " \\ge c$",
            given=_when(lemma, small, *c_range),
            label="small_steps_pass",
        ),
        Step(
            Holds(e > (1 - c) / M),
            "halving: a rejected trial $\\varepsilon_{prev}$ fails Armijo, so"
            " $\\varepsilon_{prev} > 2(1 - c)/M$ by the step above, and the next trial is"
            " $\\varepsilon = \\varepsilon_{prev}/2$",
            given=_when(ep > 2 * (1 - c) / M, sp.Eq(e, ep / 2)),
            label="halving",
        ),
        Step(
            Holds(e >= sp.Min(e0, (1 - c) / M)),
            "so the accepted step is $\\varepsilon_0$ itself or exceeds $(1 - c)/M$: the loop"
            " stops (at the latest once $\\varepsilon \\le 2(1 - c)/M$) with this bound",
            given=_when(sp.Or(sp.Eq(e, e0), e > (1 - c) / M)),
            label="accepted_bound",
        ),
        Step(
            Holds(Fn < Fw),
            "and the accepted step decreases $f$ ($g \\ne 0$)",
            given=_when(armijo),
            label="decreases",
        ),
        Step(
            Identity(sp.Derivative(_f(x), x), 2 * x - 4),
            "003's example $f(x) = x^2 - 4x + 5$: $f'(x) = 2x - 4$, minimiser $x = 2$",
            label="example_derivative",
        ),
        Step(
            Identity(x - e * (2 * x - 4), 4 - x),
            "the fixed step $\\varepsilon = 1$ maps $x$ to $4 - x$",
            given=Assumptions(definitions={e: sp.Integer(1)}),
            label="fixed_map",
        ),
        Step(
            Recurrence(xk, cycle, k, lambda v, _k: 4 - v, sp.Integer(0)),
            "from $x^{(0)} = 0$: $0 \\mapsto 4 \\mapsto 0$, the iterates cycle and never reach 2",
            label="cycle",
        ),
        Step(
            Holds(_f(trial) > _f(x0) - c * e * (2 * x0 - 4) ** 2),
            "backtracking from $\\varepsilon_0 = 1$, $c = 1/2$: the trial $x = 4$ has $f = 5 >"
            " 5 - 8$, rejected",
            given=Assumptions(definitions={**start, e: sp.Integer(1)}),
            label="reject_one",
        ),
        Step(
            Holds(_f(trial) <= _f(x0) - c * e * (2 * x0 - 4) ** 2),
            "halved to $\\varepsilon = 1/2$: the trial $x = 2$ has $f = 1 \\le 5 - 4$, accepted",
            given=Assumptions(definitions={**start, e: sp.Rational(1, 2)}),
            label="accept_half",
        ),
        Step(
            Identity(trial, sp.Integer(2)),
            "and it is the minimiser: one step of backtracking solves 003's example",
            given=Assumptions(definitions={x0: sp.Integer(0), e: sp.Rational(1, 2)}),
            label="lands",
        ),
    ]
    steps += _line_of_minimisers(e)
    source_claims = [
        Step(
            Refuted(sp.Limit(sp.Abs(2 + (-1) ** k * (x0 - 2) - 2), k, sp.oo), sp.Integer(0)),
            '003: linear regression has "only ONE minimum" and "always converges";'
            " its own $f(x) = x^2 - 4x + 5$ has one minimum, yet GD with $\\varepsilon = 1$"
            " maps $x$ to $4 - x$, so $x^{(k)} = 2 + (-1)^k (x^{(0)} - 2)$ and the distance to"
            " the minimiser 2 stays $|x^{(0)} - 2|$ for every start but 2; from the slides' start"
            " $x^{(0)} = 0$ it is 2 for ever ($x^{(2)} = x^{(0)} = 0$, the cycle above)",
            label="always_converges",
        ),
        Step(
            Refuted(_W_S, _W_T),
            '003: "Only ONE minimum—the global minimum" for $f(W) = \\|y - XW\\|_2^2$.'
            " Convex, but not strictly: with $X = [1 \\; 1]$, $y = [1]$ every $w_s = (s, 1 -"
            " s)$ is a minimiser (above), and two of them differ: $s = 1$ gives $(1, 0)$, $t ="
            " 0$ gives $(0, 1)$, both with $f = 0$, each a fixed point of GD",
            given=_LINE,
            label="one_minimum",
        ),
    ]
    return Derivation(
        id="search.backtracking",
        title="Backtracking line search (Armijo) and 003's example",
        source=Source(SOURCE, "the learning-rate dilemma; the practice exercise"),
        assumptions=Assumptions(
            text=(
                "$f$ $M$-smooth, $g = \\nabla f(w) \\ne 0$; $0 < c < 1$; trial steps"
                " $\\varepsilon_0, \\varepsilon_0/2, \\dots$",
            )
        ),
        steps=steps,
        source_claims=source_claims,
        result=next(s.claim for s in steps if s.label == "accepted_bound"),
        summary="Halving stops once the step is at most $2(1 - c)/M$, so the accepted step is"
        " at least $\\min(\\varepsilon_0, (1 - c)/M)$ and decreases $f$; on 003's example the"
        " fixed step 1 cycles while backtracking finds the minimiser in one step.",
    )


# -- exact numbers for given data (the grader's references) -------------------------------------


def _line_data(A_value: Any, b_value: Any, w_value: Any) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    A_m = exact_matrix(A_value, "A")
    n_ = A_m.shape[0]
    if A_m.shape != (n_, n_) or A_m != A_m.T:
        raise ValueError(f"A must be a symmetric square matrix; got {A_m.tolist()}")
    b_m = exact_matrix(b_value, "b").reshape(n_, 1)
    w_m = exact_matrix(w_value, "w").reshape(n_, 1)
    return A_m, b_m, w_m


def exact_step(A_value: Any, b_value: Any, w_value: Any) -> sp.Basic:
    r"""The exact line-search step :math:`\varepsilon_\star = \mathbf{g}^\top\mathbf{g} /
    \mathbf{g}^\top\mathbf{A}\mathbf{g}` with :math:`\mathbf{g} = \mathbf{A}\mathbf{w} +
    \mathbf{b}` (``search.exact_line_search``, steps ``stationary`` and ``curvature``; 003's
    update :math:`x_{new} = x_{old} - \varepsilon\nabla f(x_{old})` with the best
    :math:`\varepsilon`), exactly.  ``ValueError`` when :math:`\mathbf{g} = 0` (every step
    leaves w where it is: the step is not determined) or :math:`\mathbf{g}^\top\mathbf{A}
    \mathbf{g} \le 0` (J is linear or concave along the line: no minimiser).

    >>> exact_step([[2, 0], [0, 1]], [0, 0], [1, 1])  # g = (2, 1): 5/9
    5/9
    """
    A_m, b_m, w_m = _line_data(A_value, b_value, w_value)
    g_m = A_m * w_m + b_m
    gg = (g_m.T * g_m)[0, 0]
    gAg = sp.expand((g_m.T * A_m * g_m)[0, 0])
    if gg == 0:
        raise ValueError("g = Aw + b = 0: w is a minimiser and every step leaves it there")
    if not gAg.is_positive:
        raise ValueError(
            f"g^T A g = {gAg} along g = {list(g_m)}: J is not strictly convex along the line"
            " w - epsilon g, so no step minimises it"
        )
    return gg / gAg


MAX_REDUCTIONS = 60
"""The most step reductions :func:`armijo_backtracking` tries before it gives up."""


def armijo_backtracking(
    A_value: Any,
    b_value: Any,
    w_value: Any,
    eps0: Any,
    factor: Any = "1/2",
    c: Any = "1/2",
    max_reductions: int = MAX_REDUCTIONS,
    strict: bool = False,
) -> tuple[sp.Basic, int]:
    r"""Backtracking line search (``search.backtracking``, step ``armijo``; 003's learning-rate
    dilemma) on :math:`J = \tfrac12\mathbf{w}^\top\mathbf{A}\mathbf{w} +
    \mathbf{b}^\top\mathbf{w}`, exactly: trial steps :math:`\varepsilon_0,
    \varepsilon_0\gamma, \varepsilon_0\gamma^2, \dots` (:math:`\gamma` = ``factor``) until
    Armijo's sufficient decrease :math:`J(\mathbf{w} - \varepsilon\mathbf{g}) \le
    J(\mathbf{w}) - c\varepsilon\|\mathbf{g}\|^2` holds, :math:`\mathbf{g} =
    \mathbf{A}\mathbf{w} + \mathbf{b}`.  Returns the accepted step and the number of
    reductions.  With ``strict`` the test is the plain decrease :math:`J(\mathbf{w} -
    \varepsilon\mathbf{g}) < J(\mathbf{w}) - c\varepsilon\|\mathbf{g}\|^2` instead.

    ``ValueError`` when :math:`\varepsilon_0 \le 0`, :math:`\gamma \notin (0, 1)`,
    :math:`c \notin [0, 1)`, or when the loop needs more than ``max_reductions`` reductions.

    >>> armijo_backtracking([[2]], [-4], [0], 1)  # 003: f = x^2 - 4x + 5 from x = 0
    (1/2, 1)
    """
    A_m, b_m, w_m = _line_data(A_value, b_value, w_value)
    e0, gam, cc = exact_scalar(eps0), exact_scalar(factor), exact_scalar(c)
    if not (e0.is_number and e0.is_positive):
        raise ValueError(f"eps0 must be a positive number; got {e0}")
    if not (gam.is_number and gam.is_positive and (1 - gam).is_positive):
        raise ValueError(f"factor must lie in (0, 1); got {gam}")
    if not (cc.is_number and cc.is_nonnegative and (1 - cc).is_positive):
        raise ValueError(f"c must lie in [0, 1); got {cc}")
    g_m = A_m * w_m + b_m
    gg = (g_m.T * g_m)[0, 0]
    J0 = objective(A_m, b_m, 0, w_m)
    eps_ = e0
    for j in range(max_reductions + 1):
        new = objective(A_m, b_m, 0, w_m - eps_ * g_m)
        bound = J0 - cc * eps_ * gg
        if (new < bound) if strict else (new <= bound):
            return eps_, j
        eps_ = eps_ * gam
    raise ValueError(
        f"backtracking from eps0 = {e0} with factor {gam} and c = {cc} needs more than"
        f" {max_reductions} reductions"
    )


DERIVATIONS = [steepest_descent, exact_line_search, backtracking]
