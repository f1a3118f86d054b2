"""One reader of exact numbers: every number a user hands the package becomes an exact
SymPy rational the same way.

:func:`exact_number` reads a float by its shortest decimal form, so ``0.1`` is 1/10 (not the
binary value 3602879701896397/36028797018963968 that ``sympy.Rational(0.1)`` gives), and a
string such as ``"1/10"``, ``"0.1"`` or ``"1e-3"`` by its digits.  Every public entry point that
takes a number (``matrices.exact_scalar`` and so every derivation's ``*_value`` argument, the
grader's number literals) goes through it, so ``0.1`` and ``"1/10"`` are one value everywhere.
"""

from __future__ import annotations

import decimal
import fractions
import math
import numbers
import re
from typing import Any

import sympy as sp

__all__ = ["NUMBER_TEXT", "MAX_EXPONENT", "MAX_DIGITS", "exact_number", "is_number_text"]

#: a decimal literal: digits with an optional point and an optional exponent
_DECIMAL = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
#: a number as text: an optionally signed decimal, optionally over another decimal
NUMBER_TEXT = re.compile(rf"\s*[+-]?\s*{_DECIMAL}(?:\s*/\s*[+-]?\s*{_DECIMAL})?\s*")
#: bound on a decimal exponent (``1e400``) and on the digits typed: larger text is refused
#: before any big integer is built
MAX_EXPONENT = 400
MAX_DIGITS = 400


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a number :func:`exact_number` reads (``"2/5"``, ``"-1e-3"``)."""
    return NUMBER_TEXT.fullmatch(text) is not None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _decimal_text(text: str, value: Any) -> fractions.Fraction:
    """One decimal literal (already matched by ``_DECIMAL``) as an exact fraction, bounded."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa.replace(".", "")) > MAX_DIGITS:
        raise ValueError(f"{_show(value)} has more than {MAX_DIGITS} digits")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ValueError(f"{_show(value)} has a decimal exponent beyond ±{MAX_EXPONENT}")
    return fractions.Fraction(text)


def _from_text(text: str, value: Any) -> sp.Rational:
    if NUMBER_TEXT.fullmatch(text) is None:
        raise ValueError(f"{_show(value)} is not a number (such as 2, 0.1, 1e-3 or 1/10)")
    compact = re.sub(r"\s+", "", text)
    sign = -1 if compact.startswith("-") else 1
    top, _, bottom = compact.lstrip("+-").partition("/")
    num = _decimal_text(top, value)
    if bottom:
        if bottom[0] in "+-":
            sign = -sign if bottom[0] == "-" else sign
            bottom = bottom[1:]
        den = _decimal_text(bottom, value)
        if den == 0:
            raise ValueError(f"{_show(value)} divides by zero")
        num /= den
    return sp.Rational(sign * num.numerator, num.denominator)


def _from_fraction(f: fractions.Fraction) -> sp.Rational:
    return sp.Rational(f.numerator, f.denominator)


def exact_number(value: Any) -> sp.Rational:
    """``value`` as an exact SymPy rational.

    The rule (one for the whole package): an integer is itself; a float ``x`` is the decimal
    its shortest representation shows, ``Rational(repr(x))`` (``0.1`` -> 1/10, so the value a
    user typed, not its binary approximation); a NumPy float the same with its own precision's
    shortest form (``np.float32(0.1)`` -> 1/10); text is read by its digits (``"1/10"``,
    ``"0.1"``, ``"-1e-3"``, ``" 3 / 4 "``); a ``Fraction`` or a finite ``Decimal`` is the
    rational it holds; a SymPy rational is itself and a SymPy ``Float`` is its decimal form.

    Refused with an error naming the value: ``bool`` (``True`` is not a number here), NaN and
    infinities (``ValueError``), text that is not a number or has more than ``MAX_DIGITS``
    digits or an exponent beyond ``MAX_EXPONENT`` (``ValueError``), and anything else, such as
    a symbol, ``sqrt(2)`` or a complex number (``TypeError``).

    >>> exact_number(0.1), exact_number("1/10"), exact_number("1e-3"), exact_number(3)
    (1/10, 1/10, 1/1000, 3)
    """
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{value!r} is a boolean, not a number")
    if isinstance(value, sp.Basic):
        return _from_sympy(value)
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, float):  # before np.floating: np.float64 is a float subclass
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return _from_text(repr(float(value)), value)
    if isinstance(value, np.floating):
        if not np.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return _from_text(str(value), value)
    if isinstance(value, fractions.Fraction):
        return _from_fraction(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return _from_text(str(value), value)
    if isinstance(value, str):
        return _from_text(value, value)
    if isinstance(value, numbers.Rational):  # another exact rational type (gmpy2's mpq, ...)
        return sp.Rational(int(value.numerator), int(value.denominator))
    raise TypeError(
        f"{_show(value)} of type {type(value).__name__} is not a number "
        "(an int, float, Fraction, Decimal, NumPy or SymPy number, or text such as '1/10')"
    )


def _from_sympy(value: sp.Basic) -> sp.Rational:
    if isinstance(value, sp.Rational):  # Integer included
        return value
    if isinstance(value, sp.Float):
        if not value.is_finite:
            raise ValueError(f"{value!r} is not a finite number")
        # a Float of double precision came from a Python float: its shortest repr is what was
        # typed; a higher-precision Float shows its digits in str()
        text = repr(float(value)) if value._prec == 53 else str(value)
        return _from_text(text, value)
    if value in (sp.nan, sp.oo, -sp.oo, sp.zoo):
        raise ValueError(f"{value} is not a finite number")
    raise TypeError(f"{_show(value)} is not a rational number (a SymPy {type(value).__name__})")
