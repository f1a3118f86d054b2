"""The notation of the printed page: what each name is, the reader's renames, reasons' math.

Equations and reasons must read in one notation.  The equations are printed from SymPy
objects by :class:`gdflow.derive.latex.GDLatexPrinter`, which knows each object: a
``MatrixSymbol`` is a vector or matrix (bold), unless it is 1×1 (a scalar: ``a(t)``, the
constant ``c``), and a 1×1 ``J`` or ``L`` is a loss (``\\mathcal{J}``, 001's notation;
``\\mathcal{L}``, 000's).  The reasons are text with ``$...$`` math written by hand in a plain
notation (``$I - \\alpha A$``, ``$w^{(0)}$``, ``^T``); :func:`math` translates such math into the
printer's notation using the :class:`Names` of the derivation: each letter or Greek command
that is a vector or matrix of the derivation becomes bold exactly as the printer prints it,
``^T`` becomes ``^\\top``, a loss becomes calligraphic, and the contents of ``\\text{}``,
``\\mathrm{}``, ``\\mathcal{}``, ``\\mathbb{}``, ``\\operatorname{}`` (and of an explicit
``\\mathbf{}``) are left as written.

A reader's notation is a mapping of base names in the package's convention (``Phi``,
``alpha``, ``w``, ``J``; see :func:`gdflow.derive.latex.render_name`) to new base names
(``X``, ``eta``, ``theta``, ``L``).  :func:`renamed` makes it current for the printer and for
:func:`math` alike, so equations and reasons are renamed together; the boldness follows the
object (renaming the matrix ``Phi`` to ``X`` prints ``\\mathbf{X}``).  :func:`read_notation`
reads a TOML file (``[rename]`` table), :func:`parse_rename` one ``OLD=NEW``, and
:func:`check_rename` refuses a new name that is already used in a derivation.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.core.function import AppliedUndef

if TYPE_CHECKING:
    from .derivation import Derivation

__all__ = [
    "GREEK",
    "LOSSES",
    "PARAMETERS",
    "Names",
    "NotationError",
    "split_name",
    "names_in",
    "names_of",
    "current_names",
    "current_rename",
    "naming",
    "renamed",
    "rename_base",
    "math",
    "text",
    "mark_names",
    "loss_letter",
    "parse_rename",
    "read_notation",
    "check_rename",
]

GREEK = frozenset(
    "alpha beta gamma delta epsilon eta theta kappa lambda mu nu xi pi rho sigma tau phi chi "
    "psi omega zeta iota upsilon varphi varepsilon vartheta "
    "Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega Upsilon".split()
)
"""Base names printed as Greek letters (``alpha`` is ``\\alpha``)."""

LOSSES = frozenset({"J", "L"})
"""Base names of a 1×1 ``MatrixSymbol`` that is a loss, printed calligraphic (001's J, 000's L)."""

PARAMETERS = ("k", "t", "N", "alpha", "eta", "lambda", "epsilon", "kappa")
"""Names of the scalars that are parameters (iteration, time, size, step, ridge strength), in
the order they are printed in a product: numbers, then these, then the data
(``-k\\alpha\\tilde{b}_{j}``, not SymPy's ``-\\tilde{b}_{j} k \\alpha``)."""

_BASE = re.compile(r"^(?P<base>[A-Za-z]+)(?P<tilde>~)?(?=$|[_^(])")
_WORD = re.compile(r"^[A-Za-z]+$")


class NotationError(ValueError):
    """A notation the package cannot use: a malformed ``OLD=NEW``, a bad TOML file, or a new
    name that is already used in a derivation.  The message names the culprit."""


@dataclass(frozen=True)
class Names:
    """What the names of a derivation are, by base name (``w`` for ``w^(k)``; ``~w`` for the
    tilde names ``w~_j``): ``bold`` vectors and matrices, ``scalar`` scalars (symbols, sizes,
    1×1 matrices, function names), ``loss`` the 1×1 losses ``J``/``L``, and ``mentioned`` the
    letters and Greek names written in the math of its reasons."""

    bold: frozenset[str] = frozenset()
    scalar: frozenset[str] = frozenset()
    loss: frozenset[str] = frozenset()
    mentioned: frozenset[str] = frozenset()

    @property
    def used(self) -> frozenset[str]:
        """Every base name in use (tilde names by their base), for refusing a rename onto one."""
        every = self.bold | self.scalar | self.loss | self.mentioned
        return frozenset(n.lstrip("~") for n in every)

    def __or__(self, other: Names) -> Names:
        return Names(
            self.bold | other.bold,
            self.scalar | other.scalar,
            self.loss | other.loss,
            self.mentioned | other.mentioned,
        )

    def is_bold(self, key: str, superscript: bool = False) -> bool:
        """Whether the name ``key`` prints bold: a vector or matrix of the derivation; when it
        is also a scalar (``D`` the size and ``D`` the diagonal matrix) bold except in a
        superscript (``\\mathbb{R}^{N\\times D}``).  A capital Latin letter the derivation does
        not know (``I``, the ``S`` of an SVD) is a matrix, as everywhere in the package, except
        ``O`` (big O)."""
        if key in self.bold:
            return key not in self.scalar or not superscript
        return (
            re.fullmatch(r"[A-NP-Z]", key) is not None
            and key not in self.scalar
            and key not in self.loss
            and key not in LOSSES
            and not superscript
        )


_NAMES: ContextVar[Names | None] = ContextVar("gdflow_names", default=None)
_RENAME: ContextVar[Mapping[str, str] | None] = ContextVar("gdflow_rename", default=None)


def split_name(name: str) -> tuple[str, bool] | None:
    """``(base, tilde)`` of a name in the package's convention (``("w", True)`` for
    ``w~_j^(k)``), or None when it does not follow it (``E[Bz + c]``)."""
    m = _BASE.match(name)
    return (m["base"], bool(m["tilde"])) if m else None


def _key(name: str) -> str | None:
    parts = split_name(name)
    if parts is None:
        return None
    return ("~" if parts[1] else "") + parts[0]


def names_in(exprs: Iterable[Any]) -> Names:
    """The :class:`Names` of the SymPy objects ``exprs`` (anything else is skipped)."""
    bold: set[str] = set()
    scalar: set[str] = set()
    loss: set[str] = set()
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for m in e.atoms(sp.MatrixSymbol):
            key = _key(m.name)
            if key is None:
                continue
            if m.shape != (1, 1):
                bold.add(key)
            elif key in LOSSES:
                loss.add(key)
            else:
                scalar.add(key)
        for s in e.atoms(sp.Symbol):
            key = _key(s.name)
            if key is not None:
                scalar.add(key)
        for f in e.atoms(AppliedUndef):
            key = _key(type(f).__name__)
            if key is not None:
                scalar.add(key)
    return Names(frozenset(bold), frozenset(scalar), frozenset(loss))


def _claim_exprs(claim: Any) -> list[Any]:
    out = list(claim.parts())
    update = getattr(claim, "update_expression", None)
    if update is not None:
        out.append(update())
    return out


def names_of(d: Derivation) -> Names:
    """The :class:`Names` of a derivation: of its claims (steps and source claims, with their
    step-level conditions), assumptions, result and formulas, and the names written in the
    math of its reasons, summary and assumption texts."""
    exprs: list[Any] = []
    for step in d.all_steps:
        exprs.extend(_claim_exprs(step.claim))
        if step.given is not None:
            exprs.extend(step.given.conditions)
    a = d.assumptions
    exprs.extend(a.conditions)
    exprs.extend(a.matrices)
    exprs.extend(a.definitions)
    exprs.extend(a.definitions.values())
    if d.result is not None:
        exprs.extend(_claim_exprs(d.result))
    for f in d.formulas.values():
        exprs.extend((f.name, f.expr))
    found = names_in(exprs)
    texts = [s.reason for s in d.all_steps] + [d.summary, *a.text]
    mentioned = {tok for t in texts for tok in _mentioned(t)}
    return Names(found.bold, found.scalar, found.loss, frozenset(mentioned))


def current_names() -> Names | None:
    """The names of the derivation being rendered (set by :func:`naming`), or None."""
    return _NAMES.get()


def current_rename() -> Mapping[str, str]:
    """The reader's renames in force (set by :func:`renamed`); empty by default."""
    return _RENAME.get() or {}


@contextmanager
def naming(names: Names | None) -> Iterator[None]:
    """Render with ``names`` as the names of the derivation (for reasons' math)."""
    token = _NAMES.set(names)
    try:
        yield
    finally:
        _NAMES.reset(token)


@contextmanager
def renamed(rename: Mapping[str, str] | None) -> Iterator[None]:
    """Render with the reader's renames ``{old base: new base}`` (``{"Phi": "X"}``): every
    equation, reason, summary and assumption printed inside uses the new names."""
    token = _RENAME.set(dict(rename or {}))
    try:
        yield
    finally:
        _RENAME.reset(token)


def rename_base(base: str) -> str:
    """``base`` under the renames in force (itself when not renamed)."""
    return current_rename().get(base, base)


def _letter(base: str) -> str:
    """LaTeX of a base name: ``\\alpha`` for a Greek name, else the letters."""
    return "\\" + base if base in GREEK else base


def _bold(tex: str, base: str) -> str:
    return rf"\boldsymbol{{{tex}}}" if base in GREEK else rf"\mathbf{{{tex}}}"


def loss_letter(base: str) -> str:
    """A loss's letter: calligraphic when it is one capital Latin letter (``\\mathcal{J}``),
    else as any other scalar name."""
    return rf"\mathcal{{{base}}}" if re.fullmatch(r"[A-Z]", base) else _letter(base)


# ----------------------------------------------------------------------------------------
# reasons' math

_VERBATIM = (
    "text",
    "textrm",
    "textit",
    "textbf",
    "textsc",
    "mathrm",
    "mathcal",
    "mathbb",
    "mathsf",
    "mathit",
    "mathbf",
    "boldsymbol",
    "bm",
    "operatorname",
    "label",
    "ref",
    "eqref",
    "begin",
    "end",
)
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def _group_end(tex: str, i: int) -> int:
    """The index after the balanced ``{...}`` group starting at ``tex[i] == "{"``."""
    depth = 0
    for j in range(i, len(tex)):
        if tex[j] == "{" and (j == 0 or tex[j - 1] != "\\"):
            depth += 1
        elif tex[j] == "}" and tex[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tex)


def _skip_spaces(tex: str, i: int) -> int:
    while i < len(tex) and tex[i] == " ":
        i += 1
    return i


@dataclass
class _Token:
    kind: str  # "name", "tilde", "text"
    text: str
    base: str = ""
    script: str = ""  # "sub", "sup" or ""


def _tokens(tex: str) -> Iterator[_Token]:
    """The math ``tex`` as names (single letters, Greek commands), tilde names and the rest."""
    stack: list[str] = []  # the script kind of each open group
    pending = ""  # a _ or ^ waiting for its argument
    i = 0

    def script() -> str:
        if pending:
            return pending
        return next((s for s in reversed(stack) if s), "")

    while i < len(tex):
        ch = tex[i]
        cmd = _COMMAND.match(tex, i)
        if cmd and cmd[1] in _VERBATIM:
            j = _skip_spaces(tex, cmd.end())
            end = _group_end(tex, j) if j < len(tex) and tex[j] == "{" else cmd.end()
            yield _Token("text", tex[i:end])
            i, pending = end, ""
        elif cmd and cmd[1] == "tilde":
            j = _skip_spaces(tex, cmd.end())
            inner = _COMMAND.match(tex, j)
            if j < len(tex) and tex[j] == "{":
                end = _group_end(tex, j)
                body = tex[j + 1 : end - 1].strip()
            elif inner:
                end, body = inner.end(), inner.group(0)
            else:
                end, body = j + 1, tex[j : j + 1]
            base = body[1:] if body.startswith("\\") else body
            if (body.startswith("\\") and base in GREEK) or re.fullmatch(r"[A-Za-z]", body):
                yield _Token("tilde", tex[i:end], base, script())
            else:
                yield _Token("text", tex[i:end])
            i, pending = end, ""
        elif cmd:
            if cmd[1] in GREEK:
                yield _Token("name", cmd.group(0), cmd[1], script())
            else:
                yield _Token("text", cmd.group(0))
            i, pending = cmd.end(), ""
        elif ch == "\\":
            yield _Token("text", tex[i : i + 2])
            i, pending = i + 2, ""
        elif ch.isascii() and ch.isalpha():
            yield _Token("name", ch, ch, script())
            i, pending = i + 1, ""
        elif ch in "_^":
            j = _skip_spaces(tex, i + 1)
            if ch == "^" and tex.startswith("T", j) and not tex[j + 1 : j + 2].isalpha():
                yield _Token("text", r"^\top")  # the transpose, 001's T
                i, pending = j + 1, ""
                continue
            if ch == "^" and re.match(r"\{\s*T\s*\}", tex[j:]):
                yield _Token("text", r"^{\top}")
                i, pending = _group_end(tex, j), ""
                continue
            yield _Token("text", ch)
            pending = "sub" if ch == "_" else "sup"
            i += 1
        elif ch == "{":
            stack.append(script())
            pending = ""
            yield _Token("text", ch)
            i += 1
        elif ch == "}":
            if stack:
                stack.pop()
            yield _Token("text", ch)
            i += 1
        else:
            if ch != " ":
                pending = ""
            yield _Token("text", ch)
            i += 1


def _mentioned(text_: str) -> set[str]:
    """The names (letters, Greek) written in the ``$...$`` math of a text."""
    out: set[str] = set()
    for part in re.findall(r"\$([^$]*)\$", text_):
        out.update(t.base for t in _tokens(part) if t.kind in ("name", "tilde"))
    return out


def _translate(token: _Token, names: Names) -> str:
    new = rename_base(token.base)
    letter = _letter(new)
    if token.kind == "tilde":
        inner = letter
        key = "~" + token.base
        if token.script != "sub" and key in names.bold and key not in names.scalar:
            inner = _bold(letter, new)
        return rf"\tilde{{{inner}}}"
    if token.script == "sub":
        return letter
    if token.base in names.loss or (
        token.base in LOSSES
        and token.base not in names.bold
        and token.base not in names.scalar
        and token.script != "sup"
    ):
        return loss_letter(new)
    if names.is_bold(token.base, superscript=token.script == "sup"):
        return _bold(letter, new)
    return letter


def math(tex: str, names: Names | None = None) -> str:
    """Hand-written math ``tex`` in the printer's notation: the vectors and matrices among
    ``names`` (default: the names being rendered, :func:`current_names`) bold, ``^T`` as
    ``^\\top``, a loss calligraphic, the renames in force applied; the contents of ``\\text``,
    ``\\mathrm``, ``\\mathcal``, ``\\mathbb``, ``\\operatorname`` and an explicit ``\\mathbf``
    untouched.

    >>> A = Names(bold=frozenset({"A", "w"}), scalar=frozenset({"alpha"}))
    >>> math(r"I - \\alpha A", A)
    '\\\\mathbf{I} - \\\\alpha \\\\mathbf{A}'
    >>> math(r"b \\in \\mathrm{range}(A), w^{(0)}, A^T", A)
    'b \\\\in \\\\mathrm{range}(\\\\mathbf{A}), \\\\mathbf{w}^{(0)}, \\\\mathbf{A}^\\\\top'
    """
    names = names if names is not None else (current_names() or Names())
    out: list[str] = []
    pieces = list(_tokens(tex))
    for n, token in enumerate(pieces):
        if token.kind == "text":
            out.append(token.text)
            continue
        piece = _translate(token, names)
        following = pieces[n + 1].text[:1] if n + 1 < len(pieces) else ""
        if re.search(r"\\[A-Za-z]+$", piece) and following.isalpha():
            piece += " "  # \eta followed by a letter: keep the command name apart
        out.append(piece)
    return "".join(out)


_BARE = re.compile(
    r"(?<![A-Za-z0-9$\\_^.\-/~])([A-Za-z])(?:\(([A-Za-z0-9,\s]*)\))?(?![A-Za-z0-9_'])"
)


def mark_names(text_: str, names: Names | None = None) -> str:
    """A text with its bare names put in math: outside ``$...$``, a single letter that is a
    vector, matrix or loss of the derivation (``A symmetric PSD``, ``range(A)``, ``w(t)``,
    ``J bounded below``) becomes ``$A$`` (then typeset by :func:`math`).  Letters in words,
    after a digit or a dot (``3x2``, ``e.g.``) or before a digit (``(A1)``) are left alone.

    >>> mark_names("A symmetric, b in range(A) (A1)", Names(bold=frozenset({"A", "b"})))
    '$A$ symmetric, $b$ in range($A$) (A1)'
    """
    names = names if names is not None else (current_names() or Names())

    def wrap(m: re.Match[str]) -> str:
        tok = m[1]
        loss = tok in names.loss or (
            tok in LOSSES and tok not in names.bold and tok not in names.scalar
        )
        if loss or (tok in names.bold and tok not in names.scalar):
            return "$" + m[0] + "$"
        return m[0]

    parts = re.split(r"(\$[^$]*\$)", text_)
    return "".join(p if p.startswith("$") else _BARE.sub(wrap, p) for p in parts)


def text(text_: str, names: Names | None = None) -> str:
    """A text in the equations' notation: its bare names put in math (:func:`mark_names`),
    each math part through :func:`math`."""
    parts = re.split(r"(\$[^$]*\$)", mark_names(text_, names))
    return "".join(
        "$" + math(p[1:-1], names) + "$" if p.startswith("$") and len(p) > 1 else p for p in parts
    )


# ----------------------------------------------------------------------------------------
# the reader's notation


_RESERVED = frozenset({"star", "inf", "oo", "max", "min", "top", "hat"})
"""Words the name convention reads as marks (``w_star``, ``r(inf)``, ``f_hat``): not names."""


def _check_base(name: str, what: str) -> str:
    name = name.strip()
    if not _WORD.match(name) or name in _RESERVED:
        raise NotationError(
            f"{what} {name!r} is not a name: a name is letters only, in the package's "
            "convention (Phi, alpha, w, J; w renames every iterate w^(k) and w~_j)"
        )
    return name


def parse_rename(item: str) -> tuple[str, str]:
    """``"Phi=X"`` as ``("Phi", "X")``; raises :class:`NotationError` naming a malformed item."""
    old, sep, new = item.partition("=")
    if not sep:
        raise NotationError(f"--rename {item!r}: expected OLD=NEW (e.g. Phi=X, alpha=eta)")
    return _check_base(old, "--rename: OLD"), _check_base(new, "--rename: NEW")


def read_notation(path: str | Path) -> dict[str, str]:
    """The ``[rename]`` table of a TOML notation file (``Phi = "X"``) as ``{old: new}``.

    Raises :class:`NotationError` naming the file (and the key) when it cannot be read, is not
    TOML, has no ``[rename]`` table, has another table, or a key or value that is not a name.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise NotationError(f"{path}: cannot read the notation file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise NotationError(f"{path}: not TOML ({exc})") from None
    unknown = [k for k in data if k != "rename"]
    if unknown:
        raise NotationError(f"{path}: unknown key {unknown[0]!r} (only [rename] is read)")
    table = data.get("rename")
    if not isinstance(table, dict):
        raise NotationError(f'{path}: no [rename] table (e.g. [rename] Phi = "X")')
    out: dict[str, str] = {}
    for old, new in table.items():
        if not isinstance(new, str):
            raise NotationError(f"{path}: rename.{old} must be a string name; got {new!r}")
        try:
            out[_check_base(old, "OLD")] = _check_base(new, "NEW")
        except NotationError as exc:
            raise NotationError(f"{path}: rename.{old}: {exc}") from None
    return out


def check_rename(rename: Mapping[str, str], derivations: Iterable[Derivation]) -> list[str]:
    """Check renames against the derivations they will apply to; the warnings to print.

    Raises :class:`NotationError` when two names are renamed to one, or when a derivation that
    uses OLD already uses NEW for something else (``alpha=lambda`` in ridge, where λ is the
    ridge strength).  Returns a warning for each OLD that none of the derivations uses.
    """
    targets: dict[str, str] = {}
    for old, new in rename.items():
        if new in targets and targets[new] != old:
            raise NotationError(f"--rename: both {targets[new]} and {old} renamed to {new}")
        targets[new] = old
    seen: set[str] = set()
    for d in derivations:
        used = names_of(d).used
        for old, new in rename.items():
            if old not in used:
                continue
            seen.add(old)
            if new != old and new in used and new not in rename:
                raise NotationError(
                    f"--rename {old}={new}: {d.id} already uses {new}; choose another name"
                )
    return [
        f"--rename {old}={new}: no selected derivation uses {old}"
        for old, new in rename.items()
        if old not in seen
    ]
