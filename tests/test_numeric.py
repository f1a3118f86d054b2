"""gdflow.checks.numeric: the closed-form evaluator, its cases, the loss, the limit point."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gdflow import derive
from gdflow.checks.numeric import (
    NoLimitError,
    coordinate_solution,
    eigendirections,
    gd_iterates,
    gd_loss,
    limit_point,
    loss_gap_expression,
    step_size_case_expression,
    step_size_cases,
)
from gdflow.checks.properties import iterate_tolerance
from gdflow.checks.simulate import gd_trajectory, gd_trajectory_mp
from gdflow.derive import notation as n

EPS = np.finfo(float).eps


def rotated(eigenvalues, seed=0):
    """Q diag(eigenvalues) Q^T for a random orthogonal Q, and Q."""
    d = len(eigenvalues)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (A + A.T) / 2, Q


# -- the formulas are the derivations' ---------------------------------------------------------


def test_evaluated_formula_is_the_verified_derivation_result():
    d = derive.get("gd.coordinate_recurrence")
    assert d.verified
    assert coordinate_solution() == d.result.solution
    assert coordinate_solution().free_symbols == {n.a_j, n.bt_j, n.wt0_j, n.alpha, n.k}


def test_case_expression_is_step_size_cases_in_x():
    from gdflow.derive import eigencases

    assert step_size_case_expression() == eigencases.STEP_SIZE_CASES.subs(n.alpha * n.a_j, n.x_j)
    assert derive.get("gd.step_size_cases").verified


def test_loss_share_is_the_loss_decay_step():
    expected = n.a_j / 2 * (1 - n.alpha * n.a_j) ** (2 * n.k) * (n.wt0_j + n.bt_j / n.a_j) ** 2
    assert sp.simplify(loss_gap_expression() - expected) == 0
    assert derive.get("gd.loss_decay").verified


# -- step-size cases (001 §2.2): a table --------------------------------------------------------

CASES = [
    # (curvature a, b~, alpha, case)
    (1.0, 0.0, 0.5, "monotone"),
    (1.0, 0.0, 1.0, "one_step"),
    (1.0, 0.0, 1.5, "oscillating"),
    (1.0, 0.0, 2.0, "bounded_oscillation"),
    (1.0, 0.0, 2.5, "divergent"),
    (0.0, 1.0, 0.5, "drift"),
    (0.0, 0.0, 0.5, "static"),
    (4.0, -3.0, 0.5, "bounded_oscillation"),
    (3.0, 1.0, 2 / 3, "bounded_oscillation"),  # 3 * fl(2/3) = 2 within alpha * tau
    (10.0, 1.0, 0.1, "one_step"),  # 10 * 0.1 = 1.0000000000000000555 -> 1
]


@pytest.mark.parametrize("a, bt, alpha, case", CASES)
def test_step_size_case_table(a, bt, alpha, case):
    A = np.array([[a]])
    assert step_size_cases(A, [bt], alpha) == (case,)


def test_equality_to_2_is_decided_within_the_eigenvalue_uncertainty():
    A, _ = rotated([2.0, 1.0, 0.5], seed=3)
    a_max = np.linalg.eigvalsh(A)[-1]
    tau = 10 * 3 * EPS * a_max
    assert step_size_cases(A, np.zeros(3), 2 / a_max)[-1] == "bounded_oscillation"
    # within alpha*tau of 2: still "equal"; a relative 1e-9 away: decided
    assert (
        step_size_cases(A, np.zeros(3), (2 + 0.5 * tau / a_max) / a_max)[-1]
        == "bounded_oscillation"
    )
    assert step_size_cases(A, np.zeros(3), (2 / a_max) * (1 + 1e-9))[-1] == "divergent"
    assert step_size_cases(A, np.zeros(3), (2 / a_max) * (1 - 1e-9))[-1] == "oscillating"


def test_zero_curvature_threshold_relative_to_a_max():
    # eigenvalue 1e-17 next to 1 is zero (below 10 D eps a_max = 4.4e-15); 1e-12 is not
    assert eigendirections(np.diag([1e-17, 1.0]), [0.0, 0.0], None, 0.5).a[0] == 0.0
    assert eigendirections(np.diag([1e-12, 1.0]), [0.0, 0.0], None, 1.0).cases == (
        "monotone",
        "one_step",
    )
    # alone, 1e-17 is the whole spectrum and is not zero
    assert step_size_cases([[1e-17]], [0.0], 1.0) == ("monotone",)


def test_b_in_range_decided_with_stated_tolerance():
    A, Q = rotated([0.0, 1e-6, 1.0], seed=4)
    b_in = A @ np.array([1.0, -2.0, 3.0])  # in range(A) up to rounding
    assert "drift" not in step_size_cases(A, b_in, 1.0)
    b_out = b_in + 1e-6 * Q[:, 0]
    assert step_size_cases(A, b_out, 1.0)[0] == "drift"


# -- iterates ----------------------------------------------------------------------------------


def test_iterates_match_iteration_singular_matrix():
    A, Q = rotated([0.0, 0.0, 1e-3, 0.5, 2.0], seed=0)
    rng = np.random.default_rng(1)
    b, w0 = A @ rng.standard_normal(5), rng.standard_normal(5)
    ks = [0, 1, 5, 100, 1000]
    it = gd_iterates(A, b, w0, 0.5, ks)
    exact = gd_trajectory_mp(A, b, w0, 0.5, ks).as_float().w
    assert it.cases == ("static", "static", "monotone", "monotone", "one_step")
    for i, k in enumerate(ks):  # the backward-error bound of checks.properties (module docstring)
        assert np.linalg.norm(it.w[i] - exact[i]) <= iterate_tolerance(A, b, w0, 0.5, k)


def test_alpha_a_equal_to_2_oscillates_exactly_for_a_hundred_thousand_steps():
    A = np.diag([2.0, 0.5])
    b, w0 = np.array([-2.0, 1.0]), np.array([3.0, 0.0])  # w* = (1, -2)
    it = gd_iterates(A, b, w0, 1.0, [0, 1, 2, 99_999, 100_000])
    assert it.cases == ("monotone", "bounded_oscillation")
    np.testing.assert_allclose(it.w[:, 0], [3.0, -1.0, 3.0, -1.0, 3.0], rtol=0, atol=1e-15)
    with pytest.raises(
        NoLimitError, match=r"eigendirection 1 \(ã = 2, α·ã = 2\) is bounded_oscillation"
    ):
        gd_iterates(A, b, w0, 1.0, [np.inf])


def test_k_infinity_is_the_limit_projection():
    A, _ = rotated([0.0, 0.3, 1.0, 2.0], seed=5)
    rng = np.random.default_rng(6)
    b, w0 = A @ rng.standard_normal(4), rng.standard_normal(4)
    w_inf = gd_iterates(A, b, w0, 0.9, [np.inf]).w[0]
    Ap = np.linalg.pinv(A, rcond=1e-10)
    expected = -Ap @ b + (np.eye(4) - Ap @ A) @ w0  # 001 eq 13-14, with numpy's SVD pinv
    np.testing.assert_allclose(w_inf, expected, rtol=0, atol=1e-13 * np.linalg.norm(expected))
    np.testing.assert_allclose(
        limit_point(A, b, w0), expected, rtol=0, atol=1e-13 * np.linalg.norm(expected)
    )
    assert np.abs(gd_trajectory(A, b, w0, 0.9, [400]).w[0] - w_inf).max() <= 1e-12


NO_LIMIT = [
    # (A, b, w0, alpha, message)
    (
        np.diag([1.0, 0.0]),
        [0.0, 2.0],
        [0.0, 0.0],
        0.5,
        r"eigendirection 0 \(ã = 0, α·ã = 0, b̃ = 2\) is drift",
    ),
    (
        np.diag([1.0, 3.0]),
        [0.0, 0.0],
        [1.0, 1.0],
        0.9,
        r"eigendirection 1 \(ã = 3, α·ã = 2.7\) is divergent",
    ),
    (
        np.diag([4.0]),
        [-4.0],
        [0.0],
        0.5,
        r"eigendirection 0 \(ã = 4, α·ã = 2\) is bounded_oscillation",
    ),
]


@pytest.mark.parametrize("A, b, w0, alpha, message", NO_LIMIT)
def test_no_limit_at_infinity_is_an_error_not_nan(A, b, w0, alpha, message):
    with pytest.raises(NoLimitError, match=message) as info:
        gd_iterates(A, b, w0, alpha, [0, 5, np.inf])
    assert info.value.directions
    finite = gd_iterates(A, b, w0, alpha, [0, 5])  # finite k are fine
    assert np.isfinite(finite.w).all()


def test_divergent_direction_started_at_its_fixed_point_has_a_limit():
    # eigenvalues ascending: direction 0 has a = 1 (x = 0.9), direction 1 has a = 3 (x = 2.7),
    # and starts at its fixed point w* = 3/3 = 1
    it = gd_iterates(np.diag([1.0, 3.0]), [0.0, -3.0], [2.0, 1.0], 0.9, [0, 1000, np.inf])
    assert it.cases == ("monotone", "divergent")
    np.testing.assert_array_equal(it.w[:, 1], [1.0, 1.0, 1.0])
    assert it.w[2, 0] == 0.0


def test_alpha_past_2_over_a_max_diverges_and_overflow_is_an_error():
    A = np.diag([0.25, 1.0])
    it = gd_iterates(A, [0.0, 0.0], [1.0, 1.0], 2.5, [10])
    assert it.cases == ("monotone", "divergent")
    assert it.w[0, 1] == pytest.approx((1 - 2.5) ** 10)
    with pytest.raises(OverflowError, match=r"eigendirection 1 is divergent"):
        gd_iterates(A, [0.0, 0.0], [1.0, 1.0], 2.5, [10_000])


def test_drift_when_b_is_outside_the_range():
    A = np.diag([0.0, 2.0])
    it = gd_iterates(A, [1.0, -2.0], [0.0, 0.0], 0.25, [0, 4, 100_000])
    assert it.cases == ("drift", "monotone")
    np.testing.assert_allclose(it.w[:, 0], [0.0, -1.0, -25_000.0], rtol=1e-15)
    np.testing.assert_allclose(
        gd_trajectory(A, [1.0, -2.0], [0.0, 0.0], 0.25, [4]).w[0], it.w[1], rtol=1e-15
    )


def test_many_k_at_once_large_dimension():
    d = 60
    ev = np.linspace(0.01, 1.0, d)
    ev[:5] = 0.0
    A, _ = rotated(ev, seed=7)
    rng = np.random.default_rng(8)
    b, w0 = A @ rng.standard_normal(d), rng.standard_normal(d)
    ks = list(range(0, 301, 20))
    it = gd_iterates(A, b, w0, 1.9, ks)
    ref = gd_trajectory(A, b, w0, 1.9, ks).w
    assert it.w.shape == (len(ks), d)
    for i, k in enumerate(ks):  # each is within iterate_tolerance of the exact iterate
        assert np.linalg.norm(it.w[i] - ref[i]) <= 2 * iterate_tolerance(A, b, w0, 1.9, k)


# -- loss --------------------------------------------------------------------------------------


def test_loss_decay_matches_the_observed_loss():
    A, _ = rotated([0.0, 0.2, 1.0, 1.5], seed=9)
    rng = np.random.default_rng(10)
    b, w0, c = A @ rng.standard_normal(4), rng.standard_normal(4), 0.7
    ks = [0, 1, 3, 10, 50]
    curve = gd_loss(A, b, c, w0, 1.0, ks + [np.inf])
    observed = gd_trajectory_mp(A, b, w0, 1.0, ks, c=c).as_float().loss
    np.testing.assert_allclose(curve.loss[:-1], observed, rtol=0, atol=1e-13)
    assert curve.loss[-1] == pytest.approx(curve.minimum, abs=1e-15)
    assert curve.excess[-1] == 0.0 and (np.diff(curve.excess) <= 0).all()
    Ap = np.linalg.pinv(A, rcond=1e-10)
    assert curve.minimum == pytest.approx(c - 0.5 * b @ Ap @ b, abs=1e-13)


def test_loss_unbounded_below_with_drift():
    curve = gd_loss(np.diag([0.0, 2.0]), [1.0, -2.0], 0.0, [0.0, 0.0], 0.25, [0, 4, np.inf])
    assert curve.excess is None and curve.minimum == -np.inf
    # J = b1 w1 + (w2^2 - 2 w2): at k = 4, w = (-1, 1 - 2^-4)
    assert curve.loss[1] == pytest.approx(-1.0 + (1 - 2**-4) ** 2 - 2 * (1 - 2**-4), rel=1e-14)
    assert curve.loss[2] == -np.inf


def test_loss_bounded_oscillation_is_constant_and_divergence_is_plus_infinity():
    bounded = gd_loss(np.diag([4.0]), [-4.0], 0.0, [0.0], 0.5, [0, 7, np.inf])
    np.testing.assert_allclose(bounded.excess, [2.0, 2.0, 2.0])  # (a/2)(w0 - w*)^2 = 2
    divergent = gd_loss(np.diag([4.0]), [0.0], 0.0, [1.0], 0.6, [np.inf])
    assert divergent.loss[0] == np.inf


def test_limit_point_from_zero_is_minus_pinv_b():
    A, _ = rotated([0.0, 1.0, 3.0], seed=11)
    b = A @ np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        limit_point(A, b, np.zeros(3)), -np.linalg.pinv(A, rcond=1e-10) @ b, atol=1e-14
    )


def test_errors_name_the_value():
    with pytest.raises(ValueError, match=r"eigenvalue -1"):
        gd_iterates(np.diag([1.0, -1.0]), [0, 0], [0, 0], 0.1, [1])
    with pytest.raises(ValueError, match=r"ks must be nonnegative integers or inf; got -3.0"):
        gd_iterates(np.eye(2), [0, 0], [0, 0], 0.1, [-3])
    with pytest.raises(ValueError, match=r"alpha = -1.0"):
        gd_loss(np.eye(2), [0, 0], 0.0, [0, 0], -1.0, [1])


def test_doctests_of_numeric():
    import doctest

    import gdflow.checks.numeric

    result = doctest.testmod(gdflow.checks.numeric)
    assert result.attempted >= 5 and result.failed == 0


# -- least squares: b formed with cancellation -------------------------------------------------

# found by `run_checks("gd.", 1000, seed=50)`: duplicated columns (rank 1) and t nearly orthogonal
# to them, so fl(-Phi^T t / N) sits 6.5e-17 outside range(A): rounding, not drift
DUPLICATE_COLUMNS = np.array(
    [
        [0.0, 0.0],
        [-0.46161188249306345, -0.4616118824930636],
        [-0.5356439768551586, -0.5356439768551587],
    ]
)
NEARLY_ORTHOGONAL_T = np.array([0.0, 4.09375, -3.53125])


def test_least_squares_cancellation_is_not_drift():
    from gdflow.checks import least_squares_iterates
    from gdflow.checks.simulate import least_squares_b_rounding, least_squares_quadratic

    A, b, _ = least_squares_quadratic(DUPLICATE_COLUMNS, NEARLY_ORTHOGONAL_T)
    with pytest.raises(NoLimitError, match=r"is drift \(b̃_j counts as 0 below .*pass b_tol"):
        gd_iterates(
            A, b, np.zeros(2), 1.0, [np.inf]
        )  # b taken as exact: the rounding reads as drift
    tol = least_squares_b_rounding(DUPLICATE_COLUMNS, NEARLY_ORTHOGONAL_T)
    assert step_size_cases(A, b, 1.0, b_tol=tol)[0] == "static"
    w_inf = least_squares_iterates(
        DUPLICATE_COLUMNS, NEARLY_ORTHOGONAL_T, np.zeros(2), 1.0, [np.inf]
    ).w[0]
    target = np.linalg.pinv(DUPLICATE_COLUMNS, rcond=1e-10) @ NEARLY_ORTHOGONAL_T  # 001 eq 16
    np.testing.assert_allclose(w_inf, target, rtol=1e-12)


def test_least_squares_b_rounding_bound():
    from gdflow.checks.simulate import least_squares_b_rounding

    # 10 N eps | |Phi|^T |t| | / N with |Phi|^T |t| = (3, 3): 10 * 2 * eps * 3 sqrt 2 / 2
    got = least_squares_b_rounding([[1.0, 1.0], [1.0, -1.0]], [1.0, 2.0])
    assert got == pytest.approx(10 * EPS * 3 * np.sqrt(2), rel=1e-15)


# -- the evaluators are generated from the formulas ---------------------------------------------


def _edited(**fields):
    import dataclasses

    from gdflow.checks.numeric import catalogue_formulas

    return dataclasses.replace(catalogue_formulas(), **fields)


def _spectral_edit(formula, fn):
    import dataclasses

    return dataclasses.replace(formula, spectral=fn(formula.spectral))


PROBLEM = (np.diag([0.5, 1.0, 3.0]), np.array([-1.0, 2.0, 0.5]), np.array([1.0, -1.0, 2.0]), 0.3)


def test_an_edited_iterate_formula_changes_the_iterates():
    from gdflow.checks.numeric import catalogue_formulas

    A, b, w0, alpha = PROBLEM
    f = catalogue_formulas().iterate
    later = _edited(iterate=_spectral_edit(f, lambda e: e.xreplace({n.k: n.k + 1})))
    shifted = gd_iterates(A, b, w0, alpha, [0, 3, 7], formulas=later).w
    np.testing.assert_allclose(shifted, gd_iterates(A, b, w0, alpha, [1, 4, 8]).w, rtol=1e-14)
    assert not np.allclose(shifted, gd_iterates(A, b, w0, alpha, [0, 3, 7]).w)


def test_an_edited_limit_formula_changes_the_limit():
    from gdflow.checks.numeric import catalogue_formulas

    A, b, w0, _ = PROBLEM
    f = catalogue_formulas().limit
    doubled = _edited(limit=_spectral_edit(f, lambda e: 2 * e))
    np.testing.assert_allclose(
        limit_point(A, b, w0, formulas=doubled), 2 * limit_point(A, b, w0), rtol=1e-15
    )


def test_an_edited_gap_or_objective_changes_the_loss():
    from gdflow.checks.numeric import catalogue_formulas

    A, b, w0, alpha = PROBLEM
    fs = catalogue_formulas()
    base = gd_loss(A, b, 0.5, w0, alpha, [0, 2, 5])
    tripled = gd_loss(
        A,
        b,
        0.5,
        w0,
        alpha,
        [0, 2, 5],
        formulas=_edited(gap=_spectral_edit(fs.gap, lambda e: 3 * e)),
    )
    np.testing.assert_allclose(tripled.excess, 3 * base.excess, rtol=1e-14)
    no_linear = _edited(objective=_spectral_edit(fs.objective, lambda e: e.subs(n.bt_j, 0)))
    # J* = c + sum a/2 w*^2 (the b w* term dropped): c + sum b^2/(2a)
    got = gd_loss(A, b, 0.5, w0, alpha, [0], formulas=no_linear).minimum
    assert got == pytest.approx(0.5 + np.sum(b**2 / (2 * np.diag(A))), rel=1e-14)


def test_edited_cases_change_the_classification():
    import sympy as sp

    from gdflow.derive.eigencases import StepCase

    swapped = sp.Piecewise(
        *[
            (
                {StepCase.MONOTONE.label: StepCase.OSCILLATING.label}.get(label, label),
                cond,
            )
            for label, cond in _edited().cases.args
        ]
    )
    A, b, _, _ = PROBLEM
    alpha = 0.6  # alpha * a = 0.3, 0.6, 1.8
    assert step_size_cases(A, b, alpha) == ("monotone", "monotone", "oscillating")
    assert step_size_cases(A, b, alpha, formulas=_edited(cases=swapped)) == (
        "oscillating",
        "oscillating",
        "oscillating",
    )


# -- many consecutive k: stepped, with the closed form as the check ----------------------------


def test_consecutive_ks_are_stepped_and_agree_with_the_closed_form():
    A, Q = rotated([0.0, 0.0, 1e-3, 0.5, 1.0, 1.9], seed=12)
    rng = np.random.default_rng(13)
    b, w0 = A @ rng.standard_normal(6), rng.standard_normal(6)
    ks = list(range(2000, 4001))
    stepped = gd_iterates(A, b, w0, 1.0, ks)
    closed = gd_iterates(A, b, w0, 1.0, ks, route="closed")
    assert (stepped.route, closed.route) == ("step", "closed")
    for i in (0, 1, 777, len(ks) - 1):
        tol = 2 * iterate_tolerance(A, b, w0, 1.0, ks[i])
        assert np.linalg.norm(stepped.w[i] - closed.w[i]) <= tol
    assert gd_iterates(A, b, w0, 1.0, [0, 10, 1000]).route == "closed"  # sparse: closed form


def test_stepped_route_keeps_order_duplicates_infinity_and_constant_directions():
    A = np.diag([0.0, 0.5, 2.0])
    b, w0 = np.array([0.0, -1.0, -4.0]), np.array([3.0, 0.0, 2.0])  # direction 2 starts at w*
    ks = [np.inf, *range(60, -1, -1), 5]
    it = gd_iterates(A, b, w0, 1.0, ks, route="step")
    ref = gd_iterates(A, b, w0, 1.0, ks, route="closed")
    assert it.route == "step"
    np.testing.assert_allclose(it.w, ref.w, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(it.w[:, 0], 3.0)  # static
    np.testing.assert_array_equal(it.w[:, 2], 2.0)  # at its fixed point
    np.testing.assert_array_equal(it.w[0], [3.0, 2.0, 2.0])  # k = inf first, as requested


def test_stepped_route_drift_and_overflow():
    it = gd_iterates(np.diag([0.0, 2.0]), [1.0, -2.0], [0.0, 0.0], 0.25, range(0, 200))
    assert it.route == "step" and it.cases == ("drift", "monotone")
    np.testing.assert_allclose(it.w[:, 0], -0.25 * np.arange(200), rtol=1e-15)
    with pytest.raises(OverflowError, match=r"eigendirection 1 is divergent"):
        gd_iterates(np.diag([0.25, 1.0]), [0.0, 0.0], [1.0, 1.0], 2.5, range(0, 2000))


def test_stepped_route_follows_an_edited_update():
    import sympy as sp

    A, b, w0, alpha = PROBLEM
    fs = _edited()
    doubled = _edited(update=fs.update.xreplace({n.alpha: 2 * n.alpha}))
    ks = list(range(40))
    it = gd_iterates(A, b, w0, alpha / 2, ks, route="step", formulas=doubled)
    # the first row comes from the closed form at alpha/2; every later step uses 2 (alpha/2)
    np.testing.assert_allclose(it.w[1:], gd_iterates(A, b, w0, alpha, ks[1:]).w, rtol=1e-12)
    assert isinstance(fs.update, sp.Basic)


def test_unknown_route_is_refused():
    with pytest.raises(ValueError, match=r"route must be 'auto', 'closed' or 'step'; got 'fast'"):
        gd_iterates(np.eye(1), [0.0], [1.0], 0.5, [1], route="fast")
