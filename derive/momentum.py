"""Momentum on a convex quadratic: heavy ball and Nesterov, per eigendirection.

Source: 003 (slides, "Advanced Optimizers: Adam, RMSprop, and momentum methods") and 001 §2.3
(without loss of generality, one eigendirection at a time).  On
:math:`J(\\mathbf{w}) = \\tfrac12 \\mathbf{w}^\\top\\mathbf{A}\\mathbf{w} +
\\mathbf{b}^\\top\\mathbf{w}` every eigendirection with curvature :math:`a > 0` decouples (as in
``gd.eigenbasis``), and the deviation :math:`e^{(k)} = \\tilde w^{(k)} - \\tilde w_\\star`
follows a two-term linear recurrence, a 2×2 companion matrix acting on
:math:`(e^{(k)}, e^{(k-1)})`.

- heavy ball: :math:`C = [[1 + \\beta - \\alpha a, -\\beta], [1, 0]]`, characteristic
  polynomial :math:`\\lambda^2 - (1 + \\beta - \\alpha a)\\lambda + \\beta`;
- Nesterov: :math:`C = [[(1 + \\beta)(1 - \\alpha a), -\\beta(1 - \\alpha a)], [1, 0]]`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Equivalent,
    Formula,
    Holds,
    Identity,
    Source,
    Step,
)
from .matrices import exact_scalar

__all__ = [
    "heavy_ball_matrix",
    "nesterov_matrix",
    "optimal_parameters",
    "heavy_ball_rate",
    "gd_rate",
    "nesterov_rate",
    "DERIVATIONS",
]

SOURCE = "003_b986fbe0add72eb9.txt"

alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", nonnegative=True)
a = sp.Symbol("a", positive=True)
m = sp.Symbol("m", positive=True)
M = sp.Symbol("M", positive=True)
kappa = sp.Symbol("kappa", positive=True)
lam = sp.Symbol("lambda")
bt = sp.Symbol("b~", real=True)
wstar = sp.Symbol("w~_star", real=True)
e_k = sp.Symbol("e^(k)", real=True)
e_km1 = sp.Symbol("e^(k-1)", real=True)
x = sp.Symbol("x", real=True)
eps_ = sp.Symbol("epsilon", positive=True)
k_eps = sp.Symbol("k_epsilon", positive=True)


def heavy_ball_matrix(alpha_value: Any, beta_value: Any, a_value: Any) -> sp.Matrix:
    """The heavy-ball companion matrix :math:`C = [[1 + \\beta - \\alpha a, -\\beta], [1, 0]]`
    acting on :math:`(e^{(k)}, e^{(k-1)})` (003 momentum slide; ``momentum.heavy_ball``),
    exactly (0.1 is 1/10).

    >>> heavy_ball_matrix("1/2", "1/4", 1)
    Matrix([
    [3/4, -1/4],
    [  1,    0]])
    """
    al, be, av = (exact_scalar(v) for v in (alpha_value, beta_value, a_value))
    return sp.Matrix([[1 + be - al * av, -be], [1, 0]])


def nesterov_matrix(alpha_value: Any, beta_value: Any, a_value: Any) -> sp.Matrix:
    """Nesterov's companion matrix :math:`[[(1 + \\beta)(1 - \\alpha a), -\\beta(1 - \\alpha
    a)], [1, 0]]` on :math:`(e^{(k)}, e^{(k-1)})` (003 momentum slide; ``momentum.nesterov``).

    >>> nesterov_matrix("1/2", "1/3", 1)
    Matrix([
    [2/3, -1/6],
    [  1,    0]])
    """
    al, be, av = (exact_scalar(v) for v in (alpha_value, beta_value, a_value))
    g = 1 - al * av
    return sp.Matrix([[(1 + be) * g, -be * g], [1, 0]])


def _bounds(m_value: Any, M_value: Any) -> tuple[sp.Expr, sp.Expr]:
    lo, hi = exact_scalar(m_value), exact_scalar(M_value)
    if not (lo.is_positive and (hi - lo).is_nonnegative):
        raise ValueError(f"need 0 < m <= M; got m = {lo}, M = {hi}")
    return lo, hi


def optimal_parameters(m_value: Any, M_value: Any) -> tuple[sp.Expr, sp.Expr]:
    """The heavy-ball parameters :math:`\\alpha_\\star = 4/(\\sqrt M + \\sqrt m)^2`,
    :math:`\\beta_\\star = ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1))^2`, :math:`\\kappa = M/m`
    (003 momentum slide; ``momentum.heavy_ball``), exactly.

    >>> optimal_parameters(1, 4)
    (4/9, 1/9)
    """
    lo, hi = _bounds(m_value, M_value)
    q = sp.sqrt(hi / lo)
    return sp.nsimplify(4 / (sp.sqrt(hi) + sp.sqrt(lo)) ** 2), sp.simplify(((q - 1) / (q + 1)) ** 2)


def heavy_ball_rate(m_value: Any, M_value: Any) -> sp.Expr:
    """The heavy-ball rate at the optimal parameters, :math:`\\sqrt{\\beta_\\star} =
    (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)`, :math:`\\kappa = M/m` (003 momentum slide;
    ``momentum.heavy_ball``).

    >>> heavy_ball_rate(1, 100)
    9/11
    """
    lo, hi = _bounds(m_value, M_value)
    q = sp.sqrt(hi / lo)
    return sp.simplify((q - 1) / (q + 1))


def gd_rate(m_value: Any, M_value: Any) -> sp.Expr:
    """GD's best rate, at :math:`\\alpha = 2/(m + M)`: :math:`(\\kappa - 1)/(\\kappa + 1)`
    (001 §2.2; the comparison of ``momentum.heavy_ball``).

    >>> gd_rate(1, 100)
    99/101
    """
    lo, hi = _bounds(m_value, M_value)
    return sp.simplify((hi / lo - 1) / (hi / lo + 1))


def nesterov_rate(m_value: Any, M_value: Any) -> sp.Expr:
    """Nesterov's rate on the slowest direction :math:`a = m` at :math:`\\alpha = 1/M`,
    :math:`\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)`: the double root
    :math:`1 - 1/\\sqrt\\kappa`, which bounds every direction :math:`a \\in [m, M]`, so it is
    the rate of the whole quadratic (003 momentum slide; ``momentum.nesterov``, step
    ``rate_all``).

    >>> nesterov_rate(1, 100)
    9/10
    """
    lo, hi = _bounds(m_value, M_value)
    return sp.simplify(1 - 1 / sp.sqrt(hi / lo))


# -- derivations -------------------------------------------------------------------------------

_POSITIVE = Assumptions(
    conditions=(a > 0,),
    definitions={wstar: -bt / a},
    text=("one eigendirection with curvature $a > 0$, $\\tilde w_\\star = -\\tilde b/a$",),
)


def _hb_char(al: sp.Expr, be: sp.Expr, av: sp.Expr) -> sp.Expr:
    return lam**2 - (1 + be - al * av) * lam + be


_SOURCE = Source(SOURCE, "momentum slide (Advanced Optimizers); 001 §2.3")
_ASSUMPTIONS = Assumptions(
    conditions=(alpha > 0, beta >= 0, m > 0, M > 0),
    text=("$\\alpha > 0$, $\\beta \\ge 0$, $0 < m \\le a \\le M$",),
)
"""What heavy ball and Nesterov share: the slide they come from and the quadratic's hypotheses."""


def heavy_ball() -> Derivation:
    """``momentum.heavy_ball``: :math:`w^{(k+1)} = w^{(k)} - \\alpha\\nabla J(w^{(k)}) +
    \\beta(w^{(k)} - w^{(k-1)})` per eigendirection: companion matrix :math:`[[1 + \\beta -
    \\alpha a, -\\beta], [1, 0]]`, characteristic polynomial :math:`\\lambda^2 - (1 + \\beta -
    \\alpha a)\\lambda + \\beta`, convergence iff :math:`0 \\le \\beta < 1` and :math:`0 < \\alpha
    a < 2(1 + \\beta)`, rate :math:`(\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)` at
    :math:`\\alpha_\\star = 4/(\\sqrt M + \\sqrt m)^2`, :math:`\\beta_\\star =
    ((\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1))^2` (003 momentum slide; 001 §2.3)."""
    w_k = wstar + e_k
    w_km1 = wstar + e_km1
    update = w_k - alpha * (a * w_k + bt) + beta * (w_k - w_km1)
    C = sp.ImmutableMatrix([[1 + beta - alpha * a, -beta], [1, 0]])
    state = sp.ImmutableMatrix([e_k, e_km1])
    char = _hb_char(alpha, beta, a)
    disc = (1 + beta - alpha * a) ** 2 - 4 * beta
    sm, sM = sp.sqrt(m), sp.sqrt(M)
    q = sp.sqrt(kappa)
    a_star = 4 / (sM + sm) ** 2
    b_star = ((q - 1) / (q + 1)) ** 2
    opt = Assumptions(
        definitions={alpha: a_star, beta: b_star, kappa: M / m},
        text=("$\\alpha = \\alpha_\\star$, $\\beta = \\beta_\\star$, $\\kappa = M/m$",),
    )
    r = sp.Symbol("r", real=True)
    im = sp.sqrt(beta - r**2)
    complex_roots = Assumptions(
        conditions=(beta - r**2 >= 0,), definitions={r: (1 + beta - alpha * a) / 2}
    )
    rho_hb = (q - 1) / (q + 1)
    rho_gd = (kappa - 1) / (kappa + 1)
    steps = [
        Step(
            Identity(update - wstar, (1 + beta - alpha * a) * e_k - beta * e_km1),
            "one heavy-ball step along an eigendirection, $\\tilde w = \\tilde w_\\star + e$: the"
            " minimiser is a fixed point and the deviation obeys a two-term recurrence",
            given=_POSITIVE,
            label="recurrence",
        ),
        Step(
            Identity(
                sp.MatMul(C, state, evaluate=False),
                sp.ImmutableMatrix([(1 + beta - alpha * a) * e_k - beta * e_km1, e_k]),
            ),
            "as a first-order system: the companion matrix maps $(e^{(k)}, e^{(k-1)})$ to"
            " $(e^{(k+1)}, e^{(k)})$",
            label="companion",
        ),
        Step(
            Identity((lam * sp.eye(2) - sp.Matrix(C)).det(), char),
            "its characteristic polynomial",
            label="characteristic",
        ),
        Step(
            Definition(
                sp.Equivalent(
                    sp.And(
                        sp.Abs(sp.Symbol("c_0")) < 1,
                        sp.Abs(sp.Symbol("c_1")) < 1 + sp.Symbol("c_0"),
                    ),
                    sp.Symbol("rho") < 1,
                )
            ),
            "Jury/Schur-Cohn criterion (a theorem, stated): both roots of the real polynomial"
            " $\\lambda^2 + c_1\\lambda + c_0$ lie inside the unit circle iff $|c_0| < 1$ and"
            " $|c_1| < 1 + c_0$ ($\\rho$ the spectral radius); here $c_0 = \\beta$,"
            " $c_1 = -(1 + \\beta - \\alpha a)$",
        ),
        Step(
            Equivalent(
                sp.Abs(1 + beta - x) < 1 + beta,
                sp.And(x > 0, x < 2 * (1 + beta)),
                x,
            ),
            "with $c_0 = \\beta \\in [0, 1)$ the second condition in $x = \\alpha a$ is the"
            " interval $0 < \\alpha a < 2(1 + \\beta)$",
            label="region",
        ),
        Step(
            Equivalent(
                sp.Abs(sp.Rational(5, 4) - x) < sp.Rational(5, 4),
                sp.And(x > 0, x < sp.Rational(5, 2)),
                x,
            ),
            "the same at the exact instance $\\beta = 1/4$: $0 < \\alpha a < 5/2$",
        ),
        Step(
            Identity(disc.subs(a, m), 0),
            "at the optimal parameters the discriminant vanishes at the smallest curvature",
            given=opt,
            label="disc_m",
        ),
        Step(
            Identity(disc.subs(a, M), 0),
            "and at the largest",
            given=opt,
            label="disc_M",
        ),
        Step(
            Identity(
                char.xreplace({alpha: sp.Rational(4, 121), beta: sp.Rational(81, 121), a: 1}),
                (lam - sp.Rational(9, 11)) ** 2,
            ),
            "at the exact instance $m = 1$, $M = 100$: $\\alpha_\\star = 4/121$, $\\beta_\\star"
            " = 81/121$, and at $a = m$ the double root is $9/11 = \\sqrt{\\beta_\\star}$",
        ),
        Step(
            Identity(disc, alpha**2 * (a - m) * (a - M)),
            "so, a quadratic in $a$ with leading coefficient $\\alpha^2$, it factors through"
            " both ends",
            given=opt,
        ),
        Step(
            Holds(alpha**2 * (a - m) * (a - M) <= 0),
            "and is $\\le 0$ for every $a \\in [m, M]$: the roots are complex conjugate",
            given=Assumptions(conditions=(a >= m, a <= M)),
        ),
        Step(
            Identity(char.subs(lam, r + sp.I * im), 0),
            "the roots are $r \\pm i\\sqrt{\\beta - r^2}$ with $r = (1 + \\beta - \\alpha a)/2$",
            given=complex_roots,
        ),
        Step(
            Identity((r + sp.I * im) * (r - sp.I * im), beta),
            "so $|\\lambda|^2$ is the product of the roots, $\\beta$",
            given=complex_roots,
            label="modulus",
        ),
        Step(
            Identity(sp.sqrt(b_star), rho_hb),
            "every eigendirection contracts by $\\sqrt{\\beta_\\star}$",
            given=Assumptions(conditions=(kappa >= 1,)),
            label="rate",
        ),
        Step(
            Identity((1 - rho_gd) / (1 - rho_hb), (q + 1) / (kappa + 1)),
            "against GD's best rate $(\\kappa - 1)/(\\kappa + 1)$ the gap to 1 grows by the"
            " factor $(\\kappa + 1)/(\\sqrt\\kappa + 1) \\approx \\sqrt\\kappa$",
            label="comparison",
        ),
        Step(
            Holds(rho_hb <= rho_gd),
            "heavy ball is never slower",
            given=Assumptions(conditions=(kappa >= 1,)),
        ),
        Step(
            Identity(sp.exp(-2 * k_eps / (q + 1)), eps_),
            "with $1 - u \\le e^{-u}$, $k_\\epsilon = \\frac{\\sqrt\\kappa + 1}{2}"
            "\\log\\frac1\\epsilon$ steps shrink the error by $\\epsilon$: $O(\\sqrt\\kappa"
            "\\log 1/\\epsilon)$ against GD's $O(\\kappa\\log 1/\\epsilon)$",
            given=Assumptions(definitions={k_eps: (q + 1) / 2 * sp.log(1 / eps_)}),
        ),
    ]
    formulas = {
        "rate": Formula(
            name=sp.Symbol("rho"),
            expr=rho_hb,
            params=(kappa,),
            step="rate",
            text="the heavy-ball contraction factor at the optimal parameters",
        )
    }
    return Derivation(
        id="momentum.heavy_ball",
        title="Heavy-ball momentum on a quadratic",
        source=_SOURCE,
        assumptions=_ASSUMPTIONS,
        steps=steps,
        result=next(s.claim for s in steps if s.label == "rate"),
        summary="Per eigendirection heavy ball is a 2x2 linear recurrence; at the optimal"
        " parameters all its roots have modulus $(\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$, so it"
        " needs $O(\\sqrt\\kappa \\log 1/\\epsilon)$ steps where GD needs $O(\\kappa\\log"
        " 1/\\epsilon)$.",
        formulas=formulas,
    )


def nesterov() -> Derivation:
    """``momentum.nesterov``: :math:`y^{(k)} = w^{(k)} + \\beta(w^{(k)} - w^{(k-1)})`,
    :math:`w^{(k+1)} = y^{(k)} - \\alpha\\nabla J(y^{(k)})`; per eigendirection the companion
    matrix :math:`[[(1 + \\beta)(1 - \\alpha a), -\\beta(1 - \\alpha a)], [1, 0]]`; at
    :math:`\\alpha = 1/M`, :math:`\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)` the slowest
    direction :math:`a = m` has the double root :math:`1 - 1/\\sqrt\\kappa`, and every
    :math:`a \\in [m, M]` has complex roots with :math:`|\\lambda|^2 = (1 - 1/\\sqrt\\kappa)^2
    (M - a)/(M - m) \\le (1 - 1/\\sqrt\\kappa)^2` (the discriminant is :math:`(1 + \\beta)^2
    (M - a)(m - a)/M^2 \\le 0`) (003 momentum slide; 001 §2.3)."""
    w_k = wstar + e_k
    w_km1 = wstar + e_km1
    y_k = w_k + beta * (w_k - w_km1)
    update = y_k - alpha * (a * y_k + bt)
    g = 1 - alpha * a
    C = sp.ImmutableMatrix([[(1 + beta) * g, -beta * g], [1, 0]])
    state = sp.ImmutableMatrix([e_k, e_km1])
    char = lam**2 - (1 + beta) * g * lam + beta * g
    q = sp.sqrt(kappa)
    tuned = Assumptions(
        conditions=(M >= m,),
        definitions={alpha: 1 / M, a: m, beta: (q - 1) / (q + 1), kappa: M / m},
        text=("$\\alpha = 1/M$, $a = m$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$",),
    )
    rho = 1 - 1 / q
    disc = ((1 + beta) * g) ** 2 - 4 * beta * g
    tuned_all = Assumptions(
        conditions=(M > m,),
        definitions={alpha: 1 / M, beta: (q - 1) / (q + 1), kappa: M / m},
        text=("$\\alpha = 1/M$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$, any $a$",),
    )
    r = sp.Symbol("r", real=True)
    im = sp.sqrt(beta * g - r**2)
    complex_roots = Assumptions(
        conditions=(beta * g - r**2 >= 0,), definitions={r: (1 + beta) * g / 2}
    )
    steps = [
        Step(
            Identity(update - wstar, (1 + beta) * g * e_k - beta * g * e_km1),
            "one Nesterov step along an eigendirection, $\\tilde w = \\tilde w_\\star + e$:"
            " the gradient is taken at the extrapolated point",
            given=_POSITIVE,
            label="recurrence",
        ),
        Step(
            Identity(
                sp.MatMul(C, state, evaluate=False),
                sp.ImmutableMatrix([(1 + beta) * g * e_k - beta * g * e_km1, e_k]),
            ),
            "the companion matrix maps $(e^{(k)}, e^{(k-1)})$ to $(e^{(k+1)}, e^{(k)})$",
            label="companion",
        ),
        Step(
            Identity((lam * sp.eye(2) - sp.Matrix(C)).det(), char),
            "its characteristic polynomial",
            label="characteristic",
        ),
        Step(
            Identity(char, (lam - rho) ** 2),
            "at $\\alpha = 1/M$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$ on the"
            " slowest direction $a = m$ it is a perfect square",
            given=tuned,
            label="slowest",
        ),
        Step(
            Identity(
                char.xreplace({alpha: sp.Rational(1, 100), a: 1, beta: sp.Rational(9, 11)}),
                (lam - sp.Rational(9, 10)) ** 2,
            ),
            "at the exact instance $m = 1$, $M = 100$ ($\\kappa = 100$, $\\beta = 9/11$) the"
            " double root is $9/10 = 1 - 1/\\sqrt{100}$",
        ),
        Step(
            Holds(sp.And(rho >= 0, rho < 1)),
            "so both roots have modulus $1 - 1/\\sqrt\\kappa < 1$",
            given=Assumptions(conditions=(kappa >= 1,)),
            label="rate",
        ),
        Step(
            Identity(disc, g * ((1 + beta) ** 2 * g - 4 * beta)),
            "every other direction $a \\in [m, M]$: the discriminant of the characteristic"
            " polynomial, with the factor $1 - \\alpha a$ taken out",
            label="disc",
        ),
        Step(
            Identity(disc, (1 + beta) ** 2 * (M - a) * (m - a) / M**2),
            "at $\\alpha = 1/M$, $\\beta = (\\sqrt\\kappa - 1)/(\\sqrt\\kappa + 1)$ it"
            " factors through $a = m$ and $a = M$",
            given=tuned_all,
            label="disc_factored",
        ),
        Step(
            Holds((1 + beta) ** 2 * (M - a) * (m - a) / M**2 <= 0),
            "so it is $\\le 0$ on all of $[m, M]$: the roots are complex conjugate (a double"
            " root at $a = m$, both roots 0 at $a = M$)",
            given=Assumptions(conditions=(a >= m, a <= M)),
            label="disc_sign",
        ),
        Step(
            Identity(char.subs(lam, r + sp.I * im), 0),
            "they are $r \\pm i\\sqrt{\\beta(1 - \\alpha a) - r^2}$ with $r = (1 + \\beta)(1 -"
            " \\alpha a)/2$",
            given=complex_roots,
            label="roots",
        ),
        Step(
            Identity((r + sp.I * im) * (r - sp.I * im), beta * g),
            "so $|\\lambda|^2$ is their product $\\beta(1 - \\alpha a)$",
            given=complex_roots,
            label="modulus",
        ),
        Step(
            Identity(beta * g, rho**2 * (M - a) / (M - m)),
            "at the tuned parameters that is $(1 - 1/\\sqrt\\kappa)^2 (M - a)/(M - m)$",
            given=tuned_all,
            label="modulus_tuned",
        ),
        Step(
            Holds(rho**2 * (M - a) / (M - m) <= rho**2),
            "at most $(1 - 1/\\sqrt\\kappa)^2$ for every $a \\in [m, M]$, with equality only at"
            " $a = m$: the slowest direction sets the rate of the whole quadratic",
            given=Assumptions(conditions=(a >= m, a <= M, M > m, kappa >= 1)),
            label="rate_all",
        ),
    ]
    formulas = {
        "rate": Formula(
            name=sp.Symbol("rho"),
            expr=rho,
            params=(kappa,),
            step="slowest",
            text="Nesterov's contraction factor on the slowest direction",
        )
    }
    return Derivation(
        id="momentum.nesterov",
        title="Nesterov's accelerated gradient on a quadratic",
        source=_SOURCE,
        assumptions=_ASSUMPTIONS,
        steps=steps,
        result=next(s.claim for s in steps if s.label == "slowest"),
        summary="Nesterov's method takes the gradient at the extrapolated point; per"
        " eigendirection its companion matrix carries a factor $1 - \\alpha a$; tuned, the"
        " slowest direction contracts by $1 - 1/\\sqrt\\kappa$ and every other direction of"
        " $[m, M]$ by less.",
        formulas=formulas,
    )


DERIVATIONS = [heavy_ball, nesterov]
