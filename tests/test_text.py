"""The text format: unicode pretty printing in the package's notation, every step's mark,
reason, certificate detail and counterexample (the hand-certified derivations of
``tests/certified.py`` say exactly what each step carries)."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from gdflow.derive.catalogue import get, ids
from gdflow.derive.matrices import MatExp, Pinv, TimeDerivative
from gdflow.derive.notation import A, I, K, alpha, k, t, w0, winf, wk
from gdflow.derive.text import derivation_text, pretty, pretty_name

from .certified import every_failure, every_level


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("w^(k)", "w⁽ᵏ⁾"),
        ("w^(0)", "w⁽⁰⁾"),
        ("w^(k+1)", "w⁽ᵏ⁺¹⁾"),
        ("a~_j", "ãⱼ"),
        ("b~_j", "b̃ⱼ"),
        ("w~_j^(0)", "w̃ⱼ⁽⁰⁾"),
        ("w~_star,j", "w̃⋆,ⱼ"),
        ("alpha", "α"),
        ("Phi", "Φ"),
        ("r(inf)", "r(∞)"),
        ("one_step", "one_step"),  # a word (a case label), not a letter with a subscript
    ],
)
def test_names_print_in_the_package_convention(name, shown):
    assert pretty_name(name) == shown


def test_matrix_nodes_print_as_in_the_notes():
    assert pretty(Pinv(A)) == "A†"
    assert pretty(Pinv(I - A)) == "(I - A)†"
    assert pretty(A.T) == "Aᵀ"
    assert pretty(I - alpha * A) == "I - α⋅A"  # the identity first, not SymPy's -α⋅A + I
    exp = pretty(MatExp(-K * t)).splitlines()
    assert exp[-1].startswith("e") and "K" in exp[0]  # e with its exponent above
    assert pretty(TimeDerivative(sp.MatrixSymbol("w(t)", 3, 1))).splitlines()[2].startswith("dt")
    assert pretty(winf) == "w^(∞)"


def test_closed_form_reads_like_the_notes():
    text = derivation_text(get("gd.closed_form", verified=False))
    assert "w⁽ᵏ⁾ = " in text and "(I - α⋅A)" in text and "A†" in text
    assert "assuming:" in text


def test_no_sympy_internals_in_the_catalogue_text():
    """No class names, raw name conventions (``~``, ``__``) or LaTeX left in any derivation."""
    internal = re.compile(
        r"Pinv\(|MatExp\(|TimeDerivative\(|MatrixLimit\(|Identity\(|[A-Za-z]~|[A-Za-z0-9]__|\$"
    )
    for id_ in ids():
        for line in derivation_text(get(id_, verified=False)).splitlines():
            assert not internal.search(line), (id_, line)
            assert "\\" not in line, (id_, line)


def test_every_step_shows_its_mark_reason_and_counterexample():
    d = every_level()
    text = derivation_text(d)
    for mark in ("proved · symbolic", "checked at n=5,6", "evidence", "stated · definition"):
        assert mark in text
    for s in d.all_steps:
        assert s.reason in text
    assert "counterexample: x = 1" in text
    assert "source claims that do not hold:" in text
    failing = derivation_text(every_failure())
    assert "NOT VERIFIED" in failing
    for status in ("[rejected]", "[unverified]", "[vacuous]", "no level"):
        assert status in failing
    assert "certificate: ran out of time (3 s)" in failing  # why a failing step fails


def test_recurrence_prints_name_and_solution():
    from gdflow.derive.derivation import Recurrence, Step

    step = Step(
        Recurrence(wk, winf + (I - alpha * A) ** k * (w0 - winf), k, lambda w, _k: w, w0), "r"
    )
    from gdflow.derive.text import claim_text

    text = claim_text(step)
    assert "w⁽ᵏ⁾ = " in text and "(I - α⋅A)" in text and "w⁽⁰⁾ - w^(∞)" in text
