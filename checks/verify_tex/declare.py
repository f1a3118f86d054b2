r"""Declarations of a derivation, written in LaTeX comments, one per line::

    % gdflow: matrix A m n [symmetric] [psd|pd] [orthogonal] [invertible] ...
    % gdflow: vector b n
    % gdflow: scalar \alpha positive|nonnegative|negative|real
    % gdflow: integer k nonnegative|positive
    % gdflow: let b = -A w_\star

(In Markdown also ``<!-- gdflow: ... -->``.)  A name is written as in the formulas with font
commands dropped; a parenthesised superscript is part of the name (``w^{(k)}``); a name with an
argument (``r(t)``) is a function of that variable and needs a ``let``.  Sizes are symbols
(positive integers, usable in formulas: ``\frac{1}{N}``) unless given as numbers.  ``let``
gives a definition that the verifier substitutes before deciding a step; a ``let`` of an
undeclared name declares it with the shape of its right side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdflow.checks.grade.parse.errors import ParseError
from gdflow.derive.derivation import Assumptions

from .read import Names, canonical_name, read_side

__all__ = ["Declarations", "DeclarationError", "parse_declarations", "DECLARATION"]

#: a declaration line: ``% gdflow: ...`` or ``<!-- gdflow: ... -->``
DECLARATION = re.compile(r"(?:%|<!--)\s*gdflow\s*:(?P<body>.*?)(?:-->)?\s*$")

_MATRIX_WORDS = {
    "any": "any",
    "symmetric": "symmetric",
    "psd": "psd",
    "pd": "pd",
    "orthogonal": "orthogonal",
    "diagonal": "diagonal",
    "invertible": "invertible",
    "singular_psd": "singular_psd",
    "diagonal_nonneg": "diagonal_nonneg",
    "full_column_rank": "full_column_rank",
    "full_row_rank": "full_row_rank",
}
_SQUARE = {"symmetric", "psd", "pd", "orthogonal", "diagonal", "invertible", "singular_psd"}
_SCALAR_WORDS = {
    "real": {"real": True},
    "positive": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "negative": {"negative": True},
    "nonzero": {"real": True, "nonzero": True},
}
_MAX_DECLARATIONS = 200
_RESERVED = {
    "T": "`^T` is the transpose",
    "I": "`I` is the identity (its size comes from the matrix it meets)",
    "e": "`e` is Euler's number (`e^{M}` is the exponential)",
    "d": "`d` is the d of `\\frac{d}{dt}`",
}


class DeclarationError(ValueError):
    """A declaration that cannot be read: ``line`` (1-based) and ``message``."""

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


@dataclass
class Declarations:
    """The names of a document (:class:`~.read.Names`) and the assumptions on them
    (:class:`~gdflow.derive.derivation.Assumptions`: matrix properties and definitions; scalar
    facts live on the symbols)."""

    names: Names = field(default_factory=Names)
    matrices: dict[Any, str] = field(default_factory=dict)
    definitions: dict[Any, Any] = field(default_factory=dict)
    errors: list[DeclarationError] = field(default_factory=list)

    def assumptions(self) -> Assumptions:
        """The :class:`~gdflow.derive.derivation.Assumptions` every step is decided under."""
        return Assumptions(matrices=dict(self.matrices), definitions=dict(self.definitions))


def _symbol_name(canon: str) -> str:
    return canon.replace("\\", "").replace("{", "").replace("}", "") or canon


def _size(word: str, decl: Declarations, line: int) -> Any:
    if re.fullmatch(r"[0-9]+", word):
        n = int(word)
        if not 1 <= n <= 12:
            raise DeclarationError(f"size {n} must be between 1 and 12", line)
        return sp.Integer(n)
    canon = canonical_name(word)
    if not re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z])(_[A-Za-z0-9]+)?", canon):
        raise DeclarationError(f"`{word}` is not a size (a number or a name such as n)", line)
    found = decl.names.objects.get(canon)
    if found is not None:
        if not (isinstance(found, sp.Symbol) and found.is_integer and found.is_positive):
            raise DeclarationError(
                f"`{word}` is used as a size but is declared as something else", line
            )
        return found
    sym = sp.Symbol(_symbol_name(canon), integer=True, positive=True)
    decl.names.declare(canon, sym)
    return sym


def _declare(decl: Declarations, canon: str, obj: Any, line: int) -> None:
    if canon in _RESERVED:
        raise DeclarationError(f"`{canon}` cannot be declared: {_RESERVED[canon]}", line)
    if canon in decl.names.objects:
        raise DeclarationError(f"`{canon}` is declared twice", line)
    decl.names.declare(canon, obj)


def _one(decl: Declarations, body: str, line: int, lets: list[tuple[str, str, int]]) -> None:
    words = body.split()
    if not words:
        raise DeclarationError("empty declaration", line)
    kind = words[0]
    if kind == "let":
        m = re.fullmatch(r"\s*let\s+(.+?)\s*=(.+)", body)
        if m is None:
            raise DeclarationError("write `let NAME = FORMULA`", line)
        lets.append((m.group(1), m.group(2).strip(), line))
        return
    if len(words) < 2:
        raise DeclarationError(f"`{kind}` needs a name", line)
    canon = canonical_name(words[1])
    if "(" in canon and "^{(" not in canon and not canon.endswith(")"):
        raise DeclarationError(f"`{words[1]}` is not a name", line)
    rest = words[2:]
    if kind in ("matrix", "vector"):
        count = 2 if kind == "matrix" else 1
        if len(rest) < count:
            raise DeclarationError(
                f"`{kind} {words[1]}` needs its size{'s' if count == 2 else ''}", line
            )
        sizes = [_size(w, decl, line) for w in rest[:count]]
        rows, cols = (sizes[0], sizes[1]) if count == 2 else (sizes[0], sp.Integer(1))
        props = [w.lower().replace("-", "_") for w in rest[count:]]
        for p in props:
            if p not in _MATRIX_WORDS:
                raise DeclarationError(
                    f"unknown matrix property `{p}` (known: {', '.join(sorted(_MATRIX_WORDS))})",
                    line,
                )
        kinds = set(props) - {"any"}
        if {"psd", "pd", "singular_psd"} & kinds:
            kinds -= {"symmetric"}
        if len(kinds) > 1:
            raise DeclarationError(
                f"one matrix property at a time is decided ({', '.join(sorted(kinds))}); "
                "psd and pd include symmetric",
                line,
            )
        prop = next(iter(kinds), "any")
        if prop in _SQUARE and rows != cols:
            raise DeclarationError(f"a {prop} matrix is square: give it two equal sizes", line)
        obj = sp.MatrixSymbol(_symbol_name(canon), rows, cols)
        _declare(decl, canon, obj, line)
        if prop != "any":
            decl.matrices[obj] = prop
        return
    if kind in ("scalar", "integer"):
        facts: dict[str, bool] = {"real": True}
        for w in rest:
            if w not in _SCALAR_WORDS:
                raise DeclarationError(
                    f"unknown scalar property `{w}` (known: {', '.join(_SCALAR_WORDS)})", line
                )
            facts.update(_SCALAR_WORDS[w])
        if kind == "integer":
            facts["integer"] = True
        obj = sp.Symbol(_symbol_name(canon), **facts)  # type: ignore[arg-type]
        _declare(decl, canon, obj, line)
        return
    raise DeclarationError(
        f"unknown declaration `{kind}` (matrix, vector, scalar, integer, let)", line
    )


def parse_declarations(lines: list[tuple[int, str]]) -> Declarations:
    """Read ``(line number, declaration body)`` pairs into :class:`Declarations`.  Errors are
    collected in ``errors`` (each with its line); the other declarations still count."""
    decl = Declarations()
    lets: list[tuple[str, str, int]] = []
    for line, body in lines[:_MAX_DECLARATIONS]:
        try:
            _one(decl, body, line, lets)
        except DeclarationError as exc:
            decl.errors.append(exc)
    if len(lines) > _MAX_DECLARATIONS:
        decl.errors.append(
            DeclarationError(f"more than {_MAX_DECLARATIONS} declarations", lines[-1][0])
        )
    for name, formula, line in lets:
        try:
            _let(decl, name, formula, line)
        except DeclarationError as exc:
            decl.errors.append(exc)
    check_functions(decl)
    return decl


def _let(decl: Declarations, name: str, formula: str, line: int) -> None:
    canon = canonical_name(name)
    try:
        value = read_side(formula, decl.names)
    except ParseError as exc:
        raise DeclarationError(f"in `let {name}`: {exc.message}", line) from None
    obj = decl.names.objects.get(canon)
    if obj is None:
        shape = getattr(value, "shape", None) if getattr(value, "is_Matrix", False) else None
        obj = (
            sp.MatrixSymbol(_symbol_name(canon), *shape)
            if shape is not None
            else sp.Symbol(_symbol_name(canon), real=True)
        )
        decl.names.declare(canon, obj)
    if obj in decl.definitions:
        raise DeclarationError(f"`{canon}` is defined twice", line)
    if getattr(obj, "is_Matrix", False) != bool(getattr(value, "is_Matrix", False)):
        raise DeclarationError(f"`{canon}` and its definition differ in shape", line)
    if getattr(obj, "is_Matrix", False) and obj.shape != value.shape:
        raise DeclarationError(
            f"`{canon}` is {obj.shape[0]}×{obj.shape[1]} but its definition is "
            f"{value.shape[0]}×{value.shape[1]}",
            line,
        )
    if isinstance(obj, sp.Basic) and obj in getattr(value, "free_symbols", set()) | set(
        value.atoms(sp.MatrixSymbol)
    ):
        raise DeclarationError(f"`{canon}` is defined in terms of itself", line)
    decl.definitions[obj] = value


def check_functions(decl: Declarations) -> None:
    """A name with an argument (``r(t)``) without a ``let`` is an error: it would read as a
    constant."""
    for canon, obj in decl.names.objects.items():
        if canon.endswith(")") and "^{(" not in canon and obj not in decl.definitions:
            decl.errors.append(
                DeclarationError(f"`{canon}` is a function of a variable: give it a `let`")
            )
