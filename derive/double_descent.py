"""Double descent in linear regression: the exact test risk of the minimum-norm fit.

Source: 001 §4 ("Double Descent", Fig 4).  The model of 001 §4: inputs
:math:`\\mathbf x \\sim \\mathcal N(0, \\mathbf I_D)`, true weights
:math:`\\mathbf w \\sim \\mathcal N(0, \\tau^2\\mathbf I)`, noisy targets
:math:`\\hat{t} = \\mathbf w^\\top\\mathbf x + \\varepsilon`,
:math:`\\varepsilon \\sim \\mathcal N(0, \\sigma^2)` (001: D = 50, τ² = 0.1, σ² = 1); N training
rows stacked in :math:`\\mathbf X \\in \\mathbb R^{N\\times D}` (rows are data), the
minimum-norm fit :math:`\\hat{\\mathbf w} = \\mathbf X^\\dagger\\hat{\\mathbf t}` (001 eq 16).  The
expected test error against a fresh noisy target is

.. math:: R(N, D) = \\begin{cases}
   \\sigma^2\\bigl(1 + \\frac{D}{N - D - 1}\\bigr) & N \\ge D + 2,\\\\
   \\sigma^2 + \\tau^2(D - N) + \\frac{\\sigma^2 N}{D - N - 1} & N \\le D - 2,\\\\
   \\infty & |N - D| \\le 1.\\end{cases}

What is proved and what is assumed: the algebra (the error of the fit splits into a bias part
in the null space of X and a variance part in its row space, with no cross term; the test risk
is σ² plus their squared norms; the traces; the assembly; the proportional limits) is
verified by the engine.  Two moment identities of random-matrix theory are *stated*, not
proved: the inverse-Wishart mean :math:`\\mathbb E[(\\mathbf Z^\\top\\mathbf Z)^{-1}] =
\\mathbf I_p/(m - p - 1)` for :math:`\\mathbf Z \\in \\mathbb R^{m\\times p}` with i.i.d.
standard normal entries and m ≥ p + 2 (infinite for m ∈ {p, p + 1}), and the mean projection
:math:`\\mathbb E[\\mathbf X^\\dagger\\mathbf X] = (N/D)\\mathbf I` (X rotation invariant,
N ≤ D), together with "a Gaussian X has full rank min(N, D) almost surely".

Derivation: ``double_descent.min_norm_risk``.  Formula: :data:`MIN_NORM_RISK` (a Piecewise in
N, D, σ, τ); exact public function :func:`min_norm_risk`.  The simulation of 001 Fig 4 is in
``gdflow.checks.double_descent``.
"""

from __future__ import annotations

import sympy as sp
from sympy import Basic

from .derivation import Assumptions, Definition, Derivation, Formula, Identity, Source, Step
from .matrices import Pinv
from .notation import D, N, X
from .numbers import exact_number

__all__ = ["MIN_NORM_RISK", "min_norm_risk", "min_norm_risk_derivation", "DERIVATIONS"]

SOURCE = "001_76f73b0c2cfaffb7.txt"

sigma = sp.Symbol("sigma", positive=True)  # noise standard deviation
tau = sp.Symbol("tau", positive=True)  # prior standard deviation of each true weight
gamma = sp.Symbol("gamma", positive=True)  # the aspect ratio D/N in the proportional limit
r = sp.Symbol("r", positive=True)  # the signal norm ||w|| in the proportional limit

w = sp.MatrixSymbol("w", D, 1)
eps = sp.MatrixSymbol("epsilon", N, 1)
w_hat = sp.MatrixSymbol("w_hat", D, 1)
x = sp.MatrixSymbol("x", D, 1)
e0 = sp.MatrixSymbol("epsilon_0", 1, 1)  # the noise of the test target, a 1x1 matrix
d = sp.MatrixSymbol("delta", D, 1)  # the error of the fit, w_hat - w
ID = sp.Identity(D)
IN = sp.Identity(N)
P = Pinv(X) * X  # the orthogonal projector onto the row space of X
Exx = sp.MatrixSymbol("E[x x^T]", D, D)
Eww = sp.MatrixSymbol("E[w w^T]", D, D)
Eee = sp.MatrixSymbol("E[epsilon epsilon^T]", N, N)
EP = sp.MatrixSymbol("E[X^+ X]", D, D)
E_inv_col = sp.MatrixSymbol("E[(X^T X)^-1]", D, D)
E_inv_row = sp.MatrixSymbol("E[(X X^T)^-1]", N, N)

_OVER = N >= D + 2
_UNDER = N <= D - 2
_VARIANCE_OVER = sigma**2 * D / (N - D - 1)
_VARIANCE_UNDER = sigma**2 * N / (D - N - 1)
_BIAS_UNDER = tau**2 * (D - N)

MIN_NORM_RISK = Formula(
    name=sp.Symbol("R"),
    expr=sp.Piecewise(
        (sigma**2 * (1 + D / (N - D - 1)), _OVER),
        (sigma**2 + _BIAS_UNDER + _VARIANCE_UNDER, _UNDER),
        (sp.oo, True),
    ),
    params=(N, D, sigma, tau),
    step="risk",
    text=(
        "expected test error (noisy test targets) of the min-norm fit X^+ t for x ~ N(0, I_D), "
        "w ~ N(0, tau^2 I), noise variance sigma^2: sigma^2 (1 + D/(N - D - 1)) for "
        "N >= D + 2; sigma^2 + tau^2 (D - N) + sigma^2 N/(D - N - 1) for N <= D - 2; "
        "infinite for |N - D| <= 1"
    ),
)
"""``double_descent.min_norm_risk``: the exact expected test error of the minimum-norm fit
(001 §4): :math:`\\sigma^2(1 + D/(N - D - 1))` for N ≥ D + 2,
:math:`\\sigma^2 + \\tau^2(D - N) + \\sigma^2 N/(D - N - 1)` for N ≤ D - 2, ∞ otherwise."""


def min_norm_risk(N: object, D: object, sigma2: object, tau2: object) -> Basic:
    """The exact expected test error of the minimum-norm fit (001 §4, Fig 4(a);
    ``double_descent.min_norm_risk``):

    .. math:: R = \\sigma^2\\Bigl(1 + \\frac{D}{N - D - 1}\\Bigr)\\ (N \\ge D + 2),\\quad
       \\sigma^2 + \\tau^2(D - N) + \\frac{\\sigma^2 N}{D - N - 1}\\ (N \\le D - 2),\\quad
       \\infty\\ (|N - D| \\le 1).

    ``N``, ``D`` positive integers, ``sigma2`` = σ² > 0 the noise variance, ``tau2`` = τ² > 0
    the prior variance of each true weight; numbers are read exactly (0.1 is 1/10).  Computed
    by instantiating :data:`MIN_NORM_RISK`; returns a SymPy number (``oo`` when infinite).

    >>> min_norm_risk(100, 50, 1, "0.1")
    99/49
    >>> min_norm_risk(20, 50, 1, "0.1")
    136/29
    >>> min_norm_risk(50, 50, 1, 1)
    oo
    """
    sizes = {}
    for name, value in (("N", N), ("D", D)):
        v = exact_number(value)
        if not (v.is_integer and v.is_positive):
            raise ValueError(f"{name} must be a positive integer; got {name} = {value!r}")
        sizes[name] = v
    variances = {}
    for name, value in (("sigma2", sigma2), ("tau2", tau2)):
        v = exact_number(value)
        if not v.is_positive:
            raise ValueError(f"{name} must be > 0; got {name} = {value!r}")
        variances[name] = v
    n_sym, d_sym, sigma_sym, tau_sym = MIN_NORM_RISK.params
    values = {
        n_sym: sizes["N"],
        d_sym: sizes["D"],
        sigma_sym: sp.sqrt(variances["sigma2"]),
        tau_sym: sp.sqrt(variances["tau2"]),
    }
    return sp.nsimplify(MIN_NORM_RISK.instantiate(values))


def min_norm_risk_derivation() -> Derivation:
    """``double_descent.min_norm_risk``: the exact test risk of the min-norm fit (001 §4)."""
    fit = Assumptions(definitions={w_hat: Pinv(X) * (X * w + eps)})
    error = Assumptions(definitions={d: -(ID - P) * w + Pinv(X) * eps})
    full_col = Assumptions(matrices={X: "full_column_rank"}, text=("$N \\ge D$, X of rank D",))
    full_row = Assumptions(matrices={X: "full_row_rank"}, text=("$N \\le D$, X of rank N",))
    over = Assumptions(conditions=(_OVER,))
    under = Assumptions(conditions=(_UNDER,))
    steps = [
        Step(
            Definition(w_hat, Pinv(X) * (X * w + eps)),
            "the minimum-norm fit to the noisy targets $\\hat{t} = Xw + \\epsilon$ (001 eq 16, "
            "§4: the stationary point of GD from 0)",
        ),
        Step(
            Identity(w_hat - w, -(ID - P) * w + Pinv(X) * eps),
            "its error: the part of $w$ outside the row space of X is lost (bias), the noise "
            "is fitted through $X^\\dagger$ (variance)",
            given=fit,
        ),
        Step(
            Identity(
                (x.T * d - e0).T * (x.T * d - e0),
                d.T * (x * x.T) * d - 2 * e0.T * (x.T * d) + e0.T * e0,
            ),
            "the squared test error at a fresh point, target $x^T w + \\epsilon_0$: with "
            "$\\delta = \\hat{w} - w$ the residual is $x^T\\delta - \\epsilon_0$",
        ),
        Step(
            Identity(
                d.T * Exx * d + sigma**2 * sp.Identity(1), d.T * d + sigma**2 * sp.Identity(1)
            ),
            "taking expectations over the test point ($x$, $\\epsilon_0$ independent of the "
            "training data, $\\mathbb{E}\\epsilon_0 = 0$, $\\mathbb{E}\\epsilon_0^2 = \\sigma^2$, "
            "$\\mathbb{E}[xx^T] = I$): the risk is $\\sigma^2 + \\mathbb{E}\\|\\delta\\|^2$",
            given=Assumptions(definitions={Exx: ID}),
        ),
        Step(
            Identity(((ID - P) * w).T * (Pinv(X) * eps), sp.ZeroMatrix(1, 1)),
            "no cross term, for every X, w and noise: $(I - X^\\dagger X)X^\\dagger = 0$ "
            "(Penrose), so bias and variance are orthogonal",
            label="orthogonal",
        ),
        Step(
            Identity(
                d.T * d, ((ID - P) * w).T * ((ID - P) * w) + (Pinv(X) * eps).T * (Pinv(X) * eps)
            ),
            "Pythagoras: $\\|\\delta\\|^2 = \\|(I - X^\\dagger X)w\\|^2 + "
            "\\|X^\\dagger\\epsilon\\|^2$",
            given=error,
        ),
        Step(
            Identity(
                sp.Trace((ID - P).T * (ID - P) * Eww),
                tau**2 * (D - sp.Trace(P)),
            ),
            "the bias over $w \\sim \\mathcal{N}(0, \\tau^2 I)$ independent of X: "
            "$\\mathbb{E}\\|(I - X^\\dagger X)w\\|^2 = \\mathrm{tr}((I - X^\\dagger X)^T(I - "
            "X^\\dagger X)\\mathbb{E}[ww^T]) = \\tau^2(D - \\mathrm{tr}\\,X^\\dagger X)$ "
            "($I - X^\\dagger X$ is a symmetric idempotent)",
            given=Assumptions(definitions={Eww: tau**2 * ID}),
            label="bias",
        ),
        Step(
            Identity(sp.Trace(P), N),
            "X of full row rank ($N \\le D$; Gaussian X has full rank almost surely): "
            "$X^\\dagger X$ projects onto an N-dimensional subspace,"
            " so the bias is $\\tau^2(D - N)$",
            given=full_row,
        ),
        Step(
            Identity(sp.Trace(P), D),
            "X of full column rank ($N \\ge D$): $X^\\dagger X = I$, and the bias is 0",
            given=full_col,
        ),
        Step(
            Identity(sp.Trace(Pinv(X).T * Pinv(X) * Eee), sigma**2 * sp.Trace(Pinv(X) * Pinv(X).T)),
            "the variance over the noise $\\epsilon \\sim \\mathcal{N}(0, \\sigma^2 I)$: "
            "$\\mathbb{E}\\|X^\\dagger\\epsilon\\|^2 = \\sigma^2\\,\\mathrm{tr}(X^\\dagger "
            "X^{\\dagger T})$",
            given=Assumptions(definitions={Eee: sigma**2 * IN}),
            label="variance",
        ),
        Step(
            Identity(Pinv(X) * Pinv(X).T, sp.Inverse(X.T * X)),
            "$N \\ge D$: $X^\\dagger X^{\\dagger T} = (X^T X)^{-1}$",
            given=full_col,
        ),
        Step(
            Identity(sp.Trace(Pinv(X) * Pinv(X).T), sp.Trace(sp.Inverse(X * X.T))),
            "$N \\le D$: $\\mathrm{tr}(X^\\dagger X^{\\dagger T}) = \\mathrm{tr}((XX^T)^{-1})$, "
            "since $X^\\dagger = X^T(XX^T)^{-1}$",
            given=full_row,
        ),
        Step(
            Definition(E_inv_col, ID / (N - D - 1)),
            "ASSUMED (not proved here): the mean of the inverse Wishart distribution, for X "
            "with i.i.d. standard normal entries and $N \\ge D + 2$; for $N \\in \\{D, D + 1\\}$ "
            "the expectation is infinite",
            given=over,
        ),
        Step(
            Identity(sigma**2 * sp.Trace(E_inv_col), _VARIANCE_OVER),
            "so for $N \\ge D + 2$ the variance is $\\sigma^2\\,\\mathrm{tr}\\,\\mathbb{E}[(X^T "
            "X)^{-1}] = \\sigma^2 D/(N - D - 1)$",
            given=over.merged(Assumptions(definitions={E_inv_col: ID / (N - D - 1)})),
            label="variance_over",
        ),
        Step(
            Definition(E_inv_row, IN / (D - N - 1)),
            "ASSUMED: the same mean for $X^T$, a $D\\times N$ Gaussian matrix, when $N \\le D - "
            "2$ (infinite for $N \\in \\{D - 1, D\\}$)",
            given=under,
        ),
        Step(
            Identity(sigma**2 * sp.Trace(E_inv_row), _VARIANCE_UNDER),
            "so for $N \\le D - 2$ the variance is $\\sigma^2 N/(D - N - 1)$",
            given=under.merged(Assumptions(definitions={E_inv_row: IN / (D - N - 1)})),
            label="variance_under",
        ),
        Step(
            Identity(
                sp.Piecewise(
                    (sigma**2 + tau**2 * (D - D) + _VARIANCE_OVER, _OVER),
                    (sigma**2 + tau**2 * (D - N) + _VARIANCE_UNDER, _UNDER),
                    (sp.oo, True),
                ),
                MIN_NORM_RISK.expr,
            ),
            "the risk $\\sigma^2$ + bias + variance, regime by regime (the formula); at "
            "$|N - D| \\le 1$ the variance, hence the risk, is infinite (assumed above)",
            label="risk",
        ),
        Step(
            Definition(EP, N / D * ID),
            "ASSUMED: for rotation-invariant X with $N \\le D$ the projector $X^\\dagger X$ onto "
            "a uniformly random N-dimensional subspace has mean $(N/D)I$",
            given=full_row,
        ),
        Step(
            Identity(((ID - P) * w).T * ((ID - P) * w), w.T * (ID - P) * w),
            "for a fixed $w$: $\\|(I - X^\\dagger X)w\\|^2 = w^T(I - X^\\dagger X)w$, linear in "
            "the projector",
        ),
        Step(
            Identity(w.T * (ID - EP) * w, (1 - N / D) * (w.T * w)),
            "so a fixed $w$ of norm $r$ has bias $r^2(1 - N/D)$; with $r^2 = \\tau^2 D$ "
            "(the mean of $\\|w\\|^2$) it is $\\tau^2(D - N)$, as above",
            given=Assumptions(definitions={EP: N / D * ID}),
        ),
        Step(
            Identity(
                sp.Limit(sigma**2 * (1 + gamma * N / (N - gamma * N - 1)), N, sp.oo),
                -(sigma**2) / (gamma - 1),
            ),
            "the proportional limit $N, D \\to \\infty$, $D/N \\to \\gamma < 1$ (Hastie et al. "
            "2019): the risk tends to $\\sigma^2/(1 - \\gamma) = -\\sigma^2/(\\gamma - 1)$ "
            "(excess $\\sigma^2\\gamma/(1 - \\gamma)$)",
            given=Assumptions(conditions=(gamma < 1,)),
            label="limit_under",
        ),
        Step(
            Identity(
                sp.Limit(
                    sigma**2
                    + r**2 / (gamma * N) * (gamma * N - N)
                    + sigma**2 * N / (gamma * N - N - 1),
                    N,
                    sp.oo,
                ),
                sigma**2 + r**2 * (1 - 1 / gamma) + sigma**2 / (gamma - 1),
            ),
            "and for $\\gamma > 1$, with the signal held fixed, $\\tau^2 = r^2/D$: "
            "$\\sigma^2 + r^2(1 - 1/\\gamma) + \\sigma^2/(\\gamma - 1)$ (at fixed $\\tau^2$ the "
            "bias $\\tau^2(D - N)$ grows without bound)",
            given=Assumptions(conditions=(gamma > 1,)),
            label="limit_over",
        ),
    ]
    return Derivation(
        id="double_descent.min_norm_risk",
        title="Double descent: the exact test risk of the minimum-norm fit",
        source=Source(SOURCE, "§4 (double descent, Fig 4)"),
        assumptions=Assumptions(
            sizes={N: (1, 2, 3, 4), D: (1, 2, 3)},
            text=(
                "$x \\sim \\mathcal{N}(0, I_D)$, $w \\sim \\mathcal{N}(0, \\tau^2 I)$, $\\hat{t} = "
                "w^T x + \\epsilon$ with $\\epsilon \\sim \\mathcal{N}(0, \\sigma^2)$ (001: $D = "
                "50$, $\\tau^2 = 0.1$, $\\sigma^2 = 1$), all independent",
                "N training rows $X \\in \\mathbb{R}^{N\\times D}$, of full rank $\\min(N, D)$ "
                "(almost surely for Gaussian X); the fit $\\hat{w} = X^\\dagger\\hat{t}$",
                "assumed, not proved: the inverse-Wishart mean $\\mathbb{E}[(Z^T Z)^{-1}] = "
                "I/(m - p - 1)$ for $Z \\in \\mathbb{R}^{m\\times p}$ Gaussian, $m \\ge p + 2$, "
                "and the mean projection $\\mathbb{E}[X^\\dagger X] = (N/D)I$",
            ),
        ),
        steps=steps,
        result=steps[16].claim,
        formulas={"risk": MIN_NORM_RISK},
        summary=(
            "The error of the min-norm fit is $-(I - X^\\dagger X)w + X^\\dagger\\epsilon$, two "
            "orthogonal parts, so the test risk is $\\sigma^2$ + bias + variance: the bias "
            "$\\tau^2(D - N)$ below the threshold and 0 above it; the variance $\\sigma^2\\,"
            "\\mathrm{tr}\\,\\mathbb{E}[(X^T X)^{-1}] = \\sigma^2 D/(N - D - 1)$ above and "
            "$\\sigma^2 N/(D - N - 1)$ below (inverse-Wishart means, assumed), infinite at "
            "$|N - D| \\le 1$: the peak of 001 Fig 4(a) at the interpolation threshold N = D."
        ),
    )


DERIVATIONS = [min_norm_risk_derivation]
