"""Derivations certified by hand, one step at each level and one at each way of failing.

The certificates are set explicitly (not by the verifier), so the tests of the renderers
(text, JSON, Markdown, LaTeX, the summary line) know exactly which level every step has.
"""

from __future__ import annotations

import sympy as sp

from gdflow.derive.derivation import (
    Assumptions,
    Certificate,
    Definition,
    Derivation,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from gdflow.derive.matrices import Pinv

x, y, c = sp.symbols("x y c")
k = sp.Symbol("k", integer=True, nonnegative=True)
n = sp.Symbol("n", integer=True, positive=True)
M = sp.MatrixSymbol("M", n, n)
u = sp.Symbol("u^(k)")

PROVED = Certificate(True, "symbolic", "the difference simplifies to 0", level="proved")
CHECKED = Certificate(
    True, "exact instantiation", "exact agreement on every stratum at sizes n=5,6", level="checked"
)
EVIDENCE = Certificate(
    True, "rigorous enclosure", "arb balls at 200 bits contain 0 at 12 instances", level="evidence"
)
STATED = Certificate(True, "definition", "stated, not proved", level="stated")
INDUCTION = Certificate(
    True, "induction", "base case: symbolic; inductive step: symbolic", level="proved"
)
REFUTED = Certificate(True, "counterexample", "x = 1", counterexample={"x": "1"}, level="proved")

UNVERIFIED = Certificate(False, "unverified", "no symbolic decision; 40 admissible samples agree")
OUT_OF_TIME = Certificate(False, "unverified", "ran out of time (3 s)")
VACUOUS = Certificate(False, "vacuous", "the assumptions x > 1 and x < 0 cannot both hold")
REJECTED = Certificate(
    False, "rejected", "fails at x = 1", counterexample={"x": "1"}, level="proved"
)
NO_LEVEL = Certificate(
    True, "symbolic", "the difference simplifies to 0"
)  # an engine bug: ok without a level


def _source() -> Source:
    return Source("hand.txt", "§0")


def every_level() -> Derivation:
    """Six steps and claims: 3 proved (one by induction, one a refuted source claim), 1 checked
    at n=5,6, 1 evidence, 1 stated."""
    steps = [
        Step(Definition(y, x + 1), "let y be x + 1", certificate=STATED, label="stated"),
        Step(Identity(x * (y + 1), x * y + x), "expand", certificate=PROVED, label="proved"),
        Step(
            Identity(M * Pinv(M) * M, M),
            "a pseudoinverse identity",
            certificate=CHECKED,
            label="checked",
        ),
        Step(
            Identity(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1),
            "Pythagoras",
            certificate=EVIDENCE,
            label="evidence",
        ),
        Step(
            Recurrence(u, c * 2**k, k, lambda prev, i: 2 * prev, c),
            "doubling at every step",
            certificate=INDUCTION,
            label="induction",
        ),
    ]
    source = [
        Step(
            Refuted(x + x, 3 * x),
            "the source doubles wrongly",
            certificate=REFUTED,
            label="refuted",
        )
    ]
    return Derivation(
        "hand.levels",
        "Every level",
        _source(),
        Assumptions(text=("x is real",)),
        steps,
        source_claims=source,
    )


def every_failure() -> Derivation:
    """Five steps: unverified, unverified (time), vacuous, rejected, and one ok without a level."""
    steps = [
        Step(
            Identity(sp.gamma(x + 1), x * sp.gamma(x)),
            "undecided",
            certificate=UNVERIFIED,
            label="unverified",
        ),
        Step(
            Identity(sp.sin(x) ** 4, sp.sin(x) ** 2 - sp.sin(x) ** 2 * sp.cos(x) ** 2),
            "slow",
            certificate=OUT_OF_TIME,
            label="time",
        ),
        Step(
            Identity(x, x + 0 * y),
            "under contradictory assumptions",
            certificate=VACUOUS,
            label="vacuous",
        ),
        Step(Identity(x + x, 3 * x), "a wrong step", certificate=REJECTED, label="rejected"),
        Step(
            Identity(x * (x + 1), x**2 + x),
            "ok, but the certificate has no level",
            certificate=NO_LEVEL,
            label="no_level",
        ),
    ]
    return Derivation("hand.failures", "Every failure", _source(), Assumptions(), steps)
