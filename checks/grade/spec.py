"""Problem specs (TOML, read with :mod:`tomllib`): strict validation and reference answers.

A spec has a ``title``, optional ``[defaults]`` (``timeout`` seconds per answer,
``memory_mb`` per worker, ``tolerance``) and ``[[question]]`` tables. Each question has an
``id``, a ``kind`` (see :data:`gdflow.checks.grade.kinds.KINDS`), the keys that kind requires, and
optionally ``prompt``, ``assume``, ``expected``, ``tolerance``, ``feedback``, ``timeout``,
``points``. Unknown keys, missing keys and malformed matrices are errors naming the question
and the key; an ``expected`` answer that disagrees with the computed reference is an error in
the spec, reported before any student is graded. All errors of a spec are reported together.

Numbers are bounded before any work (:data:`~gdflow.checks.grade.fields.MAX_DIGITS` digits, finite;
names in numeric keys must be declared in ``assume``), as are ``steps``
(:data:`~gdflow.checks.grade.kinds.MAX_STEPS`) and the matrices (12×12, and eigenvalues with a
closed form where a formula needs them; see ``examples/homework/README.md``). Within these limits
every kind loads in seconds: exactly where the spectrum allows it (``gradient_flow`` at a finite
time from the spectral decomposition of K = XXᵀ, a symbolic ridge by a fraction-free solve),
otherwise refused at once naming the key (``X`` for a K whose characteristic polynomial has an
irreducible factor of degree 3 or more).

Computing a question's reference (and checking its ``expected`` answer) is bounded by
:data:`REFERENCE_SECONDS` (:func:`gdflow.derive.timebox.deadline`): data that makes the reference
explode (a symbolic learning rate through 12 nonlinear steps) is a spec error naming the
question, not a load that hangs.
"""

from __future__ import annotations

import decimal
import hashlib
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp

from gdflow.derive.timebox import OutOfTime, deadline

from .equivalence import Domain, compare, stable_seed
from .fields import MAX_DIGITS, Fields, SpecError, exact_number, make_symbol, parse_assumptions
from .kinds import COMMON_KEYS, KINDS, Reference
from .parse import DomainAnswerError, ParseError, Scope, parse_answer, parse_label
from .verdict import Verdict

__all__ = ["SpecError", "Question", "ProblemSet", "load_spec", "loads_spec", "REFERENCE_SECONDS"]

REFERENCE_SECONDS = (
    20.0  # per question: computing its reference, its mutants and checking `expected`
)

_TOP_KEYS = {"title", "defaults", "question"}
_DEFAULT_KEYS = {"timeout", "memory_mb", "tolerance"}


@dataclass
class Question:
    """One validated question with its computed :class:`~gdflow.checks.grade.kinds.Reference`."""

    id: str
    kind: str
    reference: Reference
    prompt: str = ""
    tolerance: sp.Rational | None = None
    feedback: dict[Verdict, str] = field(default_factory=dict)
    """Text shown before the grader's own feedback, by verdict (the spec's ``feedback``)."""
    timeout: float = 5.0
    points: float = 1.0
    spec_fingerprint: str = ""


@dataclass
class ProblemSet:
    """A loaded spec: title, per-answer ``timeout`` and ``memory_mb``, questions by id."""

    title: str
    questions: dict[str, Question]
    timeout: float = 5.0
    memory_mb: int = 1024
    path: str = ""
    fingerprint: str = ""


def _finite(v: Any) -> bool:
    """A TOML number that is neither NaN nor infinite (a boolean is no number)."""
    if isinstance(v, bool) or not isinstance(v, (int, float, decimal.Decimal)):
        return False
    return isinstance(v, int) or (v.is_finite() if isinstance(v, decimal.Decimal) else v == v)


def _positive(v: Any, where: str, upper: float) -> float:
    if not _finite(v) or not 0 < v <= upper:
        raise SpecError(f"{where}: expected a number in (0, {upper}]; got {v!r}")
    return float(v)


def _tolerance(v: Any, where: str) -> sp.Rational:
    tol = exact_number(v, where)
    if not 0 < tol < 1:
        raise SpecError(f"{where}: a relative tolerance must lie in (0, 1); got {v!r}")
    return tol


def _build_question(q: dict[str, Any], defaults: dict[str, Any], index: int) -> Question:
    qid = q.get("id")
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise SpecError(f"question #{index}: key `id`: missing or not a string")
    kind_name = q.get("kind")
    if kind_name not in KINDS:
        raise SpecError(
            f"question {qid}: key `kind`: {kind_name!r} is not one of {', '.join(KINDS)}"
        )
    kind = KINDS[kind_name]
    allowed = COMMON_KEYS | set(kind.required) | set(kind.optional)
    errors = []
    for key in q:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            errors.append(
                f"question {qid}: unknown key `{key}`{hint}; a {kind_name} question takes "
                f"{', '.join(sorted(set(kind.required) | set(kind.optional)))}"
            )
    for key in kind.required:
        if key not in q:
            errors.append(f"question {qid}: missing key `{key}` (required by kind {kind_name})")
    if errors:
        raise SpecError(errors)
    flags, sets = parse_assumptions(q.get("assume", []), f"question {qid}: key `assume`")
    symbols = {name: make_symbol(name, fl) for name, fl in flags.items()}
    domain = Domain(
        intervals={symbols[n]: s for n, s in sets.items()},
        integers={s for s in symbols.values() if s.is_integer},
    )
    scope = Scope(symbols=symbols, declare_unknown=True)
    fields = Fields(qid, q, scope)
    fields.scope_domain = domain  # type: ignore[attr-defined]
    try:
        with deadline(REFERENCE_SECONDS):
            ref = kind.build(fields)
    except SpecError:
        raise
    except OutOfTime:
        data_keys = [k for k in q if k in set(kind.required) | set(kind.optional)]
        raise SpecError(
            f"question {qid}: computing the reference took longer than {REFERENCE_SECONDS:g} s "
            f"of CPU time (keys {', '.join(f'`{k}`' for k in data_keys)}: the data make it too "
            "large; use smaller or numeric data)"
        ) from None
    except (
        ValueError,
        TypeError,
        ZeroDivisionError,
        NotImplementedError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        raise SpecError(
            f"question {qid}: cannot compute the reference from keys "
            f"{', '.join(f'`{k}`' for k in q if k in set(kind.required) | set(kind.optional))}: "
            f"{exc}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - a backstop: never a traceback for a spec
        raise SpecError(
            f"question {qid}: cannot compute the reference (an internal error of the grader, "
            f"{type(exc).__name__}; please report it with the spec)"
        ) from None
    scope.declare_unknown = False
    tol = None
    if "tolerance" in q:
        tol = _tolerance(q["tolerance"], f"question {qid}: key `tolerance`")
    elif "tolerance" in defaults:
        tol = _tolerance(defaults["tolerance"], "[defaults]: key `tolerance`")
    fb = q.get("feedback", {})
    answered = Verdict.answered()
    if not isinstance(fb, dict) or any(
        k not in answered or not isinstance(v, str) for k, v in fb.items()
    ):
        raise SpecError(
            f"question {qid}: key `feedback`: expected a table with keys among "
            f"{', '.join(sorted(answered))} and string values; got {fb!r}"
        )
    timeout = defaults.get("timeout", 5.0)
    if "timeout" in q:
        timeout = _positive(q["timeout"], f"question {qid}: key `timeout`", 600)
    prompt = q.get("prompt", "")
    if not isinstance(prompt, str):
        raise SpecError(f"question {qid}: key `prompt`: expected a string")
    points = q.get("points", 1)
    if not _finite(points) or not 0 <= points <= 10**6:
        raise SpecError(
            f"question {qid}: key `points`: expected a number from 0 to 1000000; got {points!r}"
        )
    feedback = {Verdict(k): v for k, v in fb.items()}
    question = Question(qid, kind_name, ref, prompt, tol, feedback, float(timeout), float(points))
    if "expected" in q:
        _check_expected(question, q["expected"])
    return question


def _check_expected(q: Question, expected: Any) -> None:
    where = f"question {q.id}: key `expected`"
    if isinstance(expected, bool) or not isinstance(expected, (str, int, float, decimal.Decimal)):
        raise SpecError(f"{where}: expected a string (or number); got {expected!r}")
    text = str(expected)
    ref = q.reference
    try:
        if ref.expect == "label":
            value = parse_label(text, ref.labels or {}).value
        else:
            value = parse_answer(text, ref.scope, ref.expect).value
    except ParseError as exc:
        raise SpecError(f"{where}: cannot read {text!r}: {exc.describe()}") from None
    except DomainAnswerError as exc:
        raise SpecError(f"{where}: {text!r}: {exc.feedback}") from None
    cmp = compare(
        _unwrap(value, ref.value),
        ref.value,
        ref.domain,
        q.tolerance,
        ref.variable,
        seed=stable_seed(q.id, text, ref.value),
        timeout=REFERENCE_SECONDS,
    )
    if not cmp.equal:
        detail = cmp.message or ""
        if cmp.counterexample:
            cx = cmp.counterexample
            detail += (
                f" at {cx.get('at')}: expected gives {cx.get('answer')}, "
                f"the computed reference {cx.get('reference')}"
            )
        shown = ref.value if isinstance(ref.value, str) else sp.sstr(ref.value)
        sep = ";" if detail else ""
        raise SpecError(
            f"{where}: {text!r} does not match the computed reference {shown}{sep}{detail}"
        )


def _unwrap(value: Any, ref: Any) -> Any:
    """A 1×1 matrix answer against a scalar reference (and vice versa) is the same number."""
    if (
        isinstance(value, sp.MatrixBase)
        and value.shape == (1, 1)
        and not isinstance(ref, sp.MatrixBase)
    ):
        return value[0, 0]
    if isinstance(ref, sp.MatrixBase) and ref.shape == (1, 1) and isinstance(value, sp.Expr):
        return sp.Matrix([[value]])
    return value


_TOML_DIGITS = 20000
"""Integers up to this many digits are read from the TOML text (Python refuses more than 4300
by default), so that a long one is refused by the spec's own bound naming its question, key and
entry (:data:`~gdflow.checks.grade.fields.MAX_DIGITS`); a longer one is refused naming its line."""


def _read_toml(text: str, path: str) -> dict[str, Any]:
    old = sys.get_int_max_str_digits()
    try:
        if old:
            sys.set_int_max_str_digits(max(old, _TOML_DIGITS))
        return tomllib.loads(text, parse_float=decimal.Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    except ValueError:  # an integer beyond even _TOML_DIGITS digits
        raise SpecError(_long_number(text, path)) from None
    finally:
        sys.set_int_max_str_digits(old)


def _long_number(text: str, path: str) -> str:
    """Name the question, key and line of the first number too long to read."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        run = max((len(m) for m in re.findall(r"[0-9_]+", line)), default=0)
        if run <= _TOML_DIGITS:
            continue
        key, qid = "?", "?"
        for j in range(i, -1, -1):
            m = re.match(r"\s*([A-Za-z0-9_]+)\s*=", lines[j])
            if m and key == "?":
                key = m.group(1)
            if lines[j].strip().startswith("[[question]]"):
                block = lines[j + 1 : i + 1] + lines[i + 1 :]
                for b in block:
                    if b.strip().startswith("[["):
                        break
                    mid = re.match(r"\s*id\s*=\s*[\"']?([^\"'#]*)", b)
                    if mid:
                        qid = mid.group(1).strip()
                        break
                break
        return (
            f"question {qid}: key `{key}`: line {i + 1} holds a number with {run} digits; spec "
            f"numbers are limited to {MAX_DIGITS} digits"
        )
    return f"{path}: a number is too long to read; spec numbers are limited to {MAX_DIGITS} digits"


def loads_spec(text: str, path: str = "<spec>") -> ProblemSet:
    """Load and validate a spec from TOML text; raises :class:`SpecError` listing every
    problem found."""
    data = _read_toml(text, path)
    errors: list[str] = []
    for key in data:
        if key not in _TOP_KEYS:
            errors.append(
                f"{path}: unknown top-level key `{key}` (allowed: title, defaults, question)"
            )
    title = data.get("title", "")
    if not isinstance(title, str):
        errors.append(f"{path}: key `title`: expected a string")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        errors.append(f"{path}: `defaults` must be a table")
        defaults = {}
    for key in defaults:
        if key not in _DEFAULT_KEYS:
            errors.append(
                f"[defaults]: unknown key `{key}` (allowed: {', '.join(sorted(_DEFAULT_KEYS))})"
            )
    timeout, memory = 5.0, 1024
    try:
        if "timeout" in defaults:
            timeout = _positive(defaults["timeout"], "[defaults]: key `timeout`", 600)
        if "memory_mb" in defaults:
            memory = int(_positive(defaults["memory_mb"], "[defaults]: key `memory_mb`", 65536))
    except SpecError as exc:
        errors.extend(exc.errors)
    qs = data.get("question", [])
    if not isinstance(qs, list) or not all(isinstance(q, dict) for q in qs):
        errors.append(f"{path}: `question` must be an array of tables ([[question]])")
        qs = []
    if not qs and not errors:
        errors.append(f"{path}: no [[question]] in the spec")
    questions: dict[str, Question] = {}
    for i, q in enumerate(qs, 1):
        try:
            question = _build_question(q, {**defaults, "timeout": timeout}, i)
        except SpecError as exc:
            errors.extend(exc.errors)
            continue
        except Exception as exc:  # noqa: BLE001 - a backstop: never a traceback for a spec
            errors.append(
                f"question #{i} (id {q.get('id')!r}): cannot be checked (an internal error of the "
                f"grader, {type(exc).__name__}; please report it with the spec)"
            )
            continue
        if question.id in questions:
            errors.append(f"question {question.id}: duplicate id")
        questions[question.id] = question
    if errors:
        raise SpecError(errors)
    fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]
    for q in questions.values():
        q.spec_fingerprint = fingerprint
    return ProblemSet(title, questions, timeout, memory, path, fingerprint)


def load_spec(path: str | Path) -> ProblemSet:
    """Load and validate a spec file (see :func:`loads_spec`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{p}: cannot read: {exc.strerror}") from None
    return loads_spec(text, str(p))
