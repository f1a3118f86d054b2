"""Textbook notation and the reader's notation: scalars not bold, the loss calligraphic, reasons
typeset like the equations, textbook term order, no printed tautologies, and renames
(``--rename``, ``--notation``) applied to equations and reasons alike."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
import sympy as sp

from gdflow.cli import main
from gdflow.derive.catalogue import get
from gdflow.derive.latex import build_pdf, latex, render_derivation, render_document
from gdflow.derive.matrices import MatExp, Pinv
from gdflow.derive.notation import A, I, a_j, alpha, b, bt_j, k, t, w, w0, winf, wt0_j, wt_j
from gdflow.derive.typeset import (
    Names,
    NotationError,
    check_rename,
    math,
    names_of,
    parse_rename,
    read_notation,
    renamed,
    text,
)

NAMES = Names(bold=frozenset({"A", "w", "Phi"}), scalar=frozenset({"alpha", "k"}))


# --- scalars and the loss ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name,expected",
    [("c", "c"), ("a(t)", "a(t)"), ("v(t)", "v(t)"), ("g", "g"), ("f_hat", r"\hat{f}")],
)
def test_a_one_by_one_matrix_symbol_prints_as_a_scalar(name, expected):
    assert latex(sp.MatrixSymbol(name, 1, 1)) == expected


def test_the_loss_is_calligraphic_and_a_jacobian_stays_bold():
    assert latex(sp.MatrixSymbol("J", 1, 1)) == r"\mathcal{J}"
    assert latex(sp.MatrixSymbol("L", 1, 1)) == r"\mathcal{L}"
    assert latex(sp.MatrixSymbol("J_lambda", 1, 1)) == r"\mathcal{J}_{\lambda}"
    assert latex(sp.MatrixSymbol("J", 3, 2)) == r"\mathbf{J}"  # kernel.tangent's Jacobian


def test_no_scalar_is_bold_in_the_catalogue_derivations_with_scalars():
    ds = [get("quadratic.least_squares"), get("quadratic.gradient"), get("flow.predictions")]
    tex = "\n".join(render_derivation(d) for d in ds)
    for bold in (r"\mathbf{J}", r"\mathbf{c}", r"\mathbf{a}(t)", r"\mathbf{L}"):
        assert bold not in tex
    assert r"\mathcal{J}(\mathbf{w}) &\coloneqq" in tex  # the argument is the vector w
    assert r"a(t) &\coloneqq" in tex


def test_expectations_print_as_math_not_as_a_mangled_name():
    tex = render_derivation(get("gaussian.prediction_uncertainty"))
    assert "E[" not in tex and r"^{T]}" not in tex
    assert r"\mathbb{E}\left[(\mathbf{w}_{0} - \boldsymbol{\mu}_{0})" in tex
    var = latex(sp.MatrixSymbol("Var[f(x_star, t)]", 1, 1))
    assert var == r"\operatorname{Var}\left[f(x_{\star}, t)\right]"


# --- reasons in the equations' notation ---------------------------------------------------


def test_reason_math_is_bold_where_the_equations_are():
    assert math("A", NAMES) == r"\mathbf{A}"
    assert math(r"I - \alpha A", NAMES) == r"\mathbf{I} - \alpha \mathbf{A}"
    assert math(r"w^{(0)}", NAMES) == r"\mathbf{w}^{(0)}"
    assert math(r"\Phi^T\Phi", NAMES) == r"\boldsymbol{\Phi}^\top\boldsymbol{\Phi}"
    assert math(r"A^{T}", NAMES) == r"\mathbf{A}^{\top}"


def test_reason_math_leaves_words_and_scripts_alone():
    assert math(r"\mathrm{range}(A)", NAMES) == r"\mathrm{range}(\mathbf{A})"
    assert math(r"\text{for all A} A", NAMES) == r"\text{for all A} \mathbf{A}"
    assert math(r"\mathbb{R}^{n}", NAMES) == r"\mathbb{R}^{n}"
    assert math(r"\tilde w_j", NAMES) == r"\tilde{w}_j"  # a coordinate is a scalar
    assert math(r"x_A", NAMES) == "x_A"  # a subscript is a label, not a matrix


def test_text_typesets_its_math_and_its_bare_names():
    assert text("the $\\alpha A$ step", NAMES) == r"the $\alpha \mathbf{A}$ step"
    # a bare vector or matrix name in the text is put in math, bold like the equations
    assert text("A symmetric, w in range(A)", NAMES) == (
        r"$\mathbf{A}$ symmetric, $\mathbf{w}$ in range($\mathbf{A}$)"
    )
    assert text("J bounded below", NAMES) == r"$\mathcal{J}$ bounded below"
    # letters in words, labels and sizes stay text; so do scalars
    for plain in ("(A1)", "a 3x2 matrix", "e.g. Adam", "k steps", "gd.closed_form"):
        assert text(plain, NAMES) == plain


def test_a_derivation_reason_prints_its_matrix_as_the_equation_does():
    tex = render_derivation(get("gd.closed_form"))
    assert r"the error is multiplied by $\mathbf{I} - \alpha \mathbf{A}$" in tex
    assert r"$\mathbf{b} \in \mathrm{range}(\mathbf{A})$" in tex  # an assumption text
    assert "$A$" not in tex and "^T" not in tex
    assert r"$\mathcal{J}$ bounded below (A1)" in tex  # a bare name in the text, a label kept


# --- term order and simplified forms -----------------------------------------------------------


def test_products_read_numbers_then_parameters_then_data():
    assert latex(-bt_j * k * alpha) == r"- k \alpha \tilde{b}_{j}"
    assert latex(1 - a_j * alpha) == r"1 - \alpha \tilde{a}_{j}"
    assert latex(2 * t * a_j) == r"2 t \tilde{a}_{j}"
    assert latex(a_j * wt_j) == r"\tilde{a}_{j} \tilde{w}_{j}^{(k)}"
    assert latex(k * alpha * A * w) == r"k \alpha \mathbf{A} \mathbf{w}"


def test_transposes_merge_and_the_exponential_of_zero_is_the_identity():
    B = sp.MatrixSymbol("B", 3, 2)
    assert latex(Pinv(B.T)) == r"\mathbf{B}^{\top\dagger}"
    C = sp.MatrixSymbol("C", 3, 3)
    assert latex(C.T.inverse()) == r"\mathbf{C}^{-\top}"
    assert latex(MatExp(0 * t * C)) == r"\mathbf{I}"
    assert "e^{" not in latex(MatExp(sp.ZeroMatrix(3, 3)))


# --- no printed tautologies ---------------------------------------------------------------


def test_the_induction_base_is_the_solution_at_zero_not_a_tautology():
    tex = render_derivation(get("gd.closed_form"))
    assert r"\mathbf{w}^{(0)} = \mathbf{w}^{(0)}" not in tex
    assert r"\tilde{w}_{j}^{(0)} = \tilde{w}_{j}^{(0)}" not in tex
    # the base line: the solution at k = 0 equals the initial value
    base = r"\left(\mathbf{I} - \alpha \mathbf{A}\right)^{0}"
    lines = tex.splitlines()
    at = [n for n, line in enumerate(lines) if base in line]
    assert at and r"\text{at } k = 0" in lines[at[0] - 1]  # the base case says it is one
    # its right side, on its line or (a long left side on its own row) on the next
    assert any(r"&= \mathbf{w}^{(0)} \nonumber" in line for line in lines[at[0] : at[0] + 2])
    # a recurrence started elsewhere than its own name states its initial value
    tex = render_derivation(get("ridge.implicit_regularisation"))
    assert r"\mathbf{w}^{(0)} = \mathbf{0}" in tex


def _equations(tex):
    """Each ``lhs = rhs`` printed in a derivation's align lines, as (lhs, rhs)."""
    out = []
    for line in tex.splitlines():
        if line.startswith("\\shortintertext"):
            continue
        line = re.sub(r"\\label\{[^}]*\}|\\nonumber|\\\\$", "", line)
        for part in re.split(r",\\qquad|\\implies", line.replace("&", "")):
            if part.count("=") == 1:
                lhs, rhs = (side.strip() for side in part.split("="))
                out.append((lhs, rhs))
    return out


def test_the_tautology_finder_finds_the_old_base_line():
    old = r"\tilde{w}^{(k+1)} &= \tilde{w}^{(k)},\qquad \tilde{w}_{j}^{(0)} = \tilde{w}_{j}^{(0)}"
    assert (r"\tilde{w}_{j}^{(0)}", r"\tilde{w}_{j}^{(0)}") in _equations(old + r" \nonumber \\")


@pytest.mark.parametrize(
    "id_", ["gd.coordinate_recurrence", "gd.closed_form", "gd.step_size_cases"]
)
def test_no_line_of_a_recurrence_derivation_equates_a_side_with_itself(id_):
    equations = _equations(render_derivation(get(id_)))
    assert len(equations) >= 5
    assert all(lhs != rhs for lhs, rhs in equations), [e for e in equations if e[0] == e[1]]


def test_a_sum_puts_what_is_constant_in_k_first():
    expected = r"\mathbf{w}^{(\infty)} + \left(\mathbf{I} - \alpha \mathbf{A}\right)^{k}"
    assert latex(winf + (I - alpha * A) ** k * (w0 - winf)).startswith(expected)
    assert latex(A * w + b) == r"\mathbf{A} \mathbf{w} + \mathbf{b}"  # no k: SymPy's order


# --- the reader's notation ----------------------------------------------------------------

RENAME = {"Phi": "X", "alpha": "eta", "w": "theta"}


def test_renames_apply_to_equations_and_reasons_alike():
    d = get("ridge.implicit_regularisation")
    plain = render_derivation(d)
    assert r"\boldsymbol{\Phi}" in plain and r"\alpha" in plain and r"\Phi" in plain
    with renamed(RENAME):
        tex = render_derivation(d)
    assert r"\Phi" not in tex and r"\alpha" not in tex
    assert r"\mathbf{w}" not in tex and r"\tilde{w}" not in tex
    assert r"\mathbf{X}" in tex and r"\eta" in tex  # bold follows the object
    assert r"\boldsymbol{\theta}^{(k)}" in tex and r"\boldsymbol{\theta}_{\lambda}" in tex


def test_a_rename_of_the_loss_keeps_it_calligraphic():
    with renamed({"J": "L"}):
        assert latex(sp.MatrixSymbol("J", 1, 1)) == r"\mathcal{L}"
        assert latex(wt0_j) == r"\tilde{w}_{j}^{(0)}"
    with renamed({"w": "theta"}):
        assert latex(wt0_j) == r"\tilde{\theta}_{j}^{(0)}"
        assert math("w", NAMES) == r"\boldsymbol{\theta}"


def test_a_rename_onto_a_name_in_use_is_refused_naming_it():
    d = get("ridge.implicit_regularisation")
    assert "lambda" in names_of(d).used
    with pytest.raises(NotationError, match="ridge.implicit_regularisation already uses lambda"):
        check_rename({"alpha": "lambda"}, [d])
    # swapping two names is not a collision
    assert check_rename({"Phi": "w", "w": "Phi"}, [d]) == []
    with pytest.raises(NotationError, match="both"):
        check_rename({"Phi": "X", "w": "X"}, [d])


def test_an_unused_old_name_is_a_warning():
    warnings = check_rename({"zeta": "q"}, [get("ridge.solution")])
    assert warnings and "zeta" in warnings[0]


@pytest.mark.parametrize("item", ["w^(k)=v", "Phi", "=X", "Phi=\\X", "a b=c", "w=star"])
def test_a_malformed_rename_is_refused(item):
    with pytest.raises(NotationError, match="--rename"):
        parse_rename(item)


def test_a_notation_file_is_read(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[rename]\nPhi = "X"\nalpha = "eta"\n')
    assert read_notation(path) == {"Phi": "X", "alpha": "eta"}


@pytest.mark.parametrize(
    "content,culprit",
    [
        ("[rename\nPhi = 'X'", "not TOML"),
        ("[rename]\nPhi = 3\n", "rename.Phi"),
        ("[rename]\nPhi = 'X^2'\n", "rename.Phi"),
        ("[names]\nPhi = 'X'\n", "names"),
        ("Phi = 'X'\n", "Phi"),
    ],
)
def test_a_bad_notation_file_is_refused_naming_file_and_key(tmp_path, content, culprit):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(NotationError) as err:
        read_notation(path)
    assert str(path) in str(err.value) and culprit in str(err.value)


@pytest.mark.parametrize(
    "argv,culprit",
    [
        (["--notation", "{bad}"], "rename.Phi"),
        (["--rename", "w^(k)=v"], "w^(k)"),
        (["--rename", "alpha=lambda"], "lambda"),
    ],
)
def test_cli_exits_2_naming_the_bad_notation(tmp_path, capsys, argv, culprit):
    bad = tmp_path / "bad.toml"
    bad.write_text("[rename]\nPhi = 1\n")
    argv = [a.replace("{bad}", str(bad)) for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(["derive", "ridge.implicit_regularisation", *argv])
    assert exc.value.code == 2
    assert culprit in capsys.readouterr().err


def test_cli_rename_wins_over_the_notation_file(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('[rename]\nPhi = "X"\nalpha = "eta"\n')
    argv = ["derive", "ridge.implicit_regularisation", "--format", "latex", "--fragment"]
    assert main([*argv, "--notation", str(mine), "--rename", "alpha=gamma"]) == 0
    tex = capsys.readouterr().out
    assert r"\mathbf{X}" in tex and r"\gamma" in tex
    assert r"\eta" not in tex and r"\Phi" not in tex and r"\alpha" not in tex


def test_derive_help_explains_your_notation(capsys):
    with pytest.raises(SystemExit):
        main(["derive", "--help"])
    out = capsys.readouterr().out
    assert "--rename OLD=NEW" in out and "--notation FILE.toml" in out and "Phi=X" in out


def test_cli_renames_json_latex_and_warns_of_an_unused_name(capsys):
    code = main(
        ["derive", "ridge.solution", "--format", "json", "--rename", "Phi=X", "--rename", "zeta=m"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    (d,) = json.loads(out)
    latexes = [s["latex"] for s in d["steps"]] + [d["result"]["latex"]]
    latexes += [s["reason_latex"] for s in d["steps"]]
    assert not any(r"\Phi" in x for x in latexes) and any(r"\mathbf{X}" in x for x in latexes)
    assert "zeta" in err and "warning" in err


NEED_TEX = os.environ.get("CI") is None and not (
    shutil.which("latexmk") or shutil.which("pdflatex")
)


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_a_renamed_document_compiles(tmp_path):
    ds = [get("ridge.implicit_regularisation"), get("gd.closed_form")]
    with renamed(RENAME):
        tex = render_document(ds)
    assert r"\Phi" not in tex and r"\alpha" not in tex.split(r"\maketitle")[1]
    build = build_pdf(tex, tmp_path / "mine.pdf")
    assert build.path.read_bytes().startswith(b"%PDF")
