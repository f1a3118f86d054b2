"""examples/verify/: every true step is verified and every wrong step (a line marked ``SLIP``)
is rejected at its line with a counterexample; ``gdflow verify`` exits 1 on each of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdflow.checks.verify_tex import verify_chain

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "verify").glob("*.*"))


def test_the_examples_exist():
    names = {p.name for p in EXAMPLES}
    assert {
        "gd_error.tex",
        "gd_closed_form.tex",
        "pseudoinverse.tex",
        "ridge.md",
        "residual_ode.tex",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_true_steps_verified_and_slips_rejected_with_line_and_counterexample(path):
    text = path.read_text()
    slips = {
        n
        for n, line in enumerate(text.splitlines(), 1)
        if "SLIP" in line and not line.lstrip().startswith(("%", "<!--"))
    }
    assert slips, "each example has one wrong step"
    records = verify_chain(text, markdown=path.suffix == ".md")
    assert all(r.relation is not None for r in records), [r.detail for r in records]
    rejected = {r.line for r in records if r.verdict == "rejected"}
    assert rejected == slips
    for r in records:
        if r.line in slips:
            assert r.counterexample, r
        else:
            assert r.verdict == "verified", r
            assert r.level in ("proved", "checked", "evidence")
