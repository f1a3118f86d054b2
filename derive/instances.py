"""Instances that can falsify: exact admissible values for every symbol of a claim.

The decision engine (``gdflow.derive.verify``) tests a claim at instances drawn here.  An
instance is a substitution ``symbol -> exact value`` that satisfies *every* assumption: the
symbols' own facts (positive, integer, prime, ...), every relational condition (decided
exactly), and every matrix property, including the properties of symbols that a definition
replaces (``K := X X^T`` with K positive definite only admits X of full row rank).

What makes them able to falsify:

- **Sizes from the claim.**  Symbolic sizes take values of at least 5, and at least
  ``d // 2 + 1`` where d is the largest number of matrix factors in one product of the claim:
  an identity of degree d that holds for all matrices of a size m with 2m > d holds for all
  sizes (Amitsur–Levitzki: no nonzero identity of degree < 2m holds in the m x m matrices),
  so identities of Cayley–Hamilton type that hold only for small sizes are caught.  Two sizes
  symbols get unequal and equal values (N < D, N > D, N = D).
- **Every rank stratum.**  Each matrix property lists its strata (:func:`strata`): ranks
  0, 1, n - 1 and n; symmetric matrices singular and indefinite; orthogonal matrices that are
  rotations, reflections and rotations with eigenvalue -1.  Instance i takes stratum i of
  every matrix (cycled), so a claim meets every stratum of every matrix within a few instances.
- **Wide scalars.**  ``gdflow.derive.decide.draw_scalar`` (the grader's sampler too): reals over
  many orders of magnitude with random denominators, integers up to 10^4 (up to 60 where they
  are exponents of matrices), with 0, 1, 2 and the ends of intervals among them; conditions
  are met by drawing each symbol inside the set its conditions leave it (every root of an
  equality).
- **Seeded per claim.**  The caller seeds the generator from the claim (never a public list).

Once a claim is refuted, :func:`small_instances` offers instances a reader checks by hand to
shrink the counterexample: sizes from 1 up, entries 0, +-1, +-2 (``draw_matrix(...,
small=True)``), simple scalars; every assumption is checked on them just the same.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import sympy as sp
from sympy import Basic, ImmutableMatrix, Rational

from .decide import facts_hold
from .matrices import MatExp, MatrixLimit, Pinv, random_matrix, rational_orthogonal

__all__ = [
    "MIN_SIZE",
    "MAX_SIZE",
    "Stratum",
    "strata",
    "draw_matrix",
    "has_property",
    "claim_sizes",
    "Instance",
    "instances",
    "small_instances",
    "small_size_plans",
    "SMALL_SCALARS",
]

MIN_SIZE = 5
"""Symbolic sizes are never instantiated below this."""
POLYNOMIAL_MAX_SIZE = 12
"""Claims polynomial in their matrices (exact rational arithmetic stays cheap) go up to this."""
MAX_SIZE = 7
"""Others not above this (exact arithmetic grows quickly); a claim whose degree asks for more is
checked at MAX_SIZE and its certificate names the sizes."""


@dataclass(frozen=True)
class Stratum:
    """One kind of instance of a matrix property: ``rank`` (None: full), ``kind`` a word
    (``"indefinite"``, ``"reflection"``, ...)."""

    rank: str = "full"  # "0", "1", "n-1", "full"
    kind: str = ""

    def describe(self, rows: int, cols: int) -> str:
        r = {"0": 0, "1": 1, "n-1": min(rows, cols) - 1, "full": min(rows, cols)}[self.rank]
        return f"{rows}x{cols} rank {r}" + (f" {self.kind}" if self.kind else "")


_RANKS = ("0", "1", "n-1", "full")
_STRATA: dict[str, tuple[Stratum, ...]] = {
    "any": tuple(Stratum(r) for r in _RANKS),
    "rational_svd": tuple(Stratum(r) for r in _RANKS),
    "symmetric": (
        Stratum("full", "indefinite"),
        Stratum("n-1", "indefinite"),
        Stratum("1", "negative"),
        Stratum("0"),
        Stratum("full", "generic"),
    ),
    "psd": tuple(Stratum(r) for r in _RANKS) + (Stratum("full", "generic"),),
    "singular_psd": (Stratum("0"), Stratum("1"), Stratum("n-1")),
    "pd": (Stratum("full"), Stratum("full", "generic")),
    "orthogonal": (
        Stratum("full", "rotation"),
        Stratum("full", "reflection"),
        Stratum("full", "eigenvalue -1 pair"),
    ),
    "diagonal": (Stratum("full", "signs"), Stratum("n-1", "signs"), Stratum("0")),
    "diagonal_nonneg": (Stratum("full"), Stratum("n-1"), Stratum("1"), Stratum("0")),
    "invertible": (Stratum("full", "nonsymmetric"),),
    "full_column_rank": (Stratum("full"),),
    "full_row_rank": (Stratum("full"),),
    "rational_svd_full_column_rank": (Stratum("full"),),
}
_SQUARE = {
    "symmetric",
    "psd",
    "pd",
    "singular_psd",
    "orthogonal",
    "diagonal",
    "diagonal_nonneg",
    "invertible",
}


def strata(prop: str, rows: int | None = None, cols: int | None = None) -> tuple[Stratum, ...]:
    """The strata every instance set of a matrix with property ``prop`` must meet (at a shape:
    the strata that differ there, e.g. a vector is zero or not)."""
    if prop not in _STRATA:
        raise ValueError(f"unknown matrix property {prop!r}; known: {sorted(_STRATA)}")
    if rows is None or cols is None:
        return _STRATA[prop]
    keep: dict[tuple, Stratum] = {}
    for st in sorted(_STRATA[prop], key=lambda st: st.rank != "full"):  # "full" names a rank first
        r = _rank(st, rows, cols)
        if r is not None and (r, st.kind) not in keep:
            keep[(r, st.kind)] = st
    return tuple(st for st in _STRATA[prop] if st in keep.values())


def _generic(stratum: Stratum) -> bool:
    """Full rank and not a special kind: what a matrix is when another one is degenerate."""
    return stratum.rank == "full" and stratum.kind in (
        "",
        "generic",
        "rotation",
        "reflection",
        "nonsymmetric",
        "signs",
        "indefinite",
    )


def _rank(stratum: Stratum, rows: int, cols: int) -> int | None:
    full = min(rows, cols)
    r = {"0": 0, "1": 1, "n-1": full - 1, "full": full}[stratum.rank]
    return r if 0 <= r <= full else None


def _entry(rng: random.Random) -> Rational:
    q = rng.choice((1, 1, 2, 3, 5, 7))
    return Rational(rng.randint(-4 * q, 4 * q), q)


def _spectral(rng: random.Random, n: int, values: list[Rational]) -> ImmutableMatrix:
    q = sp.Matrix(rational_orthogonal(rng, n))
    return ImmutableMatrix(q * sp.diag(*values) * q.T)


def _nonzero(rng: random.Random, positive: bool) -> Rational:
    v = Rational(rng.randint(1, 9), rng.choice((1, 2, 3, 4)))
    return v if positive or rng.random() < 0.5 else -v


def draw_matrix(
    rng: random.Random,
    prop: str,
    stratum: Stratum,
    rows: int,
    cols: int,
    *,
    small: bool = False,
) -> ImmutableMatrix | None:
    """An exact matrix of shape ``rows x cols`` with property ``prop`` in ``stratum`` (None when
    the stratum does not exist at this shape, e.g. rank n - 1 of a 1 x 1 matrix).

    ``small``: entries a reader checks by hand (:func:`_small_matrix`: integers of size at most
    2, products and sums of a few of them, signed permutations; the property and the rank of
    the stratum decided exactly on the result); where no such matrix comes out, the ordinary
    draw."""
    if prop in _SQUARE and rows != cols:
        return None
    r = _rank(stratum, rows, cols)
    if r is None:
        return None
    if small:
        m = _small_matrix(rng, prop, stratum, rows, cols, r)
        if m is not None and has_property(m, prop) is True and sp.Matrix(m).rank() == r:
            return m
    n = rows
    if prop == "any":
        return _general(rng, rows, cols, r)
    if prop in ("full_column_rank", "rational_svd_full_column_rank") and rows < cols:
        return None
    if prop == "full_row_rank" and rows > cols:
        return None
    if prop in ("full_column_rank", "full_row_rank", "invertible"):
        return _general(rng, rows, cols, r)
    if prop in ("rational_svd", "rational_svd_full_column_rank"):
        s = sp.zeros(rows, cols)
        for i in range(r):
            s[i, i] = Rational(rng.randint(1, 9), rng.randint(1, 3))
        u, v = rational_orthogonal(rng, rows), rational_orthogonal(rng, cols)
        return ImmutableMatrix(u * s * v.T)
    if prop in ("symmetric", "psd", "pd", "singular_psd"):
        positive = prop != "symmetric"
        if stratum.kind == "generic":  # B B^T (psd) or B + B^T (symmetric): eigenvalues irrational
            b = sp.Matrix(_general(rng, n, n, r))
            return ImmutableMatrix(b * b.T if positive else (b + b.T) / 2)
        values = [_nonzero(rng, positive or stratum.kind != "negative") for _ in range(r)]
        if stratum.kind == "negative":
            values = [-abs(v) for v in values]
        if stratum.kind == "indefinite" and r >= 2:
            values[0], values[1] = abs(values[0]), -abs(values[1])
        return _spectral(rng, n, values + [Rational(0)] * (n - r))
    if prop == "orthogonal":
        q = sp.Matrix(rational_orthogonal(rng, n))
        if q.det() < 0:  # make it a rotation first
            q[0, :] = -q[0, :]
        if stratum.kind == "reflection":
            q[0, :] = -q[0, :]
        elif stratum.kind == "eigenvalue -1 pair" and n >= 2:
            p = sp.Matrix(rational_orthogonal(rng, n))
            q = (
                p * sp.diag(-1, -1, *([1] * (n - 2))) * p.T * q
                if rng.random() < 0.5
                else p * sp.diag(-1, -1, *([1] * (n - 2))) * p.T
            )
        return ImmutableMatrix(q)
    if prop in ("diagonal", "diagonal_nonneg"):
        values = [_nonzero(rng, prop == "diagonal_nonneg") for _ in range(r)] + [Rational(0)] * (
            n - r
        )
        rng.shuffle(values)
        return ImmutableMatrix(sp.diag(*values))
    raise ValueError(f"unknown matrix property {prop!r}")


def _general(rng: random.Random, rows: int, cols: int, rank: int) -> ImmutableMatrix:
    """A random rational matrix of exact rank (a product of random factors)."""
    if rank == 0:
        return ImmutableMatrix(sp.zeros(rows, cols))
    if rng.random() < 0.5:
        return random_matrix(rng, rows, cols, rank)
    for _ in range(50):
        left = sp.Matrix(rows, rank, lambda i, j: _entry(rng))
        right = sp.Matrix(rank, cols, lambda i, j: _entry(rng))
        m = left * right
        if m.rank() == rank:
            return ImmutableMatrix(m)
    return random_matrix(rng, rows, cols, rank)


_SMALL = (0, 1, -1, 1, -1, 2, -2)
"""Entries of small matrices (0, 1 and -1 more often than 2 and -2)."""


def _small_general(rng: random.Random, rows: int, cols: int, rank: int) -> sp.Matrix | None:
    """An integer matrix of exact rank ``rank`` with entries in {0, +-1, +-2} (full rank) or a
    product of factors with entries in {0, +-1} (lower rank); None when a few tries miss."""
    if rank == 0:
        return sp.zeros(rows, cols)
    for _ in range(12):
        if rank == min(rows, cols):
            m = sp.Matrix(rows, cols, lambda i, j: rng.choice(_SMALL))
        else:
            left = sp.Matrix(rows, rank, lambda i, j: rng.choice(_SMALL[:5]))
            right = sp.Matrix(rank, cols, lambda i, j: rng.choice(_SMALL[:5]))
            m = left * right
        if m.rank() == rank:
            return m
    return None


def _small_orthogonal(rng: random.Random, n: int, det: int | None = None) -> sp.Matrix:
    """A signed permutation matrix, times the rotation by (3/5, 4/5) in two coordinates half of
    the time (n >= 2); with determinant ``det`` when given."""
    perm = list(range(n))
    rng.shuffle(perm)
    q = sp.zeros(n, n)
    for i, j in enumerate(perm):
        q[i, j] = rng.choice((1, -1))
    if n >= 2 and rng.random() < 0.5:
        i, j = rng.sample(range(n), 2)
        g = sp.eye(n)
        g[i, i], g[i, j], g[j, i], g[j, j] = (
            Rational(3, 5),
            Rational(-4, 5),
            Rational(4, 5),
            Rational(3, 5),
        )
        q = g * q
    if det is not None and q.det() != det:
        q[0, :] = -q[0, :]
    return q


def _small_matrix(
    rng: random.Random, prop: str, stratum: Stratum, rows: int, cols: int, r: int
) -> ImmutableMatrix | None:
    """A matrix of ``prop`` in ``stratum`` (rank ``r``) with small entries, or None: general
    matrices from :func:`_small_general`; symmetric ones as ``B D B^T`` with B small of rank r
    and D a diagonal of signs (Sylvester's law of inertia gives the signs of the eigenvalues:
    all + for psd and pd, mixed for indefinite, - for negative); orthogonal and rational-SVD
    ones from signed permutations (:func:`_small_orthogonal`); diagonal ones of +-1, +-2.  The
    caller decides the property and the rank exactly."""
    n = rows
    if prop in ("any", "full_column_rank", "full_row_rank", "invertible"):
        m = _small_general(rng, rows, cols, r)
        return None if m is None else ImmutableMatrix(m)
    if prop in ("rational_svd", "rational_svd_full_column_rank"):
        s = sp.zeros(rows, cols)
        for i in range(r):
            s[i, i] = rng.choice((1, 1, 2, 3))
        return ImmutableMatrix(_small_orthogonal(rng, rows) * s * _small_orthogonal(rng, cols).T)
    if prop in ("symmetric", "psd", "pd", "singular_psd"):
        if r == 0:
            return ImmutableMatrix(sp.zeros(n, n))
        b = _small_general(rng, n, r, r)
        if b is None:
            return None
        signs = [1] * r
        if prop == "symmetric":
            if stratum.kind == "negative":
                signs = [-1] * r
            elif stratum.kind == "indefinite" and r >= 2:
                signs[1] = -1
            elif stratum.kind == "generic":
                signs = [rng.choice((1, -1)) for _ in range(r)]
        return ImmutableMatrix(b * sp.diag(*signs) * b.T)
    if prop == "orthogonal":
        if stratum.kind == "eigenvalue -1 pair" and n >= 2:
            p = _small_orthogonal(rng, n)
            return ImmutableMatrix(p * sp.diag(-1, -1, *([1] * (n - 2))) * p.T)
        return ImmutableMatrix(_small_orthogonal(rng, n, -1 if stratum.kind == "reflection" else 1))
    if prop in ("diagonal", "diagonal_nonneg"):
        pool = (1, 2) if prop == "diagonal_nonneg" else (1, -1, 2, -2)
        values = [rng.choice(pool) for _ in range(r)] + [0] * (n - r)
        rng.shuffle(values)
        return ImmutableMatrix(sp.diag(*values))
    return None


def _charpoly_signs_alternate(m: sp.Matrix) -> bool:
    """All eigenvalues of the symmetric ``m`` are >= 0 (real-rooted charpoly: coefficients of
    det(xI - M) alternate in sign, Descartes)."""
    coeffs = m.charpoly().all_coeffs()
    return all(c * (-1) ** i >= 0 for i, c in enumerate(coeffs))


def has_property(m: sp.MatrixBase, prop: str) -> bool | None:
    """Whether the explicit matrix ``m`` has ``prop``, decided exactly (None: not decidable,
    e.g. irrational entries)."""
    m = sp.Matrix(m)
    if not all(getattr(x, "is_Rational", False) for x in m):
        return None
    rows, cols = m.shape
    square = rows == cols
    if prop in ("any", "rational_svd"):
        return True
    if prop in ("full_column_rank", "rational_svd_full_column_rank"):
        return m.rank() == cols
    if prop == "full_row_rank":
        return m.rank() == rows
    if not square:
        return False
    if prop == "invertible":
        return m.det() != 0
    if prop == "orthogonal":
        return m * m.T == sp.eye(rows)
    if prop in ("diagonal", "diagonal_nonneg"):
        off = all(m[i, j] == 0 for i in range(rows) for j in range(cols) if i != j)
        return off and (prop == "diagonal" or all(m[i, i] >= 0 for i in range(rows)))
    if m != m.T:
        return False
    if prop == "symmetric":
        return True
    if not _charpoly_signs_alternate(m):
        return False
    if prop == "psd":
        return True
    if prop == "pd":
        return m.det() != 0
    if prop == "singular_psd":
        return m.det() == 0
    raise ValueError(f"unknown matrix property {prop!r}")


# -- sizes ---------------------------------------------------------------------------------------


def _degree(e: Basic) -> int:
    """The largest number of matrix factors in one product of ``e`` (powers with integer
    exponents counted by their exponent, symbolic powers as 2)."""
    if (
        not isinstance(e, Basic)
        or not getattr(e, "is_Matrix", False)
        and not e.has(sp.MatrixSymbol)
    ):
        return 0
    if isinstance(e, sp.MatrixSymbol):
        return 1
    if isinstance(e, (sp.MatMul, sp.Mul)):  # products of matrices, and of traces
        return sum(_degree(a) for a in e.args)
    if isinstance(e, (sp.MatPow, sp.Pow)):
        base, exp = e.args
        return _degree(base) * (abs(int(exp)) if exp.is_Integer else 2)
    return max((_degree(a) for a in e.args), default=0)


def claim_sizes(exprs: Iterable[Basic], size_symbols: list[Basic]) -> list[dict[Basic, int]]:
    """Size assignments to try: every size symbol at least ``MIN_SIZE``; above half the claim's
    degree d in matrices (Amitsur–Levitzki: no identity of degree < 2m holds in the m x m
    matrices unless it holds in all), and above d itself when traces or determinants appear
    (the Cayley–Hamilton trace identity of degree d holds for every size up to d).  Claims
    that are polynomial in their matrices go up to ``POLYNOMIAL_MAX_SIZE``, others to
    ``MAX_SIZE``; two size symbols meet as smaller, larger and equal."""
    exprs = list(exprs)
    degree = max((_degree(e) for e in exprs), default=0)
    traces = any(e.has(sp.Trace, sp.Determinant) for e in exprs)
    polynomial = not any(e.has(sp.Inverse, MatExp, Pinv, MatrixLimit) for e in exprs) and not any(
        p.args[1].is_negative for e in exprs for p in e.atoms(sp.MatPow)
    )
    top = POLYNOMIAL_MAX_SIZE if polynomial else MAX_SIZE
    base = min(max(MIN_SIZE, degree + 1 if traces else degree // 2 + 1), top - 1)
    if not size_symbols:
        return [{}]
    if len(size_symbols) == 1:
        return [{size_symbols[0]: base}, {size_symbols[0]: base + 1}]
    out = []
    for offsets in ((0, 1), (1, 0), (0, 0), (1, 1)):
        out.append({s: base + offsets[i % 2] for i, s in enumerate(size_symbols)})
    return out


# -- scalars ---------------------------------------------------------------------------------------


# -- instances -------------------------------------------------------------------------------------


@dataclass
class Instance:
    """One admissible substitution, and the stratum each matrix was drawn in."""

    subs: dict
    strata: dict  # matrix name -> described stratum
    sizes: dict  # size symbol -> its value here


def _exponent_symbols(exprs: Iterable[Basic]) -> set[Basic]:
    out: set[Basic] = set()
    for e in exprs:
        for p in e.atoms(sp.MatPow, sp.Pow):
            out |= p.args[1].free_symbols
    return out


def _univariate_set(conds: list[Basic], s: sp.Symbol) -> sp.Set | None:
    """The set the conditions that mention only ``s`` leave it (None: cannot be solved)."""
    out: sp.Set = sp.S.Reals
    plain = sp.Dummy("x", real=True)
    for c in conds:
        try:
            piece = c.xreplace({s: plain}).as_set().xreplace({plain: s})
        except Exception:  # noqa: BLE001 - as_set fails on many transcendental conditions
            return None
        out = out.intersect(piece)
    return out


_EXPONENT_RANGE = sp.Interval(-60, 60)
"""Integers that are exponents of matrices stay in here (a rational 6 x 6 matrix to the power
10^4 has entries of tens of thousands of digits); other integers range up to 10^4."""


def _draw_in(rng: random.Random, s: sp.Symbol, allowed: sp.Set, exponent: bool) -> Basic | None:
    """A value of ``s`` in ``allowed`` that satisfies its facts
    (``gdflow.derive.decide.draw_scalar``: wide ranges, random denominators, special values), or
    None."""
    from .decide import draw_scalar

    if exponent and s.is_integer:
        allowed = sp.Intersection(allowed, _EXPONENT_RANGE)
    try:
        return draw_scalar(rng, s, allowed)
    except ValueError:
        return None


def decide_condition(cond: Basic) -> bool | None:
    """Whether a condition without free symbols holds, decided exactly or by a rigorous ball
    (None: undecided)."""
    if cond is sp.true or cond is True:
        return True
    if cond is sp.false or cond is False:
        return False
    if isinstance(cond, sp.And):
        vals = [decide_condition(a) for a in cond.args]
        return False if False in vals else (None if None in vals else True)
    if isinstance(cond, sp.Or):
        vals = [decide_condition(a) for a in cond.args]
        return True if True in vals else (None if None in vals else False)
    if isinstance(cond, sp.Not):
        v = decide_condition(cond.args[0])
        return None if v is None else not v
    if isinstance(cond, sp.Rel):
        from .evaluate import sign_of  # evaluate imports instances' neighbours only

        s = sign_of(cond.lhs - cond.rhs)
        if s is None:
            return None
        op = cond.rel_op
        return {"==": s == 0, "!=": s != 0, "<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0}[op]
    return None


@dataclass(frozen=True)
class _Symbols:
    """What an instance of a claim gives a value: its sizes, matrices and scalars, with the
    conditions and properties the values must meet."""

    sizes: list[sp.Symbol]
    mats: list[sp.MatrixSymbol]
    direct: dict[Basic, str]  # matrix -> its property
    scalars: list[sp.Symbol]
    exps: set[Basic]  # symbols in exponents of matrices
    conditions: list[Basic]
    exclude: set[Basic]
    defined_props: list[tuple[Basic, str]]
    definitions: Mapping[Basic, Basic]


def _symbols_of(
    exprs: list[Basic],
    conditions: list[Basic],
    matrices: Mapping[Basic, str],
    definitions: Mapping[Basic, Basic],
    exclude: set[Basic] | None,
) -> _Symbols:
    size_syms = sorted(
        {
            d
            for e in [*exprs, *conditions]
            for m in e.atoms(sp.MatrixSymbol)
            for d in _shape_symbols(m)
        }
        | {
            d
            for e in exprs
            for m in e.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix)
            for d in _shape_symbols(m)
        },
        key=str,
    )
    mats = sorted({m for e in [*exprs, *conditions] for m in e.atoms(sp.MatrixSymbol)}, key=str)
    scalars = sorted(
        set().union(*(e.free_symbols for e in [*exprs, *conditions])) - set(size_syms) - set(mats),
        key=str,
    )
    scalars = [s for s in scalars if isinstance(s, sp.Symbol) and s not in (exclude or ())]
    return _Symbols(
        sizes=size_syms,
        mats=mats,
        direct={m: matrices.get(m, "any") for m in mats},
        scalars=scalars,
        exps=_exponent_symbols(exprs),
        conditions=conditions,
        exclude=set(exclude or ()),
        defined_props=[(m, p) for m, p in matrices.items() if m in definitions],
        definitions=definitions,
    )


SMALL_SCALARS = tuple(
    sp.Rational(v)
    for v in (
        "1", "-1", "2", "-2", "1/2", "-1/2", "3/2", "0", "3", "-3", "1/3", "-1/3", "1/4",
        "1/10", "-1/10", "1/100", "1/1000", "4", "5", "10",
    )
)  # fmt: skip
"""Scalars a reader checks by hand, simplest first (0 is not first: it makes many sides
agree)."""


def _small_scalar(rng: random.Random, s: sp.Symbol, allowed: sp.Set) -> Basic | None:
    """One of the first three values of ``SMALL_SCALARS`` that ``allowed`` holds and that meet
    ``s``'s facts (integer, positive, ...), or None."""
    fits = []
    for v in SMALL_SCALARS:
        if allowed.contains(v) is sp.true and facts_hold(s, v):
            fits.append(v)
            if len(fits) == 3:
                break
    return rng.choice(fits) if fits else None


def _attempt(
    syms: _Symbols,
    sizes: Mapping[Basic, int],
    pick: Callable[[Basic, tuple[Stratum, ...]], Stratum],
    rng: random.Random,
    small: bool = False,
) -> tuple[Instance | None, str]:
    """One draw of every matrix (stratum chosen by ``pick``) and scalar at ``sizes``, kept when
    it meets every assumption: ``(instance, "")`` or ``(None, why not)``.  ``small``: small
    entries (:func:`draw_matrix`) and small scalars (:data:`SMALL_SCALARS`) first."""
    from .evaluate import Undecided, Undefined, evaluate_exact  # evaluate imports this lazily

    subs: dict[Basic, Basic] = dict(sizes)
    chosen: dict[str, str] = {}
    for m in syms.mats:
        prop = syms.direct[m]
        rows, cols = (int(sp.sympify(d).xreplace(subs)) for d in m.shape)
        stratum = pick(m, strata(prop, rows, cols) or strata(prop))
        value = draw_matrix(rng, prop, stratum, rows, cols, small=small)
        if value is None:
            value = draw_matrix(rng, prop, Stratum("full", ""), rows, cols, small=small)
        if value is None:
            return None, f"{m} cannot have property {prop} at {rows}x{cols}"
        subs[m] = value
        chosen[str(m)] = stratum.describe(rows, cols)
    pending = [c for c in syms.conditions if not (syms.exclude and c.free_symbols & syms.exclude)]
    for s in syms.scalars:
        now = [c.xreplace(subs) for c in pending]
        mine = [c for c in now if c.free_symbols == {s}]
        allowed = _univariate_set(mine, s) if mine else sp.S.Reals
        if allowed is None:
            allowed = sp.S.Reals
        if allowed is sp.S.EmptySet:
            return None, f"the conditions leave {s} no value at {_brief(subs)}"
        v = _small_scalar(rng, s, allowed) if small else None
        if v is None:
            v = _draw_in(rng, s, allowed, s in syms.exps)
        if v is None:
            return None, f"could not draw {s} in {allowed}"
        subs[s] = v
    if not all(facts_hold(s, subs[s]) for s in syms.scalars):
        return None, "a symbol's own assumptions (e.g. prime, integer) failed"
    verdicts = [decide_condition(c.xreplace(subs)) for c in pending]
    if False in verdicts:
        return None, "a condition failed"
    if None in verdicts:
        return None, "a condition could not be decided at the drawn values"
    for m, prop in syms.defined_props:
        try:
            value = evaluate_exact(syms.definitions[m].xreplace(subs))
        except (Undefined, Undecided):
            return None, f"the definition of {m} cannot be evaluated exactly"
        if not isinstance(value, sp.MatrixBase) or has_property(value, prop) is not True:
            return None, f"the defined {m} is not {prop} at the drawn values"
    return Instance(subs, chosen, dict(sizes)), ""


def instances(
    exprs: list[Basic],
    *,
    conditions: list[Basic],
    matrices: Mapping[Basic, str],
    definitions: Mapping[Basic, Basic],
    rng: random.Random,
    count: int,
    exclude: set[Basic] | None = None,
    max_tries: int = 60,
) -> Iterator[tuple[Instance | None, str]]:
    """Yield ``(instance, stratum description)`` for ``count`` stratum slots; ``instance`` is
    None when no admissible instance could be drawn for a slot (the description says which).

    ``exprs`` and ``conditions`` have their definitions substituted already; ``matrices``
    holds the properties of every matrix symbol, also of defined ones (checked on their value).
    Symbols in ``exclude`` are left free (conditions that mention them are not checked).
    """
    syms = _symbols_of(exprs, conditions, matrices, definitions, exclude)
    mats = syms.mats
    size_plans = claim_sizes(exprs, syms.sizes)
    # the plan: every size plan with every matrix generic, then each matrix in each of its
    # other strata while the others stay generic (a degenerate matrix paired with a zero
    # vector hides what it breaks), then random combinations up to ``count``
    shape0 = dict(size_plans[0])
    plan: list[dict[Basic, Stratum | None]] = [{} for _ in size_plans]
    for m in mats:
        rows, cols = (int(sp.sympify(d).xreplace(shape0)) for d in m.shape)
        for st in strata(syms.direct[m], rows, cols) or strata(syms.direct[m]):
            if not _generic(st):
                plan.append({m: st})
    while len(plan) < count:
        plan.append({m: None for m in mats})  # None: any stratum, at random
    for i, forced in enumerate(plan):
        sizes = size_plans[i % len(size_plans)]
        described = ", ".join(f"{s} = {v}" for s, v in sizes.items())
        last_reason = "no admissible instance"
        found = None
        for attempt in range(max_tries):

            def pick(
                m: Basic,
                options: tuple[Stratum, ...],
                forced: dict[Basic, Stratum | None] = forced,
                attempt: int = attempt,
            ) -> Stratum:
                generic = [st for st in options if _generic(st)] or list(options)
                if m in forced and forced[m] is None:
                    return rng.choice(options)
                wanted = forced.get(m)
                if wanted is not None and attempt < max_tries // 2:
                    return wanted
                return rng.choice(generic)

            found, reason = _attempt(syms, sizes, pick, rng)
            if found is not None:
                break
            last_reason = reason
        tag = "; ".join(
            filter(
                None,
                [
                    described,
                    ", ".join(f"{k}: {v}" for k, v in found.strata.items()) if found else "",
                ],
            )
        )
        yield (found, tag if found else f"{described}: {last_reason}")


def small_size_plans(
    size_syms: list[sp.Symbol], below: Mapping[Basic, int]
) -> list[dict[Basic, int]]:
    """Size assignments from all ones up to ``below`` (each size at most its value there),
    smallest first (by the largest size, then the sum, then in order)."""
    ranges = [range(1, int(below.get(s, 1)) + 1) for s in size_syms]
    plans = [dict(zip(size_syms, values, strict=True)) for values in itertools.product(*ranges)]
    return sorted(
        plans, key=lambda p: (max(p.values(), default=0), sum(p.values()), list(p.values()))
    )


def small_instances(
    exprs: list[Basic],
    *,
    conditions: list[Basic],
    matrices: Mapping[Basic, str],
    definitions: Mapping[Basic, Basic],
    rng: random.Random,
    below: Mapping[Basic, int],
    budget: int,
    exclude: set[Basic] | None = None,
) -> Iterator[Instance]:
    """Admissible instances that a reader checks by hand, smallest first: sizes from 1 up to
    ``below`` (a counterexample's sizes; :func:`small_size_plans`), at each size one draw per
    stratum (cycled through every matrix's strata at that shape), with small entries and
    scalars (``draw_matrix(..., small=True)``, :data:`SMALL_SCALARS`).  Every assumption is
    checked as in :func:`instances`.  At most ``budget`` draws in all (admissible or not)."""
    syms = _symbols_of(exprs, conditions, matrices, definitions, exclude)
    spent = 0
    for sizes in small_size_plans(syms.sizes, below):
        width = 1
        for m in syms.mats:
            rows, cols = (int(sp.sympify(d).xreplace(sizes)) for d in m.shape)
            width = max(width, len(strata(syms.direct[m], rows, cols) or ()))
        for k in range(min(width, 4) + 1):
            if spent >= budget:
                return
            spent += 1

            def pick(m: Basic, options: tuple[Stratum, ...], k: int = k) -> Stratum:
                if k == 0:  # every matrix generic first
                    generic = [st for st in options if _generic(st)] or list(options)
                    return generic[0]
                return options[(k - 1 + syms.mats.index(m)) % len(options)]

            found, _ = _attempt(syms, sizes, pick, rng, small=True)
            if found is not None:
                yield found


def _shape_symbols(m: sp.MatrixExpr) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for d in m.shape:
        out |= sp.sympify(d).free_symbols
    return out


def _brief(subs: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in subs.items() if not isinstance(v, sp.MatrixBase))
