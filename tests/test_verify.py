"""The verification ladder on hand-made right and wrong claims, one table per claim kind."""

from __future__ import annotations

import pytest
import sympy as sp

from gdflow.derive.derivation import (
    Assumptions,
    Definition,
    Equivalent,
    Holds,
    Identity,
    Recurrence,
    Refuted,
)
from gdflow.derive.evaluate import compare
from gdflow.derive.instances import draw_matrix, strata
from gdflow.derive.matrices import Pinv, rational_orthogonal
from gdflow.derive.notation import A, I, alpha, b, c, k, n, w, x_j
from gdflow.derive.verify import explicit, verify_claim

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
    (
        Identity((I - alpha * A) * w - alpha * b, (I + alpha * A) * w - alpha * b),
        PSD,
        False,
        "rejected",
    ),
    (Identity(A * w, w.T), PSD, False, "rejected"),  # shapes differ
    (Identity(A * w, alpha), PSD, False, "rejected"),  # matrix vs scalar
    (
        Identity(B * Pinv(B), Pinv(B) * B),
        Assumptions(),
        False,
        "rejected",
    ),  # wrong side, non-square
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


def test_multivariate_condition_is_checked_not_proved():
    """x^2 + y^2 >= 2xy is true; with two variables the engine decides the set of one of them
    exactly at drawn values of the other: *checked*, never *proved*."""
    yp = sp.Symbol("yp", positive=True)
    cert = verify_claim(Holds(x**2 + yp**2 >= 2 * x * yp), Assumptions())
    assert cert.ok and cert.level == "checked"


def test_multivariate_condition_is_refuted_by_sampling():
    yp = sp.Symbol("yp", positive=True)
    cert = verify_claim(Holds(x**2 + yp**2 >= 3 * x * yp), Assumptions())
    assert not cert.ok and cert.method == "rejected"


_ra, _rb, _rc = sp.symbols("ra rb rc", real=True)
_px, _py = sp.symbols("px py", positive=True)


@pytest.mark.parametrize(
    "condition,witness",
    [
        # false only where two parameters coincide: a set of measure zero no draw meets
        ((_ra - _rb) ** 2 + _rc > _rc, {_ra: 1, _rb: 1, _rc: 0}),
        ((_ra - 2 * _rb) ** 2 > 0, {_ra: 2, _rb: 1}),
        (_px**2 + _py**2 > 2 * _px * _py, {_px: 3, _py: 3}),
        # false at one point only (a = b = c = 0): a critical point of the left side
        (_ra**2 + _rb**2 + _rc**2 > 0, {_ra: 0, _rb: 0, _rc: 0}),
        (sp.Ne((_ra - 1) ** 2 + (_rb + 2) ** 4, 0), {_ra: 1, _rb: -2}),
    ],
)
def test_strict_inequality_failing_on_a_null_set_is_rejected(condition, witness):
    # the witness is a hand-picked admissible point where the condition is false
    assert condition.xreplace(witness) is sp.false
    cert = verify_claim(Holds(condition), Assumptions())
    assert not cert.ok and cert.method == "rejected"


@pytest.mark.parametrize(
    "condition",
    [
        (_ra - _rb) ** 2 + _rc + 1 > _rc,
        _px**2 + _py**2 >= 2 * _px * _py,
        _ra**2 + _rb**2 + _rc**2 + 1 > 0,
        (_ra - 1) ** 2 + (_rb + 2) ** 4 + _rc**2 >= 0,
    ],
)
def test_true_multivariate_conditions_still_pass(condition):
    cert = verify_claim(Holds(condition), Assumptions())
    assert cert.ok


_mn = sp.Symbol("mn", integer=True, positive=True)
_MA = sp.MatrixSymbol("MA", _mn, _mn)
_mw = sp.MatrixSymbol("mw", _mn, 1)


def test_matrix_conditions_are_decided_at_matrix_instances():
    import numpy as np

    quad = sp.Trace(_mw.T * _MA * _mw)
    # witness: a PSD matrix gives w^T A w >= 0 at every w, and w = 0 gives 0 (so "> 0" fails)
    rng = np.random.default_rng(7)
    g = rng.standard_normal((4, 4))
    wv = rng.standard_normal(4)
    assert wv @ (g @ g.T) @ wv >= 0
    psd = Assumptions(matrices={_MA: "psd"})
    cert = verify_claim(Holds(quad >= 0), psd)
    assert cert.ok and cert.level == "checked"  # never proved: instances only
    assert verify_claim(Holds(quad > -1), psd).ok
    cert = verify_claim(Holds(quad > 0), psd)
    assert not cert.ok and cert.method == "rejected"  # at w = 0
    # without PSD, w^T A w >= 0 is false: A = -I, w = e_1 gives -1
    assert not verify_claim(Holds(quad >= 0), Assumptions()).ok
    # w = 0 is tried only where the assumptions allow it: with tr(w^T w) > 0 assumed, the
    # claim tr(w^T w) > 0 holds (a sum of squares of a nonzero vector)
    norm = sp.Trace(_mw.T * _mw)
    assert verify_claim(Holds(norm > 0), Assumptions(conditions=(norm > 0,))).ok
    assert not verify_claim(Holds(norm > 0), Assumptions()).ok


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


def test_balls_reject_tiny_differences_and_accept_shrinking_zeros():
    # 1e-50 next to sqrt(2): a ball of the difference excludes 0 (a rigorous disproof)
    assert compare(sp.sqrt(2) + sp.Rational(1, 10**50), sp.sqrt(2)).verdict == "different"
    # 0.4 next to e^200: the scale of the terms does not hide the gap
    assert compare(sp.exp(200) + sp.Rational(2, 5), sp.exp(200)).verdict == "different"
    assert compare(sp.exp(-200), sp.Integer(0)).verdict == "different"
    same = compare(sp.sin(1) ** 2 + sp.cos(1) ** 2 + sp.exp(1), 1 + sp.E)
    assert same.verdict == "equal" and not same.exact
    same = compare(sp.erf(1) + sp.erfc(1), sp.Integer(1))
    assert same.verdict == "equal" and not same.exact


def test_explicit_instances():
    import random

    rng = random.Random(1)
    q = rational_orthogonal(rng, 4)
    assert q * q.T == sp.eye(4)
    for stratum in strata("singular_psd", 4, 4):
        m = draw_matrix(rng, "singular_psd", stratum, 4, 4)
        assert m.rank() < 4 and m == m.T
    val = explicit(
        ((I - alpha * A) ** k).xreplace(
            {n: 2, A: sp.ImmutableMatrix([[1, 0], [0, 0]]), alpha: 2, k: 3}
        )
    )
    assert val == sp.ImmutableMatrix([[-1, 0], [0, 1]])


def test_a_step_that_states_nothing_is_not_passed():
    """x = x as built (SymPy evaluated the interesting part away) must not be certified."""
    cert = verify_claim(
        Identity(A * (-A.I * b) + b, sp.ZeroMatrix(n, 1)), Assumptions(matrices={A: "pd"})
    )
    assert not cert.ok and "same expression" in cert.detail


def test_a_checked_certificate_names_its_sizes_and_strata():
    cert = verify_claim(Identity(A * Pinv(A) * A, A), PSD)
    assert cert.ok and cert.level == "checked", cert
    assert set(cert.sizes) == {"n"} and min(cert.sizes["n"]) >= 5, cert.sizes
    # every rank stratum of a psd matrix was met: 0, 1, n - 1 and n
    ranks = {int(r) for r in __import__("re").findall(r"A: \d+x\d+ rank (\d+)", cert.detail)}
    assert {0, 1} <= ranks and any(r >= 4 for r in ranks), cert.detail


def test_verify_returns_a_certified_copy_and_leaves_its_input_alone():
    from gdflow.derive.derivation import Derivation, Level, Method, Source, Step
    from gdflow.derive.verify import verify

    steps = [
        Step(Definition(y, x + 1), "let y be x + 1", label="def"),
        Step(Identity(x * (y + 1), x * y + x), "expand", label="expand"),
        Step(Identity(y - 1, x), "y - 1 is x (the definition is in scope)", label="scope"),
    ]
    built = Derivation("t.copy", "copy", Source("hand.txt", "§0"), Assumptions(), steps)
    certified = verify(built)
    assert certified is not built and certified.id == built.id
    assert all(s.certificate is None for s in built.all_steps) and not built.verified
    assert certified.verified
    assert [s.claim for s in certified.steps] == [s.claim for s in built.steps]
    assert [s.label for s in certified.steps] == ["def", "expand", "scope"]
    assert certified.step("def").certificate.level is Level.STATED
    assert certified.step("expand").certificate.method is Method.SYMBOLIC
    # verifying again gives the same certificates, from the built or the certified copy
    assert verify(certified).steps == certified.steps == verify(built).steps


def test_verify_claim_refuses_what_is_not_a_claim():
    with pytest.raises(TypeError, match="not a claim"):
        verify_claim(sp.Eq(x, x), Assumptions())  # type: ignore[arg-type]
