r"""Real gradient-descent iterations on a convex quadratic: the ground truth for the closed forms.

The objective is (001 §2, eq 3)

.. math::

    J(\mathbf w) = \tfrac12 \mathbf w^\top \mathbf A \mathbf w + \mathbf b^\top \mathbf w + c,
    \qquad \mathbf A \succeq 0,

and gradient descent with step :math:`\alpha` (``alpha``) is (001 eq 9–10)

.. math::

    \mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha(\mathbf A \mathbf w^{(k)} + \mathbf b)
                      = (\mathbf I - \alpha \mathbf A)\mathbf w^{(k)} - \alpha \mathbf b .

Loss scale: this module works with the quadratic as written (the ½ in front of
:math:`\mathbf w^\top\mathbf A\mathbf w`).  Least squares in 001's scale
:math:`J = \frac{1}{2N}\|\boldsymbol\Phi\mathbf w - \mathbf t\|^2` is the instance
:math:`\mathbf A = \boldsymbol\Phi^\top\boldsymbol\Phi/N`, :math:`\mathbf b =
-\boldsymbol\Phi^\top\mathbf t/N`, :math:`c = \mathbf t^\top\mathbf t/(2N)`
(:func:`least_squares_quadratic`); the stability threshold :math:`2/a_{\max}` refers to the
eigenvalues of *this* :math:`\mathbf A`.

Two arithmetics:

- :func:`gd_trajectory` iterates in float64 (numpy), one matrix-vector product per step;
- :func:`gd_trajectory_mp` iterates in mpmath at ``dps`` decimal digits (``mp.workdps``).  The
  float64 inputs are converted exactly (every float is a dyadic rational), so the mpmath
  trajectory is the exact dynamics of the float64 problem up to ``10^{-dps}`` relative rounding
  per step: the reference the float64 iteration and the closed forms are held against.

Inputs are validated by :func:`validate_quadratic`; errors name the offending value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import mpmath
import numpy as np

__all__ = [
    "EIGENVALUE_TOL_FACTOR",
    "Trajectory",
    "validate_quadratic",
    "check_psd",
    "check_symmetric",
    "validate_steps",
    "eigenvalue_tolerance",
    "thin_svd",
    "Scale",
    "scale_divisor",
    "scale_factor",
    "as_matrix",
    "as_vector",
    "safe_norm",
    "gd_trajectory",
    "gd_trajectory_mp",
    "quadratic_value",
    "least_squares_quadratic",
    "least_squares_b_rounding",
]

EPS = float(np.finfo(np.float64).eps)

EIGENVALUE_TOL_FACTOR = 10.0
r"""Eigenvalues of a symmetric matrix computed in float64 (``numpy.linalg.eigh``, backward
stable) are accurate to about :math:`D\,\varepsilon\,\|\mathbf A\|_2`.  gdflow treats an
eigenvalue :math:`|\tilde a_j| \le \tau = 10\,D\,\varepsilon\,\max_i|\tilde a_i|` as zero
(this factor is the 10), and accepts eigenvalues down to :math:`-\tau` as "positive
semidefinite to working precision"."""


def safe_norm(x: object, axis: int | None = None) -> float | np.ndarray:
    r"""Euclidean norm :math:`\|x\|_2` without underflow or overflow of the squares (scaled by
    :math:`\max|x_i|`; ``numpy.linalg.norm`` returns 0 for vectors of size ~1e-170).  With
    ``axis``, the norms along that axis (an array, each scaled by its own maximum)."""
    if axis is not None:
        arr = np.abs(np.asarray(x, dtype=float))
        top = np.max(arr, axis=axis, keepdims=True, initial=0.0)
        scale = np.where((top > 0) & np.isfinite(top), top, 1.0)
        return np.squeeze(top, axis=axis) * np.sqrt(np.sum((arr / scale) ** 2, axis=axis))
    arr = np.abs(np.asarray(x, dtype=float)).ravel()
    if arr.size == 0:
        return 0.0
    m = float(arr.max())
    if m == 0.0 or not np.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((arr / m) ** 2)))


def eigenvalue_tolerance(eigenvalues: np.ndarray) -> float:
    r""":math:`\tau = 10\,D\,\varepsilon_{64}\max_j|\tilde a_j|`: eigenvalues with
    :math:`|\tilde a_j|\le\tau` are zero to working precision (see
    :data:`EIGENVALUE_TOL_FACTOR`)."""
    ev = np.asarray(eigenvalues, dtype=float)
    if ev.size == 0:
        return 0.0
    return EIGENVALUE_TOL_FACTOR * ev.size * EPS * float(np.max(np.abs(ev)))


def thin_svd(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(U, s, V)`` with :math:`\mathbf X \approx \mathbf U\,\mathrm{diag}(s)\,\mathbf V^\top`:
    the thin
    SVD of X (N×D) keeping only the singular values :math:`s > \tau` (:func:`eigenvalue_tolerance`
    of the singular values; the others are zero to working precision).  ``U`` is N×m, ``V`` D×m,
    m the numerical rank (0 for a zero or empty X)."""
    U, s, Vt = np.linalg.svd(np.asarray(X, dtype=float), full_matrices=False)
    keep = s > eigenvalue_tolerance(s) if s.size else np.zeros(0, bool)
    return U[:, keep], s[keep], Vt[keep].T


Scale = Literal["sum", "mean"]
r"""Loss scale of least squares :math:`\frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`: ``"sum"``
(c = 1, 000's convention) or ``"mean"`` (c = 1/N, 001's)."""


def scale_divisor(scale: Scale, n_data: int) -> int:
    """1 for ``"sum"``, N for ``"mean"``: the loss factor is ``1 / scale_divisor`` (exact for
    mpmath)."""
    if scale == "sum":
        return 1
    if scale == "mean":
        return int(n_data)
    raise ValueError(
        f"scale must be 'sum' (c = 1) or 'mean' (c = 1/N); got {scale!r} of type "
        f"{type(scale).__name__}"
    )


def scale_factor(scale: Scale, n_data: int) -> float:
    r"""The factor :math:`c` of :math:`L = \frac c2\|\mathbf X\mathbf w - \mathbf y\|^2`:
    1 for ``"sum"`` (000), :math:`1/N` for ``"mean"`` (001)."""
    return 1.0 / scale_divisor(scale, n_data)


def as_matrix(name: str, value: object) -> np.ndarray:
    """``value`` as a finite 2-d float64 array; ``ValueError`` naming ``name`` otherwise."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {arr}")
    return arr


def as_vector(name: str, value: object, length: int) -> np.ndarray:
    """``value`` flattened to a finite float64 vector of ``length`` entries; ``ValueError`` naming
    ``name`` otherwise."""
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.shape != (length,):
        raise ValueError(f"{name} must have {length} entries; got shape {np.shape(value)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {arr}")
    return arr


def _shape_text(x: np.ndarray) -> str:
    return "×".join(str(s) for s in x.shape) if x.ndim else "scalar"


def _as_float_array(name: str, value: object) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array of real numbers; got {value!r} of type {type(value).__name__}"
        ) from exc
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
        raise ValueError(
            f"{name} must be finite; got {float(arr[idx]) if idx else float(arr)!r} at {where}"
        )
    return arr


def check_psd(eigenvalues: np.ndarray, name: str = "A") -> None:
    r"""Raise the "``name`` must be symmetric positive semidefinite" error when the smallest
    eigenvalue is below :math:`-\tau` (:func:`eigenvalue_tolerance`)."""
    ev = np.asarray(eigenvalues, dtype=float)
    if ev.size and ev.min() < -eigenvalue_tolerance(ev):
        d = ev.size
        raise ValueError(
            f"{name} must be symmetric positive semidefinite; got a {d}×{d} matrix with "
            f"eigenvalue {ev.min():.6g}"
        )


def check_symmetric(name: str, M: np.ndarray) -> np.ndarray:
    r"""Raise "``name`` must be symmetric" unless the square matrix ``M`` is symmetric to working
    precision, :math:`|M_{ij}-M_{ji}| \le 10 D\varepsilon\max|M|` (the factor of
    :data:`EIGENVALUE_TOL_FACTOR`); returns the exactly symmetric :math:`(\mathbf M+\mathbf
    M^\top)/2`."""
    M = np.asarray(M, dtype=float)
    d = M.shape[0]
    asym = np.abs(M - M.T)
    if asym.size and asym.max() > EIGENVALUE_TOL_FACTOR * d * EPS * float(np.max(np.abs(M))):
        i, j = (int(x) for x in np.unravel_index(np.argmax(asym), asym.shape))
        raise ValueError(
            f"{name} must be symmetric; got a {d}×{d} matrix with "
            f"{name}[{i}, {j}] = {float(M[i, j])!r} ≠ {name}[{j}, {i}] = {float(M[j, i])!r}"
        )
    return (M + M.T) / 2


def validate_quadratic(
    A: object,
    b: object,
    w0: object,
    alpha: object | None = None,
    c: object | None = None,
    psd: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float | None, float | None]:
    r"""Check and convert the data of :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w
    + \mathbf b^\top\mathbf w + c` and of the GD run (001 eq 3, 9).

    Returns ``(A, b, w0, alpha, c)`` as float64 (``A`` symmetrised exactly as
    :math:`(\mathbf A+\mathbf A^\top)/2`).  Raises ``ValueError`` naming the value when

    - an entry is NaN or infinite;
    - ``A`` is not square, or ``b``/``w0`` do not have shape ``(D,)`` (column vectors
      ``(D, 1)`` are accepted and flattened);
    - ``A`` is not symmetric to working precision:
      :math:`|A_{ij}-A_{ji}| > 10 D\varepsilon\max|A|`;
    - ``A`` has an eigenvalue below :math:`-\tau` (:func:`eigenvalue_tolerance`):
      "A must be symmetric positive semidefinite; got a 2×2 matrix with eigenvalue -0.5";
    - ``alpha`` is not a finite number > 0.

    ``psd=False`` skips the eigenvalue check (for callers that decompose A anyway and call
    :func:`check_psd` on the eigenvalues they compute).
    """
    A = _as_float_array("A", A)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a square D×D matrix with D ≥ 1; got shape {A.shape}")
    d = A.shape[0]
    b = _as_float_array("b", b)
    w0 = _as_float_array("w0", w0)
    for name, vec in (("b", b), ("w0", w0)):
        if vec.shape not in ((d,), (d, 1)):
            raise ValueError(
                f"{name} must have shape ({d},) to match A ({d}×{d}); got shape {vec.shape}"
            )
    b, w0 = b.reshape(d), w0.reshape(d)
    A = check_symmetric("A", A)
    if psd:
        check_psd(np.linalg.eigvalsh(A))
    if alpha is not None:
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
            raise TypeError(
                f"alpha must be a real number; got {alpha!r} of type {type(alpha).__name__}"
            )
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha <= 0:
            raise ValueError(f"alpha must be a finite step size > 0; got alpha = {alpha!r}")
    if c is not None:
        c_arr = _as_float_array("c", c)
        if c_arr.shape != ():
            raise ValueError(f"c must be a scalar; got shape {c_arr.shape}")
        c = float(c_arr)
    return A, b, w0, alpha, c


def validate_steps(ks: float | Iterable[float], allow_infinity: bool) -> np.ndarray:
    """``ks`` as a float64 array of nonnegative integers (and ``inf`` when ``allow_infinity``).

    Raises ``ValueError`` naming the first bad step count.
    """
    arr = np.atleast_1d(np.asarray(ks, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"ks must be a step count or a nonempty 1-D sequence of them; got shape {arr.shape}"
        )
    for k in arr:
        if (
            np.isnan(k)
            or k < 0
            or (np.isinf(k) and not allow_infinity)
            or (np.isfinite(k) and k != np.floor(k))
        ):
            what = (
                "nonnegative integers or inf"
                if allow_infinity
                else "nonnegative integers (the iteration cannot reach k = inf; "
                "use checks.numeric.gd_iterates)"
            )
            raise ValueError(f"ks must be {what}; got {float(k)!r}")
    return arr


@dataclass(frozen=True)
class Trajectory:
    r"""Iterates :math:`\mathbf w^{(k)}` (rows of ``w``, in the order of ``ks``) and losses
    :math:`J(\mathbf w^{(k)})`.  For :func:`gd_trajectory_mp` the arrays hold ``mpmath.mpf``
    (``dtype=object``) and ``dps`` is the working precision."""

    ks: tuple[int, ...]
    w: np.ndarray
    loss: np.ndarray
    dps: int | None = None

    def as_float(self) -> Trajectory:
        """The same trajectory rounded to float64."""
        return Trajectory(
            self.ks, np.array(self.w, dtype=float), np.array(self.loss, dtype=float), None
        )


def quadratic_value(A: np.ndarray, b: np.ndarray, c: float, w: np.ndarray) -> float:
    r""":math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w + c`
    (001 eq 3) in float64."""
    return float(0.5 * w @ A @ w + b @ w + c)


def gd_trajectory(
    A: object,
    b: object,
    w0: object,
    alpha: float,
    ks: int | Sequence[int],
    c: float = 0.0,
) -> Trajectory:
    r"""Run gradient descent in float64 and record :math:`\mathbf w^{(k)}` at each ``k`` in ``ks``.

    .. math::

        \mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha(\mathbf A\mathbf w^{(k)} + \mathbf b)
        \qquad\text{(001 eq 9–10)}

    on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top\mathbf w+c`
    (the ½ scale; see the module docstring for least squares), where :math:`\alpha` is
    ``alpha`` and :math:`\mathbf w^{(0)}` is ``w0``.  Runs ``max(ks)`` steps at
    :math:`O(D^2)` each.  A divergent run that leaves the float64 range raises
    ``OverflowError`` naming the step (it never returns inf or NaN).

    >>> t = gd_trajectory([[2.0]], [-2.0], [0.0], 0.25, [0, 1, 2])
    >>> t.w[:, 0].tolist()
    [0.0, 0.5, 0.75]
    """
    A, b, w0, alpha, c = validate_quadratic(A, b, w0, alpha, c)
    steps = validate_steps(ks, allow_infinity=False).astype(np.int64)
    order = {int(k) for k in steps}
    out: dict[int, np.ndarray] = {}
    w = w0.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(int(steps.max()) + 1):
            if k in order:
                out[k] = w.copy()
            if k == steps.max():
                break
            w = w - alpha * (A @ w + b)
            if not np.isfinite(w).all():
                raise OverflowError(
                    f"gradient descent left the float64 range at step k = {k + 1} (alpha = "
                    f"{alpha!r}, "
                    f"alpha * a_max = {alpha * float(np.linalg.eigvalsh(A)[-1]):.6g}): the run "
                    f"diverges"
                )
        ws = np.array([out[int(k)] for k in steps])
        loss = np.array([0.5 * x @ A @ x + b @ x + c for x in ws])
    if not np.isfinite(loss).all():
        raise OverflowError(
            f"J(w^(k)) left the float64 range (alpha = {alpha!r}): the run diverges"
        )
    return Trajectory(tuple(int(k) for k in steps), ws, loss)


def gd_trajectory_mp(
    A: object,
    b: object,
    w0: object,
    alpha: float,
    ks: int | Sequence[int],
    c: float = 0.0,
    dps: int = 50,
) -> Trajectory:
    r"""Run gradient descent in mpmath at ``dps`` digits and record :math:`\mathbf w^{(k)}`.

    Same recurrence as :func:`gd_trajectory` (001 eq 9–10), same ½ loss scale.  The float64
    data are converted to ``mpf`` exactly, so this is the exact dynamics of the given float64
    problem, up to a relative rounding of :math:`10^{-\text{dps}}` per operation; with the
    default 50 digits and ``k`` up to :math:`10^4` steps that is far below any float64
    tolerance.  Costs :math:`O(D^2)` multiprecision operations per step (use D ≤ ~20).

    >>> t = gd_trajectory_mp([[2.0]], [-2.0], [0.0], 0.25, [3])
    >>> t.w[0, 0]
    mpf('0.875')
    """
    A, b, w0, alpha, c = validate_quadratic(A, b, w0, alpha, c)
    steps = validate_steps(ks, allow_infinity=False).astype(np.int64)
    d = A.shape[0]
    wanted = {int(k) for k in steps}
    out: dict[int, list] = {}
    with mpmath.mp.workdps(dps):
        mpf = mpmath.mpf
        Am = [[mpf(float(x)) for x in row] for row in A]
        bm = [mpf(float(x)) for x in b]
        am = mpf(alpha)
        cm = mpf(c)
        w = [mpf(float(x)) for x in w0]
        last = int(steps.max())
        for k in range(last + 1):
            if k in wanted:
                out[k] = list(w)
            if k == last:
                break
            g = [mpmath.fdot(Am[i], w) + bm[i] for i in range(d)]
            w = [w[i] - am * g[i] for i in range(d)]
        ws = np.empty((len(steps), d), dtype=object)
        loss = np.empty(len(steps), dtype=object)
        for r, k in enumerate(steps):
            x = out[int(k)]
            ws[r, :] = x
            quad = sum((x[i] * mpmath.fdot(Am[i], x) for i in range(d)), mpf(0))
            loss[r] = quad / 2 + mpmath.fdot(bm, x) + cm
    return Trajectory(tuple(int(k) for k in steps), ws, loss, dps)


def least_squares_quadratic(Phi: object, t: object) -> tuple[np.ndarray, np.ndarray, float]:
    r"""The quadratic of least squares in 001's scale (001 eq 3–4, §2.4):

    .. math::

        J(\mathbf w) = \frac{1}{2N}\|\boldsymbol\Phi\mathbf w - \mathbf t\|^2
        = \tfrac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w + c,\quad
        \mathbf A = \frac{\boldsymbol\Phi^\top\boldsymbol\Phi}{N},\
        \mathbf b = -\frac{\boldsymbol\Phi^\top\mathbf t}{N},\ c = \frac{\mathbf t^\top\mathbf
        t}{2N},

    with the rows of ``Phi`` (N×D) the data points.  Returns ``(A, b, c)``.
    """
    Phi = _as_float_array("Phi", Phi)
    t = _as_float_array("t", t)
    if Phi.ndim != 2 or 0 in Phi.shape:
        raise ValueError(f"Phi must be an N×D matrix (rows are data points); got shape {Phi.shape}")
    n = Phi.shape[0]
    if t.shape not in ((n,), (n, 1)):
        raise ValueError(
            f"t must have shape ({n},) to match Phi ({n}×{Phi.shape[1]}); got shape {t.shape}"
        )
    t = t.reshape(n)
    A = Phi.T @ Phi / n
    return (A + A.T) / 2, -Phi.T @ t / n, float(t @ t / (2 * n))


def least_squares_b_rounding(Phi: object, t: object) -> float:
    r"""A bound on the rounding error of :math:`\mathbf b = -\boldsymbol\Phi^\top\mathbf t/N` as
    formed in float64 by :func:`least_squares_quadratic`:
    :math:`10\,N\varepsilon\,\|\,|\boldsymbol\Phi|^\top|\mathbf t|\,\|/N` (a dot product of length N
    errs by at most :math:`N\varepsilon` times the dot product of the absolute values).  With t
    nearly orthogonal to the columns of Φ this is far above :math:`\varepsilon\|\mathbf b\|`.
    Pass it as ``b_tol`` to the evaluators of :mod:`gdflow.checks.numeric` (001 eq 3–4, §2.4)."""
    Phi = _as_float_array("Phi", Phi)
    t = _as_float_array("t", t).reshape(-1)
    n = Phi.shape[0]
    return 10.0 * n * EPS * safe_norm(np.abs(Phi).T @ np.abs(t)) / n
