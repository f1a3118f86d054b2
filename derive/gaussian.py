"""Affine transforms of Gaussians, and the uncertainty of gradient-flow predictions.

Source: 000 ("Evolution of prediction covariance"; appendix "Affine transformations of normal
distributions").  If :math:`\\mathbf{z} \\sim \\mathcal{N}(\\boldsymbol{\\mu},
\\boldsymbol{\\Sigma})` then :math:`\\mathbf{B}\\mathbf{z} + \\mathbf{c} \\sim
\\mathcal{N}(\\mathbf{B}\\boldsymbol{\\mu} + \\mathbf{c},
\\mathbf{B}\\boldsymbol{\\Sigma}\\mathbf{B}^\\top)`: by change of variables in the density for
invertible B, and by the characteristic function for any B (rank-deficient B gives a degenerate
Gaussian supported on :math:`\\mathbf{c} + \\operatorname{range}(\\mathbf{B})`).

Gradient flow on :math:`L(\\mathbf{w}) = \\tfrac12\\|\\mathbf{X}\\mathbf{w} - \\mathbf{y}\\|^2`
(000's sum loss scale; rows of X are data, :math:`\\mathbf{K} = \\mathbf{X}\\mathbf{X}^\\top`)
predicts
:math:`f(\\mathbf{x}_\\star, t) = a(t) + \\mathbf{b}(t)^\\top\\mathbf{w}_0`, affine in the
initial weights, so a Gaussian prior on :math:`\\mathbf{w}_0` gives a Gaussian prediction.

Derivations: ``gaussian.affine``, ``gaussian.prediction_uncertainty``.  Exact public function:
:func:`affine_gaussian`.  Formulas (``Derivation.formulas``): :data:`AFFINE_MEAN`,
:data:`AFFINE_COVARIANCE` (instantiated by :func:`affine_gaussian`, lambdified by
``gdflow.checks.gaussian_numeric.affine_moments``), :data:`PREDICTION_MEAN`,
:data:`PREDICTION_VARIANCE` (their per-singular-value forms drive
``gdflow.checks.gaussian_numeric.prediction_moments``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy import Basic, ImmutableMatrix

from .derivation import Assumptions, Definition, Derivation, Formula, Identity, Source, Step
from .function_space import AT as at
from .function_space import BT as bt
from .function_space import E_T as E_expr
from .function_space import EM as Et
from .function_space import KERNEL, a_t, b_t
from .function_space import KS as ks
from .function_space import W0 as w0
from .function_space import WT as wt
from .function_space import XS as xs
from .matrices import MatExp, MatrixLimit, Pinv, exact_matrix
from .notation import D, K, N, X, n, t, y
from .pseudoinverse import s_, tau_

__all__ = [
    "Det",
    "affine_gaussian",
    "AFFINE_MEAN",
    "AFFINE_COVARIANCE",
    "PREDICTION_MEAN",
    "PREDICTION_VARIANCE",
    "normal_density",
    "characteristic_exponent",
    "affine",
    "prediction_uncertainty",
    "DERIVATIONS",
]

SOURCE = "000_fe852d0dbc3739f0.txt"


class Det(sp.Determinant):
    """The determinant of a matrix expression, printed :math:`\\det(\\mathbf{M})` (SymPy prints
    :math:`|\\mathbf{M}|`, which inside an absolute value reads as a norm)."""

    def _latex(self, printer: Any) -> str:
        return r"\det\left(" + printer._print(self.arg) + r"\right)"


m = sp.Symbol("m", integer=True, positive=True)
B = sp.MatrixSymbol("B", m, n)
Bsq = sp.MatrixSymbol("B", n, n)
z = sp.MatrixSymbol("z", n, 1)
mu = sp.MatrixSymbol("mu", n, 1)
Sigma = sp.MatrixSymbol("Sigma", n, n)
cm = sp.MatrixSymbol("c", m, 1)
cn = sp.MatrixSymbol("c", n, 1)
xn = sp.MatrixSymbol("x", n, 1)
um = sp.MatrixSymbol("u", m, 1)
Im = sp.Identity(m)

mu0 = sp.MatrixSymbol("mu_0", D, 1)
Sigma0 = sp.MatrixSymbol("Sigma_0", D, D)
IN = sp.Identity(N)
ID = sp.Identity(D)
Ezz = sp.MatrixSymbol("E[(z - mu)(z - mu)^T]", n, n)
Eww = sp.MatrixSymbol("E[(w_0 - mu_0)(w_0 - mu_0)^T]", D, D)
xi_ = sp.Symbol("xi", real=True)  # v^T x_star: the test input along a right singular vector v
nu_ = sp.Symbol("nu", real=True)  # v^T mu_0: the prior mean along v

# -- the closed forms, as data -----------------------------------------------------------------

AFFINE_MEAN = Formula(
    name=sp.MatrixSymbol("E[Bz + c]", m, 1),
    expr=B * mu + cm,
    params=(B, mu, cm),
    step="mean",
    text="z ~ N(mu, Sigma): the mean of Bz + c is B mu + c",
)
"""``gaussian.affine``: :math:`\\mathbb E[\\mathbf B\\mathbf z + \\mathbf c] =
\\mathbf B\\boldsymbol\\mu + \\mathbf c`."""

AFFINE_COVARIANCE = Formula(
    name=sp.MatrixSymbol("Cov[Bz + c]", m, m),
    expr=B * Sigma * B.T,
    params=(B, Sigma),
    step="covariance",
    text="z ~ N(mu, Sigma): the covariance of Bz + c is B Sigma B^T",
)
"""``gaussian.affine``: :math:`\\mathrm{Cov}[\\mathbf B\\mathbf z + \\mathbf c] =
\\mathbf B\\boldsymbol\\Sigma\\mathbf B^\\top`."""

_K_X = X * X.T
_E_X = IN - MatExp(-_K_X * t)
_A_X = (X * xs).T * Pinv(_K_X) * _E_X * y
_B_X = xs - X.T * _E_X * Pinv(_K_X) * (X * xs)

PREDICTION_MEAN = Formula(
    name=sp.MatrixSymbol("E[f(x_star, t)]", 1, 1),
    expr=_A_X + _B_X.T * mu0,
    params=(X, y, xs, t, mu0),
    step="mean",
    spectral=xi_ * ((1 - sp.exp(-(s_**2) * t)) * tau_ / s_ + sp.exp(-(s_**2) * t) * nu_),
    spectral_params=(s_, t, xi_, tau_, nu_),
    spectral_step="mean_spectral",
    text=(
        "mean a(t) + b(t)^T mu_0, a(t) = k*^T K^+ E(t) y, b(t) = x* - X^T E(t) K^+ k*, "
        "K = X X^T, k* = X x*, E(t) = I - exp(-K t) (sum scale); with X = U S V^T, along v_j "
        "(s_j > 0): xi_j ((1 - exp(-s_j^2 t)) tau_j / s_j + exp(-s_j^2 t) nu_j), xi_j = v_j^T x*, "
        "tau_j = u_j^T y, nu_j = v_j^T mu_0; directions with s_j = 0 give xi_j nu_j"
    ),
)
"""``gaussian.prediction_uncertainty``: the mean of :math:`f(\\mathbf x_\\star, t)` under
:math:`\\mathbf w_0\\sim\\mathcal N(\\boldsymbol\\mu_0, \\boldsymbol\\Sigma_0)`,
:math:`a(t) + \\mathbf b(t)^\\top\\boldsymbol\\mu_0`; per positive singular value
:math:`\\xi((1 - e^{-s^2t})\\tau/s + e^{-s^2t}\\nu)` (its limit :math:`\\xi\\nu` as
:math:`s \\to 0^+` is what a zero singular value contributes)."""

PREDICTION_VARIANCE = Formula(
    name=sp.MatrixSymbol("Var[f(x_star, t)]", 1, 1),
    expr=_B_X.T * Sigma0 * _B_X,
    params=(X, xs, t, Sigma0),
    step="variance",
    spectral=xi_ * sp.exp(-(s_**2) * t),
    spectral_params=(s_, t, xi_),
    spectral_step="b_spectral",
    text=(
        "variance b(t)^T Sigma_0 b(t), b(t) = x* - X^T E(t) K^+ k* = exp(-X^T X t) x*; "
        "the spectral "
        "form is b(t)'s coordinate along v_j, xi_j exp(-s_j^2 t) (xi_j when s_j = 0)"
    ),
)
"""``gaussian.prediction_uncertainty``: the variance :math:`\\mathbf b(t)^\\top\\boldsymbol\\Sigma_0
\\mathbf b(t)`; its spectral form is the coordinate of :math:`\\mathbf b(t) = e^{-\\mathbf X^\\top
\\mathbf X t}\\mathbf x_\\star` along a right singular vector, :math:`\\xi e^{-s^2 t}`."""


def normal_density(x: Basic, mean: Basic, cov: Basic, dim: Basic) -> Basic:
    """The multivariate normal density :math:`(2\\pi)^{-d/2}\\det(\\Sigma)^{-1/2}
    \\exp(-\\tfrac12 (x-\\mu)^\\top\\Sigma^{-1}(x-\\mu))` as a scalar SymPy expression of matrix
    expressions (000 appendix), ``dim`` = d.  The quadratic form is wrapped in ``Trace`` so it is
    a scalar."""
    r = x - mean
    return (
        (2 * sp.pi) ** (-dim / 2)
        * Det(cov) ** sp.Rational(-1, 2)
        * sp.exp(-sp.Trace(r.T * sp.Inverse(cov) * r) / 2)
    )


def characteristic_exponent(u: Basic, mean: Basic, cov: Basic) -> Basic:
    """:math:`\\log\\varphi(u) = i u^\\top\\mu - \\tfrac12 u^\\top\\Sigma u` of
    :math:`\\mathcal{N}(\\mu, \\Sigma)`,
    :math:`\\varphi(u) = \\mathbb{E}\\,e^{i u^\\top x}` its characteristic function (the definition
    of a Gaussian that covers degenerate ones, Σ positive semidefinite), as a 1×1 matrix expression
    (000 appendix; ``gaussian.affine``)."""
    return sp.I * (u.T * mean) - (u.T * cov * u) / 2


# -- exact public function --------------------------------------------------------------------

_B, _mu, _Sigma = B, mu, Sigma  # the parameters of affine_gaussian shadow these names


def affine_gaussian(B: object, c: object, mu: object, Sigma: object) -> tuple[sp.Matrix, sp.Matrix]:
    """Mean and covariance of :math:`\\mathbf{B}\\mathbf{z} + \\mathbf{c}` for
    :math:`\\mathbf{z} \\sim \\mathcal{N}(\\boldsymbol\\mu, \\boldsymbol\\Sigma)`, exactly
    (000 appendix, "Affine transformations of normal distributions"; ``gaussian.affine``):

    .. math:: \\mathbf{B}\\mathbf{z} + \\mathbf{c} \\sim \\mathcal{N}(\\mathbf{B}\\boldsymbol\\mu +
       \\mathbf{c},\\ \\mathbf{B}\\boldsymbol\\Sigma\\mathbf{B}^\\top).

    ``B`` is m×n of any rank (rank-deficient B gives a singular covariance: the result is
    supported on c + range(B)); ``Sigma`` must be symmetric positive semidefinite.  No loss
    scale is involved.  Numbers are read exactly (``exact_matrix``: 0.1 is 1/10).  Returns
    ``(mean, cov)`` as SymPy matrices: :data:`AFFINE_MEAN` and :data:`AFFINE_COVARIANCE`
    instantiated at the inputs.

    >>> mean, cov = affine_gaussian([[1, 1]], [2], [1, -1], [[1, 0], [0, 4]])
    >>> mean, cov
    (Matrix([[2]]), Matrix([[5]]))
    """
    Bm, c_, m_, S = (
        exact_matrix(v, name) for v, name in ((B, "B"), (c, "c"), (mu, "mu"), (Sigma, "Sigma"))
    )
    if S.rows != S.cols or S != S.T:
        raise ValueError(
            f"Sigma must be a symmetric square matrix; got a {S.rows}x{S.cols} matrix {S.tolist()}"
        )
    if S.is_positive_semidefinite is False:
        raise ValueError(
            f"Sigma must be positive semidefinite; got {S.tolist()} with eigenvalues "
            f"{list(S.eigenvals())}"
        )
    if m_.shape != (S.rows, 1):
        raise ValueError(
            f"mu must be a vector of length {S.rows} to match Sigma; got shape {m_.shape}"
        )
    if Bm.cols != S.rows:
        raise ValueError(f"B must have {S.rows} columns to act on z; got shape {Bm.shape}")
    if c_.shape != (Bm.rows, 1):
        raise ValueError(
            f"c must be a vector of length {Bm.rows} (the rows of B); got shape {c_.shape}"
        )
    values = {
        _B: ImmutableMatrix(Bm),
        cm: ImmutableMatrix(c_),
        _mu: ImmutableMatrix(m_),
        _Sigma: ImmutableMatrix(S),
        m: sp.Integer(Bm.rows),
        n: sp.Integer(Bm.cols),
    }
    mean = sp.Matrix(AFFINE_MEAN.instantiate(values))
    return mean, sp.Matrix(AFFINE_COVARIANCE.instantiate(values))


# -- derivations ------------------------------------------------------------------------------


def affine() -> Derivation:
    """``gaussian.affine``: z ~ N(μ, Σ) ⇒ Bz + c ~ N(Bμ + c, BΣBᵀ) (000 appendix)."""
    inv = Assumptions(
        matrices={Bsq: "invertible", Sigma: "pd"},
        sizes={n: (1, 2, 3)},
        text=("B square and invertible, $\\Sigma$ positive definite",),
    )
    zi = sp.Inverse(Bsq) * (xn - cn)
    q_z = (zi - mu).T * sp.Inverse(Sigma) * (zi - mu)
    q_x = (xn - Bsq * mu - cn).T * sp.Inverse(Bsq * Sigma * Bsq.T) * (xn - Bsq * mu - cn)
    anyB = Assumptions(
        matrices={Sigma: "psd"},
        text=("B any $m\\times n$ matrix (rank-deficient included), $\\Sigma \\succeq 0$",),
    )
    p_z = sp.Function("p_z")
    steps = [
        Step(
            Definition(p_z(z), normal_density(z, mu, Sigma, n)),
            "the normal density in $\\mathbb{R}^n$ (000 appendix)",
            given=inv,
        ),
        Step(
            Identity(Bsq * z + cn, xn),
            "$x = Bz + c$ is inverted by $z = B^{-1}(x - c)$",
            given=inv.merged(Assumptions(definitions={z: zi})),
        ),
        Step(
            Identity(sp.Abs(Det(sp.Inverse(Bsq))), 1 / sp.Abs(Det(Bsq))),
            "change of variables: $p_x(x) = p_z(B^{-1}(x - c))\\,|\\det B^{-1}| = "
            "p_z(B^{-1}(x - c))/|\\det B|$",
            given=inv,
        ),
        Step(
            Identity(q_z, q_x),
            "the completed square: the exponent is a quadratic in x centred at $B\\mu + "
            "c$ with matrix $(B\\Sigma B^T)^{-1}$",
            given=inv,
        ),
        Step(
            Identity(Det(Bsq * Sigma * Bsq.T), Det(Bsq) ** 2 * Det(Sigma)),
            "the constant: $\\det(B\\Sigma B^T) = (\\det B)^2\\det\\Sigma$",
            given=inv,
        ),
        Step(
            Identity(sp.sqrt(Det(Bsq * Sigma * Bsq.T)), sp.Abs(Det(Bsq)) * sp.sqrt(Det(Sigma))),
            "so $|\\det B|\\sqrt{\\det\\Sigma} = \\sqrt{\\det(B\\Sigma B^T)}$: exactly "
            "the normalising constant of $\\mathcal{N}(B\\mu + c, B\\Sigma B^T)$",
            given=inv,
        ),
        Step(
            Identity(
                normal_density(zi, mu, Sigma, n) / sp.Abs(Det(Bsq)),
                normal_density(xn, Bsq * mu + cn, Bsq * Sigma * Bsq.T, n),
            ),
            "the transformed density is the normal density $\\mathcal{N}(B\\mu + c, "
            "B\\Sigma B^T)$ (checked at exact instances; exp and square roots are "
            "compared exactly or in arb balls)",
            given=inv,
        ),
        Step(
            Identity(B * z + cm - (B * mu + cm), B * (z - mu)),
            "any B: $Bz + c - (B\\mu + c) = B(z - \\mu)$, so $\\mathbb{E}[Bz + c] = "
            "B\\mu + c$ by linearity",
            given=anyB,
        ),
        Step(
            Identity(
                (B * z + cm - (B * mu + cm)) * (B * z + cm - (B * mu + cm)).T,
                B * (z - mu) * (z - mu).T * B.T,
            ),
            "and $\\mathrm{Cov}[Bz + c] = B\\,\\mathbb{E}[(z - \\mu)(z - \\mu)^T]B^T = "
            "B\\Sigma B^T$",
            given=anyB,
        ),
        Step(
            Identity(B * z + cm - B * (z - mu), AFFINE_MEAN.expr),
            "so $Bz + c$ is the constant $B\\mu + c$ plus $B(z - \\mu)$, whose mean is 0: "
            "$\\mathbb{E}[Bz + c] = B\\mu + c$",
            given=anyB,
            label="mean",
        ),
        Step(
            Identity(B * Ezz * B.T, AFFINE_COVARIANCE.expr),
            "taking expectations (linear: $\\mathbb{E}[BMB^T] = B\\,\\mathbb{E}[M]B^T$) with "
            "$\\mathbb{E}[(z - \\mu)(z - \\mu)^T] = \\Sigma$: "
            "$\\mathrm{Cov}[Bz + c] = B\\Sigma B^T$",
            given=anyB.merged(Assumptions(definitions={Ezz: Sigma})),
            label="covariance",
        ),
        Step(
            Identity(B * Sigma * B.T * (Im - B * Pinv(B)), sp.ZeroMatrix(m, m)),
            "rank-deficient B: no variance outside range(B); the result is a degenerate "
            "Gaussian on $c + \\mathrm{range}(B)$",
            given=anyB,
        ),
        Step(
            Identity(
                sp.I * (um.T * cm) + characteristic_exponent(B.T * um, mu, Sigma),
                characteristic_exponent(um, B * mu + cm, B * Sigma * B.T),
            ),
            "for any B: $\\mathbb{E}e^{iu^T(Bz + c)} = e^{iu^Tc}\\varphi_z(B^T u)$; its "
            "exponent is that of $\\mathcal{N}(B\\mu + c, B\\Sigma B^T)$, so this is the "
            "characteristic function of that law",
            given=anyB,
        ),
    ]
    return Derivation(
        id="gaussian.affine",
        title="Affine transforms of Gaussians",
        source=Source(SOURCE, "appendix: affine transformations of normal distributions"),
        assumptions=Assumptions(
            sizes={m: (1, 2, 3), n: (1, 2, 3)},
            text=(
                "$z \\sim \\mathcal{N}(\\mu, \\Sigma)$ in $\\mathbb{R}^n$, $x = Bz + c$ "
                "with $B \\in \\mathbb{R}^{m\\times n}$, $c \\in \\mathbb{R}^m$",
            ),
        ),
        steps=steps,
        result=steps[-1].claim,
        formulas={"mean": AFFINE_MEAN, "covariance": AFFINE_COVARIANCE},
        summary="For invertible B the density transforms with the factor $|\\det B|^{-1}$ and "
        "the completed square gives $\\mathcal{N}(B\\mu + c, B\\Sigma B^T)$; for any B "
        "(rank-deficient included) the moments and the characteristic function give the "
        "same law, degenerate when $B\\Sigma B^T$ is singular.",
    )


def prediction_uncertainty() -> Derivation:
    """``gaussian.prediction_uncertainty``: w₀ ~ N(μ₀, Σ₀) ⇒ f(x*, t) ~ N(a + bᵀμ₀, bᵀΣ₀b) (000)."""
    E0 = sp.MatrixSymbol("E(0)", N, N)
    w_expr = w0 - X.T * Pinv(K) * Et * (X * w0 - y)
    kernel = KERNEL.merged(Assumptions(definitions={ks: X * xs, Et: E_expr}))
    at_zero = kernel.merged(Assumptions(definitions={E0: E_expr.subs(t, 0)}))
    coeffs = Assumptions(definitions={at: a_t, bt: b_t, wt: w_expr})
    full_col = Assumptions(
        matrices={X: "full_column_rank"},
        sizes={N: (2, 3, 4), D: (1, 2)},
        text=("$X^T X$ invertible",),
    )
    f_at = xs.T * wt
    mean_t = at + bt.T * mu0
    b_inf = xs - X.T * K * Pinv(K) * Pinv(K) * X * xs
    a_inf = (X * xs).T * Pinv(K) * K * Pinv(K) * y
    steps = [
        Step(
            Definition(Et, E_expr),
            "$E(t) = I - e^{-Kt}$, $K = XX^T$ (000, function-space evolution)",
        ),
        Step(
            Definition(wt, w_expr),
            "gradient flow on $L = \\frac12\\|Xw - y\\|^2$, any rank (000, evolution of "
            "parameters; flow.parameter_evolution)",
        ),
        Step(
            Identity(f_at, at + bt.T * w0),
            "the prediction $f(x_\\star, t) = x_\\star^T w(t)$ is affine in $w_0$, with "
            "$a(t) = k_\\star^T K^\\dagger E(t)y$, $b(t) = x_\\star - X^T E(t)K^\\dagger "
            "k_\\star$ (flow.predictions)",
            given=kernel.merged(coeffs),
        ),
        Step(
            Identity(f_at - mean_t, bt.T * (w0 - mu0)),
            "with $w_0 \\sim \\mathcal{N}(\\mu_0, \\Sigma_0)$: gaussian.affine with $B = "
            "b(t)^T$, $c = a(t)$ gives the mean $a(t) + b(t)^T\\mu_0$",
            given=kernel.merged(coeffs),
        ),
        Step(
            Identity(f_at - bt.T * (w0 - mu0), PREDICTION_MEAN.expr),
            "the mean, explicitly: $\\mathbb{E}[b(t)^T(w_0 - \\mu_0)] = 0$, so "
            "$\\mathbb{E}f(x_\\star, t) = f(x_\\star, t) - b(t)^T(w_0 - \\mu_0) = "
            "a(t) + b(t)^T\\mu_0$ (the formula)",
            given=kernel.merged(coeffs),
            label="mean",
        ),
        variance_step := Step(
            Identity((f_at - mean_t) * (f_at - mean_t).T, bt.T * ((w0 - mu0) * (w0 - mu0).T) * bt),
            "and the variance $b(t)^T\\Sigma_0 b(t)$: $f(x_\\star, t) \\sim "
            "\\mathcal{N}(a(t) + b(t)^T\\mu_0,\\ b(t)^T\\Sigma_0 b(t))$",
            given=kernel.merged(coeffs),
        ),
        Step(
            Identity(bt.T * Eww * bt, PREDICTION_VARIANCE.expr),
            "taking expectations, $\\mathbb{E}[(w_0 - \\mu_0)(w_0 - \\mu_0)^T] = \\Sigma_0$: "
            "the predictive variance (the formula)",
            given=kernel.merged(coeffs).merged(Assumptions(definitions={Eww: Sigma0})),
            label="variance",
        ),
        Step(
            Identity(_B_X, MatExp(-X.T * X * t) * xs),
            "$b(t) = e^{-X^T X t}x_\\star$ for X of any rank: in the singular basis "
            "$X = USV^T$ the coordinate of $b(t)$ along $v_j$ is $e^{-s_j^2 t}v_j^T x_\\star$ "
            "($v_j^T x_\\star$ itself when $s_j = 0$)",
            given=kernel,
            label="b_exp",
        ),
        Step(
            Identity(
                xi_ - s_ * (1 - sp.exp(-(s_**2) * t)) / s_**2 * (s_ * xi_),
                PREDICTION_VARIANCE.spectral,
            ),
            "per singular value $s > 0$: $b(t)$ of the one-dimensional problem $X = s$, "
            "$x_\\star = \\xi$ ($K = s^2$, $k_\\star = s\\xi$)",
            given=Assumptions(conditions=(s_ > 0,)),
            label="b_spectral",
        ),
        Step(
            Identity(
                (s_ * xi_) / s_**2 * (1 - sp.exp(-(s_**2) * t)) * tau_
                + (xi_ - s_ * (1 - sp.exp(-(s_**2) * t)) / s_**2 * (s_ * xi_)) * nu_,
                PREDICTION_MEAN.spectral,
            ),
            "per singular value $s > 0$: $a(t) + b(t)\\mu_0$ of the one-dimensional problem "
            "$X = s$, $y = \\tau$, $x_\\star = \\xi$, $\\mu_0 = \\nu$: the mean is a sum of "
            "these over the singular directions, plus $\\xi\\nu$ along each zero one",
            given=Assumptions(conditions=(s_ > 0,)),
            label="mean_spectral",
        ),
        Step(
            Identity(E0, sp.ZeroMatrix(N, N)),
            "at $t = 0$: $E(0) = I - e^{\\mathbf{0}} = 0$",
            given=at_zero,
        ),
        Step(
            Identity(ks.T * Pinv(K) * E0 * y, sp.ZeroMatrix(1, 1)), "so $a(0) = 0$", given=at_zero
        ),
        Step(
            Identity(xs - X.T * E0 * Pinv(K) * ks, xs),
            "and $b(0) = x_\\star$: the prior predictive "
            "$\\mathcal{N}(x_\\star^T\\mu_0,\\ x_\\star^T\\Sigma_0 x_\\star)$",
            given=at_zero,
        ),
        Step(
            Identity(MatrixLimit(MatExp(-K * t), t, sp.oo), IN - K * Pinv(K)),
            "as $t \\to \\infty$, $e^{-Kt} \\to I - KK^\\dagger$: directions with "
            "eigenvalue $d > 0$ decay as $e^{-dt}$, the null space of K stays (SymPy's "
            "limit entry by entry at exact instances)",
            given=kernel,
        ),
        Step(
            Identity(b_inf, (ID - Pinv(X) * X) * xs),
            "so $b(\\infty) = x_\\star - X^T K K^\\dagger K^\\dagger X x_\\star = (I - "
            "X^\\dagger X)x_\\star$, the component of $x_\\star$ in the null space of X",
            given=kernel,
        ),
        Step(
            Identity(a_inf + b_inf.T * mu0, xs.T * (Pinv(X) * y + (ID - Pinv(X) * X) * mu0)),
            "mean at $t = \\infty$: $x_\\star^T w(\\infty)$ with $w(\\infty) = "
            "X^\\dagger y + (I - X^\\dagger X)\\mu_0$",
            given=kernel,
        ),
        Step(
            Identity(
                b_inf.T * Sigma0 * b_inf,
                xs.T * (ID - Pinv(X) * X) * Sigma0 * (ID - Pinv(X) * X) * xs,
            ),
            "variance at $t = \\infty$: only the prior variance in the null space of X is left",
            given=kernel,
        ),
        Step(
            Identity(ID - Pinv(X) * X, sp.ZeroMatrix(D, D)),
            "when $X^T X$ is invertible the null space is trivial: the variance tends to 0",
            given=full_col,
        ),
    ]
    return Derivation(
        id="gaussian.prediction_uncertainty",
        title="The uncertainty of predictions during gradient flow",
        source=Source(SOURCE, "evolution of prediction covariance; appendix on affine transforms"),
        assumptions=Assumptions(
            sizes={N: (1, 2, 3), D: (1, 2, 3)},
            text=(
                "gradient flow on $L(w) = \\frac12\\|Xw - y\\|^2$ (sum loss scale), $X "
                "\\in \\mathbb{R}^{N\\times D}$ of any rank, rows are data, $K = XX^T$",
                "prior $w_0 \\sim \\mathcal{N}(\\mu_0, \\Sigma_0)$; a test input "
                "$x_\\star \\in \\mathbb{R}^D$, $k_\\star = X x_\\star$",
            ),
        ),
        steps=steps,
        result=variance_step.claim,
        formulas={"mean": PREDICTION_MEAN, "variance": PREDICTION_VARIANCE},
        summary="The prediction is affine in the initial weights, so a Gaussian prior gives a "
        "Gaussian prediction with mean $a(t) + b(t)^T\\mu_0$ and variance "
        "$b(t)^T\\Sigma_0 b(t)$: the prior predictive at $t = 0$, and at $t = \\infty$ "
        "only the prior variance in the null space of X, zero when $X^T X$ is invertible.",
    )


DERIVATIONS = [affine, prediction_uncertainty]
