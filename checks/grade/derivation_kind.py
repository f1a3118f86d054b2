r"""The ``derivation`` question kind: the student submits a chain of LaTeX steps.

Spec keys: ``declarations`` (the lines of ``gdflow verify``'s declarations, as one string or a
list: ``matrix A n n psd``, ``vector b n``, ``scalar \alpha positive``, ``let b = -A w_\star``),
``start`` and ``target`` (LaTeX), optional ``points_per_step``.  The answer is a chain such as
``(AB)^\top &= B^\top A^\top \\ &= ...`` (it may begin with ``&=``: it then continues from
``start``).  Correct when every step is verified by the decision engine
(:func:`gdflow.checks.verify_tex.verify_chain`), the chain starts at ``start`` and ends at
``target`` (as written: the same expression once read); otherwise incorrect, quoting the
first wrong step with its counterexample; invalid when a step cannot be read.  With
``points_per_step`` the feedback states the partial credit (points for each verified step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gdflow.checks.verify_tex.blocks import split_document
from gdflow.checks.verify_tex.chain import Record, verify_chain
from gdflow.checks.verify_tex.declare import parse_declarations
from gdflow.checks.verify_tex.read import read_side

from .fields import Fields, SpecError
from .parse import ParseError
from .verdict import Verdict

__all__ = ["build_derivation", "grade_derivation", "EXPECT"]

EXPECT = "derivation"
"""``Reference.expect`` of this kind: the grader hands the answer to :func:`grade_derivation`."""


def _declarations(f: Fields) -> list[str]:
    raw = f.raw("declarations")
    if isinstance(raw, str):
        lines = raw.splitlines()
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        lines = list(raw)
    else:
        raise SpecError(f"{f.where('declarations')}: expected a string or a list of strings")
    return [x.strip() for x in lines if x.strip()]


def build_derivation(f: Fields) -> Any:
    """``derivation``: check the declarations, ``start`` and ``target`` now (spec errors name
    the key); the reference value is the spec itself."""
    from .equivalence import Domain
    from .kinds import Reference

    decls = _declarations(f)
    parsed = parse_declarations([(n, line) for n, line in enumerate(decls, 1)])
    if parsed.errors:
        raise SpecError(f"{f.where('declarations')}: {parsed.errors[0]}")
    spec: dict[str, Any] = {"declarations": decls}
    for key in ("start", "target"):
        text = f.raw(key)
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"{f.where(key)}: expected a LaTeX formula")
        try:
            read_side(text, parsed.names)
        except ParseError as exc:
            raise SpecError(f"{f.where(key)}: {exc.describe()}") from None
        spec[key] = text.strip()
    pps = f.raw("points_per_step")
    if pps is not None and (isinstance(pps, bool) or not isinstance(pps, (int, float)) or pps < 0):
        raise SpecError(f"{f.where('points_per_step')}: expected a nonnegative number")
    spec["points_per_step"] = pps
    return Reference(spec, f.scope, Domain(), expect=EXPECT)


def _step_text(r: Record) -> str:
    return f"{r.lhs} {r.relation} {r.rhs}"


def grade_derivation(spec: dict[str, Any], text: str, done: Callable[..., Any]) -> Any:
    """Grade the chain ``text`` against ``spec`` (see the module); ``done(verdict, feedback,
    **result)`` builds the grader's result."""
    body = text.strip()
    if body.startswith("$$") and body.endswith("$$") and len(body) > 4:
        body = body[2:-2]
    elif body.startswith("$") and body.endswith("$") and len(body) > 2:
        body = body[1:-1]
    starts_with_relation = body.lstrip("& \t\n").startswith(("=", "\\le", "\\ge", "<", ">"))
    chain = (spec["start"] + " " + body) if starts_with_relation else body
    doc = split_document(chain)
    if not doc.steps:
        return done(Verdict.INVALID, "no step found: write the chain as a &= b \\\\ &= c")
    records = verify_chain(chain, spec["declarations"])
    for r in records:
        if r.method in ("parse error", "undeclared name", "refused", "declaration error"):
            return done(Verdict.INVALID, f"step {r.step or '?'}: {r.detail}", method="derivation")
    names = parse_declarations([(0, line) for line in spec["declarations"]]).names
    ends = []
    for piece, key in ((doc.steps[0].lhs, "start"), (doc.steps[-1].rhs, "target")):
        try:
            same = read_side(piece.text, names) == read_side(spec[key], names)
        except ParseError:
            same = False
        ends.append(same)
    steps = [r for r in records if r.relation is not None]
    good = sum(r.verdict == "verified" for r in steps)
    credit = ""
    if spec.get("points_per_step") is not None:
        credit = (
            f" ({good} of {len(steps)} steps verified: {good * spec['points_per_step']:g} points)"
        )
    bad = next((r for r in steps if r.verdict != "verified"), None)
    if bad is not None:
        why = "does not hold" if bad.verdict == "rejected" else "could not be verified"
        more = f" ({bad.detail[:200]})" if bad.verdict != "rejected" else ""
        return done(
            Verdict.INCORRECT,
            f"step {bad.step} {why}: {_step_text(bad)}{more}{credit}",
            counterexample=bad.counterexample,
            method="derivation",
        )
    for same, key in zip(ends, ("start", "target"), strict=True):
        if not same:
            word = "start at" if key == "start" else "end at"
            return done(
                Verdict.INCORRECT,
                f"every step holds, but the chain does not {word} the {key} "
                f"${spec[key]}$ as written{credit}",
                method="derivation",
            )
    return done(
        Verdict.CORRECT, f"correct: {len(steps)} steps, each verified{credit}", method="derivation"
    )
