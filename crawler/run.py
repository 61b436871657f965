"""Run a crawl in a subprocess and report per source. This is what the CLI calls.

    report = crawl(Path("crawler/sources.toml"), Path("observatory.db"), ["welforum"])
    for src in report.sources: print(src.source_id, src.status, src.new_articles, src.message)

A source with no network or a dead site ends with status "failed" and a message, never a
traceback; a crashed or timed-out subprocess fails every source it had not reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.settings import DOWNLOAD_TIMEOUT as DEFAULT_DOWNLOAD_TIMEOUT
from crawler.sources import load_sources, select_sources
from store.articles import crawl_run_records, record_crawl_run
from store.db import open_db

Progress = Callable[[dict], None]
LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class SourceReport:
    source_id: str
    name: str
    status: str  # ok | partial | failed
    requests: int = 0
    responses_304: int = 0
    article_pages: int = 0
    new_articles: int = 0
    duplicates: int = 0
    filtered: int = 0
    errors: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class CrawlReport:
    run_id: str
    sources: list[SourceReport]
    returncode: int
    duration_s: float
    log_path: Path | None = None
    log_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and all(s.status != "failed" for s in self.sources)

    def totals(self) -> dict[str, int]:
        keys = ("requests", "responses_304", "article_pages", "new_articles", "duplicates",
                "filtered", "errors")
        return {k: sum(getattr(s, k) for s in self.sources) for k in keys}


def crawl(
    sources_path: Path,
    db_path: Path,
    source_ids: list[str] | None = None,
    *,
    settings: dict | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
    log_path: Path | None = None,
    redis_url: str | None = None,
    broad: bool | None = None,
) -> CrawlReport:
    """Crawl the chosen sources (all enabled ones by default) into the database.

    `settings` overrides Scrapy settings (e.g. {"DOWNLOAD_DELAY": 0}); `progress` receives
    each JSON event of the subprocess (started, article, error, finished); the Scrapy log goes
    to `log_path` (a temporary file when None); `broad` chooses the broad-crawl profile
    (crawler/broad.py; None: automatic from the number of sources). Raises SourceError /
    KeyError for a bad sources file or unknown ids, before anything is started.

    With `redis_url` the crawl is distributed (crawler/distributed/): this process claims the
    Redis database, the child is the coordinator and the workers serving that database fetch;
    RedisUnavailable (nothing started, no run recorded) when Redis cannot be reached.
    """
    chosen = select_sources(load_sources(sources_path), source_ids)
    open_db(db_path).conn.close()  # create and migrate once, before the subprocess
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if not chosen:
        return CrawlReport(run_id, [], 0, 0.0)
    claimed = _claim(redis_url, run_id)
    log_path = log_path or Path(tempfile.mkstemp(prefix="crawl-", suffix=".log")[1])
    settings = _time_limited(dict(settings or {}), timeout_s)
    command = [sys.executable, "-m", "crawler.process", "--sources", str(sources_path),
               "--db", str(db_path), "--run-id", run_id, "--progress",
               "--settings-json", json.dumps(settings)]
    for source in chosen:
        command += ["--source", source.id]
    if redis_url:
        command += ["--redis", redis_url]
    if broad is not None:
        command.append("--broad" if broad else "--no-broad")
    t0 = time.monotonic()
    try:
        returncode, timed_out = _run(command, log_path, timeout_s, progress)
    finally:
        if claimed is not None:
            from crawler.distributed.coordinator import release

            release(claimed, run_id)
    duration = round(time.monotonic() - t0, 2)
    tail = _tail(log_path)
    reports = _reports(db_path, run_id, chosen, returncode, timed_out, tail)
    return CrawlReport(run_id, reports, returncode, duration, log_path, tail)


def _claim(redis_url: str | None, run_id: str):
    if not redis_url:
        return None
    from crawler.distributed.coordinator import claim

    return claim(redis_url, run_id)


def _time_limited(settings: dict, timeout_s: float | None) -> dict:
    """Spiders close by themselves (and write their run records) well before the hard kill:
    they stop scheduling at half the time (counted from spider start, after a few seconds of
    process start-up) and in-flight downloads give up within a fifth of it."""
    if not timeout_s:
        return settings
    settings.setdefault("CLOSESPIDER_TIMEOUT", max(1, int(timeout_s * 0.5)))
    download = float(settings.get("DOWNLOAD_TIMEOUT", DEFAULT_DOWNLOAD_TIMEOUT))
    settings["DOWNLOAD_TIMEOUT"] = max(1, min(download, int(timeout_s * 0.2)))
    return settings


def _run(command: list[str], log_path: Path, timeout_s: float | None,
         progress: Progress | None) -> tuple[int, bool]:
    root = Path(__file__).resolve().parent.parent
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=root,
                                text=True, encoding="utf-8")
        timer, timed_out = None, threading.Event()
        if timeout_s:
            def kill() -> None:
                timed_out.set()
                proc.kill()
            timer = threading.Timer(timeout_s, kill)
            timer.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            event = _event(line)
            if event is not None and progress:
                progress(event)
        returncode = proc.wait()
        if timer:
            timer.cancel()
    return returncode, timed_out.is_set()


def _event(line: str) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _reports(db_path: Path, run_id: str, chosen: list, returncode: int, timed_out: bool,
             tail: str) -> list[SourceReport]:
    db = open_db(db_path)
    rows = crawl_run_records(db, run_id)
    out = []
    for source in chosen:
        row = rows.get(source.id)
        if row is None:
            message = _crash_message(returncode, timed_out, tail)
            record_crawl_run(db, {"run_id": run_id, "source_id": source.id, "status": "failed",
                                  "message": message, "errors": 1, "errors_by_kind": {
                                      "time_limit" if timed_out else "crash": 1}})
            out.append(SourceReport(source.id, source.name, "failed", message=message))
            continue
        out.append(SourceReport(
            source_id=source.id, name=source.name, status=row["status"],
            requests=row["requests"] or 0, responses_304=row["responses_304"] or 0,
            article_pages=row["article_pages"] or 0, new_articles=row["new_articles"] or 0,
            duplicates=row["duplicates"] or 0, filtered=row["filtered"] or 0,
            errors=row["errors"] or 0, errors_by_kind=row["errors_by_kind"],
            duration_s=row["duration_s"] or 0.0, message=row["message"] or "",
        ))
    db.conn.close()
    return out


def _crash_message(returncode: int, timed_out: bool, tail: str) -> str:
    if timed_out:
        return "crawl stopped: time limit reached before the source was reported"
    last = tail.strip().splitlines()[-1] if tail.strip() else "no log output"
    return f"crawl process ended with code {returncode} before reporting: {last}"
