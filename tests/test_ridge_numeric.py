"""gdflow.checks.ridge_numeric and checks.ridge_properties: the ridge path from one SVD against the
exact SymPy solution, the λ → 0 limit, ridge GD, and the registered properties."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.properties import load_properties, run_checks
from gdflow.checks.ridge_numeric import ridge_gd, ridge_path, ridge_step_bound
from gdflow.derive.pseudoinverse import ridge_limit, ridge_solution

EPS = np.finfo(float).eps
RANK1 = [[1, 2], [2, 4], [0, 0]]
T3 = [1, 0, 2]
WIDE = [[1, 0, 1], [2, 0, 2], [1, 1, 0]]  # 3x3 of rank 2
T_WIDE = [1, -1, 2]


@pytest.mark.parametrize("Phi, t", [(RANK1, T3), (WIDE, T_WIDE), ([[0, 0]], [3])])
@pytest.mark.parametrize("scale", ["mean", "sum"])
def test_path_matches_exact_solution(Phi, t, scale):
    lams = ["1/1000", "1/10", "1", "7"]
    path = ridge_path(np.array(Phi, float), np.array(t, float), scale)
    got = path.weights([float(sp.Rational(x)) for x in lams])
    for row, lam in zip(got, lams, strict=True):
        exact = np.array(ridge_solution(Phi, t, lam, scale=scale), float).ravel()
        # well-conditioned small data: a few roundings of the SVD, relative to the solution
        assert np.allclose(row, exact, rtol=0, atol=100 * EPS * max(1.0, np.abs(exact).max())), (
            lam,
            row,
            exact,
        )
    assert np.allclose(
        path.limit(), np.array(ridge_limit(Phi, t), float).ravel(), rtol=0, atol=100 * EPS
    )


def test_rank_zero_and_lambda_zero_give_no_nan():
    path = ridge_path(np.zeros((3, 2)), np.ones(3))
    assert path.rank == 0
    assert np.all(path.weights([0.0, 1.0]) == 0) and np.all(path.error_bound([1e-3]) == 0)


def test_error_bound_holds_and_is_linear():
    path = ridge_path(np.array(WIDE, float), np.array(T_WIDE, float), "mean")
    lams = np.logspace(-8, -3, 6)
    errs = np.linalg.norm(path.weights(lams) - path.limit()[None, :], axis=1)
    assert np.all(errs <= path.error_bound(lams) * (1 + 1e-12))
    slope = np.polyfit(np.log(lams), np.log(errs), 1)[0]
    assert abs(slope - 1) < 0.01


def test_ridge_gd_converges_below_the_bound_and_diverges_above():
    Phi, t = np.array(WIDE, float), np.array(T_WIDE, float)
    lam = 0.3
    bound = ridge_step_bound(Phi, lam, "mean")
    s_max = np.linalg.norm(Phi, 2)
    assert bound == pytest.approx(2 / (s_max**2 / 3 + lam), rel=1e-14)
    w_lam = ridge_path(Phi, t, "mean").weights([lam])[0]
    w = ridge_gd(Phi, t, lam, 0.9 * bound, 2000, w0=np.ones(3), scale="mean")
    assert np.allclose(w, w_lam, rtol=0, atol=1e-12)
    with pytest.raises(OverflowError, match="left the float64 range"):
        ridge_gd(Phi, t, lam, 1.1 * bound, 100_000, w0=np.ones(3), scale="mean")


def test_gd_from_zero_reaches_the_ridgeless_limit():
    Phi, t = np.array(RANK1, float), np.array(T3, float)
    a_max = np.linalg.norm(Phi, 2) ** 2  # sum scale
    w = ridge_gd(Phi, t, 0.0, 1.0 / a_max, 200, scale="sum")
    assert np.allclose(w, ridge_path(Phi, t, "sum").limit(), rtol=0, atol=1e-14)


def test_properties_registered_and_pass():
    names = {"ridge.limit_is_pinv", "ridge.gd_from_zero_is_pinv", "ridge.gd_stability_boundary"}
    assert names <= set(load_properties())
    results = run_checks("ridge.", examples=40, seed=0)
    assert {r.name for r in results} == names
    failed = [(r.name, r.counterexample) for r in results if not r.passed]
    assert not failed, failed


@pytest.mark.parametrize("derivation_id", ["ridge.solution", "ridge.limit"])
def test_evaluator_computes_the_verified_result(derivation_id):
    """The float64 path evaluates exactly the right-hand side that the derivation proved
    (instantiated exactly with SymPy, then compared)."""
    from gdflow.derive.catalogue import get
    from gdflow.derive.notation import D, N, Phi, lam, tt
    from gdflow.derive.verify import explicit

    result = get(derivation_id).result
    P, t = sp.Matrix(WIDE), sp.Matrix(T_WIDE)
    lam_value = sp.Rational(1, 7)
    exact = explicit(
        result.rhs.xreplace(
            {Phi: sp.ImmutableMatrix(P), tt: sp.ImmutableMatrix(t), N: 3, D: 3, lam: lam_value}
        )
    )
    path = ridge_path(np.array(WIDE, float), np.array(T_WIDE, float), "mean")
    got = path.weights([float(lam_value)])[0] if derivation_id == "ridge.solution" else path.limit()
    assert np.allclose(got, np.array(exact, float).ravel(), rtol=0, atol=100 * EPS)


# -- generated from the formulas ---------------------------------------------------------------


def test_evaluators_follow_an_edited_formula():
    """ridge_path evaluates the spectral forms it is given: doubling N lambda in the solution's
    spectral form gives the catalogue's path at 2 lambda; scaling the limit's or GD's spectral
    form scales the result."""
    import dataclasses

    from gdflow.derive.notation import N, lam
    from gdflow.derive.pseudoinverse import GD_FROM_ZERO, RIDGE_LIMIT, RIDGE_SOLUTION, s_, tau_

    Phi, t = np.array(WIDE, float), np.array(T_WIDE, float)
    edited = dataclasses.replace(RIDGE_SOLUTION, spectral=s_ * tau_ / (s_**2 + 2 * N * lam))
    limit3 = dataclasses.replace(RIDGE_LIMIT, spectral=3 * RIDGE_LIMIT.spectral)
    gd_half = dataclasses.replace(GD_FROM_ZERO, spectral=GD_FROM_ZERO.spectral / 2)
    for scale in ("mean", "sum"):
        base = ridge_path(Phi, t, scale)
        path = ridge_path(Phi, t, scale, solution=edited, limit_formula=limit3, gd_formula=gd_half)
        lams = [0.0, 0.05, 1.0, 30.0]
        assert np.allclose(path.weights(lams), base.weights([2 * x for x in lams]), atol=1e-14)
        assert not np.allclose(path.weights([1.0]), base.weights([1.0]), atol=1e-3)
        assert np.allclose(path.limit(), 3 * base.limit(), rtol=1e-14, atol=0)
        got, ref = path.gd_from_zero(0.1, [0, 3, 50]), base.gd_from_zero(0.1, [0, 3, 50])
        assert np.allclose(got, ref / 2, rtol=1e-14, atol=0)


@pytest.mark.parametrize("scale", ["mean", "sum"])
def test_gd_from_zero_closed_form_matches_plain_gd(scale):
    """The closed form of ridge.implicit_regularisation against the iteration itself (ridge_gd,
    the ground truth), rank-deficient Phi, below and at the last stable step and past it."""
    Phi, t = np.array(WIDE, float), np.array(T_WIDE, float)  # rank 2
    path = ridge_path(Phi, t, scale)
    a_max = path.c * float(path.singular_values.max()) ** 2
    for alpha in (0.3 / a_max, 1.0 / a_max, 1.9 / a_max):
        ks = [0, 1, 7, 60]
        closed = path.gd_from_zero(alpha, ks)
        for row, k in zip(closed, ks, strict=True):
            it = ridge_gd(Phi, t, 0.0, alpha, k, scale=scale)
            assert np.allclose(row, it, rtol=0, atol=1e-12 * max(1.0, np.abs(it).max())), (alpha, k)
    # past the boundary the iterates grow like 1.2^k; the closed form follows until overflow
    alpha = 2.2 / a_max
    assert np.allclose(
        path.gd_from_zero(alpha, [40])[0], ridge_gd(Phi, t, 0.0, alpha, 40, scale=scale), rtol=1e-9
    )
    with pytest.raises(OverflowError, match="float64 range"):
        path.gd_from_zero(alpha, [10**6])


@pytest.mark.parametrize("factor", [1e-170, 1e-150, 1e150, 1e160])
def test_extreme_scales_stay_finite_and_right(factor):
    """Phi and t scaled by 1e-170 ... 1e160: the path is the unscaled one (w_lambda is invariant
    under (Phi, t, lambda) -> (r Phi, r t, r^2 lambda)), with no NaN; before the rescaling,
    s**2 underflowed (1e-170) or overflowed (1e160)."""
    Phi, t = np.array(WIDE, float), np.array(T_WIDE, float)
    base = ridge_path(Phi, t)
    path = ridge_path(Phi * factor, t * factor)
    assert path.rank == base.rank == 2
    assert np.allclose(path.limit(), base.limit(), rtol=1e-13, atol=0)
    assert np.allclose(path.weights([0.0])[0], base.limit(), rtol=1e-13, atol=0)
    if 1e-150 <= factor <= 1e150:
        lam = 0.25
        got = path.weights([lam * factor**2])[0]
        assert np.allclose(got, base.weights([lam])[0], rtol=1e-12, atol=0)
        gd = path.gd_from_zero(0.2 / factor**2, [5])[0]
        assert np.allclose(gd, base.gd_from_zero(0.2, [5])[0], rtol=1e-12, atol=0)


def test_lambda_to_zero_is_continuous_on_rank_deficient_data():
    """Rank 2 of 3 and rank 1: lambda = 1e-300 and the smallest subnormal give the limit (no
    0/0 from the zero singular value; it is dropped), lambda = inf gives 0."""
    for Phi, t in ((WIDE, T_WIDE), (RANK1, T3)):
        path = ridge_path(np.array(Phi, float), np.array(t, float))
        w = path.weights([1e-300, 5e-324, 0.0, np.inf])
        assert np.all(np.isfinite(w))
        assert np.allclose(w[:3], path.limit()[None, :], rtol=1e-14, atol=0)
        assert np.all(w[3] == 0)


@pytest.mark.parametrize("lams", [[-1.0], [np.nan], [[1.0]]])
def test_bad_lambda_is_named(lams):
    path = ridge_path(np.array(WIDE, float), np.array(T_WIDE, float))
    with pytest.raises(ValueError, match="lams must be numbers >= 0"):
        path.weights(lams)


def test_ill_conditioned_path_against_mpmath():
    """kappa(Phi) = 1e7: the path from the SVD against the normal equations solved in mpmath at
    50 digits on the same float64 data (an independent route), relative 1e-8."""
    import mpmath

    rng = np.random.default_rng(3)
    Q1, _ = np.linalg.qr(rng.standard_normal((5, 3)))
    Q2, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Phi = Q1 @ np.diag([1.0, 1e-3, 1e-7]) @ Q2.T
    t = rng.standard_normal(5)
    path = ridge_path(Phi, t)
    with mpmath.workdps(50):
        P, tm = mpmath.matrix(Phi.tolist()), mpmath.matrix(t.tolist())
        for lam in (0.0, 1e-16, 1e-6):
            A = P.T * P + 5 * mpmath.mpf(lam) * mpmath.eye(3)
            ref = np.array(mpmath.lu_solve(A, P.T * tm).tolist(), float).ravel()
            got = path.weights([lam])[0]
            assert np.linalg.norm(got - ref) <= 1e-8 * np.linalg.norm(ref), (lam, got, ref)


def test_a_formula_with_other_spectral_parameters_is_refused():
    import dataclasses

    from gdflow.derive.pseudoinverse import RIDGE_LIMIT, RIDGE_SOLUTION

    swapped = dataclasses.replace(RIDGE_SOLUTION, spectral_params=RIDGE_LIMIT.spectral_params)
    path = ridge_path(np.array(WIDE, float), np.array(T_WIDE, float), solution=swapped)
    with pytest.raises(ValueError, match="spectral parameters"):
        path.weights([1.0])
