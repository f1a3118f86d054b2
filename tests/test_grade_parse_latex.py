"""checks.grade.parse.latex: the whitelist check and LaTeX lowered into plain-syntax tokens."""

import pytest

from gdflow.checks.grade.parse.errors import ParseError
from gdflow.checks.grade.parse.latex import is_latex, latex_precheck, lower_latex
from gdflow.checks.grade.parse.tokens import to_source


def lowered(text: str) -> str:
    return to_source(lower_latex(latex_precheck(text)))[0]


@pytest.mark.parametrize(
    "text,src",
    [
        (r"\frac{a}{b}", "( ( ( a ) ) / ( ( b ) ) )"),  # braces are brackets too
        (r"\frac23", "( ( 2 ) / ( 3 ) )"),
        (r"\sqrt{x}", "sqrt ( ( x ) )"),
        (r"\sqrt[3]{x}", "( ( ( x ) ) ** ( 1 / ( 3 ) ) )"),
        ("x^{2}", "x ** ( ( 2 ) )"),
        ("x^23", "x ** ( 2 ) 3"),
        (r"A^\top", "A ** ( T )"),
        (r"A^{\dagger}", "A ** ( ( dagger ) )"),
        ("w_{0}", "w_0"),
        (r"\alpha_1", "alpha_1"),
        (r"\left(x\right)", "( x )"),
        ("|x|", "abs ( x )"),
        (r"\sin x", "sin ( x )"),
        (r"\sin(x)", "sin ( x )"),
        (r"\log_2 x", "log ( x , 2 )"),
        (r"\sin^2 x", "( sin ( x ) ) ** ( 2 )"),
        (r"\begin{bmatrix}1 & 2\\ 3 & 4\end{bmatrix}", "( [ [ 1 , 2 ] , [ 3 , 4 ] ] )"),
        (r"\begin{pmatrix}1\\ 2\\\end{pmatrix}", "( [ [ 1 ] , [ 2 ] ] )"),
        (r"a \cdot b \times c", "a * b * c"),
        (r"0 \le x \leq 1", "0 <= x <= 1"),
        (r"\alpha \in (0, 1]", "alpha in ( 0 , 1 ]"),
        (r"\infty + \pi", "oo + pi"),
        (r"\lambda", "lambda_"),
        ("xy", "x y"),  # each letter a name: products are written by the shared policy
        ("0.75", "0.75"),
        (r"\mathrm{e}^x", "e ** ( x )"),
        ("$x$", "x"),
    ],
)
def test_lowering(text, src):
    assert lowered(text) == src


@pytest.mark.parametrize(
    "text,words",
    [
        (r"\input{x}", "`\\input` is not allowed"),
        (r"\begin{array}1\end{array}", "environment `array`"),
        (r"\text{hi}", "only allowed as \\mathrm{e}"),
        ("x % c", "TeX comment"),
        (r"\frac{1}", "missing its argument"),
        ("^2", "needs something before it"),
        ("1_2", "must follow a name"),
        (r"\left\{ x \right\}", "not a bracket that can be read"),
        ("}", "unbalanced braces"),
        (r"\end{bmatrix}", "without a matching"),
        (r"\log_f(", "missing its closing bracket"),  # found by fuzzing
    ],
)
def test_refusals(text, words):
    with pytest.raises(ParseError) as info:
        lowered(text)
    assert words in info.value.message


def test_what_is_latex():
    assert is_latex(r"\frac12") and is_latex("x^{2}") and is_latex("$x$")
    assert not is_latex("x^2") and not is_latex("$") and not is_latex("(1, 2)")
