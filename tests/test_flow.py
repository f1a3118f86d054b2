"""Gradient flow (derive.flow) and the matrix exponential node (derive.matrices.MatExp)."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Assumptions, Identity
from gdflow.derive.function_space import parameter_evolution
from gdflow.derive.instances import draw_matrix, strata
from gdflow.derive.latex import latex
from gdflow.derive.matrices import (
    MatExp,
    Pinv,
    TimeDerivative,
    diff_t,
    exact_matrix_exp,
    rational_orthogonal,
)
from gdflow.derive.notation import D, K, N, X, t, y
from gdflow.derive.quadratic import gradient, least_squares_quadratic
from gdflow.derive.verify import explicit, verify_claim

FLOW_IDS = ["flow.ode", "flow.gd_limit", "flow.parameter_solution"]

w0 = sp.MatrixSymbol("w^(0)", D, 1)
r0 = X * w0 - y
E = MatExp(-K * t)
KERNEL = Assumptions(
    matrices={X: "rational_svd"}, definitions={K: X * X.T}, sizes={N: (1, 2, 3), D: (1, 2, 3)}
)


@pytest.mark.parametrize("derivation_id", FLOW_IDS)
def test_every_flow_derivation_verifies(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert d.verified, bad


# -- the MatExp node ---------------------------------------------------------------------------


def test_matexp_prints_as_exponential():
    assert latex(MatExp(-K * t)) == r"e^{-\mathbf{K} t}"
    assert latex(MatExp(-X.T * X * t)) == r"e^{-\mathbf{X}^{\top} \mathbf{X} t}"
    assert latex(MatExp(-K * t) * y) == r"e^{-\mathbf{K} t} \mathbf{y}"
    # at t = 0 the argument becomes the zero matrix (not 0*K, which printed e^{K 0})
    assert MatExp(-K * t).subs(t, 0).arg == sp.ZeroMatrix(N, N)
    # and e^{0} prints as what it is, the identity
    assert latex(MatExp(-X.T * X * t / 2).subs(t, 0)) == r"\mathbf{I}"


def test_matexp_shape_transpose_and_derivative():
    assert MatExp(-X.T * X * t).shape == (D, D)
    assert MatExp(-K * t).T == MatExp(-K.T * t)
    assert diff_t(MatExp(-K * t)) == -K * MatExp(-K * t)
    assert diff_t(MatExp(-K)) == sp.ZeroMatrix(N, N)
    with pytest.raises(sp.ShapeError):
        MatExp(X)
    with pytest.raises(TypeError):
        MatExp(t)
    with pytest.raises(NotImplementedError):  # exp(K t^2) is not of the form exp(t B)
        diff_t(MatExp(K * t**2))


def test_time_derivative_node_prints_and_evaluates():
    node = TimeDerivative(E * y)
    assert latex(node).startswith(r"\frac{d}{dt}")
    assert node.doit(differentiate=True) == -K * E * y
    # a plain doit (SymPy calls it while building sums) keeps the node: r(t) may be defined later
    assert isinstance(node.doit(), TimeDerivative)
    r = sp.MatrixSymbol("r", N, 1)
    assert (TimeDerivative(r) + K * r).has(TimeDerivative)
    with pytest.raises(ValueError):
        TimeDerivative(E * y, sp.Rational(1, 2)).doit(differentiate=True)


def test_time_derivative_claims_are_instantiated_after_unfolding():
    """A claim about d/dt of a defined w(t) that does not simplify symbolically is decided at
    exact instances (the ladder differentiates before it substitutes a number for t)."""
    wt = sp.MatrixSymbol("w(t)", D, 1)
    cand = w0 - X.T * Pinv(K) * (sp.Identity(N) - E) * r0
    defs = KERNEL.merged(Assumptions(definitions={wt: cand}))
    cert = verify_claim(Identity(TimeDerivative(wt), -X.T * (X * wt - y)), defs)
    assert cert.ok and cert.level == "checked", str(cert)
    bad = verify_claim(Identity(TimeDerivative(wt), X.T * (X * wt - y)), defs)
    assert bad.method == "rejected", str(bad)


def test_exact_exponential_of_Q_D_Qt():
    """Q diag(d) Q^T with rational orthogonal Q: exp is Q diag(e^{d t}) Q^T exactly."""
    rng = random.Random(3)
    for n in (1, 2, 3, 4):
        Q = rational_orthogonal(rng, n)
        d = [sp.Rational(rng.randint(0, 8), rng.randint(1, 3)) for _ in range(n)]
        tv = sp.Rational(3, 7)
        M = Q * sp.diag(*d) * Q.T
        want = Q * sp.diag(*[sp.exp(-x * tv) for x in d]) * Q.T
        got = explicit(MatExp(-M * tv))
        assert (got - want).applyfunc(sp.simplify) == sp.zeros(n, n)


def test_exact_exponential_refuses_cubic_irrational_spectra():
    with pytest.raises(NotImplementedError):
        exact_matrix_exp(sp.Matrix([[2, 1, 0], [1, 3, 1], [0, 1, 1]]))
    # quadratic factors are fine (the three-point example of 000 has eigenvalues (48 ± √1954)/25)
    m = exact_matrix_exp(-sp.Matrix([[1, 2], [2, 5]]))
    assert all(v.is_real for v in m)


def test_rational_svd_instances_have_rational_spectra():
    rng = random.Random(7)
    for rows, cols in [(3, 2), (2, 3), (3, 3), (1, 2)]:
        for stratum in strata("rational_svd", rows, cols):
            Xv = draw_matrix(rng, "rational_svd", stratum, rows, cols)
            for M in (Xv * Xv.T, Xv.T * Xv):
                assert all(ev.is_rational for ev in M.eigenvals())
        Xf = draw_matrix(
            rng, "rational_svd_full_column_rank", strata("rational_svd_full_column_rank")[0], 3, 2
        )
        assert Xf.rank() == 2


# -- wrong identities with exponentials are rejected -------------------------------------------

RIGHT = Identity(diff_t(E * r0), -K * E * r0)

WRONG_EXP_IDENTITIES = {
    "sign flip of the derivative": Identity(diff_t(E * r0), K * E * r0),
    "sign flip in the exponent": Identity(E * r0, MatExp(K * t) * r0),
    "exp(-Kt) vs exp(-K) t": Identity(E * r0, MatExp(-K) * t * r0),
    "missing factor 1/2 in the exponent": Identity(E * r0, MatExp(-K * t / 2) * r0),
    "missing factor in front": Identity(diff_t(E * r0), -2 * K * E * r0),
    "K^2 in place of K": Identity(E * r0, MatExp(-K * K * t) * r0),
    "first-order truncation": Identity(E * r0, (sp.Identity(N) - K * t) * r0),
    # X^T e^{-XX^T t} X = e^{-X^T X t} X^T X: dropping the X^T X factor
    "X^T X factor dropped when moving X^T through the exponential": Identity(
        X.T * E * X, MatExp(-X.T * X * t)
    ),
    "identity in place of the exponential": Identity(E * r0, r0),
    # the limit is (I - X^+X) w0 + X^+ y: the projector X^+X in place of I - X^+X (shapes fit for
    # non-square X)
    "row-space projector in place of the null-space projector in the limit": Identity(
        w0 - X.T * Pinv(K) * r0, Pinv(X) * X * w0 + Pinv(X) * y
    ),
}


def test_right_exponential_identity_accepted():
    assert verify_claim(RIGHT, KERNEL).ok
    # and X^T e^{-XX^T t} = e^{-X^T X t} X^T (functions of XX^T and X^TX intertwine)
    cert = verify_claim(Identity(X.T * E, MatExp(-X.T * X * t) * X.T), KERNEL)
    assert cert.ok, cert
    assert verify_claim(Identity(X.T * E * X, MatExp(-X.T * X * t) * X.T * X), KERNEL).ok
    assert verify_claim(
        Identity(w0 - X.T * Pinv(K) * r0, (sp.Identity(D) - Pinv(X) * X) * w0 + Pinv(X) * y), KERNEL
    ).ok


@pytest.mark.parametrize("name", sorted(WRONG_EXP_IDENTITIES))
def test_wrong_exponential_identity_rejected(name):
    cert = verify_claim(WRONG_EXP_IDENTITIES[name], KERNEL)
    assert not cert.ok, (name, str(cert))
    assert cert.method == "rejected", (name, str(cert))


def test_numeric_rung_decides_non_rational_instances():
    """With t drawn positive the entries are transcendental (e^{-3t/2}): the arb/mpmath rungs
    decide, and a wrong exponent is rejected there."""
    tp = sp.Symbol("t", positive=True)
    Ep = MatExp(-K * tp)
    bad = verify_claim(Identity(Ep * r0, MatExp(-K * tp * 2) * r0), KERNEL)
    assert bad.method == "rejected", str(bad)
    assert "rigorous enclosure" in bad.detail and bad.level == "proved", str(bad)


# -- the ODE solution against SymPy's dsolve ---------------------------------------------------


@pytest.mark.parametrize(
    "Xv, yv, wv",
    [
        ([[1, 0], [1, 1], [0, 1]], [1, 2, 0], [0, 0]),  # X^T X = [[2, 1], [1, 2]], eigenvalues 1, 3
        ([[1, 0], [0, 2]], [1, -1], [3, 1]),  # decoupled, eigenvalues 1, 4
    ],
)
def test_parameter_solution_agrees_with_dsolve(Xv, yv, wv):
    """The closed form w(t) (flow.parameter_evolution; for full column rank it is w* +
    exp(-X^T X t)(w0 - w*), flow.parameter_solution) is what sympy.dsolve returns for
    dw/dt = -X^T(Xw - y), w(0) = w0."""
    Xm, ym = sp.Matrix(Xv), sp.Matrix(yv)
    ts = sp.Symbol("t")
    fs = [sp.Function(f"w{i}") for i in range(Xm.cols)]
    wv_t = sp.Matrix([f(ts) for f in fs])
    rhs = -Xm.T * (Xm * wv_t - ym)
    eqs = [sp.Eq(sp.diff(wv_t[i], ts), rhs[i]) for i in range(Xm.cols)]
    sol = sp.dsolve(eqs, [f(ts) for f in fs], ics={f(0): v for f, v in zip(fs, wv, strict=True)})
    got = sp.Matrix([s.rhs for s in sol])
    closed = parameter_evolution(Xv, yv, wv, ts)
    assert (got - closed).applyfunc(lambda e: sp.simplify(sp.expand(e))) == sp.zeros(Xm.cols, 1)


def test_least_squares_gradient_and_limit():
    """The sum-scale gradient X^T(Xw - y) (flow.ode) is quadratic.gradient of the sum-scale
    least-squares quadratic; the flow's limit is the least-squares solution for full column
    rank and the projection (I - X^+X)w0 + X^+y otherwise."""
    A_, b_, _ = least_squares_quadratic([[1, 2]], [1], "sum")
    assert gradient(A_, b_, [1, 1]) == sp.Matrix([2, 4])
    assert parameter_evolution([[1, 0], [1, 1], [0, 1]], [1, 2, 0], [5, 5], sp.oo) == sp.Matrix(
        [sp.Rational(4, 3), sp.Rational(1, 3)]
    )
    assert parameter_evolution([[1, 1]], [1], [1, 0], sp.oo) == sp.Matrix([1, 0])


def test_transposed_exponent_rejected_for_a_nonsymmetric_matrix():
    """exp(-K^T t) = exp(-K t) only for symmetric K: for a general 2x2 K the ladder rejects it
    (eigenvalues may be complex: the high-precision rung decides)."""
    assume = Assumptions(matrices={K: "invertible"}, sizes={N: (2,)})
    v = sp.MatrixSymbol("v", N, 1)
    cert = verify_claim(Identity(MatExp(-K * t) * v, MatExp(-K.T * t) * v), assume)
    assert not cert.ok and cert.method == "rejected", str(cert)
    symmetric = Assumptions(matrices={K: "symmetric"}, sizes={N: (2,)})
    assert verify_claim(Identity(MatExp(-K * t) * v, MatExp(-K.T * t) * v), symmetric).ok
