"""One run of the observatory: crawl the sources, then analyze what is new.

The single place where "crawl, then analyze" is written: `pipeline.py run`, the scheduler's
crawl jobs and the offline demo all call `crawl_and_analyze`. The crawl runs in its own process
(`python -m crawler.process`, through `crawler.run.crawl`) and so does the analysis
(`python -m nlp.stage`): models load there, memory goes back when it ends, and a hang is killed
at the time limit instead of blocking the caller.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class RunTimeout(Exception):
    """A stage was still running at its time limit and was killed."""


class AnalysisFailed(RuntimeError):
    """The analysis process ended with an error (its last lines are in the message)."""


@dataclass(frozen=True)
class AnalysisSummary:
    analyzed: int = 0
    relevant: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunReport:
    crawl: object  # crawler.run.CrawlReport
    analysis: AnalysisSummary

    @property
    def ok(self) -> bool:
        return bool(self.crawl.ok)


def analyze_in_child(db_path: Path, *, everything: bool = False,
                     timeout_s: float | None = None,
                     workers: int | None = None) -> AnalysisSummary:
    """`python -m nlp.stage` on the database, killed after `timeout_s` seconds (its worker
    processes end with it); `workers` analysis processes, by default one per core."""
    cmd = [sys.executable, "-m", "nlp.stage", "--db", str(db_path),
           "--workers", str(workers or os.cpu_count() or 1)]
    if everything:
        cmd.append("--all")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=ROOT,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise RunTimeout(f"analisi ancora in corso dopo {timeout_s:.0f} s: interrotta") from exc
    summary = _last_json(done.stdout)
    if done.returncode not in (0, 1) or summary is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise AnalysisFailed(f"analisi non riuscita (codice {done.returncode}): "
                             f"{' | '.join(tail) or 'nessun messaggio'}")
    return AnalysisSummary(summary["analyzed"], summary["relevant"], summary["failed"],
                           summary.get("errors", {}))


def _last_json(stdout: str) -> dict | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("event") == "finished":
            return value
    return None


def crawl_and_analyze(
    sources_path: Path,
    db_path: Path,
    source_ids: list[str] | None = None,
    *,
    settings: dict | None = None,
    timeout_s: float | None = None,
    log_path: Path | None = None,
    on_crawl_event: Callable[[dict], None] | None = None,
    on_crawl_report: Callable[[object], None] | None = None,
    analysis_workers: int | None = None,
    redis_url: str | None = None,
) -> RunReport:
    """Crawl the sources (all enabled ones by default), then analyze the new articles.

    `timeout_s` limits each stage; `on_crawl_event` receives the crawl's progress events and
    `on_crawl_report` the crawl report before the analysis starts (for a live display);
    `analysis_workers` analysis processes (default: one per core); `redis_url` distributes
    the crawl over the workers of that Redis (crawler/distributed/).
    The analysis runs even when some sources failed: what was stored is analyzed.
    """
    from crawler.run import crawl

    report = crawl(sources_path, db_path, source_ids, settings=settings, timeout_s=timeout_s,
                   progress=on_crawl_event, log_path=log_path, redis_url=redis_url)
    if on_crawl_report:
        on_crawl_report(report)
    analysis = analyze_in_child(db_path, timeout_s=timeout_s, workers=analysis_workers)
    return RunReport(report, analysis)
