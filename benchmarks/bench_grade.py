"""Benchmark (not a test): grading throughput for the example class.

Grades ``examples/homework/answers.csv`` against ``examples/homework/problem_set.toml`` with
``--jobs 1`` and ``--jobs 2`` and prints answers per second, and the median and worst wall time
per answer (each answer's time includes forking its worker process).

    python benchmarks/bench_grade.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from pathlib import Path

from gdflow.checks.grade.runner import grade_class, read_answers
from gdflow.checks.grade.spec import load_spec

HOME = Path(__file__).resolve().parents[1] / "examples" / "homework"


def run(jobs: int, repeat: int) -> dict[str, float]:
    """Grade the example class ``repeat`` times with ``jobs`` workers; return the figures."""
    ps = load_spec(HOME / "problem_set.toml")
    rows = read_answers(HOME / "answers.csv")
    times: list[float] = []
    wall = 0.0
    for _ in range(repeat):
        buf = io.StringIO()
        t0 = time.perf_counter()
        grade_class(ps, rows, None, "jsonl", jobs=jobs, stdout=buf, log=io.StringIO())
        wall += time.perf_counter() - t0
        times += [json.loads(line)["seconds"] for line in buf.getvalue().splitlines()]
    n = len(rows) * repeat
    return {
        "answers": n,
        "wall_s": wall,
        "answers_per_s": n / wall,
        "median_s": statistics.median(times),
        "worst_s": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    t0 = time.perf_counter()
    load_spec(HOME / "problem_set.toml")
    print(f"spec load (references + expected checks): {time.perf_counter() - t0:.2f} s")
    print(f"cpus: {os.cpu_count()}")
    print(
        f"{'jobs':>4} {'answers':>7} {'wall s':>7} {'answers/s':>9} {'median s':>9} {'worst s':>8}"
    )
    for jobs in (1, 2):
        r = run(jobs, args.repeat)
        print(
            f"{jobs:>4} {r['answers']:>7} {r['wall_s']:>7.2f} {r['answers_per_s']:>9.2f} "
            f"{r['median_s']:>9.3f} {r['worst_s']:>8.3f}"
        )


if __name__ == "__main__":
    main()
