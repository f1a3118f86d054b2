"""The names an answer may use (:class:`Scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .whitelist import ALIASES

__all__ = ["Scope", "name_key"]


def name_key(name: str) -> str:
    """The normalised form of a name used for lookups: braces, underscores and backslashes
    dropped, aliases resolved (``x_{0}`` -> ``x0``, ``\\varepsilon`` -> ``epsilon``)."""
    n = name.replace("{", "").replace("}", "").replace("_", "").replace("\\", "")
    return ALIASES.get(n, n)


@dataclass
class Scope:
    """The names an answer may use.

    ``symbols`` maps a name to a SymPy Symbol (with its assumptions); ``matrices`` maps a
    name to the problem's data (a SymPy Matrix), so that formula answers such as
    ``-pinv(A)*b`` are evaluated on the data; ``dimension`` gives the size of the identity
    ``I`` (only when matrices are in scope). With ``declare_unknown`` any identifier becomes a
    real Symbol (used for the author's own text, never for students).
    """

    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    matrices: dict[str, sp.Matrix] = field(default_factory=dict)
    dimension: int | None = None
    declare_unknown: bool = False

    def key(self, name: str) -> str:
        """The normalised form of ``name`` used for lookups (``x_{0}`` → ``x0``)."""
        return name_key(name)

    def lookup(self, name: str) -> Any | None:
        """The data matrix or symbol called ``name``, or ``None``."""
        key = name_key(name)
        for table in (self.matrices, self.symbols):
            for n, v in table.items():
                if name_key(n) == key:
                    return v
        return None

    def names(self) -> list[str]:
        """Every name an answer may use."""
        return list(self.symbols) + list(self.matrices)
