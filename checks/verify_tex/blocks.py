r"""The steps of a document: math blocks found, noise blanked, rows and relations split.

Blocks: ``align``, ``align*``, ``equation``, ``gather``, ``multline``, ``flalign``,
``eqnarray`` (``split``/``aligned`` inside them), ``\[...\]`` and ``$$...$$``.  In a block,
rows end at ``\\`` (not inside a matrix); each relation (``=``, ``\le``, ``<``, ``\ge``,
``>``) is one step; a row that starts with a relation continues from the previous right side, a
row with its own left side starts anew, a row with no relation continues the previous side.
``\label``, ``\tag``, ``\nonumber``, ``\notag``, ``\text{...}`` comments, ``\intertext`` and a
final ``.`` or ``,`` are blanked.  Blanking keeps every character's offset, so each side keeps
the line and column where it was typed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .declare import DECLARATION
from .read import HOSTILE

__all__ = ["Piece", "RawStep", "Problem", "Document", "split_document"]

_ENVS = r"align\*?|equation\*?|gather\*?|multline\*?|flalign\*?|eqnarray\*?|alignat\*?"
_RELATIONS = {
    "=": "=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "\\le": "<=",
    "\\leq": "<=",
    "\\leqslant": "<=",
    "\\ge": ">=",
    "\\geq": ">=",
    "\\geqslant": ">=",
    "\\lt": "<",
    "\\gt": ">",
    "\\ne": "!=",
    "\\neq": "!=",
    "\\approx": "approx",
    "\\equiv": "equiv",
    "\\coloneqq": ":=",
    ":=": ":=",
    "\\triangleq": ":=",
}
_REL_AT = re.compile(
    r"\\(?:leqslant|geqslant|coloneqq|triangleq|approx|equiv|leq|geq|neq|le|ge|lt|gt|ne)"
    r"(?![A-Za-z])|<=|>=|:=|=|<|>"
)
_NOISE_ARG = re.compile(
    r"\\(?:label|tag\*?|text|textrm|textit|mbox|intertext|shortintertext|"
    r"eqref|ref|hbox|hspace\*?|vspace\*?|phantom)\s*\{"
)
_NOISE = re.compile(
    r"\\(?:nonumber|notag|displaystyle|textstyle|quad|qquad|medskip|smallskip|bigskip|"
    r"allowdisplaybreaks|noindent)(?![A-Za-z])"
    r"|\\(?:begin|end)\{(?:split|aligned|gathered|alignedat)\}(?:\{[0-9]+\})?"
)
_MAX_FILE = 1_000_000
MAX_STEPS = 500


@dataclass
class Piece:
    """One side of a step: its text and the file offset of each character."""

    text: str = ""
    offsets: list[int] = field(default_factory=list)

    def extend(self, text: str, start: int) -> None:
        """Append ``text`` that starts at file offset ``start``."""
        if self.text:
            self.text += " "
            self.offsets.append(self.offsets[-1] if self.offsets else start)
        self.text += text
        self.offsets.extend(range(start, start + len(text)))

    def offset(self, column: int | None) -> int:
        """The file offset of 1-based ``column`` of the text (its first non-blank character
        when ``column`` is None)."""
        if not self.offsets:
            return 0
        if column is None:
            stripped = len(self.text) - len(self.text.lstrip())
            column = min(stripped, len(self.text) - 1) + 1
        return self.offsets[max(0, min(column - 1, len(self.offsets) - 1))]

    @property
    def source(self) -> str:
        """The side as written (spaces collapsed)."""
        return " ".join(self.text.split())


@dataclass
class RawStep:
    """One relation ``lhs rel rhs`` and the file offset of its relation sign."""

    lhs: Piece
    relation: str
    rhs: Piece
    offset: int


@dataclass
class Problem:
    """Something refused outside the steps (a hostile command, a step with no left side)."""

    offset: int
    message: str


@dataclass
class Document:
    """The steps, problems and declaration lines of a document, and its line starts."""

    steps: list[RawStep]
    problems: list[Problem]
    declarations: list[tuple[int, str]]
    line_starts: list[int]

    def where(self, offset: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of a file offset."""
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1


def _blank_span(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 4000)):
        c = text[i]
        if c == "\\":
            continue
        if c == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i
    return open_at


def _blank_comments(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Comments blanked (``%`` to the end of the line, not ``\\%``); declaration lines kept."""
    chars = list(text)
    decls: list[tuple[int, str]] = []
    pos = 0
    for n, line in enumerate(text.split("\n"), 1):
        m = DECLARATION.search(line)
        if m is not None and (line.lstrip().startswith(("%", "<!--")) or "%" in line):
            decls.append((n, m.group("body").strip()))
        cut = re.search(r"(?<!\\)%", line)
        if cut is not None:
            _blank_span(chars, pos + cut.start(), pos + len(line))
        elif m is not None:
            _blank_span(chars, pos + m.start(), pos + len(line))
        pos += len(line) + 1
    return "".join(chars), decls


def _blank_noise(body: str) -> str:
    chars = list(body)
    for m in _NOISE_ARG.finditer(body):
        end = _matching_brace(body, m.end() - 1)
        inner = body[m.end() : end].strip()
        if m.group(0).startswith(("\\text", "\\textrm")) and inner in ("e", "tr", "det", "Tr"):
            continue
        _blank_span(chars, m.start(), end + 1)
    out = "".join(chars)
    out = _NOISE.sub(lambda m: " " * len(m.group(0)), out)
    out = re.sub(r"\\\\\s*\[[^\]]*\]", lambda m: "\\\\" + " " * (len(m.group(0)) - 2), out)
    # a final full stop or comma of a row
    out = re.sub(r"[.,](\s*)(?=\\\\|$)", lambda m: " " + m.group(1), out)
    return out


def _rows(body: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each row: split at ``\\\\`` outside braces and matrices."""
    rows = []
    depth = env = 0
    start = i = 0
    while i < len(body):
        c = body[i]
        if body.startswith("\\begin", i):
            env += 1
            i += 6
            continue
        if body.startswith("\\end", i):
            env -= 1
            i += 4
            continue
        if body.startswith("\\\\", i):
            if depth == 0 and env <= 0:
                rows.append((start, i))
                start = i + 2
            i += 2
            continue
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    rows.append((start, len(body)))
    return rows


def _columns(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of a row split at a top-level ``&&`` (outside braces and matrices): what
    follows ``&&`` is another equation or a comment, never the continuation of the chain."""
    out = []
    depth = env = 0
    i = cut = start
    while i < end:
        if body.startswith("\\begin", i):
            env += 1
        elif body.startswith("\\end", i):
            env -= 1
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "&" and depth == 0 and env <= 0:
            j = i + 1
            while j < end and body[j] in " \t":
                j += 1
            if j < end and body[j] == "&":
                out.append((cut, i))
                cut = i = j + 1
                continue
        i += 1
    out.append((cut, end))
    return out


def _drop_alignment(row: str) -> str:
    """The row with its alignment ``&`` blanked (not the column separators of a matrix)."""
    chars = list(row)
    env = 0
    for m in re.finditer(r"\\(begin|end)(?![A-Za-z])|\\&|&", row):
        if m.group(1) == "begin":
            env += 1
        elif m.group(1) == "end":
            env -= 1
        elif m.group(0) == "&" and env <= 0:
            chars[m.start()] = " "
    return "".join(chars)


def _relations(row: str) -> list[tuple[int, int, str]]:
    """``(start, end, relation)`` of each top-level relation sign of a row."""
    out = []
    depth = env = paren = 0
    i = 0
    while i < len(row):
        if row.startswith("\\begin", i):
            env += 1
        elif row.startswith("\\end", i):
            env -= 1
        c = row[i]
        if c in "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif row.startswith("\\left", i):
            paren += 1
            i += 6
            continue
        elif row.startswith("\\right", i):
            paren -= 1
            i += 7
            continue
        elif c in "([":
            paren += 1
        elif c in ")]":
            paren -= 1
        if depth == 0 and env == 0 and paren <= 0:
            m = _REL_AT.match(row, i)
            if m is not None:
                out.append((m.start(), m.end(), _RELATIONS[m.group(0)]))
                i = m.end()
                continue
        if c == "\\":
            m2 = re.match(r"\\([A-Za-z]+|.)", row[i:])
            i += len(m2.group(0)) if m2 else 1
            continue
        i += 1
    return out


_MARK = re.compile(
    r"\\(?P<kind>begin|end)\{(?P<env>" + _ENVS + r")\}(?:\{[0-9]+\})?"
    r"|(?P<open>\\\[)|(?P<close>\\\])|(?P<dollars>\$\$)"
)


def _find_blocks(text: str) -> list[tuple[int, str]]:
    """``(offset, body)`` of each math block, in one pass over the markers (linear in the
    text, whatever a hostile file holds)."""
    out: list[tuple[int, str]] = []
    open_kind: str | None = None
    start = 0
    for m in _MARK.finditer(text):
        if open_kind is None:
            if m.group("kind") == "begin":
                open_kind, start = "env:" + m.group("env"), m.end()
            elif m.group("open"):
                open_kind, start = "bracket", m.end()
            elif m.group("dollars"):
                open_kind, start = "dollars", m.end()
            continue
        closes = (
            (m.group("kind") == "end" and open_kind == "env:" + m.group("env"))
            or (open_kind == "bracket" and m.group("close") is not None)
            or (open_kind == "dollars" and m.group("dollars") is not None)
        )
        if closes:
            out.append((start, text[start : m.start()]))
            open_kind = None
    return out


def split_document(text: str, markdown: bool = False) -> Document:
    """The steps of a LaTeX or Markdown document (see the module).  A text with no math block
    is read as the body of one ``align*``."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    blanked, decls = _blank_comments(text)
    problems: list[Problem] = []
    blocks = _find_blocks(blanked)
    spans = [(s, s + len(b)) for s, b in blocks]
    if not blocks and not re.search(r"\\begin\{|\$\$|\\\[", blanked):
        blocks = [(0, blanked)]
        spans = [(0, len(blanked))]
    else:
        for m in re.finditer(r"\\([A-Za-z]+)", blanked):
            if m.group(1) in HOSTILE and not any(a <= m.start() < b for a, b in spans):
                if markdown:
                    continue
                problems.append(
                    Problem(
                        m.start(),
                        f"`\\{m.group(1)}` is refused: gdflow verify reads the file as text, "
                        "runs no TeX and defines or includes nothing",
                    )
                )
    steps: list[RawStep] = []
    for start, body in blocks:
        body = _blank_noise(body)
        last: Piece | None = None
        for row_start, row_end in _rows(body):
            for part, (rs, re_) in enumerate(_columns(body, row_start, row_end)):
                row = _drop_alignment(body[rs:re_])
                rels = _relations(row)
                if not rels:
                    if row.strip() and last is not None and part == 0:
                        last.extend(row, start + rs)
                    continue
                first = row[: rels[0][0]]
                if first.strip():
                    lhs: Piece | None = Piece()
                    lhs.extend(first, start + rs)
                elif last is not None and part == 0:
                    lhs = last
                else:
                    problems.append(
                        Problem(start + rs + rels[0][0], "a relation with nothing on its left")
                    )
                    lhs = None
                for k, (a, b, rel) in enumerate(rels):
                    end = rels[k + 1][0] if k + 1 < len(rels) else len(row)
                    rhs = Piece()
                    rhs.extend(row[b:end], start + rs + b)
                    if lhs is not None:
                        steps.append(RawStep(lhs, rel, rhs, start + rs + a))
                    lhs = rhs
                if part == 0:
                    last = lhs
    return Document(steps, problems, decls, line_starts)
