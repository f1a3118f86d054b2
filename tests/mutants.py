"""Mutation operators for the soundness suite: small, typical slips applied to correct steps.

Each operator takes a SymPy expression and yields mutated copies (possibly none).  The kinds
follow the slips people make when deriving GD dynamics by hand:

- ``sign_flip``        rhs -> -rhs
- ``dropped_factor``   one factor of a product removed
- ``swapped_product``  the order of a matrix product reversed
- ``exponent_shift``   k -> k + 1
- ``plus_for_minus``   (I - alpha A) -> (I + alpha A), (1 - alpha a) -> (1 + alpha a)
- ``pinv_side``        A^dagger B -> B A^dagger (the pseudoinverse on the wrong side)
"""

from __future__ import annotations

from collections.abc import Iterator

import sympy as sp

from gdflow.derive.matrices import Pinv
from gdflow.derive.notation import k

KINDS = (
    "sign_flip",
    "dropped_factor",
    "swapped_product",
    "exponent_shift",
    "plus_for_minus",
    "pinv_side",
)


def _nodes(expr: sp.Basic, cls) -> list[sp.Basic]:
    return [node for node in sp.preorder_traversal(expr) if isinstance(node, cls)]


def sign_flip(expr):
    yield -expr


def dropped_factor(expr):
    for node in _nodes(expr, (sp.Mul, sp.MatMul)):
        args = node.args
        for i, factor in enumerate(args):
            if factor.is_Number:
                continue
            rest = args[:i] + args[i + 1 :]
            if not rest:
                continue
            try:
                yield expr.xreplace({node: node.func(*rest)})
            except Exception:
                continue


def swapped_product(expr):
    for node in _nodes(expr, sp.MatMul):
        scalars = [a for a in node.args if not getattr(a, "is_Matrix", False)]
        mats = [a for a in node.args if getattr(a, "is_Matrix", False)]
        if len(mats) >= 2 and mats != mats[::-1]:
            try:
                yield expr.xreplace({node: sp.MatMul(*scalars, *mats[::-1])})
            except Exception:
                continue


def exponent_shift(expr):
    if k in expr.free_symbols:
        yield expr.xreplace({k: k + 1})


def plus_for_minus(expr):
    for node in _nodes(expr, (sp.Add, sp.MatAdd)):
        unit = [a for a in node.args if a == 1 or isinstance(a, sp.Identity)]
        if not unit:
            continue
        others = [a for a in node.args if a not in unit]
        if not others:
            continue
        yield expr.xreplace({node: node.func(*unit, *[-a for a in others])})


def pinv_side(expr):
    for node in _nodes(expr, sp.MatMul):
        args = list(node.args)
        for i in range(len(args) - 1):
            if isinstance(args[i], Pinv) or isinstance(args[i + 1], Pinv):
                swapped = args[:i] + [args[i + 1], args[i]] + args[i + 2 :]
                try:
                    yield expr.xreplace({node: sp.MatMul(*swapped)})
                except Exception:
                    continue


OPERATORS = {
    "sign_flip": sign_flip,
    "dropped_factor": dropped_factor,
    "swapped_product": swapped_product,
    "exponent_shift": exponent_shift,
    "plus_for_minus": plus_for_minus,
    "pinv_side": pinv_side,
}


def mutants(expr: sp.Basic, kind: str, limit: int = 3) -> Iterator[sp.Basic]:
    """Up to ``limit`` distinct mutants of ``expr`` of one kind (never ``expr`` itself)."""
    seen = {expr}
    for m in OPERATORS[kind](expr):
        if m in seen:
            continue
        seen.add(m)
        yield m
        if len(seen) > limit:
            return
