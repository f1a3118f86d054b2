r"""Issue 14: a class of answers in the forms lecturers accept, each graded as a lecturer
would (the verdicts are decided by hand and stated in ``CASES``).

The acceptance policy (one for plain syntax and LaTeX; README "Grading", and
:func:`gdflow.checks.grade.parse.plain.read`):

* a question asking for a value (not an equation, a condition or a set) accepts a left side
  naming the quantity: one name that is not a value of the problem, with an index
  exponent and one argument group at most (``w = …``, ``w^{(k)} = …``, ``J(w^{(2)}) = …``,
  ``x_2 = …``, ``r(t) = …``, ``α = …``), and named components (``u = 1.8, v = -0.6``: in
  the question's variable order, else by index, else as written);
* sides joined by ``=`` are all the answer and must agree (``3/4 = 0.75`` is 3/4; ``3/4 =
  0.7`` is incorrect); ``≈`` introduces a rounding that must be one (``1/3 ≈ 0.33``) or,
  alone, an approximate answer checked with the question's tolerance (``≈ -1.91``);
* ``e^{M}`` is the matrix exponential of a matrix ``M``; tuples and transposed tuples are
  vectors; a number times a matrix or a list is a product; implicit products follow one
  policy in both syntaxes (in plain syntax a run of letters that is no name is the one
  product of names it spells: ``Kt``); unicode letters and operators are read (Φ, λ, ᵀ, ≈, ≤, −);
  ``Φ^+`` / ``\Phi^{+}`` is the pseudoinverse; ``]a, b[`` is an open interval;
  comma-separated conditions all hold; step-size labels ignore case, plurals and a leading
  "it";
* a decimal comma where one number is asked (``0,75``, ``-1,91``, ``0{,}75``) is
  ``invalid`` with the fix, prose is ``invalid`` with a short reason;
* a formula whose sizes do not fit is ``incorrect`` naming the product, like an inverse of a
  singular matrix.
"""

import pytest
import sympy as sp

from gdflow.checks.grade.grader import grade_answer
from gdflow.checks.grade.spec import loads_spec

SPEC = """
title = "forms"
[[question]]
id = "limit"
kind = "fixed_point"
A = [[2, 1], [1, 2]]
b = [-3, -0.6]
start = [0, 0]
expected = "[9/5, -3/5]"
[[question]]
id = "singular"
kind = "fixed_point"
A = [[1, 1], [1, 1]]
b = [-2, -2]
start = [3, 1]
[[question]]
id = "iterate"
kind = "closed_form_iterate"
A = [[2, 0], [0, 0]]
b = [-2, 0]
start = [3, 1]
learning_rate = "alpha"
steps = "k"
assume = ["0 < alpha < 1", "k >= 0 integer"]
[[question]]
id = "step3"
kind = "gd_step"
start = [1, -2, 1]
gradient = [10, -2.5, 5]
learning_rate = 0.1
[[question]]
id = "uv"
kind = "gd_step"
objective = "u**2 + v**2 + u*v - 3*u"
variables = ["u", "v"]
start = [0, 0]
learning_rate = "0.6"
[[question]]
id = "x2"
kind = "gd_step"
objective = "x**2 - 4*x + 5"
variables = ["x"]
start = [0]
learning_rate = "0.1"
steps = 2
[[question]]
id = "loss"
kind = "loss_after"
A = [[2, 0], [0, 0]]
b = [-2, 0]
start = [3, 1]
learning_rate = "1/4"
steps = 2
[[question]]
id = "resid"
kind = "gradient_flow"
X = [[1, 0], [0, 2]]
y = [1, 1]
start = [0, 0]
target = "r"
time = "t"
[[question]]
id = "wflow"
kind = "gradient_flow"
X = [[1, 0], [0, 2]]
y = [1, 1]
start = [0, 0]
target = "w"
time = "t"
[[question]]
id = "rate"
kind = "expression"
reference = "1/3"
[[question]]
id = "thirds"
kind = "expression"
reference = "[1/3, 2/3]"
[[question]]
id = "approx"
kind = "expression"
reference = "-1.9104"
tolerance = 0.01
[[question]]
id = "cond"
kind = "convergence_condition"
A = [[6, 0], [0, 2]]
variable = "alpha"
[[question]]
id = "case"
kind = "step_size_case"
learning_rate = "1/2"
curvature = 4
[[question]]
id = "ridge"
kind = "ridge_limit"
Phi = [[1, 1], [2, 2]]
t = [1, 2]
[[question]]
id = "shift"
kind = "expression"
reference = "(a + lambda)*w"
symbols = ["a", "lambda", "w"]
[[question]]
id = "three"
kind = "expression"
reference = "3/4"
[[question]]
id = "mean"
kind = "gaussian_affine"
mean = [1, -1]
covariance = [[1, 0], [0, 4]]
B = [[1, 1], [0, 1]]
c = [0, 0]
part = "mean"
"""

C, X, V = "correct", "incorrect", "invalid"

# (question, answer, verdict decided by hand, words our feedback must contain)
CASES = [
    # -- a left side naming the asked quantity, in both syntaxes
    ("limit", "w = (9/5, -3/5)", C, "correct"),
    ("limit", r"$w^{(\infty)} = \begin{bmatrix}1.8\\-0.6\end{bmatrix}$", C, "correct"),
    ("limit", "w^(oo) = [1.8, -0.6]", C, "correct"),
    ("limit", "w* = [1.8, -0.6]", V, ""),  # `*` then `=`: not a formula
    ("limit", r"$w^* = \begin{bmatrix}1.8\\-0.6\end{bmatrix}$", C, "correct"),
    ("limit", "u = 1.8, v = -0.6", C, "correct"),
    ("limit", "w_2 = -0.6, w_1 = 1.8", C, "correct"),  # by index
    ("limit", "w = [1.8, 0.6]", X, "entry (2, 1)"),  # the left side never rescues a value
    ("iterate", "w^{(k)} = [1 + 2(1-2α)^k, 1]", C, "correct"),
    ("iterate", r"$w^{(k)} = \begin{bmatrix}1 + 2(1-2\alpha)^k\\ 1\end{bmatrix}$", C, "correct"),
    ("iterate", "w_k = [1 + 2(1-2α)^k, 1]", C, "correct"),
    ("iterate", "w = w - alpha*(A*w + b)", V, "unknown name `w`"),  # an update rule
    ("x2", "x_2 = 0.72", C, "correct"),
    ("x2", "x^{(2)} = 0.72", C, "correct"),
    ("uv", "u = 1.8, v = 0", C, "correct"),
    ("uv", "v = 0, u = 1.8", C, "correct"),  # in the question's variable order
    ("uv", "u = 1.8, u = 0", V, "two values"),
    ("loss", "J = -3/4", C, "correct"),
    ("loss", "J(w^{(2)}) = -3/4", C, "correct"),
    ("loss", "$J(w^{(2)}) = -\\frac34$", C, "correct"),
    ("resid", "r(t) = e^{-Kt}(X w0 - y)", C, "correct"),
    ("resid", "$r(t) = e^{-Kt}(Xw_0 - y)$", C, "correct"),
    ("wflow", "w(t) = X^+ y + e^{-X^T X t}(w0 - X^+ y)", C, "correct"),
    ("rate", "α = 1/3", C, "correct"),
    ("rate", r"$\alpha = \frac13$", C, "correct"),
    # -- e^{M}, tuples, transposed tuples, scalar times a matrix
    ("resid", "e^{-K t} (-y)", C, "correct"),
    ("resid", "-e^(-K*t)*y", C, "correct"),
    ("limit", r"$\left(\frac95, -\frac35\right)$", C, "correct"),
    ("limit", r"\left(\frac95, -\frac35\right)", C, "correct"),
    ("limit", "(9/5, -3/5)^T", C, "correct"),
    ("step3", "(0, -1.75, 0.5)^T", C, "correct"),
    ("step3", "$(0, -1.75, 0.5)^\\top$", C, "correct"),
    ("step3", "(0, -1.75, 0.5)ᵀ", C, "correct"),
    ("limit", r"$\frac15\begin{bmatrix}9\\-3\end{bmatrix}$", C, "correct"),
    ("limit", "1/5 [9, -3]", C, "correct"),
    ("limit", "(1/5)[9, -3]", C, "correct"),
    ("limit", "b[0]", V, "indexing"),  # a name before `[` is still indexing
    # -- a CRLF inside a (quoted) cell is a line end
    ("limit", "\\begin{bmatrix}1.8\\\\\r\n-0.6\\end{bmatrix}", C, "correct"),
    # -- implicit products and unicode, one policy for both syntaxes
    ("shift", "(a + λ)w", C, "correct"),
    ("shift", "$(a+\\lambda) w$", C, "correct"),
    ("shift", "$(a+λ) w$", C, "correct"),
    ("ridge", "Φ^+ t", C, "correct"),
    ("ridge", "Φ⁺t", C, "correct"),
    ("ridge", "$\\Phi^{+} t$", C, "correct"),
    ("ridge", "$\\Phi^+ t$", C, "correct"),
    ("ridge", "Phi^+ t", C, "correct"),
    ("ridge", "$\\Phi^{\\dagger} t$", C, "correct"),
    ("ridge", "(Φᵀ Φ)^+ Φᵀ t", C, "correct"),
    ("cond", "0 < α ≤ 1/3", X, "2/λ_max = 1/3"),  # the end oscillates
    ("cond", "0 < α < 1/3", C, "correct"),
    ("cond", "0 < α < 1 − 2/3", C, "correct"),
    # -- intervals and conditions
    ("cond", "]0, 1/3[", C, "correct"),
    ("cond", r"$\left]0, \frac13\right[$", C, "correct"),
    ("cond", "α ∈ ]0, 1/3[", C, "correct"),
    ("cond", "]0, 1/3]", X, "2/λ_max = 1/3"),
    ("cond", "alpha > 0, alpha < 1/3", C, "correct"),
    ("cond", "0 < alpha, alpha < 1/3", C, "correct"),
    ("cond", "alpha > 0, alpha < 1/2", X, "diverge"),
    # -- labels: spellings and plurals
    ("case", "bounded oscillations", C, "correct"),
    ("case", "Bounded-Oscillation", C, "correct"),
    ("case", "it oscillates", C, "correct"),
    ("case", "2-cycle", C, "correct"),
    # -- ≈ with the question's tolerance, = between equal numbers
    ("approx", "≈ -1.91", C, "correct"),
    ("approx", "x ≈ -1.91", C, "correct"),
    ("approx", r"$\approx -1.91$", C, "correct"),
    ("approx", "≈ -1.8", X, "yours is -1.8, the correct value is -1.9104"),
    ("three", "3/4 = 0.75", C, "correct"),
    ("three", "3/4 ≈ 0.75", C, "correct"),
    ("three", "0.75 = 3/4", C, "correct"),
    ("three", "3/4 = 0.7", X, "not equal"),
    ("rate", "1/3 ≈ 0.33", C, "correct"),
    ("rate", "1/3 ≈ 0.5", X, "not a rounding"),
    ("rate", "≈ 0.3333", X, "rounded to 4 decimals"),  # no tolerance: the exact value asked
    ("loss", "-3/4 = -0.75", C, "correct"),
    ("loss", "3/4 = 0.75", X, "opposite sign"),
    # -- decimal commas and prose: invalid, never incorrect
    ("three", "0,75", V, "write 0.75"),
    ("three", "0, 75", V, "write 0.75"),
    ("three", "$0{,}75$", V, "write 0.75"),
    ("three", "$0,75$", V, "write 0.75"),
    ("approx", "-1,91", V, "write -1.91"),
    ("loss", "-0,75", V, "write -0.75"),
    ("x2", "x_2 = 0,72", V, "write 0.72"),
    ("loss", "the loss is -3/4", V, "not a formula"),
    ("rate", "I think one third", V, "not a formula"),
    # -- sizes that do not fit are incorrect, like a singular inverse
    ("mean", "mu*B", X, "the product mu·B"),
    ("mean", "mu B + c", X, "2×1 times 2×2"),
    ("limit", "A*b + 1", X, "a 2×1 matrix and a number"),
    ("limit", "[9/5, -3/5] + [1, 2, 3]", X, "2×1 and 3×1"),
    ("singular", "-inv(A)*b", X, "singular"),
    ("iterate", "w^(k) = [1 + 2(1-2α)^k, 1]", C, "correct"),
    ("three", "alph*2 + bta", V, "unknown name `alph`"),  # symbols, not a sentence
    ("three", "1 = 1 = 1 = 1 = 1", V, "more than 4 sides"),
    ("three", "≈", V, "one side of `≈` is empty"),
    ("three", "w = ", V, "one side of `=` is empty"),
    ("three", "≈ 0.75 = 3/4", C, "correct"),
    # a run of letters that is no name: the one product of names it spells, as in LaTeX
    ("resid", "-exp(-Kt) y", C, "correct"),
    ("resid", "-e^(-Kt)y", C, "correct"),
    ("mean", "Bmu + c", C, "correct"),
    ("mean", "muB + c", X, "the product mu·B"),
    ("shift", "aw + lambdaw", C, "correct"),
    ("thirds", "[1/3, 2/3]", C, "correct"),
    ("thirds", "(1/3, 2/3)ᵀ", C, "correct"),
]


@pytest.fixture(scope="module")
def qs():
    return loads_spec(SPEC).questions


@pytest.mark.parametrize("qid,answer,verdict,words", CASES)
def test_forms_graded_as_a_lecturer_would(qs, qid, answer, verdict, words):
    r = grade_answer(qs[qid], answer)
    assert r["verdict"] == verdict, r
    assert words in r["feedback"], r


def test_the_class_covers_every_verdict_and_question(qs):
    assert {v for _, _, v, _ in CASES} == {C, X, V}
    assert {q for q, _, _, _ in CASES} == set(qs)


# -- feedback ----------------------------------------------------------------------------


def test_a_rounding_is_named_as_written(qs):
    r = grade_answer(qs["rate"], "0.3333333333333333")
    assert r["verdict"] == X
    assert "your 0.3333333333333333 is the exact answer rounded to 16 decimals" in r["feedback"]
    assert "3333333333333333/" not in r["feedback"]  # shown as written, not as a fraction
    r = grade_answer(qs["cond"], "0 < alpha < 0.3333333333333333")
    assert r["verdict"] == X
    assert "upper end 0.3333333333333333 is 2/λ_max = 1/3 rounded to 16 decimals" in r["feedback"]
    assert "close to" not in r["feedback"]
    r = grade_answer(qs["thirds"], "[0.3333, 0.6667]")
    assert r["verdict"] == X
    assert (
        "entries (1, 1) = 0.3333, (2, 1) = 0.6667 are the exact values rounded" in (r["feedback"])
    )
    r = grade_answer(qs["thirds"], "[1/3, 0.6667]")
    assert "your entry (2, 1) = 0.6667 is the exact value rounded" in r["feedback"]


def test_a_close_value_that_is_no_rounding_is_said_close(qs):
    r = grade_answer(qs["rate"], "0.334")
    assert r["verdict"] == X
    assert "0.334 is close to the correct one" in r["feedback"]
    assert "rounded" not in r["feedback"]


def test_no_library_text_for_a_periodic_condition(qs):
    r = grade_answer(qs["cond"], "sin(alpha) > 0")
    assert r["verdict"] == X
    assert r["feedback"].startswith("this condition cannot be solved for alpha")
    assert "write it as inequalities on alpha" in r["feedback"]


def test_no_case_only_suggestion_for_a_single_letter(qs):
    r = grade_answer(qs["limit"], "-inv(a)*b")
    assert r["verdict"] == V
    assert "unknown name `a`" in r["feedback"]
    assert "did you mean" not in r["feedback"]
    r = grade_answer(qs["shift"], "(a + Lambda) w")
    assert "did you mean `lambda`" in r["feedback"]  # a longer name: its case is a typo


def test_a_wrong_step_size_label_says_the_case_once(qs):
    r = grade_answer(qs["case"], "monotone")
    fb = r["feedback"]
    assert r["verdict"] == X
    assert fb.startswith("here α·a = 2 (α = 1/2, a = 4): the iterates jump")
    assert "`bounded_oscillation`" in fb and "`monotone` needs 0 < αa < 1" in fb
    assert fb.count("= 2") == 1  # the value is said once
    r = grade_answer(qs["case"], "divergent")
    assert "`divergent` needs αa > 2" in r["feedback"]


def test_mismatched_sizes_and_singular_inverse_are_one_verdict(qs):
    a = grade_answer(qs["mean"], "mu*B")
    b = grade_answer(qs["singular"], "-inv(A)*b")
    assert a["verdict"] == b["verdict"] == X
    assert a["method"] == b["method"] == "domain"


def test_named_components_read_in_order(qs):
    from gdflow.checks.grade.parse import parse_answer

    scope = qs["limit"].reference.scope
    p = parse_answer("w_2 = -0.6, w_1 = 1.8", scope, named=True)
    assert p.value == sp.Matrix([sp.Rational(9, 5), sp.Rational(-3, 5)])
    assert p.labels == ["w_1", "w_2"]
    p = parse_answer("3/4 = 0.75", scope, "scalar", named=True)
    assert p.value == sp.Rational(3, 4) and [s[0] for s in p.sides] == ["="]
    p = parse_answer("≈ -1.91", scope, "scalar", named=True)
    assert p.approximate and p.value == sp.Rational(-191, 100)


def test_without_named_a_left_side_is_an_equation():
    qs = loads_spec(
        'title = "eq"\n[[question]]\nid = "eq"\nkind = "expression"\nreference = "x = 2"\n'
    ).questions
    assert grade_answer(qs["eq"], "x = 2")["verdict"] == C
    assert grade_answer(qs["eq"], "2x = 4")["verdict"] == C
    assert grade_answer(qs["eq"], "≈ 2")["verdict"] == V


@pytest.mark.parametrize(
    "reference,words", [("[1,2]*[3,4]", "2×1 times 2×1"), ("inv([[1,1],[1,1]])", "singular")]
)
def test_a_reference_without_a_value_is_a_spec_error(reference, words):
    from gdflow.checks.grade.spec import SpecError

    text = f'title = "t"\n[[question]]\nid = "q"\nkind = "expression"\nreference = "{reference}"\n'
    with pytest.raises(SpecError, match="question q: key `reference`") as info:
        loads_spec(text)
    assert words in str(info.value)


def test_a_run_of_letters_is_a_name_or_its_one_product():
    from gdflow.checks.grade.parse import ParseError, Scope, parse_answer

    a, b, ab, aa = (sp.Symbol(n, real=True) for n in ("a", "b", "ab", "aa"))
    scope = Scope(symbols={"a": a, "b": b, "ab": ab})
    assert parse_answer("ab", scope).value == ab  # a name is never split
    assert parse_answer("ba", scope).value == a * b
    assert parse_answer("bba", scope).value == a * b**2
    with pytest.raises(ParseError, match="`bab` reads as more than one product"):  # b·ab, b·a·b
        parse_answer("bab", scope)
    with pytest.raises(ParseError, match="write `\\*` between"):  # a·aa or aa·a
        parse_answer("aaa", Scope(symbols={"a": a, "aa": aa}))
    with pytest.raises(ParseError, match="unknown name `ac`"):
        parse_answer("ac", scope)
