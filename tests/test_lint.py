"""The code reads well: ruff (linter and formatter) and mypy, configured in pyproject.toml,
report nothing. Every verdict is the tool's exit status, never its wording."""

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["src", "derive", "checks", "tests", "benchmarks", "examples", "docs"]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

ruff = pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None, reason="ruff is installed by the [test] extra"
)
mypy = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is installed by the [test] extra"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH is dropped: mypy finds this tree's src/ through mypy_path in the config.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, env=env
    )


@ruff
def test_ruff_check_is_clean() -> None:
    """Lint rules, line length (E501, 100 characters) included."""
    proc = _run("ruff", "check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@ruff
def test_ruff_format_is_clean() -> None:
    proc = _run("ruff", "format", "--check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_line_length_is_enforced() -> None:
    """The long-line rule is on: nothing exempts E501 (or all of E) from the check above."""
    lint = CONFIG["tool"]["ruff"]["lint"]
    assert CONFIG["tool"]["ruff"]["line-length"] == 100
    assert "E" in lint["select"]
    assert not {"E", "E5", "E50", "E501"} & set(lint.get("ignore", []))
    assert not lint.get("per-file-ignores", {})


def _strict_modules() -> list[str]:
    """The modules declared complete: an override in [tool.mypy] that turns on
    disallow_untyped_defs and disallow_incomplete_defs for them."""
    modules: list[str] = []
    for override in CONFIG["tool"]["mypy"].get("overrides", []):
        if override.get("disallow_untyped_defs") and override.get("disallow_incomplete_defs"):
            names = override["module"]
            modules += [names] if isinstance(names, str) else names
    return modules


def test_mypy_is_configured_for_derive() -> None:
    config = CONFIG["tool"]["mypy"]
    assert config["packages"] == ["gdflow.derive"]
    assert config["check_untyped_defs"] is True
    # complete annotations everywhere in derive: the strict flags are global, not per module
    assert config["disallow_untyped_defs"] is True
    assert config["disallow_incomplete_defs"] is True
    strict = _strict_modules()
    for name in strict:  # each names a real module (a typo would check nothing)
        layer, _, rest = name.removeprefix("gdflow.").partition(".")
        path = ROOT / layer / (rest.replace(".", "/") + ".py" if rest else "__init__.py")
        assert layer in ("derive", "checks") and path.is_file(), name


@mypy
def test_mypy_passes_on_the_modules_declared_complete() -> None:
    """Each module listed in the strict override is clean with complete annotations; the
    modules it imports are read for their types, and their own errors are not counted here."""
    modules = [arg for name in _strict_modules() for arg in ("-m", name)]
    proc = _run(
        "mypy", "--no-incremental", "--cache-dir", os.devnull, "--follow-imports=silent", *modules
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@mypy
def test_mypy_passes_on_the_derive_package() -> None:
    """The whole package, as configured (``python -m mypy`` with no arguments)."""
    proc = _run("mypy", "--no-incremental", "--cache-dir", os.devnull)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_string_holds_an_accidental_escape():
    r"""A LaTeX command in a non-raw string becomes a control character (``"\alpha"`` written
    with one backslash is BEL + "lpha", ``"\tau"`` a tab + "au"): no string constant of the
    package holds one (BEL, backspace, vertical tab, form feed, or a tab its source line does
    not spell as backslash-t).  Found in latex.py and simulate.py docstrings."""
    import ast

    found = []
    for path in [
        *ROOT.glob("derive/*.py"),
        *ROOT.glob("checks/**/*.py"),
        *ROOT.glob("src/gdflow/*.py"),
    ]:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                spelled_tab = "\\t" in lines[node.lineno - 1]
                if any(c in text for c in "\x07\x08\x0b\x0c") or ("\t" in text and not spelled_tab):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
