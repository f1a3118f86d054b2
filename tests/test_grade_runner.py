"""Class grading: results stream to the output as each answer finishes; a kill loses nothing
already written; a rerun with the same output grades only what is missing."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gdflow.checks.grade.cli import main
from gdflow.checks.grade.grader import answer_key, result
from gdflow.checks.grade.runner import AnswersError, grade_class, load_done, read_answers
from gdflow.checks.grade.spec import loads_spec
from gdflow.checks.grade.verdict import Verdict

SPEC = """
title = "runner"
[defaults]
timeout = 5
[[question]]
id = "1"
kind = "gd_step"
objective = "x**2 - 4*x + 5"
variables = ["x"]
start = [0]
learning_rate = "0.1"
[[question]]
id = "2"
kind = "convergence_condition"
A = [[3, 1], [1, 3]]
"""

ROWS = [
    ("ann", "1", "0.4"),
    ("bob", "1", "-0.4"),
    ("cid", "1", "2x"),
    ("ann", "2", "0 < alpha < 1/2"),
    ("bob", "2", "(0, 1/2]"),
    ("cid", "3", "1"),
]


@pytest.fixture(scope="module")
def spec():
    return loads_spec(SPEC)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "table"])
def test_resume_after_a_torn_write_grades_only_the_rest(spec, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    counts = grade_class(spec, ROWS, str(out), fmt)
    assert sum(counts.values()) == 6
    assert counts["correct"] == 2 and counts["incorrect"] == 2 and counts["invalid"] == 2
    full = load_done(out, fmt)
    assert len(full) == 6 and len({r["id"] for r in full}) == 6
    if fmt == "json":
        assert len(json.loads(out.read_text())) == 6  # a complete file is a JSON array
    # simulate a kill: keep the header/first records, then a torn line
    lines = out.read_text().splitlines(keepends=True)
    keep = 3 if fmt == "jsonl" else 4  # json: "[" + 3 records; table: header + 3 rows
    out.write_text("".join(lines[:keep]) + lines[keep][: len(lines[keep]) // 2])
    kept = load_done(out, fmt)
    assert len(kept) == 3
    kept_ids = {r["id"] for r in kept}
    missing = [r for r in full if r["id"] not in kept_ids]
    graded = []
    import gdflow.checks.grade.runner as runner

    real = runner.run_tasks

    def spy(tasks, **kw):
        tasks = list(tasks)
        graded.extend(answer_key(t.student, t.question, t.answer, t.spec) for t in tasks)
        return real(tasks, **kw)

    runner.run_tasks = spy
    try:
        counts = grade_class(spec, ROWS, str(out), fmt)
    finally:
        runner.run_tasks = real
    # exactly the answers that were not in the file are graded again (by a worker, unless
    # they name an unknown question, which is answered directly)
    assert sorted(graded) == sorted(r["id"] for r in missing if r["question"] != "3")
    assert graded
    again = load_done(out, fmt)
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in full)
    assert {r["student"] + r["question"]: r["verdict"] for r in again} == {
        r["student"] + r["question"]: r["verdict"] for r in full
    }
    if fmt == "json":
        assert len(json.loads(out.read_text())) == 6
    assert sum(counts.values()) == 6


def _processes_naming(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (from /proc; Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if text in cmd and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_killed_run_keeps_what_it_wrote_and_a_rerun_finishes(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("timeout = 5", "timeout = 1"))
    answers = tmp_path / "answers.csv"
    slow = "(5000!)^99{}"  # an integer of 16 million digits: runs into the 1 s timeout
    # (an exponential tower is no longer slow: it is refused at once as an overflow); six
    # different texts, since the same text by several students is graded once
    answers.write_text(
        "student,question,answer\n" + "".join(f"s{i},1,{slow.format(i)}\n" for i in range(6))
    )
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gdflow.checks.grade", str(spec), str(answers), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parents[1],
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(load_done(out, "jsonl")) < 2:
        time.sleep(0.1)
    workers = _processes_naming(str(spec))
    assert workers  # the run's forked workers carry its command line
    proc.kill()
    proc.wait()
    # the workers die with their parent: none is left waiting for a task forever
    gone = time.monotonic() + 30
    while time.monotonic() < gone and _processes_naming(str(spec)):
        time.sleep(0.2)
    assert not _processes_naming(str(spec))
    before = load_done(out, "jsonl")
    assert 2 <= len(before) < 6  # streamed, and the kill came before the end
    assert all(r["verdict"] == "timeout" for r in before)
    assert main([str(spec), str(answers), "-o", str(out), "--jobs", "2"]) == 0
    after = load_done(out, "jsonl")
    assert len(after) == 6 and {r["student"] for r in after} == {f"s{i}" for i in range(6)}
    assert [r["id"] for r in after[: len(before)]] == [r["id"] for r in before]


def test_cli_single_answer_and_errors(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    assert main([str(spec), "--question", "1", "--answer", "-0.4", "--format", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["verdict"] == "incorrect" and "ascent" in rec["feedback"]
    assert rec["counterexample"]["answer"] == "-2/5" and rec["counterexample"]["reference"] == "2/5"
    assert main([str(spec), "--question", "9", "--answer", "1"]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text(SPEC.replace('learning_rate = "0.1"', 'learning_rate = "0.1"\nexpected = "1/2"'))
    assert main([str(bad), "--question", "1", "--answer", "1"]) == 2
    assert "question 1: key `expected`" in capsys.readouterr().err
    csv_bad = tmp_path / "a.csv"
    csv_bad.write_text("name,question,answer\nx,1,2\n")
    with pytest.raises(AnswersError, match="missing column"):
        read_answers(csv_bad)
    assert main([str(spec), str(csv_bad)]) == 2


def test_refuses_to_overwrite_a_foreign_output_file(spec, tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("my notes\nline two\n")
    with pytest.raises(AnswersError, match="refusing to overwrite"):
        grade_class(spec, ROWS, str(out), "jsonl")
    assert out.read_text() == "my notes\nline two\n"


def test_csv_with_a_byte_order_mark(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes('\ufeffstudent,question,answer\nann,1,"[1, 2]"\n'.encode())
    assert read_answers(p) == [("ann", "1", "[1, 2]")]


def test_a_changed_spec_grades_again_and_keeps_the_old_results(spec, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    rows = [("ann", "1", "0.4")]
    grade_class(spec, rows, str(out), "jsonl")
    fixed = loads_spec(
        SPEC.replace('learning_rate = "0.1"', 'learning_rate = "0.2"')
    )  # x1 = 0.8 now
    assert fixed.fingerprint != spec.fingerprint
    grade_class(fixed, rows, str(out), "jsonl")
    recs = load_done(out, "jsonl")
    assert [r["verdict"] for r in recs] == ["correct", "incorrect"]
    assert "another version of the spec" in capsys.readouterr().err
    grade_class(fixed, rows, str(out), "jsonl")  # nothing new to do
    assert len(load_done(out, "jsonl")) == 2


def test_points_by_student(spec, capsys):
    from gdflow.checks.grade.runner import points_by_student

    recs = [
        {"student": "ann", "question": "1", "verdict": "correct"},
        {"student": "ann", "question": "1", "verdict": "incorrect"},  # a second try: best counts
        {"student": "ann", "question": "2", "verdict": "correct"},
        {"student": "bob", "question": "2", "verdict": "invalid"},
        {"student": "bob", "question": "9", "verdict": "correct"},
    ]  # no such question: 0
    assert points_by_student(spec, recs) == {"ann": 2.0, "bob": 0.0}
    grade_class(spec, ROWS, None, "jsonl")
    err = capsys.readouterr().err
    assert "grade: points by student (of 2):" in err
    lines = {line.split()[0]: line.split()[1] for line in err.splitlines() if line[:2] == "  "}
    assert lines == {"ann": "2", "bob": "0", "cid": "0"}


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_cli_single_answer_output_file_keeps_its_format(tmp_path, capsys, fmt):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    answers = tmp_path / "a.csv"
    answers.write_text("student,question,answer\nann,1,0.4\n")
    out = tmp_path / f"out.{fmt}"
    assert main([str(spec), str(answers), "-o", str(out), "--format", fmt]) == 0
    assert (
        main([str(spec), "--question", "1", "--answer", "-0.4", "-o", str(out), "--format", fmt])
        == 0
    )
    printed = capsys.readouterr().out
    recs = load_done(out, fmt)
    assert [r["verdict"] for r in recs] == ["correct", "incorrect"]
    text = out.read_text()
    if fmt == "table":
        assert (
            text.splitlines()[0].startswith("student | question")
            and "question 1: incorrect" in printed
        )
    elif fmt == "json":
        assert [r["verdict"] for r in json.loads(text)] == ["correct", "incorrect"]
        assert json.loads(printed)["verdict"] == "incorrect"
    else:
        assert [json.loads(line)["verdict"] for line in text.splitlines()] == [
            "correct",
            "incorrect",
        ]


def test_a_record_holds_its_verdict_as_the_plain_word():
    rec = result("ann", "1", "0.4", Verdict.CORRECT, "correct")
    assert type(rec["verdict"]) is str and rec["verdict"] == "correct" == Verdict.CORRECT
    assert json.loads(json.dumps(rec))["verdict"] == Verdict.CORRECT
    assert result("ann", "1", "0.4", "timeout", "slow")["verdict"] == Verdict.TIMEOUT
    with pytest.raises(ValueError, match="great"):
        result("ann", "1", "0.4", "great", "")
    assert [str(v) for v in Verdict] == ["correct", "incorrect", "invalid", "timeout", "error"]
    assert Verdict.ERROR not in Verdict.answered() and len(Verdict.answered()) == 4
