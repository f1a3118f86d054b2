"""The example notebooks run in a real Jupyter kernel (nbclient + ipykernel) and show what they
say: every code cell executes without error (the cells assert their own facts: the worked
example equals 001's closed form, the evaluator agrees with plain iterations, the flow's
residual with scipy's expm), the derivation displays as LaTeX and the plots as PNG."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is installed by the [test] extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is installed by the [test] extra")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def _run(path: Path) -> nbformat.NotebookNode:
    """Execute the notebook in a python3 kernel of this interpreter: the installed kernelspec
    starts ``python``, found on PATH, so this interpreter's directory goes first."""
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    path_before = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + path_before
    try:
        client.execute()
    finally:
        os.environ["PATH"] = path_before
    return nb


@pytest.fixture(scope="module")
def tour() -> nbformat.NotebookNode:
    return _run(EXAMPLES / "tour.ipynb")


def test_there_is_a_notebook():
    assert EXAMPLES / "tour.ipynb" in NOTEBOOKS


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_every_cell_runs_without_error(tour):
    errors = [o for o in _outputs(tour) if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    assert all(c.execution_count for c in tour.cells if c.cell_type == "code")


def test_the_derivation_and_the_worked_example_display_as_latex(tour):
    latex = [o.data["text/latex"] for o in _outputs(tour) if "text/latex" in o.get("data", {})]
    assert any(r"\mathbf{w}^{(k)}" in tex and "proved" in tex for tex in latex)
    # the worked example's result at 001's numbers: w^(k) = (1 + 2 (1/2)^k, 1)
    assert any(r"\frac{1}{2}" in tex or "2^{k}" in tex for tex in latex)


def test_the_plots_are_images(tour):
    images = [o for o in _outputs(tour) if "image/png" in o.get("data", {})]
    assert len(images) >= 2
