"""Benchmark (not a test): grading throughput for a class like issue 14's.

The class: 316 answers to 18 questions (the 12 of ``examples/homework/problem_set.toml`` and 6
more defined here), from 18 students, 45 of the answers hostile (code injection, LaTeX
``\\input``, towers of powers, deep nesting, huge numbers, over-long text). Ordinary answers are
the forms of ``examples/homework/answers.csv`` and this file (plain, LaTeX, right, wrong), so,
as in a real class, many students write the same text. The class is graded with
``grade_class`` (``--jobs 2`` unless told otherwise) and the script prints answers per second
(wall clock, the pool's start included, the spec's loading not), and the median and worst CPU
time per graded answer (the records' ``seconds``, over distinct (question, answer) pairs: the
same text by several students is graded once, see ``runner._distinct``). A canary file checks
that no injected code ran.

    python benchmarks/bench_grade.py [--jobs N] [--repeat N]

Measured with ``PYTHONPATH=src nice python benchmarks/bench_grade.py`` (``--jobs 2``) on the
2-core machine after merging main (the answer forms of i14-forms), while other sessions were
still using it (load average 2.1; earlier runs at load 2.7-5.4 gave 36-95 answers/s):

    spec load (18 questions): 5.3 s
    jobs 2: 316 answers in 2.89 s = 109.4 answers/s; worst answer 0.77 s of CPU
    median answer, graded again alone in this process: 0.54 ms wall clock
    distinct (question, answer) pairs graded: 116 (40.2/s; the others are copies)
    verdicts: correct 143, incorrect 117, invalid 56

(before the pool, with a fork per answer and no sharing of identical texts: 7.5-9.8 answers/s).

Again on main after the last merges of issue 14 (commit 7355268), the machine otherwise idle
(load average 0.45), ``python benchmarks/bench_grade.py``:

    spec load (18 questions): 2.64 s
    jobs 2: 316 answers in 1.25 s = 252.7 answers/s; worst answer 0.50 s of CPU
    median answer, graded again alone in this process: 0.52 ms wall clock
    distinct (question, answer) pairs graded: 116 (92.8/s; the others are copies)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from gdflow.checks.grade.grader import grade_answer
from gdflow.checks.grade.runner import grade_class, read_answers
from gdflow.checks.grade.spec import loads_spec

HOME = Path(__file__).resolve().parents[1] / "examples" / "homework"

EXTRA = """
[[question]]
id = "13"
kind = "gd_step"
objective = "x**2 + 3*y**2"
variables = ["x", "y"]
start = [1, 1]
learning_rate = 0.1
steps = 2
expected = "[0.64, 0.16]"

[[question]]
id = "14"
kind = "fixed_point"
A = [[2, 0, 0], [0, 1, 0], [0, 0, 0]]
b = [-2, 1, 0]
start = [0, 0, 5]
expected = "[1, -1, 5]"

[[question]]
id = "15"
kind = "convergence_condition"
A = [[2, 0], [0, 4]]
expected = "0 < alpha < 1/2"

[[question]]
id = "16"
kind = "step_size_case"
learning_rate = 0.5
curvature = 4
expected = "bounded oscillation"

[[question]]
id = "17"
kind = "closed_form_iterate"
A = [[2, 1], [1, 2]]
b = [-1, 0]
start = [0, 0]
learning_rate = "1/4"
steps = 2
expected = "[3/8, -1/16]"

[[question]]
id = "18"
kind = "gaussian_affine"
mean = [1, 2]
covariance = [[1, 0], [0, 1]]
B = [[1, 1], [0, 2]]
c = [0, 1]
part = "mean"
expected = "[3, 5]"
"""

EXTRA_FORMS = {
    "13": [
        "[0.64, 0.16]",
        "[16/25, 4/25]",
        "[0.8, 0.4]",
        r"$\begin{bmatrix}0.64\\0.16\end{bmatrix}$",
    ],
    "14": ["[1, -1, 5]", "-pinv(A)*b + (I - pinv(A)*A)*w0", "[1, -1, 0]", "-pinv(A)*b"],
    "15": ["0 < alpha < 1/2", r"$0 < \alpha < \frac12$", "0 < alpha < 1", "(0, 1/2)"],
    "16": ["bounded oscillation", "oscillating convergence", "bounded oscillations", "diverges"],
    "17": ["[3/8, -1/16]", "[0.375, -0.0625]", "[1/2, 0]", "[3/8, 1/16]"],
    "18": ["[3, 5]", "B*mu + c", "B*mu", r"$\begin{bmatrix}3\\5\end{bmatrix}$"],
}


def hostile(canary: str) -> list[str]:
    """45 hostile answers: none may run code (the canary file must not appear)."""
    out = []
    for i in range(3):
        out += [
            f"__import__('os').system('touch {canary}{i}')",
            f"$\\input{{/etc/passwd{i}}}$",
            f"open('{canary}{i}', 'w').write('x')",
            f'exec(\'open("{canary}{i}", "w")\')',
            f"().__class__.__bases__[{i}].__subclasses__()",
            f"lambda: {i}",
            f"[x for x in range({i})]",
            "9**9**9**" + str(9 + i),
            f"exp(exp(exp(exp({10 + i}))))",
            "(" * (60 + i) + "x" + ")" * (60 + i),
            "x+" * (1200 + i) + "x",
            "1" * (12000 + i),
            f"factorial({100000 + i})",
            f"$\\def\\x{{{i}}}\\x$",
            f"$\\csname foo{i}\\endcsname$",
        ]
    return out


def build_class(canary: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The spec text (18 questions) and the 316 rows (271 ordinary, 45 hostile)."""
    spec = (HOME / "problem_set.toml").read_text() + EXTRA
    forms: dict[str, list[str]] = {}
    for _, q, a in read_answers(HOME / "answers.csv"):
        if "import" in a or "input" in a or "9**9" in a:
            continue
        forms.setdefault(q, []).append(a)
    forms.update(EXTRA_FORMS)
    ordinary = []
    for n in range(18):
        for q in sorted(forms, key=int):
            ordinary.append((f"s{n:02d}", q, forms[q][(n + int(q)) % len(forms[q])]))
    ordinary = ordinary[:271]
    bad = [(f"s{i % 18:02d}", str(1 + i % 18), text) for i, text in enumerate(hostile(canary))]
    rows = []
    for i, row in enumerate(ordinary):  # the hostile answers spread through the class
        rows.append(row)
        if i % 6 == 5 and bad:
            rows.append(bad.pop())
    return spec, rows + bad


def run(jobs: int, repeat: int) -> dict[str, float]:
    """Grade the class ``repeat`` times with ``jobs`` workers; return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        canary = os.path.join(tmp, "canary")
        text, rows = build_class(canary)
        t0 = time.perf_counter()
        ps = loads_spec(text)
        load = time.perf_counter() - t0
        times: list[float] = []
        wall = 0.0
        verdicts: dict[str, int] = {}
        distinct = len({(q, a) for _, q, a in rows})
        for _ in range(repeat):
            buf = io.StringIO()
            t0 = time.perf_counter()
            grade_class(ps, rows, None, "jsonl", jobs=jobs, stdout=buf, log=io.StringIO())
            wall += time.perf_counter() - t0
            seen = set()
            for line in buf.getvalue().splitlines():
                rec = json.loads(line)
                if (rec["question"], rec["answer"]) not in seen:  # graded, not a copy
                    seen.add((rec["question"], rec["answer"]))
                    times.append(rec["seconds"])
                verdicts[rec["verdict"]] = verdicts.get(rec["verdict"], 0) + 1
        walls = []  # each distinct answer graded once more, in this process, by the wall clock
        for q, a in sorted({(q, a) for _, q, a in rows}):
            if q in ps.questions:
                t0 = time.perf_counter()
                grade_answer(ps.questions[q], a)
                walls.append(time.perf_counter() - t0)
        ran = [f for f in os.listdir(tmp) if f.startswith("canary")]
        if ran:
            raise SystemExit(f"injected code ran: {ran}")
    n = len(rows) * repeat
    return {
        "questions": len(ps.questions),
        "load_s": load,
        "answers": n,
        "wall_s": wall,
        "answers_per_s": n / wall,
        "distinct": distinct,
        "distinct_per_s": distinct * repeat / wall,
        "median_s": statistics.median(times),
        "worst_s": max(times),
        "median_wall_s": statistics.median(walls),
        "verdicts": verdicts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    r = run(args.jobs, args.repeat)
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"spec load ({r['questions']} questions): {r['load_s']:.2f} s")
    print(
        f"jobs {args.jobs}: {r['answers']} answers in {r['wall_s']:.2f} s = "
        f"{r['answers_per_s']:.1f} answers/s; CPU per answer: median {1000 * r['median_s']:.2f} ms"
        f", worst {r['worst_s']:.2f} s"
    )
    print(
        f"median answer, graded again alone in this process: {1000 * r['median_wall_s']:.2f} ms "
        "wall clock (this machine's CPU clock does not resolve sub-millisecond answers: one of "
        "0.7 ms wall can read 0 ms of CPU)"
    )
    print(
        f"distinct (question, answer) pairs graded: {r['distinct']} "
        f"({r['distinct_per_s']:.1f}/s; the others are copies of their verdicts)"
    )
    print("verdicts:", ", ".join(f"{k} {v}" for k, v in sorted(r["verdicts"].items())))


if __name__ == "__main__":
    main()
