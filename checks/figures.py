r"""The seeds' figures regenerated from gdflow's own evaluators (``gdflow figures``).

Each figure is computed by the package's closed-form evaluators, never by a separate
simulation:

- ``001-fig2``: gradient descent on a full-rank and a low-rank 2-D quadratic (001 Fig 2),
  :func:`gdflow.checks.numeric.gd_iterates` (001 eq 13) over the contours of
  :math:`J(\mathbf w) = \frac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w`, and
  the eigen-projections :math:`\tilde w_j^{(k)} = \mathbf q_j^\top\mathbf w^{(k)}` (001 eq 11–12).
- ``001-fig3``: the loss decay :math:`J(\mathbf w^{(k)}) - J^\star = \sum_j \frac{\tilde a_j}{2}
  (\tilde w_j^{(0)} - \tilde w_j^\star)^2(1 - \alpha\tilde a_j)^{2k}` (001 §2.2) for curvatures
  1…10, total and the lowest-curvature term, :func:`gdflow.checks.numeric.gd_loss`.
- ``000-fig2`` … ``000-fig6``: 000's three-point line fit (:data:`THREE_POINT`,
  :math:`L = \frac12\|\mathbf X\mathbf w - \mathbf y\|^2`, rows of X are (x, 1), so
  w = (slope, intercept)) under gradient flow,
  :func:`gdflow.checks.flow_numeric.linear_flow` (000 eq 9–12, 16–18) and
  :func:`gdflow.checks.gaussian_numeric.prediction_moments` (000's prediction covariance).
- ``001-fig4`` (double descent) is built by :func:`gdflow.checks.double_descent.figure`
  (001 §4's experiment at 200 trials per N, with the exact risk of
  ``double_descent.min_norm_risk``).
- ``003-lr``: 003's learning-rate dilemma (too small, right, too large) on its worked example
  :math:`f(x) = x^2 - 4x + 5` from :math:`x = 0`, iterated by
  :func:`gdflow.checks.optimizers.gd`; the fixed step ε = 1 cycles 0, 4, 0, …
- ``003-momentum``: GD, heavy ball and Nesterov (:mod:`gdflow.checks.optimizers`) on a
  κ = 100 quadratic, :math:`J - J^\star` on a log scale, with the rates proved in
  ``momentum.heavy_ball`` / ``momentum.nesterov`` (:func:`gdflow.derive.momentum.gd_rate`,
  ``heavy_ball_rate``, ``nesterov_rate``) drawn as lines.
- ``003-rotation``: GD and Adam on a quadratic and on its rotation, the rotated paths mapped
  back: GD's coincide, Adam's do not (001 §2.3's remark on diagonal rescaling).

The ``*_data`` functions return the plotted arrays, so tests can hold them against
independent witnesses.  Matplotlib runs headless (Agg).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gdflow.checks.flow_numeric import THREE_POINT, linear_flow  # noqa: E402
from gdflow.checks.gaussian_numeric import prediction_moments  # noqa: E402
from gdflow.checks.numeric import eigendirections, gd_iterates, gd_loss  # noqa: E402
from gdflow.checks.optimizers import run as run_optimizer  # noqa: E402
from gdflow.derive.momentum import gd_rate, heavy_ball_rate, nesterov_rate  # noqa: E402

X3 = np.array(THREE_POINT["X"])
Y3 = np.array(THREE_POINT["y"])
W03 = np.array(THREE_POINT["w0"])
PRIOR_VARIANCE = 1.0
r"""000 Fig 6: the prior over the initial parameters is :math:`\mathcal N(\mathbf 0,
\sigma_p^2\mathbf I)` ("mean zero and spherical covariance"); the value of
:math:`\sigma_p^2` did not survive the seed's extraction, so 1 is used."""
TIMES_000 = (0.0, 0.5, 2.0, 8.0, 30.0, np.inf)
"""The times at which 000 Figs 5–6 are drawn (∞ is the least-squares limit)."""
DPI = 100


def _rotation(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


Q2 = _rotation(np.pi / 6)
"""Eigenvectors (columns q1, q2) of 001 Fig 2's quadratics: axes rotated by 30°."""
W_STAR2 = np.array([1.0, 0.5])
W0_2 = np.array([-1.5, 2.0])


@dataclass(frozen=True)
class Run:
    """One gradient-descent run on a quadratic: label, step size, iterates (rows), eigen
    coordinates (rows) and the eigenvalues (ascending) of A."""

    label: str
    alpha: float
    ks: np.ndarray
    w: np.ndarray
    wt: np.ndarray
    a: np.ndarray


def fig2_001_problems() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    r"""001 Fig 2's two quadratics (A, b) with :math:`\mathbf b = -\mathbf A\mathbf w_\star`:
    full rank :math:`\mathbf A = \mathbf Q\,\mathrm{diag}(1, 4)\mathbf Q^\top` and low rank
    :math:`\mathbf A = \mathbf Q\,\mathrm{diag}(0, 4)\mathbf Q^\top` (its minimisers form the
    line :math:`\mathbf q_2^\top\mathbf w = \mathbf q_2^\top\mathbf w_\star`)."""
    full = Q2 @ np.diag([1.0, 4.0]) @ Q2.T
    low = Q2 @ np.diag([0.0, 4.0]) @ Q2.T
    return {"full": (full, -full @ W_STAR2), "low": (low, -low @ W_STAR2)}


def fig2_001_data(steps: int = 12) -> dict[str, list[Run]]:
    r"""The runs of 001 Fig 2 from :func:`gd_iterates` (001 eq 13), k = 0…``steps``:
    (a) full rank at α = 0.1 and 0.3 (converging; α·ã_max = 0.4, 1.2) and 0.52 (α·ã_max = 2.08,
    diverging); (b) low rank at α = 0.1 (converging to the closest minimiser,
    :math:`\mathbf w^{(\infty)} = -\mathbf A^\dagger\mathbf b + (\mathbf I - \mathbf A^\dagger
    \mathbf A)\mathbf w^{(0)}`, 001 eq 13–14)."""
    ks = np.arange(steps + 1, dtype=float)
    problems = fig2_001_problems()
    out: dict[str, list[Run]] = {"full": [], "low": []}
    plan = [
        ("full", "α = 0.1 (converges)", 0.1),
        ("full", "α = 0.3 (converges, oscillating in q2)", 0.3),
        ("full", "α = 0.52 (α·ã_max = 2.08: diverges)", 0.52),
        ("low", "α = 0.1 (converges to the closest minimiser)", 0.1),
    ]
    for key, label, alpha in plan:
        A, b = problems[key]
        it = gd_iterates(A, b, W0_2, alpha, ks)
        out[key].append(Run(label, alpha, ks, it.w, it.wt, it.directions.a))
    return out


def _quadratic_surface(
    A: np.ndarray, lim: tuple[float, float, float, float], n: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g1, g2 = np.meshgrid(np.linspace(lim[0], lim[1], n), np.linspace(lim[2], lim[3], n))
    d = np.stack([g1, g2], axis=-1) - W_STAR2  # J - J⋆ = ½ (w - w⋆)ᵀA(w - w⋆) as b = -Aw⋆
    return g1, g2, 0.5 * np.einsum("...i,ij,...j->...", d, A, d)


def _caption(fig: Figure, text: str) -> float:
    """Put ``text`` under the figure (wrapped to its width); return the height fraction used."""
    lines = textwrap.wrap(text, width=int(fig.get_figwidth() * 14))
    fig.text(0.5, 0.005, "\n".join(lines), ha="center", va="bottom", fontsize=9, style="italic")
    return (0.2 * len(lines) + 0.1) / fig.get_figheight()


def _fig2_001() -> Figure:
    data = fig2_001_data()
    problems = fig2_001_problems()
    fig = plt.figure(figsize=(15, 7))
    gs = fig.add_gridspec(3, 3, width_ratios=[1.2, 1.2, 1.0])
    colours = {"full": ["tab:red", "tab:green", "magenta"], "low": ["tab:blue"]}
    lim = (-2.5, 3.5, -2.5, 3.0)
    for col, key, title in [
        (0, "full", "(a) full-rank A = Q diag(1, 4) Qᵀ"),
        (1, "low", "(b) low-rank A = Q diag(0, 4) Qᵀ"),
    ]:
        ax = fig.add_subplot(gs[:, col])
        A, _ = problems[key]
        g1, g2, J = _quadratic_surface(A, lim)
        levels = np.quantile(J, np.linspace(0.0, 0.9, 18) ** 2)
        ax.contour(g1, g2, J, levels=np.unique(levels), colors="0.6", linewidths=0.7)
        for run, colour in zip(data[key], colours[key], strict=True):
            ax.plot(run.w[:, 0], run.w[:, 1], "o-", ms=3, color=colour, label=run.label)
        if key == "full":
            ax.plot(*W_STAR2, "k*", ms=12, label="minimum w⋆")
        else:
            d = Q2[:, 0]
            s = np.linspace(-6, 6, 2)
            ax.plot(
                W_STAR2[0] + s * d[0],
                W_STAR2[1] + s * d[1],
                "k--",
                lw=1,
                label="minimum-cost subspace",
            )
        ax.set_xlim(lim[0], lim[1])
        ax.set_ylim(lim[2], lim[3])
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_title(title)
        ax.legend(fontsize=8, loc="lower right")
    converging = [r for r in data["full"] if r.alpha < 0.5]
    u = np.array([1.0, 0.0])
    panels = [
        ("$\\tilde w_1 = q_1^T w$ (ã₁ = 1)", lambda r: r.wt[:, 0]),
        ("$\\tilde w_2 = q_2^T w$ (ã₂ = 4)", lambda r: r.wt[:, 1]),
        ("$e_1^T w$ (an arbitrary direction)", lambda r: r.w @ u),
    ]
    for row, (ylabel, proj) in enumerate(panels):
        ax = fig.add_subplot(gs[row, 2])
        for run, colour in zip(converging, colours["full"], strict=False):
            ax.plot(run.ks, proj(run), "o-", ms=3, color=colour, label=run.label)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if row == 0:
            ax.set_title("(c) projections of (a)'s converging iterates")
            ax.legend(fontsize=7)
        if row == 2:
            ax.set_xlabel("iteration k")
    bottom = _caption(
        fig,
        "after 001 Fig 2: gradient descent on convex quadratics (gdflow.checks.numeric.gd_iterates,"
        " 001 eq 13); projections on q1, q2 are exponentials in k, on e1 a sum of two.",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


FIG3_ALPHA = 0.1
FIG3_STEPS = 100


def fig3_001_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""001 Fig 3's quadratic: :math:`\mathbf A = \mathbf Q\,\mathrm{diag}(1, …, 10)\mathbf
    Q^\top` (Q a fixed random orthogonal matrix, seed 0), :math:`\mathbf b = -\mathbf A
    \mathbf w_\star` with :math:`\mathbf w_\star = \mathbf Q\mathbf 1`, start
    :math:`\mathbf w^{(0)} = \mathbf 0`: every direction starts with the same offset, so the
    terms differ only by their curvature.  Returns (A, b, w0)."""
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    A = Q @ np.diag(np.arange(1.0, 11.0)) @ Q.T
    A = (A + A.T) / 2
    w_star = Q @ np.ones(10)
    return A, -A @ w_star, np.zeros(10)


def fig3_001_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""k, the total :math:`J(\mathbf w^{(k)}) - J^\star` and the lowest-curvature term
    :math:`\frac{\tilde a_1}{2}(\tilde w_1^{(0)} - \tilde w_1^\star)^2(1 - \alpha\tilde a_1)^{2k}`
    (001 §2.2) at α = :data:`FIG3_ALPHA`, both from :func:`gd_loss` (the term as the loss of
    the one-dimensional problem along :math:`\mathbf q_1`, from :func:`eigendirections`)."""
    A, b, w0 = fig3_001_problem()
    ks = np.arange(FIG3_STEPS + 1, dtype=float)
    total = gd_loss(A, b, 0.0, w0, FIG3_ALPHA, ks).excess
    assert total is not None
    d = eigendirections(A, b, w0, FIG3_ALPHA)
    j = int(np.argmin(d.a))
    low = gd_loss([[d.a[j]]], [d.b[j]], 0.0, [d.w0[j]], FIG3_ALPHA, ks).excess
    assert low is not None
    return ks, total, low


def _fig3_001() -> Figure:
    ks, total, low = fig3_001_data()
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.semilogy(ks, total, color="tab:blue", label="total $J(w^{(k)}) - J^\\star$")
    ax.semilogy(ks, low, color="tab:red", label="lowest-curvature direction (ã = 1) only", ls="--")
    ax.set_xlabel("iteration k")
    ax.set_ylabel("$J(w^{(k)}) - J^\\star$ (log scale)")
    ax.set_title(f"GD on a quadratic with curvatures 1, …, 10, α = {FIG3_ALPHA:g}")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    bottom = _caption(
        fig,
        "after 001 Fig 3: loss decay (001 §2.2, gdflow.checks.numeric.gd_loss); the slowest "
        "term (1 − αã_min)²ᵏ dominates asymptotically",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def loss_surface_000(
    n: int = 201,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""000 Fig 2: :math:`L = \frac12\|\mathbf X\mathbf w - \mathbf y\|^2` on a grid of
    intercept (``I``) and slope (``S``); returns (I, S, L)."""
    icpt, slope = np.meshgrid(np.linspace(-1.0, 1.0, n), np.linspace(-1.5, 2.0, n))
    pred = slope[..., None] * X3[:, 0] + icpt[..., None]
    return icpt, slope, 0.5 * np.sum((pred - Y3) ** 2, axis=-1)


def _data_panel(ax: plt.Axes, w: np.ndarray | None = None, label: str = "") -> None:
    ax.scatter(X3[:, 0], Y3, color="tab:red", zorder=3, label="data $(x_i, y_i)$")
    if w is not None:
        xg = np.linspace(0.0, 1.0, 2)
        ax.plot(xg, w[0] * xg + w[1], color="k", label=label)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("input x")
    ax.set_ylabel("output y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def _w_ls() -> np.ndarray:
    return linear_flow(X3, Y3, W03).parameters([np.inf])[0]


def _contours(ax: plt.Axes) -> None:
    icpt, slope, L = loss_surface_000()
    cs = ax.contourf(icpt, slope, np.log10(L), levels=20, cmap="viridis")
    ax.contour(icpt, slope, np.log10(L), levels=20, colors="w", linewidths=0.3)
    plt.colorbar(cs, ax=ax, label="$\\log_{10} L$")
    w = _w_ls()
    ax.plot(w[1], w[0], "w*", ms=12, mec="k", label="minimum (least squares)")
    ax.set_xlabel("intercept $w_2$")
    ax.set_ylabel("slope $w_1$")


def _fig2_000() -> Figure:
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5))
    _data_panel(a, _w_ls(), "least-squares line")
    a.set_title("(a) three points and the best line")
    _contours(b)
    b.legend(fontsize=8)
    b.set_title("(b) loss $L = \\frac{1}{2}\\|Xw - y\\|^2$ over intercept and slope")
    bottom = _caption(fig, "after 000 Fig 2: the loss function of fitting a line to three points")
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def outputs_000(ts: np.ndarray) -> np.ndarray:
    r"""000 Fig 3: the outputs at the data points :math:`\mathbf f(t) = \mathbf y +
    e^{-\mathbf K t}(\mathbf f_0 - \mathbf y)` (000 eq 10–12) from :func:`linear_flow`, rows
    are times."""
    return linear_flow(X3, Y3, W03).outputs(ts)


def _fig3_000() -> Figure:
    ts = np.logspace(-2.0, 2.5, 300)
    f = outputs_000(ts)
    f_inf = outputs_000(np.array([np.inf]))[0]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5))
    _data_panel(a, W03, "initial line $w_0$")
    a.set_title("(a) the start $w_0$ = (−0.05, −0.4) (slope, intercept)")
    colours = ["tab:blue", "tab:orange", "tab:green"]
    for i, col in enumerate(colours):
        b.plot(ts, f[:, i], color=col, label=f"$f(x_{i + 1}, t)$, $x_{i + 1}$ = {X3[i, 0]:g}")
        b.axhline(Y3[i], color=col, ls="--", lw=1, label=f"target $y_{i + 1}$ = {Y3[i]:g}")
        b.axhline(f_inf[i], color=col, ls=":", lw=1.5, label=f"$f(x_{i + 1}, \\infty)$")
    b.set_xscale("log")
    b.set_xlabel("time t")
    b.set_ylabel("output at the data point")
    b.set_title("(b) outputs at the data points (rank K = 2 < 3: no exact fit)")
    b.legend(fontsize=7, ncol=3, loc="lower right")
    b.grid(alpha=0.3)
    bottom = _caption(
        fig,
        "after 000 Fig 3: f(t) = y + exp(−Kt)(f₀ − y), K = XXᵀ (000 eq 12; "
        "gdflow.checks.flow_numeric.linear_flow); dotted: the limit f(∞), the least-squares fit",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def parameters_000(ts: np.ndarray) -> np.ndarray:
    r"""000 Fig 4: the parameter path :math:`\mathbf w(t) = \mathbf w_\star +
    e^{-\mathbf X^\top\mathbf X t}(\mathbf w_0 - \mathbf w_\star)` (000 eq 18) from
    :func:`linear_flow`; rows are times, columns (slope, intercept)."""
    return linear_flow(X3, Y3, W03).parameters(ts)


def _fig4_000() -> Figure:
    ts = np.concatenate([np.linspace(0.0, 50.0, 400), [np.inf]])
    w = parameters_000(ts)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 5))
    _contours(a)
    a.plot(w[:, 1], w[:, 0], "r-", lw=2, label="path w(t), t ∈ [0, ∞]")
    a.plot(W03[1], W03[0], "ro", label="start $w_0$")
    a.legend(fontsize=8)
    a.set_title("(a) the parameter path on the loss surface")
    b.plot(ts[:-1], w[:-1, 0], label="slope $w_1(t)$")
    b.plot(ts[:-1], w[:-1, 1], label="intercept $w_2(t)$")
    b.axhline(w[-1, 0], color="tab:blue", ls="--", lw=1, label="least-squares slope")
    b.axhline(w[-1, 1], color="tab:orange", ls="--", lw=1, label="least-squares intercept")
    b.set_xlabel("time t")
    b.set_ylabel("parameter value")
    b.set_title("(b) parameters over time")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    bottom = _caption(
        fig,
        "after 000 Fig 4: w(t) = w⋆ + exp(−XᵀXt)(w₀ − w⋆) (000 eq 18; "
        "gdflow.checks.flow_numeric.linear_flow)",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def predictions_000(
    ts: tuple[float, ...] = TIMES_000, grid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""000 Fig 5: predictions :math:`f(\mathbf x_\star, t) = \mathbf x_\star^\top\mathbf w(t)`,
    :math:`\mathbf x_\star = (x, 1)`, on ``grid`` (default 101 points in [0, 1]) at times
    ``ts`` from :meth:`LinearFlow.predict` (000's evolution of predictions); returns
    (grid, predictions with rows = times)."""
    xg = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype=float)
    xs = np.column_stack([xg, np.ones_like(xg)])
    return xg, linear_flow(X3, Y3, W03).predict(xs, np.asarray(ts, dtype=float))


def _time_label(t: float) -> str:
    return "t = ∞ (least squares)" if np.isinf(t) else f"t = {t:g}"


def _fig5_000() -> Figure:
    xg, pred = predictions_000()
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    cmap = plt.get_cmap("viridis")
    for i, (t, row) in enumerate(zip(TIMES_000, pred, strict=True)):
        ax.plot(xg, row, color=cmap(i / (len(TIMES_000) - 1)), label=_time_label(t))
    ax.scatter(X3[:, 0], Y3, color="tab:red", zorder=3, label="data")
    ax.set_xlabel("input x")
    ax.set_ylabel("prediction f(x, t)")
    ax.set_title("Predictions of gradient flow from $w_0$ = (−0.05, −0.4)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    bottom = _caption(
        fig,
        "after 000 Fig 5: predictions over time approach the least-squares line "
        "(gdflow.checks.flow_numeric.linear_flow)",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def uncertainty_000(
    ts: tuple[float, ...] = TIMES_000, grid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""000 Fig 6: mean and standard deviation of :math:`f(\mathbf x_\star, t)` when
    :math:`\mathbf w_0\sim\mathcal N(\mathbf 0, \sigma_p^2\mathbf I)` (000's zero-mean
    spherical prior, :data:`PRIOR_VARIANCE`) from :func:`prediction_moments`
    (``gaussian.prediction_uncertainty``); returns (grid, mean, sd), rows = times."""
    xg = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype=float)
    xs = np.column_stack([xg, np.ones_like(xg)])
    m = prediction_moments(
        X3, Y3, xs, np.asarray(ts, dtype=float), np.zeros(2), PRIOR_VARIANCE * np.eye(2)
    )
    return xg, m.mean, m.std


def _fig6_000() -> Figure:
    xg, mean, sd = uncertainty_000()
    fig, axes = plt.subplots(2, 3, figsize=(14, 8), sharex=True, sharey=True)
    for ax, t, mu, s in zip(axes.ravel(), TIMES_000, mean, sd, strict=True):
        ax.fill_between(xg, mu - 2 * s, mu + 2 * s, color="tab:blue", alpha=0.25, label="± 2 sd")
        ax.plot(xg, mu, color="tab:blue", label="mean prediction")
        ax.scatter(X3[:, 0], Y3, color="tab:red", zorder=3, label="data")
        ax.set_title(_time_label(t))
        ax.set_ylim(-3.0, 3.0)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("input x")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(x, t)")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    fig.suptitle(
        f"Gradient flow from $w_0 \\sim N(0, \\sigma_p^2 I)$, $\\sigma_p^2$ = {PRIOR_VARIANCE:g}"
    )
    bottom = _caption(
        fig,
        "after 000 Fig 6: predictions with uncertainty under 000's zero-mean spherical prior on "
        "w₀ (gdflow.checks.gaussian_numeric.prediction_moments)",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


# ---- seed 003: the learning rate, momentum, rotations ------------------------------------


def f_003(x: np.ndarray | float) -> np.ndarray | float:
    r"""003's worked example :math:`f(x) = x^2 - 4x + 5` (practice exercise: "compute one
    iteration starting from x = 0 with learning rate ε = 0.1"); minimiser 2, f(2) = 1."""
    return x * x - 4.0 * x + 5.0


def _grad_003(w: np.ndarray) -> np.ndarray:
    return 2.0 * w - 4.0  # f'(x) = 2x - 4


LR_003: tuple[tuple[str, float], ...] = (
    ("too small: ε = 0.01", 0.01),
    ("right: ε = 0.1 (003's exercise)", 0.1),
    ("too large: ε = 1 (cycles)", 1.0),
    ("too large: ε = 1.1 (diverges)", 1.1),
)
r"""003's learning rates: 0.01 (the "fixed" choice of its slide, "choose ε = 0.001 or 0.01"),
0.1 (its exercise), 1 (the cycle 0, 4, 0, …) and 1.1.  On f the error obeys
:math:`x^{(k)} - 2 = (1 - 2\varepsilon)^k (x^{(0)} - 2)`: factors 0.98, 0.8, −1, −1.2."""
LR_003_STEPS = 10
LR_003_X0 = 0.0


def lr_003_data(steps: int = LR_003_STEPS) -> dict[str, tuple[float, np.ndarray]]:
    r"""The iterates :math:`x^{(0)}, …, x^{(\text{steps})}` of :math:`x \leftarrow x -
    \varepsilon f'(x)` (003's update rule, :func:`gdflow.checks.optimizers.run` with
    ``"gd"``) on :func:`f_003` from :math:`x^{(0)} = 0` for each step size of :data:`LR_003`;
    returns label -> (ε, iterates)."""
    return {
        label: (eps, run_optimizer("gd", _grad_003, [LR_003_X0], steps, alpha=eps)[:, 0])
        for label, eps in LR_003
    }


def _fig_lr_003() -> Figure:
    data = lr_003_data()
    long = lr_003_data(30)
    fig = plt.figure(figsize=(16, 8.5))
    gs = fig.add_gridspec(2, len(LR_003), height_ratios=[1.0, 0.9])
    colours = ["tab:blue", "tab:green", "tab:orange", "tab:red"]
    for col, ((label, (eps, xs)), colour) in enumerate(zip(data.items(), colours, strict=True)):
        ax = fig.add_subplot(gs[0, col])
        span = max(4.5, float(np.max(np.abs(xs - 2.0))) + 0.5)
        xg = np.linspace(2.0 - span, 2.0 + span, 300)
        ax.plot(xg, f_003(xg), color="0.5", lw=1, label="$f(x) = x^2 - 4x + 5$")
        ax.plot(xs, f_003(xs), "o-", ms=4, lw=0.8, color=colour, label=f"$x^{{(k)}}$, ε = {eps:g}")
        ax.plot(xs[0], f_003(xs[0]), "ks", ms=6, label="start $x^{(0)} = 0$")
        ax.plot(2.0, 1.0, "k*", ms=12, label="minimum x = 2")
        ax.set_title(f"{label}\n$x^{{({LR_003_STEPS})}}$ = {xs[-1]:.4g}", fontsize=10)
        ax.set_xlabel("x")
        if col == 0:
            ax.set_ylabel("f(x)")
        ax.legend(fontsize=7, loc="upper center")
        ax.grid(alpha=0.3)
    ax = fig.add_subplot(gs[1, :])
    for (label, (eps, xs)), colour in zip(long.items(), colours, strict=True):
        k = np.arange(len(xs))
        ax.semilogy(
            k, np.abs(xs - 2.0), "o", ms=4, color=colour, label=f"{label}: $|x^{{(k)}} - 2|$"
        )
        ax.semilogy(k, 2.0 * abs(1.0 - 2.0 * eps) ** k, "-", lw=1, color=colour, alpha=0.6)
    ax.set_xlabel("iteration k")
    ax.set_ylabel("distance to the minimiser (log scale)")
    ax.set_title("distance to the minimum: dots observed, lines $2\\,|1 - 2ε|^k$")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3, which="both")
    fig.suptitle(
        '003, slide "The learning rate ε controls how far we move": too small, right, too large'
        " on 003's f(x) = x² − 4x + 5 from x = 0"
    )
    bottom = _caption(
        fig,
        "003's update x ← x − ε f'(x), f'(x) = 2x − 4 (gdflow.checks.optimizers.gd): the error"
        " x − 2 is multiplied by 1 − 2ε each step; ε = 1 maps x to 4 − x, so the iterates cycle"
        ' 0, 4, 0, … (003\'s "always converges" refuted in search.backtracking); ε > 1 diverges',
    )
    fig.tight_layout(rect=(0, bottom, 1, 0.96))
    return fig


MOMENTUM_CURVATURES = (1.0, 10.0, 100.0)
r"""The κ = 100 quadratic :math:`J(\mathbf w) = \frac12\mathbf w^\top\mathrm{diag}(1, 10,
100)\mathbf w` (minimiser 0, :math:`J^\star = 0`: the loss is computed without cancellation,
so rounding does not floor the curves)."""
MOMENTUM_W0 = (1.0, 1.0, 1.0)
MOMENTUM_STEPS = 200


@dataclass(frozen=True)
class MomentumRun:
    """One method on :data:`MOMENTUM_CURVATURES`: label, parameters, the proved rate ρ of the
    iterates (from :mod:`gdflow.derive.momentum`) and the excess loss per k."""

    label: str
    method: str
    params: dict[str, float]
    rate: float
    rate_text: str
    ks: np.ndarray
    loss: np.ndarray


def momentum_003_data(steps: int = MOMENTUM_STEPS) -> list[MomentumRun]:
    r"""GD at :math:`\alpha = 2/(m + M)` (rate ``gd_rate``, :math:`(\kappa - 1)/(\kappa + 1)`),
    heavy ball at :math:`\alpha_\star = 4/(\sqrt M + \sqrt m)^2`, :math:`\beta_\star =
    \rho^2` (rate ``heavy_ball_rate``, :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`) and
    Nesterov at :math:`\alpha = 1/M`, :math:`\beta = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)`
    (rate ``nesterov_rate``, :math:`1 - 1/\sqrt\kappa`) on :data:`MOMENTUM_CURVATURES`
    (:math:`m = 1`, :math:`M = 100`) from :data:`MOMENTUM_W0`, at rest; the loss is
    :math:`J(\mathbf w^{(k)}) - J^\star = \frac12\sum_j a_j w_j^{(k)2}`.  The rates are those
    of the iterates; the loss contracts by their squares."""
    a = np.array(MOMENTUM_CURVATURES)
    lo, hi = float(a.min()), float(a.max())
    exact = {
        "gd": gd_rate(int(lo), int(hi)),
        "heavy_ball": heavy_ball_rate(int(lo), int(hi)),
        "nesterov": nesterov_rate(int(lo), int(hi)),
    }
    rho_hb, rho_n, rho_gd = (float(exact[key]) for key in ("heavy_ball", "nesterov", "gd"))
    plans = [
        ("GD, α = 2/(m + M)", "gd", {"alpha": 2.0 / (lo + hi)}, rho_gd),
        (
            "heavy ball, α⋆ = 4/(√M + √m)², β⋆ = ρ²",
            "heavy_ball",
            {"alpha": 4.0 / (np.sqrt(hi) + np.sqrt(lo)) ** 2, "beta": rho_hb**2},
            rho_hb,
        ),
        (
            "Nesterov, α = 1/M, β = (√κ − 1)/(√κ + 1)",
            "nesterov",
            {"alpha": 1.0 / hi, "beta": (np.sqrt(hi / lo) - 1) / (np.sqrt(hi / lo) + 1)},
            rho_n,
        ),
    ]
    ks = np.arange(steps + 1, dtype=float)
    out = []
    for label, method, params, rate in plans:
        w = run_optimizer(method, lambda v: a * v, MOMENTUM_W0, steps, **params)
        loss = 0.5 * (w * w) @ a
        out.append(MomentumRun(label, method, params, rate, str(exact[method]), ks, loss))
    return out


def rate_line(r: MomentumRun) -> np.ndarray:
    r"""The dashed line of ``003-momentum`` for one run: :math:`(J(\mathbf w^{(0)}) -
    J^\star)\,\rho^{2k}`, the proved iterate rate ρ squared (the loss is quadratic in the
    error), anchored at the k = 0 loss."""
    return r.loss[0] * r.rate ** (2 * r.ks)


def _fig_momentum_003() -> Figure:
    runs = momentum_003_data()
    fig, ax = plt.subplots(figsize=(10, 6.8))
    colours = ["tab:blue", "tab:red", "tab:green"]
    for r, colour in zip(runs, colours, strict=True):
        ax.semilogy(r.ks, r.loss, color=colour, lw=2, label=f"{r.label}")
        ax.semilogy(
            r.ks,
            rate_line(r),
            color=colour,
            ls="--",
            lw=1,
            label=f"  proved: loss × ρ² per step, ρ = {r.rate_text} (line from the k = 0 loss)",
        )
    ax.set_xlabel("iteration k")
    ax.set_ylabel("$J(w^{(k)}) - J^\\star$ (log scale)")
    ax.set_title(
        '003, slide "Advanced Optimizers: momentum methods": GD, heavy ball and Nesterov'
        "\non J = ½ wᵀ diag(1, 10, 100) w (m = 1, M = κ = 100)"
    )
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3, which="both")
    bottom = _caption(
        fig,
        "solid: J(w⁽ᵏ⁾) − J⋆ of gdflow.checks.optimizers' iterates; dashed: ρ²ᵏ times the k = 0"
        " loss, ρ the iterate rate proved in gdflow.derive.momentum (gd_rate, heavy_ball_rate,"
        " nesterov_rate). GD's line is a bound (every direction contracts by at most ρ). Heavy"
        " ball has double roots at a = m and a = M, Nesterov at a = m: their curves carry a"
        " factor polynomial in k ((1 + (1 ± ρ)k)²) and run above the line with its slope.",
    )
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


ROTATION_CURVATURES = (1.0, 10.0)
ROTATION_W_STAR = (1.0, 0.5)
ROTATION_W0 = (-2.0, 2.0)
ROTATION_THETA = np.pi / 5
ROTATION_STEPS = 50
ROTATION_PARAMS: dict[str, dict[str, float]] = {
    "gd": {"alpha": 0.15},
    "adam": {"alpha": 0.1},
}
"""GD at α = 0.15 (α·a_max = 1.5) and Adam at α = 0.1 with its default β₁ = 0.9, β₂ = 0.999,
ε = 1e-8."""


def rotation_003_data(
    steps: int = ROTATION_STEPS,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    r"""On :math:`J(\mathbf w) = \frac12(\mathbf w - \mathbf w_\star)^\top\mathbf A(\mathbf w -
    \mathbf w_\star)`, :math:`\mathbf A = \mathrm{diag}` :data:`ROTATION_CURVATURES`, and on its
    rotation :math:`\tilde J(\mathbf v) = J(\mathbf Q\mathbf v)` (:math:`\mathbf Q` the
    rotation by :data:`ROTATION_THETA`, gradient :math:`\mathbf Q^\top\nabla J(\mathbf Q
    \mathbf v)`, start :math:`\mathbf Q^\top\mathbf w^{(0)}`), run GD and Adam
    (:func:`gdflow.checks.optimizers.run`) and map the rotated path back,
    :math:`\mathbf Q\mathbf v^{(k)}`.  Returns method -> (path on J, mapped-back path on
    :math:`\tilde J`), rows = iterates.  GD commutes with rotations (``adaptive``'s
    invariance), so its two paths coincide; Adam's per-coordinate scaling does not."""
    a = np.array(ROTATION_CURVATURES)
    ws = np.array(ROTATION_W_STAR)
    Q = _rotation(ROTATION_THETA)

    def grad(w: np.ndarray) -> np.ndarray:
        return a * (w - ws)

    def grad_rot(v: np.ndarray) -> np.ndarray:
        return Q.T @ grad(Q @ v)

    w0 = np.array(ROTATION_W0)
    out = {}
    for method, params in ROTATION_PARAMS.items():
        plain = run_optimizer(method, grad, w0, steps, **params)
        rotated = run_optimizer(method, grad_rot, Q.T @ w0, steps, **params)
        out[method] = (plain, rotated @ Q.T)
    return out


def _fig_rotation_003() -> Figure:
    data = rotation_003_data()
    a = np.array(ROTATION_CURVATURES)
    ws = np.array(ROTATION_W_STAR)
    g1, g2 = np.meshgrid(np.linspace(-2.6, 2.6, 200), np.linspace(-0.9, 2.4, 200))
    J = 0.5 * (a[0] * (g1 - ws[0]) ** 2 + a[1] * (g2 - ws[1]) ** 2)
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.2))
    titles = {
        "gd": "(a) gradient descent, α = 0.15",
        "adam": "(b) Adam, α = 0.1 (β₁ = 0.9, β₂ = 0.999)",
    }
    for ax, (method, (plain, back)) in zip(axes, data.items(), strict=True):
        ax.contour(g1, g2, J, levels=np.geomspace(0.02, 30, 14), colors="0.7", linewidths=0.7)
        ax.plot(
            plain[:, 0],
            plain[:, 1],
            "o-",
            ms=4,
            color="tab:blue",
            label="run on J (original coordinates)",
        )
        ax.plot(
            back[:, 0],
            back[:, 1],
            "x--",
            ms=7,
            color="tab:red",
            label="run on the rotated J̃(v) = J(Qv), mapped back Qv",
        )
        ax.plot(*ROTATION_W0, "ks", ms=7, label="start $w^{(0)}$")
        ax.plot(*ws, "k*", ms=13, label="minimum $w^\\star$")
        gap = float(np.max(np.linalg.norm(plain - back, axis=1)))
        ax.set_title(
            f"{titles[method]}\nmax over k ≤ {ROTATION_STEPS} of ‖w⁽ᵏ⁾ − Qv⁽ᵏ⁾‖ = {gap:.2g}"
        )
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-0.9, 2.4)
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(
        '003, slide "Adaptive methods" (Adam), and 001 §2.3: GD is rotation invariant, Adam is'
        f" not (J = ½ (w − w⋆)ᵀ diag(1, 10)(w − w⋆), rotation by {np.degrees(ROTATION_THETA):g}°)"
    )
    bottom = _caption(
        fig,
        "gdflow.checks.optimizers.run on J and on J̃(v) = J(Qv) from v⁽⁰⁾ = Qᵀw⁽⁰⁾: GD's mapped-back"
        " path lies on the original one; Adam divides each coordinate by its own gradient scale,"
        " and the coordinates differ after a rotation, so its paths part.",
    )
    fig.tight_layout(rect=(0, bottom + 0.03, 1, 0.95))
    return fig


BUILDERS: dict[str, Callable[[], Figure]] = {
    "001-fig2": _fig2_001,
    "001-fig3": _fig3_001,
    "000-fig2": _fig2_000,
    "000-fig3": _fig3_000,
    "000-fig4": _fig4_000,
    "000-fig5": _fig5_000,
    "000-fig6": _fig6_000,
    "003-lr": _fig_lr_003,
    "003-momentum": _fig_momentum_003,
    "003-rotation": _fig_rotation_003,
}
NAMES: tuple[str, ...] = ("001-fig2", "001-fig3", "001-fig4", *list(BUILDERS)[2:])
"""Every figure name, in the order ``gdflow figures`` writes them."""


def resolve(name: str) -> str:
    """The figure name for ``name`` (``.png`` optional); ``KeyError`` listing the names."""
    key = name[:-4] if name.lower().endswith(".png") else name
    if key not in NAMES:
        raise KeyError(f"no figure {name!r}; names: {', '.join(NAMES)}")
    return key


def build(name: str, directory: Path | str) -> Path:
    """Write the figure ``name`` as ``directory/name.png`` (directory created) and return its
    path.  ``001-fig4`` is :func:`gdflow.checks.double_descent.figure` (the experiment, some
    seconds)."""
    key = resolve(name)
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{key}.png"
    if key == "001-fig4":
        from .double_descent import figure

        return figure(path)
    fig = BUILDERS[key]()
    try:
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path
