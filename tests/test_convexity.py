"""convexity.strong_rate and convexity.quadratic_constants (001 §5, §2.3): every step verified at
its honest level, independent numeric witnesses of the constants, the refuted source claims'
counterexamples failing in plain arithmetic, and the Theorem 1 property on logistic regression."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.convexity_properties import (
    LogisticProblem,
    contraction_excess,
    logistic_constants,
    logistic_hessian,
    minimum,
)
from gdflow.checks.properties import load_properties, run_checks
from gdflow.derive.catalogue import MODULES, get, ids
from gdflow.derive.convexity import RATE, rate_bound, strong_convexity_constants
from gdflow.derive.derivation import Level, Method

STRONG_RATE_LEVELS = {
    "C2": Level.STATED,
    "T2": Level.PROVED,
    "T1": Level.PROVED,
    "step_square": Level.PROVED,
    "square": Level.CHECKED,
    "C2_step": Level.STATED,
    "descent": Level.CHECKED,
    "eq18": Level.CHECKED,
    "C1": Level.STATED,
    "C1_star": Level.STATED,
    "eq19": Level.CHECKED,
    "pl": Level.CHECKED,
    "theorem": Level.CHECKED,
    "m_le_M": Level.CHECKED,
    "factor": Level.CHECKED,
    "unrolled": Level.PROVED,
    "induction": Level.CHECKED,
}

QUADRATIC_LEVELS = {
    "tangent_gap": Level.CHECKED,
    "rayleigh": Level.CHECKED,
    "rate": Level.PROVED,
    "consistent": Level.CHECKED,
    "quadratic_bound": Level.CHECKED,
    "ls_curvature": Level.PROVED,
    "zero_direction": Level.CHECKED,
    "full_rank": Level.CHECKED,
    "ls_constants": Level.CHECKED,
}


def _levels(derivation_id: str) -> dict[str, Level | None]:
    d = get(derivation_id)
    assert d.verified, [(s.label, str(s.certificate)) for s in d.all_steps if not s.verified]
    return {s.label: s.certificate.level for s in d.all_steps if s.label}


def test_strong_rate_verified_at_its_levels():
    levels = _levels("convexity.strong_rate")
    for label, level in STRONG_RATE_LEVELS.items():
        assert levels[label] == level, label
    d = get("convexity.strong_rate")
    # the hypotheses and their instances are the only stated steps
    stated = {s.label for s in d.steps if s.certificate.level is Level.STATED}
    assert stated == {"C1", "C2", "C2_step", "C1_star"}
    assert all(s.label for s in d.steps)
    assert d.result == d.step("theorem").claim


def test_quadratic_constants_verified_at_its_levels():
    levels = _levels("convexity.quadratic_constants")
    for label, level in QUADRATIC_LEVELS.items():
        assert levels[label] == level, label
    d = get("convexity.quadratic_constants")
    assert not any(s.certificate.level is Level.STATED for s in d.steps)
    for label in ("not_strongly_convex", "one_over_M", "rate_at_2_over_M"):
        cert = d.step(label).certificate
        assert cert.ok and cert.method is Method.COUNTEREXAMPLE and cert.level is Level.PROVED


def test_registered_after_discrete():
    modules = MODULES
    assert modules.index("convexity") == modules.index("discrete") + 1
    assert {"convexity.strong_rate", "convexity.quadratic_constants"} <= set(ids())


def test_theorem_step_rejects_a_faster_rate():
    """The engine decides the implication: the same hypotheses do not give 1 - 2 alpha m."""
    from gdflow.derive.convexity import Gap_k, Gap_k1, m
    from gdflow.derive.derivation import Holds
    from gdflow.derive.notation import alpha
    from gdflow.derive.verify import verify_claim

    step = get("convexity.strong_rate", verified=False).step("theorem")
    assert step.claim == Holds(Gap_k1 <= (1 - alpha * m) * Gap_k)
    assert verify_claim(step.claim, step.given).ok
    cert = verify_claim(Holds(Gap_k1 <= (1 - 2 * alpha * m) * Gap_k), step.given)
    assert not cert.ok and cert.method is Method.REJECTED


# -- exact helpers and the formula -----------------------------------------------------------------


def test_rate_bound_is_the_unrolled_formula():
    assert rate_bound("1/4", 1, 4, 8, 2) == sp.Rational(9, 2)
    assert rate_bound(1, 1, 1, 5, 3) == 0  # alpha = 1/M with m = M: one step reaches the minimum
    assert RATE.step == "unrolled"
    unrolled = get("convexity.strong_rate").step("unrolled").claim
    assert unrolled.solution == RATE.expr


@pytest.mark.parametrize(
    "args, word",
    [
        (("1/2", 1, 4, 1, 1), "alpha"),  # alpha > 1/M
        ((0, 1, 4, 1, 1), "alpha"),
        (("1/8", 2, 1, 1, 1), "m <= M"),
        (("1/8", 1, 4, -1, 1), "J"),
        (("1/8", 1, 4, 1, "1/2"), "k"),
    ],
)
def test_rate_bound_refuses_what_the_theorem_does_not_cover(args, word):
    with pytest.raises(ValueError, match=word):
        rate_bound(*args)


@pytest.mark.parametrize(
    "A",
    [[[2, 1], [1, 2]], [[4, 0, 0], [0, 1, 0], [0, 0, 9]], [[1, 1], [1, 1]], [[5, 2], [2, 1]]],
)
def test_constants_of_a_quadratic_are_its_extreme_eigenvalues(A):
    m, M = strong_convexity_constants(A)
    eig = np.linalg.eigvalsh(np.array(A, float))
    assert float(m) == pytest.approx(eig.min(), abs=1e-12)
    assert float(M) == pytest.approx(eig.max(), abs=1e-12)
    # C1 and C2 with these constants at random points: J(v) - J(w) - grad^T(v - w) = d^T A d / 2
    rng = np.random.default_rng(0)
    An = np.array(A, float)
    for _ in range(20):
        d = rng.normal(size=len(A))
        gap = d @ An @ d / 2
        assert float(m) / 2 * (d @ d) - 1e-12 <= gap <= float(M) / 2 * (d @ d) + 1e-12


def test_constants_refuse_bad_matrices():
    with pytest.raises(ValueError, match="symmetric"):
        strong_convexity_constants([[1, 2], [0, 1]])
    with pytest.raises(ValueError, match="semidefinite"):
        strong_convexity_constants([[1, 0], [0, -1]])
    with pytest.raises(ValueError, match="square"):
        strong_convexity_constants([[1, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize("rank", [0, 1, 2, 3])
def test_least_squares_m_is_smallest_singular_value_squared_over_N(rank):
    rng = np.random.default_rng(rank)
    N, D = 5, 3
    Phi = rng.normal(size=(N, rank)) @ rng.normal(size=(rank, D)) if rank else np.zeros((N, D))
    A = Phi.T @ Phi / N
    m = np.linalg.eigvalsh(A).min()
    s_min = np.linalg.svd(Phi, compute_uv=False).min()
    assert m == pytest.approx(s_min**2 / N, abs=1e-12)
    if rank < D:  # a zero-curvature direction: m = 0, not strongly convex
        d = (np.eye(D) - np.linalg.pinv(Phi) @ Phi) @ np.ones(D)
        null = np.linalg.svd(Phi)[2][-1]
        assert np.linalg.norm(Phi @ null) < 1e-12
        assert np.linalg.norm(Phi @ d) < 1e-10
        assert m == pytest.approx(0, abs=1e-12)
    else:
        assert m >= 1e-8 * np.linalg.eigvalsh(A).max() > 0


# -- the refuted source claims, in plain arithmetic ------------------------------------------------


def test_unregularised_least_squares_can_be_strongly_convex():
    """001 §5: "unregularised linear regression is not strongly convex"; Phi = I (N = D = 2):
    A = I/2, and C1 holds with m = 1/2 exactly at every pair of points."""
    N = 2
    Phi = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
    A = [[sum(Phi[i][r] * Phi[i][c] for i in range(N)) / N for c in range(2)] for r in range(2)]
    assert A == [[Fraction(1, 2), 0], [0, Fraction(1, 2)]]
    det = A[0][0] * A[1][1] - A[0][1] * A[1][0]
    assert det == Fraction(1, 4) != 0
    for d in ([Fraction(3), Fraction(-1)], [Fraction(1, 7), Fraction(2)]):
        quad = sum(d[r] * A[r][c] * d[c] for r in range(2) for c in range(2))
        assert quad == Fraction(1, 2) * (d[0] ** 2 + d[1] ** 2) > 0


def test_quadratics_converge_beyond_one_over_M():
    """001 §5: "analogously to quadratics, the learning rate is bounded by 1/M"; a quadratic with
    curvatures {1, 2} (M = 2) contracts at alpha = 3/(2M) = 3/4, and Theorem 1's own factor
    1 - alpha m would be wrong there for m = M (it is negative)."""
    M, alpha = Fraction(2), Fraction(3, 4)
    assert alpha > 1 / M
    factors = [1 - alpha * a for a in (Fraction(1), Fraction(2))]
    assert factors == [Fraction(1, 4), Fraction(-1, 2)] and all(abs(f) < 1 for f in factors)
    w = [Fraction(1), Fraction(1)]
    for _ in range(30):
        w = [(1 - alpha * a) * x for a, x in zip((1, 2), w, strict=True)]
    assert max(abs(x) for x in w) < Fraction(1, 10**8)
    # J = (M/2) w^2 (m = M): the gap shrinks by (1 - alpha M)^2 = 1/4, while 1 - alpha m = -1/2
    assert (1 - alpha * M) ** 2 == Fraction(1, 4) and 1 - alpha * M < 0


def test_the_top_direction_does_not_decay_at_two_over_a_max():
    """001 §2.3: J(w^(k)) - J* ~ e^{-4k/kappa} J_min(w^(0)) at alpha ~ 2/a_max.  At a = (1, 4),
    alpha = 2/4, from deviations (1, 1): the gap tends to 2 (the top direction), not to 0."""
    a, alpha = (Fraction(1), Fraction(4)), Fraction(1, 2)
    e = [Fraction(1), Fraction(1)]
    gaps = []
    for _ in range(40):
        gaps.append(sum(ai / 2 * ei**2 for ai, ei in zip(a, e, strict=True)))
        e = [(1 - alpha * ai) * ei for ai, ei in zip(a, e, strict=True)]
    assert gaps[-1] - 2 < Fraction(1, 10**20) and all(g >= 2 for g in gaps)
    claimed = [np.exp(-4 * k / 4) * float(a[0] / 2) for k in range(40)]
    assert claimed[-1] < 1e-16 and float(gaps[-1]) > 1


# -- Theorem 1 on logistic regression --------------------------------------------------------------


def _problem() -> LogisticProblem:
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0], [2.0, 1.0]])
    return LogisticProblem(X, np.array([1.0, -1.0, 1.0, 1.0]), 0.1, np.array([2.0, -3.0]), 1.0)


def test_logistic_constants_bound_the_hessian():
    p = _problem()
    m, M = logistic_constants(p.X, p.lam)
    assert m == p.lam
    rng = np.random.default_rng(1)
    for _ in range(50):
        H = logistic_hessian(p.X, p.y, p.lam, rng.normal(scale=3, size=2))
        eig = np.linalg.eigvalsh(H)
        assert eig.min() >= m - 1e-12 and eig.max() <= M + 1e-12
    # at w = 0 every sigma(1 - sigma) is 1/4: the bound M is attained along the top direction
    H0 = logistic_hessian(p.X, p.y, p.lam, np.zeros(2))
    assert np.linalg.eigvalsh(H0).max() == pytest.approx(M, rel=1e-12)
    with pytest.raises(ValueError, match="lambda"):
        logistic_constants(p.X, 0.0)


def test_minimum_is_accurate():
    p = _problem()
    f_hat, delta = minimum(p.X, p.y, p.lam)
    assert 0 <= delta < 1e-20
    from scipy.optimize import minimize

    from gdflow.checks.convexity_properties import logistic_loss

    other = minimize(lambda w: logistic_loss(p.X, p.y, p.lam, w), np.ones(2), method="Nelder-Mead")
    assert f_hat <= other.fun + 1e-12


def test_contraction_holds_at_the_true_rate_and_fails_at_a_false_one():
    p = _problem()
    assert max(contraction_excess(p)) <= 0
    assert len(contraction_excess(p)) >= 5  # the check saw real steps, not noise
    assert max(contraction_excess(p, rho=0.5)) > 0


def test_property_registered_and_passes():
    assert "convexity.theorem1_logistic" in load_properties()
    results = run_checks("convexity.", examples=60, seed=0)
    assert [r.name for r in results] == ["convexity.theorem1_logistic"]
    assert all(r.passed for r in results), [r.counterexample for r in results]
