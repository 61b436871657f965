"""The item the spiders yield: one downloaded page, before extraction."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    source_id: str
    url: str  # final URL (after redirects)
    fetched_url: str  # URL first requested
    aliases: list[str]  # canonical forms of every URL that led to this page
    http_status: int
    content_type: str
    encoding: str
    fetched_at: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    html: str = field(repr=False)
    article: dict | None = field(default=None, repr=False)  # set by ExtractPipeline
    replaced_chars: int = 0  # characters decoding replaced (invalid bytes in the charset)
    derived: dict | None = field(default=None, repr=False)  # store.articles.derive, by a worker
    ticket: int | None = None  # its place in the extraction stage's order (crawler/extraction.py)
    # Extraction already done where the page was fetched (a distributed crawl's worker):
    # {"url", "hint", "fields"}; ExtractPipeline uses it when the URL and hint are its own.
    prepared: dict | None = field(default=None, repr=False)


@dataclass
class ActItem:
    """One act of an albo pretorio, with its attachments read (see crawler/spiders/albo.py)."""

    source_id: str
    act: dict  # the columns of store.acts.save_act
