"""Notebook display (``_repr_latex_``, ``_repr_markdown_``, one-line reprs) and the JSON result.

The hand-certified derivations of tests/certified.py fix every step's level, so the facts
asserted here (each claim, reason, level, method and counterexample is shown) are known.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
import sympy as sp

from gdflow.cli import _derivation_json, main
from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Definition, Derivation, Step
from gdflow.derive.display import display_math, final_rhs, mathjax, result_sympy
from gdflow.derive.latex import claim_latex, compile_pdf, latex, render_derivation, render_step
from tests.certified import every_failure, every_level

DOCUMENT_ONLY = (
    r"\section",
    r"\documentclass",
    r"\paragraph",
    r"\shortintertext",
    r"\begin{document}",
    r"\begin{itemize}",
    r"\hfill",
    r"\label",
    r"\textsc",
    r"\coloneqq",
    r"\begin{multlined}",
)


def _braces_balance(tex: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\[{}]|[{}]", tex):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("make", [every_level, every_failure])
def test_markdown_shows_every_claim_reason_and_certificate(make):
    d = make()
    md = d._repr_markdown_()
    assert d.title in md and str(d.source) in md
    for text in d.assumptions.text:
        assert text in md
    for s in d.all_steps:
        assert f"$$\n{display_math(s)}\n$$" in md
        assert s.reason in md
        assert s.certificate is not None
        assert str(s.certificate.method) in md
    # the step order is kept
    positions = [md.index(s.reason) for s in d.all_steps]
    assert positions == sorted(positions)


def test_display_math_keeps_the_columns_of_cases_and_joins_broken_lines():
    """Only the alignment point goes: the ``&`` of a ``cases`` stays, and a side the page broke
    over lines (``multlined``) is whole again."""
    d = get("gd.closed_form", verified=False)
    coordinates = display_math(d.step("coordinates"))
    assert r"& \text{otherwise}" in coordinates and r"& \text{for}" in coordinates
    assert "multlined" not in coordinates
    gap = get("gd.loss_decay", verified=False).step("coordinate_gap")
    # the page breaks the long side of that step (render_derivation lays the lines out)
    page = render_derivation(get("gd.loss_decay", verified=False))
    assert "multlined" in page.split(gap.reason[:18], 1)[1].split("shortintertext")[0]
    assert "multlined" not in display_math(gap)
    plain = display_math(d.step("closed_form"))
    assert "&" not in plain and r"\mathbf{w}^{(k)} = " in plain


def test_markdown_names_levels_and_counterexamples():
    md = every_level()._repr_markdown_()
    for level in ("proved", "checked at n=5,6", "evidence", "stated"):
        assert level in md
    assert "counterexample: $x = 1$" in md
    failing = every_failure()._repr_markdown_()
    assert "NOT VERIFIED" in failing
    for status in ("rejected", "unverified", "vacuous", "no level"):
        assert status in failing


@pytest.mark.parametrize("make", [every_level, every_failure])
def test_latex_repr_is_one_mathjax_block_without_document_commands(make):
    d = make()
    tex = d._repr_latex_()
    assert tex.startswith("$$\n\\begin{aligned}") and tex.endswith("\\end{aligned}\n$$")
    assert tex.count("$$") == 2
    for command in DOCUMENT_ONLY:
        assert command not in tex, command
    assert _braces_balance(tex)
    assert d.title in tex
    for s in d.all_steps:
        assert s.reason in tex
        assert s.certificate is not None and str(s.certificate.method) in tex
    previous = None
    for s in d.steps:  # the math the document prints for each step (chains included)
        for line in render_step(s, previous)[0]:
            assert mathjax(line) in tex
        previous = s


def test_latex_repr_has_each_step_math_and_level():
    d = every_level()
    tex = d._repr_latex_()
    for level in ("proved", "checked at n=5,6", "evidence", "stated"):
        assert f"[{level} · " in tex
    assert r"\mathbf{M}" in tex  # a matrix symbol, bold as in the document
    assert r"\mathrel{:=}" in tex  # the definition y := x + 1
    assert "fails at $x = 1$" in tex  # the refuted source claim's counterexample


def test_step_reprs():
    d = every_level()
    step = d.step("induction")
    assert step._repr_latex_().startswith("$$") and "doubling at every step" in step._repr_latex_()
    md = step._repr_markdown_()
    assert display_math(step) in md and "proved · induction" in md
    line = repr(step)
    assert "\n" not in line and len(line) < 120 and "'induction'" in line and "proved" in line


def test_plain_reprs_are_one_short_line():
    for d in (every_level(), every_failure(), get("ridge.solution", verified=False)):
        for text in (repr(d), *(repr(s) for s in d.all_steps)):
            assert "\n" not in text and len(text) < 120, text
    assert repr(every_level()) == "<Derivation hand.levels: 5 steps, 1 source claims, verified>"
    assert repr(every_failure()).endswith("not verified>")
    long = Step(Definition(sp.Symbol("x"), 1), "word " * 100)
    assert len(repr(long)) < 120


def test_repr_of_a_catalogue_derivation():
    d = get("gd.closed_form", verified=False)
    assert repr(d) == f"<Derivation gd.closed_form: {len(d.steps)} steps, not verified>"


# --- the JSON result


def _names(expr: sp.Basic) -> set[str]:
    return {str(s) for s in expr.free_symbols}


@pytest.mark.parametrize("id_", ["gd.closed_form", "ridge.solution", "flow.residual"])
def test_result_sympy_reads_back(id_):
    d = get(id_, verified=False)
    text, names = result_sympy(d.result)
    assert text is not None
    back = sp.sympify(text)
    assert _names(back) <= set(names)
    rhs = final_rhs(d.result)
    assert rhs is not None
    originals = {str(s) for s in rhs.atoms(sp.Symbol, sp.MatrixSymbol)}
    # every symbol of the right-hand side is named, and each name maps back to it
    assert {names[i] for i in _names(back)} <= originals | {
        f"Identity({e.rows})" for e in rhs.atoms(sp.Identity)
    }
    noncommuting = {i: sp.Symbol(i, commutative=False) for i in names}
    assert sp.sympify(text, locals=noncommuting).free_symbols


def test_result_sympy_of_gd_closed_form_keeps_the_structure():
    text, names = result_sympy(get("gd.closed_form", verified=False).result)
    assert text is not None
    back = sp.sympify(text)
    assert names["w__0"] == "w^(0)" and names["w__inf"] == "w^(inf)"
    assert names["I_n"] == "Identity(n)"
    a, alpha, k, w0, winf, eye = sp.symbols("A alpha k w__0 w__inf I_n")
    assert sp.expand(back - ((eye - alpha * a) ** k * (w0 - winf) + winf)) == 0


def test_result_sympy_keeps_sympy_names_apart():
    """``N``, ``lambda`` and ``I`` mean something else to sympify: renamed, and the imaginary
    unit (gaussian.affine's characteristic function) stays ``I``."""
    text, names = result_sympy(get("ridge.solution", verified=False).result)
    assert text is not None and names["N_"] == "N" and names["lambda_"] == "lambda"
    back = sp.sympify(text)
    assert {"N_", "lambda_", "Phi", "t", "I_D"} <= _names(back)
    text, _ = result_sympy(get("gaussian.affine", verified=False).result)
    assert text is not None and sp.sympify(text).has(sp.I)


def test_result_of_a_claim_without_right_hand_side_is_null():
    d = get("ridge.implicit_regularisation", verified=False)
    assert result_sympy(d.result) == (None, {})
    assert _derivation_json(d)["result"]["sympy"] is None


def test_json_result_for_catalogue_derivations():
    for id_ in ("gd.closed_form", "ridge.solution"):
        d: Derivation = get(id_, verified=False)
        out = json.loads(json.dumps(_derivation_json(d)))
        result = out["result"]
        assert result["latex"] == claim_latex(Step(d.result, ""))
        assert sp.sympify(result["sympy"]).free_symbols
        assert set(result["names"]) >= _names(sp.sympify(result["sympy"]))
    # the latex of gd.closed_form's result is the closed form of the iterates
    closed = _derivation_json(get("gd.closed_form", verified=False))["result"]["latex"]
    assert r"\mathbf{w}^{(k)} = " in closed and r"\mathbf{I} - \alpha \mathbf{A}" in closed


def test_derive_json_prints_the_result(capsys):
    assert main(["derive", "gd.closed_form", "--format", "json"]) == 0
    (out,) = json.loads(capsys.readouterr().out)
    assert set(out["result"]) == {"latex", "sympy", "names"}
    assert "w__0" in out["result"]["sympy"]
    sp.sympify(out["result"]["sympy"])


def test_formula_latex_repr_is_its_name_and_expression():
    f = get("gd.closed_form", verified=False).formula
    tex = f._repr_latex_()
    assert tex == f"$$\n{latex(f.name)} = {latex(f.expr)}\n$$"
    assert r"\mathbf{w}^{(k)}" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_reprs_compile_in_a_plain_article(tmp_path):
    """What MathJax is given is LaTeX too: the reprs compile inside an article that loads only
    amsmath and amssymb (no mathtools: no multlined, no coloneqq)."""
    shown = [every_level(), every_failure(), get("gd.closed_form", verified=False)]
    body = "\n\n".join([d._repr_latex_() for d in shown] + [every_level().steps[0]._repr_latex_()])
    tex = (
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\usepackage[T1]{fontenc}\n"
        "\\begin{document}\n" + body + "\n\\end{document}\n"
    )
    assert compile_pdf(tex, tmp_path / "reprs.pdf").stat().st_size > 0
