"""A rejected step's counterexample is shrunk to one a reader checks by hand: small sizes,
small entries, every assumption still met (the matrices stay PSD, orthogonal, ...; scalars keep
their signs), and the claim still false there.

Falsity at the reported instance is decided independently of the engine: the counterexample's
values are read back as numbers and the two sides compared with numpy (``np.linalg.pinv``,
``@``, ``.T``); the properties are checked with numpy too (``eigvalsh``, ``Q Q^T``)."""

from __future__ import annotations

import importlib
import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.verify_tex import verify_chain
from gdflow.derive.derivation import Assumptions, Holds, Identity, Refuted
from gdflow.derive.verify import verify_claim

ROOT = Path(__file__).resolve().parents[1]
pinv = np.linalg.pinv
engine = importlib.import_module(
    "gdflow.derive.verify"
)  # the module (the package exports a function of that name)


def _num(v: object) -> np.ndarray:
    """A counterexample value (a string, or a matrix as rows of strings) as a float array."""
    if isinstance(v, list):
        return np.array([[float(Fraction(x)) for x in row] for row in v])
    return np.array(float(Fraction(str(v))))


def _entries(v: object) -> list[Fraction]:
    return [Fraction(x) for row in v for x in row] if isinstance(v, list) else [Fraction(str(v))]


def _differ(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-9)


def _one(text: str, decls: list[str]):
    (rec,) = verify_chain(text, decls)
    assert rec.verdict == "rejected", rec
    assert rec.counterexample, rec
    return rec.counterexample


def _small(cex: dict, bound: int = 4) -> None:
    """Every size at most 2, every entry an integer or simple fraction of size at most bound."""
    for k, v in cex.items():
        if isinstance(v, list):
            assert len(v) <= 2 and len(v[0]) <= 2, (k, v)
        for x in _entries(v):
            assert abs(x) <= bound and x.denominator <= 4, (k, v)


def test_the_pseudoinverse_slip_shrinks_to_small_matrices_where_numpy_sees_it_fail():
    text = (ROOT / "examples/verify/pseudoinverse.tex").read_text()
    records = verify_chain(text)
    assert [r.verdict for r in records] == ["verified"] * 4 + ["rejected"]  # true steps still pass
    cex = records[-1].counterexample
    _small(cex)
    assert {"m", "n", "p"} <= set(cex)
    a, b = _num(cex["A"]), _num(cex["B"])
    assert a.shape == (int(cex["m"]), int(cex["n"])) and b.shape == (int(cex["n"]), int(cex["p"]))
    # the independent witness: (AB)^+ differs from B^+ A^+ at the reported values
    assert _differ(pinv(a @ b), pinv(b) @ pinv(a))
    assert "shrunk from a first counterexample" in records[-1].detail


def test_the_same_seed_gives_the_same_counterexample():
    text = (ROOT / "examples/verify/pseudoinverse.tex").read_text()
    first = verify_chain(text, seed=3)[-1].counterexample
    assert first == verify_chain(text, seed=3)[-1].counterexample


def test_a_transpose_slip_shrinks_to_two_by_two():
    cex = _one(
        r"(\mathbf{A}\mathbf{B})^\top &= \mathbf{A}^\top\mathbf{B}^\top",
        ["matrix A n n", "matrix B n n"],
    )
    _small(cex)
    a, b = _num(cex["A"]), _num(cex["B"])
    # 1 x 1 matrices commute, so the slip needs n >= 2; n = 2 is the smallest
    assert int(cex["n"]) == 2
    assert _differ((a @ b).T, a.T @ b.T)


def test_a_sign_slip_shrinks_to_one_by_one():
    cex = _one(
        r"(\mathbf{A}-\mathbf{B})^\top &= \mathbf{A}^\top + \mathbf{B}^\top",
        ["matrix A m n", "matrix B m n"],
    )
    _small(cex)
    assert int(cex["m"]) == int(cex["n"]) == 1
    a, b = _num(cex["A"]), _num(cex["B"])
    assert _differ((a - b).T, a.T + b.T)


def test_a_psd_claim_shrinks_to_psd_matrices():
    cex = _one(
        r"\mathbf{A}\mathbf{B} &= \mathbf{B}\mathbf{A}", ["matrix A n n psd", "matrix B n n psd"]
    )
    _small(cex, bound=8)  # B D B^T with small B: entries up to 2 * 2 * 2
    assert int(cex["n"]) == 2
    a, b = _num(cex["A"]), _num(cex["B"])
    for m in (a, b):  # the stratum is respected: symmetric with eigenvalues >= 0
        assert np.array_equal(m, m.T)
        assert np.linalg.eigvalsh(m).min() >= -1e-12
    assert _differ(a @ b, b @ a)


def test_a_claim_false_only_from_size_two_is_reported_at_size_two():
    cex = _one(r"\mathbf{A}\mathbf{B} &= \mathbf{B}\mathbf{A}", ["matrix A n n", "matrix B n n"])
    assert int(cex["n"]) == 2
    a, b = _num(cex["A"]), _num(cex["B"])
    assert _differ(a @ b, b @ a)


def test_scalar_assumptions_and_orthogonality_are_kept():
    cex = _one(
        r"(\mathbf{I} - \alpha\mathbf{A})^2 &= \mathbf{I} - 2\alpha\mathbf{A}",
        ["matrix A n n psd", r"scalar \alpha positive"],
    )
    _small(cex)
    alpha, a = Fraction(str(cex["alpha"])), _num(cex["A"])
    assert alpha > 0 and np.linalg.eigvalsh(a).min() >= -1e-12
    eye = np.eye(a.shape[0])
    lhs = (eye - float(alpha) * a) @ (eye - float(alpha) * a)
    assert _differ(lhs, eye - 2 * float(alpha) * a)

    cex = _one(
        r"\mathbf{Q}\mathbf{A} &= \mathbf{A}\mathbf{Q}",
        ["matrix Q n n orthogonal", "matrix A n n symmetric"],
    )
    _small(cex)
    q = [[Fraction(x) for x in row] for row in cex["Q"]]
    n = len(q)
    assert all(  # Q Q^T = I exactly
        sum(q[i][k] * q[j][k] for k in range(n)) == (i == j) for i in range(n) for j in range(n)
    )
    qf, a = _num(cex["Q"]), _num(cex["A"])
    assert np.array_equal(a, a.T) and _differ(qf @ a, a @ qf)


def _standard_polynomial(mats: list[sp.MatrixSymbol]) -> sp.MatrixExpr:
    """The standard polynomial S_4: the sum over permutations of sign times the product."""
    terms = []
    for perm in itertools.permutations(range(len(mats))):
        sign = sp.combinatorics.Permutation(list(perm)).signature()
        terms.append(sign * sp.MatMul(*(mats[i] for i in perm)))
    return sp.MatAdd(*terms)


def test_a_claim_true_for_two_by_two_matrices_is_reported_at_size_three():
    # Amitsur-Levitzki: S_4 vanishes on every 2 x 2 matrix and not on 3 x 3 ones; shrinking must
    # re-decide each smaller instance exactly, so it never reports n <= 2
    n = sp.Symbol("n", integer=True, positive=True)
    mats = [sp.MatrixSymbol(name, n, n) for name in "ABCD"]
    cert = verify_claim(Identity(_standard_polynomial(mats), sp.ZeroMatrix(n, n)), Assumptions())
    assert cert.method == "rejected" and cert.counterexample
    assert int(cert.counterexample["n"]) == 3
    values = [_num(cert.counterexample[name]) for name in "ABCD"]
    total = np.zeros((3, 3))
    for perm in itertools.permutations(range(4)):
        sign = sp.combinatorics.Permutation(list(perm)).signature()
        total += sign * values[perm[0]] @ values[perm[1]] @ values[perm[2]] @ values[perm[3]]
    assert np.abs(total).max() > 0.5


def test_refuted_claims_and_matrix_conditions_shrink_too():
    n = sp.Symbol("n", integer=True, positive=True)
    a = sp.MatrixSymbol("A", n, n)
    w = sp.MatrixSymbol("w", n, 1)
    cert = verify_claim(Refuted(a * a.T, a.T * a), Assumptions())
    assert cert.ok and cert.method == "counterexample"
    av = _num(cert.counterexample["A"])
    assert av.shape == (2, 2) and _differ(av @ av.T, av.T @ av)
    # w^T A w >= 0 fails for a symmetric A that is not PSD
    cert = verify_claim(Holds(sp.Trace(w.T * a * w) >= 0), Assumptions(matrices={a: "symmetric"}))
    assert cert.method == "rejected" and cert.counterexample
    av, wv = _num(cert.counterexample["A"]), _num(cert.counterexample["w"])
    assert av.shape[0] <= 2 and np.array_equal(av, av.T)
    assert (wv.T @ av @ wv).item() < 0


def test_without_a_budget_the_first_counterexample_is_kept(monkeypatch):
    monkeypatch.setattr(engine, "SHRINK_BUDGET", 0)
    cex = _one(r"\mathbf{A}\mathbf{B} &= \mathbf{B}\mathbf{A}", ["matrix A n n", "matrix B n n"])
    assert int(cex["n"]) >= 5  # the engine's own sizes (instances.MIN_SIZE)
    a, b = _num(cex["A"]), _num(cex["B"])
    assert _differ(a @ b, b @ a)


TRUE = [
    (
        r"(\mathbf{A}\mathbf{B})^\top &= \mathbf{B}^\top\mathbf{A}^\top",
        ["matrix A m n", "matrix B n p"],
    ),
    (r"\mathbf{A}\mathbf{A}^\dagger\mathbf{A} &= \mathbf{A}", ["matrix A m n"]),
    (
        r"(\mathbf{A}\mathbf{B})^{-1} &= \mathbf{B}^{-1}\mathbf{A}^{-1}",
        ["matrix A n n pd", "matrix B n n invertible"],
    ),
]


@pytest.mark.parametrize("text,decls", TRUE)
def test_true_identities_still_verify(text, decls):
    (rec,) = verify_chain(text, decls)
    assert rec.verdict == "verified", rec


def test_scalar_counterexamples_shrink_to_small_values_that_keep_their_facts():
    (rec,) = verify_chain(r"(a+b)^2 &= a^2 + b^2", ["scalar a real", "scalar b real"])
    assert rec.verdict == "rejected"
    a, b = (Fraction(rec.counterexample[k]) for k in "ab")
    assert max(abs(a), abs(b)) <= 10 and (a + b) ** 2 != a**2 + b**2
    (rec,) = verify_chain(
        r"\frac{x^{k}}{\alpha} &= x",
        [r"scalar \alpha positive", "scalar x real", "integer k positive"],
    )
    assert rec.verdict == "rejected"
    cex = rec.counterexample
    alpha, x, k = Fraction(cex["alpha"]), Fraction(cex["x"]), Fraction(cex["k"])
    assert alpha > 0 and k.denominator == 1 and k >= 1  # the declarations are kept
    assert max(abs(alpha), abs(x), k) <= 10
    assert x ** int(k) / alpha != x
