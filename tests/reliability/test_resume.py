"""A crawl killed midway resumes from its frontier on a site that answers conditional GETs.

The site sends ETag and Last-Modified for its feed, sitemap index, child sitemaps and listing
pages and answers 304 to a repeat request, as ordinary web servers do. The real crawl runs in a
child process and is SIGKILLed at known moments: during discovery (the feed was read, the first
article request is held by the server), mid-fetch (the server answered exactly k article pages
and all k are stored), and during a write (a test-only hook stops the n-th save inside its open
transaction, see hooks/sitecustomize.py). The next run must store every article exactly once
without requesting again a page that was already stored, and end with an empty frontier.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.urls import canonicalize
from store.articles import get_validators
from store.db import open_db
from store.frontier import EntryResponse, FrontierLink, frontier_size, record_entry
from tests.crawler.siteserver import Gate, LocalSite, Resource
from tests.reliability.content import article_html, listing_html, rss, sitemap_index, urlset
from tests.reliability.procs import ROOT, has_traceback, kill_tree, run_measured, start

pytestmark = pytest.mark.slow
HOST = "127.0.0.61"
ARTICLES = 24
# Which articles each entry document lists (with overlaps, as real sites have).
FEED, SITEMAP_A, SITEMAP_B = range(0, 10), range(6, 16), range(16, 20)
LISTING_1, LISTING_2 = range(18, 22), range(22, 24)
SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 20,
            "RETRY_TIMES": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "LOG_LEVEL": "INFO"}
ENTRY_PATHS = ["/feed.xml", "/sitemap_index.xml", "/sitemap-a.xml", "/sitemap-b.xml",
               "/elenco/", "/elenco/?page=2"]


def article_path(i: int) -> str:
    return f"/notizie/ripresa-{i:02d}"


def site_routes(base: str) -> dict[str, Resource]:
    def links(ids: range) -> list[str]:
        return [base + article_path(i) for i in ids]

    def xml(text: str, kind: str = "application/xml") -> Resource:
        return Resource(text.encode(), kind)

    routes = {article_path(i): Resource(article_html(
        f"ripresa-{i:02d}", f"Co-progettazione nel distretto, notizia {i}").encode())
        for i in range(ARTICLES)}
    routes["/feed.xml"] = xml(rss([(u, f"Notizia {u[-2:]}") for u in links(FEED)]),
                              "application/rss+xml")
    routes["/sitemap_index.xml"] = xml(sitemap_index([f"{base}/sitemap-a.xml",
                                                      f"{base}/sitemap-b.xml"]))
    routes["/sitemap-a.xml"] = xml(urlset(links(SITEMAP_A)))
    routes["/sitemap-b.xml"] = xml(urlset(links(SITEMAP_B)))
    routes["/elenco/"] = Resource(listing_html(
        [(article_path(i), f"Notizia {i}") for i in LISTING_1], "/elenco/?page=2").encode())
    routes["/elenco/?page=2"] = Resource(listing_html(
        [(article_path(i), f"Notizia {i}") for i in LISTING_2], None).encode())
    return routes


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    server = LocalSite({}, host=HOST).start()
    server.routes.update(site_routes(server.base))
    yield server
    if server.gate:
        server.gate.release()
    server.stop()


@pytest.fixture
def sources(site: LocalSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f"""[[source]]
id = "ripresa"
name = "Sito con validatori (test)"
kind = "local_news"
feeds = ["{site.base}/feed.xml"]
sitemaps = ["{site.base}/sitemap_index.xml"]
start_urls = ["{site.base}/elenco/"]
allowed_domains = ["{HOST}"]

[source.listing]
article_pattern = "/notizie/"
max_pages = 3
""", encoding="utf-8")
    return path


def everything(site: LocalSite) -> set[str]:
    return {canonicalize(site.base + article_path(i)) for i in range(ARTICLES)}


def ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)


def stored(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with ro(db) as conn:
            return [u for (u,) in conn.execute("SELECT url FROM articles")]
    except sqlite3.OperationalError:  # not migrated yet
        return []


def pending(db: Path) -> set[str]:
    with ro(db) as conn:
        return {u for (u,) in conn.execute("SELECT url FROM frontier")}


def article_hits(site: LocalSite, agent: str) -> list[str]:
    """Paths of article pages the crawl run that sent `agent` asked for. Runs are told apart
    by User-Agent, not by time: a request sent just before a kill may be read by the server
    after the next run has started."""
    return [hit.path for hit in site.log
            if hit.user_agent == agent and hit.path.startswith("/notizie/")]


def driver(sources: Path, db: Path, tmp: Path) -> tuple[list[str], str]:
    """The command of one crawl run, and the User-Agent that marks its requests."""
    stamp = time.monotonic_ns()
    agent = f"ObservatoryTest/{stamp}"
    settings = dict(SETTINGS, USER_AGENT=agent)
    return [sys.executable, "-m", "tests.reliability.crawl_driver", str(sources), str(db),
            json.dumps(settings), str(tmp / f"report-{stamp}.json")], agent


def crawl_to_the_end(sources: Path, db: Path, tmp: Path) -> tuple[dict, str]:
    args, agent = driver(sources, db, tmp)
    done = run_measured(args, timeout_s=300, tmp=tmp)
    assert done.returncode == 0 and not has_traceback(done.output), done.output[-3000:]
    return json.loads(Path(args[-1]).read_text(encoding="utf-8")), agent


def crawl_killed_when(sources: Path, db: Path, tmp: Path, ready: Callable[[], bool],
                      env: dict | None = None) -> str:
    """Start the crawl and SIGKILL its whole process tree as soon as `ready()`."""
    args, agent = driver(sources, db, tmp)
    proc = start(args, tmp=tmp, env=env)
    deadline = time.monotonic() + 240
    try:
        while not ready():
            assert proc.poll() is None, "the crawl ended before the moment of the kill"
            assert time.monotonic() < deadline, "the moment of the kill never came"
            time.sleep(0.02)
    finally:
        kill_tree(proc)
    return agent


def size(db: Path) -> int:
    conn = open_db(db)
    try:
        return frontier_size(conn)
    finally:
        conn.conn.close()


def integrity(db: Path) -> str:
    with ro(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def kill_during_discovery(site, sources, db, tmp) -> str:
    site.gate = Gate("/notizie/", pass_first=0)  # every article request is held
    before = len(stored(db))
    agent = crawl_killed_when(sources, db, tmp, site.gate.held.is_set)
    # Each article request the server received was recorded as pending before it was sent.
    asked = {canonicalize(site.base + p) for p in article_hits(site, agent)}
    assert asked and asked <= pending(db)
    assert len(stored(db)) == before
    return agent


def kill_mid_fetch(site, sources, db, tmp, k: int = 7) -> str:
    site.gate = Gate("/notizie/", pass_first=k)  # k pages answered, the rest held
    target = len(stored(db)) + k
    agent = crawl_killed_when(sources, db, tmp, lambda: len(stored(db)) >= target)
    assert len(stored(db)) == target
    return agent


def kill_during_write(site, sources, db, tmp, n: int = 5) -> str:
    marker = tmp / "hung-in-save.txt"
    env = {"PYTHONPATH": os.pathsep.join([str(Path(__file__).parent / "hooks"), str(ROOT)]),
           "OBS_TEST_HANG_IN_SAVE": str(n), "OBS_TEST_HANG_MARKER": str(marker)}
    target = len(stored(db)) + n - 1
    agent = crawl_killed_when(sources, db, tmp, marker.exists, env=env)
    hung = marker.read_text(encoding="utf-8")
    marker.unlink()
    assert len(stored(db)) == target and hung not in stored(db)  # its transaction rolled back
    assert hung in pending(db)
    return agent


KILLS = {"discovery": kill_during_discovery, "mid_fetch": kill_mid_fetch,
         "write": kill_during_write}


@pytest.mark.parametrize("moments", [["discovery"], ["mid_fetch"], ["write"],
                                     ["discovery", "mid_fetch", "write"]])
def test_killed_crawl_resumes_from_its_frontier(site, sources, tmp_path, moments):
    db = tmp_path / "crawl.db"
    for moment in moments:
        kept = set(stored(db))
        try:
            agent = KILLS[moment](site, sources, db, tmp_path)
        finally:
            if site.gate:
                site.gate.release()
            site.gate = None
        assert integrity(db) == "ok"
        assert kept <= set(stored(db))
        assert not {canonicalize(site.base + p) for p in article_hits(site, agent)} & kept
    before = set(stored(db))
    report, agent = crawl_to_the_end(sources, db, tmp_path)

    urls = stored(db)
    assert len(urls) == len(set(urls)) == ARTICLES and set(urls) == everything(site)
    asked = article_hits(site, agent)
    assert not {canonicalize(site.base + p) for p in asked} & before  # none stored asked again
    assert len(asked) == len(set(asked)) == ARTICLES - len(before)
    (source,) = report["sources"]
    assert source["status"] == "ok" and source["errors"] == 0, source
    assert source["new_articles"] == ARTICLES - len(before) and source["duplicates"] == 0
    with ro(db) as conn:
        assert conn.execute("SELECT count(*) FROM seen_urls WHERE status != 'article'"
                            ).fetchone()[0] == 0
        rows = conn.execute("SELECT * FROM frontier").fetchall()
        assert rows == []
        assert conn.execute("SELECT count(*) FROM frontier_validators").fetchone()[0] == 0
        cached = {u for (u,) in conn.execute("SELECT url FROM fetch_cache WHERE etag IS NOT NULL")}
    assert cached == {site.base + p for p in ENTRY_PATHS}


def test_uninterrupted_second_run_gets_304s_fetches_nothing_and_leaves_no_frontier(
        site, sources, tmp_path):
    db = tmp_path / "crawl.db"
    first, _ = crawl_to_the_end(sources, db, tmp_path)
    assert first["sources"][0]["new_articles"] == ARTICLES
    second, agent = crawl_to_the_end(sources, db, tmp_path)
    hits = [hit for hit in site.log if hit.user_agent == agent]
    assert article_hits(site, agent) == []
    entries = [hit for hit in hits if not hit.path.startswith(("/notizie/", "/robots.txt"))]
    # The feed, the index and the first listing page are asked again, conditionally: 304.
    assert sorted(hit.path for hit in entries) == ["/elenco/", "/feed.xml", "/sitemap_index.xml"]
    assert all(hit.conditional and hit.status == 304 for hit in entries)
    (source,) = second["sources"]
    assert source["status"] == "ok" and source["new_articles"] == 0
    assert source["responses_304"] == 3
    assert size(db) == 0


def test_pending_links_are_fetched_even_when_the_feed_answers_304(site, sources, tmp_path):
    """A link left pending (here by a run of an older version, which saved validators first)
    is requested although every entry document answers 304."""
    db = tmp_path / "crawl.db"
    crawl_to_the_end(sources, db, tmp_path)
    extra = "/notizie/rimasta-indietro"
    site.routes[extra] = Resource(article_html("rimasta-indietro", "Co-progettazione in ritardo")
                                  .encode())
    conn = open_db(db)
    feed = f"{site.base}/feed.xml"
    validators = get_validators(conn, feed)
    record_entry(conn, EntryResponse(feed, "ripresa", "feed", validators["etag"],
                                     validators["last_modified"], 200),
                 [FrontierLink(canonicalize(site.base + extra), site.base + extra)])
    conn.conn.close()
    report, agent = crawl_to_the_end(sources, db, tmp_path)
    assert article_hits(site, agent) == [extra]
    assert [h.status for h in site.hits("/feed.xml")][-1] == 304
    assert canonicalize(site.base + extra) in stored(db)
    assert report["sources"][0]["new_articles"] == 1
    assert size(db) == 0
    del site.routes[extra]


def test_dead_and_failing_links_are_settled_or_given_up(site, sources, tmp_path):
    """A 404 is a refusal (settled at once); a 503 stays pending and is requested on the next
    runs until OBSERVATORY_RETRY_ERRORS failures, then given up: the frontier does not grow."""
    db = tmp_path / "crawl.db"
    dead, failing = article_path(2), article_path(3)
    saved = {p: site.routes[p] for p in (dead, failing)}
    site.routes[dead] = Resource(b"<h1>Non trovata</h1>", status=404)
    site.routes[failing] = Resource(b"<h1>Riprova</h1>", status=503)
    try:
        report, _ = crawl_to_the_end(sources, db, tmp_path)
        assert report["sources"][0]["status"] == "partial"
        assert pending(db) == {canonicalize(site.base + failing)}
        runs = 1
        while pending(db):
            _, agent = crawl_to_the_end(sources, db, tmp_path)
            # The feed is read whole while a link of it is pending: the dead link, which it
            # still lists, is tried again too, until it is given up (seen_urls' retry rule).
            assert sorted(article_hits(site, agent)) == [dead, failing]
            runs += 1
            assert runs <= 10
        assert runs == 4  # OBSERVATORY_RETRY_ERRORS = 3: given up after the fourth failure
        _, agent = crawl_to_the_end(sources, db, tmp_path)
        assert article_hits(site, agent) == []  # the feed's validators were saved: 304
        assert len(stored(db)) == ARTICLES - 2
    finally:
        site.routes.update(saved)


def test_the_hook_is_inert_without_its_variable():
    """The hook that stops a save only acts when its variable is set."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent / "hooks")}
    env.pop("OBS_TEST_HANG_IN_SAVE", None)
    out = subprocess.run([sys.executable, "-c", "import sys; print('store.articles' in "
                          "sys.modules)"], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
