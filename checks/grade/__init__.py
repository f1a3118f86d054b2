"""Homework grading: safe parsing, equivalence under assumptions, question kinds, workers.

Public surface::

    from gdflow.checks.grade import load_spec, grade_answer, grade_class
    ps = load_spec("examples/homework/problem_set.toml")
    grade_answer(ps.questions["1"], "2/5")["verdict"]   # 'correct'
"""

from .equivalence import Comparison, Domain, compare
from .grader import grade_answer
from .parse import DomainAnswerError, ParseError, Scope, Shape, parse_answer
from .runner import grade_class, read_answers
from .spec import ProblemSet, Question, SpecError, load_spec, loads_spec

__all__ = [
    "Comparison",
    "Domain",
    "compare",
    "grade_answer",
    "DomainAnswerError",
    "ParseError",
    "Scope",
    "Shape",
    "parse_answer",
    "grade_class",
    "read_answers",
    "ProblemSet",
    "Question",
    "SpecError",
    "load_spec",
    "loads_spec",
]
