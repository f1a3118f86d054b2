"""gdflow.derive.normalisation (001 §3, eq 17): normalisation.curvature, normalisation.outlier,
normalisation.whitening; the conditioning experiment and its CLI; the property checks.

Every step verifies at its level; wrong variants of the key steps are rejected; the exact
facts agree with independent witnesses (numpy eigvalsh, fractions, hand-computed 2×2 and 3×3
cases); 001's slips are refuted by counterexamples that are checked here independently.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.conditioning import conditioning
from gdflow.checks.normalisation_properties import curvature_blocks
from gdflow.checks.properties import load_properties, run_checks
from gdflow.cli import main
from gdflow.derive.catalogue import get, ids
from gdflow.derive.derivation import Assumptions, Definition, Holds, Identity, Refuted
from gdflow.derive.latex import render_derivation
from gdflow.derive.normalisation import (
    MU_DEF,
    SIGMA_DEF,
    Sigma,
    condition_number,
    curvature_matrix,
    lmax,
    m2,
    mu,
    outlier_bound,
)
from gdflow.derive.notation import D, N, Phi
from gdflow.derive.verify import verify_claim

IDS = ["normalisation.curvature", "normalisation.outlier", "normalisation.whitening"]
MEANS = Assumptions(definitions={mu: MU_DEF, Sigma: SIGMA_DEF}, sizes={N: (1, 2, 3), D: (1, 2)})

# the level of each labelled step, and of the rest by kind
LEVELS = {
    "normalisation.curvature": {"second_moment": "proved", "blocks": "proved", "white": "proved"},
    "normalisation.outlier": {
        "outlier": "checked",
        "interlacing": "checked",
        "kappa": "checked",
        "kappa_quadratic": "checked",
        "step": "checked",
    },
    "normalisation.whitening": {
        "white": "proved",
        "predictor": "checked",
        "stationary": "proved",
    },
}


def test_registered_after_pseudoinverse():
    order = ids()
    assert order.index("normalisation.curvature") > order.index("ridge.implicit_regularisation")
    assert [i for i in order if i.startswith("normalisation.")] == IDS


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_verifies_at_its_levels(derivation_id):
    d = get(derivation_id)
    bad = [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert not bad, bad
    for step in d.all_steps:
        level = str(step.certificate.level)
        if isinstance(step.claim, Definition):
            assert level == "stated", step.reason
        elif isinstance(step.claim, Refuted):
            assert step.certificate.method == "counterexample" and level == "proved"
        else:
            assert level in ("proved", "checked"), (step.reason, level)
    for label, level in LEVELS[derivation_id].items():
        assert str(d.step(label).certificate.level) == level, label
    tex = render_derivation(d)
    assert r"\label{eq:" + derivation_id + "}" in tex and "NOT VERIFIED" not in tex


def test_source_claims():
    assert len(get("normalisation.curvature").source_claims) == 0
    assert len(get("normalisation.outlier").source_claims) == 2
    assert len(get("normalisation.whitening").source_claims) == 1
    for i in IDS:
        for step in get(i).source_claims:
            assert step.certificate.method == "counterexample", step.certificate


# -- wrong variants are rejected --------------------------------------------------------------


@pytest.mark.parametrize(
    "claim, assume",
    [
        # the second moment without the mean term, or with N - 1
        (Identity(Sigma, Phi.T * Phi / N), MEANS),
        (Identity(Sigma + mu * mu.T, Phi.T * Phi / (N + 1)), MEANS),
        # 001's printed outlier bound, from the proved hypotheses
        (Holds(lmax >= sp.sqrt(m2) + 1), Assumptions(conditions=(lmax >= m2 + 1,))),
        # the stable step bounded by 1/(||mu||^2 + 1)
        (
            Holds(2 / lmax <= 1 / (m2 + 1)),
            Assumptions(conditions=(lmax >= m2 + 1, lmax <= m2 + 2)),
        ),
    ],
)
def test_wrong_variants_rejected(claim, assume):
    cert = verify_claim(claim, assume)
    assert cert.method == "rejected", cert


# -- exact facts against independent witnesses ------------------------------------------------


def _empirical(P):
    """Mean and covariance of the rows of P, in fractions."""
    n_, d_ = len(P), len(P[0])
    m_ = [sum(Fraction(P[i][j]) for i in range(n_)) / n_ for j in range(d_)]
    S_ = [
        [sum((P[i][a] - m_[a]) * (P[i][b] - m_[b]) for i in range(n_)) / n_ for b in range(d_)]
        for a in range(d_)
    ]
    return m_, S_


@pytest.mark.parametrize("seed", range(5))
def test_curvature_matrix_is_eq17(seed):
    rng = np.random.default_rng(seed)
    n_, d_ = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    P = rng.integers(-9, 10, size=(n_, d_)).tolist()
    m_, S_ = _empirical(P)
    A = curvature_matrix(P)
    for a in range(d_):
        for b in range(d_):
            assert A[a, b] == sp.Rational(str(S_[a][b] + m_[a] * m_[b]))
        assert A[a, d_] == A[d_, a] == sp.Rational(str(m_[a]))
    assert A[d_, d_] == 1


def test_hand_computed_cases():
    # white data: A = I
    assert curvature_matrix([[1, -1], [-1, 1], [1, 1], [-1, -1]]) == sp.eye(3)
    # D = 1, mu = 1, sigma^2 = 1: [[2, 1], [1, 1]], eigenvalues (3 +- sqrt 5)/2
    A = curvature_matrix([[0], [2]])
    assert A == sp.Matrix([[2, 1], [1, 1]])
    assert set(A.eigenvals()) == {(3 + sp.sqrt(5)) / 2, (3 - sp.sqrt(5)) / 2}
    assert (3 + sp.sqrt(5)) / 2 >= outlier_bound([1])
    # D = 2, mu = (1, 0), Sigma = I: eigenvalues 1 and (3 +- sqrt 5)/2; the others <= 1
    A3 = curvature_blocks(np.array([1.0, 0.0]), np.eye(2))
    assert np.allclose(A3, [[2, 0, 1], [0, 1, 0], [1, 0, 1]])
    ev = np.linalg.eigvalsh(A3)
    assert np.allclose(ev, sorted([1, (3 - 5**0.5) / 2, (3 + 5**0.5) / 2]))
    assert outlier_bound([3, 4]) == 26
    assert condition_number([[4, 0], [0, 1]]) == 4
    assert condition_number(A) == sp.nsimplify(((3 + sp.sqrt(5)) / (3 - sp.sqrt(5))).simplify())
    with pytest.raises(ValueError, match="positive definite"):
        condition_number([[1, 0], [0, 0]])
    with pytest.raises(ValueError, match="symmetric"):
        condition_number([[1, 2], [0, 1]])


@pytest.mark.parametrize("seed", range(20))
def test_outlier_and_interlacing_numpy(seed):
    rng = np.random.default_rng(seed)
    d_ = int(rng.integers(1, 7))
    G = rng.standard_normal((d_, int(rng.integers(0, d_ + 1))))  # Sigma of any rank
    S_ = G @ G.T
    m_ = rng.standard_normal(d_) * 10.0 ** rng.integers(-2, 4)
    ev = np.linalg.eigvalsh(curvature_blocks(m_, S_))
    tol = 1e-9 * max(1.0, ev[-1])
    assert ev[-1] >= m_ @ m_ + 1 - tol
    s_max = np.linalg.eigvalsh(S_)[-1] if d_ else 0.0
    assert np.all(ev[:-1] >= -tol) and np.all(ev[:-1] <= s_max + tol)


# -- the source claims' counterexamples, checked independently -----------------------------------


def test_outlier_printed_bound_fails():
    # mu = 1/2, sigma^2 = 1e-4 (||mu||^2 + 1 is 12500 times larger): lambda_max < ||mu|| + 1
    A = np.array([[0.25 + 1e-4, 0.5], [0.5, 1.0]])
    top = np.linalg.eigvalsh(A)[-1]
    assert 1.25 <= top < 1.5
    # exactly: lambda_max < 3/2 iff p(3/2) > 0 with 3/2 above the mean of the eigenvalues
    a, b, c = Fraction(1, 4) + Fraction(1, 10000), Fraction(1, 2), Fraction(1)
    x = Fraction(3, 2)
    assert (x - a) * (x - c) - b * b > 0 and x > (a + c) / 2


def test_stable_rate_printed_bound_fails():
    # mu = 3, sigma^2 = 1: A = [[10, 3], [3, 1]]; GD converges at alpha = 0.15 > 1/(9 + 1)
    A = np.array([[10.0, 3.0], [3.0, 1.0]])
    alpha = 0.15
    assert alpha > 1 / 10
    rho = max(abs(1 - alpha * np.linalg.eigvalsh(A)))
    assert rho < 1
    w = np.ones(2)
    for _ in range(3000):  # rho ~ 0.986: the error shrinks by e^-41
        w = w - alpha * (A @ w)
    assert np.linalg.norm(w) < 1e-6
    # and the true bound 2/lambda_max <= 2/(||mu||^2 + 1) holds
    assert 2 / np.linalg.eigvalsh(A)[-1] <= 2 / 10


def test_square_root_without_transpose():
    Q = sp.Matrix([[sp.Rational(3, 5), sp.Rational(-4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    Dh = sp.diag(1, 2)
    Sig = Q * Dh**2 * Q.T
    printed = Q * Dh * Q
    assert printed * printed != Sig  # not the square root
    assert printed * printed.T == Sig  # but it whitens: S S^T = Sigma
    root = Q * Dh * Q.T
    assert root * root == Sig and root == root.T


# -- the experiment and its CLI --------------------------------------------------------------------


def test_experiment_shape_and_facts():
    r = conditioning([1, 4, 16, 64], seed=0)
    data = r.to_json()
    assert set(data) == {
        "D",
        "N",
        "uncentred",
        "centred",
        "whitened",
        "bound",
        "bound_quadratic",
        "mean",
        "seed",
        "caption",
    }
    assert data["D"] == [1, 4, 16, 64] and data["N"] == [54, 66, 114, 306]
    for key in ("uncentred", "centred", "whitened", "bound", "bound_quadratic"):
        assert len(data[key]) == 4 and all(np.isfinite(data[key]))
    # the proved bound holds at every D; whitening gives kappa = 1; kappa grows with D
    assert all(u >= b * (1 - 1e-9) for u, b in zip(r.uncentred, r.bound, strict=True))
    assert all(u >= b * (1 - 1e-9) for u, b in zip(r.uncentred, r.bound_quadratic, strict=True))
    # kappa grows faster than linearly: quadrupling D (16 -> 64) multiplies it by more than 4
    assert r.uncentred[3] > 4 * r.uncentred[2]
    assert all(abs(w - 1) < 1e-9 for w in r.whitened)
    assert all(x < y for x, y in zip(r.uncentred, r.uncentred[1:], strict=False))
    assert r.uncentred[-1] > 10 * max(r.centred)
    with pytest.raises(ValueError, match="positive"):
        conditioning([0])


def test_cli(tmp_path, capsys):
    assert main(["experiment", "conditioning", "--D", "1", "3"]) == 0
    out = capsys.readouterr().out
    assert "uncentred" in out and "whitened" in out
    fig = tmp_path / "k.png"
    assert main(["experiment", "conditioning", "--D", "2", "--format", "json", "-o", str(fig)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["D"] == [2]
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["experiment", "conditioning", "--mean", "nan"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "conditioning", "--D", "0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["experiment"])
    assert exc.value.code == 2


# -- the property checks ---------------------------------------------------------------------------


def test_properties_registered_and_pass():
    props = load_properties()
    names = {"normalisation.outlier_and_interlacing", "normalisation.centred_condition"}
    assert names <= set(props)
    results = run_checks("normalisation.", 30, 0)
    assert {r.name for r in results} == names
    assert all(r.passed for r in results), [str(r) for r in results]
