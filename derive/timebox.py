"""Time bounds that hold even inside SymPy: ``with deadline(3.0): ...`` raises :class:`OutOfTime`.

A bound is a POSIX interval timer on the process's CPU time (``signal.setitimer`` with
``ITIMER_PROF``) whose handler raises :class:`OutOfTime`, a ``BaseException`` so that SymPy's
many ``except Exception`` blocks do not swallow it.  CPU time, not wall-clock time: a claim
gets the same computation whatever else the machine is doing, so a verdict does not change
with the load (every computation bounded here is CPU-bound; a process that waits is bounded by
whoever waits for it, e.g. the grader kills its workers by the wall clock).  Bounds nest: an
inner bound never outlives the outer one, and leaving the inner bound re-arms the outer one with
what is left of it.

Signals reach the main thread only.  In any other thread (or where ``SIGPROF`` does not exist)
:func:`deadline` cannot interrupt a running computation; it still raises :class:`OutOfTime`
on exit when the time was overrun, and :func:`check` lets loops poll it.  The grader, which
runs answers off the main thread's control, kills its worker processes instead.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["OutOfTime", "deadline", "check", "remaining"]


class OutOfTime(BaseException):  # noqa: N818 - a BaseException on purpose, like KeyboardInterrupt
    """A computation ran past its time bound.  ``seconds`` is the bound that was exceeded."""

    def __init__(self, seconds: float):
        super().__init__(f"ran out of time ({seconds:g} s)")
        self.seconds = seconds


_stack: list[tuple[float, float]] = []  # (absolute deadline, the bound in seconds), innermost last


def _can_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


_AGAIN = 0.05
"""CPU seconds after which an alarm repeats while its bound is still active: an exception
raised inside a garbage-collector callback (hypothesis installs one) is printed and dropped by
Python, and the bound must not be lost with it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
    if _stack:
        end, seconds = _stack[-1]
        if time.process_time() >= end - 1e-3:
            signal.setitimer(signal.ITIMER_PROF, _AGAIN)  # cancelled by deadline() on the way out
            raise OutOfTime(seconds)
        signal.setitimer(signal.ITIMER_PROF, max(end - time.process_time(), 1e-3))


def remaining() -> float | None:
    """CPU seconds left in the innermost bound (None when unbounded)."""
    return None if not _stack else max(_stack[-1][0] - time.process_time(), 0.0)


def check() -> None:
    """Raise :class:`OutOfTime` when the innermost bound has passed (for polling loops)."""
    if _stack and time.process_time() >= _stack[-1][0]:
        raise OutOfTime(_stack[-1][1])


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the block within ``seconds`` of CPU time (None: no new bound, the outer one still holds).

    >>> with deadline(5):
    ...     sum(range(10))
    45
    """
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise ValueError(f"a time bound must be positive; got {seconds!r}")
    now = time.process_time()
    end = now + seconds
    bound = seconds
    if _stack and _stack[-1][0] < end:  # never outlive the outer bound
        end, bound = _stack[-1]
    signalling = _can_signal()
    previous = None
    if signalling:
        previous = signal.signal(signal.SIGPROF, _on_alarm)
    _stack.append((end, bound))
    try:
        if signalling:
            signal.setitimer(signal.ITIMER_PROF, max(end - time.process_time(), 1e-3))
        yield
        if not signalling and time.process_time() > end:
            raise OutOfTime(bound)
    finally:
        _stack.pop()
        if signalling:
            signal.setitimer(signal.ITIMER_PROF, 0)
            if previous is not None:
                signal.signal(signal.SIGPROF, previous)
            if _stack:  # re-arm the outer bound with what is left of it
                signal.setitimer(signal.ITIMER_PROF, max(_stack[-1][0] - time.process_time(), 1e-3))
