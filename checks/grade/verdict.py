"""The verdicts of the grader: one definition for the grader, the spec, the runner, the worker
and the command.

A ``StrEnum``: each verdict is its word (``Verdict.CORRECT == "correct"``), so result records
stay plain JSON and records read back from a file compare equal to the members.

>>> print(Verdict.TIMEOUT)
timeout
>>> [str(v) for v in Verdict.answered()]
['correct', 'incorrect', 'invalid', 'timeout']
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Verdict"]


class Verdict(StrEnum):
    """What became of one graded answer, in the order results are counted."""

    CORRECT = "correct"
    """The answer equals the reference (under the question's assumptions and tolerance)."""
    INCORRECT = "incorrect"
    """The answer was read and differs from the reference (with a counterexample where one
    exists)."""
    INVALID = "invalid"
    """The answer cannot be read, or cannot be evaluated (it overflows, nests too deeply)."""
    TIMEOUT = "timeout"
    """Grading ran out of its time or memory bound."""
    ERROR = "error"
    """The grader itself failed on the answer (a bug, reported, never silent)."""

    @classmethod
    def answered(cls) -> tuple[Verdict, ...]:
        """The verdicts an answer can earn (all but ``error``): the keys a question's
        ``feedback`` table may use."""
        return tuple(v for v in cls if v is not cls.ERROR)
