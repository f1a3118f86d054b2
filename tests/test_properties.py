"""gdflow.checks.properties: every property passes; the registry, selection, formatting and
counterexamples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gdflow.checks import properties as props
from gdflow.checks import strategies as gs
from gdflow.checks.properties import PROPERTIES, format_results, register, run_checks, select

ISSUE_2 = [
    "gd.closed_form_matches_iteration",
    "gd.case_labels_match_behaviour",
    "gd.loss_decay_matches_observed",
    "gd.limit_is_projection",
    "gd.least_squares_min_norm",
    "gd.rigid_invariance",
    "gd.general_linear_invariance_fails",
]


def test_issue_2_properties_are_registered():
    assert [name for name in props.load_properties() if name in ISSUE_2] == ISSUE_2


@pytest.mark.parametrize("name", ISSUE_2)
def test_property_passes(name):
    (result,) = run_checks(f"{name}*", examples=30, seed=0)
    assert result.name == name
    assert result.passed, result.counterexample
    assert result.counterexample is None
    # general_linear_invariance_fails discards examples whose GD step is below rounding
    assert result.examples >= (20 if name == "gd.general_linear_invariance_fails" else 30)


@pytest.fixture
def false_property():
    """A deliberately false claim, registered from this (another) module, removed afterwards."""

    @register(
        "test.false_claim",
        "the largest eigenvalue of A is below 1 (false)",
        gs.gd_problems(max_size=3),
    )
    def false_claim(problem):
        top = float(np.linalg.eigvalsh(problem.A)[-1])
        assert top < 1, f"largest eigenvalue {top}"

    yield "test.false_claim"
    del PROPERTIES["test.false_claim"]


def test_counterexample_is_shrunk_and_printed_as_matrices(false_property):
    (result,) = run_checks(false_property, examples=50, seed=1)
    assert not result.passed
    assert result.examples < 50
    text = result.counterexample
    assert text.startswith("largest eigenvalue 1.0")  # shrunk to the boundary
    # the example is printed by checks.properties.format_example, not in hypothesis's wording
    message, example = text.split("\n", 2)[0], text.split("\nexample: ", 1)[1]
    assert message == "largest eigenvalue 1.0"
    assert example.startswith("false_claim(\n    problem=GDProblem(")
    assert "A = [[1.]]" in example and "w0 = " in example and "alpha = " in example


def test_format_example_names_the_arguments():
    def check(problem, scale):
        pass

    text = props.format_example(check, ("two\nlines",), {"scale": 2.0})
    assert text == "example: check(\n    problem='two\\nlines',\n    scale=2.0,\n)"

    class Multi:
        def __repr__(self):
            return "M(\n  A = [[1.]]\n)"

    assert (
        props.format_example(check, (Multi(), 1), {})
        == "example: check(\n    problem=M(\n      A = [[1.]]\n    ),\n    scale=1,\n)"
    )


def test_same_seed_same_result(false_property):
    a = run_checks(false_property, examples=30, seed=7)[0]
    b = run_checks(false_property, examples=30, seed=7)[0]
    assert (a.passed, a.examples, a.counterexample) == (b.passed, b.examples, b.counterexample)


def test_registering_a_name_twice_is_an_error(false_property):
    with pytest.raises(
        ValueError,
        match=r"property 'test.false_claim' is already registered \(by tests.test_properties\)",
    ):
        register("test.false_claim", "again", gs.gd_problems())(lambda problem: None)


def test_select_by_substring_and_glob():
    assert [p.name for p in select("invariance")] == [
        "gd.rigid_invariance",
        "gd.general_linear_invariance_fails",
        "adaptive.rotation_invariance_observed",
    ]
    assert [p.name for p in select("gd.l*")] == [
        "gd.loss_decay_matches_observed",
        "gd.limit_is_projection",
        "gd.least_squares_min_norm",
    ]
    assert select("no such property") == []
    assert len(select(None)) >= len(ISSUE_2)


def test_progress_is_reported():
    calls = []
    run_checks(
        "gd.*invariance*",
        examples=3,
        seed=0,
        progress=lambda name, done, total: calls.append((name, done, total)),
    )
    assert calls == [
        ("gd.rigid_invariance", 0, 2),
        ("gd.general_linear_invariance_fails", 1, 2),
        ("gd.general_linear_invariance_fails", 2, 2),
    ]


def test_format_json_and_table(false_property):
    results = run_checks("gd.rigid_invariance", examples=5, seed=0) + run_checks(
        false_property, examples=20, seed=0
    )
    data = json.loads(format_results(results, "json"))
    assert [set(d) for d in data] == [{"name", "examples", "passed", "counterexample"}] * 2
    assert data[0] == {
        "name": "gd.rigid_invariance",
        "examples": 5,
        "passed": True,
        "counterexample": None,
    }
    assert data[1]["passed"] is False and "A = [[" in data[1]["counterexample"]
    table = format_results(results, "table")
    assert (
        "gd.rigid_invariance" in table and "FAIL" in table and "1 of 2 properties passed" in table
    )
    assert "counterexample for test.false_claim:" in table
    with pytest.raises(ValueError, match="format must be 'table' or 'json'; got 'xml'"):
        format_results(results, "xml")


def test_tolerance_scales_with_k_and_growth():
    A, b, w0 = np.diag([0.5, 2.0]), np.array([-1.0, 0.0]), np.array([1.0, 1.0])
    t0 = props.iterate_tolerance(A, b, w0, 0.5, 0)
    t10 = props.iterate_tolerance(A, b, w0, 0.5, 10)
    assert t10 > t0 > 0
    # divergent (rho = |1 - 1.5*2| = 2): the bound follows the growth 2^k
    assert (
        props.iterate_tolerance(A, b, w0, 1.5, 20) / props.iterate_tolerance(A, b, w0, 1.5, 19)
        > 1.9
    )


# -- the properties catch wrong formulas (mutants of what numeric evaluates) -------------------


def _with_formulas(monkeypatch, **fields) -> None:
    """Make the catalogue's formulas, as the evaluators read them, ``fields`` replaced: the
    properties then check the evaluators generated from the edited formulas."""
    import dataclasses

    from gdflow.checks import numeric

    edited = dataclasses.replace(numeric.catalogue_formulas(), **fields)
    monkeypatch.setattr(numeric, "catalogue_formulas", lambda: edited)


def _mutant_iterate(mutate):
    import dataclasses

    from gdflow.checks import numeric
    from gdflow.derive import notation as n

    formula = numeric.catalogue_formulas().iterate
    expr = mutate(formula.spectral, n)
    assert expr != formula.spectral
    return dataclasses.replace(formula, spectral=expr)


def _branch(e, i, new):
    import sympy as sp

    args = list(e.args)
    args[i] = (new(args[i][0]), args[i][1])
    return sp.Piecewise(*args)


SOLUTION_MUTANTS = {
    "exponent k -> k+1": lambda e, n: e.xreplace({n.k: n.k + 1}),
    "drift sign flipped": lambda e, n: _branch(e, 1, lambda x: x.subs(n.bt_j, -n.bt_j)),
    "fixed point sign flipped": lambda e, n: _branch(e, 0, lambda x: x.subs(n.bt_j, -n.bt_j)),
    "I - alpha A -> I + alpha A": lambda e, n: _branch(e, 0, lambda x: x.subs(n.alpha, -n.alpha)),
}


@pytest.mark.parametrize("mutant", list(SOLUTION_MUTANTS))
def test_closed_form_property_rejects_a_wrong_formula(monkeypatch, mutant):
    _with_formulas(monkeypatch, iterate=_mutant_iterate(SOLUTION_MUTANTS[mutant]))
    (result,) = run_checks("gd.closed_form_matches_iteration", examples=30, seed=0)
    assert not result.passed and "A = [[" in result.counterexample


def test_stepping_property_rejects_a_wrong_update(monkeypatch):
    from gdflow.checks import numeric
    from gdflow.derive import notation as n

    update = numeric.catalogue_formulas().update
    _with_formulas(monkeypatch, update=update.xreplace({n.bt_j: -n.bt_j}))
    (result,) = run_checks("gd.stepping_matches_closed_form", examples=30, seed=0)
    assert not result.passed and "stepped and closed form differ" in result.counterexample


def test_case_property_rejects_swapped_labels(monkeypatch):
    import sympy as sp

    from gdflow.checks import numeric
    from gdflow.derive.eigencases import StepCase

    swap = {
        StepCase.MONOTONE.label: StepCase.OSCILLATING.label,
        StepCase.OSCILLATING.label: StepCase.MONOTONE.label,
    }
    cases = numeric.catalogue_formulas().cases
    _with_formulas(monkeypatch, cases=sp.Piecewise(*[(swap.get(e, e), c) for e, c in cases.args]))
    (result,) = run_checks("gd.case_labels_match_behaviour", examples=30, seed=0)
    assert not result.passed and "is labelled" in result.counterexample


def test_loss_property_rejects_exponent_k_instead_of_2k(monkeypatch):
    import dataclasses

    from gdflow.checks import numeric
    from gdflow.derive import notation as n

    gap = numeric.catalogue_formulas().gap
    wrong = gap.spectral.xreplace({2 * n.k: n.k})
    assert wrong != gap.spectral
    _with_formulas(monkeypatch, gap=dataclasses.replace(gap, spectral=wrong))
    (result,) = run_checks("gd.loss_decay_matches_observed", examples=30, seed=0)
    assert not result.passed and "loss at k" in result.counterexample


def test_limit_property_rejects_limit_without_the_null_space_part(monkeypatch):
    from gdflow.checks import numeric, properties

    def minus_pinv_b(A, b, w0):  # the limit from 0, wrongly used for any start
        return numeric.limit_point(A, b, np.zeros_like(np.asarray(w0, dtype=float)))

    monkeypatch.setattr(properties, "limit_point", minus_pinv_b)
    (result,) = run_checks("gd.limit_is_projection", examples=30, seed=0)
    assert not result.passed and "differs from limit_point" in result.counterexample


def test_an_error_in_a_check_is_a_failure_with_its_type(false_property):
    @register("test.crashes", "raises RuntimeError", gs.gd_problems(max_size=2))
    def crashes(problem):
        raise RuntimeError(f"boom at D = {problem.size}")

    try:
        (result,) = run_checks("test.crashes", examples=5, seed=0)
    finally:
        del PROPERTIES["test.crashes"]
    assert not result.passed and result.counterexample.startswith("RuntimeError: boom at D = 1")


def test_examples_rejected_by_assume_are_not_counted():
    from hypothesis import assume

    ran = []

    @register("test.half_rejected", "odd sizes only", gs.gd_problems(max_size=4))
    def half_rejected(problem):
        assume(problem.size % 2 == 1)
        ran.append(problem.size)

    try:
        (result,) = run_checks("test.half_rejected", examples=20, seed=0)
    finally:
        del PROPERTIES["test.half_rejected"]
    assert result.passed
    assert result.examples == len(ran) > 0  # only the examples that got past assume


def test_kernel_rate_counts_only_nondegenerate_examples():
    # about 40% of the drawn problems at seed 1 have c2 < KERNEL_MIN_C2 and are rejected by assume
    (result,) = run_checks("kernel.first_order_rate", examples=30, seed=1)
    assert result.passed, result.counterexample
    assert result.examples == 30


def test_regression_least_squares_with_residual_outside_range():
    # found by `run_checks("gd.", 1000, seed=31)`: t almost orthogonal to range(Phi), so Phi^+ t is
    # ~4e-15 and its rounding error is governed by kappa(Phi)^2 |t| / sigma_max (Wedin), not |Phi^+
    # t|
    Phi = np.array(
        [
            [0.0, -3.5840407048292314e-19],
            [-7.0710678118654746e-01, -7.0710678118654771e-03],
            [-7.0710678118654746e-01, 7.0710678118654779e-03],
        ]
    )
    props.least_squares_min_norm(
        gs.LeastSquaresProblem(Phi, np.array([1.0, 0.0, 0.0]), 3.000000000000001)
    )
