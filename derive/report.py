"""How a certificate reads: its status (the level, or why there is none) and the counts.

Every renderer (``gdflow derive`` text and progress lines, JSON, Markdown, LaTeX) shows a step
by its *status*, read from its certificate by :func:`status` and nothing else:

- a passing certificate shows its level: ``proved``, ``checked``, ``evidence`` or ``stated``
  (:data:`derive.derivation.LEVELS`);
- a passing certificate without a level is a bug of the engine and shows as ``no level`` (a
  level is never guessed from the method);
- a failing certificate shows ``rejected``, ``unverified``, ``unverified (time)`` (the time
  bound ran out) or ``vacuous`` (the assumptions cannot all hold);
- a step without a certificate shows ``not checked``.

A ``checked`` certificate names the sizes it was checked at in its ``detail``;
:func:`checked_sizes` reads them back so that they are printed with the level
(``checked at n=5,6``).

>>> from derive.derivation import Certificate
>>> status(Certificate(True, "symbolic", "the difference simplifies to 0", level="proved"))
'proved'
>>> status(Certificate(True, "symbolic"))
'no level'
>>> status(Certificate(False, "unverified", "ran out of time (3 s)"))
'unverified (time)'
>>> mark(Certificate(True, "exact instantiation", "every stratum agrees at sizes n=5,6", level="checked"))
'checked at n=5,6'
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


_NUMBERS = r"\d+(?:\s*(?:,|\.\.|…|–|-|to|and)\s*\d+)*"
_AFTER_SIZES = re.compile(r"\bsizes?\b\s*(?:of\s+|at\s+|:\s*)?(?P<what>[^;()]+)", re.IGNORECASE)
_SYMBOL_EQUALS = re.compile(
    r"\b(?P<name>[A-Za-z]\w*)\s*(?:=|∈|\bin\b)\s*(?P<open>[{\[(])?\s*(?P<values>" + _NUMBERS + r")\s*[}\])]?"
)


def checked_sizes(detail: str) -> str | None:
    """The sizes a ``checked`` certificate names in its detail, as printed beside the level.

    >>> checked_sizes("every stratum agrees at sizes n=5,6")
    'n=5,6'
    >>> checked_sizes("exact agreement on 8 strata; n ∈ {5, 6, 7}")
    'n=5, 6, 7'
    >>> checked_sizes("strata agree at sizes 5, 6 and 7 (24 instances)")
    '5, 6 and 7'
    >>> checked_sizes("exact agreement") is None
    True
    """
    if not detail:
        return None
    m = _AFTER_SIZES.search(detail)
    if m:
        what = m["what"].strip().rstrip(".,")
        found = [f"{s['name']}={s['values']}" for s in _SYMBOL_EQUALS.finditer(what)]
        if found:
            return "; ".join(found)
        if re.search(r"\d", what):
            return what if len(what) <= 40 else what[:39] + "…"
    found = [f"{s['name']}={s['values']}" for s in _SYMBOL_EQUALS.finditer(detail)]
    return "; ".join(found) if found else None


def mark(cert: Certificate | None) -> str:
    """The status with the sizes of a ``checked`` certificate: ``checked at n=5,6``."""
    s = status(cert)
    if s == "checked":
        sizes = checked_sizes(cert.detail)
        return f"checked at {sizes}" if sizes else "checked (sizes not named)"
    return s


def counts(steps: Iterable[Step]) -> dict[str, int]:
    """How many steps show each status; every key of :data:`STATUSES` is present."""
    tally = Counter(step_status(s) for s in steps)
    return {key: tally.get(key, 0) for key in STATUSES}


def _sizes_of(steps: Iterable[Step]) -> list[str]:
    seen: list[str] = []
    for s in steps:
        if step_status(s) == "checked":
            label = checked_sizes(s.certificate.detail) or "sizes not named"
            if label not in seen:
                seen.append(label)
    return seen


def summary(derivations: Iterable[Derivation]) -> str:
    """One line counting every step and source claim of ``derivations`` by status.

    The four levels, ``rejected``, ``unverified`` and ``vacuous`` are always named; ``unverified
    (time)``, ``no level`` and ``not checked`` when they occur.  The sizes at which steps were
    checked follow the ``checked`` count.
    """
    steps = [s for d in derivations for s in d.all_steps]
    n = counts(steps)
    sizes = _sizes_of(steps)
    if len(sizes) > 4:
        sizes = [*sizes[:4], f"{len(sizes) - 4} more"]
    checked = f"{n['checked']} checked" + (f" ({'; '.join(sizes)})" if sizes else "")
    passed = [f"{n['proved']} proved", checked, f"{n['evidence']} evidence", f"{n['stated']} stated"]
    failed = [f"{n['rejected']} rejected", f"{n['unverified']} unverified"]
    if n["unverified (time)"]:
        failed.append(f"{n['unverified (time)']} unverified (time)")
    failed.append(f"{n['vacuous']} vacuous")
    extra = [f"{n[k]} {k}" for k in ("no level", "not checked") if n[k]]
    line = f"{len(steps)} steps: " + ", ".join(passed) + "; " + ", ".join(failed)
    return line + ("; " + ", ".join(extra) if extra else "")
