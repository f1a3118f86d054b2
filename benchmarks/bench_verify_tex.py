"""Benchmark (not a test): ``gdflow verify`` on 50 relations, the issue's bound being 30 s.

Run:  python benchmarks/bench_verify_tex.py [--repeat 1]

The 50 relations: the relations of examples/verify/ except the residual ODE (gd_error,
gd_closed_form, pseudoinverse, ridge: 17 relations, 4 of them wrong) and 33 generated steps of
the kinds derivations write (transposes and inverses of products, error recursions with their
sign, matrix powers, traces and norms, the ridge gradient), 1 in 3 wrong.  Every relation is
decided (verified or rejected); the figure is the wall-clock time of ``verify_chain`` over all
of them in one process (parse + engine), minimum over the repeats.

Measured on the 2-core machine shared with other jobs (2026-11-30, default ``--timeout``, a
fresh process, ``--repeat 1``): 50 relations in 2.8 s at load 2.6 and 5.6 s at a heavier load
(0.06-0.11 s per relation; 35 verified, 15 rejected, 0 unverified): well inside the issue's
30 s.  (000's residual ODE, left out here, takes about 17 s for its 4 relations: its
simplification of e^{-tK/N} with a symbolic N is the slow part.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _timing import best_of

from gdflow.checks.verify_tex import verify_chain

ROOT = Path(__file__).resolve().parent.parent / "examples" / "verify"
FILES = ["gd_error.tex", "gd_closed_form.tex", "pseudoinverse.tex", "ridge.md"]

DECLS = [
    "matrix A n n psd",
    "matrix B n n invertible",
    "matrix C n n invertible",
    "matrix P m n",
    "vector x n",
    "vector y m",
    "scalar \\alpha positive",
    "scalar \\beta real",
    "integer k nonnegative",
]


def generated() -> str:
    """33 steps in 11 blocks of three (the third of each wrong), with fresh scalars."""
    rows = []
    for i in range(11):
        c = f"{i + 2}"
        rows += [
            "(P x)^\\top y &= x^\\top P^\\top y",
            f"{c}\\beta (B C)^{{-1}} &= {c}\\beta C^{{-1}} B^{{-1}}",
            (
                f"(I - {c}\\alpha A)^{{2}} x &= x - {2 * int(c)}\\alpha A x"
                f" + {int(c) ** 2}\\alpha^2 A^2 x"
            )
            if i % 2
            else (
                f"\\operatorname{{tr}}({c} A B) + \\|x\\|^2"
                f" &= {c}\\operatorname{{tr}}(B A) + x^\\top x"
            ),
        ]
        rows[-3 + (i % 3)] = rows[-3 + (i % 3)].replace("&= ", "&= -", 1)  # the wrong one
    return "\\begin{align}\n" + " \\\\\n".join(rows) + "\n\\end{align}\n"


def run() -> list:
    out = []
    for name in FILES:
        path = ROOT / name
        out += verify_chain(path.read_text(), markdown=path.suffix == ".md")
    out += verify_chain(generated(), DECLS)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    seconds, records = best_of(args.repeat, run)
    steps = [r for r in records if r.relation is not None]
    verdicts = {
        v: sum(r.verdict == v for r in steps) for v in ("verified", "rejected", "unverified")
    }
    print(
        f"{len(steps)} relations in {seconds:.1f} s ({seconds / len(steps):.2f} s per relation; "
        f"{verdicts['verified']} verified, {verdicts['rejected']} rejected, "
        f"{verdicts['unverified']} unverified)"
    )


if __name__ == "__main__":
    main()
