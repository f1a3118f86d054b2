"""The page layout of rendered derivations: chains, labels, line breaking, and the compiled
catalogue (no line off the page, no bitmap font)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess

import pytest
import sympy as sp

from gdflow.cli import main
from gdflow.derive.catalogue import get, ids
from gdflow.derive.derivation import Assumptions, Derivation, Identity, Source, Step
from gdflow.derive.latex import (
    FRAGMENT_PACKAGES,
    OverfullError,
    build_pdf,
    render_derivation,
    render_document,
    render_fragment,
)

latex_module = importlib.import_module("gdflow.derive.latex")

x, y, z, u = sp.symbols("x y z u")

NEED_TEX = shutil.which("latexmk") is None and shutil.which("pdflatex") is None
NEED_PDFFONTS = NEED_TEX or shutil.which("pdffonts") is None
tex = pytest.mark.skipif(NEED_TEX, reason="needs pdflatex (CI installs it, see .ci/run)")


def _derivation(*claims, id_="test.chain"):
    steps = [Step(c, f"reason {n}", label=f"s{n}") for n, c in enumerate(claims)]
    return Derivation(id_, "A test", Source("001_x.txt", "§1"), Assumptions(), steps)


def _math_rows(tex_: str) -> list[str]:
    """The rows of the align, reasons dropped."""
    body = tex_.split(r"\begin{align}")[1].split(r"\end{align}")[0]
    return [r for r in body.splitlines() if r and not r.startswith(r"\shortintertext")]


# --- chains


def test_consecutive_steps_on_one_object_print_as_one_chain():
    d = _derivation(Identity(x, y + 1), Identity(y + 1, z), Identity(y + 1, u), Identity(z, u**2))
    rows = _math_rows(render_derivation(d))
    # x = y + 1, then "= z" (its left side is the previous right side), then "= u" (its left
    # side is the previous left side again); z = u^2 does not continue (z is neither side of
    # y + 1 = u)
    assert rows[0].startswith("x &= " + latex_module.latex(y + 1))
    assert rows[1].startswith("&= z") and rows[2].startswith("&= u")
    assert rows[3].startswith("z &= " + latex_module.latex(u**2))
    # each step keeps its reason (and its mark) above its line
    assert render_derivation(d).count(r"\shortintertext{\small reason") == 4


def test_a_catalogue_chain_continues_with_equals():
    tex_ = render_derivation(get("quadratic.gradient", verified=False))
    rows = _math_rows(tex_)
    assert any(r.startswith("&= ") for r in rows)


# --- labels


def test_every_formula_is_labelled_and_labels_are_unique_across_the_catalogue():
    ds = [get(i, verified=False) for i in ids()]
    text = render_document(ds)
    labels = re.findall(r"\\label\{([^}]*)\}", text)
    assert len(labels) == len(set(labels))
    for d in ds:
        assert f"sec:{d.id}" in labels and f"eq:{d.id}" in labels
        for key in d.formulas:
            assert f"eq:{d.id}:{key}" in labels, (d.id, key)


def test_a_formula_label_sits_on_the_line_of_its_proving_step():
    d = get("gd.closed_form", verified=False)
    step = d.formulas["w"].step
    tex_ = render_derivation(d)
    rows = tex_.split(r"\shortintertext")
    index = [s.label for s in d.steps].index(step)
    assert r"\label{eq:gd.closed_form:w}" in rows[index + 1]


# --- breaking


def test_a_long_sum_is_broken_into_lines_that_fit():
    long = " + ".join(f"a_{{{n}}} b_{{{n}}} c_{{{n}}}" for n in range(40))
    lines = latex_module._lines(long, 200.0)
    assert len(lines) > 3
    assert all(latex_module._width(line) <= 200.0 for line in lines)
    assert " ".join(lines).replace(" ", "") == long.replace(" ", "")


def test_a_long_parenthesis_breaks_inside_with_balanced_delimiters():
    inner = " + ".join(f"w_{{{n}}}" for n in range(60))
    lines = latex_module._lines(rf"x \left({inner}\right)^{{2}}", 150.0)
    assert len(lines) > 1
    for line in lines:  # each line is a box of its own: its \left and \right pair up
        assert line.count(r"\left") == line.count(r"\right")
    assert lines[0].endswith(r"\right.") and lines[-1].endswith(r"\right)^{2}")


def test_a_long_left_side_gets_a_row_of_its_own():
    lhs = sp.Add(*sp.symbols("p0:40"))
    rows = _math_rows(render_derivation(_derivation(Identity(lhs, lhs))))
    assert rows[0].startswith(r"\MoveEqLeft") and rows[1].startswith("&= ")


# --- compiling: the whole catalogue once per module


@pytest.fixture(scope="module")
def catalogue_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("catalogue") / "all.pdf"
    return build_pdf(render_document([get(i) for i in ids()]), out)


@tex
def test_the_catalogue_has_no_line_off_the_page(catalogue_pdf):
    assert catalogue_pdf.overfull == (), "\n".join(map(str, catalogue_pdf.overfull))


@pytest.mark.skipif(NEED_PDFFONTS, reason="needs pdflatex and pdffonts (poppler-utils)")
def test_the_catalogue_has_no_bitmap_font(catalogue_pdf):
    listing = subprocess.run(
        ["pdffonts", str(catalogue_pdf.path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing and not [line for line in listing if "Type 3" in line]


@tex
def test_the_catalogue_has_a_table_of_contents(catalogue_pdf):
    text = render_document([get("gd.closed_form", verified=False)])
    assert r"\tableofcontents" in text
    assert catalogue_pdf.path.stat().st_size > 100_000


FRAGMENT_IDS = (
    "quadratic.least_squares",
    "gd.closed_form",
    "gaussian.prediction_uncertainty",
    "kernel.tangent",
)


@tex
def test_fragments_fit_a_plain_article(tmp_path):
    inputs = []
    for id_ in FRAGMENT_IDS:
        path = tmp_path / f"{id_}.tex"
        path.write_text(render_fragment([get(id_)]))
        inputs.append(r"\input{" + path.as_posix() + "}")
    article = (
        "\\documentclass{article}\n\\usepackage{" + ",".join(FRAGMENT_PACKAGES) + "}\n"
        "\\begin{document}\n" + "\n".join(inputs) + "\n\\end{document}\n"
    )
    built = build_pdf(article, tmp_path / "article.pdf", strict=True)
    assert built.overfull == ()


# --- a line that cannot fit fails a strict build, named


def _too_wide():
    wide = sp.Symbol("x" * 150)  # one name: no place to break it
    return _derivation(Identity(wide, wide + 1), id_="test.too_wide")


@tex
def test_a_strict_build_fails_naming_the_derivation_that_sticks_out(tmp_path):
    text = render_document([get("quadratic.least_squares", verified=False), _too_wide()])
    with pytest.raises(OverfullError) as exc:
        build_pdf(text, tmp_path / "wide.pdf", strict=True)
    assert {b.derivation for b in exc.value.boxes} == {"test.too_wide"}
    assert exc.value.path.read_bytes().startswith(b"%PDF")  # written anyway, to look at
    # not strict: the same boxes are returned, no exception
    assert build_pdf(text, tmp_path / "wide2.pdf").overfull == exc.value.boxes


@tex
def test_the_cli_fails_on_a_line_off_the_page_and_names_it(tmp_path, monkeypatch, capsys):
    plain = latex_module.render_document
    monkeypatch.setattr(latex_module, "render_document", lambda ds: plain([*ds, _too_wide()]))
    out = tmp_path / "wide.pdf"
    assert main(["derive", "quadratic.least_squares", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    named = [line for line in err.splitlines() if "overfull \\hbox" in line]
    assert named and all(line.startswith("gdflow derive: test.too_wide: ") for line in named)
    assert out.read_bytes().startswith(b"%PDF")
