"""gdflow: derive, prove, render and property-check the dynamics of gradient descent and flow.

One namespace over the project's two layers (the repository's ``derive/`` and ``checks/``
folders, installed as subpackages of ``gdflow``):

- :mod:`gdflow.derive`        symbolic truth: derivations, each step decided by one engine
- :mod:`gdflow.checks`        numeric truth: iterations, evaluators, properties
- :mod:`gdflow.checks.grade`  homework grading against references from the derivations
- :mod:`gdflow.cli`           the ``gdflow`` command (also ``python -m gdflow``)

The subpackages are imported on first use, so ``import gdflow`` is cheap:

>>> import gdflow
>>> gdflow.derive.get("gd.closed_form").id
'gd.closed_form'
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__: str = version("gdflow")
except PackageNotFoundError:  # pragma: no cover - only when run from a tree that is not installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from . import checks, cli, derive

__all__ = ["__version__", "checks", "cli", "derive", "verify_chain"]

_SUBMODULES = frozenset({"checks", "cli", "derive"})


def __getattr__(name: str) -> object:
    if name == "verify_chain":  # gdflow.verify_chain(text, declarations): see checks.verify_tex
        return importlib.import_module(f"{__name__}.checks.verify_tex").verify_chain
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'gdflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | {"verify_chain"})
