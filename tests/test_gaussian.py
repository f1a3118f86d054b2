"""gdflow.derive.gaussian: gaussian.affine and gaussian.prediction_uncertainty.

Both derivations verify; wrong steps (missing |det B|, a sign flip in the mean, the covariance
transformed on the wrong side, the projector on the wrong side at t = ∞) are rejected; the
exact public function gives the hand-computed moments.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.gaussian_numeric import prediction_moments
from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Assumptions, Identity
from gdflow.derive.function_space import prediction_coefficients
from gdflow.derive.gaussian import (
    AFFINE_COVARIANCE,
    AFFINE_MEAN,
    PREDICTION_MEAN,
    PREDICTION_VARIANCE,
    B,
    Bsq,
    Sigma,
    Sigma0,
    affine_gaussian,
    cn,
    mu,
    mu0,
    normal_density,
    xn,
    xs,
)
from gdflow.derive.matrices import Pinv
from gdflow.derive.notation import D, N, X, n
from gdflow.derive.verify import verify_claim

INV = Assumptions(matrices={Bsq: "invertible", Sigma: "pd"}, sizes={n: (1, 2, 3)})
ID_ = sp.Identity(D)


@pytest.mark.parametrize("derivation_id", ["gaussian.affine", "gaussian.prediction_uncertainty"])
def test_derivation_verifies(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert not bad, bad


def rejected(claim, assume) -> bool:
    cert = verify_claim(claim, assume)
    return not cert.ok and cert.method == "rejected"


def _transformed(det_factor):
    return normal_density(sp.Inverse(Bsq) * (xn - cn), mu, Sigma, n) * det_factor


def test_density_needs_the_determinant_factor():
    rhs = normal_density(xn, Bsq * mu + cn, Bsq * Sigma * Bsq.T, n)
    assert verify_claim(Identity(_transformed(1 / sp.Abs(sp.Determinant(Bsq))), rhs), INV).ok
    assert rejected(Identity(_transformed(1), rhs), INV)  # |det B| missing
    assert rejected(Identity(_transformed(sp.Abs(sp.Determinant(Bsq))), rhs), INV)  # inverted


def test_density_with_wrong_moments_is_rejected():
    lhs = _transformed(1 / sp.Abs(sp.Determinant(Bsq)))
    assert rejected(
        Identity(lhs, normal_density(xn, Bsq * mu - cn, Bsq * Sigma * Bsq.T, n)), INV
    )  # sign flip
    assert rejected(
        Identity(lhs, normal_density(xn, Bsq * mu + cn, Bsq.T * Sigma * Bsq, n)), INV
    )  # wrong side


def test_affine_covariance_wrong_side_is_rejected():
    anyB = Assumptions(
        matrices={Sigma: "psd"},
        sizes={sp.Symbol("m", integer=True, positive=True): (1, 2, 3), n: (1, 2, 3)},
    )
    Im = sp.Identity(B.shape[0])
    assert verify_claim(
        Identity(B * Sigma * B.T * (Im - B * Pinv(B)), sp.ZeroMatrix(*Im.shape)), anyB
    ).ok
    # (I - B^dagger B) on the wrong side: shapes do not even compose for m != n
    assert rejected(
        Identity(B * Sigma * B.T * (sp.Identity(n) - Pinv(B) * B), sp.ZeroMatrix(*Im.shape)), anyB
    )


def test_null_space_projector_on_the_wrong_side_is_rejected():
    kernel = Assumptions(matrices={X: "rational_svd"}, sizes={N: (1, 2, 3), D: (1, 2, 3)})
    b_inf = (ID_ - Pinv(X) * X) * xs
    assert verify_claim(
        Identity(
            b_inf.T * Sigma0 * b_inf, xs.T * (ID_ - Pinv(X) * X) * Sigma0 * (ID_ - Pinv(X) * X) * xs
        ),
        kernel,
    ).ok
    sq = Assumptions(matrices={X: "rational_svd"}, sizes={N: (2, 3), D: (2, 3)})
    wrong = xs.T * (sp.Identity(N) - X * Pinv(X)) * Sigma0 * (sp.Identity(N) - X * Pinv(X)) * xs
    assert rejected(Identity(b_inf.T * Sigma0 * b_inf, wrong), sq)
    assert rejected(
        Identity(ID_ - Pinv(X) * X, sp.ZeroMatrix(D, D)), kernel
    )  # only for full column rank


def test_affine_gaussian_values():
    mean, cov = affine_gaussian([[1, 1]], [2], [1, -1], [[1, 0], [0, 4]])
    assert mean == sp.Matrix([2]) and cov == sp.Matrix([[5]])
    # rank-deficient B: a degenerate Gaussian, singular covariance supported on range(B)
    mean, cov = affine_gaussian([[1, 2], [2, 4]], [0, 1], [1, 1], sp.eye(2))
    assert mean == sp.Matrix([3, 7]) and cov == sp.Matrix([[5, 10], [10, 20]]) and cov.det() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (([[1, 0]], [0], [0, 0], [[1, 2], [2, 1]]), "positive semidefinite"),
        (([[1, 0]], [0], [0, 0], [[1, 2], [0, 1]]), "symmetric"),
        (([[1, 0, 0]], [0], [0, 0], sp.eye(2)), "columns"),
        (([[1, 0]], [0, 1], [0, 0], sp.eye(2)), "c must be a vector of length 1"),
    ],
)
def test_affine_gaussian_errors(args, message):
    with pytest.raises(ValueError, match=message):
        affine_gaussian(*args)


def test_numeric_moments_match_exact_coefficients_on_three_points():
    """The float64 evaluator against the exact a(t), b(t) of flow.predictions (SymPy, exact
    rationals and exp) on 000's three points, prior N((-1/20, -2/5), I/100)."""
    Xr = sp.Matrix([[sp.Rational(1, 5), 1], [sp.Rational(2, 5), 1], [sp.Rational(4, 5), 1]])
    yr = sp.Matrix([-sp.Rational(1, 10), sp.Rational(3, 20), sp.Rational(3, 10)])
    mu_r, S_r = sp.Matrix([-sp.Rational(1, 20), -sp.Rational(2, 5)]), sp.eye(2) / 100
    x_stars = [sp.Matrix([sp.Rational(1, 2), 1]), sp.Matrix([sp.Rational(13, 10), 1])]
    times = [0, sp.Rational(1, 2), 3, sp.oo]
    num = prediction_moments(
        np.array(Xr, float),
        np.array(yr, float).ravel(),
        np.array([list(x) for x in x_stars], float),
        [float(t) for t in times],
        np.array(mu_r, float).ravel(),
        np.array(S_r, float),
    )
    for ti, t in enumerate(times):
        for j, x in enumerate(x_stars):
            a, b = prediction_coefficients(Xr, yr, x, t)
            mean = float(sp.N(a + (b.T * mu_r)[0], 30))
            var = float(sp.N((b.T * S_r * b)[0], 30))
            assert (
                abs(num.mean[ti, j] - mean) <= 1e-13 and abs(num.variance[ti, j] - var) <= 1e-14
            ), (t, j)
    assert num.variance[-1].max() < 1e-28  # X^T X invertible: no variance left at t = oo
    assert np.allclose(
        num.variance[0], [float((x.T * S_r * x)[0]) for x in x_stars], rtol=1e-14
    )  # prior predictive


# -- formulas as data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "derivation_id, key",
    [
        ("gaussian.affine", "mean"),
        ("gaussian.affine", "covariance"),
        ("gaussian.prediction_uncertainty", "mean"),
        ("gaussian.prediction_uncertainty", "variance"),
    ],
)
def test_formula_is_the_right_hand_side_of_a_verified_step(derivation_id, key):
    d = get(derivation_id)
    f = d.formulas[key]
    step = d.step(f.step)
    assert isinstance(step.claim, Identity) and step.claim.rhs == f.expr, step.claim
    assert step.verified, step.certificate
    assert set(f.params) >= {
        s for s in f.expr.free_symbols if isinstance(s, sp.MatrixSymbol) and s.shape != (1, 1)
    } - {N, D}
    if f.spectral is not None:
        spectral = d.step(f.spectral_step)
        assert spectral.claim.rhs == f.spectral and spectral.verified, spectral.certificate
        assert set(f.spectral_params) == f.spectral.free_symbols


def test_affine_gaussian_instantiates_the_formula(monkeypatch):
    import dataclasses

    import gdflow.derive.gaussian as g

    args = ([[1, 2], [0, 1]], [1, 1], [1, -1], [[2, 1], [1, 1]])
    mean, cov = affine_gaussian(*args)
    monkeypatch.setattr(g, "AFFINE_MEAN", dataclasses.replace(AFFINE_MEAN, expr=B * mu))
    monkeypatch.setattr(
        g, "AFFINE_COVARIANCE", dataclasses.replace(AFFINE_COVARIANCE, expr=B.T * Sigma * B)
    )
    mean2, cov2 = affine_gaussian(*args)
    Bm, S = sp.Matrix(args[0]), sp.Matrix(args[3])
    assert mean2 == mean - sp.Matrix(args[1]) and cov2 == Bm.T * S * Bm != cov


def test_affine_gaussian_reads_decimals_exactly():
    mean, cov = affine_gaussian([[0.1, 0.2]], [0.3], [1, 1], [[0.5, 0], [0, 0.25]])
    assert mean == sp.Matrix([sp.Rational(6, 10)]) and cov == sp.Matrix([sp.Rational(3, 200)])


def test_prediction_formulas_instantiate_to_the_exact_coefficients():
    """PREDICTION_MEAN and PREDICTION_VARIANCE, instantiated exactly at t = 0 and 1/2 on a 3x2 X
    with K = XX^T singular (eigenvalues 4, 1, 0: exact exponentials), equal a + b^T mu0 and
    b^T Sigma0 b from flow.predictions' exact helper."""
    from gdflow.derive.notation import t as t_sym
    from gdflow.derive.notation import y as y_sym

    Xr = sp.Matrix([[sp.Rational(6, 5), 0], [sp.Rational(8, 5), 0], [0, 1]])
    yr = sp.Matrix([-sp.Rational(1, 10), sp.Rational(3, 20), sp.Rational(3, 10)])
    mu_r, S_r = sp.Matrix([-sp.Rational(1, 20), -sp.Rational(2, 5)]), sp.Matrix([[2, 1], [1, 3]])
    x = sp.Matrix([sp.Rational(1, 2), 1])
    for tv in (sp.Integer(0), sp.Rational(1, 2)):
        values = {
            X: sp.ImmutableMatrix(Xr),
            y_sym: sp.ImmutableMatrix(yr),
            xs: sp.ImmutableMatrix(x),
            t_sym: tv,
            mu0: sp.ImmutableMatrix(mu_r),
            Sigma0: sp.ImmutableMatrix(S_r),
            N: 3,
            D: 2,
        }
        a, b = prediction_coefficients(Xr, yr, x, tv)
        mean = sp.Matrix(PREDICTION_MEAN.instantiate(values))[0, 0]
        var = sp.Matrix(PREDICTION_VARIANCE.instantiate(values))[0, 0]
        assert abs(sp.N(mean - (a + (b.T * mu_r)[0]), 40)) < 1e-35, tv
        assert abs(sp.N(var - (b.T * S_r * b)[0], 40)) < 1e-35, tv
