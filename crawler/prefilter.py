"""Per-source keyword prefilter for high-volume general news. Pure."""

from __future__ import annotations

import re

from store.text import fold

_SEPARATORS = re.compile(r"[\s\-‐–_]+")


def _normal(text: str) -> str:
    return " " + _SEPARATORS.sub(" ", fold(text)) + " "


def matches_keywords(text: str, keywords: tuple[str, ...] | list[str]) -> bool:
    """True when there are no keywords, or the text contains one of them as whole words
    (case, accents and hyphens ignored: "co-progettazione" matches "coprogettazione"
    only when both spellings are listed)."""
    if not keywords:
        return True
    haystack = _normal(text)
    return any(_normal(k) in haystack for k in keywords)
