"""The crawler against a hostile web (tests/reliability/scenario.py): one crawl of every trap, run
as a real child process tree (driver -> crawl subprocess) with fast politeness settings, then one
assertion per behaviour on the server logs, the stored rows and the run records."""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.hostile import Hit
from tests.reliability.procs import Finished, has_traceback, run_measured
from tests.reliability.scenario import HostileWeb, build_hostile_web

pytestmark = pytest.mark.slow

RETRY_TIMES = 1
BUDGET = 40
SETTINGS = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 3,
    "RETRY_TIMES": RETRY_TIMES, "RETRY_BACKOFF_BASE": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "OBSERVATORY_MAX_REQUESTS_PER_SOURCE": BUDGET, "RETRY_AFTER_MAX": 10,
    "REDIRECT_MAX_TIMES": 5,
}
PEAK_MB = 1500


@dataclass
class HostileCrawl:
    web: HostileWeb
    run: Finished
    report: dict
    db: Path
    first: dict[str, list[Hit]]  # requests of the first run, per site
    second: dict[str, list[str]]  # paths requested by a second run on the same database
    db_after_second: Path

    def log(self, site: str) -> list[str]:
        return [hit.path for hit in self.first[site]]

    def hits(self, site: str, path: str) -> list[Hit]:
        return [hit for hit in self.first[site] if hit.path == path]

    def source(self, sid: str) -> dict:
        return next(s for s in self.report["sources"] if s["source_id"] == sid)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            return conn.execute(sql, params).fetchall()

    def seen(self, site: str, path: str) -> tuple | None:
        url = self.web.sites[site].url(path)
        found = self.rows("SELECT status, reason FROM seen_urls WHERE url = ?", (url,))
        return found[0] if found else None

    def stored(self, site: str, path: str) -> bool:
        url = self.web.sites[site].url(path)
        return bool(self.rows("SELECT 1 FROM articles WHERE ? IN (url, fetched_url)", (url,)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileCrawl:
    tmp = tmp_path_factory.mktemp("hostile")
    web = build_hostile_web(tmp)
    db, out = tmp / "hostile.db", tmp / "report.json"
    command = [sys.executable, "-m", "tests.reliability.crawl_driver", str(web.sources), str(db),
               json.dumps(SETTINGS), str(out)]
    run = run_measured(command, timeout_s=240, tmp=tmp)
    print(f"hostile crawl: exit {run.returncode}, {run.duration_s} s, "
          f"peak RSS {run.peak_rss_mb:.0f} MB")
    assert run.returncode == 0, run.output
    report = json.loads(out.read_text(encoding="utf-8"))
    first = {name: list(site.log) for name, site in web.sites.items()}
    snapshot = tmp / "after-first-run.db"
    with sqlite3.connect(db) as live, sqlite3.connect(snapshot) as copy:
        live.backup(copy)
    for site in web.sites.values():
        site.log.clear()
    again = run_measured(command, timeout_s=240, tmp=tmp)
    assert again.returncode == 0, again.output
    second = {name: site.paths() for name, site in web.sites.items()}
    yield HostileCrawl(web, run, report, snapshot, first, second, db)
    web.stop()


def test_crawl_ends_by_itself_with_a_report_and_bounded_memory(hostile: HostileCrawl):
    crawl_log = Path(hostile.report["log_path"]).read_text(encoding="utf-8", errors="replace")
    assert not has_traceback(hostile.run.output)
    assert not has_traceback(crawl_log)
    assert hostile.report["returncode"] == 0
    assert {s["source_id"] for s in hostile.report["sources"]} == set(hostile.web.sites)
    assert all(s["status"] in ("ok", "partial") for s in hostile.report["sources"])
    assert hostile.run.peak_rss_mb < PEAK_MB


def test_retry_after_is_honoured_and_long_waits_are_not_retried(hostile: HostileCrawl):
    wait = [hit.at for hit in hostile.hits("retry", "/a-wait")]
    assert len(wait) == 2 and wait[1] - wait[0] >= 1.9  # Retry-After: 2
    assert len(hostile.hits("retry", "/a-date")) == 2  # an HTTP date in the past: at once
    assert len(hostile.hits("retry", "/a-later")) == 1  # asks for an hour: not in this run
    assert len(hostile.hits("retry", "/a-500")) == 1 + RETRY_TIMES
    assert hostile.stored("retry", "/a-wait") and hostile.stored("retry", "/a-date")
    assert hostile.seen("retry", "/a-later") == ("error", "http_503")
    assert hostile.source("retry")["errors_by_kind"] == {"http_503": 1, "http_500": 1}


def test_hanging_trickling_and_reset_responses_time_out_and_are_recorded(hostile: HostileCrawl):
    log = hostile.log("slow")
    for path in ("/hang-head", "/hang-body", "/trickle", "/reset"):
        assert log.count(path) == 1 + RETRY_TIMES, path
        assert hostile.seen("slow", path)[0] == "error"
        assert not hostile.stored("slow", path)
    assert hostile.seen("slow", "/trickle") == ("error", "timeout")
    assert hostile.source("slow")["errors_by_kind"]["timeout"] == 3
    assert hostile.stored("slow", "/ok")


def test_huge_pages_and_gzip_bomb_are_cut_at_the_size_limit(hostile: HostileCrawl):
    for path in ("/announced", "/chunked", "/bomb"):
        assert hostile.seen("big", path) == ("error", "too_large"), path
        assert not hostile.stored("big", path)
    assert hostile.source("big")["errors_by_kind"] == {"too_large": 3}
    assert hostile.stored("big", "/ok")


def test_binary_bodies_are_not_articles_and_bad_charsets_are_read(hostile: HostileCrawl):
    for path in ("/png", "/pdf"):
        status, reason = hostile.seen("content", path)
        assert status == "not_article" and reason.startswith("not an HTML page"), path
    titles = {t for (t,) in hostile.rows("SELECT title FROM articles WHERE source_id = ?",
                                         ("content",))}
    assert titles == {"Comunità e società", "Città dichiarata", "Testo con byte non validi"}
    text = hostile.rows("SELECT text FROM articles WHERE title = ?",
                        ("Testo con byte non validi",))[0][0]
    assert "Terzo" in text and "\x00" not in text


def test_redirect_loops_are_bounded_and_unsafe_redirects_refused(hostile: HostileCrawl):
    log = hostile.log("redirects")
    assert log.count("/loop-a") == 1 and log.count("/loop-b") == 1
    assert sum(p.startswith("/grow") for p in log) == 1 + SETTINGS["REDIRECT_MAX_TIMES"]
    assert hostile.seen("redirects", "/grow?n=0") == ("error", "redirect_loop")
    for path in ("/to-file", "/to-ftp"):
        assert hostile.seen("redirects", path) == ("error", "blocked_scheme")
    for i in range(4):
        assert hostile.seen("redirects", f"/to-private-{i}") == ("error", "blocked_address")
    assert hostile.seen("redirects", "/to-outsider") == ("error", "blocked_address")
    assert hostile.stored("redirects", "/moved")
    # Refused before any connection: a connection to 10.x or 169.254.x would have timed out.
    assert "timeout" not in hostile.source("redirects")["errors_by_kind"]


def test_offsite_private_and_non_http_links_are_never_requested(hostile: HostileCrawl):
    assert hostile.web.outsider.paths() == []
    assert hostile.log("links").count("/ok") == 1
    urls = [u for (u,) in hostile.rows("SELECT url FROM seen_urls")]
    assert not [u for u in urls if not u.startswith("http://127.0.0.1")]
    texts = " ".join(t for (t,) in hostile.rows("SELECT text FROM articles"))
    assert "root:x:0:0" not in texts


def test_infinite_pagination_and_calendars_stop_at_max_pages(hostile: HostileCrawl):
    log = hostile.log("traps")
    assert sum(p.startswith("/list") for p in log) == 3
    assert sum(p.startswith("/cal/") for p in log) == 3
    assert hostile.source("traps")["new_articles"] == 3 * 3 + 3 * 2


def test_sitemap_traps_stop_at_the_request_budget(hostile: HostileCrawl):
    log = [p for p in hostile.log("sitemaps") if p != "/robots.txt"]
    assert len(log) == BUDGET
    errors = hostile.source("sitemaps")["errors_by_kind"]
    assert errors["parse_error"] == 1  # the HTML error page served as a sitemap
    assert errors["budget_exceeded"] > 0
    assert log.count("/index.xml") == 1  # an index listing itself is read once


def test_truncated_feed_yields_its_complete_items_and_html_feed_is_an_error(
        hostile: HostileCrawl):
    log = hostile.log("feeds")
    assert {"/t0", "/t1"} <= set(log)
    assert "/t3" not in log
    assert hostile.source("feeds")["errors_by_kind"] == {"parse_error": 1}


def test_robots_disallow_is_never_requested(hostile: HostileCrawl):
    log = hostile.log("robots")
    assert "/private/segreto" not in log
    assert log[0] == "/robots.txt" and "/ok" in log


def test_no_article_is_stored_twice(hostile: HostileCrawl):
    dupes = hostile.rows("SELECT url, count(*) FROM articles GROUP BY url HAVING count(*) > 1")
    assert dupes == []


def test_a_second_run_fetches_no_stored_article_and_still_refuses(hostile: HostileCrawl):
    again = hostile.second
    assert "/a-later" in again["retry"] and "/a-500" in again["retry"]  # 5xx: tried again
    assert "/hang-head" in again["slow"]  # a timeout may be cured by time
    for site, path in (("retry", "/a-wait"), ("slow", "/ok"), ("big", "/ok"),
                       ("redirects", "/final"), ("robots", "/ok")):
        assert path not in again[site], (site, path)  # stored: never fetched again
    assert "/private/segreto" not in again["robots"]
    assert hostile.web.outsider.paths() == []
    with sqlite3.connect(f"file:{hostile.db_after_second}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        dupes = conn.execute("SELECT url FROM articles GROUP BY url HAVING count(*) > 1")
        assert dupes.fetchall() == []
        refused = conn.execute("SELECT count(*) FROM seen_urls WHERE reason LIKE 'blocked_%'")
        assert refused.fetchone()[0] == 7
