r"""The conditioning experiment of 001 §3: :math:`\kappa` of the curvature with a bias against
the feature dimension D, for uncentred, centred and whitened data.

For each D, N = 4D + 50 data points are drawn (seeded): feature j is
:math:`\phi_j = m + s_j z`, :math:`z \sim \mathcal N(0, 1)`, with the common mean ``mean``
(default 1, so :math:`\|\mu\|^2 \approx D`) and standard deviations :math:`s_j` spread
geometrically so that the variances run from 1/2 to 2.  The curvature is
:math:`\mathbf A = \frac1N\breve\Phi^\top\breve\Phi`, :math:`\breve\Phi = [\Phi\ \mathbf 1]`
(001 eq 17), computed for

- the raw (uncentred) data,
- the centred data :math:`\Phi - \mathbf 1\mu^\top` (empirical mean),
- the whitened data :math:`(\Phi - \mathbf 1\mu^\top)\mathbf L^{-\top}`, :math:`\Sigma = \mathbf
  L\mathbf L^\top` the Cholesky factorisation of the empirical covariance,

together with the proved lower bounds of ``normalisation.outlier`` for uncentred data,
001's :math:`\kappa \ge (\|\mu\|^2 + 1)/\sigma^2_{\max}` and the sharper
:math:`(\|\mu\|^2 + 1)^2/\sigma^2_{\max}` (empirical μ and Σ, so the bound holds
exactly for every draw, up to rounding).  001 §3 says the bound grows linearly in D; κ itself
grows like D² (the sharper bound, and the measurements);
centring keeps it bounded; whitening makes it 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_DIMS",
    "ConditioningResult",
    "curvature",
    "condition_number",
    "conditioning",
    "format_table",
    "plot",
]

DEFAULT_DIMS = (1, 2, 4, 8, 16, 32, 64, 128)
"""Feature dimensions of the default run."""


def curvature(Phi: np.ndarray) -> np.ndarray:
    r""":math:`\mathbf A = \frac1N\breve\Phi^\top\breve\Phi` with :math:`\breve\Phi = [\Phi\ \mathbf
    1]` (001 eq 17), in float64.  Φ is N×D, rows are data points."""
    Phi = np.asarray(Phi, dtype=float)
    if Phi.ndim != 2 or Phi.shape[0] == 0:
        raise ValueError(f"Phi must be a nonempty N x D matrix; got shape {Phi.shape}")
    Pb = np.hstack([Phi, np.ones((Phi.shape[0], 1))])
    return Pb.T @ Pb / Phi.shape[0]


def condition_number(A: np.ndarray) -> float:
    r""":math:`\kappa = \lambda_{\max}/\lambda_{\min}` of a symmetric positive definite matrix
    (``numpy.linalg.eigvalsh``); ``ValueError`` naming the smallest eigenvalue when it is not
    positive."""
    ev = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    if not ev[0] > 0:
        raise ValueError(f"A is not positive definite: its smallest eigenvalue is {ev[0]:.3g}")
    return float(ev[-1] / ev[0])


@dataclass(frozen=True)
class ConditioningResult:
    """κ of A against D: one entry per dimension in ``D``.  ``bound`` is
    :math:`(\\|\\mu\\|^2 + 1)/\\sigma^2_{\\max}` of the uncentred data
    (``normalisation.outlier``)."""

    D: list[int]
    N: list[int]
    uncentred: list[float]
    centred: list[float]
    whitened: list[float]
    bound: list[float]
    bound_quadratic: list[float]
    mean: float
    seed: int
    caption: str = field(default="")

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (lists of numbers, the mean, the seed, the caption)."""
        return asdict(self)


def _variances(D: int) -> np.ndarray:
    return 2.0 ** np.linspace(-1, 1, D) if D > 1 else np.ones(1)


def conditioning(
    dims: Sequence[int] = DEFAULT_DIMS, mean: float = 1.0, seed: int = 0
) -> ConditioningResult:
    r"""κ of :math:`\mathbf A = \frac1N\breve\Phi^\top\breve\Phi` (001 eq 17) for uncentred,
    centred and whitened data at each D in ``dims``, with the proved bound
    :math:`(\|\mu\|^2 + 1)/\sigma^2_{\max}` (001 §3; ``normalisation.outlier``).  Seeded."""
    dims = [int(d) for d in dims]
    if not dims or any(d < 1 for d in dims):
        raise ValueError(f"dimensions must be positive integers; got {dims}")
    if not np.isfinite(mean):
        raise ValueError(f"mean must be finite; got {mean}")
    rng = np.random.default_rng(seed)
    out: dict[str, list[Any]] = {k: [] for k in ("N", "unc", "cen", "whi", "bound", "bound2")}
    for D in dims:
        N = 4 * D + 50
        Phi = mean + rng.standard_normal((N, D)) * np.sqrt(_variances(D))
        mu = Phi.mean(axis=0)
        C = Phi - mu
        Sigma = C.T @ C / N
        L = np.linalg.cholesky(Sigma)
        W = np.linalg.solve(L, C.T).T  # rows L^{-1}(phi - mu)
        out["N"].append(N)
        out["unc"].append(condition_number(curvature(Phi)))
        out["cen"].append(condition_number(curvature(C)))
        out["whi"].append(condition_number(curvature(W)))
        s_max = float(np.linalg.eigvalsh(Sigma)[-1])
        out["bound"].append(float((mu @ mu + 1) / s_max))
        out["bound2"].append(float((mu @ mu + 1) ** 2 / s_max))
    caption = (
        f"kappa of A = (1/N) [Phi 1]^T [Phi 1] against D (N = 4D + 50 samples, feature means "
        f"{mean:g}, variances 1/2..2, seed {seed}); dashed: the proved lower bound "
        "(||mu||^2 + 1)/sigma_max^2 (001 sec. 3) and dotted: the sharper "
        "(||mu||^2 + 1)^2/sigma_max^2 (normalisation.outlier)"
    )
    return ConditioningResult(
        dims,
        out["N"],
        out["unc"],
        out["cen"],
        out["whi"],
        out["bound"],
        out["bound2"],
        mean,
        seed,
        caption,
    )


def format_table(result: ConditioningResult) -> str:
    """The result as a plain-text table, one row per D, the caption above it."""
    lines = [
        result.caption,
        f"{'D':>5} {'N':>6} {'uncentred':>11} {'bound':>9} {'bound^2':>11} {'centred':>9} "
        f"{'whitened':>9}",
    ]
    for row in zip(
        result.D,
        result.N,
        result.uncentred,
        result.bound,
        result.bound_quadratic,
        result.centred,
        result.whitened,
        strict=True,
    ):
        D, N, u, b, q, c, w = row
        lines.append(f"{D:>5} {N:>6} {u:>11.4g} {b:>9.4g} {q:>11.4g} {c:>9.4g} {w:>9.4g}")
    return "\n".join(lines)


def plot(result: ConditioningResult, path: str) -> None:
    """Draw κ against D (log–log) for the three preprocessings and the proved bound, with
    labelled axes, a legend and the caption, to ``path`` (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    ax.loglog(result.D, result.uncentred, "o-", label="uncentred")
    ax.loglog(
        result.D,
        result.bound,
        "k--",
        label=r"001's bound $(\|\mu\|^2+1)/\sigma^2_{\max}$",
    )
    ax.loglog(
        result.D,
        result.bound_quadratic,
        "k:",
        label=r"proved bound $(\|\mu\|^2+1)^2/\sigma^2_{\max}$",
    )
    ax.loglog(result.D, result.centred, "s-", label="centred")
    ax.loglog(result.D, result.whitened, "^-", label="whitened")
    ax.set_xlabel("feature dimension D")
    ax.set_ylabel(r"condition number $\kappa$ of $A$")
    ax.set_title("Conditioning of least squares with a bias (001 §3)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.text(0.01, 0.01, result.caption, fontsize=6, wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
