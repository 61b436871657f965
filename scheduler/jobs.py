"""What each scheduled job does. Every run is recorded in `job_runs`; a crawl or an analysis runs
in a child process with a time limit, so a crash or a hang is recorded and the scheduler goes on.

The crawl job is `scheduler.runs.crawl_and_analyze`, the same run as `pipeline.py run` and the
demo. Jobs are referenced by APScheduler as the string "scheduler.jobs:run_job" so the
persistent job store holds no pickled code.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.config import JobSpec, Schedule, load_schedule
from scheduler.runs import RunTimeout
from store.db import open_db
from store.job_runs import finish_job_run, flagged_sources, never_run_sources, start_job_run


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


def crawl_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    from scheduler.runs import crawl_and_analyze

    ids = select_sources(spec, schedule.sources_path)
    if not ids:
        return "ok", {"sources": 0}
    logs = db_path.parent / "logs"
    logs.mkdir(exist_ok=True)
    run = crawl_and_analyze(schedule.sources_path, db_path, ids,
                            settings=schedule.crawl_settings,
                            timeout_s=schedule.crawl_timeout_seconds,
                            log_path=logs / f"{spec.id}.log",
                            redis_url=os.environ.get("OBS_REDIS_URL") or None)
    counts = {"sources": len(ids),
              "new_articles": sum(s.new_articles for s in run.crawl.sources),
              "failed_sources": [s.source_id for s in run.crawl.sources if s.status == "failed"],
              "analyzed": run.analysis.analyzed, "analysis_failed": run.analysis.failed}
    return ("ok" if run.ok else "partial"), counts


def digest_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    from digest.build import previous_week, write_digest

    today = datetime.now(ZoneInfo(schedule.timezone)).date()
    result = write_digest(db_path, previous_week(today), schedule.digest_out)
    return "ok", {"week": result.week, "stories": result.stories}


def health_job(spec: JobSpec, schedule: Schedule, db_path: Path) -> tuple[str, dict]:
    db = open_db(db_path)
    flagged, never = flagged_sources(db), never_run_sources(db)
    return ("ok" if not flagged else "partial"), {"flagged": flagged, "never_run": never}


RUNNERS = {"crawl": crawl_job, "digest": digest_job, "health": health_job}


def run_job(job_id: str, schedule_path: str, db_path: str) -> str:
    """Run one job of the schedule now and record it; never raises (the scheduler goes on)."""
    schedule = load_schedule(schedule_path)
    spec = next((j for j in schedule.jobs if j.id == job_id), None)
    db = open_db(db_path)
    run_id = start_job_run(db, job_id, spec.trigger_text if spec else "")
    if spec is None:
        finish_job_run(db, run_id, "failed", error=f"il job {job_id!r} non è in {schedule_path}")
        return "failed"
    try:
        status, counts = RUNNERS[spec.kind](spec, schedule, Path(db_path))
    except RunTimeout as exc:
        finish_job_run(db, run_id, "timeout", error=str(exc))
        return "timeout"
    except Exception as exc:  # noqa: BLE001 - recorded; the scheduler must keep running
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        finish_job_run(db, run_id, "failed", error=last)
        return "failed"
    finish_job_run(db, run_id, status, counts)
    return status
