"""Grade one answer to one question (runs inside a worker process, see :mod:`.worker`).

A result is a plain dict (JSON-ready) with the keys ``student``, ``question``, ``answer``,
``verdict`` (a :class:`~gdflow.checks.grade.verdict.Verdict` as its word: ``correct`` /
``incorrect`` / ``invalid`` / ``timeout``, or ``error`` when the grader itself failed),
``interpreted_as`` (LaTeX of what was read, or ``null``), ``feedback``, ``counterexample``
(for ``incorrect`` where one exists: ``at`` the values of the free symbols, ``answer`` and
``reference`` values there, ``entry`` for matrices), ``method`` (how equivalence was decided)
and ``seconds``: :data:`RESULT_KEYS`. A class graded from a CSV with a ``variant`` column adds
``variant`` to each record (:func:`gdflow.checks.grade.runner.grade_class`).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

import sympy as sp

from gdflow.derive.timebox import OutOfTime, deadline

from .equivalence import (
    compare,
    decimal_places,
    decimal_text,
    relation_to_set,
    rounding_of,
    stable_seed,
)
from .parse import (
    DomainAnswerError,
    ParseError,
    Shape,
    display_latex,
    parse_answer,
    parse_label,
)
from .parse.scope import name_key
from .spec import Question, _unwrap
from .verdict import Verdict

__all__ = ["grade_answer", "answer_key", "RESULT_KEYS"]

RESULT_KEYS = [
    "id",
    "student",
    "question",
    "answer",
    "verdict",
    "interpreted_as",
    "feedback",
    "counterexample",
    "method",
    "seconds",
]


def answer_key(student: str, question: str, answer: str, spec: str = "") -> str:
    """A stable id of one graded answer under one version of the spec (``spec`` is the spec's
    fingerprint): a rerun skips ids already in the output, and a changed spec grades again."""
    h = hashlib.sha256(f"{spec}\0{student}\0{question}\0{answer}".encode()).hexdigest()
    return h[:16]


def result(
    student: str,
    question: str,
    answer: str,
    verdict: Verdict | str,
    feedback: str,
    interpreted_as: str | None = None,
    counterexample: dict[str, Any] | None = None,
    method: str | None = None,
    seconds: float = 0.0,
    spec: str = "",
) -> dict[str, Any]:
    """A result record (see the module docstring); ``ValueError`` for a verdict that is not a
    :class:`Verdict`."""
    return {
        "id": answer_key(student, question, answer, spec),
        "student": student,
        "question": question,
        "answer": answer,
        "verdict": Verdict(verdict).value,
        "interpreted_as": interpreted_as,
        "feedback": feedback,
        "counterexample": counterexample,
        "method": method,
        "seconds": round(seconds, 4),
    }


# The share of a question's timeout that grading may use before it answers ``timeout`` itself
# (the worker kills the process at the full timeout).
TIME_SHARE = 0.85


def grade_answer(q: Question, text: str, student: str = "") -> dict[str, Any]:
    """Read ``text`` safely and compare it with the question's reference; returns a result
    dict with the verdict, what was read, feedback and a counterexample when incorrect.

    The comparison's random points are seeded from the question id, the answer text and the
    reference (:func:`~gdflow.checks.grade.equivalence.stable_seed`): the same answer is graded the
    same way in every run, and no fixed list of points exists to aim at.  Grading is bounded
    by ``TIME_SHARE`` of the question's timeout (a ``timeout`` verdict with feedback); an
    answer whose value overflows is ``invalid``, with why."""
    t0 = time.perf_counter()

    def done(verdict: Verdict, feedback: str, **kw: Any) -> dict[str, Any]:
        override = q.feedback.get(verdict)
        if override:
            more = feedback and verdict is not Verdict.CORRECT
            feedback = override + (" — " + feedback if more else "")
        return result(
            student,
            q.id,
            text,
            verdict,
            feedback,
            seconds=time.perf_counter() - t0,
            spec=q.spec_fingerprint,
            **kw,
        )

    budget = q.timeout * TIME_SHARE
    try:
        with deadline(budget):
            return _grade(q, text, done)
    except OutOfTime:
        return done(
            Verdict.TIMEOUT,
            f"grading took longer than {budget:g} s (the question allows {q.timeout:g} s)",
        )
    except OverflowError:
        return done(
            Verdict.INVALID, "your answer overflows: it cannot be evaluated", method="overflow"
        )


def _grade(q: Question, text: str, done: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    ref = q.reference
    if ref.expect == "derivation":  # a chain of steps (checks/grade/derivation_kind.py)
        from .derivation_kind import grade_derivation

        return grade_derivation(ref.value, text, done)  # type: ignore[no-any-return]
    named, expect = _reading(ref.value, ref.expect)
    try:
        if ref.expect == "label":
            parsed = parse_label(text, ref.labels or {})
        else:
            parsed = parse_answer(text, ref.scope, expect, named=named)
    except ParseError as exc:
        return done(Verdict.INVALID, exc.describe())
    except DomainAnswerError as exc:
        return done(
            Verdict.INCORRECT,
            exc.feedback,
            method="domain",
            interpreted_as=display_latex(text, ref.scope, expect, named),
        )
    if parsed.used_data:  # a formula on the problem's data: show the formula, not its value
        shown = display_latex(text, ref.scope, expect, named)
        if shown:
            parsed.latex = shown + r" \;=\; " + parsed.latex if len(parsed.latex) < 200 else shown
    if ref.variable is not None and parsed.shape == Shape.RELATION:
        try:  # show a condition on the variable as the set it describes
            shown_set = relation_to_set(parsed.value, ref.variable)
            parsed.latex = f"{sp.latex(ref.variable)} \\in {sp.latex(shown_set)}"
        except Exception:  # noqa: BLE001 - display only
            pass
    if parsed.approximate:  # ≈ -1.91: shown as given
        parsed.latex = r"\approx " + parsed.latex
    value = _unwrap(_in_order(parsed.value, parsed.labels, ref.components), ref.value)
    seed = stable_seed(q.id, text, ref.value)
    side = _check_sides(q, parsed.sides, value, seed)
    if side:
        return done(Verdict.INCORRECT, side, interpreted_as=parsed.latex, method="sides")
    cmp = compare(value, ref.value, ref.domain, q.tolerance, ref.variable, seed=seed)
    if cmp.equal:
        return done(Verdict.CORRECT, "correct", interpreted_as=parsed.latex, method=cmp.method)
    if cmp.method == "overflow":
        return done(
            Verdict.INVALID,
            cmp.message or "your answer overflows",
            interpreted_as=parsed.latex,
            method="overflow",
        )
    if cmp.method == "time":
        return done(
            Verdict.TIMEOUT,
            cmp.message or "deciding equivalence took too long",
            interpreted_as=parsed.latex,
            method="time",
        )
    msgs: list[str] = []
    if cmp.message:
        msgs.append(cmp.message)
    if cmp.method != "shape":
        for wrong, why in ref.mutants:
            try:
                if compare(
                    value, wrong, ref.domain, q.tolerance, ref.variable, seed=seed, timeout=1.0
                ).equal:
                    msgs.append(why)
                    break
            except Exception:  # noqa: BLE001 - feedback is best effort, the verdict stands
                continue
    if (
        not msgs
        and not isinstance(ref.value, (str, sp.Set))
        and not isinstance(ref.value, sp.logic.boolalg.Boolean)
    ):
        try:
            if compare(
                value, -ref.value, ref.domain, q.tolerance, ref.variable, seed=seed, timeout=1.0
            ).equal:
                msgs.append("your answer has the opposite sign")
        except Exception:  # noqa: BLE001
            pass
    if ref.explain is not None:
        try:
            msgs.extend(ref.explain(value, cmp))
        except Exception:  # noqa: BLE001
            pass
    rounded = _roundings(value, ref.value) if q.tolerance is None else None
    if rounded:
        msgs.append(rounded)
    elif q.tolerance is None and _is_close_decimal(value, ref.value):
        msgs.append(
            f"decimals are compared exactly; your value {_written(value)} is close to the "
            "correct one but not equal (give an exact fraction)"
        )
    extra = _free(value) - _free(ref.value)
    if extra and not (ref.variable is not None and extra <= {ref.variable}):
        names = ", ".join(sorted(str(s) for s in extra))
        msgs.append(f"your answer depends on {names}; the correct one does not")
    if not msgs:
        msgs.append("your answer differs from the correct one")
    cx = cmp.counterexample
    if cx and cmp.method == "set":
        ((var, val),) = cx["at"].items()
        val = _as_written(str(val), "." in text)
        if cx["answer"] == "included":
            msgs.append(f"for example {var} = {val} is in your set but not in the correct one")
        else:
            msgs.append(f"for example {var} = {val} is in the correct set but not in yours")
    elif cx:
        at = ", ".join(f"{k} = {v}" for k, v in cx.get("at", {}).items())
        where = f" at {at}" if at else ""
        entry = f" (entry {cx['entry']})" if cx.get("entry") else ""
        gap = (
            f" (yours minus the correct one is {cx['difference']})" if cx.get("difference") else ""
        )
        dec = "." in text
        msgs.append(
            f"for example{where}{entry}: yours is {_as_written(str(cx['answer']), dec)}, the "
            f"correct value is {_as_written(str(cx['reference']), dec)}{gap}"
        )
    return done(
        Verdict.INCORRECT,
        "; ".join(msgs),
        interpreted_as=parsed.latex,
        counterexample=cx,
        method=cmp.method,
    )


def _reading(ref: Any, expect: str) -> tuple[bool, str]:
    """How to read answers to a question with reference ``ref``: ``named`` when it asks for a
    value (not an equation, a condition or a set: a left side ``w = …`` then names the
    quantity, see :func:`gdflow.checks.grade.parse.parse_answer`), and ``expect="scalar"``
    when that value is one number (a decimal comma is then refused with the fix)."""
    if expect != "any" or isinstance(ref, (str, sp.Set, sp.Equality)):
        return False, expect
    if isinstance(ref, sp.logic.boolalg.Boolean) and not isinstance(ref, sp.Expr):
        return False, expect
    scalar = isinstance(ref, sp.Expr) or (isinstance(ref, sp.MatrixBase) and ref.shape == (1, 1))
    return True, "scalar" if scalar else expect


def _in_order(value: Any, labels: list[str], names: list[str] | None) -> Any:
    """Named components (``v = 0, u = 1.8``) in the order of the question's ``names``
    (``u``, ``v``) when they name exactly those; otherwise as written."""
    if not names or len(labels) != len(names) or not isinstance(value, sp.MatrixBase):
        return value
    keys = [name_key(n) for n in names]
    given = [name_key(lab) for lab in labels]
    if sorted(given) != sorted(keys) or len(set(given)) != len(given) or len(value) != len(keys):
        return value
    entries = dict(zip(given, list(value), strict=True))
    return sp.Matrix([entries[k] for k in keys])


def _written(v: Any) -> str:
    """A value as the student wrote it: a finite decimal as a decimal, a vector as a list."""
    if isinstance(v, sp.Rational):
        return decimal_text(v) or sp.sstr(v)
    if isinstance(v, sp.MatrixBase):
        rows = [[_written(e) for e in v.row(i)] for i in range(v.shape[0])]
        text = (
            "[" + ", ".join(r[0] for r in rows) + "]"
            if v.shape[1] == 1
            else "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
        )
    else:
        text = sp.sstr(v)
    return text if len(text) <= 80 else text[:79] + "…"


def _as_written(shown: str, decimals: bool = False) -> str:
    """A shown value ``3333333333333333/10000000000000000`` as the decimal it came from
    (a long one always; any finite decimal when the student wrote ``decimals``)."""
    m = re.fullmatch(r"(-?\d+)/(\d+)", shown.strip())
    if m and len(m.group(2)) <= 61:
        d = decimal_text(sp.Rational(int(m.group(1)), int(m.group(2))))
        if d is not None and (decimals or int(m.group(2)) > 100):
            return d
    return shown


def _roundings(value: Any, ref: Any) -> str | None:
    """Feedback when the answer (or some of its entries) is the exact answer rounded."""
    if isinstance(value, sp.Expr) and isinstance(ref, sp.Expr):
        d = rounding_of(value, ref)
        if d is None:
            return None
        return (
            f"your {_written(value)} is the exact answer rounded to {d} decimal"
            f"{'s' if d > 1 else ''}; decimals are compared exactly: give the exact value "
            "(a fraction, or an expression such as sqrt(2))"
        )
    if (
        isinstance(value, sp.MatrixBase)
        and isinstance(ref, sp.MatrixBase)
        and len(value) == len(ref)
        and len(ref) <= 144
    ):
        entries = []
        for k, (a, r) in enumerate(zip(value, ref.reshape(*value.shape), strict=True)):
            if rounding_of(a, r) is not None:
                i, j = divmod(k, value.shape[1])
                entries.append(f"({i + 1}, {j + 1}) = {_written(a)}")
        if entries:
            one = len(entries) == 1
            return (
                f"your {'entry' if one else 'entries'} {', '.join(entries[:4])} "
                f"{'is the exact value' if one else 'are the exact values'} rounded; decimals "
                "are compared exactly: give exact values (fractions)"
            )
    return None


def _check_sides(q: Question, sides: list[tuple[str, Any, str]], value: Any, seed: str) -> str:
    """Feedback when the sides of a chain ``3/4 = 0.75`` / ``1/3 ≈ 0.333`` disagree, else
    ``""``: sides after ``=`` must equal the answer, sides after ``≈`` be a rounding of it
    (within half a unit of their last decimal, else within 1%)."""
    ref = q.reference
    for op, other, written in sides:
        other = _unwrap(other, value)
        if op == "=":
            try:
                same = compare(other, value, ref.domain, None, None, seed=seed, timeout=2.0).equal
            except Exception:  # noqa: BLE001 - a side that cannot be compared is not equal
                same = False
            if not same:
                return (
                    f"the sides of your answer are not equal ({_written(value)} and "
                    f"{written}): give one value"
                )
            continue
        pairs = (
            list(zip(other, value, strict=False))
            if isinstance(other, sp.MatrixBase) and isinstance(value, sp.MatrixBase)
            else [(other, value)]
        )
        for a, v in pairs:
            if not (isinstance(a, sp.Expr) and isinstance(v, sp.Expr)) or not (
                a.is_number and v.is_number
            ):
                continue
            d = decimal_places(a)
            try:
                gap, scale = sp.N(abs(a - v), 30), sp.N(abs(v), 30)
                ok = (d is not None and gap <= sp.Rational(1, 2 * 10**d)) or gap <= scale / 100
            except (TypeError, ValueError, ArithmeticError):
                ok = False
            if not ok:
                return f"`{written}` after `≈` is not a rounding of your {_written(v)}"
    return ""


def _free(v: Any) -> set:
    return set(getattr(v, "free_symbols", set())) if not isinstance(v, str) else set()


def _is_close_decimal(value: Any, ref: Any) -> bool:
    try:
        if (
            isinstance(value, sp.Expr)
            and isinstance(ref, sp.Expr)
            and value.is_Rational
            and ref.is_number
        ):
            r = sp.N(ref, 30)
            return r != 0 and abs(sp.N(value, 30) - r) <= abs(r) * sp.Rational(1, 100)
    except (TypeError, ValueError):
        return False
    return False
