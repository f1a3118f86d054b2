"""What kind of value an answer is (:class:`Shape`), and the parsed answer (:class:`Parsed`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

__all__ = ["Shape", "Parsed", "shape_of", "to_latex"]


class Shape(enum.StrEnum):
    """The shape of an answer or a reference; a ``str`` so ``shape == "matrix"`` still holds.

    ``words`` is how feedback names it ("a vector or matrix")."""

    SCALAR = "scalar"
    MATRIX = "matrix"
    RELATION = "relation"
    EQUATION = "equation"
    SET = "set"
    LABEL = "label"

    @property
    def words(self) -> str:
        """The shape in a sentence of feedback."""
        return _WORDS[self]


_WORDS = {
    Shape.LABEL: "a label",
    Shape.MATRIX: "a vector or matrix",
    Shape.SET: "a set of values",
    Shape.EQUATION: "an equation",
    Shape.RELATION: "a condition (inequalities)",
    Shape.SCALAR: "a number or expression",
}


def shape_of(value: Any) -> Shape:
    """The :class:`Shape` of a value: text is a label, a SymPy Matrix a matrix, a Set a set,
    an ``Eq`` an equation, any other relation or boolean combination (``True`` included) a
    relation, anything else a scalar."""
    if isinstance(value, str):
        return Shape.LABEL
    if isinstance(value, sp.MatrixBase):
        return Shape.MATRIX
    if isinstance(value, sp.Set):
        return Shape.SET
    if isinstance(value, sp.Equality):
        return Shape.EQUATION
    if isinstance(value, sp.logic.boolalg.Boolean) and not isinstance(value, sp.Expr):
        return Shape.RELATION
    return Shape.SCALAR


@dataclass
class Parsed:
    """A parsed answer: ``value`` is a SymPy Expr (``shape`` :attr:`Shape.SCALAR`), a Matrix
    (``MATRIX``), an equation (``EQUATION``), a relation or boolean combination of relations
    (``RELATION``), a SymPy Set (``SET``) or a label string (``LABEL``); ``latex`` renders
    what was read; ``used_data`` says whether the problem's data matrices were used."""

    value: Any
    shape: Shape
    latex: str
    used_data: bool = False
    sides: list[tuple[str, Any, str]] = field(default_factory=list)
    """Other sides of a chain ``3/4 = 0.75`` / ``1/3 ≈ 0.333``: ``(operator, value, text)``,
    which the grader checks against ``value`` (equal / a rounding)."""
    approximate: bool = False
    """The answer was given after ``≈`` only (``≈ -1.91``)."""
    labels: list[str] = field(default_factory=list)
    """The names of the left sides written (``w`` in ``w = …``; ``u``, ``v`` in ``u = 1.8,
    v = -0.6``)."""


def to_latex(value: Any) -> str:
    """LaTeX of a parsed value; numbers too long to print are abbreviated."""
    try:
        text = sp.latex(value)
    except ValueError:  # integer too long for str()
        text = r"\text{(a number with more than 4300 digits)}"
    if len(text) > 600:
        text = text[:600] + r"\ldots"
    return text
