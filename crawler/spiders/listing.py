"""Listing pages (`start_urls`) with pagination: article links are found by the source's
`listing.article_pattern` (or teaser markup when none is given), next pages by rel=next,
"Successiva"-style links or `listing.next_pattern`, up to `listing.max_pages` per start URL.
Pagination stops early at a page whose articles were all seen on earlier runs (not at one
whose articles another spider requested earlier in the same run)."""

from __future__ import annotations

from collections.abc import Iterable

import scrapy
from scrapy.http import Response

from crawler.discovery import DiscoveryError, parse_listing
from crawler.sources import Source
from crawler.spiders.base import SourceSpider


class ListingSpider(SourceSpider):
    name = "listing"
    entry_field = "start_urls"

    def parse_entry(self, response: Response, source: Source) -> Iterable[scrapy.Request]:
        if not hasattr(response, "text"):
            raise DiscoveryError("listing page is not HTML")
        page = response.meta.get("listing_page", 1)
        doc = parse_listing(response.text, response.url, source.allowed_domains,
                            article_pattern=source.listing.article_pattern,
                            next_pattern=source.listing.next_pattern, page=page)
        # Links first requested in this run (by this source's feed, say) are new too: only
        # links settled on earlier runs stop the pagination.
        fresh = (self.count_unseen(doc.links) > 0 or not doc.links
                 or any(link.url in self.ledger.claimed for link in doc.links))
        requests = self.article_requests(doc.links, source, "listing")
        start = response.meta.get("listing_start", response.request.url)
        if fresh and page < source.listing.max_pages:
            for url in doc.next_pages:
                requests.append(self.entry_request(url, source, listing_page=page + 1,
                                                   listing_start=start))
        return requests
