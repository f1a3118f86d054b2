"""gdflow.derive.pseudoinverse: pinv.properties, ridge.solution, ridge.limit and
ridge.implicit_regularisation.

Every derivation verifies; typical wrong steps (sign flip, N misplaced, the pseudoinverse on the
wrong side or transposed, a wrong limit) are rejected; the exact public functions agree with
hand-computed values and with each other.
"""

from __future__ import annotations

import pytest
import sympy as sp

from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Assumptions, Equivalent, Identity, Recurrence
from gdflow.derive.latex import render_derivation
from gdflow.derive.matrices import Pinv
from gdflow.derive.notation import D, N, Phi, alpha, k, lam, n, tt
from gdflow.derive.pseudoinverse import (
    _A_LAM,
    _B_LS,
    _LS,
    _W_LAM,
    GD_FROM_ZERO,
    RIDGE_LIMIT,
    RIDGE_SOLUTION,
    B,
    Bsq,
    MatrixLimit,
    a_lmax,
    m,
    ridge_expression,
    ridge_limit,
    ridge_solution,
    ridge_step_size_bound,
    s_,
    w_lam,
)
from gdflow.derive.verify import verify_claim

IDS = ["pinv.properties", "ridge.solution", "ridge.limit", "ridge.implicit_regularisation"]
ANY_B = Assumptions(sizes={m: (1, 2, 3, 4), n: (1, 2, 3)})
ID_ = sp.Identity(D)


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_verifies(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert not bad, bad
    tex = render_derivation(d)
    assert r"\label{eq:" + derivation_id + "}" in tex and "NOT VERIFIED" not in tex


def test_source_claims_are_refuted_by_counterexample():
    d = get("ridge.solution")
    assert len(d.source_claims) == 2
    for step in d.source_claims:
        assert step.certificate.method == "counterexample", step.certificate
        assert step.certificate.counterexample


def test_ridge_limit_is_decided_by_instances_and_by_the_eigen_form():
    d = get("ridge.limit")
    methods = [s.certificate.method for s in d.steps]
    assert methods[-1] == "exact instantiation"  # the MatrixLimit claim, instance by instance
    assert "symbolic" in methods  # the scalar limits per singular value
    assert r"\lim_{\lambda \to 0^{+}}" in render_derivation(d)


def rejected(claim, assume=_LS) -> bool:
    cert = verify_claim(claim, assume)
    return not cert.ok and cert.method == "rejected"


# -- wrong steps --------------------------------------------------------------------------------


def test_n_misplaced_is_rejected():
    src = ridge_expression(scale="sum")  # (Phi^T Phi + lam I)^-1 Phi^T t
    assert rejected(
        Identity(_A_LAM * src + _B_LS, sp.ZeroMatrix(D, 1)),
        Assumptions(sizes={N: (2, 3, 4), D: (1, 2, 3)}),
    )
    # the error identity with lam instead of N lam
    wrong = -lam * sp.Inverse(Phi.T * Phi + N * lam * ID_) * Pinv(Phi) * tt
    assert rejected(
        Identity(w_lam - Pinv(Phi) * tt, wrong),
        Assumptions(definitions={w_lam: _W_LAM}, sizes={N: (2, 3, 4), D: (1, 2, 3)}),
    )


def test_sign_flip_is_rejected():
    defs = Assumptions(definitions={w_lam: _W_LAM}, sizes={N: (1, 2, 3), D: (1, 2, 3)})
    assert verify_claim(Identity(w_lam, -sp.Inverse(_A_LAM) * _B_LS), defs).ok
    assert rejected(Identity(w_lam, sp.Inverse(_A_LAM) * _B_LS), defs)


def test_transposed_pseudoinverse_is_rejected():
    assert verify_claim(Identity(Pinv(B.T * B) * B.T, Pinv(B)), ANY_B).ok
    assert rejected(Identity(Pinv(B.T * B) * B.T, Pinv(B).T), ANY_B)  # shapes differ for m != n
    square = Assumptions(sizes={n: (2, 3)})
    cert = verify_claim(Identity(Pinv(Bsq.T * Bsq) * Bsq.T, Pinv(Bsq).T), square)
    assert cert.method == "rejected" and cert.counterexample, cert


def test_projector_on_the_wrong_side_is_rejected():
    # non-square Phi: Phi Phi^dagger (N x N) is not Phi^dagger Phi (D x D)
    rect = Assumptions(sizes={N: (3, 4), D: (1, 2)})
    assert verify_claim(Identity(Phi.T * Phi * Pinv(Phi.T * Phi), Pinv(Phi) * Phi), rect).ok
    assert rejected(Identity(Phi.T * Phi * Pinv(Phi.T * Phi), Phi * Pinv(Phi)), rect)
    # same shape, wrong side: the minimum-norm argument needs I - B^dagger B, not I - B B^dagger
    square = Assumptions(sizes={n: (2, 3)})
    u = sp.MatrixSymbol("u", n, 1)
    lhs = Pinv(Bsq) * Bsq * u
    assert verify_claim(Identity(lhs, Pinv(Bsq.T * Bsq) * (Bsq.T * Bsq * u)), square).ok
    assert rejected(Identity(Bsq * Pinv(Bsq) * u, Pinv(Bsq.T * Bsq) * (Bsq.T * Bsq * u)), square)


def test_wrong_limit_is_rejected():
    assert rejected(Identity(MatrixLimit(_W_LAM, lam, 0), 2 * Pinv(Phi) * tt))
    assert rejected(
        Identity(MatrixLimit(_W_LAM, lam, 0), Phi.T * tt / N),
        Assumptions(sizes={N: (2, 3), D: (2, 3)}),
    )
    s = sp.Symbol("s", positive=True)
    assert rejected(Identity(sp.Limit(s / (s**2 + N * lam), lam, 0, "+"), 1 / s**2), Assumptions())


def test_wrong_step_bound_is_rejected():
    left = sp.And(alpha * a_lmax > 0, alpha * a_lmax < 2)
    assert verify_claim(
        Equivalent(left, sp.And(alpha > 0, alpha < 2 / a_lmax), alpha), Assumptions()
    ).ok
    assert rejected(Equivalent(left, sp.And(alpha > 0, alpha < 1 / a_lmax), alpha), Assumptions())


# -- exact public functions ------------------------------------------------------------------


RANK1 = [[1, 2], [2, 4], [0, 0]]  # 3x2 of rank 1
T3 = [1, 0, 2]


def test_ridge_solution_scales():
    # hand computation: Phi^T Phi = [[5, 10], [10, 20]], Phi^T t = [1, 2]; mean scale adds N lam = 3
    # lam
    w = ridge_solution(RANK1, T3, 1)
    assert w == sp.Matrix([sp.Rational(1, 28), sp.Rational(2, 28)])
    w_sum = ridge_solution(RANK1, T3, 1, scale="sum")
    assert w_sum == sp.Matrix([sp.Rational(1, 26), sp.Rational(2, 26)])
    # the sum-scale solution at lam is the mean-scale one at lam / N
    assert ridge_solution(RANK1, T3, sp.Rational(1, 3)) == w_sum


def test_float_inputs_are_converted_exactly():
    """0.1 is read as 1/10 (its decimal form), not as the nearest binary double: the result is
    exact and equals the one from rational inputs."""
    w = ridge_solution([[0.5]], [1], 1)
    assert w == sp.Matrix([sp.Rational(2, 5)]) and all(isinstance(e, sp.Rational) for e in w)
    assert ridge_solution(RANK1, T3, 0.1) == ridge_solution(RANK1, T3, sp.Rational(1, 10))
    assert ridge_solution([[0.1, 0.2]], [0.3], "1/10", scale="sum") == ridge_solution(
        [[sp.Rational(1, 10), sp.Rational(1, 5)]],
        [sp.Rational(3, 10)],
        sp.Rational(1, 10),
        scale="sum",
    )
    assert ridge_limit([[0.1], [0.1]], [0.1, 0.3]) == sp.Matrix([2])


def test_ridge_limit_is_the_limit_of_ridge_solution():
    lam_s = sp.Symbol("lam", positive=True)
    w = ridge_solution(RANK1, T3, lam_s)
    assert (
        w.applyfunc(lambda e: sp.limit(e, lam_s, 0, "+"))
        == ridge_limit(RANK1, T3)
        == sp.Matrix([sp.Rational(1, 25), sp.Rational(2, 25)])
    )
    wide = [[1, 0, 1], [2, 0, 2]]  # 2x3 of rank 1
    w = ridge_solution(wide, [1, 1], lam_s, scale="sum")
    assert w.applyfunc(lambda e: sp.limit(e, lam_s, 0, "+")) == ridge_limit(wide, [1, 1])


def test_ridge_step_size_bound():
    assert ridge_step_size_bound([[2, 0], [0, 0]], "1/2") == sp.Rational(4, 5)  # a_max = 4/2 = 2
    assert ridge_step_size_bound([[2, 0], [0, 0]], "1/2", scale="sum") == sp.Rational(
        4, 9
    )  # a_max = 4


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ridge_solution(RANK1, T3, 0), "lam must be > 0"),
        (lambda: ridge_solution(RANK1, [1, 2], 1), "one entry per row of Phi"),
        (lambda: ridge_solution(RANK1, T3, 1, scale="half"), "scale must be"),
        (lambda: ridge_step_size_bound(RANK1, -1), "lam must be > 0"),
    ],
)
def test_errors_quote_the_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_matrix_limit_node():
    x = sp.Symbol("x", positive=True)
    node = MatrixLimit(sp.ImmutableMatrix([[x / (x + x**2), 1 / (1 + x)]]), x, 0)
    assert node.doit() == sp.Matrix([[1, 1]])
    assert x not in node.free_symbols and node.shape == (1, 2)
    with pytest.raises(TypeError, match="matrix expression"):
        MatrixLimit(x, x, 0)


# -- formulas as data --------------------------------------------------------------------------

FORMULAS = [
    ("ridge.solution", "w"),
    ("ridge.limit", "w"),
    ("ridge.implicit_regularisation", "w"),
]


def _proved_side(claim: object) -> sp.Basic:
    """The side of a claim that a formula must be identical to: an identity's right-hand side,
    a recurrence's solution."""
    if isinstance(claim, Recurrence):
        return claim.solution
    assert isinstance(claim, Identity), claim
    return claim.rhs


@pytest.mark.parametrize("derivation_id, key", FORMULAS)
def test_formula_is_the_right_hand_side_of_a_verified_step(derivation_id, key):
    d = get(derivation_id)
    f = d.formulas[key]
    step = d.step(f.step)
    assert _proved_side(step.claim) == f.expr, (step.claim, f.expr)
    assert step.verified, step.certificate
    spectral = d.step(f.spectral_step)
    assert _proved_side(spectral.claim) == f.spectral and spectral.verified, spectral.certificate
    assert f.spectral_params[0] == s_ and set(f.spectral_params) == f.spectral.free_symbols
    assert d.formula is f  # the derivation's one formula


def test_formula_spectral_forms_agree_with_the_matrix_forms():
    """On a diagonal Φ (its own SVD with U = V = I), the spectral forms give the matrix forms."""
    P = sp.Matrix([[2, 0], [0, 3], [0, 0]])  # N = 3, s = (2, 3)
    t = sp.Matrix([1, -2, 5])  # tau = (1, -2)
    lam_v, alpha_v, k_v = sp.Rational(1, 7), sp.Rational(1, 5), 4
    values = {Phi: sp.ImmutableMatrix(P), tt: sp.ImmutableMatrix(t), N: 3, D: 2}
    cases = [
        (RIDGE_SOLUTION, {lam: lam_v}, lambda s, tau: (s, tau, lam_v, 3)),
        (RIDGE_LIMIT, {}, lambda s, tau: (s, tau)),
        (GD_FROM_ZERO, {alpha: alpha_v, k: k_v}, lambda s, tau: (s, tau, alpha_v, k_v, 3)),
    ]
    for formula, extra, args in cases:
        exact = sp.Matrix(formula.instantiate({**values, **extra}))
        f = formula.spectral_function(modules="sympy")
        spectral = sp.Matrix([sp.nsimplify(f(*args(s, tau))) for s, tau in ((2, 1), (3, -2))])
        assert exact == spectral, (formula.name, exact, spectral)


def test_exact_helpers_instantiate_the_formula(monkeypatch):
    """ridge_solution and ridge_limit evaluate the catalogue's Formula: an edited copy (a
    factor 2) is followed exactly."""
    import dataclasses

    import gdflow.derive.pseudoinverse as pi

    before = ridge_solution(RANK1, T3, 1)
    limit = ridge_limit(RANK1, T3)
    monkeypatch.setattr(
        pi, "RIDGE_SOLUTION", dataclasses.replace(RIDGE_SOLUTION, expr=2 * RIDGE_SOLUTION.expr)
    )
    monkeypatch.setattr(
        pi, "RIDGE_LIMIT", dataclasses.replace(RIDGE_LIMIT, expr=3 * RIDGE_LIMIT.expr)
    )
    assert ridge_solution(RANK1, T3, 1) == 2 * before
    assert ridge_limit(RANK1, T3) == 3 * limit


def test_formula_instantiation_needs_every_parameter():
    with pytest.raises(KeyError, match="no value for lambda"):
        RIDGE_SOLUTION.instantiate({Phi: sp.ImmutableMatrix([[1]]), tt: sp.ImmutableMatrix([1])})
