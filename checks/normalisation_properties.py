r"""Property checks for the curvature with a bias (001 §3, eq 17), registered in
:mod:`gdflow.checks.properties` so ``gdflow check -k normalisation`` runs them.

:math:`\mathbf A = \begin{pmatrix}\Sigma + \mu\mu^\top & \mu\\ \mu^\top & 1\end{pmatrix} =
\mathrm{diag}(\Sigma, 0) + (\mu; 1)(\mu^\top\ 1)`, with Σ symmetric positive semidefinite
(singular included) and μ of any size (huge means included).  Eigenvalues by
``numpy.linalg.eigvalsh``, an independent route from the exact proofs.

Properties (name: statement; derivation):

- ``normalisation.outlier_and_interlacing``: :math:`\lambda_{\max}(\mathbf A) \ge \|\mu\|^2 + 1`
  and every other eigenvalue lies in :math:`[0, \sigma^2_{\max}]`, so :math:`\kappa \ge
  (\|\mu\|^2 + 1)/\sigma^2_{\max}` when A is nonsingular, and the sharper
  :math:`\kappa \ge (\|\mu\|^2 + 1)^2/\sigma^2_{\max}` (``normalisation.outlier``).
- ``normalisation.centred_condition``: centred data, :math:`\mathbf A = \mathrm{diag}(\Sigma, 1)`,
  has :math:`\kappa = \max(\sigma^2_{\max}, 1)/\min(\sigma^2_{\min}, 1)`; the uncentred
  curvature of the same Σ obeys the outlier bound (``normalisation.whitening``,
  ``normalisation.outlier``).

Tolerances: eigvalsh is backward stable, so each computed eigenvalue is within
:math:`c\,(D+1)\,\varepsilon\,\|\mathbf A\|_2` of the exact one; the checks allow
``SAFETY * (D + 1) * EPS * lambda_max`` (constant :data:`gdflow.checks.properties.SAFETY`).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from . import strategies as gs
from .properties import SAFETY, register
from .simulate import EPS

__all__ = ["curvature_blocks", "outlier_and_interlacing", "centred_condition"]


def curvature_blocks(mu: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    r""":math:`\begin{pmatrix}\Sigma + \mu\mu^\top & \mu\\ \mu^\top & 1\end{pmatrix}` (001 eq 17)
    in float64."""
    mu = np.asarray(mu, dtype=float).reshape(-1)
    D = mu.size
    A = np.empty((D + 1, D + 1))
    A[:D, :D] = Sigma + np.outer(mu, mu)
    A[:D, D] = A[D, :D] = mu
    A[D, D] = 1.0
    return A


def _means(D: int) -> st.SearchStrategy[np.ndarray]:
    # entries in [-1, 1] times a scale 10^e, e in [-3, 4]: tiny to huge means (||mu||^2 to 1e9)
    return st.tuples(
        arrays(np.float64, (D,), elements=gs.finite_floats(-1, 1)), gs.finite_floats(-3, 4)
    ).map(lambda p: p[0] * 10.0 ** p[1])


_problems = gs.psd_matrices(1, 6, "any", 1e6).flatmap(
    lambda S: st.tuples(st.just(S), _means(S.shape[0]))
)


def _tol(A: np.ndarray, top: float) -> float:
    return SAFETY * A.shape[0] * EPS * max(top, 1.0)


@register(
    "normalisation.outlier_and_interlacing",
    "lambda_max(A) >= ||mu||^2 + 1 and the other eigenvalues lie in [0, sigma_max^2] (001 §3, "
    "eq 17; Sigma singular and huge mu included)",
    _problems,
)
def outlier_and_interlacing(problem: tuple[np.ndarray, np.ndarray]) -> None:
    Sigma, mu = problem
    A = curvature_blocks(mu, Sigma)
    ev = np.linalg.eigvalsh(A)
    s_max = float(np.linalg.eigvalsh(Sigma)[-1])
    top = float(ev[-1])
    tol = _tol(A, top)
    bound = float(mu @ mu) + 1.0
    assert top >= bound - tol, f"lambda_max = {top!r} < ||mu||^2 + 1 = {bound!r} (tol {tol:.3g})"
    rest = ev[:-1]
    assert np.all(rest >= -tol), f"an eigenvalue below 0: {rest.min()!r} (tol {tol:.3g})"
    assert np.all(rest <= s_max + tol), (
        f"an eigenvalue other than the largest exceeds sigma_max^2 = {s_max!r}: {rest.max()!r}"
    )
    if ev[0] > tol:  # nonsingular: the condition-number bound
        kappa = top / float(ev[0])
        kb = bound / max(s_max, float(ev[0]))
        assert kappa >= kb * (1 - tol / float(ev[0])), f"kappa = {kappa!r} < {kb!r}"
        kq = bound**2 / max(s_max, float(ev[0]))  # the sharper bound of the compression
        assert kappa >= kq * (1 - 2 * tol / float(ev[0])), f"kappa = {kappa!r} < {kq!r}"


@register(
    "normalisation.centred_condition",
    "centred data: kappa(diag(Sigma, 1)) = max(s_max, 1)/min(s_min, 1); uncentred: kappa >= "
    "(||mu||^2 + 1)/s_max (001 §3, examples 2-3)",
    gs.psd_matrices(1, 6, "full", 1e4).flatmap(lambda S: st.tuples(st.just(S), _means(S.shape[0]))),
)
def centred_condition(problem: tuple[np.ndarray, np.ndarray]) -> None:
    Sigma, mu = problem
    D = Sigma.shape[0]
    sev = np.linalg.eigvalsh(Sigma)
    s_min, s_max = float(sev[0]), float(sev[-1])
    centred = curvature_blocks(np.zeros(D), Sigma)
    cev = np.linalg.eigvalsh(centred)
    tol = _tol(centred, float(cev[-1]))
    if cev[0] <= 1e3 * tol:
        return  # numerically singular Sigma: kappa is not resolved in float64
    kappa_c = float(cev[-1] / cev[0])
    expect = max(s_max, 1.0) / min(s_min, 1.0)
    rel = 4 * tol / float(cev[0])
    assert abs(kappa_c - expect) <= rel * expect, f"centred kappa {kappa_c!r} != {expect!r}"
    A = curvature_blocks(mu, Sigma)
    ev = np.linalg.eigvalsh(A)
    tol_u = _tol(A, float(ev[-1]))
    if ev[0] > 1e3 * tol_u:
        kappa_u = float(ev[-1] / ev[0])
        bound = (float(mu @ mu) + 1.0) / s_max
        assert kappa_u >= bound * (1 - 2 * tol_u / float(ev[0])), (
            f"uncentred kappa {kappa_u!r} < the bound {bound!r}"
        )
