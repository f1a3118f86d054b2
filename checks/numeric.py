r"""Fast evaluators for gradient descent on a convex quadratic, any rank, any k, generated from
the derivations' formulas.

Objective and loss scale (001 §2, eq 3): :math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf A
\mathbf w + \mathbf b^\top\mathbf w + c`, :math:`\mathbf A\succeq 0`; GD with step
:math:`\alpha` (``alpha``): :math:`\mathbf w^{(k+1)} = (\mathbf I-\alpha\mathbf A)\mathbf w^{(k)}
- \alpha\mathbf b`.  For least squares in 001's scale use
``gdflow.checks.simulate.least_squares_quadratic`` (:math:`\mathbf A = \boldsymbol\Phi^\top
\boldsymbol\Phi/N`), since the threshold :math:`2/\tilde a_{\max}` depends on the scale.

How the evaluators work
-----------------------
One symmetric eigendecomposition :math:`\mathbf A = \mathbf Q\,\mathrm{diag}(\tilde a)\,
\mathbf Q^\top` (``numpy.linalg.eigh``), then every eigendirection evolves on its own
(001 eq 11–12).  No formula is written here: each is the per-eigenvalue (``spectral``) form of
a derivation's :class:`~gdflow.derive.derivation.Formula` (:class:`GDFormulas`), lambdified
once (``Formula.spectral_function``) and applied to the eigendecomposition:

- iterates: ``gd.closed_form``, per direction the solution of ``gd.coordinate_recurrence``

  .. math::

      \tilde w_j^{(k)} = \begin{cases}
        \tilde w^\star_j + (1-\alpha\tilde a_j)^k(\tilde w_j^{(0)} - \tilde w^\star_j),
          \ \tilde w^\star_j = -\tilde b_j/\tilde a_j & \tilde a_j > 0\\
        \tilde w_j^{(0)} - \alpha k\,\tilde b_j & \tilde a_j = 0
      \end{cases}

- the limit: ``gd.limit_projection`` (:math:`-\tilde b_j/\tilde a_j`, or :math:`\tilde
  w^{(0)}_j` where :math:`\tilde a_j = 0`);
- the excess loss: ``gd.loss_decay`` (:math:`\frac{\tilde a_j}{2}(1-\alpha\tilde a_j)^{2k}
  (\tilde w_j^{(0)}-\tilde w^\star_j)^2`), and the objective per direction from
  ``gd.eigenbasis`` (:math:`\frac{\tilde a_j}{2}\tilde w_j^2 + \tilde b_j\tilde w_j`) for
  :math:`J^\star` and the drifting directions;
- the step-size case: :data:`gdflow.derive.eigencases.STEP_SIZE_CASES` (the Piecewise built
  from the table of :class:`~gdflow.derive.eigencases.StepCase`), with :math:`\alpha\tilde a_j`
  renamed :math:`x`.

So what ``gdflow derive`` prints is what is evaluated; :func:`evaluator` builds the evaluators
from any :class:`GDFormulas` (an edited formula gives edited numbers).
Cost: :math:`O(D^3)` once, then :math:`O(D^2)` per requested k.

Many consecutive k
------------------
When many distinct finite k are requested (at least :data:`DENSE_MIN`) and they fill enough
of their range (it holds at most ``max(1, D / DENSE_PER_DIM)`` integers per requested k,
:data:`DENSE_PER_DIM`), the eigen-coordinates are not re-evaluated at every k: the closed
form gives the first one and the recurrence the formula solves
(``gd.coordinate_recurrence``'s update
:math:`\tilde w_j \leftarrow \tilde w_j - \alpha(\tilde a_j\tilde w_j + \tilde b_j)`, lambdified)
steps the D coordinates from there, :math:`O(D)` per step.  Measured for the
coordinates alone (k = 0..10⁴, one thread, 2026-11-29): the Piecewise at every k took 4.26 s
at D = 500 and 0.29 s at D = 50, stepping 0.20 s and 0.10 s (21× and 2.8×: a step costs a
fixed ~10 µs of Python plus O(D), a closed-form evaluation ~0.85 µs per coordinate), hence
the threshold, half the break-even.  End to end (eigh and back-rotation included) see
``benchmarks/bench_gd.py``.  The closed form stays the check (``route="closed"``, and the
property ``gd.stepping_matches_closed_form``).

Numerical decisions (stated, not hidden)
----------------------------------------
- **Zero curvature.**  :math:`\tilde a_j` is zero when :math:`|\tilde a_j| \le \tau = 10\,D\,
  \varepsilon\,\tilde a_{\max}` (``gdflow.checks.simulate.eigenvalue_tolerance``; eigh is
  backward stable, so computed eigenvalues are accurate to about :math:`D\varepsilon\|\mathbf
  A\|`).  Such a direction is evaluated on the formula's :math:`\tilde a_j = 0` branch (never
  by dividing by a rounding-level eigenvalue).
- **b in range(A).**  In a zero direction, :math:`\tilde b_j` is zero when
  :math:`|\tilde b_j| \le 2\tau\|\mathbf A^\dagger\mathbf b\| + 10D\varepsilon\|\mathbf b\|`:
  for :math:`\mathbf b = \mathbf A\mathbf c` the computed :math:`\mathbf q_j^\top\mathbf b` of a
  null direction is at most :math:`(|\tilde a_j| + \|\mathbf E\|)\|\mathbf c\|` with backward
  error :math:`\|\mathbf E\|\lesssim\tau`, and :math:`\mathbf c = \mathbf A^\dagger\mathbf b`
  is the smallest preimage.
- **α·ã = 1 and α·ã = 2.**  The product :math:`x_j = \alpha\tilde a_j` is taken to *equal* 1
  (one step) or 2 (bounded oscillation) when it is within :math:`\alpha\tau` of it, i.e.
  within the uncertainty of the computed eigenvalue.  These snapped values feed only the
  case labels (and the k = ∞ decision); the iterates use the computed :math:`\tilde a_j`.
- **k = ∞** is ``numpy.inf``.  Directions labelled monotone / one_step / oscillating give the
  formula's value at k = ∞ (:math:`(1-\alpha\tilde a_j)^\infty = 0`); static ones keep
  :math:`\tilde w_j^{(0)}`; a direction that starts exactly at its fixed point stays there.
  Otherwise (drift, divergent, bounded_oscillation) there is no limit and
  :class:`NoLimitError` is raised, naming the direction and its case: NaN is never returned.
- A finite k whose iterate overflows float64 (divergence) raises ``OverflowError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from gdflow.derive import notation as n
from gdflow.derive.derivation import Formula, Recurrence
from gdflow.derive.eigencases import STEP_SIZE_CASES, StepCase

from .simulate import (
    EPS,
    check_psd,
    eigenvalue_tolerance,
    safe_norm,
    validate_quadratic,
    validate_steps,
)

__all__ = [
    "CASES",
    "CONVERGING_CASES",
    "DENSE_MIN",
    "DENSE_PER_DIM",
    "NoLimitError",
    "GDFormulas",
    "catalogue_formulas",
    "GDEvaluator",
    "evaluator",
    "Eigenbasis",
    "eigenbasis",
    "Directions",
    "eigendirections",
    "step_size_cases",
    "Iterates",
    "gd_iterates",
    "LossCurve",
    "gd_loss",
    "limit_point",
    "least_squares_iterates",
    "coordinate_solution",
    "step_size_case_expression",
    "loss_gap_expression",
]

CASES: tuple[StepCase, ...] = tuple(StepCase)
"""The step-size cases of one eigendirection (001 §2.2, cases 1–3): :class:`StepCase`."""

CONVERGING_CASES = frozenset(c for c in StepCase if c.contracts)
r"""Cases with :math:`|1-\alpha\tilde a_j| < 1`: the direction converges to
:math:`\tilde w^\star_j` (001 §2.2, ``StepCase.contracts``)."""

DENSE_PER_DIM = 40
"""The finite ks are stepped (module docstring) when the range they span holds at most
``max(1, D / DENSE_PER_DIM)`` integers per requested k (a step costs about 1/20 of a
closed-form evaluation per k at D = 500, 1/3 at D = 50)."""

DENSE_MIN = 32
"""... and when at least this many distinct finite ks are requested."""

Route = Literal["auto", "closed", "step"]


class NoLimitError(ValueError):
    """GD has no limit at k = ∞ for this problem; ``directions`` lists ``(j, case)`` of the
    eigendirections without one (drift, divergent, bounded_oscillation)."""

    def __init__(self, message: str, directions: Sequence[tuple[int, str]]):
        super().__init__(message)
        self.directions = tuple(directions)


# -- the formulas, read from the derivations -------------------------------------------------


@dataclass(frozen=True)
class GDFormulas:
    """The derivation formulas the evaluators are generated from (001 §2.2–2.3).

    - ``iterate``: ``gd.closed_form``'s formula ``"w"`` (spectral: the coordinate solution of
      ``gd.coordinate_recurrence``, in ``a_j, bt_j, wt0_j, alpha, k``);
    - ``limit``: ``gd.limit_projection``'s ``"w"`` (spectral in ``a_j, bt_j, wt0_j``);
    - ``gap``: ``gd.loss_decay``'s ``"gap"`` (spectral: one direction's excess loss, ã_j > 0);
    - ``objective``: ``gd.eigenbasis``'s ``"J"`` (spectral: ã_j/2 w̃_j² + b̃_j w̃_j);
    - ``update``: the scalar recurrence the coordinate solution solves, in ``wt_j, a_j, bt_j,
      alpha`` (the fast route for many consecutive k);
    - ``cases``: the Piecewise of step-size labels (``STEP_SIZE_CASES``).

    Replace a field (``dataclasses.replace``) to evaluate an edited formula.
    """

    iterate: Formula
    limit: Formula
    gap: Formula
    objective: Formula
    update: sp.Basic
    cases: sp.Basic


@lru_cache(maxsize=1)
def catalogue_formulas() -> GDFormulas:
    """The formulas of the catalogue's derivations ``gd.closed_form``, ``gd.limit_projection``,
    ``gd.loss_decay``, ``gd.eigenbasis`` and ``gd.step_size_cases`` (001 §2.2–2.3)."""
    from gdflow import derive
    from gdflow.derive.catalogue import formula

    closed = derive.get("gd.closed_form", verified=False)
    recurrence = closed.step(closed.formulas["w"].spectral_step).claim
    if not isinstance(recurrence, Recurrence):
        raise TypeError(
            f"gd.closed_form's spectral step must be a Recurrence; got {type(recurrence).__name__}"
        )
    return GDFormulas(
        iterate=closed.formulas["w"],
        limit=formula("gd.limit_projection", "w"),
        gap=formula("gd.loss_decay", "gap"),
        objective=formula("gd.eigenbasis", "J"),
        update=recurrence.update_expression(),
        cases=STEP_SIZE_CASES,
    )


def coordinate_solution() -> sp.Basic:
    r"""The per-eigendirection closed form :math:`\tilde w_j^{(k)}` (001 §2.2, eq 11–12 solved):
    the spectral form of ``gd.closed_form``, which is the solution of the Recurrence that
    ``gd.coordinate_recurrence`` proves by induction and ``gdflow derive`` prints."""
    spectral = catalogue_formulas().iterate.spectral
    assert spectral is not None
    return spectral


def step_size_case_expression(cases: sp.Basic | None = None) -> sp.Basic:
    r"""``gdflow.derive.eigencases.STEP_SIZE_CASES`` (001 §2.2, cases 1–3), or ``cases``, with
    :math:`\alpha\tilde a_j` replaced by the symbol :math:`x` (``gdflow.derive.notation.x_j``),
    so that the numeric side can decide :math:`x = 1` and :math:`x = 2` with a tolerance
    before evaluating it."""
    source = catalogue_formulas().cases if cases is None else cases
    expr = source.subs(n.alpha * n.a_j, n.x_j)
    left = expr.free_symbols - {n.x_j, n.a_j, n.bt_j} - {e for e, _ in expr.args}
    if left:
        raise ValueError(
            f"STEP_SIZE_CASES must depend on alpha only through alpha*a_j; after substituting x "
            f"it still has {sorted(map(str, left))}: {expr}"
        )
    return expr


def loss_gap_expression() -> sp.Basic:
    r"""One eigendirection's share of the excess loss along GD (001 §2.2): the spectral form of
    ``gd.loss_decay``'s formula, :math:`\frac{\tilde a_j}{2}(1-\alpha\tilde a_j)^{2k}
    (\tilde w_j^{(0)}-\tilde w_{\star j})^2` with :math:`\tilde w_{\star j}=-\tilde b_j/\tilde
    a_j`; valid for :math:`\tilde a_j>0`."""
    spectral = catalogue_formulas().gap.spectral
    assert spectral is not None
    return spectral


_ARGUMENT_NAMES = {
    n.a_j: "a",
    n.bt_j: "b",
    n.wt0_j: "w0",
    n.wt_j: "w",
    n.alpha: "alpha",
    n.k: "k",
}
"""The spectral symbols an evaluator can supply, by the keyword it passes them as."""


def _kernel(formula: Formula) -> Callable[..., np.ndarray]:
    """``formula``'s spectral form lambdified once (numpy), called with keywords ``a``, ``b``,
    ``w0``, ``w``, ``alpha``, ``k`` (the arguments it does not use are ignored)."""
    fn = formula.spectral_function("numpy")
    unknown = [p for p in formula.spectral_params if p not in _ARGUMENT_NAMES]
    extra = (formula.spectral.free_symbols if formula.spectral is not None else set()) - set(
        formula.spectral_params
    )
    if unknown or extra:
        raise ValueError(
            f"the spectral form of {formula.name} has symbols "
            f"{sorted(map(str, [*unknown, *extra]))} the GD evaluators cannot supply"
        )
    names = [_ARGUMENT_NAMES[p] for p in formula.spectral_params]

    def call(**values: object) -> np.ndarray:
        return fn(*[values[name] for name in names])

    return call


def _case_kernel(cases: sp.Basic) -> tuple[Callable[..., np.ndarray], tuple[StepCase, ...]]:
    expr = step_size_case_expression(cases)
    if not isinstance(expr, sp.Piecewise):
        raise TypeError(
            f"STEP_SIZE_CASES must be a Piecewise of label symbols; got {type(expr).__name__}"
        )
    labels = []
    for label, _cond in expr.args:
        try:
            labels.append(StepCase.parse(str(label)))
        except ValueError:
            raise ValueError(f"STEP_SIZE_CASES has a label {label} outside {CASES}") from None
    coded = sp.Piecewise(*[(sp.Integer(i), c) for i, (_, c) in enumerate(expr.args)])
    return sp.lambdify((n.x_j, n.a_j, n.bt_j), coded, "numpy"), tuple(labels)


# -- eigenbasis --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eigenbasis:
    r""":math:`\mathbf A = \mathbf Q\,\mathrm{diag}(\tilde a)\,\mathbf Q^\top` (001 eq 11) with
    eigenvalues ascending.  ``curvatures`` are the eigenvalues with those of magnitude
    :math:`\le\tau` (``tolerance``) set to exactly 0."""

    eigenvalues: np.ndarray
    curvatures: np.ndarray
    Q: np.ndarray
    tolerance: float

    @property
    def rank(self) -> int:
        """Number of curvatures > 0 (the numerical rank of A)."""
        return int(np.count_nonzero(self.curvatures > 0))

    @property
    def a_max(self) -> float:
        r""":math:`\tilde a_{\max}`."""
        return float(self.curvatures[-1])


def eigenbasis(A: ArrayLike) -> Eigenbasis:
    r"""Eigendecomposition of a symmetric PSD ``A`` (validated) with zero curvatures decided by
    :math:`|\tilde a_j|\le\tau = 10D\varepsilon\tilde a_{\max}` (001 eq 11)."""
    d = np.shape(A)[0] if np.ndim(A) == 2 else 0
    A, _, _, _, _ = validate_quadratic(A, np.zeros(d), np.zeros(d), psd=False)
    return _eigenbasis(A)


def _eigenbasis(A: np.ndarray) -> Eigenbasis:
    """:func:`eigenbasis` of an ``A`` already checked by ``validate_quadratic``."""
    ev, Q = np.linalg.eigh(A)
    check_psd(ev)
    tol = eigenvalue_tolerance(ev)
    curv = np.where(np.abs(ev) <= tol, 0.0, ev)
    return Eigenbasis(ev, curv, Q, tol)


@dataclass(frozen=True)
class Directions:
    r"""The problem in eigenbasis coordinates (001 eq 11–12): :math:`\tilde a_j` (``a``),
    :math:`\tilde b_j = \mathbf q_j^\top\mathbf b` (``b``; zero directions' values below
    ``b_tolerance`` set to 0), :math:`\tilde w_j^{(0)}` (``w0``), the step size, the product
    :math:`x_j=\alpha\tilde a_j` snapped to 1 and 2 within :math:`\alpha\tau` (``x``), and the
    case of each direction (``cases``)."""

    basis: Eigenbasis
    a: np.ndarray
    b: np.ndarray
    w0: np.ndarray
    alpha: float
    x: np.ndarray
    b_tolerance: float
    cases: tuple[StepCase, ...]
    limit: np.ndarray
    r""":math:`\tilde w^{(\infty)}_j`, the limit formula (``gd.limit_projection``) per direction."""

    @property
    def fixed_point(self) -> np.ndarray:
        r""":math:`\tilde w^\star_j` (the limit formula, ``gd.limit_projection``) where
        :math:`\tilde a_j>0`, NaN where not."""
        return np.where(self.a > 0, self.limit, np.nan)

    @property
    def at_fixed_point(self) -> np.ndarray:
        r"""Directions that start exactly (in float64) at their fixed point and so never move."""
        return (self.a > 0) & (self.w0 == self.fixed_point)

    @property
    def constant(self) -> np.ndarray:
        """Directions that never move: static, or started at their fixed point."""
        return np.array([c is StepCase.STATIC for c in self.cases], dtype=bool) | (
            self.at_fixed_point
        )


@dataclass(frozen=True)
class Iterates:
    r""":math:`\mathbf w^{(k)}` for each k in ``ks`` (rows of ``w``; ``wt`` in eigenbasis
    coordinates), with the eigendirections (``directions``: curvatures, cases, tolerances)
    and the route that computed them (``"closed"`` or ``"step"``, module docstring)."""

    ks: np.ndarray
    w: np.ndarray
    wt: np.ndarray
    directions: Directions
    route: str = "closed"

    @property
    def cases(self) -> tuple[StepCase, ...]:
        """Case of each eigendirection, in ascending order of eigenvalue."""
        return self.directions.cases

    @property
    def eigenvalues(self) -> np.ndarray:
        r"""The curvatures :math:`\tilde a_j` used (zeros snapped), ascending."""
        return self.directions.a


@dataclass(frozen=True)
class LossCurve:
    r""":math:`J(\mathbf w^{(k)})` (``loss``) for each k in ``ks``; ``excess`` is
    :math:`J(\mathbf w^{(k)}) - J^\star` when :math:`J` is bounded below (else None);
    ``minimum`` is :math:`J^\star` (``-inf`` when unbounded below)."""

    ks: np.ndarray
    loss: np.ndarray
    excess: np.ndarray | None
    minimum: float
    cases: tuple[StepCase, ...]


def _no_limit_message(dirs: Directions, bad: list[int]) -> str:
    parts = [
        f"eigendirection {j} (ã = {dirs.a[j]:.6g}, α·ã = {dirs.x[j]:.6g}"
        + (f", b̃ = {dirs.b[j]:.3g}" if dirs.cases[j] is StepCase.DRIFT else "")
        + f") is {dirs.cases[j]}"
        for j in bad
    ]
    text = "gradient descent has no limit at k = ∞: " + "; ".join(parts)
    if any(dirs.cases[j] is StepCase.DRIFT for j in bad):
        text += (
            f" (b̃_j counts as 0 below {dirs.b_tolerance:.3g}; if b carries rounding from its "
            "formation, pass b_tol, e.g. checks.simulate.least_squares_b_rounding for least "
            "squares)"
        )
    return text


def _overflow(dirs: Directions, ks: np.ndarray, values: np.ndarray) -> None:
    """``OverflowError`` naming the first k and direction where ``values`` is not finite."""
    if np.isfinite(values).all():
        return
    r, j = (int(i) for i in np.argwhere(~np.isfinite(values))[0])
    raise OverflowError(
        f"w̃_{j}^(k) at k = {ks[r]:g} overflows float64: eigendirection {j} is {dirs.cases[j]} "
        f"(α·ã = {dirs.alpha * dirs.a[j]:.6g}, |1 − α·ã|^k too large)"
    )


def _dense(finite: np.ndarray, dim: int) -> bool:
    """Whether the distinct finite ``ks`` (sorted) are many and fill enough of their range for
    stepping D = ``dim`` coordinates to be cheaper (module docstring)."""
    if len(finite) < DENSE_MIN:
        return False
    return float(finite[-1] - finite[0] + 1) <= max(1.0, dim / DENSE_PER_DIM) * len(finite)


class GDEvaluator:
    """The numeric GD evaluators generated from one :class:`GDFormulas` (001 §2.2–2.3): each
    spectral form lambdified once (``iterate``, ``limit``, ``gap``, ``objective``: called with
    keywords ``a``, ``b``, ``w0``, ``w``, ``alpha``, ``k``), applied to one eigendecomposition
    per call.  Build with :func:`evaluator`; the public functions of this module take
    ``formulas`` (default the catalogue's) and use the evaluator built from them."""

    def __init__(self, formulas: GDFormulas):
        self.formulas = formulas
        self.iterate = _kernel(formulas.iterate)
        self.limit = _kernel(formulas.limit)
        self.gap = _kernel(formulas.gap)
        self.objective = _kernel(formulas.objective)
        update_symbols = (n.wt_j, n.a_j, n.bt_j, n.alpha)
        extra = formulas.update.free_symbols - set(update_symbols)
        if extra:
            raise ValueError(
                f"the coordinate update has unexpected symbols {sorted(map(str, extra))}"
            )
        self._update = sp.lambdify(update_symbols, formulas.update, "numpy")
        self._cases, self._labels = _case_kernel(formulas.cases)

    # -- directions --------------------------------------------------------------------------

    def classify(self, x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[StepCase, ...]:
        r"""The case of each direction from the Piecewise of cases at :math:`x_j`,
        :math:`\tilde a_j`, :math:`\tilde b_j` (001 §2.2)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            codes = np.broadcast_to(self._cases(x, a, b), x.shape)
        out = []
        for j, code in enumerate(codes):
            if not np.isfinite(code):
                raise ValueError(
                    f"STEP_SIZE_CASES gave no case for x = {x[j]!r}, a = {a[j]!r}, b = {b[j]!r}"
                )
            out.append(self._labels[int(code)])
        return tuple(out)

    def directions(
        self, A: np.ndarray, b: np.ndarray, w0: np.ndarray, alpha: float, b_tol: float | None
    ) -> Directions:
        """:func:`eigendirections` of a problem already checked by ``validate_quadratic``."""
        basis = _eigenbasis(A)
        Q, a = basis.Q, basis.curvatures
        bt = Q.T @ b
        wt0 = Q.T @ w0
        pos = a > 0
        pinv_b = float(safe_norm(bt[pos] / a[pos])) if pos.any() else 0.0
        zero_b = max(
            2 * basis.tolerance * pinv_b + 10 * len(a) * EPS * float(safe_norm(b)), b_tol or 0.0
        )
        bt = np.where(~pos & (np.abs(bt) <= zero_b), 0.0, bt)
        x = alpha * a
        snap = alpha * basis.tolerance
        x = np.where(np.abs(x - 1) <= snap, 1.0, x)
        x = np.where(np.abs(x - 2) <= snap, 2.0, x)
        cases = self.classify(x, a, bt)
        limit = self.limit_coordinates(a, bt, wt0)
        return Directions(basis, a, bt, wt0, alpha, x, zero_b, cases, limit)

    # -- iterates ----------------------------------------------------------------------------

    def limit_coordinates(self, a: np.ndarray, b: np.ndarray, w0: np.ndarray) -> np.ndarray:
        r""":math:`\tilde w^{(\infty)}_j` from ``gd.limit_projection``'s spectral form at
        :math:`\tilde a_j`, :math:`\tilde b_j`, :math:`\tilde w^{(0)}_j`."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self.limit(a=a, b=b, w0=w0)
        return np.broadcast_to(out, a.shape).astype(float)

    def closed_coordinates(self, dirs: Directions, ks: np.ndarray) -> np.ndarray:
        """The lambdified coordinate solution on the (k × j) grid, with the k = ∞ and
        fixed-point rules of the module docstring."""
        kk = np.array(ks, dtype=float)[:, None]
        kk = np.broadcast_to(kk, (len(ks), len(dirs.a))).copy()
        constant = dirs.constant
        kk[:, constant] = 0.0  # constant directions: the value at k = 0 for every k (also k = ∞)
        if np.isinf(kk).any():
            no_limit = [
                j for j, c in enumerate(dirs.cases) if c not in CONVERGING_CASES and not constant[j]
            ]
            if no_limit:
                raise NoLimitError(
                    _no_limit_message(dirs, no_limit), [(j, dirs.cases[j]) for j in no_limit]
                )
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = self.iterate(
                a=dirs.a[None, :], b=dirs.b[None, :], w0=dirs.w0[None, :], alpha=dirs.alpha, k=kk
            )
        out = np.broadcast_to(out, kk.shape).astype(float)
        _overflow(dirs, np.asarray(ks, dtype=float), out)
        return out

    def stepped_coordinates(self, dirs: Directions, ks: np.ndarray) -> np.ndarray:
        """The coordinates at the sorted distinct finite ``ks``: the closed form at the first,
        then the coordinate recurrence step by step (module docstring, "Many consecutive k")."""
        start = self.closed_coordinates(dirs, ks[:1])[0]
        constant = dirs.constant  # never moves: step with zero curvature and zero slope
        a = np.where(constant, 0.0, dirs.a)
        b = np.where(constant, 0.0, dirs.b)
        offsets = (ks - ks[0]).astype(np.int64)
        want = np.zeros(int(offsets[-1]) + 1, dtype=bool)
        want[offsets] = True
        out = np.empty((len(ks), len(a)))
        cur, row = start, 0
        with np.errstate(over="ignore", invalid="ignore"):
            for step, keep in enumerate(want):
                if keep:
                    out[row] = cur
                    row += 1
                if step < len(want) - 1:
                    cur = self._update(cur, a, b, dirs.alpha)
        _overflow(dirs, ks, out)
        return out

    def coordinates(self, dirs: Directions, ks: np.ndarray, route: Route = "auto") -> tuple:
        """``(w̃ at each k of ks, route used)``: the closed form at every k, or (``"step"``, or
        ``"auto"`` when the finite ks are dense) the stepped route for the finite ones."""
        if route not in ("auto", "closed", "step"):
            raise ValueError(f"route must be 'auto', 'closed' or 'step'; got {route!r}")
        ks = np.asarray(ks, dtype=float)
        finite = np.isfinite(ks)
        distinct = np.unique(ks[finite])
        use_step = len(distinct) > 0 and (
            route == "step" or (route == "auto" and _dense(distinct, len(dirs.a)))
        )
        if not use_step:
            return self.closed_coordinates(dirs, ks), "closed"
        out = np.empty((len(ks), len(dirs.a)))
        if (~finite).any():
            out[~finite] = self.closed_coordinates(dirs, ks[~finite])
        rows = self.stepped_coordinates(dirs, distinct)
        out[finite] = rows[np.searchsorted(distinct, ks[finite])]
        return out, "step"


@lru_cache(maxsize=16)
def _evaluator(formulas: GDFormulas) -> GDEvaluator:
    return GDEvaluator(formulas)


def evaluator(formulas: GDFormulas | None = None) -> GDEvaluator:
    """The evaluators generated from ``formulas`` (default :func:`catalogue_formulas`), built
    once per set of formulas (001 §2.2–2.3)."""
    return _evaluator(catalogue_formulas() if formulas is None else formulas)


# -- the public evaluators ---------------------------------------------------------------------


def eigendirections(
    A: ArrayLike,
    b: object,
    w0: object | None,
    alpha: float,
    b_tol: float | None = None,
    formulas: GDFormulas | None = None,
) -> Directions:
    r"""Validate the problem and express it per eigendirection, with the case of each
    (001 eq 11–12, cases 1–3):

    .. math::

        \mathbf A = \mathbf Q\,\mathrm{diag}(\tilde a)\,\mathbf Q^\top,\quad
        \tilde{\mathbf b} = \mathbf Q^\top\mathbf b,\quad
        \tilde{\mathbf w}^{(0)} = \mathbf Q^\top\mathbf w^{(0)},\quad
        \tilde w_j^{(k+1)} = \tilde w_j^{(k)} - \alpha(\tilde a_j\tilde w_j^{(k)} + \tilde b_j)

    on the ½-scale quadratic, with the zero / equality decisions of the module docstring.
    ``w0`` may be None (then zeros).  ``b_tol`` raises the threshold below which a
    zero-curvature :math:`\tilde b_j` counts as 0, for a ``b`` that carries rounding from its
    formation (e.g. :math:`-\boldsymbol\Phi^\top\mathbf t/N` with cancellation, see
    ``gdflow.checks.simulate.least_squares_b_rounding``); the default bound assumes b is given
    exactly."""
    d = np.shape(A)[0] if np.ndim(A) == 2 else 0
    A_, b_, w0_, alpha_, _ = validate_quadratic(
        A, b, np.zeros(d) if w0 is None else w0, alpha, psd=False
    )
    assert alpha_ is not None
    return evaluator(formulas).directions(A_, b_, w0_, alpha_, b_tol)


def step_size_cases(
    A: ArrayLike,
    b: object,
    alpha: float,
    b_tol: float | None = None,
    formulas: GDFormulas | None = None,
) -> tuple[StepCase, ...]:
    r"""The case of each eigendirection of :math:`\mathbf A` (ascending eigenvalues) for step
    ``alpha`` (001 §2.2): with :math:`x_j = \alpha\tilde a_j`,

    .. math::

        \begin{cases}
        \text{monotone} & 0 < x_j < 1\\ \text{one\_step} & x_j = 1\\
        \text{oscillating} & 1 < x_j < 2\\ \text{bounded\_oscillation} & x_j = 2\\
        \text{divergent} & x_j > 2\\ \text{drift} & \tilde a_j = 0,\ \tilde b_j \ne 0\\
        \text{static} & \tilde a_j = 0,\ \tilde b_j = 0
        \end{cases}

    evaluated from ``gdflow.derive.eigencases.STEP_SIZE_CASES`` (:class:`StepCase` members);
    equalities are decided with the tolerances of the module docstring (``b_tol`` as in
    :func:`eigendirections`).  Loss scale: ½ (module docstring).

    >>> cases = step_size_cases([[1.0, 0.0], [0.0, 0.0]], [0.0, 1.0], 2.0)
    >>> cases == ("drift", "bounded_oscillation")
    True
    """
    return eigendirections(A, b, None, alpha, b_tol, formulas).cases


def gd_iterates(
    A: object,
    b: object,
    w0: object,
    alpha: float,
    ks: float | Sequence[float],
    b_tol: float | None = None,
    route: Route = "auto",
    formulas: GDFormulas | None = None,
) -> Iterates:
    r"""Gradient-descent iterates :math:`\mathbf w^{(k)}` for many k at once, from one
    eigendecomposition (001 eq 13, per direction eq 11–12 solved; ``gd.closed_form``):

    .. math::

        \mathbf w^{(k)} = \mathbf Q\,\tilde{\mathbf w}^{(k)},\qquad
        \tilde w_j^{(k)} = \begin{cases}
        \tilde w^\star_j + (1-\alpha\tilde a_j)^k(\tilde w_j^{(0)}-\tilde w^\star_j) & \tilde
        a_j>0\\
        \tilde w_j^{(0)} - \alpha k\tilde b_j & \tilde a_j = 0\end{cases}

    on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top\mathbf w+c`
    (½ scale), with :math:`\alpha` = ``alpha``, :math:`\mathbf w^{(0)}` = ``w0`` and ``ks``
    nonnegative integers or ``numpy.inf``.  Any rank; exact at :math:`\alpha\tilde a_j = 2`.
    At k = ∞ returns :math:`\mathbf w^{(\infty)} = -\mathbf A^\dagger\mathbf b + (\mathbf I -
    \mathbf A^\dagger\mathbf A)\mathbf w^{(0)}` (001 eq 13–14) when it exists and raises
    :class:`NoLimitError` otherwise.  Zero curvature, :math:`\tilde b_j = 0` and
    :math:`\alpha\tilde a_j\in\{1,2\}` are decided with the tolerances of the module docstring
    (``b_tol`` as in :func:`eigendirections`).  Cost :math:`O(D^3 + |ks|\,D^2)`.  ``route``:
    ``"auto"`` steps the coordinates when many consecutive k are requested (module
    docstring), ``"closed"`` evaluates the closed form at every k, ``"step"`` always steps;
    ``formulas`` (default the catalogue's) are the formulas evaluated.

    >>> it = gd_iterates([[2.0, 0.0], [0.0, 0.0]], [-2.0, 0.0], [0.0, 5.0], 0.25, [0, 2, np.inf])
    >>> it.w.tolist()
    [[0.0, 5.0], [0.75, 5.0], [1.0, 5.0]]
    >>> it.cases == ("static", "monotone")
    True
    """
    ev = evaluator(formulas)
    A_, b_, w0_, alpha_, _ = validate_quadratic(A, b, w0, alpha, psd=False)  # PSD: on eigh's
    assert alpha_ is not None
    steps = validate_steps(ks, allow_infinity=True)
    dirs = ev.directions(A_, b_, w0_, alpha_, b_tol)
    wt, used = ev.coordinates(dirs, steps, route)
    return Iterates(steps, wt @ dirs.basis.Q.T, wt, dirs, used)


def gd_loss(
    A: object,
    b: object,
    c: float,
    w0: object,
    alpha: float,
    ks: float | Sequence[float],
    b_tol: float | None = None,
    formulas: GDFormulas | None = None,
) -> LossCurve:
    r"""Loss along gradient descent from the loss-decay formula (001 §2.2, eq 15 and after;
    ``gd.loss_decay``, and ``gd.eigenbasis`` for the objective per direction):

    .. math::

        J(\mathbf w^{(k)}) - J^\star = \sum_{\tilde a_j>0}\frac{\tilde a_j}{2}
        \bigl(\tilde w_j^{(0)}-\tilde w^\star_j\bigr)^2(1-\alpha\tilde a_j)^{2k},\qquad
        J^\star = c + \sum_{\tilde a_j>0}\Bigl(\frac{\tilde a_j}{2}\tilde w_j^{\star2}
        + \tilde b_j\tilde w^\star_j\Bigr) = c - \tfrac12\mathbf b^\top\mathbf A^\dagger\mathbf b ,

    on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top\mathbf w+c`
    (½ scale; :math:`c` is ``c``).  When :math:`\mathbf b\notin\mathrm{range}(\mathbf A)`
    (some direction is ``drift``), :math:`J` is unbounded below: ``excess`` is None,
    ``minimum`` is ``-inf``, and ``loss`` adds the objective of the drifting directions at
    their iterates, :math:`\sum_{\tilde a_j=0}\tilde b_j(\tilde w_j^{(0)}-\alpha k\tilde b_j)`,
    linear in k.

    At k = ∞ the loss is the limit in the extended reals: :math:`J^\star` when every direction
    converges or is static; the constant :math:`J^\star + \sum_{x_j=2}\frac{\tilde a_j}{2}
    (\tilde w^{(0)}_j-\tilde w^\star_j)^2` under bounded oscillation;
    ``+inf`` if a divergent direction has moved off its fixed point (exponential growth beats
    the linear drift); otherwise ``-inf`` if some direction drifts.  Finite k that overflow
    float64 raise ``OverflowError``.  ``b_tol`` as in :func:`eigendirections`.

    >>> gd_loss([[2.0]], [-2.0], 1.0, [0.0], 0.25, [0, 1, np.inf]).excess.tolist()
    [1.0, 0.25, 0.0]
    """
    ev = evaluator(formulas)
    A_, b_, w0_, alpha_, c_ = validate_quadratic(A, b, w0, alpha, c, psd=False)
    assert alpha_ is not None and c_ is not None
    alpha, c = alpha_, c_
    steps = validate_steps(ks, allow_infinity=True)
    dirs = ev.directions(A_, b_, w0_, alpha, b_tol)
    pos = dirs.a > 0
    safe_a = np.where(pos, dirs.a, 1.0)
    limit = dirs.limit
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        at_limit = ev.objective(a=dirs.a, b=dirs.b, w=limit)
    minimum_range = c + float(np.sum(np.where(pos, at_limit, 0.0)))
    drift = np.array([cs is StepCase.DRIFT for cs in dirs.cases], dtype=bool)
    still = dirs.at_fixed_point | ~pos

    def gap_at(k: float, mask: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = ev.gap(a=safe_a, b=dirs.b, w0=dirs.w0, alpha=alpha, k=k)
        return float(np.sum(np.where(mask & ~still, g, 0.0)))

    def flat_at(k: float) -> float:
        """The objective's share of the zero-curvature directions at the iterate."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            wk = ev.iterate(a=dirs.a, b=dirs.b, w0=dirs.w0, alpha=alpha, k=k)
            share = ev.objective(a=dirs.a, b=dirs.b, w=wk)
        return float(np.sum(np.where(drift, share, 0.0)))

    converging = np.array([cs in CONVERGING_CASES for cs in dirs.cases], dtype=bool)
    bounded = np.array([cs is StepCase.BOUNDED_OSCILLATION for cs in dirs.cases], dtype=bool)
    divergent = np.array([cs is StepCase.DIVERGENT for cs in dirs.cases], dtype=bool) & ~still
    gaps, lins = [], []
    for k in steps:
        if np.isfinite(k):
            gap = gap_at(k, pos)
            if not np.isfinite(gap):
                raise OverflowError(
                    f"J(w^(k)) at k = {k:g} overflows float64 (a direction is divergent)"
                )
            lin = flat_at(k)
        else:
            # converging shares -> 0 (the formula at k = inf); bounded ones keep their k = 0
            # value
            gap = gap_at(np.inf, converging) + gap_at(0.0, bounded)
            if divergent.any():
                gap, lin = np.inf, 0.0
            else:
                lin = -np.inf if drift.any() else 0.0
        gaps.append(gap)
        lins.append(lin)
    gaps_arr, lins_arr = np.array(gaps), np.array(lins)
    loss = minimum_range + gaps_arr + lins_arr
    if drift.any():
        return LossCurve(steps, loss, None, -np.inf, dirs.cases)
    return LossCurve(steps, loss, gaps_arr, minimum_range, dirs.cases)


def least_squares_iterates(
    Phi: object,
    t: object,
    w0: object,
    alpha: float,
    ks: float | Sequence[float],
    formulas: GDFormulas | None = None,
) -> Iterates:
    r"""GD iterates for least squares in 001's scale (001 eq 3–4, 13, 16):

    .. math::

        J(\mathbf w) = \frac1{2N}\|\boldsymbol\Phi\mathbf w-\mathbf t\|^2,\quad
        \mathbf A = \boldsymbol\Phi^\top\boldsymbol\Phi/N,\
        \mathbf b = -\boldsymbol\Phi^\top\mathbf t/N,
        \qquad \mathbf w^{(\infty)} = \boldsymbol\Phi^\dagger\mathbf t\ \text{from}\
        \mathbf w^{(0)} = 0,

    rows of ``Phi`` (N×D) are data points.  The same evaluator as :func:`gd_iterates`, with the
    zero test for :math:`\tilde b_j` widened by the rounding of forming
    :math:`\boldsymbol\Phi^\top\mathbf t` (``least_squares_b_rounding``): b is in
    range(A) exactly, but cancellation in :math:`\boldsymbol\Phi^\top\mathbf t` (t nearly
    orthogonal to the columns) leaves it outside by rounding, which must not read as drift.

    >>> Phi, t = [[1.0, 1.0], [1.0, 1.0]], [2.0, 0.0]
    >>> w = least_squares_iterates(Phi, t, [0.0, 0.0], 0.5, [np.inf]).w
    >>> np.round(w, 12).tolist()  # Phi^+ t: the mean target 1 split over two equal features
    [[0.5, 0.5]]
    """
    from .simulate import least_squares_b_rounding, least_squares_quadratic

    A, b, _ = least_squares_quadratic(Phi, t)
    return gd_iterates(
        A, b, w0, alpha, ks, b_tol=least_squares_b_rounding(Phi, t), formulas=formulas
    )


def limit_point(A: object, b: object, w0: object, formulas: GDFormulas | None = None) -> np.ndarray:
    r"""The projection of :math:`\mathbf w^{(0)}` onto the minimiser set (001 eq 13–14;
    ``gd.limit_projection``'s per-eigendirection form):

    .. math::

        \mathbf w^{(\infty)} = -\mathbf A^\dagger\mathbf b + (\mathbf I - \mathbf A^\dagger\mathbf
        A)
        \mathbf w^{(0)} = \mathbf Q\,\tilde{\mathbf w}^{(\infty)},\quad
        \tilde w^{(\infty)}_j = \begin{cases}-\tilde b_j/\tilde a_j & \tilde a_j>0\\
        \tilde w_j^{(0)} & \tilde a_j = 0\end{cases}

    (zero curvature decided by :math:`\tau`, module docstring; ½ loss scale).  It is the limit
    of GD when :math:`\mathbf b\in\mathrm{range}(\mathbf A)` and :math:`0<\alpha<2/\tilde
    a_{\max}`; the formula itself is defined for any b (the part of b outside range(A) is
    ignored by :math:`\mathbf A^\dagger`).  From :math:`\mathbf w^{(0)}=0` it is
    :math:`-\mathbf A^\dagger\mathbf b` (eq 14), :math:`\boldsymbol\Phi^\dagger\mathbf t` for
    least squares (eq 16).

    >>> limit_point([[2.0, 0.0], [0.0, 0.0]], [-2.0, 3.0], [7.0, 5.0]).tolist()
    [1.0, 5.0]
    """
    ev = evaluator(formulas)
    A_, b_, w0_, _, _ = validate_quadratic(A, b, w0, psd=False)  # PSD: on eigh's eigenvalues
    dirs = ev.directions(A_, b_, w0_, 1.0, None)
    return dirs.basis.Q @ dirs.limit
