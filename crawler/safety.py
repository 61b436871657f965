"""Downloader middlewares for the crawler's safety rules: what the web cannot make it do.

- `AddressGuardMiddleware` (before robots.txt, so not even robots.txt is fetched): only http(s)
  is requested; a host on a loopback, private, link-local or otherwise non-public address
  (an IP literal, `localhost`, or a name that resolves to one) is refused before any connection
  unless a source names that exact host (in a URL or in `allowed_domains`); each source gets at
  most OBSERVATORY_MAX_REQUESTS_PER_SOURCE requests per run, so a trap (a sitemap index of
  thousands of sitemaps) cannot run forever.
- `RedirectGuardMiddleware`: a redirect to another scheme, to an unnamed non-public host or
  outside the source's allowed_domains is refused and recorded (Scrapy would drop it silently).
- `RetryAfterMiddleware`: a 429/5xx with `Retry-After` (seconds or an HTTP date) is retried no
  sooner than the server asked; when the server asks for more than RETRY_AFTER_MAX seconds the
  request is not retried in this run (it is recorded as an error and tried on a later run).
- `BodyCheckMiddleware`: a PDF, image, archive or other binary body served as text/html is
  handed on as a plain (non-text) response, recorded as "not an HTML page" instead of parsed;
  a page declared UTF-8 whose bytes are plainly Latin-1 is read as Windows-1252.

Refusals are IgnoreRequest subclasses with an `error_kind` ("blocked_scheme",
"blocked_address", "offsite_redirect", "budget_exceeded") that the spiders record;
`ignore_kind` also names Scrapy's own refusals (robots.txt, DOWNLOAD_MAXSIZE, redirect loops).
Oversized bodies and gzip bombs are stopped by Scrapy itself: DOWNLOAD_MAXSIZE applies to the
raw body and, in HttpCompressionMiddleware, to the decompressed size.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure

from crawler.ledger import STORE_ERROR, run_ledger
from crawler.sources import Source, run_sources
from crawler.urls import host_of, in_domains

logger = logging.getLogger(__name__)

DEFAULT_MAX_REQUESTS_PER_SOURCE = 5000
DEFAULT_RETRY_AFTER_MAX = 120.0
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                b"Rar!", b"7z\xbc\xaf", b"OggS", b"ID3", b"RIFF")
SNIFF_BYTES = 2048
REDIRECT_CODES = (301, 302, 303, 307, 308)
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


class Refused(IgnoreRequest):
    """A request the safety rules refused; `error_kind` is what the run record calls it."""

    error_kind = "refused"


class BlockedScheme(Refused):
    """A URL whose scheme is not http or https (file:, ftp:, data:, s3: ...)."""

    error_kind = "blocked_scheme"


class BlockedAddress(Refused):
    """A host on a non-public address that no source names."""

    error_kind = "blocked_address"


class OffsiteRedirect(Refused):
    """A redirect to a host outside the source's allowed_domains."""

    error_kind = "offsite_redirect"


class BudgetExceeded(Refused):
    """A source asked for more requests than one run allows."""

    error_kind = "budget_exceeded"


# Refusals that a later run would repeat: the URL is not tried again.
PERMANENT_REFUSALS = frozenset({"blocked_scheme", "blocked_address", "offsite_redirect"})

# Scrapy's own IgnoreRequest messages -> error kinds (the rest keep the exception's name).
IGNORE_KINDS = (("robots.txt", "disallowed"), ("DOWNLOAD_MAXSIZE", "too_large"),
                ("max redirections", "redirect_loop"))


def ignore_kind(exc: BaseException) -> str | None:
    """The error kind of a refused or ignored request, when one is known."""
    kind = getattr(exc, "error_kind", None)
    if kind:
        return kind
    message = str(exc).lower()
    return next((k for marker, k in IGNORE_KINDS if marker.lower() in message), None)


# ---------------------------------------------------------------- pure rules


def named_hosts(sources: list[Source]) -> frozenset[str]:
    """Hosts the registry names exactly: its allowed_domains and the hosts of its URLs."""
    hosts = {d.lower() for s in sources for d in s.allowed_domains}
    for s in sources:
        for url in (*s.feeds, *s.sitemaps, *s.start_urls, s.homepage or ""):
            if url:
                hosts.add(host_of(url))
    return frozenset(hosts)


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP address."""
    try:
        ip = ip_address(address.strip("[]"))
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


def is_ip_literal(host: str) -> bool:
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def address_refusal(host: str, resolved: str | None, named: frozenset[str]) -> str | None:
    """Why a request to `host` (resolved to `resolved`, when known) must not be made, or None."""
    host = host.lower().strip("[]")
    if host in named:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is a loopback name that no source names"
    if is_ip_literal(host) and not is_public_address(host):
        return f"{host} is a non-public address that no source names"
    if resolved and not is_public_address(resolved):
        return f"{host} resolves to the non-public address {resolved}"
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def looks_binary(head: bytes) -> bool:
    """True when the first bytes of a body are a known binary format or contain NUL bytes
    (UTF-16 text, which starts with a byte-order mark, is not binary)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    stripped = head.lstrip()
    return stripped.startswith(BINARY_MAGIC) or b"\x00" in head


def looks_latin1(body: bytes) -> bool:
    """True for bytes that are not valid UTF-8 and hold no UTF-8 multi-byte sequence at all:
    a Latin-1 / Windows-1252 page mislabelled as UTF-8 (a few bad bytes in a UTF-8 page are
    left to the usual replacement character)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return UTF8_MULTIBYTE.search(body) is None
    return False


# ---------------------------------------------------------------- middlewares


class AddressGuardMiddleware:
    """Refuses non-HTTP schemes, unnamed non-public hosts and requests over a source's budget."""

    def __init__(self, named: frozenset[str], budget: int):
        self.named = named
        self.budget = budget
        self.spent: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(named_hosts(run_sources(crawler.settings)),
                   crawler.settings.getint("OBSERVATORY_MAX_REQUESTS_PER_SOURCE",
                                           DEFAULT_MAX_REQUESTS_PER_SOURCE))

    async def process_request(self, request: Request) -> None:
        refusal = url_refusal(request.url, self.named)
        host = host_of(request.url)
        if refusal is None and host not in self.named and not is_ip_literal(host):
            reason = address_refusal(host, await _resolve(host), self.named)
            refusal = BlockedAddress(f"refused {request.url}: {reason}") if reason else None
        if refusal:
            raise refusal
        self._spend(request)

    def _spend(self, request: Request) -> None:
        source_id = request.meta.get("source_id")
        if not source_id or request.meta.get("retry_times"):
            return
        self.spent[source_id] += 1
        if self.spent[source_id] > self.budget:
            if self.spent[source_id] == self.budget + 1:
                logger.warning("source %s reached its budget of %d requests in this run",
                               source_id, self.budget)
            raise BudgetExceeded(f"refused {request.url}: source {source_id} reached its "
                                 f"budget of {self.budget} requests in this run")


def url_refusal(url: str, named: frozenset[str]) -> Refused | None:
    """The refusal for a URL judged without DNS (scheme, IP literals, loopback names)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return BlockedScheme(f"refused {url}: only http and https are crawled")
    reason = address_refusal(host_of(url), None, named)
    return BlockedAddress(f"refused {url}: {reason}") if reason else None


async def _resolve(host: str) -> str | None:
    """The address Scrapy's caching resolver gives for `host` (None when it cannot resolve)."""
    from twisted.internet import reactor

    try:
        return await maybe_deferred_to_future(reactor.resolve(host))
    except Exception:  # noqa: BLE001 - the download itself reports DNS failures
        return None


class RedirectGuardMiddleware:
    """Refuses, with a recorded error, a redirect to another scheme, to an unnamed non-public
    host or outside the source's allowed_domains (Scrapy would drop or ignore it silently)."""

    def __init__(self, sources: list[Source]):
        self.named = named_hosts(sources)
        self.domains = {s.id: s.allowed_domains for s in sources}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(run_sources(crawler.settings))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_CODES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        refusal = url_refusal(target, self.named)
        domains = self.domains.get(request.meta.get("source_id", ""))
        if refusal is None and domains and not in_domains(target, domains):
            refusal = OffsiteRedirect(f"refused redirect from {request.url} to {target}: "
                                      "outside the source's allowed_domains")
        if refusal:
            raise refusal
        return response


class RetryAfterMiddleware:
    """Makes retried requests wait as long as the server's Retry-After asked."""

    def __init__(self, codes: set[int], cap: float):
        self.codes = codes
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        settings = crawler.settings
        return cls({int(c) for c in settings.getlist("RETRY_HTTP_CODES")},
                   settings.getfloat("RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX))

    async def process_request(self, request: Request) -> None:
        wait = request.meta.pop("retry_after", None)
        if wait and request.meta.get("retry_times"):
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.codes:
            return response
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        if wait is None:
            return response
        if wait > self.cap:
            logger.info("%s asks to retry after %.0f s (more than %.0f s): not retried now",
                        request.url, wait, self.cap)
            request.meta["dont_retry"] = True
        else:
            request.meta["retry_after"] = wait
        return response


class BodyCheckMiddleware:
    """Binary bodies served as text become plain (non-text) responses, recorded as "not an
    HTML page"; a page declared UTF-8 whose bytes are Latin-1 is read as Windows-1252."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        if looks_binary(response.body[:SNIFF_BYTES]):
            logger.info("%s is binary content served as %s", response.url,
                        response.headers.get(b"Content-Type", b"?").decode("latin-1"))
            return Response(url=response.url, status=response.status, headers=response.headers,
                            body=response.body, flags=response.flags, request=response.request,
                            ip_address=response.ip_address, protocol=response.protocol)
        if response.encoding.replace("-", "").lower() == "utf8" and looks_latin1(response.body):
            return response.replace(encoding="cp1252")
        return response


class StorageGuardExtension:
    """A database that cannot be written (full disk, I/O error) stops the crawl: the error is
    recorded for the source ("store_error") and the spider closes, instead of downloading pages
    it cannot keep while the run looks healthy."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorageGuardExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def item_error(self, item: object, response: Response, spider: Spider,
                   failure: Failure) -> None:
        source_id = getattr(item, "source_id", None) or response.meta.get("source_id")
        self._check(failure, source_id)

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        self._check(failure, response.meta.get("source_id"))

    def _check(self, failure: Failure, source_id: str | None) -> None:
        if not failure.check(sqlite3.DatabaseError):
            return
        if source_id:
            run_ledger(self.crawler).error(source_id, STORE_ERROR,
                                           f"database not writable: {failure.value}")
        if not self.closing:
            self.closing = True
            logger.error("the database cannot be written (%s): stopping the crawl",
                         failure.value)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=STORE_ERROR))
