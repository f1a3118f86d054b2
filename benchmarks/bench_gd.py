r"""Benchmark: the closed-form GD evaluator against plain iteration, and property-check throughput.

Run:  python benchmarks/bench_gd.py [--dim 500] [--kmax 100000] [--examples 100] [--repeat 3]

1. Closed form vs iteration (001 eq 13).  J(w) = ½wᵀAw + bᵀw (½ scale), D = 500,
   A = Q diag(ã) Qᵀ with ã evenly spaced in [0.1, 1] (κ = 10, well conditioned), b = −A w⋆
   (in range(A)), random w⁽⁰⁾, α = 1.5 (α·ã ∈ [0.15, 1.5]: monotone, one-step and oscillating
   directions).  Iterates are requested at 51 k's, 0 and log-spaced from 1 to k_max = 10⁵.

   - iteration: ``gdflow.checks.simulate.gd_trajectory`` (k_max matrix-vector products);
   - closed form: ``gdflow.checks.numeric.gd_iterates`` (validation, one ``numpy.linalg.eigh``, the
     lambdified ``gd.coordinate_recurrence`` formula on the 51 × 500 grid, back-rotation);
   - agreement: max over the requested k of ‖w_closed(k) − w_iter(k)‖₂ / ‖w_iter(k)‖₂
     (relative 2-norm error per iterate; target ≤ 1e-10).

   Both timings are the best of ``--repeat`` runs, wall clock.  BLAS runs single-threaded
   (``OPENBLAS_NUM_THREADS=1`` etc., set before numpy is imported; override with ``--threads``)
   so that both sides use one core: on a shared 2-core machine multithreaded BLAS makes eigh
   vary by 50× from run to run.

2. Hypothesis examples per second for every registered property (``run_checks`` with
   ``--examples`` examples, seed 0): examples / wall-clock seconds, including strategy
   generation and the mpmath reference runs.
"""

from __future__ import annotations

import argparse
import os


def _thread_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    return parser


# the BLAS thread count must be in the environment before numpy is imported
_threads = _thread_parser().parse_known_args()[0].threads
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import numpy as np  # noqa: E402  (after the thread settings)
from _timing import best_of  # noqa: E402

from gdflow.checks.numeric import gd_iterates  # noqa: E402
from gdflow.checks.properties import run_checks  # noqa: E402
from gdflow.checks.simulate import gd_trajectory  # noqa: E402


def closed_form_vs_iteration(dim: int, kmax: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    ev = np.linspace(0.1, 1.0, dim)
    A = Q @ np.diag(ev) @ Q.T
    A = (A + A.T) / 2
    w_star = rng.standard_normal(dim)
    b = -A @ w_star
    w0 = rng.standard_normal(dim)
    alpha = 1.5
    ks = sorted({0, *np.unique(np.round(np.logspace(0, np.log10(kmax), 50)).astype(int)).tolist()})
    gd_iterates(A, b, w0, alpha, [1])  # warm up BLAS threads and the lambdified formula
    t_iter, traj = best_of(repeat, lambda: gd_trajectory(A, b, w0, alpha, ks))
    t_closed, it = best_of(repeat, lambda: gd_iterates(A, b, w0, alpha, ks))
    rel = np.linalg.norm(it.w - traj.w, axis=1) / np.linalg.norm(traj.w, axis=1)
    return {
        "dim": dim,
        "kmax": kmax,
        "ks": len(ks),
        "iteration_s": t_iter,
        "closed_form_s": t_closed,
        "speedup": t_iter / t_closed,
        "max_relative_error": float(rel.max()),
        "relative_error_at_kmax": float(rel[-1]),
        "cases": {c: it.cases.count(c) for c in sorted(set(it.cases))},
    }


def property_throughput(examples: int) -> list[tuple[str, float, int, bool]]:
    out = []
    for result in run_checks(None, examples=examples, seed=0):
        out.append(
            (
                result.name,
                result.examples / result.seconds if result.seconds else float("inf"),
                result.examples,
                result.passed,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], parents=[_thread_parser()]
    )
    parser.add_argument("--dim", type=int, default=500)
    parser.add_argument("--kmax", type=int, default=100_000)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-properties", action="store_true")
    args = parser.parse_args()

    r = closed_form_vs_iteration(args.dim, args.kmax, args.repeat)
    print(
        f"closed form vs iteration: D = {r['dim']}, k up to {r['kmax']}, {r['ks']} k's requested, "
        f"BLAS threads = {os.environ['OPENBLAS_NUM_THREADS']}"
    )
    print(f"  eigendirection cases: {r['cases']}")
    print(f"  iteration   {r['iteration_s']:9.4f} s")
    print(f"  closed form {r['closed_form_s']:9.4f} s")
    print(f"  speed-up    {r['speedup']:9.1f} x   (target >= 100 x)")
    print(
        f"  agreement   max_k |w_closed - w_iter| / |w_iter| = {r['max_relative_error']:.2e}"
        f"   (at k = {r['kmax']}: {r['relative_error_at_kmax']:.2e}; target <= 1e-10)"
    )
    if not args.skip_properties:
        print(f"\nhypothesis examples per second ({args.examples} examples each, seed 0):")
        for name, rate, n, passed in property_throughput(args.examples):
            print(f"  {name:<38} {rate:8.1f} /s   ({n} examples, {'pass' if passed else 'FAIL'})")


if __name__ == "__main__":
    main()
