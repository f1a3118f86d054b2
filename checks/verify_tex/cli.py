"""The ``gdflow verify`` subcommand: ``add_parser(subparsers)`` and ``run(args) -> int``.

::

    gdflow verify FILE.tex|FILE.md [--format text|json] [--seed S] [--timeout SECONDS]
                  [--memory MB]

Exit status: 0 when every relation of the file is verified, 1 when any is rejected or
unverified (or a declaration is wrong, or a command is refused), 2 for a usage error or a file
that cannot be read.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``verify`` on an ``argparse`` subparsers object and return its parser."""
    from .chain import DEFAULT_TIMEOUT

    p = subparsers.add_parser(
        "verify",
        help="check every step of your own LaTeX derivation (FILE.tex or FILE.md)",
        description="Check each relation of the align/equation/gather blocks (or $$...$$, "
        "\\[...\\]) of a LaTeX or Markdown file with the decision engine, under the "
        "declarations written in comments (% gdflow: matrix A n n psd, vector b n, "
        "scalar \\alpha positive, integer k nonnegative, let b = -A w_\\star). A false step is "
        "reported with a counterexample. No TeX runs and nothing in the file is executed.",
        epilog="exit status: 0 when every relation is verified, 1 when any is rejected or "
        "unverified, 2 for a usage error or a file that cannot be read",
    )
    p.add_argument("file", metavar="FILE", help="a .tex or .md file ('-' reads stdin)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="report format")
    p.add_argument("--seed", type=int, default=0, help="seed of the engine's instances")
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"CPU seconds per relation (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=4096,
        metavar="MB",
        help="memory the check may add to the process, in MB (default 4096; 0: no bound)",
    )
    p.set_defaults(func=run)
    return p


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


@contextmanager
def _bounded_memory(mb: int) -> Iterator[None]:
    """Bound the address space to its present size plus ``mb`` MB while the file is checked
    (the soft limit; the previous one is restored after)."""
    if mb <= 0:
        yield
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _vm_bytes() + mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY:
            limit = min(limit, soft)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform without the limit
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(args: argparse.Namespace) -> int:
    """Verify ``args.file`` and print the report; return the exit status."""
    from .chain import MAX_FILE_BYTES, exit_code, format_json, format_text, verify_chain

    if args.timeout <= 0:
        print(f"gdflow verify: --timeout must be positive, got {args.timeout:g}", file=sys.stderr)
        return 2
    name = args.file
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            path = Path(name)
            if path.is_dir():
                raise OSError("is a directory")
            with path.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"gdflow verify: cannot read {name}: {why}", file=sys.stderr)
        return 2
    markdown = name.lower().endswith((".md", ".markdown"))
    try:
        with _bounded_memory(args.memory):
            records = verify_chain(text, markdown=markdown, seed=args.seed, timeout=args.timeout)
    except MemoryError:
        print(f"gdflow verify: {name}: out of memory (--memory {args.memory})", file=sys.stderr)
        return 1
    out = format_json(records) if args.format == "json" else format_text(name, records)
    print(out)
    return exit_code(records)
