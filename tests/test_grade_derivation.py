"""The ``derivation`` question kind: a chain of steps is correct when every step is verified
and it runs from ``start`` to ``target``; otherwise the first wrong step is quoted with its
counterexample."""

from __future__ import annotations

import pytest

from gdflow.checks.grade.fields import SpecError
from gdflow.checks.grade.grader import grade_answer
from gdflow.checks.grade.spec import loads_spec

SPEC = r"""
[[question]]
id = "err"
kind = "derivation"
prompt = "Show that the GD error obeys e(k+1) = (I - alpha A) e(k)."
declarations = '''
matrix A n n psd
vector w n
vector w_\star n
scalar \alpha positive
let b = -A w_\star
'''
start = 'w - \alpha (A w + b) - w_\star'
target = '(I - \alpha A)(w - w_\star)'
points_per_step = 1
timeout = 60
"""


@pytest.fixture(scope="module")
def question():
    return loads_spec(SPEC).questions["err"]


def test_a_correct_chain_is_correct(question):
    r = grade_answer(
        question,
        r"&= w - w_\star - \alpha A (w - w_\star) \\ &= (I - \alpha A)(w - w_\star)",
    )
    assert r["verdict"] == "correct", r
    assert "2 of 2 steps verified: 2 points" in r["feedback"]


def test_a_wrong_step_is_quoted_with_its_counterexample(question):
    r = grade_answer(
        question,
        r"w - \alpha (A w + b) - w_\star &= w - w_\star + \alpha A (w - w_\star) \\"
        r" &= (I - \alpha A)(w - w_\star)",
    )
    assert r["verdict"] == "incorrect", r
    assert r["feedback"].startswith("step 1 does not hold")
    assert r["counterexample"] and "A" in r["counterexample"]
    assert "0 of 2 steps verified: 0 points" in r["feedback"]  # step 2 is wrong too


def test_a_chain_that_stops_short_of_the_target_is_incorrect(question):
    r = grade_answer(question, r"&= w - w_\star - \alpha A (w - w_\star)")
    assert r["verdict"] == "incorrect", r
    assert "does not end at the target" in r["feedback"]
    r = grade_answer(question, r"&= (I - \alpha A)(w - w_\star)")
    assert r["verdict"] == "correct", r


def test_an_unreadable_or_undeclared_step_is_invalid(question):
    assert grade_answer(question, r"&= w - w_\star - \beta A w")["verdict"] == "invalid"
    assert grade_answer(question, r"&= w - (")["verdict"] == "invalid"


def test_spec_errors_name_the_key():
    with pytest.raises(SpecError, match="declarations"):
        loads_spec(SPEC.replace("matrix A n n psd", "matrix A n n sometimes"))
    with pytest.raises(SpecError, match="target"):
        loads_spec(SPEC.replace("target = '(I", "target = '(J"))


def test_dollar_delimiters_are_allowed_and_hostile_text_is_invalid(question):
    r = grade_answer(question, r"$&= (I - \alpha A)(w - w_\star)$")
    assert r["verdict"] == "correct", r
    assert grade_answer(question, r"&= \input{/etc/passwd}")["verdict"] == "invalid"
