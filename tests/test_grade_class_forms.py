r"""Issue 14, "Done means": a class of our own with every form the issue lists, graded right
through the class path (``gdflow grade SPEC CLASS.csv --jobs 2 --format json``: the CSV read row
by row, the pool of workers, the JSON records), each verdict decided by hand below.

The questions are those of ``tests/test_grade_forms.py`` (which tests the same forms one answer
at a time, without the CSV, the workers or the output); here each form is a row of one class
file, with the bad rows the issue names (a cell that is not UTF-8, a cell longer than the CSV
field limit) and a hostile row among them.
"""

import csv
import io
import json

import pytest

from gdflow.checks.grade.runner import FIELD_LIMIT
from gdflow.cli import main
from tests.test_grade_forms import SPEC

C, X, V = "correct", "incorrect", "invalid"

# (question, answer, verdict decided by hand, words the feedback must contain), one row each;
# the bullet in the comment before each group.
ROWS = [
    # -- "Correct work refused": e^{-Kt} on a matrix (the README promises it)
    ("resid", "e^{-K t} (-y)", C, "correct"),
    ("resid", "-e^(-Kt)y", C, "correct"),
    # LaTeX tuples
    ("limit", r"\left(\frac95, -\frac35\right)", C, "correct"),
    ("limit", r"$\left(\frac95, -\frac35\right)$", C, "correct"),
    # transposed tuples
    ("step3", "(0, -1.75, 0.5)^T", C, "correct"),
    ("step3", r"$(0, -1.75, 0.5)^\top$", C, "correct"),
    # a scalar times a bmatrix
    ("limit", r"$\frac15\begin{bmatrix}9\\-3\end{bmatrix}$", C, "correct"),
    ("limit", "1/5 [9, -3]", C, "correct"),
    # a CRLF in a quoted cell (written into the file as CRLF, inside the quotes)
    ("limit", "\\begin{bmatrix}1.8\\\\\r\n-0.6\\end{bmatrix}", C, "correct"),
    # a left side naming the asked quantity
    ("limit", "w = (9/5, -3/5)", C, "correct"),
    ("limit", r"$w^{(\infty)} = \begin{bmatrix}1.8\\-0.6\end{bmatrix}$", C, "correct"),
    ("iterate", "w^{(k)} = [1 + 2(1-2α)^k, 1]", C, "correct"),
    ("loss", "J = -3/4", C, "correct"),
    ("loss", r"$J(w^{(2)}) = -\frac34$", C, "correct"),
    ("x2", "x_2 = 0.72", C, "correct"),
    ("resid", "r(t) = e^{-Kt}(X w0 - y)", C, "correct"),
    ("resid", "$r(t) = e^{-Kt}(Xw_0 - y)$", C, "correct"),
    ("rate", "α = 1/3", C, "correct"),
    ("limit", "u = 1.8, v = -0.6", C, "correct"),
    ("uv", "u = 1.8, v = 0", C, "correct"),
    # ]0, 1/3[ and comma-separated inequalities
    ("cond", "]0, 1/3[", C, "correct"),
    ("cond", "alpha > 0, alpha < 1/3", C, "correct"),
    ("cond", "]0, 1/3]", X, "2/λ_max = 1/3"),  # the closed end oscillates
    # unicode Φ, λ, ᵀ
    ("ridge", "Φ^+ t", C, "correct"),
    ("ridge", "(Φᵀ Φ)^+ Φᵀ t", C, "correct"),
    ("step3", "(0, -1.75, 0.5)ᵀ", C, "correct"),
    ("cond", "0 < α ≤ 1/3", X, "2/λ_max = 1/3"),
    # ≈ -1.91 with the question's tolerance
    ("approx", "≈ -1.91", C, "correct"),
    ("approx", r"$\approx -1.91$", C, "correct"),
    # \Phi^{+}
    ("ridge", r"$\Phi^{+} t$", C, "correct"),
    # "bounded oscillations"
    ("case", "bounded oscillations", C, "correct"),
    ("case", "monotone", X, "`monotone` needs 0 < αa < 1"),
    # -- "Correct work marked wrong": a decimal comma is invalid with the fix, never incorrect
    ("three", "0,75", V, "write 0.75"),
    ("approx", "-1,91", V, "write -1.91"),
    ("three", "$0{,}75$", V, "write 0.75"),
    # 3/4 = 0.75 is 3/4, not an equation
    ("three", "3/4 = 0.75", C, "correct"),
    ("three", "3/4 = 0.7", X, "not equal"),
    # -- "Inconsistent": mismatched sizes are incorrect naming the product, like a singular
    # inverse; plain (a + λ)w is read as LaTeX (a+\lambda) w is
    ("mean", "mu*B", X, "the product mu·B"),
    ("mean", "mu B + c", X, "2×1 times 2×2"),
    ("singular", "-inv(A)*b", X, "singular"),
    ("shift", "(a + λ)w", C, "correct"),
    ("shift", r"$(a+\lambda) w$", C, "correct"),
    # -- prose and an update rule: invalid with a short reason
    ("rate", "I think one third", V, "not a formula"),
    ("iterate", "w = w - alpha*(A*w + b)", V, "unknown name `w`"),
    ("wflow", "w(t) = X^+ y + e^{-X^T X t}(w0 - X^+ y)", C, "correct"),
    ("thirds", "(1/3, 2/3)ᵀ", C, "correct"),
]

CANARY_NAME = "gdflow-class-forms-canary"


def _class_csv(tmp_path):
    """The class file (bytes, CRLF line ends as spreadsheets write them): one student per row
    of ``ROWS``, then a row whose answer is not UTF-8, a row with a cell longer than the CSV
    field limit, and a hostile row. Returns the path and the expected records by student."""
    canary = tmp_path / CANARY_NAME
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["student", "question", "answer"])
    expected = {}
    for i, (qid, answer, verdict, words) in enumerate(ROWS):
        student = f"s{i:02d}"
        w.writerow([student, qid, answer])
        expected[student] = (qid, verdict, words)
    w.writerow(["hostile", "rate", f"__import__('os').system('touch {canary}')"])
    expected["hostile"] = ("rate", V, "")
    data = buf.getvalue().encode("utf-8")
    # the line of the file the next row starts on (the CRLF inside a quoted cell counts)
    line = buf.getvalue().count("\r\n") + 1
    data += b'latin1,three,"0.75 caf\xe9"\r\n'  # a cell written in Latin-1
    expected["latin1"] = ("three", V, f"line {line} (student 'latin1')")
    data += b"huge,three," + b"7" * (FIELD_LIMIT + 1) + b"\r\n"
    expected["huge"] = ("three", V, f"line {line + 1} (student 'huge')")
    data += b"last,three,3/4\r\n"  # the row after the bad ones is graded
    expected["last"] = ("three", C, "correct")
    path = tmp_path / "class.csv"
    path.write_bytes(data)
    return path, expected, canary


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("class_forms")
    spec = tmp_path / "forms.toml"
    spec.write_text(SPEC)
    path, expected, canary = _class_csv(tmp_path)
    out = tmp_path / "results.json"
    code = main(["grade", str(spec), str(path), "--jobs", "2", "--format", "json", "-o", str(out)])
    return code, json.loads(out.read_text()), expected, canary


def test_the_class_is_graded_whole_and_exits_0(graded):
    code, records, expected, canary = graded
    assert code == 0
    assert sorted(r["student"] for r in records) == sorted(expected)
    assert not [r for r in records if r["verdict"] == "error"]
    assert not canary.exists()  # nothing injected ran


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[f"{q}:{a!r}" for q, a, _, _ in ROWS])
def test_each_form_is_graded_as_decided_by_hand(graded, i):
    _, records, expected, _ = graded
    student = f"s{i:02d}"
    (rec,) = [r for r in records if r["student"] == student]
    qid, verdict, words = expected[student]
    assert rec["question"] == qid
    assert rec["answer"] == ROWS[i][1].replace("\r\n", "\n")  # a CRLF in a cell is a line end
    assert rec["verdict"] == verdict, rec
    assert words in rec["feedback"], rec


@pytest.mark.parametrize("student", ["hostile", "latin1", "huge", "last"])
def test_the_bad_rows_are_invalid_naming_line_and_student(graded, student):
    _, records, expected, _ = graded
    (rec,) = [r for r in records if r["student"] == student]
    qid, verdict, words = expected[student]
    assert (rec["question"], rec["verdict"]) == (qid, verdict), rec
    assert words in rec["feedback"], rec


def test_the_latin1_and_huge_rows_say_what_is_wrong(graded):
    _, records, _, _ = graded
    by = {r["student"]: r for r in records}
    assert "not valid UTF-8" in by["latin1"]["feedback"] and "0xE9" in by["latin1"]["feedback"]
    assert str(FIELD_LIMIT) in by["huge"]["feedback"]
    assert len(by["huge"]["answer"]) < 300  # the record keeps a short head of the cell


def test_the_class_holds_every_listed_form():
    """The forms the issue lists, each present as an answer of the class (a guard against
    dropping one from ``ROWS``)."""
    answers = [a for _, a, _, _ in ROWS]
    listed = [
        "e^{-K",
        r"\left(\frac95, -\frac35\right)",
        "(0, -1.75, 0.5)^T",
        r"\frac15\begin{bmatrix}",
        "\r\n",
        "w = ",
        "w^{(k)} = ",
        "J = ",
        "x_2 = ",
        "r(t) = ",
        "α = ",
        "u = 1.8, v = -0.6",
        "]0, 1/3[",
        "alpha > 0, alpha < 1/3",
        "Φ",
        "λ",
        "ᵀ",
        "≈ -1.91",
        r"\Phi^{+}",
        "bounded oscillations",
        "0,75",
        "-1,91",
        "3/4 = 0.75",
        "mu*B",
        "(a + λ)w",
    ]
    assert [f for f in listed if not any(f in a for a in answers)] == []
    assert {v for _, _, v, _ in ROWS} == {C, X, V}
