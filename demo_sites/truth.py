"""Ground truth for the demo sites: which URLs are articles and what each one should yield.

Tests and benchmarks call :func:`load_truth` with the base URLs the servers got (from
``serve_demo``) and compare what the crawler and the analysis produced with these records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo_sites.content import (
    CONTENT_DIR,
    SITES,
    Amount,
    Article,
    Organisation,
    article_path,
    load_articles,
    load_json,
    load_organisations,
    page_count,
    slugify,
)

DEFAULT_BASE_URLS = {"portal": "http://127.0.0.1:8000", "localnews": "http://127.0.0.2:8000",
                     "comune": "http://127.0.0.3:8000"}


@dataclass(frozen=True)
class TruthArticle:
    """What a perfect pipeline extracts from one article page."""

    site: str
    url: str
    slug: str
    title: str
    published: date
    updated: date | None
    author: str | None
    tags: tuple[str, ...]
    body: str  # paragraphs joined by blank lines
    relevant: bool
    practice_types: tuple[str, ...]
    policy_areas: tuple[str, ...]
    organisations: tuple[str, ...]  # surface forms, as written
    organisation_entities: tuple[Organisation, ...]  # canonical name and type, one per entity
    places: tuple[str, ...]
    amounts: tuple[Amount, ...]
    story: str | None  # same key on two sites = one press release republished
    procedure: str | None = None  # same key = one co-design procedure told over weeks

    @property
    def week(self) -> str:
        """ISO week of publication, as the digest names it ("2026-W46")."""
        year, week, _ = self.published.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Truth:
    articles: tuple[TruthArticle, ...]
    non_articles: tuple[str, ...]  # listing, tag, category, home and static pages that exist
    disallowed: tuple[str, ...]  # robots.txt forbids them: a polite crawler never fetches these
    broken: tuple[str, ...]  # linked from a feed or listing, but answer 404
    entry_points: Mapping[str, str]  # where a crawler of each site type starts

    def by_url(self) -> dict[str, TruthArticle]:
        return {article.url: article for article in self.articles}

    def article_for(self, url: str) -> TruthArticle | None:
        """The article at ``url``, ignoring a trailing slash (crawlers often canonicalize it)."""
        wanted = url.rstrip("/")
        return next((a for a in self.articles if a.url.rstrip("/") == wanted), None)

    def for_site(self, site: str) -> list[TruthArticle]:
        return [article for article in self.articles if article.site == site]


def load_truth(
    base_urls: Mapping[str, str] | None = None, content_dir: Path = CONTENT_DIR
) -> Truth:
    """The ground truth with absolute URLs for the given base URLs (``{site: "http://h:p"}``)."""
    bases = {site: url.rstrip("/") for site, url in (base_urls or DEFAULT_BASE_URLS).items()}
    sites = load_json("sites.json", content_dir)
    articles = load_articles(content_dir)
    orgs = load_organisations(content_dir)
    non_articles: list[str] = []
    for site in SITES:
        members = [a for a in articles if a.site == site]
        paths = _non_article_paths(site, sites[site], members)
        non_articles += [bases[site] + path for path in paths]
    reserved = sites["localnews"]["reserved"]["slug"]
    newest_portal = next(a for a in articles if a.site == "portal")
    return Truth(
        articles=tuple(_truth_article(a, bases[a.site], orgs) for a in articles),
        non_articles=tuple(non_articles),
        disallowed=(f"{bases['localnews']}/riservato/{reserved}/",),
        broken=(
            f"{bases['portal']}/{newest_portal.published:%Y/%m}/"
            f"{sites['portal']['broken_feed_slug']}/",
            bases["localnews"] + sites["localnews"]["broken_listing_path"],
        ),
        entry_points={
            "portal": bases["portal"] + "/feed/",
            "localnews": bases["localnews"] + "/robots.txt",
            "comune": bases["comune"] + "/it/notizie?page=1",
        },
    )


def _truth_article(article: Article, base: str, orgs: dict[str, Organisation]) -> TruthArticle:
    entities = tuple(dict.fromkeys(orgs[text] for text in article.organisations))
    return TruthArticle(
        site=article.site, url=base + article_path(article), slug=article.slug,
        title=article.title, published=article.published, updated=article.updated,
        author=article.author, tags=article.tags, body=article.body, relevant=article.relevant,
        practice_types=article.practice_types, policy_areas=article.policy_areas,
        organisations=article.organisations, organisation_entities=entities,
        places=article.places, amounts=article.amounts,
        story=article.story, procedure=article.procedure,
    )


def _non_article_paths(site: str, config: dict, articles: list[Article]) -> list[str]:
    pages = range(2, page_count(len(articles), config["per_page"]) + 1)
    if site == "portal":
        tags = sorted({t for a in articles for t in a.tags})
        categories = sorted({a.category or "Notizie" for a in articles})
        return (["/", "/chi-siamo/"] + [f"/page/{n}/" for n in pages]
                + [f"/tag/{slugify(t)}/" for t in tags]
                + [f"/categoria/{slugify(c)}/" for c in categories])
    if site == "localnews":
        return ["/", "/notizie/"] + [f"/notizie/page/{n}/" for n in pages]
    return ["/", "/it/notizie", "/it/notizie?page=1"] + [f"/it/notizie?page={n}" for n in pages]
