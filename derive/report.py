"""How a certificate reads: its status (the level, or why there is none) and the counts.

Every renderer (``gdflow derive`` text and progress lines, JSON, Markdown, LaTeX) shows a step
by its *status*, read from its certificate by :func:`status` and nothing else:

- a passing certificate shows its level: ``proved``, ``checked``, ``evidence`` or ``stated``
  (:class:`gdflow.derive.derivation.Level`);
- a passing certificate without a level is a bug of the engine and shows as ``no level`` (a
  level is never guessed from the method);
- a failing certificate shows ``rejected``, ``unverified``, ``unverified (time)`` (the time
  bound ran out) or ``vacuous`` (the assumptions cannot all hold);
- a step without a certificate shows ``not checked``.

The statuses are the members of :class:`Status`, a ``StrEnum`` (each is its word, so JSON
output and comparisons with strings read the same).  A ``checked`` certificate names the sizes
it was checked at in its ``detail``; :func:`checked_sizes` reads them back so that they are
printed with the level (``checked at n=5,6``).

>>> from gdflow.derive.derivation import Certificate
>>> print(status(Certificate(True, "symbolic", "the difference simplifies to 0", level="proved")))
proved
>>> status(Certificate(True, "symbolic")) is Status.NO_LEVEL
True
>>> print(status(Certificate(False, "unverified", "ran out of time (3 s)")))
unverified (time)
>>> detail = "every stratum agrees at sizes n=5,6"
>>> mark(Certificate(True, "exact instantiation", detail, level="checked"))
'checked at n=5,6'
>>> summary([])
'0 steps: 0 proved, 0 checked, 0 evidence, 0 stated; 0 rejected, 0 unverified, 0 vacuous'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from .derivation import Certificate, Definition, Derivation, Formula, Level, Method, Step

__all__ = [
    "Status",
    "status",
    "step_status",
    "formula_status",
    "checked_sizes",
    "mark",
    "counts",
    "summary",
]


class Status(StrEnum):
    """Every status a step can show, in the order counts are reported: the four levels
    (:class:`~gdflow.derive.derivation.Level`), the four ways of failing, then the two
    anomalies."""

    PROVED = Level.PROVED.value
    CHECKED = Level.CHECKED.value
    EVIDENCE = Level.EVIDENCE.value
    STATED = Level.STATED.value
    REJECTED = "rejected"
    UNVERIFIED = "unverified"
    OUT_OF_TIME = "unverified (time)"
    """Unverified because its time bound ran out."""
    VACUOUS = "vacuous"
    """The assumptions cannot all hold."""
    NO_LEVEL = "no level"
    """A passing certificate without a level: a bug of the engine, never shown as passed."""
    NOT_CHECKED = "not checked"
    """A step without a certificate."""

    @property
    def passed(self) -> bool:
        """True for the four levels (a passing certificate)."""
        return self.value in {level.value for level in Level}

    @property
    def failed(self) -> bool:
        """True for ``rejected``, ``unverified``, ``unverified (time)`` and ``vacuous``."""
        return self in _FAILURES


_FAILURES = frozenset({Status.REJECTED, Status.UNVERIFIED, Status.OUT_OF_TIME, Status.VACUOUS})

_OUT_OF_TIME = re.compile(r"out of time|timed? ?out|time (bound|limit)", re.IGNORECASE)


def status(cert: Certificate | None) -> Status:
    """The status of a certificate: its level when it passes, else why it does not."""
    if cert is None:
        return Status.NOT_CHECKED
    if cert.ok:
        return Status.NO_LEVEL if cert.level is None else Status(cert.level.value)
    if cert.method is Method.VACUOUS:
        return Status.VACUOUS
    if cert.method is Method.REJECTED:
        return Status.REJECTED
    if cert.method is Method.UNVERIFIED and _OUT_OF_TIME.search(cert.detail or ""):
        return Status.OUT_OF_TIME
    # any other failing certificate is undecided as far as a reader is concerned; it never passes
    return Status.UNVERIFIED


def step_status(step: Step) -> Status:
    """The status of a step's certificate (``not checked`` when it has none)."""
    return status(step.certificate)


def formula_status(derivation: Derivation, formula: Formula) -> Status:
    """How far the formula is established: the status of the step that proves ``name = expr``,
    or, when that step defines a candidate, the weakest status of the steps in
    ``formula.proof`` (a failing one first).  A definition with no proof is ``stated``.

    >>> from gdflow.derive import get
    >>> d = get("flow.parameter_evolution")
    >>> print(formula_status(d, d.formulas["w"]))
    checked
    """
    proving = derivation.step(formula.step)
    if not isinstance(proving.claim, Definition) or not formula.proof:
        return step_status(proving)
    steps = [derivation.step(label) for label in formula.proof]
    statuses = [step_status(s) for s in steps]
    for st in statuses:
        if not st.passed:
            return st
    return Status(Level.weakest(*statuses).value)


_VALUES = r"\d+(?:\s*(?:,|\.\.|…|–)\s*\d+)*"
_PAIR = re.compile(
    r"(?<![\w^(])(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*(?:=|∈|\bin\b)\s*[{\[(]?\s*(?P<values>"
    + _VALUES
    + r")(?![\d./])"
)
_AFTER_SIZES = re.compile(r"\bsizes?\b\s*(?:of\s+|at\s+|:\s*)?(?P<what>[^;()]+)", re.IGNORECASE)
_INSTANCES = re.compile(r"\bat (?P<n>\d+) (?P<exact>exact )?(?:admissible )?instances?\b")


def _leading_int(value: str) -> int:
    """The number a size value starts with (``5`` of ``5..8``), for sorting."""
    m = re.match(r"\d+", value)
    return int(m.group()) if m else 0


def _size_values(detail: str) -> dict[str, list[str]]:
    """``size symbol -> values`` named in a detail (``n = 5`` at one instance, ``n = 6`` at the
    next, ``n ∈ {5, 6}``, ``n=5..8``), each value once, in increasing order."""
    found: dict[str, list[str]] = {}
    for m in _PAIR.finditer(detail or ""):
        values = found.setdefault(m["name"], [])
        for v in re.split(r"\s*,\s*", m["values"]):
            v = re.sub(r"\s+", "", v)
            if v not in values:
                values.append(v)
    for values in found.values():
        values.sort(key=_leading_int)
    return found


def _sizes_of(cert: Certificate) -> dict[str, list[str]]:
    """The sizes of a certificate: its ``sizes`` field, else read from its detail."""
    if cert.sizes:
        return {name: [str(v) for v in values] for name, values in cert.sizes.items()}
    return _size_values(cert.detail)


def _format_sizes(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}={','.join(values)}" for name, values in sorted(found.items()))


def checked_sizes(detail: str) -> str | None:
    """The sizes a ``checked`` certificate names in its detail, as printed beside the level
    (None when it names none).

    >>> checked_sizes("every stratum agrees at sizes n=5,6")
    'n=5,6'
    >>> checked_sizes("exact agreement at 4 instances: N = 5, D = 6; K: 5x5 rank 0; "
    ...               "N = 6, D = 5; N = 5, D = 5")
    'D=5,6; N=5,6'
    >>> checked_sizes("exact agreement on 8 strata; n ∈ {5, 6, 7}")
    'n=5,6,7'
    >>> checked_sizes("strata agree at sizes 5, 6 and 7 (24 instances)")
    '5, 6 and 7'
    >>> checked_sizes("the same set of x at 5 exact instances of a, b") is None
    True
    """
    found = _size_values(detail)
    if found:
        return _format_sizes(found)
    m = _AFTER_SIZES.search(detail or "")
    if m and re.search(r"\d", m["what"]):
        what = m["what"].strip().rstrip(".,")
        return what if len(what) <= 40 else what[:39] + "…"
    return None


def mark(cert: Certificate | None) -> str:
    """The status, with where a ``checked`` certificate was checked: ``checked at n=5,6``
    (the sizes it names), else ``checked at 5 exact instances`` (a claim without sizes), else
    ``checked (sizes not named)``.

    >>> detail = "the same set of x at 5 exact instances of a"
    >>> mark(Certificate(True, "exact instantiation", detail, level="checked"))
    'checked at 5 exact instances'
    """
    s = status(cert)
    if s is not Status.CHECKED or cert is None:
        return s.value
    sizes = _format_sizes(_sizes_of(cert)) if cert.sizes else checked_sizes(cert.detail)
    if sizes:
        return f"checked at {sizes}"
    m = _INSTANCES.search(cert.detail or "")
    if m:
        return f"checked at {m['n']} {m['exact'] or ''}instance{'s' if m['n'] != '1' else ''}"
    return "checked (sizes not named)"


def counts(steps: Iterable[Step]) -> dict[str, int]:
    """How many steps show each status: ``{status word: count}`` with every :class:`Status`
    present, in its order (the ``levels`` of the JSON output)."""
    tally = Counter(step_status(s) for s in steps)
    return {key.value: tally.get(key, 0) for key in Status}


def _checked_where(steps: Iterable[Step]) -> str:
    """The sizes of all checked steps together (``n=5,6; N=5,6``), and how many name none."""
    merged: dict[str, list[str]] = {}
    other: list[str] = []
    unsized = 0
    for s in steps:
        if s.certificate is None or step_status(s) is not Status.CHECKED:
            continue
        found = _sizes_of(s.certificate)
        for name, values in found.items():
            mine = merged.setdefault(name, [])
            mine.extend(v for v in values if v not in mine)
        if not found:
            text = checked_sizes(s.certificate.detail)
            if text is None:
                unsized += 1
            elif text not in other:
                other.append(text)
    for values in merged.values():
        values.sort(key=_leading_int)
    parts = ([f"sizes {_format_sizes(merged)}"] if merged else []) + [
        f"sizes {t}" for t in other[:3]
    ]
    if len(other) > 3:
        parts.append(f"{len(other) - 3} more")
    if unsized:
        parts.append(f"{unsized} naming no sizes")
    return "; ".join(parts)


def summary(derivations: Iterable[Derivation]) -> str:
    """One line counting every step and source claim of ``derivations`` by status.

    The four levels, ``rejected``, ``unverified`` and ``vacuous`` are always named; ``unverified
    (time)``, ``no level`` and ``not checked`` when they occur.  The sizes at which steps were
    checked follow the ``checked`` count.
    """
    steps = [s for d in derivations for s in d.all_steps]
    n = counts(steps)
    where = _checked_where(steps)
    checked = f"{n[Status.CHECKED]} checked" + (f" ({where})" if where else "")
    passed = [
        f"{n[Status.PROVED]} proved",
        checked,
        f"{n[Status.EVIDENCE]} evidence",
        f"{n[Status.STATED]} stated",
    ]
    failed = [f"{n[Status.REJECTED]} rejected", f"{n[Status.UNVERIFIED]} unverified"]
    if n[Status.OUT_OF_TIME]:
        failed.append(f"{n[Status.OUT_OF_TIME]} {Status.OUT_OF_TIME}")
    failed.append(f"{n[Status.VACUOUS]} vacuous")
    extra = [f"{n[k]} {k}" for k in (Status.NO_LEVEL, Status.NOT_CHECKED) if n[k]]
    line = f"{len(steps)} steps: " + ", ".join(passed) + "; " + ", ".join(failed)
    return line + ("; " + ", ".join(extra) if extra else "")
