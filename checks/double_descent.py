"""Double descent, simulated: 001 §4 and its Fig 4, against the exact risk.

The experiment of 001 §4 as written: inputs :math:`\\mathbf x \\sim \\mathcal N(0, \\mathbf I_D)`
(D = 50), true weights :math:`\\mathbf w \\sim \\mathcal N(0, \\tau^2\\mathbf I)` (τ² = 0.1),
noisy targets :math:`\\hat t = \\mathbf w^\\top\\mathbf x + \\varepsilon`,
:math:`\\varepsilon \\sim \\mathcal N(0, \\sigma^2)` (σ² = 1); for N = 1…200 training rows the
minimum-norm fit :math:`\\mathbf X^\\dagger\\hat{\\mathbf t}` (001 eq 16) and the ridge fit
:math:`(\\mathbf X^\\top\\mathbf X + \\lambda\\mathbf I)^{-1}\\mathbf X^\\top\\hat{\\mathbf t}`
in the sum scale the source's Fig 4 uses (λ = 1; in 001's mean scale that is λ/N).  Test error: the
mean squared error against fresh noisy targets on ``test_points`` (≥ 1000) fresh inputs per
trial; train error: the mean squared error on the training rows.

Both fits come from one batched SVD :math:`\\mathbf X = \\mathbf U\\mathbf S\\mathbf V^\\top` per
trial: along a singular value s > 0 the min-norm fit has coordinate :math:`u^\\top\\hat t/s`, the
ridge fit :math:`s\\,u^\\top\\hat t/(s^2 + \\lambda)`.  The exact expected test error is
:func:`min_norm_risk`, lambdified from the formula ``double_descent.min_norm_risk`` proves.

Public API: :func:`min_norm_risk`, :func:`simulate`, :func:`rows_json`, :func:`plot`,
:func:`add_parser` (the ``gdflow experiment double-descent`` command).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "min_norm_risk",
    "simulate",
    "rows_json",
    "plot",
    "add_parser",
    "MAX_TRIALS",
    "MAX_D",
    "MAX_N",
]

MAX_TRIALS = 10_000
"""The largest ``--trials`` the command accepts."""
MAX_D = 500
"""The largest ``--D`` (input dimension) the command accepts."""
MAX_N = 1000
"""The largest ``--n-max`` the command accepts."""
TEST_POINTS = 1000
"""Fresh test inputs per trial (001 §4 does not say; at least 1000 here)."""
_CHUNK_ELEMENTS = 4_000_000
"""Trials are processed in chunks of at most this many test-input entries (memory bound)."""


@lru_cache(maxsize=1)
def _risk_function() -> Callable[..., Any]:
    import sympy as sp

    from gdflow.derive.catalogue import formula

    f = formula("double_descent.min_norm_risk", "risk")
    return sp.lambdify(f.params, f.expr, modules="numpy")  # type: ignore[no-any-return]


def min_norm_risk(N: Any, D: int, sigma2: float = 1.0, tau2: float = 0.1) -> Any:
    """The exact expected test error of the min-norm fit (001 §4;
    ``double_descent.min_norm_risk``), as floats, vectorised over ``N``:

    .. math:: \\sigma^2\\Bigl(1 + \\frac{D}{N - D - 1}\\Bigr)\\ (N \\ge D + 2),\\quad
       \\sigma^2 + \\tau^2(D - N) + \\frac{\\sigma^2 N}{D - N - 1}\\ (N \\le D - 2),\\quad
       \\infty\\ (|N - D| \\le 1).

    Lambdified from the derivation's :class:`~gdflow.derive.derivation.Formula` (not re-typed).
    ``sigma2`` = σ² > 0, ``tau2`` = τ² > 0; ``inf`` where the risk is infinite.

    >>> float(min_norm_risk(100, 50))
    2.020408163265306
    >>> min_norm_risk(np.array([49, 50, 51, 52]), 50).tolist()
    [inf, inf, inf, 51.0]
    """
    if not (sigma2 > 0 and tau2 > 0):
        raise ValueError(f"sigma2 and tau2 must be > 0; got sigma2 = {sigma2}, tau2 = {tau2}")
    n = np.asarray(N, dtype=float)
    if np.any(n < 1) or np.any(n != np.round(n)) or not (D >= 1 and D == int(D)):
        raise ValueError(f"N and D must be positive integers; got N = {N!r}, D = {D!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(_risk_function()(n, float(D), math.sqrt(sigma2), math.sqrt(tau2)))
    return out.astype(float) if out.shape else float(out)


def _fits(X: np.ndarray, t: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched min-norm and ridge fits and the smallest nonzero singular value of each X.

    ``X``: (T, N, D), ``t``: (T, N).  Returns ``(w_min_norm, w_ridge, s_min)`` with shapes
    (T, D), (T, D), (T,): :math:`\\mathbf X^\\dagger t` and :math:`(\\mathbf X^\\top\\mathbf X +
    \\lambda\\mathbf I)^{-1}\\mathbf X^\\top t`, from the eigendecomposition of the smaller Gram
    matrix (:math:`\\mathbf X^\\top\\mathbf X = V\\Lambda V^\\top` when N ≥ D, else
    :math:`\\mathbf X\\mathbf X^\\top = U\\Lambda U^\\top` and the push-through form
    :math:`\\mathbf X^\\top U(\\Lambda + \\lambda)^{-1}U^\\top t`); the eigenvalues are the
    squared singular values, and those at most :math:`\\max(N, D)\\,\\epsilon\\,\\lambda_{\\max}`
    count as zero (001 eq 16, §2.4)."""
    _, N, D = X.shape
    Xt = X.transpose(0, 2, 1)
    if N >= D:
        ev, V = np.linalg.eigh(np.matmul(Xt, X))
        c = np.einsum("tdk,td->tk", V, np.einsum("tnd,tn->td", X, t))
        back = V
    else:
        ev, U = np.linalg.eigh(np.matmul(X, Xt))
        c = np.einsum("tnk,tn->tk", U, t)
        back = np.matmul(Xt, U)
    nonzero = ev > max(N, D) * np.finfo(float).eps * ev[:, -1:]
    safe = np.where(nonzero, ev, 1.0)
    w_mn = np.einsum("tdk,tk->td", back, np.where(nonzero, c / safe, 0.0))
    w_ridge = np.einsum("tdk,tk->td", back, np.where(nonzero, c / (safe + lam), 0.0))
    s_min = np.sqrt(np.where(nonzero, ev, np.inf).min(axis=1))
    return w_mn, w_ridge, s_min


def simulate(
    D: int = 50,
    Ns: Sequence[int] | None = None,
    trials: int = 200,
    seed: int = 0,
    sigma2: float = 1.0,
    tau2: float = 0.1,
    ridge: float = 1.0,
    test_points: int = TEST_POINTS,
    progress: Callable[[int, int, float], None] | None = None,
) -> list[dict[str, Any]]:
    """001 §4's experiment (Fig 4): per N, ``trials`` independent draws of w, X, the noise and
    ``test_points`` fresh test inputs; the min-norm fit :math:`\\mathbf X^\\dagger\\hat t` and the
    ridge fit :math:`(\\mathbf X^\\top\\mathbf X + \\lambda\\mathbf I)^{-1}\\mathbf X^\\top\\hat t`
    (sum scale, ``ridge`` = λ).

    Returns one dict per N with ``N``, ``test_error_mean``, ``test_error_median``,
    ``train_error_mean``, ``ridge_test_error_mean``, ``ridge_train_error_mean``,
    ``min_singular_value_median`` and ``theory_test_error`` (:func:`min_norm_risk`; ``inf``
    where infinite).  Errors are mean squared errors against noisy targets.  ``Ns`` defaults
    to 1…200.  Each trial slot's test inputs are drawn once and reused for every N (they are
    independent of every training set and of w; targets and their noise are drawn anew), so
    each N's estimates are unbiased while the work stays small.  Seeded
    (``numpy.random.default_rng(seed)``): the same arguments give the same rows.
    ``progress(i, total, seconds)`` is called after every N.
    """
    Ns = list(range(1, 201)) if Ns is None else [int(n) for n in Ns]
    if not Ns or min(Ns) < 1:
        raise ValueError(f"Ns must be positive integers; got {Ns!r}")
    if D < 1 or trials < 1 or test_points < 1:
        raise ValueError(
            f"D, trials and test_points must be >= 1; got {D}, {trials}, {test_points}"
        )
    if not (ridge > 0 and sigma2 > 0 and tau2 > 0):
        raise ValueError(f"ridge, sigma2 and tau2 must be > 0; got {ridge}, {sigma2}, {tau2}")
    rng = np.random.default_rng(seed)
    sigma, tau = math.sqrt(sigma2), math.sqrt(tau2)
    theory = np.atleast_1d(min_norm_risk(np.array(Ns), D, sigma2, tau2))
    chunk = max(1, _CHUNK_ELEMENTS // (max(test_points, max(Ns)) * D))
    with _one_blas_thread():
        return _run(D, Ns, trials, rng, sigma, tau, ridge, test_points, theory, chunk, progress)


def _one_blas_thread() -> AbstractContextManager[Any]:
    """One BLAS/LAPACK thread while simulating: the work is many small batched
    eigendecompositions, where OpenBLAS's threads cost more than they give (6x slower on a
    loaded 2-core machine).  Uses threadpoolctl when it is installed, else changes nothing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")  # type: ignore[no-any-return]


def _run(
    D: int,
    Ns: list[int],
    trials: int,
    rng: np.random.Generator,
    sigma: float,
    tau: float,
    ridge: float,
    test_points: int,
    theory: np.ndarray,
    chunk: int,
    progress: Callable[[int, int, float], None] | None,
) -> list[dict[str, Any]]:
    rows = []
    start = time.perf_counter()
    # the test inputs of trial slot j (fresh: independent of every training set and w) are
    # drawn once and reused for every N and chunk; w, X, the training noise and the test
    # noise are drawn anew for every trial, so each N's estimates are unbiased
    Xs = rng.standard_normal((min(chunk, trials), test_points, D))
    for i, N in enumerate(Ns):
        test: list[np.ndarray] = []
        train: list[np.ndarray] = []
        r_test: list[np.ndarray] = []
        r_train: list[np.ndarray] = []
        s_min: list[np.ndarray] = []
        for lo in range(0, trials, chunk):
            T = min(chunk, trials - lo)
            w = tau * rng.standard_normal((T, D))
            X = rng.standard_normal((T, N, D))
            t = np.einsum("tnd,td->tn", X, w) + sigma * rng.standard_normal((T, N))
            w_mn, w_r, s = _fits(X, t, ridge)
            Xt = Xs[:T]
            ts = np.matmul(Xt, w[:, :, None])[:, :, 0]
            ts += sigma * rng.standard_normal((T, test_points))
            for fit, te, tr in ((w_mn, test, train), (w_r, r_test, r_train)):
                pred = np.matmul(Xt, fit[:, :, None])[:, :, 0]
                te.append(np.mean((pred - ts) ** 2, axis=1))
                tr.append(np.mean((np.einsum("tnd,td->tn", X, fit) - t) ** 2, axis=1))
            s_min.append(s)
        te_all = np.concatenate(test)
        rows.append(
            {
                "N": N,
                "test_error_mean": float(te_all.mean()),
                "test_error_median": float(np.median(te_all)),
                "train_error_mean": float(np.concatenate(train).mean()),
                "ridge_test_error_mean": float(np.concatenate(r_test).mean()),
                "ridge_train_error_mean": float(np.concatenate(r_train).mean()),
                "min_singular_value_median": float(np.median(np.concatenate(s_min))),
                "theory_test_error": float(theory[i]),
            }
        )
        if progress is not None:
            progress(i + 1, len(Ns), time.perf_counter() - start)
    return rows


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def rows_json(D: int, trials: int, rows: Sequence[dict[str, Any]], **extra: Any) -> str:
    """The experiment as JSON: ``{"D", "trials", ..., "rows": [...]}``; a value that is not
    finite (the exact risk at |N − D| ≤ 1) is ``null``, so the output never holds NaN or
    Infinity (``allow_nan=False``)."""
    clean = [{k: _finite_or_none(v) for k, v in row.items()} for row in rows]
    return json.dumps({"D": D, "trials": trials, **extra, "rows": clean}, allow_nan=False)


def plot(
    rows: Sequence[dict[str, Any]], D: int, trials: int, path: str, ridge: float = 1.0
) -> None:
    """001 Fig 4 regenerated to ``path`` (PNG, matplotlib Agg): (a) train and test error
    against N on a log scale, the min-norm fit solid, ridge (λ = ``ridge``, sum scale) dotted,
    the exact risk of ``double_descent.min_norm_risk`` overlaid, the interpolation threshold
    N = D dashed; (b) the median smallest nonzero singular value of X against N."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    N = np.array([r["N"] for r in rows])

    def col(key: str) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=float)

    def positive(v: np.ndarray) -> np.ndarray:
        # a log axis cannot show 0 (the interpolating train error below N = D)
        return np.where(v > 1e-12, v, np.nan)

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.6))
    ax.plot(N, positive(col("test_error_mean")), "-", color="C0", label="test, min-norm (mean)")
    ax.plot(
        N,
        positive(col("train_error_mean")),
        "-",
        color="C1",
        label="train, min-norm (0 below N = D: off the log axis)",
    )
    ax.plot(
        N, col("ridge_test_error_mean"), ":", color="C0", lw=2, label=f"test, ridge λ={ridge:g}"
    )
    ax.plot(
        N, col("ridge_train_error_mean"), ":", color="C1", lw=2, label=f"train, ridge λ={ridge:g}"
    )
    theory = col("theory_test_error")
    ax.plot(
        N,
        np.where(np.isfinite(theory), theory, np.nan),
        "-.",
        color="k",
        lw=1,
        label="exact risk (double_descent.min_norm_risk)",
    )
    ax.axvline(D, ls="--", color="grey", label=f"N = D = {D}")
    ax.set_yscale("log")
    ax.set_xlabel("N (training examples)")
    ax.set_ylabel("mean squared error")
    ax.set_title("(a) train and test error")
    ax.legend(fontsize=8)
    bx.plot(N, col("min_singular_value_median"), "-", color="C2", label="median over trials")
    bx.axvline(D, ls="--", color="grey", label=f"N = D = {D}")
    bx.set_xlabel("N (training examples)")
    bx.set_ylabel("smallest nonzero singular value of X")
    bx.set_title("(b) minimum nonzero singular value")
    bx.legend(fontsize=8)
    fig.text(
        0.5,
        0.01,
        f"001 Fig 4 (Chapter 1 §4, double descent), regenerated: D = {D}, τ² = 0.1, σ² = 1, "
        f"{trials} trials per N, {TEST_POINTS} test points per trial; min-norm solid, "
        f"ridge dotted, N = D dashed",
        ha="center",
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


FIGURE_TRIALS = 200
"""Trials per N for the figure ``gdflow figures`` draws (001 Fig 4)."""


def figure(path: str | Path, trials: int = FIGURE_TRIALS, seed: int = 0) -> Path:
    """001 Fig 4 as ``gdflow figures`` writes it: :func:`simulate` at the seed's settings (D =
    50, N = 1…200, τ² = 0.1, σ² = 1, ridge λ = 1) with ``trials`` trials per N, drawn by
    :func:`plot` to ``path``."""
    rows = simulate(D=50, Ns=range(1, 201), trials=trials, seed=seed)
    plot(rows, 50, trials, str(path))
    return Path(path)


def _bounded(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number; got {text!r}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be in {low}..{high}; got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0; got {text!r}")
    return value


def add_parser(experiments: Any) -> None:
    """Add ``double-descent`` to the ``gdflow experiment`` subcommands (001 §4, Fig 4)."""
    p = experiments.add_parser(
        "double-descent",
        help="001 §4: test error of the min-norm fit against N, with the exact risk",
        description="001 §4 as written: D = 50 inputs x ~ N(0, I), w ~ N(0, 0.1 I), noisy "
        "targets t ~ N(w^T x, 1); for N = 1..200 the min-norm fit X^+ t and the ridge fit "
        "(X^T X + lambda I)^-1 X^T t (sum scale, lambda = 1), test error on 1000 fresh points "
        "per trial, next to the exact risk double_descent.min_norm_risk proves. Progress goes "
        "to stderr.",
    )
    p.add_argument("--D", type=_bounded("--D", 1, MAX_D), default=50, help="input dimension")
    p.add_argument(
        "--trials",
        type=_bounded("--trials", 1, MAX_TRIALS),
        default=200,
        help=f"trials per N (default 200, at most {MAX_TRIALS})",
    )
    p.add_argument(
        "--n-max", type=_bounded("--n-max", 1, MAX_N), default=200, help="N runs 1..n-max"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--ridge", type=_positive_float, default=1.0, help="ridge lambda, sum scale (default 1)"
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("-o", "--output", metavar="FIG.png", help="write 001 Fig 4 (a), (b) here")
    p.set_defaults(func=cmd_double_descent)


def _progress(i: int, total: int, seconds: float) -> None:
    if i % 10 == 0 or i == total:
        print(f"double-descent: N {i}/{total} ({seconds:.1f} s)", file=sys.stderr, flush=True)


def cmd_double_descent(args: argparse.Namespace) -> int:
    """``gdflow experiment double-descent``: run :func:`simulate`, print a table or JSON, and
    with ``-o`` draw 001 Fig 4 (:func:`plot`).  Exit 0."""
    rows = simulate(
        D=args.D,
        Ns=range(1, args.n_max + 1),
        trials=args.trials,
        seed=args.seed,
        ridge=args.ridge,
        progress=_progress,
    )
    if args.output:
        plot(rows, args.D, args.trials, args.output, ridge=args.ridge)
        print(f"double-descent: wrote {args.output}", file=sys.stderr)
    if args.format == "json":
        print(rows_json(args.D, args.trials, rows))
        return 0
    head = (
        "N",
        "test mean",
        "test median",
        "train",
        "ridge test",
        "ridge train",
        "s_min",
        "exact risk",
    )
    print("  ".join(f"{h:>11}" for h in head))
    for r in rows:
        theory = r["theory_test_error"]
        cells = [
            f"{r['N']:>11d}",
            *(
                f"{r[k]:>11.4g}"
                for k in (
                    "test_error_mean",
                    "test_error_median",
                    "train_error_mean",
                    "ridge_test_error_mean",
                    "ridge_train_error_mean",
                    "min_singular_value_median",
                )
            ),
            f"{theory:>11.4g}" if math.isfinite(theory) else f"{'inf':>11}",
        ]
        print("  ".join(cells))
    return 0
