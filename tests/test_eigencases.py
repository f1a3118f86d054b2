"""StepCase: one table for the seven step-size cases, their intervals, words and spellings."""

from __future__ import annotations

import pytest
import sympy as sp

from gdflow.derive import notation as n
from gdflow.derive.eigencases import (
    CONVERGENT_LABELS,
    ONE_STEP,
    STEP_SIZE_CASES,
    Label,
    StepCase,
    step_size_case,
)

LABELS = [
    "monotone",
    "one_step",
    "oscillating",
    "bounded_oscillation",
    "divergent",
    "drift",
    "static",
]


def test_values_are_the_labels_and_compare_as_strings():
    assert [c.value for c in StepCase] == LABELS
    assert StepCase.ONE_STEP == "one_step" and str(StepCase.DIVERGENT) == "divergent"
    assert ("monotone", "drift") == (StepCase.MONOTONE, StepCase.DRIFT)
    assert ONE_STEP is StepCase.ONE_STEP


@pytest.mark.parametrize(
    "text, case",
    [
        ("one step", StepCase.ONE_STEP),
        ("one-step", StepCase.ONE_STEP),
        ("one_step", StepCase.ONE_STEP),
        ("  One Step. ", StepCase.ONE_STEP),
        ("bounded oscillation", StepCase.BOUNDED_OSCILLATION),
        ("2-cycle", StepCase.BOUNDED_OSCILLATION),
        ("blows up", StepCase.DIVERGENT),
        ("Stationary", StepCase.STATIC),
        ("linear drift", StepCase.DRIFT),
        ("damped oscillation", StepCase.OSCILLATING),
    ],
)
def test_parse_accepts_the_spellings(text, case):
    assert StepCase.parse(text) is case


def test_parse_refuses_other_text_naming_it():
    with pytest.raises(ValueError, match=r"'converges' is not a step-size case; one of: monotone"):
        StepCase.parse("converges")


def test_spellings_belong_to_one_case_each():
    seen: dict[str, StepCase] = {}
    for case in StepCase:
        for s in (case.value, *case.spellings):
            key = " ".join(s.lower().replace("_", " ").replace("-", " ").split())
            assert seen.setdefault(key, case) is case, (s, seen[key], case)
        assert case.words and case.words[0] in "0aα1"


def test_piecewise_is_built_from_the_table():
    order = [StepCase.STATIC, StepCase.DRIFT, *list(StepCase)[:5]]  # zero curvature first
    assert [label for label, _ in STEP_SIZE_CASES.args] == [c.label for c in order]
    assert all(isinstance(label, Label) for label, _ in STEP_SIZE_CASES.args)
    assert STEP_SIZE_CASES == sp.Piecewise(*[(c.label, c.condition) for c in order])


# alpha * a values inside, at and between the intervals
X_VALUES = [sp.Rational(1, 7), sp.Rational(1, 2), 1, sp.Rational(3, 2), 2, sp.Rational(5, 2), 9]


@pytest.mark.parametrize("x", X_VALUES)
def test_intervals_agree_with_the_piecewise_and_are_disjoint(x):
    a = sp.Integer(3)
    alpha = x / a
    case = step_size_case(alpha, a, 1)
    assert isinstance(case, StepCase)
    assert [c for c in StepCase if c.interval.contains(x) is sp.true] == [case]
    holding = [c for c in StepCase if c.condition.subs({n.alpha: alpha, n.a_j: a, n.bt_j: 1})]
    assert holding == [case]


def test_zero_curvature_cases_depend_on_b():
    assert step_size_case(1, 0, 0) is StepCase.STATIC
    assert step_size_case(1, 0, "-1/3") is StepCase.DRIFT
    assert StepCase.STATIC.interval == StepCase.DRIFT.interval == sp.FiniteSet(0)


def test_exact_reading_and_errors():
    assert step_size_case(0.1, 10) is StepCase.ONE_STEP  # 0.1 is 1/10
    assert step_size_case("2/3", 3) is StepCase.BOUNDED_OSCILLATION
    with pytest.raises(ValueError, match=r"a = -1"):
        step_size_case(1, -1)
    with pytest.raises(ValueError, match=r"alpha = -1/2"):
        step_size_case("-1/2", 1)


def test_contracting_and_converging_cases():
    assert {c for c in StepCase if c.contracts} == {"monotone", "one_step", "oscillating"}
    assert CONVERGENT_LABELS == {"monotone", "one_step", "oscillating", "static"}


def test_grader_labels_come_from_stepcase():
    from gdflow.checks.grade.kinds import STEP_LABELS

    assert list(STEP_LABELS) == LABELS
    assert all(STEP_LABELS[c.value] == list(c.spellings) for c in StepCase)
