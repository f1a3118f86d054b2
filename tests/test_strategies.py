"""gdflow.checks.strategies: what is guaranteed of the drawn matrices, vectors and step sizes."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdflow.checks import strategies as gs
from gdflow.checks.numeric import eigendirections
from gdflow.checks.simulate import (
    eigenvalue_tolerance,
    least_squares_b_rounding,
    least_squares_quadratic,
    validate_quadratic,
)

FAST = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(gs.psd_matrices())
def test_psd_matrices_are_symmetric_psd_of_size_1_to_6(A):
    assert 1 <= A.shape[0] <= 6 and A.shape[0] == A.shape[1]
    assert np.array_equal(A, A.T)
    validate_quadratic(A, np.zeros(len(A)), np.zeros(len(A)), 1.0)  # PSD to working precision


@FAST
@given(gs.psd_matrices(min_size=2, rank="deficient"))
def test_rank_deficient_matrices_are_singular(A):
    ev = np.linalg.eigvalsh(A)
    assert np.abs(ev[0]) <= eigenvalue_tolerance(ev)


@FAST
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(st.just(n), gs.spectra(n, rank=n, max_condition=1e8))
    )
)
def test_spectra_condition_number_at_most_1e8(drawn):
    n, ev = drawn
    assert len(ev) == n and (ev > 0).all()
    assert ev.max() / ev.min() <= 1e8 * (1 + 1e-12)
    assert 1e-2 * (1 - 1e-12) <= ev.max() <= 1e2 * (1 + 1e-12)


def test_ill_conditioned_matrices_are_drawn():
    seen = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(gs.psd_matrices(rank="full", min_size=2))
    def collect(A):
        ev = np.linalg.eigvalsh(A)
        seen.append(ev[-1] / ev[0])

    collect()
    assert max(seen) > 1e6


@FAST
@given(gs.gd_problems(b_in_range=True))
def test_b_in_range_means_no_drift(problem):
    assert "drift" not in eigendirections(problem.A, problem.b, problem.w0, problem.alpha).cases


@FAST
@given(gs.gd_problems(b_in_range=False))
def test_b_out_of_range_means_some_direction_drifts(problem):
    assert problem.size >= 2
    assert "drift" in eigendirections(problem.A, problem.b, problem.w0, problem.alpha).cases


@FAST
@given(gs.gd_problems(rank="full", alpha="boundary"))
def test_boundary_step_sizes_are_near_2_over_a_max(problem):
    a_max = np.linalg.eigvalsh(problem.A)[-1]
    u = problem.alpha * a_max / 2
    assert abs(u - 1) <= 0.1 + 1e-15


def test_boundary_mode_draws_exactly_at_below_and_above():
    seen = set()

    @settings(max_examples=150, deadline=None, database=None)
    @given(gs.gd_problems(rank="full", alpha="boundary"))
    def collect(problem):
        cases = eigendirections(problem.A, problem.b, problem.w0, problem.alpha).cases
        seen.add(cases[-1])

    collect()
    assert {"bounded_oscillation", "oscillating", "divergent"} <= seen


@FAST
@given(gs.gd_problems(rank="full", alpha="one_step"))
def test_one_step_mode_hits_alpha_a_equal_1(problem):
    assert "one_step" in eigendirections(problem.A, problem.b, problem.w0, problem.alpha).cases


@FAST
@given(gs.gd_problems(alpha="interior"))
def test_interior_step_sizes_converge(problem):
    cases = eigendirections(problem.A, problem.b, problem.w0, problem.alpha).cases
    assert set(cases) <= {"monotone", "one_step", "oscillating", "drift", "static"}


@FAST
@given(gs.least_squares_problems())
def test_least_squares_problems(problem):
    N, D = problem.Phi.shape
    assert 1 <= N <= 8 and 1 <= D <= 6 and problem.t.shape == (N,)
    A, b, _ = least_squares_quadratic(problem.Phi, problem.t)
    b_tol = least_squares_b_rounding(
        problem.Phi, problem.t
    )  # b = -Phi^T t / N is in range(A) up to its rounding
    assert "drift" not in eigendirections(A, b, None, problem.alpha, b_tol).cases


@FAST
@given(st.integers(1, 6).flatmap(lambda n: gs.invertible_matrices(n, max_condition=1e3)))
def test_invertible_matrices_condition_at_most_1e3(T):
    assert np.linalg.cond(T) <= 1e3 * (1 + 1e-9)


@FAST
@given(st.integers(1, 6).flatmap(gs.orthogonal_matrices))
def test_orthogonal_matrices(Q):
    np.testing.assert_allclose(Q.T @ Q, np.eye(len(Q)), atol=1e-14)


def test_problems_print_as_matrices():
    problem = gs.GDProblem(
        np.array([[2.0, 0.5], [0.5, 1.0]]),
        np.array([1.0, -1.0]),
        0.0,
        np.zeros(2),
        0.25,
        np.array([2.2, 0.8]),
        "note",
    )
    text = repr(problem)
    assert "A = [[2. , 0.5]," in text and "[0.5, 1. ]]" in text
    assert "alpha = 0.25" in text and "note: note" in text


@FAST
@given(
    st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(
        lambda mn: st.integers(0, min(mn)).flatmap(
            lambda r: st.tuples(st.just(r), gs.matrices_of_rank(mn[0], mn[1], r))
        )
    )
)
def test_matrices_of_rank_have_that_rank_and_singular_values(drawn):
    from gdflow.checks.simulate import thin_svd

    rank, M = drawn
    s = thin_svd(M)[1]
    assert s.size == rank
    assert ((s >= 0.2 * (1 - 1e-12)) & (s <= 3.0 * (1 + 1e-12))).all()
