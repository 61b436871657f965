"""Whole crawls of the local test sites with the real spiders, in a subprocess, twice."""

from __future__ import annotations

import gzip
import json

import pytest

from crawler.settings import DEFAULT_USER_AGENT
from store.db import open_db

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(two_runs):
    database = open_db(two_runs.db_path)
    yield database
    database.conn.close()


def _articles(db) -> dict[str, dict]:
    return {row["url"]: row for row in db["articles"].rows}


def _seen(db, url: str) -> dict | None:
    rows = list(db["seen_urls"].rows_where("url = ?", [url]))
    return rows[0] if rows else None


def test_every_article_is_found_with_its_publication_day(two_runs, test_sites, db):
    stored = _articles(db)
    expected = test_sites.expected.articles
    duplicates = set(test_sites.expected.duplicates)
    missing = [url for url in expected if url not in stored and url not in duplicates]
    assert not missing
    assert sum(url in stored for url in duplicates) == 1
    wrong_day = {url: (stored[url]["published"], day) for url, day in expected.items()
                 if url in stored and stored[url]["published"] != day}
    assert not wrong_day


def test_date_methods_are_recorded_and_never_the_crawl_date(two_runs, db):
    methods = {row["date_method"] for row in db["articles"].rows}
    assert {"meta", "jsonld", "byline", "feed", "sitemap"} <= methods
    crawl_day = two_runs.first.run_id[:8]
    assert all((row["published"] or "").replace("-", "") != crawl_day
               for row in db["articles"].rows)


def test_text_has_no_boilerplate(db):
    for row in db["articles"].rows:
        text = row["text"].lower()
        for junk in ("cookie", "leggi anche", "potrebbe interessarti", "condividi",
                     "ottima notizia", "p.iva", "ultime notizie", "mercatino"):
            assert junk not in text, (junk, row["url"])
        assert row["title"] and len(text.split()) > 80


def test_iso_8859_1_page_is_decoded_and_redirect_followed(test_sites, db):
    portal = test_sites.sites["portal"].base
    row = _articles(db)[f"{portal}/2025/03/pagina-latin1"]
    assert "Più di mille nuovi alberi" in row["text"]
    assert row["title"].startswith("Città più verde")
    assert _seen(db, f"{portal}/2025/03/pagina-latin1-vecchio-indirizzo")["status"] == "article"


def test_non_articles_are_not_stored(test_sites, db):
    portal, news = test_sites.sites["portal"].base, test_sites.sites["news"].base
    stored = _articles(db)
    for url in (f"{portal}/tag/welfare", f"{news}/cronaca", f"{portal}/wp-content/uploads/"
                "programma.pdf", f"{news}/cronaca/pagina-enorme"):
        assert url not in stored
    assert _seen(db, f"{news}/cronaca")["status"] == "not_article"
    assert "listing" in _seen(db, f"{news}/cronaca")["reason"]
    assert _seen(db, f"{portal}/tag/welfare")["status"] == "not_article"


def test_robots_disallow_and_old_sitemap_entries_are_never_requested(two_runs, test_sites):
    for item in test_sites.expected.never_requested:
        site, path = item.split(":", 1)
        assert path not in two_runs.first_log[site] + two_runs.second_log[site], item


def test_prefilter_records_irrelevant_article_without_text(test_sites, db):
    for url in test_sites.expected.filtered:
        seen = _seen(db, url)
        assert seen["status"] == "filtered" and "prefilter" in seen["reason"]
        assert seen["published"] == "2025-03-11"
        assert url not in _articles(db)


def test_exact_copy_stored_once_and_edited_copy_in_same_story(test_sites, db):
    portal, copy = test_sites.sites["portal"].base, test_sites.sites["copy"].base
    stored = _articles(db)
    exact = test_sites.expected.duplicates
    assert sum(url in stored for url in exact) == 1
    assert {_seen(db, url)["status"] for url in exact} == {"article", "duplicate"}
    original = stored[f"{portal}/2025/03/avviso-coprogettazione-anziani"]
    edited = stored[f"{copy}/articoli/avviso-anziani-merate"]
    assert original["id"] != edited["id"]
    assert original["cluster_id"] == edited["cluster_id"]
    others = {row["cluster_id"] for url, row in stored.items() if url not in
              (original["url"], edited["url"])}
    assert original["cluster_id"] not in others


def test_errors_are_reported_per_source_by_kind(two_runs):
    by_id = {s.source_id: s for s in two_runs.first.sources}
    assert by_id["portale"].errors_by_kind == {"http_404": 1}
    assert {"http_500", "timeout", "too_large"} <= set(by_id["giornale"].errors_by_kind)
    assert by_id["giornale"].status == "partial"
    assert by_id["comune"].status == "ok" and by_id["copia"].status == "ok"
    assert by_id["rotto"].status == "failed" and "parse_error" in by_id["rotto"].message
    assert by_id["spento"].status == "failed"
    assert "connection_refused" in by_id["spento"].message
    assert two_runs.first.returncode == 0
    totals = two_runs.first.totals()
    assert totals["new_articles"] == sum(s.new_articles for s in two_runs.first.sources) >= 14
    assert not two_runs.first.ok  # the dead and the broken source failed


def test_second_run_downloads_entry_documents_but_not_known_articles(two_runs, test_sites, db):
    stored_paths = {}
    for name, site in test_sites.sites.items():
        stored_paths[name] = {row["fetched_url"].split(site.base, 1)[1]
                              for row in db["articles"].rows
                              if row["fetched_url"].startswith(site.base + "/")}
    first = sum(len(p) for p in stored_paths.values())
    again = sum(1 for name, paths in stored_paths.items()
                for path in two_runs.second_log[name] if path in paths)
    assert first >= 14
    assert again / first <= 0.10
    second = {s.source_id: s for s in two_runs.second.sources}
    assert second["portale"].responses_304 == 1 and second["comune"].responses_304 == 1
    assert second["portale"].new_articles == 0 and second["portale"].article_pages == 0


def test_entry_documents_use_conditional_gets(two_runs, test_sites):
    feed_hits = test_sites.sites["portal"].hits("/feed/")
    assert feed_hits and all(hit.conditional for hit in feed_hits)
    assert all(hit.status == 304 for hit in feed_hits)


def test_requests_carry_the_configured_user_agent(test_sites):
    agents = {hit.user_agent for site in test_sites.sites.values() for hit in site.log}
    assert agents == {DEFAULT_USER_AGENT}


def test_listing_pagination_is_followed_then_stopped(two_runs):
    first, second = two_runs.first_log["comune"], two_runs.second_log["comune"]
    assert {"/notizie/", "/notizie/?page=2", "/notizie/?page=3"} <= set(first)
    assert "/notizie/?page=2" not in second


def test_run_records_and_health_view(two_runs, db):
    runs = list(db["crawl_runs"].rows)
    assert len(runs) == 2 * len(two_runs.first.sources)
    assert {r["run_id"] for r in runs} == {two_runs.first.run_id, two_runs.second.run_id}
    health = {r["source_id"]: r for r in db["source_health"].rows}
    assert health["spento"]["recent_failures"] == 2 and health["spento"]["flagged"] == 0
    assert health["comune"]["last_status"] == "ok"


def test_raw_html_is_kept_compressed(db):
    for row in db.query("SELECT r.body_gz, r.http_status FROM raw_pages r JOIN articles a "
                        "ON a.fetched_url = r.url OR a.url = r.url LIMIT 5"):
        assert row["http_status"] == 200
        assert b"<html" in gzip.decompress(row["body_gz"]).lower()
    assert db["raw_pages"].count >= db["articles"].count


def test_feed_metadata_is_merged_from_the_store(test_sites, db):
    portal = test_sites.sites["portal"].base
    row = _articles(db)[f"{portal}/2025/03/patto-collaborazione-biblioteca"]
    assert row["published"] == "2025-03-10" and row["date_method"] == "feed"
    assert "welfare" in json.loads(row["tags"])


def test_progress_events_are_emitted(two_runs):
    kinds = [e["event"] for e in two_runs.events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("article") >= 15 and "error" in kinds


def test_time_limit_ends_with_a_report_not_a_hang(tmp_path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS
    from tests.crawler.siteserver import LocalSite, Resource

    site = LocalSite({}).start()
    try:
        items = "".join(f"<item><title>{n}</title><link>{site.base}/lento/{n}</link></item>"
                        for n in range(3))
        site.routes["/feed/"] = Resource(f"<rss><channel><title>x</title>{items}</channel>"
                                         "</rss>".encode(), "application/rss+xml")
        for n in range(3):
            site.routes[f"/lento/{n}"] = Resource(b"<html></html>", delay_s=30)
        sources = tmp_path / "s.toml"
        sources.write_text(f'[[source]]\nid = "lento"\nname = "Lento"\nkind = "portal"\n'
                           f'feeds = ["{site.base}/feed/"]\nallowed_domains = ["127.0.0.1"]\n')
        report = crawl(sources, tmp_path / "o.db", timeout_s=24,
                       settings=FAST_SETTINGS | {"DOWNLOAD_TIMEOUT": 60})
    finally:
        site.stop()
    (src,) = report.sources
    assert report.duration_s < 24
    # Downloads are capped at a fifth of the time limit, so the slow pages time out and the
    # run record is written before the hard kill.
    assert src.status == "partial"
    assert set(src.errors_by_kind) <= {"timeout", "time_limit"} and src.errors == 3
    assert "Traceback" not in report.log_tail


def test_a_source_failing_three_runs_in_a_row_is_flagged(test_sites, tmp_path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    db_path = tmp_path / "health.db"
    for _ in range(3):
        report = crawl(test_sites.sources, db_path, ["spento", "comune"],
                       settings=FAST_SETTINGS, timeout_s=60)
        assert [s.status for s in report.sources] == ["failed", "ok"]
    db = open_db(db_path)
    health = {r["source_id"]: r for r in db["source_health"].rows}
    db.conn.close()
    assert health["spento"]["flagged"] == 1 and health["spento"]["recent_failures"] == 3
    assert health["comune"]["flagged"] == 0 and health["comune"]["articles"] == 5


def test_user_agent_comes_from_the_environment(monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("OBSERVATORY_USER_AGENT", "ProvaBot/1.0 (+mailto:redazione@example.org)")
    out = subprocess.run([sys.executable, "-c", "from crawler import settings; "
                          "print(settings.USER_AGENT)"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ProvaBot/1.0 (+mailto:redazione@example.org)"


def test_robots_crawl_delay_spaces_requests(tmp_path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS
    from tests.crawler.siteserver import LocalSite, Resource

    site = LocalSite({}).start()
    try:
        body = "<p>" + "Il Comune e le associazioni firmano un patto di collaborazione. " * 12
        items = ""
        for n in range(4):
            site.routes[f"/a/{n}"] = Resource(f"<html><body><article><h1>Notizia {n}</h1>{body}"
                                              f"numero {n}</p></article></body></html>".encode())
            items += f"<item><title>{n}</title><link>{site.base}/a/{n}</link></item>"
        site.routes["/feed/"] = Resource(f"<rss><channel><title>x</title>{items}</channel>"
                                         "</rss>".encode(), "application/rss+xml")
        site.routes["/robots.txt"] = Resource(b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
        sources = tmp_path / "s.toml"
        sources.write_text(f'[[source]]\nid = "lenta"\nname = "Lenta"\nkind = "portal"\n'
                           f'feeds = ["{site.base}/feed/"]\nallowed_domains = ["127.0.0.1"]\n')
        report = crawl(sources, tmp_path / "o.db", settings=FAST_SETTINGS, timeout_s=60)
    finally:
        site.stop()
    assert report.sources[0].new_articles == 4
    times = [hit.at for hit in site.log if hit.path.startswith("/a/")]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.9


def test_dead_links_a_feed_keeps_listing_are_given_up(tmp_path):
    """A 404 the feed lists on every run is requested until it has failed more than
    OBSERVATORY_RETRY_ERRORS times, then skipped; a link that comes back to life meanwhile is
    stored."""
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS
    from tests.crawler.siteserver import LocalSite, Resource

    site = LocalSite({}).start()
    body = "<p>" + "Il Comune e le associazioni firmano un patto di collaborazione. " * 12
    page = f"<html><body><article><h1>Notizia</h1>{body}</p></article></body></html>".encode()
    site.routes["/a/viva"] = Resource(page)
    items = "".join(f"<item><title>{n}</title><link>{site.base}/a/{n}</link></item>"
                    for n in ("viva", "morta", "risorta"))
    # a feed without validators: downloaded whole on every run, as many real feeds are
    site.routes["/feed/"] = Resource(f"<rss><channel><title>x</title>{items}</channel>"
                                     "</rss>".encode(), "application/rss+xml", validators=False)
    sources = tmp_path / "s.toml"
    sources.write_text(f'[[source]]\nid = "morti"\nname = "Morti"\nkind = "portal"\n'
                       f'feeds = ["{site.base}/feed/"]\nallowed_domains = ["127.0.0.1"]\n')
    settings = FAST_SETTINGS | {"OBSERVATORY_RETRY_ERRORS": 1}
    try:
        for run in range(4):
            if run == 1:
                other = "<p>" + "La cooperativa sociale apre un emporio solidale in centro. " * 12
                site.routes["/a/risorta"] = Resource(
                    f"<html><body><article><h1>Risorta</h1>{other}</p></article></body></html>"
                    .encode())
            crawl(sources, tmp_path / "o.db", settings=settings, timeout_s=60)
    finally:
        site.stop()
    hits = [hit.path for hit in site.log]
    assert hits.count("/a/morta") == 2  # first run and one retry, then given up
    assert hits.count("/a/viva") == 1 and hits.count("/a/risorta") == 2
    db = open_db(tmp_path / "o.db")
    statuses = dict(db.execute("SELECT url, status FROM seen_urls").fetchall())
    db.conn.close()
    assert statuses[f"{site.base}/a/morta"] == "error"
    assert statuses[f"{site.base}/a/risorta"] == "article"
