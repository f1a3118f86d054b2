r"""The uncertainty band of gradient-flow predictions on the three-point example of 000.

Fit a line :math:`f(x) = w_1 x + w_2` to the three points of 000 (rows of X are (x_i, 1)):
X rows (0.2, 1), (0.4, 1), (0.8, 1); y = (−0.1, 0.15, 0.3); loss :math:`L = \tfrac12\|Xw - y\|^2`
(000's sum scale), trained by gradient flow from a random start

.. math:: \mathbf w_0 \sim \mathcal N\bigl((-0.05, -0.4)^\top,\ 0.1^2\,\mathbf I\bigr)

(the mean is 000's worked start).  At each time the prediction at a new input x* = (x, 1) is
Gaussian with mean :math:`a(t) + \mathbf b(t)^\top\boldsymbol\mu_0` and variance
:math:`\mathbf b(t)^\top\boldsymbol\Sigma_0\mathbf b(t)` (``gaussian.prediction_uncertainty``);
the script draws the mean ± 2 standard deviations for several times and the least-squares
line :math:`\mathbf x_\star^\top\mathbf X^\dagger\mathbf y`, which the band shrinks onto (XᵀX is
invertible here, so the variance tends to 0).

Usage::

    python examples/uncertainty_band.py [-o uncertainty_band.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gdflow.checks.flow_numeric import THREE_POINT  # noqa: E402
from gdflow.checks.gaussian_numeric import prediction_moments  # noqa: E402

X = np.array(THREE_POINT["X"])
Y = np.array(THREE_POINT["y"])
MU0 = np.array(THREE_POINT["w0"])  # 000's worked start is the mean of w0
SIGMA0 = 0.1**2 * np.eye(2)
TIMES = np.array([0.0, 0.5, 2.0, 8.0, 30.0, np.inf])


def band(
    times: np.ndarray = TIMES, grid: np.ndarray | list[float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean and standard deviation of f((x, 1), t) on ``grid`` (rows: times), and the
    least-squares line on the grid."""
    xg = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype=float)
    xs = np.column_stack([xg, np.ones_like(xg)])
    m = prediction_moments(X, Y, xs, times, MU0, SIGMA0, scale="sum")
    ls = xs @ np.linalg.pinv(X) @ Y
    return xg, m.mean, m.std, ls


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", default="uncertainty_band.png", help="PNG file to write")
    args = parser.parse_args(argv)
    xg, mean, sd, ls = band()
    fig = plt.figure(figsize=(15, 7))
    grid = fig.add_gridspec(2, 4, width_ratios=[1, 1, 1, 1.15])
    axes = np.array([[fig.add_subplot(grid[r, c]) for c in range(3)] for r in range(2)])
    for ax in axes.ravel()[1:]:
        ax.sharex(axes[0, 0])
        ax.sharey(axes[0, 0])
    for ax, t, mu, s in zip(axes.ravel(), TIMES, mean, sd, strict=True):
        ax.fill_between(
            xg, mu - 2 * s, mu + 2 * s, color="tab:blue", alpha=0.25, label="mean ± 2 sd"
        )
        ax.plot(xg, mu, color="tab:blue", label="mean prediction")
        ax.plot(
            xg, ls, color="black", ls="--", lw=1, label="least squares $x_\\star^T X^\\dagger y$"
        )
        ax.scatter(X[:, 0], Y, color="tab:red", zorder=3, label="data")
        ax.set_title("t = ∞" if np.isinf(t) else f"t = {t:g}")
        ax.set_ylim(-1.0, 1.0)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(x, t)")
    axes[0, 0].legend(loc="upper left", fontsize=8)
    # the standard deviation over time at a few inputs (log time axis)
    side = fig.add_subplot(grid[:, 3])
    ts = np.logspace(-2, 2, 200)
    for x in (0.0, 0.5, 1.0):
        _, _, s_t, _ = band(ts, [x])
        side.plot(ts, s_t[:, 0], label=f"x = {x:g}")
    side.set_xscale("log")
    side.set_yscale("log")
    side.set_xlabel("t")
    side.set_ylabel("sd of f(x, t)")
    side.set_title("predictive sd over training")
    side.grid(alpha=0.3, which="both")
    side.legend(fontsize=8)
    fig.suptitle(
        "Gradient flow on $\\frac{1}{2}\\|Xw - y\\|^2$ (000's three points), $w_0 \\sim "
        "N((-0.05, -0.4), 0.1^2 I)$:\n"
        "the predictive band shrinks onto the least-squares line"
    )
    fig.tight_layout()
    out = Path(args.output)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    widths = sd.max(axis=1)
    gaps = np.abs(mean - ls[None, :]).max(axis=1)
    for t, wdt, gap in zip(TIMES, widths, gaps, strict=True):
        print(f"t = {t:>5g}: max sd {wdt:.4g}, max |mean - least squares| {gap:.4g}")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
