"""The gdflow command: list, derive (every format), exit codes, helpful errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from checks.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "checks.cli", *args], capture_output=True, text=True, timeout=600)


def test_list_json(capsys):
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id": "gd.closed_form"}.items() <= rows[[r["id"] for r in rows].index("gd.closed_form")].items()


def test_derive_json_shape(capsys):
    assert main(["derive", "gd.closed_form", "gd.step_size_cases", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in out] == ["gd.closed_form", "gd.step_size_cases"]
    for d in out:
        assert set(d) >= {"id", "title", "source", "verified", "steps", "source_claims"}
        for s in d["steps"]:
            assert set(s) >= {"latex", "reason", "verified", "method"}
    assert out[1]["source_claims"] and all(s["method"] == "counterexample" for s in out[1]["source_claims"])


@pytest.mark.parametrize("suffix,marker", [(".tex", r"\begin{document}"), (".md", "$$"), (".json", '"steps"'), (".txt", "[induction]")])
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
