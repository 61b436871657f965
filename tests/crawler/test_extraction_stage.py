"""The extraction stage (crawler/extraction.py): pages extracted in worker processes and stored
by the crawl process in the order they arrived. Real crawls against a local site with exact
duplicates, lightly edited copies (story clusters) and a page that is not an article."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crawler.extraction import Turns
from tests.crawler.siteserver import Gate, LocalSite, Resource

pytestmark = pytest.mark.slow
PARA = ("Il Comune di {city} e le cooperative sociali del distretto avviano la co-progettazione "
        "dei servizi per {who}: un tavolo con le associazioni, un avviso pubblico e {money} "
        "euro per tre anni. ")
CITIES = ["Lecco", "Bergamo", "Como", "Sondrio", "Varese", "Monza", "Lodi", "Cremona"]
WHO = ["anziani", "giovani", "famiglie", "persone con disabilità"]


def article(i: int, variant: str = "") -> bytes:
    rng = random.Random(i)
    paras = "".join(f"<p>{PARA.format(city=rng.choice(CITIES), who=rng.choice(WHO), money=m)}"
                    f"{PARA.format(city=CITIES[i % 8], who=WHO[i % 4], money=i)}</p>"
                    for m in range(5))
    return (f"<html lang='it'><head><title>Notizia {i}</title><meta property="
            f"'article:published_time' content='2025-03-{1 + i % 28:02d}'></head><body>"
            f"<article><h1>Notizia {i}</h1>{paras}{variant}</article></body></html>").encode()


def site_routes(base: str, n: int) -> dict[str, Resource]:
    routes = {f"/a/{i}": Resource(article(i)) for i in range(n)}
    routes["/copia/3"] = Resource(article(3))                      # the same text elsewhere
    routes["/ritocco/5"] = Resource(article(5, "<p>Aggiornamento delle 12.</p>"))  # edited
    routes["/vuota"] = Resource(b"<html><body><p>Pagina in costruzione</p></body></html>")
    paths = [*(f"/a/{i}" for i in range(n)), "/copia/3", "/ritocco/5", "/vuota"]
    items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in paths)
    routes["/feed.xml"] = Resource(f"<rss><channel><title>t</title>{items}</channel></rss>"
                                   .encode(), "application/rss+xml")
    return routes


def sources_file(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'[[source]]\nid = "stadio"\nname = "Stadio"\nkind = "portal"\n'
                    f'feeds = ["{base}/feed.xml"]\nallowed_domains = ["127.0.0.71"]\n',
                    encoding="utf-8")
    return path


def content(db_path: Path) -> dict[str, list[tuple]]:
    """What a crawl stored, without the times it stored it at."""
    conn = sqlite3.connect(db_path)
    try:
        return {
            "articles": conn.execute(
                "SELECT id, url, title, text, published, cluster_id, content_hash, simhash, "
                "search_terms, snippet, tags FROM articles ORDER BY id").fetchall(),
            "seen_urls": conn.execute(
                "SELECT url, status, reason, article_id FROM seen_urls ORDER BY url").fetchall(),
            "raw_pages": conn.execute(
                "SELECT url, refused_reason FROM raw_pages ORDER BY url").fetchall(),
        }
    finally:
        conn.close()


def test_the_database_is_the_same_whatever_the_number_of_workers(tmp_path: Path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    site = LocalSite({}, host="127.0.0.71").start()
    site.routes.update(site_routes(site.base, 12))
    sources = sources_file(tmp_path, site.base)
    stored = {}
    try:
        for workers in (0, 1, 2):
            report = crawl(sources, tmp_path / f"w{workers}.db", timeout_s=120,
                           settings=FAST_SETTINGS | {"OBSERVATORY_EXTRACT_WORKERS": workers,
                                                     "CONCURRENT_REQUESTS": 1,
                                                     "DOWNLOAD_TIMEOUT": 30})
            assert report.sources[0].status == "ok", report.sources[0].message
            stored[workers] = content(tmp_path / f"w{workers}.db")
    finally:
        site.stop()
    first = stored[0]
    assert len(first["articles"]) == 12 + 1       # the edited copy is an article of its own
    statuses = {url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1]: status
                for url, status, _, _ in first["seen_urls"]}
    assert sorted([statuses["copia/3"], statuses["a/3"]]) == ["article", "duplicate"]
    clusters = {row[1].rsplit("/", 2)[-2] + "/" + row[1].rsplit("/", 1)[-1]: row[5]
                for row in first["articles"]}
    assert clusters["ritocco/5"] == clusters["a/5"]
    assert stored[1] == first
    assert stored[2] == first


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _crawl_workers(db_path: Path) -> list[int]:
    """The extraction workers of the crawl writing `db_path` (children of its forkserver)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"crawler.process" in cmdline and str(db_path).encode() in cmdline:
            return [w for server in _children(int(entry)) for w in _children(server)]
    return []


def test_killed_extraction_workers_lose_nothing(tmp_path: Path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    site = LocalSite({}, host="127.0.0.71").start()
    site.routes.update(site_routes(site.base, 16))
    site.gate = Gate("/a/", pass_first=6)
    db_path = tmp_path / "o.db"
    result = {}
    runner = threading.Thread(target=lambda: result.update(report=crawl(
        sources_file(tmp_path, site.base), db_path, timeout_s=120,
        settings=FAST_SETTINGS | {"OBSERVATORY_EXTRACT_WORKERS": 2, "DOWNLOAD_TIMEOUT": 30})))
    runner.start()
    try:
        assert site.gate.held.wait(60)
        deadline, workers = time.monotonic() + 30, []
        while not workers and time.monotonic() < deadline:  # the pool starts at its 1st page
            workers = _crawl_workers(db_path)
            time.sleep(0.1)
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    finally:
        site.gate.release()
        runner.join(120)
        site.stop()
    report = result["report"]
    assert report.sources[0].new_articles == 16 + 1
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() \
        == (17, 17)
    assert conn.execute("SELECT count(*) FROM frontier").fetchone() == (0,)
    conn.close()
    served = [p for p in site.paths() if p.startswith("/a/")]
    assert len(served) == len(set(served)) == 16     # no page fetched twice


def test_turns_follow_the_tickets_whatever_the_finishing_order():
    async def run() -> list[int]:
        turns, order = Turns(), []

        async def page(ticket: int, delay: float) -> None:
            await asyncio.sleep(delay)
            await turns.turn(ticket)
            order.append(ticket)
            turns.finish(ticket)

        rng = random.Random(7)
        await asyncio.gather(*(page(turns.ticket(), rng.random() / 100) for _ in range(50)))
        return order

    assert asyncio.run(run()) == list(range(50))
