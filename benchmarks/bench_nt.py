"""Benchmark: gdflow's function-space flow evaluator against Neural Tangents, side by side.

Both evaluate gradient flow on least squares in one run, float64, on the CPU with one thread,
from the same K = X Xᵀ, y, t-grid and test points.  Neural Tangents'
``nt.predict.gradient_descent_mse(K, y, learning_rate=1)`` trains on the loss
1/(2N)‖f − y‖² for time lr·t, which is gdflow's ``linear_flow(X, y, w0, scale="mean")`` at the
same t (NT takes K and the test kernel k(x*, X) = x* Xᵀ, gdflow takes X and the test points
x*; f0 = X w0 and f*(0) = x*ᵀ w0 on both sides).

Measured (one run of the command below, 2026-11-29; 2-core machine shared with other jobs,
minimum of ``--repeat`` runs; ratio = gdflow / NT, below 1 is faster; NumPy 1.26.4, jax 0.4.23,
Neural Tangents 0.6.5):

- accuracy, max |f - f_exact| / max |f_exact| over the training outputs and 50 test points,
  t in 20 times from 1e-3 to 1e4 (in units of 1/lambda_max) and t = inf; X = Q S with Q the
  Hadamard matrix / 16 (N = 256, exact in float64), so the exact flow is known and is computed
  in mpmath at 40 digits:

  - rank-deficient K (D = 64 < N = 256): gdflow 4.5e-15 at finite t and at t = inf;
    NT 2.7e-13 at finite t, NaN at t = inf;
  - kappa(K) = 1e14 (N = D = 256): gdflow 1.0e-14 (finite t), 1.4e-11 (t = inf);
    NT 2.3e-14 and 1.3e-9 (on this graded Hadamard matrix NT's finite-t error is far below
    the 1.5e-3 the issue measured on another matrix);
  - X and y scaled by 2^-565 = 1.5e-170: gdflow 1.8e-16 (t = 0; no representable finite time
    moves this flow) and 2.3e-15 at t = inf; NT NaN;
  - X and y scaled by 2^532 = 1.4e160 (21 finite, partly subnormal times): gdflow 2.5e-15,
    2.3e-15 at t = inf; NT NaN;

- setup (both given the same K; gdflow also X, which it needs for w(t); the decomposition
  plus the first evaluation at one time, timed to completion):

  - N = 1000: D = 1000: 162 ms vs 157 ms, ratio 1.03 (gdflow eigh+svd); D = 500: ratio 0.32;
  - N = 2000: D = 2000: 1248 ms vs 1164 ms, ratio 1.07; D = 1000: ratio 0.22;

- per time point, 1000 test points and 100 times, training outputs and test predictions,
  one call per time: N = D = 1000 ratio 0.31, N = D = 2000 ratio 0.21; all 100 times in one
  call: 0.55 and 0.53 (the two answers differ by at most 1.3e-15).

Run (Neural Tangents in its own environment, see ``requirements-nt.txt``):
``/tmp/ntvenv/bin/python benchmarks/bench_nt.py [--sizes 1000 2000] [--repeat 3]``.
Without jax and neural-tangents the script says so and exits 0.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = (
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1 "
    + os.environ.get("XLA_FLAGS", "")
)
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ["JAX_ENABLE_X64"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import mpmath  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
from _timing import best_of  # noqa: E402

from gdflow.checks.flow_numeric import linear_flow  # noqa: E402

try:
    import jax  # noqa: E402
    import neural_tangents as nt  # noqa: E402

    jax.config.update("jax_enable_x64", True)
except ImportError as exc:  # pragma: no cover - depends on the environment
    nt = None
    _MISSING = str(exc)


def nt_flow(K: np.ndarray, y: np.ndarray) -> Callable[..., Any]:
    """NT's predictor for the MSE flow on K (learning rate 1, no regulariser)."""
    return nt.predict.gradient_descent_mse(K, y[:, None], learning_rate=1.0, diag_reg=0.0)


def nt_eval(
    fn: Callable[..., Any], t: Any, f0: np.ndarray, fs0: np.ndarray, kst: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """NT's training outputs and test predictions at ``t`` (blocked until computed)."""
    tr, te = fn(t, f0[:, None], fs0[:, None], kst)
    return np.asarray(tr.block_until_ready())[..., 0], np.asarray(te.block_until_ready())[..., 0]


# -- accuracy on problems whose exact flow is known ---------------------------------------------


def exact_flow(
    s: np.ndarray, y: np.ndarray, w0: np.ndarray, xs: np.ndarray, ts: list[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The exact mean-scale flow of X = Q[:, :D] diag(s) (Q the normalised Hadamard matrix,
    exact in float64) in mpmath at 40 digits: training outputs and predictions at each time
    (mpmath numbers or ``inf``)."""
    N, D = y.size, s.size
    H = scipy.linalg.hadamard(N)
    with mpmath.workdps(40):
        Q = mpmath.matrix(H[:, :D].tolist()) / mpmath.sqrt(N)
        X = Q * mpmath.diag([mpmath.mpf(float(v)) for v in s])
        ym = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        wm = mpmath.matrix([mpmath.mpf(float(v)) for v in w0])
        xm = mpmath.matrix(xs.tolist())
        r0 = X * wm - ym
        coef = Q.T * r0
        lam = [mpmath.mpf(float(v)) ** 2 / N for v in s]
        out_train, out_test = [], []
        for t in ts:
            if mpmath.isinf(t):
                g = [mpmath.mpf(0)] * D
                ph = [1 / v for v in lam]
            else:
                g = [mpmath.exp(-v * t) for v in lam]
                ph = [-mpmath.expm1(-v * t) / v if t > 0 else mpmath.mpf(0) for v in lam]
            r = r0 + Q * mpmath.matrix([(g[j] - 1) * coef[j] for j in range(D)])
            w = wm - mpmath.matrix(
                [mpmath.mpf(float(s[j])) / N * ph[j] * coef[j] for j in range(D)]
            )
            out_train.append([float(v) for v in (ym + r)])
            out_test.append([float(v) for v in (xm * w)])
    return np.array(out_train), np.array(out_test)


def accuracy_case(name: str, s: np.ndarray, seed: int, power: int = 0) -> None:
    """X = Q S and y scaled by 2^power (exactly), w0 not: the flow of the scaled problem at
    time t is the unscaled one at 4^power t, so the reference is computed at that time, and the
    times are those of the grid (1e-3 ... 1e4 in units of 1/lambda_max) that stay
    representable in float64 after the rescaling (subnormal ones included: the reference
    takes the float64 time as given), with 0 and inf.  At 2^-565 none is: the flow moves
    only at times beyond 1e308."""
    N = 256
    rng = np.random.default_rng(seed)
    D = s.size
    Q = scipy.linalg.hadamard(N)[:, :D] / 16.0
    X = Q * s[None, :]
    y, w0 = rng.normal(size=N), rng.normal(size=D)
    xs = rng.normal(size=(50, D))
    lam_max = mpmath.mpf(float(s.max())) ** 2 / N
    a2 = mpmath.mpf(2) ** (2 * power)
    grid = [mpmath.mpf(10) ** e / lam_max / a2 for e in np.linspace(-3, 4, 20)]
    ts = [0.0] + [float(v) for v in grid if 0 < float(v) < np.inf] + [float("inf")]
    t_eff = [mpmath.mpf(v) * a2 if np.isfinite(v) else mpmath.inf for v in ts]
    f_ref, fs_ref = exact_flow(s, y, w0, xs, t_eff)
    Xs, ys, xss = np.ldexp(X, power), np.ldexp(y, power), np.ldexp(xs, power)
    fl = linear_flow(Xs, ys, w0, "mean")
    ours = np.hstack([fl.outputs(ts), fl.predict(xss, ts)])
    with np.errstate(all="ignore"):
        K = Xs @ Xs.T
        fn = nt_flow(K, ys)
        theirs = np.hstack(nt_eval(fn, np.array(ts), Xs @ w0, xss @ w0, xss @ Xs.T))
    ref = np.ldexp(np.hstack([f_ref, fs_ref]), power)
    top = np.abs(ref).max()

    def err(a: np.ndarray, rows: slice) -> float:
        if not np.all(np.isfinite(a[rows])):
            return float("nan")
        return float(np.abs(a[rows] - ref[rows]).max() / top)

    fin, inf = slice(0, len(ts) - 1), slice(len(ts) - 1, len(ts))
    print(
        f"  {name} ({len(ts) - 1} finite times): gdflow ({fl.method}) {err(ours, fin):.2g} at "
        f"finite t, {err(ours, inf):.2g} at t = inf; NT {err(theirs, fin):.2g} at finite t, "
        f"{err(theirs, inf):.2g} at t = inf"
    )


def accuracy() -> None:
    print("accuracy: max |f - f_exact| / max |f_exact| (training outputs and 50 test points)")
    rng = np.random.default_rng(1)
    accuracy_case("rank-deficient K, N = 256, D = 64", rng.uniform(4.0, 16.0, 64), 2)
    accuracy_case("kappa(K) = 1e14, N = D = 256", np.logspace(0, 7, 256)[::-1] * 16.0, 3)
    s = rng.uniform(4.0, 16.0, 64)
    accuracy_case("rank-deficient K, X and y scaled by 2^-565 = 1.5e-170", s, 2, -565)
    accuracy_case("rank-deficient K, X and y scaled by 2^532 = 1.4e160", s, 2, 532)


# -- speed ---------------------------------------------------------------------------------------


def speed(N: int, D: int, repeat: int, n_test: int = 1000, n_times: int = 100) -> None:
    rng = np.random.default_rng(N + D)
    X = rng.normal(size=(N, D)) / np.sqrt(D)
    y, w0 = rng.normal(size=N), rng.normal(size=D)
    xs = rng.normal(size=(n_test, D)) / np.sqrt(D)
    K, kst = X @ X.T, xs @ X.T
    f0, fs0 = X @ w0, xs @ w0
    t1 = np.array([1.0])

    def ours_setup() -> Any:
        fl = linear_flow(X, y, w0, "mean", K=K)
        fl.outputs(t1)
        return fl

    def nt_setup() -> Any:
        fn = nt_flow(K, y)
        nt_eval(fn, 1.0, f0, fs0, kst)
        return fn

    nt_setup()  # compile
    t_nt, fn = best_of(repeat, nt_setup)
    t_us, fl = best_of(repeat, ours_setup)
    print(
        f"  N = {N}, D = {D}: setup gdflow ({fl.method}) {t_us * 1e3:.0f} ms, NT {t_nt * 1e3:.0f} "
        f"ms: ratio {t_us / t_nt:.2f}"
    )
    if D != N:
        return
    ts = np.linspace(0.0, 20.0, n_times)

    def ours_loop() -> None:
        for t in ts:
            fl.outputs([t])
            fl.predict(xs, [t])

    def nt_loop() -> None:
        for t in ts:
            nt_eval(fn, float(t), f0, fs0, kst)

    nt_loop()  # compile
    t_nt_l, _ = best_of(repeat, nt_loop)
    t_us_l, _ = best_of(repeat, ours_loop)
    t_nt_v, (ntr, nte) = best_of(repeat, lambda: nt_eval(fn, ts, f0, fs0, kst))
    t_us_v, ours_v = best_of(repeat, lambda: (fl.outputs(ts), fl.predict(xs, ts)))
    diff = max(np.abs(ours_v[0] - ntr).max(), np.abs(ours_v[1] - nte).max())
    print(
        f"    per time point ({n_test} test points, {n_times} times, one call each): gdflow "
        f"{t_us_l / n_times * 1e3:.2f} ms, NT {t_nt_l / n_times * 1e3:.2f} ms: ratio "
        f"{t_us_l / t_nt_l:.2f}; all times in one call: ratio {t_us_v / t_nt_v:.2f} "
        f"(max difference of the two answers {diff:.1e})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args()
    if nt is None:
        print(
            f"bench_nt: skipped: Neural Tangents is not importable here ({_MISSING}); install "
            "benchmarks/requirements-nt.txt into its own environment and run this script there"
        )
        return 0
    print(f"numpy {np.__version__}, jax {jax.__version__}, one thread, float64, CPU")
    if not args.skip_accuracy:
        accuracy()
    print("speed: ratio = gdflow / NT (below 1: gdflow is faster)")
    for N in args.sizes:
        for D in (N, N // 2):
            speed(N, D, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
