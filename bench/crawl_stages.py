"""Where a crawl's time goes: wall-clock time per stage, exclusive of nested stages.

Used by bench/bench_crawl.py in the crawl's own process: `install()` wraps the functions of
each stage where the crawler calls them (module attributes, spider and pipeline methods), the
crawl runs as usual, and the Stopwatch holds wall-clock seconds, CPU seconds of the
calling thread and calls per stage. What no stage accounts
for is Scrapy itself: the engine, the downloads, the reactor's own work and its idle waits.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from functools import wraps

# (stage name, "module:attribute" or "module:Class.method"), inner stages after outer ones.
STAGES = (
    ("pipelines: own code", "crawler.pipelines:RawPagePipeline.process_item"),
    ("pipelines: own code", "crawler.pipelines:PrefilterPipeline.process_item"),
    ("pipelines: own code", "crawler.pipelines:StorePipeline.process_item"),
    ("spider: feeds/sitemaps/listings, frontier", "crawler.spiders.base:SourceSpider.on_entry"),
    ("spider: article response -> item", "crawler.spiders.base:SourceSpider.on_article"),
    ("raw page: gzip", "gzip:compress"),
    ("raw page: write", "store.articles:save_raw_page"),
    ("link hint lookup", "store.articles:get_link_hint"),
    ("extraction (extract_page, when in this process)", "crawler.extract:extract_page"),
    ("refusal record", "store.refused:record_extraction"),
    ("store: derive (hashes, terms; when in this process)", "store.articles:derive"),
    ("store: content hash", "store.text:content_hash"),
    ("store: simhash", "store.text:simhash"),
    ("store: near-duplicate / cluster check", "store.articles:_near_duplicate_cluster"),
    ("store: search terms", "store.text:search_terms"),
    ("store: seen-URL writes", "store.articles:mark_seen"),
    ("store: frontier settle", "store.frontier:settle_in_transaction"),
    ("store: article row, FTS, rest of save", "store.articles:save_article"),
    ("commits", "store.db:_commit"),
)


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list] = []

    @contextmanager
    def stage(self, name: str):
        now, cpu = time.perf_counter(), time.thread_time()
        if self._stack:  # the outer stage pauses
            outer = self._stack[-1]
            self.seconds[outer[0]] += now - outer[1]
            self.cpu[outer[0]] += cpu - outer[2]
        self._stack.append([name, now, cpu])
        try:
            yield
        finally:
            end, end_cpu = time.perf_counter(), time.thread_time()
            _, start, start_cpu = self._stack.pop()
            self.seconds[name] += end - start
            self.cpu[name] += end_cpu - start_cpu
            self.calls[name] += 1
            if self._stack:
                self._stack[-1][1:] = [end, end_cpu]

    def wrap(self, name: str, func):
        @wraps(func)
        def timed(*args, **kwargs):
            with self.stage(name):
                return func(*args, **kwargs)
        return timed


def _resolve(target: str):
    module_name, _, attr = target.partition(":")
    __import__(module_name)
    owner = sys.modules[module_name]
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def install(watch: Stopwatch) -> None:
    """Wrap every stage function, in its module and wherever it was imported by name."""
    import crawler.pipelines  # noqa: F401 - bring in every module that imports a stage
    import crawler.process  # noqa: F401
    for name, target in STAGES:
        owner, attr = _resolve(target)
        original = getattr(owner, attr)
        timed = watch.wrap(name, original)
        setattr(owner, attr, timed)
        if owner is gzip:
            continue
        for module in list(sys.modules.values()):
            if (getattr(module, "__name__", "").split(".")[0] in ("crawler", "store")
                    and getattr(module, attr, None) is original):
                setattr(module, attr, timed)
