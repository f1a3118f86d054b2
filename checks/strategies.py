r"""Hypothesis strategies for gradient descent on convex quadratics (001 §2).

Every drawn problem is :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf b^\top
\mathbf w+c` with :math:`\mathbf A\succeq0` (the ½ scale); least-squares problems are drawn in
001's scale :math:`J=\frac1{2N}\|\boldsymbol\Phi\mathbf w-\mathbf t\|^2` and converted with
``gdflow.checks.simulate.least_squares_quadratic``.

How matrices are built.  :math:`\mathbf A=\mathbf Q\,\mathrm{diag}(\tilde a)\,\mathbf Q^\top` with
:math:`\mathbf Q` the orthogonal factor of a drawn matrix (QR) and drawn eigenvalues: the
largest :math:`\tilde a_{\max}\in[10^{-2},10^{2}]` (log-uniform), the smallest nonzero one
:math:`\tilde a_{\max}/\kappa` with :math:`\kappa` up to ``max_condition`` (default
:math:`10^8`), the others log-uniform in between, and ``D - rank`` exact zeros for
rank-deficient matrices.  The float64 matrix is symmetrised, so it is exactly symmetric; its
zero eigenvalues become :math:`O(D\varepsilon\tilde a_{\max})`, as in real use.  Shrinking
moves toward :math:`\mathbf Q=\mathbf I`, equal eigenvalues and small vectors, which prints
as a readable counterexample.

Step sizes are drawn relative to :math:`2/\tilde a_{\max}`, where :math:`\tilde a_{\max}` is the
largest eigenvalue of the float64 ``A`` actually drawn (``numpy.linalg.eigvalsh``), so
"exactly at the boundary" means :math:`\alpha = 2/\tilde a_{\max}` in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

if TYPE_CHECKING:
    from hypothesis.vendor.pretty import RepresentationPrinter

__all__ = [
    "GDProblem",
    "LeastSquaresProblem",
    "show",
    "MatrixRepr",
    "finite_floats",
    "orthogonal_matrices",
    "matrices_of_rank",
    "spectra",
    "psd_matrices",
    "step_sizes",
    "gd_problems",
    "step_counts",
    "least_squares_problems",
    "invertible_matrices",
    "shifts",
    "ALPHA_MODES",
]

ALPHA_MODES = ("any", "boundary", "convergent", "interior", "divergent", "one_step")
r"""How :func:`step_sizes` draws :math:`u = \alpha\tilde a_{\max}/2`:

- ``any``: one of the modes below, chosen by hypothesis;
- ``boundary``: :math:`u = 1` exactly, or :math:`u = 1\pm10^{-e}`, :math:`e\in[1,12]`
  (just below and just above the stability threshold);
- ``convergent``: :math:`u\in[0.01, 0.999]`;
- ``interior``: :math:`u\in[0.25, 0.75]`, so :math:`|1-\alpha\tilde a_{\max}|\le 0.5` and
  every nonzero direction converges;
- ``divergent``: :math:`u\in[1.001, 1.5]`;
- ``one_step``: :math:`\alpha = 1/\tilde a_j` for a drawn nonzero eigenvalue (case αã = 1).
"""


def show(x: np.ndarray) -> str:
    """A float array printed readably and exactly (shortest round-tripping digits)."""
    return np.array2string(
        np.asarray(x, dtype=float), separator=", ", floatmode="unique", max_line_width=110
    )


def finite_floats(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    """Floats in [min_value, max_value], never NaN, infinite or subnormal."""
    return st.floats(
        min_value, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )


def _block(name: str, x: np.ndarray | float) -> str:
    text = show(np.asarray(x)) if np.ndim(x) else repr(float(x))
    lines = text.splitlines()
    pad = " " * (len(name) + 3)
    return f"{name} = " + ("\n" + pad).join(lines)


class MatrixRepr:
    """Mixin for drawn problems: ``repr`` prints the fields as matrices, one block each
    (:meth:`_parts` lists them), and hypothesis prints falsifying examples with it."""

    def _parts(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(\n  "
            + "\n  ".join(p.replace("\n", "\n  ") for p in self._parts())
            + "\n)"
        )

    def _repr_pretty_(self, printer: RepresentationPrinter, cycle: bool) -> None:
        # hypothesis prints examples with this
        printer.text(repr(self))


@dataclass(frozen=True, repr=False)
class GDProblem(MatrixRepr):
    r"""A drawn GD problem on :math:`J(\mathbf w)=\frac12\mathbf w^\top\mathbf A\mathbf w+\mathbf
    b^\top\mathbf w+c` (½ scale) with start ``w0`` and step ``alpha``; ``spectrum`` holds the
    eigenvalues it was built from and ``note`` says how it was drawn.  Prints as matrices."""

    A: np.ndarray
    b: np.ndarray
    c: float
    w0: np.ndarray
    alpha: float
    spectrum: np.ndarray
    note: str = ""

    @property
    def size(self) -> int:
        return int(self.A.shape[0])

    def _parts(self) -> list[str]:
        parts = [
            _block("A", self.A),
            _block("b", self.b),
            _block("c", self.c),
            _block("w0", self.w0),
            f"alpha = {self.alpha!r}",
            _block("eigenvalues (as drawn)", self.spectrum),
        ]
        return parts + ([f"note: {self.note}"] if self.note else [])


@dataclass(frozen=True, repr=False)
class LeastSquaresProblem(MatrixRepr):
    r"""Least squares :math:`J=\frac1{2N}\|\boldsymbol\Phi\mathbf w-\mathbf t\|^2` (001's scale),
    rows of ``Phi`` (N×D) are data points; ``alpha`` is a GD step for the quadratic of
    ``least_squares_quadratic(Phi, t)``."""

    Phi: np.ndarray
    t: np.ndarray
    alpha: float
    note: str = ""

    def _parts(self) -> list[str]:
        parts = [_block("Phi", self.Phi), _block("t", self.t), f"alpha = {self.alpha!r}"]
        return parts + ([f"note: {self.note}"] if self.note else [])


def orthogonal_matrices(n: int) -> st.SearchStrategy[np.ndarray]:
    """n×n orthogonal matrices: the Q factor (``numpy.linalg.qr``) of a drawn matrix with
    entries in [-1, 1]; shrinks toward the identity."""
    return arrays(np.float64, (n, n), elements=finite_floats(-1, 1)).map(
        lambda m: np.linalg.qr(m)[0]
    )


@st.composite
def matrices_of_rank(
    draw: st.DrawFn,
    rows: int,
    cols: int,
    rank: int,
    min_singular: float = 0.2,
    max_singular: float = 3.0,
) -> np.ndarray:
    r"""rows×cols matrices :math:`\mathbf U_r\,\mathrm{diag}(s)\,\mathbf V_r^\top` of exactly
    ``rank`` nonzero singular values :math:`s_i\in` [``min_singular``, ``max_singular``];
    :math:`\mathbf U_r`, :math:`\mathbf V_r` the first ``rank`` columns of drawn
    :func:`orthogonal_matrices`."""
    U = draw(orthogonal_matrices(rows))[:, :rank]
    V = draw(orthogonal_matrices(cols))[:, :rank]
    s = np.array([draw(finite_floats(min_singular, max_singular)) for _ in range(rank)])
    return (U * s) @ V.T if rank else np.zeros((rows, cols))


@st.composite
def spectra(
    draw: st.DrawFn,
    n: int,
    rank: int | None = None,
    max_condition: float = 1e8,
) -> np.ndarray:
    r"""n eigenvalues, descending: ``rank`` nonzero ones (drawn in [0, n] when None) from
    :math:`\tilde a_{\max}\in[10^{-2},10^2]` down to :math:`\tilde a_{\max}/\kappa`,
    :math:`\kappa\le` ``max_condition``, then zeros."""
    r = draw(st.integers(0, n)) if rank is None else rank
    if not 0 <= r <= n:
        raise ValueError(f"rank must be in [0, {n}]; got {r}")
    top = 10.0 ** draw(finite_floats(-2, 2))
    log_kappa = draw(finite_floats(0, float(np.log10(max_condition))))
    u = (
        [0.0]
        + [draw(finite_floats(0, 1)) for _ in range(max(r - 2, 0))]
        + ([1.0] if r >= 2 else [])
    )
    nonzero = sorted((top * 10.0 ** (-log_kappa * x) for x in u[:r]), reverse=True)
    return np.array(nonzero + [0.0] * (n - r))


@st.composite
def _psd_parts(
    draw: st.DrawFn, min_size: int, max_size: int, rank: str, max_condition: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_size, max_size))
    if rank == "full":
        r = n
    elif rank == "deficient":
        r = draw(st.integers(0, n - 1)) if n > 1 else 0
    elif rank == "any":
        r = draw(st.integers(0, n))
    else:
        raise ValueError(f"rank must be 'any', 'full' or 'deficient'; got {rank!r}")
    ev = draw(spectra(n, r, max_condition))
    Q = draw(orthogonal_matrices(n))
    A = Q @ np.diag(ev) @ Q.T
    return (A + A.T) / 2, Q, ev


def psd_matrices(
    min_size: int = 1, max_size: int = 6, rank: str = "any", max_condition: float = 1e8
) -> st.SearchStrategy[np.ndarray]:
    r"""Symmetric positive semidefinite float64 matrices of size ``min_size``..``max_size``
    (default 1–6); ``rank`` is ``"any"``, ``"full"`` or ``"deficient"`` (rank < D, singular);
    condition number of the nonzero part up to ``max_condition`` (default :math:`10^8`)."""
    return _psd_parts(min_size, max_size, rank, max_condition).map(lambda parts: parts[0])


def step_sizes(
    A: np.ndarray, mode: str = "any", spectrum: np.ndarray | None = None
) -> st.SearchStrategy[float]:
    r"""Step sizes :math:`\alpha` for ``A`` relative to :math:`2/\tilde a_{\max}` (see
    :data:`ALPHA_MODES`).  For ``A = 0`` any :math:`\alpha\in[10^{-3}, 10]`."""
    ev = np.linalg.eigvalsh(A)
    top = float(ev[-1])
    if mode not in ALPHA_MODES:
        raise ValueError(f"mode must be one of {ALPHA_MODES}; got {mode!r}")
    if top <= 0:
        return finite_floats(1e-3, 10)
    limit = 2.0 / top

    def scaled(us: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
        return us.map(lambda u: limit * u)

    boundary = st.one_of(
        st.just(limit),
        st.tuples(st.sampled_from([-1.0, 1.0]), finite_floats(1, 12)).map(
            lambda se: limit * (1 + se[0] * 10.0 ** (-se[1]))
        ),
    )
    nonzero = [float(x) for x in (spectrum if spectrum is not None else ev) if x > 1e-12 * top]
    one_step = st.sampled_from(nonzero).map(lambda a: 1.0 / a) if nonzero else st.just(1.0 / top)
    table = {
        "boundary": boundary,
        "convergent": scaled(finite_floats(0.01, 0.999)),
        "interior": scaled(finite_floats(0.25, 0.75)),
        "divergent": scaled(finite_floats(1.001, 1.5)),
        "one_step": one_step,
    }
    if mode == "any":
        return st.one_of(
            table["convergent"], table["boundary"], table["divergent"], table["one_step"]
        )
    return table[mode]


@st.composite
def gd_problems(
    draw: st.DrawFn,
    min_size: int = 1,
    max_size: int = 6,
    rank: str = "any",
    max_condition: float = 1e8,
    b_in_range: bool | None = None,
    alpha: str = "any",
) -> GDProblem:
    r"""GD problems :math:`(\mathbf A,\mathbf b,c,\mathbf w^{(0)},\alpha)` (½ scale).

    - ``A``: :func:`psd_matrices` (``rank``, ``max_condition``);
    - ``b``: in range(A) (:math:`\mathbf b = \mathbf Q_r\mathbf y`, :math:`\mathbf Q_r` the
      eigenvectors of the nonzero eigenvalues) when ``b_in_range`` is True; out of it when False
      (adds :math:`\mathbf Q_0\mathbf z` with every null component :math:`|z_i|\in[0.1, 10]`,
      forcing a rank-deficient A); either when None (in range for ``rank="full"``).  Half the
      time :math:`y_j = -\tilde a_j u_j`, :math:`u_j\in[-10,10]`, so the minimiser
      :math:`-\mathbf A^\dagger\mathbf b = \mathbf Q_r\mathbf u` is O(10) whatever the
      conditioning; otherwise :math:`y_j = u_j` and the minimiser is up to
      :math:`10\kappa/\tilde a_{\max}` large (tolerances must scale with it);
    - ``w0`` entries in [-10, 10], ``c`` in [-10, 10];
    - ``alpha``: :func:`step_sizes` mode.
    """
    if b_in_range is None:
        in_range = True if rank == "full" else not draw(st.booleans())  # shrinks toward in range
    else:
        in_range = b_in_range
    if not in_range and rank == "full":
        raise ValueError("b out of range(A) needs a rank-deficient A; got rank='full'")
    n_min = max(min_size, 2) if not in_range else min_size
    A, Q, ev = draw(
        _psd_parts(n_min, max(max_size, n_min), rank if in_range else "deficient", max_condition)
    )
    n = A.shape[0]
    r = int(np.count_nonzero(ev))
    coords = np.array([draw(finite_floats(-10, 10)) for _ in range(n)])
    if draw(st.booleans()):
        b = -Q[:, :r] @ (ev[:r] * coords[:r])  # minimiser Q_r coords_r: O(10) whatever κ
        how = "minimiser O(10)"
    else:
        b = Q[:, :r] @ coords[:r]  # O(10) b: minimiser up to κ/a_max times larger
        how = "b O(10)"
    if not in_range:
        z = np.array(
            [
                draw(finite_floats(0.1, 10)) * draw(st.sampled_from([-1.0, 1.0]))
                for _ in range(n - r)
            ]
        )
        b = b + Q[:, r:] @ z
    w0 = np.array([draw(finite_floats(-10, 10)) for _ in range(n)])
    c = draw(finite_floats(-10, 10))
    mode = alpha
    step = draw(step_sizes(A, mode, ev))
    kappa = ev[0] / ev[r - 1] if r else float("nan")
    note = (
        f"D = {n}, rank {r}, κ = {kappa:.3g}, "
        f"b {'in' if in_range else 'out of'} range(A) ({how}), α mode {mode!r}"
    )
    return GDProblem(A, b, c, w0, step, ev, note)


def step_counts(max_k: int = 300, max_count: int = 6) -> st.SearchStrategy[list[int]]:
    """Sorted distinct step counts in [0, ``max_k``], always including 0 and 1."""
    return st.lists(st.integers(0, max_k), max_size=max_count).map(lambda ks: sorted({0, 1, *ks}))


@st.composite
def least_squares_problems(
    draw: st.DrawFn,
    max_points: int = 8,
    max_features: int = 6,
    max_condition: float = 1e3,
    alpha: str = "interior",
) -> LeastSquaresProblem:
    r""":math:`\boldsymbol\Phi\in\mathbb R^{N\times D}` (rows are data points, N, D ≥ 1) of
    random rank ≤ min(N, D) with singular values from :math:`\sigma_{\max}\in[0.1,10]` down to
    :math:`\sigma_{\max}/\kappa`, :math:`\kappa\le` ``max_condition`` (so
    :math:`\mathbf A=\boldsymbol\Phi^\top\boldsymbol\Phi/N` has condition up to its square), and
    targets :math:`\mathbf t` in [-10, 10]; ``alpha`` as in :func:`step_sizes` for that A."""
    from .simulate import least_squares_quadratic

    N = draw(st.integers(1, max_points))
    D = draw(st.integers(1, max_features))
    r = draw(st.integers(0, min(N, D)))
    sv = np.sqrt(draw(spectra(min(N, D), r, max_condition**2)))
    U = draw(orthogonal_matrices(N))
    V = draw(orthogonal_matrices(D))
    S = np.zeros((N, D))
    S[np.arange(min(N, D)), np.arange(min(N, D))] = sv
    Phi = U @ S @ V.T
    t = np.array([draw(finite_floats(-10, 10)) for _ in range(N)])
    A, _, _ = least_squares_quadratic(Phi, t)
    step = draw(step_sizes(A, alpha))
    return LeastSquaresProblem(Phi, t, step, f"N = {N}, D = {D}, rank {r}")


@st.composite
def invertible_matrices(draw: st.DrawFn, n: int, max_condition: float = 1e3) -> np.ndarray:
    r"""n×n invertible matrices :math:`\mathbf U\,\mathrm{diag}(s)\,\mathbf V^\top` with singular
    values :math:`s_i\in[\kappa^{-1/2},\kappa^{1/2}]`, :math:`\kappa\le` ``max_condition``."""
    U = draw(orthogonal_matrices(n))
    V = draw(orthogonal_matrices(n))
    half = 0.5 * float(np.log10(max_condition))
    s = np.array([10.0 ** draw(finite_floats(-half, half)) for _ in range(n)])
    return U @ np.diag(s) @ V.T


def shifts(n: int) -> st.SearchStrategy[np.ndarray]:
    """Shift vectors s in [-10, 10]^n."""
    return arrays(np.float64, (n,), elements=finite_floats(-10, 10))
