"""The tangent kernel (derive.tangent_kernel): kernel.tangent and kernel.regression (002 §3–4)."""

from __future__ import annotations

import pytest
import sympy as sp

from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Assumptions, Identity, Refuted
from gdflow.derive.latex import render_derivation
from gdflow.derive.notation import N, eta, y
from gdflow.derive.tangent_kernel import first_order_update, tangent_derivation, tangent_kernel
from gdflow.derive.verify import explicit, verify, verify_claim


@pytest.mark.parametrize("derivation_id", ["kernel.tangent", "kernel.regression"])
def test_kernel_derivations_verify(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert d.verified, bad


def test_regression_records_the_false_source_claim_H_equals_K():
    d = get("kernel.regression")
    assert d.source_claims, "002's H = K must be recorded"
    for step in d.source_claims:
        assert isinstance(step.claim, Refuted)
        assert step.certificate.method == "counterexample", str(step.certificate)
    first = d.source_claims[0]
    Km = sp.MatrixSymbol("K", N, N)
    assert first.claim == Refuted(Km * Km, Km)
    Kc = sp.Matrix(sp.sympify(first.certificate.counterexample["K"]))  # the concrete K found
    # a symmetric K with K^2 != K (the engine shrinks its counterexample to small sizes)
    assert Kc.rows == Kc.cols and Kc == Kc.T and Kc * Kc != Kc
    # the example in the reason is the derivation's own H = K^T K at that K
    H = d.step("H_training").claim
    K2 = sp.ImmutableMatrix([[2, 1], [1, 2]])
    assert explicit(H.rhs.xreplace({Km: K2})) == sp.Matrix([[5, 4], [4, 5]])
    assert r"\begin{pmatrix}5&4\\4&5\end{pmatrix}" in first.reason
    tex = render_derivation(d)
    assert "Source claims that do not hold" in tex and r"\neq" in tex


def test_tangent_kernel_of_user_models():
    w1, w2, x, xp = sp.symbols("w1 w2 x xp", real=True)
    assert tangent_kernel(w1 * x + w2, [w1, w2], x, xp) == x * xp + 1
    H = tangent_kernel(w2 * sp.tanh(w1 * x), [w1, w2], x, xp)
    want = w2**2 * x * xp * (1 - sp.tanh(w1 * x) ** 2) * (1 - sp.tanh(w1 * xp) ** 2) + sp.tanh(
        w1 * x
    ) * sp.tanh(w1 * xp)
    assert sp.simplify(H - want) == 0
    with pytest.raises(TypeError):
        tangent_kernel(w1 * x, [], x, xp)


def test_tangent_derivation_for_a_user_supplied_nonlinear_model():
    w1, w2 = sp.symbols("w_1 w_2", real=True)
    x = sp.Symbol("x", real=True)
    d = verify(tangent_derivation(w2 * w1**3 * x, (w1, w2), x))
    assert d.verified, [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert isinstance(
        d.step("exactness").claim, Refuted
    )  # nonlinear: the first-order update is not exact
    lin = verify(tangent_derivation(w1 * x**2 + w2 * x, (w1, w2), x))
    assert lin.verified and isinstance(lin.step("exactness").claim, Identity)  # linear in w: exact


def test_first_order_update_exact_only_for_linear_models():
    w1, w2, x = sp.symbols("w1 w2 x", real=True)
    exact, first = first_order_update(w1 * x + w2, [w1, w2], x, [1, 2], [0, 1])
    assert sp.expand(exact - first) == 0
    exact, first = first_order_update(w2 * w1**2 * x, [w1, w2], x, [1, 2], [0, 1])
    gap = sp.expand(exact - first)
    assert gap != 0 and sp.Poly(gap, eta).monoms()[-1][0] == 2  # lowest power of eta is 2


def test_wrong_kernel_regression_steps_rejected():
    Km = sp.MatrixSymbol("K", N, N)
    al = sp.MatrixSymbol("alpha^(t)", N, 1)
    al1 = sp.MatrixSymbol("alpha^(t+1)", N, 1)
    kx = sp.MatrixSymbol("k_x", N, 1)
    upd = Assumptions(
        matrices={Km: "symmetric"},
        definitions={al1: al - 2 * eta * Km * (Km * al - y)},
        sizes={N: (1, 2, 3)},
    )
    wrong = [
        Identity(kx.T * (al1 - al), -eta * kx.T * (Km * al - y)),  # 002's final line
        Identity(kx.T * (al1 - al), -2 * eta * kx.T * (Km * al - y)),  # H = K with the 2 restored
        Identity(kx.T * (al1 - al), 2 * eta * kx.T * Km * (Km * al - y)),  # sign
        Identity(Km.T * Km, Km),  # H = K on the training inputs
    ]
    for claim in wrong:
        cert = verify_claim(claim, upd)
        assert not cert.ok and cert.method == "rejected", (claim, str(cert))
    alpha_s = sp.MatrixSymbol("alpha_star", N, 1)
    fixed = Assumptions(
        matrices={Km: "pd"}, definitions={alpha_s: Km.inverse() * y}, sizes={N: (1, 2, 3)}
    )
    assert verify_claim(Identity(alpha_s - 2 * eta * Km * (Km * alpha_s - y), alpha_s), fixed).ok
    cert = verify_claim(Identity(alpha_s - 2 * eta * (Km * alpha_s - y) + eta * y, alpha_s), fixed)
    assert not cert.ok and cert.method == "rejected", str(cert)


def test_gradient_of_g_needs_symmetry():
    """grad ||K a - y||^2 = 2K(Ka - y) holds for symmetric K only: 2K^T(Ka - y) in general."""
    Km = sp.MatrixSymbol("K", N, N)
    a = sp.MatrixSymbol("a", N, 1)
    v = sp.MatrixSymbol("v", N, 1)
    e = sp.Symbol("epsilon", real=True)

    def g(z):
        r = Km * z - y
        return r.T * r

    claim = Identity(
        g(a + e * v), g(a) + e * v.T * (2 * Km * (Km * a - y)) + e**2 * (v.T * Km.T * Km * v)
    )
    assert verify_claim(claim, Assumptions(matrices={Km: "symmetric"})).ok
    cert = verify_claim(claim, Assumptions(matrices={Km: "invertible"}, sizes={N: (2, 3)}))
    assert not cert.ok and cert.method == "rejected", str(cert)
