"""Class grading: a CSV of answers in, results streamed out as each answer finishes.

Input: a CSV file with the header ``student,question,answer`` (other columns are ignored).
Output (``table``, ``json`` or ``jsonl``) is written record by record and flushed after each
one, so a crash or a kill loses nothing already graded. A rerun with the same output file
reads the records already there (a torn last line is dropped), rewrites them cleanly and grades
only the answers not yet done (an answer is identified by its ``id``: a hash of the spec's text,
student, question and answer, so an edited spec grades everything again; the older records are
kept). An existing file that holds no results in the chosen format is never overwritten.

Formats:

* ``jsonl``: one JSON object per line (keys: :data:`gdflow.checks.grade.grader.RESULT_KEYS`);
* ``json``: a JSON array with one object per line; the closing ``]`` is written at the end
  (a file cut short by a kill is still read back by a rerun);
* ``table``: a header line, then one ``|``-separated line per answer ending with its ``id``.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from .grader import RESULT_KEYS, answer_key, grade_answer, result
from .spec import ProblemSet
from .verdict import Verdict
from .worker import Task, run_tasks

__all__ = [
    "read_answers",
    "grade_class",
    "append_result",
    "Writer",
    "load_done",
    "points_by_student",
    "FORMATS",
]

FORMATS = ("table", "json", "jsonl")
_TABLE_COLS = ["student", "question", "verdict", "interpreted_as", "feedback", "id"]


class AnswersError(ValueError):
    """The answers CSV cannot be read (missing columns, not CSV, unreadable)."""


def read_answers(path: str | Path) -> list[tuple[str, str, str]]:
    """Rows ``(student, question, answer)`` of a CSV with the header ``student,question,answer``."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: spreadsheets write a BOM
            reader = csv.DictReader(fh)
            missing = {"student", "question", "answer"} - set(reader.fieldnames or [])
            if missing:
                raise AnswersError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                    "the header must be student,question,answer"
                )
            rows = []
            for i, row in enumerate(reader, 2):
                if row.get("answer") is None:
                    raise AnswersError(f"{path}: line {i}: too few fields")
                rows.append((row["student"].strip(), row["question"].strip(), row["answer"]))
            return rows
    except OSError as exc:
        raise AnswersError(f"{path}: cannot read: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise AnswersError(f"{path}: not a readable CSV: {exc}") from None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        v = json.dumps(v, ensure_ascii=False)
    return str(v).replace("|", "¦").replace("\n", " ").replace("\r", " ")


class Writer:
    """Streams result records to a text stream in one of :data:`FORMATS`."""

    def __init__(self, stream: IO[str], fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
        self.stream = stream
        self.fmt = fmt
        self.count = 0

    def begin(self) -> None:
        """Write what precedes the records (``[`` for json, the header for table)."""
        if self.fmt == "json":
            self.stream.write("[\n")
        elif self.fmt == "table":
            self.stream.write(" | ".join(_TABLE_COLS) + "\n")
        self.stream.flush()

    def write(self, rec: dict[str, Any]) -> None:
        """Write one record and flush it."""
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(rec, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            sep = "" if self.count == 0 else ",\n"
            self.stream.write(sep + json.dumps(rec, ensure_ascii=False))
        else:
            self.stream.write(" | ".join(_cell(rec.get(c)) for c in _TABLE_COLS) + "\n")
        self.count += 1
        self.stream.flush()

    def end(self) -> None:
        """Write what follows the records (``]`` for json)."""
        if self.fmt == "json":
            self.stream.write("\n]\n")
        self.stream.flush()


def load_done(path: str | Path, fmt: str) -> list[dict[str, Any]]:
    """Records already in an output file of format ``fmt`` (torn or malformed lines are
    dropped: those answers are graded again)."""
    p = Path(path)
    if not p.exists():
        return []
    records: list[dict[str, Any]] = []
    text = p.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        s = line.strip()
        if fmt in ("jsonl", "json"):
            s = s.rstrip(",")
            if not s.startswith("{"):
                continue
            try:
                rec = json.loads(s)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "id" in rec and "verdict" in rec:
                records.append(rec)
        else:
            parts = line.split(" | ")
            if len(parts) != len(_TABLE_COLS) or parts == _TABLE_COLS:
                continue
            rec = dict(zip(_TABLE_COLS, parts, strict=True))
            rec["id"] = rec["id"].strip()
            if len(rec["id"]) == 16:
                records.append(rec)
    return records


def _earlier(out: str, fmt: str) -> list[dict[str, Any]]:
    """The records already in ``out``; refuses (``AnswersError``) a file holding something else."""
    earlier = load_done(out, fmt)
    if not earlier and Path(out).exists():
        content = Path(out).read_text(encoding="utf-8", errors="replace").strip()
        header = {"", "[", " | ".join(_TABLE_COLS)}
        if content not in header and len(content.splitlines()) > 1:
            raise AnswersError(
                f"{out} exists and holds no gdflow grade results in {fmt} format; "
                "refusing to overwrite it (choose another -o or --format)"
            )
    return earlier


def _rewrite(out: str, fmt: str, records: list[dict[str, Any]], close: bool) -> None:
    """Replace ``out`` by a clean file holding exactly ``records`` (and the closing ``]`` of
    json if ``close``)."""
    tmp = f"{out}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        w = Writer(fh, fmt)
        w.begin()
        for rec in records:
            w.write(rec)
        if close:
            w.end()
    os.replace(tmp, out)


def append_result(out: str, fmt: str, rec: dict[str, Any]) -> None:
    """Add one result to the output file ``out`` in ``fmt`` (the earlier records kept, the file
    complete in its format); ``AnswersError`` if ``out`` holds something else."""
    _rewrite(out, fmt, [*_earlier(out, fmt), rec], close=True)


def _tasks(
    ps: ProblemSet, rows: Iterable[tuple[str, str, str]], done: set[str]
) -> Iterator[Task | dict]:
    seen = set(done)
    for student, qid, answer in rows:
        key = answer_key(student, qid, answer, ps.fingerprint)
        if key in seen:
            continue
        seen.add(key)
        q = ps.questions.get(qid)
        if q is None:
            yield result(
                student,
                qid,
                answer,
                Verdict.INVALID,
                f"there is no question {qid!r} in the spec (questions: {', '.join(ps.questions)})",
                spec=ps.fingerprint,
            )
            continue
        yield Task(
            student,
            qid,
            answer,
            q.timeout,
            partial(grade_answer, q, answer, student),
            ps.fingerprint,
        )


def grade_class(
    ps: ProblemSet,
    rows: list[tuple[str, str, str]],
    out: str | None,
    fmt: str = "jsonl",
    jobs: int = 1,
    memory_mb: int | None = None,
    stdout: IO[str] | None = None,
    log: IO[str] | None = None,
) -> Counter:
    """Grade ``rows`` against ``ps``, streaming each result to ``out`` (or ``stdout``) as it
    finishes; with an existing ``out``, answers already there are skipped. Returns the count
    of verdicts (including earlier ones)."""
    from .parse import warm_up

    warm_up()  # build the LaTeX grammar once, before forking workers
    log = log or sys.stderr
    earlier: list[dict[str, Any]] = []
    if out:
        earlier = _earlier(out, fmt)
        _rewrite(out, fmt, earlier, close=False)  # a clean file holding exactly the earlier records
        stream: IO[str] = open(out, "a", encoding="utf-8")  # noqa: SIM115 - closed below
        writer = Writer(stream, fmt)
        writer.count = len(earlier)
    else:
        stream = stdout or sys.stdout
        writer = Writer(stream, fmt)
        writer.begin()
    counts: Counter = Counter(r.get("verdict", "?") for r in earlier)
    done = {r["id"] for r in earlier}
    current = {answer_key(s, q, a, ps.fingerprint) for s, q, a in rows}
    if earlier:
        stale = sum(1 for r in earlier if r["id"] not in current)
        print(
            f"grade: {len(earlier) - stale} answer(s) already in {out}; grading the rest", file=log
        )
        if stale:
            print(
                f"grade: {stale} earlier result(s) in {out} are for another version of the spec or "
                "the answers; they are kept, and changed answers are graded again",
                file=log,
            )
    t0 = time.monotonic()
    direct: list[dict[str, Any]] = []
    tasks: list[Task] = []
    for item in _tasks(ps, rows, done):
        if isinstance(item, Task):
            tasks.append(item)
        else:
            direct.append(item)
    graded = [r for r in earlier if r["id"] in current]
    try:
        for rec in direct:
            writer.write(rec)
            counts[rec["verdict"]] += 1
        mem = memory_mb if memory_mb is not None else ps.memory_mb
        for rec in run_tasks(tasks, jobs=jobs, memory_mb=mem):
            writer.write({k: rec.get(k) for k in RESULT_KEYS})
            counts[rec["verdict"]] += 1
            graded.append(rec)
        writer.end()
    finally:
        if out:
            stream.close()
    elapsed = time.monotonic() - t0
    n = len(tasks) + len(direct)
    summary = ", ".join(f"{v} {counts[v]}" for v in Verdict if counts[v])
    print(
        f"grade: {n} answer(s) graded in {elapsed:.1f} s ({summary or 'nothing to do'})", file=log
    )
    scores = points_by_student(ps, graded)
    if scores:
        total = sum(q.points for q in ps.questions.values())
        print(
            f"grade: points (of {total:g}): " + ", ".join(f"{s} {p:g}" for s, p in scores.items()),
            file=log,
        )
    return counts


def points_by_student(ps: ProblemSet, records: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Each student's points: the question's ``points`` for each question answered correctly
    (a question answered more than once counts once)."""
    best: dict[tuple[str, str], float] = {}
    for r in records:
        q = ps.questions.get(str(r.get("question")))
        key = (str(r.get("student")), str(r.get("question")))
        got = q.points if (q is not None and r.get("verdict") == Verdict.CORRECT) else 0.0
        best[key] = max(best.get(key, 0.0), got)
    out: dict[str, float] = {}
    for (student, _), p in sorted(best.items()):
        out[student] = out.get(student, 0.0) + p
    return out
