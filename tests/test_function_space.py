"""Training in function space (derive.function_space): residual, trainability, parameters, "
"predictions."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Assumptions, Identity, Refuted
from gdflow.derive.function_space import (
    KERNEL,
    parameter_evolution,
    prediction_coefficients,
    residual_evolution,
)
from gdflow.derive.matrices import MatExp, Pinv
from gdflow.derive.notation import D, K, N, X, t, y
from gdflow.derive.verify import verify_claim

IDS = ["flow.residual", "flow.trainability", "flow.parameter_evolution", "flow.predictions"]

w0 = sp.MatrixSymbol("w^(0)", D, 1)
xs = sp.MatrixSymbol("x_star", D, 1)
r0 = X * w0 - y
IN, ID = sp.Identity(N), sp.Identity(D)
E = MatExp(-K * t)
W_T = w0 - X.T * Pinv(K) * (IN - E) * r0


@pytest.mark.parametrize("derivation_id", IDS)
def test_every_function_space_derivation_verifies(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert d.verified, bad


def test_parameter_evolution_solves_the_flow_for_any_rank():
    """The derivative of w(t) is -grad L at w(t), checked on rank-deficient X as well."""
    cert = verify_claim(Identity((W_T).diff(t), -X.T * (X * W_T - y)), KERNEL)
    assert cert.ok and cert.level == "checked", str(cert)
    shapes = re.findall(r"X: (\d+)x(\d+) rank (\d+)", cert.detail)
    assert any(int(r) < min(int(a), int(b)) for a, b, r in shapes), (
        f"no rank-deficient X among {shapes}"
    )


WRONG = {
    "K in place of its pseudoinverse": Identity(
        W_T.diff(t), -X.T * (X * (w0 - X.T * K * (IN - E) * r0) - y)
    ),
    "I + e^{-Kt}": Identity(
        sp.expand(W_T.diff(t)), -X.T * (X * (w0 - X.T * Pinv(K) * (IN + E) * r0) - y)
    ),
    "limit without the null-space part of w0": Identity(w0 - X.T * Pinv(K) * r0, Pinv(X) * y),
    "limit with X^T in place of X^+": Identity(
        w0 - X.T * Pinv(K) * r0, (ID - X.T * X) * w0 + X.T * y
    ),
    "residual limit I - K^+ (wrong projector size)": Identity(
        (IN - K * Pinv(K)) * r0, sp.ZeroMatrix(N, 1)
    ),
    "prediction coefficient b without E": Identity(
        xs.T * W_T, (X * xs).T * Pinv(K) * (IN - E) * y + (xs - X.T * Pinv(K) * X * xs).T * w0
    ),
    "overdetermined form with X X^T in the exponent": Identity(
        sp.MatrixSymbol("v", D, 1) + MatExp(-X.T * X * t) * w0,
        sp.MatrixSymbol("v", D, 1) + X.T * X * MatExp(-X.T * X * t) * w0,
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_function_space_steps_rejected(name):
    cert = verify_claim(WRONG[name], KERNEL)
    assert not cert.ok and cert.method == "rejected", (name, str(cert))


def test_trainability_counterexample_for_singular_kernel():
    d = get("flow.trainability")
    refuted = [s for s in d.steps if isinstance(s.claim, Refuted)]
    assert refuted and all(s.certificate.method == "counterexample" for s in refuted)
    # and full rank K is trainable: I - KK^+ = 0 when K is positive definite
    assert verify_claim(
        Identity(IN - K * Pinv(K), sp.ZeroMatrix(N, N)), Assumptions(matrices={K: "pd"})
    ).ok
    singular = verify_claim(
        Identity(IN - K * Pinv(K), sp.ZeroMatrix(N, N)),
        Assumptions(matrices={K: "singular_psd"}, sizes={N: (2, 3)}),
    )
    assert not singular.ok and singular.method == "rejected", str(singular)


# -- the exact evaluators ------------------------------------------------------------------------

R = sp.Rational
LINE_X = [[R(1, 5), 1], [R(2, 5), 1], [R(4, 5), 1]]
LINE_Y = [R(-1, 10), R(3, 20), R(3, 10)]
LINE_W0 = [R(-1, 20), R(-2, 5)]


def test_three_point_limits_exact():
    """000's line fit: the flow ends at the least-squares line slope 5/8, intercept -7/40 (the
    normal equations by hand: x̄ = 7/15, ȳ = 7/60, Sxy/Sxx = (7/60)/(14/75) = 5/8); the residual
    left over is the least-squares residual (1/20, -3/40, 1/40): K = XX^T has rank 2 < 3, so the
    three points cannot be fitted exactly."""
    assert parameter_evolution(LINE_X, LINE_Y, LINE_W0, sp.oo) == sp.Matrix([R(5, 8), R(-7, 40)])
    assert residual_evolution(LINE_X, LINE_Y, LINE_W0, sp.oo) == sp.Matrix(
        [R(1, 20), R(-3, 40), R(1, 40)]
    )
    a, b = prediction_coefficients(LINE_X, LINE_Y, [R(3, 5), 1], sp.oo)
    assert sp.simplify(a + (b.T * sp.Matrix(LINE_W0))[0, 0]) == R(1, 5)  # 3/5 * 5/8 - 7/40


def test_exact_evaluators_agree_at_finite_time():
    tv = R(1, 2)
    w = parameter_evolution(LINE_X, LINE_Y, LINE_W0, tv)
    r = residual_evolution(LINE_X, LINE_Y, LINE_W0, tv)
    Xm = sp.Matrix(LINE_X)
    diff = (Xm * w - sp.Matrix(LINE_Y) - r).applyfunc(lambda e: sp.N(e, 40))
    assert max(abs(v) for v in diff) < sp.Float("1e-35")
    a, b = prediction_coefficients(LINE_X, LINE_Y, [R(3, 5), 1], tv)
    pred = a + (b.T * sp.Matrix(LINE_W0))[0, 0]
    assert abs(sp.N(pred - (sp.Matrix([[R(3, 5), 1]]) * w)[0, 0], 40)) < sp.Float("1e-35")


def test_evaluators_check_shapes():
    with pytest.raises(ValueError, match="one entry per row"):
        residual_evolution([[1, 0]], [1, 2], [0, 0])
    with pytest.raises(ValueError, match="w0 must have one entry per column"):
        parameter_evolution([[1, 0]], [1], [0])
    with pytest.raises(ValueError, match="x_star must have one entry per column"):
        prediction_coefficients([[1, 0]], [1], [0])
