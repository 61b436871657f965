"""What the weekly digest reads (stories, new organisations, amounts, source health of a week)
and the stored digests themselves. Dates are ISO days, both ends included."""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from store.db import transaction


def relevant_stories(db: sqlite_utils.Database, start: str, end: str) -> list[dict]:
    """Relevant stories (one row per story cluster) published between start and end, most
    relevant first, with their source name, number of copies and best practice-type evidence."""
    return list(db.query(
        """SELECT s.id, s.title, s.url, s.published, s.text, s.practice_types, s.regioni,
                  src.name AS source,
                  (SELECT count(*) FROM articles c WHERE c.cluster_id = s.cluster_id) AS copies,
                  (SELECT evidence FROM labels l WHERE l.article_id = s.id
                     AND l.task = 'practice_type' ORDER BY score DESC LIMIT 1) AS evidence
           FROM stories s LEFT JOIN sources src ON src.id = s.source_id
           WHERE s.relevant = 1 AND s.published BETWEEN ? AND ?
           ORDER BY s.relevance_score DESC, s.published DESC""", [start, end]))


def new_organisations(db: sqlite_utils.Database, start: str, end: str,
                      limit: int = 15) -> list[dict]:
    """Organisations first seen between start and end and named in a relevant article."""
    return list(db.query(
        """SELECT o.id, o.name, o.type, o.articles_count FROM organisations o
           WHERE o.first_seen BETWEEN ? AND ?
             AND EXISTS (SELECT 1 FROM mentions m JOIN articles a ON a.id = m.article_id
                         WHERE m.org_id = o.id AND a.relevant = 1)
           ORDER BY o.articles_count DESC, o.name LIMIT ?""", [start, end, limit]))


def largest_amounts(db: sqlite_utils.Database, start: str, end: str,
                    limit: int = 5) -> list[dict]:
    """The largest sums of money in relevant stories published between start and end."""
    return list(db.query(
        """SELECT am.text, am.value, am.context, s.title, s.url FROM amounts am
           JOIN stories s ON s.id = am.article_id
           WHERE am.kind = 'money' AND s.relevant = 1 AND s.published BETWEEN ? AND ?
           ORDER BY am.value DESC LIMIT ?""", [start, end, limit]))


def troubled_sources(db: sqlite_utils.Database, silent_since: str) -> list[dict]:
    """Sources whose last run failed, or with no article since `silent_since`."""
    return list(db.query(
        """SELECT source_id, name, last_status, last_article, recent_failures
           FROM source_health
           WHERE last_status = 'failed' OR last_article IS NULL OR last_article < ?
           ORDER BY name""", [silent_since]))


def busiest_week(db: sqlite_utils.Database) -> str | None:
    """The ISO week with the most relevant stories (the demo's digest week)."""
    row = db.execute(
        "SELECT week FROM stories WHERE relevant = 1 AND week IS NOT NULL "
        "GROUP BY week ORDER BY count(*) DESC, week DESC LIMIT 1").fetchone()
    return row[0] if row else None


def save_digest(db: sqlite_utils.Database, week: str, title: str, markdown: str, html: str,
                stats: dict) -> None:
    """Store the week's digest, replacing an older one of the same week."""
    with transaction(db):
        db["digests"].upsert({"week": week, "generated_at": datetime.now().isoformat(
            timespec="seconds"), "title": title, "markdown": markdown, "html": html,
            "stats": json.dumps(stats, ensure_ascii=False)}, pk="week")


def closing_calls(db: sqlite_utils.Database, start: str, end: str) -> list[dict]:
    """Procedures whose deadline for proposals falls between start and end, soonest first,
    with the article that announced them."""
    return list(db.query(
        """SELECT p.id, p.instrument, p.ente, p.subject, p.deadline, a.title, a.url
           FROM procedures p
           JOIN articles a ON a.id = (SELECT pa.article_id FROM procedure_articles pa
                                      WHERE pa.procedure_id = p.id
                                      ORDER BY pa.published DESC LIMIT 1)
           WHERE substr(p.deadline, 1, 10) BETWEEN ? AND ?
           ORDER BY p.deadline, p.id""", [start, end]))


def upcoming_events(db: sqlite_utils.Database, start: str, end: str,
                    limit: int = 20) -> list[dict]:
    """Events of relevant articles that start between start and end, one per event even when
    several articles announce it, in date order."""
    return list(db.query(
        """SELECT e.type, e.title, min(e.start) AS start, e.place, e.venue, max(e.online) AS online,
                  min(a.title) AS article_title, min(a.url) AS url
           FROM events e JOIN articles a ON a.id = e.article_id
           WHERE a.relevant = 1 AND substr(e.start, 1, 10) BETWEEN ? AND ?
           GROUP BY e.type, substr(e.start, 1, 10), coalesce(e.title, e.place, a.cluster_id)
           ORDER BY start LIMIT ?""", [start, end, limit]))


def stage_changes(db: sqlite_utils.Database, start: str, end: str) -> list[dict]:
    """Procedures that reached their current stage between start and end."""
    return list(db.query(
        """SELECT p.id, p.instrument, p.ente, p.subject, p.stage, p.stage_changed,
                  p.articles_count, a.title, a.url
           FROM procedures p
           JOIN articles a ON a.id = (SELECT pa.article_id FROM procedure_articles pa
                                      WHERE pa.procedure_id = p.id AND pa.stage = p.stage
                                      ORDER BY pa.published LIMIT 1)
           WHERE p.stage_changed BETWEEN ? AND ?
           ORDER BY p.stage_changed, p.id""", [start, end]))
