"""What happened to each source during one crawl process: counts, errors, claimed URLs.

One ledger is shared by the feed, sitemap and listing crawlers of a process, so an article
reached by two of them is requested once, and each source gets one run record. It is shared
state of the run, not of a spider: whoever creates a crawler gives it the run's ledger
(`share_ledger`), and its spider, item pipelines and extensions all get it from the crawler
(`run_ledger`)."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from store.db import utcnow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# The error kind of a database that cannot be written: the source's run failed.
STORE_ERROR = "store_error"
# What an error kind means, for run messages a person reads.
KIND_TEXT = {
    "dns": "host name not resolved (no network, or the domain is gone)",
    "connection_refused": "connection refused", "connection_lost": "connection lost",
    "timeout": "timed out", "parse_error": "unreadable feed, sitemap or listing",
    "too_large": "larger than DOWNLOAD_MAXSIZE", "blocked_address": "address refused",
    "blocked_scheme": "non-HTTP link refused", "redirect_loop": "too many redirects",
    "budget_exceeded": "request budget reached", "time_limit": "time limit reached",
    "redislost": "Redis unreachable: the distributed crawl lost its queue",
}

@dataclass
class SourceTally:
    source_id: str
    counts: Counter = field(default_factory=Counter)
    errors_by_kind: Counter = field(default_factory=Counter)
    entries_ok: int = 0
    entries_failed: int = 0
    first_error: str = ""

    def status(self) -> str:
        if STORE_ERROR in self.errors_by_kind or (self.entries_failed and not self.entries_ok):
            return "failed"
        return "partial" if self.errors_by_kind else "ok"

    def message(self) -> str:
        if STORE_ERROR in self.errors_by_kind:
            return "the database could not be written (disk full?): the crawl stopped"
        if self.status() == "failed":
            return f"no feed, sitemap or listing page could be read: {self.first_error}"
        parts = []
        if self.errors_by_kind:
            kinds = ", ".join(f"{k} x{n}" for k, n in sorted(self.errors_by_kind.items()))
            parts.append(f"errors: {kinds}")
        if self.counts["acts_new"] or self.counts["acts_updated"]:  # an albo pretorio
            parts.append(f"acts: {self.counts['acts_new']} new, "
                         f"{self.counts['acts_updated']} updated")
        if self.counts["resumed"]:
            parts.append(f"resumed {self.counts['resumed']} links left pending by an earlier run")
        if self.counts["frontier_pending"]:
            parts.append(f"{self.counts['frontier_pending']} links pending for the next run")
        return "; ".join(parts)

    def describe(self, kind: str, detail: str) -> str:
        text = KIND_TEXT.get(kind, kind)
        text = f"{kind}: {text}" if text != kind else kind
        return f"{text} ({detail})" if detail else text


@dataclass
class RunLedger:
    run_id: str
    progress: Callable[[dict], None] | None = None
    started: str = field(default_factory=utcnow)
    t0: float = field(default_factory=time.monotonic)
    tallies: dict[str, SourceTally] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)

    def tally(self, source_id: str) -> SourceTally:
        if source_id not in self.tallies:
            self.tallies[source_id] = SourceTally(source_id)
        return self.tallies[source_id]

    def claim(self, url: str) -> bool:
        """True the first time a URL is claimed in this process."""
        if url in self.claimed:
            return False
        self.claimed.add(url)
        return True

    def count(self, source_id: str, key: str, n: int = 1) -> None:
        self.tally(source_id).counts[key] += n

    def entry(self, source_id: str, ok: bool, kind: str = "", detail: str = "") -> None:
        """A feed, sitemap or listing page was read (ok) or could not be."""
        tally = self.tally(source_id)
        if ok:
            tally.entries_ok += 1
        else:
            tally.entries_failed += 1
            self.error(source_id, kind, detail)

    def error(self, source_id: str, kind: str, detail: str = "") -> None:
        tally = self.tally(source_id)
        tally.errors_by_kind[kind] += 1
        if not tally.first_error:
            tally.first_error = tally.describe(kind, detail)
        self.emit({"event": "error", "source": source_id, "kind": kind, "detail": detail})

    def cut_short(self, source_ids: list[str], reason: str) -> None:
        """The spider of these sources stopped early (time limit, shutdown)."""
        for sid in source_ids:
            self.error(sid, "time_limit" if "timeout" in reason else "stopped", reason)

    def emit(self, event: dict) -> None:
        if self.progress:
            self.progress(event)

    def records(self) -> list[dict]:
        """One crawl_runs row per source touched in this run."""
        finished = utcnow()
        duration = round(time.monotonic() - self.t0, 2)
        rows = []
        for sid, tally in sorted(self.tallies.items()):
            c = tally.counts
            rows.append({
                "run_id": self.run_id, "source_id": sid, "started": self.started,
                "finished": finished, "duration_s": duration, "requests": c["requests"],
                "responses_304": c["responses_304"], "article_pages": c["article_pages"],
                "new_articles": c["new_articles"], "duplicates": c["duplicates"],
                "filtered": c["filtered"], "errors": sum(tally.errors_by_kind.values()),
                "errors_by_kind": dict(tally.errors_by_kind), "status": tally.status(),
                "message": tally.message(),
            })
        return rows


def json_lines_progress(event: dict) -> None:
    """Progress as JSON lines on stdout, read by crawler.run."""
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


_LEDGERS: WeakKeyDictionary[Crawler, RunLedger] = WeakKeyDictionary()


def share_ledger(crawler: Crawler, ledger: RunLedger) -> None:
    """Make `ledger` the run ledger of a crawler that has not started yet."""
    _LEDGERS[crawler] = ledger


def run_ledger(crawler: Crawler) -> RunLedger:
    """The run ledger of a crawler; one nobody gave a ledger (a test, a bare `scrapy crawl`)
    gets a ledger of its own, shared by its spider, pipelines and extensions."""
    if crawler not in _LEDGERS:
        _LEDGERS[crawler] = RunLedger(run_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%S"))
    return _LEDGERS[crawler]
