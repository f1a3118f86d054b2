r"""Fast closed-form evaluators for gradient descent on a convex quadratic, any rank, any k.

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
(001 eq 11–12).  The per-direction formula is **not written here**: it is the result of the
derivation ``gd.coordinate_recurrence`` (a :class:`gdflow.derive.derivation.Recurrence` whose
``solution`` is)

.. math::

    \tilde w_j^{(k)} = \begin{cases}
      \tilde w^\star_j + (1-\alpha\tilde a_j)^k(\tilde w_j^{(0)} - \tilde w^\star_j),
        \ \tilde w^\star_j = -\tilde b_j/\tilde a_j & \tilde a_j > 0\\
      \tilde w_j^{(0)} - \alpha k\,\tilde b_j & \tilde a_j = 0
    \end{cases}

lambdified with numpy and applied to the whole (k × j) grid at once, so what ``gdflow derive``
prints is what is evaluated.  The step-size case of each direction is the derivation's
Piecewise of labels (``gdflow.derive.eigencases.STEP_SIZE_CASES``, with :math:`\alpha\tilde a_j`
renamed :math:`x`) lambdified the same way, and :func:`gd_loss` lambdifies the per-direction
share of the excess loss from the derivation ``gd.loss_decay``.
Cost: :math:`O(D^3)` once, then :math:`O(D^2)` per requested k.

Numerical decisions (stated, not hidden)
----------------------------------------
- **Zero curvature.**  :math:`\tilde a_j` is zero when :math:`|\tilde a_j| \le \tau = 10\,D\,
  \varepsilon\,\tilde a_{\max}` (``gdflow.checks.simulate.eigenvalue_tolerance``; eigh is backward
  stable, so computed eigenvalues are accurate to about :math:`D\varepsilon\|\mathbf A\|`).
  Such a direction is evaluated on the formula's :math:`\tilde a_j = 0` branch (never by
  dividing by a rounding-level eigenvalue).
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

import numpy as np
import sympy as sp

from gdflow.derive.derivation import Identity, Recurrence

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
    "NoLimitError",
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

CASES = (
    "monotone",
    "one_step",
    "oscillating",
    "bounded_oscillation",
    "divergent",
    "drift",
    "static",
)
"""The step-size cases of one eigendirection (001 §2.2, cases 1–3)."""

CONVERGING_CASES = frozenset({"monotone", "one_step", "oscillating"})
"""Cases with :math:`|1-\\alpha\\tilde a_j| < 1`: the direction converges to :math:`\\tilde w^\\star_j`."""


class NoLimitError(ValueError):
    """GD has no limit at k = ∞ for this problem; ``directions`` lists ``(j, case)`` of the
    eigendirections without one (drift, divergent, bounded_oscillation)."""

    def __init__(self, message: str, directions: Sequence[tuple[int, str]]):
        super().__init__(message)
        self.directions = tuple(directions)


# -- the formulas, read from the derivations -------------------------------------------------


@lru_cache(maxsize=1)
def coordinate_solution() -> sp.Basic:
    r"""The per-eigendirection closed form :math:`\tilde w_j^{(k)}` (001 §2.2, eq 11–12 solved):
    ``gdflow.derive.get("gd.coordinate_recurrence").result.solution``, a Piecewise in
    ``a_j, bt_j, wt0_j, alpha, k`` of ``gdflow.derive.notation``.  This is the object the derivation
    proves by induction and ``gdflow derive`` prints."""
    from gdflow import derive

    result = derive.get("gd.coordinate_recurrence", verified=False).result
    if not isinstance(result, Recurrence):
        raise TypeError(
            f"gd.coordinate_recurrence must end in a Recurrence; got {type(result).__name__}"
        )
    return result.solution


@lru_cache(maxsize=1)
def step_size_case_expression() -> sp.Basic:
    r"""``gdflow.derive.eigencases.STEP_SIZE_CASES`` (001 §2.2, cases 1–3) with :math:`\alpha\tilde a_j`
    replaced by the symbol :math:`x` (``gdflow.derive.notation.x_j``), so that the numeric side can
    decide :math:`x = 1` and :math:`x = 2` with a tolerance before evaluating it."""
    from gdflow.derive import eigencases
    from gdflow.derive import notation as n

    expr = eigencases.STEP_SIZE_CASES.subs(n.alpha * n.a_j, n.x_j)
    left = expr.free_symbols - {n.x_j, n.a_j, n.bt_j} - {e for e, _ in expr.args}
    if left:
        raise ValueError(
            f"STEP_SIZE_CASES must depend on alpha only through alpha*a_j; after substituting x "
            f"it still has {sorted(map(str, left))}: {expr}"
        )
    return expr


@lru_cache(maxsize=1)
def loss_gap_expression() -> sp.Basic:
    r"""One eigendirection's share of the excess loss along GD, from the derivation
    ``gd.loss_decay`` (001 §2.3): :math:`\frac{\tilde a_j}{2}(1-\alpha\tilde a_j)^{2k}
    (\tilde w_j^{(0)}-\tilde w_{\star j})^2`, with :math:`\tilde w_{\star j}=-\tilde b_j/\tilde a_j`
    substituted; valid for :math:`\tilde a_j>0`.  Read from the step labelled
    ``coordinate_gap`` of that derivation."""
    from gdflow import derive
    from gdflow.derive import notation as n

    claim = derive.get("gd.loss_decay", verified=False).step("coordinate_gap").claim
    if not isinstance(claim, Identity):
        raise TypeError(
            f"gd.loss_decay's coordinate_gap step must be an Identity; got {type(claim).__name__}"
        )
    return claim.rhs.subs(n.wstar_j, -n.bt_j / n.a_j)


def _label_name(sym: sp.Basic) -> str:
    return str(sym).strip().lower().replace(" ", "_").replace("-", "_")


@lru_cache(maxsize=1)
def _solution_function() -> Callable[..., np.ndarray]:
    from gdflow.derive import notation as n

    expr = coordinate_solution()
    args = (n.a_j, n.bt_j, n.wt0_j, n.alpha, n.k)
    extra = expr.free_symbols - set(args)
    if extra:
        raise ValueError(
            f"gd.coordinate_recurrence solution has unexpected symbols {sorted(map(str, extra))}"
        )
    return sp.lambdify(args, expr, "numpy")


@lru_cache(maxsize=1)
def _loss_gap_function() -> Callable[..., np.ndarray]:
    from gdflow.derive import notation as n

    return sp.lambdify((n.a_j, n.bt_j, n.wt0_j, n.alpha, n.k), loss_gap_expression(), "numpy")


@lru_cache(maxsize=1)
def _case_function() -> tuple[Callable[..., np.ndarray], tuple[str, ...]]:
    from gdflow.derive import notation as n

    expr = step_size_case_expression()
    if not isinstance(expr, sp.Piecewise):
        raise TypeError(
            f"STEP_SIZE_CASES must be a Piecewise of label symbols; got {type(expr).__name__}"
        )
    labels = [e for e, _ in expr.args]
    names = tuple(_label_name(lab) for lab in labels)
    unknown = set(names) - set(CASES)
    if unknown:
        raise ValueError(f"STEP_SIZE_CASES has labels {sorted(unknown)} outside {CASES}")
    coded = sp.Piecewise(*[(sp.Integer(i), c) for i, (_, c) in enumerate(expr.args)])
    return sp.lambdify((n.x_j, n.a_j, n.bt_j), coded, "numpy"), names


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


def eigenbasis(A: object) -> Eigenbasis:
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
    cases: tuple[str, ...]

    @property
    def fixed_point(self) -> np.ndarray:
        r""":math:`\tilde w^\star_j = -\tilde b_j/\tilde a_j` where :math:`\tilde a_j>0`, NaN where not."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.a > 0, -self.b / np.where(self.a > 0, self.a, 1.0), np.nan)

    @property
    def at_fixed_point(self) -> np.ndarray:
        r"""Directions that start exactly (in float64) at their fixed point and so never move."""
        return (self.a > 0) & (self.w0 == self.fixed_point)


def _classify(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[str, ...]:
    fn, names = _case_function()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        codes = np.broadcast_to(fn(x, a, b), x.shape)
    out = []
    for j, code in enumerate(codes):
        if not np.isfinite(code):
            raise ValueError(
                f"STEP_SIZE_CASES gave no case for x = {x[j]!r}, a = {a[j]!r}, b = {b[j]!r}"
            )
        out.append(names[int(code)])
    return tuple(out)


def eigendirections(
    A: object, b: object, w0: object | None, alpha: float, b_tol: float | None = None
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
    ``gdflow.checks.simulate.least_squares_b_rounding``); the default bound assumes b is given exactly."""
    d = np.shape(A)[0] if np.ndim(A) == 2 else 0
    A, b, w0, alpha, _ = validate_quadratic(
        A, b, np.zeros(d) if w0 is None else w0, alpha, psd=False
    )
    return _eigendirections(A, b, w0, alpha, b_tol)


def _eigendirections(
    A: np.ndarray, b: np.ndarray, w0: np.ndarray, alpha: float, b_tol: float | None
) -> Directions:
    """:func:`eigendirections` of a problem already checked by ``validate_quadratic``."""
    basis = _eigenbasis(A)
    Q, a = basis.Q, basis.curvatures
    bt = Q.T @ b
    wt0 = Q.T @ w0
    pos = a > 0
    pinv_b = safe_norm(bt[pos] / a[pos]) if pos.any() else 0.0
    b_tol = max(
        2 * basis.tolerance * pinv_b + 10 * len(a) * EPS * float(safe_norm(b)), b_tol or 0.0
    )
    bt = np.where(~pos & (np.abs(bt) <= b_tol), 0.0, bt)
    x = alpha * a
    snap = alpha * basis.tolerance
    x = np.where(np.abs(x - 1) <= snap, 1.0, x)
    x = np.where(np.abs(x - 2) <= snap, 2.0, x)
    cases = _classify(x, a, bt)
    return Directions(basis, a, bt, wt0, alpha, x, b_tol, cases)


def step_size_cases(
    A: object, b: object, alpha: float, b_tol: float | None = None
) -> tuple[str, ...]:
    r"""The case of each eigendirection of :math:`\mathbf A` (ascending eigenvalues) for step
    ``alpha`` (001 §2.2): with :math:`x_j = \alpha\tilde a_j`,

    .. math::

        \begin{cases}
        \text{monotone} & 0 < x_j < 1\\ \text{one\_step} & x_j = 1\\
        \text{oscillating} & 1 < x_j < 2\\ \text{bounded\_oscillation} & x_j = 2\\
        \text{divergent} & x_j > 2\\ \text{drift} & \tilde a_j = 0,\ \tilde b_j \ne 0\\
        \text{static} & \tilde a_j = 0,\ \tilde b_j = 0
        \end{cases}

    evaluated from ``gdflow.derive.eigencases.STEP_SIZE_CASES``; equalities are decided with the
    tolerances of the module docstring (``b_tol`` as in :func:`eigendirections`).  Loss
    scale: ½ (module docstring).

    >>> step_size_cases([[1.0, 0.0], [0.0, 0.0]], [0.0, 1.0], 2.0)
    ('drift', 'bounded_oscillation')
    """
    return eigendirections(A, b, None, alpha, b_tol).cases


# -- iterates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Iterates:
    r""":math:`\mathbf w^{(k)}` for each k in ``ks`` (rows of ``w``; ``wt`` in eigenbasis
    coordinates), with the eigendirections (``directions``: curvatures, cases, tolerances)."""

    ks: np.ndarray
    w: np.ndarray
    wt: np.ndarray
    directions: Directions

    @property
    def cases(self) -> tuple[str, ...]:
        """Case of each eigendirection, in ascending order of eigenvalue."""
        return self.directions.cases

    @property
    def eigenvalues(self) -> np.ndarray:
        r"""The curvatures :math:`\tilde a_j` used (zeros snapped), ascending."""
        return self.directions.a


def _no_limit_message(dirs: Directions, bad: list[int]) -> str:
    parts = [
        f"eigendirection {j} (ã = {dirs.a[j]:.6g}, α·ã = {dirs.x[j]:.6g}"
        + (f", b̃ = {dirs.b[j]:.3g}" if dirs.cases[j] == "drift" else "")
        + f") is {dirs.cases[j]}"
        for j in bad
    ]
    text = "gradient descent has no limit at k = ∞: " + "; ".join(parts)
    if any(dirs.cases[j] == "drift" for j in bad):
        text += (
            f" (b̃_j counts as 0 below {dirs.b_tolerance:.3g}; if b carries rounding from its formation, "
            "pass b_tol, e.g. checks.simulate.least_squares_b_rounding for least squares)"
        )
    return text


def _evaluate(dirs: Directions, ks: np.ndarray) -> np.ndarray:
    """The lambdified solution on the (k × j) grid, with the k = ∞ and fixed-point rules."""
    fn = _solution_function()
    kk = np.array(ks, dtype=float)[:, None]
    kk = np.broadcast_to(kk, (len(ks), len(dirs.a))).copy()
    constant = np.array([c == "static" for c in dirs.cases]) | dirs.at_fixed_point
    kk[:, constant] = 0.0  # constant directions: the value at k = 0 for every k (also k = ∞)
    infinite = np.isinf(kk)
    if infinite.any():
        no_limit = [
            j for j, c in enumerate(dirs.cases) if c not in CONVERGING_CASES and not constant[j]
        ]
        if no_limit:
            raise NoLimitError(
                _no_limit_message(dirs, no_limit), [(j, dirs.cases[j]) for j in no_limit]
            )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = fn(dirs.a[None, :], dirs.b[None, :], dirs.w0[None, :], dirs.alpha, kk)
    out = np.broadcast_to(out, kk.shape).astype(float)
    if not np.isfinite(out).all():
        r, j = (int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise OverflowError(
            f"w̃_{j}^(k) at k = {ks[r]:g} overflows float64: eigendirection {j} is {dirs.cases[j]} "
            f"(α·ã = {dirs.alpha * dirs.a[j]:.6g}, |1 − α·ã|^k too large)"
        )
    return out


def gd_iterates(
    A: object,
    b: object,
    w0: object,
    alpha: float,
    ks: float | Sequence[float],
    b_tol: float | None = None,
) -> Iterates:
    r"""Gradient-descent iterates :math:`\mathbf w^{(k)}` for many k at once, from one
    eigendecomposition (001 eq 13, per direction eq 11–12 solved):

    .. math::

        \mathbf w^{(k)} = \mathbf Q\,\tilde{\mathbf w}^{(k)},\qquad
        \tilde w_j^{(k)} = \begin{cases}
        \tilde w^\star_j + (1-\alpha\tilde a_j)^k(\tilde w_j^{(0)}-\tilde w^\star_j) & \tilde a_j>0\\
        \tilde w_j^{(0)} - \alpha k\tilde b_j & \tilde a_j = 0\end{cases}

    on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top\mathbf w+c`
    (½ scale), with :math:`\alpha` = ``alpha``, :math:`\mathbf w^{(0)}` = ``w0`` and ``ks``
    nonnegative integers or ``numpy.inf``.  Any rank; exact at :math:`\alpha\tilde a_j = 2`.
    At k = ∞ returns :math:`\mathbf w^{(\infty)} = -\mathbf A^\dagger\mathbf b + (\mathbf I -
    \mathbf A^\dagger\mathbf A)\mathbf w^{(0)}` (001 eq 13–14) when it exists and raises
    :class:`NoLimitError` otherwise.  Zero curvature, :math:`\tilde b_j = 0` and
    :math:`\alpha\tilde a_j\in\{1,2\}` are decided with the tolerances of the module docstring
    (``b_tol`` as in :func:`eigendirections`).  Cost :math:`O(D^3 + |ks|\,D^2)`.

    >>> it = gd_iterates([[2.0, 0.0], [0.0, 0.0]], [-2.0, 0.0], [0.0, 5.0], 0.25, [0, 2, np.inf])
    >>> it.w.tolist()
    [[0.0, 5.0], [0.75, 5.0], [1.0, 5.0]]
    >>> it.cases
    ('static', 'monotone')
    """
    A, b, w0, alpha, _ = validate_quadratic(
        A, b, w0, alpha, psd=False
    )  # PSD: checked on eigh's eigenvalues
    steps = validate_steps(ks, allow_infinity=True)
    dirs = _eigendirections(A, b, w0, alpha, b_tol)
    wt = _evaluate(dirs, steps)
    return Iterates(steps, wt @ dirs.basis.Q.T, wt, dirs)


# -- loss --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossCurve:
    r""":math:`J(\mathbf w^{(k)})` (``loss``) for each k in ``ks``; ``excess`` is
    :math:`J(\mathbf w^{(k)}) - J^\star` when :math:`J` is bounded below (else None);
    ``minimum`` is :math:`J^\star` (``-inf`` when unbounded below)."""

    ks: np.ndarray
    loss: np.ndarray
    excess: np.ndarray | None
    minimum: float
    cases: tuple[str, ...]


def gd_loss(
    A: object,
    b: object,
    c: float,
    w0: object,
    alpha: float,
    ks: float | Sequence[float],
    b_tol: float | None = None,
) -> LossCurve:
    r"""Loss along gradient descent from the loss-decay formula (001 §2.3, eq 15 and after):

    .. math::

        J(\mathbf w^{(k)}) - J^\star = \sum_{\tilde a_j>0}\frac{\tilde a_j}{2}
        \bigl(\tilde w_j^{(0)}-\tilde w^\star_j\bigr)^2(1-\alpha\tilde a_j)^{2k},\qquad
        J^\star = c - \sum_{\tilde a_j>0}\frac{\tilde b_j^2}{2\tilde a_j}
        = c - \tfrac12\mathbf b^\top\mathbf A^\dagger\mathbf b ,

    on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top\mathbf w+c`
    (½ scale; :math:`c` is ``c``).  When :math:`\mathbf b\notin\mathrm{range}(\mathbf A)`
    (some direction is ``drift``), :math:`J` is unbounded below: ``excess`` is None,
    ``minimum`` is ``-inf``, and ``loss`` adds the exact drift terms
    :math:`\sum_{\tilde a_j=0}\tilde b_j(\tilde w_j^{(0)}-\alpha k\tilde b_j)`, linear in k.

    At k = ∞ the loss is the limit in the extended reals: :math:`J^\star` when every direction
    converges or is static; the constant :math:`J^\star + \sum_{x_j=2}\frac{\tilde a_j}{2}
    (\tilde w^{(0)}_j-\tilde w^\star_j)^2` under bounded oscillation;
    ``+inf`` if a divergent direction has moved off its fixed point (exponential growth beats
    the linear drift); otherwise ``-inf`` if some direction drifts.  Finite k that overflow
    float64 raise ``OverflowError``.  ``b_tol`` as in :func:`eigendirections`.

    >>> gd_loss([[2.0]], [-2.0], 1.0, [0.0], 0.25, [0, 1, np.inf]).excess.tolist()
    [1.0, 0.25, 0.0]
    """
    A, b, w0, alpha, c = validate_quadratic(
        A, b, w0, alpha, c, psd=False
    )  # PSD: checked on eigh's eigenvalues
    steps = validate_steps(ks, allow_infinity=True)
    dirs = _eigendirections(A, b, w0, alpha, b_tol)
    pos = dirs.a > 0
    safe_a = np.where(pos, dirs.a, 1.0)
    minimum_range = c - float(np.sum(np.where(pos, dirs.b**2 / safe_a, 0.0))) / 2
    drift = np.array([cs == "drift" for cs in dirs.cases])
    still = dirs.at_fixed_point | ~pos
    share = _loss_gap_function()

    def gap_at(k: float, mask: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = share(safe_a, dirs.b, dirs.w0, alpha, k)
        return float(np.sum(np.where(mask & ~still, g, 0.0)))

    gaps, lins = [], []
    for k in steps:
        if np.isfinite(k):
            gap = gap_at(k, pos)
            if not np.isfinite(gap):
                raise OverflowError(
                    f"J(w^(k)) at k = {k:g} overflows float64 (a direction is divergent)"
                )
            lin = float(np.sum(np.where(drift, dirs.b * (dirs.w0 - alpha * k * dirs.b), 0.0)))
        else:
            converging = np.array([cs in CONVERGING_CASES for cs in dirs.cases])
            bounded = np.array([cs == "bounded_oscillation" for cs in dirs.cases])
            divergent = np.array([cs == "divergent" for cs in dirs.cases]) & ~still
            # converging shares -> 0 (the formula at k = inf); bounded ones keep their k = 0 value
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


# -- least squares ----------------------------------------------------------------------------


def least_squares_iterates(
    Phi: object, t: object, w0: object, alpha: float, ks: float | Sequence[float]
) -> Iterates:
    r"""GD iterates for least squares in 001's scale (001 eq 3–4, 13, 16):

    .. math::

        J(\mathbf w) = \frac1{2N}\|\boldsymbol\Phi\mathbf w-\mathbf t\|^2,\quad
        \mathbf A = \boldsymbol\Phi^\top\boldsymbol\Phi/N,\ \mathbf b = -\boldsymbol\Phi^\top\mathbf t/N,
        \qquad \mathbf w^{(\infty)} = \boldsymbol\Phi^\dagger\mathbf t\ \text{from}\ \mathbf w^{(0)} = 0,

    rows of ``Phi`` (N×D) are data points.  The same evaluator as :func:`gd_iterates`, with the
    zero test for :math:`\tilde b_j` widened by the rounding of forming
    :math:`\boldsymbol\Phi^\top\mathbf t` (``least_squares_b_rounding``): b is in
    range(A) exactly, but cancellation in :math:`\boldsymbol\Phi^\top\mathbf t` (t nearly
    orthogonal to the columns) leaves it outside by rounding, which must not read as drift.

    >>> w = least_squares_iterates([[1.0, 1.0], [1.0, 1.0]], [2.0, 0.0], [0.0, 0.0], 0.5, [np.inf]).w
    >>> np.round(w, 12).tolist()  # Phi^+ t: the mean target 1 split over two equal features
    [[0.5, 0.5]]
    """
    from .simulate import least_squares_b_rounding, least_squares_quadratic

    A, b, _ = least_squares_quadratic(Phi, t)
    return gd_iterates(A, b, w0, alpha, ks, b_tol=least_squares_b_rounding(Phi, t))


# -- limit -------------------------------------------------------------------------------------


def limit_point(A: object, b: object, w0: object) -> np.ndarray:
    r"""The projection of :math:`\mathbf w^{(0)}` onto the minimiser set (001 eq 13–14):

    .. math::

        \mathbf w^{(\infty)} = -\mathbf A^\dagger\mathbf b + (\mathbf I - \mathbf A^\dagger\mathbf A)
        \mathbf w^{(0)} = \mathbf Q\,\tilde{\mathbf w}^{(\infty)},\quad
        \tilde w^{(\infty)}_j = \begin{cases}-\tilde b_j/\tilde a_j & \tilde a_j>0\\
        \tilde w_j^{(0)} & \tilde a_j = 0\end{cases}

    (zero curvature decided by :math:`\tau`, module docstring; ½ loss scale).  It is the limit
    of GD when :math:`\mathbf b\in\mathrm{range}(\mathbf A)` and :math:`0<\alpha<2/\tilde a_{\max}`;
    the formula itself is defined for any b (the part of b outside range(A) is ignored by
    :math:`\mathbf A^\dagger`).  From :math:`\mathbf w^{(0)}=0` it is :math:`-\mathbf A^\dagger
    \mathbf b` (eq 14), :math:`\boldsymbol\Phi^\dagger\mathbf t` for least squares (eq 16).

    >>> limit_point([[2.0, 0.0], [0.0, 0.0]], [-2.0, 3.0], [7.0, 5.0]).tolist()
    [1.0, 5.0]
    """
    A, b, w0, _, _ = validate_quadratic(A, b, w0, psd=False)  # PSD: checked on eigh's eigenvalues
    basis = _eigenbasis(A)
    a = basis.curvatures
    bt, wt0 = basis.Q.T @ b, basis.Q.T @ w0
    pos = a > 0
    wt = np.where(pos, -bt / np.where(pos, a, 1.0), wt0)
    return basis.Q @ wt
