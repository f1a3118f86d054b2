"""Class grading: a CSV of answers in, results streamed out as each answer finishes.

Input: a CSV file with the header ``student,question,answer`` (other columns are ignored),
read row by row (:func:`read_answers`): a row that cannot be read is graded ``invalid`` with
feedback naming its line and student, and every other row is graded.
Output (``table``, ``json`` or ``jsonl``) is written record by record and flushed after each
one, so a crash or a kill loses nothing already graded. A rerun with the same output file
reads the records already there (a torn last line is dropped), rewrites them cleanly and grades
only the answers not yet done (an answer is identified by its ``id``: a hash of the spec's text,
student, question and answer, so an edited spec grades everything again; the older records are
kept). An existing file that holds no results in the chosen format is never overwritten.

Formats:

* ``jsonl``: one JSON object per line (keys: :data:`gdflow.checks.grade.grader.RESULT_KEYS`,
  and ``variant`` when the class CSV has a ``variant`` column: see :func:`grade_class`);
* ``json``: a JSON array with one object per line; the closing ``]`` is written at the end
  (a file cut short by a kill is still read back by a rerun);
* ``table``: a header line, then one ``|``-separated line per answer ending with its ``id``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

import sympy as sp
from sympy.printing.pretty.pretty_symbology import greeks, pretty_symbol
from sympy.printing.str import StrPrinter

from gdflow.derive.timebox import OutOfTime, deadline

from .equivalence import relation_to_set
from .grader import RESULT_KEYS, answer_key, grade_answer, result
from .parse import Shape, parse_answer, parse_label
from .spec import ProblemSet, Question
from .verdict import Verdict
from .worker import Task, run_tasks

__all__ = [
    "AnswersError",
    "FIELD_LIMIT",
    "Row",
    "read_answers",
    "grade_class",
    "append_result",
    "Writer",
    "load_done",
    "points_by_student",
    "FORMATS",
    "readable",
    "grade_readable",
    "variant_file",
    "VariantSpecs",
    "VARIANT_KEY",
]

FORMATS = ("table", "json", "jsonl")
_TABLE_COLS = ["student", "question", "verdict", "interpreted_as", "feedback", "id"]


class AnswersError(ValueError):
    """The answers CSV cannot be read at all (missing columns, not a file, unreadable): a
    problem of the whole file. A problem of one row is that row's ``invalid`` verdict."""


FIELD_LIMIT = 131072
"""The longest cell read as an answer: Python's default ``csv.field_size_limit``. A longer cell
makes its row unreadable (``invalid``, naming the line and the student); the rows around it are
graded."""

_SHOWN = 200  # characters of an unreadable cell kept in its record


class Row(tuple):
    """One row of a class CSV: a ``(student, question, answer)`` tuple (it unpacks and compares
    as one) with ``line`` (the line of the file where the row starts), ``problem`` (why the row
    cannot be graded, or ``None``) and ``variant`` (the row's ``variant`` cell, ``""`` when it
    is empty, ``None`` when the CSV has no ``variant`` column)."""

    line: int
    problem: str | None
    variant: str | None

    def __new__(
        cls,
        student: str,
        question: str,
        answer: str,
        line: int = 0,
        problem: str | None = None,
        variant: str | None = None,
    ) -> Row:
        row = super().__new__(cls, (student, question, answer))
        row.line, row.problem, row.variant = line, problem, variant
        return row

    @property
    def student(self) -> str:
        return str(self[0])

    @property
    def question(self) -> str:
        return str(self[1])

    @property
    def answer(self) -> str:
        return str(self[2])


def _printable(cell: str) -> str:
    """A cell decoded with ``surrogateescape`` shown with U+FFFD for its undecodable bytes."""
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cell_problem(name: str, cell: str) -> str | None:
    """Why ``cell`` (column ``name``) cannot be read, or ``None``."""
    if len(cell) > FIELD_LIMIT:
        return (
            f"the {name} cell has {len(cell)} characters, more than the {FIELD_LIMIT} a CSV "
            "cell may hold"
        )
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = ord(cell[exc.start]) - 0xDC00
        return (
            f"the {name} cell is not valid UTF-8 (byte 0x{byte:02X} at character "
            f"{exc.start + 1}); save the file as UTF-8"
        )
    return None


def read_answers(path: str | Path) -> list[Row]:
    """The rows of a class CSV with the header ``student,question,answer`` (an optional
    ``variant`` column; other columns are ignored), as :class:`Row` tuples.

    The file is read row by row: a row that cannot be read (a cell that is not UTF-8, a cell
    longer than :data:`FIELD_LIMIT`, too few cells, a malformed quote) is kept with its
    ``problem`` naming its line and student, and graded ``invalid``; every other row is graded.
    A CRLF inside a quoted cell is a line break of the answer (read as ``\\n``). Only a file
    that cannot be read at all, or a header without the three columns, is an
    :class:`AnswersError`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AnswersError(f"{path}: cannot read: {exc.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):  # spreadsheets write a byte order mark
        data = data[3:]
    text = data.decode("utf-8", "surrogateescape")
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, len(text) + 1))  # long cells are refused per row, below
    try:
        return _rows(path, text)
    finally:
        csv.field_size_limit(old)


def _rows(path: str | Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise AnswersError(f"{path}: line 1: not a readable CSV header: {exc}") from None
    names = [_printable(h).strip().lower() for h in header]
    missing = {"student", "question", "answer"} - set(names)
    if missing:
        raise AnswersError(
            f"{path}: missing column(s) {', '.join(sorted(missing))}; "
            "the header must be student,question,answer"
        )
    col = {n: names.index(n) for n in ("student", "question", "answer", "variant") if n in names}
    need = max(col.values()) + 1
    rows: list[Row] = []
    last = reader.line_num
    while True:
        line = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first = text.splitlines()[line - 1] if line - 1 < len(text.splitlines()) else ""
            who = _printable(first.split(",", 1)[0]).strip()
            rows.append(
                Row(
                    who,
                    "",
                    "",
                    line,
                    f"line {line} (student {who!r}): not readable CSV: {exc}",
                    "" if "variant" in col else None,
                )
            )
            last = reader.line_num
            continue
        last = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue  # a blank line
        student = cells[col["student"]].strip() if len(cells) > col["student"] else ""
        question = cells[col["question"]].strip() if len(cells) > col["question"] else ""
        answer = cells[col["answer"]] if len(cells) > col["answer"] else ""
        variant: str | None = None  # no `variant` column
        if "variant" in col:
            variant = cells[col["variant"]].strip() if len(cells) > col["variant"] else ""
        who = _printable(student)[:_SHOWN]
        problem = None
        if len(cells) < need:
            problem = f"too few cells ({len(cells)}; the header has {len(header)})"
        else:
            for name, cell in (
                ("student", student),
                ("question", question),
                ("answer", answer),
                ("variant", variant or ""),
            ):
                problem = _cell_problem(name, cell)
                if problem:
                    break
        if problem:
            rows.append(
                Row(
                    who,
                    _printable(question)[:_SHOWN],
                    _printable(answer),
                    line,
                    f"line {line} (student {who!r}): {problem}",
                    None if variant is None else _printable(variant)[:_SHOWN],
                )
            )
            continue
        rows.append(Row(student, question, answer.replace("\r\n", "\n"), line, None, variant))
    return rows


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        v = json.dumps(v, ensure_ascii=False)
    return str(v).replace("|", "¦").replace("\n", " ").replace("\r", " ")


VARIANT_KEY = "variant"
"""The key a JSON record has after ``question`` when the class CSV has a ``variant`` column
(its value: see :func:`grade_class`); without that column the records hold exactly
:data:`~gdflow.checks.grade.grader.RESULT_KEYS`, as before variants existed."""


def _record(rec: dict[str, Any]) -> dict[str, Any]:
    """The JSON record: :data:`~gdflow.checks.grade.grader.RESULT_KEYS` in that order, with
    ``variant`` after ``question`` when ``rec`` has one."""
    out: dict[str, Any] = {}
    for k in RESULT_KEYS:
        out[k] = rec.get(k)
        if k == "question" and VARIANT_KEY in rec:
            out[VARIANT_KEY] = rec[VARIANT_KEY]
    return out


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
            self.stream.write(json.dumps(_record(rec), ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            sep = "" if self.count == 0 else ",\n"
            self.stream.write(sep + json.dumps(_record(rec), ensure_ascii=False))
        else:  # what was read in readable notation when known (``shown``), else its LaTeX
            row = {**rec, "interpreted_as": rec.get("shown") or rec.get("interpreted_as")}
            self.stream.write(" | ".join(_cell(row.get(c)) for c in _TABLE_COLS) + "\n")
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


def _as_row(r: tuple[str, str, str]) -> Row:
    return r if isinstance(r, Row) else Row(*r)


def _unreadable(ps: ProblemSet, row: Row) -> dict[str, Any]:
    """The ``invalid`` record of a row that cannot be read (its answer shortened in the
    record; its id is that of the full text, so a rerun skips it)."""
    rec = result(
        row.student,
        row.question,
        row.answer,
        Verdict.INVALID,
        row.problem or "unreadable row",
        spec=ps.fingerprint,
    )
    if len(row.answer) > _SHOWN:
        rec["answer"] = row.answer[:_SHOWN] + f"… ({len(row.answer)} characters)"
    return rec


def _tasks(pairs: Iterable[tuple[Row, ProblemSet]], done: set[str]) -> Iterator[Task | dict]:
    seen = set(done)
    for row, ps in pairs:
        student, qid, answer = row
        key = answer_key(student, qid, answer, ps.fingerprint)
        if key in seen:
            continue
        seen.add(key)
        if row.problem:
            yield _unreadable(ps, row)
            continue
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
            partial(grade_readable, q, answer, student),
            ps.fingerprint,
        )


def _distinct(tasks: list[Task]) -> tuple[list[Task], dict[str, list[Task]]]:
    """The tasks with distinct (spec, question, answer), and for each such task (by the id of
    its result) every task that has the same. A verdict depends only on the spec, the question
    and the answer text (the comparison's random points are seeded by the question id, the
    text and the reference), so the same text by several students is graded once and its
    result given to each."""
    groups: dict[tuple[str, str, str], list[Task]] = {}
    for t in tasks:
        groups.setdefault((t.spec, t.question, t.answer), []).append(t)
    firsts = [g[0] for g in groups.values()]
    same = {
        answer_key(g[0].student, g[0].question, g[0].answer, g[0].spec): g for g in groups.values()
    }
    return firsts, same


def _fan_out(first: dict[str, Any], same: dict[str, list[Task]]) -> Iterator[dict[str, Any]]:
    """The result ``first`` for every student who wrote the same answer to the question."""
    yield first
    for t in same.get(str(first["id"]), [])[1:]:
        yield {
            **first,
            "student": t.student,
            "id": answer_key(t.student, t.question, t.answer, t.spec),
        }


# ------------------------------------------------------------------------------ variants


def variant_file(directory: str | Path, name: str) -> Path | None:
    """The spec of variant ``name`` in ``directory``, as ``gdflow variants -o DIR`` names
    them: ``DIR/variant-NN.toml`` with NN the variant's index zero-padded to at least two
    digits (:func:`gdflow.checks.grade.variants.variant_path`, the one definition of the
    names). A class CSV's ``variant`` cell may hold ``3``, ``03``, ``variant-03`` or
    ``variant-03.toml``; ``None`` when there is no such file."""
    from .variants import variant_path

    try:
        return variant_path(directory, name)
    except (FileNotFoundError, ValueError):
        return None


class VariantSpecs:
    """The variant specs of a directory written by ``gdflow variants``, each loaded once, when
    a row first names it (before the workers fork, so they inherit every loaded variant)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._loaded: dict[Path, ProblemSet | str] = {}

    def id(self, name: str | None) -> str | None:
        """The id of the variant file ``name`` names (``"03"`` for ``variant-03.toml``, whether
        the cell wrote ``3``, ``03`` or ``variant-03``), or ``None`` when there is no such file."""
        path = variant_file(self.directory, name) if name and name.strip() else None
        return None if path is None else path.stem.removeprefix("variant-")

    def get(self, name: str | None) -> ProblemSet | str:
        """The loaded spec of variant ``name``, or why there is none (a sentence)."""
        if name is None:
            return "the class CSV has no `variant` column"
        if not name.strip():
            return "the row names no variant (the `variant` column is empty)"
        path = variant_file(self.directory, name)
        if path is None:
            return (
                f"there is no variant {name.strip()!r} in {self.directory} (variant-01.toml, ...)"
            )
        if path not in self._loaded:
            from .spec import SpecError, load_spec

            try:
                self._loaded[path] = load_spec(path)
            except SpecError as exc:
                self._loaded[path] = (
                    f"the spec of variant {name.strip()!r} ({path.name}) is invalid: "
                    + "; ".join(exc.errors)
                )
        return self._loaded[path]


def _with_specs(
    ps: ProblemSet, rows: list[Row], variants: VariantSpecs | None
) -> list[tuple[Row, ProblemSet]]:
    """Each row with the spec it is graded against: ``ps``, or with ``variants`` the row's
    own variant (a row whose variant cannot be had is graded ``invalid``, saying why)."""
    if variants is None:
        return [(r, ps) for r in rows]
    out = []
    for r in rows:
        got = variants.get(r.variant) if not r.problem else ps
        if isinstance(got, str):
            why = f"line {r.line} (student {r.student!r}): {got}"
            out.append((Row(r.student, r.question, r.answer, r.line, why, r.variant), ps))
        else:
            out.append((r, got))
    return out


def grade_class(
    ps: ProblemSet,
    rows: Iterable[tuple[str, str, str]],
    out: str | None,
    fmt: str = "jsonl",
    jobs: int = 1,
    memory_mb: int | None = None,
    stdout: IO[str] | None = None,
    log: IO[str] | None = None,
    variants: VariantSpecs | None = None,
) -> Counter:
    """Grade ``rows`` against ``ps``, streaming each result to ``out`` (or ``stdout``) as it
    finishes; with an existing ``out``, answers already there are skipped. With ``variants``,
    each row is graded against the spec of its ``variant`` column (``ps`` then only gives the
    points of the totals, and the fingerprint of rows without a usable variant). Returns the count
    of verdicts of the class's answers (those graded earlier included; results in ``out`` for
    another version of the spec or of the answers are kept there but not counted). Ends with
    a summary and each student's points on ``log``.

    When the rows have a ``variant`` column (:attr:`Row.variant` not ``None``), each record
    carries ``variant`` (after ``question``): with ``variants``, the id of the variant file the
    row was graded against (``"03"`` for ``variant-03.toml``, however the cell wrote it);
    otherwise, or when the cell names no variant file, the cell as written; ``None`` (JSON
    ``null``) for an empty cell. Rows without that column give records without the key."""
    from .parse import warm_up

    warm_up()  # build the LaTeX grammar once, before forking workers
    log = log or sys.stderr
    pairs = _with_specs(ps, [_as_row(r) for r in rows], variants)
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
    done = {r["id"] for r in earlier}
    current = {answer_key(*row, spec.fingerprint) for row, spec in pairs}
    tags = _variant_tags(pairs, variants)
    graded = [r for r in earlier if r["id"] in current]
    counts: Counter = Counter(r.get("verdict", "?") for r in graded)
    if earlier:
        have = len(current & done)
        todo = len(current) - have
        print(
            f"grade: {have} of the {len(current)} answer(s) are already graded in {out}; "
            + (f"grading the other {todo}" if todo else "nothing left to grade"),
            file=log,
        )
        stale = len(done - current)
        if stale:
            print(
                f"grade: {out} also holds {stale} result(s) for another version of the spec or "
                "of the answers; they are kept, and not counted below",
                file=log,
            )
    t0 = time.monotonic()
    direct: list[dict[str, Any]] = []
    tasks: list[Task] = []
    for item in _tasks(pairs, done):
        if isinstance(item, Task):
            tasks.append(item)
        else:
            direct.append(item)
    unique, same = _distinct(tasks)
    try:
        for rec in direct:
            rec = _tagged(rec, tags)
            writer.write(rec)
            counts[rec["verdict"]] += 1
            graded.append(rec)
        mem = memory_mb if memory_mb is not None else ps.memory_mb
        for first in run_tasks(unique, jobs=jobs, memory_mb=mem):
            for rec in _fan_out(first, same):
                rec = _tagged(rec, tags)
                writer.write(rec)
                counts[rec["verdict"]] += 1
                graded.append(rec)
        writer.end()
    finally:
        if out:
            stream.close()
    elapsed = time.monotonic() - t0
    n = len(tasks) + len(direct)
    summary = ", ".join(f"{v} {counts[v]}" for v in Verdict if counts[v])
    texts = f", {len(unique)} distinct text(s) run" if len(unique) < len(tasks) else ""
    print(
        f"grade: {n} answer(s) graded in {elapsed:.1f} s{texts}; the class: "
        f"{summary or 'no answers'}",
        file=log,
    )
    _print_totals(ps, graded, log)
    return counts


def _variant_tags(
    pairs: list[tuple[Row, ProblemSet]], variants: VariantSpecs | None
) -> dict[str, str | None]:
    """For each answer id of a row with a ``variant`` cell, the ``variant`` of its record (see
    :func:`grade_class`)."""
    tags: dict[str, str | None] = {}
    for row, spec in pairs:
        if row.variant is None:
            continue
        name = (variants.id(row.variant) if variants is not None else None) or row.variant
        tags[answer_key(*row, spec.fingerprint)] = name or None
    return tags


def _tagged(rec: dict[str, Any], tags: dict[str, str | None]) -> dict[str, Any]:
    """``rec`` with its row's ``variant`` when the row has a ``variant`` cell."""
    key = str(rec.get("id"))
    return {**rec, VARIANT_KEY: tags[key]} if key in tags else rec


def _print_totals(ps: ProblemSet, records: list[dict[str, Any]], log: IO[str]) -> None:
    """Each student's points and verdicts, one line per student."""
    scores = points_by_student(ps, records)
    if not scores:
        return
    total = sum(q.points for q in ps.questions.values())
    verdicts: dict[str, Counter] = {}
    for r in records:
        verdicts.setdefault(str(r.get("student")), Counter())[str(r.get("verdict"))] += 1
    width = min(max(len(s) for s in scores), 30)
    print(f"grade: points by student (of {total:g}):", file=log)
    for student, p in scores.items():
        seen = verdicts.get(student, Counter())
        detail = ", ".join(f"{v} {seen[v]}" for v in Verdict if seen[v])
        print(f"  {student[:30]:<{width}}  {p:>5g}   ({detail})", file=log)


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


# ------------------------------------------------------------------------------ readable math


class _Linear(StrPrinter):
    """SymPy's ``str`` printer with mathematical notation on one line: ``α``, ``x^2``, ``2·x``,
    ``(0, 1/2]``, ``∅``, ``[[1, 2], [3, 4]]``, ``∧``."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return str(pretty_symbol(expr.name))

    def _print_Interval(self, i: sp.Interval) -> str:
        left = "(" if i.left_open else "["
        right = ")" if i.right_open else "]"
        return f"{left}{self._print(i.start)}, {self._print(i.end)}{right}"

    def _print_Union(self, u: sp.Union) -> str:
        return " ∪ ".join(self._print(a) for a in u.args)

    def _print_EmptySet(self, e: Any) -> str:
        return "∅"

    def _print_Infinity(self, e: Any) -> str:
        return "∞"

    def _print_NegativeInfinity(self, e: Any) -> str:
        return "-∞"

    def _print_And(self, e: Any) -> str:
        return " ∧ ".join(self._print(a) for a in e.args)

    def _print_Or(self, e: Any) -> str:
        return " ∨ ".join(self._print(a) for a in e.args)

    def _print_MatrixBase(self, m: sp.MatrixBase) -> str:
        if m.cols == 1:
            return "(" + ", ".join(self._print(x) for x in m) + ")ᵀ"
        return (
            "["
            + ", ".join(
                "[" + ", ".join(self._print(x) for x in m.row(i)) + "]" for i in range(m.rows)
            )
            + "]"
        )

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase

    def _print_Contains(self, e: Any) -> str:
        return f"{self._print(e.args[0])} ∈ {self._print(e.args[1])}"


_SHOW_LIMIT = 300  # characters: a longer rendering is not shown in the table


def readable(value: Any, one_line: bool = True) -> str | None:
    """What an answer was read as, for a reader: ``sympy.pretty`` (unicode), or with
    ``one_line`` the same notation on one line (for a table cell); ``None`` when too long."""
    if isinstance(value, str):
        return value.replace("_", " ")
    try:
        if not one_line:
            out = sp.pretty(value, use_unicode=True, wrap_line=False)
        else:
            out = sp.pretty(value, use_unicode=True, wrap_line=False)
            if "\n" in out:
                out = _Linear().doprint(value).replace("**", "^").replace("*", "·")
    except Exception:  # noqa: BLE001 - display only
        return None
    return out if len(out) <= (_SHOW_LIMIT if one_line else 20 * _SHOW_LIMIT) else None


_GREEK = {*greeks, "lambda"}

_LATEX_TEXT = [
    (re.compile(r"\\(?:mathbf|boldsymbol|mathrm|mathit|operatorname|text)\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\(?:left|right)\b"), ""),
    (re.compile(r"\^\{?\\top\}?"), "ᵀ"),
    (re.compile(r"\^\{?\\dagger\}?|\^\{\+\}"), "†"),
    (re.compile(r"\^\{-1\}"), "⁻¹"),
    (re.compile(r"\^\{\((\d)\)\}"), r"⁽\1⁾"),
    (re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}"), r"(\1)/(\2)"),
    (re.compile(r"\\(?:cdot|times)"), "·"),
    (re.compile(r"\\[,;:! ]"), " "),
]


def _plain_latex(text: str | None) -> str | None:
    """A short LaTeX display (``interpreted_as``) in plain notation when every command in it
    has a plain form (``\\mathbf{A}^{-1}`` is A⁻¹, ``\\alpha`` α), else ``None``."""
    if not text or len(text) > 400:
        return None
    out = text
    for pattern, repl in _LATEX_TEXT:
        out = pattern.sub(repl, out)
    out = re.sub(
        r"\\([A-Za-z]+)",
        lambda m: str(pretty_symbol(m.group(1))) if m.group(1).lower() in _GREEK else m.group(0),
        out,
    )
    out = " ".join(out.replace("{", "(").replace("}", ")").split())
    return None if "\\" in out else out


def grade_readable(q: Question, text: str, student: str = "") -> dict[str, Any]:
    """:func:`~gdflow.checks.grade.grader.grade_answer`, plus ``shown``: what the answer was
    read as in readable notation (:func:`readable`, one line) and ``pretty`` (multi-line
    ``sympy.pretty``), for the terminal; the JSON records keep ``interpreted_as`` (LaTeX)."""
    rec = grade_answer(q, text, student)
    if rec.get("verdict") not in (Verdict.CORRECT, Verdict.INCORRECT):
        return rec
    ref = q.reference
    written = " ".join(text.split())
    latex = "\\" in written or "$" in written
    written = written if len(written) <= 120 and not latex else None  # plain text, as written
    used_data = False
    try:
        with deadline(0.5):
            if ref.expect == "label":
                value: Any = parse_label(text, ref.labels or {}).value
            else:
                parsed = parse_answer(text, ref.scope, ref.expect)
                value, used_data = parsed.value, parsed.used_data
                if ref.variable is not None and parsed.shape == Shape.RELATION:
                    value = sp.Contains(ref.variable, relation_to_set(value, ref.variable))
    except (Exception, OutOfTime):  # noqa: BLE001 - display only, the verdict stands
        if rec.get("interpreted_as"):
            rec["shown"] = rec["pretty"] = written or _plain_latex(rec["interpreted_as"])
        return rec
    shown = readable(value)
    if used_data and written:  # a formula on the data: as written, and its value if short
        shown = f"{written} = {shown}" if shown and len(shown) <= 60 else written
    rec["shown"] = shown or written
    rec["pretty"] = readable(value, one_line=False) or rec["shown"]
    return rec
