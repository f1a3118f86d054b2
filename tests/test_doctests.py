"""Every module's doctests, run on the installed ``gdflow.*`` modules (one copy of each)."""

import doctest
import importlib
import pkgutil

import pytest

import gdflow

MODULES = sorted(
    {"gdflow"}
    | {
        info.name
        for info in pkgutil.walk_packages(gdflow.__path__, prefix="gdflow.")
        if not info.name.endswith("__main__")
    }
)


def test_every_layer_is_found():
    assert {"gdflow.derive.verify", "gdflow.checks.numeric", "gdflow.cli"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests failed in {name}"
