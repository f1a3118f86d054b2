"""adaptive.rotation_invariance: levels of its steps, its counterexamples checked independently,
and its update rules evaluated against gdflow.checks.optimizers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gdflow.checks import optimizers as opt
from gdflow.derive import adaptive
from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Level, Refuted

ID = "adaptive.rotation_invariance"


@pytest.fixture(scope="module")
def derivation():
    return get(ID)


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("gd", Level.CHECKED),
        ("heavy_ball", Level.CHECKED),
        ("adagrad_rotation", Level.PROVED),
        ("rmsprop_rotation", Level.PROVED),
        ("adam_rotation", Level.PROVED),
        ("adagrad_scale", Level.PROVED),
        ("rmsprop_scale", Level.PROVED),
        ("adam_scale", Level.PROVED),
        ("adam_scale_eps", Level.PROVED),
        ("adagrad_scale_eps", Level.PROVED),
    ],
)
def test_levels(derivation, label: str, level: Level) -> None:
    cert = derivation.step(label).certificate
    assert cert is not None and cert.ok and cert.level is level, (label, cert)


@pytest.mark.parametrize("label", ["adagrad_rotation", "rmsprop_rotation", "adam_rotation"])
def test_rotation_counterexample_holds_with_eps_zero_at_g_1_1(derivation, label: str) -> None:
    # independent of the engine: eps = 0, g = (1, 1), rotation by the 3-4-5 angle, rates 1/2
    claim = derivation.step(label).claim
    assert isinstance(claim, Refuted)
    at = {
        adaptive.eps: 0,
        adaptive.g1: 1,
        adaptive.g2: 1,
        adaptive.rho: sp.Rational(1, 2),
        adaptive.beta1: sp.Rational(1, 2),
        adaptive.beta2: sp.Rational(1, 2),
    }
    lhs = sp.simplify(claim.lhs.subs(at))
    rhs = sp.simplify(claim.rhs.subs(at))
    assert lhs != rhs
    if label != "rmsprop_rotation":  # sign(Q^T g) = (1, -1), Q (1, -1) = (7/5, 1/5)
        assert lhs == sp.Matrix([sp.Rational(7, 5), sp.Rational(1, 5)])
        assert rhs == sp.Matrix([1, 1])


def test_rotation_counterexamples_are_at_admissible_eps(derivation) -> None:
    for label in ("adagrad_rotation", "rmsprop_rotation", "adam_rotation", "adam_scale_eps"):
        ce = derivation.step(label).certificate.counterexample
        assert ce is not None and sp.Rational(ce["epsilon"]) >= 0, (label, ce)


def test_adam_definition_matches_the_numeric_step(derivation) -> None:
    # the stated Adam update, evaluated at one point, against checks.optimizers.adam_step
    defs = [s.claim for s in derivation.steps if getattr(s.claim, "lhs", None) is not None]
    m_def = next(c.rhs for c in defs if c.lhs == adaptive.m_new)
    v_def = [c.rhs for c in defs if c.lhs == adaptive.v_new][-1]
    w_def = [c.rhs for c in defs if c.lhs == adaptive.w_new][-1]
    vals = {
        adaptive.m_i: sp.Rational(1, 3),
        adaptive.v_i: sp.Rational(1, 7),
        adaptive.g_i: sp.Rational(-2, 5),
        adaptive.w_i: sp.Rational(3, 2),
        adaptive.beta1: sp.Rational(9, 10),
        adaptive.beta2: sp.Rational(999, 1000),
        adaptive.alpha: sp.Rational(1, 100),
        adaptive.eps: sp.Rational(1, 10**8),
        adaptive.tstep: 3,
    }
    m_new = m_def.subs(vals)
    v_new = v_def.subs(vals)
    exact = w_def.subs({**vals, adaptive.m_new: m_new, adaptive.v_new: v_new})
    state = opt.AdamState(np.array([1 / 3]), np.array([1 / 7]), 2)
    w, st = opt.adam_step([1.5], state, [-0.4], 0.01, 0.9, 0.999, 1e-8)
    assert st.t == 3
    np.testing.assert_allclose(w, [float(exact)], rtol=1e-14)
