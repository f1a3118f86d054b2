"""The one whitelist of the answer parser: every name, function, constant, operator, syntax
node and LaTeX command an answer may use, and the bounds every answer is held to.

Plain syntax and LaTeX share it: LaTeX is lowered into the tokens of plain syntax
(:mod:`.latex`), so both are read by one walker (:mod:`.plain`) against these tables and
built by one :class:`~.build.Builder`.
"""

from __future__ import annotations

import ast
from typing import Final

import sympy as sp

__all__ = [
    "LIMITS",
    "FUNCTIONS",
    "MATRIX_ONLY",
    "CONSTANTS",
    "ALIASES",
    "NODES",
    "OPERATORS",
    "COMPARISONS",
    "REFUSED_OPERATORS",
    "REFUSED_NODES",
    "LATEX_SYMBOLS",
    "LATEX_OPERATORS",
    "LATEX_FUNCTIONS",
    "LATEX_STRUCTURE",
    "LATEX_COMMANDS",
    "LATEX_ENVIRONMENTS",
    "GREEK",
]

#: Bounds applied to every answer (documented in the README section on grading).
LIMITS: Final[dict[str, int]] = {
    "max_chars": 2000,  # plain-syntax answer length
    "max_latex_chars": 1000,  # LaTeX answer length
    "max_depth": 40,  # bracket / syntax-tree nesting depth
    "max_nodes": 3000,  # syntax-tree size
    "max_exponent": 1000,  # |n| in x**n for a non-numeric base
    "max_digits": 10000,  # decimal digits of any exact number built from an answer
    "max_factorial": 5000,  # n in n! (n! has ~16000 digits at 5000)
    "max_matrix": 12,  # rows or columns
}

#: functions an answer may call, with their number of arguments
FUNCTIONS: Final[dict[str, int | tuple[int, ...]]] = {
    "sqrt": 1,
    "exp": 1,
    "log": (1, 2),
    "ln": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "abs": 1,
    "Abs": 1,
    "factorial": 1,
    "transpose": 1,
    "inv": 1,
    "pinv": 1,
    "expm": 1,
}
#: functions of a matrix only
MATRIX_ONLY: Final[frozenset[str]] = frozenset({"transpose", "inv", "pinv", "expm"})
#: named constants (``E`` is refused as a constant so that it may name data)
CONSTANTS: Final[dict[str, sp.Expr]] = {
    "pi": sp.pi,
    "e": sp.E,
    "oo": sp.oo,
    "inf": sp.oo,
    "infty": sp.oo,
}
#: other spellings of declared names (``eps`` is ``epsilon``)
ALIASES: Final[dict[str, str]] = {
    "eps": "epsilon",
    "varepsilon": "epsilon",
    "lam": "lambda",
    "varphi": "phi",
}

#: the syntax-tree nodes an answer may contain (any other is refused before it is looked at)
NODES: Final[frozenset[type[ast.AST]]] = frozenset(
    {
        ast.Expression,
        ast.Constant,
        ast.Name,
        ast.BinOp,
        ast.UnaryOp,
        ast.Call,
        ast.List,
        ast.Tuple,
        ast.Compare,
        ast.BoolOp,
    }
)
#: arithmetic operators of the syntax tree and the Builder method each one calls
OPERATORS: Final[dict[type[ast.operator], str]] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
    ast.MatMult: "mul",
}
#: comparisons of the syntax tree
COMPARISONS: Final[dict[type[ast.cmpop], str]] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
}
#: operators refused, with how a student typed them
REFUSED_OPERATORS: Final[dict[type[ast.operator], str]] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
#: syntax nodes refused, with words for the message (any other node type is refused too)
REFUSED_NODES: Final[dict[type[ast.AST], str]] = {
    ast.Attribute: "attribute access (`.name`)",
    ast.Subscript: "indexing (`x[...]`)",
    ast.Lambda: "lambda expressions",
    ast.IfExp: "conditional expressions",
    ast.Dict: "dictionaries",
    ast.Set: "set literals",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.Starred: "`*` unpacking",
    ast.JoinedStr: "strings",
    ast.NamedExpr: "assignment expressions",
    ast.Await: "await",
}

GREEK: Final[tuple[str, ...]] = tuple(
    (
        "alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi rho "
        "sigma tau phi varphi chi psi omega Sigma Lambda Phi Gamma Delta Theta Psi Omega"
    ).split()
)

#: LaTeX commands that are a name of plain syntax (``\alpha`` is ``alpha``, ``\top`` is the
#: transpose exponent ``T``)
LATEX_SYMBOLS: Final[dict[str, str]] = {
    **{g: g for g in GREEK},
    "pi": "pi",
    "infty": "oo",
    "top": "T",
    "dagger": "dagger",
}
#: LaTeX commands that are an operator of plain syntax
LATEX_OPERATORS: Final[dict[str, str]] = {
    "cdot": "*",
    "times": "*",
    "le": "<=",
    "leq": "<=",
    "ge": ">=",
    "geq": ">=",
    "lt": "<",
    "gt": ">",
    "in": "in",
    "approx": "≈",
}
#: LaTeX commands that are a function of plain syntax (``\sin x`` is ``sin(x)``)
LATEX_FUNCTIONS: Final[dict[str, str]] = {f: f for f in ("exp", "ln", "log", "sin", "cos", "tan")}
#: LaTeX commands with a structure of their own, lowered by :mod:`.latex`
LATEX_STRUCTURE: Final[frozenset[str]] = frozenset(
    {"frac", "dfrac", "tfrac", "sqrt", "left", "right", "begin", "end", "mathrm", "text"}
)
#: every LaTeX command an answer may use (``\mathrm``/``\text`` only as ``\mathrm{e}``)
LATEX_COMMANDS: Final[frozenset[str]] = frozenset(
    set(LATEX_SYMBOLS) | set(LATEX_OPERATORS) | set(LATEX_FUNCTIONS) | LATEX_STRUCTURE
)
#: LaTeX environments an answer may use (matrices)
LATEX_ENVIRONMENTS: Final[frozenset[str]] = frozenset({"bmatrix", "pmatrix", "matrix"})
