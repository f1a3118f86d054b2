"""gdflow.checks.ridge_numeric and checks.ridge_properties: the ridge path from one SVD against the exact
SymPy solution, the λ → 0 limit, ridge GD, and the registered properties."""

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
        # well-conditioned small data: a few roundings of the SVD, relative to the size of the solution
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
