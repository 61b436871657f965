"""RSS and Atom feeds of every source that lists `feeds`."""

from __future__ import annotations

from collections.abc import Iterable

import scrapy
from scrapy.http import Response

from crawler.discovery import parse_feed
from crawler.sources import Source
from crawler.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"
    entry_field = "feeds"

    def parse_entry(self, response: Response, source: Source) -> Iterable[scrapy.Request]:
        links = parse_feed(response.body, response.url)
        return self.article_requests(links, source, "feed")
