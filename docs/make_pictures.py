"""Regenerate the README's pictures: a rendered page of ``gd.closed_form`` and the uncertainty
figure.

Usage (needs pdflatex or latexmk, and poppler's ``pdftoppm``)::

    python docs/make_pictures.py

writes ``docs/img/closed_form.png`` (the derivation's section of the PDF that
``gdflow derive gd.closed_form -o closed_form.pdf`` writes, at 110 dpi) and
``docs/img/uncertainty_band.png`` (``examples/uncertainty_band.py``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"


def closed_form_page(dpi: int = 110) -> Path:
    """The page of ``gd.closed_form`` that holds its section, as PNG."""
    from gdflow.derive.catalogue import get
    from gdflow.derive.latex import build_pdf, render_fragment

    body = render_fragment([get("gd.closed_form")])
    tex = (
        "\\documentclass[11pt]{article}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\n"
        "\\usepackage{amsmath,amssymb,mathtools,bm}\n"
        "\\usepackage[T1]{fontenc}\\usepackage{lmodern}\n"
        "\\pagestyle{empty}\n\\begin{document}\n" + body + "\\end{document}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        pdf = build_pdf(tex, Path(tmp) / "closed_form.pdf").path
        stem = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(pdf), str(stem)],
            check=True,
        )
        IMG.mkdir(parents=True, exist_ok=True)
        out = IMG / "closed_form.png"
        _trim(next(Path(tmp).glob("page*.png")), out)
    return out


def _trim(page: Path, out: Path, margin: int = 24) -> None:
    """The page without its empty bottom (Pillow, which matplotlib installs)."""
    from PIL import Image, ImageOps

    with Image.open(page) as image:
        gray = ImageOps.invert(image.convert("L"))
        left, top, right, bottom = gray.getbbox() or (0, 0, *image.size)
        box = (
            max(left - margin, 0),
            max(top - margin, 0),
            min(right + margin, image.width),
            min(bottom + margin, image.height),
        )
        image.crop(box).save(out)


def uncertainty_figure() -> Path:
    out = IMG / "uncertainty_band.png"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "uncertainty_band.py"), "-o", str(out)],
        check=True,
    )
    return out


if __name__ == "__main__":
    for path in (closed_form_page(), uncertainty_figure()):
        print("wrote", path.relative_to(ROOT))
