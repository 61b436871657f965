"""Fixtures for crawler tests: the local test sites, served on 127.0.0.1, and crawls of them
run in a subprocess with the real spiders (fast, test-only politeness settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from crawler.run import CrawlReport, crawl
from tests.crawler.sitebuilder import (
    Expected,
    comune_routes,
    copy_routes,
    expected,
    news_routes,
    portal_routes,
    sources_toml,
)
from tests.crawler.siteserver import LocalSite

# Politeness off for local sites only: no delays, short timeouts, one quick retry.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.2, "DOWNLOAD_MAXSIZE": 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "INFO",
}


@dataclass
class TestSites:
    sites: dict[str, LocalSite]
    sources: Path
    expected: Expected

    def site_log(self, name: str) -> list[str]:
        return self.sites[name].paths()


@pytest.fixture(scope="session")
def test_sites(tmp_path_factory: pytest.TempPathFactory):
    sites = {name: LocalSite({}).start() for name in ("portal", "news", "comune", "copy")}
    bases = {name: site.base for name, site in sites.items()}
    sites["portal"].routes.update(portal_routes(bases["portal"]))
    sites["news"].routes.update(news_routes(bases["news"], date.today()))
    sites["comune"].routes.update(comune_routes(bases["comune"]))
    sites["copy"].routes.update(copy_routes(bases["copy"]))
    folder = tmp_path_factory.mktemp("sites")
    sources = folder / "sources.toml"
    sources.write_text(sources_toml(bases), encoding="utf-8")
    yield TestSites(sites, sources, expected(bases))
    for site in sites.values():
        site.stop()


@dataclass
class TwoRuns:
    first: CrawlReport
    second: CrawlReport
    first_log: dict[str, list[str]]
    second_log: dict[str, list[str]]
    db_path: Path
    events: list[dict]


@pytest.fixture(scope="session")
def two_runs(test_sites: TestSites, tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """Crawl every test site twice into one database; logs split per run."""
    db_path = tmp_path_factory.mktemp("db") / "observatory.db"
    events: list[dict] = []
    first = crawl(test_sites.sources, db_path, settings=FAST_SETTINGS, timeout_s=120,
                  progress=events.append)
    first_log = {name: site.paths() for name, site in test_sites.sites.items()}
    for site in test_sites.sites.values():
        site.log.clear()
    second = crawl(test_sites.sources, db_path, settings=FAST_SETTINGS, timeout_s=120)
    second_log = {name: site.paths() for name, site in test_sites.sites.items()}
    return TwoRuns(first, second, first_log, second_log, db_path, events)
