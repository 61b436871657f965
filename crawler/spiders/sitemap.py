"""XML sitemaps of every source that lists `sitemaps`: sitemap indexes, Google News sitemaps,
and robots.txt URLs whose Sitemap: lines are followed. `sitemap_lastmod_days` skips entries
(and child sitemaps) not modified within that many days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import scrapy
from scrapy.http import Response

from crawler.discovery import DiscoveryError, Link, is_recent, parse_sitemap, robots_sitemaps
from crawler.sources import Source
from crawler.spiders.base import SourceSpider
from crawler.urls import in_domains
from store.articles import last_fetched

MAX_SITEMAP_DEPTH = 3


class SitemapSpider(SourceSpider):
    name = "sitemap"
    entry_field = "sitemaps"

    def parse_entry(self, response: Response, source: Source) -> Iterable[scrapy.Request]:
        if response.url.endswith("/robots.txt"):
            return self._from_robots(response, source)
        doc = parse_sitemap(response.body, response.url)
        today = date.today()
        if doc.kind == "index":
            depth = response.meta.get("sitemap_depth", 0) + 1
            if depth > MAX_SITEMAP_DEPTH:
                return []
            return [self.entry_request(child.href, source, sitemap_depth=depth)
                    for child in doc.sitemaps
                    if in_domains(child.href, source.allowed_domains)
                    and is_recent(child, source.sitemap_lastmod_days, today)
                    and self._changed_since_last_fetch(child, source)]
        links = [link for link in doc.links
                 if is_recent(link, source.sitemap_lastmod_days, today)]
        return self.article_requests(links, source, "news_sitemap" if doc.news else "sitemap")

    def _changed_since_last_fetch(self, child: Link, source: Source) -> bool:
        """A child sitemap whose lastmod is older than our last fetch of it is skipped (for
        servers without ETag / Last-Modified, where a conditional GET cannot help)."""
        fetched = last_fetched(self.db, child.href)
        if child.lastmod and fetched and child.lastmod < fetched[:10]:
            self.ledger.count(source.id, "sitemaps_unchanged")
            return False
        return True

    def _from_robots(self, response: Response, source: Source) -> list[scrapy.Request]:
        text = response.text if hasattr(response, "text") else response.body.decode("latin-1")
        urls = [u for u in robots_sitemaps(text) if in_domains(u, source.allowed_domains)]
        if not urls:
            raise DiscoveryError("robots.txt has no Sitemap: line for this source")
        return [self.entry_request(u, source, sitemap_depth=0) for u in urls]
