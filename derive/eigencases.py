"""Eigenbasis decoupling of GD on a convex quadratic, and the case analysis by
:math:`\\alpha\\tilde a_j`.

Source: 001 §2.2, eq 11–12 and the cases 1(a)–(c), 2, 3 that follow them.  The objective is
:math:`J(\\mathbf{w}) = \\tfrac12 \\mathbf{w}^\\top\\mathbf{A}\\mathbf{w} +
\\mathbf{b}^\\top\\mathbf{w} + c`
with :math:`\\mathbf{A} \\succeq 0` (no loss-scale factor: for least squares
:math:`\\mathbf{A} = \\Phi^\\top\\Phi/N`, so the thresholds below are in units of that A).

With :math:`\\mathbf{A} = \\mathbf{Q}\\mathbf{D}\\mathbf{Q}^\\top`, :math:`\\tilde{\\mathbf{w}} =
\\mathbf{Q}^\\top\\mathbf{w}`, each coordinate follows
:math:`\\tilde w_j^{(k+1)} = \\tilde w_j^{(k)} - \\alpha(\\tilde a_j \\tilde w_j^{(k)} + \\tilde
b_j)`, and
its behaviour is decided by :math:`x = \\alpha\\tilde a_j` (and by :math:`\\tilde b_j` when
:math:`\\tilde a_j = 0`):

=====================  ==========================  =========================================
label                  condition                   iterates
=====================  ==========================  =========================================
``monotone``           0 < αã < 1                  approach w̃⋆ from one side
``one_step``           αã = 1                      reach w̃⋆ after one step
``oscillating``        1 < αã < 2                  alternate around w̃⋆, converge
``bounded_oscillation``  αã = 2                    alternate between w̃⋆ ± (w̃⁽⁰⁾ − w̃⋆)
``divergent``          αã > 2                      alternate with growing amplitude
``drift``              ã = 0, b̃ ≠ 0                w̃⁽⁰⁾ − αk b̃ (J unbounded below)
``static``             ã = 0, b̃ = 0                never move
=====================  ==========================  =========================================
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .derivation import (
    Assumptions,
    Definition,
    Derivation,
    Equivalent,
    Formula,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .matrices import exact_matrix, exact_scalar
from .notation import A, Dg, Q, a_j, a_max, alpha, b, bt_j, k, n, w, wstar_j, wt0_j, wt_j, x_j

__all__ = [
    "Label",
    "StepCase",
    "MONOTONE",
    "ONE_STEP",
    "OSCILLATING",
    "BOUNDED_OSCILLATION",
    "DIVERGENT",
    "DRIFT",
    "STATIC",
    "CONVERGENT_LABELS",
    "STEP_SIZE_CASES",
    "step_size_case",
    "convergence_condition",
    "coordinate_solution",
    "DERIVATIONS",
]

SOURCE = "001_76f73b0c2cfaffb7.txt"


class Label(sp.Symbol):
    """A behaviour label (prints as upright text); a SymPy Symbol so it can sit in a Piecewise."""

    def _latex(self, printer: Any) -> str:
        return r"\text{" + self.name.replace("_", " ") + "}"


@dataclass(frozen=True)
class _Row:
    """One row of the case table: the set of :math:`x = \\alpha\\tilde a_j` (``{0}`` for the
    zero-curvature cases), whether :math:`\\tilde b_j` must be zero (True), nonzero (False) or is
    free (None), the words, and the accepted spellings."""

    interval: sp.Set
    slope_zero: bool | None
    words: str
    spellings: tuple[str, ...]


_TABLE: Mapping[str, _Row] = {
    "static": _Row(
        sp.FiniteSet(0),
        True,
        "a = 0 and b = 0: the coordinate never changes",
        ("constant", "stays", "never moves", "fixed", "does not move", "stationary"),
    ),
    "drift": _Row(
        sp.FiniteSet(0),
        False,
        "a = 0 and b ≠ 0: the coordinate moves by −αb every step (J is unbounded below)",
        ("drifts", "linear drift", "moves linearly", "unbounded drift"),
    ),
    "monotone": _Row(
        sp.Interval.open(0, 1),
        None,
        "0 < αa < 1: the iterates approach the minimiser from one side",
        (
            "monotone convergence",
            "monotonic",
            "converges monotonically",
            "monotonic convergence",
            "case 1a monotone",
        ),
    ),
    "one_step": _Row(
        sp.FiniteSet(1),
        None,
        "αa = 1: the iterate reaches the minimiser in one step",
        (
            "one step",
            "converges in one step",
            "in one step",
            "immediate convergence",
            "exact in one step",
        ),
    ),
    "oscillating": _Row(
        sp.Interval.open(1, 2),
        None,
        "1 < αa < 2: the iterates overshoot and converge while oscillating",
        (
            "oscillating convergence",
            "oscillates and converges",
            "converges with oscillation",
            "oscillatory convergence",
            "damped oscillation",
            "converges oscillating",
        ),
    ),
    "bounded_oscillation": _Row(
        sp.FiniteSet(2),
        None,
        "αa = 2: the iterates jump between w⋆ ± (w⁽⁰⁾ − w⋆) forever",
        (
            "oscillates",
            "oscillates without converging",
            "two-cycle",
            "2-cycle",
            "period two",
            "bounded oscillation",
            "neither converges nor diverges",
        ),
    ),
    "divergent": _Row(
        sp.Interval.open(2, sp.oo),
        None,
        "αa > 2: the oscillation grows, the iterates diverge",
        ("diverges", "divergence", "diverge", "blows up", "explodes"),
    ),
}
"""The one table of step-size cases (001 §2.2, cases 1(a)-(c), 2, 3), in the order the
Piecewise :data:`STEP_SIZE_CASES` tests them (:class:`StepCase` lists them by α·ã).
:class:`StepCase` and the Piecewise are both built from it."""


def _spelling_key(text: str) -> str:
    """``text`` lower-cased with runs of spaces, hyphens and underscores made one space."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower()).strip(" .")


class StepCase(enum.StrEnum):
    """The behaviour of one eigendirection of GD on a convex quadratic, by
    :math:`x = \\alpha\\tilde a_j` and :math:`\\tilde b_j` (001 §2.2, cases 1(a)-(c), 2, 3;
    ``gd.step_size_cases``).  A ``str`` (``StepCase.ONE_STEP == "one_step"``), so code comparing
    with the label strings keeps working.

    Each case carries :attr:`interval` (the set of :math:`\\alpha\\tilde a_j` where it holds),
    :attr:`condition` (the same as a SymPy relation in ``alpha``, ``a_j``, ``bt_j``),
    :attr:`words` and :attr:`spellings`; :meth:`parse` reads any accepted spelling.

    >>> StepCase.parse("one-step") is StepCase.ONE_STEP
    True
    >>> StepCase.ONE_STEP.interval
    {1}
    """

    MONOTONE = "monotone"
    ONE_STEP = "one_step"
    OSCILLATING = "oscillating"
    BOUNDED_OSCILLATION = "bounded_oscillation"
    DIVERGENT = "divergent"
    DRIFT = "drift"
    STATIC = "static"

    @property
    def _row(self) -> _Row:
        return _TABLE[self.value]

    @property
    def interval(self) -> sp.Set:
        """The set of :math:`x = \\alpha\\tilde a_j` of this case (``{0}``: zero curvature)."""
        return self._row.interval

    @property
    def condition(self) -> sp.Basic:
        """This case as a SymPy condition on ``alpha``, ``a_j`` (ã_j ≥ 0) and ``bt_j``
        (b̃_j) of :mod:`gdflow.derive.notation`: :attr:`interval` for :math:`\\alpha\\tilde
        a_j` (with α > 0, :math:`\\alpha\\tilde a_j = 0` is :math:`\\tilde a_j = 0`), and
        :math:`\\tilde b_j = 0` or :math:`|\\tilde b_j| > 0` for the zero-curvature cases."""
        row = self._row
        if row.interval == sp.FiniteSet(0):
            slope = sp.Eq(bt_j, 0) if row.slope_zero else sp.Abs(bt_j) > 0
            return sp.And(sp.Eq(a_j, 0), slope)
        return row.interval.as_relational(alpha * a_j)

    @property
    def words(self) -> str:
        """The case in words, with its condition."""
        return self._row.words

    @property
    def spellings(self) -> tuple[str, ...]:
        """Accepted spellings besides the value itself (:meth:`parse` also ignores case,
        spaces, hyphens and underscores)."""
        return self._row.spellings

    @property
    def label(self) -> Label:
        """The Label symbol of this case in :data:`STEP_SIZE_CASES`."""
        return Label(self.value)

    @property
    def contracts(self) -> bool:
        """:math:`|1 - \\alpha\\tilde a_j| < 1`: the deviation from the fixed point shrinks."""
        return self in (StepCase.MONOTONE, StepCase.ONE_STEP, StepCase.OSCILLATING)

    @property
    def converges(self) -> bool:
        """The coordinate converges: it contracts, or it never moves."""
        return self.contracts or self is StepCase.STATIC

    @classmethod
    def parse(cls, text: str) -> StepCase:
        """The case named by ``text``: its value or one of its :attr:`spellings`, ignoring case,
        spaces, hyphens and underscores (``"One-step"``, ``"one step"``, ``"one_step"``).
        ``ValueError`` naming the text and the cases otherwise (001 §2.2)."""
        key = _spelling_key(text)
        for case in cls:
            if key in {_spelling_key(s) for s in (case.value, *case.spellings)}:
                return case
        raise ValueError(f"{text.strip()[:40]!r} is not a step-size case; one of: {', '.join(cls)}")


MONOTONE = StepCase.MONOTONE
ONE_STEP = StepCase.ONE_STEP
OSCILLATING = StepCase.OSCILLATING
BOUNDED_OSCILLATION = StepCase.BOUNDED_OSCILLATION
DIVERGENT = StepCase.DIVERGENT
DRIFT = StepCase.DRIFT
STATIC = StepCase.STATIC
CONVERGENT_LABELS = frozenset(c for c in StepCase if c.converges)
"""Cases of eigendirections whose iterates converge (contracting, or static)."""

STEP_SIZE_CASES = sp.Piecewise(*[(StepCase(v).label, StepCase(v).condition) for v in _TABLE])
"""The behaviour of eigendirection j as a Piecewise of :class:`Label` symbols in ``alpha``,
``a_j`` (ã_j ≥ 0), ``bt_j`` (b̃_j) of :mod:`gdflow.derive.notation` (001 §2.2, cases 1–3),
built from the same table as :class:`StepCase`, in the table's order; proved case by case in
``gd.step_size_cases``.  The conditions are disjoint; the zero-curvature rows come first so
that the Piecewise stays right when :math:`\\alpha\\tilde a_j` is renamed to a positive
symbol (``gdflow.checks.numeric``)."""


def step_size_case(alpha_value: Any, a_value: Any, b_value: Any = 1) -> StepCase:
    """The case of one eigendirection, exactly: :data:`STEP_SIZE_CASES` at
    :math:`\\alpha`, :math:`\\tilde a_j`, :math:`\\tilde b_j` (001 §2.2, cases 1(a)–3).

    Arguments are read with :func:`~gdflow.derive.matrices.exact_scalar`: a float by its
    decimal form, so ``0.1`` and ``"1/10"`` are the same number (the binary value of 0.1 is
    slightly above 1/10, which made α = 0.1, ã = 10 "oscillating" instead of "one step").

    >>> step_size_case("1/2", 4)
    <StepCase.BOUNDED_OSCILLATION: 'bounded_oscillation'>
    >>> step_size_case(0.1, 10) == step_size_case("1/10", 10) == "one_step"
    True
    >>> str(step_size_case(1, 0, 0))
    'static'
    """
    al, a, bt = (exact_scalar(v) for v in (alpha_value, a_value, b_value))
    if a.is_negative:
        raise ValueError(f"the curvature a must be >= 0 (A positive semidefinite); got a = {a}")
    if al.is_positive is False:
        raise ValueError(f"the learning rate alpha must be > 0; got alpha = {al}")
    label = STEP_SIZE_CASES.xreplace({alpha: al, a_j: a, bt_j: bt})
    if not isinstance(label, Label):
        raise ValueError(f"cannot decide the case for alpha = {al}, a = {a}, b = {bt}: got {label}")
    return StepCase(label.name)


def convergence_condition(A_value: Any, b_value: Any, alpha_symbol: sp.Symbol = alpha) -> sp.Basic:
    """The set of learning rates for which GD on ½wᵀAw + bᵀw + c converges, as a condition on
    ``alpha_symbol``: :math:`b \\in \\operatorname{range}(A)` and :math:`0 < \\alpha < 2/\\tilde
    a_{\\max}`
    (001 §2.2, A1–A2).  ``false`` when b ∉ range(A) (J unbounded below, some coordinate drifts);
    ``alpha > 0`` when A = 0 and b = 0.

    The default symbol is positive, so ``alpha > 0`` is implied; pass a real symbol to see it.

    >>> import sympy as sp
    >>> convergence_condition(sp.Matrix([[2, 0], [0, 0]]), sp.Matrix([-2, 0]))
    alpha < 1
    >>> convergence_condition([[2, 0], [0, 0]], [-2, 0], sp.Symbol("alpha", real=True))
    (alpha > 0) & (alpha < 1)
    """
    A_m, b_m = exact_matrix(A_value, "A"), exact_matrix(b_value, "b")
    if A_m.shape[0] != A_m.shape[1] or A_m != A_m.T:
        raise ValueError(f"A must be a symmetric square matrix; got shape {A_m.shape}")
    if b_m.shape != (A_m.shape[0], 1):
        raise ValueError(f"b must have shape ({A_m.shape[0]}, 1) to match A; got {b_m.shape}")
    eigs = list(A_m.eigenvals())
    if any(sp.simplify(e).is_negative for e in eigs):
        raise ValueError(f"A must be positive semidefinite; its eigenvalues are {eigs}")
    residual = (sp.eye(A_m.shape[0]) - A_m * A_m.pinv()) * b_m
    if any(sp.simplify(e) != 0 for e in residual):
        return sp.false
    top = sp.Max(*eigs) if eigs else sp.Integer(0)
    top = sp.simplify(top)
    if top == 0:
        return alpha_symbol > 0
    return sp.And(alpha_symbol > 0, alpha_symbol < 2 / top)


def coordinate_solution() -> sp.Piecewise:
    """:math:`\\tilde w_j^{(k)}` for any :math:`\\tilde a_j \\ge 0` (001 §2.2, cases 1–3):

    .. math:: \\tilde w_j^{(k)} = \\begin{cases} \\tilde w_{\\star j} + (1-\\alpha\\tilde a_j)^k
       (\\tilde w_j^{(0)} - \\tilde w_{\\star j}), \\ \\tilde w_{\\star j} = -\\tilde b_j/\\tilde
       a_j
       & \\tilde a_j > 0 \\\\ \\tilde w_j^{(0)} - \\alpha k \\tilde b_j & \\tilde a_j = 0
       \\end{cases}

    in the symbols ``a_j, bt_j, wt0_j, alpha, k`` of :mod:`gdflow.derive.notation`.
    """
    star = -bt_j / a_j
    return sp.Piecewise(
        (star + (1 - alpha * a_j) ** k * (wt0_j - star), a_j > 0),
        (wt0_j - alpha * k * bt_j, True),
    )


def _gd_coordinate(x: sp.Basic, _k: sp.Basic) -> sp.Basic:
    return x - alpha * (a_j * x + bt_j)


# -- derivations -------------------------------------------------------------------------------


def eigenbasis() -> Derivation:
    """``gd.eigenbasis``: with A = Q D Qᵀ, GD decouples in w̃ = Qᵀw (001 eq 11–12)."""
    wt = sp.MatrixSymbol("w~", n, 1)
    btv = sp.MatrixSymbol("b~", n, 1)
    At = sp.MatrixSymbol("A~", n, n)
    assume = Assumptions(
        matrices={Q: "orthogonal", Dg: "diagonal_nonneg"},
        definitions={A: Q * Dg * Q.T},
        text=(
            "$\\mathbf{Q}$ orthogonal, $\\mathbf{D}$ diagonal with entries $\\tilde a_j \\ge 0$",
        ),
    )
    coords = Assumptions(definitions={wt: Q.T * w, btv: Q.T * b, At: Q.T * A * Q})
    steps = [
        Step(Definition(A, Q * Dg * Q.T), "spectral theorem: A symmetric PSD (eq 11)"),
        Step(
            Definition(wt, Q.T * w),
            "coordinates in the eigenbasis: the rigid map of gd.rigid_invariance with zero shift",
        ),
        Step(Definition(At, Q.T * A * Q), "transformed curvature (eq 12)"),
        Step(
            Identity(Q.T * A * Q, Dg),
            "$Q^T Q = I$: the curvature is diagonal in the eigenbasis",
            given=coords,
        ),
        Step(
            Identity((w.T * A * w) / 2 + b.T * w, (wt.T * Dg * wt) / 2 + btv.T * wt),
            "the objective in eigen-coordinates, $\\tilde b = Q^T b$ (eq 12); D is diagonal, so"
            " it is the sum over j of $\\frac{\\tilde a_j}{2}\\tilde w_j^2 + \\tilde b_j"
            " \\tilde w_j$",
            given=coords,
            label="objective",
        ),
        Step(
            Identity(Q.T * (w - alpha * (A * w + b)), wt - alpha * (Dg * wt + btv)),
            "one GD step seen in eigen-coordinates; D diagonal, so coordinate j sees only "
            "$\\tilde a_j, \\tilde b_j$",
            given=coords,
        ),
    ]
    objective = steps[4].claim
    assert isinstance(objective, Identity)
    formulas = {
        "J": Formula(
            name=objective.lhs,
            expr=objective.rhs,
            params=(Dg, wt, btv),
            step="objective",
            spectral=a_j / 2 * wt_j**2 + bt_j * wt_j,
            spectral_params=(a_j, bt_j, wt_j),
            spectral_step="objective",
            text="J(w) - c in eigen-coordinates: the sum over eigendirections of"
            " a_j/2 w~_j^2 + b~_j w~_j",
        )
    }
    return Derivation(
        id="gd.eigenbasis",
        title="Gradient descent decouples in the eigenbasis",
        source=Source(SOURCE, "§2.2, eq 11-12"),
        assumptions=assume,
        steps=steps,
        summary="Rotating to the eigenvectors of A makes the curvature diagonal, so each"
        " coordinate of the GD iterate evolves on its own.",
        formulas=formulas,
    )


def coordinate_recurrence() -> Derivation:
    """``gd.coordinate_recurrence``: the solution of the per-coordinate recurrence (001 §2.2)."""
    star = -bt_j / a_j
    positive = Assumptions(
        conditions=(a_j > 0,), definitions={wstar_j: star}, text=("$\\tilde a_j > 0$",)
    )
    flat = Assumptions(conditions=(sp.Eq(a_j, 0),), text=("$\\tilde a_j = 0$",))
    still = Assumptions(conditions=(sp.Eq(a_j, 0), sp.Eq(bt_j, 0)))
    steps = [
        Step(
            Definition(wstar_j, star),
            "the unique fixed point of coordinate j when $\\tilde a_j > 0$ (case 1)",
            given=positive,
        ),
        Step(
            Identity(_gd_coordinate(wstar_j, k), wstar_j),
            "it is fixed by the update",
            given=positive,
        ),
        Step(
            Identity(_gd_coordinate(wt_j, k) - wstar_j, (1 - alpha * a_j) * (wt_j - wstar_j)),
            "the deviation from the fixed point is multiplied by $1 - \\alpha\\tilde a_j$ each "
            "step",
            given=positive,
        ),
        Step(
            Recurrence(
                wt_j, wstar_j + (1 - alpha * a_j) ** k * (wt0_j - wstar_j), k, _gd_coordinate, wt0_j
            ),
            "case 1: geometric decay or growth of the deviation",
            given=positive,
        ),
        Step(
            Recurrence(wt_j, wt0_j - alpha * k * bt_j, k, _gd_coordinate, wt0_j),
            "case 2: zero curvature, constant push $-\\alpha\\tilde b_j$",
            given=flat,
        ),
        Step(
            Recurrence(wt_j, wt0_j, k, _gd_coordinate, wt0_j),
            "case 3: zero curvature and zero slope, the coordinate never moves",
            given=still,
        ),
        Step(
            Recurrence(wt_j, coordinate_solution(), k, _gd_coordinate, wt0_j),
            "all cases at once, for any $\\tilde a_j \\ge 0$ (the formula numeric code evaluates)",
            label="solution",
        ),
    ]
    solution = steps[-1].claim
    assert isinstance(solution, Recurrence)
    params = (a_j, bt_j, wt0_j, alpha, k)
    formulas = {
        "w": Formula(
            name=wt_j,
            expr=solution.solution,
            params=params,
            step="solution",
            spectral=solution.solution,
            spectral_params=params,
            spectral_step="solution",
            text="the k-th iterate of one eigen-coordinate, any curvature a_j >= 0",
        )
    }
    return Derivation(
        id="gd.coordinate_recurrence",
        title="Solving the recurrence of one eigen-coordinate",
        source=Source(SOURCE, "§2.2, cases 1-3"),
        assumptions=Assumptions(
            text=(
                "$\\tilde a_j \\ge 0$ (A is positive semidefinite), $\\alpha > 0$, $k \\ge 0$ an "
                "integer",
            )
        ),
        steps=steps,
        summary="Each coordinate in the eigenbasis follows a scalar affine recurrence; its"
        " solution is a geometric sequence around the fixed point, or a linear drift when the"
        " curvature is zero.",
        formulas=formulas,
    )


def step_size_cases() -> Derivation:
    """``gd.step_size_cases``: the behaviour of each coordinate by x = α·ã_j (001 §2.2)."""
    x = x_j
    e0 = sp.Symbol("e^(0)", real=True)
    ek = sp.Symbol("e^(k)", real=True)

    def when(*conds: sp.Basic, text: tuple[str, ...] = ()) -> Assumptions:
        return Assumptions(conditions=conds, text=text)

    steps = [
        Step(
            Recurrence(ek, (1 - x) ** k * e0, k, lambda e, _k: (1 - x) * e, e0),
            "deviation $e^{(k)} = \\tilde w_j^{(k)} - \\tilde w_{\\star j}$ with $x = \\alpha "
            "\\tilde a_j > 0$ (gd.coordinate_recurrence)",
        ),
        Step(
            Holds(sp.And(1 - x > 0, 1 - x < 1)),
            "monotone: the deviation keeps its sign and shrinks",
            given=when(x < 1),
        ),
        Step(
            Holds(sp.Eq(1 - x, 0)),
            "one step: the first update lands on the fixed point",
            given=when(sp.Eq(x, 1)),
        ),
        Step(
            Holds(sp.And(1 - x > -1, 1 - x < 0)),
            "oscillating convergence: the sign alternates, the size shrinks",
            given=when(x > 1, x < 2),
        ),
        Step(
            Identity((1 - x) ** k * e0, (-1) ** k * e0),
            "bounded oscillation: the iterates alternate between $\\tilde w_{\\star j} \\pm "
            "e^{(0)}$",
            given=when(sp.Eq(x, 2)),
        ),
        Step(
            Holds(1 - x < -1),
            "divergent: the deviation alternates in sign and grows",
            given=when(x > 2),
        ),
        Step(
            Equivalent(sp.Abs(1 - x) < 1, sp.And(x > 0, x < 2), x),
            "the deviation tends to 0 iff $|1 - x| < 1$",
        ),
        Step(
            Equivalent(
                sp.And(alpha * a_max > 0, alpha * a_max < 2),
                sp.And(alpha > 0, alpha < 2 / a_max),
                alpha,
            ),
            "every coordinate with $\\tilde a_j > 0$ converges iff the largest one does (A2)",
        ),
        Step(
            Definition(sp.Symbol("case"), STEP_SIZE_CASES),
            "the classification; zero curvature drifts unless $\\tilde b_j = 0$ (A1 rules drift "
            "out)",
        ),
    ]
    xb = sp.Symbol("x", positive=True)
    source_claims = [
        Step(
            Refuted(wstar_j + (-1) ** k * (wt0_j - wstar_j), (-1) ** k * wt0_j),
            "001 case 1(b) says the iterates oscillate between $\\pm\\tilde w_j^{(0)}$; they "
            "oscillate around $\\tilde w_{\\star j}$",
        ),
        Step(
            Refuted(
                sp.Piecewise((1, sp.And(alpha > 1, alpha < 2)), (0, True)),
                sp.Piecewise((1, sp.And(alpha * xb > 1, alpha * xb < 2)), (0, True)),
            ),
            "001 case 1(a) writes $1 < \\alpha < 2$ for oscillation; the condition is on "
            "$\\alpha\\tilde a_j$",
        ),
    ]
    return Derivation(
        id="gd.step_size_cases",
        title="The step-size cases: monotone, oscillating, divergent, drifting",
        source=Source(SOURCE, "§2.2, cases 1(a)-(c), 2, 3; A1-A2"),
        assumptions=Assumptions(
            text=(
                "$x = \\alpha\\tilde a_j > 0$; $\\tilde a_{\\max} > 0$ the largest eigenvalue of A",
            )
        ),
        steps=steps,
        source_claims=source_claims,
        result=steps[-1].claim,
        summary="The sign and size of $1 - \\alpha\\tilde a_j$ decide everything: GD converges"
        " iff J is bounded below and $0 < \\alpha < 2/\\tilde a_{\\max}$.",
    )


DERIVATIONS = [eigenbasis, coordinate_recurrence, step_size_cases]
