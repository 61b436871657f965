"""The real spiders on the bundled demo sites, compared with demo_sites/truth.py: articles
found, publication day, text quality, robots.txt, non-articles, incremental second run and
story clusters. Figures are printed (run with -s to see them)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.run import CrawlReport, crawl
from crawler.urls import canonicalize
from demo_sites.demo import write_demo_sources
from demo_sites.server import serve_demo
from demo_sites.truth import Truth, load_truth
from store.db import open_db
from tests.crawler.conftest import FAST_SETTINGS

pytestmark = pytest.mark.slow
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass
class DemoCrawl:
    truth: Truth
    first: CrawlReport
    second: CrawlReport
    first_requests: dict[str, list[tuple[str, str, int]]]
    second_requests: dict[str, list[tuple[str, str, int]]]
    articles: dict[str, dict]  # canonical URL -> row
    seen: dict[str, dict]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoCrawl:
    handles = serve_demo()
    try:
        folder = tmp_path_factory.mktemp("demo")
        sources = write_demo_sources({s: h.url for s, h in handles.items()},
                                     folder / "sources.toml")
        db_path = folder / "demo.db"
        first = crawl(sources, db_path, settings=FAST_SETTINGS, timeout_s=180)
        first_requests = {s: list(h.requests) for s, h in handles.items()}
        for handle in handles.values():
            handle.requests.clear()
        second = crawl(sources, db_path, settings=FAST_SETTINGS, timeout_s=180)
        second_requests = {s: list(h.requests) for s, h in handles.items()}
        truth = load_truth({s: h.url for s, h in handles.items()})
    finally:
        for handle in handles.values():
            handle.stop()
    db = open_db(db_path)
    articles = {row["url"]: row for row in db["articles"].rows}
    seen = {row["url"]: row for row in db["seen_urls"].rows}
    db.conn.close()
    return DemoCrawl(truth, first, second, first_requests, second_requests, articles, seen)


def token_f1(found: str, expected: str) -> float:
    got, want = Counter(_TOKEN.findall(found.lower())), Counter(_TOKEN.findall(expected.lower()))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _stored(demo: DemoCrawl, url: str) -> dict | None:
    return demo.articles.get(canonicalize(url))


def test_articles_found_and_dated(demo: DemoCrawl):
    truth = demo.truth.articles
    found = [a for a in truth if _stored(demo, a.url)]
    right_day = [a for a in found if _stored(demo, a.url)["published"] == a.published.isoformat()]
    missing = [a.url for a in truth if a not in found]
    wrong = [(a.url, _stored(demo, a.url)["published"], a.published.isoformat())
             for a in found if a not in right_day]
    print(f"\ndemo: {len(found)}/{len(truth)} articles found, "
          f"{len(right_day)}/{len(truth)} with the right day; missing {missing}; wrong {wrong}")
    assert len(found) >= 0.95 * len(truth)
    assert len(right_day) >= 0.95 * len(truth)


def test_text_token_f1(demo: DemoCrawl):
    scores = {a.url: token_f1(_stored(demo, a.url)["text"], a.body)
              for a in demo.truth.articles if _stored(demo, a.url)}
    mean = sum(scores.values()) / len(scores)
    worst = sorted(scores.items(), key=lambda kv: kv[1])[:3]
    print(f"\ndemo text token-F1: mean {mean:.3f}, min {worst[0][1]:.3f}; worst {worst}")
    assert mean >= 0.90
    authors = [(a.author or "") == _stored(demo, a.url)["author"] for a in demo.truth.articles
               if _stored(demo, a.url)]
    titles = [a.title == _stored(demo, a.url)["title"] for a in demo.truth.articles
              if _stored(demo, a.url)]
    print(f"demo authors right: {sum(authors)}/{len(authors)}, titles {sum(titles)}/{len(titles)}")
    assert sum(authors) >= 0.9 * len(authors) and sum(titles) >= 0.95 * len(titles)


def test_non_articles_not_stored_and_robots_respected(demo: DemoCrawl):
    stored_non_articles = [u for u in demo.truth.non_articles if _stored(demo, u)]
    assert not stored_non_articles
    requested = {(s, path) for s, log in {**demo.first_requests}.items() for _, path, _ in log}
    requested |= {(s, path) for s, log in demo.second_requests.items() for _, path, _ in log}
    for url in demo.truth.disallowed:
        path = "/" + url.split("/", 3)[3]
        assert ("localnews", path) not in requested
        assert ("localnews", path.rstrip("/")) not in requested
    for url in demo.truth.broken:
        assert not _stored(demo, url)


def test_second_run_redownloads_at_most_ten_percent_of_article_pages(demo: DemoCrawl):
    article_paths = {}
    for a in demo.truth.articles:
        site_url = a.url.split("/", 3)
        article_paths.setdefault(a.site, set()).add("/" + site_url[3])
    first = sum(1 for s, log in demo.first_requests.items() for _, path, status in log
                if path in article_paths.get(s, ()) and status == 200)
    again = sum(1 for s, log in demo.second_requests.items() for _, path, _ in log
                if path in article_paths.get(s, ()))
    entry = sum(1 for log in demo.second_requests.values() for _, _, status in log
                if status == 304)
    print(f"\ndemo second run: {again} article pages re-downloaded of {first} "
          f"({again / first:.1%}); {entry} conditional GETs answered 304")
    assert first >= 0.95 * len(demo.truth.articles)
    assert again / first <= 0.10
    assert all(s.status == "ok" for s in demo.second.sources)
    assert sum(s.new_articles for s in demo.second.sources) == 0


def test_republished_press_release_is_one_story(demo: DemoCrawl):
    stories: dict[str, set[str]] = {}
    for a in demo.truth.articles:
        if a.story and _stored(demo, a.url):
            stories.setdefault(a.story, set()).add(_stored(demo, a.url)["cluster_id"])
    assert stories
    assert all(len(clusters) == 1 for clusters in stories.values()), stories
    copies = {url: row["cluster_id"] for url, row in demo.articles.items()}
    story_clusters = {next(iter(c)) for c in stories.values()}
    truth_urls = {canonicalize(a.url): a.story for a in demo.truth.articles}
    for url, cluster in copies.items():
        if cluster in story_clusters:
            assert truth_urls.get(url), f"{url} joined a story cluster it does not belong to"


def test_first_run_reports_the_broken_link(demo: DemoCrawl):
    by_id = {s.source_id: s for s in demo.first.sources}
    assert all(s.status in ("ok", "partial") for s in demo.first.sources)
    assert sum(s.errors_by_kind.get("http_404", 0) for s in by_id.values()) >= 1
    assert sum(s.new_articles for s in demo.first.sources) >= 0.9 * len(demo.truth.articles)


def test_demo_sources_file_is_valid(tmp_path: Path):
    from crawler.sources import check_sources

    path = write_demo_sources({"portal": "http://127.0.0.1:1", "localnews": "http://127.0.0.2:1",
                               "comune": "http://127.0.0.3:1"}, tmp_path / "s.toml")
    assert check_sources(path) == []


GENERIC_SOURCES = """
[[source]]
id = "portale"
name = "Portale"
kind = "portal"
feeds = ["{portal}/feed/"]
start_urls = ["{portal}/"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "giornale"
name = "Giornale"
kind = "local_news"
sitemaps = ["{localnews}/robots.txt"]
allowed_domains = ["127.0.0.2"]

[[source]]
id = "comune"
name = "Comune"
kind = "institution"
start_urls = ["{comune}/it/notizie"]
allowed_domains = ["127.0.0.3"]
"""


def test_demo_sites_with_a_minimal_registry_entry(tmp_path):
    """No article or pagination patterns: what a new source gets from its first entry."""
    handles = serve_demo()
    try:
        urls = {s: h.url for s, h in handles.items()}
        sources = tmp_path / "generic.toml"
        sources.write_text(GENERIC_SOURCES.format(**urls), encoding="utf-8")
        report = crawl(sources, tmp_path / "g.db", settings=FAST_SETTINGS, timeout_s=180)
        truth = load_truth(urls)
    finally:
        for handle in handles.values():
            handle.stop()
    db = open_db(tmp_path / "g.db")
    stored = {row["url"]: row for row in db["articles"].rows}
    db.conn.close()
    found = [a for a in truth.articles if canonicalize(a.url) in stored]
    right = [a for a in found if stored[canonicalize(a.url)]["published"]
             == a.published.isoformat()]
    wrongly_stored = [u for u in truth.non_articles if canonicalize(u) in stored]
    print(f"\nminimal registry: {len(found)}/{len(truth.articles)} found, {len(right)} right "
          f"day, {len(stored)} stored, non-articles stored: {wrongly_stored}")
    assert all(s.status in ("ok", "partial") for s in report.sources)
    assert len(found) >= 0.95 * len(truth.articles)
    assert len(right) >= 0.95 * len(truth.articles)
    assert not wrongly_stored
    assert len(stored) == len(found)
