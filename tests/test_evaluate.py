"""gdflow.derive.evaluate: ball comparisons use exactly the precisions they are given."""

from __future__ import annotations

import sympy as sp

from gdflow.derive.evaluate import PRECISIONS, _by_balls, _compare_balls, compare

E = sp.exp(1)
NEAR = E + sp.Rational(1, 10**100)
"""Differs from e by 10^-100 (about 2^-332): a 128-bit ball of the difference contains 0, a
512-bit one excludes it."""


def test_ball_comparison_asks_only_the_given_precisions() -> None:
    asked: list[int] = []

    def pairs_at(prec: int) -> list:
        asked.append(prec)
        return []

    _compare_balls(pairs_at, "", (128,))
    assert asked == [128]
    asked.clear()
    _compare_balls(pairs_at, "", PRECISIONS)
    assert asked == list(PRECISIONS)


def test_a_quick_look_at_128_bits_does_not_see_a_difference_of_1e_minus_100() -> None:
    quick = _by_balls(E, NEAR, PRECISIONS[:1])
    assert quick.verdict == "undecided"
    full = _by_balls(E, NEAR)
    assert (full.verdict, full.exact) == ("different", False)


def test_compare_finds_the_difference_exactly() -> None:
    out = compare(E, NEAR)
    assert (out.verdict, out.exact) == ("different", True)
    out = compare(sp.ImmutableMatrix([[E, 1]]), sp.ImmutableMatrix([[NEAR, 1]]))
    assert out.verdict == "different"
    assert compare(E, E).verdict == "equal"
