r"""Variants of a problem spec with proved keys: ``gdflow variants SPEC.toml --count N --seed S
-o DIR``.

Each variant redraws the data of every question under that question's constraints, read from
the original question (its kind and its *case* are kept):

* **matrices of a quadratic** (``A`` of ``fixed_point``, ``convergence_condition``,
  ``closed_form_iterate``, ``loss_after``; the Hessian of a quadratic ``gd_step`` objective; a
  ``covariance``) are positive semidefinite integer matrices
  :math:`A = \sum_{i\le r} m_i u_i u_i^\top` over mutually orthogonal integer vectors
  :math:`u_i` (rational Gram–Schmidt, cleared of denominators), so the spectrum
  :math:`\{m_i\|u_i\|^2\} \cup \{0\}` is exact and small, the rank :math:`r` is the original's,
  and a diagonal original stays diagonal (with its zero pattern);
* **data matrices** ``X`` (gradient flow) and ``Phi`` (ridge) keep their shape and rank:
  :math:`\sum_{i\le r} s_i u_i v_i^\top` with orthogonal integer :math:`u_i, v_i`, so
  :math:`X^\top X` has rational eigenvalues; a line fit (a column of ones next to one data
  column) stays a line fit, its inputs drawn so that :math:`X^\top X` still has rational
  eigenvalues (the loader's matrix exponentials stay exact and fast);
* **vectors** keep what the question turns on: ``b`` (or ``y``, ``t``) in the range of the
  matrix exactly when the original is (001 §2.2: no limit otherwise), a start with a part in
  the null space exactly when the original has one (001 §2 eq 14), an all-zero vector stays
  zero; entries are small integers, or decimals with the original's number of places;
* **learning rates** keep the case of :math:`x = \alpha\lambda_{\max}` (``step_size_case``:
  monotone, one step, oscillating, bounded oscillation, divergent; 001 §2.2), so an α that
  made GD oscillate still does; α is written in the original's style (decimal or fraction);
  a symbolic α keeps its symbol and its ``assume`` bounds are rescaled by
  :math:`\lambda_{\max}/\lambda_{\max}'` (``0 < alpha < 1`` for :math:`\lambda_{\max} = 2`
  becomes ``0 < alpha < 1/2`` for :math:`\lambda_{\max}' = 4`);
* questions sharing data in the original (two questions on the same ``A``, ``b``, ``start``:
  a prompt may say "Same data") share the redrawn data in every variant.

Questions whose data cannot be varied are kept with their original data, and the command says
so: ``expression`` (the reference is the author's formula), a ``gd_step`` objective that is
not a convex quadratic with numeric coefficients, and kinds without a generator here.

**Prompts** are regenerated per kind from the variant's data (the kind's own wording, every
number of the variant stated, nothing of the original's): free text cannot be rewritten
reliably (the original may write ``x^2 - 4x`` for ``x**2 - 4*x``, or "Same data"). A kept
question keeps its prompt. A ``feedback`` text is copied as written; the command warns that it
may mention the original's numbers.

**Proved keys.** Each variant file is loaded with the grader's own loader
(:func:`~gdflow.checks.grade.spec.load_spec`), whose references come from ``derive/``; the
key's answer to each question is that reference written as a student may type it
(:func:`answer_text`), and it is graded by the grader
(:func:`~gdflow.checks.grade.grader.grade_answer`) against the variant: anything but
``correct`` is an error. A variant that fails
to load, or a key answer not graded correct, is an error of this command
(:class:`VariantError`), never skipped. A redrawn question carries no ``expected`` (the
original's would be wrong; the key holds the answers); a kept question keeps its own.

**Writing TOML by hand.** :mod:`tomllib` only reads. The spec subset is small (strings,
integers, decimals, lists of them, one inline ``feedback`` table, ``[defaults]`` and
``[[question]]``), and the well-kept writer ``tomli-w`` puts every array element on its own
line (a 3×3 matrix becomes 15 lines), which makes a lecturer's spec unreadable; the writer
here (:func:`dumps`) keeps matrices on one line as in hand-written specs, and every text it
writes is read back with :mod:`tomllib` and compared with the data it came from.

Files written to DIR: ``variant-01.toml`` … (the variant id is the zero-padded index, at least
two digits), ``key.csv`` (columns ``variant,question,answer``: the answer as a student may type
it, equal to the loader's reference) and ``key.tex`` (a LaTeX document: per variant, each
question's prompt, a worked line and the answer).
"""

from __future__ import annotations

import argparse
import csv
import decimal
import io
import json
import math
import random
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy as sp

__all__ = [
    "VariantError",
    "Variant",
    "VariantSet",
    "make_variants",
    "write_variants",
    "variant_path",
    "dumps",
    "add_parser",
    "run",
]

Vec = list[Fraction]
Mat = list[list[Fraction]]


class VariantError(RuntimeError):
    """A variant could not be drawn or did not load: an error of this command, naming the
    variant and the question."""


# ------------------------------------------------------------------------------ TOML writing


def _toml_string(s: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML forbids raw."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_string(k)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        v = decimal.Decimal(repr(v))
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise ValueError(f"cannot write {v} in a spec")
        text = format(v, "f")
        return text if "." in text else text + ".0"
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write a {type(v).__name__} in a spec: {v!r}")


def _normal(v: Any) -> Any:
    """``v`` as :mod:`tomllib` reads it back with ``parse_float=Decimal``."""
    if isinstance(v, float):
        return decimal.Decimal(repr(v))
    if isinstance(v, list):
        return [_normal(x) for x in v]
    if isinstance(v, dict):
        return {k: _normal(x) for k, x in v.items()}
    return v


def dumps(data: dict[str, Any], header: Sequence[str] = (), comments: Sequence[str] = ()) -> str:
    """The spec ``data`` (``title``, ``defaults``, ``question``) as TOML text, matrices on one
    line; ``header`` lines and one comment per question (``comments``) become ``#`` comments.
    The text is read back with :mod:`tomllib` and must equal ``data`` (else ``ValueError``)."""
    out = [f"# {h}".rstrip() for h in header]
    tables: list[tuple[str, dict]] = []
    arrays: list[tuple[str, list]] = []
    for key, v in data.items():
        if isinstance(v, dict):
            tables.append((key, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((key, v))
        else:
            out.append(f"{_toml_key(key)} = {_toml_value(v)}")
    for key, table in tables:
        out += ["", f"[{_toml_key(key)}]"]
        out += [f"{_toml_key(k)} = {_toml_value(x)}" for k, x in table.items()]
    for key, items in arrays:
        for i, item in enumerate(items):
            out.append("")
            if i < len(comments) and comments[i]:
                out += [f"# {c}".rstrip() for c in comments[i].splitlines()]
            out.append(f"[[{_toml_key(key)}]]")
            out += [f"{_toml_key(k)} = {_toml_value(x)}" for k, x in item.items()]
    text = "\n".join(out) + "\n"
    if tomllib.loads(text, parse_float=decimal.Decimal) != _normal(data):
        raise ValueError("the TOML written does not read back as the data (a writer bug)")
    return text


# ------------------------------------------------------------------------------ numbers


def _frac(v: Any) -> Fraction:
    """An exact Fraction from a TOML number or a number string ("1/4", "0.1")."""
    if isinstance(v, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(v, (int, decimal.Decimal)):
        return Fraction(v)
    if isinstance(v, float):
        return Fraction(decimal.Decimal(repr(v)))
    if isinstance(v, str):
        return Fraction(v.strip().replace(" ", ""))
    raise TypeError(f"not a number: {v!r}")


def _places(v: Any) -> int:
    """Decimal places the author wrote (``0.15`` → 2, ``3`` → 0; a fraction string → -1)."""
    if isinstance(v, decimal.Decimal):
        return max(0, -int(v.as_tuple().exponent))
    if isinstance(v, str):
        s = v.strip()
        if "/" in s:
            return -1
        return len(s.split(".")[1]) if "." in s else 0
    return 0


def _terminating(x: Fraction, limit: int = 6) -> int | None:
    """The number of decimal places of ``x`` if it terminates within ``limit``, else None."""
    for d in range(limit + 1):
        if (x * 10**d).denominator == 1:
            return d
    return None


def fmt(x: Fraction) -> str:
    """A number for prompts and keys: ``3``, ``0.15``, or ``1/3``."""
    if x.denominator == 1:
        return str(x.numerator)
    d = _terminating(x)
    if d is not None:
        return format(decimal.Decimal(x.numerator) / decimal.Decimal(x.denominator), "f")
    return f"{x.numerator}/{x.denominator}"


def _like(x: Fraction, original: Any) -> Any:
    """``x`` as a TOML value in the style of the ``original`` value (int, decimal, string)."""
    if isinstance(original, str):
        if "/" in original and x.denominator != 1:
            return f"{x.numerator}/{x.denominator}"
        return fmt(x)
    if isinstance(original, (decimal.Decimal, float)):
        d = _terminating(x)
        if d is None:
            return fmt(x)
        q = decimal.Decimal(x.numerator) / decimal.Decimal(x.denominator)
        return q.quantize(decimal.Decimal(1).scaleb(-max(d, 1)))
    if x.denominator == 1:
        return x.numerator
    return fmt(x)


def _like_vec(v: Vec, original: list) -> list:
    flat = [o for o in original if not isinstance(o, list)] or [r[0] for r in original]
    return [_like(x, flat[min(i, len(flat) - 1)]) for i, x in enumerate(v)]


def _like_mat(m: Mat, original: list) -> list:
    """Entry by entry in the style of the original entry at the same place."""

    def at(i: int, j: int) -> Any:
        row = original[min(i, len(original) - 1)]
        return row[min(j, len(row) - 1)]

    return [[_like(x, at(i, j)) for j, x in enumerate(row)] for i, row in enumerate(m)]


def fmt_vec(v: Sequence[Fraction]) -> str:
    return "[" + ", ".join(fmt(x) for x in v) + "]"


def fmt_mat(m: Sequence[Sequence[Fraction]]) -> str:
    return "[" + ", ".join(fmt_vec(r) for r in m) + "]"


def _vec(v: Any) -> Vec:
    if isinstance(v, list) and v and all(isinstance(r, list) and len(r) == 1 for r in v):
        v = [r[0] for r in v]
    return [_frac(x) for x in v]


def _mat(v: Any) -> Mat:
    return [[_frac(x) for x in row] for row in v]


def _sp(m: Mat | Vec) -> sp.Matrix:
    if m and isinstance(m[0], list):
        return sp.Matrix([[sp.Rational(x.numerator, x.denominator) for x in r] for r in m])
    return sp.Matrix([sp.Rational(x.numerator, x.denominator) for x in m])  # type: ignore[union-attr]


def _from_sp(m: sp.Matrix) -> Mat:
    return [
        [Fraction(int(sp.fraction(x)[0]), int(sp.fraction(x)[1])) for x in row]
        for row in m.tolist()
    ]


def _rq(x: sp.Expr) -> Fraction:
    x = sp.nsimplify(x)
    return Fraction(int(x.p), int(x.q))


def _lambda_max(A: sp.Matrix) -> Fraction:
    """The largest eigenvalue of a PSD matrix with rational spectrum (exact)."""
    eigs = [sp.nsimplify(e) for e in A.eigenvals()]
    top = max(eigs, key=lambda e: float(e))
    if not top.is_Rational:
        raise VariantError(f"eigenvalue {top} of {A.tolist()} is not rational")
    return _rq(top)


def _in_range(M: sp.Matrix, v: sp.Matrix) -> bool:
    """Whether ``v`` lies in the column space of ``M`` (exact rank test)."""
    return M.row_join(v).rank() == M.rank()


def _null_part(M: sp.Matrix, w: sp.Matrix) -> bool:
    """Whether ``w`` has a nonzero component in the null space of ``M``."""
    return any((n.T * w)[0] != 0 for n in M.nullspace())


def _is_diagonal(M: sp.Matrix) -> bool:
    return M.is_square and all(M[i, j] == 0 for i in range(M.rows) for j in range(M.cols) if i != j)


# ------------------------------------------------------------------------------ drawing


class Draw:
    """Seeded draws for one variant, with the redrawn data shared by questions whose original
    data are the same (``shared``)."""

    def __init__(self, seed: int, index: int):
        self.rng = random.Random(f"gdflow-variants:{seed}:{index}")
        self.cache: dict[Any, Any] = {}

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value drawn for ``key`` in this variant (drawn by ``make`` the first time)."""
        k = json.dumps(key, default=str, sort_keys=True)
        if k not in self.cache:
            self.cache[k] = make()
        return self.cache[k]

    def ints(self, n: int, lo: int, hi: int) -> list[int]:
        return [self.rng.randint(lo, hi) for _ in range(n)]


def _orthogonal_basis(rng: random.Random, n: int, bound: int = 4) -> list[list[int]]:
    """n mutually orthogonal integer vectors with entries at most ``bound`` in size (rational
    Gram–Schmidt of small random vectors, each cleared of denominators and common factors)."""
    for _ in range(500):
        basis: list[list[int]] = []
        for _ in range(n):
            v = [Fraction(rng.randint(-2, 2)) for _ in range(n)]
            for u in basis:
                uu = sum(x * x for x in u)
                c = Fraction(sum(a * b for a, b in zip(v, u, strict=True)), uu)
                v = [a - c * b for a, b in zip(v, u, strict=True)]
            if not any(v):
                break
            den = math.lcm(*(x.denominator for x in v))
            iv = [int(x * den) for x in v]
            g = math.gcd(*iv)
            iv = [x // g for x in iv]
            if next(x for x in iv if x) < 0:
                iv = [-x for x in iv]
            if max(abs(x) for x in iv) > bound:
                break
            basis.append(iv)
        if len(basis) == n:
            return basis
    raise VariantError(f"no small orthogonal integer basis of dimension {n} found")


@dataclass
class PSD:
    """A drawn PSD matrix with its eigenbasis: ``range_basis`` spans range(A), ``null_basis``
    its null space."""

    A: sp.Matrix
    range_basis: list[sp.Matrix]
    null_basis: list[sp.Matrix]


def _draw_psd(rng: random.Random, A0: sp.Matrix, *, even: bool = False) -> PSD:
    r"""A PSD integer matrix like ``A0``: same size and rank, diagonal (same zero pattern) when
    ``A0`` is, else :math:`\sum_{i\le r} m_i u_i u_i^\top`, not diagonal. ``even``: all
    entries even (a Hessian whose ½xᵀHx has integer coefficients)."""
    n, r = A0.rows, A0.rank()
    k = 2 if even else 1
    if _is_diagonal(A0):
        for _ in range(50):  # not the original's matrix, unless nothing else fits
            d = [0 if A0[i, i] == 0 else k * rng.randint(1, 6) for i in range(n)]
            if sp.diag(*d) != A0:
                break
        units = [sp.eye(n)[:, i] for i in range(n)]
        return PSD(
            sp.diag(*d),
            [u for u, x in zip(units, d, strict=True) if x],
            [u for u, x in zip(units, d, strict=True) if not x],
        )
    for _ in range(500):
        basis = [sp.Matrix(u) for u in _orthogonal_basis(rng, n)]
        rng.shuffle(basis)
        ms = [k * rng.randint(1, 2) for _ in range(r)]
        A = sp.zeros(n, n)
        for m, u in zip(ms, basis[:r], strict=True):
            A += m * u * u.T
        if not _is_diagonal(A) and max(abs(x) for x in A) <= 12 * k and A != A0:
            return PSD(A, basis[:r], basis[r:])
    raise VariantError(f"no {n}×{n} PSD integer matrix of rank {r} found")


def _combination(rng: random.Random, basis: list[sp.Matrix], bound: int = 10) -> sp.Matrix:
    """A nonzero small integer combination of ``basis`` divided by its common factor."""
    for _ in range(500):
        cs = [rng.randint(-2, 2) for _ in basis]
        if not any(cs):
            continue
        v = sp.zeros(basis[0].rows, 1)
        for c, u in zip(cs, basis, strict=True):
            v += c * u
        if all(x.is_integer for x in v):
            v = v / math.gcd(*(int(x) for x in v))
        if max(abs(x) for x in v) <= bound:
            return v
    raise VariantError("no small vector found in the span asked for")


def _draw_entries(rng: random.Random, original: Vec, n: int) -> Vec:
    """n numbers in the style of ``original``: integers (|x| ≤ max(3, |original|)), or decimals
    with the original's places (multiples of 0.05 for two places and more)."""
    places = max([_frac_places(x) for x in original] or [0])
    top = max([abs(x) for x in original] or [Fraction(0)])
    if places == 0:
        b = max(3, min(9, int(math.ceil(top))))
        return [Fraction(rng.randint(-b, b)) for _ in range(n)]
    step = Fraction(1, 10) if places == 1 else Fraction(1, 20)
    b = max(int(math.ceil(max(top, Fraction(1, 2)) / step)), 5)
    return [rng.randint(-b, b) * step for _ in range(n)]


def _frac_places(x: Fraction) -> int:
    d = _terminating(x)
    return 3 if d is None else d


def _draw_vector(
    rng: random.Random,
    original: Vec,
    ok: Callable[[sp.Matrix], bool],
    what: str,
    tries: int = 2000,
) -> Vec:
    """A vector like ``original`` (all zero if it is) for which ``ok`` holds (rejection)."""
    if not any(original):
        return [Fraction(0)] * len(original)
    for _ in range(tries):
        v = _draw_entries(rng, original, len(original))
        if any(v) and ok(_sp(v)):
            return v
    raise VariantError(f"no {what} found with the original's properties")


def _draw_in_span(
    rng: random.Random, original: Vec, basis: list[sp.Matrix], ok: Callable[[sp.Matrix], bool]
) -> Vec:
    """A nonzero combination of ``basis`` (all zero if ``original`` is) for which ``ok`` holds."""
    if not any(original):
        return [Fraction(0)] * len(original)
    for _ in range(200):
        v = _combination(rng, basis)
        if ok(v):
            return [_rq(x) for x in v]
    raise VariantError("no vector in the span found with the original's properties")


def _split_vector(
    rng: random.Random, original: Vec, M: sp.Matrix, range_basis: list, null_basis: list
) -> Vec:
    """A start like ``original`` relative to the symmetric-or-data matrix ``M``: a nonzero part
    in null(M) exactly when the original has one, a nonzero part outside it likewise."""
    w0 = _sp(original)
    has_null = _null_part(M, w0)
    has_range = (M * w0) != sp.zeros(M.rows, 1)

    def ok(w: sp.Matrix) -> bool:
        return _null_part(M, w) == has_null and ((M * w) != sp.zeros(M.rows, 1)) == has_range

    try:  # a free draw first (readable); a combination of the basis when the draw cannot hit
        return _draw_vector(rng, original, ok, "start", tries=300)
    except VariantError:
        return _draw_in_span(rng, original, range_basis if has_range else null_basis, ok)


# ------------------------------------------------------------------------------ learning rates

_CASE_X = {  # x = α·λ of each step-size case: (low, high), both exclusive, or an exact value
    "monotone": (Fraction(0), Fraction(1)),
    "one_step": Fraction(1),
    "oscillating": (Fraction(1), Fraction(2)),
    "bounded_oscillation": Fraction(2),
    "divergent": (Fraction(2), Fraction(4)),
}


def _case(alpha: Fraction, lam: Fraction) -> str:
    """The step-size case of α·λ (``gdflow.derive.eigencases.step_size_case``, 001 §2.2)."""
    from gdflow.derive.eigencases import step_size_case

    return str(
        step_size_case(
            sp.Rational(alpha.numerator, alpha.denominator),
            sp.Rational(lam.numerator, lam.denominator),
        ).value
    )


def _choose_rate(rng: random.Random, case: str, lam: Fraction, places: int) -> Fraction:
    """A learning rate α with α·λ in the step-size ``case``, readable: a decimal with
    ``places`` places if one fits (more places otherwise), else a small fraction."""
    if lam == 0:
        return Fraction(rng.randint(1, 9), 10)
    spec = _CASE_X[case]
    if isinstance(spec, Fraction):
        return spec / lam
    lo, hi = spec[0] / lam, spec[1] / lam
    if places >= 0:
        for d in range(max(places, 1), 4):
            scale = 10**d
            ks = range(math.floor(lo * scale) + 1, math.ceil(hi * scale))
            ks = [k for k in ks if lo < Fraction(k, scale) < hi]
            if ks:
                return Fraction(rng.choice(ks), scale)
    cands = sorted(
        {Fraction(p, q) for q in range(2, 13) for p in range(1, 4 * q) if lo < Fraction(p, q) < hi}
    )
    if not cands:
        return (lo + hi) / 2
    return rng.choice(cands)


def _rescale_assume(assume: list[str], name: str, ratio: Fraction) -> list[str]:
    """Bounds on the learning-rate symbol ``name`` multiplied by ``ratio`` (λ_max/λ_max')."""
    num = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:/\d+)?)(?![\w.])")
    out = []
    for item in assume:
        if re.search(rf"\b{re.escape(name)}\b", item):
            item = num.sub(lambda m: fmt(Fraction(m.group(1)) * ratio), item)
        out.append(item)
    return out


# ------------------------------------------------------------------------------ generators


@dataclass
class Drawn:
    """One question of a variant: its new keys, its prompt and a comment stating its case."""

    keys: dict[str, Any]
    prompt: str
    case: str


@dataclass
class Kept:
    """A question kept with its original data, and why."""

    reason: str


def _lr_value(q: dict, lam0: Fraction, lam: Fraction, d: Draw, out: dict) -> tuple[str, str]:
    """Redraw ``learning_rate`` keeping its case against λmax (or rescale a symbolic α's
    assumptions); returns (the rate as shown in the prompt, the case in words)."""
    raw = q["learning_rate"]
    if isinstance(raw, str) and re.fullmatch(r"[A-Za-z]\w*", raw.strip()):
        if lam0 and lam and lam0 != lam and "assume" in q:
            out["assume"] = _rescale_assume(q["assume"], raw.strip(), lam0 / lam)
        return raw.strip(), f"α = {raw.strip()} symbolic"
    a0 = _frac(raw)
    if lam0 == 0:
        a = _choose_rate(d.rng, "monotone", Fraction(0), _places(raw))
        out["learning_rate"] = _like(a, raw)
        return fmt(a), "λmax = 0"
    case = _case(a0, lam0)
    a = _choose_rate(d.rng, case, lam, _places(raw))
    if _case(a, lam) != case:
        raise VariantError(f"drew α = {a} outside the case {case}")
    out["learning_rate"] = _like(a, raw)
    return fmt(a), f"α·λmax case {case}"


def _quadratic(q: dict, d: Draw) -> tuple[PSD, Vec, Vec, list[str]]:
    """Shared redraw of (A, b, start): A like the original (rank, diagonality), b in range(A)
    exactly when the original's is, start with a null-space part exactly when the original's
    has one."""
    A0 = _sp(_mat(q["A"]))
    psd = d.shared(("A", q["A"]), lambda: _draw_psd(d.rng, A0))
    notes = [f"A {A0.rows}×{A0.cols} rank {A0.rank()}" + (" diagonal" if _is_diagonal(A0) else "")]
    b: Vec = []
    if "b" in q:
        b0 = _vec(q["b"])
        inside = _in_range(A0, _sp(b0))
        b = d.shared(
            ("b", q["A"], q["b"]),
            lambda: (
                _draw_in_span(d.rng, b0, psd.range_basis, lambda v: True)
                if inside
                else _draw_vector(d.rng, b0, lambda v: not _in_range(psd.A, v), "b")
            ),
        )
        notes.append("b in range(A)" if inside else "b not in range(A)")
    w: Vec = []
    if "start" in q:
        w0 = _vec(q["start"])
        w = d.shared(
            ("start", q["A"], q["start"]),
            lambda: _split_vector(d.rng, w0, psd.A, psd.range_basis, psd.null_basis),
        )
        if _null_part(A0, _sp(w0)):
            notes.append("w0 with a null-space part")
    return psd, b, w, notes


_J = "J(w) = 1/2 w^T A w + b^T w"


def gen_fixed_point(q: dict, d: Draw) -> Drawn:
    psd, b, w, notes = _quadratic(q, d)
    A = _from_sp(psd.A)
    keys = {"A": _like_mat(A, q["A"]), "b": _like_vec(b, q["b"]), "start": _like_vec(w, q["start"])}
    prompt = (
        f"GD on {_J} with A = {fmt_mat(A)}, b = {fmt_vec(b)}, from w0 = {fmt_vec(w)}, with a "
        "learning rate small enough to converge. Where does it converge?"
    )
    return Drawn(keys, prompt, "; ".join(notes))


def gen_convergence_condition(q: dict, d: Draw) -> Drawn:
    psd, b, _w, notes = _quadratic(q, d)
    A = _from_sp(psd.A)
    keys: dict[str, Any] = {"A": _like_mat(A, q["A"])}
    var = q.get("variable", "alpha")
    if "b" in q:
        keys["b"] = _like_vec(b, q["b"])
        prompt = (
            f"For A = {fmt_mat(A)}, b = {fmt_vec(b)}, for which learning rates {var} does GD on "
            f"{_J} converge?"
        )
    else:
        prompt = (
            f"For A = {fmt_mat(A)}, for which learning rates {var} does GD on "
            "J(w) = 1/2 w^T A w converge?"
        )
    return Drawn(keys, prompt, "; ".join(notes))


def _iterate_common(q: dict, d: Draw) -> tuple[dict, str, str, str, list[str]]:
    psd, b, w, notes = _quadratic(q, d)
    A = _from_sp(psd.A)
    keys: dict[str, Any] = {
        "A": _like_mat(A, q["A"]),
        "b": _like_vec(b, q["b"]),
        "start": _like_vec(w, q["start"]),
    }
    lam0 = _lambda_max_of(q["A"])
    lam = _lambda_max(psd.A)
    shown, case = _lr_value(q, lam0, lam, d, keys)
    notes.append(case)
    data = f"A = {fmt_mat(A)}, b = {fmt_vec(b)}, w0 = {fmt_vec(w)}"
    steps = q.get("steps", "k")
    return keys, data, shown, str(steps), notes


def _lambda_max_of(A: Any) -> Fraction:
    eigs = [sp.nsimplify(e) for e in _sp(_mat(A)).eigenvals()]
    top = max(eigs, key=lambda e: float(e))
    return _rq(top) if top.is_Rational else Fraction(float(top))


def _assumed(keys: dict, q: dict) -> str:
    items = keys.get("assume", q.get("assume", []))
    return f" (assume {', '.join(items)})" if items else ""


def gen_closed_form_iterate(q: dict, d: Draw) -> Drawn:
    keys, data, lr, k, notes = _iterate_common(q, d)
    prompt = (
        f"GD on {_J} with {data} and learning rate {lr}. Give w^({k}) in closed form"
        f"{_assumed(keys, q)}."
    )
    return Drawn(keys, prompt, "; ".join(notes))


def gen_loss_after(q: dict, d: Draw) -> Drawn:
    keys, data, lr, k, notes = _iterate_common(q, d)
    J = _J
    if "c" in q:
        c0 = _frac(q["c"]) if not isinstance(q["c"], str) or _is_number(q["c"]) else None
        if c0 is not None and c0 != 0:
            c = Fraction(d.rng.randint(1, 9))
            keys["c"] = _like(c, q["c"])
            J += f" + {fmt(c)}"
        elif c0 is None:
            J += f" + {q['c']}"
    prompt = f"{data}, alpha = {lr}. Give J(w^({k})) for {J}{_assumed(keys, q)}."
    return Drawn(keys, prompt, "; ".join(notes))


def _is_number(s: str) -> bool:
    try:
        Fraction(s.strip().replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        return False
    return True


def gen_step_size_case(q: dict, d: Draw) -> Drawn | Kept:
    raw_a, raw_lr = q["curvature"], q["learning_rate"]
    if (
        isinstance(raw_a, str)
        and not _is_number(raw_a)
        or (isinstance(raw_lr, str) and not _is_number(raw_lr))
    ):
        return Kept("a symbolic curvature or learning rate has no data to vary")
    a0, lr0 = _frac(raw_a), _frac(raw_lr)
    bt_raw = q.get("b_tilde", 1)
    keys: dict[str, Any] = {}
    if a0 == 0:
        a = Fraction(0)
        lr = _choose_rate(d.rng, "monotone", Fraction(0), _places(raw_lr))
        case = "curvature 0"
    else:
        case = _case(lr0, a0)
        for _ in range(50):  # not the original's pair, unless nothing else fits
            a = Fraction(d.rng.randint(2, 10))
            lr = _choose_rate(d.rng, case, a, _places(raw_lr))
            if (a, lr) != (a0, lr0):
                break
        case = f"α·a case {case}"
    keys["learning_rate"] = _like(lr, raw_lr)
    keys["curvature"] = _like(a, raw_a)
    extra = ""
    if "b_tilde" in q and not (isinstance(bt_raw, str) and not _is_number(bt_raw)):
        bt0 = _frac(bt_raw)
        bt = Fraction(0) if bt0 == 0 else Fraction(d.rng.choice([-3, -2, -1, 1, 2, 3]))
        keys["b_tilde"] = _like(bt, bt_raw)
        extra = f", its linear coefficient is b~ = {fmt(bt)}"
    prompt = (
        f"An eigendirection has curvature a = {fmt(a)}{extra} and the learning rate is "
        f"{fmt(lr)}. How do its iterates behave?"
    )
    return Drawn(keys, prompt, case)


def _poly_text(expr: sp.Expr) -> str:
    """``2*x**2 - 3*x + 1`` as ``2x^2 - 3x + 1`` for a prompt."""
    text = sp.sstr(expr).replace("**", "^")
    return re.sub(r"(\d)\*([A-Za-z])", r"\1\2", text)


def gen_gd_step(q: dict, d: Draw) -> Drawn | Kept:
    raw_lr = q["learning_rate"]
    if isinstance(raw_lr, str) and not _is_number(raw_lr):
        return Kept("a symbolic learning rate in a gd_step question is kept as written")
    steps = q.get("steps", 1)
    if "gradient" in q:
        x0, g0 = _vec(q["start"]), _vec(q["gradient"])
        x = _draw_entries(d.rng, x0, len(x0))
        g = [v for v in _draw_entries(d.rng, g0, len(g0))]
        if not any(g):
            g[0] = Fraction(1)
        lr = _choose_rate(d.rng, "monotone", Fraction(1), _places(raw_lr))
        keys = {
            "start": _like_vec(x, q["start"]),
            "gradient": _like_vec(g, q["gradient"]),
            "learning_rate": _like(lr, raw_lr),
        }
        prompt = (
            f"The current point is w = {fmt_vec(x)} and the gradient there is {fmt_vec(g)}. "
            f"Give w after one gradient-descent step with learning rate {fmt(lr)}."
        )
        return Drawn(keys, prompt, "given gradient")
    names = q.get("variables")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return Kept("no `variables` list to read the objective in")
    syms = [sp.Symbol(n, real=True) for n in names]
    from .kinds import _as_quadratic
    from .parse import ParseError, Scope, parse_answer

    try:
        obj = parse_answer(str(q["objective"]), Scope(symbols={s.name: s for s in syms})).value
    except ParseError:
        return Kept("the objective could not be read")
    quad = _as_quadratic(obj, syms) if isinstance(obj, sp.Expr) else None
    if quad is None or not quad[0].is_positive_semidefinite:
        return Kept("the objective is not a convex quadratic with numeric coefficients")
    H0, g0 = quad
    c0 = obj.xreplace(dict.fromkeys(syms, 0))
    psd = d.shared(("H", str(H0)), lambda: _draw_psd(d.rng, H0, even=True))
    lin = [Fraction(d.rng.randint(-6, 6)) if v != 0 else Fraction(0) for v in g0]
    c = Fraction(d.rng.randint(1, 9)) if c0 != 0 else Fraction(0)
    xv = sp.Matrix(syms)
    new = sp.expand(
        (xv.T * psd.A * xv)[0] / 2 + (_sp(lin).T * xv)[0] + sp.Rational(c.numerator, c.denominator)
    )
    start = (
        _draw_vector(d.rng, _vec(q["start"]), lambda v: True, "start")
        if any(_vec(q["start"]))
        else [Fraction(0)] * len(syms)
    )
    keys = {"objective": sp.sstr(new), "start": _like_vec(start, q["start"])}
    lam0, lam = _rq(max(H0.eigenvals(), key=float)), _lambda_max(psd.A)
    shown, case = _lr_value(q, lam0, lam, d, keys)
    what = "one gradient-descent step" if steps == 1 else f"{steps} gradient-descent steps"
    point = (
        f"{names[0]} = {fmt(start[0])}"
        if len(names) == 1
        else f"({', '.join(names)}) = ({', '.join(fmt(x) for x in start)})"
    )
    fname = f"f({', '.join(names)})"
    prompt = (
        f"For {fname} = {_poly_text(new)}, compute {what} from {point} with learning rate {shown}."
    )
    return Drawn(keys, prompt, f"Hessian rank {H0.rank()}; {case}")


def _line_fit_inputs(rng: random.Random, x0: Vec) -> Vec:
    """Distinct inputs like ``x0`` for a line fit X = [x, 1] whose XᵀX has rational
    eigenvalues (its discriminant (Σx² − N)² + 4(Σx)² a rational square)."""

    def square(f: Fraction) -> bool:
        return (
            math.isqrt(f.numerator) ** 2 == f.numerator
            and math.isqrt(f.denominator) ** 2 == f.denominator
        )

    n = len(x0)
    for _ in range(20000):
        x = _draw_entries(rng, x0, n)
        if len(set(x)) < n:
            continue
        s1, s2 = sum(x), sum(v * v for v in x)
        if square((s2 - n) ** 2 + 4 * s1 * s1):
            return sorted(x)
    raise VariantError("no line-fit inputs with a rational spectrum found")


def _draw_data_matrix(rng: random.Random, X0: sp.Matrix) -> tuple[sp.Matrix, list, list, list]:
    """A data matrix like ``X0`` (shape, rank): Σ s_i u_i v_iᵀ over orthogonal integer bases
    (XᵀX with eigenvalues s_i²‖u_i‖²‖v_i‖²); returns X, range basis, row basis, null basis."""
    N, D = X0.shape
    r = X0.rank()
    for _ in range(500):
        U = [sp.Matrix(u) for u in _orthogonal_basis(rng, N)]
        V = [sp.Matrix(v) for v in _orthogonal_basis(rng, D)]
        rng.shuffle(U)
        rng.shuffle(V)
        X = sp.zeros(N, D)
        for i in range(r):
            X += rng.randint(1, 2) * U[i] * V[i].T
        if max(abs(x) for x in X) <= 9 and X != X0 and all(any(X.row(i)) for i in range(N)):
            return X, U[:r], V[:r], V[r:]
    raise VariantError(f"no {N}×{D} data matrix of rank {r} found")


def gen_gradient_flow(q: dict, d: Draw) -> Drawn:
    X0 = _sp(_mat(q["X"]))
    N, D = X0.shape
    ones = [j for j in range(D) if all(X0[i, j] == 1 for i in range(N))]
    line = D == 2 and len(ones) == 1 and N >= 2

    def make_X() -> tuple:
        if line:
            j = 1 - ones[0]
            xs = _line_fit_inputs(d.rng, [_rq(X0[i, j]) for i in range(N)])
            rows = [[x, Fraction(1)] if ones[0] == 1 else [Fraction(1), x] for x in xs]
            X = _sp(rows)
            return X, [X[:, 0], X[:, 1]], None, []
        return _draw_data_matrix(d.rng, X0)

    X, col_basis, _rows, null_basis = d.shared(("X", q["X"]), make_X)
    y0 = _vec(q["y"])
    inside = _in_range(X0, _sp(y0))
    y = d.shared(
        ("y", q["X"], q["y"]),
        lambda: (
            _draw_in_span(d.rng, y0, col_basis, lambda v: True)
            if inside
            else _draw_vector(d.rng, y0, lambda v: not _in_range(X, v), "y")
        ),
    )
    w0 = _vec(q["start"])
    w = d.shared(
        ("start", q["X"], q["start"]),
        lambda: (
            _split_vector(d.rng, w0, X, [X.T[:, i] for i in range(N)], null_basis)
            if null_basis
            else _draw_vector(d.rng, w0, lambda v: True, "start")
        ),
    )
    Xm = _from_sp(X)
    keys = {
        "X": _like_mat(Xm, q["X"]),
        "y": _like_vec(y, q["y"]),
        "start": _like_vec(w, q["start"]),
    }
    target, time = q.get("target", "w"), q.get("time", "t")
    if line:
        j = 1 - ones[0]
        pts = ", ".join(f"({fmt(Xm[i][j])}, {fmt(y[i])})" for i in range(N))
        data = (
            f"Fit a line to {pts} by gradient flow on L(w) = 1/2 ||Xw - y||^2, "
            f"X = {fmt_mat(Xm)}, y = {fmt_vec(y)}"
        )
    else:
        data = f"Gradient flow on L(w) = 1/2 ||Xw - y||^2 with X = {fmt_mat(Xm)}, y = {fmt_vec(y)}"
    data += f", from w0 = {fmt_vec(w)}."
    when = "infinity" if time in ("oo", "inf", "infinity") else str(time)
    ask = {
        "w": f"Give w({when}).",
        "f": f"Give the predictions f({when}) = X w({when}) on the {N} training inputs "
        "(you may use X, y, w0, K = X X^T, I, expm, pinv).",
        "r": f"Give the residual r({when}) = X w({when}) - y (you may use X, y, w0, K = X X^T, "
        "I, expm, pinv).",
    }[target]
    notes = [f"X {N}×{D} rank {X0.rank()}" + (" (line fit)" if line else "")]
    notes.append("y in range(X)" if inside else "y not in range(X)")
    return Drawn(keys, f"{data} {ask}", "; ".join(notes))


def gen_ridge_limit(q: dict, d: Draw) -> Drawn:
    P0 = _sp(_mat(q["Phi"]))
    N, _D = P0.shape
    Phi, col_basis, _rows, _null = d.shared(("Phi", q["Phi"]), lambda: _draw_data_matrix(d.rng, P0))
    t0 = _vec(q["t"])
    inside = _in_range(P0, _sp(t0))
    t = d.shared(
        ("t", q["Phi"], q["t"]),
        lambda: (
            _draw_in_span(d.rng, t0, col_basis, lambda v: True)
            if inside
            else _draw_vector(d.rng, t0, lambda v: not _in_range(Phi, v), "t")
        ),
    )
    Pm = _from_sp(Phi)
    keys = {"Phi": _like_mat(Pm, q["Phi"]), "t": _like_vec(t, q["t"])}
    if "ridge" in q:
        ask = (
            f"For J = 1/(2N) ||Phi w - t||^2 + lambda/2 ||w||^2 with lambda = {q['ridge']}, "
            "give the ridge solution w_lambda."
        )
    else:
        ask = "Give the limit of the ridge solution as lambda -> 0+."
    prompt = f"Phi = {fmt_mat(Pm)}, t = {fmt_vec(t)}. {ask}"
    case = f"Phi {P0.rows}×{P0.cols} rank {P0.rank()}; " + (
        "t in range(Phi)" if inside else "t not in range(Phi)"
    )
    return Drawn(keys, prompt, case)


def gen_gaussian_affine(q: dict, d: Draw) -> Drawn:
    mu0 = _vec(q["mean"])
    S0 = _sp(_mat(q["covariance"]))
    B0 = _sp(_mat(q["B"]))
    psd = _draw_psd(d.rng, S0)
    if _is_diagonal(S0):  # variances as squares (standard deviations 1, 2, 3) read well
        psd = PSD(
            sp.diag(*[0 if S0[i, i] == 0 else d.rng.choice([1, 4, 9]) for i in range(S0.rows)]),
            [],
            [],
        )
    mu = _draw_vector(d.rng, mu0, lambda v: True, "mean")
    for _ in range(2000):
        B = sp.Matrix(B0.rows, B0.cols, lambda i, j: d.rng.randint(-2, 2))
        if B.rank() == B0.rank() and B != B0:
            break
    else:
        raise VariantError("no matrix B of the original's rank found")
    keys: dict[str, Any] = {
        "mean": _like_vec(mu, q["mean"]),
        "covariance": _like_mat(_from_sp(psd.A), q["covariance"]),
        "B": _like_mat(_from_sp(B), q["B"]),
    }
    c: Vec = []
    if "c" in q:
        c = _draw_vector(d.rng, _vec(q["c"]), lambda v: True, "c")
        keys["c"] = _like_vec(c, q["c"])
    S = _from_sp(psd.A)
    cov = (
        "diag(" + ", ".join(fmt(S[i][i]) for i in range(len(S))) + ")"
        if _is_diagonal(psd.A)
        else fmt_mat(S)
    )
    mean = "0" if not any(mu) else fmt_vec(mu)
    shift = " + c" if c else ""
    with_c = f", c = {fmt_vec(c)}" if c else ""
    prompt = (
        f"z ~ N({mean}, {cov}). Give the {q['part']} of Bz{shift} with B = "
        f"{fmt_mat(_from_sp(B))}{with_c}."
    )
    return Drawn(keys, prompt, f"covariance rank {S0.rank()}; B rank {B0.rank()}")


GENERATORS: dict[str, Callable[[dict, Draw], Drawn | Kept]] = {
    "gd_step": gen_gd_step,
    "fixed_point": gen_fixed_point,
    "convergence_condition": gen_convergence_condition,
    "closed_form_iterate": gen_closed_form_iterate,
    "loss_after": gen_loss_after,
    "step_size_case": gen_step_size_case,
    "gradient_flow": gen_gradient_flow,
    "ridge_limit": gen_ridge_limit,
    "gaussian_affine": gen_gaussian_affine,
}
"""A generator per kind; a kind not listed (``expression``, and any newer kind) is kept."""

_KEPT_KINDS = {"expression": "its reference is the author's formula: no data to vary"}


# ------------------------------------------------------------------------------ keys


def answer_text(ref: Any) -> str:
    """The loader's reference ``ref.value`` as an answer a student may type (and the grader
    reads back): ``[2, 0]``, ``[[5, 4], [4, 4]]``, ``0 < alpha < 1/2``, ``oscillating``."""
    v = ref.value
    if ref.expect == "label":
        return str(v).replace("_", " ")
    if isinstance(v, sp.Set):
        if v.is_empty:
            return "empty set"
        var = ref.variable
        if isinstance(v, sp.Interval):
            parts = []
            if v.start.is_finite:
                parts += [sp.sstr(v.start), "<" if v.left_open else "<="]
            parts.append(str(var))
            if v.end.is_finite:
                parts += ["<" if v.right_open else "<=", sp.sstr(v.end)]
            return " ".join(parts)
        return sp.sstr(v.as_relational(var))
    if isinstance(v, sp.MatrixBase):
        rows = [[sp.sstr(x) for x in r] for r in v.tolist()]
        if v.cols == 1:
            return "[" + ", ".join(r[0] for r in rows) + "]"
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    return sp.sstr(v)


def answer_latex(ref: Any) -> str:
    """The reference as LaTeX math."""
    v = ref.value
    if ref.expect == "label":
        from gdflow.derive.eigencases import StepCase

        return r"\text{" + StepCase(v).value.replace("_", " ") + "}"
    if isinstance(v, sp.Set):
        if v.is_empty:
            return r"\emptyset"
        if isinstance(v, sp.Interval) and v.start.is_finite and v.end.is_finite:
            lo = "<" if v.left_open else r"\le"
            hi = "<" if v.right_open else r"\le"
            return f"{sp.latex(v.start)} {lo} {sp.latex(ref.variable)} {hi} {sp.latex(v.end)}"
        return sp.latex(v.as_relational(ref.variable))
    return sp.latex(v)


_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


def tex_escape(text: str) -> str:
    """Plain text for LaTeX's text mode."""
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in text)


def _sympy_number(v: Any) -> sp.Expr:
    if isinstance(v, str) and not _is_number(v):
        return sp.Symbol(v.strip())
    x = _frac(v)
    return sp.Rational(x.numerator, x.denominator)


def _gradient_at_start(q: dict) -> sp.Matrix | None:
    """∇f at ``start`` for a ``gd_step`` objective (read with the grader's parser)."""
    from .parse import ParseError, Scope, parse_answer

    names = q.get("variables")
    if not isinstance(names, list):
        return None
    syms = [sp.Symbol(n, real=True) for n in names]
    try:
        obj = parse_answer(str(q["objective"]), Scope(symbols={s.name: s for s in syms})).value
    except ParseError:
        return None
    x0 = _sp(_vec(q["start"]))
    grad = sp.Matrix([sp.diff(obj, v) for v in syms]).xreplace(dict(zip(syms, x0, strict=True)))
    return grad[0] if len(grad) == 1 else grad


def worked_latex(kind: str, q: dict, ref: Any) -> list[str]:
    """The worked answer as display-math lines (the formula at this variant's data, then the
    loader's reference): 001 eq 13–14 for GD on quadratics, 001 §2.2 for the step-size cases and
    the convergence condition, 000 for gradient flow and the Gaussian, 001 §2.4 for ridge."""
    m = ref.scope.matrices
    L = sp.latex
    ans = answer_latex(ref)
    if kind == "fixed_point":
        A = m["A"]
        return [
            rf"A^{{+}} = {L(A.pinv())},",
            rf"w^{{(\infty)}} = -A^{{+}}b + (I - A^{{+}}A)\,w^{{(0)}} = {ans}",
        ]
    if kind == "convergence_condition":
        A = m["A"]
        eigs = sorted({sp.nsimplify(e) for e in A.eigenvals()}, key=float)
        lam = r"\lambda(A) \in \{" + ", ".join(L(e) for e in eigs) + r"\}"
        if ref.value.is_empty:
            return [lam + r",\quad b \notin \operatorname{range}(A):\ \text{no } \alpha"]
        return [lam + r",\quad 0 < \alpha < 2/\lambda_{\max}:\ " + ans]
    if kind in ("closed_form_iterate", "loss_after"):
        from gdflow.derive.discrete import limit_point

        A, b, w0 = m["A"], m["b"], m["w0"]
        winf = sp.Matrix(limit_point(A, b, w0))
        lines = [
            rf"w^{{(\infty)}} = -A^{{+}}b + (I - A^{{+}}A)\,w^{{(0)}} = {L(winf)},",
        ]
        if kind == "closed_form_iterate":
            lines.append(
                rf"w^{{(k)}} = w^{{(\infty)}} + (I - \alpha A)^{{k}}(w^{{(0)}} - w^{{(\infty)}}) "
                rf"= {ans}"
            )
        else:
            lines.append(
                r"J(w^{(k)}) = \tfrac12 w^{(k)\top} A w^{(k)} + b^\top w^{(k)}"
                + (" + c" if "c" in q else "")
                + f" = {ans}"
            )
        return lines
    if kind == "gd_step":
        lr = L(_sympy_number(q["learning_rate"]))
        if "gradient" in q:
            w0, g = _sp(_vec(q["start"])), _sp(_vec(q["gradient"]))
            return [rf"w^{{(1)}} = w^{{(0)}} - \varepsilon g = {L(w0)} - {lr}{L(g)} = {ans}"]
        grad = _gradient_at_start(q)
        lines = [rf"\nabla f(x^{{(0)}}) = {L(grad)},"] if grad is not None else []
        lines.append(
            rf"x^{{(i+1)}} = x^{{(i)}} - \varepsilon \nabla f(x^{{(i)}}),\ "
            rf"\varepsilon = {lr}:\quad x^{{({q.get('steps', 1)})}} = {ans}"
        )
        return lines
    if kind == "step_size_case":
        x = _frac(q["learning_rate"]) * _frac(q["curvature"])
        return [rf"\alpha a = {L(sp.Rational(x.numerator, x.denominator))}:\quad {ans}"]
    if kind == "gradient_flow":
        lines = [rf"K = X X^\top = {L(m['K'])},"]
        target = q.get("target", "w")
        formula = {
            "w": r"w(t) = w_0 - X^{+}\bigl(I - e^{-Kt}\bigr)(X w_0 - y)",
            "f": r"f(t) = y + e^{-Kt}(X w_0 - y)",
            "r": r"r(t) = e^{-Kt}(X w_0 - y)",
        }[target]
        lines.append(formula + ",")
        lines.append(ans)
        return lines
    if kind == "ridge_limit":
        if "ridge" in q:
            return [rf"w_\lambda = (\Phi^\top\Phi + N\lambda I)^{{-1}}\Phi^\top t = {ans}"]
        return [rf"\lim_{{\lambda\to 0^+}} w_\lambda = \Phi^{{+}} t = {ans}"]
    if kind == "gaussian_affine":
        what = r"B\Sigma B^\top" if q.get("part") == "covariance" else r"B\mu + c"
        return [f"{what} = {ans}"]
    return [ans]


# ------------------------------------------------------------------------------ the command


@dataclass
class Variant:
    """One variant: its id (``01``), file, data and loaded problem set."""

    id: str
    path: Path
    data: dict[str, Any]
    problem_set: Any
    answers: dict[str, str] = field(default_factory=dict)
    """Question id → the key's answer (the reference as typed, graded correct)."""
    cases: dict[str, str] = field(default_factory=dict)


@dataclass
class VariantSet:
    """The variants written, the questions kept with their original data (id → reason) and
    warnings (feedback texts that may state the original's numbers)."""

    variants: list[Variant]
    kept: dict[str, str]
    warnings: list[str]
    key_csv: Path
    key_tex: Path


def make_variants(spec: str | Path, count: int, seed: int) -> tuple[Any, list[dict], dict, list]:
    """Draw ``count`` variant specs (as data) of ``spec``; returns the original problem set,
    one data dict per variant, the kept questions (id → reason) and per variant the comment
    lines per question. Raises :class:`~gdflow.checks.grade.spec.SpecError` for an invalid
    spec."""
    from .spec import load_spec

    original = load_spec(spec)  # SpecError: the caller reports it
    raw = tomllib.loads(Path(spec).read_text(encoding="utf-8"), parse_float=decimal.Decimal)
    kept: dict[str, str] = {}
    datas: list[dict] = []
    comments: list[list[str]] = []
    width = max(2, len(str(count)))
    for i in range(1, count + 1):
        draw = Draw(seed, i)
        questions = []
        notes = []
        for q in raw["question"]:
            qid = str(q["id"])
            kind = q["kind"]
            gen = GENERATORS.get(kind)
            result: Drawn | Kept
            if gen is None:
                result = Kept(_KEPT_KINDS.get(kind, f"no variant generator for kind {kind}"))
            else:
                try:
                    result = gen(q, draw)
                except (VariantError, ValueError, TypeError, ArithmeticError, KeyError) as exc:
                    raise VariantError(
                        f"variant {i:0{width}d}, question {qid} ({kind}): {exc}"
                    ) from None
            if isinstance(result, Kept):
                kept[qid] = result.reason
                questions.append(dict(q))
                notes.append(f"question {qid} ({kind}): kept as written ({result.reason})")
                continue
            new = {k: v for k, v in q.items() if k != "expected"}  # the key holds the answer
            new.update(result.keys)
            new["prompt"] = result.prompt
            questions.append(new)
            notes.append(f"question {qid} ({kind}): {result.case}")
        data = {k: v for k, v in raw.items() if k != "question"}
        data["title"] = f"{raw.get('title', '')} (variant {i:0{width}d})".strip()
        data["question"] = questions
        datas.append(data)
        comments.append(notes)
    return original, datas, kept, comments


def write_variants(spec: str | Path, count: int, seed: int, outdir: str | Path) -> VariantSet:
    """Write ``count`` variants of ``spec`` into ``outdir`` with their keys (module docstring):
    each variant file is loaded by the grader's loader, and each key answer (its reference as
    typed) is graded correct by the grader against it."""
    from .grader import grade_answer
    from .spec import SpecError, load_spec

    original, datas, kept, comments = make_variants(spec, count, seed)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(count)))
    variants: list[Variant] = []
    for i, (data, notes) in enumerate(zip(datas, comments, strict=True), 1):
        vid = f"{i:0{width}d}"
        header = [
            f"Variant {vid} of {spec}, drawn by `gdflow variants` (seed {seed}).",
            "Data redrawn under each question's constraints, prompts regenerated from them;",
            "the answers are in key.csv (the grader's own references for these data).",
        ]
        path = out / f"variant-{vid}.toml"
        path.write_text(dumps(data, header, notes), encoding="utf-8")
        try:
            loaded = load_spec(path)
        except SpecError as exc:
            raise VariantError(f"{path} does not load: " + "; ".join(exc.errors)) from None
        answers = {}
        for qid, question in loaded.questions.items():
            text = answer_text(question.reference)
            verdict = grade_answer(question, text)["verdict"]
            if verdict != "correct":
                raise VariantError(
                    f"{path}: question {qid}: the key's answer {text!r} is graded {verdict}"
                )
            answers[qid] = text
        cases = {str(q["id"]): n for q, n in zip(data["question"], notes, strict=True)}
        variants.append(Variant(vid, path, data, loaded, answers, cases))
    warnings = (
        [
            f"question {q['id']}: its `feedback` text is copied as written; check that it does not "
            "state the original's numbers"
            for q in datas[0]["question"]
            if "feedback" in q and str(q["id"]) not in kept
        ]
        if datas
        else []
    )
    key_csv = out / "key.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["variant", "question", "answer"])
    for v in variants:
        for qid, text in v.answers.items():
            w.writerow([v.id, qid, text])
    key_csv.write_text(buf.getvalue(), encoding="utf-8")
    key_tex = out / "key.tex"
    key_tex.write_text(key_document(str(spec), seed, variants, kept), encoding="utf-8")
    return VariantSet(variants, kept, warnings, key_csv, key_tex)


def key_document(spec: str, seed: int, variants: list[Variant], kept: dict[str, str]) -> str:
    """The LaTeX answer sheet: per variant, each question's prompt, worked line(s) and the
    loader's reference (a complete document for pdflatex)."""
    title = variants[0].problem_set.title.rsplit(" (variant", 1)[0] if variants else spec
    out = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage{lmodern}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\setcounter{MaxMatrixCols}{20}",
        r"\sloppy",
        r"\begin{document}",
        r"\section*{Answer key: " + tex_escape(title) + "}",
        r"Variants of \texttt{"
        + tex_escape(spec)
        + "} drawn with seed "
        + str(seed)
        + r" by \texttt{gdflow variants}. Each answer is the grader's own reference for the "
        r"variant's data; typed as in \texttt{key.csv}, each is graded correct against its "
        r"variant.",
    ]
    if kept:
        out.append(
            r"\par Kept with the original data in every variant: "
            + "; ".join(f"question {tex_escape(k)} ({tex_escape(r)})" for k, r in kept.items())
            + "."
        )
    for v in variants:
        out += [r"\clearpage", r"\section*{Variant " + v.id + "}", r"\begin{description}"]
        for q in v.data["question"]:
            qid = str(q["id"])
            ref = v.problem_set.questions[qid].reference
            out.append(
                r"\item[Question " + tex_escape(qid) + "] " + tex_escape(q.get("prompt", ""))
            )
            lines = worked_latex(q["kind"], q, ref)
            out.append(r"\begin{gather*}" + r"\\ ".join(lines) + r"\end{gather*}")
        out.append(r"\end{description}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def variant_path(directory: str | Path, variant: str) -> Path:
    """The spec file of ``variant`` in a directory written by ``gdflow variants``: ``3``,
    ``03`` and ``variant-03`` all name ``DIR/variant-03.toml`` (a class CSV's ``variant``
    column may write any of them). ``FileNotFoundError`` naming the variant when there is none."""
    d = Path(directory)
    text = variant.strip().removeprefix("variant-").removesuffix(".toml")
    if text.isdigit():
        for path in sorted(d.glob("variant-*.toml")):
            stem = path.stem.removeprefix("variant-")
            if stem.isdigit() and int(stem) == int(text):
                return path
    raise FileNotFoundError(f"no variant {variant!r} in {d} (files variant-01.toml, ...)")


EPILOG = """\
example:
  gdflow variants examples/homework/problem_set.toml --count 20 --seed 7 -o variants/
      writes variants/variant-01.toml ... variant-20.toml, variants/key.csv (variant,question,
      answer) and variants/key.tex (the worked answers; pdflatex key.tex)
  gdflow grade variants/variant-03.toml answers-03.csv    grade a class against one variant

Data are drawn under each question's constraints (rank, b in range(A), the case of the
learning rate, ...) deterministically from the seed; prompts are regenerated from the new
data; every variant is loaded by the grader and its references are the key. Questions whose
data cannot be varied (expression) are kept as written, and the command says which.

exit status: 0 when every variant was written and loaded; 1 when a variant could not be drawn
or did not load (a bug in gdflow); 2 on a usage error (bad SPEC, COUNT not in 1..999, DIR not
writable)
"""


MAX_COUNT = 999
"""The most variants one command writes (three-digit ids)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``variants`` on an ``argparse`` subparsers object and return its parser."""
    p = subparsers.add_parser(
        "variants",
        help="write variants of a problem spec with proved answer keys",
        description="Write N variants of a TOML problem spec: each question's data redrawn "
        "under its constraints, each variant loaded by the grader, with an answer key "
        "(CSV and LaTeX) from the grader's own references.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the problem spec to vary")
    p.add_argument("--count", "-n", type=int, default=10, metavar="N", help="variants (default 10)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``gdflow variants``; returns the exit status (module docstring)."""
    from .spec import SpecError

    def usage(msg: str) -> int:
        print(f"gdflow variants: {msg}", file=sys.stderr)
        return 2

    if not 1 <= args.count <= MAX_COUNT:
        return usage(f"--count must be from 1 to {MAX_COUNT}; got {args.count}")
    spec = Path(args.spec)
    if not spec.is_file():
        return usage(f"no spec file {args.spec!r}")
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".gdflow-variants-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return usage(f"cannot write to the directory {args.output!r}: {exc.strerror or exc}")
    try:
        result = write_variants(spec, args.count, args.seed, out)
    except SpecError as exc:
        print(f"gdflow variants: the spec has {len(exc.errors)} error(s):", file=sys.stderr)
        for e in exc.errors:
            print(f"  {e}", file=sys.stderr)
        return 2
    except VariantError as exc:
        print(f"gdflow variants: internal error (a bug): {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return usage(f"cannot write to {args.output!r}: {exc.strerror or exc}")
    written = {v.path.name for v in result.variants}
    stale = sorted(p.name for p in out.glob("variant-*.toml") if p.name not in written)
    if stale:
        print(
            f"warning: {out} also holds {len(stale)} older variant file(s) not in this key "
            f"({stale[0]}{' …' if len(stale) > 1 else ''}); remove them or use a new directory"
        )
    n = len(result.variants)
    first, last = result.variants[0].path.name, result.variants[-1].path.name
    print(
        f"wrote {n} variant(s) of {args.spec} (seed {args.seed}) to {out}: "
        f"{first}{' … ' + last if n > 1 else ''}, key.csv, key.tex"
    )
    print("each variant loaded with the grader; its references are the key")
    for qid, reason in result.kept.items():
        print(f"question {qid}: kept with its original data in every variant ({reason})")
    for w in result.warnings:
        print(f"warning: {w}")
    return 0
