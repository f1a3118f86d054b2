r"""Property check for the exact risk of the minimum-norm fit (001 §4, Fig 4), registered in
:mod:`gdflow.checks.properties` so ``gdflow check -k double_descent`` runs it.

``double_descent.mean_matches_exact_risk``: for :math:`\mathbf x \sim \mathcal N(0, \mathbf
I_D)`, :math:`\mathbf w \sim \mathcal N(0, \tau^2\mathbf I)`, :math:`\hat t = \mathbf w^\top
\mathbf x + \epsilon`, the test risk of :math:`\hat{\mathbf w} = \mathbf X^\dagger\hat{\mathbf
t}` is, given the fit, :math:`\|\hat{\mathbf w} - \mathbf w\|^2 + \sigma^2` (the expectation
over a fresh point); its mean over independent draws must agree with
``double_descent.min_norm_risk`` — :math:`\sigma^2(1 + D/(N - D - 1))` above the threshold,
:math:`\sigma^2 + \tau^2(D - N) + \sigma^2 N/(D - N - 1)` below it — within five standard
errors of the sample mean.  The witness is plain ``numpy.linalg.pinv`` on each draw (not the
experiment's batched solver).

Sizes stay at least 6 away from the threshold, where the risk has a finite variance (the
inverse-Wishart second moment needs :math:`|N - D| > 3`), so the standard error means what it
says; a failure by more than five standard errors has probability below 1e-6 for an honest
formula.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .double_descent import min_norm_risk
from .properties import register

__all__ = ["mean_matches_exact_risk"]

TRIALS = 400
SIGMA2 = 1.0
TAU2 = 0.1


def _sizes() -> st.SearchStrategy[tuple[int, int, int]]:
    """(D, N, seed) with N at least 6 away from D on either side."""

    def pick(D: int) -> st.SearchStrategy[tuple[int, int, int]]:
        below = st.integers(1, D - 6) if D > 6 else st.nothing()
        above = st.integers(D + 6, 3 * D + 10)
        return st.tuples(st.just(D), st.one_of(below, above), st.integers(0, 2**32 - 1))

    return st.integers(4, 24).flatmap(pick)


@register(
    "double_descent.mean_matches_exact_risk",
    "the mean test risk of the min-norm fit over independent draws equals "
    "double_descent.min_norm_risk within 5 standard errors (001 §4; |N - D| >= 6)",
    _sizes(),
)
def mean_matches_exact_risk(problem: tuple[int, int, int]) -> None:
    D, N, seed = problem
    rng = np.random.default_rng(seed)
    risks = np.empty(TRIALS)
    for i in range(TRIALS):
        X = rng.standard_normal((N, D))
        w = rng.normal(0.0, np.sqrt(TAU2), D)
        t = X @ w + rng.normal(0.0, np.sqrt(SIGMA2), N)
        delta = np.linalg.pinv(X) @ t - w
        risks[i] = delta @ delta + SIGMA2
    exact = float(min_norm_risk(N, D, SIGMA2, TAU2))
    mean = float(risks.mean())
    se = float(risks.std(ddof=1)) / np.sqrt(TRIALS)
    assert abs(mean - exact) <= 5 * se, (
        f"N = {N}, D = {D}: the mean risk over {TRIALS} draws is {mean:.5g} +- {se:.2g}, "
        f"the exact risk {exact:.5g}"
    )
