"""The ``gdflow grade`` subcommand: ``add_parser(subparsers)`` and ``run(args) -> int``.

::

    gdflow grade SPEC.toml [ANSWERS.csv] [--question ID --answer TEXT]
                 [--format table|json|jsonl] [-o FILE] [--jobs N] [--timeout S] [--memory MB]

With a directory of variant specs in place of SPEC.toml, each row of the class CSV is graded
against the spec of its ``variant`` column (``DIR/variant-NN.toml``).

Exit status: 0 when every answer received a verdict (correct, incorrect, invalid or timeout);
1 when the grader itself failed on some answer (verdict ``error``); 2 for an invalid spec,
an unreadable answers file or a usage error. Spec errors are all listed, each naming the
question and the key, before any answer is graded.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import Any

__all__ = ["add_parser", "run", "main"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``grade`` on an ``argparse`` subparsers object and return its parser."""
    p = subparsers.add_parser(
        "grade",
        help="grade homework answers against a problem spec",
        description="Grade answers against a TOML problem spec: one answer (--question/--answer) "
        "or a class (CSV with columns student,question,answer). Each answer runs in its own "
        "worker process, killed at the timeout.",
        epilog="exit status: 0 when every answer got a verdict (correct, incorrect, invalid, "
        "timeout), 1 when the grader itself failed on an answer (verdict error), 2 on an "
        "invalid spec, an unreadable answers file or a usage error",
    )
    configure(p)
    return p


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``grade`` arguments to ``p``."""
    p.add_argument(
        "spec",
        metavar="SPEC.toml",
        help="problem spec (TOML); or a directory of variant specs (DIR/variant-01.toml, ... as "
        "`gdflow variants -o DIR` writes them): each row of the class CSV is then graded "
        "against the variant in its `variant` column (3, 03 or variant-03)",
    )
    p.add_argument(
        "answers",
        metavar="ANSWERS.csv",
        nargs="?",
        help="class answers (CSV: student,question,answer)",
    )
    p.add_argument("--question", metavar="ID", help="grade one answer to this question id")
    p.add_argument("--answer", metavar="TEXT", help="the answer text (with --question)")
    p.add_argument(
        "--format",
        choices=["table", "json", "jsonl"],
        default=None,
        help="output format (default: table on a terminal, jsonl into -o FILE)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="stream results to FILE; a rerun skips answers already in it",
    )
    p.add_argument(
        "--jobs", metavar="N", type=int, default=1, help="worker processes in parallel (default 1)"
    )
    p.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=None,
        help="seconds per answer (overrides the spec)",
    )
    p.add_argument(
        "--memory",
        metavar="MB",
        type=int,
        default=None,
        help="memory per worker in MB (default: spec, else 1024)",
    )
    p.add_argument(
        "--check-spec", action="store_true", help="only validate the spec and its expected answers"
    )
    p.set_defaults(func=run)
    return p


def _print_one(rec: dict[str, Any]) -> None:
    """One result for a reader (``--format table`` of a single answer): what was read in
    ``sympy.pretty`` notation (its LaTeX when that is not known)."""
    print(f"question {rec['question']}: {rec['verdict']}")
    pretty = rec.get("pretty")
    if pretty and "\n" in pretty:
        print("  read as:")
        for line in pretty.splitlines():
            print(f"    {line}")
    elif pretty or rec.get("interpreted_as"):
        print(f"  read as:  {pretty or rec['interpreted_as']}")
    print(f"  feedback: {rec['feedback']}")
    cx = rec.get("counterexample")
    if cx:
        print(f"  counterexample: {json.dumps(cx, ensure_ascii=False)}")


def run(args: argparse.Namespace) -> int:
    """Run ``gdflow grade`` with parsed ``args``; returns the exit status."""
    from pathlib import Path

    from .runner import (
        AnswersError,
        Writer,
        append_result,
        grade_class,
        grade_readable,
        read_answers,
    )
    from .spec import SpecError, load_spec
    from .verdict import Verdict
    from .worker import Task, run_tasks

    if Path(args.spec).is_dir():
        return _run_variants(args)
    try:
        ps = load_spec(args.spec)
    except SpecError as exc:
        print(f"gdflow grade: the spec has {len(exc.errors)} error(s):", file=sys.stderr)
        for e in exc.errors:
            print(f"  {e}", file=sys.stderr)
        return 2
    if args.timeout is not None:
        if not 0 < args.timeout <= 600:
            print("gdflow grade: --timeout must be in (0, 600]", file=sys.stderr)
            return 2
        for q in ps.questions.values():
            q.timeout = args.timeout
    if args.jobs < 1:
        print("gdflow grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.check_spec:
        print(
            f"{args.spec}: {len(ps.questions)} question(s), references computed, "
            "expected answers agree"
        )
        return 0
    one = args.question is not None or args.answer is not None
    if one and (args.question is None or args.answer is None or args.answers):
        print(
            "gdflow grade: give --question and --answer together, and no answers file",
            file=sys.stderr,
        )
        return 2
    if one:
        if args.question not in ps.questions:
            print(
                f"gdflow grade: no question {args.question!r}; "
                f"the spec has {', '.join(ps.questions)}",
                file=sys.stderr,
            )
            return 2
        from .parse import warm_up

        warm_up()
        question = ps.questions[args.question]
        task = Task(
            "",
            question.id,
            args.answer,
            question.timeout,
            partial(grade_readable, question, args.answer),
            ps.fingerprint,
        )
        (rec,) = list(run_tasks([task], jobs=1, memory_mb=args.memory or ps.memory_mb))
        if args.output:
            try:
                append_result(args.output, args.format or "jsonl", rec)
            except AnswersError as exc:
                print(f"gdflow grade: {exc}", file=sys.stderr)
                return 2
        if (args.format or "table") == "table":
            _print_one(rec)
        else:  # json or jsonl: the one record as a JSON object on one line
            Writer(sys.stdout, "jsonl").write(rec)
        return 1 if rec["verdict"] == Verdict.ERROR else 0
    if not args.answers:
        print("gdflow grade: give an answers CSV, or --question and --answer", file=sys.stderr)
        return 2
    try:
        rows = read_answers(args.answers)
    except AnswersError as exc:
        print(f"gdflow grade: {exc}", file=sys.stderr)
        return 2
    fmt = args.format or ("jsonl" if args.output else "table")
    try:
        counts = grade_class(ps, rows, args.output, fmt, jobs=args.jobs, memory_mb=args.memory)
    except AnswersError as exc:
        print(f"gdflow grade: {exc}", file=sys.stderr)
        return 2
    return 1 if counts.get(Verdict.ERROR) else 0


def _run_variants(args: argparse.Namespace) -> int:
    """``gdflow grade DIR ANSWERS.csv``: each row graded against the spec of its ``variant``
    column, ``DIR/variant-NN.toml`` (as ``gdflow variants -o DIR`` writes them; see
    :func:`~gdflow.checks.grade.runner.variant_file`)."""
    from .runner import AnswersError, VariantSpecs, grade_class, read_answers
    from .verdict import Verdict

    if args.question is not None or args.answer is not None or args.check_spec or not args.answers:
        print(
            f"gdflow grade: {args.spec} is a directory of variant specs: give a class CSV with "
            "a `variant` column (not --question/--answer or --check-spec)",
            file=sys.stderr,
        )
        return 2
    if args.jobs < 1 or (args.timeout is not None and not 0 < args.timeout <= 600):
        print("gdflow grade: --jobs must be at least 1 and --timeout in (0, 600]", file=sys.stderr)
        return 2
    try:
        rows = read_answers(args.answers)
    except AnswersError as exc:
        print(f"gdflow grade: {exc}", file=sys.stderr)
        return 2
    variants = VariantSpecs(args.spec)
    loaded = []
    for name in sorted({r.variant for r in rows if not r.problem}):
        got = variants.get(name)
        if isinstance(got, str):
            print(f"gdflow grade: {got}; its rows are graded invalid", file=sys.stderr)
            continue
        if args.timeout is not None:
            for q in got.questions.values():
                q.timeout = args.timeout
        loaded.append(got)
    if not loaded:
        print(
            f"gdflow grade: no row of {args.answers} names a variant in {args.spec} that loads",
            file=sys.stderr,
        )
        return 2
    fmt = args.format or ("jsonl" if args.output else "table")
    try:
        counts = grade_class(
            loaded[0],
            rows,
            args.output,
            fmt,
            jobs=args.jobs,
            memory_mb=args.memory,
            variants=variants,
        )
    except AnswersError as exc:
        print(f"gdflow grade: {exc}", file=sys.stderr)
        return 2
    return 1 if counts.get(Verdict.ERROR) else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m gdflow.checks.grade``), the same as
    ``gdflow grade``."""
    parser = argparse.ArgumentParser(prog="gdflow grade")
    configure(parser)
    return run(parser.parse_args(argv))
