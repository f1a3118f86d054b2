"""The installed package: one namespace, ``gdflow``; its version; ``python -m gdflow``; and a
user's type checker (mypy) finds it after an editable install and after a plain one."""

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import gdflow

ROOT = Path(__file__).resolve().parents[1]

USER_CODE = """\
import gdflow
import gdflow.derive
from gdflow.checks import gd_iterates

version: str = gdflow.__version__
derivation = gdflow.derive.get("gd.closed_form")
"""
WRONG_TYPES = """\
import gdflow

version: int = gdflow.__version__
"""
"""Passes only when mypy resolves the package; fails only when it knows the real types (an
unresolved import would be Any and pass). Decided by mypy's exit status, not its wording."""


def test_version_is_the_distributions():
    assert gdflow.__version__ == importlib.metadata.version("gdflow")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", gdflow.__version__)


def test_layers_are_subpackages():
    assert gdflow.derive.__name__ == "gdflow.derive"
    assert gdflow.checks.__name__ == "gdflow.checks"
    assert gdflow.checks.grade.__name__ == "gdflow.checks.grade"
    with pytest.raises(AttributeError, match="nosuch"):
        gdflow.nosuch  # noqa: B018


def _run(args, cwd, **kw):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=env, **kw)


def test_nothing_generic_is_installed_at_top_level(tmp_path):
    # run outside the repository, whose folders derive/ and checks/ would shadow the question
    code = (
        "import importlib.util as u; print([u.find_spec(n) is None for n in ('derive', 'checks')])"
    )
    proc = _run([sys.executable, "-c", code], tmp_path)
    assert proc.stdout.strip() == "[True, True]", proc.stderr


def test_module_and_script_print_the_version(tmp_path):
    proc = _run([sys.executable, "-m", "gdflow", "--version"], tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"gdflow {gdflow.__version__}"
    script = shutil.which("gdflow", path=str(Path(sys.executable).parent))
    assert script is not None, "the gdflow console script is not installed"
    proc = _run([script, "--version"], tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"gdflow {gdflow.__version__}"


def _mypy(python: str, tmp_path: Path) -> None:
    for name, code, status in [("user_code.py", USER_CODE, 0), ("wrong_types.py", WRONG_TYPES, 1)]:
        (tmp_path / name).write_text(code)
        proc = _run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--python-executable",
                python,
                "--no-incremental",
                "--cache-dir",
                os.devnull,
                name,
            ],
            tmp_path,
        )
        assert proc.returncode == status, f"{name}: {proc.stdout}{proc.stderr}"


def test_mypy_finds_the_editable_or_current_install(tmp_path):
    pytest.importorskip("mypy")
    _mypy(sys.executable, tmp_path)


@pytest.mark.slow
def test_mypy_finds_a_plain_install(tmp_path):
    pytest.importorskip("mypy")
    wheels = tmp_path / "wheels"
    proc = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = wheels.glob("gdflow-*.whl")
    env_dir = tmp_path / "plain"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    proc = _run([python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    files = {
        str(f)
        for f in importlib.metadata.Distribution.at(
            next((env_dir / "lib").glob("python*/site-packages/gdflow-*.dist-info"))
        ).files
    }
    assert any(f.startswith("gdflow/derive/") for f in files)
    assert not any(f.startswith(("derive/", "checks/")) for f in files), sorted(files)
    _mypy(python, tmp_path)


def test_code_imports_only_through_gdflow():
    """Tests, examples, benchmarks and the README import ``gdflow.*``, never the bare folders
    (which pytest's rootdir on sys.path would otherwise make importable as second copies)."""
    bare = re.compile(r"^\s*(?:>>>\s*)?(?:from|import)\s+(?:derive|checks)\b", re.M)
    paths = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("*/**/*.py")]
    offenders = [
        str(p.relative_to(ROOT))
        for p in paths
        if ".git" not in p.parts and bare.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "page", ["README.md", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("docs/*.md"))]
)
def test_documentation_python_examples_run(page):
    """Each ```python block of the README and of docs/ runs as written (it is the package's
    own text)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)
    for block in blocks:
        exec(compile(block, page, "exec"), {})  # noqa: S102 - our own documentation


def test_the_documentation_has_python_examples():
    pages = [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    blocks = [b for p in pages for b in re.findall(r"```python\n", p.read_text())]
    assert len(blocks) >= 3
