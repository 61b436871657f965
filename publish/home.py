"""Content of the pages people start from: the home page, the digest archive and pages, the
collaboration network (rankings and a graph drawn server-side as SVG).

Loaders read through Datasette's read-only `Database`; layout and shaping are pure functions.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
from dataclasses import dataclass

from publish.pages import display_name
from store.geographic import geographic_name_sql

WEEK = re.compile(r"^\d{4}-W\d{2}$")
# Organisations whose canonical name is the name of a known place or of a geographic feature
# ("Colli Euganei", "Parco dello Stirone"; store/geographic.py): the analysis no longer
# stores them, and pages do not list those stored before (a safety net).
PLACE_NAMED_ORGS = ("SELECT o.id FROM organisations o JOIN places p "
                    "ON p.name = o.name COLLATE NOCASE "
                    f"UNION SELECT o.id FROM organisations o WHERE {geographic_name_sql('o.name')}")
TYPE_COLOURS = {"pubblico": "#1f5f99", "terzo_settore": "#2a8a4e", "fondazione": "#b5651d",
                "universita_ricerca": "#7b4fa0", "impresa": "#8a8a2a", "media": "#999999",
                "altro": "#666666"}


async def _rows(db, sql: str, params: list | dict | None = None) -> list[dict]:
    result = await db.execute(sql, params or [])
    return [dict(row) for row in result.rows]


async def _summary_rows(db, sql: str) -> list[dict]:
    """Rows of a whole-database summary (network, charts), which may read every mention or
    amount: run without Datasette's per-query time limit (Datasette can only lower it), in
    the background (SummaryCache), and kept until the data change."""
    def run(conn):
        cursor = conn.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return await db.execute_fn(run)


class SummaryCache:
    """Summaries computed in the background and kept until their key (a data version) moves:
    a stale summary is served while the fresh one is computed; the first request waits up to
    `wait_s` and then gets None (the page says it is being prepared)."""

    def __init__(self, wait_s: float = 3.0):
        self.wait_s = wait_s
        self.values: dict[str, tuple[object, object]] = {}  # name -> (key, value)
        self.tasks: dict[str, asyncio.Task] = {}

    async def get(self, name: str, key, compute):
        held = self.values.get(name)
        if held is not None and held[0] == key:
            return held[1]
        task = self.tasks.get(name)
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(self._compute(name, key, compute))
            self.tasks[name] = task
        if held is not None:
            return held[1]
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.wait_s)
        except TimeoutError:
            return None

    async def _compute(self, name: str, key, compute):
        value = await compute()
        self.values[name] = (key, value)
        return value


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


async def load_home(db, names: dict, *, staff: bool) -> dict:
    """This week's relevant stories (the seven days up to the latest relevant article), the
    organisations first seen in the last 30 days, counts, and source health for staff."""
    latest = (await _rows(db, "SELECT max(published) AS d FROM articles WHERE relevant = 1"))
    last_day = latest[0]["d"] if latest else None
    stories, new_orgs = [], []
    if last_day:
        stories = await _rows(db, """
            SELECT a.id, a.title, a.published, s.name AS source, a.practice_types, a.regioni
            FROM articles a LEFT JOIN sources s ON s.id = a.source_id
            WHERE a.relevant = 1 AND a.published >= date(?, '-6 days')
              AND a.id = (SELECT b.id FROM articles b WHERE b.cluster_id = a.cluster_id
                          ORDER BY b.published, b.fetched_at, b.id LIMIT 1)
            ORDER BY a.published DESC, a.relevance_score DESC LIMIT 12""", [last_day])
        new_orgs = await _rows(db, f"""
            SELECT o.id, o.name, o.type, o.articles_count FROM organisations o
            WHERE o.first_seen >= date(?, '-29 days')
              AND o.id NOT IN ({PLACE_NAMED_ORGS})
              AND EXISTS (SELECT 1 FROM mentions m JOIN articles a ON a.id = m.article_id
                          WHERE m.org_id = o.id AND a.relevant = 1)
            ORDER BY o.first_seen DESC, o.articles_count DESC, o.name LIMIT 12""", [last_day])
    for story in stories:
        story["practice_names"] = [display_name(names, "practice_types", p)
                                   for p in _json_list(story.pop("practice_types"))]
        story["regioni"] = _json_list(story["regioni"])
    for org in new_orgs:
        org["type_name"] = display_name(names, "org_types", org["type"])
    counts = (await _rows(db, """
        SELECT (SELECT count(*) FROM articles WHERE relevant = 1) AS relevant,
               (SELECT count(*) FROM organisations) AS organisations,
               (SELECT count(*) FROM sources) AS sources""", []))[0]
    digest = await _rows(db, "SELECT week, title FROM digests ORDER BY week DESC LIMIT 1")
    health = await _rows(db, """
        SELECT name, last_status, last_run, last_article, recent_failures, flagged
        FROM source_health ORDER BY flagged DESC, recent_failures DESC, name""") if staff else []
    return {"last_day": last_day, "stories": stories, "new_orgs": new_orgs, "counts": counts,
            "digest": digest[0] if digest else None, "health": health}


def _json_list(value: str | None) -> list[str]:
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


async def load_digests(db) -> list[dict]:
    rows = await _rows(db, "SELECT week, title, generated_at, stats FROM digests "
                           "ORDER BY week DESC")
    for row in rows:
        try:
            stats = json.loads(row.pop("stats") or "{}")
        except ValueError:
            stats = {}
        row["stories"] = stats.get("stories") if isinstance(stats, dict) else None
    return rows


async def load_digest(db, week: str) -> dict | None:
    if not WEEK.match(week):
        return None
    rows = await _rows(db, "SELECT week, title, generated_at, html FROM digests WHERE week = ?",
                       [week])
    if not rows:
        return None
    digest = rows[0]
    around = await _rows(db, """
        SELECT (SELECT max(week) FROM digests WHERE week < ?) AS previous,
               (SELECT min(week) FROM digests WHERE week > ?) AS next""", [week, week])
    return {**digest, **around[0]}


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str
    type_name: str
    degree: int
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Edge:
    a: Node
    b: Node
    articles: int
    width: float


def layout(nodes: list[str], edges: list[tuple[str, str, int]], *, size: float = 1000,
           iterations: int = 300, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions by a seeded Fruchterman-Reingold force layout with a pull to the centre (so
    separate groups stay close), then scaled to the canvas, leaving room for labels on the
    right."""
    if len(nodes) < 2:
        return {n: (size / 2, size / 2) for n in nodes}
    rng = random.Random(seed)
    pos = {n: [rng.uniform(0, size), rng.uniform(0, size)] for n in nodes}
    k = size / math.sqrt(len(nodes))
    gravity = 4 * k / size  # strong enough to keep separate groups near each other
    temperature = size / 8
    for _ in range(iterations):
        move = {n: [0.0, 0.0] for n in nodes}
        for i, u in enumerate(nodes):
            for v in nodes[i + 1:]:
                dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
                dist = max(math.hypot(dx, dy), 0.01)
                force = k * k / dist
                move[u][0] += dx / dist * force
                move[u][1] += dy / dist * force
                move[v][0] -= dx / dist * force
                move[v][1] -= dy / dist * force
        for u, v, weight in edges:
            dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
            dist = max(math.hypot(dx, dy), 0.01)
            force = dist * dist / k * (1 + math.log(weight))
            move[u][0] -= dx / dist * force
            move[u][1] -= dy / dist * force
            move[v][0] += dx / dist * force
            move[v][1] += dy / dist * force
        for n in nodes:
            dx, dy = pos[n][0] - size / 2, pos[n][1] - size / 2
            move[n][0] -= dx * gravity
            move[n][1] -= dy * gravity
            length = max(math.hypot(*move[n]), 0.01)
            step = min(length, temperature)
            pos[n][0] += move[n][0] / length * step
            pos[n][1] += move[n][1] / length * step
        temperature = max(temperature * 0.985, 1.0)
    return _fit(pos, size)


def _fit(pos: dict[str, list[float]], size: float) -> dict[str, tuple[float, float]]:
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    width, height = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    left, right, top, bottom = 0.04 * size, 0.72 * size, 0.04 * size, 0.96 * size
    return {n: (round(left + (p[0] - min(xs)) / width * (right - left), 1),
                round(top + (p[1] - min(ys)) / height * (bottom - top), 1))
            for n, p in pos.items()}


async def load_network(db, names: dict, *, limit: int = 60, org_type: str = "") -> dict:
    """The `limit` organisations with most partners in relevant articles and the links among
    them, laid out for an SVG graph; rankings per type pair."""
    places = {r["id"] for r in await _rows(db, PLACE_NAMED_ORGS)}
    links = [link for link in await _summary_rows(
        db, "SELECT org_a, name_a, type_a, org_b, name_b, type_b, articles FROM org_links")
        if link["org_a"] not in places and link["org_b"] not in places]
    degree: dict[str, int] = {}
    info: dict[str, tuple[str, str]] = {}
    for link in links:
        for side in ("a", "b"):
            org = link[f"org_{side}"]
            degree[org] = degree.get(org, 0) + 1
            info[org] = (link[f"name_{side}"], link[f"type_{side}"] or "altro")
    ranked = sorted(degree, key=lambda org: (-degree[org], info[org][0]))
    if org_type:
        ranked = [org for org in ranked if info[org][1] == org_type]
    chosen = set(ranked[:limit])
    kept = [(lk["org_a"], lk["org_b"], lk["articles"]) for lk in links
            if lk["org_a"] in chosen and lk["org_b"] in chosen]
    order = [org for org in ranked if org in chosen]
    positions = layout(order, kept)
    top = max((degree[org] for org in order), default=1)
    nodes = {org: Node(org, info[org][0], info[org][1],
                       display_name(names, "org_types", info[org][1]), degree[org],
                       *positions[org], r=5 + 10 * math.sqrt(degree[org] / top))
             for org in order}
    heaviest = max((w for _, _, w in kept), default=1)
    edges = [Edge(nodes[a], nodes[b], w, 1 + 4 * w / heaviest) for a, b, w in kept]
    pairs: dict[tuple[str, str], int] = {}
    for link in links:
        key = tuple(sorted((link["type_a"] or "altro", link["type_b"] or "altro")))
        pairs[key] = pairs.get(key, 0) + 1
    type_pairs = [{"a": display_name(names, "org_types", a),
                   "b": display_name(names, "org_types", b), "type_a": a, "type_b": b, "links": n}
                  for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))]
    legend = [(display_name(names, "org_types", t), colour) for t, colour in TYPE_COLOURS.items()
              if any(node.type == t for node in nodes.values())]
    return {"nodes": list(nodes.values()), "edges": edges, "type_pairs": type_pairs,
            "colours": TYPE_COLOURS, "legend": legend, "total_orgs": len(degree),
            "total_links": len(links), "labelled": set(order[:20])}


async def load_charts(db, names: dict) -> list[dict]:
    """Bars of relevant articles per month and per practice type, and money per region."""
    from publish.pages import format_amount

    def bars(rows: list[tuple[str, float]], money: bool = False) -> list[tuple]:
        top = max((value for _, value in rows), default=0) or 1
        return [(label, value, format_amount("money", value) if money else value,
                 round(100 * value / top)) for label, value in rows]

    relevant_terms = ("article_rowid IN (SELECT article_rowid FROM article_terms "
                      "WHERE facet = 'relevant' AND value = '1')")
    months = await _summary_rows(db, f"SELECT value AS month, count(*) AS n FROM article_terms "
                             f"WHERE facet = 'month' AND {relevant_terms} GROUP BY value "
                             f"ORDER BY value")
    types = await _summary_rows(db, f"SELECT value, count(*) AS n FROM article_terms "
                            f"WHERE facet = 'practice_types' AND {relevant_terms} "
                            f"GROUP BY value ORDER BY n DESC, value")
    regions = await _summary_rows(db, """
        SELECT r.value AS regione, round(sum(am.value)) AS euro FROM amounts am
        JOIN articles a ON a.id = am.article_id AND a.relevant = 1
        JOIN json_each(a.regioni) r WHERE am.kind = 'money'
        GROUP BY r.value ORDER BY euro DESC LIMIT 20""")
    return [
        {"title": "Articoli pertinenti per mese", "query": "articoli_per_mese_e_tipo",
         "bars": bars([(r["month"], r["n"]) for r in months[-24:]])},
        {"title": "Articoli pertinenti per tipo di pratica", "query": "articoli_per_mese_e_tipo",
         "bars": bars([(display_name(names, "practice_types", r["value"]), r["n"])
                       for r in types])},
        {"title": "Importi citati per regione", "query": "importi_per_regione",
         "bars": bars([(r["regione"], r["euro"]) for r in regions], money=True)},
    ]
