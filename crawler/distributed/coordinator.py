"""The coordinator's side of a distributed crawl: Scrapy settings that turn an ordinary crawl
(crawler.process) into the coordinator, and the download handler that hands each request to
the workers through Redis and waits for their answer.

Everything between the spiders and the download stays in the coordinator, as in a local crawl:
the request budget and address checks, retries with back-off, Retry-After, redirects (checked
against the source's domains), decompression and the size limits. Workers make the HTTP
request itself, with robots.txt and per-domain politeness shared through Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import time
import uuid

import redis
import redis.asyncio
import scrapy
import twisted.internet.error
import twisted.web._newclient
from scrapy import exceptions as scrapy_exceptions
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler import settings as default_settings
from crawler.distributed.queue import push_request
from crawler.distributed.serialize import unpack_body
from crawler.distributed.state import (
    CrawlConfig,
    RedisState,
    RedisUnavailable,
    connect,
    redact,
)
from crawler.sources import Source, politeness_by_domain
from crawler.urls import canonicalize
from store.articles import get_link_hint
from store.db import open_db

logger = logging.getLogger(__name__)

HANDLER = "crawler.distributed.coordinator.RedisDownloadHandler"
# Settings the workers apply to their fetches, taken from the run's settings (defaults < env
# < -s), so `-s DOWNLOAD_DELAY=2` paces the workers as it paces a local crawl.
# OBSERVATORY_WORKER_REQUESTS: requests one worker holds at once (default 8).
WORKER_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "ROBOTSTXT_USER_AGENT",
                   "ROBOTSTXT_CRAWL_DELAY_MAX", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                   "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE", "DNS_TIMEOUT",
                   "LOG_LEVEL", "OBSERVATORY_WORKER_REQUESTS")
# Requests waiting this long with no worker's heartbeat seen: a warning in the crawl log.
NO_WORKER_WARNING_S = 15
# Seconds a worker's lease on a request lasts without a heartbeat (setting of the same name).
DEFAULT_LEASE_S = 60.0
# Exception modules whose classes a worker's error can be rebuilt from, so retries and the
# run record's error kinds are those of a local crawl.
_ERROR_MODULES = (scrapy_exceptions, twisted.internet.error, twisted.web._newclient)


def coordinator_settings(settings: Settings, redis_url: str, crawl_id: str) -> None:
    """Make `settings` (a local crawl's, user overrides applied) those of a coordinator."""
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES")
                       or default_settings.DOWNLOADER_MIDDLEWARES)
    middlewares["crawler.middlewares.CrawlDelayMiddleware"] = None  # workers pace requests
    settings.update({
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "DUPEFILTER_CLASS": "crawler.distributed.coordinator.RunDupeFilter",
        # robots.txt is obeyed here, as in a local crawl (its fetch goes through a worker and
        # the shared per-domain delay); its Crawl-delay is published for the workers.
        "EXTENSIONS": {**settings.getdict("EXTENSIONS"),
                       "crawler.distributed.coordinator.CrawlDelayPublisher": 510},
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 64, "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "REDIS_URL": redis_url, "OBSERVATORY_REDIS_URL": redis_url,
        "OBSERVATORY_CRAWL_ID": crawl_id,
    }, priority="cmdline")


def crawl_config(settings: Settings, sources: list[Source], crawl_id: str) -> CrawlConfig:
    """What the workers need, from the run's settings before coordinator_settings."""
    worker = {name: settings.get(name) for name in WORKER_SETTINGS}
    policies = {domain: [p.download_delay, p.concurrency]
                for domain, p in politeness_by_domain(sources).items()}
    lease = settings.getfloat("OBSERVATORY_REDIS_LEASE_S", DEFAULT_LEASE_S)
    return CrawlConfig(crawl_id=crawl_id, settings=worker, politeness=policies, lease_s=lease)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis' duplicate filter, one per crawl run and spider (a local crawl has one per
    spider too), dropped when the run ends: the next run requests its feeds and listings
    again; stored articles are skipped by the store's seen URLs, as in a local crawl."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        settings = crawler.settings
        server = redis.Redis.from_url(settings["OBSERVATORY_REDIS_URL"])
        key = f"obs:dupefilter:{settings['OBSERVATORY_CRAWL_ID']}:{id(crawler)}"
        return cls(server, key=key, debug=settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: scrapy.Request) -> bool:
        """Redis gone: the request goes on, to fail in the download handler, so it is
        counted as an error of its source instead of vanishing in the scheduler."""
        try:
            return super().request_seen(request)
        except redis.RedisError:
            return False

    def clear(self) -> None:
        with contextlib.suppress(redis.RedisError):  # Redis gone: the key went with it
            super().clear()


class CrawlDelayPublisher:
    """Puts each robots.txt Crawl-delay the coordinator parses (capped at
    ROBOTSTXT_CRAWL_DELAY_MAX) in Redis, where every worker's pacing reads it as a floor."""

    def __init__(self, crawler: Crawler):
        self.state = RedisState(connect(crawler.settings["OBSERVATORY_REDIS_URL"]))
        self.cap = crawler.settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX")
        self.agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") \
            or crawler.settings.get("USER_AGENT")
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayPublisher:
        return cls(crawler)

    def robots_parsed(self, robotparser, request: scrapy.Request) -> None:
        delay = robotparser.crawl_delay(self.agent)
        if delay:
            host = (urlparse_cached(request).hostname or "").lower()
            self.state.set_crawl_delay(host, min(float(delay), self.cap))


class RedisLost(twisted.internet.error.ConnectionLost):
    """Redis went away before or while the request waited for a worker (error kind
    "redislost" in the run record)."""


class RedisDownloadHandler:
    """Download handler for http and https: the request goes to the shared queue, a worker
    fetches it and replies on this handler's own list; the first reply for a request wins
    (a request put back by an expired lease may be answered twice)."""

    lazy = False

    def __init__(self, crawler: Crawler):
        url = crawler.settings["OBSERVATORY_REDIS_URL"]
        self.url = url
        self.crawl_id = crawler.settings["OBSERVATORY_CRAWL_ID"]
        self.state = RedisState(connect(url))
        self.reply_key = f"obs:reply:{self.crawl_id}:{uuid.uuid4().hex}"
        self.pending: dict[str, asyncio.Future] = {}
        self.listener: asyncio.Task | None = None
        self.aserver: redis.asyncio.Redis | None = None
        self.db_path = crawler.settings["OBSERVATORY_DB"]
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: scrapy.Request) -> Response:
        if self.listener is None:
            self.aserver = redis.asyncio.Redis.from_url(self.url)
            self.listener = asyncio.ensure_future(self._listen())
        job = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self.pending[job] = future
        try:
            try:
                push_request(self.state.server, self._job_request(request, job))
            except redis.RedisError as exc:
                raise RedisLost(f"Redis unreachable: {exc}") from exc
            result = await future
        finally:
            self.pending.pop(job, None)
        if not result["ok"]:
            raise rebuild_error(result)
        if result.get("prepared"):
            request.meta["obs_prepared"] = result["prepared"]
        return rebuild_response(request, result)

    def _link_hint(self, request: scrapy.Request) -> dict:
        """The link hint ExtractPipeline will look up for this page (its URLs in order)."""
        if self.db is None:
            self.db = open_db(self.db_path)
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        hint: dict = {}
        for url in sorted({request.meta["canonical"], canonicalize(request.url),
                           canonicalize(first)}):
            hint = hint or get_link_hint(self.db, url)
        return hint

    def _job_request(self, request: scrapy.Request, job: str) -> scrapy.Request:
        meta = {"obs_job": job, "obs_reply": self.reply_key}
        if "canonical" in request.meta:  # an article page: the worker extracts it too
            meta["obs_extract"] = {"hint": self._link_hint(request)}
        for key in ("download_timeout", "download_maxsize", "download_warnsize",
                    "dont_obey_robotstxt"):
            if key in request.meta:
                meta[key] = request.meta[key]
        return scrapy.Request(request.url, method=request.method, headers=request.headers,
                              body=request.body, meta=meta, priority=request.priority,
                              dont_filter=True)

    async def _listen(self) -> None:
        """Hand each reply to the request waiting for it; put expired leases back."""
        assert self.aserver is not None
        checked = time.monotonic()
        while True:
            try:
                self.state.reap()
                self.state.refresh_coordinator(self.crawl_id)
                if self.pending and time.monotonic() - checked > NO_WORKER_WARNING_S:
                    checked = time.monotonic()
                    self._warn_without_workers()
                item = await self.aserver.blpop([self.reply_key], timeout=1)
            except redis.RedisError as exc:
                logger.error("Redis lost while waiting for workers: %s", exc)
                for future in self.pending.values():
                    if not future.done():
                        future.set_exception(RedisLost(str(exc)))
                await asyncio.sleep(1)
                continue
            if item:
                result = json.loads(item[1])
                future = self.pending.get(result["job"])
                if future is not None and not future.done():
                    future.set_result(result)

    def _warn_without_workers(self) -> None:
        if not self.state.workers_seen(NO_WORKER_WARNING_S):
            logger.warning("%d requests wait and no worker has been seen for %d s: start "
                           "`pipeline.py worker --redis %s`", len(self.pending),
                           NO_WORKER_WARNING_S, redact(self.url))

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.listener
        if self.aserver is not None:
            await self.aserver.aclose()
        with contextlib.suppress(redis.RedisError):
            self.state.server.delete(self.reply_key)
        if self.db is not None:
            self.db.conn.close()


def rebuild_response(request: scrapy.Request, result: dict) -> Response:
    headers = Headers({k: v for k, v in result["headers"]})
    body = unpack_body(result["body"])
    cls = responsetypes.from_args(headers=headers, url=result["url"], body=body)
    ip = ipaddress.ip_address(result["ip"]) if result.get("ip") else None
    return cls(url=result["url"], status=result["status"], headers=headers, body=body,
               flags=result.get("flags") or [], request=request, ip_address=ip,
               protocol=result.get("protocol"))


def rebuild_error(result: dict) -> Exception:
    """The worker's exception as the same class when it is a Scrapy or Twisted one (retries
    and error kinds then work as in a local crawl), else a connection error of that name."""
    name, message = result["error"], result.get("message", "")
    for module in _ERROR_MODULES:
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            with contextlib.suppress(Exception):
                return cls(message)
            with contextlib.suppress(Exception):
                return cls()
    return type(name, (twisted.internet.error.ConnectionLost,), {})(message)


def open_run(redis_url: str, config: CrawlConfig) -> RedisState:
    """Publish the crawl for the workers (the caller holds the coordinator claim)."""
    state = RedisState(connect(redis_url))
    state.start_crawl(config)
    return state


def claim(redis_url: str, crawl_id: str) -> RedisState:
    """Check Redis and take this database for one crawl; RedisUnavailable when it cannot be
    reached or another coordinator is running on it."""
    state = RedisState(connect(redis_url))
    if not state.claim_coordinator(crawl_id):
        raise RedisUnavailable("un'altra raccolta distribuita è in corso su questo database "
                               "Redis: attendi che finisca o usa un altro database (/N)")
    return state


def release(state: RedisState, crawl_id: str) -> None:
    with contextlib.suppress(redis.RedisError):
        state.end_crawl(crawl_id, [])
