"""Soundness: every catalogue step is accepted, and every wrong variant of it is rejected.

A verifier that accepts a wrong step is the worst bug gdflow can have.  For each step of each
derivation this suite makes mutants (tests/mutants.py: sign flip, dropped factor, swapped
product, exponent k -> k+1, I - alpha A -> I + alpha A, pseudoinverse on the wrong side) and
requires the verifier to reject each mutant that an independent float oracle shows to be a
different statement.  (A mutation can leave a step true, e.g. swapping two commuting
matrices; the oracle, plain float64 evaluation at instances drawn with another seed, is what
tells those apart, and they are counted separately.)  Each kind must be exercised: the suite
fails if a kind produced too few non-equivalent mutants to mean anything.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
import sympy as sp

import derive
from derive.catalogue import get, ids
from derive.derivation import Equivalent, Holds, Identity, Recurrence
from derive.verify import admissible_instances, explicit, verify_claim
from tests.mutants import KINDS, mutants

ORACLE_SEED = 987654


def _values(expr, subs):
    v = explicit(expr.xreplace(subs))
    if isinstance(v, sp.MatrixBase):
        return v.shape, [complex(sp.N(x, 30)) for x in v]
    return (), [complex(sp.N(v, 30))]


def differs(original, mutant, assume) -> bool | None:
    """Float oracle: True if some admissible instance tells the two expressions apart,
    False if five instances agree, None if no instance could be evaluated."""
    original, mutant = assume.substitute(original), assume.substitute(mutant)
    rng = random.Random(ORACLE_SEED)
    seen = 0
    for subs in admissible_instances([original, mutant], assume, rng, 5):
        try:
            so, vo = _values(original, subs)
        except Exception:
            continue
        try:
            sm, vm = _values(mutant, subs)
        except Exception:
            return True  # the mutant cannot even be evaluated (shapes do not compose)
        seen += 1
        if so != sm:
            return True
        scale = max(1.0, *(abs(x) for x in vo))
        if any(abs(a - b) > 1e-9 * scale for a, b in zip(vo, vm, strict=True)):
            return True
    return False if seen else None


def _mutated_claims(claim, kind):
    if isinstance(claim, Identity):
        for m in mutants(claim.rhs, kind):
            yield claim.rhs, m, Identity(claim.lhs, m)
    elif isinstance(claim, Recurrence):
        for m in mutants(claim.solution, kind):
            yield claim.solution, m, Recurrence(claim.name, m, claim.index, claim.update, claim.initial)


TALLY: Counter = Counter()


@pytest.mark.parametrize("derivation_id", ids())
def test_every_step_accepted(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert not bad, bad


@pytest.mark.parametrize("derivation_id", ids())
def test_mutants_rejected(derivation_id):
    d = get(derivation_id, verified=False)
    accepted = []
    for i, step in enumerate(d.steps):
        assume = d.assumptions.merged(step.given)
        for kind in KINDS:
            for original, mutant, claim in _mutated_claims(step.claim, kind):
                verdict = differs(original, mutant, assume)
                if verdict is not True:
                    TALLY[(kind, "equivalent or unevaluable")] += 1
                    continue
                TALLY[(kind, "tested")] += 1
                cert = verify_claim(claim, assume, seed=i)
                if cert.ok:
                    accepted.append((step.reason, kind, str(mutant), str(cert)))
    assert not accepted, "the verifier accepted wrong steps:\n" + "\n".join(map(str, accepted))


def test_every_mutation_kind_was_exercised():
    """Runs after the parametrized tests above (pytest keeps file order)."""
    if not TALLY:
        pytest.skip("run together with test_mutants_rejected")
    for kind in KINDS:
        assert TALLY[(kind, "tested")] >= 3, f"mutation kind {kind!r} produced only {TALLY[(kind, 'tested')]} testable mutants: {dict(TALLY)}"


@pytest.mark.parametrize("derivation_id", ids())
def test_condition_mutants_rejected(derivation_id):
    """Negated conditions, and equivalences with a boundary moved, are rejected."""
    d = get(derivation_id, verified=False)
    for step in d.steps:
        assume = d.assumptions.merged(step.given)
        c = step.claim
        if isinstance(c, Holds):
            assert not verify_claim(Holds(sp.Not(c.condition)), assume).ok, step.reason
        if isinstance(c, Equivalent):
            moved = c.right.xreplace({r: _loosen(r) for r in c.right.atoms(sp.StrictLessThan, sp.StrictGreaterThan)})
            if moved != c.right:
                assert not verify_claim(Equivalent(c.left, moved, c.var), assume).ok, step.reason


def _loosen(rel):
    return sp.Le(rel.lhs, rel.rhs) if isinstance(rel, sp.StrictLessThan) else sp.Ge(rel.lhs, rel.rhs)


def test_public_surface():
    assert "gd.closed_form" in derive.ids()
