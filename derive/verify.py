"""The decision engine: decide each claim, and say how far the decision can be trusted.

Every claim gets a :class:`~gdflow.derive.derivation.Certificate` with a *level*:

- **proved** — a symbolic proof (the difference simplifies to 0) confirmed at exact instances,
  or an exact decision (a univariate set computation, a rigorous counterexample, the exact
  value of a claim without free symbols);
- **checked** — exact agreement at every drawn instance, over every rank stratum of every
  matrix, at sizes the certificate names;
- **evidence** — agreement in rigorous balls whose enclosure of the difference shrinks with
  the precision, where no exact value exists (matrix exponentials with irrational spectra);
- **stated** — a definition or hypothesis.

A claim no method decides is ``unverified`` (``unverified`` with ``out of time`` when its time
bound ran out); a claim whose assumptions no instance satisfies is ``vacuous``; neither is ever
passed.  One disagreement at an admissible instance — exact, or a ball of the difference that
excludes 0, or a side undefined where the other has a value — *rejects* the claim with that
instance as counterexample, shrunk for the reader where a smaller one exists: the first of up
to :data:`SHRINK_BUDGET` admissible instances with sizes from 1 and entries 0, +-1, +-2
(:func:`gdflow.derive.instances.small_instances`) at which the same exact comparison still
refutes the claim (:func:`_shrink`).

How instances can falsify (``gdflow.derive.instances``): sizes of at least 5 and above half the
claim's degree, every rank stratum of every matrix property, scalars over wide ranges with
random denominators, integers beyond 12, every assumption checked on every instance (also the
matrix properties of symbols that definitions replace), instances seeded from the claim.  An
instance where a side cannot be decided blocks certification.

Conditions (:class:`Holds`, :class:`Equivalent`) are decided as sets of one variable: exactly
when they have no other symbols (integer variables over the integers), and at every drawn
instance of the other symbols (with their degenerate values, where a coefficient of the
variable vanishes) otherwise — *checked*, since solving with symbolic parameters divides by
them.  :class:`Recurrence` is proved by induction from index 0, with the definitions expanded
before the index is substituted.  :class:`Refuted` needs a rigorous counterexample that
satisfies every assumption.

Each claim runs under a time bound (``timeout`` seconds, default :data:`DEFAULT_TIMEOUT`)
enforced inside SymPy (``gdflow.derive.timebox``).  :func:`verify` keeps every ``Definition`` of a
derivation in scope for the steps after it and refuses symbols that print alike but differ.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import sympy as sp
from sympy import Basic

from .decide import facts_hold
from .derivation import (
    Assumptions,
    Certificate,
    Claim,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Level,
    Method,
    Recurrence,
    Refuted,
    Step,
)
from .evaluate import Undecided, Undefined, compare, evaluate_exact, sign_of
from .instances import Instance, decide_condition, instances, small_instances
from .matrices import TimeDerivative, is_zero_matrix
from .timebox import OutOfTime, deadline, remaining

__all__ = [
    "verify",
    "verify_claim",
    "explicit",
    "DEFAULT_INSTANCES",
    "DEFAULT_TIMEOUT",
    "SHRINK_BUDGET",
]

DEFAULT_INSTANCES = 8
"""Instances per identity (more when a matrix has more strata or the sizes more plans)."""
DEFAULT_TIMEOUT = 30.0
"""CPU seconds per claim; running out is ``unverified (out of time)``.  The slowest step of the
catalogue takes about 8 s on the 2-core machine CI runs on (``ridge.implicit_regularisation``'s
limit step), so 30 s leaves a slower machine room before a true step reads as unverified."""
_SYMBOLIC_SHARE = 0.3
"""At most this share of a claim's time goes to ``simplify`` ..."""
_SYMBOLIC_SECONDS = 3.0
"""... and at most this many seconds: a longer bound gives the exact and ball methods more
room, not ``simplify`` (which decides within a few seconds or not at all)."""

SHRINK_BUDGET = 40
"""Draws at most that :func:`_shrink` tries below a counterexample (each decided exactly)."""
_SHRINK_SECONDS = 2.0
"""CPU seconds at most that shrinking one counterexample takes (and never more than half of
what is left of the claim's bound).  A safety net: on the machine CI runs on the
``SHRINK_BUDGET`` draws of a claim take well under a second, so the count decides and the
same seed gives the same counterexample; should the net fire, the smallest counterexample
found before it is kept (the first one, when none)."""

explicit = evaluate_exact
"""The exact value of an instantiated expression (``gdflow.derive.evaluate.evaluate_exact``)."""


Sizes = dict[str, tuple[int, ...]]
"""``size name -> values`` (what a certificate was checked at)."""
Domains = dict[Basic, tuple[Any, bool]]
"""``symbol -> (admissible set, integer?)`` of a scalar claim."""


def _cert(
    ok: bool,
    method: Method,
    detail: str,
    level: Level | str | None = None,
    counterexample: Mapping[str, Any] | None = None,
    sizes: Sizes | None = None,
) -> Certificate:
    return Certificate(
        ok, method, detail, counterexample, None if level is None else Level(level), sizes or None
    )


def _sizes_of(insts: Iterable[Instance]) -> Sizes:
    """``{size name: sorted values}`` over the instances that decided a claim."""
    out: dict[str, set[int]] = defaultdict(set)
    for inst in insts:
        for sym, value in inst.sizes.items():
            out[str(sym)].add(int(value))
    return {name: tuple(sorted(values)) for name, values in sorted(out.items())}


def _rejected(
    detail: str,
    counterexample: Mapping[str, Any] | None = None,
    level: Level | str | None = Level.PROVED,
) -> Certificate:
    return _cert(False, Method.REJECTED, detail, level, counterexample)


def _unverified(detail: str) -> Certificate:
    return _cert(False, Method.UNVERIFIED, detail)


def _vacuous(detail: str) -> Certificate:
    return _cert(False, Method.VACUOUS, detail)


def _describe(subs: Mapping[Any, Any]) -> str:
    return ", ".join(f"{s} = {_short(v)}" for s, v in subs.items())


def _short(v: Any) -> str:
    return str(v.tolist()) if isinstance(v, sp.MatrixBase) else str(v)


def _plain(subs: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        str(k): (
            [[str(x) for x in row] for row in v.tolist()]
            if isinstance(v, sp.MatrixBase)
            else str(v)
        )
        for k, v in subs.items()
    }


def _is_matrix(e: Basic) -> bool:
    return bool(getattr(e, "is_Matrix", False))


# -- preparing a claim ---------------------------------------------------------------------------


def _unfold(expr: Basic) -> Basic:
    """``expr`` with every derivative (:class:`~gdflow.derive.matrices.TimeDerivative`, SymPy's
    ``Derivative`` and ``Subs``) carried out: they cannot be evaluated once their variable is a
    number.  (Limits are taken after instantiation, where degenerate parameters are seen.)"""
    if not isinstance(expr, Basic) or not expr.has(TimeDerivative, sp.Derivative, sp.Subs):
        return expr
    return expr.replace(
        lambda e: isinstance(e, (TimeDerivative, sp.Derivative, sp.Subs)),
        lambda e: e.doit(differentiate=True),
    )


def _prepare(e: Basic, assume: Assumptions) -> Basic:
    return _unfold(assume.substitute(_unfold(assume.substitute(sp.sympify(e)))))


def _zero_like(lhs: Basic, rhs: Basic) -> tuple[Basic, Basic]:
    """A scalar 0 on one side of a matrix equation is the zero matrix of the other's shape."""
    if _is_matrix(lhs) and not _is_matrix(rhs) and rhs == 0:
        return lhs, sp.ZeroMatrix(*lhs.shape)
    if _is_matrix(rhs) and not _is_matrix(lhs) and lhs == 0:
        return sp.ZeroMatrix(*rhs.shape), rhs
    return lhs, rhs


def _shape_mismatch(lhs: Basic, rhs: Basic) -> str | None:
    if _is_matrix(lhs) != _is_matrix(rhs):
        which = "left" if _is_matrix(lhs) else "right"
        return f"the {which} side is a matrix and the other a scalar"
    if _is_matrix(lhs):
        try:
            ls, rs = lhs.shape, rhs.shape
        except Exception as exc:  # noqa: BLE001 - a product of incompatible shapes
            return f"shapes do not compose: {exc}"
        if any(sp.simplify(a - b) != 0 for a, b in zip(ls, rs, strict=True)):
            return f"shapes differ: {ls} and {rs}"
    return None


def _symbolic(lhs: Basic, rhs: Basic) -> str | tuple[str, Basic] | None:
    """``"zero"`` when the difference simplifies to 0, ``("constant", c)`` when it simplifies
    to a constant c that is not structurally 0, else None.  Bounded in time."""
    if lhs == rhs:
        return "zero"
    left = remaining()
    budget = None if left is None else max(min(left * _SYMBOLIC_SHARE, _SYMBOLIC_SECONDS), 0.05)
    try:
        with deadline(budget):
            if _is_matrix(lhs):
                return "zero" if is_zero_matrix(lhs - rhs) else None
            d = sp.cancel(sp.together(lhs - rhs))
            if d == 0:
                return "zero"
            if not d.free_symbols:
                return ("constant", d)
            d = sp.simplify(d)
            if d == 0 or sp.simplify(sp.expand(sp.expand_power_exp(d))) == 0:
                return "zero"
            if not d.free_symbols:
                return ("constant", d)
    except OutOfTime:
        if remaining() == 0:
            raise
        return None
    except Exception:  # noqa: BLE001 - simplify fails on many inputs; the instances decide
        return None
    return None


def _seed(*parts: object) -> int:
    text = "\x1f".join(sp.srepr(p) if isinstance(p, Basic) else str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _conditions(assume: Assumptions) -> list[Basic]:
    out = []
    for c in assume.conditions:
        c = assume.substitute(c)
        if c is sp.true:
            continue
        out.append(c)
    return out


def _draw(
    exprs: list[Basic],
    assume: Assumptions,
    rng: random.Random,
    count: int,
    exclude: Iterable[Basic] = (),
) -> Iterator[tuple[Instance | None, str]]:
    return instances(
        exprs,
        conditions=_conditions(assume),
        matrices=dict(assume.matrices),
        definitions=dict(assume.definitions),
        rng=rng,
        count=count,
        exclude=set(exclude),
    )


def _vacuous_reason(assume: Assumptions) -> str | None:
    """Why the scalar assumptions cannot all hold (a symbol left with the empty set), or None."""
    conds = _conditions(assume)
    by_symbol: dict[Basic, list[Basic]] = defaultdict(list)
    for c in conds:
        if c is sp.false:
            return "a condition is false"
        if len(c.free_symbols) == 1:
            by_symbol[next(iter(c.free_symbols))].append(c)
    for s, cs in by_symbol.items():
        try:
            dom = _var_domain(s, cs)
            if dom is None:  # not reached: every condition here is about s alone
                continue
            if s.is_integer and not _has_integer(dom):
                return f"no integer {s} satisfies {', '.join(map(str, cs))}"
            if dom is sp.S.EmptySet or dom.is_empty:
                return f"no {s} satisfies {', '.join(map(str, cs))}"
        except Exception:  # noqa: BLE001
            continue
    return None


# -- identities -------------------------------------------------------------------------------


def _decide_identity(
    lhs: Basic, rhs: Basic, assume: Assumptions, rng: random.Random, count: int
) -> Certificate:
    lhs, rhs = _zero_like(_prepare(lhs, assume), _prepare(rhs, assume))
    bad = _shape_mismatch(lhs, rhs)
    if bad:
        return _rejected(bad)
    if not _is_matrix(lhs):
        domains = _scalar_domains(lhs, rhs, assume)
        if domains is not None:
            return _by_scalar_core(lhs, rhs, domains, rng, count)
    symbolic = _symbolic(lhs, rhs)
    if isinstance(symbolic, tuple):
        c = symbolic[1]
        s = sign_of(c)
        if s not in (None, 0):
            return _rejected(f"the difference of the sides simplifies to the nonzero constant {c}")
    return _at_instances(lhs, rhs, assume, rng, count, symbolic == "zero")


def _scalar_domains(lhs: Basic, rhs: Basic, assume: Assumptions) -> Domains | None:
    """``symbol -> (set, integer)`` when the claim is scalar and every condition is about one
    of its symbols (so ``gdflow.derive.decide.decide_scalar``, the grader's core, decides it);
    else None."""
    unevaluated = (sp.MatrixSymbol, sp.MatrixBase, sp.Limit, sp.Sum, sp.Product, sp.Integral)
    if lhs.has(*unevaluated) or rhs.has(*unevaluated):  # limits are taken after instantiation
        return None
    syms = lhs.free_symbols | rhs.free_symbols
    domains: Domains = {}
    for c in _conditions(assume):
        free = c.free_symbols
        if not free:
            if decide_condition(c) is not True:
                return None
            continue
        if len(free) != 1 or not free <= syms:
            return None
        (x,) = free
        try:
            piece = _as_set(c, x)
        except Exception:  # noqa: BLE001
            return None
        old = domains.get(x, (sp.S.Reals, bool(x.is_integer)))[0]
        domains[x] = (sp.Intersection(old, piece), bool(x.is_integer))
    return domains


def _by_scalar_core(
    lhs: Basic, rhs: Basic, domains: Domains, rng: random.Random, count: int
) -> Certificate:
    """Decide a scalar claim with ``gdflow.derive.decide.decide_scalar`` (the grader's core).
    A symbol confined to finitely many values (an equality condition) is substituted, value by
    value; where the sampled points agree, a difference is also sought at the kinks of
    piecewise parts, and a symbolic zero (``_symbolic``) upgrades the agreement to *proved*."""
    finite = {
        x: sorted(dom, key=sp.default_sort_key)
        for x, (dom, _) in domains.items()
        if isinstance(dom, sp.FiniteSet)
    }
    if finite:
        combos = [
            dict(zip(finite, values, strict=True)) for values in itertools.product(*finite.values())
        ]
        if not combos:
            return _vacuous(f"no value satisfies the conditions on {', '.join(map(str, finite))}")
        certs = []
        rest = {x: d for x, d in domains.items() if x not in finite}
        for combo in combos[:16]:
            c = _by_scalar_core(lhs.xreplace(combo), rhs.xreplace(combo), rest, rng, count)
            if not c.ok:
                if c.method is Method.REJECTED and c.counterexample is not None:
                    c = _rejected(
                        c.detail,
                        {**{str(k): str(v) for k, v in combo.items()}, **c.counterexample},
                        c.level or Level.PROVED,
                    )
                return c
            certs.append(c)
        if len(combos) > 16:
            return _unverified(
                f"{len(combos)} cases of the equality conditions; at most 16 are decided"
            )
        level = Level.weakest(*(c.level or Level.EVIDENCE for c in certs))
        return _cert(
            True,
            certs[-1].method,
            f"case by case ({len(combos)} cases of the equality conditions): {certs[-1].detail}",
            level,
        )
    from .decide import compare_constants, decide_scalar

    left = remaining()
    dec = decide_scalar(
        lhs,
        rhs,
        domains=domains,
        seed=rng.getrandbits(64),
        points=max(count, 12),
        timeout=None if left is None else max(left, 0.01),
    )
    where = f"{dec.method}: {dec.detail}"
    if dec.verdict == "equal" and dec.level != "proved":
        for point in _kink_points(lhs, rhs, domains, rng):
            try:
                d = compare_constants(lhs.xreplace(point), rhs.xreplace(point), timeout=None)
            except ValueError:
                continue
            if d.verdict == "different" and d.level == "proved":
                shown = {str(k): str(v) for k, v in point.items()}
                at = ", ".join(f"{k} = {v}" for k, v in shown.items())
                detail = f"(a kink of a piecewise part): {d.detail}"
                smaller = _shrink_scalar(lhs, rhs, domains, shown)
                if smaller is not None:
                    first = at
                    shown, detail = smaller
                    at = ", ".join(f"{k} = {v}" for k, v in shown.items())
                    detail = f"{detail} (shrunk from a first counterexample at {first})"
                return _rejected(f"counterexample at {at} {detail}", shown)
        if _symbolic(lhs, rhs) == "zero":
            return _cert(
                True, Method.SYMBOLIC, f"the difference simplifies to 0; {where}", Level.PROVED
            )
    if dec.verdict == "equal":
        method = {"proved": Method.SYMBOLIC, "checked": Method.EXACT_INSTANTIATION}.get(
            str(dec.level), Method.RIGOROUS_ENCLOSURE
        )
        return _cert(True, method, where, dec.level)
    if dec.verdict == "different":
        point = dict(dec.witness or {})
        strength: Level | str = dec.level or Level.EVIDENCE
        smaller = _shrink_scalar(lhs, rhs, domains, point)
        if smaller is not None:
            first = ", ".join(f"{k} = {v}" for k, v in point.items())
            point, detail = smaller
            where = f"{detail} (shrunk from a first counterexample at {first})"
            strength = Level.PROVED
        return _rejected(
            f"counterexample at {', '.join(f'{k} = {v}' for k, v in point.items())}: {where}",
            point or None,
            strength,
        )
    if dec.method == "domain":
        return _vacuous(f"the assumptions cannot hold: {dec.detail}")
    return _unverified(where)


def _shrink_scalar(
    lhs: Basic, rhs: Basic, domains: Domains, witness: Mapping[str, str]
) -> tuple[dict[str, str], str] | None:
    """A scalar counterexample lighter than ``witness`` (fewer characters): the first point of
    small values (:data:`gdflow.derive.instances.SMALL_SCALARS`, the first six that each
    symbol's set and facts admit, simplest combinations first) at which
    ``gdflow.derive.decide.compare_constants`` *proves* the sides different, both finite, as
    ``(point, detail)``; None when none is within :data:`SHRINK_BUDGET` points and
    ``_SHRINK_SECONDS``."""
    from .decide import admissible_set, compare_constants
    from .instances import SMALL_SCALARS

    syms = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    if not syms or not witness:
        return None
    options: list[list[Basic]] = []
    for x in syms:
        allowed = admissible_set(x, domains.get(x, (None, None))[0])
        fits = [
            v
            for v in SMALL_SCALARS
            if allowed.contains(v) is sp.true
            and facts_hold(x, v)
            and (not x.is_integer or v.is_integer)
        ][:6]
        if not fits:
            return None
        options.append(fits)
    heavy = sum(len(str(v)) for v in witness.values())
    combos = sorted(itertools.product(*(range(len(o)) for o in options)), key=lambda c: (sum(c), c))
    left = remaining()
    bound = _SHRINK_SECONDS if left is None else min(_SHRINK_SECONDS, left / 2)
    if bound <= 0.01:
        return None
    try:
        with deadline(bound):
            for combo in combos[:SHRINK_BUDGET]:
                point = {x: options[i][j] for i, (x, j) in enumerate(zip(syms, combo, strict=True))}
                if sum(len(str(v)) for v in point.values()) >= heavy:
                    continue
                a, b = lhs.xreplace(point), rhs.xreplace(point)
                if any(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo) for e in (a, b)):
                    continue
                try:
                    d = compare_constants(a, b, timeout=None)
                except ValueError:
                    continue
                if d.verdict == "different" and d.level == "proved":
                    return {str(k): str(v) for k, v in point.items()}, f"{d.method}: {d.detail}"
    except OutOfTime:
        return None
    return None


def _kink_points(
    lhs: Basic, rhs: Basic, domains: Domains, rng: random.Random
) -> list[dict[Basic, Basic]]:
    """Points between and beside the constant boundaries of the relations inside the claim
    (a piecewise part switches there), one symbol at a time, the others drawn."""
    from .decide import admissible_set, draw_scalar

    syms = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
    rels = [r.lhs - r.rhs for e in (lhs, rhs) for r in e.atoms(sp.Rel)]
    spikes = [d.args[0] - d.args[1] for e in (lhs, rhs) for d in e.atoms(sp.KroneckerDelta)]
    if not (rels or spikes) or not syms:
        return []
    cuts: dict[Basic, set[Basic]] = defaultdict(set)
    at: dict[Basic, set[Basic]] = defaultdict(set)  # a Kronecker delta is 1 only at its point
    for kind, exprs in ((cuts, rels), (at, spikes)):
        for f in exprs:
            for x in syms:
                try:
                    for v in sp.solve(f, x):
                        if v.is_number and v.is_real:
                            kind[x].add(sp.nsimplify(v))
                except Exception:  # noqa: BLE001
                    continue
    points = []
    for x in sorted(set(cuts) | set(at), key=str):
        ordered = sorted(cuts.get(x, ()))
        candidates = sorted(at.get(x, ()))
        if ordered:
            candidates += [(a + b) / 2 for a, b in zip(ordered, ordered[1:], strict=False)]
            candidates += [ordered[0] - sp.Rational(1, 7), ordered[-1] + sp.Rational(1, 7)]
        allowed = admissible_set(x, domains.get(x, (None, None))[0])
        for c in candidates:
            if (
                allowed.contains(c) is not sp.true
                or (x.is_integer and not c.is_integer)
                or not facts_hold(x, c)
            ):
                continue
            for _ in range(3):
                point = {}
                try:
                    for y in syms:
                        point[y] = (
                            c if y == x else draw_scalar(rng, y, domains.get(y, (None, None))[0])
                        )
                except ValueError:
                    break
                points.append(point)
    return points[:60]


def _weight(inst: Instance) -> tuple[int, int, int]:
    """How hard an instance is to check by hand: its largest size, the sum of its sizes, the
    number of characters of its values."""
    sizes = [int(v) for v in inst.sizes.values()]
    return max(sizes, default=0), sum(sizes), sum(len(_short(v)) for v in inst.subs.values())


def _shrink(
    exprs: list[Basic],
    assume: Assumptions,
    found: Instance,
    refutes: Callable[[Instance], str | None],
) -> tuple[Instance, str] | None:
    """A smaller counterexample than ``found``: the first of
    :func:`gdflow.derive.instances.small_instances` (sizes from 1 up to ``found``'s, entries in
    {0, +-1, +-2} and their products, small scalars; every assumption met) that is lighter
    (:func:`_weight`) and at which ``refutes`` (the engine's own exact decision, re-run) gives
    a reason, as ``(instance, reason)``; None when none is found within
    :data:`SHRINK_BUDGET` draws and ``_SHRINK_SECONDS``.  Seeded from the claim alone, so the
    same claim shrinks to the same instance."""
    rng = random.Random(_seed("shrink", *exprs))
    left = remaining()
    bound = _SHRINK_SECONDS if left is None else min(_SHRINK_SECONDS, left / 2)
    if bound <= 0.01:
        return None
    heavy = _weight(found)
    try:
        with deadline(bound):
            for inst in small_instances(
                exprs,
                conditions=_conditions(assume),
                matrices=dict(assume.matrices),
                definitions=dict(assume.definitions),
                rng=rng,
                below=found.sizes,
                budget=SHRINK_BUDGET,
            ):
                if _weight(inst) >= heavy:
                    continue
                why = refutes(inst)
                if why is not None:
                    return inst, why
    except OutOfTime:
        return None
    return None


def _shrunk_from(found: Instance) -> str:
    sizes = ", ".join(f"{k} = {v}" for k, v in found.sizes.items())
    return f" (shrunk from a first counterexample{' at ' + sizes if sizes else ''})"


def _differs(lhs: Basic, rhs: Basic, undefined: bool) -> Callable[[Instance], str | None]:
    """The refutation test of :func:`_at_instances` at one instance: the detail of a rigorous
    difference (``compare``) of the same kind as the first one (a side undefined or not)."""

    def test(inst: Instance) -> str | None:
        try:
            outcome = compare(lhs.xreplace(inst.subs), rhs.xreplace(inst.subs))
        except OutOfTime:
            raise
        except Exception:  # noqa: BLE001 - an instance that cannot be decided refutes nothing
            return None
        if outcome.verdict != "different" or ("undefined" in outcome.detail) != undefined:
            return None
        return outcome.detail

    return test


def _at_instances(
    lhs: Basic, rhs: Basic, assume: Assumptions, rng: random.Random, count: int, symbolic_zero: bool
) -> Certificate:
    exact: list[str] = []
    numeric: list[str] = []
    skipped: list[str] = []
    missing: list[str] = []
    used: list[Instance] = []
    for inst, where in _draw([lhs, rhs], assume, rng, count):
        if inst is None:
            missing.append(where)
            continue
        try:
            outcome = compare(lhs.xreplace(inst.subs), rhs.xreplace(inst.subs))
        except sp.ShapeError as exc:
            return _rejected(
                f"shapes do not match at {_describe(inst.subs)}: {exc}", _plain(inst.subs)
            )
        except (
            Undefined,
            Undecided,
            ValueError,
            TypeError,
            NotImplementedError,
            ZeroDivisionError,
        ) as exc:
            skipped.append(f"{where}: {exc}")
            continue
        if outcome.verdict == "different":
            detail, note = outcome.detail, ""
            smaller = _shrink(
                [lhs, rhs], assume, inst, _differs(lhs, rhs, "undefined" in outcome.detail)
            )
            if smaller is not None:
                (first, inst), detail = (inst, smaller[0]), smaller[1]
                note = _shrunk_from(first)
            return _rejected(
                f"counterexample at {_describe(inst.subs)}: {detail}{note}",
                _plain(inst.subs),
                Level.PROVED,
            )
        if outcome.verdict == "undecided":
            skipped.append(f"{where}: {outcome.detail}")
            continue
        (exact if outcome.exact else numeric).append(where)
        used.append(inst)
    decided = len(exact) + len(numeric)
    if decided == 0:
        why = _vacuous_reason(assume)
        if why and not skipped:
            return _vacuous(f"the assumptions cannot hold: {why}")
        reason = skipped[0] if skipped else (missing[0] if missing else "no instance")
        return _unverified(f"no admissible instance could be decided ({reason})")
    if skipped:
        return _unverified(
            f"{len(skipped)} instance(s) could not be decided, which blocks certification: "
            f"{skipped[0]}"
        )
    if decided < 3:
        return _unverified(
            f"only {decided} admissible instance(s) could be drawn "
            f"({missing[0] if missing else ''})"
        )
    where = "; ".join(sorted(set(exact + numeric)))
    sizes = _sizes_of(used)
    if symbolic_zero:
        return _cert(
            True,
            Method.SYMBOLIC,
            f"the difference simplifies to 0, confirmed at {decided} instances ({where})",
            Level.PROVED,
            sizes=sizes,
        )
    if not numeric and not (lhs.free_symbols | rhs.free_symbols):
        # nothing was instantiated: the one instance is the claim itself, decided exactly
        return _cert(
            True,
            Method.EXACT_INSTANTIATION,
            "exact evaluation: the claim has no free symbols and both sides are the same exact "
            "value",
            Level.PROVED,
        )
    if not numeric:
        return _cert(
            True,
            Method.EXACT_INSTANTIATION,
            f"exact agreement at {decided} instances: {where}",
            Level.CHECKED,
            sizes=sizes,
        )
    return _cert(
        True,
        Method.RIGOROUS_ENCLOSURE,
        f"{len(exact)} exact and {len(numeric)} ball agreements (no exact value there): {where}",
        Level.EVIDENCE,
        sizes=sizes,
    )


# -- conditions ---------------------------------------------------------------------------------


def _fact_domain(var: Basic) -> sp.Set:
    if var.is_positive:
        return sp.Interval.open(0, sp.oo)
    if var.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if var.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if var.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.S.Reals


def _as_set(cond: Basic, var: Basic) -> sp.Set:
    if cond is sp.true:
        return sp.S.Reals
    if cond is sp.false:
        return sp.S.EmptySet
    plain = sp.Dummy(real=True)
    return cond.xreplace({var: plain}).as_set().xreplace({plain: var})


def _has_integer(s: sp.Set) -> bool | None:
    """Whether the real set ``s`` (a union of intervals and points) contains an integer."""
    if s is sp.S.EmptySet:
        return False
    pieces = list(s.args) if isinstance(s, sp.Union) else [s]
    unknown = False
    for p in pieces:
        if isinstance(p, sp.FiniteSet):
            if any(x.is_integer for x in p):
                return True
            continue
        if not isinstance(p, sp.Interval):
            unknown = True
            continue
        lo = sp.ceiling(p.start) if p.start != -sp.oo else None
        hi = sp.floor(p.end) if p.end != sp.oo else None
        if lo is None or hi is None:
            return True
        if p.left_open and lo == p.start:
            lo += 1
        if p.right_open and hi == p.end:
            hi -= 1
        if lo <= hi:
            return True
    return None if unknown else False


def _a_point(s: sp.Set, integer: bool) -> Basic | None:
    pieces = list(s.args) if isinstance(s, sp.Union) else [s]
    for p in pieces:
        if isinstance(p, sp.FiniteSet):
            for x in p:
                if not integer or x.is_integer:
                    return x
        if isinstance(p, sp.Interval):
            lo, hi = p.start, p.end
            if integer:
                c = sp.ceiling(lo) if lo != -sp.oo else (sp.floor(hi) if hi != sp.oo else 0)
                if p.left_open and c == lo:
                    c += 1
                if c in p:
                    return c
                continue
            if lo == -sp.oo and hi == sp.oo:
                return sp.Integer(0)
            if lo == -sp.oo:
                return hi - 1
            if hi == sp.oo:
                return lo + 1
            return (lo + hi) / 2
    return None


def _set_difference(
    left: Basic, right: Basic | None, var: Basic, dom: sp.Set
) -> tuple[str, object]:
    """Compare {var in dom: left} with {var in dom: right} (right None: all of dom).
    ``("same", set)``, ``("differ", point)``, ``("empty", None)`` or ``("unknown", why)``."""
    integer = bool(var.is_integer)
    if dom is sp.S.EmptySet or (integer and _has_integer(dom) is False):
        return "empty", None
    ls = _as_set(left, var).intersect(dom)
    rs = dom if right is None else _as_set(right, var).intersect(dom)
    diff = sp.Union(sp.Complement(ls, rs), sp.Complement(rs, ls))
    if integer:
        has = _has_integer(diff)
        if has is False:
            return "same", ls
        if has:
            return "differ", _a_point(diff, True)
        return "unknown", f"cannot tell whether {diff} holds an integer"
    if diff is sp.S.EmptySet or diff.is_empty is True:
        return "same", ls
    if diff.is_empty is False:
        return "differ", _a_point(diff, False)
    return "unknown", f"cannot decide whether {diff} is empty"


def _var_domain(var: Basic, conds: list[Basic]) -> sp.Set | None:
    dom = _fact_domain(var)
    for c in conds:
        if c.free_symbols - {var}:
            return None
        dom = dom.intersect(_as_set(c, var))
    return dom


def _degenerate(exprs: list[Basic], var: Basic, params: list[Basic]) -> list[tuple[Basic, Basic]]:
    """``(parameter, value)`` pairs where a coefficient of ``var`` in one of the relations
    vanishes or a denominator does: where solving for ``var`` with symbolic parameters would
    have divided by zero.  A value may depend on the other parameters (``a = b`` where
    ``(a - b)^2`` vanishes): such a set of parameters has measure zero, so drawn instances miss
    it, and a strict inequality can fail exactly there."""
    out: set[tuple[Basic, Basic]] = set()
    for e in exprs:
        for rel in e.atoms(sp.Rel):
            num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
            pieces = [den]
            try:
                pieces += sp.Poly(num, var).coeffs()
            except Exception:  # noqa: BLE001 - not polynomial in var
                pieces.append(num)
            for c in pieces:
                for p in params:
                    if c.has(p):
                        try:
                            for v in sp.solve(c, p):
                                if v.is_number and v.is_real:
                                    out.add((p, v))
                                elif not v.has(var) and v.free_symbols <= set(params) - {p}:
                                    out.add((p, v))
                        except Exception:  # noqa: BLE001
                            continue
    return sorted(out, key=str)


def _side_value(side: Basic) -> Basic:
    value = explicit(side)
    if isinstance(value, sp.MatrixBase):
        if value.shape != (1, 1):
            raise TypeError(f"a {value.shape[0]}x{value.shape[1]} matrix in a condition")
        value = value[0, 0]
    return value


def _decide_matrix_condition(
    cond: Basic, assume: Assumptions, rng: random.Random, count: int
) -> Certificate:
    """A condition on matrices (``tr(w^T A w) >= 0`` for PSD ``A``) decided exactly at drawn
    instances of every symbol, and at the instances where one matrix or vector is zero (a
    strict inequality such as ``w^T A w > 0`` fails there, on a set no draw meets): *checked*
    at best, never *proved*."""
    rels = list(cond.atoms(sp.Rel))
    if not rels:
        return _unverified("no relation to decide in the condition")
    draws = [inst for inst, _ in _draw([cond], assume, rng, count) if inst is not None]

    def decided(expr: Basic, inst: Instance) -> bool | None:
        value = expr.xreplace(
            {
                r: r.func(
                    _side_value(r.lhs.xreplace(inst.subs)),
                    _side_value(r.rhs.xreplace(inst.subs)),
                )
                for r in expr.atoms(sp.Rel)
            }
        )
        return decide_condition(value)

    def admissible(inst: Instance) -> bool:
        try:
            return all(decided(c, inst) is True for c in _conditions(assume))
        except Exception:  # noqa: BLE001 - an assumption that cannot be decided: not admissible
            return False

    zeros = []
    for inst in draws[:2]:
        for m in sorted(inst.subs, key=str):
            v = inst.subs[m]
            if isinstance(m, sp.MatrixSymbol) and isinstance(v, sp.MatrixBase) and any(v):
                if m in assume.matrices:  # a zero matrix may leave its stratum (pd)
                    continue
                subs = dict(inst.subs)
                subs[m] = sp.zeros(*v.shape)
                zero = Instance(subs, dict(inst.strata), dict(inst.sizes))
                if admissible(zero):  # every assumption still holds with the zero
                    zeros.append(zero)

    def verdict_at(inst: Instance) -> bool | None:
        return decided(cond, inst)

    def fails(inst: Instance) -> str | None:
        try:
            return "" if verdict_at(inst) is False else None
        except OutOfTime:
            raise
        except Exception:  # noqa: BLE001 - an instance that cannot be decided refutes nothing
            return None

    checked = []
    for inst in zeros + draws:
        try:
            verdict = verdict_at(inst)
        except Exception as exc:  # noqa: BLE001
            if inst in zeros:
                continue
            return _unverified(f"cannot evaluate at {_describe(inst.subs)}: {type(exc).__name__}")
        if verdict is False:
            note = ""
            smaller = _shrink([cond], assume, inst, fails)
            if smaller is not None:
                first, inst = inst, smaller[0]
                note = _shrunk_from(first)
            return _rejected(f"fails at {_describe(inst.subs)}{note}", _plain(inst.subs))
        if verdict is not True:
            if inst in zeros:
                continue
            return _unverified(f"cannot decide at {_describe(inst.subs)}")
        checked.append(inst)
    if not checked:
        return _unverified("no admissible instance could be drawn")
    return _cert(
        True,
        Method.EXACT_INSTANTIATION,
        f"holds at {len(checked)} exact instances",
        Level.CHECKED,
        sizes=_sizes_of(checked),
    )


def _critical_counterexample(cond: Basic, conds: list[Basic]) -> dict[Basic, Basic] | None:
    """An admissible point where ``cond`` is false, among the critical points of ``lhs - rhs``
    of its strict relations.

    A strict polynomial inequality ``D > 0`` can fail on a set of measure zero (``D`` = 0 at
    ``a = b = c = 0`` for ``a^2 + b^2 + c^2``) that no drawn instance meets; where ``D`` attains
    its minimum it is critical, so the real critical points are where to look.  Only small
    polynomial systems are tried (at most 4 symbols, degree at most 6); the caller's time
    bound applies."""
    for rel in cond.atoms(sp.StrictGreaterThan, sp.StrictLessThan, sp.Unequality):
        diff = sp.expand(rel.lhs - rel.rhs)
        syms = sorted(diff.free_symbols, key=str)
        if not syms or len(syms) > 4:
            continue
        try:
            poly = sp.Poly(diff, *syms)
        except sp.PolynomialError:
            continue
        if poly.total_degree() > 6 or poly.total_degree() < 2:
            continue
        try:
            solutions = sp.solve([sp.diff(diff, x) for x in syms], syms, dict=True)
        except Exception:  # noqa: BLE001 - no decision here; the drawn instances still run
            continue
        for sol in solutions[:20]:
            if set(sol) != set(syms) or not all(v.is_number and v.is_real for v in sol.values()):
                continue
            if not all(facts_hold(x, v) for x, v in sol.items() if isinstance(x, sp.Symbol)):
                continue
            if not all(decide_condition(c.xreplace(sol)) is True for c in conds):
                continue
            if cond.xreplace(sol) is sp.false:
                return dict(sol)
    return None


def _decide_sets(
    left: Basic,
    right: Basic | None,
    var: Basic,
    assume: Assumptions,
    rng: random.Random,
    count: int,
) -> Certificate:
    """``Holds`` (right None: left holds wherever the assumptions do) or ``Equivalent``."""
    left = assume.substitute(left)
    right = None if right is None else assume.substitute(right)
    conds = _conditions(assume)
    exprs = [left] + ([right] if right is not None else [])
    params = sorted(
        set().union(*(e.free_symbols for e in exprs), *(c.free_symbols for c in conds)) - {var},
        key=str,
    )
    what = "both describe" if right is not None else "holds on all of"
    if not params:
        dom = _var_domain(var, conds)
        if dom is not None:
            try:
                status, info = _set_difference(left, right, var, dom)
            except Exception as exc:  # noqa: BLE001
                status, info = "unknown", f"{type(exc).__name__}: {exc}"
            if status == "empty":
                return _vacuous(f"no admissible {var}: the assumptions leave the empty set")
            if status == "same":
                return _cert(True, Method.SYMBOLIC, f"{what} {info}", Level.PROVED)
            if status == "differ":
                return _rejected(f"fails at {var} = {info}", {str(var): str(info)})
            return _unverified(f"no decision: {info}")
    # parameters: decide the set of var at every drawn instance of the parameters, including
    # their degenerate values
    var_conds = [c for c in conds if var in c.free_symbols]
    checked, skipped, used = [], [], []
    draws = list(_draw(exprs + var_conds, assume, rng, count, exclude={var}))
    insts = [inst for inst, _ in draws if inst is not None]
    extra: list[Instance] = []
    soft: list[Instance] = []
    for p, v in _degenerate(exprs + var_conds, var, params):
        for inst in insts[:2]:
            subs = dict(inst.subs)
            value = v.xreplace(subs)
            if not (value.is_number and value.is_real):
                continue
            subs[p] = value
            if isinstance(p, sp.Symbol) and not facts_hold(p, value):
                continue
            if all(decide_condition(c.xreplace(subs)) is True for c in conds if not c.has(var)):
                (extra if v.is_number else soft).append(
                    Instance(subs, dict(inst.strata), dict(inst.sizes))
                )
                break
    if right is None:
        point = _critical_counterexample(left, conds)
        if point is not None:
            return _rejected(f"fails at {_describe(point)}", _plain(point))
    # instances on a parameter relation (a = b): a failure there rejects; an undecided one
    # does not block the drawn instances' verdict
    for inst in soft:
        subs = {s: v for s, v in inst.subs.items() if s != var}
        try:
            dom = _var_domain(var, [c.xreplace(subs) for c in var_conds])
            if dom is None:
                continue
            status, info = _set_difference(
                left.xreplace(subs), None if right is None else right.xreplace(subs), var, dom
            )
        except Exception:  # noqa: BLE001
            continue
        if status == "differ":
            point = {**subs, var: info}
            return _rejected(f"fails at {_describe(point)}", _plain(point))
    for inst in insts + extra:
        subs = {s: v for s, v in inst.subs.items() if s != var}
        try:
            dom = _var_domain(var, [c.xreplace(subs) for c in var_conds])
            if dom is None:
                skipped.append(_describe(subs))
                continue
            status, info = _set_difference(
                left.xreplace(subs), None if right is None else right.xreplace(subs), var, dom
            )
        except Exception as exc:  # noqa: BLE001
            skipped.append(f"{_describe(subs)}: {type(exc).__name__}")
            continue
        if status == "differ":
            point = {**subs, var: info}
            return _rejected(f"fails at {_describe(point)}", _plain(point))
        if status == "unknown":
            skipped.append(f"{_describe(subs)}: {info}")
        elif status == "same":
            checked.append(subs)
            used.append(inst)
    if skipped:
        return _unverified(f"the set in {var} could not be decided at {skipped[0]}")
    if not checked:
        why = _vacuous_reason(assume)
        if why:
            return _vacuous(f"the assumptions cannot hold: {why}")
        return _unverified("no admissible instance of the parameters could be drawn")
    degenerate = f", {len(extra)} of them at degenerate values" if extra else ""
    return _cert(
        True,
        Method.EXACT_INSTANTIATION,
        f"{what} the same set of {var} at {len(checked)} exact instances of "
        f"{', '.join(map(str, params))}{degenerate}",
        Level.CHECKED,
        sizes=_sizes_of(used),
    )


def _condition_var(cond: Basic, assume: Assumptions) -> Basic | None:
    free = sorted(assume.substitute(cond).free_symbols, key=str)
    if not free:
        return None
    # the variable: a symbol that the relations are polynomial in, preferring the last one
    return free[-1]


# -- induction -------------------------------------------------------------------------------------


def _decide_recurrence(
    claim: Recurrence, assume: Assumptions, rng: random.Random, count: int
) -> Certificate:
    index = claim.index
    solution = _prepare(claim.solution, assume)
    initial = _prepare(claim.initial, assume)
    base = _decide_identity(solution.xreplace({index: sp.Integer(0)}), initial, assume, rng, count)
    kk = sp.Dummy(str(index), integer=True, nonnegative=True)
    at = solution.xreplace({index: kk})
    step_lhs = solution.xreplace({index: kk + 1})
    step_rhs = _prepare(claim.update(at, kk), assume)
    free_index = _drop_index(assume, index)
    step = _decide_identity(step_lhs, step_rhs, free_index, rng, count)
    if step.ok:  # the first steps explicitly: 0 -> 1 is where an index "from 1" hides a gap
        for first in range(3):
            at_first = _decide_identity(
                step_lhs.xreplace({kk: first}),
                step_rhs.xreplace({kk: first}),
                free_index,
                rng,
                count,
            )
            if at_first.method is Method.REJECTED or not at_first.ok:
                step = (
                    at_first
                    if at_first.method is Method.REJECTED
                    else _unverified(f"the step {first} -> {first + 1}: {at_first}")
                )
                break
    detail = (
        f"base case (index 0): {base}; inductive step (from every index >= 0, "
        f"and {{0, 1, 2}} -> next explicitly): {step}"
    )
    if base.ok and step.ok:
        level = Level.weakest(base.level or Level.EVIDENCE, step.level or Level.EVIDENCE)
        sizes = {
            k: tuple(
                sorted(set((base.sizes or {}).get(k, ())) | set((step.sizes or {}).get(k, ())))
            )
            for k in {*(base.sizes or {}), *(step.sizes or {})}
        }
        return _cert(True, Method.INDUCTION, detail, level, sizes=dict(sorted(sizes.items())))
    if Method.REJECTED in (base.method, step.method):
        bad = base if base.method is Method.REJECTED else step
        return _rejected(detail, bad.counterexample, bad.level or Level.PROVED)
    return _unverified(detail)


def _drop_index(assume: Assumptions, index: Basic) -> Assumptions:
    """The assumptions without the conditions on the recurrence index: the step is checked
    from index 0 whatever range the derivation states for it."""
    return Assumptions(
        conditions=tuple(c for c in assume.conditions if index not in c.free_symbols),
        matrices=assume.matrices,
        definitions=assume.definitions,
        sizes=assume.sizes,
        text=assume.text,
    )


# -- refutations -------------------------------------------------------------------------------


def _decide_refuted(
    claim: Refuted, assume: Assumptions, rng: random.Random, count: int
) -> Certificate:
    lhs, rhs = _zero_like(_prepare(claim.lhs, assume), _prepare(claim.rhs, assume))
    bad = _shape_mismatch(lhs, rhs)
    if bad:
        return _unverified(f"the refuted equation is not well formed: {bad}")
    if _symbolic(lhs, rhs) == "zero":
        return _rejected("claimed false, but the two sides are symbolically equal")
    domains = None if _is_matrix(lhs) else _scalar_domains(lhs, rhs, assume)
    if domains is not None:
        cert = _by_scalar_core(lhs, rhs, domains, rng, max(count, 12))
    else:
        cert = _at_instances(lhs, rhs, assume, rng, max(count, 12), False)
    # an empty counterexample: the claim has no free symbols, the rejection is the claim itself
    if (
        cert.method is Method.REJECTED
        and cert.counterexample is not None
        and (cert.counterexample or not (lhs.free_symbols | rhs.free_symbols))
        and cert.level is Level.PROVED
    ):
        return _cert(True, Method.COUNTEREXAMPLE, cert.detail, Level.PROVED, cert.counterexample)
    if cert.ok:
        return _rejected(f"claimed false, but {cert.detail}", level=cert.level)
    return _unverified(f"no counterexample found ({cert.detail})")


# -- dispatch --------------------------------------------------------------------------------


class _Decider:
    """The engine as a :class:`~gdflow.derive.derivation.ClaimVisitor`: one method per claim
    kind, each returning the claim's certificate under ``assume``."""

    def __init__(self, assume: Assumptions, rng: random.Random, count: int) -> None:
        self.assume = assume
        self.rng = rng
        self.count = count

    def definition(self, claim: Definition) -> Certificate:
        return _cert(True, Method.DEFINITION, "stated, not proved", Level.STATED)

    def identity(self, claim: Identity) -> Certificate:
        if claim.lhs == claim.rhs:
            return _unverified(
                "both sides are the same expression as built, so the printed step states "
                "nothing (SymPy probably evaluated it on construction: keep the parts as "
                "symbols with definitions)"
            )
        return _decide_identity(claim.lhs, claim.rhs, self.assume, self.rng, self.count)

    def holds(self, claim: Holds) -> Certificate:
        cond = self.assume.substitute(claim.condition)
        if cond is sp.true:
            return _cert(True, Method.SYMBOLIC, "the condition is identically true", Level.PROVED)
        if cond is sp.false:
            return _rejected("the condition is identically false")
        if any(isinstance(x, sp.MatrixSymbol) for x in cond.free_symbols):
            return _decide_matrix_condition(cond, self.assume, self.rng, self.count)
        var = _condition_var(cond, self.assume)
        if var is None:
            verdict = decide_condition(cond)
            if verdict is True:
                return _cert(True, Method.SYMBOLIC, "a true statement about numbers", Level.PROVED)
            if verdict is False:
                return _rejected("a false statement about numbers")
            return _unverified("cannot decide the numeric statement")
        return _decide_sets(cond, None, var, self.assume, self.rng, self.count)

    def equivalent(self, claim: Equivalent) -> Certificate:
        return _decide_sets(claim.left, claim.right, claim.var, self.assume, self.rng, self.count)

    def recurrence(self, claim: Recurrence) -> Certificate:
        return _decide_recurrence(claim, self.assume, self.rng, self.count)

    def refuted(self, claim: Refuted) -> Certificate:
        return _decide_refuted(claim, self.assume, self.rng, self.count)


def verify_claim(
    claim: Claim,
    assume: Assumptions,
    *,
    seed: int = 0,
    instances: int = DEFAULT_INSTANCES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Certificate:
    """Decide one claim under ``assume`` within ``timeout`` seconds; return its certificate
    (never raises on a bad claim; ``TypeError`` for what is not a claim).  Instances are
    seeded from ``seed`` and the claim itself (:meth:`~gdflow.derive.derivation.Claim.key`)."""
    if not isinstance(claim, Claim):
        raise TypeError(f"not a claim: {type(claim).__name__}")
    rng = random.Random(_seed(seed, *claim.key(), *assume.conditions))
    try:
        with deadline(timeout):
            return _decide(claim, assume, rng, instances)
    except OutOfTime as exc:
        return _unverified(f"out of time: no decision within {exc.seconds:g} s")
    except RecursionError:
        return _unverified("the checker failed: the expression is nested too deeply")


def _decide(claim: Claim, assume: Assumptions, rng: random.Random, count: int) -> Certificate:
    try:
        return claim.accept(_Decider(assume, rng, count))
    except OutOfTime:
        raise
    except Exception as exc:  # noqa: BLE001 - a claim that crashes the checker is not verified
        return _unverified(f"the checker failed: {type(exc).__name__}: {exc}")


# -- derivations ---------------------------------------------------------------------------------


def _symbols(obj: object) -> set[Basic]:
    """Every symbol of ``obj``, bound ones too (the t of d/dt, the variable of a limit)."""
    out: set[Basic] = set()
    if isinstance(obj, Basic):
        out |= obj.atoms(sp.Symbol) | obj.atoms(sp.MatrixSymbol)
        out |= {
            f
            for f in obj.atoms(sp.Function)
            if isinstance(f.func, sp.core.function.UndefinedFunction)
        }
    return out


def _claim_symbols(claim: Claim) -> set[Basic]:
    out: set[Basic] = set()
    for value in claim.parts():
        out |= _symbols(value)
    return out


def _look_alikes(derivation: Derivation) -> dict[str, set[Basic]]:
    """Distinct symbols that print the same: ``{printed name: objects}``.  Scalars clash across
    the whole derivation (a ``Symbol('t')`` beside the package's nonnegative t); matrices of
    the same name and different shapes clash within one step (a letter may name an n x n
    matrix in one step and an m x n one in another, as the sources do)."""
    derivation_wide: dict[tuple[str, str], set[Basic]] = defaultdict(set)
    clashes: dict[str, set[Basic]] = defaultdict(set)
    for step in derivation.all_steps:
        a = derivation.assumptions.merged(step.given)
        here: set[Basic] = set(_claim_symbols(step.claim))
        frontier = set(here)
        while frontier:  # what the claim uses: its symbols and those of their definitions
            new: set[Basic] = set()
            for sym in frontier:
                if sym in a.definitions:
                    new |= _symbols(a.definitions[sym])
            frontier = new - here
            here |= new
        for c in a.conditions:
            if _symbols(c) & here:
                here |= _symbols(c)
        in_step: dict[tuple[str, str], set[Basic]] = defaultdict(set)
        for s in here:
            if isinstance(s, sp.Dummy):
                continue
            kind = type(s).__name__
            in_step[(kind, str(s))].add(s)
            if not isinstance(s, sp.MatrixSymbol):
                derivation_wide[(kind, str(s))].add(s)
        for (_, name), objs in in_step.items():
            if len(objs) > 1:
                clashes[name] |= objs
    for (_, name), objs in derivation_wide.items():
        if len(objs) > 1:
            clashes[name] |= objs
    return dict(clashes)


def _definable(lhs: Basic) -> bool:
    return isinstance(lhs, (sp.Symbol, sp.MatrixSymbol)) or isinstance(
        getattr(lhs, "func", None), sp.core.function.UndefinedFunction
    )


def verify(
    derivation: Derivation,
    *,
    seed: int = 0,
    instances: int = DEFAULT_INSTANCES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Derivation:
    """Decide every step (and recorded source claim) of ``derivation``; return a certified
    copy (``dataclasses.replace``: each step carries its certificate), ``derivation`` itself
    untouched.

    Each ``Definition`` ``name := value`` is in scope for every later step (the engine
    substitutes it, so derivatives of defined symbols are derivatives of their values).  Two
    distinct symbols that print alike (a ``Symbol('t')`` beside the package's nonnegative t)
    make every step that uses either unverified.
    """
    certified = list(_certify(derivation, seed=seed, instances=instances, timeout=timeout))
    n = len(derivation.steps)
    return replace(derivation, steps=tuple(certified[:n]), source_claims=tuple(certified[n:]))


def _certify(
    derivation: Derivation, *, seed: int, instances: int, timeout: float | None
) -> Iterator[Step]:
    """Each step of ``derivation`` (then each source claim), with its certificate."""
    clashes = _look_alikes(derivation)
    clashing: set[Basic] = set().union(*clashes.values()) if clashes else set()
    scope: dict[Basic, Basic] = {}
    for i, step in enumerate(derivation.all_steps):
        assume = derivation.assumptions.merged(step.given)
        if scope:
            assume = replace(assume, definitions={**scope, **assume.definitions})
        used = _claim_symbols(step.claim)
        if used & clashing:
            names = sorted({str(s) for s in used & clashing})
            cert = _unverified(
                f"distinct symbols print alike as {', '.join(names)} (different assumptions or "
                "kinds); use the package's shared symbols (derive.notation)"
            )
        else:
            cert = verify_claim(
                step.claim, assume, seed=seed * 1000 + i, instances=instances, timeout=timeout
            )
        yield replace(step, certificate=cert)
        defined = step.claim.defines()
        if defined is not None and _definable(defined[0]):
            scope[defined[0]] = defined[1]
