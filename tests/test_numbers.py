"""derive.numbers.exact_number: one reader of exact numbers (0.1 is 1/10 at every entry)."""

import decimal
import fractions

import numpy as np
import pytest
import sympy as sp

from gdflow.derive.eigencases import step_size_case
from gdflow.derive.matrices import exact_matrix, exact_scalar
from gdflow.derive.numbers import exact_number, is_number_text

TENTH = sp.Rational(1, 10)


@pytest.mark.parametrize(
    "value",
    [
        0.1,
        "0.1",
        "1/10",
        " 1 / 10 ",
        "1e-1",
        ".1",
        "10e-2",
        np.float64(0.1),
        np.float32(0.1),
        fractions.Fraction(1, 10),
        decimal.Decimal("0.1"),
        decimal.Decimal("0.100"),
        sp.Float(0.1),
        sp.Float("0.1", 30),
        sp.Rational(1, 10),
    ],
)
def test_every_spelling_of_a_tenth_is_one_tenth(value):
    got = exact_number(value)
    assert got == TENTH and isinstance(got, sp.Rational)


def test_binary_value_is_not_what_is_read():
    # the trap this reader exists for: SymPy's Rational(0.1) is the binary double
    assert sp.Rational(0.1) != TENTH
    assert exact_number(0.1) == TENTH


@pytest.mark.parametrize(
    "value,exact",
    [
        (3, sp.Integer(3)),
        (np.int64(-7), sp.Integer(-7)),
        ("-3/4", sp.Rational(-3, 4)),
        ("3/-4", sp.Rational(-3, 4)),
        ("-1e-3", sp.Rational(-1, 1000)),
        ("2.5e2", sp.Integer(250)),
        ("0.5/0.25", sp.Integer(2)),
        (1e300, sp.Integer(10) ** 300),
        (decimal.Decimal("1E+3"), sp.Integer(1000)),
        (2**70, sp.Integer(2**70)),
    ],
)
def test_values(value, exact):
    assert exact_number(value) == exact


@pytest.mark.parametrize(
    "value,error,words",
    [
        (float("nan"), ValueError, "nan"),
        (float("inf"), ValueError, "inf"),
        (-float("inf"), ValueError, "-inf"),
        (np.float64("nan"), ValueError, "nan"),
        (decimal.Decimal("NaN"), ValueError, "NaN"),
        (sp.nan, ValueError, "nan"),
        (sp.oo, ValueError, "oo"),
        (True, TypeError, "True"),
        (np.bool_(False), TypeError, "False"),
        ("x", ValueError, "'x'"),
        ("1/0", ValueError, "'1/0'"),
        ("1e999", ValueError, "'1e999'"),
        ("9" * 500, ValueError, "digits"),
        ("1/3/4", ValueError, "'1/3/4'"),
        (sp.pi, TypeError, "pi"),
        (sp.sqrt(2), TypeError, "sqrt(2)"),
        (sp.Symbol("a"), TypeError, "a"),
        (1j, TypeError, "1j"),
        (None, TypeError, "None"),
        ([0.1], TypeError, "[0.1]"),
    ],
)
def test_refusals_name_the_value(value, error, words):
    with pytest.raises(error) as info:
        exact_number(value)
    assert words in str(info.value)


def test_number_text():
    assert is_number_text("2/5") and is_number_text("-1e-3") and is_number_text(" .5 ")
    assert not is_number_text("x") and not is_number_text("2x") and not is_number_text("1/")


def test_exact_scalar_and_matrix_delegate():
    assert exact_scalar(0.1) == exact_scalar("1/10") == exact_scalar("0.1") == TENTH
    a = sp.Symbol("a")
    assert exact_scalar(0.1 * a) == a / 10
    assert exact_scalar("alpha/10") == sp.Symbol("alpha") / 10
    assert exact_matrix([[0.1, "1/10"], [np.float32(0.1), fractions.Fraction(1, 10)]]) == (
        sp.Matrix([[TENTH, TENTH], [TENTH, TENTH]])
    )
    with pytest.raises(ValueError, match="nan"):
        exact_scalar(float("nan"))


def test_step_size_case_reads_a_tenth_as_a_tenth():
    assert step_size_case(0.1, 10) == step_size_case("1/10", 10) == step_size_case(TENTH, 10)


def test_exact_scalar_keeps_infinity():
    # t = oo is a time the derivations evaluate at, however it is spelt; NaN is refused
    for inf in (sp.oo, "oo", float("inf"), np.inf, np.float32("inf")):
        assert exact_scalar(inf) is sp.oo
    assert exact_scalar(-sp.oo) is exact_scalar(-float("inf")) is -sp.oo
    with pytest.raises(ValueError, match="nan"):
        exact_scalar(float("nan"))
    with pytest.raises(ValueError, match="divides by zero"):
        exact_scalar("1/0")


def test_function_space_times_are_read_exactly():
    from gdflow.derive.function_space import (
        parameter_evolution,
        prediction_coefficients,
        residual_evolution,
    )

    X, y, w0 = [[1, 0], [0, 0]], [1, 1], [0, 0]
    for f, third in ((residual_evolution, w0), (parameter_evolution, w0)):
        assert f(X, y, third, 0.1) == f(X, y, third, "1/10") == f(X, y, third, TENTH)
        assert f(X, y, third, float("inf")) == f(X, y, third, sp.oo)
    assert prediction_coefficients(X, y, [1, 1], 0.1) == prediction_coefficients(
        X, y, [1, 1], TENTH
    )
    assert not residual_evolution(X, y, w0, 0.1).atoms(sp.Float)


def test_discrete_helpers_read_numbers_exactly():
    from gdflow.derive.discrete import closed_form_iterate, limit_point, loss_after
    from gdflow.derive.eigencases import convergence_condition

    floats = ([[0.5, 0], [0, 0]], [-0.5, 0], [0, 1])
    texts = ([["1/2", 0], [0, 0]], ["-1/2", 0], [0, 1])
    assert closed_form_iterate(*floats, 0.1, 1) == closed_form_iterate(*texts, "1/10", 1)
    assert limit_point(*floats) == limit_point(*texts)
    assert loss_after([[1]], [0], 0.1, [1], 0.1, 1) == sp.Rational(101, 200)  # ½·0.81 + 0.1
    assert str(convergence_condition(floats[0], floats[1])) == "alpha < 4"
