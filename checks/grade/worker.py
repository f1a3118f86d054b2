"""Grade each answer in its own worker process, killed at the timeout, memory bounded.

Every answer is graded in a fresh child process (``fork``: the child inherits the loaded spec
and its computed references, so nothing is pickled on the way in; the result comes back as a
plain dict through a pipe). The parent waits on the children's pipes and process sentinels
and ``kill()`` s a child at its deadline: a runaway answer can neither hang nor crash the
batch. In the child, ``resource.setrlimit(RLIMIT_AS)`` bounds the address space to its size at
fork plus ``memory_mb``, and ``RLIMIT_CPU`` backs up the wall-clock timeout.

Verdicts made here: ``timeout`` (killed at the deadline, or out of memory: the feedback
says which) and ``error`` (the child died without a result: a grader bug, reported, never
silent).
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from .grader import result
from .verdict import Verdict

__all__ = ["Task", "run_tasks"]


@dataclass
class Task:
    """One answer to grade: ``grade()`` runs in the child and returns a result dict."""

    student: str
    question: str
    answer: str
    timeout: float
    grade: Callable[[], dict[str, Any]]
    spec: str = ""  # the spec's fingerprint, part of each result's id


def _verdict(task: Task, verdict: Verdict, feedback: str) -> dict[str, Any]:
    return result(task.student, task.question, task.answer, verdict, feedback, spec=task.spec)


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _child(task: Task, conn: Any, memory_mb: int) -> None:
    code = 0
    try:
        faulthandler.disable()  # a crash is reported by the parent, not dumped on stderr
        limit = _vm_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(task.timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        sys.setrecursionlimit(4000)
        try:
            out = task.grade()
        except MemoryError:
            out = _verdict(
                task,
                Verdict.TIMEOUT,
                f"evaluating this answer needs more than the memory limit ({memory_mb} MB)",
            )
        except RecursionError:
            out = _verdict(task, Verdict.INVALID, "answer is nested too deeply to evaluate")
        except Exception as exc:  # noqa: BLE001 - reported as a grader error, never lost
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            out = _verdict(task, Verdict.ERROR, f"internal grader error: {tb}")
        conn.send(out)
    except MemoryError:
        code = 3
    except BaseException:  # noqa: BLE001
        code = 4
    finally:
        try:
            conn.close()
        finally:
            os._exit(code)  # never run the parent's atexit handlers or flush its buffers


def run_tasks(
    tasks: Iterable[Task], jobs: int = 1, memory_mb: int = 1024
) -> Iterator[dict[str, Any]]:
    """Grade ``tasks`` with at most ``jobs`` concurrent worker processes; yields each result
    dict as soon as its answer is finished (completion order)."""
    ctx = mp.get_context("fork")
    pending = iter(tasks)
    running: dict[
        Any, tuple[Any, Task, float, float]
    ] = {}  # conn -> (process, task, start, deadline)
    jobs = max(1, int(jobs))
    try:
        yield from _loop(ctx, pending, running, jobs, memory_mb)
    finally:  # the consumer stopped early (or was interrupted): stop our children
        for proc, *_ in running.values():
            if proc.is_alive():
                proc.kill()
            proc.join(1)


def _loop(
    ctx: Any, pending: Iterator[Task], running: dict, jobs: int, memory_mb: int
) -> Iterator[dict[str, Any]]:
    exhausted = False
    while True:
        while not exhausted and len(running) < jobs:
            try:
                task = next(pending)
            except StopIteration:
                exhausted = True
                break
            recv, send = ctx.Pipe(duplex=False)
            sys.stdout.flush()
            sys.stderr.flush()
            proc = ctx.Process(target=_child, args=(task, send, memory_mb), daemon=True)
            start = time.monotonic()
            proc.start()
            send.close()
            running[recv] = (proc, task, start, start + task.timeout)
        if not running:
            return
        now = time.monotonic()
        soonest = min(d for _, _, _, d in running.values())
        ready = wait(list(running), timeout=max(0.0, soonest - now))
        now = time.monotonic()
        for conn in list(running):
            proc, task, start, deadline = running[conn]
            out = None
            if conn in ready:
                try:
                    out = conn.recv()
                except (EOFError, OSError):
                    proc.join(1)
                    code = proc.exitcode
                    if code == 3 or (
                        code == -signal.SIGKILL and now < deadline
                    ):  # MemoryError / OOM killer
                        why = "the worker ran out of memory"
                        out = _verdict(task, Verdict.TIMEOUT, why)
                    elif code is not None and code < 0 and -code == signal.SIGXCPU:
                        out = _verdict(
                            task,
                            Verdict.TIMEOUT,
                            f"grading exceeded the CPU time limit ({task.timeout:g} s)",
                        )
                    else:
                        out = _verdict(
                            task,
                            Verdict.ERROR,
                            f"the grading worker died without a result (exit code {code})",
                        )
            elif now >= deadline:
                proc.kill()
                out = _verdict(
                    task,
                    Verdict.TIMEOUT,
                    f"grading took longer than {task.timeout:g} s; the worker was stopped",
                )
            if out is None:
                continue
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(1)
            conn.close()
            del running[conn]
            out["seconds"] = round(time.monotonic() - start, 4)
            yield out
