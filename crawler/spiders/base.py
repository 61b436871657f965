"""What the feed, sitemap and listing spiders share: the registry, the store, conditional GETs
for entry documents, the persistent frontier (store/frontier.py), the already-seen check before
any article request, and error accounting.

Every link an entry document yields is recorded as pending, with the entry's validators held
back, before its request is scheduled; each run starts from the pending links of its sources as
well as from the entry documents, so a crawl killed midway resumes even when the feed answers
304. A link is settled when its page is stored or judged, or refused for good: a 4xx other than
408/425/429, robots.txt, or more than OBSERVATORY_RETRY_ERRORS failures.

Subclasses name the registry field they read (`entry_field`) and implement `parse_entry`,
which turns a feed, sitemap or listing response into article and further entry requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.decoding import decode_html
from crawler.discovery import DiscoveryError, Link
from crawler.extract import non_article_url_reason
from crawler.items import PageItem
from crawler.ledger import run_ledger
from crawler.safety import PERMANENT_REFUSALS, ignore_kind
from crawler.sources import Source, run_sources
from crawler.urls import canonicalize, in_domains
from store.articles import (
    error_reasons,
    get_validators,
    record_outcome,
    save_link_hints,
    seen_status,
    transient_errors,
)
from store.db import open_db
from store.frontier import (
    EntryResponse,
    FrontierLink,
    PendingLink,
    count_attempt,
    pending_links,
    record_entry,
    settle,
)

# Seen statuses that mean: do not request this article URL again.
FINAL_STATUSES = {"article", "duplicate", "not_article", "filtered", "disallowed"}
# Errors that another attempt will not cure (4xx statuses are excluded by http_status).
PERMANENT_ERRORS = {"too_large", *PERMANENT_REFUSALS}
# 4xx statuses that say "not now" rather than "never": the link stays in the frontier.
TRANSIENT_4XX = {408, 425, 429}
# Request meta that an entry document needs again when it is resumed from the frontier.
ENTRY_META = ("sitemap_depth", "listing_page", "listing_start")
# The registry field each spider reads: an entry document left pending by a spider that no
# longer runs for its source (its sitemaps or start_urls were removed) leaves the frontier.
SPIDER_FIELDS = {"feed": "feeds", "sitemap": "sitemaps", "listing": "start_urls",
                 "albo": "albo_urls"}
_ERROR_KINDS: tuple[tuple[type, str], ...] = (
    (DownloadTimeoutError, "timeout"), (TimeoutError, "timeout"), (TCPTimedOutError, "timeout"),
    (CannotResolveHostError, "dns"), (DNSLookupError, "dns"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (ConnectionRefusedError, "connection_refused"),
    (DownloadCancelledError, "too_large"),
)
# Failures known only by class name (Twisted internals, differing across versions).
_NAMED_KINDS = {
    "CancelledError": "too_large", "ResponseFailed": "connection_lost",
    "ResponseNeverReceived": "connection_lost", "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost", "ResponseDataLossError": "connection_lost",
    "DownloadFailedError": "connection_lost", "PotentialDataLoss": "connection_lost",
}


def error_kind(failure: Failure) -> tuple[str, int | None]:
    """A short name for a failed request ('http_404', 'timeout', 'dns', 'too_large',
    'blocked_address', ...) and its HTTP status when there was one."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http_{status}", status
    for exc_type, kind in _ERROR_KINDS:
        if failure.check(exc_type):
            return kind, None
    if failure.check(IgnoreRequest) and ignore_kind(failure.value):
        return ignore_kind(failure.value), None
    name = type(failure.value).__name__
    return _NAMED_KINDS.get(name, name.lower()), None


class SourceSpider(scrapy.Spider):
    """Base of the generic spiders; never run directly."""

    entry_field: ClassVar[str] = ""
    entry_origin: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Entry documents answered in this run: a second request for one (a child sitemap both
        # resumed from the frontier and listed again by its index) is not made nor recorded.
        self.entries_read: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ledger = run_ledger(crawler)
        settings = crawler.settings
        spider.sources = {s.id: s for s in run_sources(settings)
                          if getattr(s, cls.entry_field)}
        spider.allowed_domains = sorted({d for s in spider.sources.values()
                                         for d in s.allowed_domains})
        spider.db = open_db(settings["OBSERVATORY_DB"])
        spider.retry_errors = settings.getint("OBSERVATORY_RETRY_ERRORS")
        crawler.signals.connect(spider.close_store, signal=signals.spider_closed)
        return spider

    def close_store(self, reason: str = "finished") -> None:
        if reason != "finished":  # CLOSESPIDER_TIMEOUT, a shutdown signal...
            self.ledger.cut_short(sorted(self.sources), reason)
        self.db.conn.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for url in getattr(source, self.entry_field):
                yield self.entry_request(url, source)
            for request in self.frontier_requests(source):
                yield request
            for request in self.retry_requests(source):
                yield request

    # ------------------------------------------------------------------ entry documents

    def entry_request(self, url: str, source: Source, **meta: Any) -> scrapy.Request:
        """A conditional GET for a feed, sitemap or listing page."""
        headers = {}
        validators = get_validators(self.db, url)
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        return scrapy.Request(
            url, callback=self.on_entry, errback=self.on_entry_error, headers=headers,
            meta={"source_id": source.id, "handle_httpstatus_list": [304], **meta},
            dont_filter=False,
        )

    def on_entry(self, response: Response) -> Iterable[scrapy.Request]:
        source = self.sources[response.meta["source_id"]]
        entry_url = _first_url(response.request)
        self.entries_read.add(entry_url)
        self.ledger.count(source.id, "requests")
        if response.status == 304:
            # Its links were settled before its validators were saved, or are still pending.
            settle(self.db, [entry_url])
            self.ledger.count(source.id, "responses_304")
            self.ledger.entry(source.id, ok=True)
            return []
        try:
            requests = list(self.parse_entry(response, source))
        except DiscoveryError as exc:
            settle(self.db, [entry_url])  # an unreadable document: tried again when linked again
            self.ledger.entry(source.id, ok=False, kind="parse_error",
                              detail=f"{response.url}: {exc}")
            return []
        self.ledger.entry(source.id, ok=True)
        requests = [r for r in requests
                    if not (r.callback == self.on_entry and r.url in self.entries_read)]
        entry = EntryResponse(entry_url, source.id, self.name, _header(response, b"ETag"),
                              _header(response, b"Last-Modified"), response.status)
        # Entry documents and article pages are kept in the frontier; other requests (an albo
        # act's page and attachments) are found again by reading the entry on the next run.
        record_entry(self.db, entry, [self._frontier_link(r) for r in requests
                                      if r.callback == self.on_entry or "canonical" in r.meta])
        return requests

    def _frontier_link(self, request: scrapy.Request) -> FrontierLink:
        if request.callback == self.on_entry:
            meta = {k: request.meta[k] for k in ENTRY_META if k in request.meta}
            return FrontierLink(request.url, request.url, "entry", meta)
        return FrontierLink(request.meta["canonical"], request.url)

    def on_entry_error(self, failure: Failure) -> None:
        source_id = failure.request.meta["source_id"]
        kind, status = error_kind(failure)
        url = _first_url(failure.request)
        self.entries_read.add(url)
        if kind == "disallowed":
            settle(self.db, [url])
        if kind in ("disallowed", "budget_exceeded"):
            self._not_requested(source_id, kind)
            return
        if _refused(kind, status) or count_attempt(self.db, url) > self.retry_errors:
            settle(self.db, [url])
        self.ledger.count(source_id, "requests")
        self.ledger.entry(source_id, ok=False, kind=kind, detail=failure.request.url)

    def _not_requested(self, source_id: str, kind: str) -> None:
        """robots.txt or the request budget stopped a request: counted, not an error per URL
        (one budget error per source says the crawl of that source was cut short)."""
        self.ledger.count(source_id, kind)
        if kind == "budget_exceeded" and self.ledger.tally(source_id).counts[kind] == 1:
            self.ledger.error(source_id, kind, "request budget reached: crawl cut short")

    def parse_entry(self, response: Response, source: Source) -> Iterable[scrapy.Request]:
        """Requests for what an entry document links to; DiscoveryError if unreadable."""
        raise NotImplementedError

    # ------------------------------------------------------------------ article pages

    def article_requests(self, links: list[Link], source: Source,
                         origin: str) -> list[scrapy.Request]:
        """Requests for the links not seen before; hints (dates, titles) go to the store."""
        links = [link for link in links if in_domains(link.url, source.allowed_domains)]
        hints = [link.hint(source.id, origin) for link in links
                 if link.published or link.title or link.tags]
        if hints:
            save_link_hints(self.db, hints)
        seen = seen_status(self.db, [link.url for link in links])
        gave_up = self.given_up([link.url for link in links if seen.get(link.url) == "error"])
        requests = []
        for link in links:
            if seen.get(link.url) in FINAL_STATUSES or link.url in gave_up:
                self.ledger.count(source.id, "skipped_seen")
                continue
            reason = non_article_url_reason(link.url)
            if reason:
                record_outcome(self.db, [link.url], source.id, "not_article", reason)
                self.ledger.count(source.id, "not_articles")
                continue
            if self.ledger.claim(link.url):
                requests.append(self.article_request(link.href or link.url, link.url, source))
        return requests

    def count_unseen(self, links: list[Link]) -> int:
        """How many of the links were not settled on an earlier run."""
        seen = seen_status(self.db, [link.url for link in links])
        return sum(1 for link in links if seen.get(link.url) not in FINAL_STATUSES)

    def article_request(self, url: str, canonical: str, source: Source) -> scrapy.Request:
        return scrapy.Request(url, callback=self.on_article, errback=self.on_article_error,
                              meta={"source_id": source.id, "canonical": canonical})

    def _given_up_on(self, reason: str | None) -> bool:
        """A failed URL is tried again on later runs until it fails with a permanent error or
        more than OBSERVATORY_RETRY_ERRORS times ("http_404|http_404|http_404|http_404")."""
        kinds = (reason or "").split("|")
        return kinds[-1] in PERMANENT_ERRORS or len(kinds) > self.retry_errors

    def given_up(self, urls: list[str]) -> set[str]:
        """The URLs among `urls` whose earlier failures were final: a feed that keeps listing a
        dead link does not make every run request it again."""
        return {url for url, reason in error_reasons(self.db, urls).items()
                if self._given_up_on(reason)}

    def frontier_requests(self, source: Source) -> list[scrapy.Request]:
        """The source's links left pending by earlier runs (a killed crawl, a time limit, a
        transient error): requested again whatever the feed answers now. Links settled in the
        meantime (stored just before a kill, given up) leave the frontier without a request."""
        pending = pending_links(self.db, source.id)
        articles = [link for link in pending if link.kind == "article"]
        seen = seen_status(self.db, [link.url for link in articles])
        gave_up = self.given_up([link.url for link in articles if seen.get(link.url) == "error"])
        done = [link.url for link in articles
                if seen.get(link.url) in FINAL_STATUSES or link.url in gave_up]
        # Links the source no longer leads to: its domains or entry fields changed since.
        done += [link.url for link in pending
                 if not in_domains(link.href, source.allowed_domains)
                 or (link.kind == "entry"
                     and not getattr(source, SPIDER_FIELDS.get(link.spider, ""), None))]
        if done:
            settle(self.db, done)
        done_urls = set(done)
        out = []
        for link in pending:
            if link.url in done_urls:
                continue
            request = self._resume(link, source)
            if request is not None:
                self.ledger.count(source.id, "resumed")
                out.append(request)
        return out

    def _resume(self, link: PendingLink, source: Source) -> scrapy.Request | None:
        if link.kind == "entry":  # a child sitemap or listing page, by the spider that found it
            if link.spider != self.name:
                return None
            return self.entry_request(link.href, source, **link.meta)
        if not self.ledger.claim(link.url):  # the source's other spider asked for it already
            return None
        return self.article_request(link.href, link.url, source)

    def retry_requests(self, source: Source) -> list[scrapy.Request]:
        """Article URLs that failed with a transient error on earlier runs."""
        out = []
        for url, reason in transient_errors(self.db, source.id):
            if self._given_up_on(reason):
                continue
            if self.ledger.claim(canonicalize(url)):
                out.append(self.article_request(url, canonicalize(url), source))
        return out

    def on_article(self, response: Response) -> Iterable[PageItem]:
        source_id = response.meta["source_id"]
        self.ledger.count(source_id, "requests")
        self.ledger.count(source_id, "article_pages")
        first_url = (response.meta.get("redirect_urls") or [response.request.url])[0]
        aliases = sorted({response.meta["canonical"], canonicalize(response.url),
                          canonicalize(first_url)})
        if not isinstance(response, TextResponse):  # binary bodies: see crawler.safety
            kind = _header(response, b"Content-Type") or "unknown type"
            record_outcome(self.db, aliases, source_id, "not_article",
                           f"not an HTML page ({kind})", http_status=response.status)
            self.ledger.count(source_id, "not_articles")
            return []
        content_type = _header(response, b"Content-Type") or ""
        decoded = decode_html(response.body, content_type)  # never fails on invalid bytes
        # A distributed crawl's worker fetched (and extracted) it: its fetch time is the page's.
        prepared = response.meta.get("obs_prepared")
        return [PageItem(
            source_id=source_id, url=response.url, fetched_url=first_url, aliases=aliases,
            http_status=response.status, content_type=content_type, encoding=decoded.encoding,
            fetched_at=(prepared or {}).get("fetched_at")
            or datetime.now(UTC).replace(microsecond=0).isoformat(),
            headers={k.decode("latin-1"): v[0].decode("latin-1")
                     for k, v in response.headers.items() if v},
            body=response.body, html=decoded.text, replaced_chars=decoded.replaced,
            prepared=prepared,
        )]

    def on_article_error(self, failure: Failure) -> None:
        meta = failure.request.meta
        source_id = meta["source_id"]
        kind, status = error_kind(failure)
        url = meta["canonical"]
        if kind == "disallowed":
            record_outcome(self.db, [url], source_id, "disallowed", "robots.txt")
        if kind in ("disallowed", "budget_exceeded"):  # budget: stays pending for the next run
            self._not_requested(source_id, kind)
            return
        self.ledger.count(source_id, "requests")
        old = error_reasons(self.db, [url]).get(url)
        reason = f"{old}|{kind}" if old else kind
        # A refusal or a link given up leaves the frontier; a transient error stays in it.
        record_outcome(self.db, [url], source_id, "error", reason, http_status=status,
                       settled=_refused(kind, status) or self._given_up_on(reason))
        self.ledger.error(source_id, kind, failure.request.url)


def _refused(kind: str, status: int | None) -> bool:
    """A failure that settles a frontier link: the server refused it for good (a 4xx that is
    not "try later") or another attempt cannot help (too large, a refused address)."""
    if status is not None and 400 <= status < 500:
        return status not in TRANSIENT_4XX
    return kind in PERMANENT_ERRORS


def _first_url(request: scrapy.Request) -> str:
    """The URL as first requested (before redirects): what the frontier and validators key."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
