"""Load and validate the demo-site content (articles as data) and compute every page's URL path.

Both the site generator (``build.py``) and the ground truth (``truth.py``) use these functions, so
the URLs in the truth are by construction the URLs the generated sites expose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from store.taxonomy import TAXONOMY, Taxonomy

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SITES = ("portal", "localnews", "comune")
ROME = ZoneInfo("Europe/Rome")
FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2026, 11, 20)

REQUIRED = {"site", "slug", "title", "published", "tags", "paragraphs", "relevant",
            "practice_types", "policy_areas", "organisations", "places", "amounts"}
OPTIONAL = {"time", "updated", "author", "category", "story", "comments", "procedure"}


class ContentError(ValueError):
    """The content files break a rule (unknown key, bad label id, date out of range...)."""


@dataclass(frozen=True)
class Amount:
    text: str
    value: float
    kind: str  # money | percent


@dataclass(frozen=True)
class Organisation:
    """One entity behind every surface form ("ANAC", "Autorità nazionale anticorruzione")."""

    canonical: str
    type: str  # an org_types id of the taxonomy (store/taxonomy.toml)


@dataclass(frozen=True)
class Comment:
    author: str
    when: str  # display string, e.g. "13 novembre 2026 alle 18:40"
    text: str


@dataclass(frozen=True)
class Article:
    site: str
    slug: str
    title: str
    published: date
    time: str  # "HH:MM", local time in Rome
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    relevant: bool
    practice_types: tuple[str, ...]
    policy_areas: tuple[str, ...]
    organisations: tuple[str, ...]
    places: tuple[str, ...]
    amounts: tuple[Amount, ...]
    updated: date | None = None
    author: str | None = None
    category: str | None = None
    story: str | None = None
    comments: tuple[Comment, ...] = field(default=())
    procedure: str | None = None  # same key = articles telling one procedure (its story arc)

    @property
    def published_at(self) -> datetime:
        hour, minute = (int(part) for part in self.time.split(":"))
        return datetime(*self.published.timetuple()[:3], hour, minute, tzinfo=ROME)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def load_json(name: str, content_dir: Path = CONTENT_DIR) -> dict:
    return json.loads((content_dir / name).read_text(encoding="utf-8"))


def load_articles(content_dir: Path = CONTENT_DIR) -> list[Article]:
    """All articles of all sites, validated, sorted by site then newest first."""
    articles: list[Article] = []
    for site in SITES:
        path = content_dir / "articles" / f"{site}.json"
        for raw in json.loads(path.read_text(encoding="utf-8")):
            articles.append(parse_article(raw, site))
    _check_unique_slugs(articles)
    _check_organisations(articles, load_organisations(content_dir))
    return sorted(articles, key=lambda a: (SITES.index(a.site), -a.published_at.timestamp()))


def labelled_articles(content_dir: Path = CONTENT_DIR) -> list[dict]:
    """The articles' ground truth as plain dicts, for the classifier's evaluation (which takes
    data, not this package): empty when the demo content is absent or unreadable."""
    try:
        articles = load_articles(content_dir)
    except (OSError, ValueError):
        return []
    return [{"id": f"demo:{a.site}/{a.slug}", "title": a.title, "text": a.body,
             "relevant": a.relevant, "practice_types": list(a.practice_types),
             "policy_areas": list(a.policy_areas), "source_type": a.site}
            for a in articles]


def parse_article(raw: dict, site: str, taxonomy: Taxonomy = TAXONOMY) -> Article:
    """One article from its JSON object; raises ContentError naming the slug on any problem."""
    slug = raw.get("slug", "?")
    keys = set(raw)
    if missing := REQUIRED - keys:
        raise ContentError(f"{slug}: missing keys {sorted(missing)}")
    if unknown := keys - REQUIRED - OPTIONAL:
        raise ContentError(f"{slug}: unknown keys {sorted(unknown)}")
    if raw["site"] != site:
        raise ContentError(f"{slug}: site {raw['site']!r} in the {site} file")
    article = Article(
        site=site, slug=slug, title=raw["title"],
        published=date.fromisoformat(raw["published"]), time=raw.get("time", "09:00"),
        updated=date.fromisoformat(raw["updated"]) if raw.get("updated") else None,
        author=raw.get("author"), category=raw.get("category"), story=raw.get("story"),
        tags=tuple(raw["tags"]), paragraphs=tuple(raw["paragraphs"]), relevant=raw["relevant"],
        practice_types=tuple(raw["practice_types"]), policy_areas=tuple(raw["policy_areas"]),
        organisations=tuple(raw["organisations"]), places=tuple(raw["places"]),
        amounts=tuple(Amount(**amount) for amount in raw["amounts"]),
        comments=tuple(Comment(**comment) for comment in raw.get("comments", [])),
        procedure=raw.get("procedure"),
    )
    _check_article(article, taxonomy)
    return article


def _check_article(article: Article, taxonomy: Taxonomy) -> None:
    problems = []
    if not FIRST_DAY <= article.published <= LAST_DAY:
        problems.append(f"published {article.published} outside {FIRST_DAY}..{LAST_DAY}")
    if article.updated and article.updated <= article.published:
        problems.append("updated must be later than published")
    if bad := set(article.practice_types) - set(taxonomy.ids("practice_types")):
        problems.append(f"unknown practice types {sorted(bad)}")
    if bad := set(article.policy_areas) - set(taxonomy.ids("policy_areas")):
        problems.append(f"unknown policy areas {sorted(bad)}")
    if bad := {a.kind for a in article.amounts} - set(taxonomy.ids("amount_kinds")):
        problems.append(f"unknown amount kinds {sorted(bad)}")
    if article.relevant != bool(article.practice_types and article.policy_areas):
        problems.append("relevant articles need practice types and policy areas; others none")
    text = article.title + "\n" + article.body
    for surface in (*article.organisations, *article.places, *(a.text for a in article.amounts)):
        if surface not in text:
            problems.append(f"{surface!r} labelled but not in the text")
    if problems:
        raise ContentError(f"{article.slug}: " + "; ".join(problems))


def load_organisations(content_dir: Path = CONTENT_DIR) -> dict[str, Organisation]:
    """Surface form -> canonical name and type, from ``organisations.json``."""
    types = set(TAXONOMY.ids("org_types"))
    raw = load_json("organisations.json", content_dir)["organisations"]
    table = {text: Organisation(**info) for text, info in raw.items()}
    if bad := {text for text, org in table.items() if org.type not in types}:
        raise ContentError(f"organisations.json: unknown types for {sorted(bad)}")
    return table


def _check_organisations(articles: list[Article], table: dict[str, Organisation]) -> None:
    used = {text for article in articles for text in article.organisations}
    if missing := used - set(table):
        raise ContentError(f"organisations.json lacks {sorted(missing)}")
    if unused := set(table) - used:
        raise ContentError(f"organisations.json has unused entries {sorted(unused)}")


def _check_unique_slugs(articles: list[Article]) -> None:
    seen: set[tuple[str, str]] = set()
    for article in articles:
        key = (article.site, article.slug)
        if key in seen:
            raise ContentError(f"duplicate slug {article.slug} on {article.site}")
        seen.add(key)


def slugify(text: str) -> str:
    """URL slug for tags and categories: lower-case ASCII words joined by hyphens."""
    table = str.maketrans("àáèéìíòóùú'’", "aaeeiioouu  ")
    words = "".join(c if c.isalnum() else " " for c in text.lower().translate(table)).split()
    return "-".join(words)


def article_path(article: Article) -> str:
    """URL path of an article page on its site."""
    if article.site == "portal":
        return f"/{article.published:%Y/%m}/{article.slug}/"
    if article.site == "localnews":
        return f"/{slugify(article.category or 'notizie')}/{article.slug}/"
    return f"/it/notizie/{article.slug}"


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
