"""Double descent (001 §4): the derivation, the exact risk against an independent Monte-Carlo
witness, the experiment's agreement with the exact risk, its JSON, its CLI and its figure."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from gdflow import derive
from gdflow.checks import double_descent as dd
from gdflow.cli import main
from gdflow.derive.derivation import Definition, Identity
from gdflow.derive.double_descent import MIN_NORM_RISK, min_norm_risk
from gdflow.derive.verify import verify_claim

ID = "double_descent.min_norm_risk"


def _risk_by_hand(N: int, D: int, s2: float, t2: float) -> float:
    """The exact risk typed again, as the witness reads it (001 §4)."""
    if N >= D + 2:
        return s2 * (1 + D / (N - D - 1))
    if N <= D - 2:
        return s2 + t2 * (D - N) + s2 * N / (D - N - 1)
    return math.inf


# -- the derivation ---------------------------------------------------------------------------


def test_derivation_is_verified_at_honest_levels():
    d = derive.get(ID)
    assert d.verified, [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    levels = {s.label: s.certificate.level for s in d.steps if s.label}
    # the algebra is proved (symbolic) or checked (exact at instances of every rank stratum)
    for label in ("orthogonal", "bias", "variance"):
        assert levels[label] in ("proved", "checked"), label
    for label in ("variance_over", "variance_under", "risk", "limit_under", "limit_over"):
        assert levels[label] == "proved", label
    # exactly the fit and the three moment identities are stated, and nothing else
    stated = [s for s in d.steps if s.certificate.level == "stated"]
    assert all(isinstance(s.claim, Definition) for s in stated)
    assert len(stated) == 4
    assumed = [s for s in stated if s.reason.startswith("ASSUMED")]
    assert len(assumed) == 3
    names = {str(s.claim.lhs) for s in assumed}
    assert names == {"E[(X^T X)^-1]", "E[(X X^T)^-1]", "E[X^+ X]"}


def test_the_formula_is_the_risk_steps_right_hand_side():
    d = derive.get(ID)
    step = d.step(MIN_NORM_RISK.step)
    assert isinstance(step.claim, Identity) and step.claim.rhs == MIN_NORM_RISK.expr
    assert d.formulas["risk"] is MIN_NORM_RISK or d.formulas["risk"] == MIN_NORM_RISK


@pytest.mark.parametrize(
    "wrong",
    [
        lambda N, D, s, t: s**2 * (1 + D / (N - D)),  # the inverse-Wishart mean off by one
        lambda N, D, s, t: s**2 * (1 + N / (N - D - 1)),  # N and D swapped in the variance
    ],
)
def test_a_wrong_risk_is_rejected(wrong):
    d = derive.get(ID, verified=False)
    step = d.step("risk")
    N, D, s, t = MIN_NORM_RISK.params
    pieces = list(MIN_NORM_RISK.expr.args)
    bad = sp.Piecewise((wrong(N, D, s, t), pieces[0].cond), *[(p.expr, p.cond) for p in pieces[1:]])
    cert = verify_claim(Identity(step.claim.lhs, bad), d.assumptions.merged(step.given))
    assert not cert.ok and cert.method == "rejected"


def test_exact_risk_values():
    assert min_norm_risk(100, 50, 1, "0.1") == sp.Rational(99, 49)
    assert min_norm_risk(20, 50, 1, "0.1") == sp.Rational(136, 29)
    assert min_norm_risk(200, 50, 2, "0.1") == 2 * (1 + sp.Rational(50, 149))
    for N in (49, 50, 51):
        assert min_norm_risk(N, 50, 1, "0.1") == sp.oo
    for N in range(1, 201):
        assert float(min_norm_risk(N, 50, 1, "0.1")) == pytest.approx(
            _risk_by_hand(N, 50, 1, 0.1), rel=1e-12
        )


def test_exact_risk_refuses_bad_values():
    with pytest.raises(ValueError, match="N must be a positive integer"):
        min_norm_risk(0, 50, 1, 1)
    with pytest.raises(ValueError, match="sigma2"):
        min_norm_risk(10, 50, 0, 1)
    with pytest.raises(ValueError, match="N and D"):
        dd.min_norm_risk(2.5, 50)


def test_numeric_risk_is_the_formula_and_agrees_with_the_exact_one():
    Ns = np.arange(1, 201)
    got = dd.min_norm_risk(Ns, 50, 1.0, 0.1)
    want = np.array([_risk_by_hand(int(N), 50, 1.0, 0.1) for N in Ns])
    assert np.array_equal(np.isinf(got), np.isinf(want))
    assert np.allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-12)


# -- an independent witness: Monte Carlo with numpy's pinv, no code shared with simulate ------


@pytest.mark.parametrize("N", [100, 20])
def test_exact_risk_against_monte_carlo(N):
    D, s2, t2, trials = 50, 1.0, 0.1, 2000
    rng = np.random.default_rng(12345 + N)
    X = rng.standard_normal((trials, N, D))
    w = math.sqrt(t2) * rng.standard_normal((trials, D, 1))
    t = X @ w + math.sqrt(s2) * rng.standard_normal((trials, N, 1))
    w_hat = np.linalg.pinv(X) @ t
    # the test-point expectation given the fit: E(x^T w_hat - x^T w - e0)^2 = s2 + |w_hat - w|^2
    risk = s2 + np.sum((w_hat - w) ** 2, axis=(1, 2))
    exact = float(min_norm_risk(N, D, 1, "0.1"))
    assert risk.mean() == pytest.approx(exact, rel=0.03)


# -- the experiment ---------------------------------------------------------------------------


def test_experiment_means_agree_with_the_exact_risk_away_from_the_threshold():
    rows = dd.simulate(D=50, Ns=[10, 30, 100, 200], trials=200, seed=0)
    for r in rows:
        assert r["test_error_mean"] == pytest.approx(r["theory_test_error"], rel=0.04), r
        # the ridge fit (lambda = 1) is no worse on average than the min-norm fit here
        assert r["ridge_test_error_mean"] <= r["test_error_mean"] * 1.01
    # below the threshold the min-norm fit interpolates: zero train error
    assert rows[0]["train_error_mean"] < 1e-20 and rows[1]["train_error_mean"] < 1e-20
    assert rows[2]["train_error_mean"] > 0.1


def test_experiment_is_seeded_and_peaks_at_the_threshold():
    a = dd.simulate(D=10, Ns=range(1, 31), trials=20, seed=3, test_points=200)
    b = dd.simulate(D=10, Ns=range(1, 31), trials=20, seed=3, test_points=200)
    assert a == b
    medians = [r["test_error_median"] for r in a]
    assert int(np.argmax(medians)) + 1 in (9, 10, 11)
    s_min = [r["min_singular_value_median"] for r in a]
    assert int(np.argmin(s_min)) + 1 in (9, 10, 11)


def _run_cli(capsys, *args):
    code = main(["experiment", "double-descent", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _no_constants(name):
    raise AssertionError(f"JSON holds {name}")


def test_json_shape_null_where_infinite(capsys):
    code, out, err = _run_cli(
        capsys, "--D", "5", "--n-max", "12", "--trials", "4", "--format", "json"
    )
    assert code == 0
    data = json.loads(out, parse_constant=_no_constants)
    assert data["D"] == 5 and data["trials"] == 4
    keys = {
        "N",
        "test_error_mean",
        "test_error_median",
        "train_error_mean",
        "ridge_test_error_mean",
        "ridge_train_error_mean",
        "min_singular_value_median",
        "theory_test_error",
    }
    assert [r["N"] for r in data["rows"]] == list(range(1, 13))
    for r in data["rows"]:
        assert set(r) == keys
        if r["N"] in (4, 5, 6):
            assert r["theory_test_error"] is None
        else:
            assert r["theory_test_error"] == pytest.approx(_risk_by_hand(r["N"], 5, 1, 0.1))
    assert "N 10/12" in err


def test_table_format(capsys):
    code, out, _ = _run_cli(capsys, "--D", "3", "--n-max", "5", "--trials", "2")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 6 and lines[0].split()[0] == "N"
    assert lines[3].split()[-1] == "inf"  # N = 3 = D


@pytest.mark.parametrize(
    "args",
    [
        ["--trials", "10001"],
        ["--trials", "0"],
        ["--D", "0"],
        ["--D", "501"],
        ["--n-max", "0"],
        ["--ridge", "-1"],
        ["--ridge", "nan"],
        ["--trials", "many"],
    ],
)
def test_bad_arguments_exit_2(capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "double-descent", *args])
    assert exc.value.code == 2


def test_figure_is_written(capsys, tmp_path):
    fig = tmp_path / "fig4.png"
    code, _, err = _run_cli(capsys, "--D", "5", "--n-max", "12", "--trials", "3", "-o", str(fig))
    assert code == 0 and str(fig) in err
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and fig.stat().st_size > 10_000


def test_the_risk_property_holds_and_catches_a_wrong_formula(monkeypatch):
    """The registered property passes with the derivation's risk and fails with a risk that
    forgets the bias τ²(D - N) below the threshold (σ² + σ²N/(D - N - 1) alone)."""
    from gdflow.checks import double_descent_properties as prop

    prop.mean_matches_exact_risk((10, 16, 1))
    prop.mean_matches_exact_risk((20, 8, 2))
    monkeypatch.setattr(prop, "min_norm_risk", lambda N, D, s2, t2: s2 + s2 * N / (D - N - 1))
    with pytest.raises(AssertionError):
        prop.mean_matches_exact_risk((20, 8, 2))
