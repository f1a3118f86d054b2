"""Red team: false claims the decision engine must never certify, true claims it must certify.

Issue 8 lists thirteen classes of holes through which the verification ladder certified false
statements (or refused true ones).  Each case below is one claim built through the public API
(``Identity``, ``Holds``, ``Equivalent``, ``Recurrence``, ``Refuted``, ``Definition``, or a
``Derivation`` whose labelled step is judged), the hole class it probes, its truth label and an
independent *witness* of that label.  Witnesses share nothing with the verifier: they evaluate
the claim's own expressions in float64 with numpy / scipy (tests/redteam_witness.py: own
matrices drawn with ``numpy.random.default_rng`` at sizes 5-8, built on purpose to be singular,
rank-deficient, indefinite, or orthogonal with eigenvalue -1), in mpmath at 400 digits, or
exactly at hand-picked points; none of ``admissible_instances``, ``random_instance`` or
``explicit`` is used.

Two parametrized tests:

- ``test_witness_agrees_with_label`` catches a mislabelled case;
- ``test_engine_agrees_with_label``: a false claim must not come back ``ok`` (at seed 0 and at a
  seed derived from the case name; ``method == "rejected"`` where an admissible counterexample is
  easy to find), a true claim must come back ``ok``.  ``Refuted`` inverts: the refutation of a
  true identity must not be ok; the refutation of a false identity must be ok with a
  counterexample that this file checks itself (the assumptions hold there, the sides differ).
  Every engine call runs inside ``gdflow.derive.timebox.deadline(120)`` and passes
  ``timeout=10`` when the engine's signature takes it.

The suite is the target the rewritten engine (issue 8) must meet; nothing is xfail.

Cases: 109 false and 63 true claims (per hole class, false/true: 1: 8/4, 2: 20/5, 3: 11/4,
4: 11/12, 5: 13/7, 6: 9/4, 7: 5/5, 8: 7/4, 9: 7/8, 10: 6/2, 11: 7/2, 12: 2/0, 13: 3/6).

Against the engine of commit 6f739c3 (derive/verify.py before the rewrite; 468 s, 360 of them
in three calls stopped by the outer bound) the engine test failed 79 cases:

- false claims certified (55, one more flaky): 1: ch4_any, ch4_symmetric, e5_any, e5_psd,
  e7_any, ch6_symmetric; 2: piecewise_jump_at_10, abs_beyond_7, max_beyond_5,
  binomial_series_truncated_at_6, falling_factorial_13_vanishes, vanishes_on_minus6_to_6,
  loss_plus_vanishing_polynomial, floor_wide_range, acos_cos_beyond_pi,
  binomial_sum_truncated_at_8, min_k_7, recurrence_truncated_binomial, vanishes_on_0_to_100,
  piecewise_jump_at_million, vanishes_on_small_rationals, kronecker_far,
  recurrence_kronecker_trap; 3: exp200_irrational_gap, tanh100_is_one, atan_huge_is_half_pi,
  erf20_is_one, sqrt_googol_plus_one, relative_gap_exp_minus200, pi_70_digits;
  4: pinv_right_inverse_symmetric, pinv_commutes_any, pinv_of_square_any,
  orthogonal_plus_identity_inverse; 5: inverse_left_psd, inverse_right_any,
  pinv_is_normal_equations_any, pinv_is_inverse_psd, flow_with_inverse_psd,
  ridge_limit_is_normal_equations; 6: first_root_only_identity, first_root_only_two_symbols;
  7: index_from_one_condition; 8: defined_flow_is_constant, defined_scalar_is_constant,
  lookalike_time_in_definition, lookalike_time_matrix, lookalike_time_scalar;
  9: defined_pd_kernel_refuted, prime_fermat_refuted, odd_square_mod_8_refuted;
  10: acos_near_one_leading_term, sqrt_of_product_real, and acos_near_one_is_zero in one process
  of three (SymPy's evalf is nondeterministic there); 11: vacuous_holds, vacuous_equivalent;
- ran past the 120 s outer bound: 12: pinv_of_radical_matrix, trigonometric_powers
  (and the true 3: tanh_exponential_form);
- not certified but not rejected either (unverified, 7 of 10 instances skipped): 5:
  matexp_2x2_formula_symbolic_size, matexp_2x2_formula_sizes_2_to_4;
- true claims refused (18 more): 6: square_below_nonneg_c, contraction_from_step_size;
  7: defined_solution; 8: defined_flow_derivative, defined_flow_derivative_explicit,
  defined_scalar_derivative, defined_gradient; 9: defined_pd_kernel_inverse, prime_fermat,
  prime_wilson, odd_square_mod_8, refuted_pinv_right_inverse_symmetric;
  13: integer_square_at_least_itself, integer_strict_vs_nonstrict, integer_square_below_four,
  integer_lower_bound, symmetric_minus_transpose_scalar_zero, penrose_first_scalar_zero.

Against the rewritten engine (issue 8, commit after 8cb1a7a) every case passes: 342 tests
(witnesses and engine) in about 80 s on the 2-core machine.  The last four it fixed were
e7_any and ch6_symmetric (sizes now exceed the degree of a claim with traces: a degree-6
Cayley-Hamilton trace identity holds up to n = 6 and fails at 7) and kronecker_far and
recurrence_kronecker_trap (Kronecker deltas are now kinks: their points are tried).
"""

from __future__ import annotations

import inspect
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import pytest
import sympy as sp

from gdflow.derive.derivation import (
    Assumptions,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from gdflow.derive.matrices import MatExp, MatrixLimit, Pinv, TimeDerivative
from gdflow.derive.notation import D, N, alpha, j, k, lam, n, t
from gdflow.derive.timebox import OutOfTime, deadline
from gdflow.derive.verify import verify, verify_claim
from tests.redteam_witness import (
    Undefined,
    agree,
    any_matrix,
    ev,
    orthogonal,
    psd,
    rng_for,
    symmetric,
    with_eigenvalues,
)

ENGINE_TIMEOUT = 10.0
"""The per-claim bound passed to the engine (``timeout=``) when it takes one."""
OUTER_BOUND = 120.0
"""No engine call may run longer than this, whatever the engine does with ``timeout``."""

# -- symbols -----------------------------------------------------------------------------------

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
u = sp.Symbol("u", nonnegative=True)
a = sp.Symbol("a", nonnegative=True)
g = sp.Symbol("g", positive=True)
bb = sp.Symbol("b", real=True)
c0 = sp.Symbol("c", real=True)
cn = sp.Symbol("c_n", nonnegative=True)
i_ = sp.Symbol("i", integer=True)
p = sp.Symbol("p", prime=True)
ell = sp.Symbol("l", integer=True)  # a summation index
m = sp.Symbol("m", odd=True)
xneg = sp.Symbol("x_n", negative=True)
yneg = sp.Symbol("y_n", negative=True)
xs = sp.Symbol("x_k", real=True)
S_def = sp.Symbol("S_k", real=True)
s_ = sp.Symbol("s", positive=True)
fsym = sp.Symbol("f", real=True)
t_lookalike = sp.Symbol("t")  # prints as the package's t, is not it

A = sp.MatrixSymbol("A", n, n)
B = sp.MatrixSymbol("B", n, n)
Q = sp.MatrixSymbol("Q", n, n)
S = sp.MatrixSymbol("S", n, n)
In = sp.Identity(n)
w0 = sp.MatrixSymbol("w0", n, 1)
wk = sp.MatrixSymbol("w_k", n, 1)
bvec = sp.MatrixSymbol("b", n, 1)
X = sp.MatrixSymbol("X", N, D)
wD = sp.MatrixSymbol("w", D, 1)
yN = sp.MatrixSymbol("y", N, 1)
gN = sp.MatrixSymbol("g", D, 1)
K = sp.MatrixSymbol("K", N, N)
L = sp.MatrixSymbol("L", N, N)
r0 = sp.MatrixSymbol("r0", N, 1)
r = sp.MatrixSymbol("r", N, 1)
X4 = sp.MatrixSymbol("X", n, 4)
X6 = sp.MatrixSymbol("X", n, 6)
Y4 = sp.MatrixSymbol("Y", 4, n)
B2 = sp.MatrixSymbol("B", 2, 2)
F = sp.MatrixSymbol("F", n, D)
G = sp.MatrixSymbol("G", D, N)
Z = sp.MatrixSymbol("Z", 4, 3)
P4 = sp.MatrixSymbol("P", 4, 4)
Q3 = sp.MatrixSymbol("Q", 3, 3)
S3 = sp.MatrixSymbol("S", 3, 3)

SIZES = (5, 6, 7, 8)
with mpmath.workdps(100):
    _PI_70 = int(mpmath.pi * 10**70)  # floor(pi 10^70)


# -- the case record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RedTeam:
    """One red-team claim.

    ``claim`` builds the claim (or a ``Derivation`` whose step labelled ``judged`` is the one
    judged); ``assume`` are its assumptions (a derivation's own); ``truth`` is the label (for a
    ``Refuted`` claim: whether the refutation is right, i.e. the identity is false; for a
    vacuous claim: False, nothing may be certified); ``witness`` computes that label from the
    built claim without the package's verifier; ``reject`` asks for ``method == "rejected"``
    (an admissible counterexample is easy to find)."""

    name: str
    hole: int
    claim: Callable[[], object]
    assume: Assumptions
    truth: bool
    witness: Callable[[object, Assumptions], bool]
    reject: bool = False
    judged: str = "claim"


# -- witnesses ---------------------------------------------------------------------------------

_MP_DPS = 400
_MP_EQUAL = sp.Rational(1, 10**350)


def _defs(assume: Assumptions) -> dict:
    return dict(assume.definitions)


def _expand(expr, defs: dict):
    """``expr`` with the definitions applied until nothing changes (own loop, not the package's)."""
    for _ in range(20):
        new = expr.xreplace(defs)
        if new == expr:
            return new
        expr = new
    return expr


def matrix_identity(make_envs, rtol: float = 1e-7):
    """Witness of an ``Identity`` / ``Refuted`` over matrices: float evaluation at the
    environments ``make_envs(rng)`` (own matrices).  The identity is true when every
    environment agrees; a ``Refuted`` claim is true when some environment disagrees."""

    def witness(claim, assume):
        defs = _defs(assume)
        lhs, rhs = _expand(claim.lhs, defs), _expand(claim.rhs, defs)
        envs = make_envs(rng_for(str(claim)))
        assert envs
        holds = all(agree(lhs, rhs, env, rtol) for env in envs)
        return (not holds) if isinstance(claim, Refuted) else holds

    return witness


def _mp(expr, point: dict):
    """Value of a scalar expression at ``point`` in mpmath (400 digits), through lambdify:
    SymPy's evalf is not used.  None where it is undefined."""
    expr = expr.xreplace(point)
    expr = expr.doit() if expr.has(sp.Sum, sp.Derivative) else expr
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if expr.is_Rational:
        return expr
    try:
        with mpmath.workdps(_MP_DPS):
            value = sp.lambdify((), expr, modules="mpmath")()
    except (ZeroDivisionError, ValueError):
        return None
    return value


def scalar_identity(points):
    """Witness of a scalar ``Identity`` / ``Refuted``: the sides at hand-picked points, exactly
    where the values are rational, otherwise in mpmath at 400 digits (equal within 1e-350)."""

    def witness(claim, assume):
        defs = _defs(assume)
        lhs, rhs = _expand(claim.lhs, defs), _expand(claim.rhs, defs)
        holds = True
        for pt in points:
            pt = {s: sp.sympify(v) for s, v in pt.items()}
            lv, rv = _mp(lhs, pt), _mp(rhs, pt)
            if lv is None or rv is None:
                same = lv is None and rv is None
            elif isinstance(lv, sp.Basic) and isinstance(rv, sp.Basic):
                same = lv == rv  # both rational: exact
            else:
                with mpmath.workdps(_MP_DPS):
                    lm, rm = (
                        mpmath.mpf(v.p) / v.q if isinstance(v, sp.Basic) else v for v in (lv, rv)
                    )
                    same = abs(lm - rm) <= mpmath.mpf(10) ** -350 * max(1, abs(lm), abs(rm))
            holds = holds and bool(same)
        return (not holds) if isinstance(claim, Refuted) else holds

    return witness


def _bool(cond, pt):
    """Truth of a condition at a point (exact); None where it is undefined."""
    try:
        value = cond.xreplace(pt)
        if value in (sp.true, sp.false):
            return bool(value)
        value = value.simplify() if isinstance(value, sp.logic.boolalg.Boolean) else value
        return bool(value) if value in (sp.true, sp.false) else None
    except TypeError:
        return None


def condition_truth(points):
    """Witness of ``Holds`` / ``Equivalent``: the points that meet the assumptions'
    conditions; False when there is none (a vacuous claim must never be certified)."""

    def witness(claim, assume):
        pts = [{s: sp.sympify(v) for s, v in pt.items()} for pt in points]
        admissible = [pt for pt in pts if all(_bool(c, pt) is True for c in assume.conditions)]
        if not admissible:
            return False
        for pt in admissible:
            if isinstance(claim, Holds):
                if _bool(claim.condition, pt) is not True:
                    return False
            else:
                left, right = _bool(claim.left, pt), _bool(claim.right, pt)
                if left is None or right is None or left != right:
                    return False
        return True

    return witness


def conditional_identity(points):
    """Witness of an ``Identity`` under equality conditions: the identity at every hand-picked
    point that meets the conditions (and there must be one)."""

    def witness(claim, assume):
        pts = [{s: sp.sympify(v) for s, v in pt.items()} for pt in points]
        admissible = [pt for pt in pts if all(_bool(c, pt) is True for c in assume.conditions)]
        if not admissible:
            return False
        return all(sp.simplify((claim.lhs - claim.rhs).xreplace(pt)) == 0 for pt in admissible)

    return witness


def recurrence_truth(params_list, steps: int = 16):
    """Witness of a ``Recurrence``: iterate the update from the initial value with concrete
    parameters (scalars exactly, matrices in float64) and compare with the claimed solution
    at every index 0..steps."""

    def witness(claim, assume):
        defs = _defs(assume)
        solution = _expand(claim.solution, defs)
        for params in params_list:
            scalars = {
                s: sp.sympify(v) for s, v in params.items() if not isinstance(s, sp.MatrixSymbol)
            }
            if getattr(claim.name, "is_Matrix", False):
                env = dict(params)
                value = sp.ImmutableMatrix(ev(claim.initial, env))
                for i in range(steps):
                    want = np.asarray(ev(solution, {**env, claim.index: i}), dtype=float)
                    if not np.allclose(want, np.asarray(value, dtype=float), rtol=1e-9, atol=1e-9):
                        return False
                    value = sp.ImmutableMatrix(ev(claim.update(value, sp.Integer(i)), env))
            else:
                value = claim.initial.xreplace(scalars)
                for i in range(steps):
                    want = solution.xreplace({**scalars, claim.index: sp.Integer(i)}).doit()
                    if sp.simplify(want - value) != 0:
                        return False
                    value = sp.expand(claim.update(value, sp.Integer(i)).xreplace(scalars))
        return True

    return witness


def derivation_truth(make_envs, rtol: float = 1e-6, rename: dict | None = None):
    """Witness of a derivation's judged step: the definitions of the earlier steps (and the
    derivation's) substituted, look-alike symbols read as printed (``rename``), the step
    evaluated at own environments."""

    def witness(derivation, assume):
        defs = _defs(derivation.assumptions)
        judged = derivation.step("claim")
        for step in derivation.steps:
            if step is judged:
                break
            if isinstance(step.claim, Definition) and step.claim.rhs is not None:
                defs[step.claim.lhs] = step.claim.rhs
        lhs, rhs = _expand(judged.claim.lhs, defs), _expand(judged.claim.rhs, defs)
        if rename:
            lhs, rhs = lhs.xreplace(rename), rhs.xreplace(rename)
        envs = make_envs(rng_for(derivation.id))
        return all(agree(lhs, rhs, env, rtol) for env in envs)

    return witness


# -- environments (own matrices) ---------------------------------------------------------------


def sq_envs(prop: str, *names, ranks=None):
    """Environments for square n x n matrices ``names`` of property ``prop`` at sizes 5-8,
    with the strata that matter: rank 0, 1, n-1 and n for 'any' / 'symmetric' / 'psd'."""

    def make(rng):
        envs = []
        for size in SIZES:
            for rank in ranks or (0, 1, size - 2, size - 1, size):
                env = {n: size}
                for name in names:
                    if prop == "any":
                        env[name] = any_matrix(rng, size, size, rank)
                    elif prop == "symmetric":
                        env[name] = symmetric(rng, size, rank)
                    elif prop == "psd":
                        env[name] = psd(rng, size, rank)
                    elif prop == "pd":
                        env[name] = psd(rng, size, size)
                    elif prop == "orthogonal":
                        env[name] = orthogonal(rng, size, minus_one=rank % 2 == 0)
                    else:
                        raise ValueError(prop)
                envs.append(env)
        return envs

    return make


def rect_envs(make_one):
    """Environments for rectangular matrices: ``make_one(rng, rows, cols, rank)`` at several
    shapes and ranks (N, D from 5..8)."""

    def make(rng):
        envs = []
        for rows, cols in ((5, 7), (7, 5), (6, 6), (8, 5)):
            for rank in (0, 1, min(rows, cols) - 1, min(rows, cols)):
                envs.append(make_one(rng, rows, cols, rank))
        return envs

    return make


# -- claim helpers -----------------------------------------------------------------------------


def elementary(M, upto: int):
    """e_1..e_upto of the eigenvalues of M from the power traces (Newton's identities)."""
    p_ = [None] + [sp.Trace(M**i) for i in range(1, upto + 1)]
    e = [sp.Integer(1)]
    for mm in range(1, upto + 1):
        e.append(sp.Add(*[(-1) ** (i - 1) * e[mm - i] * p_[i] for i in range(1, mm + 1)]) / mm)
    return e


def cayley_hamilton(M, degree: int, size):
    """sum_i (-1)^i e_i M^(degree-i), which annihilates every M of size <= degree."""
    e = elementary(M, degree)
    terms = [(-1) ** i * e[i] * M ** (degree - i) for i in range(degree)]
    return sp.MatAdd(*terms, (-1) ** degree * e[degree] * sp.Identity(size))


def exp_2x2(M, size):
    """The 2x2 formula e^M = e^s (cosh(d) I + sinh(d)/d (M - s I)), s = tr M / 2 written as
    tr M / size, d^2 = tr (M - s I)^2 / size: right for 2x2 symmetric M only."""
    s = sp.Trace(M) / size
    shifted = M - s * sp.Identity(size)
    d = sp.sqrt(sp.Trace(shifted * shifted) / size)
    return sp.exp(s) * (sp.cosh(d) * sp.Identity(size) + sp.sinh(d) / d * shifted)


def vanishing(var, roots):
    return sp.Mul(*[var - rt for rt in roots])


def derivation(name: str, steps: list[Step], assume: Assumptions) -> Derivation:
    return Derivation(
        id=f"redteam.{name}",
        title=name,
        source=Source("redteam", "issue 8"),
        assumptions=assume,
        steps=steps,
    )


NONE = Assumptions()


def M(**kw) -> Assumptions:
    return Assumptions(**kw)


# -- the cases ---------------------------------------------------------------------------------

CASES: list[RedTeam] = []


def case(name, hole, claim, assume, truth, witness, reject=False):
    CASES.append(RedTeam(name, hole, claim, assume, truth, witness, reject))


def _e_at(rng, size, vals):
    return {n: size, A: with_eigenvalues(rng, vals)}


# hole 1: identities of fixed degree that hold for sizes 1-4 only -----------------------------
case(
    "ch4_any",
    1,
    lambda: Identity(cayley_hamilton(A, 4, n), sp.ZeroMatrix(n, n)),
    M(matrices={A: "any"}),
    False,
    matrix_identity(lambda rng: [{n: 5, A: np.eye(5)}, {n: 6, A: any_matrix(rng, 6, 6)}]),
    reject=True,
)
case(
    "ch4_symmetric",
    1,
    lambda: Identity(cayley_hamilton(A, 4, n), sp.ZeroMatrix(n, n)),
    M(matrices={A: "symmetric"}),
    False,
    matrix_identity(lambda rng: [_e_at(rng, 5, [1, 2, -1, 3, 0.5])]),
    reject=True,
)
case(
    "e5_any",
    1,
    lambda: Identity(elementary(A, 5)[5], 0),
    M(matrices={A: "any"}),
    False,
    matrix_identity(lambda rng: [{n: 5, A: np.eye(5)}, {n: 7, A: 0.5 * any_matrix(rng, 7, 7)}]),
    reject=True,
)
case(
    "e5_psd",
    1,
    lambda: Identity(elementary(A, 5)[5], 0),
    M(matrices={A: "psd"}),
    False,
    matrix_identity(lambda rng: [_e_at(rng, 6, [1, 1, 1, 1, 1, 0])]),
    reject=True,
)
case(
    "ch2_symbolic_size",
    1,
    lambda: Identity(A**2 - sp.Trace(A) * A + sp.Determinant(A) * In, sp.ZeroMatrix(n, n)),
    M(matrices={A: "any"}),
    False,
    matrix_identity(lambda rng: [{n: 5, A: np.eye(5)}]),
    reject=True,
)
case(
    "ch3_pd",
    1,
    lambda: Identity(cayley_hamilton(A, 3, n), sp.ZeroMatrix(n, n)),
    M(matrices={A: "pd"}),
    False,
    matrix_identity(lambda rng: [_e_at(rng, 5, [1, 2, 3, 4, 5])]),
    reject=True,
)
case(
    "e7_any",
    1,
    lambda: Identity(elementary(A, 7)[7], 0),
    M(matrices={A: "any"}),
    False,
    matrix_identity(lambda rng: [{n: 7, A: np.eye(7)}, {n: 8, A: 0.5 * any_matrix(rng, 8, 8)}]),
    reject=True,
)
case(
    "ch6_symmetric",
    1,
    lambda: Identity(cayley_hamilton(A, 6, n), sp.ZeroMatrix(n, n)),
    M(matrices={A: "symmetric"}),
    False,
    matrix_identity(
        lambda rng: [{n: 7, A: np.eye(7)}, _e_at(rng, 8, [1, -1, 0.5, 2, -2, 0, 1.5, -0.5])]
    ),
    reject=True,
)
case(
    "e7_of_rank6_gram",
    1,
    lambda: Identity(elementary(X6 * X6.T, 7)[7], 0),
    M(matrices={X6: "any"}),
    True,
    matrix_identity(
        lambda rng: [
            {n: s, X6: 0.3 * any_matrix(rng, s, 6, rk)} for s in (7, 8, 9) for rk in (1, 6)
        ]
    ),
)
case(
    "e5_of_rank4_gram",
    1,
    lambda: Identity(elementary(X4 * X4.T, 5)[5], 0),
    M(matrices={X4: "any"}),
    True,
    matrix_identity(
        lambda rng: [{n: s, X4: 0.4 * any_matrix(rng, s, 4, rk)} for s in SIZES for rk in (0, 2, 4)]
    ),
)
case(
    "ch4_times_rank4_product",
    1,
    lambda: Identity(X4 * Y4 * cayley_hamilton(X4 * Y4, 4, n), sp.ZeroMatrix(n, n)),
    M(matrices={X4: "any", Y4: "any"}),
    True,
    matrix_identity(
        lambda rng: [
            {n: s, X4: 0.5 * any_matrix(rng, s, 4), Y4: 0.5 * any_matrix(rng, 4, s, rk)}
            for s in SIZES
            for rk in (1, 3, 4)
        ]
    ),
)
case(
    "ch2_fixed_2x2",
    1,
    lambda: Identity(
        B2**2 - sp.Trace(B2) * B2 + sp.Determinant(B2) * sp.Identity(2), sp.ZeroMatrix(2, 2)
    ),
    M(matrices={B2: "any"}),
    True,
    matrix_identity(lambda rng: [{B2: any_matrix(rng, 2, 2, rk)} for rk in (0, 1, 2, 2)]),
)

# hole 2: narrow scalar sampling -----------------------------------------------------------------
case(
    "sin_pi_x",
    2,
    lambda: Identity(sp.sin(sp.pi * x), 0),
    NONE,
    False,
    scalar_identity([{x: sp.Rational(1, 2)}]),
    reject=True,
)
case(
    "cos_2pi_x",
    2,
    lambda: Identity(sp.cos(2 * sp.pi * x), 1),
    NONE,
    False,
    scalar_identity([{x: sp.Rational(1, 3)}]),
    reject=True,
)
case(
    "piecewise_jump_at_10",
    2,
    lambda: Identity(sp.Piecewise((x, x < 10), (x + 1, True)), x),
    NONE,
    False,
    scalar_identity([{x: 20}]),
    reject=True,
)
case(
    "abs_beyond_7",
    2,
    lambda: Identity(sp.Abs(x - 7), 7 - x),
    NONE,
    False,
    scalar_identity([{x: 8}]),
    reject=True,
)
case(
    "max_beyond_5",
    2,
    lambda: Identity(sp.Max(x, 5), 5),
    NONE,
    False,
    scalar_identity([{x: 6}]),
    reject=True,
)
case(
    "binomial_series_truncated_at_6",
    2,
    lambda: Identity((1 + x) ** k, sp.Add(*[sp.binomial(k, i) * x**i for i in range(7)])),
    NONE,
    False,
    scalar_identity([{k: 7, x: 1}]),
    reject=True,
)
case(
    "falling_factorial_13_vanishes",
    2,
    lambda: Identity(vanishing(k, range(13)), 0),
    NONE,
    False,
    scalar_identity([{k: 13}]),
    reject=True,
)
case(
    "vanishes_on_minus6_to_6",
    2,
    lambda: Identity(vanishing(i_, range(-6, 7)), 0),
    NONE,
    False,
    scalar_identity([{i_: 7}]),
    reject=True,
)
case(
    "loss_plus_vanishing_polynomial",
    2,
    lambda: Identity(
        (1 - alpha * g) ** (2 * k), (1 - alpha * g) ** (2 * k) + vanishing(k, range(13)) * alpha
    ),
    NONE,
    False,
    scalar_identity([{k: 13, alpha: sp.Rational(1, 10), g: 1}]),
    reject=True,
)
case(
    "floor_wide_range",
    2,
    lambda: Identity(sp.floor(u / 100), 0),
    NONE,
    False,
    scalar_identity([{u: 100}]),
    reject=True,
)
case(
    "acos_cos_beyond_pi",
    2,
    lambda: Identity(sp.acos(sp.cos(u)), u),
    NONE,
    False,
    scalar_identity([{u: 4}]),
    reject=True,
)
case(
    "binomial_sum_truncated_at_8",
    2,
    lambda: Identity(sp.Add(*[sp.binomial(k, i) for i in range(9)]), 2**k),
    NONE,
    False,
    scalar_identity([{k: 9}]),
    reject=True,
)
case(
    "min_k_7",
    2,
    lambda: Identity(sp.Min(k, 7), k),
    NONE,
    False,
    scalar_identity([{k: 8}]),
    reject=True,
)
case(
    "recurrence_truncated_binomial",
    2,
    lambda: Recurrence(
        xs, sp.Add(*[sp.binomial(k, i) for i in range(9)]), k, lambda v, kk: 2 * v, sp.Integer(1)
    ),
    NONE,
    False,
    recurrence_truth([{}]),
    reject=True,
)
case(
    "exp_truncated_series",
    2,
    lambda: Identity(sp.exp(x), sp.Add(*[x**i / sp.factorial(i) for i in range(9)])),
    NONE,
    False,
    scalar_identity([{x: 3}]),
    reject=True,
)
case(
    "vanishes_on_0_to_100",
    2,
    lambda: Identity(vanishing(k, range(101)), 0),
    NONE,
    False,
    scalar_identity([{k: 101}]),
)
case(
    "piecewise_jump_at_million",
    2,
    lambda: Identity(sp.Piecewise((0, x < 10**6), (1, True)), 0),
    NONE,
    False,
    scalar_identity([{x: 10**6}]),
)
case(
    "vanishes_on_small_rationals",
    2,
    lambda: Identity(
        vanishing(
            x, sorted({sp.Rational(pp, q) for q in range(1, 6) for pp in range(-3 * q, 3 * q + 1)})
        ),
        0,
    ),
    NONE,
    False,
    scalar_identity([{x: sp.Rational(1, 7)}, {x: sp.Rational(7, 2)}]),
)
case(
    "kronecker_far",
    2,
    lambda: Identity(sp.KroneckerDelta(k, 1000), 0),
    NONE,
    False,
    scalar_identity([{k: 1000}]),
)
case(
    "recurrence_kronecker_trap",
    2,
    lambda: Recurrence(xs, c0 * 2**k + sp.KroneckerDelta(k, 50), k, lambda v, kk: 2 * v, c0),
    NONE,
    False,
    recurrence_truth([{c0: 1}], steps=60),
)
case(
    "sin_pi_integer",
    2,
    lambda: Identity(sp.sin(sp.pi * i_, evaluate=False), 0),
    NONE,
    True,
    scalar_identity([{i_: v} for v in (-1000, -7, 0, 3, 12345)]),
)
case(
    "cos_pi_integer",
    2,
    lambda: Identity(sp.cos(sp.pi * i_, evaluate=False), (-1) ** i_),
    NONE,
    True,
    scalar_identity([{i_: v} for v in (-1001, -8, 0, 3, 12345)]),
)
case(
    "gauss_sum",
    2,
    lambda: Identity(sp.Sum(ell, (ell, 0, k)), k * (k + 1) / 2),
    NONE,
    True,
    scalar_identity([{k: v} for v in (0, 1, 7, 50, 999)]),
)
case(
    "binomial_theorem",
    2,
    lambda: Identity((1 + x) ** k, sp.Sum(sp.binomial(k, ell) * x**ell, (ell, 0, k))),
    NONE,
    True,
    scalar_identity(
        [
            {k: kv, x: xv}
            for kv in (0, 3, 11, 40)
            for xv in (sp.Rational(-7, 3), sp.Rational(1, 9), 5)
        ]
    ),
)
case(
    "piecewise_is_abs",
    2,
    lambda: Identity(sp.Piecewise((x, x >= 0), (-x, True)), sp.Abs(x)),
    NONE,
    True,
    scalar_identity([{x: v} for v in (-(10**6), -sp.Rational(1, 3), 0, sp.Rational(7, 2), 10**9)]),
)

# hole 3: tolerances ---------------------------------------------------------------------------
case(
    "exp200_plus_two_fifths",
    3,
    lambda: Identity(sp.exp(200) + sp.Rational(2, 5), sp.exp(200)),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "exp200_irrational_gap",
    3,
    lambda: Identity(sp.exp(200) + sp.Rational(2, 5), sp.exp(200) + sp.sqrt(2) / 3),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "exp_minus200_is_zero",
    3,
    lambda: Identity(sp.exp(-200), 0),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case("tanh100_is_one", 3, lambda: Identity(sp.tanh(100), 1), NONE, False, scalar_identity([{}]))
case(
    "atan_huge_is_half_pi",
    3,
    lambda: Identity(sp.atan(sp.Integer(10) ** 50), sp.pi / 2),
    NONE,
    False,
    scalar_identity([{}]),
)
case("erf20_is_one", 3, lambda: Identity(sp.erf(20), 1), NONE, False, scalar_identity([{}]))
case(
    "sqrt_googol_plus_one",
    3,
    lambda: Identity(sp.sqrt(sp.Integer(10) ** 100 + 1), sp.Integer(10) ** 50),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "relative_gap_exp_minus200",
    3,
    lambda: Identity(sp.exp(x) * (1 + sp.exp(-200)), sp.exp(x)),
    NONE,
    False,
    scalar_identity([{x: 0}, {x: 1}]),
    reject=True,
)
case(
    "pi_70_digits",
    3,
    lambda: Identity(sp.pi, sp.Rational(_PI_70, 10**70)),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "constant_gap_1e-50",
    3,
    lambda: Identity(x + sp.Rational(1, 10**50), x),
    NONE,
    False,
    scalar_identity([{x: 0}]),
    reject=True,
)
case(
    "matrix_scaled_by_exp_minus200",
    3,
    lambda: Identity(sp.exp(-200) * A, sp.ZeroMatrix(n, n)),
    M(matrices={A: "pd"}),
    False,
    lambda claim, assume: _mp(sp.exp(-200), {}) == 0,
    reject=True,
)  # at A = I the (0, 0) entry is e^-200, not 0
case(
    "tanh_exponential_form",
    3,
    lambda: Identity(sp.tanh(100), (sp.exp(200) - 1) / (sp.exp(200) + 1)),
    NONE,
    True,
    scalar_identity([{}]),
)
case(
    "log1p_large",
    3,
    lambda: Identity(sp.log(sp.exp(200) + 1) - 200, sp.log(1 + sp.exp(-200))),
    NONE,
    True,
    scalar_identity([{}]),
)
case(
    "sqrt_perfect_square_googol",
    3,
    lambda: Identity(
        sp.Pow(sp.Integer(10) ** 100 + 2 * sp.Integer(10) ** 50 + 1, sp.S.Half, evaluate=False),
        sp.Integer(10) ** 50 + 1,
    ),
    NONE,
    True,
    scalar_identity([{}]),
)
case(
    "exp_shift_200",
    3,
    lambda: Identity(sp.exp(x + 200), sp.exp(200) * sp.exp(x)),
    NONE,
    True,
    scalar_identity([{x: v} for v in (-300, 0, sp.Rational(5, 7), 250)]),
)

# hole 4: rank strata ----------------------------------------------------------------------------
case(
    "pinv_right_inverse_symmetric",
    4,
    lambda: Identity(A * Pinv(A), In),
    M(matrices={A: "symmetric"}),
    False,
    matrix_identity(sq_envs("symmetric", A, ranks=(0, 3))),
    reject=True,
)
case(
    "pinv_commutes_any",
    4,
    lambda: Identity(Pinv(A) * A, A * Pinv(A)),
    M(matrices={A: "any"}),
    False,
    matrix_identity(sq_envs("any", A, ranks=(2, 4))),
    reject=True,
)
case(
    "pinv_of_square_any",
    4,
    lambda: Identity(Pinv(A**2), Pinv(A) ** 2),
    M(matrices={A: "any"}),
    False,
    matrix_identity(sq_envs("any", A, ranks=(2, 4))),
    reject=True,
)
case(
    "pinv_reverse_order_any",
    4,
    lambda: Identity(Pinv(A * B), Pinv(B) * Pinv(A)),
    M(matrices={A: "any", B: "any"}),
    False,
    matrix_identity(sq_envs("any", A, B, ranks=(2, 4))),
    reject=True,
)
case(
    "pinv_reverse_order_psd",
    4,
    lambda: Identity(Pinv(A * B), Pinv(B) * Pinv(A)),
    M(matrices={A: "psd", B: "psd"}),
    False,
    matrix_identity(sq_envs("psd", A, B, ranks=(2, 4))),
    reject=True,
)
case(
    "orthogonal_plus_identity_full_rank",
    4,
    lambda: Identity(Pinv(Q + In) * (Q + In), In),
    M(matrices={Q: "orthogonal"}),
    False,
    matrix_identity(sq_envs("orthogonal", Q, ranks=(2,))),
    reject=True,
)
case(
    "orthogonal_plus_identity_inverse",
    4,
    lambda: Identity(Pinv(Q + In), (Q + In) ** -1),
    M(matrices={Q: "orthogonal"}),
    False,
    matrix_identity(sq_envs("orthogonal", Q, ranks=(2,))),
)
case(
    "orthogonal_determinant_one",
    4,
    lambda: Identity(sp.Determinant(Q), 1),
    M(matrices={Q: "orthogonal"}),
    False,
    matrix_identity(sq_envs("orthogonal", Q, ranks=(2,))),
    reject=True,
)
case(
    "pinv_left_inverse_psd",
    4,
    lambda: Identity(Pinv(A) * A, In),
    M(matrices={A: "psd"}),
    False,
    matrix_identity(sq_envs("psd", A, ranks=(3,))),
    reject=True,
)
case(
    "pinv_of_square_symmetric",
    4,
    lambda: Identity(Pinv(A**2), Pinv(A) ** 2),
    M(matrices={A: "symmetric"}),
    True,
    matrix_identity(sq_envs("symmetric", A)),
)
case(
    "pinv_commutes_symmetric",
    4,
    lambda: Identity(Pinv(A) * A, A * Pinv(A)),
    M(matrices={A: "symmetric"}),
    True,
    matrix_identity(sq_envs("symmetric", A)),
)
case(
    "pinv_of_gram",
    4,
    lambda: Identity(Pinv(X * X.T), Pinv(X.T) * Pinv(X)),
    M(matrices={X: "any"}),
    True,
    matrix_identity(
        rect_envs(
            lambda rng, rows, cols, rk: {N: rows, D: cols, X: any_matrix(rng, rows, cols, rk)}
        )
    ),
)
case(
    "penrose_first",
    4,
    lambda: Identity(X * Pinv(X) * X, X),
    M(matrices={X: "any"}),
    True,
    matrix_identity(
        rect_envs(
            lambda rng, rows, cols, rk: {N: rows, D: cols, X: any_matrix(rng, rows, cols, rk)}
        )
    ),
)
case(
    "penrose_second",
    4,
    lambda: Identity(Pinv(X) * X * Pinv(X), Pinv(X)),
    M(matrices={X: "any"}),
    True,
    matrix_identity(
        rect_envs(
            lambda rng, rows, cols, rk: {N: rows, D: cols, X: any_matrix(rng, rows, cols, rk)}
        )
    ),
)
case(
    "pinv_through_gram",
    4,
    lambda: Identity(Pinv(X), X.T * Pinv(X * X.T)),
    M(matrices={X: "any"}),
    True,
    matrix_identity(
        rect_envs(
            lambda rng, rows, cols, rk: {N: rows, D: cols, X: any_matrix(rng, rows, cols, rk)}
        )
    ),
)
case(
    "pinv_reverse_order_rank_factorisation",
    4,
    lambda: Identity(Pinv(F * G), Pinv(G) * Pinv(F)),
    M(matrices={F: "full_column_rank", G: "full_row_rank"}),
    True,
    matrix_identity(
        lambda rng: [
            {n: nn, D: dd, N: NN, F: any_matrix(rng, nn, dd), G: any_matrix(rng, dd, NN)}
            for nn, dd, NN in ((7, 3, 6), (5, 5, 8), (8, 1, 5), (6, 4, 4))
        ]
    ),
)
case(
    "pinv_orthogonal_factor",
    4,
    lambda: Identity(Pinv(Q * A), Pinv(A) * Q.T),
    M(matrices={Q: "orthogonal", A: "any"}),
    True,
    matrix_identity(
        lambda rng: [
            {n: s, Q: orthogonal(rng, s, minus_one=True), A: any_matrix(rng, s, s, rk)}
            for s in SIZES
            for rk in (0, 2, s)
        ]
    ),
)
case(
    "orthogonal_gram_identity",
    4,
    lambda: Identity(Q.T * Q, In),
    M(matrices={Q: "orthogonal"}),
    True,
    matrix_identity(sq_envs("orthogonal", Q, ranks=(1, 2))),
)
case(
    "ridge_limit_is_pinv",
    4,
    lambda: Identity(MatrixLimit((Z.T * Z + lam * sp.Identity(3)) ** -1 * Z.T, lam, 0), Pinv(Z)),
    M(matrices={Z: "any"}),
    True,
    matrix_identity(lambda rng: [{Z: any_matrix(rng, 4, 3, rk)} for rk in (0, 1, 2, 3)], rtol=1e-4),
)
case(
    "ridge_nullspace_limit_is_zero",
    4,
    lambda: Identity(
        MatrixLimit(lam * (P4 + lam * sp.Identity(4)) ** -1, lam, 0), sp.ZeroMatrix(4, 4)
    ),
    M(matrices={P4: "psd"}),
    False,
    matrix_identity(lambda rng: [{P4: psd(rng, 4, 2)}], rtol=1e-4),
    reject=True,
)
case(
    "ridge_nullspace_limit_is_projector",
    4,
    lambda: Identity(
        MatrixLimit(lam * (P4 + lam * sp.Identity(4)) ** -1, lam, 0), sp.Identity(4) - Pinv(P4) * P4
    ),
    M(matrices={P4: "psd"}),
    True,
    matrix_identity(lambda rng: [{P4: psd(rng, 4, rk)} for rk in (0, 1, 3, 4)], rtol=1e-4),
)
case(
    "flow_limit_is_zero",
    4,
    lambda: Identity(MatrixLimit(MatExp(-s_ * Q3 * S3 * Q3.T), s_, sp.oo), sp.ZeroMatrix(3, 3)),
    M(matrices={Q3: "orthogonal", S3: "diagonal_nonneg"}),
    False,
    matrix_identity(
        lambda rng: [{Q3: orthogonal(rng, 3), S3: np.diag([0.0, 1.0, 2.0])}], rtol=1e-4
    ),
    reject=True,
)
case(
    "flow_limit_is_nullspace_projector",
    4,
    lambda: Identity(
        MatrixLimit(MatExp(-s_ * Q3 * S3 * Q3.T), s_, sp.oo),
        Q3 * (sp.Identity(3) - Pinv(S3) * S3) * Q3.T,
    ),
    M(matrices={Q3: "orthogonal", S3: "diagonal_nonneg"}),
    True,
    matrix_identity(
        lambda rng: [
            {Q3: orthogonal(rng, 3, minus_one=True), S3: np.diag(d)}
            for d in ([0.0, 1.0, 2.0], [0, 0, 0], [0.5, 3, 1])
        ],
        rtol=1e-4,
    ),
)

# hole 5: skipped instances ----------------------------------------------------------------------
_inv_left = lambda: Identity(sp.MatMul(A**-1, A, evaluate=False), In)  # noqa: E731 - A^{-1} A, not simplified to I on construction
case(
    "inverse_left_psd",
    5,
    _inv_left,
    M(matrices={A: "psd"}),
    False,
    matrix_identity(sq_envs("psd", A, ranks=(3,))),
)
case(
    "inverse_right_any",
    5,
    lambda: Identity(sp.MatMul(A, A**-1, evaluate=False), In),
    M(matrices={A: "any"}),
    False,
    matrix_identity(sq_envs("any", A, ranks=(3,))),
)
case(
    "pinv_is_normal_equations_any",
    5,
    lambda: Identity(Pinv(X), (X.T * X) ** -1 * X.T),
    M(matrices={X: "any"}),
    False,
    matrix_identity(lambda rng: [{N: 7, D: 5, X: any_matrix(rng, 7, 5, 3)}]),
)
case(
    "pinv_is_inverse_psd",
    5,
    lambda: Identity(Pinv(A), A**-1),
    M(matrices={A: "psd"}),
    False,
    matrix_identity(sq_envs("psd", A, ranks=(2,))),
)
case(
    "matexp_2x2_formula_symbolic_size",
    5,
    lambda: Identity(MatExp(A), exp_2x2(A, n)),
    M(matrices={A: "symmetric"}),
    False,
    matrix_identity(lambda rng: [_e_at(rng, 5, [1, -2, 0.5, 3, 0])]),
    reject=True,
)
case(
    "matexp_2x2_formula_sizes_2_to_4",
    5,
    lambda: Identity(MatExp(A), exp_2x2(A, n)),
    M(matrices={A: "symmetric"}, sizes={n: (2, 3, 4)}),
    False,
    matrix_identity(lambda rng: [_e_at(rng, 3, [1, -2, 0.5]), _e_at(rng, 5, [1, -2, 0.5, 3, 0])]),
    reject=True,
)
case(
    "matexp_product_any",
    5,
    lambda: Identity(MatExp(A) * MatExp(B), MatExp(A + B)),
    M(matrices={A: "any", B: "any"}),
    False,
    matrix_identity(sq_envs("any", A, B, ranks=(3,))),
    reject=True,
)
case(
    "matexp_product_symmetric",
    5,
    lambda: Identity(MatExp(A) * MatExp(B), MatExp(A + B)),
    M(matrices={A: "symmetric", B: "symmetric"}),
    False,
    matrix_identity(sq_envs("symmetric", A, B, ranks=(4,))),
    reject=True,
)
case(
    "flow_with_inverse_psd",
    5,
    lambda: Identity(A * (In - MatExp(-t * A)) * A**-1, In - MatExp(-t * A)),
    M(matrices={A: "psd"}),
    False,
    matrix_identity(lambda rng: [{n: 6, t: 1.0, A: psd(rng, 6, 3)}]),
)
case(
    "ridge_limit_is_normal_equations",
    5,
    lambda: Identity(
        MatrixLimit((Z.T * Z + lam * sp.Identity(3)) ** -1 * Z.T, lam, 0), (Z.T * Z) ** -1 * Z.T
    ),
    M(matrices={Z: "any"}),
    False,
    matrix_identity(lambda rng: [{Z: any_matrix(rng, 4, 3, 1)}], rtol=1e-4),
)
case(
    "flow_derivative_noncommuting",
    5,
    lambda: Identity(
        TimeDerivative(MatExp(-t * K) * MatExp(-t * L)), -(K + L) * MatExp(-t * K) * MatExp(-t * L)
    ),
    M(matrices={K: "symmetric", L: "symmetric"}),
    False,
    matrix_identity(
        lambda rng: [{N: 5, t: 0.7, K: symmetric(rng, 5), L: symmetric(rng, 5, 3)}], rtol=1e-5
    ),
    reject=True,
)
case(
    "flow_derivative_missing_product_term",
    5,
    lambda: Identity(TimeDerivative(t * MatExp(-t * K) * r0), -t * K * MatExp(-t * K) * r0),
    M(matrices={K: "psd"}),
    False,
    matrix_identity(
        lambda rng: [{N: 6, t: 0.5, K: psd(rng, 6, 4), r0: rng.standard_normal((6, 1))}], rtol=1e-5
    ),
    reject=True,
)
case(
    "flow_derivative_missing_chain_factor",
    5,
    lambda: Identity(TimeDerivative(MatExp(-(t**2) * K) * r0), -K * MatExp(-(t**2) * K) * r0),
    M(matrices={K: "psd"}),
    False,
    matrix_identity(
        lambda rng: [{N: 6, t: 0.7, K: psd(rng, 6, 4), r0: rng.standard_normal((6, 1))}], rtol=1e-5
    ),
)
case(
    "inverse_left_pd",
    5,
    _inv_left,
    M(matrices={A: "pd"}),
    True,
    matrix_identity(sq_envs("pd", A, ranks=(1,))),
)
case(
    "flow_with_inverse_pd",
    5,
    lambda: Identity(A * (In - MatExp(-t * A)) * A**-1, In - MatExp(-t * A)),
    M(matrices={A: "pd"}),
    True,
    matrix_identity(lambda rng: [{n: s, t: 0.8, A: psd(rng, s, s)} for s in SIZES]),
)
case(
    "matexp_inverse_any",
    5,
    lambda: Identity(MatExp(A) * MatExp(-A), In),
    M(matrices={A: "any"}),
    True,
    matrix_identity(
        lambda rng: [{n: s, A: 0.5 * any_matrix(rng, s, s, rk)} for s in SIZES for rk in (0, 2, s)]
    ),
)
case(
    "matexp_eigendecomposition",
    5,
    lambda: Identity(MatExp(Q * S * Q.T), Q * MatExp(S) * Q.T),
    M(matrices={Q: "orthogonal", S: "diagonal"}),
    True,
    matrix_identity(
        lambda rng: [
            {n: s, Q: orthogonal(rng, s, minus_one=True), S: np.diag(rng.uniform(-2, 2, s))}
            for s in SIZES
        ]
    ),
)
case(
    "matexp_commuting_multiples",
    5,
    lambda: Identity(MatExp(A) * MatExp(2 * A), MatExp(3 * A)),
    M(matrices={A: "symmetric"}),
    True,
    matrix_identity(
        lambda rng: [{n: s, A: 0.5 * symmetric(rng, s, rk)} for s in SIZES for rk in (0, 3, s)]
    ),
)
case(
    "flow_derivative",
    5,
    lambda: Identity(TimeDerivative(MatExp(-t * K) * r0), -K * MatExp(-t * K) * r0),
    M(matrices={K: "any"}),
    True,
    matrix_identity(
        lambda rng: [
            {N: s, t: 0.6, K: any_matrix(rng, s, s, s - 1), r0: rng.standard_normal((s, 1))}
            for s in SIZES
        ],
        rtol=1e-5,
    ),
)
case(
    "flow_derivative_commuted",
    5,
    lambda: Identity(TimeDerivative(MatExp(-t * K) * r0), -MatExp(-t * K) * K * r0),
    M(matrices={K: "any"}),
    True,
    matrix_identity(
        lambda rng: [
            {N: s, t: 0.6, K: any_matrix(rng, s, s, s - 1), r0: rng.standard_normal((s, 1))}
            for s in SIZES
        ],
        rtol=1e-5,
    ),
)

# hole 6: conditions -----------------------------------------------------------------------------
_grid = [sp.Rational(v, 4) for v in range(-40, 41)]
_pos = [v for v in _grid if v > 0]
case(
    "step_size_interval_degenerate",
    6,
    lambda: Equivalent(
        sp.And(0 < alpha * a, alpha * a < 2), sp.And(0 < alpha, alpha < 2 / a), alpha
    ),
    NONE,
    False,
    condition_truth([{a: 0, alpha: 1}]),
)
case(
    "step_size_product_degenerate",
    6,
    lambda: Equivalent(sp.And(0 < alpha * a, alpha * a < 2), alpha * a < 2, alpha),
    NONE,
    False,
    condition_truth([{a: 0, alpha: 1}]),
    reject=True,
)
case(
    "scaled_positive_degenerate",
    6,
    lambda: Equivalent(a * x > 0, x > 0, x),
    NONE,
    False,
    condition_truth([{a: 0, x: 1}]),
    reject=True,
)
case(
    "scaled_positive_degenerate_at_one",
    6,
    lambda: Equivalent((bb - 1) * x > 0, x > 0, x),
    M(conditions=(bb >= 1,)),
    False,
    condition_truth([{bb: 1, x: 1}]),
)
case(
    "first_root_only_identity",
    6,
    lambda: Identity(x, -2),
    M(conditions=(sp.Eq(x**2, 4),)),
    False,
    conditional_identity([{x: 2}, {x: -2}]),
    reject=True,
)
case(
    "first_root_only_two_symbols",
    6,
    lambda: Identity(y, x / 2),
    M(conditions=(sp.Eq((x - y) * (x - 2 * y), 0),)),
    False,
    conditional_identity([{x: 1, y: 1}, {x: 2, y: 1}]),
    reject=True,
)
case(
    "two_roots_holds",
    6,
    lambda: Holds(x > 0),
    M(conditions=(sp.Eq(x**2, 4),)),
    False,
    condition_truth([{x: -2}, {x: 2}]),
    reject=True,
)
case(
    "equation_vs_one_root",
    6,
    lambda: Equivalent(sp.Eq(x**2, 4), sp.Eq(x, 2), x),
    NONE,
    False,
    condition_truth([{x: -2}]),
    reject=True,
)
case(
    "cubic_roots_holds",
    6,
    lambda: Holds(x >= 0),
    M(conditions=(sp.Eq(x**3 - x, 0),)),
    False,
    condition_truth([{x: -1}, {x: 0}, {x: 1}]),
    reject=True,
)
case(
    "step_size_interval_positive",
    6,
    lambda: Equivalent(sp.And(0 < alpha * g, alpha * g < 2), alpha < 2 / g, alpha),
    NONE,
    True,
    condition_truth([{g: gv, alpha: av} for gv in _pos[::5] for av in _pos]),
)
case(
    "square_below_nonneg_c",
    6,
    lambda: Equivalent(x**2 < cn, sp.And(-sp.sqrt(cn) < x, x < sp.sqrt(cn)), x),
    NONE,
    True,
    condition_truth([{cn: cv, x: xv} for cv in (0, 1, 4, sp.Rational(9, 4), 2) for xv in _grid]),
)
case(
    "contraction_from_step_size",
    6,
    lambda: Holds(sp.Abs(1 - alpha * g) < 1),
    M(conditions=(alpha * g < 2,)),
    True,
    condition_truth([{g: gv, alpha: av} for gv in _pos[::4] for av in _pos]),
)
case(
    "both_roots_bounded",
    6,
    lambda: Holds(sp.Abs(x) < 3),
    M(conditions=(sp.Eq(x**2, 4),)),
    True,
    condition_truth([{x: v} for v in _grid]),
)

# hole 7: induction ------------------------------------------------------------------------------
_zero_pow = sp.Pow(0, j, evaluate=False)  # 1 at j = 0, 0 for j >= 1
case(
    "index_from_one_zero_power",
    7,
    lambda: Recurrence(xs, c0 + j**2 - j + 1 - _zero_pow, j, lambda v, jj: v + 2 * jj, c0),
    NONE,
    False,
    recurrence_truth([{c0: 3}]),
    reject=True,
)
case(
    "index_from_one_condition",
    7,
    lambda: Recurrence(
        xs, c0 + i_**2 - i_ + 1 - sp.KroneckerDelta(i_, 0), i_, lambda v, ii: v + 2 * ii, c0
    ),
    M(conditions=(i_ >= 1,)),
    False,
    recurrence_truth([{c0: 3}]),
)
case(
    "gd_scalar_off_by_one",
    7,
    lambda: Recurrence(
        xs, (1 - alpha * a) ** (k + 1) * c0, k, lambda v, kk: (1 - alpha * a) * v, c0
    ),
    NONE,
    False,
    recurrence_truth([{c0: 3, alpha: sp.Rational(1, 2), a: 1}]),
    reject=True,
)
case(
    "defined_solution_wrong",
    7,
    lambda: Recurrence(xs, S_def, k, lambda v, kk: 2 * v, c0),
    M(definitions={S_def: 3**k * c0}),
    False,
    recurrence_truth([{c0: 1}]),
    reject=True,
)
case(
    "matrix_gd_wrong_sign",
    7,
    lambda: Recurrence(wk, (In + alpha * A) ** k * w0, k, lambda v, kk: (In - alpha * A) * v, w0),
    M(matrices={A: "psd"}),
    False,
    lambda claim, assume: recurrence_truth(
        [{n: 5, alpha: 0.1, A: psd(rng_for("gd"), 5, 3), w0: np.ones((5, 1))}], steps=3
    )(claim, assume),
    reject=True,
)
case(
    "index_from_one_true",
    7,
    lambda: Recurrence(xs, c0 + j**2 - j, j, lambda v, jj: v + 2 * jj, c0),
    NONE,
    True,
    recurrence_truth([{c0: 3}, {c0: sp.Rational(-7, 2)}]),
)
case(
    "gd_scalar",
    7,
    lambda: Recurrence(xs, (1 - alpha * a) ** k * c0, k, lambda v, kk: (1 - alpha * a) * v, c0),
    NONE,
    True,
    recurrence_truth(
        [{c0: 3, alpha: sp.Rational(1, 2), a: 1}, {c0: -2, alpha: 3, a: sp.Rational(5, 7)}]
    ),
)
case(
    "gd_affine",
    7,
    lambda: Recurrence(
        xs,
        c0 / g + (1 - alpha * g) ** k * (x - c0 / g),
        k,
        lambda v, kk: v - alpha * (g * v - c0),
        x,
    ),
    NONE,
    True,
    recurrence_truth(
        [
            {c0: 3, alpha: sp.Rational(1, 2), g: 1, x: 5},
            {c0: -2, alpha: 3, g: sp.Rational(5, 7), x: 0},
        ]
    ),
)
case(
    "defined_solution",
    7,
    lambda: Recurrence(xs, S_def, k, lambda v, kk: 2 * v, c0),
    M(definitions={S_def: 2**k * c0}),
    True,
    recurrence_truth([{c0: 1}, {c0: sp.Rational(-3, 5)}]),
)
case(
    "matrix_gd",
    7,
    lambda: Recurrence(wk, (In - alpha * A) ** k * w0, k, lambda v, kk: (In - alpha * A) * v, w0),
    M(matrices={A: "symmetric"}),
    True,
    lambda claim, assume: recurrence_truth(
        [
            {n: s, alpha: 0.1, A: symmetric(rng_for(f"gd{s}"), s, s - 2), w0: np.ones((s, 1))}
            for s in SIZES
        ],
        steps=6,
    )(claim, assume),
)


# hole 8: definitions out of scope (derivations) -------------------------------------------------
def _flow_derivation(name, claim, definition_time=t):
    steps = [
        Step(Definition(r, MatExp(-definition_time * K) * r0), "the flow from r0"),
        Step(claim, "the judged step", label="claim"),
    ]
    return derivation(name, steps, Assumptions(matrices={K: "psd"}))


def _flow_envs(rng):
    return [{N: s, t: 0.7, K: psd(rng, s, s - 1), r0: rng.standard_normal((s, 1))} for s in (5, 7)]


def dcase(name, truth, build, witness, reject=False):
    CASES.append(RedTeam(name, 8, build, NONE, truth, witness, reject))


dcase(
    "defined_flow_is_constant",
    False,
    lambda: _flow_derivation("flow_const", Identity(TimeDerivative(r), sp.ZeroMatrix(N, 1))),
    derivation_truth(_flow_envs),
    reject=True,
)
dcase(
    "defined_flow_wrong_rate",
    False,
    lambda: _flow_derivation("flow_rate", Identity(TimeDerivative(r), -K * r0)),
    derivation_truth(_flow_envs),
    reject=True,
)
dcase(
    "defined_flow_derivative",
    True,
    lambda: _flow_derivation("flow_ok", Identity(TimeDerivative(r), -K * r)),
    derivation_truth(_flow_envs),
)
dcase(
    "defined_flow_derivative_explicit",
    True,
    lambda: _flow_derivation(
        "flow_explicit", Identity(TimeDerivative(r), -K * MatExp(-t * K) * r0)
    ),
    derivation_truth(_flow_envs),
)
dcase(
    "lookalike_time_in_definition",
    False,
    lambda: _flow_derivation(
        "flow_lookalike",
        Identity(TimeDerivative(r), sp.ZeroMatrix(N, 1)),
        definition_time=t_lookalike,
    ),
    derivation_truth(_flow_envs, rename={t_lookalike: t}),
)
dcase(
    "lookalike_time_matrix",
    False,
    lambda: derivation(
        "lookalike_m",
        [
            Step(
                Identity(TimeDerivative(MatExp(-t_lookalike * K) * r0), sp.ZeroMatrix(N, 1)),
                "d/dt",
                label="claim",
            )
        ],
        Assumptions(matrices={K: "psd"}),
    ),
    derivation_truth(_flow_envs, rename={t_lookalike: t}),
)
dcase(
    "lookalike_time_scalar",
    False,
    lambda: derivation(
        "lookalike_s",
        [Step(Identity(sp.Derivative(sp.exp(-g * t_lookalike), t), 0), "d/dt", label="claim")],
        NONE,
    ),
    derivation_truth(lambda rng: [{t: 0.5, g: 2.0}], rename={t_lookalike: t}),
)
dcase(
    "defined_scalar_is_constant",
    False,
    lambda: derivation(
        "scalar_const",
        [
            Step(Definition(fsym, sp.exp(-g * t)), "f"),
            Step(Identity(sp.Derivative(fsym, t), 0), "d/dt", label="claim"),
        ],
        NONE,
    ),
    derivation_truth(lambda rng: [{t: 0.5, g: 2.0}]),
    reject=True,
)
dcase(
    "defined_scalar_derivative",
    True,
    lambda: derivation(
        "scalar_ok",
        [
            Step(Definition(fsym, sp.exp(-g * t)), "f"),
            Step(Identity(sp.Derivative(fsym, t), -g * fsym), "d/dt", label="claim"),
        ],
        NONE,
    ),
    derivation_truth(lambda rng: [{t: tv, g: gv} for tv in (0.0, 0.5, 3.0) for gv in (0.1, 2.0)]),
)


def _gradient_derivation(name, rhs):
    steps = [
        Step(Definition(gN, X.T * (X * wD - yN)), "the gradient of the loss"),
        Step(Identity(gN, rhs), "expand", label="claim"),
    ]
    return derivation(name, steps, Assumptions(matrices={X: "any"}))


def _gradient_envs(rng):
    return [
        {
            N: rows,
            D: cols,
            X: any_matrix(rng, rows, cols, rk),
            wD: rng.standard_normal((cols, 1)),
            yN: rng.standard_normal((rows, 1)),
        }
        for rows, cols, rk in ((5, 7, 3), (7, 5, 5), (6, 6, 0))
    ]


dcase(
    "defined_gradient",
    True,
    lambda: _gradient_derivation("grad_ok", X.T * X * wD - X.T * yN),
    derivation_truth(_gradient_envs),
)
dcase(
    "defined_gradient_wrong_sign",
    False,
    lambda: _gradient_derivation("grad_bad", X.T * X * wD + X.T * yN),
    derivation_truth(_gradient_envs),
    reject=True,
)

# hole 9: assumptions not enforced ----------------------------------------------------------------
_kernel_pd = Assumptions(matrices={K: "pd", X: "any"}, definitions={K: X * X.T})


def _row_rank_envs(rng):
    return [
        {N: rows, D: cols, X: any_matrix(rng, rows, cols)}
        for rows, cols in ((5, 5), (5, 7), (6, 8), (4, 7))
    ]


case(
    "defined_pd_kernel_inverse",
    9,
    lambda: Identity(Pinv(K) * K, sp.Identity(N)),
    _kernel_pd,
    True,
    matrix_identity(_row_rank_envs),
)
case(
    "defined_pd_kernel_refuted",
    9,
    lambda: Refuted(Pinv(K) * K, sp.Identity(N)),
    _kernel_pd,
    False,
    matrix_identity(_row_rank_envs),
)
case(
    "defined_pd_row_space_is_identity",
    9,
    lambda: Identity(Pinv(X) * X, sp.Identity(D)),
    _kernel_pd,
    False,
    matrix_identity(_row_rank_envs),
    reject=True,
)
_primes = [{p: v} for v in (2, 3, 5, 7, 11, 13, 101, 7919)]
case(
    "prime_fermat",
    9,
    lambda: Identity(sp.Mod(2**p - 2, p), 0),
    NONE,
    True,
    scalar_identity(_primes),
)
case(
    "prime_fermat_refuted",
    9,
    lambda: Refuted(sp.Mod(2**p - 2, p), 0),
    NONE,
    False,
    scalar_identity(_primes),
)
case(
    "prime_wilson",
    9,
    lambda: Identity(sp.Mod(sp.factorial(p - 1) + 1, p, evaluate=False), 0),
    NONE,
    True,
    scalar_identity(_primes[:7]),
)
case(
    "prime_is_odd",
    9,
    lambda: Identity(sp.Mod(p, 2), 1),
    NONE,
    False,
    scalar_identity([{p: 2}]),
    reject=True,
)
_odds = [{m: v} for v in (-101, -7, -1, 1, 3, 5, 99999)]
case(
    "odd_square_mod_8", 9, lambda: Identity(sp.Mod(m**2, 8), 1), NONE, True, scalar_identity(_odds)
)
case(
    "odd_square_mod_8_refuted",
    9,
    lambda: Refuted(sp.Mod(m**2, 8), 1),
    NONE,
    False,
    scalar_identity(_odds),
)
case(
    "refuted_abs_under_condition",
    9,
    lambda: Refuted(sp.Abs(x), x),
    M(conditions=(x >= 0,)),
    False,
    scalar_identity([{x: v} for v in (0, sp.Rational(1, 3), 5, 10**9)]),
)
case(
    "refuted_orthogonal_gram",
    9,
    lambda: Refuted(Q.T * Q, In),
    M(matrices={Q: "orthogonal"}),
    False,
    matrix_identity(sq_envs("orthogonal", Q, ranks=(1, 2))),
)
case(
    "refuted_pinv_commutes_any",
    9,
    lambda: Refuted(Pinv(A) * A, A * Pinv(A)),
    M(matrices={A: "any"}),
    True,
    matrix_identity(sq_envs("any", A, ranks=(2,))),
)
case(
    "refuted_pinv_right_inverse_symmetric",
    9,
    lambda: Refuted(A * Pinv(A), In),
    M(matrices={A: "symmetric"}),
    True,
    matrix_identity(sq_envs("symmetric", A, ranks=(3,))),
)
case(
    "refuted_square_above_one",
    9,
    lambda: Refuted(x**2, x),
    M(conditions=(x > 1,)),
    True,
    scalar_identity([{x: 2}]),
)
case(
    "refuted_matexp_product_symmetric",
    9,
    lambda: Refuted(MatExp(A) * MatExp(B), MatExp(A + B)),
    M(matrices={A: "symmetric", B: "symmetric"}),
    True,
    matrix_identity(sq_envs("symmetric", A, B, ranks=(4,))),
)

# hole 10: blind trust in simplify / evalf --------------------------------------------------------
_near_one = sp.Rational(10**30 - 1, 10**30)
case(
    "acos_near_one_is_zero",
    10,
    lambda: Identity(sp.acos(_near_one), 0),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "acos_near_one_leading_term",
    10,
    lambda: Identity(sp.acos(_near_one), sp.sqrt(2) / 10**15),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "ramanujan_constant",
    10,
    lambda: Identity(sp.exp(sp.pi * sp.sqrt(163)), sp.Integer(640320) ** 3 + 744),
    NONE,
    False,
    scalar_identity([{}]),
    reject=True,
)
case(
    "sqrt_of_product_real",
    10,
    lambda: Identity(sp.sqrt(x * y), sp.sqrt(x) * sp.sqrt(y)),
    NONE,
    False,
    scalar_identity([{x: -1, y: -1}]),
)
case(
    "log_of_product_negative",
    10,
    lambda: Identity(sp.log(xneg * yneg), sp.log(xneg) + sp.log(yneg)),
    NONE,
    False,
    scalar_identity([{xneg: -1, yneg: -1}]),
)
case(
    "sqrt_of_square_real",
    10,
    lambda: Identity(sp.sqrt(x**2), x),
    NONE,
    False,
    scalar_identity([{x: -1}]),
    reject=True,
)
case(
    "acos_near_one_half_angle",
    10,
    lambda: Identity(sp.acos(_near_one), 2 * sp.asin(sp.sqrt(2) / (2 * 10**15))),
    NONE,
    True,
    scalar_identity([{}]),
)
case(
    "sqrt_of_product_positive",
    10,
    lambda: Identity(sp.Pow(g * s_, sp.S.Half, evaluate=False), sp.sqrt(g) * sp.sqrt(s_)),
    NONE,
    True,
    scalar_identity(
        [{g: gv, s_: sv} for gv in (sp.Rational(1, 7), 3, 10**12) for sv in (2, sp.Rational(9, 4))]
    ),
)

# hole 11: vacuity -------------------------------------------------------------------------------
_contradiction = (x > 1, x < 0)
case(
    "vacuous_holds",
    11,
    lambda: Holds(x > 5),
    M(conditions=_contradiction),
    False,
    condition_truth([{x: v} for v in _grid]),
)
case(
    "vacuous_equivalent",
    11,
    lambda: Equivalent(x > 0, x < 0, x),
    M(conditions=_contradiction),
    False,
    condition_truth([{x: v} for v in _grid]),
)
case(
    "vacuous_identity",
    11,
    lambda: Identity(x, x + 1),
    M(conditions=_contradiction),
    False,
    conditional_identity([{x: v} for v in _grid]),
)
case(
    "vacuous_symbol_fact",
    11,
    lambda: Holds(g > 100),
    M(conditions=(g < 0,)),
    False,
    condition_truth([{g: v} for v in _pos]),
)
case(
    "vacuous_no_real_root",
    11,
    lambda: Holds(sp.Eq(x, 1)),
    M(conditions=(sp.Eq(x**2, -1),)),
    False,
    condition_truth([{x: v} for v in _grid]),
)
case(
    "vacuous_parameter",
    11,
    lambda: Holds(x * y > 10),
    M(conditions=(y > 1, y < 0)),
    False,
    condition_truth([{x: xv, y: yv} for xv in _grid[::8] for yv in _grid]),
)
case(
    "vacuous_equivalent_parameter",
    11,
    lambda: Equivalent(x > y, x < y, x),
    M(conditions=(y > 1, y < 0)),
    False,
    condition_truth([{x: xv, y: yv} for xv in _grid[::8] for yv in _grid]),
)
case(
    "nonvacuous_holds",
    11,
    lambda: Holds(x > 0),
    M(conditions=(x > 1,)),
    True,
    condition_truth([{x: v} for v in _grid]),
)
case(
    "nonvacuous_equivalent",
    11,
    lambda: Equivalent(x > 2, x**2 > 4, x),
    M(conditions=(x > 0,)),
    True,
    condition_truth([{x: v} for v in _grid]),
)


# hole 12: time ----------------------------------------------------------------------------------
def _radical_matrix():
    """A 3x4 matrix of signed square roots of distinct primes: its exact pseudoinverse is a tower
    of radicals (the engine of 6f739c3 spent more than 100 s on it)."""
    return sp.ImmutableMatrix(
        3, 4, lambda i, jj: sp.sqrt(sp.prime(4 * i + jj + 1)) * (1 if (i + jj) % 3 else -1)
    )


def _radical_witness(claim, assume):
    mat = np.array([[float(v) for v in row] for row in _radical_matrix().tolist()])
    return bool(np.allclose(np.linalg.pinv(mat), mat.T))


case(
    "pinv_of_radical_matrix",
    12,
    lambda: Identity(Pinv(_radical_matrix()), _radical_matrix().T),
    NONE,
    False,
    _radical_witness,
)
case(
    "trigonometric_powers",
    12,
    lambda: Identity(
        sp.sin(x) ** 40 * sp.cos(x) ** 37 + sp.sin(3 * x) ** 11,
        sp.cos(x) ** 41 * sp.sin(x) ** 36 + sp.cos(3 * x) ** 11,
    ),
    NONE,
    False,
    scalar_identity([{x: sp.Rational(1, 3)}]),
)

# hole 13: true claims refused ------------------------------------------------------------------
_ints = [{i_: v} for v in range(-30, 31)]
case(
    "integer_square_at_least_itself",
    13,
    lambda: Holds(i_**2 >= i_),
    NONE,
    True,
    condition_truth(_ints),
)
case(
    "integer_strict_vs_nonstrict",
    13,
    lambda: Equivalent(i_ > 0, i_ >= 1, i_),
    NONE,
    True,
    condition_truth(_ints),
)
case(
    "integer_square_below_four",
    13,
    lambda: Equivalent(i_**2 < 4, sp.Abs(i_) <= 1, i_),
    NONE,
    True,
    condition_truth(_ints),
)
case(
    "integer_lower_bound",
    13,
    lambda: Holds(i_ >= 0),
    M(conditions=(i_ > -1,)),
    True,
    condition_truth(_ints),
)
case(
    "symmetric_minus_transpose_scalar_zero",
    13,
    lambda: Identity(A - A.T, 0),
    M(matrices={A: "symmetric"}),
    True,
    matrix_identity(sq_envs("symmetric", A)),
)
case(
    "penrose_first_scalar_zero",
    13,
    lambda: Identity(X * Pinv(X) * X - X, 0),
    M(matrices={X: "any"}),
    True,
    matrix_identity(
        rect_envs(
            lambda rng, rows, cols, rk: {N: rows, D: cols, X: any_matrix(rng, rows, cols, rk)}
        )
    ),
)
case(
    "real_square_at_least_itself",
    13,
    lambda: Holds(x**2 >= x),
    NONE,
    False,
    condition_truth([{x: sp.Rational(1, 2)}]),
    reject=True,
)
case(
    "real_strict_vs_nonstrict",
    13,
    lambda: Equivalent(x > 0, x >= 1, x),
    NONE,
    False,
    condition_truth([{x: sp.Rational(1, 2)}]),
    reject=True,
)
case(
    "any_minus_transpose_scalar_zero",
    13,
    lambda: Identity(A - A.T, 0),
    M(matrices={A: "any"}),
    False,
    matrix_identity(sq_envs("any", A, ranks=(3,))),
    reject=True,
)


IDS = [f"h{c.hole:02d}-{'T' if c.truth else 'F'}-{c.name}" for c in CASES]


# -- the tests -------------------------------------------------------------------------------------


def test_catalogue_of_cases():
    """The suite is what issue 8 asks for: >= 60 false and >= 30 true claims, every hole class
    with a false claim, unique names, and the catalogue's vocabulary."""
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert sum(not c.truth for c in CASES) >= 60
    assert sum(c.truth for c in CASES) >= 30
    assert {c.hole for c in CASES if not c.truth} == set(range(1, 14))
    built = [c.claim() for c in CASES]
    same = [
        c.name
        for c, b in zip(CASES, built, strict=True)
        if isinstance(b, (Identity, Refuted)) and b.lhs == b.rhs
    ]
    assert not same, f"SymPy evaluated these claims to lhs == rhs on construction: {same}"
    kinds = {type(b).__name__ for b in built}
    assert {"Identity", "Holds", "Equivalent", "Recurrence", "Refuted", "Derivation"} <= kinds
    text = " ".join(
        sp.srepr(getattr(b, "lhs", getattr(b, "solution", sp.S.Zero)))
        for b in built
        if not isinstance(b, Derivation)
    )
    for node in ("Pinv", "MatExp", "MatrixLimit", "TimeDerivative"):
        assert node in text, node


def test_witnesses_do_not_use_the_package():
    """The witness module imports nothing from the package (derive, checks)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).with_name("redteam_witness.py").read_text())
    modules = [
        a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    ]
    modules += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [mod for mod in modules if mod.split(".")[0] in ("derive", "checks")], modules


@pytest.mark.parametrize("rt", CASES, ids=IDS)
def test_witness_agrees_with_label(rt: RedTeam):
    built = rt.claim()
    assert rt.witness(built, rt.assume) is rt.truth, (
        f"{rt.name}: the witness says {not rt.truth}, the label {rt.truth}"
    )


def _call(fn, *args, **kwargs):
    """Call the engine with ``timeout=ENGINE_TIMEOUT`` when it takes one, always inside an outer
    bound of OUTER_BOUND seconds; (result, seconds)."""
    if "timeout" in inspect.signature(fn).parameters:
        kwargs["timeout"] = ENGINE_TIMEOUT
    start = time.monotonic()
    out, overran = None, False
    try:
        with deadline(OUTER_BOUND):
            out = fn(*args, **kwargs)
    except OutOfTime:
        overran = (
            True  # fail outside the handler: the interrupted frames make pytest's traceback crash
        )
    if overran:
        pytest.fail(f"the engine ran past the outer bound of {OUTER_BOUND:g} s", pytrace=False)
    return out, time.monotonic() - start


def _judge(rt: RedTeam, seed: int):
    built = rt.claim()
    if isinstance(built, Derivation):
        done, seconds = _call(verify, built, seed=seed)
        return built, done.step(rt.judged).certificate, seconds
    cert, seconds = _call(verify_claim, built, rt.assume, seed=seed)
    return built, cert, seconds


def _seeds(rt: RedTeam) -> tuple[int, ...]:
    if rt.truth or rt.hole == 12:
        return (0,)
    return (0, 1 + zlib.crc32(rt.name.encode()) % 9999)


@pytest.mark.parametrize("rt", CASES, ids=IDS)
def test_engine_agrees_with_label(rt: RedTeam):
    for seed in _seeds(rt):
        built, cert, seconds = _judge(rt, seed)
        assert cert is not None, f"{rt.name}: no certificate"
        if rt.hole == 12 and "timeout" in inspect.signature(verify_claim).parameters:
            assert seconds <= 3 * ENGINE_TIMEOUT, (
                f"{rt.name}: {seconds:.1f} s with timeout={ENGINE_TIMEOUT:g}"
            )
        if not rt.truth:
            assert cert.ok is False, f"{rt.name} (seed {seed}): a false claim was certified: {cert}"
            if rt.reject:
                assert cert.method == "rejected", (
                    f"{rt.name} (seed {seed}): expected a rejection, got {cert}"
                )
            continue
        assert cert.ok is True, f"{rt.name} (seed {seed}): a true claim was not certified: {cert}"
        if isinstance(built, Refuted):
            _check_counterexample(built, rt.assume, cert.counterexample)


# -- counterexamples of Refuted, checked here ------------------------------------------------


def _symbols_of(claim: Refuted, assume: Assumptions) -> dict:
    exprs = [
        claim.lhs,
        claim.rhs,
        *assume.conditions,
        *assume.definitions.keys(),
        *assume.definitions.values(),
        *assume.matrices.keys(),
    ]
    found: dict = {}
    for e in exprs:
        for s in e.free_symbols | e.atoms(sp.MatrixSymbol):
            found[str(s)] = s
            if isinstance(s, sp.MatrixSymbol):
                for d in s.shape:
                    for z in sp.sympify(d).free_symbols:
                        found[str(z)] = z
    return found


def _parse(value):
    if isinstance(value, (list, tuple)):
        return sp.ImmutableMatrix([[sp.sympify(v) for v in row] for row in value])
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    return sp.sympify(value)


def _has_property(mat: sp.ImmutableMatrix, prop: str) -> bool:
    square = mat.rows == mat.cols
    if prop == "any":
        return True
    if prop == "symmetric":
        return square and mat == mat.T
    if prop == "orthogonal":
        return square and mat.T * mat == sp.eye(mat.rows)
    if prop in ("psd", "pd"):
        if not (square and mat == mat.T):
            return False
        return (
            bool(mat.is_positive_definite) if prop == "pd" else bool(mat.is_positive_semidefinite)
        )
    if prop in ("diagonal", "diagonal_nonneg"):
        return (
            square
            and mat.is_diagonal()
            and (prop == "diagonal" or all(v >= 0 for v in mat.diagonal()))
        )
    if prop == "invertible":
        return square and mat.det() != 0
    raise AssertionError(f"no check for the property {prop!r}")


_FACTS = ("real", "positive", "nonnegative", "negative", "integer", "prime", "odd", "even")


def _check_counterexample(claim: Refuted, assume: Assumptions, cx) -> None:
    """The counterexample of a certified refutation satisfies every assumption and makes the
    two sides differ (float64 evaluation, or undefined on one side only)."""
    assert cx, f"a refutation without a counterexample: {claim}"
    symbols = _symbols_of(claim, assume)
    values = {symbols[name]: _parse(v) for name, v in cx.items() if name in symbols}
    defs = {kk: _expand(v, {}) for kk, v in assume.definitions.items()}
    for sym, rhs in defs.items():  # defined symbols take their defined value
        expanded = _expand(rhs, defs).xreplace(values)
        value = (
            sp.ImmutableMatrix(expanded.doit())
            if getattr(expanded, "is_Matrix", False)
            else expanded
        )
        if sym in values:
            assert values[sym] == value, f"{sym} = {values[sym]} is not its definition {value}"
        values[sym] = value
    for sym, v in values.items():
        if isinstance(sym, sp.Symbol):
            for fact in _FACTS:
                if getattr(sym, f"is_{fact}") is True:
                    assert getattr(v, f"is_{fact}") is True, f"{sym} = {v} is not {fact}"
    for sym, prop in assume.matrices.items():
        assert sym in values, f"the counterexample gives no value for {sym}"
        assert _has_property(values[sym], prop), f"{sym} = {values[sym].tolist()} is not {prop}"
    for cond in assume.conditions:
        assert bool(cond.xreplace(values)) is True, f"{cond} fails at the counterexample"
    env = {}
    for sym, v in values.items():
        if isinstance(v, sp.MatrixBase):
            env[sym] = np.array(v.tolist(), dtype=float)
        elif isinstance(sym, sp.Symbol) and sym.is_integer and v.is_Integer:
            env[sym] = int(v)
        else:
            env[sym] = v
    for sym in symbols.values():
        if isinstance(sym, sp.MatrixSymbol):
            if sym in env:
                for dim, size in zip(sym.shape, env[sym].shape, strict=True):
                    for z in sp.sympify(dim).free_symbols:
                        env.setdefault(z, int(size))
    lhs, rhs = _expand(claim.lhs, defs), _expand(claim.rhs, defs)
    if any(isinstance(v, np.ndarray) for v in env.values()):
        try:
            same = agree(lhs, rhs, env)
        except Undefined:
            same = False
    else:
        same = sp.simplify((lhs - rhs).xreplace(values)) == 0
    assert not same, f"the counterexample {cx} does not separate the sides of {claim}"
