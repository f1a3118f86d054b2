"""The shipped example (examples/homework/) grades exactly as its expected verdicts say."""

import csv
import io
import json
from pathlib import Path

import pytest
import sympy as sp

from gdflow.checks.grade.runner import grade_class, read_answers
from gdflow.checks.grade.spec import load_spec

HOME = Path(__file__).parents[1] / "examples" / "homework"


@pytest.fixture(scope="module")
def problem_set():
    return load_spec(HOME / "problem_set.toml")


def test_references_from_the_sources(problem_set):
    qs = problem_set.questions
    assert qs["1"].reference.value == sp.Rational(2, 5)  # 003: x1 = 0.4
    assert qs["2"].reference.value == sp.Matrix(
        [sp.Rational(3, 4), sp.Rational(212, 100)]
    )  # 003: (0.75, 2.12)
    assert qs["3"].reference.value == sp.Matrix([2, 0])  # 001 exercise: projection of w0
    assert qs["4"].reference.value == sp.Interval.open(
        0, sp.Rational(1, 2)
    )  # 2 / lambda_max, lambda_max = 4
    assert qs["6"].reference.value == "oscillating"  # alpha*a = 3/2
    assert qs["7"].reference.value == sp.Matrix(
        [sp.Rational(5, 8), sp.Rational(-7, 40)]
    )  # least-squares line


def test_class_grades_as_expected(problem_set):
    rows = read_answers(HOME / "answers.csv")
    with open(HOME / "expected_verdicts.csv", newline="") as fh:
        expected = {(r["student"], r["question"]): r["verdict"] for r in csv.DictReader(fh)}
    assert len(expected) == len(rows)
    buf = io.StringIO()
    counts = grade_class(problem_set, rows, None, "jsonl", jobs=2, stdout=buf)
    got = {}
    for line in buf.getvalue().splitlines():
        r = json.loads(line)
        got[(r["student"], r["question"])] = r
    assert {k: r["verdict"] for k, r in got.items()} == expected
    assert not counts.get("error") and not counts.get("timeout")
    for r in got.values():
        if r["verdict"] == "incorrect":
            assert r["feedback"]
        if r["verdict"] == "invalid":
            assert r["interpreted_as"] is None
    # domain feedback in the problem's terms
    assert (
        "2/λ_max" in got[("ben", "4")]["feedback"] and "oscillate" in got[("ben", "4")]["feedback"]
    )
    assert "(1 + αa)" in got[("ben", "5")]["feedback"]
    assert "holds only when A is invertible; here A is singular" in got[("cho", "3")]["feedback"]
    assert r"\mathbf{A}^{-1}" in got[("eve", "3")]["interpreted_as"]
    assert "minimum-norm" in got[("ben", "3")]["feedback"]
    assert "did you mean `alpha`" in got[("dan", "5")]["feedback"]
    assert got[("ben", "5")]["counterexample"]["at"].keys() == {"alpha", "k"}
    # what was read is shown in LaTeX: sets as sets, formulas as written
    assert got[("ada", "4")]["interpreted_as"] == r"\alpha \in \left(0, \frac{1}{2}\right)"
    assert got[("ada", "1")]["interpreted_as"] == r"\frac{2}{5}"
    assert got[("dan", "3")]["interpreted_as"].startswith(
        r"\left(\mathbf{I} - \mathbf{A}^{\dagger} \mathbf{A}\right)"
    )
