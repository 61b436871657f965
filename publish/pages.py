"""Content of the observatory's own pages in Datasette: the article page and the extra sections
of the organisation page.

Loaders read through Datasette's read-only `Database`; shaping is done by pure functions. Every
string that comes from a crawled page is passed to templates as plain text (Jinja escapes it);
the only markup built here is links whose targets are checked by `safe_url`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

ARTICLE_ID = re.compile(r"^[0-9a-f]{16}$")
TASK_TITLES = {
    "relevance": "Rilevanza",
    "practice_type": "Tipo di pratica",
    "policy_area": "Area di policy",
}


@dataclass(frozen=True)
class LabelView:
    task: str
    label: str
    name: str  # Italian display name
    score: float
    evidence: str


@dataclass(frozen=True)
class OrgView:
    id: str
    name: str
    type: str
    type_name: str
    forms: list[str]
    mentions: int


@dataclass(frozen=True)
class PlaceView:
    name: str
    level: str
    provincia: str | None
    regione: str | None


@dataclass(frozen=True)
class AmountView:
    text: str
    kind: str
    value: float
    display: str
    context: str


@dataclass
class ArticlePage:
    id: str
    title: str
    url: str | None  # None when the stored URL is not http(s)
    source_id: str | None
    source_name: str | None
    source_kind: str | None
    published: str | None
    author: str | None
    snippet: str
    relevant: bool | None
    relevance_score: float | None
    paragraphs: list[str] | None  # full text, only for staff
    labels: dict[str, list[LabelView]] = field(default_factory=dict)
    organisations: list[OrgView] = field(default_factory=list)
    places: list[PlaceView] = field(default_factory=list)
    amounts: list[AmountView] = field(default_factory=list)
    copies: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class MonthBar:
    month: str
    count: int
    percent: int  # width of the bar, relative to the busiest month


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in "\"'<>`\\ \t\r\n"):
        return None
    return url


def italian_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_amount(kind: str, value: float | None) -> str:
    if value is None:
        return ""
    if kind == "percent":
        return f"{italian_number(value, 0 if value == int(value) else 1)}%"
    return f"{italian_number(value, 0 if value == int(value) else 2)} €"


def display_name(names: dict[str, dict[str, str]], group: str, value: str | None) -> str:
    """Italian display name of a label id, falling back to the id itself."""
    if not value:
        return ""
    return names.get(group, {}).get(value, value)


def json_list(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        items = json.loads(value)
    except ValueError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


def paragraphs(text: str | None) -> list[str]:
    """Split stored text into paragraphs (blank lines, else single newlines)."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.strip())
    if len(blocks) == 1:
        blocks = text.strip().split("\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def month_bars(rows: list[tuple[str, int]]) -> list[MonthBar]:
    top = max((count for _, count in rows), default=0)
    return [MonthBar(month, count, round(100 * count / top) if top else 0)
            for month, count in rows]


def article_path(article_id: str) -> str:
    return f"/osservatorio/articles/{quote(article_id)}"


def label_views(rows: list[dict], names: dict) -> dict[str, list[LabelView]]:
    groups = {"relevance": "relevance", "practice_type": "practice_types",
              "policy_area": "policy_areas"}
    out: dict[str, list[LabelView]] = {}
    for row in sorted(rows, key=lambda r: (-(r["score"] or 0), r["label"])):
        group = groups.get(row["task"], row["task"])
        out.setdefault(row["task"], []).append(LabelView(
            task=row["task"], label=row["label"],
            name=display_name(names, group, row["label"]), score=row["score"] or 0.0,
            evidence=row["evidence"] or ""))
    return out


def org_views(rows: list[dict], names: dict) -> list[OrgView]:
    """One entry per organisation, with the surface forms found in the text."""
    by_id: dict[str, dict] = {}
    for row in rows:
        entry = by_id.setdefault(row["org_id"], {"name": row["name"] or row["org_id"],
                                                  "type": row["type"] or "", "forms": [],
                                                  "mentions": 0})
        entry["mentions"] += 1
        if row["text"] and row["text"] not in entry["forms"]:
            entry["forms"].append(row["text"])
    return [OrgView(id=org_id, name=e["name"], type=e["type"],
                    type_name=display_name(names, "org_types", e["type"]),
                    forms=e["forms"], mentions=e["mentions"])
            for org_id, e in sorted(by_id.items(), key=lambda kv: (-kv[1]["mentions"],
                                                                    kv[1]["name"]))]


def amount_views(rows: list[dict]) -> list[AmountView]:
    return [AmountView(text=r["text"], kind=r["kind"], value=r["value"],
                       display=format_amount(r["kind"], r["value"]), context=r["context"] or "")
            for r in rows]


async def _rows(db, sql: str, params: list | dict) -> list[dict]:
    result = await db.execute(sql, params)
    return [dict(row) for row in result.rows]


async def load_article(db, article_id: str, *, full_text: bool,
                       names: dict) -> ArticlePage | None:
    """Everything the article page shows; the full text only when `full_text`."""
    if not ARTICLE_ID.match(article_id):
        return None
    text_column = "a.text" if full_text else "NULL"
    found = await _rows(db, f"""
        SELECT a.id, a.title, a.url, a.source_id, s.name AS source_name, s.kind AS source_kind,
            a.published, a.author, a.snippet, a.relevant, a.relevance_score, a.cluster_id,
            {text_column} AS text
        FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?""",
        [article_id])
    if not found:
        return None
    row = found[0]
    page = ArticlePage(
        id=row["id"], title=row["title"] or "(senza titolo)", url=safe_url(row["url"]),
        source_id=row["source_id"], source_name=row["source_name"],
        source_kind=display_name(names, "source_kinds", row["source_kind"]),
        published=row["published"], author=row["author"], snippet=row["snippet"] or "",
        relevant=None if row["relevant"] is None else bool(row["relevant"]),
        relevance_score=row["relevance_score"],
        paragraphs=paragraphs(row["text"]) if full_text else None)
    await _load_facts(db, page, row["cluster_id"], names)
    return page


async def _load_facts(db, page: ArticlePage, cluster_id: str | None, names: dict) -> None:
    page.labels = label_views(await _rows(db, """
        SELECT task, label, score, evidence FROM labels WHERE article_id = ?""", [page.id]),
        names)
    page.organisations = org_views(await _rows(db, """
        SELECT m.org_id, m.text, o.name, o.type FROM mentions m
        LEFT JOIN organisations o ON o.id = m.org_id
        WHERE m.article_id = ? ORDER BY m.start""", [page.id]), names)
    page.places = [PlaceView(**r) for r in await _rows(db, """
        SELECT p.name, p.level, p.provincia, p.regione FROM article_places ap
        JOIN places p ON p.id = ap.place_id WHERE ap.article_id = ?
            AND NOT EXISTS (SELECT 1 FROM amounts am WHERE am.article_id = ap.article_id
                AND am.start <= ap.start AND am."end" >= ap."end")
        GROUP BY p.id ORDER BY min(ap.start)""", [page.id])]
    page.amounts = amount_views(await _rows(db, """
        SELECT text, kind, value, context FROM amounts WHERE article_id = ?
        ORDER BY start""", [page.id]))
    if cluster_id:
        page.copies = await _rows(db, """
            SELECT a.id, a.title, a.published, s.name AS source_name FROM articles a
            LEFT JOIN sources s ON s.id = a.source_id
            WHERE a.cluster_id = ? AND a.id != ? ORDER BY a.published, a.id LIMIT 50""",
            [cluster_id, page.id])


async def load_organisation_extras(db, org_id: str, network_sql: str, names: dict) -> dict:
    """The organisation, its surface forms, articles per month, recent articles and the
    organisations named with it."""
    found = await _rows(db, """
        SELECT id, name, type, first_seen, mentions_count, articles_count FROM organisations
        WHERE id = ?""", [org_id])
    org = found[0] if found else None
    if org:
        org["type_name"] = display_name(names, "org_types", org["type"])
    forms = await _rows(db, """
        SELECT text, count(*) AS n FROM mentions WHERE org_id = ?
        GROUP BY text ORDER BY n DESC, text LIMIT 30""", [org_id])
    aliases = await _rows(db, """
        SELECT DISTINCT alias FROM org_aliases WHERE org_id = ? AND alias IS NOT NULL
        ORDER BY alias LIMIT 30""", [org_id])
    months = await _rows(db, """
        SELECT a.month, count(DISTINCT a.id) AS n FROM mentions m
        JOIN articles a ON a.id = m.article_id
        WHERE m.org_id = ? AND a.month IS NOT NULL GROUP BY a.month ORDER BY a.month""",
        [org_id])
    recent = await _rows(db, """
        SELECT DISTINCT a.id, a.title, a.published, a.relevant FROM mentions m
        JOIN articles a ON a.id = m.article_id WHERE m.org_id = ?
        ORDER BY a.published DESC, a.id LIMIT 20""", [org_id])
    network = [{"org_id": r["_org"], "name": r["Organizzazione"],
                "type_name": display_name(names, "org_types", r["Tipo"]),
                "articles": r["Articoli insieme"], "since": r["Dal"], "until": r["Al"]}
               for r in await _rows(db, network_sql, {"org": org_id})]
    return {
        "org": org,
        "org_forms": forms,
        "org_aliases": [a["alias"] for a in aliases
                        if a["alias"] not in {f["text"] for f in forms}],
        "org_months": month_bars([(r["month"], r["n"]) for r in months]),
        "org_articles": recent,
        "org_network": network,
    }
