"""The verification ladder: decide each claim by the strongest method that can.

For an :class:`~derive.derivation.Identity` ``lhs = rhs``:

1. **symbolic** — the difference simplifies to zero (SymPy ``simplify`` on scalars; expansion
   and ``doit`` on matrix expressions).  Symbol-level assumptions (positive, integer, ...) are
   used; relational assumptions only restrict, so an unconditional identity is still proved.
2. **exact instantiation** — every symbol is replaced by an exact random value admissible under
   the assumptions (sizes 1–4, matrices of random rank: singular and rank-deficient included),
   both sides are evaluated exactly and compared.  Agreement on every instance of a rational
   identity is a probabilistic proof (Schwartz–Zippel); a single exact disagreement is a
   *disproof* and rejects the step with the counterexample.
3. **rigorous enclosure** — where the instances are not rational (``exp``, ``sqrt``), both
   sides are evaluated in arb ball arithmetic (python-flint, 200 bits); a ball for the
   difference that excludes 0 rejects the step rigorously, a tiny ball containing 0 at every
   instance accepts it.
4. **high precision** — the same instances at 60 digits with mpmath, for what arb cannot
   evaluate.

A claim that no method decides is *unverified*; it is never passed.  Methods 3–4 accept on
numerical evidence and say so in their certificate.

Conditions (:class:`Holds`, :class:`Equivalent`) are decided as sets in one real variable
(``as_set``/``solveset``); sampling can only refute them, never prove them.
:class:`Recurrence` is proved by induction from two identities; :class:`Refuted` by an
exact admissible counterexample.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import sympy as sp
from sympy import Basic, ImmutableMatrix
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from .derivation import (
    Assumptions,
    Certificate,
    Claim,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Recurrence,
    Refuted,
)
from .matrices import TimeDerivative, is_zero_matrix, random_instance, random_rational

__all__ = ["verify", "verify_claim", "explicit", "admissible_instances", "DEFAULT_INSTANCES"]

DEFAULT_INSTANCES = 10
"""Instances tried per identity by exact instantiation (sizes and ranks vary across them)."""

_HP_DIGITS = 60
_HP_TOL = sp.Float("1e-40", 60)
_ARB_PREC = 200


class _Undecided(Exception):
    """An instance that cannot be evaluated exactly (a transcendental value, a symbol left)."""


# -- explicit evaluation of matrix expressions ----------------------------------------------


def explicit(expr: Basic) -> Basic:
    """Evaluate an expression whose symbols have all been replaced by explicit values.

    Matrix expressions become ``ImmutableMatrix``; custom nodes evaluate through their
    ``doit`` (``Pinv`` and ``MatExp`` compute the exact pseudoinverse / exponential there).
    Raises ``sympy.ShapeError`` when shapes do not match.
    """
    if isinstance(expr, sp.MatrixBase):
        return ImmutableMatrix(expr)
    if isinstance(expr, sp.Identity):
        return ImmutableMatrix(sp.eye(int(expr.rows)))
    if isinstance(expr, sp.ZeroMatrix):
        return ImmutableMatrix(sp.zeros(int(expr.rows), int(expr.cols)))
    if isinstance(expr, sp.OneMatrix):
        return ImmutableMatrix(sp.ones(int(expr.rows), int(expr.cols)))
    if isinstance(expr, sp.MatrixSymbol):
        raise _Undecided(f"matrix symbol {expr} was not instantiated")
    if not isinstance(expr, Basic) or not expr.args:
        return expr
    if isinstance(expr, MatrixElement):
        parent = explicit(expr.parent)
        return parent[int(expr.i), int(expr.j)]
    if not (isinstance(expr, MatrixExpr) or expr.has(MatrixExpr) or expr.has(sp.MatrixBase)):
        return expr
    args = [explicit(a) for a in expr.args]
    if isinstance(expr, sp.MatAdd):
        shapes = {a.shape for a in args if isinstance(a, sp.MatrixBase)}
        if len(shapes) > 1:
            raise sp.ShapeError(f"adding matrices of shapes {sorted(shapes)}")
        total = args[0]
        for a in args[1:]:
            total = total + a
        return ImmutableMatrix(total)
    if isinstance(expr, sp.MatMul):
        out = sp.Integer(1)
        for a in args:
            out = out * a
        return ImmutableMatrix(out) if isinstance(out, sp.MatrixBase) else out
    if isinstance(expr, sp.MatPow):
        base, exponent = args
        if not (exponent.is_Integer):
            raise _Undecided(f"matrix power with exponent {exponent}")
        if exponent < 0:
            return ImmutableMatrix(sp.Matrix(base).inv() ** (-int(exponent)))
        return ImmutableMatrix(sp.Matrix(base) ** int(exponent))
    if isinstance(expr, sp.Transpose):
        return ImmutableMatrix(args[0].T)
    if isinstance(expr, sp.Inverse):
        return ImmutableMatrix(sp.Matrix(args[0]).inv())
    # custom nodes (Pinv, MatExp) evaluate explicit arguments in their own doit()
    node = expr.func(*args)
    evaluated = node.doit() if hasattr(node, "doit") else node
    if isinstance(evaluated, MatrixExpr) and not isinstance(evaluated, sp.MatrixBase):
        if evaluated == expr:
            raise _Undecided(f"cannot evaluate {type(expr).__name__} explicitly")
        return explicit(evaluated)
    return evaluated


# -- admissible instances ----------------------------------------------------------------------


def _size_symbols(exprs: Iterable[Basic]) -> set[Basic]:
    sizes: set[Basic] = set()
    for e in exprs:
        for m in e.atoms(sp.MatrixSymbol):
            for d in m.shape:
                sizes |= sp.sympify(d).free_symbols
        for m in e.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix):
            for d in m.shape:
                sizes |= sp.sympify(d).free_symbols
    return sizes


def _draw_scalar(rng: random.Random, s: Basic) -> Basic:
    if s.is_integer:
        if s.is_positive:
            return sp.Integer(rng.randint(1, 6))
        if s.is_nonnegative:
            return sp.Integer(rng.randint(0, 6))
        return sp.Integer(rng.randint(-5, 5))
    if s.is_positive:
        return random_rational(rng, 0, 3, 5) or sp.Rational(1, 5)
    if s.is_nonnegative:
        return sp.Integer(0) if rng.random() < 0.2 else random_rational(rng, 0, 3, 5)
    if s.is_negative:
        return -(random_rational(rng, 0, 3, 5) or sp.Rational(1, 5))
    if s.is_nonpositive:
        return sp.Integer(0) if rng.random() < 0.2 else -random_rational(rng, 0, 3, 5)
    return random_rational(rng, -3, 3, 5)


def _holds(cond: Basic, subs: dict) -> bool | None:
    value = cond.xreplace(subs) if isinstance(cond, Basic) else cond
    try:
        value = sp.simplify(value) if not isinstance(value, (sp.logic.boolalg.BooleanAtom,)) else value
    except Exception:
        return None
    if value is sp.true:
        return True
    if value is sp.false:
        return False
    return None


def admissible_instances(
    exprs: Iterable[Basic], assume: Assumptions, rng: random.Random, count: int
) -> Iterator[dict]:
    """Yield up to ``count`` substitutions of every free symbol and matrix symbol of ``exprs``
    by exact values satisfying ``assume`` (sizes cycle through ``assume.sizes`` or 1..4).

    Equality conditions ``Eq(f, g)`` are met by solving for one of their symbols; the other
    conditions by rejection (500 tries per instance at most).
    """
    exprs = [assume.substitute(e) for e in exprs]
    conditions = [assume.substitute(c) for c in assume.conditions]
    sizes = sorted(_size_symbols(exprs), key=str)
    matrices = sorted({m for e in exprs for m in e.atoms(sp.MatrixSymbol)}, key=str)
    scalars = set().union(*(e.free_symbols for e in exprs), *(c.free_symbols for c in conditions))
    scalars = sorted((s for s in scalars if s not in sizes and not isinstance(s, sp.MatrixSymbol)), key=str)
    solved_for: dict[Basic, Basic] = {}
    for c in conditions:
        if isinstance(c, sp.Eq):
            free = sorted(c.free_symbols - set(solved_for) - set(sizes), key=str)
            if free:
                target = free[-1]
                sols = sp.solve(sp.Eq(c.lhs, c.rhs), target)
                if sols:
                    solved_for[target] = sols[0]
    for i in range(count):
        for _try in range(500):
            subs: dict = {}
            for s in sizes:
                values = assume.sizes.get(s, (1, 2, 3, 4))
                subs[s] = sp.Integer(values[(i + _try) % len(values)] if len(sizes) == 1 else rng.choice(values))
            for s in scalars:
                if s not in solved_for:
                    subs[s] = _draw_scalar(rng, s)
            for s, sol in solved_for.items():
                subs[s] = sp.nsimplify(sol.xreplace(subs))
            try:
                for m in matrices:
                    rows, cols = (int(sp.sympify(d).xreplace(subs)) for d in m.shape)
                    subs[m] = random_instance(rng, assume.matrices.get(m, "any"), rows, cols)
            except ValueError:
                continue
            if all(_holds(c, subs) is True for c in conditions) and _symbol_facts_hold(subs):
                yield subs
                break


def _symbol_facts_hold(subs: dict) -> bool:
    for s, v in subs.items():
        if isinstance(s, sp.Symbol) and not isinstance(v, sp.MatrixBase):
            for fact in ("positive", "nonnegative", "integer", "negative", "nonpositive"):
                if getattr(s, f"is_{fact}") and getattr(v, f"is_{fact}") is False:
                    return False
    return True


def _describe(subs: dict) -> str:
    parts = []
    for s, v in subs.items():
        if isinstance(v, sp.MatrixBase):
            parts.append(f"{s} = {v.tolist()}")
        else:
            parts.append(f"{s} = {v}")
    return ", ".join(parts)


# -- identities ------------------------------------------------------------------------------


def _is_matrix(e: Basic) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _symbolic_zero(lhs: Basic, rhs: Basic) -> bool:
    if lhs == rhs:
        return True
    try:
        if _is_matrix(lhs):
            return is_zero_matrix(lhs - rhs)
        d = lhs - rhs
        if sp.simplify(d) == 0:
            return True
        # powers with symbolic exponents: (1 - x)^(k+1) = (1 - x)(1 - x)^k
        return sp.simplify(sp.expand(sp.expand_power_exp(d))) == 0
    except Exception:
        return False


def _shape_mismatch(lhs: Basic, rhs: Basic) -> str | None:
    if _is_matrix(lhs) != _is_matrix(rhs):
        which = "left" if _is_matrix(lhs) else "right"
        return f"the {which} side is a matrix and the other a scalar"
    if _is_matrix(lhs):
        try:
            ls, rs = lhs.shape, rhs.shape
        except Exception as exc:  # a product of incompatible shapes
            return f"shapes do not compose: {exc}"
        if any(sp.simplify(a - b) != 0 for a, b in zip(ls, rs, strict=True)):
            return f"shapes differ: {ls} and {rs}"
    return None


def _exact_compare(lv: Basic, rv: Basic) -> tuple[bool | None, list]:
    """Compare two explicit values; ``(True|False, pending)`` or ``(None, pending)`` with the
    non-rational entry pairs left for numeric methods."""
    lvals = list(lv) if isinstance(lv, sp.MatrixBase) else [lv]
    rvals = list(rv) if isinstance(rv, sp.MatrixBase) else [rv]
    pending = []
    for a, b in zip(lvals, rvals, strict=True):
        a, b = sp.sympify(a), sp.sympify(b)
        if a.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or b.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise _Undecided("not finite at this instance")
        if a.free_symbols or b.free_symbols:
            raise _Undecided(f"symbols left after instantiation: {a.free_symbols | b.free_symbols}")
        if a.is_Rational and b.is_Rational:
            if a != b:
                return False, []
        else:
            d = sp.simplify(a - b)
            if d.is_Rational:
                if d != 0:
                    return False, []
            else:
                pending.append((a, b))
    return (True if not pending else None), pending


def _arb(e: Basic):
    """Evaluate a constant SymPy expression in arb ball arithmetic (python-flint)."""
    import flint

    if e.is_Integer:
        return flint.arb(int(e))
    if e.is_Rational:
        return flint.arb(int(e.p)) / int(e.q)
    if e is sp.pi:
        return flint.arb.pi()
    if e is sp.E:
        return flint.arb(1).exp()
    if isinstance(e, sp.Add):
        out = flint.arb(0)
        for a in e.args:
            out += _arb(a)
        return out
    if isinstance(e, sp.Mul):
        out = flint.arb(1)
        for a in e.args:
            out *= _arb(a)
        return out
    if isinstance(e, sp.Pow):
        base, exp = e.args
        if exp.is_Integer:
            return _arb(base) ** int(exp)
        return _arb(base) ** _arb(exp)
    unary = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.Abs: "__abs__"}
    if e.func in unary:
        return getattr(_arb(e.args[0]), unary[e.func])()
    raise _Undecided(f"no arb evaluation for {e.func}")


def _numeric_decide(pending: list) -> tuple[str, bool, str]:
    """Decide non-rational entry pairs: arb balls first, then 60-digit mpmath."""
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = _ARB_PREC
    try:
        worst = 0.0
        for a, b in pending:
            d = _arb(a) - _arb(b)
            if not d.contains(0):
                return "rigorous enclosure", False, f"the difference is enclosed in {d}, which excludes 0"
            worst = max(worst, float(d.rad()))
        if worst < 1e-40:
            return "rigorous enclosure", True, f"difference within radius {worst:.1e} of 0"
        raise _Undecided("arb radius too large")
    except _Undecided:
        pass
    finally:
        flint.ctx.prec = old
    worst = sp.Float(0)
    for a, b in pending:
        av, bv = sp.N(a, _HP_DIGITS), sp.N(b, _HP_DIGITS)
        scale = max(sp.Float(1), abs(av), abs(bv))
        d = abs(av - bv) / scale
        if not d.is_number:
            raise _Undecided("not a number at high precision")
        if d > _HP_TOL:
            return "high precision", False, f"the sides differ by {sp.N(d, 5)} (relative) at {_HP_DIGITS} digits"
        worst = max(worst, d)
    return "high precision", True, f"relative difference <= {sp.N(worst, 3)} at {_HP_DIGITS} digits"


def _instance_ranks(subs: dict) -> set[tuple[str, str]]:
    """(matrix name, "rows x cols rank r") for each non-vector matrix of an instance."""
    return {
        (str(s), f"{v.rows}x{v.cols} r{v.rank()}")
        for s, v in subs.items()
        if isinstance(v, sp.MatrixBase) and v.cols > 1
    }


def _verify_identity(lhs: Basic, rhs: Basic, assume: Assumptions, rng: random.Random, instances: int) -> Certificate:
    lhs, rhs = assume.substitute(lhs), assume.substitute(rhs)
    bad = _shape_mismatch(lhs, rhs)
    if bad:
        return Certificate(False, "rejected", bad)
    if _symbolic_zero(lhs, rhs):
        return Certificate(True, "symbolic", "the difference simplifies to 0")
    return _instantiate(lhs, rhs, assume, rng, instances)


def _unfold(expr: Basic) -> Basic:
    """``expr`` with every :class:`~derive.matrices.TimeDerivative` differentiated (``doit``):
    the node cannot be evaluated once its variable is a number."""
    if not isinstance(expr, Basic) or not expr.has(TimeDerivative):
        return expr
    return expr.replace(lambda e: isinstance(e, TimeDerivative), lambda e: e.doit())


def _instantiate(lhs: Basic, rhs: Basic, assume: Assumptions, rng: random.Random, instances: int) -> Certificate:
    lhs, rhs = _unfold(lhs), _unfold(rhs)
    exact_ok = 0
    numeric: list[tuple[str, str]] = []
    shapes: set[tuple[str, str]] = set()
    skipped = 0
    for subs in admissible_instances([lhs, rhs], assume, rng, instances):
        try:
            lv = explicit(lhs.xreplace(subs))
            rv = explicit(rhs.xreplace(subs))
        except sp.ShapeError as exc:
            return Certificate(False, "rejected", f"shapes do not match at {_describe(subs)}: {exc}")
        except (_Undecided, ZeroDivisionError, ValueError, TypeError, NotImplementedError):
            skipped += 1
            continue
        if isinstance(lv, sp.MatrixBase) != isinstance(rv, sp.MatrixBase) or (
            isinstance(lv, sp.MatrixBase) and lv.shape != rv.shape
        ):
            return Certificate(False, "rejected", f"the sides have different shapes at {_describe(subs)}")
        try:
            same, pending = _exact_compare(lv, rv)
        except _Undecided:
            skipped += 1
            continue
        if same is False:
            return Certificate(
                False,
                "rejected",
                f"exact counterexample: {_describe(subs)} gives {_short(lv)} on the left and {_short(rv)} on the right",
                counterexample={str(k): _plain(v) for k, v in subs.items()},
            )
        if same is True:
            exact_ok += 1
        else:
            try:
                method, ok, detail = _numeric_decide(pending)
            except _Undecided:
                skipped += 1
                continue
            if not ok:
                return Certificate(False, "rejected", f"{method}: {detail} at {_describe(subs)}",
                                   counterexample={str(k): _plain(v) for k, v in subs.items()})
            numeric.append((method, detail))
        shapes |= _instance_ranks(subs)
    total = exact_ok + len(numeric)
    if total < max(3, instances // 2):
        return Certificate(False, "unverified", f"only {total} admissible instances could be evaluated ({skipped} skipped)")
    seen: dict[str, list[str]] = {}
    for name, text in sorted(shapes):
        seen.setdefault(name, []).append(text)
    where = "".join(f"; {name}: {', '.join(texts)}" for name, texts in seen.items())
    if not numeric:
        return Certificate(True, "exact instantiation", f"{exact_ok} exact admissible instances agree{where}")
    methods = sorted({m for m, _ in numeric}, key=["rigorous enclosure", "high precision"].index)
    weakest = methods[-1]
    return Certificate(True, weakest, f"{exact_ok} exact and {len(numeric)} {weakest} instances agree{where}")


def _short(v: Basic) -> str:
    return str(v.tolist()) if isinstance(v, sp.MatrixBase) else str(v)


def _plain(v: Basic):
    if isinstance(v, sp.MatrixBase):
        return [[str(x) for x in row] for row in v.tolist()]
    return str(v)


# -- conditions ------------------------------------------------------------------------------


def _domain(var: Basic, assume: Assumptions) -> sp.Set | None:
    """Admissible set of ``var`` from its symbol facts and the univariate conditions on it."""
    if var.is_positive:
        dom: sp.Set = sp.Interval.open(0, sp.oo)
    elif var.is_nonnegative:
        dom = sp.Interval(0, sp.oo)
    elif var.is_negative:
        dom = sp.Interval.open(-sp.oo, 0)
    else:
        dom = sp.S.Reals
    for c in assume.conditions:
        c = assume.substitute(c)
        if not c.free_symbols:
            continue
        if c.free_symbols != {var}:
            return None
        dom = dom.intersect(_as_set(c, var))
    return dom


def _as_set(cond: Basic, var: Basic) -> sp.Set:
    plain = sp.Dummy(real=True)
    return cond.xreplace({var: plain}).as_set().xreplace({plain: var}) if cond.free_symbols else (
        sp.S.Reals if cond is sp.true else sp.S.EmptySet
    )


def _sample_refute(conds: list[tuple[str, Basic]], assume: Assumptions, rng: random.Random, agree) -> Certificate | None:
    exprs = [c for _, c in conds]
    for subs in admissible_instances(exprs, assume, rng, 40):
        values = [_holds(c, subs) for c in exprs]
        if None in values:
            continue
        if not agree(values):
            return Certificate(False, "rejected", f"fails at {_describe(subs)}",
                               counterexample={str(k): _plain(v) for k, v in subs.items()})
    return None


def _verify_holds(cond: Basic, assume: Assumptions, rng: random.Random) -> Certificate:
    cond = assume.substitute(cond)
    if cond is sp.true:
        return Certificate(True, "symbolic", "the condition is identically true")
    free = cond.free_symbols
    if len(free) == 1:
        (var,) = free
        dom = _domain(var, assume)
        if dom is not None:
            try:
                where = _as_set(cond, var)
            except Exception:
                where = None
            if where is not None:
                outside = dom - where
                if outside is sp.S.EmptySet:
                    return Certificate(True, "symbolic", f"holds on all of {dom}")
                if outside.is_empty is False:
                    return Certificate(False, "rejected", f"fails on {outside} within the admissible set {dom}")
    refuted = _sample_refute([("claim", cond)], assume, rng, lambda v: v[0])
    return refuted or Certificate(False, "unverified", "no symbolic decision; 40 admissible samples found no violation")


def _verify_equivalent(left: Basic, right: Basic, var: Basic, assume: Assumptions, rng: random.Random) -> Certificate:
    left, right = assume.substitute(left), assume.substitute(right)
    dom = _domain(var, assume)
    if dom is not None and left.free_symbols <= {var} and right.free_symbols <= {var}:
        try:
            ls, rs = _as_set(left, var).intersect(dom), _as_set(right, var).intersect(dom)
            diff = sp.Union(ls - rs, rs - ls)
            if diff is sp.S.EmptySet:
                return Certificate(True, "symbolic", f"both describe {ls}")
            if diff.is_empty is False:
                return Certificate(False, "rejected", f"they differ on {diff}")
        except Exception:
            pass
    else:
        # conditions with parameters: solve for var and compare the solution sets
        try:
            ls = sp.solveset(left, var, sp.S.Reals)
            rs = sp.solveset(right, var, sp.S.Reals)
            if dom is not None:
                ls, rs = ls.intersect(dom), rs.intersect(dom)
            if ls == rs:
                return Certificate(True, "symbolic", f"both describe {ls}")
        except Exception:
            pass
    refuted = _sample_refute([("left", left), ("right", right)], assume, rng, lambda v: v[0] == v[1])
    return refuted or Certificate(False, "unverified", "no symbolic decision; 40 admissible samples agree")


# -- dispatch --------------------------------------------------------------------------------


def verify_claim(claim: Claim, assume: Assumptions, *, seed: int = 0, instances: int = DEFAULT_INSTANCES) -> Certificate:
    """Verify one claim under ``assume``; return its certificate (never raises on a bad claim)."""
    rng = random.Random(seed)
    try:
        if isinstance(claim, Definition):
            return Certificate(True, "definition", "stated, not proved")
        if isinstance(claim, Identity):
            if claim.lhs == claim.rhs:
                return Certificate(
                    False,
                    "unverified",
                    "both sides are the same expression as built, so the printed step states nothing "
                    "(SymPy probably evaluated it on construction: keep the parts as symbols with definitions)",
                )
            return _verify_identity(claim.lhs, claim.rhs, assume, rng, instances)
        if isinstance(claim, Holds):
            return _verify_holds(claim.condition, assume, rng)
        if isinstance(claim, Equivalent):
            return _verify_equivalent(claim.left, claim.right, claim.var, assume, rng)
        if isinstance(claim, Recurrence):
            # the base case may well be trivial as built (solution at k = 0 is the start)
            base_claim, step_claim = claim.base_case(), claim.inductive_step()
            base = _verify_identity(base_claim.lhs, base_claim.rhs, assume, rng, instances)
            step = _verify_identity(step_claim.lhs, step_claim.rhs, assume, random.Random(seed + 1), instances)
            ok = base.ok and step.ok
            method = "induction" if ok else ("rejected" if "rejected" in (base.method, step.method) else "unverified")
            return Certificate(ok, method, f"base case: {base}; inductive step: {step}",
                               counterexample=base.counterexample or step.counterexample)
        if isinstance(claim, Refuted):
            lhs, rhs = assume.substitute(claim.lhs), assume.substitute(claim.rhs)
            if _shape_mismatch(lhs, rhs) is None and _symbolic_zero(lhs, rhs):
                return Certificate(False, "rejected", "claimed false, but the two sides are symbolically equal")
            cert = _instantiate(lhs, rhs, assume, rng, max(instances, 20))
            if cert.method == "rejected":
                return Certificate(True, "counterexample", cert.detail.replace("exact counterexample: ", ""),
                                   counterexample=cert.counterexample)
            if cert.ok:
                return Certificate(False, "rejected", f"claimed false, but {cert}")
            return Certificate(False, "unverified", f"no counterexample found ({cert.detail})")
    except Exception as exc:  # a claim that crashes the checker is not verified
        return Certificate(False, "unverified", f"the checker failed: {type(exc).__name__}: {exc}")
    raise TypeError(f"unknown claim type {type(claim).__name__}")


def verify(derivation: Derivation, *, seed: int = 0, instances: int = DEFAULT_INSTANCES) -> Derivation:
    """Verify every step (and recorded source claim) of ``derivation``; return it, certified."""
    for i, step in enumerate(derivation.all_steps):
        assume = derivation.assumptions.merged(step.given)
        step.certificate = verify_claim(step.claim, assume, seed=seed * 1000 + i, instances=instances)
    return derivation
