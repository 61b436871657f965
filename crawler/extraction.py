"""The extraction stage: spiders fetch and hand each candidate article's HTML on; a pool of
worker processes runs `extract_page` and the store's CPU work before the duplicate and cluster
checks (`store.articles.derive`: content hash, simhash, search terms); the crawl process, the
one writer, stores the results in the order the pages were handed on, so what is stored does
not depend on the number of workers.

Workers are forked from a forkserver that imported the extractor once, so they start in a
fraction of a second and hold no copy of the crawl's reactor, sockets or SQLite connections;
pure: no store access here. A worker that dies (SIGKILL, out of memory) breaks the pool: the
pages it held are extracted again in a fresh pool; a page caught in MAX_BREAKS broken pools
fails with WorkerLost (the crawler records it as an error and keeps its link in the frontier,
so the next run tries it again; its raw HTML is kept for `reextract`).

`workers=0` extracts in the calling thread (the crawl's reactor thread): the old way, kept for
comparison in bench/bench_crawl.py.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from crawler.extract import PageFields, extract_page
from store.articles import derive

MAX_BREAKS = 2
WORKER_LOST = "extraction worker died while extracting the page"


class WorkerLost(RuntimeError):
    """The page was in MAX_BREAKS pools whose worker died."""


@dataclass(frozen=True)
class Extracted:
    fields: PageFields
    derived: dict | None  # store.articles.derive of the article (None: not an article)


def extract_and_derive(html: str, url: str, fetched_at: str, hint: dict) -> Extracted:
    """What a worker does with one page."""
    fields = extract_page(html, url, fetched_at=fetched_at, hint=hint)
    derived = derive(fields.title, fields.text) if fields.is_article else None
    return Extracted(fields, derived)


def default_workers() -> int:
    return os.cpu_count() or 1


def _watch_caller() -> None:
    """End this worker when the crawl process is gone (killed on a time-out)."""
    multiprocessing.parent_process().join()
    os._exit(1)


def _init_worker() -> None:
    threading.Thread(target=_watch_caller, daemon=True).start()


class ExtractionPool:
    """One per crawl process, shared by the crawls of its spiders (`shared_pool`)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.users = 0
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future | None = None

    def start(self) -> None:
        """Start the workers in a thread of their own (at the first page: a crawl that finds
        no page starts none): the pages wait for them, never the reactor (a reactor stalled
        for seconds while the forkserver imports the extractor makes downloads in flight time
        out)."""
        if self.workers and self._ready is None:
            self._ready = Future()
            threading.Thread(target=self._launch, name="extraction-pool", daemon=True).start()

    def _launch(self) -> None:
        assert self._ready is not None
        try:
            self._current().submit(int).result()
        except BrokenProcessPool:
            pass  # the first page meets the broken pool and replaces it
        finally:
            self._ready.set_result(None)

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.extraction"])
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_init_worker)
        return self._pool

    async def extract(self, html: str, url: str, fetched_at: str, hint: dict) -> Extracted:
        """Extract one page in a worker (or here, with workers=0)."""
        if self.workers == 0:
            return extract_and_derive(html, url, fetched_at, hint)
        self.start()
        await asyncio.wrap_future(self._ready)
        for _ in range(MAX_BREAKS):
            pool = self._current()
            try:
                return await asyncio.wrap_future(
                    pool.submit(extract_and_derive, html, url, fetched_at, hint))
            except BrokenProcessPool:
                if self._pool is pool:  # the first page to notice replaces the pool
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
        raise WorkerLost(WORKER_LOST)

    def close(self) -> None:
        if self._ready is not None:
            self._ready.result(timeout=120)  # a pool still starting is ended too
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def worker_pids(self) -> list[int]:
        """The live workers' process ids (for tests that kill one)."""
        pool = self._pool
        return list(getattr(pool, "_processes", None) or {}) if pool else []


_SHARED: dict[int, ExtractionPool] = {}


def shared_pool(workers: int) -> ExtractionPool:
    """The process's pool of `workers` workers (started in the background at its first
    page); `release_pool` ends it when its last user is done."""
    pool = _SHARED.setdefault(workers, ExtractionPool(workers))
    pool.users += 1
    return pool


def release_pool(pool: ExtractionPool) -> None:
    pool.users -= 1
    if pool.users <= 0:
        pool.close()
        _SHARED.pop(pool.workers, None)


class Turns:
    """Tickets handed out in the order pages reach the extraction stage; a page's turn to be
    written comes when every earlier ticket is finished (stored, dropped or failed)."""

    def __init__(self) -> None:
        self._next = 0
        self._lowest = 0  # the lowest ticket not finished
        self._finished: set[int] = set()
        self._waiting: dict[int, asyncio.Future] = {}

    def ticket(self) -> int:
        self._next += 1
        return self._next - 1

    async def turn(self, ticket: int) -> None:
        if ticket == self._lowest:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[ticket] = waiter
        await waiter

    def finish(self, ticket: int) -> None:
        self._finished.add(ticket)
        while self._lowest in self._finished:
            self._finished.discard(self._lowest)
            self._lowest += 1
        waiter = self._waiting.pop(self._lowest, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def release_all(self) -> None:
        """The crawl is closing: nobody waits any longer."""
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_result(None)
        self._waiting.clear()
