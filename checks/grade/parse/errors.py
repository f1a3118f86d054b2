"""The two ways an answer fails: it cannot be read (:class:`ParseError`), or it reads but has
no value on this problem's data (:class:`DomainAnswerError`)."""

from __future__ import annotations

__all__ = ["ParseError", "DomainAnswerError", "BUILD_ERRORS"]


class ParseError(ValueError):
    """An answer could not be read: ``message`` says what, ``column`` where (1-based),
    ``suggestion`` is a "did you mean" replacement text or ``None``."""

    def __init__(self, message: str, column: int | None = None, suggestion: str | None = None):
        self.message = message
        self.column = column
        self.suggestion = suggestion
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line for a student: what, where, and a suggestion."""
        text = self.message
        if self.column is not None:
            text += f" (at column {self.column})"
        if self.suggestion:
            text += f"; did you mean `{self.suggestion}`?"
        return text


class DomainAnswerError(Exception):
    """An answer that reads fine but cannot be evaluated on this problem's data, such as
    ``inv(A)`` for a singular ``A``. Grading turns it into an ``incorrect`` verdict with
    ``feedback`` as the explanation."""

    def __init__(self, feedback: str):
        self.feedback = feedback
        super().__init__(feedback)


BUILD_ERRORS: tuple[type[BaseException], ...] = (
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    KeyError,
    NotImplementedError,
    ZeroDivisionError,
    ArithmeticError,
    RecursionError,
)
"""What SymPy raises when it refuses to build something the whitelist let through (e.g. exp of
a 1×1 matrix holding oo): such a formula cannot be read, and the library's words never reach
the reader."""
