"""The verification ladder on hand-made right and wrong claims, one table per claim kind."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.derivation import (
    Assumptions,
    Definition,
    Equivalent,
    Holds,
    Identity,
    Recurrence,
    Refuted,
)
from derive.matrices import Pinv, random_instance, rational_orthogonal
from derive.notation import A, I, alpha, b, c, k, n, w, x_j
from derive.verify import _numeric_decide, explicit, verify_claim

B = sp.MatrixSymbol("B", n, 3)
PSD = Assumptions(matrices={A: "psd"})
x = x_j
y = sp.Symbol("y", real=True)

IDENTITIES = [
    # (claim, assumptions, expected ok, expected method or None)
    (Identity((I - alpha * A) * w - alpha * b, w - alpha * (A * w + b)), PSD, True, "symbolic"),
    (Identity(A * Pinv(A) * A, A), PSD, True, "exact instantiation"),
    (Identity(Pinv(A) * A * Pinv(A), Pinv(A)), PSD, True, "exact instantiation"),
    (Identity(B * Pinv(B) * B, B), Assumptions(), True, "exact instantiation"),
    (Identity(A * Pinv(A) * A, Pinv(A)), PSD, False, "rejected"),
    (Identity((I - alpha * A) * w - alpha * b, (I + alpha * A) * w - alpha * b), PSD, False, "rejected"),
    (Identity(A * w, w.T), PSD, False, "rejected"),  # shapes differ
    (Identity(A * w, alpha), PSD, False, "rejected"),  # matrix vs scalar
    (Identity(B * Pinv(B), Pinv(B) * B), Assumptions(), False, "rejected"),  # wrong side, non-square
    (Identity(sp.exp(x) * sp.exp(y), sp.exp(x + y)), Assumptions(), True, "symbolic"),
    (Identity((1 - x) ** (k + 1), (1 - x) * (1 - x) ** k), Assumptions(), True, "symbolic"),
    (Identity((1 - x) ** (k + 1), (1 - x) ** k), Assumptions(), False, "rejected"),
    (Identity(sp.Abs(y), y), Assumptions(), False, "rejected"),
    (Identity(sp.sqrt(y**2), y), Assumptions(conditions=(y > 0,)), True, None),
]


@pytest.mark.parametrize("claim,assume,ok,method", IDENTITIES)
def test_identities(claim, assume, ok, method):
    cert = verify_claim(claim, assume)
    assert cert.ok is ok, cert
    if method:
        assert cert.method == method, cert


def test_rejection_carries_an_admissible_counterexample():
    cert = verify_claim(Identity(A * Pinv(A), I), PSD)
    assert not cert.ok and cert.method == "rejected"
    inst = sp.Matrix(eval_list(cert.counterexample["A"]))
    assert inst == inst.T and inst.rank() < inst.rows  # a singular PSD matrix: where A A^+ != I
    assert all(ev >= 0 for ev in inst.eigenvals())


def eval_list(rows):
    return [[sp.Rational(v) for v in row] for row in rows]


CONDITIONS = [
    (Holds(sp.And(1 - x > 0, 1 - x < 1)), Assumptions(conditions=(x < 1,)), True),
    (Holds(sp.And(1 - x > 0, 1 - x < 1)), Assumptions(conditions=(x < 2,)), False),
    (Holds(1 - x < -1), Assumptions(conditions=(x > 2,)), True),
    (Holds(1 - x < -1), Assumptions(conditions=(x >= 2,)), False),
    (Equivalent(sp.Abs(1 - x) < 1, sp.And(x > 0, x < 2), x), Assumptions(), True),
    (Equivalent(sp.Abs(1 - x) < 1, sp.And(x > 0, x <= 2), x), Assumptions(), False),
    (Equivalent(sp.Abs(1 - x) < 1, x < 3, x), Assumptions(), False),
]


@pytest.mark.parametrize("claim,assume,ok", CONDITIONS)
def test_conditions(claim, assume, ok):
    assert verify_claim(claim, assume).ok is ok


def test_multivariate_condition_is_never_passed_by_sampling():
    """x^2 + y^2 >= 2xy is true, but the ladder has no symbolic decision for two variables:
    sampling may refute, never prove, so the claim stays unverified."""
    yp = sp.Symbol("yp", positive=True)
    cert = verify_claim(Holds(x**2 + yp**2 >= 2 * x * yp), Assumptions())
    assert not cert.ok and cert.method == "unverified"


def test_multivariate_condition_is_refuted_by_sampling():
    yp = sp.Symbol("yp", positive=True)
    cert = verify_claim(Holds(x**2 + yp**2 >= 3 * x * yp), Assumptions())
    assert not cert.ok and cert.method == "rejected"


def test_recurrence_by_induction():
    def gd(v, _k):
        return v - alpha * (A * v + b)

    winf = -Pinv(A) * b + (I - Pinv(A) * A) * w
    assume = Assumptions(matrices={A: "psd"}, definitions={b: A * c})
    good = Recurrence(w, winf + (I - alpha * A) ** k * (w - winf), k, gd, w)
    assert verify_claim(good, assume).method == "induction"
    wrong_start = Recurrence(w, winf + (I - alpha * A) ** (k + 1) * (w - winf), k, gd, w)
    assert verify_claim(wrong_start, assume).method == "rejected"
    # b outside range(A): the closed form with A^+ is wrong, and must be caught
    outside = Recurrence(w, winf + (I - alpha * A) ** k * (w - winf), k, gd, w)
    assert not verify_claim(outside, Assumptions(matrices={A: "singular_psd"})).ok


def test_refuted_needs_a_real_counterexample():
    assert verify_claim(Refuted(A * Pinv(A), I), PSD).method == "counterexample"
    assert verify_claim(Refuted(A * Pinv(A) * A, A), PSD).method == "rejected"
    assert verify_claim(Refuted(x + x, 2 * x), Assumptions()).method == "rejected"


def test_definitions_are_labelled_not_proved():
    cert = verify_claim(Definition(w, A * b), Assumptions())
    assert cert.ok and cert.method == "definition"


def test_a_crashing_check_is_unverified():
    class Broken(sp.Function):
        def _eval_evalf(self, prec):
            raise RuntimeError("boom")

    cert = verify_claim(Identity(Broken(x), x + 1), Assumptions())
    assert not cert.ok


def test_numeric_rungs_reject_tiny_differences():
    method, ok, _ = _numeric_decide([(sp.sqrt(2) + sp.Rational(1, 10**50), sp.sqrt(2))])
    assert method == "rigorous enclosure" and not ok
    method, ok, _ = _numeric_decide([(sp.sqrt(2) * sp.sqrt(3), sp.sqrt(6))])
    assert method == "rigorous enclosure" and ok
    # no arb evaluation for this function: falls back to 60-digit mpmath
    method, ok, _ = _numeric_decide([(sp.erf(1) + sp.erfc(1), sp.Integer(1))])
    assert method == "high precision" and ok


def test_explicit_instances():
    import random

    rng = random.Random(1)
    q = rational_orthogonal(rng, 4)
    assert q * q.T == sp.eye(4)
    m = random_instance(rng, "singular_psd", 4, 4)
    assert m.rank() < 4 and m == m.T
    val = explicit(((I - alpha * A) ** k).xreplace({n: 2, A: sp.ImmutableMatrix([[1, 0], [0, 0]]), alpha: 2, k: 3}))
    assert val == sp.ImmutableMatrix([[-1, 0], [0, 1]])


def test_a_step_that_states_nothing_is_not_passed():
    """x = x as built (SymPy evaluated the interesting part away) must not be certified."""
    cert = verify_claim(Identity(A * (-A.I * b) + b, sp.ZeroMatrix(n, 1)), Assumptions(matrices={A: "pd"}))
    assert not cert.ok and "same expression" in cert.detail
