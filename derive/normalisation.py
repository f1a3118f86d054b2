"""Why normalise the features: the curvature of least squares with a bias, its outlier
eigenvalue, and whitening (001 §3, eq 17).

Rows of Φ are data points (N×D); the homogeneous coordinate appends a column of ones,
:math:`\\breve{\\Phi} = [\\Phi\\ \\mathbf 1]`, and the curvature of
:math:`\\frac{1}{2N}\\|\\breve{\\Phi}\\breve w - t\\|^2` is

.. math:: \\mathbf A = \\tfrac1N\\breve{\\Phi}^\\top\\breve{\\Phi} =
   \\begin{pmatrix}\\Sigma + \\mu\\mu^\\top & \\mu\\\\ \\mu^\\top & 1\\end{pmatrix}
   = \\begin{pmatrix}\\Sigma & 0\\\\ 0 & 0\\end{pmatrix} + (\\mu; 1)(\\mu^\\top\\ 1)

with the empirical mean :math:`\\mu = \\Phi^\\top\\mathbf 1/N` and covariance
:math:`\\Sigma = (\\Phi - \\mathbf 1\\mu^\\top)^\\top(\\Phi - \\mathbf 1\\mu^\\top)/N`.

The block matrix is handled block by block (the engine instantiates matrix expressions of
symbolic size; the assembled :math:`(D+1)\\times(D+1)` matrix is checked with symbolic entries
at one size).  Eigenvalue statements use two theorems, stated and checked at exact instances:
the Rayleigh principle :math:`\\lambda_{\\max}(\\mathbf A) \\ge u^\\top\\mathbf A u` for
:math:`\\|u\\| = 1`, and interlacing for a rank-one positive update (Horn and Johnson 2012,
Cor. 4.3.9): if :math:`\\mathbf A = \\mathbf B + vv^\\top` with :math:`\\mathbf B` symmetric,
then :math:`\\lambda_i(\\mathbf B) \\le \\lambda_i(\\mathbf A) \\le \\lambda_{i+1}(\\mathbf B)`
(ascending order).

Derivations: ``normalisation.curvature``, ``normalisation.outlier``,
``normalisation.whitening``.  Exact public functions: :func:`curvature_matrix`,
:func:`outlier_bound`, :func:`condition_number`.
"""

from __future__ import annotations

import sympy as sp
from sympy import Basic, ImmutableMatrix, Rational

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Holds,
    Identity,
    Refuted,
    Source,
    Step,
)
from .matrices import Pinv, exact_matrix
from .notation import D, N, Phi, tt

__all__ = [
    "curvature_matrix",
    "outlier_bound",
    "condition_number",
    "curvature",
    "outlier",
    "whitening",
    "DERIVATIONS",
]

SOURCE = "001_76f73b0c2cfaffb7.txt"

# -- symbols of this module -------------------------------------------------------------------

one = sp.OneMatrix(N, 1)
mu = sp.MatrixSymbol("mu", D, 1)
Sigma = sp.MatrixSymbol("Sigma", D, D)
S = sp.MatrixSymbol("S", D, D)
M = sp.MatrixSymbol("M", D, D)
Qd = sp.MatrixSymbol("Q", D, D)
Dh = sp.MatrixSymbol("Lambda", D, D)  # D^{1/2}: the nonnegative diagonal square root
xD = sp.MatrixSymbol("x", D, 1)
ID = sp.Identity(D)
I1 = sp.Identity(1)
Phic = Phi - one * mu.T  # the centred data
MU_DEF = Phi.T * one / N
SIGMA_DEF = Phic.T * Phic / N

# scalars of the eigenvalue argument
m2 = sp.Symbol("rho", nonnegative=True)  # the squared norm of the mean
q_ = sp.Symbol("q", nonnegative=True)  # mu^T Sigma mu >= 0 (Sigma psd)
lmax = sp.Symbol("lambda_max", positive=True)
lmin = sp.Symbol("lambda_min", positive=True)
smax = sp.Symbol("sigma_max^2", positive=True)
smin = sp.Symbol("sigma_min^2", positive=True)
rq = sp.Symbol("R", positive=True)  # the Rayleigh quotient at (mu; 1)
cq = sp.Symbol("c", nonnegative=True)  # mu^T Sigma mu / ||mu||^2 <= sigma_max^2
lminC = sp.Symbol("lambda_min,C", positive=True)  # eigenvalues of the 2x2 compression C
lmaxC = sp.Symbol("lambda_max,C", positive=True)
a_i = sp.Symbol("a_i", real=True)  # the i-th smallest eigenvalue of A, i <= D
b_i = sp.Symbol("b_i", real=True)  # ... of B = diag(Sigma, 0)
b_i1 = sp.Symbol("b_i+1", real=True)


def _means() -> Assumptions:
    return Assumptions(definitions={mu: MU_DEF}, sizes={N: (1, 2, 3, 5), D: (1, 2, 3)})


# -- exact helpers ----------------------------------------------------------------------------


def curvature_matrix(Phi: object) -> sp.Matrix:
    """The curvature :math:`\\mathbf A = \\frac{1}{N}\\breve{\\Phi}^\\top\\breve{\\Phi}` of least
    squares with a bias, :math:`\\breve{\\Phi} = [\\Phi\\ \\mathbf 1]`, exactly (001 eq 17); it
    equals :math:`\\begin{pmatrix}\\Sigma + \\mu\\mu^\\top & \\mu\\\\ \\mu^\\top & 1\\end{pmatrix}`
    (``normalisation.curvature``).  Φ is N×D, rows are data points; ``0.1`` is read as 1/10.

    >>> curvature_matrix([[0, 1], [2, 1]])
    Matrix([
    [2, 1, 1],
    [1, 1, 1],
    [1, 1, 1]])
    """
    P = exact_matrix(Phi, "Phi")
    Pb = P.row_join(sp.ones(P.rows, 1))
    return sp.Matrix(Pb.T * Pb / P.rows)


def outlier_bound(mean: object) -> Basic:
    """The proved lower bound :math:`\\lambda_{\\max}(\\mathbf A) \\ge \\|\\mu\\|^2 + 1` on the
    outlier eigenvalue of the curvature with a bias (001 §3, after eq 17; the source prints
    :math:`\\|\\mu\\| + 1`; ``normalisation.outlier``).  Exact.

    >>> outlier_bound([3, 4])
    26
    """
    m = exact_matrix(mean, "mean")
    return sp.nsimplify((m.T * m)[0, 0] + 1)


def condition_number(A: object) -> Basic:
    """:math:`\\kappa = \\lambda_{\\max}/\\lambda_{\\min}` of a symmetric positive definite
    matrix, exactly (001 §2.2; used for eq 17 in ``normalisation.whitening``).  ``ValueError``
    naming the smallest eigenvalue when it is not positive.

    >>> condition_number([[4, 0], [0, 1]])
    4
    """
    m = exact_matrix(A, "A")
    if m != m.T:
        raise ValueError(f"A must be symmetric; got {m.tolist()}")
    eigs = list(m.eigenvals(multiple=True))
    low, high = sp.Min(*eigs), sp.Max(*eigs)
    if not bool(low > 0):
        raise ValueError(f"A must be positive definite; its smallest eigenvalue is {low}")
    return sp.nsimplify(sp.simplify(high / low))


# -- explicit instances -----------------------------------------------------------------------


def _block(m_: sp.MatrixBase, s_: sp.MatrixBase) -> ImmutableMatrix:
    """:math:`\\begin{pmatrix}\\Sigma + \\mu\\mu^\\top & \\mu\\\\ \\mu^\\top & 1\\end{pmatrix}`
    for explicit μ, Σ (001 eq 17)."""
    top = (s_ + m_ * m_.T).row_join(m_)
    return ImmutableMatrix(top.col_join(m_.T.row_join(sp.ones(1, 1))))


def _eig(m_: sp.MatrixBase, i: int) -> Basic:
    """The i-th smallest eigenvalue (0-based) of an explicit rational symmetric matrix, as an
    exact root of its characteristic polynomial (a ``CRootOf``: real roots in ascending order)."""
    x = sp.Symbol("x")
    return sp.CRootOf(sp.Matrix(m_).charpoly(x).as_expr(), i)


def _top(m_: sp.MatrixBase) -> Basic:
    return _eig(m_, m_.rows - 1)


def _top2(m_: sp.MatrixBase) -> Basic:
    """The largest eigenvalue of an explicit symmetric 2×2 matrix, in radicals."""
    a, b, c = m_[0, 0], m_[0, 1], m_[1, 1]
    return (a + c + sp.sqrt((a - c) ** 2 + 4 * b**2)) / 2


# hand-picked exact instances: (mean, covariance); the last is singular
_INSTANCES = [
    (ImmutableMatrix([1, 2]), ImmutableMatrix([[Rational(1, 2), 0], [0, 3]])),
    (ImmutableMatrix([Rational(1, 3), -1, 2]), ImmutableMatrix([[2, 1, 0], [1, 2, 0], [0, 0, 1]])),
    (ImmutableMatrix([Rational(1, 10), 0]), ImmutableMatrix([[1, 1], [1, 1]])),
]


# -- derivations ------------------------------------------------------------------------------


def curvature() -> Derivation:
    """``normalisation.curvature``:
    :math:`\\mathbf A = \\frac{1}{N}\\breve{\\Phi}^\\top\\breve{\\Phi} =
    \\begin{pmatrix}\\Sigma + \\mu\\mu^\\top & \\mu\\\\ \\mu^\\top & 1\\end{pmatrix}` (001 eq 17),
    from :math:`E[vv^\\top] = \\mathrm{Cov}(v) + E[v]E[v]^\\top`; white data give A = I."""
    # the assembled matrix at N = 3, D = 2 with symbolic entries
    ph = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"phi_{i + 1}{j + 1}", real=True))
    m0 = ph.T * sp.ones(3, 1) / 3
    s0 = (ph - sp.ones(3, 1) * m0.T).T * (ph - sp.ones(3, 1) * m0.T) / 3
    Ab = sp.MatrixSymbol("A", 3, 3)
    Ablk = sp.MatrixSymbol("A_blocks", 3, 3)
    pb = ph.row_join(sp.ones(3, 1))
    explicit = Assumptions(
        definitions={Ab: ImmutableMatrix(pb.T * pb / 3), Ablk: _block(m0, s0.applyfunc(sp.expand))}
    )
    white = Assumptions(
        definitions={Ab: _block(sp.zeros(2, 1), sp.eye(2))},
    )
    steps = [
        Step(Definition(mu, MU_DEF), "the empirical feature mean: the average row of $\\Phi$"),
        Step(
            Definition(Sigma, SIGMA_DEF),
            "the empirical covariance: the average outer product of the centred rows",
        ),
        Step(
            Identity(Sigma + mu * mu.T, Phi.T * Phi / N),
            "the top-left block: $\\Phi^T\\Phi/N$, the second moment, is $\\Sigma + "
            "\\mu\\mu^T$ ($E[vv^T] = \\mathrm{Cov}(v) + E[v]E[v]^T$ for v a uniformly drawn row)",
            given=Assumptions(definitions={mu: MU_DEF, Sigma: SIGMA_DEF}),
            label="second_moment",
        ),
        Step(
            Identity(Phi.T * one / N, mu),
            "the top-right block $\\Phi^T 1/N$ is the mean (the bottom-left is its transpose)",
            given=_means(),
        ),
        Step(
            Identity(Ab, Ablk),
            "so $A = [\\Phi\\ 1]^T[\\Phi\\ 1]/N$ is the block matrix of eq 17 (the "
            "assembled matrix, with symbolic entries, at N = 3, D = 2; the bottom-right block is "
            "$1^T 1/N = 1$)",
            given=explicit,
            label="blocks",
        ),
        Step(
            Identity(Ab, sp.Identity(3)),
            "white data ($\\mu = 0$, $\\Sigma = I$) give $A = I$: $\\kappa = 1$ (shown at D = 2)",
            given=white,
            label="white",
        ),
    ]
    return Derivation(
        id="normalisation.curvature",
        title="The curvature with a bias: mean and covariance of the features (eq 17)",
        source=Source(SOURCE, "§3, eq 17"),
        assumptions=Assumptions(
            sizes={N: (1, 2, 3, 5), D: (1, 2, 3)},
            text=(
                "$\\Phi \\in \\mathbb{R}^{N\\times D}$, rows are data points; the "
                "homogeneous coordinate appends a column of ones: $[\\Phi\\ 1]$",
            ),
        ),
        steps=steps,
        result=steps[4].claim,
        summary="With a column of ones appended, "
        "$A = [\\Phi\\ 1]^T[\\Phi\\ 1]/N$ has blocks $\\Sigma + \\mu\\mu^T$, "
        "$\\mu$, $\\mu^T$, 1; white data give $A = I$.",
    )


def outlier() -> Derivation:
    """``normalisation.outlier``:
    :math:`\\mathbf A = \\mathrm{diag}(\\Sigma, 0) + (\\mu;1)(\\mu^\\top 1)`;
    :math:`\\lambda_{\\max} \\ge \\|\\mu\\|^2 + 1`, the other eigenvalues in
    :math:`[0, \\sigma^2_{\\max}]`, :math:`\\kappa \\ge (\\|\\mu\\|^2 + 1)/\\sigma^2_{\\max}`,
    :math:`2/\\lambda_{\\max} \\le 2/(\\|\\mu\\|^2 + 1)` (001 §3, after eq 17)."""
    psd = Assumptions(matrices={Sigma: "psd"})
    # the Rayleigh principle and interlacing, checked at exact instances: each eigenvalue is a
    # named symbol defined as an exact root of the characteristic polynomial
    rayleigh, ray_defs = [], {}
    for i, (m_, s_) in enumerate(_INSTANCES, 1):
        a_ = _block(m_, s_)
        u = m_.col_join(sp.ones(1, 1))
        top, quot = sp.Symbol(f"lambda_max,{i}"), sp.Symbol(f"R_{i}")
        ray_defs[top] = _top(a_)
        ray_defs[quot] = (u.T * a_ * u)[0, 0] / (u.T * u)[0, 0]
        rayleigh.append(sp.GreaterThan(top, quot, evaluate=False))
    interlace_steps = []
    for i in (1, 3):
        m_, s_ = _INSTANCES[i - 1]
        a_, b_ = _block(m_, s_), sp.diag(s_, 0)
        defs: dict[Basic, Basic] = {}
        chain = []
        for j in range(a_.rows - 1):
            aj, bj, bj1 = (
                sp.Symbol(f"a_{i},{j + 1}"),
                sp.Symbol(f"b_{i},{j + 1}"),
                sp.Symbol(f"b_{i},{j + 2}"),
            )
            defs.update({aj: _eig(a_, j), bj: _eig(b_, j), bj1: _eig(b_, j + 1)})
            chain += [sp.LessThan(bj, aj, evaluate=False), sp.LessThan(aj, bj1, evaluate=False)]
        interlace_steps.append(
            Step(
                Holds(sp.And(*chain)),
                f"interlacing at instance {i}: $a_{{{i},j}}$, $b_{{{i},j}}$ the eigenvalues of "
                f"$A$ and $B = \\mathrm{{diag}}(\\Sigma, 0)$ in ascending order, exact roots "
                f"of the characteristic polynomials, at $\\mu = {sp.latex(m_.T)}^T$, "
                f"$\\Sigma = {sp.latex(s_)}$",
                given=Assumptions(definitions=defs),
            )
        )
    steps = [
        Step(
            Identity(mu * mu.T * mu + mu, mu * (mu.T * mu + I1)),
            "eq 17 splits as $A = \\mathrm{diag}(\\Sigma, 0) + (\\mu; 1)(\\mu^T\\ 1)$ (block by "
            "block); the rank-one term maps $(\\mu; 1)$ to $(\\|\\mu\\|^2 + 1)(\\mu; 1)$ (top "
            "block shown; the bottom one is $\\mu^T\\mu + 1$), its one nonzero eigenvalue",
        ),
        Step(
            Identity(
                mu.T * (Sigma + mu * mu.T) * mu + 2 * mu.T * mu + I1,
                mu.T * Sigma * mu + (mu.T * mu + I1) ** 2,
            ),
            "at $u = (\\mu; 1)$, by blocks: $u^T A u = \\mu^T(\\Sigma + \\mu\\mu^T)\\mu + "
            "2\\mu^T\\mu + 1 = \\mu^T\\Sigma\\mu + (\\|\\mu\\|^2 + 1)^2$",
            given=psd,
        ),
        Step(
            Holds((q_ + (m2 + 1) ** 2) / (m2 + 1) >= m2 + 1),
            "so the Rayleigh quotient $R = u^T A u / u^T u$ is at least $\\rho + 1$, $\\rho = "
            "\\|\\mu\\|^2 = u^T u - 1$, since $q = \\mu^T\\Sigma\\mu \\ge 0$ ($\\Sigma$ is "
            "positive semidefinite)",
        ),
        Step(
            Holds(sp.And(*rayleigh)),
            given=Assumptions(definitions=ray_defs),
            reason="the Rayleigh principle $\\lambda_{\\max}(A) \\ge u^T A u/u^T u$ (Horn and "
            "Johnson Thm 4.2.2), checked exactly at the three hand-picked $(\\mu, \\Sigma)$ of the "
            "interlacing steps below and one more",
        ),
        Step(
            Holds(lmax >= m2 + 1),
            "hence the outlier eigenvalue: $\\lambda_{\\max}(A) \\ge \\|\\mu\\|^2 + 1$",
            given=Assumptions(conditions=(lmax >= rq, rq >= m2 + 1)),
            label="outlier",
        ),
        Step(
            Definition(
                sp.And(
                    sp.LessThan(b_i, a_i, evaluate=False),
                    sp.LessThan(a_i, b_i1, evaluate=False),
                )
            ),
            "theorem (interlacing for a rank-one positive update, Horn and Johnson Cor. "
            "4.3.9): if $A = B + vv^T$ with B symmetric, the eigenvalues "
            "$a_i$ of A and $b_i$ of B in ascending order interlace; stated, and checked at "
            "two instances",
        ),
        *interlace_steps,
        Step(
            Holds(sp.And(a_i >= 0, a_i <= smax)),
            "with $B = \\mathrm{diag}(\\Sigma, 0)$, whose eigenvalues are 0 and those of "
            "$\\Sigma$ (all $\\ge 0$, the largest $\\sigma^2_{\\max}$): for $i \\le D$, "
            "$b_i \\ge 0$ and $b_{i+1} \\le \\sigma^2_{\\max}$, so every eigenvalue of A but the "
            "largest (in particular $\\lambda_{\\min}$) lies in $[0, \\sigma^2_{\\max}]$",
            given=Assumptions(conditions=(b_i <= a_i, a_i <= b_i1, b_i >= 0, b_i1 <= smax)),
            label="interlacing",
        ),
        Step(
            Holds(lmax / lmin >= (m2 + 1) / smax),
            "so $\\kappa = \\lambda_{\\max}/\\lambda_{\\min} \\ge (\\|\\mu\\|^2 + "
            "1)/\\sigma^2_{\\max}$, which grows linearly in D when every $\\mu_j^2$ is "
            "bounded below",
            given=Assumptions(conditions=(lmax >= m2 + 1, lmin <= smax)),
            label="kappa",
        ),
        Step(
            Identity(mu.T * (Sigma + mu * mu.T) * mu, mu.T * Sigma * mu + (mu.T * mu) ** 2),
            "sharper: compress A to the plane of $e = (\\mu/\\|\\mu\\|; 0)$ and $f = (0; 1)$; "
            "$\\rho\\, e^T A e = \\mu^T(\\Sigma + \\mu\\mu^T)\\mu = \\mu^T\\Sigma\\mu + "
            "\\rho^2$, so with $e^T A f = \\sqrt\\rho$, $f^T A f = 1$ the compression is $C = "
            "[[c + \\rho, \\sqrt\\rho], [\\sqrt\\rho, 1]]$, $c = \\mu^T\\Sigma\\mu/\\rho \\le "
            "\\sigma^2_{\\max}$, $\\det C = c$",
            given=psd,
        ),
        Step(
            Holds(lminC <= cq / (m2 + 1)),
            "C's eigenvalues multiply to $\\det C = c$ and its largest is at least $\\rho + 1$ "
            "(its Rayleigh quotient at $(\\sqrt\\rho, 1)$, as above), so its smallest is at "
            "most $c/(\\rho + 1)$",
            given=Assumptions(conditions=(sp.Eq(lminC * lmaxC, cq), lmaxC >= m2 + 1)),
        ),
        Step(
            Holds(lmax / lmin >= (m2 + 1) ** 2 / smax),
            "by the Rayleigh principle at the unit vector of the plane where C is smallest, "
            "$\\lambda_{\\min}(A) \\le \\lambda_{\\min}(C) \\le \\sigma^2_{\\max}/(\\rho + 1)$: "
            "$\\kappa \\ge (\\|\\mu\\|^2 + 1)^2/\\sigma^2_{\\max}$, quadratic in D (001's bound, "
            "linear in D, is the weaker one)",
            given=Assumptions(
                conditions=(lmax >= m2 + 1, lmin <= lminC, lminC <= cq / (m2 + 1), cq <= smax)
            ),
            label="kappa_quadratic",
        ),
        Step(
            Holds(2 / lmax <= 2 / (m2 + 1)),
            "and the largest stable step $2/\\lambda_{\\max}$ (gd.step_size_cases) is at most "
            "$2/(\\|\\mu\\|^2 + 1)$",
            given=Assumptions(conditions=(lmax >= m2 + 1,)),
            label="step",
        ),
    ]
    # 001's counterexamples at D = 1, with the variance s2 free in a range
    s2 = sp.Symbol("sigma^2", positive=True)
    a_half = _block(ImmutableMatrix([Rational(1, 2)]), ImmutableMatrix([s2]))
    a_three = _block(ImmutableMatrix([3]), ImmutableMatrix([s2]))
    source_claims = [
        Step(
            Refuted(sp.Piecewise((1, _top2(a_half) >= Rational(3, 2)), (0, True)), 1),
            "001 says that when $\\|\\mu\\|^2 + 1$ is much larger than $\\sigma^2_{\\max}$ "
            "the outlier eigenvalue is at least $\\|\\mu\\| + 1$; at D = 1, $\\mu = 1/2$ and "
            "any $\\sigma^2 \\le 10^{-4}$ (over 12500 times smaller) $\\lambda_{\\max} \\le "
            "5/4 + \\sigma^2 < 3/2$. The bound the argument gives is $\\|\\mu\\|^2 + 1$",
            given=Assumptions(conditions=(s2 <= Rational(1, 10000),)),
        ),
        Step(
            Refuted(sp.Piecewise((1, 2 / _top2(a_three) <= Rational(1, 10)), (0, True)), 1),
            "001 bounds the maximum stable learning rate by $(\\|\\mu\\|^2 + 1)^{-1}$; at D "
            "= 1, $\\mu = 3$, $\\sigma^2 \\le 1$ it is $2/\\lambda_{\\max} \\ge 2/11 > 1/10$ "
            "(at $\\sigma^2 = 1$: 0.183). The bound is $2/(\\|\\mu\\|^2 + 1)$",
            given=Assumptions(conditions=(s2 <= 1,)),
        ),
    ]
    return Derivation(
        id="normalisation.outlier",
        title="Uncentred data: an outlier eigenvalue of at least $\\|\\mu\\|^2 + 1$",
        source=Source(SOURCE, "§3, example 3 (after eq 17)"),
        assumptions=Assumptions(
            sizes={D: (1, 2, 3)},
            text=(
                "$A = \\mathrm{diag}(\\Sigma, 0) + (\\mu; 1)(\\mu^T\\ 1)$, $\\Sigma$ positive "
                "semidefinite with largest eigenvalue $\\sigma^2_{\\max}$",
                "$\\lambda_{\\max}$, $\\lambda_{\\min}$ the largest and smallest eigenvalues of A",
            ),
        ),
        steps=steps,
        source_claims=source_claims,
        result=steps[-1].claim,
        summary="The rank-one term $(\\mu; 1)(\\mu^T\\ 1)$ pushes one eigenvalue above "
        "$\\|\\mu\\|^2 + 1$ while interlacing keeps the others in $[0, \\sigma^2_{\\max}]$: "
        "$\\kappa \\ge (\\|\\mu\\|^2 + 1)/\\sigma^2_{\\max}$ (001's bound; compressing A to the "
        "plane of $(\\mu; 0)$ and $(0; 1)$ sharpens it to "
        "$(\\|\\mu\\|^2 + 1)^2/\\sigma^2_{\\max}$) and GD needs $\\alpha < 2/(\\|\\mu\\|^2 + 1)$.",
    )


def whitening() -> Derivation:
    """``normalisation.whitening``: centred diagonal Σ gives
    :math:`\\kappa = \\max(\\sigma^2_{\\max}, 1)/\\min(\\sigma^2_{\\min}, 1)`;
    :math:`x \\mapsto S^{-1}(x - \\mu)` with :math:`SS^\\top = \\Sigma` whitens
    (:math:`S = QD^{1/2}Q^\\top` or Cholesky); the least-squares predictor is invariant under
    invertible feature maps, GD's path and stationary point are not (001 §3, §3.1)."""
    Phiw = Phic * sp.Inverse(S).T
    Sq = Qd * Dh * Qd.T
    L = sp.MatrixSymbol("L", 3, 3)
    Sig0 = sp.MatrixSymbol("Sigma_0", 3, 3)
    sig0 = ImmutableMatrix([[4, 2, 0], [2, 5, 1], [0, 1, 3]])
    chol = Assumptions(definitions={L: ImmutableMatrix(sig0.cholesky()), Sig0: sig0})
    eig = Assumptions(matrices={Qd: "orthogonal", Dh: "diagonal_nonneg"})
    fc = Assumptions(matrices={Phi: "full_column_rank", M: "invertible"}, sizes={N: (3, 4, 5)})
    steps = [
        Step(
            Identity(sp.Max(smax, 1) / sp.Min(smin, 1), smax / smin),
            "centred data with diagonal $\\Sigma$: $A = \\mathrm{diag}(\\Sigma, 1)$, so $\\kappa "
            "= \\max(\\sigma^2_{\\max}, 1)/\\min(\\sigma^2_{\\min}, 1)$, which is 001's "
            "$\\sigma^2_{\\max}/\\sigma^2_{\\min}$ under its assumption $\\sigma^2_{\\min} \\le "
            "1 \\le \\sigma^2_{\\max}$",
            given=Assumptions(conditions=(smin <= 1, smax >= 1)),
        ),
        Step(
            Refuted(sp.Max(smax, 1) / sp.Min(smin, 1), smax / smin),
            "without that assumption the homogeneous coordinate counts: all variances 4 give "
            "$\\kappa = 4$, not 1",
            given=Assumptions(conditions=(smin <= smax,)),
        ),
        Step(
            Identity(Phiw.T * one / N, sp.ZeroMatrix(D, 1)),
            "whitening $\\tilde\\phi = S^{-1}(\\phi - \\mu)$: the new features have mean 0",
            given=Assumptions(definitions={mu: MU_DEF}, matrices={S: "invertible"}),
        ),
        Step(
            Identity(Phiw.T * Phiw / N, sp.Inverse(S) * Sigma * sp.Inverse(S).T),
            "and covariance $S^{-1}\\Sigma S^{-T}$",
            given=Assumptions(definitions={Sigma: SIGMA_DEF}, matrices={S: "invertible"}),
        ),
        Step(
            Identity(sp.Inverse(S) * Sigma * sp.Inverse(S).T, ID),
            "which is I for any invertible S with $SS^T = \\Sigma$: whitened data are white, "
            "so $A = I$ (normalisation.curvature)",
            given=Assumptions(definitions={Sigma: S * S.T}, matrices={S: "invertible"}),
            label="white",
        ),
        Step(
            Identity(Sq * Sq.T, Qd * Dh**2 * Qd.T),
            "the symmetric square root $\\Sigma^{1/2} = Q\\Lambda Q^T$ of $\\Sigma = Q\\Lambda^2 "
            "Q^T$ ($\\Lambda = D^{1/2}$) is such an S",
            given=eig,
        ),
        Step(
            Identity(L * L.T, Sig0),
            "so is the Cholesky factor L, lower triangular with $LL^T = \\Sigma$ (SymPy's "
            f"cholesky at $\\Sigma = {sp.latex(sig0)}$)",
            given=chol,
        ),
        Step(
            Identity((Qd * Dh * Qd) * (Qd * Dh * Qd).T, Qd * Dh**2 * Qd.T),
            "001 prints $\\Sigma^{1/2} = QD^{1/2}Q$, a typo for $QD^{1/2}Q^T$; the printed "
            "matrix still satisfies $SS^T = \\Sigma$, so it whitens too (it is not the "
            "square root: see the source claims)",
            given=eig,
        ),
        Step(
            Identity(
                Phi * M * sp.Inverse((Phi * M).T * (Phi * M)) * (Phi * M).T * tt,
                Phi * sp.Inverse(Phi.T * Phi) * Phi.T * tt,
            ),
            "the least-squares predictor does not change under an invertible feature map "
            "$\\phi \\to M^T\\phi$ (rows $\\Phi M$): it is the projection of t onto "
            "range($\\Phi$) = range($\\Phi M$)",
            given=fc,
            label="predictor",
        ),
        Step(
            Refuted(Phi * M * M.T * Phi.T * tt, Phi * Phi.T * tt),
            "GD's path is not invariant: from $w^{(0)} = 0$ the first step gives the "
            "predictions $\\frac{\\alpha}{N}\\Phi MM^T\\Phi^T t$ instead of "
            "$\\frac{\\alpha}{N}\\Phi\\Phi^T t$",
            given=Assumptions(matrices={M: "invertible"}),
        ),
        Step(
            Refuted(xD.T * M * Pinv(Phi * M) * tt, xD.T * Pinv(Phi) * tt),
            "nor is its stationary point from 0, the minimum-norm solution $\\Phi^\\dagger t$ "
            "(eq 16): with rank-deficient $\\Phi$ the two predict differently at a new x",
            given=Assumptions(matrices={M: "invertible"}, sizes={N: (1, 2), D: (2, 3)}),
            label="stationary",
        ),
    ]
    Qr = ImmutableMatrix([[Rational(3, 5), Rational(-4, 5)], [Rational(4, 5), Rational(3, 5)]])
    d_ = sp.Symbol("d", positive=True)
    Dr = sp.diag(1, d_)
    S_src = sp.MatrixSymbol("S_001", 2, 2)
    source_claims = [
        Step(
            Refuted(S_src * S_src, Qr * Dr**2 * Qr.T),
            "001 gives the matrix square root as $\\Sigma^{1/2} = QD^{1/2}Q$; at Q the "
            "rotation with $\\cos\\theta = 3/5$ and $D = \\mathrm{diag}(1, d^2)$ its square is "
            "not $\\Sigma = QDQ^T$",
            given=Assumptions(definitions={S_src: ImmutableMatrix(Qr * Dr * Qr)}),
        ),
    ]
    return Derivation(
        id="normalisation.whitening",
        title="Centring, whitening, and what GD does not share with least squares",
        source=Source(SOURCE, "§3 (examples 1-2), §3.1"),
        assumptions=Assumptions(
            sizes={N: (1, 2, 3, 5), D: (1, 2, 3)},
            text=(
                "$\\Phi \\in \\mathbb{R}^{N\\times D}$ with mean $\\mu$ and covariance "
                "$\\Sigma$; $S$ invertible with $SS^T = \\Sigma$",
            ),
        ),
        steps=steps,
        source_claims=source_claims,
        result=steps[4].claim,
        summary="Centring removes the outlier eigenvalue, whitening makes $A = I$; the fitted "
        "least-squares predictor is the same for any invertible reparametrisation, but GD's "
        "iterates and its minimum-norm limit are not.",
    )


DERIVATIONS = [curvature, outlier, whitening]
