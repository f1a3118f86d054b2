"""How a certificate reads: its status (the level, or why there is none) and the counts.

Every renderer (``gdflow derive`` text and progress lines, JSON, Markdown, LaTeX) shows a step
by its *status*, read from its certificate by :func:`status` and nothing else:

- a passing certificate shows its level: ``proved``, ``checked``, ``evidence`` or ``stated``
  (:data:`gdflow.derive.derivation.LEVELS`);
- a passing certificate without a level is a bug of the engine and shows as ``no level`` (a
  level is never guessed from the method);
- a failing certificate shows ``rejected``, ``unverified``, ``unverified (time)`` (the time
  bound ran out) or ``vacuous`` (the assumptions cannot all hold);
- a step without a certificate shows ``not checked``.

A ``checked`` certificate names the sizes it was checked at in its ``detail``;
:func:`checked_sizes` reads them back so that they are printed with the level
(``checked at n=5,6``).

>>> from gdflow.derive.derivation import Certificate
>>> status(Certificate(True, "symbolic", "the difference simplifies to 0", level="proved"))
'proved'
>>> status(Certificate(True, "symbolic"))
'no level'
>>> status(Certificate(False, "unverified", "ran out of time (3 s)"))
'unverified (time)'
>>> mark(Certificate(True, "exact instantiation", "every stratum agrees at sizes n=5,6", level="checked"))
'checked at n=5,6'
>>> summary([])
'0 steps: 0 proved, 0 checked, 0 evidence, 0 stated; 0 rejected, 0 unverified, 0 vacuous'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .derivation import LEVELS, Certificate, Derivation, Step

__all__ = [
    "FAILURES",
    "STATUSES",
    "status",
    "step_status",
    "checked_sizes",
    "mark",
    "counts",
    "summary",
]

FAILURES = ("rejected", "unverified", "unverified (time)", "vacuous")
"""Statuses of a certificate that does not pass."""

STATUSES = (*LEVELS, *FAILURES, "no level", "not checked")
"""Every status a step can show, in the order counts are reported."""

_OUT_OF_TIME = re.compile(r"out of time|timed? ?out|time (bound|limit)", re.IGNORECASE)


def status(cert: Certificate | None) -> str:
    """The status of a certificate: its level when it passes, else why it does not."""
    if cert is None:
        return "not checked"
    if cert.ok:
        return cert.level if cert.level in LEVELS else "no level"
    method = cert.method
    if method == "vacuous":
        return "vacuous"
    if method.startswith("unverified"):
        timed_out = "time" in method or bool(_OUT_OF_TIME.search(cert.detail or ""))
        return "unverified (time)" if timed_out else "unverified"
    if method == "rejected":
        return "rejected"
    # any other failing certificate is undecided as far as a reader is concerned; it never passes
    return "unverified"


def step_status(step: Step) -> str:
    """The status of a step's certificate (``not checked`` when it has none)."""
    return status(step.certificate)


_VALUES = r"\d+(?:\s*(?:,|\.\.|…|–)\s*\d+)*"
_PAIR = re.compile(
    r"(?<![\w^(])(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*(?:=|∈|\bin\b)\s*[{\[(]?\s*(?P<values>"
    + _VALUES
    + r")(?![\d./])"
)
_AFTER_SIZES = re.compile(r"\bsizes?\b\s*(?:of\s+|at\s+|:\s*)?(?P<what>[^;()]+)", re.IGNORECASE)
_INSTANCES = re.compile(r"\bat (?P<n>\d+) (?P<exact>exact )?(?:admissible )?instances?\b")


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
        values.sort(key=lambda v: int(re.match(r"\d+", v).group()))
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
    >>> checked_sizes("exact agreement at 4 instances: N = 5, D = 6; K: 5x5 rank 0; N = 6, D = 5; N = 5, D = 5")
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

    >>> mark(Certificate(True, "exact instantiation", "the same set of x at 5 exact instances of a", level="checked"))
    'checked at 5 exact instances'
    """
    s = status(cert)
    if s != "checked":
        return s
    sizes = _format_sizes(_sizes_of(cert)) if cert.sizes else checked_sizes(cert.detail)
    if sizes:
        return f"checked at {sizes}"
    m = _INSTANCES.search(cert.detail or "")
    if m:
        return f"checked at {m['n']} {m['exact'] or ''}instance{'s' if m['n'] != '1' else ''}"
    return "checked (sizes not named)"


def counts(steps: Iterable[Step]) -> dict[str, int]:
    """How many steps show each status; every key of :data:`STATUSES` is present."""
    tally = Counter(step_status(s) for s in steps)
    return {key: tally.get(key, 0) for key in STATUSES}


def _checked_where(steps: Iterable[Step]) -> str:
    """The sizes of all checked steps together (``n=5,6; N=5,6``), and how many name none."""
    merged: dict[str, list[str]] = {}
    other: list[str] = []
    unsized = 0
    for s in steps:
        if step_status(s) != "checked":
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
        values.sort(key=lambda v: int(re.match(r"\d+", v).group()))
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
    checked = f"{n['checked']} checked" + (f" ({where})" if where else "")
    passed = [
        f"{n['proved']} proved",
        checked,
        f"{n['evidence']} evidence",
        f"{n['stated']} stated",
    ]
    failed = [f"{n['rejected']} rejected", f"{n['unverified']} unverified"]
    if n["unverified (time)"]:
        failed.append(f"{n['unverified (time)']} unverified (time)")
    failed.append(f"{n['vacuous']} vacuous")
    extra = [f"{n[k]} {k}" for k in ("no level", "not checked") if n[k]]
    line = f"{len(steps)} steps: " + ", ".join(passed) + "; " + ", ".join(failed)
    return line + ("; " + ", ".join(extra) if extra else "")
