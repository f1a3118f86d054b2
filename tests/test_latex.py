"""The printer's notation, the rendered chain, the level marks, and a real PDF build."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess

import pytest
import sympy as sp

from gdflow.cli import main
from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Certificate
from gdflow.derive.latex import (
    ARTICLE_WIDTH,
    FRAGMENT_PACKAGES,
    LOG_MARKER,
    Overfull,
    build_pdf,
    compile_pdf,
    latex,
    overfull_boxes,
    render_derivation,
    render_document,
    render_fragment,
    render_mark,
    render_name,
)
from gdflow.derive.matrices import Pinv, TimeDerivative
from gdflow.derive.notation import A, I, Phi, alpha, k, w0, winf, wt0_j
from tests.certified import NO_LEVEL, every_failure, every_level

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
    assert r"\shortintertext" in tex and r"{\scriptsize\textit{induction}}]" in tex
    # what is printed is what was proved: the closed form itself is in the chain
    assert latex(winf + (I - alpha * A) ** k * (w0 - winf)) in tex


def test_unverified_steps_are_marked():
    d = get("gd.closed_form", verified=False)
    assert "not checked" in render_derivation(d)


def test_source_claims_rendered_apart():
    tex = render_derivation(get("gd.step_size_cases"))
    head, tail = tex.split("Source claims that do not hold")
    assert r"\neq" in tail and r"\neq" not in head and "counterexample" in tail


NEED_TEX = os.environ.get("CI") is None and not (
    shutil.which("latexmk") or shutil.which("pdflatex")
)


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


# --- levels: every mark names the level of its certificate (hand-certified, see tests/certified.py)
LEVEL_MARKS = [
    ("stated", r"[\textsc{stated} {\scriptsize\textit{definition}}]"),
    ("proved", r"[\textsc{proved} {\scriptsize\textit{symbolic}}]"),
    ("checked", r"[\textsc{checked at n=5,6} {\scriptsize\textit{exact instantiation}}]"),
    ("evidence", r"[\textsc{evidence} {\scriptsize\textit{rigorous enclosure}}]"),
    ("induction", r"[\textsc{proved} {\scriptsize\textit{induction}}]"),
    ("refuted", r"[\textsc{proved} {\scriptsize\textit{counterexample}}]"),
    ("unverified", r"[\textbf{UNVERIFIED}]"),
    ("time", r"[\textbf{UNVERIFIED (TIME)}]"),
    ("vacuous", r"[\textbf{VACUOUS}]"),
    ("rejected", r"[\textbf{REJECTED}]"),
    ("no_level", r"[\textbf{no level} {\scriptsize\textit{symbolic}}]"),
]


@pytest.mark.parametrize("label,mark", LEVEL_MARKS)
def test_each_step_is_marked_with_its_level(label, mark):
    d = every_level() if label in {s.label for s in every_level().all_steps} else every_failure()
    step = d.step(label)
    assert render_mark(step.certificate) == mark[1:-1]
    # the mark sits on the step's own reason line in the rendered chain
    line = next(
        t
        for t in render_derivation(d).splitlines()
        if t.startswith(r"\shortintertext{\small " + step.reason)
    )
    assert line.endswith(r"\hfill{\footnotesize" + mark + "}}")


def test_a_level_is_never_guessed_from_the_method():
    # an ok certificate without a level is a bug of the engine: shown as such, never as proved
    assert NO_LEVEL.ok and NO_LEVEL.method == "symbolic" and NO_LEVEL.level is None
    mark = render_mark(NO_LEVEL)
    assert "no level" in mark and "proved" not in mark


CHECKED_DETAILS = [
    ("all strata agree; n ∈ {5, 6, 7}", "checked at n=5,6,7"),
    # one size plan per instance, each named again: the sizes once each, per symbol
    (
        "exact agreement at 4 instances: N = 5, D = 6; K: 5x5 rank 0; N = 6, D = 5; N = 5, D = 5",
        "checked at D=5,6; N=5,6",
    ),
    # a scalar claim has no sizes: where it was checked is its instances
    ("the same set of x at 5 exact instances of a, b", "checked at 5 exact instances"),
    # a scalar value is not a size
    ("exact agreement at x = 3/7", "checked (sizes not named)"),
    ("all agree", "checked (sizes not named)"),
]


@pytest.mark.parametrize("detail,expected", CHECKED_DETAILS)
def test_checked_mark_names_its_sizes_or_says_they_are_missing(detail, expected):
    tex = render_mark(Certificate(True, "exact instantiation", detail, level="checked"))
    assert tex.startswith(r"\textsc{" + expected)
    assert tex.endswith(r"{\scriptsize\textit{exact instantiation}}")


def test_document_explains_the_levels_then_counts_them():
    tex = render_document([every_level(), every_failure()])
    explained, body = tex.split(r"\section{", 1)
    for word in (
        r"\textsc{proved}",
        r"\textsc{checked at}",
        r"\textsc{evidence}",
        r"\textsc{stated}",
        r"\textbf{UNVERIFIED}",
        r"\textbf{UNVERIFIED (TIME)}",
        r"\textbf{VACUOUS}",
    ):
        assert word in explained
    assert (
        "This document: 11 steps: 3 proved, 1 checked (sizes n=5,6), 1 evidence, 1 stated; "
        "1 rejected, 1 unverified, 1 unverified (time), 1 vacuous; 1 no level." in explained
    )
    # each derivation counts its own steps under its heading
    assert (
        "6 steps: 3 proved, 1 checked (sizes n=5,6), 1 evidence, 1 stated; "
        "0 rejected, 0 unverified, 0 vacuous}" in body
    )
    assert (
        "5 steps: 0 proved, 0 checked, 0 evidence, 0 stated; "
        "1 rejected, 1 unverified, 1 unverified (time), 1 vacuous; 1 no level}" in body
    )


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_every_mark_compiles(tmp_path):
    out = compile_pdf(render_document([every_level(), every_failure()]), tmp_path / "levels.pdf")
    assert out.read_bytes().startswith(b"%PDF")


# --- fragments, outline fonts, overfull boxes


def test_fragment_is_the_body_alone_and_names_its_packages():
    tex = render_fragment([get("gd.closed_form")])
    first, *rest = tex.splitlines()
    assert first == r"% gdflow fragment: needs \usepackage{amsmath,amssymb,mathtools,bm}"
    assert FRAGMENT_PACKAGES == ("amsmath", "amssymb", "mathtools", "bm")
    code = "\n".join(line for line in rest if not line.startswith("%"))
    for word in (r"\documentclass", r"\usepackage", r"\begin{document}", r"\end{document}"):
        assert word not in code
    # the same body as the document's, labels included, broken for an article's text width
    assert render_derivation(get("gd.closed_form"), ARTICLE_WIDTH) in tex
    # the document cites its sources from a list at its front, the fragment in a footnote
    document = render_document([get("gd.closed_form")])
    cited = render_derivation(get("gd.closed_form"), cite={get("gd.closed_form").source.seed: 1})
    assert cited in document and r"\paragraph{Sources.}" in document
    assert r"\footnote{Source file" in tex and r"\footnote{Source file" not in document
    assert r"\label{eq:gd.closed_form}" in code and r"\label{sec:gd.closed_form}" in code
    # display breaks are allowed inside the fragment's own group only
    assert code.count(r"\begingroup") == code.count(r"\endgroup") == 1


def test_document_asks_for_outline_fonts_and_bookmarks():
    head = render_document([get("gd.closed_form")]).split(r"\begin{document}")[0]
    assert r"\usepackage[T1]{fontenc}\usepackage{lmodern}" in head
    assert "{hyperref}" in head


def test_overfull_boxes_are_read_from_the_log_and_named_by_derivation():
    log = "\n".join(
        [
            "Overfull \\hbox (3.0pt too wide) in paragraph at lines 5--6",
            LOG_MARKER + "a.one",
            "Overfull \\hbox (0.5pt too wide) in paragraph at lines 10--12",  # under 1pt
            "Overfull \\hbox (12.5pt too wide) in alignment at lines 20--20",
            "Overfull \\hbox (12.5pt too wide) in alignment at lines 20--20",  # measured twice
            LOG_MARKER + "b.two",
            "Overfull \\vbox (40.0pt too high) has occurred while \\output is active",
            "Overfull \\hbox (1013.1pt too wide) detected at line 33",
        ]
    )
    assert overfull_boxes(log) == [
        Overfull(None, 3.0, "5--6"),
        Overfull("a.one", 12.5, "20--20"),
        Overfull("b.two", 1013.1, "33"),
    ]
    assert len(overfull_boxes(log, threshold=0.1)) == 4
    assert str(overfull_boxes(log)[2]) == ("b.two: overfull \\hbox, 1013.1pt too wide (source 33)")


NEED_PDFFONTS = NEED_TEX or shutil.which("pdffonts") is None


def _type3_fonts(pdf):
    """The Type 3 (bitmap) fonts pdffonts lists in ``pdf``."""
    listing = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing, "pdffonts lists no font"
    return [line for line in listing if "Type 3" in line]


WIDE = r"\par\noindent\rule{2\textwidth}{1pt}\par" + "\n"


def _article(*fragments, packages=FRAGMENT_PACKAGES):
    body = "\n".join(fragments)
    return (
        "\\documentclass{article}\n\\usepackage{" + ",".join(packages) + "}\n"
        "\\begin{document}\n" + body + "\n\\end{document}\n"
    )


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_a_too_wide_line_is_reported_with_its_derivation(tmp_path):
    fragment = render_fragment([get("quadratic.least_squares")])
    normal = build_pdf(_article(fragment), tmp_path / "normal.pdf")
    assert normal.overfull == ()
    wide = fragment.replace(r"\endgroup", WIDE + r"\endgroup")
    built = build_pdf(_article(wide), tmp_path / "wide.pdf")
    assert built.path.read_bytes().startswith(b"%PDF")
    assert [b.derivation for b in built.overfull] == ["quadratic.least_squares"]
    # the rule is one text width too wide: article's 345pt
    assert built.overfull[0].points == pytest.approx(345, abs=1)


FRAGMENT_IDS = [
    "quadratic.least_squares",
    "gd.closed_form",
    "gaussian.prediction_uncertainty",
    "kernel.tangent",
]


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_fragments_compile_when_input_into_a_plain_article(tmp_path):
    inputs = []
    packages: set[str] = set()
    for id_ in FRAGMENT_IDS:
        path = tmp_path / f"{id_}.tex"
        path.write_text(render_fragment([get(id_)]))
        first = path.read_text().splitlines()[0]
        # the article loads exactly what the fragment's first line asks for
        packages.update(re.fullmatch(r"% .*\\usepackage\{([^}]*)\}", first)[1].split(","))
        inputs.append(r"\input{" + path.as_posix() + "}")
    built = build_pdf(_article(*inputs, packages=sorted(packages)), tmp_path / "article.pdf")
    assert built.path.read_bytes().startswith(b"%PDF")
    # broken for the article's narrower text width: nothing sticks out
    assert built.overfull == ()
    if shutil.which("pdffonts"):  # outlines in a plain article too (OT1, no cm-super)
        assert _type3_fonts(built.path) == []


@pytest.mark.skipif(NEED_PDFFONTS, reason="needs LaTeX and pdffonts (poppler-utils)")
def test_document_fonts_are_outlines(tmp_path):
    out = compile_pdf(render_document([get("gd.closed_form")]), tmp_path / "fonts.pdf")
    assert _type3_fonts(out) == []
    # without Latin Modern the document stays in Computer Modern (OT1): outlines as well
    tex = render_document([get("gd.closed_form")])
    assert r"\IfFileExists{lmodern.sty}" in tex
    plain = tex.replace(r"\IfFileExists{lmodern.sty}", r"\IfFileExists{no-such-gdflow-file.sty}")
    out = compile_pdf(plain, tmp_path / "fonts-cm.pdf")
    assert _type3_fonts(out) == []


def test_cli_writes_a_fragment(tmp_path, capsys):
    out = tmp_path / "closed.tex"
    assert main(["derive", "gd.closed_form", "--fragment", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("% gdflow fragment: needs") and r"\documentclass" not in text
    assert text.rstrip("\n") == render_fragment([get("gd.closed_form")]).rstrip("\n")
    assert main(["derive", "gd.closed_form", "--fragment"]) == 0  # LaTeX on stdout
    assert capsys.readouterr().out.startswith("% gdflow fragment: needs")


@pytest.mark.parametrize(
    "extra", [["--format", "json"], ["--format", "pdf"], ["-o", "x.pdf"], ["-o", "x.md"]]
)
def test_cli_refuses_a_fragment_in_other_formats(extra, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["derive", "gd.closed_form", "--fragment", *extra])
    assert exc.value.code == 2
    assert "--fragment" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(NEED_TEX, reason="no LaTeX here; CI installs it and never skips this")
def test_cli_fails_on_overfull_boxes_and_names_them(tmp_path, monkeypatch, capsys):
    # the module (gdflow.derive.latex the attribute is the function latex)
    gl = importlib.import_module("gdflow.derive.latex")

    plain = gl.render_document
    monkeypatch.setattr(
        gl,
        "render_document",
        lambda ds: plain(ds).replace(r"\end{document}", WIDE + r"\end{document}"),
    )
    out = tmp_path / "wide.pdf"
    assert main(["derive", "gd.closed_form", "-o", str(out)]) == 2
    assert out.read_bytes().startswith(b"%PDF")  # written anyway, to be looked at
    reported = [line for line in capsys.readouterr().err.splitlines() if "overfull \\hbox" in line]
    assert len(reported) == 1 and reported[0].startswith("gdflow derive: gd.closed_form: overfull")


def test_long_sums_are_never_split_inside_an_environment():
    """A sum whose term is a ``cases`` block breaks only at its own top-level signs (a break
    inside ``cases`` printed a broken environment in gd.closed_form's coordinate step)."""
    from gdflow.derive.latex import _fit, _terms

    cases = r"\begin{cases} a + b & \text{for}\: x > 0 \\ c - d & \text{otherwise} \end{cases}"
    assert _terms(f"x + {cases} - y") == ["x", f"+ {cases}", "- y"]
    broken = _fit(f"{'q' * 60} + {cases} - {'r' * 60}", 40)
    assert broken.startswith(r"\begin{multlined}") and cases in broken  # broken, cases whole


def test_claim_latex_keeps_the_columns_of_cases_and_drops_only_the_alignment():
    from gdflow.derive.latex import claim_latex, drop_alignment

    assert drop_alignment(r"w &= \begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}") == (
        r"w = \begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}"
    )
    assert drop_alignment(r"a &\leq b \& c") == r"a \leq b \& c"
    d = get("gd.closed_form", verified=False)
    tex = claim_latex(d.step("coordinates"))
    assert r"\begin{cases}" in tex and "&" in tex.split(r"\begin{cases}", 1)[1]
