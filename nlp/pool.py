"""Analysis in a pool of worker processes: articles in, one outcome per article out, in order.

Workers analyze chunks of articles with the models (`load_analyzer`); the caller
(the one writer, `nlp.stage.analyze_db`) receives outcomes in the order of the articles it gave,
so what it writes does not depend on the number of workers. Workers are forked from a
forkserver that loaded the models once (`nlp.pool_models`): they start in a fraction of a
second, share the models' memory, and hold no copy of the caller's SQLite connection or
threads. Pure: no store access here.

A worker that dies (SIGKILL, out of memory) breaks the pool: the chunks it was running go back
to the queue one article at a time in a fresh pool; an article caught in `MAX_BREAKS` broken
pools is reported failed (its outcome carries the error), never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

MAX_BREAKS = 2  # an article in this many broken pools is reported failed
LOST = "il processo di analisi è terminato mentre analizzava l'articolo"

_analyzer = None
_setup_error: str | None = None


class WorkerSetupError(RuntimeError):
    """A worker could not load the models: no article can be analyzed."""


@dataclass
class Outcome:
    article_id: str
    result: dict | None  # the analyze-text JSON plus organisation keys, or None on error
    error: str | None = None


def _watch_caller() -> None:
    """End this worker when the process that uses the pool is gone (killed on a time-out):
    the forkserver cannot end first, since every worker holds its liveness pipe open."""
    multiprocessing.parent_process().join()
    os._exit(1)


def _init_worker() -> None:
    global _analyzer, _setup_error
    threading.Thread(target=_watch_caller, daemon=True).start()
    from nlp import pool_models  # loaded in the forkserver already: no time spent here

    _analyzer, _setup_error = pool_models.analyzer, pool_models.error


def analyze_one(analyzer, title: str, text: str, published: str | None = None) -> dict:
    """The analyze-text JSON plus the organisation keys the store links through. `published`
    (the stored ISO date or time) resolves dates written without a year."""
    analysis = analyzer.analyze(text or "", title or "", published_date(published))
    out = analysis.to_json()
    for item, org in zip(out["organisations"], analysis.organisations, strict=True):
        item["key"] = org.key
    return out


def published_date(value: str | None) -> dt.date | None:
    """The day of a stored publication date ("2026-11-20" or "2026-11-20T09:30:00+01:00")."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _analyze_chunk(items: list[tuple[str, str, str, str | None]]) -> list[Outcome]:
    if _setup_error is not None:
        raise WorkerSetupError(f"modelli di analisi non caricati: {_setup_error}")
    out = []
    for article_id, title, text, published in items:
        try:
            out.append(Outcome(article_id, analyze_one(_analyzer, title, text, published)))
        except Exception as exc:  # noqa: BLE001 - recorded per article, the run goes on
            out.append(Outcome(article_id, None, f"{type(exc).__name__}: {exc}"))
    return out


def chunk_size_for(n_articles: int, workers: int) -> int:
    """Chunks small enough to share the work evenly, big enough to amortise the messages."""
    return max(1, min(16, n_articles // (workers * 4)))


def analyze_parallel(articles: list[dict], workers: int,
                     chunk_size: int | None = None) -> Iterator[Outcome]:
    """One Outcome per article (dicts with id, title, text), in the order given."""
    size = chunk_size or chunk_size_for(len(articles), workers)
    pending: deque[tuple[dict, int]] = deque((art, 0) for art in articles)
    while pending:
        pending = yield from _run_pool(pending, workers, size)


def _run_pool(pending: deque, workers: int, size: int):
    """Run chunks in one pool until the queue is empty (returns it empty) or the pool breaks
    (returns what must run again, in order). Yields the outcomes of finished chunks in order."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["nlp.pool_models"])
    in_flight: deque[tuple[list, Future | None]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker) as pool:
        while pending or in_flight:
            while pending and len(in_flight) < (workers if pending[0][1] else workers * 3):
                chunk = _take_chunk(pending, size)
                try:
                    in_flight.append(_submit(pool, chunk))
                except BrokenProcessPool:  # broke before this chunk was sent: not its fault
                    pending.extendleft(reversed(chunk))
                    return _requeue(in_flight, pending)
            chunk, future = in_flight.popleft()
            if future is None:  # caught in too many broken pools
                yield from (Outcome(art["id"], None, LOST) for art, _ in chunk)
                continue
            try:
                outcomes = future.result()
            except BrokenProcessPool:
                in_flight.appendleft((chunk, future))
                return _requeue(in_flight, pending)
            yield from outcomes
    return pending


def _take_chunk(pending: deque, size: int) -> list[tuple[dict, int]]:
    """A chunk of fresh articles, or a single article that was in a broken pool before."""
    if pending[0][1]:
        return [pending.popleft()]
    chunk = []
    while pending and len(chunk) < size and not pending[0][1]:
        chunk.append(pending.popleft())
    return chunk


def _submit(pool: ProcessPoolExecutor, chunk: list) -> tuple[list, Future | None]:
    if max(breaks for _, breaks in chunk) >= MAX_BREAKS:
        return chunk, None
    items = [(art["id"], art.get("title") or "", art.get("text") or "", art.get("published"))
             for art, _ in chunk]
    return chunk, pool.submit(_analyze_chunk, items)


def _requeue(in_flight: deque, pending: deque) -> deque:
    """After a break: every unfinished chunk goes back in order; the chunks whose work was lost
    count one more break (finished chunks after the broken one are simply run again)."""
    again: deque = deque()
    for chunk, future in in_flight:
        lost = future is not None and isinstance(future.exception(), BrokenProcessPool)
        again.extend((art, breaks + int(lost)) for art, breaks in chunk)
    again.extend(pending)
    return again
