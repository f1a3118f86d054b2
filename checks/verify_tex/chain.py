r"""Check a derivation written in LaTeX, step by step: :func:`verify_chain` and the reports of
``gdflow verify FILE.tex|FILE.md``.

Each relation of the document (:mod:`.blocks`) is read by the one parser (:mod:`.read`) under
the document's declarations (:mod:`.declare`) and decided by the decision engine
(:func:`gdflow.derive.verify.verify_claim`): ``lhs = rhs`` as an
:class:`~gdflow.derive.derivation.Identity`, a scalar ``lhs <= rhs`` (``<``, ``>=``, ``>``) as a
:class:`~gdflow.derive.derivation.Holds`.  The verdict is ``verified`` (with the engine's level:
proved / checked / evidence), ``rejected`` (with a counterexample when the engine found one:
the values, matrices shown, at which the sides differ) or ``unverified`` (nothing decided, a
side that cannot be read, an undeclared name).  Nothing in the document is executed: no TeX
runs, no macro is defined, no file is included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sympy as sp

from gdflow.checks.grade.parse.errors import ParseError
from gdflow.derive.derivation import Assumptions, Holds, Identity, Method
from gdflow.derive.verify import verify_claim

from .blocks import MAX_STEPS, Document, Piece, RawStep, split_document
from .declare import DECLARATION, Declarations, parse_declarations
from .read import UndeclaredName, identity_like, read_side

__all__ = [
    "Record",
    "verify_chain",
    "verify_document",
    "format_text",
    "format_json",
    "exit_code",
    "DEFAULT_TIMEOUT",
    "MAX_FILE_BYTES",
]

DEFAULT_TIMEOUT = 20.0
"""CPU seconds per relation (the engine's time bound, :mod:`gdflow.derive.timebox`)."""
MAX_FILE_BYTES = 1_000_000
"""The largest document read."""

_INEQUALITIES = {
    "<": sp.StrictLessThan,
    "<=": sp.LessThan,
    ">": sp.StrictGreaterThan,
    ">=": sp.GreaterThan,
}


@dataclass
class Record:
    """One relation of the document and its verdict (the JSON record of ``gdflow verify``).

    ``line`` (1-based) of its relation sign, ``lhs``/``rhs`` as written, ``relation`` (``=``,
    ``<=``, ...; ``None`` for a problem outside the steps, such as a refused command or a bad
    declaration), ``verdict`` ``"verified"`` / ``"rejected"`` / ``"unverified"``, ``level``
    (``proved`` / ``checked`` / ``evidence``, or the level of a rejection), ``method`` (the
    engine's, or ``"parse error"`` / ``"undeclared name"`` / ``"refused"`` /
    ``"declaration error"``), ``counterexample`` (name -> value; matrices as lists of rows of
    exact numbers) or None, ``seconds`` spent; ``step`` (1-based, None for a problem),
    ``column`` of what a message points at, ``detail`` the engine's or parser's words."""

    line: int
    lhs: str | None
    rhs: str | None
    relation: str | None
    verdict: str
    level: str | None
    method: str
    counterexample: dict[str, Any] | None
    seconds: float
    step: int | None = None
    column: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)


def _declaration_lines(declarations: str | Iterable[str] | None) -> list[tuple[int, str]]:
    if declarations is None:
        return []
    lines = declarations.splitlines() if isinstance(declarations, str) else list(declarations)
    out = []
    for line in lines:
        m = DECLARATION.search(line)
        body = m.group("body").strip() if m is not None else line.strip()
        if body:
            out.append((0, body))
    return out


def _plain_value(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_plain_value(x) for x in v]
    return str(v)


def _has_matrix(e: Any) -> bool:
    return isinstance(e, sp.Basic) and bool(e.atoms(sp.MatrixSymbol, sp.MatrixBase))


def _decide(
    lhs: Any, rhs: Any, relation: str, assume: Assumptions, seed: int, timeout: float
) -> tuple[str, str | None, str, dict[str, Any] | None, str]:
    """``(verdict, level, method, counterexample, detail)`` of one relation."""
    lmat, rmat = bool(getattr(lhs, "is_Matrix", False)), bool(getattr(rhs, "is_Matrix", False))
    if lmat and not rmat and lhs.shape == (1, 1):
        rhs = rhs * sp.Identity(1)
    elif rmat and not lmat and rhs.shape == (1, 1):
        lhs = lhs * sp.Identity(1)
    if relation == "=":
        if lhs == rhs:
            return (
                "verified",
                "proved",
                "symbolic",
                None,
                "the two sides are the same expression once read",
            )
        claim: Any = Identity(lhs, rhs)
    elif relation in _INEQUALITIES:
        if lmat or rmat or _has_matrix(lhs) or _has_matrix(rhs):
            return (
                "unverified",
                None,
                Method.UNVERIFIED.value,
                None,
                "inequalities with matrices or vectors in them are not decided (only scalar ones)",
            )
        claim = Holds(_INEQUALITIES[relation](lhs, rhs, evaluate=False))
    else:
        return (
            "unverified",
            None,
            Method.UNVERIFIED.value,
            None,
            f"the relation `{relation}` is not decided (only =, <, <=, >, >=)",
        )
    cert = verify_claim(claim, assume, seed=seed, timeout=timeout)
    cex = (
        {str(k): _plain_value(v) for k, v in cert.counterexample.items()}
        if cert.counterexample
        else None
    )
    level = None if cert.level is None else str(cert.level)
    if cert.ok and relation in _INEQUALITIES and cert.level != "proved":
        # an inequality can fail on a set that no drawn instance meets (a = b in
        # (a - b)^2 + c > c): only an exact decision verifies one
        return (
            "unverified",
            None,
            Method.UNVERIFIED.value,
            None,
            f"held at the instances drawn, which does not verify an inequality ({cert.detail})",
        )
    if cert.ok:
        return "verified", level, str(cert.method), None, cert.detail
    if cert.method == Method.REJECTED:
        return "rejected", level, str(cert.method), cex, cert.detail
    return "unverified", None, str(cert.method), None, cert.detail


def verify_document(
    doc: Document,
    decl: Declarations,
    *,
    seed: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Record]:
    """The records of a split document (:func:`~.blocks.split_document`) under ``decl``:
    first its problems (refused commands, bad declarations), then each relation in order."""
    out: list[Record] = []
    for err in decl.errors:
        out.append(
            Record(
                err.line or 0,
                None,
                None,
                None,
                "unverified",
                None,
                "declaration error",
                None,
                0.0,
                detail=err.message,
            )
        )
    for p in doc.problems:
        line, col = doc.where(p.offset)
        out.append(
            Record(
                line,
                None,
                None,
                None,
                "unverified",
                None,
                "refused",
                None,
                0.0,
                column=col,
                detail=p.message,
            )
        )
    assume = decl.assumptions()
    cache: dict[int, tuple[Any, ParseError | None]] = {}
    reported: set[int] = set()

    def side(piece: Piece) -> tuple[Any, ParseError | None]:
        key = id(piece)
        if key not in cache:
            try:
                cache[key] = (read_side(piece.text, decl.names, keep_identity=True), None)
            except ParseError as exc:
                cache[key] = (None, exc)
        return cache[key]

    for n, st in enumerate(doc.steps, 1):
        out.append(_one(doc, st, n, side, assume, seed, timeout, reported))
    return out


def _one(
    doc: Document,
    st: RawStep,
    n: int,
    side: Any,
    assume: Assumptions,
    seed: int,
    timeout: float,
    reported: set[int],
) -> Record:
    line, _ = doc.where(st.offset)
    start = time.perf_counter()
    base = {
        "line": line,
        "lhs": st.lhs.source,
        "rhs": st.rhs.source,
        "relation": st.relation,
        "step": n,
    }
    if n > MAX_STEPS:
        return Record(
            **base,
            verdict="unverified",
            level=None,
            method="refused",
            counterexample=None,
            seconds=0.0,
            detail=f"not checked: a document holds at most {MAX_STEPS} relations",
        )
    for piece in (st.lhs, st.rhs):
        _, err = side(piece)
        if err is not None:
            where = piece.offset(err.column)
            eline, ecol = doc.where(where)
            method = "undeclared name" if isinstance(err, UndeclaredName) else "parse error"
            if id(piece) in reported:  # the right side of the step before: said there
                return Record(
                    **base,
                    verdict="unverified",
                    level=None,
                    method=method,
                    counterexample=None,
                    seconds=0.0,
                    detail=f"its left side cannot be read (the error at line {eline})",
                )
            reported.add(id(piece))
            return Record(
                **{**base, "line": eline},
                verdict="unverified",
                level=None,
                method=method,
                counterexample=None,
                seconds=round(time.perf_counter() - start, 3),
                column=ecol,
                detail=err.message,
            )
    lhs, rhs = side(st.lhs)[0], side(st.rhs)[0]
    try:
        lhs, rhs = identity_like(lhs, rhs), identity_like(rhs, lhs)
    except ParseError as exc:
        return Record(
            **base,
            verdict="unverified",
            level=None,
            method="parse error",
            counterexample=None,
            seconds=0.0,
            detail=exc.message,
        )
    try:
        verdict, level, method, cex, detail = _decide(lhs, rhs, st.relation, assume, seed, timeout)
    except Exception as exc:  # noqa: BLE001 - a step that crashes the checker is not verified
        verdict, level, method, cex = "unverified", None, Method.UNVERIFIED.value, None
        detail = f"the checker failed: {type(exc).__name__}: {str(exc)[:200]}"
    return Record(
        **base,
        verdict=verdict,
        level=level,
        method=method,
        counterexample=cex,
        seconds=round(time.perf_counter() - start, 3),
        detail=detail,
    )


def verify_chain(
    text: str,
    declarations: str | Iterable[str] | None = None,
    *,
    markdown: bool = False,
    seed: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Record]:
    r"""Check every relation of a derivation written in LaTeX (a document with ``align`` /
    ``equation`` / ``gather`` blocks or ``$$…$$`` / ``\[…\]``, or a bare chain such as
    ``a &= b \\ &= c``) and return one :class:`Record` per relation, in order (problems
    outside the relations first).

    ``declarations``: lines such as ``matrix A n n psd``, ``vector b n``,
    ``scalar \alpha positive``, ``let b = -A w_\star`` (with or without ``% gdflow:``), added
    to those in the text's comments.  ``seed`` seeds the engine's instances; ``timeout`` is the
    CPU time per relation.

    >>> rs = verify_chain(r"(A + B)^\top &= A^\top + B^\top \\ &= B^\top + A",
    ...                   ["matrix A n n", "matrix B n n"])
    >>> [(r.verdict, r.level) for r in rs]
    [('verified', 'proved'), ('rejected', 'proved')]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise ValueError(f"the text is larger than {MAX_FILE_BYTES} bytes")
    doc = split_document(text, markdown=markdown)
    decl = parse_declarations(_declaration_lines(declarations) + doc.declarations)
    return verify_document(doc, decl, seed=seed, timeout=timeout)


def exit_code(records: list[Record]) -> int:
    """0 when there is at least one relation and every record is verified, else 1."""
    steps = [r for r in records if r.relation is not None]
    return 0 if steps and all(r.verdict == "verified" for r in records) else 1


def _show(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


def _cex_text(cex: Mapping[str, Any] | None) -> str:
    if not cex:
        return ""
    return " (counterexample " + ", ".join(f"{k} = {_show(v)}" for k, v in cex.items()) + ")"


def format_text(path: str, records: list[Record]) -> str:
    """The compiler-like report: ``FILE:LINE: error: step 3 does not hold: … (counterexample
    …)`` for each failure, a mark per step, and a summary line."""
    lines: list[str] = []
    for r in records:
        loc = f"{path}:{r.line}:" + (f"{r.column}:" if r.column else "") if r.line else f"{path}:"
        if r.relation is None:
            lines.append(f"{loc} error: {r.detail}")
            continue
        step = f"step {r.step}"
        rel = f"{r.lhs} {r.relation} {r.rhs}"
        if r.verdict == "rejected":
            why = _cex_text(r.counterexample) if r.counterexample else f" ({r.detail[:200]})"
            lines.append(f"{loc} error: {step} does not hold: {rel}{why}")
        elif r.verdict == "unverified":
            lines.append(f"{loc} error: {step} is not verified: {r.detail[:300]}")
    for r in records:
        if r.relation is None:
            continue
        mark = {"verified": "✓", "rejected": "✗"}.get(r.verdict, "?")
        how = f"{r.level} ({r.method})" if r.verdict == "verified" else r.verdict
        lines.append(f"  {mark} step {r.step:<3} line {r.line:<5} {how:<34} {r.seconds:.2f} s")
    steps = [r for r in records if r.relation is not None]
    counts = {v: sum(r.verdict == v for r in steps) for v in ("verified", "rejected", "unverified")}
    problems = len(records) - len(steps)
    summary = (
        f"{path}: {len(steps)} relation{'s' if len(steps) != 1 else ''}: "
        f"{counts['verified']} verified, {counts['rejected']} rejected, "
        f"{counts['unverified']} unverified"
    )
    if problems:
        summary += f"; {problems} other error{'s' if problems != 1 else ''}"
    if not steps:
        summary += " (no relation found: write the chain in an align or equation block)"
    lines.append(summary)
    return "\n".join(lines)


def format_json(records: list[Record]) -> str:
    """The records as a JSON list (see :class:`Record`)."""
    return json.dumps([r.to_dict() for r in records], indent=1, ensure_ascii=False)
