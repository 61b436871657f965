"""Whitespace and control characters of text read from HTML. Pure functions."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
# Control characters and U+FFFD (a byte the page's charset could not decode).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def normalize_space(text: str | None) -> str:
    """The text without control characters, runs of whitespace as one space, stripped."""
    return _WS.sub(" ", CONTROL_CHARS.sub("", text or "")).strip()
