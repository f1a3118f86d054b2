"""Benchmark (not a test): time to read one answer with ``parse_answer``, plain and LaTeX.

Reads a fixed corpus of plain and LaTeX answers (scalars, matrices, relations, formulas on
data) and prints the best-of-``repeat`` time per answer for each syntax, and the time of the
first LaTeX answer in a fresh process (what a worker that did not inherit a warm parser pays).
It uses the public API only (``Scope``, ``parse_answer``), so it runs on any version.

    python benchmarks/bench_parse.py [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import sympy as sp
from _timing import best_of

from gdflow.checks.grade.parse import DomainAnswerError, ParseError, Scope, parse_answer

PLAIN = [
    "(1-alpha*a)^k",
    "2/5",
    "0.75",
    "[[1, 0], [0, 1]]",
    "[0.75, 2.12]",
    "0 < alpha < 2/3",
    "-pinv(A)*b",
    "(I - alpha*A)*b",
    "sqrt(8) + exp(-k)",
    "x in (0, 2/3]",
]
LATEX = [
    r"$(1-\alpha a)^{k}$",
    r"$\frac{2}{5}$",
    r"$0.75$",
    r"$\begin{bmatrix}1 & 0\\ 0 & 1\end{bmatrix}$",
    r"$\begin{bmatrix}0.75\\ 2.12\end{bmatrix}$",
    r"$0 < \alpha < \frac{2}{3}$",
    r"$-A^\dagger b$",
    r"$(I - \alpha A) b$",
    r"$\sqrt{8} + e^{-k}$",
    r"$x \in \left(0, \frac{2}{3}\right]$",
]


def scope() -> Scope:
    """The names of the corpus."""
    return Scope(
        symbols={
            "alpha": sp.Symbol("alpha", positive=True),
            "a": sp.Symbol("a", positive=True),
            "k": sp.Symbol("k", integer=True, nonnegative=True),
            "x": sp.Symbol("x", real=True),
        },
        matrices={"A": sp.Matrix([[2, 0], [0, 0]]), "b": sp.Matrix([-2, 0])},
        dimension=2,
    )


def read_all(texts: list[str], sc: Scope) -> int:
    """Read every text; the number read (a refusal counts as not read)."""
    n = 0
    for t in texts:
        try:
            parse_answer(t, sc)
            n += 1
        except (ParseError, DomainAnswerError):
            pass
    return n


_FIRST = (
    "import time, sympy as sp; "
    "from gdflow.checks.grade.parse import Scope, parse_answer; "
    "t0 = time.perf_counter(); "
    "parse_answer(r'$\\frac{x}{2}$', Scope(symbols={'x': sp.Symbol('x')})); "
    "print(time.perf_counter() - t0)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sc = scope()
    first = float(
        subprocess.run(
            [sys.executable, "-c", _FIRST], capture_output=True, text=True, check=True
        ).stdout
    )
    print(f"first LaTeX answer in a fresh process: {first * 1e3:.1f} ms")
    for name, texts in (("plain", PLAIN), ("LaTeX", LATEX)):
        read_all(texts, sc)  # warm
        best, n = best_of(args.repeat, lambda texts=texts: read_all(texts, sc))
        print(f"{name:>5}: {n}/{len(texts)} read, {best / len(texts) * 1e3:.2f} ms per answer")


if __name__ == "__main__":
    main()
