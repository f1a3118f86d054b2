"""The gdflow command: list, derive (every format), exit codes, helpful errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import gdflow.cli
from gdflow.cli import main
from tests.certified import every_failure, every_level


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "gdflow.cli", *args], capture_output=True, text=True, timeout=600
    )


def test_list_json(capsys):
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id": "gd.closed_form"}.items() <= rows[
        [r["id"] for r in rows].index("gd.closed_form")
    ].items()


def test_derive_json_shape(capsys):
    assert main(["derive", "gd.closed_form", "gd.step_size_cases", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in out] == ["gd.closed_form", "gd.step_size_cases"]
    for d in out:
        assert set(d) >= {"id", "title", "source", "verified", "steps", "source_claims"}
        assert set(d["levels"]) >= {
            "proved",
            "checked",
            "evidence",
            "stated",
            "unverified",
            "vacuous",
        }
        assert sum(d["levels"].values()) == len(d["steps"]) + len(d["source_claims"])
        for s in d["steps"]:
            assert set(s) >= {"latex", "reason", "verified", "level", "method"}
    assert out[1]["source_claims"] and all(
        s["method"] == "counterexample" for s in out[1]["source_claims"]
    )


def test_derive_json_carries_the_formulas_as_proved(capsys):
    """Each formula is printed from the Formula object, with the status of the step proving it:
    the JSON a reader gets is the closed form the verifier decided."""
    from gdflow.derive import get
    from gdflow.derive.latex import latex

    assert main(["derive", "gd.closed_form", "--format", "json"]) == 0
    (out,) = json.loads(capsys.readouterr().out)
    d = get("gd.closed_form")
    assert set(out["formulas"]) == set(d.formulas) and out["formulas"]
    for key, f in d.formulas.items():
        got = out["formulas"][key]
        assert got["latex"] == latex(f.expr) and got["name"] == latex(f.name)
        assert got["step"] == f.step and got["params"] == [str(p) for p in f.params]
        assert got["status"] in ("proved", "checked", "stated")
        steps = {s.label: i for i, s in enumerate(d.steps)}
        assert got["status"] == out["steps"][steps[f.step]]["status"]
        assert got["proof"] == list(f.proof)


def test_a_candidate_formula_is_as_strong_as_the_steps_that_prove_it():
    """w(t) is defined as a candidate, then shown to solve the ODE and start at w0: its status
    is the weakest of those steps, not the definition's 'stated'; a failing proof step shows."""
    import dataclasses

    from gdflow.derive import Certificate, get
    from gdflow.derive.report import formula_status

    d = get("flow.parameter_evolution")
    f = d.formulas["w"]
    assert f.proof == ("ode", "initial")
    levels = [d.step(label).certificate.level for label in f.proof]
    expected = "checked" if "checked" in levels else "proved"
    assert formula_status(d, f) == expected != "stated"
    bad = Certificate(False, "rejected", "hand-made failure", level="proved")
    steps = tuple(
        dataclasses.replace(s, certificate=bad) if s.label == "initial" else s for s in d.steps
    )
    assert formula_status(dataclasses.replace(d, steps=steps), f) == "rejected"
    assert formula_status(d, dataclasses.replace(f, proof=())) == "stated"


@pytest.mark.parametrize(
    "suffix,marker",
    [(".tex", r"\begin{document}"), (".md", "$$"), (".json", '"steps"'), (".txt", " · induction]")],
)
def test_derive_output_follows_suffix(tmp_path, suffix, marker):
    out = tmp_path / f"notes{suffix}"
    assert main(["derive", "gd.closed_form", "-o", str(out)]) == 0
    assert marker in out.read_text()


def test_unknown_id_suggests():
    proc = run("derive", "gd.closed_from")
    assert proc.returncode == 2 and "did you mean gd.closed_form" in proc.stderr


def test_derive_needs_ids_or_all():
    proc = run("derive")
    assert proc.returncode == 2 and "--all" in proc.stderr


def test_help_teaches():
    proc = run("--help")
    assert proc.returncode == 0 and "gdflow derive --all -o derivations.pdf" in proc.stdout


def test_check_rejects_zero_examples():
    proc = run("check", "--examples", "0")
    assert proc.returncode == 2 and "must be at least 1; got 0" in proc.stderr


def test_check_unknown_pattern():
    proc = run("check", "-k", "no-such-property")
    assert proc.returncode == 2 and "no property matches" in proc.stderr


# --- levels: every step shows its level, the summary counts them (hand-certified derivations)


@pytest.fixture
def hand(monkeypatch):
    """``gdflow derive hand.levels hand.failures`` reads the derivations of tests/certified.py."""
    table = {"hand.levels": every_level(), "hand.failures": every_failure()}
    monkeypatch.setattr(gdflow.cli, "_ids", lambda requested, everything: requested)
    # the module, not derive.catalogue (which derive/__init__ rebinds to the function catalogue())
    monkeypatch.setattr(sys.modules["gdflow.derive.catalogue"], "get", table.__getitem__)


LEVELS_SUMMARY = (
    "6 steps: 3 proved, 1 checked (sizes n=5,6), 1 evidence, 1 stated; "
    "0 rejected, 0 unverified, 0 vacuous"
)
FAILURES_SUMMARY = (
    "5 steps: 0 proved, 0 checked, 0 evidence, 0 stated; "
    "1 rejected, 1 unverified, 1 unverified (time), 1 vacuous; 1 no level"
)


def test_text_shows_the_level_of_every_step(hand, capsys):
    assert main(["derive", "hand.levels"]) == 0
    captured = capsys.readouterr()
    marks = [
        line.split("]")[0].strip() + "]"
        for line in captured.out.splitlines()
        if line.startswith("  [")
    ]
    assert marks == [
        "[stated · definition]",
        "[proved · symbolic]",
        "[checked at n=5,6 · exact instantiation]",
        "[evidence · rigorous enclosure]",
        "[proved · induction]",
        "[proved · counterexample]",
    ]
    # the checked step's sizes are in its mark; details are printed only for steps not passed
    assert "certificate:" not in captured.out
    progress, last = captured.err.strip().splitlines()
    assert progress.startswith("[1/1] hand.levels: verified (") and progress.endswith(
        LEVELS_SUMMARY
    )
    assert last.startswith("1/1 derivations verified in ") and last.endswith("s; " + LEVELS_SUMMARY)


def test_text_shows_why_a_step_is_not_passed(hand, capsys):
    assert main(["derive", "hand.levels", "hand.failures"]) == 1
    captured = capsys.readouterr()
    out = captured.out.split("hand.failures: Every failure")[1]
    for mark in (
        "[unverified] ",
        "[unverified (time)] ",
        "[vacuous] ",
        "[rejected] ",
        "[no level · symbolic] ",
    ):
        assert "\n  " + mark in out
    assert "certificate: ran out of time (3 s)" in out
    # the progress line names each failing step by its status; the summary counts both derivations
    assert (
        "    [unverified (time)] slow" in captured.err
        and "    [vacuous] under contradictory assumptions" in captured.err
    )
    assert "[2/2] hand.failures: NOT VERIFIED (4 step(s))" in captured.err
    assert (
        captured.err.strip()
        .splitlines()[-1]
        .endswith(
            "11 steps: 3 proved, 1 checked (sizes n=5,6), 1 evidence, 1 stated; "
            "1 rejected, 1 unverified, 1 unverified (time), 1 vacuous; 1 no level"
        )
    )


def test_json_has_the_level_of_every_step_and_the_counts(hand, capsys):
    assert main(["derive", "hand.levels", "hand.failures", "--format", "json"]) == 1
    good, bad = json.loads(capsys.readouterr().out)
    assert [s["level"] for s in good["steps"]] == [
        "stated",
        "proved",
        "checked",
        "evidence",
        "proved",
    ]
    assert [s["level"] for s in good["source_claims"]] == ["proved"]
    assert (
        good["steps"][2]["mark"] == "checked at n=5,6"
        and good["steps"][2]["method"] == "exact instantiation"
    )
    assert good["levels"] == {
        "proved": 3,
        "checked": 1,
        "evidence": 1,
        "stated": 1,
        "rejected": 0,
        "unverified": 0,
        "unverified (time)": 0,
        "vacuous": 0,
        "no level": 0,
        "not checked": 0,
    }
    assert [s["status"] for s in bad["steps"]] == [
        "unverified",
        "unverified (time)",
        "vacuous",
        "rejected",
        "no level",
    ]
    # nothing undecided gets a level; the rejection keeps the level of its refutation
    assert [s["level"] for s in bad["steps"]] == [None, None, None, "proved", None]
    assert {k: v for k, v in bad["levels"].items() if v} == {
        "unverified": 1,
        "unverified (time)": 1,
        "vacuous": 1,
        "rejected": 1,
        "no level": 1,
    }


def test_markdown_shows_the_level_of_every_step(hand, capsys):
    assert main(["derive", "hand.levels", "hand.failures", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    for mark in (
        "stated · definition",
        "proved · symbolic",
        "checked at n=5,6 · exact instantiation",
        "evidence · rigorous enclosure",
        "proved · induction",
        "proved · counterexample",
        "unverified",
        "unverified (time)",
        "vacuous",
        "rejected",
        "no level · symbolic",
    ):
        assert f"**[{mark}]**" in out
    assert f"*{LEVELS_SUMMARY}*" in out and f"*{FAILURES_SUMMARY}*" in out
