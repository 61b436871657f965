"""The schedule as data: a TOML file of `[[job]]` tables, validated on load.

    timezone = "Europe/Rome"
    sources = "crawler/sources.toml"     # relative to the schedule file
    misfire_grace_seconds = 3600         # a run missed by less than this still happens
    crawl_timeout_seconds = 3600         # a crawl (or analysis) running longer is killed
    crawl_settings = { DOWNLOAD_DELAY = 2 }  # optional Scrapy setting overrides for every crawl

    [[job]]
    id = "crawl-portals"
    kind = "crawl"                       # crawl | digest | health
    source_kinds = ["portal"]            # crawl jobs: by source kind ...
    sources = ["welforum"]               # ... and/or by source id (none: every source)
    trigger = "interval"                 # interval | cron
    hours = 6                            # interval: weeks/days/hours/minutes

    [[job]]
    id = "weekly-digest"
    kind = "digest"
    trigger = "cron"
    cron = "0 7 * * mon"                 # standard 5-field crontab

Unknown keys, unknown job kinds, bad cron expressions and duplicate ids are errors naming the
file and the job.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

JOB_KINDS = ("crawl", "digest", "health")
TOP_KEYS = {"timezone", "sources", "misfire_grace_seconds", "crawl_timeout_seconds", "job",
            "digest_out", "crawl_settings"}
JOB_KEYS = {"id", "kind", "trigger", "cron", "weeks", "days", "hours", "minutes",
            "source_kinds", "sources", "description"}
INTERVAL_KEYS = ("weeks", "days", "hours", "minutes")
# Italian names (singular, plural) of the interval units, for `jobs` and `job_runs`.
INTERVAL_NAMES = {"weeks": ("settimana", "settimane"), "days": ("giorno", "giorni"),
                  "hours": ("ora", "ore"), "minutes": ("minuto", "minuti")}


class ScheduleError(ValueError):
    """A schedule file that cannot be used; the message names the file and the job."""


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str
    trigger: BaseTrigger
    trigger_text: str
    source_kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Schedule:
    path: Path
    timezone: str
    sources_path: Path
    misfire_grace_seconds: int
    crawl_timeout_seconds: int
    digest_out: Path
    jobs: list[JobSpec] = field(default_factory=list)
    crawl_settings: dict = field(default_factory=dict)


def _trigger(raw: dict, tz: ZoneInfo, where: str) -> tuple[BaseTrigger, str]:
    kind = raw.get("trigger")
    if kind == "cron":
        expr = raw.get("cron")
        if not isinstance(expr, str):
            raise ScheduleError(f"{where}: il trigger cron richiede un'espressione `cron`")
        try:
            return CronTrigger.from_crontab(expr, timezone=tz), f"cron {expr}"
        except ValueError as exc:
            raise ScheduleError(f"{where}: espressione cron errata {expr!r}: {exc}") from exc
    if kind == "interval":
        spans = {k: raw[k] for k in INTERVAL_KEYS if k in raw}
        if not spans or not all(isinstance(v, int) and v > 0 for v in spans.values()):
            raise ScheduleError(
                f"{where}: il trigger interval richiede numeri interi positivi in "
                "weeks/days/hours/minutes")
        text = "ogni " + " ".join(f"{v} {INTERVAL_NAMES[k][v != 1]}" for k, v in spans.items())
        return IntervalTrigger(timezone=tz, **spans), text
    raise ScheduleError(f"{where}: il trigger deve essere 'cron' o 'interval', non {kind!r}")


def _job(raw: dict, tz: ZoneInfo, path: Path, index: int) -> JobSpec:
    job_id = raw.get("id")
    where = f"{path}: job {job_id!r}" if job_id else f"{path}: job n. {index + 1}"
    if not isinstance(job_id, str) or not job_id:
        raise ScheduleError(f"{where}: manca `id`")
    unknown = sorted(set(raw) - JOB_KEYS)
    if unknown:
        raise ScheduleError(f"{where}: chiavi sconosciute: {', '.join(unknown)}")
    if raw.get("kind") not in JOB_KINDS:
        raise ScheduleError(
            f"{where}: tipo di job sconosciuto {raw.get('kind')!r} "
            f"(ammessi: {', '.join(JOB_KINDS)})")
    trigger, text = _trigger(raw, tz, where)
    return JobSpec(id=job_id, kind=raw["kind"], trigger=trigger, trigger_text=text,
                   source_kinds=tuple(raw.get("source_kinds", ())),
                   sources=tuple(raw.get("sources", ())),
                   description=raw.get("description", ""))


def load_schedule(path: str | Path) -> Schedule:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScheduleError(f"{path}: file della pianificazione non trovato") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: TOML non valido ({exc})") from exc
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise ScheduleError(f"{path}: chiavi sconosciute: {', '.join(unknown)}")
    try:
        tz = ZoneInfo(raw.get("timezone", "Europe/Rome"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"{path}: fuso orario sconosciuto {raw.get('timezone')!r}") from exc
    jobs = [_job(j, tz, path, i) for i, j in enumerate(raw.get("job", []))]
    ids = [j.id for j in jobs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ScheduleError(f"{path}: id di job ripetuti: {', '.join(dupes)}")
    if not jobs:
        raise ScheduleError(f"{path}: nessun [[job]] definito")
    crawl_settings = raw.get("crawl_settings", {})
    if not isinstance(crawl_settings, dict):
        raise ScheduleError(f"{path}: crawl_settings deve essere una tabella di "
                            "impostazioni Scrapy")
    base = path.parent
    return Schedule(
        path=path, timezone=str(tz),
        sources_path=(base / raw.get("sources", "../crawler/sources.toml")).resolve(),
        misfire_grace_seconds=int(raw.get("misfire_grace_seconds", 3600)),
        crawl_timeout_seconds=int(raw.get("crawl_timeout_seconds", 3600)),
        digest_out=(base / raw.get("digest_out", "../out/digest")).resolve(),
        jobs=jobs,
        crawl_settings=crawl_settings,
    )
