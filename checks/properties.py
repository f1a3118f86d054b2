r"""Named property checks tying the derivations (``derive``) to real GD iterations
(``gdflow.checks.simulate``).

A property is a hypothesis test: strategies draw examples, a function asserts a fact about each.
They run from pytest (``tests/test_properties.py``) and from ``gdflow check`` through
:func:`run_checks`; results print with :func:`format_results`.

Registering a property from another module
------------------------------------------
::

    # checks/flow_properties.py
    from gdflow.checks.properties import register
    from gdflow.checks.strategies import gd_problems

    @register("flow.gd_tracks_flow", "GD with step α tracks gradient flow with error O(α)",
              gd_problems(alpha="convergent"))
    def gd_tracks_flow(problem):
        ...            # assert the fact; a failing assert becomes a shrunk counterexample

- ``register(name, description, *strategies, **named_strategies)``: the strategies are given
  to the function positionally (or by keyword), exactly like ``hypothesis.given``; do **not**
  add ``@given`` or ``@settings`` yourself (:func:`run_checks` applies
  ``settings(max_examples=examples, deadline=None, database=None)`` and ``seed(seed)``).
- Names are ``area.what_holds`` (``gd.…``, ``flow.…``, ``ridge.…``, ``gaussian.…``); a name can
  be registered once.  Descriptions are one sentence, with the seed equation.
- So that ``gdflow check`` sees them, name the module ``checks/<area>_properties.py``:
  :func:`load_properties` imports every module of the ``checks`` package whose name ends in
  ``_properties``.  A module elsewhere can be added to :data:`PROPERTY_MODULES` instead.
- Make the examples print readably: draw dataclasses whose ``repr`` shows matrices (see
  ``gdflow.checks.strategies.GDProblem``); the shrunk falsifying example is printed with it
  (:func:`format_example`).
- Assert with a message that gives the numbers (``f"error {err:.3g} > tolerance {tol:.3g}"``).

Tolerances
----------
Every comparison with float64 uses a bound derived from backward stability, not a number
tuned until green.  For GD on :math:`J=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top
\mathbf w+c` (½ scale):

- each float64 step :math:`\mathbf w - \alpha(\mathbf A\mathbf w + \mathbf b)` is exact up to
  :math:`\lesssim D\varepsilon(\|\mathbf w\| + \alpha\tilde a_{\max}\|\mathbf w\| +
  \alpha\|\mathbf b\|)`, and the k errors are carried forward by :math:`(\mathbf I-\alpha
  \mathbf A)^{k-i}`, of norm :math:`\le\max(1,\rho)^{k-i}`;
- the eigh-based closed form is exact for :math:`\mathbf A + \mathbf E`,
  :math:`\|\mathbf E\|\lesssim D\varepsilon\tilde a_{\max}` (and :math:`(1-\alpha\tilde a_j)^k`
  carries a relative rounding of k ε); :math:`\mathbf w^{(k)}` moves by at most
  :math:`\alpha k\|\mathbf E\|\max_{i\le k}\|\mathbf w^{(i)}\|` under such a perturbation.

Both are below (:func:`iterate_tolerance`)

.. math::

    \text{tol}_k = C\,D\,\varepsilon\,(1+k)(1+\alpha\tilde a_{\max})\,M_k,\quad
    M_k = \bigl(\|\mathbf w^{(0)}\| + \|\mathbf A^\dagger\mathbf b\| + \alpha\|\mathbf b\|
           + \alpha k\|\mathbf b_\perp\|\bigr)\max(1,\rho^k),

with :math:`\rho=\max_j|1-\alpha\tilde a_j|`, :math:`\mathbf b_\perp` the part of b outside
range(A) and :math:`C` = :data:`SAFETY` = 16.  (Measured over 400 drawn problems with k up
to 200: the closed form used at most 2.3 % of this tolerance, the float64 iteration 1.1 %;
worst-case rounding bounds are far above typical, random-walk, rounding.)  The reference trajectory
is computed in mpmath
(50 digits) from the same float64 data, so it is the exact dynamics of the problem as given:
that is what "compare in mpmath where float64 iteration itself is inaccurate" means here —
the float64 iteration and the closed form are *both* held against it.  Conditioning enters
through :math:`\|\mathbf A^\dagger\mathbf b\|` (the size of the minimiser) and, where a
subspace is compared, through :math:`\kappa` (Davis–Kahan: the null space of A is determined
to :math:`D\varepsilon\,\tilde a_{\max}/\tilde a_{\min}`).
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import inspect
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from gdflow.derive.eigencases import StepCase

from . import strategies as gs
from .numeric import (
    eigendirections,
    gd_iterates,
    gd_loss,
    least_squares_iterates,
    limit_point,
)
from .simulate import (
    EPS,
    gd_trajectory,
    gd_trajectory_mp,
    least_squares_b_rounding,
    least_squares_quadratic,
    safe_norm,
)

__all__ = [
    "Property",
    "PropertyResult",
    "PROPERTIES",
    "PROPERTY_MODULES",
    "SAFETY",
    "register",
    "load_properties",
    "select",
    "run_checks",
    "format_results",
    "iterate_scale",
    "iterate_tolerance",
    "representable_steps",
    "steps_to_shrink",
]

SAFETY = 16.0
"""The constant C in the tolerances (module docstring): covers the modest polynomial factors
of the backward-error bounds of matrix-vector products and eigh (√D, a few roundings per step)."""

TINY = 1e-300
"""Absolute floor added to every tolerance: in the subnormal range (below ~2.2e-308) float64
arithmetic has absolute, not relative, rounding errors of 5e-324 per operation."""

PROPERTY_MODULES: list[str] = ["gdflow.checks.properties"]
"""Modules whose import registers properties, besides the ``checks/*_properties.py`` modules
that :func:`load_properties` finds by name (see the module docstring)."""


@dataclass(frozen=True)
class Property:
    """A registered property: its name, one-sentence description, the function asserting the
    fact, the hypothesis strategies for its arguments, and the module that registered it."""

    name: str
    description: str
    check: Callable[..., None]
    strategies: tuple[st.SearchStrategy, ...]
    named_strategies: dict[str, st.SearchStrategy]
    module: str

    def run(self, examples: int = 100, seed_value: int = 0) -> PropertyResult:
        """Run this property as a seeded hypothesis test (see :func:`run_checks`)."""
        return _run_one(self, examples, seed_value)


@dataclass(frozen=True)
class PropertyResult:
    """Outcome of one property: ``examples`` run (before the first failure, if any), ``passed``,
    ``counterexample`` (the assertion message, then the shrunk falsifying example as
    :func:`format_example` prints it; None when passed) and wall-clock ``seconds``."""

    name: str
    examples: int
    passed: bool
    counterexample: str | None
    seconds: float

    def as_json(self) -> dict[str, object]:
        """``{name, examples, passed, counterexample}`` (the stable JSON shape of
        ``gdflow check``)."""
        return {
            "name": self.name,
            "examples": self.examples,
            "passed": self.passed,
            "counterexample": self.counterexample,
        }


PROPERTIES: dict[str, Property] = {}
"""Every registered property by name, in registration order."""


def register(
    name: str,
    description: str,
    *strategies: st.SearchStrategy,
    **named_strategies: st.SearchStrategy,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorator: register ``fn`` as the property ``name`` with its strategies (as in
    ``hypothesis.given``).  Returns ``fn`` unchanged, so it can still be called on one example.

    Raises ``ValueError`` when the name is taken.
    """

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        if name in PROPERTIES and PROPERTIES[name].check is not fn:
            other = PROPERTIES[name].module
            raise ValueError(f"property {name!r} is already registered (by {other})")
        if not strategies and not named_strategies:
            raise ValueError(f"property {name!r} needs at least one strategy")
        PROPERTIES[name] = Property(
            name, description, fn, tuple(strategies), dict(named_strategies), fn.__module__
        )
        return fn

    return decorate


def load_properties() -> dict[str, Property]:
    """Import every module of :data:`PROPERTY_MODULES` and every ``checks/*_properties.py``
    module, and return :data:`PROPERTIES`."""
    import pkgutil

    package = importlib.import_module("gdflow.checks")
    found = sorted(
        m.name for m in pkgutil.iter_modules(package.__path__) if m.name.endswith("_properties")
    )
    for module in [*PROPERTY_MODULES, *(f"gdflow.checks.{name}" for name in found)]:
        importlib.import_module(module)
    return PROPERTIES


def select(pattern: str | None) -> list[Property]:
    """Properties whose name matches ``pattern``: a glob (``gd.*invariance*``) when it contains
    ``*?[``, else a substring (``limit``); None selects all."""
    props = list(load_properties().values())
    if not pattern:
        return props
    if any(ch in pattern for ch in "*?["):
        return [p for p in props if fnmatch.fnmatchcase(p.name, pattern)]
    return [p for p in props if pattern in p.name]


def _run_one(prop: Property, examples: int, seed_value: int) -> PropertyResult:
    calls: dict[str, object] = {"passed": 0, "failed": False, "example": None}

    @functools.wraps(prop.check)
    def body(*args: object, **kwargs: object) -> None:
        try:
            prop.check(*args, **kwargs)
        except UnsatisfiedAssumption:
            raise
        except BaseException:
            calls["failed"] = True
            # hypothesis replays the shrunk example last, so the last failing call is the one
            # reported
            calls["example"] = (args, kwargs)
            raise
        if not calls["failed"]:
            calls["passed"] += 1

    test = given(*prop.strategies, **prop.named_strategies)(body)
    test = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=False,
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )(test)
    test = seed(seed_value)(test)
    start = time.perf_counter()
    try:
        test()
    except Exception as exc:  # a failing assert, an error in the check, or hypothesis giving up
        kind = "" if isinstance(exc, AssertionError) else f"{type(exc).__name__}: "
        text = f"{kind}{exc}".strip()
        if calls["example"] is not None:
            # printed by us, not in hypothesis's wording (which changes between releases)
            args, kwargs = calls["example"]
            counterexample = f"{text}\n{format_example(prop.check, args, kwargs)}".strip()
        else:  # hypothesis gave up (health check, unsatisfiable): its notes say why
            notes = "\n".join(getattr(exc, "__notes__", []))
            counterexample = f"{text}\n{notes}".strip() if notes else text
        return PropertyResult(
            prop.name, calls["passed"], False, counterexample, time.perf_counter() - start
        )
    return PropertyResult(prop.name, calls["passed"], True, None, time.perf_counter() - start)


def format_example(fn: Callable[..., None], args: tuple, kwargs: dict) -> str:
    """The call ``fn(*args, **kwargs)`` as ``example: name(\\n    arg=repr,\\n)``, one argument
    per line, multi-line reprs (matrices) indented under their argument."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    lines = [f"example: {getattr(fn, '__name__', 'check')}("]
    for name, value in bound.items():
        text = repr(value).replace("\n", "\n    ")
        lines.append(f"    {name}={text},")
    lines.append(")")
    return "\n".join(lines)


def run_checks(
    pattern: str | None = None,
    examples: int = 100,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[PropertyResult]:
    """Run the properties matching ``pattern`` (:func:`select`), each with ``examples``
    hypothesis examples from ``seed`` (same seed, same examples, same result).

    ``progress(name, done, total)`` is called before each property starts (``done`` =
    properties finished so far) and once more after the last one (``done == total``).
    """
    chosen = select(pattern)
    out: list[PropertyResult] = []
    for i, prop in enumerate(chosen):
        if progress is not None:
            progress(prop.name, i, len(chosen))
        out.append(_run_one(prop, examples, seed))
    if progress is not None:
        progress(chosen[-1].name if chosen else "", len(chosen), len(chosen))
    return out


def format_results(results: list[PropertyResult], fmt: str = "table") -> str:
    """``results`` as text: ``"table"`` (one line per property, then each counterexample) or
    ``"json"`` (a list of ``{name, examples, passed, counterexample}``)."""
    if fmt == "json":
        return json.dumps([r.as_json() for r in results], indent=2)
    if fmt != "table":
        raise ValueError(f"format must be 'table' or 'json'; got {fmt!r}")
    width = max([len(r.name) for r in results] + [8])
    lines = [f"{'property':<{width}}  {'result':<6}  {'examples':>8}  {'seconds':>8}"]
    for r in results:
        lines.append(
            f"{r.name:<{width}}  {'pass' if r.passed else 'FAIL':<6}  {r.examples:>8}  "
            f"{r.seconds:>8.2f}"
        )
    failed = [r for r in results if not r.passed]
    lines.append(f"{len(results) - len(failed)} of {len(results)} properties passed")
    for r in failed:
        lines.append("")
        lines.append(f"counterexample for {r.name}:")
        lines.extend("  " + line for line in (r.counterexample or "").splitlines())
    return "\n".join(lines)


# -- tolerances --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spectrum:
    r"""What the tolerances need from one eigendecomposition of A: the eigenvalues (clipped at 0),
    :math:`\tilde a_{\max}`, :math:`\|\mathbf A^\dagger\mathbf b\|` and the norm of b outside
    range(A)."""

    eigenvalues: np.ndarray
    a_max: float
    pinv_b: float
    b_perp: float

    def rho(self, alpha: float) -> float:
        r""":math:`\rho = \max_j|1-\alpha\tilde a_j|`."""
        return float(np.max(np.abs(1 - alpha * self.eigenvalues)))


@functools.lru_cache(maxsize=64)
def _spectrum_of(shape: tuple[int, ...], A_bytes: bytes, b_bytes: bytes) -> _Spectrum:
    A = np.frombuffer(A_bytes, dtype=float).reshape(shape)
    b = np.frombuffer(b_bytes, dtype=float)
    dirs = eigendirections(A, b, None, 1.0)
    pos = dirs.a > 0
    pinv_b = float(safe_norm(dirs.b[pos] / dirs.a[pos])) if pos.any() else 0.0
    ev = np.clip(dirs.basis.eigenvalues, 0, None)
    return _Spectrum(ev, float(ev[-1]), pinv_b, float(safe_norm(dirs.b[~pos])))


def _spectrum(A: np.ndarray, b: np.ndarray | None = None) -> _Spectrum:
    """:class:`_Spectrum` of (A, b) (b = 0 when None) from a single :func:`eigendirections` call,
    cached per problem: the tolerances are asked for at every k of the same problem."""
    A = np.ascontiguousarray(A, dtype=float)
    b = np.zeros(A.shape[0]) if b is None else np.ascontiguousarray(b, dtype=float).reshape(-1)
    return _spectrum_of(A.shape, A.tobytes(), b.tobytes())


def steps_to_shrink(rho: float, factor: float) -> int:
    r"""The number of steps k with :math:`\rho^k \le` ``factor`` (:math:`0\le\rho<1`, factor < 1):
    :math:`\lceil\log(\text{factor})/\log\rho\rceil`, and 1 for :math:`\rho = 0` (one step is
    exact)."""
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1) to shrink; got {rho!r}")
    return max(1, math.ceil(math.log(factor) / math.log(rho))) if rho > 0 else 1


def iterate_scale(
    A: np.ndarray, b: np.ndarray, w0: np.ndarray, alpha: float, k: float, extra: float = 0.0
) -> float:
    r""":math:`M_k = (\|\mathbf w^{(0)}\| + \|\mathbf A^\dagger\mathbf b\| + \alpha\|\mathbf b\|
    + \alpha k\|\mathbf b_\perp\| + \text{extra})\max(1,\rho^k)`, a bound on the size of the
    iterates up to step k (module docstring)."""
    spec = _spectrum(A, b)
    growth = max(1.0, spec.rho(alpha)) ** k if k > 0 else 1.0
    return (
        float(safe_norm(w0))
        + spec.pinv_b
        + alpha * float(safe_norm(b))
        + alpha * k * spec.b_perp
        + extra
    ) * growth


def iterate_tolerance(
    A: np.ndarray, b: np.ndarray, w0: np.ndarray, alpha: float, k: float, extra: float = 0.0
) -> float:
    r""":math:`\text{tol}_k = C D\varepsilon(1+k)(1+\alpha\tilde a_{\max})M_k` for
    :math:`\mathbf w^{(k)}` of GD on the ½-scale quadratic (module docstring,
    :func:`iterate_scale`);
    ``extra`` is added to the scale :math:`M` before the growth factor (e.g. a shift's norm)."""
    a_max = _spectrum(A, b).a_max
    return (
        SAFETY
        * np.shape(A)[0]
        * EPS
        * (1 + k)
        * (1 + alpha * a_max)
        * iterate_scale(A, b, w0, alpha, k, extra)
        + TINY
    )


def representable_steps(
    A: np.ndarray, alpha: float, ks: list[int], digits: float = 120.0
) -> list[int]:
    r"""The step counts of ``ks`` with :math:`\rho^k \le 10^{\text{digits}}`,
    :math:`\rho = \max_j|1-\alpha\tilde a_j|`: beyond them a divergent run leaves the float64
    range (about :math:`10^{308}`) and there is nothing finite to compare."""
    rho = _spectrum(A).rho(alpha)
    if rho <= 1:
        return list(ks)
    return [k for k in ks if k * math.log10(rho) <= digits]


# -- the properties of issue 2 (001 §2) --------------------------------------------------------


@register(
    "gd.stepping_matches_closed_form",
    "for many consecutive k, the eigen-coordinates stepped by the recurrence of "
    "gd.coordinate_recurrence (the fast route of gd_iterates) agree with the closed form "
    "w^(k) = w^(inf) + (I - alpha A)^k (w^(0) - w^(inf)) (001 eq 13) evaluated at every k",
    gs.gd_problems(),
    st.integers(0, 150),
    st.integers(1, 120),
)
def stepping_matches_closed_form(problem: gs.GDProblem, start: int, count: int) -> None:
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    ks = representable_steps(A, alpha, list(range(start, start + count)))
    assume(ks)
    stepped = gd_iterates(A, b, w0, alpha, ks, route="step")
    closed = gd_iterates(A, b, w0, alpha, ks, route="closed")
    for i, k in enumerate(ks):
        # both are within iterate_tolerance of the exact iterate (module docstring)
        tol = 2 * iterate_tolerance(A, b, w0, alpha, k)
        err = float(safe_norm(stepped.w[i] - closed.w[i]))
        assert err <= tol, (
            f"stepped and closed form differ at k = {k} by {err:.3g} > {tol:.3g} "
            f"(cases {stepped.cases})"
        )


@register(
    "gd.closed_form_matches_iteration",
    "w^(k) = w^(inf) + (I - alpha A)^k (w^(0) - w^(inf)) (001 eq 13, evaluated from "
    "gd.coordinate_recurrence) "
    "agrees with real GD iterations, float64 and 50-digit mpmath, for any rank and step size",
    gs.gd_problems(),
    gs.step_counts(200),
)
def closed_form_matches_iteration(problem: gs.GDProblem, ks: list[int]) -> None:
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    ks = representable_steps(A, alpha, ks)
    closed = gd_iterates(A, b, w0, alpha, ks, route="closed").w
    exact = gd_trajectory_mp(A, b, w0, alpha, ks, dps=50).as_float().w
    floats = gd_trajectory(A, b, w0, alpha, ks).w
    for i, k in enumerate(ks):
        tol = iterate_tolerance(A, b, w0, alpha, k)
        err_closed = float(safe_norm(closed[i] - exact[i]))
        err_float = float(safe_norm(floats[i] - exact[i]))
        assert err_closed <= tol, (
            f"closed form at k = {k}: error {err_closed:.3g} > tolerance {tol:.3g} (cases "
            f"{eigendirections(A, b, w0, alpha).cases})"
        )
        assert err_float <= tol, (
            f"float64 GD at k = {k}: error {err_float:.3g} > tolerance {tol:.3g}"
        )


_RATIO_INTERVALS = {
    # observed ratio rho = d_{k+1}/d_k of successive steps along an eigendirection, by case
    StepCase.MONOTONE: (0.0, 1.0),
    StepCase.ONE_STEP: (0.0, 0.0),
    StepCase.OSCILLATING: (-1.0, 0.0),
    StepCase.BOUNDED_OSCILLATION: (-1.0, -1.0),
    StepCase.DIVERGENT: (-math.inf, -1.0),
}


@register(
    "gd.case_labels_match_behaviour",
    "the case of each eigendirection (STEP_SIZE_CASES at alpha*a_j, 001 §2.2 cases 1-3) matches "
    "what GD does "
    "along it: monotone / one step / oscillating / bounded / divergent by the ratio of successive "
    "steps, "
    "drift by constant nonzero steps, static by no motion",
    gs.gd_problems(),
)
def case_labels_match_behaviour(problem: gs.GDProblem) -> None:
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    dirs = eigendirections(A, b, w0, alpha)
    K = 8
    traj = gd_trajectory_mp(A, b, w0, alpha, list(range(K + 1)), dps=50).w
    d = A.shape[0]
    with mpmath.mp.workdps(50):
        mpf = mpmath.mpf
        Q = [[mpf(float(x)) for x in col] for col in dirs.basis.Q.T]  # Q[j] = q_j
        Am = [[mpf(float(x)) for x in row] for row in A]
        steps = [[traj[k + 1][i] - traj[k][i] for i in range(d)] for k in range(K)]
        norms = [mpmath.sqrt(mpmath.fsum(x * x for x in s)) for s in steps]
        wnorms = [mpmath.sqrt(mpmath.fsum(x * x for x in traj[k])) for k in range(K)]
        for j, case in enumerate(dirs.cases):
            q = Q[j]
            lam = mpf(float(dirs.basis.eigenvalues[j]))
            res = mpmath.sqrt(
                mpmath.fsum((mpmath.fdot(Am[i], q) - lam * q[i]) ** 2 for i in range(d))
            )
            along = [mpmath.fdot(q, s) for s in steps]
            # exact: along[k+1] = (1 - alpha*lam) along[k] - alpha res_vec . step_k  (|.| <= alpha
            # res |step_k|)
            noise = [alpha * res * n for n in norms]
            slack = alpha * dirs.basis.tolerance
            # b~_j was computed in float64: |fl(q_j . b) - q_j . b| <= D eps |b| (up to the safety
            # factor)
            b_round = SAFETY * d * EPS * float(safe_norm(b))
            if case in (StepCase.DRIFT, StepCase.STATIC):
                if case is StepCase.STATIC:
                    for k in range(K):
                        bound = alpha * (dirs.basis.tolerance + res) * wnorms[k] + alpha * (
                            dirs.b_tolerance + b_round
                        )
                        assert abs(along[k]) <= 2 * bound + mpf(10) ** -40, (
                            f"direction {j} is labelled static but moved by {float(along[k]):.3g} "
                            f"at step {k} (bound {float(bound):.3g})"
                        )
                else:
                    # drift: every step is -alpha b~_j, up to the curvature and coupling noise
                    speed = -alpha * mpf(float(dirs.b[j]))
                    first = abs(along[0] - speed)
                    bound = (
                        alpha * (dirs.basis.tolerance + res) * wnorms[0]
                        + alpha * b_round
                        + mpf(10) ** -40
                    )
                    assert first <= 2 * bound, (
                        f"direction {j} is labelled drift at speed {float(speed):.6g} per step "
                        f"but its first step is {float(along[0]):.6g}"
                    )
                    for k in range(K - 1):
                        change = abs(along[k + 1] - along[k])
                        bound = slack * abs(along[k]) + noise[k] + mpf(10) ** -40
                        assert change <= 2 * bound, (
                            f"direction {j} is labelled drift but its step changed by "
                            f"{float(change):.3g} (bound {float(bound):.3g})"
                        )
                continue
            low, high = _RATIO_INTERVALS[case]
            for k in range(K - 1):
                if abs(along[k]) <= 1000 * noise[k] or abs(along[k]) < mpf(10) ** -30:
                    break  # no longer observable above the coupling noise
                ratio = along[k + 1] / along[k]
                delta = noise[k] / abs(along[k]) + slack + mpf(10) ** -30
                assert low - delta <= ratio <= high + delta, (
                    f"direction {j} (α·ã = {dirs.x[j]:.17g}) is labelled {case} but the ratio of "
                    f"successive steps "
                    f"at k = {k} is {float(ratio):.17g}, outside [{low}, {high}] ± "
                    f"{float(delta):.3g}"
                )


@register(
    "gd.loss_decay_matches_observed",
    "J(w^(k)) - J* = sum_{a_j>0} (a_j/2)(w~_j^(0) - w~*_j)^2 (1 - alpha a_j)^(2k) (001 §2.3, from "
    "gd.loss_decay), "
    "plus the linear drift terms when b is outside range(A), equals J along real GD iterations",
    gs.gd_problems(),
    gs.step_counts(200),
)
def loss_decay_matches_observed(problem: gs.GDProblem, ks: list[int]) -> None:
    A, b, c, w0, alpha = problem.A, problem.b, problem.c, problem.w0, problem.alpha
    ks = representable_steps(A, alpha, ks, digits=60.0)  # the loss squares the iterates
    curve = gd_loss(A, b, c, w0, alpha, ks)
    exact = gd_trajectory_mp(A, b, w0, alpha, ks, c=c, dps=50)
    a_max = _spectrum(A, b).a_max
    for i, k in enumerate(ks):
        m = iterate_scale(A, b, w0, alpha, k)
        # |dJ| <= |grad J| |dw| + |dA| |w|^2 / 2 + rounding of J: the iterate bound times the
        # gradient scale
        tol = (
            SAFETY
            * A.shape[0]
            * EPS
            * (1 + k)
            * (1 + alpha * a_max)
            * (a_max * m * m + float(safe_norm(b)) * m + abs(c))
            + TINY
        )
        err = abs(float(curve.loss[i]) - float(exact.loss[i]))
        assert err <= tol, (
            f"loss at k = {k}: formula {curve.loss[i]!r}, GD {float(exact.loss[i])!r}, error "
            f"{err:.3g} > tolerance {tol:.3g}"
        )
    if curve.excess is not None:
        assert (curve.excess >= 0).all(), f"negative excess loss {curve.excess}"


@register(
    "gd.limit_is_projection",
    "for b in range(A) and 0 < alpha < 2/a_max, GD converges to w^(inf) = -A^+ b + (I - A^+ A) "
    "w^(0) (001 eq 13-14): "
    "a critical point that differs from w^(0) only inside range(A); the iteration gets there",
    gs.gd_problems(b_in_range=True, alpha="convergent"),
)
def limit_is_projection(problem: gs.GDProblem) -> None:
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    d = A.shape[0]
    dirs = eigendirections(A, b, w0, alpha)
    assert all(c.converges for c in dirs.cases), f"cases {dirs.cases} for a convergent step size"
    w_inf = limit_point(A, b, w0)
    via_formula = gd_iterates(A, b, w0, alpha, [np.inf]).w[0]
    scale = float(safe_norm(w0) + safe_norm(w_inf))
    a_max = dirs.basis.a_max
    tol = SAFETY * d * EPS * scale + TINY
    err = float(safe_norm(via_formula - w_inf))
    assert err <= tol, f"gd_iterates at k = inf differs from limit_point by {err:.3g} > {tol:.3g}"
    residual = float(safe_norm(A @ w_inf + b))
    tol_res = SAFETY * d * EPS * (a_max * scale + float(safe_norm(b))) + TINY
    assert residual <= tol_res, (
        f"w_inf is not a critical point: |A w_inf + b| = {residual:.3g} > {tol_res:.3g}"
    )
    pos = dirs.a[dirs.a > 0]
    if len(pos) < d:  # null space, computed independently (SVD) at the same threshold
        import scipy.linalg

        null = scipy.linalg.null_space(A, rcond=dirs.basis.tolerance / a_max if a_max > 0 else 1.0)
        kappa = a_max / pos.min() if len(pos) else 1.0
        moved = float(safe_norm(null.T @ (w_inf - w0)))
        tol_null = SAFETY * d * EPS * kappa * scale + TINY
        assert moved <= tol_null, (
            f"w_inf - w0 has a null-space component {moved:.3g} > {tol_null:.3g} (κ = {kappa:.3g})"
        )
    if len(pos):
        rho = float(np.max(np.abs(1 - alpha * pos)))
        steps = steps_to_shrink(rho, 1e-13)
        if steps <= 20000:
            w_k = gd_trajectory(A, b, w0, alpha, [steps]).w[0]
            gap = float(safe_norm(w_k - w_inf))
            tol_it = rho**steps * float(safe_norm(w0 - w_inf)) + iterate_tolerance(
                A, b, w0, alpha, steps
            )
            assert gap <= tol_it, (
                f"GD after {steps} steps is {gap:.3g} from w_inf (> {tol_it:.3g}; ρ = {rho:.6g})"
            )


@register(
    "gd.least_squares_min_norm",
    "GD from 0 on (1/2N)|Phi w - t|^2 (A = Phi^T Phi/N, b = -Phi^T t/N) converges to the "
    "minimum-norm "
    "solution Phi^+ t (001 eq 16), any rank",
    gs.least_squares_problems(),
)
def least_squares_min_norm(problem: gs.LeastSquaresProblem) -> None:
    Phi, t, alpha = problem.Phi, problem.t, problem.alpha
    A, b, _ = least_squares_quadratic(Phi, t)
    d = A.shape[0]
    zero = np.zeros(d)
    dirs = eigendirections(A, b, zero, alpha, least_squares_b_rounding(Phi, t))
    assert StepCase.DRIFT not in dirs.cases, f"b = -Phi^T t / N is in range(A); cases {dirs.cases}"
    pos = dirs.a[dirs.a > 0]
    kappa = float(pos.max() / pos.min()) if len(pos) else 1.0
    # numerical rank of Phi decided between the exact zeros (~eps) and sigma_min >= sigma_max/1e3
    target = np.linalg.pinv(Phi, rcond=1e-10) @ t
    scale = float(safe_norm(target))
    # least-squares perturbation bound (Wedin): a relative perturbation eps of Phi moves Phi^+ t by
    # <~ eps (kappa(Phi) |Phi^+ t| + kappa(Phi)^2 |r| / sigma_max), |r| <= |t|; kappa(A) =
    # kappa(Phi)^2
    # bounds both factors, and sigma_max(Phi)^2 = N a_max
    sigma_max = math.sqrt(Phi.shape[0] * dirs.basis.a_max) if len(pos) else 1.0
    tol = SAFETY * d * EPS * kappa * (scale + float(safe_norm(t)) / sigma_max) + TINY
    for what, w in (
        ("limit_point", limit_point(A, b, zero)),
        (
            "least_squares_iterates(k = inf)",
            least_squares_iterates(Phi, t, zero, alpha, [np.inf]).w[0],
        ),
    ):
        err = float(safe_norm(w - target))
        assert err <= tol, (
            f"{what} differs from Phi^+ t by {err:.3g} > {tol:.3g} (κ(A) = {kappa:.3g})"
        )
    if len(pos):
        rho = float(np.max(np.abs(1 - alpha * pos)))
        steps = steps_to_shrink(rho, 1e-13)
        if steps <= 20000:
            w_k = gd_trajectory(A, b, zero, alpha, [steps]).w[0]
            gap = float(safe_norm(w_k - target))
            tol_it = rho**steps * scale + iterate_tolerance(A, b, zero, alpha, steps) + tol
            assert gap <= tol_it, (
                f"GD from 0 after {steps} steps is {gap:.3g} from Phi^+ t (> {tol_it:.3g})"
            )


@st.composite
def _with_transform(
    draw: st.DrawFn, matrices: Callable[[int], st.SearchStrategy[np.ndarray]], alpha: str = "any"
) -> tuple[gs.GDProblem, np.ndarray, np.ndarray]:
    """A GD problem (step-size mode ``alpha``), a D×D matrix from ``matrices(D)`` and a shift."""
    problem = draw(gs.gd_problems(alpha=alpha))
    return problem, draw(matrices(problem.size)), draw(gs.shifts(problem.size))


def _transformed(
    A: np.ndarray, b: np.ndarray, T: np.ndarray, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\tilde J(\mathbf v) = J(\mathbf T\mathbf v + \mathbf s)` has
    :math:`\tilde{\mathbf A} = \mathbf T^\top\mathbf A\mathbf T`,
    :math:`\tilde{\mathbf b} = \mathbf T^\top(\mathbf A\mathbf s + \mathbf b)` (001 eq 6–8)."""
    At = T.T @ A @ T
    return (At + At.T) / 2, T.T @ (A @ s + b)


@register(
    "gd.rigid_invariance",
    "GD commutes with w -> Q^T (w - s) for Q orthogonal (001 eq 6-8): GD on J(Q v + s) from Q^T "
    "(w0 - s) "
    "gives Q^T (w^(k) - s)",
    _with_transform(gs.orthogonal_matrices),
)
def rigid_invariance(example: tuple[gs.GDProblem, np.ndarray, np.ndarray]) -> None:
    problem, Q, s = example
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    ks = representable_steps(A, alpha, [0, 1, 2, 5, 20, 60])
    At, bt = _transformed(A, b, Q, s)
    original = gd_trajectory(A, b, w0, alpha, ks).w
    moved = gd_trajectory(At, bt, Q.T @ (w0 - s), alpha, ks).w
    for i, k in enumerate(ks):
        back = Q @ moved[i] + s
        err = float(safe_norm(back - original[i]))
        tol = 2 * iterate_tolerance(
            A, b, w0, alpha, k, extra=(1 + alpha * problem.A.shape[0]) * float(safe_norm(s))
        )
        assert err <= tol, (
            f"rigid transform at k = {k}: |Q v^(k) + s - w^(k)| = {err:.3g} > {tol:.3g}"
        )


@register(
    "gd.general_linear_invariance_fails",
    "for invertible T, one GD step on J(T v + s) maps back to w0 - alpha T T^T grad J(w0), not "
    "the GD step "
    "(001 eq 6-8 need T orthogonal); a failure is found whenever the step alpha grad J(w0) is "
    "resolvable in float64",
    _with_transform(gs.invertible_matrices, alpha="convergent"),
)
def general_linear_invariance_fails(example: tuple[gs.GDProblem, np.ndarray, np.ndarray]) -> None:
    problem, T, s = example
    A, b, w0, alpha = problem.A, problem.b, problem.w0, problem.alpha
    d = A.shape[0]
    g = A @ w0 + b
    w1 = w0 - alpha * g
    found = []
    for name, M in (("drawn T", T), ("T = 2I", 2 * np.eye(d))):
        At, bt = _transformed(A, b, M, s)
        v0 = np.linalg.solve(M, w0 - s)
        v1 = v0 - alpha * (At @ v0 + bt)
        back = M @ v1 + s
        mismatch = back - w1
        predicted = (
            -alpha * (M @ M.T - np.eye(d)) @ g
        )  # T v1 + s - w1 = -alpha (T T^T - I) grad J(w0)
        cond = float(np.linalg.cond(M))
        scale = float(
            safe_norm(w0)
            + safe_norm(s)
            + alpha * np.linalg.norm(M) ** 2 * safe_norm(g)
            + alpha * safe_norm(g)
        )
        tol = SAFETY * d * EPS * cond**2 * (1 + alpha * float(np.linalg.norm(At, 2))) * scale + TINY
        err = float(safe_norm(mismatch - predicted))
        if name == "T = 2I":
            # the 2I step differs by 3 alpha |grad J(w0)|: decidable only when that is far above
            # rounding
            assume(3 * alpha * float(safe_norm(g)) > 10 * tol)
        assert err <= tol, (
            f"{name}: T v1 + s - w1 = {mismatch} but -alpha (T T^T - I) grad J = {predicted} "
            f"(error {err:.3g} > {tol:.3g})"
        )
        if float(safe_norm(mismatch)) > tol:
            found.append(name)
    assert found, (
        f"no failure of invariance found for grad J(w0) = {g} (the T = 2I step should differ by 3 "
        f"alpha |grad J|)"
    )
