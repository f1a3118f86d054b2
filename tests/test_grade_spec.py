"""Problem specs: strict validation (errors name the question and the key) and `expected`
checked against the computed reference at load time."""

import pytest
import sympy as sp

from gdflow.checks.grade.spec import SpecError, loads_spec
from gdflow.checks.grade.verdict import Verdict

GOOD = """
title = "t"
[defaults]
timeout = 3

[[question]]
id = "1"
kind = "gd_step"
objective = "x**2 - 4*x + 5"
variables = ["x"]
start = [0]
learning_rate = "1/10"
steps = 1
expected = "2/5"

[[question]]
id = "2a"
kind = "closed_form_iterate"
A = [[2, 0], [0, 0]]
b = [-2, 0]
start = [1, 1]
learning_rate = "alpha"
assume = ["0 < alpha < 1", "k >= 0 integer"]

[[question]]
id = "5"
kind = "expression"
reference = "(1 - alpha*a)**(2*k)"
assume = ["alpha > 0", "a > 0", "k >= 0 integer"]
"""


def errors_of(text):
    with pytest.raises(SpecError) as info:
        loads_spec(text)
    return info.value.errors


def test_issue_example_loads():
    ps = loads_spec(GOOD)
    assert list(ps.questions) == ["1", "2a", "5"]
    assert ps.questions["1"].reference.value == sp.Rational(2, 5)
    assert ps.questions["1"].timeout == 3
    # from w0 = (1, 1) = w_inf the iterates do not move
    assert ps.questions["2a"].reference.value == sp.Matrix([1, 1])
    alpha = ps.questions["5"].reference.scope.symbols["alpha"]
    assert alpha.is_positive


def q(body: str) -> str:
    return 'title = "t"\n[[question]]\n' + body


def test_unknown_key_names_question_and_key_with_suggestion():
    errs = errors_of(
        q('id = "7"\nkind = "fixed_point"\nA = [[1]]\nb = [0]\nstart = [1]\nstrat = [2]\n')
    )
    assert len(errs) == 1
    assert "question 7" in errs[0] and "unknown key `strat`" in errs[0] and "`start`" in errs[0]


def test_missing_key():
    errs = errors_of(q('id = "7"\nkind = "fixed_point"\nA = [[1]]\nstart = [1]\n'))
    assert errs == ["question 7: missing key `b` (required by kind fixed_point)"]


def test_malformed_matrix_row_length():
    errs = errors_of(
        q('id = "m"\nkind = "fixed_point"\nA = [[1, 0], [0]]\nb = [0, 0]\nstart = [1, 1]\n')
    )
    assert "question m: key `A`" in errs[0] and "row 2 has 1 entries but row 1 has 2" in errs[0]


def test_matrix_not_psd_names_the_eigenvalue():
    errs = errors_of(
        q('id = "p"\nkind = "fixed_point"\nA = [[1, 0], [0, -0.5]]\nb = [0, 0]\nstart = [1, 1]\n')
    )
    assert (
        "question p: key `A`" in errs[0]
        and "positive semidefinite" in errs[0]
        and "-1/2" in errs[0]
    )


def test_vector_length_mismatch():
    errs = errors_of(
        q('id = "v"\nkind = "fixed_point"\nA = [[1, 0], [0, 1]]\nb = [0, 0, 1]\nstart = [1, 1]\n')
    )
    assert "question v: key `b`" in errs[0] and "expected 2 entries" in errs[0]


def test_wrong_expected_is_a_spec_error():
    errs = errors_of(GOOD.replace('expected = "2/5"', 'expected = "0.5"'))
    assert len(errs) == 1
    assert (
        "question 1: key `expected`" in errs[0]
        and "does not match the computed reference 2/5" in errs[0]
    )


def test_unreadable_expected_is_a_spec_error():
    errs = errors_of(GOOD.replace('expected = "2/5"', 'expected = "2 3"'))
    assert "question 1: key `expected`" in errs[0] and "two numbers side by side" in errs[0]


def test_all_errors_reported_together():
    bad = q('id = "a"\nkind = "nope"\n') + '[[question]]\nid = "b"\nkind = "fixed_point"\n'
    errs = errors_of(bad)
    assert any("question a: key `kind`" in e for e in errs)
    assert sum("question b: missing key" in e for e in errs) == 3


def test_bad_assumption_and_kind_specific_errors():
    errs = errors_of(
        q('id = "x"\nkind = "expression"\nreference = "a"\nassume = ["0 < a < b < 1"]\n')
    )
    assert "question x: key `assume`" in errs[0] and "exactly one symbol" in errs[0]
    errs = errors_of(
        q('id = "d"\nkind = "fixed_point"\nA = [[1, 0], [0, 0]]\nb = [0, 1]\nstart = [0, 0]\n')
    )
    assert "question d: key `b`" in errs[0] and "not in the range of A" in errs[0]


def test_top_level_and_defaults():
    errs = errors_of(
        'titel = "x"\n[defaults]\ntimeout = -1\nfoo = 1\n'
        '[[question]]\nid="1"\nkind="expression"\nreference="1"\n'
    )
    assert any("unknown top-level key `titel`" in e for e in errs)
    assert any("[defaults]: unknown key `foo`" in e for e in errs)
    assert any("[defaults]: key `timeout`" in e for e in errs)
    assert "not valid TOML" in errors_of("title = ")[0]


def test_duplicate_ids_and_feedback_table():
    two = (
        q('id = "1"\nkind = "expression"\nreference = "1"\n')
        + '[[question]]\nid = "1"\nkind = "expression"\nreference = "2"\n'
    )
    assert "question 1: duplicate id" in errors_of(two)
    errs = errors_of(
        q('id = "1"\nkind = "expression"\nreference = "1"\nfeedback = { great = "x" }\n')
    )
    assert "question 1: key `feedback`" in errs[0]
    # the grader's own failure is not an answer's verdict: no feedback text for it
    errs = errors_of(
        q('id = "1"\nkind = "expression"\nreference = "1"\nfeedback = { error = "x" }\n')
    )
    assert "question 1: key `feedback`" in errs[0]
    assert "correct, incorrect, invalid, timeout" in errs[0]


def test_tolerance_and_feedback_overrides():
    from gdflow.checks.grade.grader import grade_answer

    text = q(
        'id = "1"\nkind = "expression"\nreference = "1/3"\ntolerance = 0.01\n'
        'feedback = { incorrect = "Revise slide 12." }\n'
    )
    question = loads_spec(text).questions["1"]
    assert question.feedback == {Verdict.INCORRECT: "Revise slide 12."}
    assert grade_answer(question, "0.333")["verdict"] == "correct"
    r = grade_answer(question, "0.3")
    assert r["verdict"] == "incorrect" and r["feedback"].startswith("Revise slide 12.")
    errs = errors_of(q('id = "1"\nkind = "expression"\nreference = "1"\ntolerance = 2\n'))
    assert "question 1: key `tolerance`" in errs[0]


def test_gradient_flow_with_cubic_eigenvalues_is_refused_at_load():
    # K = XXᵀ has an irreducible cubic characteristic polynomial: e^{-Kt} would need cubic radicals
    errs = errors_of(
        q(
            'id = "g"\nkind = "gradient_flow"\nX = [[2, 1, 0], [1, 3, 1], [0, 1, 1]]\n'
            "y = [1, 0, 0]\nstart = [0, 0, 0]\n"
        )
    )
    assert "question g" in errs[0] and "irreducible characteristic factor of degree 3" in errs[0], (
        errs
    )


def test_spec_matrices_are_bounded_like_answers():
    big = (
        "["
        + ", ".join(
            "[" + ", ".join("1" if i == j else "0" for j in range(13)) + "]" for i in range(13)
        )
        + "]"
    )
    errs = errors_of(q(f'id = "big"\nkind = "fixed_point"\nA = {big}\nb = [0]\nstart = [0]\n'))
    assert "question big: key `A`" in errs[0] and "larger than the limit of 12" in errs[0], errs
    errs = errors_of(
        q(
            'id = "v"\nkind = "gd_step"\nstart = [' + ", ".join(["0"] * 13) + "]\n"
            'gradient = [1]\nlearning_rate = "1/10"\n'
        )
    )
    assert "question v: key `start`" in errs[0] and "larger than the limit" in errs[0], errs


SLOW = """
title = "slow"
[[question]]
id = "g"
kind = "gd_step"
objective = "x**4 + y**4 + x*y"
variables = ["x", "y"]
start = [1, 2]
learning_rate = "eta"
steps = 12
assume = ["eta > 0"]
"""


def test_reference_computation_is_bounded_in_time(monkeypatch):
    # 12 steps of GD with a symbolic learning rate on a quartic: degree ~3^12 in eta, the load
    # ran for minutes; now it is a spec error naming the question
    import time

    import gdflow.checks.grade.spec as spec_module

    monkeypatch.setattr(spec_module, "REFERENCE_SECONDS", 1.5)
    t0 = time.monotonic()
    with pytest.raises(
        SpecError, match=r"question g: computing the reference took longer than 1.5 s"
    ):
        loads_spec(SLOW)
    assert time.monotonic() - t0 < 10
