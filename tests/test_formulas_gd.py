"""The discrete-GD derivations carry their closed forms as data (``Derivation.formulas``), each
tied to the verified step that proves it, and the exact helpers are those formulas instantiated."""

from __future__ import annotations

import pytest
import sympy as sp

from gdflow import derive
from gdflow.derive.derivation import Definition, Formula, Identity, Recurrence, Step
from gdflow.derive.discrete import closed_form_iterate, limit_point, loss_after
from gdflow.derive.quadratic import gd_step, objective

FORMULAS = [
    ("gd.closed_form", "w"),
    ("gd.coordinate_recurrence", "w"),
    ("gd.limit_projection", "w"),
    ("gd.loss_decay", "gap"),
    ("gd.eigenbasis", "J"),
    ("quadratic.gradient", "step"),
]


def _proved(claim: object) -> tuple[sp.Basic, sp.Basic]:
    """(name, expression) that a step's claim proves (or defines)."""
    if isinstance(claim, Recurrence):
        return claim.name, claim.solution
    if isinstance(claim, (Identity, Definition)):
        assert claim.rhs is not None
        return claim.lhs, claim.rhs
    raise AssertionError(f"a formula's step must be a Recurrence, Identity or Definition: {claim}")


def _named(derivation_id: str, label: str) -> Step:
    d = derive.get(derivation_id)
    step = d.step(label)
    assert step.verified, (derivation_id, label, str(step.certificate))
    return step


@pytest.mark.parametrize("derivation_id, key", FORMULAS)
def test_formula_is_the_expression_its_verified_step_proves(derivation_id, key):
    formula = derive.get(derivation_id).formulas[key]
    assert isinstance(formula, Formula) and formula.step and formula.text
    name, expr = _proved(_named(derivation_id, formula.step).claim)
    assert formula.expr == expr and sp.srepr(formula.expr) == sp.srepr(expr)
    assert formula.name == name
    size = sp.Symbol("n", integer=True, positive=True)
    assert formula.expr.free_symbols <= {*formula.params, size}, formula.expr.free_symbols


@pytest.mark.parametrize("derivation_id, key", [f for f in FORMULAS if f[1] not in ("step", "J")])
def test_spectral_form_is_what_its_verified_step_proves(derivation_id, key):
    formula = derive.get(derivation_id).formulas[key]
    assert formula.spectral is not None and formula.spectral_step
    step = _named(derivation_id, formula.spectral_step)
    _, expr = _proved(step.claim)
    # the step's own definitions (w*_j = -b_j/a_j) are substituted, nothing else
    candidates = [expr] + ([step.given.substitute(expr)] if step.given is not None else [])
    assert any(formula.spectral == c for c in candidates), (formula.spectral, candidates)
    assert formula.spectral.free_symbols <= set(formula.spectral_params)
    assert formula.spectral_params[0] == sp.Symbol("a~_j", nonnegative=True)
    formula.spectral_function()  # lambdifies


def test_objective_spectral_form_sums_to_the_diagonal_form_its_step_proves():
    """gd.eigenbasis proves J in eigen-coordinates with D diagonal; its spectral form is one
    term of that sum: at D = diag(a_1, a_2, a_3) the matrix form is the sum of the terms."""
    formula = derive.get("gd.eigenbasis").formulas["J"]
    D_, wt, bt = formula.params
    _, expr = _proved(_named("gd.eigenbasis", formula.spectral_step).claim)
    assert expr == formula.expr
    a, w, b = (sp.symbols(f"{x}1:4", real=True) for x in "awb")
    size = sp.Symbol("n", integer=True, positive=True)
    values = {D_: sp.diag(*a), wt: sp.Matrix(w), bt: sp.Matrix(b), size: 3}
    matrix = sp.Matrix(expr.xreplace(values).as_explicit())[0, 0]
    a_j, b_j, w_j = formula.spectral_params
    terms = sum(formula.spectral.xreplace({a_j: a[i], b_j: b[i], w_j: w[i]}) for i in range(3))
    assert sp.expand(matrix - terms) == 0


def test_closed_form_spectral_is_the_coordinate_recurrence_solution():
    closed = derive.get("gd.closed_form").formulas["w"]
    coordinate = derive.get("gd.coordinate_recurrence").formula
    assert closed.spectral == coordinate.expr == coordinate.spectral


def test_limit_formula_instantiates_to_the_projection():
    from gdflow.derive import notation as n

    formula = derive.get("gd.limit_projection").formulas["w"]
    values = {
        n.A: sp.ImmutableMatrix([[2, 0], [0, 0]]),
        n.b: sp.ImmutableMatrix([-2, 0]),
        n.w0: sp.ImmutableMatrix([5, 7]),
        n.n: 2,
    }
    assert sp.Matrix(formula.instantiate(values).as_explicit()) == sp.Matrix([1, 7])


# -- the exact helpers ------------------------------------------------------------------------

A2 = [[2, 1], [1, 2]]  # eigenvalues 1 and 3, eigenvectors (1, -1) and (1, 1)


def test_closed_form_iterate_is_gd_at_every_k_for_rational_and_irrational_spectra():
    for A, b, w0 in ((A2, [1, 0], [3, 7]), ([[1, 1], [1, 2]], [1, -2], [0, 1])):
        for steps in range(4):
            got = closed_form_iterate(A, b, w0, sp.Rational(1, 3), steps)
            assert (got - gd_step(A, b, w0, "1/3", steps)).applyfunc(sp.simplify) == sp.zeros(2, 1)


def test_closed_form_iterate_keeps_k_symbolic_and_drifts_outside_the_range():
    alpha, k = sp.symbols("alpha k", positive=True)
    got = closed_form_iterate(A2, [0, 0], [1, 0], alpha, k)
    # w0 = ((1,1) + (1,-1))/2: the two eigendirections decay by (1 - 3 alpha)^k and (1 - alpha)^k
    expected = sp.Matrix(
        [
            ((1 - 3 * alpha) ** k + (1 - alpha) ** k) / 2,
            ((1 - 3 * alpha) ** k - (1 - alpha) ** k) / 2,
        ]
    )
    assert (got - expected).applyfunc(sp.simplify) == sp.zeros(2, 1)
    # b outside range(A) on a zero eigenvalue: the coordinate formula's drift branch (001 case 2)
    drift = closed_form_iterate([[2, 0], [0, 0]], [-2, 1], [0, 0], sp.Rational(1, 4), k)
    assert sp.simplify(drift[1] + k / 4) == 0


def test_closed_form_iterate_reads_floats_as_decimals():
    assert closed_form_iterate([[2]], [-2], [0], 0.1, 1) == sp.Matrix([sp.Rational(1, 5)])


def test_loss_after_is_the_objective_at_the_iterate():
    alpha, k = sp.Rational(1, 4), 3
    for A, b, c, w0 in ((A2, [1, 0], 5, [3, 7]), ([[1, 1], [1, 2]], [1, -2], 0, [0, 1])):
        at = objective(A, b, c, gd_step(A, b, w0, alpha, k))
        assert sp.simplify(loss_after(A, b, c, w0, alpha, k) - at) == 0


def test_loss_after_with_symbolic_k_decays_by_the_square():
    k = sp.Symbol("k", integer=True, nonnegative=True)
    got = loss_after([[2]], [-2], 1, [0], sp.Rational(1, 4), k)
    # J = w^2 - 2w + 1, J* = 0 at w* = 1, w0 - w* = -1: gap (2/2)(1/2)^(2k)
    assert sp.simplify(got - sp.Rational(1, 4) ** k) == 0


def test_exact_helpers_refuse_b_outside_the_range():
    with pytest.raises(ValueError, match=r"not in the range of A"):
        limit_point([[2, 0], [0, 0]], [-2, 1], [0, 0])
    with pytest.raises(ValueError, match=r"not in the range of A"):
        loss_after([[2, 0], [0, 0]], [-2, 1], 0, [0, 0], 1, 1)
    with pytest.raises(ValueError, match=r"b must have shape \(2, 1\)"):
        closed_form_iterate([[2, 0], [0, 0]], [1, 2, 3], [0, 0], 1, 1)


def test_exact_helpers_follow_an_edited_formula(monkeypatch):
    """The helpers compute from the derivation's formula, not from a copy of it."""
    import dataclasses

    from gdflow.derive import discrete
    from gdflow.derive import notation as n

    real = discrete._formula

    def edited(derivation_id: str, key: str) -> Formula:
        f = real(derivation_id, key)
        if derivation_id == "gd.closed_form":
            return dataclasses.replace(f, spectral=f.spectral.xreplace({n.k: n.k + 1}))
        if derivation_id == "gd.limit_projection":
            return dataclasses.replace(f, expr=2 * f.expr)
        return f

    before = closed_form_iterate(A2, [1, 0], [3, 7], sp.Rational(1, 3), 2)
    monkeypatch.setattr(discrete, "_formula", edited)
    assert closed_form_iterate(A2, [1, 0], [3, 7], sp.Rational(1, 3), 1) == before
    assert limit_point([[2, 0], [0, 0]], [-2, 0], [5, 7]) == sp.Matrix([2, 14])


def test_gd_step_instantiates_the_update_formula(monkeypatch):
    """The grader's one-step reference (quadratic.gd_step) is the ``step`` formula of
    quadratic.gradient: doubling the formula doubles the step (hand value: 2 * 2/5)."""
    import dataclasses

    from gdflow.derive import quadratic

    assert gd_step([[2]], [-4], [0], "1/10") == sp.Matrix([[sp.Rational(2, 5)]])
    built = quadratic.gradient_derivation()
    f = built.formulas["step"]
    edited = dataclasses.replace(built, formulas={"step": dataclasses.replace(f, expr=2 * f.expr)})
    monkeypatch.setattr(quadratic, "gradient_derivation", lambda: edited)
    assert gd_step([[2]], [-4], [0], "1/10") == sp.Matrix([[sp.Rational(4, 5)]])
