"""Grade answers in a pool of worker processes, each answer bounded in CPU time and memory.

The pool is forked once per batch (``fork``: every worker inherits the loaded spec, its computed
references and the list of tasks, so nothing is pickled on the way in; only a task's index goes
to a worker, and its result comes back as a plain dict through a pipe). A worker grades answer
after answer. Before each one it sets that answer's limits: ``RLIMIT_AS`` bounds its address
space to its size then plus ``memory_mb``, and ``RLIMIT_CPU`` its CPU time to what it has used
plus the timeout (and a margin). The parent watches the CPU time each worker spends on its
answer (``/proc/PID/stat``) and kills it at the timeout; a worker that uses no CPU while the
clock runs (a blocked worker, not a slow one under load) is killed once ``timeout`` + 2 s of
wall time have passed and it has used no CPU at all for the last ``max(2 s, timeout)``, and any
worker after :data:`WALL_FACTOR` times the timeout. A
worker that was killed, hit its memory limit, or died, is replaced by a fresh fork, so no
answer runs in a process an earlier answer left in a bad state; a worker is also replaced
after :data:`TASKS_PER_WORKER` answers.

Time is CPU time throughout: the answer's ``seconds`` is the CPU time its worker spent on it,
and a loaded machine slows answers down without making them time out.

Verdicts made here: ``timeout`` (the CPU limit, a blocked worker, or out of memory: the
feedback says which) and ``error`` (the worker died without a result: a grader bug, reported,
never silent).
"""

from __future__ import annotations

import faulthandler
import gc
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

__all__ = ["Task", "run_tasks", "TASKS_PER_WORKER", "WALL_FACTOR"]

TASKS_PER_WORKER = 250
"""Answers one worker grades before it is replaced by a fresh fork."""

WALL_FACTOR = 20
"""A worker still busy after this many times the answer's timeout in wall-clock time is
killed, whatever its CPU time (a backstop; the limit is CPU time)."""

_POLL = 0.1  # seconds between the parent's looks at its workers' CPU time
_IDLE_AFTER = 2.0  # wall seconds: a worker using no CPU for this long past its timeout is stuck
_MB = 1024 * 1024


@dataclass
class Task:
    """One answer to grade: ``grade()`` runs in a worker and returns a result dict."""

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


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid``, or ``None``."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, ValueError, IndexError):
        return None


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _grade_one(task: Task, memory_mb: int) -> tuple[dict[str, Any], bool]:
    """Grade ``task`` under its limits; returns the result and whether a limit was hit (then
    this worker is replaced)."""
    limit = _vm_bytes() + memory_mb * _MB
    _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
    if hard_as == resource.RLIM_INFINITY or limit <= hard_as:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard_as))
    used = _own_cpu()
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    soft_cpu = int(used + task.timeout) + 2
    if hard_cpu == resource.RLIM_INFINITY or soft_cpu <= hard_cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, hard_cpu))
    t0 = time.process_time()
    hit = False
    try:
        out = task.grade()
    except MemoryError:
        hit = True
        out = _verdict(
            task,
            Verdict.TIMEOUT,
            f"evaluating this answer needs more than the memory limit ({memory_mb} MB)",
        )
    except RecursionError:
        hit = True
        out = _verdict(task, Verdict.INVALID, "answer is nested too deeply to evaluate")
    except Exception as exc:  # noqa: BLE001 - reported as a grader error, never lost
        hit = True
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        out = _verdict(task, Verdict.ERROR, f"internal grader error: {tb}")
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard_as, hard_as))
    out["seconds"] = round(time.process_time() - t0, 6)
    return out, hit


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies (``PR_SET_PDEATHSIG``),
    also in the middle of an answer; elsewhere the idle check in :func:`_serve` is what ends an
    orphaned worker."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


_ORPHAN_POLL = 1.0
"""Seconds an idle worker waits for a task before checking that its parent is still alive."""


def _serve(tasks: list[Task], conn: Any, memory_mb: int, parent: int | None = None) -> None:
    """A worker's loop: receive a task index, grade it, send ``(index, result, replace_me)``;
    stop on ``None``, a closed pipe, or the death of ``parent`` (a forked worker holds copies of
    the parent's pipe ends, so a killed parent does not close its pipe: without this check the
    worker would wait for a task forever)."""
    code = 0
    try:
        faulthandler.disable()  # a crash is reported by the parent, not dumped on stderr
        sys.setrecursionlimit(4000)
        _die_with_parent()
        while True:
            try:
                while parent is not None and not conn.poll(_ORPHAN_POLL):
                    if os.getppid() != parent:
                        raise EOFError("the parent process is gone")
                i = conn.recv()
            except (EOFError, OSError):
                break
            if i is None:
                break
            out, hit = _grade_one(tasks[i], memory_mb)
            conn.send((i, out, hit))
            if hit:
                break
    except MemoryError:
        code = 3
    except BaseException:  # noqa: BLE001
        code = 4
    finally:
        try:
            conn.close()
        finally:
            os._exit(code)  # never run the parent's atexit handlers or flush its buffers


class _Worker:
    """The parent's handle on one worker process: its pipe, and the task it is grading."""

    def __init__(self, ctx: Any, tasks: list[Task], memory_mb: int):
        self.conn, child = ctx.Pipe(duplex=True)
        sys.stdout.flush()
        sys.stderr.flush()
        self.proc = ctx.Process(
            target=_serve, args=(tasks, child, memory_mb, os.getpid()), daemon=True
        )
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.served = 0
        self.start_wall = self.last_change = 0.0
        self.start_cpu: float | None = None
        self.last_cpu = 0.0

    def give(self, i: int) -> None:
        self.task = i
        self.served += 1
        self.start_wall = self.last_change = time.monotonic()
        self.start_cpu = _cpu_of(self.proc.pid)
        self.last_cpu = 0.0
        self.conn.send(i)

    def cpu_used(self) -> float | None:
        now = _cpu_of(self.proc.pid)
        if now is None or self.start_cpu is None:
            return None
        return now - self.start_cpu

    def stop(self, kill: bool = False) -> None:
        if kill and self.proc.is_alive():
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(1)
        self.conn.close()


def run_tasks(
    tasks: Iterable[Task], jobs: int = 1, memory_mb: int = 1024
) -> Iterator[dict[str, Any]]:
    """Grade ``tasks`` in a pool of at most ``jobs`` worker processes; yields each result dict
    as soon as its answer is finished (completion order)."""
    todo = list(tasks)
    if not todo:
        return
    ctx = mp.get_context("fork")
    jobs = max(1, min(int(jobs), len(todo)))
    gc.collect()
    gc.freeze()  # the parent's objects stay shared with the forks instead of being copied
    workers: list[_Worker] = []
    try:
        workers = [_Worker(ctx, todo, memory_mb) for _ in range(jobs)]
        yield from _loop(ctx, todo, workers, memory_mb)
    finally:  # done, or the consumer stopped early (or was interrupted): stop our workers
        for w in workers:
            w.stop(kill=w.task is not None)
        gc.unfreeze()


def _loop(
    ctx: Any, todo: list[Task], workers: list[_Worker], memory_mb: int
) -> Iterator[dict[str, Any]]:
    queue = iter(range(len(todo)))
    left = len(todo)

    def feed(w: _Worker) -> None:
        i = next(queue, None)
        if i is not None:
            w.give(i)

    for w in workers:
        feed(w)
    while left:
        busy = [w for w in workers if w.task is not None]
        ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=_POLL)
        for idx, w in enumerate(workers):
            if w.task is None:
                continue
            task = todo[w.task]
            out, replace = None, False
            if w.conn in ready or w.proc.sentinel in ready:
                try:
                    _, out, replace = w.conn.recv()
                except (EOFError, OSError):
                    out, replace = _death(w, task), True
            else:
                out = _over_limit(w, task)
                if out is not None:
                    w.proc.kill()
                    replace = True
            if out is None:
                continue
            if replace and not out.get("seconds"):  # a result made here: the CPU time spent
                cpu = w.cpu_used()
                out["seconds"] = round(cpu if cpu is not None else 0.0, 4)
            w.task = None
            left -= 1
            yield out
            if replace or w.served >= TASKS_PER_WORKER:
                w.stop(kill=replace)
                if left:
                    w = workers[idx] = _Worker(ctx, todo, memory_mb)
            if left:
                feed(w)


def _over_limit(w: _Worker, task: Task) -> dict[str, Any] | None:
    """The ``timeout`` result of a worker past its answer's limits, else ``None``."""
    wall = time.monotonic() - w.start_wall
    cpu = w.cpu_used()
    if cpu is not None and cpu >= task.timeout:
        return _verdict(
            task,
            Verdict.TIMEOUT,
            f"grading took longer than {task.timeout:g} s of CPU time; the worker was stopped",
        )
    now = time.monotonic()
    if cpu is not None and cpu != w.last_cpu:
        w.last_cpu, w.last_change = cpu, now
    idle = now - w.last_change  # wall seconds since the worker last used any CPU
    stuck = (
        cpu is not None
        and wall >= task.timeout + _IDLE_AFTER
        and idle >= max(_IDLE_AFTER, task.timeout)
    )
    if stuck or wall >= WALL_FACTOR * task.timeout or (cpu is None and wall >= task.timeout):
        return _verdict(
            task,
            Verdict.TIMEOUT,
            f"grading took longer than {task.timeout:g} s (the worker made no progress for "
            f"{wall:.0f} s of wall-clock time); the worker was stopped",
        )
    return None


def _death(w: _Worker, task: Task) -> dict[str, Any]:
    """The result of an answer whose worker died without sending one."""
    w.proc.join(1)
    code = w.proc.exitcode
    if code == 3 or code == -signal.SIGKILL:  # MemoryError / the OOM killer
        return _verdict(task, Verdict.TIMEOUT, "the worker ran out of memory")
    if code is not None and code < 0 and -code == signal.SIGXCPU:
        return _verdict(
            task,
            Verdict.TIMEOUT,
            f"grading exceeded the CPU time limit ({task.timeout:g} s)",
        )
    return _verdict(
        task, Verdict.ERROR, f"the grading worker died without a result (exit code {code})"
    )
