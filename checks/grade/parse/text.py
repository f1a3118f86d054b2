"""Characters and names: unicode math mapped to plain syntax (or refused, naming the
character), and "did you mean" suggestions for unknown names and functions."""

from __future__ import annotations

import difflib
import unicodedata

from .errors import ParseError
from .scope import Scope
from .whitelist import FUNCTIONS

__all__ = ["normalize_unicode", "suggest_name", "suggest_function"]

_LEET = str.maketrans({"1": "l", "0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "|": "l"})


def suggest_name(name: str, scope: Scope) -> str | None:
    """The declared name closest to ``name`` (``a1pha`` → ``alpha``, ``Alpha`` → ``alpha``,
    ``lamda`` → ``lambda``), or ``None``; never for a single letter, nor a single letter for a
    longer name by case alone (``a`` is not ``A``)."""
    candidates = scope.names() + ["pi", "e", "oo"]
    if scope.dimension:
        candidates.append("I")
    if len(name) == 1:
        # a single letter is a name of its own: `a` (a curvature) is not a typo of `A` (a
        # matrix), nor `t` of `T`
        return None
    plain = name.translate(_LEET)
    for cand in candidates:
        if len(cand) == 1:
            continue
        if plain == cand or name.lower() == cand.lower() or plain.lower() == cand.lower():
            return cand
    close = difflib.get_close_matches(plain, candidates, n=1, cutoff=0.6)
    if close:
        return close[0]
    if name in FUNCTIONS:
        return f"{name}(...)"
    return None


def suggest_function(name: str) -> str | None:
    """The allowed function closest to ``name``, or ``None``."""
    close = difflib.get_close_matches(name, list(FUNCTIONS), n=1, cutoff=0.6)
    return f"{close[0]}(...)" if close else None


# --------------------------------------------------------------------------------------
# unicode

_UNICODE_MAP = {
    "α": " alpha ",
    "β": " beta ",
    "γ": " gamma ",
    "δ": " delta ",
    "ε": " epsilon ",
    "ϵ": " epsilon ",
    "η": " eta ",
    "θ": " theta ",
    "κ": " kappa ",
    "λ": " lambda ",
    "μ": " mu ",
    "σ": " sigma ",
    "τ": " tau ",
    "ω": " omega ",
    "π": " pi ",
    "ρ": " rho ",
    "φ": " phi ",
    "ϕ": " phi ",
    "χ": " chi ",
    "ψ": " psi ",
    "ξ": " xi ",
    "ζ": " zeta ",
    "Σ": " Sigma ",
    "Φ": " Phi ",
    "Λ": " Lambda ",
    "Γ": " Gamma ",
    "Δ": " Delta ",
    "Θ": " Theta ",
    "Ψ": " Psi ",
    "Ω": " Omega ",
    "≈": " ≈ ",
    "⊤": "^T",
    "−": "-",
    "–": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "⩽": "<=",
    "⩾": ">=",
    "∞": " oo ",
    "∈": " in ",
    "√": "sqrt",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "ᵀ": "^T",
    "†": "^dagger",
}
#: the same characters inside a LaTeX answer, where each letter is a name of its own: Greek
#: letters become their commands (``α`` → ``\alpha``), not words
_LATEX_MAP = {
    "∞": "\\infty ",
    "∈": "\\in ",
    "√": "\\sqrt",
    "†": "^\\dagger ",
}


def _latex_form(ch: str, plain: str) -> str:
    word = plain.strip()
    if word.isalpha() and len(word) > 1:
        return f"\\{'infty' if word == 'oo' else word} "
    return _LATEX_MAP.get(ch, plain)


_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ᵏⁿᵗⁱ", "0123456789-+knti", strict=True))
_CONFUSABLE = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "і": "i",
    "к": "k",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "ο": "o",
    "ν": "v",
    "ι": "i",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Χ": "X",
}


def normalize_unicode(text: str, latex: bool = False) -> str:
    """Map the usual math characters to plain syntax (α → alpha, Φ → Phi, − → -, ≤ → <=,
    ᵀ → ^T, ² → ^2, ≈ kept as the operator ``≈``), or to LaTeX commands in a LaTeX answer
    (α → \\alpha); refuse anything else outside ASCII (lookalike letters, zero-width and
    direction characters, full-width digits) naming the character and suggesting the ASCII
    one."""
    out = []
    i = 0
    while i < len(text):
        if text[i] in _SUPERSCRIPTS:  # a run of superscripts is one exponent: x¹⁰ → x^(10)
            j = i
            while j < len(text) and text[j] in _SUPERSCRIPTS:
                j += 1
            sup = "".join(_SUPERSCRIPTS[c] for c in text[i:j])
            out.append("^{" + sup + "}" if latex else "^(" + sup + ")")
            i = j
            continue
        two = text[i : i + 2]
        if two in _UNICODE_MAP:
            out.append(_UNICODE_MAP[two])
            i += 2
            continue
        ch = text[i]
        if ch == "\r":  # a CRLF (or CR) line end inside a cell is a line end
            out.append("\n")
            i += 2 if text[i + 1 : i + 2] == "\n" else 1
            continue
        if ord(ch) < 128:
            if ch == "\x00" or (ord(ch) < 32 and ch not in "\t\n"):
                raise ParseError("control character in the answer", i + 1)
            out.append(ch)
        elif ch in _UNICODE_MAP:
            out.append(_latex_form(ch, _UNICODE_MAP[ch]) if latex else _UNICODE_MAP[ch])
        elif unicodedata.name(ch, "").startswith("VULGAR FRACTION"):
            out.append("(" + unicodedata.normalize("NFKC", ch).replace("\u2044", "/") + ")")
        else:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            hint = _CONFUSABLE.get(ch)
            if hint is None:
                nf = unicodedata.normalize("NFKC", ch)
                hint = nf if nf.isascii() and nf.strip() else None
            whole = unicodedata.normalize("NFKC", text)
            fixed: str | None
            if whole.isascii() and whole != text:
                fixed = whole
            else:
                fixed = text[:i] + hint + text[i + 1 :] if hint else None
            raise ParseError(
                f"character `{ch}` ({name}) is not allowed",
                i + 1,
                fixed if fixed and len(fixed) < 80 else hint,
            )
        i += 1
    return "".join(out)
