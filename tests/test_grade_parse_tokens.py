"""checks.grade.parse.tokens: plain syntax as tokens, factorials, the implicit-product policy."""

import pytest

from gdflow.checks.grade.parse.errors import ParseError
from gdflow.checks.grade.parse.tokens import (
    NAME,
    NUM,
    OP,
    explicit_products,
    rewrite_factorials,
    to_source,
    tokenize_plain,
)


def source(text: str) -> str:
    return to_source(rewrite_factorials(explicit_products(tokenize_plain(text))))[0]


def test_tokens_kinds_and_columns():
    toks = tokenize_plain("2.5e-3*x_1 ^ 2")
    assert [(t.kind, t.text, t.column) for t in toks] == [
        (NUM, "2.5e-3", 1),
        (OP, "*", 7),
        (NAME, "x_1", 8),
        (OP, "**", 12),  # ^ is **
        (NUM, "2", 14),
    ]


@pytest.mark.parametrize(
    "text,src",
    [
        ("2x", "2 * x"),
        ("(a + b)w", "( a + b ) * w"),
        ("(x+1)(x-1)", "( x + 1 ) * ( x - 1 )"),
        ("x y", "x * y"),
        ("alpha(x)", "alpha ( x )"),  # a call in the tree: the walker decides product or call
        ("x[0]", "x [ 0 ]"),  # indexing, refused by the walker
        ("2e-3x", "2e-3 * x"),
        ("2e", "2 * e"),
        ("x in (0, 1)", "x in ( 0 , 1 )"),  # keywords are not operands
        ("lambda*2", "lambda_ * 2"),
        ("3!", "factorial ( 3 )"),
        ("(x+1)!", "factorial ( ( x + 1 ) )"),
        ("sqrt(x)!", "factorial ( sqrt ( x ) )"),
        ("3!!", "factorial ( factorial ( 3 ) )"),
        ("2 3!", None),
        ("3!x", "factorial ( 3 ) * x"),
        ("2x!", "2 * factorial ( x )"),
        ("(x+1)!(x-1)", "factorial ( ( x + 1 ) ) * ( x - 1 )"),
        ("x != 1", "x != 1"),
    ],
)
def test_policy_sources(text, src):
    if src is None:
        with pytest.raises(ParseError, match="two numbers side by side"):
            source(text)
    else:
        assert source(text) == src


def test_source_maps_back_to_columns():
    src, where = to_source(explicit_products(tokenize_plain("1 + 2x")))
    assert src == "1 + 2 * x"
    assert [where[o] for o in sorted(where)] == [1, 3, 5, 6, 6]  # the inserted * is at x


def test_bang_without_operand():
    with pytest.raises(ParseError, match="must follow"):
        rewrite_factorials(tokenize_plain("!x"))
