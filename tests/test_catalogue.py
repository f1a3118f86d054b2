"""The catalogue: stable ids, every derivation verified, nothing printed that was not proved."""

from __future__ import annotations

import inspect
import re

import pytest
import sympy as sp

from gdflow import derive
from gdflow.derive.catalogue import MODULES, builders, get, ids
from gdflow.derive.derivation import Identity, Recurrence

ISSUE_2_IDS = [
    "quadratic.least_squares",
    "quadratic.gradient",
    "quadratic.fixed_points",
    "gd.rigid_invariance",
    "gd.eigenbasis",
    "gd.coordinate_recurrence",
    "gd.step_size_cases",
    "gd.closed_form",
    "gd.limit_projection",
    "gd.loss_decay",
]


def test_ids_are_stable():
    assert [i for i in ids() if i in ISSUE_2_IDS] == ISSUE_2_IDS


@pytest.mark.parametrize("derivation_id", ids())
def test_derivation_is_verified_and_well_formed(derivation_id):
    d = get(derivation_id)
    assert d.verified, [(s.reason, str(s.certificate)) for s in d.all_steps if not s.verified]
    assert d.source.seed.endswith(".txt") and d.source.where
    for s in d.steps:
        assert s.reason.strip(), f"{derivation_id}: a step without a reason"
        if isinstance(s.claim, Identity):
            # a printed identity whose two sides are the same expression proves nothing
            assert s.claim.lhs != s.claim.rhs, f"{derivation_id}: trivial step {s.reason!r}"
    # every refuted source claim carries its counterexample
    for s in d.source_claims:
        assert s.certificate.method == "counterexample" and s.certificate.counterexample


def test_coordinate_result_is_the_piecewise_numeric_code_evaluates():
    from gdflow.derive.eigencases import coordinate_solution

    result = get("gd.coordinate_recurrence").result
    assert isinstance(result, Recurrence) and result.solution == coordinate_solution()


SOURCE_REF = re.compile(
    r"\b00[0-3]\b|\beq\.?\s*\d|§\s*\d|\b(?:quadratic|gd|flow|ridge|pinv|gaussian|kernel)\.[a-z_]+"
)
"""A seed file (000-003), an equation or section number, or a catalogue id."""


def test_source_reference_pattern_is_selective():
    assert SOURCE_REF.search("(001 eq 13; ``gd.closed_form``)")
    assert not SOURCE_REF.search("Compute the value with sympy.Rational, e.g. exactly.")


@pytest.mark.parametrize("module", MODULES)
def test_public_functions_state_formula_and_source(module):
    mod = __import__(f"gdflow.derive.{module}", fromlist=["*"])
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = inspect.getdoc(obj) or ""
            assert doc, f"derive.{module}.{name} has no docstring"
            if inspect.isfunction(obj) and name != "DERIVATIONS":
                assert SOURCE_REF.search(doc), (
                    f"derive.{module}.{name}: no seed equation, section or derivation id "
                    "in its docstring"
                )


def test_get_caches_the_built_and_the_certified_derivation_apart():
    raw = get("gd.closed_form", verified=False)
    certified = get("gd.closed_form")
    assert get("gd.closed_form", verified=False) is raw
    assert get("gd.closed_form") is certified is get("gd.closed_form", True)
    assert all(s.certificate is None for s in raw.all_steps)
    assert all(s.certificate is not None for s in certified.all_steps)
    assert [s.claim for s in certified.steps] == [s.claim for s in raw.steps]


def test_builders_make_fresh_objects():
    table = builders()
    assert table["gd.closed_form"]() is not table["gd.closed_form"]()


def test_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match="gd.closed_form"):
        derive.get("gd.closed_from")


def test_exact_reference_functions():
    from gdflow.derive.discrete import closed_form_iterate, limit_point, loss_after
    from gdflow.derive.eigencases import convergence_condition, step_size_case
    from gdflow.derive.quadratic import fixed_points, gd_step, least_squares_quadratic

    alpha, k = sp.symbols("alpha k", positive=True)
    A, b, w0 = [[2, 0], [0, 0]], [-2, 0], [1, 1]
    # 001 exercise: from w0 != 0 the limit keeps the null-space component of w0
    assert limit_point(A, b, w0) == sp.Matrix([1, 1])
    assert limit_point(A, b, [5, 7]) == sp.Matrix([1, 7])
    wk = closed_form_iterate(A, b, [3, 7], alpha, k)
    assert sp.simplify(wk[0] - (1 + 2 * (1 - 2 * alpha) ** k)) == 0 and wk[1] == 7
    for steps in range(4):
        assert closed_form_iterate(A, b, [3, 7], sp.Rational(1, 3), steps) == gd_step(
            A, b, [3, 7], "1/3", steps
        )
    # 003 exercise: f(x) = x^2 - 4x + 5 = 1/2 (2) x^2 - 4x + 5, x0 = 0, step 0.1 -> 0.4
    assert gd_step([[2]], [-4], [0], "1/10") == sp.Matrix([sp.Rational(2, 5)])
    assert convergence_condition(A, b) == sp.And(
        sp.Symbol("alpha", positive=True) > 0, sp.Symbol("alpha", positive=True) < 1
    )
    assert convergence_condition(A, [-2, 1]) == sp.false
    from gdflow.derive.eigencases import ONE_STEP

    assert step_size_case("1/2", 2) == ONE_STEP
    assert str(step_size_case("3/4", 2)) == "oscillating"
    assert str(step_size_case(1, 0, 3)) == "drift"
    # a float is its decimal: alpha = 0.1 on a = 10 is the one-step case, as "1/10" is
    assert step_size_case(0.1, 10) == step_size_case("1/10", 10) == ONE_STEP
    with pytest.raises(ValueError, match="a = -1"):
        step_size_case(1, -1)
    assert fixed_points(A, [-2, 1]).kind == "none"
    assert fixed_points([[1, 0], [0, 3]], [1, 1]).kind == "unique"
    Amat, bvec, c = least_squares_quadratic([[1, 0], [1, 1]], [1, 3])
    assert (Amat, bvec, c) == (
        sp.Matrix([[1, sp.Rational(1, 2)], [sp.Rational(1, 2), sp.Rational(1, 2)]]),
        sp.Matrix([-2, sp.Rational(-3, 2)]),
        sp.Rational(5, 2),
    )
    assert (
        loss_after(A, b, 0, [3, 7], sp.Rational(1, 4), 0)
        == (
            sp.Matrix([3, 7]).T * sp.Matrix(A) * sp.Matrix([3, 7]) / 2
            + sp.Matrix(b).T * sp.Matrix([3, 7])
        )[0]
    )
    with pytest.raises(ValueError, match="not in the range of A"):
        limit_point(A, [-2, 1], w0)


DEFINED_QUANTITIES = {("flow.predictions", "a"), ("flow.predictions", "b")}
"""Formulas that define a new quantity (the coefficients of f(x*, t) = a(t) + b(t)^T w0):
'stated' is what they are.  Every other formula defined as a candidate must name its proof."""


def test_every_formula_names_steps_that_verify_and_candidates_name_their_proof():
    from gdflow.derive.derivation import Definition
    from gdflow.derive.report import formula_status

    for id_ in derive.ids():
        d = derive.get(id_)
        for key, f in d.formulas.items():
            for label in (f.step, f.spectral_step, *f.proof):
                if label:
                    assert d.step(label).verified, (id_, key, label)
            candidate = isinstance(d.step(f.step).claim, Definition)
            if candidate and (id_, key) not in DEFINED_QUANTITIES:
                assert f.proof, f"{id_} formula {key}: a candidate with no proof steps"
                assert formula_status(d, f) in ("proved", "checked"), (id_, key)


def test_formula_is_the_derivations_own_and_names_the_keys_there_are():
    from gdflow.derive.catalogue import formula

    assert formula("gd.closed_form", "w") is derive.get("gd.closed_form", verified=False).formula
    assert formula("flow.residual", "r") == derive.get("flow.residual").formulas["r"]
    with pytest.raises(KeyError, match="nosuch.*'w'"):
        formula("gd.closed_form", "nosuch")
