"""The catalogue: every derivation by its stable id.

Each module of mathematics exposes ``DERIVATIONS``, a list of functions that build one
:class:`~gdflow.derive.derivation.Derivation` each.  The catalogue builds each one on demand,
once per process, and verifies it once: ``get(id)`` is the certified copy that
:func:`~gdflow.derive.verify.verify` returns, ``get(id, verified=False)`` the derivation as
built (without certificates); both are cached and frozen, so no caller can change what
another reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache, lru_cache

from .derivation import Derivation, Formula
from .verify import verify

__all__ = ["MODULES", "builders", "ids", "get", "formula", "catalogue"]

MODULES = [
    "quadratic",
    "invariance",
    "eigencases",
    "discrete",
    "convexity",
    "search",
    "momentum",
    "adaptive",
    "pseudoinverse",
    "normalisation",
    "double_descent",
    "flow",
    "function_space",
    "gaussian",
    "tangent_kernel",
]
"""Modules of ``derive`` whose ``DERIVATIONS`` make up the catalogue, in reading order."""


@lru_cache(maxsize=1)
def builders() -> dict[str, Callable[[], Derivation]]:
    """``id -> builder`` for every derivation, in catalogue order."""
    out: dict[str, Callable[[], Derivation]] = {}
    for name in MODULES:
        module = importlib.import_module(f"gdflow.derive.{name}")
        for build in module.DERIVATIONS:
            d = build()
            if d.id in out:
                raise ValueError(f"duplicate derivation id {d.id!r} in derive.{name}")
            out[d.id] = build
    return out


def ids() -> list[str]:
    """Stable ids of all derivations, in catalogue order."""
    return list(builders())


def get(id: str, verified: bool = True) -> Derivation:
    """The derivation with this id: its certified copy (every step carrying its certificate),
    or with ``verified=False`` the derivation as built.

    Raises ``KeyError`` naming the unknown id and the known ones.
    """
    return _certified(id) if verified else _built(id)


def formula(id: str, key: str) -> Formula:
    """The formula ``key`` of derivation ``id`` (read from the derivation as built: verifying
    adds certificates to the steps, not to the formulas), for the evaluators and exact helpers
    that are generated from it.  ``KeyError`` naming the keys there are."""
    formulas = _built(id).formulas
    if key not in formulas:
        raise KeyError(f"derivation {id!r} has no formula {key!r}; formulas: {sorted(formulas)}")
    return formulas[key]


@cache
def _built(id: str) -> Derivation:
    table = builders()
    if id not in table:
        raise KeyError(f"no derivation with id {id!r}; known ids: {', '.join(table)}")
    return table[id]()


@cache
def _certified(id: str) -> Derivation:
    return verify(_built(id))


def catalogue(verified: bool = True) -> list[Derivation]:
    """All derivations, in catalogue order."""
    return [get(i, verified) for i in ids()]
