"""Soundness of ``gdflow verify`` under mutation: every true step below is mutated textually
(a sign flipped, a transpose dropped, two factors swapped, an inverse made a transpose, a
number changed); a mutant the verifier accepts must hold at random floating-point values of
its names (the witness: plain SymPy arithmetic on explicit matrices, none of the engine's
methods).  A verifier that accepts a wrong step is the worst bug."""

from __future__ import annotations

import random
import re

import pytest
import sympy as sp

from gdflow.checks.verify_tex import verify_chain
from gdflow.checks.verify_tex.blocks import split_document
from gdflow.checks.verify_tex.declare import parse_declarations
from gdflow.checks.verify_tex.read import read_side

DECLS = [
    "matrix A n n psd",
    "matrix B n n invertible",
    "matrix C n n",
    "matrix P m n",
    "vector x n",
    "vector y m",
    r"scalar \alpha positive",
    "scalar c real",
]

TRUE_STEPS = [
    r"(A B)^\top &= B^\top A^\top",
    r"(P x)^\top y &= x^\top P^\top y",
    r"(I - \alpha A)(x - B x) &= x - B x - \alpha A x + \alpha A B x",
    r"(B C)^{-1} B &= C^{-1}",
    r"\operatorname{tr}(C B) + 2 x^\top x &= \operatorname{tr}(B C) + 2\|x\|^2",
    r"(C + C^\top)^\top &= C + C^\top",
    r"\frac{1}{2}(A x - 3 x) &= \frac{1}{2} A x - \frac{3}{2} x",
    r"P^\top (P x - y) &= P^\top P x - P^\top y",
    r"(c A - C)^2 &= c^2 A^2 - c A C - c C A + C^2",
    r"\det(2 B) &= 2^n \det(B)",
]


def _mutants(step: str) -> list[str]:
    lhs, rhs = step.split("&=")
    out = set()
    for m in re.finditer(r"(?<![\\{^])-", rhs):
        out.add(rhs[: m.start()] + "+" + rhs[m.end() :])
    for m in re.finditer(r"(?<![\\{^(])\+", rhs):
        out.add(rhs[: m.start()] + "-" + rhs[m.end() :])
    for m in re.finditer(r"\^\\top", rhs):
        out.add(rhs[: m.start()] + rhs[m.end() :])
    for m in re.finditer(r"\^\{-1\}", rhs):
        out.add(rhs[: m.start()] + "^\\top" + rhs[m.end() :])
    for m in re.finditer(r"\b([ABCP]) ?([ABCP])\b", rhs):
        out.add(rhs[: m.start()] + m.group(2) + " " + m.group(1) + rhs[m.end() :])
    for m in re.finditer(r"(?<![{^])\b([23])\b", rhs):
        out.add(rhs[: m.start()] + str(int(m.group(1)) + 1) + rhs[m.end() :])
    return [f"{lhs}&={r}" for r in sorted(out) if r != rhs]


def _draw(decl, rng: random.Random) -> dict:
    sizes = {}
    values: dict = {}
    objs = decl.names.objects.values()
    for o in objs:
        if isinstance(o, sp.Symbol) and o.is_integer and o.is_positive:
            sizes[o] = rng.randint(2, 4)
    for o in objs:
        if isinstance(o, sp.MatrixSymbol):
            r, c = (int(sp.sympify(d).xreplace(sizes)) for d in o.shape)
            m = sp.Matrix(r, c, lambda i, j: sp.Float(rng.gauss(0, 1), 30))
            prop = decl.matrices.get(o)
            if prop == "psd":
                m = m * m.T
            values[o] = sp.ImmutableMatrix(m)
        elif isinstance(o, sp.Symbol) and o not in sizes:
            v = rng.uniform(0.2, 2) if o.is_positive else rng.gauss(0, 1)
            values[o] = sp.Float(v, 30)
    return {**sizes, **values}


def _value(expr, subs):
    e = expr.xreplace(subs)
    e = e.doit() if isinstance(e, sp.Basic) else e
    if getattr(e, "is_Matrix", False):
        return sp.Matrix(e).evalf(30)
    return sp.N(e, 30)


def _witness_equal(lhs, rhs, decl, trials=4) -> bool:
    rng = random.Random(11)
    for _ in range(trials):
        subs = _draw(decl, rng)
        a, b = _value(lhs, subs), _value(rhs, subs)
        am, bm = getattr(a, "is_Matrix", False), getattr(b, "is_Matrix", False)
        if am and a.shape == (1, 1):
            a, am = a[0, 0], False
        if bm and b.shape == (1, 1):
            b, bm = b[0, 0], False
        if am != bm or (am and a.shape != b.shape):
            return False
        diff = (a - b) if not am else max(abs(x) for x in (a - b))
        scale = 1 + (max(abs(x) for x in a) if am else abs(a))
        if abs(diff) > 1e-12 * scale:
            return False
    return True


@pytest.mark.parametrize("step", TRUE_STEPS)
def test_true_steps_hold_and_are_verified(step):
    decl = parse_declarations([(0, d) for d in DECLS])
    (st,) = split_document(step).steps
    lhs, rhs = read_side(st.lhs.text, decl.names), read_side(st.rhs.text, decl.names)
    assert _witness_equal(lhs, rhs, decl), step
    (rec,) = verify_chain(step, DECLS)
    assert rec.verdict == "verified", rec


def test_no_mutant_the_witness_refutes_is_verified():
    decl = parse_declarations([(0, d) for d in DECLS])
    rejected = 0
    for step in TRUE_STEPS:
        for mutant in _mutants(step):
            (rec,) = verify_chain(mutant, DECLS, timeout=10)
            if rec.verdict == "rejected":
                rejected += 1
            if rec.verdict != "verified":
                continue
            (st,) = split_document(mutant).steps
            lhs, rhs = read_side(st.lhs.text, decl.names), read_side(st.rhs.text, decl.names)
            assert _witness_equal(lhs, rhs, decl), (mutant, rec)
    assert rejected >= 15  # the mutants really change the steps
