"""Worked examples at your data (``gdflow.derive.worked``, ``gdflow derive ID --let``): the
instantiated closed forms agree with independent witnesses (exact GD iterations with
fractions, scipy's matrix exponential, numpy's least squares and solves), every step is
certified, and every bad value gets an error naming it."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

from gdflow.cli import main
from gdflow.derive.derivation import Holds, Identity, Level, Recurrence
from gdflow.derive.eigencases import StepCase
from gdflow.derive.notation import alpha, k, lam, t
from gdflow.derive.worked import MAX_SIZE, names, parse_value, supported, worked_example

SINGULAR = {"A": [[2, 0], [0, 0]], "b": [-2, 0], "w0": [3, 1], "alpha": "1/4"}
"""001's singular example: one curved direction, one flat one."""

# 000's three-point fit (copied from gdflow.checks.flow_numeric.THREE_POINT; sum scale)
THREE_X = [[0.2, 1.0], [0.4, 1.0], [0.8, 1.0]]
THREE_Y = [-0.1, 0.15, 0.3]
THREE_W0 = [-0.05, -0.4]
THREE = {"X": THREE_X, "y": THREE_Y, "w0": THREE_W0}


def _gd_exact(A, b, w0, a, steps):
    """GD iterated exactly with fractions: w <- w - a (A w + b) (the witness)."""
    A = [[Fraction(x) for x in row] for row in A]
    w = [Fraction(x) for x in w0]
    out = [list(w)]
    for _ in range(steps):
        grad = [sum(A[i][j] * w[j] for j in range(len(w))) + Fraction(b[i]) for i in range(len(w))]
        w = [w[i] - a * grad[i] for i in range(len(w))]
        out.append(list(w))
    return out


def _levels(d):
    return {s.label: s.certificate.level for s in d.steps}


# -- 001's singular example ------------------------------------------------------------------


@pytest.fixture(scope="module")
def singular():
    return worked_example("gd.closed_form", SINGULAR)


def test_singular_example_closed_form(singular):
    d = singular
    assert d.id == "gd.closed_form@let"
    assert d.verified
    assert all(s.certificate is not None and s.certificate.ok for s in d.all_steps)
    expected = sp.Matrix([1 + 2 * sp.Rational(1, 2) ** k, 1])
    w = d.formulas["w"].expr
    assert (sp.Matrix(w) - expected).applyfunc(sp.simplify) == sp.zeros(2, 1)
    # the result claim is the closed form, proved by induction at the data
    assert isinstance(d.result, Recurrence)
    assert d.step("closed_form").certificate.level == Level.PROVED
    # against exact GD iterations
    for kv, wk in enumerate(
        _gd_exact(SINGULAR["A"], SINGULAR["b"], SINGULAR["w0"], Fraction(1, 4), 6)
    ):
        got = sp.Matrix(w).subs(k, kv)
        assert [sp.Rational(x) for x in got] == [
            sp.Rational(x.numerator, x.denominator) for x in wk
        ]


def test_singular_example_levels_are_honest(singular):
    levels = _levels(singular)
    for label in ("data_A", "data_b", "data_w^(0)", "data_alpha", "projector_1", "limit"):
        assert levels[label] == Level.STATED
    for label in ("eigen_1", "eigen_2", "spectral", "in_range", "case_1", "case_2", "limit_value"):
        assert levels[label] == Level.PROVED
    # eq 13 with a symbolic power of an explicit matrix is decided at exact instances only
    assert levels["eq13"] in (Level.PROVED, Level.CHECKED)


def test_singular_example_limit_and_cases(singular):
    d = singular
    assert d.step("limit_value").claim.rhs == sp.ImmutableMatrix([1, 1])
    # direction 1: eigenvalue 2, alpha * 2 = 1/2 in (0, 1): monotone
    eig1 = d.step("eigen_1").claim
    P1 = sp.MatrixSymbol("P_1", 2, 2)
    assert isinstance(eig1, Identity) and eig1.rhs == 2 * P1
    case1 = d.step("case_1")
    assert isinstance(case1.claim, Holds)
    assert case1.claim.condition == StepCase.MONOTONE.interval.as_relational(2 * alpha)
    assert case1.claim.condition.xreplace({alpha: sp.Rational(1, 4)}) is sp.true
    assert "case: monotone" in case1.reason
    # direction 2: eigenvalue 0, b has no component there: it never moves
    assert d.step("eigen_2").claim.rhs == sp.ZeroMatrix(2, 2)
    case2 = d.step("case_2")
    P2b = sp.MatrixSymbol("P_2", 2, 2) * sp.MatrixSymbol("b", 2, 1)
    assert case2.claim == Identity(P2b, sp.ZeroMatrix(2, 1))
    assert "case: static" in case2.reason


def test_singular_example_at_a_given_k():
    d = worked_example("gd.closed_form", {**SINGULAR, "k": 3})
    assert d.verified
    assert d.formulas["w"].expr == sp.ImmutableMatrix([sp.Rational(5, 4), 1])
    assert d.result.rhs == sp.ImmutableMatrix([sp.Rational(5, 4), 1])


def test_limit_projection_keeps_the_null_component():
    d = worked_example("gd.limit_projection", {"A": [[2, 0], [0, 0]], "b": [-2, 0], "w0": [3, 7]})
    assert d.verified
    assert d.formulas["w"].expr == sp.ImmutableMatrix([1, 7])
    assert d.step("kept_2").certificate.ok


def test_json_result_parses_back(capsys):
    args = ["derive", "gd.closed_form", "--format", "json"]
    for name, value in (("A", "[[2,0],[0,0]]"), ("b", "[-2,0]"), ("w0", "[3,1]"), ("alpha", "1/4")):
        args += ["--let", f"{name}={value}"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in out] == ["gd.closed_form@let"]
    assert out[0]["verified"] is True
    parsed = sp.sympify(out[0]["result"]["sympy"], locals={"k": k})
    expected = sp.Matrix([1 + 2 * sp.Rational(1, 2) ** k, 1])
    assert (sp.Matrix(parsed) - expected).applyfunc(sp.simplify) == sp.zeros(2, 1)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_every_format_prints_the_worked_example(capsys, fmt):
    args = ["derive", "gd.limit_projection", "--format", fmt]
    args += ["--let", "A=[[2,0],[0,0]]", "--let", "b=[-2,0]", "--let", "w^(0)=[3,1]"]
    assert main(args) == 0
    assert "gd.limit_projection@let" in capsys.readouterr().out


def test_fragment_of_the_worked_example(capsys):
    args = ["derive", "gd.step_size_cases", "--fragment", "--let", "A=[[2,0],[0,1]]"]
    assert main([*args, "--let", "alpha=0.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("%") and "\\documentclass" not in out


# -- the step-size cases and the loss --------------------------------------------------------


def _case_tags(d):
    return [
        s.reason.rsplit("[case: ", 1)[1].rstrip("]") for s in d.steps if s.label.startswith("case_")
    ]


def test_step_size_cases_at_the_stability_boundary():
    d = worked_example("gd.step_size_cases", {"A": [[2, 0], [0, 1]], "alpha": 1})
    assert d.verified
    assert _case_tags(d) == ["bounded oscillation", "one step"]
    assert d.step("converges").claim.condition == (alpha >= 1)
    assert d.formulas["alpha_max"].expr == 1


def test_step_size_cases_past_the_stability_boundary():
    d = worked_example("gd.step_size_cases", {"A": [[2, 0], [0, 1]], "alpha": "3/2"})
    assert d.verified
    assert _case_tags(d) == ["divergent", "oscillating"]
    assert d.step("case_1").claim.condition == StepCase.DIVERGENT.interval.as_relational(2 * alpha)


def test_loss_decay_numbers():
    A, b, w0, a = [[2, 0], [0, 1]], [-2, 0], [3, 1], Fraction(1, 4)
    d = worked_example("gd.loss_decay", {"A": A, "b": b, "w0": w0, "alpha": "1/4"})
    assert d.verified
    gap = d.formulas["gap"].expr

    def J(w):
        return sum(Fraction(A[i][j]) * w[i] * w[j] for i in range(2) for j in range(2)) / 2 + sum(
            Fraction(b[i]) * w[i] for i in range(2)
        )

    j_star = J([Fraction(1), Fraction(0)])  # A w* = -b
    for kv, wk in enumerate(_gd_exact(A, b, w0, a, 5)):
        excess = J(wk) - j_star
        assert sp.nsimplify(gap.subs(k, kv)) == sp.Rational(excess.numerator, excess.denominator)
    at3 = worked_example("gd.loss_decay", {"A": A, "b": b, "w0": w0, "alpha": "1/4", "k": 3})
    assert at3.verified
    excess3 = J(_gd_exact(A, b, w0, a, 3)[3]) - j_star
    assert at3.formulas["gap"].expr == sp.Rational(excess3.numerator, excess3.denominator)


# -- 000's three-point fit: gradient flow ----------------------------------------------------


@pytest.fixture(scope="module")
def residual():
    return worked_example("flow.residual", THREE)


@pytest.fixture(scope="module")
def parameters():
    return worked_example("flow.parameter_evolution", THREE)


def test_three_point_residual(residual):
    d = residual
    assert d.verified
    for label in ("ode", "initial", "matrix_form", "limit"):
        assert d.step(label).certificate.level == Level.PROVED
    X, y, w0 = np.array(THREE_X), np.array(THREE_Y), np.array(THREE_W0)
    r0 = X @ w0 - y
    K = X @ X.T
    r_t = d.formulas["r"].expr
    for tv in (0.0, 0.5, 1.0, 3.0):
        witness = scipy.linalg.expm(-K * tv) @ r0
        got = np.array([float(e.subs(t, sp.Rational(str(tv)))) for e in r_t])
        assert np.allclose(got, witness, rtol=1e-12, atol=1e-12)
    # three collinear-free points cannot all be fitted by a line: the residual stays
    _, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    r_inf = np.array([float(e) for e in d.formulas["r_inf"].expr])
    assert np.isclose(r_inf @ r_inf, res[0], rtol=1e-12)


def test_three_point_parameters(parameters):
    d = parameters
    assert d.verified
    X, y, w0 = np.array(THREE_X), np.array(THREE_Y), np.array(THREE_W0)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    w_inf = np.array([float(e) for e in d.formulas["w_inf"].expr])
    assert np.allclose(w_inf, w_star, rtol=1e-12)
    # overdetermined form of 000 eq 18: w(t) = w* + expm(-X^T X t)(w0 - w*)
    w_t = d.formulas["w"].expr
    for tv in (0.0, 0.25, 2.0, 10.0):
        witness = w_star + scipy.linalg.expm(-X.T @ X * tv) @ (w0 - w_star)
        got = np.array([float(e.subs(t, sp.Rational(str(tv)))) for e in w_t])
        assert np.allclose(got, witness, rtol=1e-10, atol=1e-12)


def test_flow_at_a_given_time():
    d = worked_example("flow.residual", {"X": [[1, 0], [0, 2]], "y": [1, 1], "w0": [0, 0], "t": 1})
    assert d.verified
    assert d.formulas["r_at_t"].expr == sp.ImmutableMatrix([-sp.exp(-1), -sp.exp(-4)])


# -- ridge at a rank-deficient Phi -------------------------------------------------------------


def test_ridge_rank_deficient():
    Phi, tv = [[1, 1], [2, 2], [0, 0]], [1, 2, 3]
    d = worked_example("ridge.solution", {"Phi": Phi, "t": tv, "lambda": "1/2"})
    assert d.verified
    # every claim is about numbers only: decided exactly, so proved (or a stated definition)
    assert set(_levels(d).values()) <= {Level.PROVED, Level.STATED}
    P, y = np.array(Phi, float), np.array(tv, float)
    N = P.shape[0]
    witness = np.linalg.solve(P.T @ P + N * 0.5 * np.eye(2), P.T @ y)
    got = np.array([float(e) for e in d.formulas["w"].expr])
    assert np.allclose(got, witness, rtol=1e-14)


def test_ridge_symbolic_lambda_tends_to_the_min_norm_solution():
    Phi, tv = [[1, 1], [2, 2]], [1, 2]
    d = worked_example("ridge.solution", {"Phi": Phi, "t": tv})
    assert d.verified
    w = d.formulas["w"].expr
    assert d.formulas["w"].params == (lam,)
    limit = [sp.limit(e, lam, 0, "+") for e in w]
    assert np.allclose([float(e) for e in limit], np.linalg.pinv(np.array(Phi, float)) @ tv)
    assert d.step("limit").certificate.ok


# -- errors name the bad value ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("derivation", "values", "named"),
    [
        ("gd.closed_form", {**SINGULAR, "beta": 1}, ["'beta'", "alpha", "w0"]),
        ("gd.closed_form", {**SINGULAR, "b": [1, 2, 3]}, ["b", "3"]),
        ("gd.closed_form", {**SINGULAR, "A": [[1, 2], [0, 1]]}, ["A[1,2] = 2", "A[2,1] = 0"]),
        ("gd.closed_form", {**SINGULAR, "A": [[1, 0], [0, -3]]}, ["-3"]),
        ("gd.closed_form", {**SINGULAR, "b": [-2, 5]}, ["b", "[-2, 5]"]),
        ("gd.closed_form", {**SINGULAR, "alpha": "fast"}, ["alpha", "fast"]),
        ("gd.closed_form", {**SINGULAR, "alpha": 0}, ["alpha = 0"]),
        ("gd.closed_form", {**SINGULAR, "k": "1/2"}, ["k = 1/2"]),
        ("gd.closed_form", {k_: v for k_, v in SINGULAR.items() if k_ != "w0"}, ["w0"]),
        ("gd.closed_form", {**SINGULAR, "A": [[0, "x"], [0, 0]]}, ["A[1,2]", "x"]),
        ("kernel.tangent", {}, ["kernel.tangent", "gd.closed_form", "ridge.solution"]),
        ("gd.step_size_cases", {"A": np.eye(MAX_SIZE + 1).tolist(), "alpha": 1}, ["A", "7x7"]),
        ("ridge.solution", {"Phi": [[1, 0]], "t": [1], "N": 2}, ["N = 2"]),
        ("flow.residual", {**THREE, "y": [1, 2]}, ["y", "3"]),
    ],
)
def test_errors_name_the_bad_value(derivation, values, named):
    with pytest.raises(ValueError) as info:
        worked_example(derivation, values)
    for text in named:
        assert text in str(info.value)


@pytest.mark.parametrize(
    ("derivation", "values", "numeric"),
    [
        (
            "gd.closed_form",
            {**SINGULAR, "A": [[2, 1, 1], [1, 3, 1], [1, 1, 4]], "b": [0, 0, 0], "w0": [1, 0, 0]},
            "gdflow.checks.numeric",
        ),
        (
            "flow.residual",
            {"X": [[2, 1, 1], [1, 3, 1], [1, 1, 4]], "y": [1, 0, 0], "w0": [0, 0, 0]},
            "gdflow.checks.flow_numeric",
        ),
    ],
)
def test_cubic_spectrum_is_refused_with_the_numeric_route(derivation, values, numeric):
    with pytest.raises(ValueError) as info:
        worked_example(derivation, values)
    message = str(info.value)
    assert "degree 3" in message and numeric in message


def test_names_and_supported_ids():
    assert set(supported()) >= {
        "gd.closed_form",
        "gd.limit_projection",
        "gd.step_size_cases",
        "gd.loss_decay",
        "flow.residual",
        "flow.parameter_evolution",
        "ridge.solution",
    }
    assert names("gd.closed_form") == (("A", "b", "w0"), ("alpha", "k"))
    assert names("flow.residual") == (("X", "y", "w0"), ("t",))


def test_symbolic_learning_rate():
    d = worked_example("gd.closed_form", {k_: v for k_, v in SINGULAR.items() if k_ != "alpha"})
    assert d.verified
    assert d.formulas["w"].params == (alpha, k)
    expected = sp.Matrix([1 + 2 * (1 - 2 * alpha) ** k, 1])
    assert (sp.Matrix(d.formulas["w"].expr) - expected).applyfunc(sp.simplify) == sp.zeros(2, 1)
    cases = worked_example("gd.step_size_cases", {"A": [[2, 0], [0, 1]]})
    assert cases.verified
    # GD converges iff alpha < 2 / a_max = 1, decided as a set of alpha
    converges = cases.step("converges").claim
    assert converges.right == (alpha < 1)
    assert cases.step("converges").certificate.level == Level.PROVED


# -- reading values without evaluating them --------------------------------------------------


def test_parse_value_reads_numbers_and_lists():
    assert parse_value("[[2,0],[0,0]]") == [["2", "0"], ["0", "0"]]
    assert parse_value(" [-2, 0] ") == ["-2", "0"]
    assert parse_value("1/4") == "1/4"
    assert parse_value("0.1") == "0.1"
    assert parse_value("-3") == "-3"


@pytest.mark.parametrize(
    "text", ["__import__('os')", "[1, x]", "[[[1]]]", "[1, 2", "[]", "1+1", "[1,,2]", "[1] 2"]
)
def test_parse_value_refuses_everything_else(text):
    with pytest.raises(ValueError) as info:
        parse_value(text, "A")
    assert "A =" in str(info.value)


def test_cli_let_errors_exit_2(capsys):
    assert _exit(["derive", "gd.closed_form", "--let", "A=[[2,0],[0,oops]]"]) == 2
    assert "oops" in capsys.readouterr().err
    assert _exit(["derive", "--all", "--let", "alpha=1"]) == 2
    assert "--let" in capsys.readouterr().err
    assert _exit(["derive", "gd.closed_form", "gd.loss_decay", "--let", "alpha=1"]) == 2
    capsys.readouterr()
    assert _exit(["derive", "gd.closed_form", "--let", "alpha"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    args = ["derive", "gd.closed_form", "--let", "A=[[1,0],[0,-1]]", "--let", "b=[0,0]"]
    assert _exit([*args, "--let", "w0=[0,0]", "--let", "alpha=1"]) == 2
    assert "-1" in capsys.readouterr().err


def _exit(args):
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_limit_of_exponentials_with_algebraic_rates():
    """The engine's limit at t = oo of a sum c_i e^{-lambda_i t} with quadratic-irrational
    lambda_i (what flow.residual's worked example meets): exact, where SymPy's limit returned an
    expression in a leaked dummy for such sums."""
    from gdflow.derive.evaluate import Undefined, evaluate_exact
    from gdflow.derive.matrices import MatrixLimit

    s5 = sp.sqrt(5)
    decaying = (-sp.Rational(1, 2) - s5 / 10) * sp.exp(t * (-sp.Rational(3, 2) - s5 / 2)) + (
        -sp.Rational(1, 2) + s5 / 10
    ) * sp.exp(t * (-sp.Rational(3, 2) + s5 / 2))
    value = evaluate_exact(MatrixLimit(sp.ImmutableMatrix([decaying + 7, decaying]), t, sp.oo))
    assert value == sp.ImmutableMatrix([7, 0])
    growing = sp.exp(t * (s5 - 2)) - 1  # sqrt(5) - 2 > 0
    with pytest.raises(Undefined):
        evaluate_exact(MatrixLimit(sp.ImmutableMatrix([growing]), t, sp.oo))
    cancelling = sp.sqrt(2) * sp.exp(t * (s5 - 2)) - sp.sqrt(8) / 2 * sp.exp(t * (s5 - 2))
    assert evaluate_exact(MatrixLimit(sp.ImmutableMatrix([cancelling + 1]), t, sp.oo)) == (
        sp.ImmutableMatrix([1])
    )


def test_block_data_with_two_quadratic_eigenvalue_pairs():
    X = sp.diag(
        sp.Matrix([[1, 1], [0, 1]]), sp.Matrix([[2, 1], [1, 0]]), sp.Matrix([[1, 2], [0, 1]])
    )
    d = worked_example("flow.residual", {"X": X.tolist(), "y": [1, 0, 0, 1, 0, 1], "w0": [0] * 6})
    assert d.verified
    # K = X X^T is invertible: every residual direction is fitted
    assert d.formulas["r_inf"].expr == sp.ImmutableMatrix(sp.zeros(6, 1))


def test_step_size_cases_with_a_drifting_direction():
    values = {"A": [[2, 0], [0, 0]], "alpha": "1/4", "b": [0, 1]}
    d = worked_example("gd.step_size_cases", values)
    assert d.verified
    assert _case_tags(d) == ["monotone", "drift"]
    assert d.step("case_2").certificate.method == "counterexample"
    assert "does not converge" in d.step("converges").reason
    # the closed form needs J bounded below: there b outside range(A) is an error naming b
    with pytest.raises(ValueError, match=r"b = \[0, 1\]"):
        worked_example("gd.closed_form", {**values, "w0": [0, 0]})


def test_the_engine_decides_concrete_refutations():
    """A refuted claim without free symbols is decided by the claim itself (the worked examples'
    drift steps): proved when the sides differ, rejected when they are equal."""
    from gdflow.derive.derivation import Assumptions, Refuted
    from gdflow.derive.verify import verify_claim

    M = sp.ImmutableMatrix([[0, 0], [0, 1]])  # M b = (0, 1) is not 0
    b = sp.MatrixSymbol("b", 2, 1)
    differ = Assumptions(definitions={b: sp.ImmutableMatrix([0, 1])})
    cert = verify_claim(Refuted(M * b, sp.ZeroMatrix(2, 1)), differ)
    assert cert.ok and cert.level == Level.PROVED
    cert = verify_claim(
        Refuted(sp.ImmutableMatrix([[1, 0], [0, 0]]) * b, sp.ZeroMatrix(2, 1)), differ
    )
    assert not cert.ok and cert.method == "rejected"
