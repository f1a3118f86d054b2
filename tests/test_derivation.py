"""The data model: levels and methods defined once, frozen steps and derivations, and the
one protocol every reader of claims goes through."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy as sp

from gdflow.derive.derivation import (
    Assumptions,
    Certificate,
    Claim,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Level,
    Method,
    Recurrence,
    Refuted,
    Source,
    Step,
)

x, y = sp.symbols("x y", real=True)
k = sp.Symbol("k", integer=True, nonnegative=True)

ONE_OF_EACH: list[Claim] = [
    Identity(x + x, 2 * x),
    Holds(x**2 >= 0),
    Equivalent(x > 1, 2 * x > 2, x),
    Recurrence(sp.Symbol("u^(k)"), 2**k, k, lambda prev, i: 2 * prev, sp.Integer(1)),
    Refuted(x + x, 3 * x),
    Definition(y, x + 1),
]


class _KindOf:
    """A visitor that answers with the name of the method it was called through."""

    def identity(self, claim: Identity) -> str:
        return "identity"

    def holds(self, claim: Holds) -> str:
        return "holds"

    def equivalent(self, claim: Equivalent) -> str:
        return "equivalent"

    def recurrence(self, claim: Recurrence) -> str:
        return "recurrence"

    def refuted(self, claim: Refuted) -> str:
        return "refuted"

    def definition(self, claim: Definition) -> str:
        return "definition"


def test_every_claim_kind_dispatches_to_its_own_method():
    assert {type(c) for c in ONE_OF_EACH} == set(Claim.__subclasses__())
    for claim in ONE_OF_EACH:
        assert claim.accept(_KindOf()) == claim.kind


def test_a_claim_class_without_accept_cannot_be_made():
    @dataclasses.dataclass(frozen=True)
    class Vague(Claim):
        what: sp.Basic

    with pytest.raises(TypeError):
        Vague(x)


def test_claim_parts_key_and_definitions():
    assert Identity(x, 0).parts() == (x, sp.Integer(0))
    assert Identity(x, 0).key() == ("Identity", x, sp.Integer(0))
    rec = ONE_OF_EACH[3]
    assert isinstance(rec, Recurrence)
    assert rec.key() == ("recurrence", rec.name, rec.solution, rec.index, rec.initial)
    assert Definition(y, x + 1).defines() == (y, x + 1)
    assert Definition(x > 0).defines() is None
    assert all(c.defines() is None for c in ONE_OF_EACH[:5])


def test_levels_and_methods_are_their_words():
    assert [str(level) for level in Level] == ["proved", "checked", "evidence", "stated"]
    assert Method.EXACT_INSTANTIATION == "exact instantiation"
    assert json.dumps({"level": Level.CHECKED}) == '{"level": "checked"}'
    assert Level.weakest("proved", Level.EVIDENCE, "checked") is Level.EVIDENCE
    assert Level.weakest("proved") is Level.PROVED
    with pytest.raises(ValueError):
        Level.weakest()


def test_a_certificate_reads_its_method_and_level_as_members():
    cert = Certificate(True, "symbolic", "the difference simplifies to 0", level="proved")
    assert cert.method is Method.SYMBOLIC and cert.level is Level.PROVED
    assert Certificate(False, "unverified").level is None
    with pytest.raises(ValueError, match="guessed"):
        Certificate(True, "guessed")
    with pytest.raises(ValueError, match="certain"):
        Certificate(True, "symbolic", level="certain")


def _derivation(steps: list[Step]) -> Derivation:
    return Derivation("t.frozen", "frozen", Source("hand.txt", "§0"), Assumptions(), steps)


def test_steps_and_derivations_are_frozen():
    step = Step(Identity(x + x, 2 * x), "double")
    d = _derivation([step])
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.certificate = Certificate(True, "symbolic", level="proved")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.steps = ()  # type: ignore[misc]
    assert isinstance(d.steps, tuple) and isinstance(d.source_claims, tuple)
    assert d.result == step.claim and d.all_steps == (step,)
    with pytest.raises(ValueError, match="no steps"):
        _derivation([])


def test_the_list_a_derivation_was_built_from_does_not_change_it():
    steps = [Step(Identity(x + x, 2 * x), "double")]
    d = _derivation(steps)
    steps.append(Step(Identity(x * 1, x), "one"))
    assert len(d.steps) == 1
