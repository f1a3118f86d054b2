"""Reading and validating the values of a problem-spec question (TOML), exactly.

Numbers become exact SymPy rationals (TOML floats are read as decimals, so ``0.2`` is 1/5);
strings are read with the grader's own safe parser (the author's text is trusted to name new
symbols, but is never evaluated). Every error names the question and the key.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

import sympy as sp

from gdflow.derive import numbers

from .parse import LIMITS, ParseError, Scope, parse_answer

__all__ = [
    "SpecError",
    "Fields",
    "parse_assumptions",
    "MAX_DIGITS",
    "NUMERIC_KEYS",
    "spectrum_degree",
]

MAX_DIGITS = 50
"""The most decimal digits of a spec number's numerator and of its denominator (``0.1`` is 1/10,
two digits); a longer number is refused naming its key and entry, before any work on it."""

NUMERIC_KEYS = frozenset({"learning_rate", "curvature", "b_tilde", "c", "ridge", "time"})
"""Keys holding a number, or an expression in symbols declared in the question's ``assume``: a
name that is not declared there (``"nan"``, ``"inf"``, a typo) is refused, never read as a new
symbol."""

_NOT_NUMBERS = frozenset({"nan", "inf", "infinity", "oo", "zoo"})


class SpecError(ValueError):
    """Errors in a problem spec; ``errors`` lists one message per problem found, each naming
    the question and the key."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


def _digits(n: int) -> int:
    """Decimal digits of ``n`` (from its bit length: no conversion to text, exact enough)."""
    return max(1, int(abs(n).bit_length() * 0.30103) + 1) if n else 1


def bounded_number(val: sp.Expr, where: str, shown: Any) -> sp.Expr:
    """``val`` when every rational in it has at most :data:`MAX_DIGITS` digits in numerator
    and denominator; otherwise :class:`SpecError` at ``where``."""
    for r in val.atoms(sp.Rational) if isinstance(val, sp.Basic) else ():
        d = max(_digits(int(r.p)), _digits(int(r.q)))
        if d > MAX_DIGITS:
            text = shown if isinstance(shown, str) and len(shown) <= 40 else "a number"
            raise SpecError(
                f"{where}: {text!s} has about {d} digits; spec numbers are limited to "
                f"{MAX_DIGITS} digits in numerator and denominator"
            )
    return val


def exact_number(v: Any, where: str) -> sp.Expr:
    """An exact SymPy number from a TOML value (int, Decimal/float, or a string like "1/10");
    NaN, infinities, names and numbers longer than :data:`MAX_DIGITS` digits are refused."""
    if isinstance(v, bool):
        raise SpecError(f"{where}: expected a number, got a boolean")
    if isinstance(v, int) and _digits(v) > MAX_DIGITS:
        raise SpecError(
            f"{where}: an integer with about {_digits(v)} digits; spec numbers are limited to "
            f"{MAX_DIGITS} digits"
        )
    if isinstance(v, decimal.Decimal) and v.is_finite():
        sign, digits, exp = v.as_tuple()
        if len(digits) > MAX_DIGITS or abs(int(exp)) > MAX_DIGITS:
            raise SpecError(
                f"{where}: {v} has more than {MAX_DIGITS} digits; spec numbers are limited to "
                f"{MAX_DIGITS} digits in numerator and denominator"
            )
    if isinstance(v, (int, float, decimal.Decimal)):  # the package's one reader: 0.1 is 1/10
        try:
            return bounded_number(numbers.exact_number(v), where, v)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"{where}: {exc}") from None
    if isinstance(v, str):
        if not re.fullmatch(r"\s*-?\s*[0-9./eE+\- ]+\s*", v):
            raise SpecError(f"{where}: expected a number, got {v!r}")
        try:
            val = parse_answer(v, Scope()).value
        except ParseError as exc:
            raise SpecError(f"{where}: cannot read {v!r}: {exc.describe()}") from None
        if not (isinstance(val, sp.Expr) and val.is_Rational):
            raise SpecError(f"{where}: expected a rational number, got {v!r}")
        return bounded_number(val, where, v)
    raise SpecError(f"{where}: expected a number, got {type(v).__name__} {v!r}")


_WORDS = {"integer", "real", "positive", "nonnegative", "negative"}


def parse_assumptions(items: Any, where: str) -> tuple[dict[str, dict], dict[str, sp.Set]]:
    """Read ``assume = ["0 < alpha < 1", "k >= 0 integer", ...]``: returns per name its
    SymPy assumption flags and its admissible interval."""
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise SpecError(f'{where}: `assume` must be a list of strings such as "0 < alpha < 1"')
    flags: dict[str, dict] = {}
    sets: dict[str, sp.Set] = {}
    for item in items:
        words = item.split()
        tail = []
        while words and words[-1].lower() in _WORDS:
            tail.append(words.pop().lower())
        body = " ".join(words)
        names: list[str] = []
        if body and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", body):
            names = [body]
        elif body:
            scope = Scope(declare_unknown=True)
            try:
                rel = parse_answer(body, scope).value
            except ParseError as exc:
                raise SpecError(f"{where}: assumption {item!r}: {exc.describe()}") from None
            if not isinstance(rel, (sp.core.relational.Relational, sp.And)):
                raise SpecError(f"{where}: assumption {item!r} is not a comparison")
            if len(rel.free_symbols) != 1:
                raise SpecError(f"{where}: assumption {item!r} must involve exactly one symbol")
            (sym,) = rel.free_symbols
            names = [sym.name]
            try:
                s = rel.as_set()
            except (NotImplementedError, TypeError, ValueError):
                raise SpecError(
                    f"{where}: assumption {item!r} does not describe an interval of {sym.name}"
                ) from None
            sets[sym.name] = sets.get(sym.name, sp.S.Reals).intersect(s)
            if sets[sym.name].is_empty:
                raise SpecError(f"{where}: assumptions on {sym.name} leave no admissible value")
        else:
            raise SpecError(f"{where}: assumption {item!r} names no symbol")
        for name in names:
            f = flags.setdefault(name, {})
            for w in tail:
                f[w] = True
            if "positive" in tail:
                sets[name] = sets.get(name, sp.S.Reals).intersect(sp.Interval.open(0, sp.oo))
            if "nonnegative" in tail:
                sets[name] = sets.get(name, sp.S.Reals).intersect(sp.Interval(0, sp.oo))
            if "negative" in tail:
                sets[name] = sets.get(name, sp.S.Reals).intersect(sp.Interval.open(-sp.oo, 0))
    for name, s in sets.items():
        f = flags.setdefault(name, {})
        if not isinstance(s, sp.Interval):
            raise SpecError(f"{where}: assumptions on {name} must describe one interval")
        if s.start >= 0 and (s.left_open or s.start > 0):
            f["positive"] = True
        elif s.start >= 0:
            f["nonnegative"] = True
    return flags, sets


def make_symbol(name: str, flags: dict) -> sp.Symbol:
    """A real SymPy Symbol with the given assumption flags."""
    kw: dict[str, bool] = {"real": True}
    for w in ("integer", "positive", "nonnegative", "negative"):
        if flags.get(w):
            kw[w] = True
    return sp.Symbol(name, **kw)


def _bounded(where: str, rows: int, cols: int) -> None:
    """Spec data obeys the answers' size bound (``LIMITS["max_matrix"]``): a spec cannot make
    the parent process do unbounded work at load."""
    if max(rows, cols) > LIMITS["max_matrix"]:
        raise SpecError(
            f"{where}: a {rows}×{cols} matrix is larger than the limit of "
            f"{LIMITS['max_matrix']} rows or columns"
        )


class Fields:
    """Typed access to one question's keys; every error names the question and the key."""

    def __init__(self, qid: str, data: dict[str, Any], scope: Scope):
        self.qid = qid
        self.data = data
        self.scope = scope
        self.assumed = frozenset(scope.symbols)  # the names declared in `assume`

    def where(self, key: str) -> str:
        """``question ID: key `KEY``` for messages."""
        return f"question {self.qid}: key `{key}`"

    def has(self, key: str) -> bool:
        """Whether the question sets ``key``."""
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        """The TOML value of ``key`` as read."""
        return self.data.get(key, default)

    def string(self, key: str, choices: list[str] | None = None, default: str | None = None) -> str:
        """A string value, optionally one of ``choices``."""
        v = self.data.get(key, default)
        if not isinstance(v, str):
            raise SpecError(f"{self.where(key)}: expected a string, got {v!r}")
        if choices and v not in choices:
            raise SpecError(f"{self.where(key)}: must be one of {', '.join(choices)}; got {v!r}")
        return v

    def matrix(
        self,
        key: str,
        *,
        square: bool = False,
        symmetric: bool = False,
        psd: bool = False,
        rows: int | None = None,
        cols: int | None = None,
    ) -> sp.Matrix:
        """A matrix from a list of equal-length rows of numbers."""
        v = self.data.get(key)
        w = self.where(key)
        if not isinstance(v, list) or not v or not all(isinstance(r, list) for r in v):
            raise SpecError(
                f"{w}: expected a matrix as a list of rows, e.g. [[1, 0], [0, 1]]; got {v!r}"
            )
        _bounded(w, len(v), max(len(r) for r in v))  # before any work on the entries
        width = len(v[0])
        for i, r in enumerate(v, 1):
            if len(r) != width or width == 0:
                raise SpecError(
                    f"{w}: row {i} has {len(r)} entries but row 1 has {width} (malformed matrix)"
                )
        m = sp.Matrix(
            [
                [exact_number(x, f"{w} row {i}, column {j}") for j, x in enumerate(r, 1)]
                for i, r in enumerate(v, 1)
            ]
        )
        if rows is not None and m.shape[0] != rows:
            raise SpecError(f"{w}: expected {rows} rows, got a {m.shape[0]}×{m.shape[1]} matrix")
        if cols is not None and m.shape[1] != cols:
            raise SpecError(f"{w}: expected {cols} columns, got a {m.shape[0]}×{m.shape[1]} matrix")
        if (square or symmetric or psd) and m.shape[0] != m.shape[1]:
            raise SpecError(f"{w}: must be square; got a {m.shape[0]}×{m.shape[1]} matrix")
        if (symmetric or psd) and m != m.T:
            raise SpecError(f"{w}: must be symmetric; got {m.tolist()}")
        if psd and m.is_positive_semidefinite is not True:  # exact test (no eigenvalue formulas)
            import numpy as np

            low = float(np.linalg.eigvalsh(np.array(m.tolist(), dtype=float)).min())
            guess = sp.nsimplify(low, tolerance=1e-12, rational=True)
            shown = guess if guess.q <= 1000 else f"{low:.6g}"
            raise SpecError(
                f"{w}: must be symmetric positive semidefinite; got a "
                f"{m.shape[0]}×{m.shape[1]} matrix with eigenvalue {shown}"
            )
        return m

    def vector(self, key: str, length: int | None = None) -> sp.Matrix:
        """A column vector from a list of numbers (a matrix with one column is accepted)."""
        v = self.data.get(key)
        w = self.where(key)
        if isinstance(v, list) and v and all(isinstance(r, list) and len(r) == 1 for r in v):
            v = [r[0] for r in v]
        if not isinstance(v, list) or not v or any(isinstance(x, list) for x in v):
            raise SpecError(f"{w}: expected a vector as a list of numbers, e.g. [1, 0]; got {v!r}")
        _bounded(w, len(v), 1)
        m = sp.Matrix([exact_number(x, f"{w} entry {i + 1}") for i, x in enumerate(v)])
        if length is not None and len(m) != length:
            raise SpecError(f"{w}: expected {length} entries to match the other data, got {len(m)}")
        return m

    def expr(self, key: str, default: Any = None) -> sp.Expr:
        """A number or expression (author text, may name symbols of the question)."""
        v = self.data.get(key, default)
        w = self.where(key)
        if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
            return exact_number(v, w)
        if not isinstance(v, str):
            raise SpecError(f"{w}: expected a number or an expression string; got {v!r}")
        numeric = key in NUMERIC_KEYS
        if numeric:
            self.refuse_names(key, v)
        try:
            val = parse_answer(v, self.scope).value
        except ParseError as exc:
            raise SpecError(f"{w}: cannot read {v!r}: {exc.describe()}") from None
        if not isinstance(val, sp.Expr):
            raise SpecError(f"{w}: expected a number or scalar expression; got {v!r}")
        if val.has(sp.nan, sp.oo, -sp.oo, sp.zoo):
            raise SpecError(f"{w}: {v!r} is not a finite number")
        if numeric:
            undeclared = sorted(s.name for s in val.free_symbols if s.name not in self.assumed)
            if undeclared:
                raise SpecError(self._undeclared(key, v, undeclared[0]))
        return bounded_number(val, w, v)

    def _undeclared(self, key: str, v: str, name: str) -> str:
        return (
            f"{self.where(key)}: {v!r} is not a number: {name!r} is a name that `assume` does "
            f'not declare (to use a symbol, declare it, e.g. assume = ["{name} > 0"])'
        )

    def refuse_names(self, key: str, v: str) -> None:
        """Refuse ``nan``/``inf``-like names in a numeric key before reading it."""
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", v):
            if name.lower() in _NOT_NUMBERS:
                raise SpecError(f"{self.where(key)}: {v!r} is not a finite number")

    def declare(self, name: str) -> sp.Symbol:
        """The question's symbol called ``name`` (declared real if the assumptions did not)."""
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise SpecError(f"question {self.qid}: {name!r} is not a symbol name")
        found = self.scope.lookup(name)
        if isinstance(found, sp.Symbol):
            return found
        sym = sp.Symbol(name, real=True)
        self.scope.symbols[name] = sym
        return sym

    def symbol(self, key: str, default: str) -> sp.Symbol:
        """The symbol named by a key (e.g. ``variable = "alpha"``), declared in the scope."""
        name = self.data.get(key, default)
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise SpecError(f"{self.where(key)}: expected a symbol name; got {name!r}")
        found = self.scope.lookup(name)
        if isinstance(found, sp.Symbol):
            return found
        sym = sp.Symbol(name, real=True)
        self.scope.symbols[name] = sym
        return sym


def spectrum_degree(M: sp.Matrix) -> int:
    """The largest degree of an irreducible factor (over the rationals) of the characteristic
    polynomial of the rational matrix ``M`` (python-flint: milliseconds at 12×12). 1: rational
    eigenvalues; 2: square roots at worst; 3 or more: eigenvalues without a usable closed form
    (cubic radicals or none), so a formula needing them exactly is refused at load."""
    import flint

    rows = [
        [flint.fmpq(int(sp.Rational(x).p), int(sp.Rational(x).q)) for x in r] for r in M.tolist()
    ]
    _, factors = flint.fmpq_mat(rows).charpoly().factor()
    return max((f.degree() for f, _ in factors), default=0)
