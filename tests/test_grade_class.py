"""Grading a whole class (issue 14): one bad row never stops the class, spec errors name the
question, key and entry without computing, answers are timed by CPU in a reused pool of
workers, and the terminal output is readable."""

import io
import json

import pytest

from gdflow.checks.grade.cli import main
from gdflow.checks.grade.runner import FIELD_LIMIT, Row, grade_class, read_answers
from gdflow.checks.grade.spec import loads_spec

SPEC = """
title = "class"
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
kind = "gd_step"
start = [1, 2]
gradient = [2.5, -1.2]
learning_rate = 0.1
"""


@pytest.fixture(scope="module")
def spec():
    return loads_spec(SPEC)


def _class_file(tmp_path):
    """A class CSV (CRLF line ends) with a cell that is not UTF-8, a cell longer than the CSV
    field limit, a CRLF inside a quoted cell, a row with too few cells and good rows."""
    p = tmp_path / "class.csv"
    p.write_bytes(
        b"student,question,answer\r\n"
        b"ann,1,0.4\r\n"
        b'bob,1,"0.4 caf\xe9"\r\n'
        b'cid,2,"[0.75,\r\n 2.12]"\r\n'
        b"dan,1," + b"9" * (FIELD_LIMIT + 10) + b"\r\n"
        b"eve,1,-0.4\r\n"
        b"fay,1\r\n"
        b'gus,2,"[0.75, 2.12]"\r\n'
    )
    return p


def test_read_answers_keeps_every_row_and_names_the_bad_ones(tmp_path):
    rows = read_answers(_class_file(tmp_path))
    assert [r[0] for r in rows] == ["ann", "bob", "cid", "dan", "eve", "fay", "gus"]
    by = {r[0]: r for r in rows}
    assert all(isinstance(r, Row) for r in rows)
    # a row is a (student, question, answer) tuple: it compares and unpacks as one
    assert by["ann"] == ("ann", "1", "0.4") and by["ann"].problem is None
    assert by["bob"].problem.startswith("line 3 (student 'bob'):")
    assert "UTF-8" in by["bob"].problem and "0xE9" in by["bob"].problem
    # the CRLF inside the quoted cell is a line break of the answer, the row is fine
    assert by["cid"].problem is None and by["cid"][2] == "[0.75,\n 2.12]" and by["cid"].line == 4
    assert by["dan"].problem.startswith("line 6 (student 'dan'):")
    assert str(FIELD_LIMIT) in by["dan"].problem
    assert by["fay"].problem.startswith("line 8 (student 'fay'):")
    assert by["gus"].line == 9 and by["gus"].problem is None


def test_a_class_with_bad_rows_is_graded_row_by_row(spec, tmp_path):
    rows = read_answers(_class_file(tmp_path))
    buf = io.StringIO()
    counts = grade_class(spec, rows, None, "jsonl", stdout=buf, log=io.StringIO())
    recs = {r["student"]: r for r in map(json.loads, buf.getvalue().splitlines())}
    assert set(recs) == {"ann", "bob", "cid", "dan", "eve", "fay", "gus"}
    assert "error" not in counts
    assert {s: recs[s]["verdict"] for s in recs} == {
        "ann": "correct",
        "bob": "invalid",
        "cid": "correct",
        "dan": "invalid",
        "eve": "incorrect",
        "fay": "invalid",
        "gus": "correct",
    }
    assert "line 3" in recs["bob"]["feedback"] and "bob" in recs["bob"]["feedback"]
    assert "line 6" in recs["dan"]["feedback"]
    assert len(recs["dan"]["answer"]) < 300  # the record keeps a short head of the huge cell


def test_cli_grades_a_class_with_a_bad_row_and_exits_0(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out.jsonl"
    assert main([str(spec), str(_class_file(tmp_path)), "-o", str(out)]) == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == 7 and not [r for r in recs if r["verdict"] == "error"]
    # a rerun finds all seven (the unreadable rows too) and grades nothing
    capsys.readouterr()
    assert main([str(spec), str(_class_file(tmp_path)), "-o", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 7
    assert "7 answer(s) already" in capsys.readouterr().err
