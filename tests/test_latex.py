"""The printer's notation, the rendered chain, and a real PDF build."""

from __future__ import annotations

import os
import shutil

import pytest
import sympy as sp

from derive.catalogue import get
from derive.latex import compile_pdf, latex, render_derivation, render_document, render_name
from derive.matrices import Pinv, TimeDerivative
from derive.notation import A, I, Phi, alpha, k, w0, winf, wt0_j

NOTATION = [
    (A.T, r"\mathbf{A}^{\top}"),
    (Pinv(A), r"\mathbf{A}^{\dagger}"),
    (Pinv(Phi) * sp.MatrixSymbol("t", Phi.shape[0], 1), r"\boldsymbol{\Phi}^{\dagger} \mathbf{t}"),
    (w0.T, r"{\mathbf{w}^{(0)}}^{\top}"),
    (winf, r"\mathbf{w}^{(\infty)}"),
    (wt0_j, r"\tilde{w}_{j}^{(0)}"),
    ((I - alpha * A) ** k, r"\left(\mathbf{I} - \alpha \mathbf{A}\right)^{k}"),
    (I - alpha * A, r"\mathbf{I} - \alpha \mathbf{A}"),
]


@pytest.mark.parametrize("expr,expected", NOTATION)
def test_notation(expr, expected):
    assert latex(expr) == expected


def test_names():
    assert render_name("w~_star,j") == r"\tilde{w}_{\star,j}"
    assert render_name("a~_max") == r"\tilde{a}_{\max}"
    assert render_name("w^(k+1)", bold=True) == r"\mathbf{w}^{(k+1)}"
    # a trailing (arg): a function of time, bold like any matrix symbol, inf as infinity
    assert latex(sp.MatrixSymbol("w(t)", 2, 1)) == r"\mathbf{w}(t)"
    assert latex(sp.MatrixSymbol("r(inf)", 2, 1)) == r"\mathbf{r}(\infty)"
    assert latex(sp.MatrixSymbol("E(0)", 2, 2)) == r"\mathbf{E}(0)"


def test_time_derivative_prints_through_the_printer():
    wt = sp.MatrixSymbol("w(t)", 2, 1)
    assert latex(TimeDerivative(wt)) == r"\frac{d}{dt}\mathbf{w}(t)"
    assert latex(TimeDerivative(2 * wt)) == r"\frac{d}{dt}\left(2 \mathbf{w}(t)\right)"


def test_derivation_renders_as_labelled_align_chain():
    tex = render_derivation(get("gd.closed_form"))
    assert r"\label{sec:gd.closed_form}" in tex and r"\label{eq:gd.closed_form}" in tex
    assert tex.count(r"\begin{align}") == 1
    assert r"\shortintertext" in tex and "[\\textit{induction}]" in tex
    # what is printed is what was proved: the closed form itself is in the chain
    assert latex(winf + (I - alpha * A) ** k * (w0 - winf)) in tex


def test_unverified_steps_are_marked():
    d = get("gd.closed_form", verified=False)
    assert "not checked" in render_derivation(d)


def test_source_claims_rendered_apart():
    tex = render_derivation(get("gd.step_size_cases"))
    head, tail = tex.split("Source claims that do not hold")
    assert r"\neq" in tail and r"\neq" not in head and "counterexample" in tail


NEED_TEX = os.environ.get("CI") is None and not (shutil.which("latexmk") or shutil.which("pdflatex"))


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_document_compiles_to_pdf(tmp_path):
    ds = [get("gd.closed_form"), get("gd.step_size_cases"), get("gd.limit_projection")]
    out = compile_pdf(render_document(ds), tmp_path / "notes.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_pdf_without_latex_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="neither latexmk nor pdflatex"):
        compile_pdf(render_document([get("gd.closed_form")]), tmp_path / "x.pdf")
