r"""Heavy ball and Nesterov on a quadratic, evaluated from their derivations (issue 12).

Source: 003 (momentum slide) and 001 §2.3, as derived in ``momentum.heavy_ball`` and
``momentum.nesterov`` (:mod:`gdflow.derive.momentum`).  On the ½-scale quadratic
:math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w`,
:math:`\mathbf A = \mathbf Q\,\mathrm{diag}(\tilde a)\,\mathbf Q^\top` symmetric PSD (possibly
singular), both methods started at rest (:math:`\mathbf w^{(-1)} = \mathbf w^{(0)}`, as in
:mod:`gdflow.checks.optimizers`) decouple per eigendirection
(:math:`\tilde w_j = \mathbf q_j^\top\mathbf w`, :math:`\tilde b_j = \mathbf q_j^\top\mathbf b`):

- :math:`\tilde a_j > 0`: the deviation :math:`e^{(k)} = \tilde w_j^{(k)} - \tilde w_\star`,
  :math:`\tilde w_\star = -\tilde b_j/\tilde a_j`, obeys :math:`(e^{(k+1)}, e^{(k)})^\top =
  \mathbf C\,(e^{(k)}, e^{(k-1)})^\top` with the companion matrix :math:`\mathbf C` of the step
  labelled ``companion`` (heavy ball :math:`[[1 + \beta - \alpha a, -\beta], [1, 0]]`, Nesterov
  :math:`[[(1 + \beta)(1 - \alpha a), -\beta(1 - \alpha a)], [1, 0]]`), so
  :math:`e^{(k)} = (\mathbf C^k (e^{(0)}, e^{(0)})^\top)_1`.  :math:`\mathbf C` is not written
  here: it is read from the derivation and lambdified (:func:`companion`), so the evaluator
  is what was proved.  :math:`\mathbf C^k` is a binary power (:math:`2\log_2 k` products of
  2×2 matrices: k = 10**6 costs 40), which is exact for a defective :math:`\mathbf C` (the
  double root at the optimal parameters) where an eigendecomposition of :math:`\mathbf C`
  would not be.
- :math:`\tilde a_j = 0` (a null direction; zero decided as in
  :func:`gdflow.checks.numeric.eigendirections`): the derivation's hypothesis
  :math:`a > 0` fails and there is no :math:`\tilde w_\star`.  Both methods then read
  :math:`\tilde w^{(k+1)} = \tilde w^{(k)} + \beta v^{(k)} - \alpha\tilde b_j` with the velocity
  :math:`v^{(k)} = \tilde w^{(k)} - \tilde w^{(k-1)}`, :math:`v^{(0)} = 0`, so
  :math:`v^{(k)} = -\alpha\tilde b_j(1 - \beta^k)/(1 - \beta)` and

  .. math::

      \tilde w^{(k)} = \tilde w^{(0)} - \frac{\alpha\tilde b_j}{1 - \beta}
      \Bigl(k - \beta\,\frac{1 - \beta^k}{1 - \beta}\Bigr):

  the coordinate stays put when :math:`\tilde b_j = 0` and drifts linearly, with asymptotic
  velocity :math:`-\alpha\tilde b_j/(1 - \beta)` (:attr:`MomentumDirection.drift`), when b
  has a component outside range(A) (J is then unbounded below).

Cases (:func:`classify`): the characteristic polynomial :math:`\lambda^2 + c_1\lambda + c_0`
of the step labelled ``characteristic`` is evaluated in exact rational arithmetic at the given
float64 :math:`\alpha`, :math:`\beta` and computed curvature, and the Jury criterion the
heavy-ball derivation states (both roots inside the unit circle iff :math:`|c_0| < 1` and
:math:`|c_1| < 1 + c_0`) decides ``converging``; the closed triangle
:math:`|c_0| \le 1`, :math:`|c_1| \le 1 + c_0` minus its interior is ``boundary`` (a root on
the unit circle; every null direction is there, with the root 1) and the outside is
``diverging``.  For heavy ball this is the proved region :math:`0 < \alpha a < 2(1 + \beta)`
(``momentum.heavy_ball``, step ``region``); for Nesterov it is
:math:`0 < \alpha a < (2 + 2\beta)/(1 + 2\beta)`.

Overflow: past the stability boundary :math:`\mathbf C^k` outgrows float64 for large k.
Then :func:`momentum_iterate` raises :class:`MomentumOverflowError` naming the direction,
its spectral radius and k, never returning inf or NaN; with ``dps`` set the whole evaluation
(eigendecomposition by ``mpmath.eigsy`` included) runs in mpmath, whose exponent range is
unbounded, and returns the honest huge value.  A direction whose deviation is exactly 0 stays
at :math:`\tilde w_\star` for every k (no ``inf * 0``).
"""

from __future__ import annotations

import cmath
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import mpmath
import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from gdflow.derive import momentum as dm

from .numeric import eigendirections
from .optimizers import _check_alpha, _check_rate

__all__ = [
    "CASES",
    "METHODS",
    "MomentumDirection",
    "MomentumIterate",
    "MomentumOverflowError",
    "classify",
    "companion",
    "companion_matrix",
    "characteristic",
    "matrix_power",
    "momentum_iterate",
    "null_direction",
    "spectral_radius",
]

Method = Literal["heavy_ball", "nesterov"]
METHODS: tuple[Method, ...] = ("heavy_ball", "nesterov")
CASES = ("converging", "boundary", "diverging")
"""The cases of a direction (:func:`classify`)."""

_DERIVATIONS: dict[str, Callable[[], Any]] = {
    "heavy_ball": dm.heavy_ball,
    "nesterov": dm.nesterov,
}
_SYMBOLS = (dm.alpha, dm.beta, dm.a)


class MomentumOverflowError(ValueError):
    """The float64 closed form overflows (a diverging direction and a large k); the message
    names the direction, its curvature, spectral radius and k.  ``dps`` gives the value."""


def _method(method: str) -> str:
    if method not in _DERIVATIONS:
        raise ValueError(f"unknown method {method!r}; expected one of {list(METHODS)}")
    return method


@functools.cache
def companion(method: str) -> sp.ImmutableMatrix:
    r"""The companion matrix :math:`\mathbf C(\alpha, \beta, a)` that ``momentum.<method>``
    proves (the left factor of its step labelled ``companion``: :math:`\mathbf C\,(e^{(k)},
    e^{(k-1)})^\top = (e^{(k+1)}, e^{(k)})^\top`; 003 momentum slide)."""
    claim = _DERIVATIONS[_method(method)]().step("companion").claim
    C = claim.lhs.args[0]
    if not isinstance(C, sp.MatrixBase) or C.shape != (2, 2):
        raise AssertionError(f"momentum.{method}'s companion step has no 2x2 matrix: {claim}")
    return sp.ImmutableMatrix(C)


@functools.cache
def characteristic(method: str) -> tuple[sp.Expr, sp.Expr]:
    r"""The coefficients :math:`(c_0, c_1)` of the characteristic polynomial
    :math:`\lambda^2 + c_1\lambda + c_0` that ``momentum.<method>`` proves (step
    ``characteristic``): heavy ball :math:`c_0 = \beta`, :math:`c_1 = -(1 + \beta - \alpha
    a)`."""
    char = _DERIVATIONS[_method(method)]().step("characteristic").claim.rhs
    coeffs = sp.Poly(char, dm.lam).all_coeffs()
    if len(coeffs) != 3 or coeffs[0] != 1:
        raise AssertionError(f"momentum.{method}'s characteristic polynomial is not monic: {char}")
    return sp.expand(coeffs[2]), sp.expand(coeffs[1])


@functools.cache
def _companion_fn(method: str, modules: str) -> Callable[..., Any]:
    return sp.lambdify(_SYMBOLS, companion(method).tolist(), modules=modules)


@functools.cache
def _char_fn(method: str) -> Callable[..., tuple[Any, Any]]:
    c0, c1 = characteristic(method)
    return sp.lambdify(_SYMBOLS, (c0, c1), modules=[])


def companion_matrix(method: str, alpha: Any, beta: Any, a: Any) -> list[list[Any]]:
    r""":func:`companion` evaluated at :math:`(\alpha, \beta, a)` as nested lists: floats for
    float arguments, ``mpf`` for ``mpf`` ones, ``Fraction`` for ``Fraction`` ones."""
    modules = "mpmath" if any(isinstance(v, mpmath.mpf) for v in (alpha, beta, a)) else "math"
    return [list(row) for row in _companion_fn(_method(method), modules)(alpha, beta, a)]


def classify(method: str, alpha: float, beta: float, a: float) -> str:
    r"""``converging``, ``boundary`` or ``diverging``: the Jury criterion stated in
    ``momentum.heavy_ball`` (:math:`|c_0| < 1`, :math:`|c_1| < 1 + c_0`) applied, in exact
    rational arithmetic at the given floats, to the characteristic polynomial
    :math:`\lambda^2 + c_1\lambda + c_0` of ``momentum.<method>`` (module docstring).  For
    heavy ball it is the proved region :math:`0 \le \beta < 1`, :math:`0 < \alpha a < 2(1 +
    \beta)`."""
    c0, c1 = _char_fn(_method(method))(*(Fraction(float(v)) for v in (alpha, beta, a)))
    if abs(c0) < 1 and abs(c1) < 1 + c0:
        return "converging"
    if abs(c0) <= 1 and abs(c1) <= 1 + c0:
        return "boundary"
    return "diverging"


def spectral_radius(method: str, alpha: float, beta: float, a: float) -> float:
    r"""The largest modulus of the roots of :math:`\lambda^2 + c_1\lambda + c_0`
    (``momentum.<method>``, step ``characteristic``), in float64."""
    c0, c1 = (float(v) for v in _char_fn(_method(method))(float(alpha), float(beta), float(a)))
    root = cmath.sqrt(c1 * c1 - 4 * c0)
    return max(abs((-c1 + root) / 2), abs((-c1 - root) / 2))


def matrix_power(C: Sequence[Sequence[Any]], k: int) -> list[list[Any]]:
    r""":math:`\mathbf C^k` of a 2×2 matrix (nested lists of float, ``mpf`` or ``Fraction``)
    by binary powering: at most :math:`2\lfloor\log_2 k\rfloor + 1` products; :math:`\mathbf
    C^0 = \mathbf I`."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")

    def mul(X: list[list[Any]], Y: list[list[Any]]) -> list[list[Any]]:
        return [[X[i][0] * Y[0][j] + X[i][1] * Y[1][j] for j in range(2)] for i in range(2)]

    base = [list(C[0]), list(C[1])]
    one, zero = base[1][0] ** 0, base[1][0] * 0  # 1 and 0 in C's number type
    out = [[one, zero], [zero, one]]
    n = int(k)
    while n:
        if n & 1:
            out = mul(out, base)
        n >>= 1
        if n:
            base = mul(base, base)
    return out


def null_direction(w0: Any, b: Any, alpha: Any, beta: Any, k: int) -> Any:
    r"""A zero-curvature coordinate after k steps of heavy ball or Nesterov from rest:
    :math:`\tilde w^{(0)} - \frac{\alpha\tilde b}{1-\beta}\bigl(k - \beta\frac{1 -
    \beta^k}{1-\beta}\bigr)` (module docstring; :math:`-\alpha\tilde b k` at
    :math:`\beta = 0`).  Works on float, ``mpf`` and ``Fraction``.

    >>> from fractions import Fraction as F
    >>> null_direction(F(3), F(1), F(1, 4), F(1, 2), 3)  # 3 - 1/4 - 3/8 - 7/16
    Fraction(31, 16)
    """
    if b == 0:
        return w0
    return w0 - alpha * b / (1 - beta) * (k - beta * (1 - beta**k) / (1 - beta))


@dataclass(frozen=True)
class MomentumDirection:
    r"""One eigendirection: curvature :math:`\tilde a_j` (0 for a null direction),
    :math:`\tilde b_j`, its case (:func:`classify`), spectral radius of its companion matrix
    (:func:`spectral_radius`) and, for a null direction, the drift: the asymptotic velocity
    :math:`-\alpha\tilde b_j/(1-\beta)` per step (0 when :math:`\tilde b_j = 0` and on every
    direction of positive curvature)."""

    curvature: float
    b: float
    case: str
    spectral_radius: float
    drift: float

    @property
    def null(self) -> bool:
        """Zero curvature."""
        return self.curvature == 0


@dataclass(frozen=True)
class MomentumIterate:
    r""":math:`\mathbf w^{(k)}` (``w``: float64, or ``mpf`` objects when evaluated with
    ``dps``), its eigen-coordinates :math:`\tilde w^{(k)}` (``coordinates``), the eigenvectors
    ``Q`` (columns) and one :class:`MomentumDirection` per column."""

    method: str
    k: int
    w: np.ndarray
    coordinates: np.ndarray
    Q: np.ndarray
    directions: tuple[MomentumDirection, ...]

    @property
    def cases(self) -> tuple[str, ...]:
        """The case of every direction."""
        return tuple(d.case for d in self.directions)


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")
    return int(k)


def _coordinate(
    method: str, a: Any, b: Any, w0: Any, alpha: Any, beta: Any, k: int
) -> tuple[Any, Any]:
    """(w~^(k), e^(k)) of one direction in the number type of the arguments."""
    if a == 0:
        return null_direction(w0, b, alpha, beta, k), None
    star = -b / a
    e0 = w0 - star
    if e0 == 0:
        return star, e0
    P = matrix_power(companion_matrix(method, alpha, beta, a), k)
    e_k = P[0][0] * e0 + P[0][1] * e0
    return star + e_k, e_k


def momentum_iterate(
    method: str,
    A: ArrayLike,
    b: ArrayLike,
    w0: ArrayLike,
    alpha: float,
    beta: float,
    k: int,
    *,
    dps: int | None = None,
) -> MomentumIterate:
    r""":math:`\mathbf w^{(k)}` of ``method`` (``"heavy_ball"`` or ``"nesterov"``) on
    :math:`J = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w`, started at
    rest, from the derivations' companion matrices per eigendirection (module docstring; 003
    momentum slide, 001 §2.3):

    .. math:: \mathbf w^{(k)} = \mathbf Q\,\tilde{\mathbf w}^{(k)},\quad
        \tilde w^{(k)}_j = \tilde w_\star + (\mathbf C_j^k (e^{(0)}_j, e^{(0)}_j)^\top)_1
        \ (\tilde a_j > 0),

    null directions by :func:`null_direction`.  ``A`` symmetric PSD (validated), ``alpha > 0``
    and ``0 <= beta < 1`` (the checks of :mod:`gdflow.checks.optimizers`), ``k >= 0`` an
    integer; k = 0 returns ``w0`` itself.  In float64 an overflowing direction raises
    :class:`MomentumOverflowError`; with ``dps`` everything (eigendecomposition by
    ``mpmath.eigsy`` included) runs in mpmath at ``dps`` digits and ``w`` holds ``mpf``.

    >>> r = momentum_iterate("heavy_ball", [[2.0]], [-3.0], [5.0], 0.25, 0.5, 2)
    >>> float(r.w[0]), r.cases
    (1.5, ('converging',))
    >>> r = momentum_iterate("nesterov", [[2.0, 0], [0, 0]], [-2.0, 1.0], [0, 3.0], 0.25, 0.5,
    ...                      10**6)
    >>> [round(float(x), 6) for x in r.w], r.cases, r.directions[0].drift
    ([1.0, -499996.5], ('boundary', 'converging'), -0.5)
    """
    method = _method(method)
    al, be, kk = _check_alpha(alpha), _check_rate(beta, "beta"), _check_k(k)
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or dps < 1):
        raise ValueError(f"dps must be None (float64) or an integer >= 1, got {dps!r}")
    dirs = eigendirections(A, b, w0, al)
    a, bt, wt0, Q = dirs.a, dirs.b, dirs.w0, dirs.basis.Q
    n = len(a)
    directions = tuple(
        MomentumDirection(
            float(a[j]),
            float(bt[j]),
            classify(method, al, be, float(a[j])),
            spectral_radius(method, al, be, float(a[j])),
            -al * float(bt[j]) / (1 - be) if a[j] == 0 else 0.0,
        )
        for j in range(n)
    )
    if dps is None:
        coords = np.empty(n)
        with np.errstate(over="ignore", invalid="ignore"):
            for j in range(n):
                x, e_k = _coordinate(method, a[j], bt[j], wt0[j], al, be, kk)
                coords[j] = x
                if not math.isfinite(x):
                    d = directions[j]
                    raise MomentumOverflowError(
                        f"{method}: direction {j} (curvature {d.curvature:.6g}, case {d.case},"
                        f" spectral radius {d.spectral_radius:.6g}) overflows float64 at k ="
                        f" {kk} (|e^(k)| ~ rho^k); evaluate with dps=... for the value"
                    )
            w = Q @ coords
        if not np.all(np.isfinite(w)):
            raise MomentumOverflowError(
                f"{method}: w^(k) at k = {kk} overflows float64 when mapped back to the"
                " original coordinates; evaluate with dps=... for the value"
            )
        if kk == 0:
            w = np.array(w0, dtype=np.float64).copy()
        return MomentumIterate(method, kk, w, coords, Q, directions)
    with mpmath.workdps(dps):
        mpf = mpmath.mpf
        Am = mpmath.matrix(np.asarray(A, dtype=np.float64).tolist())
        bm = mpmath.matrix([mpf(float(x)) for x in np.asarray(b, dtype=np.float64)])
        wm = mpmath.matrix([mpf(float(x)) for x in np.asarray(w0, dtype=np.float64)])
        E, Qm = mpmath.eigsy(Am)
        # the same rank decision as float64 (eigenbasis tolerance), the same zero-b snapping
        Qt = Qm.T
        bmt, wmt = Qt * bm, Qt * wm
        order = sorted(range(n), key=lambda j: E[j])
        coords_mp = []
        Qcols = []
        for j_sorted, j in enumerate(order):
            aj = E[j] if a[j_sorted] != 0 else mpf(0)
            bj = bmt[j] if not (a[j_sorted] == 0 and bt[j_sorted] == 0) else mpf(0)
            x, _ = _coordinate(method, aj, bj, wmt[j], mpf(al), mpf(be), kk)
            coords_mp.append(x)
            Qcols.append([Qm[i, j] for i in range(n)])
        Qo = np.array(Qcols, dtype=object).T if n else np.empty((0, 0), dtype=object)
        cm = np.array(coords_mp, dtype=object)
        w = Qo @ cm if n else np.empty(0, dtype=object)
        if kk == 0:
            w = np.array(list(wm), dtype=object)
    return MomentumIterate(method, kk, w, cm, Qo, directions)
