"""Polite Scrapy defaults for the observatory. Precedence: these defaults < environment
(OBSERVATORY_USER_AGENT) < the `settings` given to crawler.run.crawl (CLI flags, tests)."""

from __future__ import annotations

import os

BOT_NAME = "observatory"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

DEFAULT_USER_AGENT = (
    "OsservatorioCoprogettazione/0.1 (+https://github.com/; research crawler on Italian "
    "co-design news; obeys robots.txt)"
)
USER_AGENT = os.environ.get("OBSERVATORY_USER_AGENT") or DEFAULT_USER_AGENT

# Politeness.
ROBOTSTXT_OBEY = True
# robots.txt Crawl-delay is honoured (crawler.middlewares.CrawlDelayMiddleware) up to this.
ROBOTSTXT_CRAWL_DELAY_MAX = 30.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# No listening control port: a crawl is driven by crawler.run, not remotely.
REMOTE_CONTROL_ENABLED = False

# Robustness.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Seconds before the n-th retry: RETRY_BACKOFF_BASE * 2 ** (n - 1), at most RETRY_BACKOFF_MAX.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 15
# Links that feeds and sitemaps give are followed once per run by the ledger; the dupefilter
# stays on for listing pagination.
DUPEFILTER_DEBUG = False

DOWNLOADER_MIDDLEWARES = {
    "crawler.safety.AddressGuardMiddleware": 60,
    "crawler.middlewares.CrawlDelayMiddleware": 110,
    "crawler.middlewares.RetryBackoffMiddleware": 560,
    "crawler.safety.RetryAfterMiddleware": 580,
    "crawler.safety.BodyCheckMiddleware": 585,
    "crawler.safety.RedirectGuardMiddleware": 610,
}
# A database that cannot be written (full disk) stops the crawl with a recorded error.
EXTENSIONS = {"crawler.safety.StorageGuardExtension": 500}
# Safety rules (crawler/safety.py): requests per source per run, longest Retry-After honoured.
OBSERVATORY_MAX_REQUESTS_PER_SOURCE = 5000
RETRY_AFTER_MAX = 120
ITEM_PIPELINES = {
    "crawler.pipelines.RawPagePipeline": 100,
    "crawler.pipelines.ExtractPipeline": 200,
    "crawler.pipelines.PrefilterPipeline": 300,
    "crawler.pipelines.StorePipeline": 400,
}

# Items processed at once per response. Scrapy starts this many tasks for every response's
# output, and each article response yields one item: its default (100) cost a quarter of the
# crawl process's CPU (bench/bench_crawl.py, cProfile of the crawl).
CONCURRENT_ITEMS = 4

# Asyncio reactor: needed for async start() and coroutine middlewares.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Observatory settings (set by crawler.process): the database and sources file.
OBSERVATORY_DB = None
OBSERVATORY_SOURCES = None
OBSERVATORY_SOURCE_IDS = None  # list of ids, or None for every enabled source
# Extraction worker processes (crawler/extraction.py); None: one per core, 0: extract on the
# crawl's own thread.
OBSERVATORY_EXTRACT_WORKERS = None
# A run over at least this many sources uses the broad-crawl profile (crawler/broad.py) unless
# told otherwise (`pipeline.py crawl --broad / --no-broad`); 0 turns the automatic choice off.
OBSERVATORY_BROAD_MIN_SOURCES = 100
# Errored article URLs (5xx, timeouts; 4xx links a feed keeps listing) are tried again on
# later runs until they have failed more than this many times.
OBSERVATORY_RETRY_ERRORS = 3
