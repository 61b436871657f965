"""What each scheduled job does. Every run is recorded in `job_runs`; a crawl or an analysis runs
in a child process with a time limit, so a crash or a hang is recorded and the scheduler goes on.

Jobs are referenced by APScheduler as the string "scheduler.jobs:run_job" so the persistent job
store holds no pickled code.
"""

from __future__ import annotations

import subprocess
import sys
import traceback
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.config import JobSpec, Schedule, load_schedule
from store.db import open_db
from store.jobs import finish_job_run, start_job_run

ROOT = Path(__file__).resolve().parent.parent


class JobTimeout(Exception):
    pass


def select_sources(spec: JobSpec, sources_path: Path) -> list[str]:
    """Ids of the enabled sources a crawl job covers."""
    from crawler.sources import load_sources

    chosen = []
    for src in load_sources(sources_path):
        if not src.enabled:
            continue
        if (not spec.source_kinds and not spec.sources) or src.kind in spec.source_kinds \
                or src.id in spec.sources:
            chosen.append(src.id)
    return chosen


def analyze_in_child(db_path: Path, timeout_s: float) -> dict:
    """`pipeline.py analyze` in its own process: models load there, memory is given back."""
    cmd = [sys.executable, str(ROOT / "pipeline.py"), "analyze", "--db", str(db_path)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              cwd=ROOT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise JobTimeout(f"analysis still running after {timeout_s:.0f} s: killed") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"analysis failed (exit {done.returncode}): {' | '.join(tail)}")
    return {"analysis": (done.stderr or "").strip().splitlines()[-1:]}


def crawl_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    from crawler.run import crawl

    ids = select_sources(spec, schedule.sources_path)
    if not ids:
        return "ok", {"sources": 0}
    logs = db_path.parent / "logs"
    logs.mkdir(exist_ok=True)
    report = crawl(schedule.sources_path, db_path, ids, settings=schedule.crawl_settings,
                   timeout_s=schedule.crawl_timeout_seconds, log_path=logs / f"{spec.id}.log")
    counts = {"sources": len(ids),
              "new_articles": sum(s.new_articles for s in report.sources),
              "failed_sources": [s.source_id for s in report.sources if s.status == "failed"]}
    counts |= analyze_in_child(db_path, schedule.crawl_timeout_seconds)
    status = "ok" if report.ok else "partial"
    return status, counts


def digest_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    from digest.build import previous_week, write_digest

    today = datetime.now(ZoneInfo(schedule.timezone)).date()
    result = write_digest(db_path, previous_week(today), schedule.digest_out)
    return "ok", {"week": result.week, "stories": result.stories}


def health_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    db = open_db(db_path)
    flagged = [r["source_id"] for r in db.query("SELECT source_id FROM source_health "
                                                 "WHERE flagged = 1 ORDER BY source_id")]
    never = [r["source_id"] for r in db.query("SELECT source_id FROM source_health "
                                               "WHERE last_run IS NULL ORDER BY source_id")]
    return ("ok" if not flagged else "partial"), {"flagged": flagged, "never_run": never}


RUNNERS = {"crawl": crawl_job, "digest": digest_job, "health": health_job}


def run_job(job_id: str, schedule_path: str, db_path: str) -> str:
    """Run one job of the schedule now and record it; never raises (the scheduler goes on)."""
    schedule = load_schedule(schedule_path)
    spec = next((j for j in schedule.jobs if j.id == job_id), None)
    db = open_db(db_path)
    run_id = start_job_run(db, job_id, spec.trigger_text if spec else "")
    if spec is None:
        finish_job_run(db, run_id, "failed", error=f"job {job_id!r} is not in {schedule_path}")
        return "failed"
    try:
        status, counts = RUNNERS[spec.kind](spec, schedule, Path(db_path))
    except JobTimeout as exc:
        finish_job_run(db, run_id, "timeout", error=str(exc))
        return "timeout"
    except Exception as exc:  # noqa: BLE001 - recorded; the scheduler must keep running
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        finish_job_run(db, run_id, "failed", error=last)
        return "failed"
    finish_job_run(db, run_id, status, counts)
    return status
