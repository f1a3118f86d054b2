"""search.* (003, issue 12): the steepest descent direction, exact line search and
backtracking, every step verified at its honest level; facts held against independent witnesses
(numpy, scipy, plain iteration) and the refuted source claims' counterexamples checked in plain
arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gdflow.derive.catalogue import MODULES, get
from gdflow.derive.derivation import Level

STEEPEST_LEVELS = {
    "directional": Level.STATED,
    "lagrange": Level.PROVED,
    "cauchy_schwarz": Level.CHECKED,
    "lower_bound": Level.CHECKED,
    "unit_candidate": Level.PROVED,
    "attained": Level.PROVED,
    "attained_value": Level.PROVED,
    "min_cos": Level.PROVED,
}


def _levels(derivation_id: str) -> dict[str, Level | None]:
    d = get(derivation_id)
    assert d.verified, [(s.label, str(s.certificate)) for s in d.all_steps if not s.verified]
    return {s.label: s.certificate.level for s in d.all_steps if s.label}


def test_registered_after_convexity():
    assert MODULES.index("search") == MODULES.index("convexity") + 1


def test_steepest_descent_levels():
    assert _levels("search.steepest_descent") == STEEPEST_LEVELS
    d = get("search.steepest_descent")
    assert d.result == d.step("lower_bound").claim
    assert [s.label for s in d.source_claims] == ["min_cos"]


def test_steepest_direction_against_numpy():
    """Among many random unit directions none beats -g/|g|, which attains -|g|."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = rng.normal(size=4) * rng.uniform(0.1, 10)
        u = rng.normal(size=(2000, 4))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        norm = np.linalg.norm(g)
        assert (u @ g >= -norm * (1 + 1e-12)).all()
        best = -g / norm
        assert np.isclose(best @ g, -norm, rtol=1e-14)


def test_min_cos_claim_counterexample():
    """003's min_u |g| cos(theta) = min_u cos(theta) fails at |g| = 2: -2 against -1."""
    g = np.array([2.0, 0.0])
    theta = np.linspace(0, 2 * np.pi, 3601)
    lhs = min(np.linalg.norm(g) * np.cos(theta))
    rhs = min(np.cos(theta))
    assert lhs == pytest.approx(-2.0) and rhs == pytest.approx(-1.0)
    assert Fraction(2) * -1 != Fraction(-1)
