"""Issue 14: the JSON records of a class name each row's variant when the class CSV has a
``variant`` column (the id of the variant file graded against), and are unchanged without one."""

import json

from gdflow.checks.grade.cli import main
from gdflow.checks.grade.grader import RESULT_KEYS
from gdflow.checks.grade.runner import read_answers

SPEC = """
title = "records"
[[question]]
id = "1"
kind = "gd_step"
objective = "x**2 - 4*x + 5"
variables = ["x"]
start = [0]
learning_rate = "RATE"
"""


def _variants(tmp_path):
    d = tmp_path / "variants"
    d.mkdir()
    for i, rate in ((1, "0.1"), (2, "0.2"), (3, "0.3")):  # x1 = 0.4, 0.8, 1.2
        (d / f"variant-{i:02d}.toml").write_text(SPEC.replace("RATE", rate))
    return d


def _records(path, fmt):
    text = path.read_text()
    if fmt == "json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


def test_the_variant_column_is_read_and_absent_is_none(tmp_path):
    with_col = tmp_path / "a.csv"
    with_col.write_text("student,variant,question,answer\nann,3,1,0.4\nbob,,1,0.4\n")
    without = tmp_path / "b.csv"
    without.write_text("student,question,answer\nann,1,0.4\n")
    assert [r.variant for r in read_answers(with_col)] == ["3", ""]
    assert [r.variant for r in read_answers(without)] == [None]


def test_records_graded_against_variants_carry_the_variant_file_id(tmp_path):
    d = _variants(tmp_path)
    csv = tmp_path / "class.csv"
    csv.write_text(
        "student,variant,question,answer\n"
        "ann,1,1,0.4\n"  # variant 01: correct
        "bob,02,1,0.8\n"  # variant 02: correct
        "cid,variant-03,1,0.4\n"  # variant 03 wants 1.2: incorrect
        "dan,variant-03.toml,1,1.2\n"  # correct
        "eve,7,1,0.4\n"  # no such variant: invalid, the cell as written
        "fay,,1,0.4\n"  # no variant: invalid, null
    )
    for fmt in ("json", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        assert main([str(d), str(csv), "-o", str(out), "--format", fmt, "--jobs", "2"]) == 0
        recs = {r["student"]: r for r in _records(out, fmt)}
        got = {s: (r["variant"], r["verdict"]) for s, r in recs.items()}
        assert got == {
            "ann": ("01", "correct"),
            "bob": ("02", "correct"),
            "cid": ("03", "incorrect"),
            "dan": ("03", "correct"),
            "eve": ("7", "invalid"),
            "fay": (None, "invalid"),
        }
        # the other keys are those of a record without variants, `variant` after `question`
        keys = list(recs["ann"])
        assert keys == [*RESULT_KEYS[:3], "variant", *RESULT_KEYS[3:]]


def test_records_of_one_spec_keep_the_cell_and_without_the_column_have_no_key(tmp_path):
    d = _variants(tmp_path)
    spec = d / "variant-01.toml"
    csv = tmp_path / "class.csv"
    csv.write_text("student,variant,question,answer\nann,variant-01,1,0.4\nbob,,1,0.4\n")
    out = tmp_path / "out.jsonl"
    assert main([str(spec), str(csv), "-o", str(out)]) == 0
    recs = {r["student"]: r for r in _records(out, "jsonl")}
    assert recs["ann"]["variant"] == "variant-01" and recs["bob"]["variant"] is None
    assert recs["ann"]["verdict"] == recs["bob"]["verdict"] == "correct"
    plain = tmp_path / "plain.csv"
    plain.write_text("student,question,answer\nann,1,0.4\n")
    out2 = tmp_path / "out2.jsonl"
    assert main([str(spec), str(plain), "-o", str(out2)]) == 0
    (rec,) = _records(out2, "jsonl")
    assert list(rec) == RESULT_KEYS
    # the id does not depend on the variant column: the same row graded either way is one answer
    assert rec["id"] == recs["ann"]["id"]


def test_a_rerun_keeps_the_variant_of_earlier_records(tmp_path, capsys):
    d = _variants(tmp_path)
    csv = tmp_path / "class.csv"
    csv.write_text("student,variant,question,answer\nann,2,1,0.8\n")
    out = tmp_path / "out.jsonl"
    assert main([str(d), str(csv), "-o", str(out)]) == 0
    csv.write_text("student,variant,question,answer\nann,2,1,0.8\nbob,3,1,1.2\n")
    capsys.readouterr()
    assert main([str(d), str(csv), "-o", str(out)]) == 0
    assert "1 of the 2 answer(s) are already graded" in capsys.readouterr().err
    recs = {r["student"]: r["variant"] for r in _records(out, "jsonl")}
    assert recs == {"ann": "02", "bob": "03"}
