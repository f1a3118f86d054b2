"""Statuses: one enum, read from a certificate and nothing else, counted in its order."""

from __future__ import annotations

import json

from gdflow.derive.derivation import Certificate, Level
from gdflow.derive.report import Status, counts, mark, status, step_status
from tests.certified import every_failure, every_level

EXPECTED = {
    "stated": Status.STATED,
    "proved": Status.PROVED,
    "checked": Status.CHECKED,
    "evidence": Status.EVIDENCE,
    "induction": Status.PROVED,
    "refuted": Status.PROVED,
    "unverified": Status.UNVERIFIED,
    "time": Status.OUT_OF_TIME,
    "vacuous": Status.VACUOUS,
    "rejected": Status.REJECTED,
    "no_level": Status.NO_LEVEL,
}


def test_each_hand_certified_step_has_its_status():
    steps = [*every_level().all_steps, *every_failure().all_steps]
    assert {s.label: step_status(s) for s in steps} == EXPECTED
    assert status(None) is Status.NOT_CHECKED


def test_the_levels_are_the_passing_statuses():
    assert [s for s in Status if s.passed] == [Status(level) for level in Level]
    failing = [Status.REJECTED, Status.UNVERIFIED, Status.OUT_OF_TIME, Status.VACUOUS]
    assert [s for s in Status if s.failed] == failing
    assert not (Status.NO_LEVEL.passed or Status.NO_LEVEL.failed)


def test_a_failing_certificate_never_shows_a_level():
    # a rejection keeps the level of its refutation; the status says it failed
    rejected = Certificate(False, "rejected", "fails at x = 1", level="proved")
    assert status(rejected) is Status.REJECTED and mark(rejected) == "rejected"
    # a failing certificate of a deciding method is undecided for a reader, never passed
    assert status(Certificate(False, "symbolic", "out of time")) is Status.UNVERIFIED


def test_counts_name_every_status_in_order_as_plain_words():
    n = counts([*every_level().all_steps, *every_failure().all_steps])
    assert list(n) == [s.value for s in Status]
    assert all(type(key) is str for key in n)
    assert sum(n.values()) == len(EXPECTED)
    assert n["proved"] == 3 and n[Status.OUT_OF_TIME] == 1 and n["not checked"] == 0
    assert json.loads(json.dumps(n)) == n
