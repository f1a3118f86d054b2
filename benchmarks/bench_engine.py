"""Benchmark (not a test): the decision engine before and after "Sound verification", in one run.

Run:  python benchmarks/bench_engine.py [--base 6e05ecf] [--skip-redteam]

Measures, on this machine, in one run (so the ratio is fair):

- ``gdflow derive --all`` (verification of the whole catalogue, as a user runs it) on the
  current tree and on the engine at ``--base`` (a git worktree of that commit, run with the same
  interpreter), wall clock of the whole command;
- the red-team suite ``tests/test_redteam.py`` (wall clock of pytest).

Figures of one run on 2026-11-29 (2-core machine, other work light; the base is the commit
before issue 8's work), `python benchmarks/bench_engine.py`:

    derive --all at 6e05ecf             17.1 s   25/25 "verified" (sizes 1-4, 10 instances)
    derive --all, this tree             51.3 s   25/25 verified; 198 steps: 76 proved,
                                                  82 checked, 0 evidence, 40 stated
    red-team suite (pytest)             82.2 s   342 tests (172 claims and their witnesses)
    ratio this tree / base               2.99

The target of issue 8 is under 60 s for derive --all.

Issue 9 (formulas as data adds the steps that prove each per-eigenvalue form), one run on
2026-11-29, `python benchmarks/bench_engine.py --base a649fd0` (a649fd0 is the end of issue 8):

    derive --all at a649fd0             54.0 s   25/25 verified; 198 steps: 76 proved, 82 checked
    derive --all, this tree             62.2 s   25/25 verified; 215 steps: 88 proved, 88 checked
    red-team suite (pytest)             82.3 s
    ratio this tree / base               1.15
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    took = time.perf_counter() - start
    tail = (out.stderr.strip().splitlines() or [""])[-1]
    if out.returncode not in (0, 1):
        tail = f"exit {out.returncode}: {tail}"
    return took, tail


def _derive_all(tree: Path) -> tuple[float, str]:
    """``gdflow derive --all`` of the code in ``tree``: the package under ``src/gdflow`` (issue 9
    on), or the top-level ``checks``/``derive`` folders of older commits."""
    if (tree / "src" / "gdflow").is_dir():
        path, module = tree / "src", "gdflow.cli"
    else:
        path, module = tree, "checks.cli"
    env = dict(os.environ, PYTHONPATH=str(path))
    code = (
        f"import sys; from {module} import main; "
        "sys.exit(main(['derive', '--all', '-o', sys.argv[1]]))"
    )
    with tempfile.TemporaryDirectory() as tmp:
        return _timed([sys.executable, "-c", code, str(Path(tmp) / "all.txt")], tree, env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base",
        default="6e05ecf",
        help="the commit whose engine is the reference (default: before the issue)",
    )
    parser.add_argument("--skip-redteam", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            took, tail = _derive_all(base)
            rows.append((f"derive --all at {args.base}", took, tail))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)],
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
    took, tail = _derive_all(ROOT)
    rows.append(("derive --all, this tree", took, tail))
    if not args.skip_redteam:
        took, _ = _timed(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/test_redteam.py",
            ],
            ROOT,
        )
        rows.append(("red-team suite (pytest)", took, ""))
    for name, took, tail in rows:
        print(f"{name:<32} {took:7.1f} s   {tail[:160]}")
    if len(rows) >= 2:
        print(f"{'ratio this tree / base':<32} {rows[1][1] / rows[0][1]:7.2f}")


if __name__ == "__main__":
    main()
