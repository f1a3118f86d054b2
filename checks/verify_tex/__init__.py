r"""``gdflow verify FILE.tex|FILE.md``: check a derivation written in LaTeX, step by step.

- :mod:`.blocks`  — math blocks, rows and relations of a document, with lines and columns;
- :mod:`.declare` — the ``% gdflow: matrix A m n psd`` declarations and ``let`` definitions;
- :mod:`.read`    — one side of a step read by the one parser into a symbolic expression;
- :mod:`.chain`   — each relation decided by the decision engine; records, text and JSON.

The public entry point is :func:`verify_chain` (also ``gdflow.verify_chain``).
"""

from __future__ import annotations

from .chain import Record, exit_code, format_json, format_text, verify_chain

__all__ = ["Record", "verify_chain", "format_text", "format_json", "exit_code"]
