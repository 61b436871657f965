"""The crawler's data patterns (crawler/data/patterns.toml), loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

PATTERNS_FILE = Path(__file__).resolve().parent / "data" / "patterns.toml"


@cache
def patterns() -> dict:
    with PATTERNS_FILE.open("rb") as fh:
        return tomllib.load(fh)
