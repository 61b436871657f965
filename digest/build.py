"""The weekly digest: gather a week's stories from the store, render Markdown and HTML (Jinja2),
store both in the `digests` table and write them to a folder.

Stories, not copies: every count and list works on the `stories` view (one row per cluster).
Re-running a week replaces that week's digest.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from store.db import open_db, utcnow
from store.digests import (
    closing_calls,
    largest_amounts,
    new_organisations,
    relevant_stories,
    save_digest,
    stage_changes,
    troubled_sources,
    upcoming_events,
)
from store.taxonomy import TAXONOMY

TEMPLATES = Path(__file__).resolve().parent / "templates"
PRACTICE_NAMES = TAXONOMY.names("practice_types")  # id -> Italian name, in display order
ORG_TYPE_NAMES = TAXONOMY.names("org_types")
OTHER = "altro"
MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
          "settembre", "ottobre", "novembre", "dicembre"]


class DigestError(ValueError):
    """A digest that cannot be written; the message names the week or the folder."""


@dataclass
class Story:
    id: str
    title: str
    url: str
    source: str
    published: str
    summary: str
    copies: int
    practice_types: list[str]
    regioni: list[str]
    page: str  # Datasette page of the article


@dataclass
class DigestData:
    week: str
    start: str  # ISO date of Monday
    end: str  # ISO date of Sunday
    title: str
    base_url: str
    stories_total: int
    copies_total: int
    sources: list[str]
    regions: list[str]
    groups: list[tuple[str, list[Story]]]  # (practice display name, stories)
    chart: list[tuple[str, int, int]]  # (practice name, count, bar width %)
    new_organisations: list[dict]
    amounts: list[dict]
    health: list[dict]  # sources that failed or went silent
    closing: list[dict] = field(default_factory=list)  # calls closing in the next 14 days
    agenda: list[dict] = field(default_factory=list)  # events in the next 14 days
    stage_changes: list[dict] = field(default_factory=list)  # procedures that moved this week
    generated_at: str = field(default_factory=utcnow)


@dataclass
class DigestResult:
    week: str
    stories: int
    markdown_path: Path
    html_path: Path
    markdown: str
    html: str


def parse_week(week: str) -> tuple[date, date]:
    """'2026-W46' -> (Monday, Sunday); a clear error for anything else."""
    try:
        year, num = week.split("-W")
        monday = date.fromisocalendar(int(year), int(num), 1)
    except ValueError as exc:
        raise DigestError(f"settimana {week!r}: scrivi AAAA-Wss (settimana ISO), "
                          "es. 2026-W46") from exc
    return monday, monday + timedelta(days=6)


def previous_week(today: date | None = None) -> str:
    year, week, _ = ((today or date.today()) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def italian_date(day: str) -> str:
    d = date.fromisoformat(day[:10])
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


ABBREVIATIONS = {"n", "nn", "art", "artt", "c", "co", "dott", "dr", "prof", "sig", "on", "avv",
                 "ing", "arch", "ecc", "pag", "tel", "lett", "d.lgs", "dlgs", "l", "s", "spa"}
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-ZÀ-Ý«\"“])")


def _lead(text: str, limit: int = 220) -> str:
    """The first sentence (abbreviations such as "n." or "art." do not end it), cut at limit."""
    first = " ".join((text or "").split())
    for match in _SENTENCE_END.finditer(first, 0, limit + 1):
        word = first[: match.start()].rsplit(" ", 1)[-1].lower()
        if match.start() >= 40 and word not in ABBREVIATIONS and not word[-1:].isdigit():
            return first[: match.end()]
    return first[:limit].rsplit(" ", 1)[0] + "…" if len(first) > limit else first


def _stories(db: sqlite_utils.Database, start: date, end: date, base_url: str) -> list[Story]:
    rows = relevant_stories(db, start.isoformat(), end.isoformat())
    return [
        Story(id=r["id"], title=r["title"] or "(senza titolo)", url=r["url"],
              source=r["source"] or "", published=r["published"],
              summary=_lead(r["text"]) or r["evidence"] or "", copies=r["copies"],
              practice_types=json.loads(r["practice_types"] or "[]"),
              regioni=json.loads(r["regioni"] or "[]"),
              page=f"{base_url}/osservatorio/articles/{quote(r['id'])}")
        for r in rows
    ]


def _group(stories: list[Story]) -> list[tuple[str, list[Story]]]:
    """Each story under its first practice type, in the taxonomy's order."""
    order = list(PRACTICE_NAMES) + [OTHER]
    groups: dict[str, list[Story]] = {}
    for story in stories:
        first = next((p for p in order if p in story.practice_types), OTHER)
        groups.setdefault(first, []).append(story)
    return [(PRACTICE_NAMES.get(k, "Altre notizie"), groups[k]) for k in order if k in groups]


def _chart(stories: list[Story]) -> list[tuple[str, int, int]]:
    counts = {k: sum(k in s.practice_types for s in stories) for k in PRACTICE_NAMES}
    top = max(counts.values(), default=0) or 1
    return [(PRACTICE_NAMES[k], n, round(100 * n / top)) for k, n in
            sorted(counts.items(), key=lambda kv: -kv[1]) if n]


def _new_organisations(db, start: date, end: date) -> list[dict]:
    return new_organisations(db, start.isoformat(), end.isoformat())


def _amounts(db, start: date, end: date) -> list[dict]:
    return largest_amounts(db, start.isoformat(), end.isoformat())


def _health(db, end: date) -> list[dict]:
    """Sources whose last run failed, or with no article in the last 30 days."""
    return troubled_sources(db, (end - timedelta(days=30)).isoformat())


def gather(db: sqlite_utils.Database, week: str, base_url: str) -> DigestData:
    start, end = parse_week(week)
    stories = _stories(db, start, end, base_url)
    copies = sum(s.copies for s in stories)
    return DigestData(
        week=week, start=start.isoformat(), end=end.isoformat(),
        title=f"Osservatorio co-progettazione · settimana {week[-2:]} "
              f"({italian_date(start.isoformat())} – {italian_date(end.isoformat())})",
        base_url=base_url, stories_total=len(stories), copies_total=copies,
        sources=sorted({s.source for s in stories if s.source}),
        regions=sorted({r for s in stories for r in s.regioni}),
        groups=_group(stories), chart=_chart(stories),
        new_organisations=_new_organisations(db, start, end),
        amounts=_amounts(db, start, end), health=_health(db, end),
        closing=closing_calls(db, *_next_days(end)),
        agenda=upcoming_events(db, *_next_days(end)),
        stage_changes=stage_changes(db, start.isoformat(), end.isoformat()),
    )


AHEAD_DAYS = 14  # "Avvisi in scadenza" and "Agenda" look this far past the week's Sunday


def _next_days(end: date) -> tuple[str, str]:
    """The fortnight after the digest's week: from the Monday it is sent on."""
    return (end + timedelta(days=1)).isoformat(), (end + timedelta(days=AHEAD_DAYS)).isoformat()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["euro"] = lambda v: f"{v:,.0f} €".replace(",", ".")
    env.filters["data"] = italian_date
    env.filters["md"] = _markdown_escape
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: str) -> str:
    """Only http(s) links from crawled data reach the digest; anything else becomes '#'."""
    url = str(url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else "#"


def _markdown_escape(text: str) -> str:
    """Crawled text shown in Markdown: no markup, links or HTML can come through."""
    out = str(text or "").replace("\n", " ")
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_{}[]()#!":
        out = out.replace(ch, "\\" + ch)
    return out


def render(data: DigestData) -> tuple[str, str]:
    env = _environment()
    context = asdict(data) | {"practice_names": PRACTICE_NAMES, "org_type_names": ORG_TYPE_NAMES,
                              "instrument_names": TAXONOMY.names("instruments"),
                              "stage_names": TAXONOMY.names("stages"),
                              "event_type_names": TAXONOMY.names("event_types")}
    return (env.get_template("digest.md.j2").render(**context),
            env.get_template("digest.html").render(**context))


def _write_atomic(files: dict[Path, str]) -> None:
    """Write every file or none: temporary files first, then renames; no temporary file is left
    behind when a write fails (a full disk)."""
    tmps = {path: path.with_name(f".{path.name}.tmp") for path in files}
    try:
        for path, text in files.items():
            tmps[path].write_text(text, encoding="utf-8")
    except BaseException:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
        raise
    for path, tmp in tmps.items():
        os.replace(tmp, path)


def write_digest(db_path: Path, week: str, out_dir: Path,
                 base_url: str | None = None) -> DigestResult:
    """Build the week's digest, store it (replacing the week's old one) and write the files."""
    base_url = (base_url or os.environ.get("OBS_PUBLIC_URL", "http://127.0.0.1:8001")).rstrip("/")
    parse_week(week)  # a bad week is an error before the database is created or opened
    db = open_db(db_path)
    data = gather(db, week, base_url)
    markdown, html = render(data)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        md_path, html_path = out_dir / f"digest-{week}.md", out_dir / f"digest-{week}.html"
        _write_atomic({md_path: markdown, html_path: html})
    except OSError as exc:
        raise DigestError(f"{out_dir}: impossibile scrivere il digest "
                          f"({exc.strerror or exc})") from exc
    stats = {"stories": data.stories_total, "copies": data.copies_total,
             "sources": len(data.sources), "regions": data.regions}
    save_digest(db, week, data.title, markdown, html, stats)
    return DigestResult(week, data.stories_total, md_path, html_path, markdown, html)
