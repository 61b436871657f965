"""Docstring examples are run: every library module whose docstrings hold a `>>>` example is
checked with doctest, so an example that no longer holds fails the suite."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawler", "nlp", "store", "digest", "publish", "scheduler", "demo_sites")


def modules_with_examples() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>> " in path.read_text(encoding="utf-8"):
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_some_modules_carry_examples():
    assert modules_with_examples()


@pytest.mark.parametrize("module", modules_with_examples())
def test_docstring_examples_hold(module: str):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module}: '>>> ' found but no example ran"
    assert result.failed == 0
