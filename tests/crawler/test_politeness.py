"""Politeness per source, as Scrapy users expect: `download_delay`, `concurrency` and
`autothrottle` in a [[source]] entry, `pipeline.py crawl -s NAME=VALUE` for a run, and robots.txt
Crawl-delay a floor whatever is configured. Crawls are real, against local sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import Politeness, check_sources, load_sources, politeness_by_domain
from tests.crawler.siteserver import LocalSite, Resource

BODY = "<p>" + "Il Comune e le associazioni firmano un patto di collaborazione. " * 12


def _entry(sid: str, base: str, extra: str = "", domain: str = "127.0.0.1") -> str:
    return (f'[[source]]\nid = "{sid}"\nname = "{sid}"\nkind = "portal"\n'
            f'feeds = ["{base}/feed/"]\nallowed_domains = ["{domain}"]\n{extra}')


def _site(host: str, n: int, delay_s: float = 0.0, robots: bytes = b"") -> LocalSite:
    site = LocalSite({}, host=host).start()
    items = ""
    for i in range(n):
        site.routes[f"/a/{i}"] = Resource(
            f"<html><body><article><h1>Notizia {i} {host}</h1>{BODY} numero {i} {host}</p>"
            "</article></body></html>".encode(), delay_s=delay_s)
        items += f"<item><title>{i}</title><link>{site.base}/a/{i}</link></item>"
    site.routes["/feed/"] = Resource(f"<rss><channel><title>x</title>{items}</channel>"
                                     "</rss>".encode(), "application/rss+xml")
    if robots:
        site.routes["/robots.txt"] = Resource(robots, "text/plain")
    return site


def _article_times(site: LocalSite) -> list[float]:
    return sorted(hit.at for hit in site.log if hit.path.startswith("/a/"))


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_politeness_keys_are_validated(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(_entry("a", "https://a.it", 'download_delay = -1\nconcurrency = 0\n'
                                                'autothrottle = "si"\n', "a.it"),
                    encoding="utf-8")
    problems = {p.key: p.message for p in check_sources(path)}
    assert set(problems) == {"download_delay", "concurrency", "autothrottle"}
    path.write_text(_entry("a", "https://a.it", "download_delay = 2\nconcurrency = 1\n", "a.it")
                    + _entry("b", "https://b.it", "", "b.it"), encoding="utf-8")
    a, b = load_sources(path)
    assert a.politeness == Politeness(2.0, 1, False)  # a delay set: AutoThrottle off unless asked
    assert b.politeness is None


def test_two_sources_on_one_domain_get_the_stricter_politeness(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text(_entry("a", "https://x.it", "download_delay = 1\nconcurrency = 4\n", "x.it")
                    + _entry("b", "https://x.it/b", "download_delay = 3\nconcurrency = 2\n"
                             "autothrottle = true\n", "x.it"), encoding="utf-8")
    assert politeness_by_domain(load_sources(path)) == {"x.it": Politeness(3.0, 2, True)}


def test_cli_settings_are_read_as_scrapy_reads_them():
    from cli_support import parse_settings

    def fail(message: str) -> None:
        raise ValueError(message)

    assert parse_settings(["DOWNLOAD_DELAY=2", "COOKIES_ENABLED=false", "LOG_LEVEL=DEBUG",
                           "RETRY_HTTP_CODES=[500, 503]"], fail) == {
        "DOWNLOAD_DELAY": 2, "COOKIES_ENABLED": False, "LOG_LEVEL": "DEBUG",
        "RETRY_HTTP_CODES": [500, 503]}
    for bad in ("DOWNLOAD_DELAY", "download_delay=2", "=3"):
        with pytest.raises(ValueError, match="NOME=VALORE"):
            parse_settings([bad], fail)


@pytest.mark.slow
def test_a_source_delay_and_concurrency_hold_for_its_hosts_only(tmp_path: Path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    slow = _site("127.0.0.61", 4)            # download_delay 0.6 s
    # concurrency 1 (with a short delay: at delay 0 Scrapy 2.19 starts every queued request of
    # a slot in the same tick, before any counts as transferring), each answer takes 0.3 s
    single = _site("127.0.0.62", 4, 0.3)
    free = _site("127.0.0.63", 4)            # no politeness of its own: the run's settings
    sources = tmp_path / "s.toml"
    sources.write_text(_entry("lenta", slow.base, "download_delay = 0.6\n", "127.0.0.61")
                       + _entry("una", single.base, "concurrency = 1\ndownload_delay = 0.05\n",
                                "127.0.0.62")
                       + _entry("libera", free.base, "", "127.0.0.63"), encoding="utf-8")
    try:
        report = crawl(sources, tmp_path / "o.db", timeout_s=90,
                       settings=FAST_SETTINGS | {"DOWNLOAD_DELAY_JITTER": 0})
    finally:
        for site in (slow, single, free):
            site.stop()
    assert [s.new_articles for s in report.sources] == [4, 4, 4]
    assert min(_gaps(_article_times(slow))) >= 0.55
    # one request at a time: each starts only after the previous 0.3 s answer
    assert min(_gaps(_article_times(single))) >= 0.28


@pytest.mark.slow
def test_robots_crawl_delay_is_a_floor_over_a_shorter_source_delay(tmp_path: Path):
    from crawler.run import crawl
    from tests.crawler.conftest import FAST_SETTINGS

    site = _site("127.0.0.64", 3, robots=b"User-agent: *\nCrawl-delay: 1\n")
    sources = tmp_path / "s.toml"
    sources.write_text(_entry("fretta", site.base, "download_delay = 0.1\nconcurrency = 4\n",
                              "127.0.0.64"), encoding="utf-8")
    try:
        report = crawl(sources, tmp_path / "o.db", timeout_s=60, settings=FAST_SETTINGS)
    finally:
        site.stop()
    assert report.sources[0].new_articles == 3
    assert min(_gaps(_article_times(site))) >= 0.9
