"""Broad crawls: the profile of crawler/broad.py is chosen by --broad or by the number of
sources, and composes with per-host politeness. The crawl is real: 500 small local sites, each
its own host in 127.0.0.0/8 with robots.txt `Crawl-delay: 1`, served from one thread
(tests/crawler/manysites.py). How close the total time comes to the politeness floor is a
timing figure, measured by bench/bench_broad.py, not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.broad import BROAD_SETTINGS
from crawler.process import build_settings
from tests.crawler.manysites import SiteFarm, hosts

SITES = 500
ARTICLES_PER_SITE = 2
BODY = ("Il Comune e le associazioni del territorio firmano un patto di collaborazione per la "
        "cura dei beni comuni e dei servizi di quartiere. ") * 6


def test_the_profile_is_chosen_by_flag_or_by_number_of_sources():
    ids = [f"s{i}" for i in range(150)]
    auto = build_settings("s.toml", "o.db", ids, {})
    assert auto.getbool("OBSERVATORY_BROAD")
    assert {key: auto[key] for key in BROAD_SETTINGS} == BROAD_SETTINGS
    few = build_settings("s.toml", "o.db", ids[:3], {})
    assert not few.getbool("OBSERVATORY_BROAD")
    assert few.getint("CONCURRENT_REQUESTS") != BROAD_SETTINGS["CONCURRENT_REQUESTS"]
    assert build_settings("s.toml", "o.db", ids[:3], {}, broad=True).getbool("OBSERVATORY_BROAD")
    assert not build_settings("s.toml", "o.db", ids, {}, broad=False).getbool("OBSERVATORY_BROAD")
    raised = build_settings("s.toml", "o.db", ids, {"OBSERVATORY_BROAD_MIN_SOURCES": 1000})
    assert not raised.getbool("OBSERVATORY_BROAD")
    # The run's own settings win over the profile; per-host politeness is not in the profile.
    mine = build_settings("s.toml", "o.db", ids, {"RETRY_TIMES": 3})
    assert mine.getint("RETRY_TIMES") == 3
    assert not {"DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY"} \
        & set(BROAD_SETTINGS)


def build_farm(tmp_path: Path) -> tuple[SiteFarm, Path]:
    farm = SiteFarm(hosts(SITES)).start()
    entries = []
    for n, host in enumerate(farm.sites):
        site, base = farm.sites[host], farm.base(host)
        site.routes["/robots.txt"] = ("User-agent: *\nCrawl-delay: 1\n", "text/plain")
        items = ""
        for i in range(ARTICLES_PER_SITE):
            site.routes[f"/a/{i}"] = (
                f"<html lang='it'><body><article><h1>Notizia {i} del sito {n}</h1>"
                f"<p>{BODY} Sito {n}, notizia {i}.</p></article></body></html>", "text/html")
            items += f"<item><title>Notizia {i}</title><link>{base}/a/{i}</link></item>"
        site.routes["/feed.xml"] = (f"<rss><channel><title>Sito {n}</title>{items}</channel>"
                                    "</rss>", "application/rss+xml")
        entries.append(f'[[source]]\nid = "sito{n:03d}"\nname = "Sito {n}"\nkind = "portal"\n'
                       f'feeds = ["{base}/feed.xml"]\nallowed_domains = ["{host}"]\n')
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(entries), encoding="utf-8")
    return farm, sources


@pytest.mark.slow
def test_500_sites_every_article_found_and_no_site_hit_faster_than_its_crawl_delay(
        tmp_path: Path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    farm, sources = build_farm(tmp_path)
    try:
        report = crawl(sources, tmp_path / "o.db", timeout_s=600,
                       settings=FAST_SETTINGS | {"DOWNLOAD_TIMEOUT": 20})
    finally:
        farm.stop()
    assert len(report.sources) == SITES
    assert {s.status for s in report.sources} == {"ok"}
    assert sum(s.new_articles for s in report.sources) == SITES * ARTICLES_PER_SITE
    gaps = []
    for site in farm.sites.values():
        paths = [path for path, _ in site.log]
        assert sorted(paths) == sorted(["/robots.txt", "/feed.xml",
                                        *(f"/a/{i}" for i in range(ARTICLES_PER_SITE))])
        times = sorted(at for _, at in site.log)
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    # Server-side arrival times; a hundredth of a second for the loopback transit.
    assert min(gaps) >= 0.99
