"""Benchmark: closed-form gradient-flow evaluator vs ODE integration vs scipy.linalg.expm.

Problem: least squares with N = 1000 data points (rows of X), L = ½‖Xw − y‖² (sum scale),
X = randn(N, D)/√D, and 1000 time points spread over [0, T], T = min(10/λ_min⁺, 200/λ_max).
Measures

- ``gdflow.checks.flow_numeric.linear_flow``: one thin SVD, then r(t), w(t), f(x*, t) at all times;
- ``gdflow.checks.flow_numeric.integrate_flow``: DOP853 on dw/dt = −Xᵀ(Xw − y), rtol 1e-10, with
  ``t_eval`` at the same 1000 times;
- ``scipy.linalg.expm``: r(t) = expm(−K t) r0 per time point (timed once at a few time points
  t > 0 and reported as the mean per point: all 1000 would take minutes).

Every timing except expm's is the minimum over ``--repeat`` runs (the machine this was written on is
shared, and single runs varied by 10x).

Run: ``python benchmarks/bench_flow.py [--D 200 1000] [--expm-points 5] [--repeat 3] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg
from _timing import best_of

from gdflow.checks.flow_numeric import integrate_flow, linear_flow


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--D", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--times", type=int, default=1000)
    ap.add_argument("--expm-points", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for D in args.D:
        run(args.N, D, args.times, args.expm_points, args.seed, args.repeat)


def run(N: int, D: int, n_times: int, expm_points: int, seed: int, repeat: int = 3) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) / np.sqrt(D)
    y, w0 = rng.normal(size=N), rng.normal(size=D)
    print(f"\nN = {N}, D = {D}, {n_times} time points, sum scale")

    t_setup_eigh, fl_eigh = best_of(repeat, lambda: linear_flow(X, y, w0, method="eigh"))
    t_setup, fl = best_of(repeat, lambda: linear_flow(X, y, w0))
    print(
        f"  setup: thin SVD of X {t_setup * 1e3:.0f} ms, eigh of the smaller Gram matrix "
        f"{t_setup_eigh * 1e3:.0f} ms"
    )
    lam_min, lam_max = float(fl.lam.min()), float(fl.lam.max())
    T = min(
        10.0 / lam_min, 200.0 / lam_max
    )  # a long run, but not a stiff eternity when K is near-singular
    ts = np.linspace(0.0, T, n_times)
    print(
        f"  rank K = {fl.rank}, nonzero eigenvalues of K in [{lam_min:.3g}, "
        f"{lam_max:.3g}], t in [0, {T:.3g}]"
    )

    t_r, R = best_of(repeat, lambda: fl.residual(ts))
    t_w, W = best_of(repeat, lambda: fl.parameters(ts))
    xs = rng.normal(size=(10, D))
    t_p, _ = best_of(repeat, lambda: fl.predict(xs, ts))
    W_eigh = fl_eigh.parameters(ts)
    R_eigh = fl_eigh.residual(ts)
    print(
        f"  SVD vs eigh evaluators: rank {fl.rank} vs {fl_eigh.rank}; max relative difference of "
        f"r(t) {np.abs(R - R_eigh).max() / np.abs(R).max():.2e}, "
        f"of w(t) {np.abs(W - W_eigh).max() / np.abs(W).max():.2e}"
    )
    print(
        f"  evaluator: r(t) {t_r * 1e6 / n_times:.1f} us/time point; "
        f"w(t) {t_w * 1e6 / n_times:.1f} us/time point; "
        f"f(x*, t) for 10 points {t_p * 1e6 / n_times:.1f} "
        "us/time point"
    )
    total_eval = t_setup + t_r + t_w
    print(
        f"  evaluator total for r and w at {n_times} times: {total_eval:.3f} s with the SVD, "
        f"{t_setup_eigh + t_r + t_w:.3f} s with eigh; w(t) alone after setup {t_w:.3f} s"
    )

    t_ode, W_ode = best_of(
        max(1, repeat - 1), lambda: integrate_flow(X, y, w0, ts, rtol=1e-10, atol=1e-12)
    )
    err_ode = np.abs(W - W_ode).max() / np.abs(W_ode).max()
    print(
        f"  ODE (DOP853, rtol 1e-10): {t_ode:.3f} s total, {t_ode * 1e3 / n_times:.2f} "
        "ms/time point; "
        f"max relative difference to the evaluator {err_ode:.2e}; ODE time / evaluator "
        "w(t) time after setup "
        f"{t_ode / t_w:.1f}"
    )

    K = X @ X.T
    r0 = X @ w0 - y
    pick = np.linspace(1, n_times - 1, expm_points).astype(int)  # t > 0: expm(0) is trivially fast
    err_expm, per_point = 0.0, []
    for i in pick:
        t0 = time.perf_counter()
        r_expm = scipy.linalg.expm(-K * ts[i]) @ r0
        per_point.append(time.perf_counter() - t0)
        err_expm = max(err_expm, np.abs(r_expm - R[i]).max() / max(1.0, np.abs(r_expm).max()))
    t_expm = float(np.mean(per_point))
    print(
        f"  scipy.linalg.expm: {t_expm * 1e3:.1f} ms/time point (mean over {len(pick)} "
        "points t > 0, "
        f"range {min(per_point) * 1e3:.0f}-{max(per_point) * 1e3:.0f} ms; "
        f"{t_expm * n_times:.0f} s for all {n_times}); max relative difference to the "
        f"evaluator {err_expm:.2e}; "
        f"per-point speed-up {t_expm / (t_r / n_times):.0f}x"
    )


if __name__ == "__main__":
    main()
