"""Strong convexity and smoothness: the linear rate of GD (Theorem 1), and its constants for a
quadratic.

Source: 001 §5 (C1, C2, Theorem 1, eq 18–19) and §2.3 (the asymptotic rate
:math:`e^{-4k/\\kappa}`).  Assumptions, for a differentiable :math:`\\mathcal{J}`:

- C1 (m-strong convexity): :math:`\\mathcal{J}(\\mathbf{v}) \\ge \\mathcal{J}(\\mathbf{w}) +
  \\nabla\\mathcal{J}(\\mathbf{w})^\\top(\\mathbf{v} - \\mathbf{w}) + \\frac m2\\|\\mathbf{v} -
  \\mathbf{w}\\|^2`;
- C2 (M-smoothness): :math:`\\|\\nabla\\mathcal{J}(\\mathbf{v}) -
  \\nabla\\mathcal{J}(\\mathbf{w})\\| \\le M\\|\\mathbf{v} - \\mathbf{w}\\|`, which
  gives the quadratic upper bound :math:`\\mathcal{J}(\\mathbf{v}) \\le \\mathcal{J}(\\mathbf{w}) +
  \\nabla\\mathcal{J}(\\mathbf{w})^\\top(\\mathbf{v} - \\mathbf{w}) + \\frac M2\\|\\mathbf{v} -
  \\mathbf{w}\\|^2` (001's proof of eq 18).

Theorem 1: for :math:`0 < \\alpha \\le 1/M`, :math:`\\mathcal{J}(\\mathbf{w}^{(k+1)}) -
\\mathcal{J}_\\star \\le (1 - \\alpha m)(\\mathcal{J}(\\mathbf{w}^{(k)}) - \\mathcal{J}_\\star)`,
hence :math:`\\mathcal{J}(\\mathbf{w}^{(k)}) - \\mathcal{J}_\\star \\le (1 - \\alpha m)^k
(\\mathcal{J}(\\mathbf{w}^{(0)}) - \\mathcal{J}_\\star)`.

The abstract function values, the squared gradient norm and the other norms are scalar
symbols (:class:`Term`); the steps that instantiate a hypothesis are *stated*, and every step
that uses one carries it as a condition, so that the engine decides the implication itself.

Derivations: ``convexity.strong_rate``, ``convexity.quadratic_constants``.  Exact helpers:
:func:`rate_bound`, :func:`strong_convexity_constants`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Formula,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .matrices import Pinv, exact_matrix, exact_scalar
from .notation import A, D, Dg, N, Phi, Q, a_max, a_min, alpha, b, k, kappa, n, v, w
from .quadratic import objective_expr

__all__ = ["Term", "rate_bound", "strong_convexity_constants", "RATE", "DERIVATIONS"]

SOURCE = "001_76f73b0c2cfaffb7.txt"


class Term(sp.Symbol):
    """A scalar that stands for a value of the abstract objective or a norm
    (:math:`\\|\\nabla\\mathcal{J}(\\mathbf{w}^{(k)})\\|^2`): a real SymPy Symbol (so the engine
    decides relations in it) that prints as the LaTeX and the text in :data:`_TERMS`
    (001 §5 writes these quantities out)."""

    def _latex(self, printer: Any) -> str:
        return _TERMS[self.name][0] if self.name in _TERMS else str(self.name)

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(_TERMS[self.name][1] if self.name in _TERMS else str(self.name))


_TERMS: dict[str, tuple[str, str]] = {
    "TangentGap(v,w)": (
        r"\mathcal{J}(\mathbf{v}) - \mathcal{J}(\mathbf{w})"
        r" - \nabla\mathcal{J}(\mathbf{w})^\top(\mathbf{v} - \mathbf{w})",
        "J(v) - J(w) - ∇J(w)ᵀ(v - w)",
    ),
    "NormSq(g^(k))": (r"\|\mathbf{g}^{(k)}\|^2", "‖g⁽ᵏ⁾‖²"),
    "NormSq(d+g^(k)/m)": (r"\|\mathbf{d} + \mathbf{g}^{(k)}/m\|^2", "‖d + g⁽ᵏ⁾/m‖²"),
    "NormSq(v-w)": (r"\|\mathbf{v} - \mathbf{w}\|^2", "‖v - w‖²"),
    "NormSq(d~_j)": (r"\tilde d_j^2", "d̃ⱼ²"),
}
"""name -> (LaTeX, text) of each :class:`Term`."""

# the constants and the abstract values
m = sp.Symbol("m", positive=True)
M = sp.Symbol("M", positive=True)
rho = sp.Symbol("rho", nonnegative=True)
G = Term("NormSq(g^(k))", nonnegative=True)
P = Term("NormSq(d+g^(k)/m)", nonnegative=True)
R2 = Term("NormSq(v-w)", positive=True)
TG = Term("TangentGap(v,w)", real=True)
lam_ = sp.Symbol("lambda", nonnegative=True)  # the interpolation parameter of 001's proof

# the vectors: the gradient g^(k) = grad J(w^(k)), the GD step, the offset to the minimiser
g_k = sp.MatrixSymbol("g^(k)", n, 1)
w_k = sp.MatrixSymbol("w^(k)", n, 1)
w_k1 = sp.MatrixSymbol("w^(k+1)", n, 1)
d_ = sp.MatrixSymbol("d", n, 1)

Gap_k = sp.Symbol("Delta^(k)", real=True)
Gap_k1 = sp.Symbol("Delta^(k+1)", real=True)
Gap_0 = sp.Symbol("Delta^(0)", nonnegative=True)
Bound = sp.Symbol("B^(k)", real=True)

RATE = Formula(
    name=Bound,
    expr=(1 - alpha * m) ** k * Gap_0,
    params=(alpha, m, k, Gap_0),
    step="unrolled",
    text="the bound on J(w^(k)) - J* after k GD steps under C1, C2 and 0 < alpha <= 1/M",
)
"""The bound :math:`(1 - \\alpha m)^k\\Delta^{(0)}`, :math:`\\Delta^{(0)} =
\\mathcal{J}(\\mathbf{w}^{(0)}) - \\mathcal{J}_\\star`, of
``convexity.strong_rate`` (the solution of its ``unrolled`` step)."""


def rate_bound(alpha_value: Any, m_value: Any, M_value: Any, gap0: Any, k_value: Any) -> sp.Basic:
    """:math:`(1 - \\alpha m)^k (\\mathcal{J}(\\mathbf{w}^{(0)}) - \\mathcal{J}_\\star)` exactly
    (001 §5, Theorem 1 unrolled; ``convexity.strong_rate``), for ``0 < alpha <= 1/M`` and
    ``0 < m <= M``; ``ValueError`` naming the bad value otherwise (outside that range the
    theorem says nothing).

    >>> rate_bound("1/4", 1, 4, 8, 2)
    9/2
    """
    a, mm, MM = exact_scalar(alpha_value), exact_scalar(m_value), exact_scalar(M_value)
    gap, kk = exact_scalar(gap0), exact_scalar(k_value)
    if not (mm > 0 and MM >= mm):
        raise ValueError(f"need 0 < m <= M; got m = {mm}, M = {MM}")
    if not (a > 0 and a <= 1 / MM):
        raise ValueError(f"Theorem 1 needs 0 < alpha <= 1/M = {1 / MM}; got alpha = {a}")
    if not (kk.is_integer and kk >= 0):
        raise ValueError(f"k must be a nonnegative integer; got {kk}")
    if gap < 0:
        raise ValueError(f"J(w^(0)) - J* must be >= 0; got {gap}")
    return RATE.instantiate({alpha: a, m: mm, k: kk, Gap_0: gap})


def strong_convexity_constants(A_value: Any) -> tuple[sp.Basic, sp.Basic]:
    """``(m, M) = (ã_min, ã_max)``, the extreme eigenvalues of a symmetric positive semidefinite
    A, exactly: the best constants of C1 and C2 for :math:`\\mathcal{J} = \\frac12
    \\mathbf{w}^\\top\\mathbf{A}\\mathbf{w} + \\mathbf{b}^\\top\\mathbf{w} + c` (001 §5;
    ``convexity.quadratic_constants``).  m = 0 when A is singular: not strongly convex.
    ``ValueError`` when A is not square, not symmetric, or has a negative eigenvalue.

    >>> strong_convexity_constants([[2, 1], [1, 2]])
    (1, 3)
    """
    A_m = exact_matrix(A_value, "A")
    if A_m.rows != A_m.cols:
        raise ValueError(f"A must be square; got shape {A_m.shape}")
    if A_m != A_m.T:
        raise ValueError(f"A must be symmetric; got {A_m.tolist()}")
    eig = [sp.nsimplify(e) if e.is_Float else e for e in A_m.eigenvals(multiple=True)]
    low, high = min(eig, key=lambda e: sp.N(e, 50)), max(eig, key=lambda e: sp.N(e, 50))
    if sp.N(low, 50) < 0:
        raise ValueError(f"A must be positive semidefinite; it has the eigenvalue {low}")
    return sp.simplify(low), sp.simplify(high)


# -- convexity.strong_rate ------------------------------------------------------------------------


def _when(*conds: sp.Basic, text: tuple[str, ...] = ()) -> Assumptions:
    return Assumptions(conditions=conds, text=text)


def strong_rate() -> Derivation:
    """``convexity.strong_rate``: Theorem 1 of 001 §5, :math:`\\Delta^{(k+1)} \\le (1 - \\alpha
    m)\\Delta^{(k)}` with :math:`\\Delta^{(k)} = \\mathcal{J}(\\mathbf{w}^{(k)}) -
    \\mathcal{J}(\\mathbf{w}_\\star)`, for :math:`0 < \\alpha \\le 1/M` under C1 and C2 (001 eq
    18–19), and its unrolled form :math:`\\Delta^{(k)} \\le (1 - \\alpha m)^k \\Delta^{(0)}`."""
    step_def = Assumptions(definitions={w_k1: w_k - alpha * g_k})
    # what the hypotheses give at the points the proof uses (stated), and what follows
    c2_here = Gap_k1 - Gap_k <= -alpha * G + M / 2 * alpha**2 * G
    descent = Gap_k1 - Gap_k <= -alpha * (1 - M * alpha / 2) * G
    eq18 = Gap_k1 - Gap_k <= -alpha / 2 * G
    c1_here = Gap_k <= G / (2 * m) - m / 2 * P
    eq19 = Gap_k <= G / (2 * m)
    pl = G >= 2 * m * Gap_k
    theorem = Gap_k1 <= (1 - alpha * m) * Gap_k
    small = alpha <= 1 / M
    steps = [
        Step(
            Definition(TG <= M / 2 * R2),
            "C2 as the quadratic upper bound, for all $v$, $w$: 001 states C2 as an $M$-Lipschitz"
            " gradient, and its proof of eq 18 derives this bound from it (fundamental theorem of"
            " calculus along the segment, Cauchy-Schwarz, then C2)",
            label="C2",
        ),
        Step(
            Identity(sp.Integral(alpha**2 * M * lam_ * G, (lam_, 0, 1)), alpha**2 * M * G / 2),
            "the second term of 001's proof: the Lipschitz bound at $w^{(k)} - \\lambda\\alpha"
            " g^{(k)}$ is $\\alpha^2 M \\lambda \\|g^{(k)}\\|^2$, integrated over $\\lambda$",
            label="T2",
        ),
        Step(
            Identity(g_k.T * (w_k1 - w_k), -alpha * g_k.T * g_k),
            "the GD step $w^{(k+1)} = w^{(k)} - \\alpha g^{(k)}$, $g^{(k)} = \\nabla J(w^{(k)})$:"
            " the linear term of C2 (the first term of 001's proof)",
            given=step_def,
            label="T1",
        ),
        Step(
            Identity((w_k1 - w_k).T * (w_k1 - w_k), alpha**2 * g_k.T * g_k),
            "and its quadratic term",
            given=step_def,
            label="step_square",
        ),
        Step(
            Definition(c2_here),
            "C2 at $v = w^{(k+1)}$, $w = w^{(k)}$, with the two terms above; $J(w^{(k+1)}) -"
            " J(w^{(k)}) = \\Delta^{(k+1)} - \\Delta^{(k)}$",
            label="C2_step",
        ),
        Step(
            Holds(descent),
            "collect the terms in $\\|g^{(k)}\\|^2$",
            given=_when(c2_here),
            label="descent",
        ),
        Step(
            Holds(eq18),
            "sufficient decrease (eq 18): $1 - M\\alpha/2 \\ge 1/2$ when $\\alpha \\le 1/M$",
            given=_when(descent, small),
            label="eq18",
        ),
        Step(
            Definition(TG >= m / 2 * R2),
            "C1, for all $v$, $w$",
            label="C1",
        ),
        Step(
            Identity(
                g_k.T * d_ + m / 2 * d_.T * d_,
                m / 2 * (d_ + g_k / m).T * (d_ + g_k / m) - g_k.T * g_k / (2 * m),
            ),
            "complete the square in $d = w_\\star - w^{(k)}$: the right side of C1 is smallest"
            " at $d = -g^{(k)}/m$",
            label="square",
        ),
        Step(
            Definition(c1_here),
            "C1 at $v = w_\\star$, $w = w^{(k)}$, with the square completed: $J(w_\\star) -"
            " J(w^{(k)}) = -\\Delta^{(k)}$",
            label="C1_star",
        ),
        Step(
            Holds(eq19),
            "drop the square (eq 19, $J(w_\\star) \\ge J(w^{(k)}) - \\|g^{(k)}\\|^2/2m$):"
            " $J(w_\\star)$ is no smaller than the minimum of C1's quadratic",
            given=_when(c1_here),
            label="eq19",
        ),
        Step(
            Holds(pl),
            "rearranged: the Polyak-Lojasiewicz inequality",
            given=_when(eq19),
            label="pl",
        ),
        Step(
            Holds(theorem),
            "Theorem 1: eq 18 with $\\|g^{(k)}\\|^2$ bounded below by the Polyak-Lojasiewicz"
            " inequality ($\\alpha > 0$)",
            given=_when(eq18, pl),
            label="theorem",
        ),
        Step(
            Holds(m <= M),
            "C1 and C2 at any $v \\ne w$: $\\frac m2\\|v - w\\|^2 \\le J(v) - J(w) -"
            " \\nabla J(w)^T(v - w) \\le \\frac M2\\|v - w\\|^2$",
            given=_when(m / 2 * R2 <= M / 2 * R2),
            label="m_le_M",
        ),
        Step(
            Holds(sp.And(1 - alpha * m >= 0, 1 - alpha * m < 1)),
            "so the factor $1 - \\alpha m$ lies in $[0, 1)$: the gap shrinks geometrically",
            given=_when(m <= M, small),
            label="factor",
        ),
        Step(
            Recurrence(Bound, RATE.expr, k, lambda x, _k: (1 - alpha * m) * x, Gap_0),
            "the bound $B^{(k)}$: multiplied by $1 - \\alpha m$ at every step",
            label="unrolled",
        ),
        Step(
            Holds(Gap_k1 <= rho ** (k + 1) * Gap_0),
            "induction on k, with $\\rho = 1 - \\alpha m \\ge 0$: Theorem 1 and the bound at k"
            " give the bound at k + 1, so $\\Delta^{(k)} \\le B^{(k)}$ for every k",
            given=_when(Gap_k1 <= rho * Gap_k, Gap_k <= rho**k * Gap_0),
            label="induction",
        ),
    ]
    return Derivation(
        id="convexity.strong_rate",
        title="Strong convexity and smoothness give a linear rate (Theorem 1)",
        source=Source(SOURCE, "§5, Theorem 1, eq 18-19"),
        assumptions=Assumptions(
            text=(
                "$J$ differentiable with minimiser $w_\\star$; the gap $\\Delta^{(k)} ="
                " J(w^{(k)}) - J(w_\\star)$",
                "C1 ($m$-strong convexity) and C2 ($M$-smoothness), $m > 0$",
                "$0 < \\alpha \\le 1/M$",
            )
        ),
        steps=steps,
        result=next(s.claim for s in steps if s.label == "theorem"),
        summary="Each step removes at least $\\frac{\\alpha}{2}\\|\\nabla J\\|^2$ (smoothness),"
        " and a large gap forces a large gradient (strong convexity), so the gap shrinks by the"
        " factor $1 - \\alpha m$ at every step.",
        formulas={"bound": RATE},
    )


def _rate_source_claims() -> list[Step]:
    """001 §2.3's rate :math:`e^{-4k/\\kappa}`, argued at α ≈ 2/ã_max citing A1: at α = 2/ã_max
    the top direction does not decay, so the gap is not asymptotically its lowest-curvature
    part."""
    e_min = sp.Symbol("e_min", positive=True)
    e_max = sp.Symbol("e_max", positive=True)
    # twice the gap's two terms and twice the claimed value (the factors 1/2 cancel in the ratio)
    low = a_min * (1 - alpha * a_min) ** (2 * k) * e_min**2
    top = a_max * (1 - alpha * a_max) ** (2 * k) * e_max**2
    claimed = sp.exp(-4 * k / kappa) * a_min * e_min**2
    return [
        Step(
            Refuted(sp.Limit(claimed / (low + top), k, sp.oo), 1),
            "001 §2.3 substitutes $\\alpha \\approx 2/\\tilde a_{\\max}$ in $e^{-2\\alpha"
            " \\tilde a_{\\min} k}$ to reach $J(w^{(k)}) - J_\\star \\approx e^{-4k/\\kappa}"
            " J_{\\min}(w^{(0)})$, citing A1 where it uses A2 ($\\alpha < 2/\\tilde a_{\\max}$)."
            " At $\\alpha = 2/\\tilde a_{\\max}$ the top direction's term"
            " $\\frac{\\tilde a_{\\max}}{2}(1 - \\alpha\\tilde a_{\\max})^{2k} e_{\\max}^2$"
            " never decays, so the ratio of the claimed rate to the gap (two eigendirections,"
            " deviations $e_{\\min}$, $e_{\\max}$) tends to 0, not 1; the rate $e^{-4/\\kappa}$ per"
            " step belongs to $\\alpha = 2/(\\tilde a_{\\min} + \\tilde a_{\\max})$. Exact"
            " instance: $\\tilde a_{\\min} = 1$, $\\tilde a_{\\max} = 4$, $e_{\\min} = 1$, any"
            " $e_{\\max} \\ge 1$",
            given=Assumptions(
                conditions=(e_max >= 1,),
                definitions={
                    alpha: 2 / a_max,
                    kappa: a_max / a_min,
                    a_min: 1,
                    a_max: 4,
                    e_min: 1,
                },
            ),
            label="rate_at_2_over_M",
        )
    ]


# -- convexity.quadratic_constants ----------------------------------------------------------------

U_ = sp.MatrixSymbol("U", n, n)
S_ = sp.MatrixSymbol("S", n, n)
V_ = sp.MatrixSymbol("V", n, n)
u_ = sp.MatrixSymbol("u", D, 1)
dD = sp.MatrixSymbol("d", D, 1)
dn = sp.MatrixSymbol("d", n, 1)
dt = sp.MatrixSymbol("d~", n, 1)
r_ = sp.MatrixSymbol("r", N, 1)
a_ = sp.Symbol("a~_j", nonnegative=True)
z_ = Term("NormSq(d~_j)", nonnegative=True)
ID = sp.Identity(D)
Phi_2 = sp.MatrixSymbol("Phi", 2, 2)  # the counterexample of 001 §5's claim: Phi = I


def quadratic_constants() -> Derivation:
    """``convexity.quadratic_constants``: for :math:`\\mathcal{J} =
    \\frac12\\mathbf{w}^\\top\\mathbf{A}\\mathbf{w} + \\mathbf{b}^\\top\\mathbf{w} + c` with
    :math:`\\mathbf{A} \\succeq 0`: :math:`\\mathcal{J}(\\mathbf{v}) - \\mathcal{J}(\\mathbf{w})
    - \\nabla\\mathcal{J}(\\mathbf{w})^\\top(\\mathbf{v} - \\mathbf{w}) = \\frac12(\\mathbf{v} -
    \\mathbf{w})^\\top\\mathbf{A}(\\mathbf{v} - \\mathbf{w})`, so m = ã_min and M = ã_max; the
    rate 1 − 1/κ at α = 1/M; the quadratic's own bound α < 2/M; least squares
    (A = ΦᵀΦ/N) strongly convex iff Φ has full column rank, m = σ_min(Φ)²/N (001 §5, §2.2)."""
    sym = Assumptions(matrices={A: "psd"})
    between = (a_min <= a_, a_ <= a_max)
    eig = Assumptions(matrices={Q: "orthogonal", Dg: "diagonal_nonneg"}, definitions={dt: Q.T * dn})
    svd = Assumptions(
        matrices={U_: "orthogonal", V_: "orthogonal", S_: "diagonal"}, sizes={n: (1, 2, 3)}
    )
    Phi_n = U_ * S_ * V_.T
    steps = [
        Step(
            Identity(
                objective_expr(v) - objective_expr(w) - (w.T * A + b.T) * (v - w),
                (v - w).T * A * (v - w) / 2,
            ),
            "the gap of the tangent plane of a quadratic, $\\nabla J(w)^T = w^T A + b^T$ (A"
            " symmetric): C1 and C2 are"
            " bounds on $\\frac12 (v - w)^T A (v - w)$",
            given=sym,
            label="tangent_gap",
        ),
        Step(
            Identity(dn.T * (Q * Dg * Q.T) * dn, dt.T * Dg * dt),
            "in the eigenbasis $A = Q D Q^T$, $\\tilde d = Q^T d$: $d^T A d = \\sum_j \\tilde a_j"
            " \\tilde d_j^2$",
            given=eig,
        ),
        Step(
            Identity(dt.T * dt, dn.T * dn),
            "and $\\|\\tilde d\\| = \\|d\\|$: $Q$ is orthogonal",
            given=eig,
        ),
        Step(
            Holds(sp.And(a_min * z_ <= a_ * z_, a_ * z_ <= a_max * z_)),
            "term by term, summed over j: $\\tilde a_{\\min}\\|d\\|^2 \\le d^T A d \\le \\tilde"
            " a_{\\max}\\|d\\|^2$ (Rayleigh), with equality along the eigenvectors of $\\tilde"
            " a_{\\min}$ and $\\tilde a_{\\max}$: C1 holds with $m = \\tilde a_{\\min}$ and C2"
            " with $M = \\tilde a_{\\max}$, and no larger $m$ or smaller $M$",
            given=_when(*between),
            label="rayleigh",
        ),
        Step(
            Identity(1 - m / M, 1 - 1 / kappa),
            "Theorem 1 at $\\alpha = 1/M$: the factor $1 - m/M = 1 - 1/\\kappa$,"
            " $\\kappa = \\tilde a_{\\max}/\\tilde a_{\\min}$ (001 §5)",
            given=Assumptions(definitions={m: a_min, M: a_max, kappa: a_max / a_min}),
            label="rate",
        ),
        Step(
            Holds((1 - alpha * a_) ** 2 <= 1 - alpha * a_min),
            "consistent with the exact decay (gd.loss_decay): for $\\alpha \\le 1/\\tilde"
            " a_{\\max}$ every direction's share of the gap shrinks by $(1 - \\alpha\\tilde"
            " a_j)^2 \\le 1 - \\alpha\\tilde a_{\\min}$",
            given=_when(*between, alpha <= 1 / a_max),
            label="consistent",
        ),
        Step(
            Holds(sp.Abs(1 - alpha * a_) < 1),
            "the quadratic's own bound is $\\alpha < 2/\\tilde a_{\\max}$ (gd.step_size_cases):"
            " e.g. $\\alpha = 3/(2\\tilde a_{\\max})$, beyond Theorem 1's $1/M$, still"
            " contracts every direction with $\\tilde a_j > 0$",
            given=_when(a_ > 0, a_ <= a_max, sp.Eq(alpha, sp.Rational(3, 2) / a_max)),
            label="quadratic_bound",
        ),
        Step(
            Identity(dD.T * (Phi.T * Phi / N) * dD, r_.T * r_ / N),
            "least squares, $A = \\Phi^T\\Phi/N$: with $r = \\Phi d$ the curvature along d is"
            " $\\|r\\|^2/N \\ge 0$",
            given=Assumptions(definitions={r_: Phi * dD}),
            label="ls_curvature",
        ),
        Step(
            Identity(Phi * (ID - Pinv(Phi) * Phi) * u_, sp.ZeroMatrix(N, 1)),
            "any rank: $d = (I - \\Phi^\\dagger\\Phi)u$ has $\\Phi d = 0$, zero curvature; it is"
            " nonzero for some u exactly when $\\Phi$ has rank $< D$: then m = 0",
            label="zero_direction",
        ),
        Step(
            Identity(Pinv(Phi) * Phi, ID),
            "full column rank: $\\Phi d = 0$ forces $d = \\Phi^\\dagger\\Phi d = 0$, so every"
            " direction curves upwards: strongly convex",
            given=Assumptions(matrices={Phi: "full_column_rank"}),
            label="full_rank",
        ),
        Step(
            Identity(Phi_n.T * Phi_n / N, V_ * (S_.T * S_ / N) * V_.T),
            "with the SVD $\\Phi = U S V^T$: the eigenvalues of $A$ are $\\sigma_j^2/N$, so $m ="
            " \\sigma_{\\min}(\\Phi)^2/N$ (0 when $\\Phi$ is rank deficient)",
            given=svd,
            label="ls_constants",
        ),
    ]
    source_claims = [
        Step(
            Refuted(sp.Determinant(Phi_2.T * Phi_2 / N), 0),
            "001 §5 says unregularised linear regression is not strongly convex, i.e. $A ="
            " \\Phi^T\\Phi/N$ is singular; it is not when $\\Phi$ has full column rank (e.g."
            " any invertible 2 x 2 $\\Phi$, $N = 2$; $\\Phi = I$ gives $m = 1/2$)",
            given=Assumptions(matrices={Phi_2: "invertible"}, definitions={N: 2}),
            label="not_strongly_convex",
        ),
        Step(
            Refuted(
                sp.Piecewise((1, sp.And(alpha * a_max > 0, alpha * a_max < 2)), (0, True)),
                sp.Piecewise((1, alpha <= 1 / a_max), (0, True)),
            ),
            '001 §5: "analogously to quadratics, the learning rate is bounded by $1/M$"; a'
            " quadratic converges exactly for $0 < \\alpha < 2/\\tilde a_{\\max}$ (A2), so at"
            " every $\\alpha$ between $1/\\tilde a_{\\max}$ and $2/\\tilde a_{\\max}$ (e.g."
            " $3/(2\\tilde a_{\\max})$) converges and breaks the claimed bound; $1/M$ is what"
            " Theorem 1's proof needs",
            given=_when(alpha > 1 / a_max, alpha < 2 / a_max),
            label="one_over_M",
        ),
        *_rate_source_claims(),
    ]
    return Derivation(
        id="convexity.quadratic_constants",
        title="The constants of a quadratic: m, M, and when least squares is strongly convex",
        source=Source(SOURCE, "§5 (relation to quadratics, advantage 1); §2.3"),
        assumptions=Assumptions(
            text=(
                "$J(w) = \\frac12 w^T A w + b^T w + c$, $A$ symmetric positive semidefinite with"
                " eigenvalues $\\tilde a_{\\min} \\le \\tilde a_j \\le \\tilde a_{\\max}$",
            )
        ),
        steps=steps,
        source_claims=source_claims,
        result=steps[2].claim,
        summary="For a quadratic the best constants are the extreme eigenvalues of A, so Theorem"
        " 1 gives the rate $1 - 1/\\kappa$; least squares without regularisation is strongly"
        " convex exactly when $\\Phi$ has full column rank.",
    )


DERIVATIONS = [strong_rate, quadratic_constants]
