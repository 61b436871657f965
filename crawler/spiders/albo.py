"""Albo pretorio listings (sources of kind "albo"): the acts of each listing page are read
with the source's platform rules (crawler/albo.py); the acts whose object matches the
observatory's terms and that are not stored yet are followed to their attachments (from the
row, else from the act's own page), whose PDF text is read within bounds (crawler/pdftext.py),
and stored as acts. Pagination follows rel=next, "Successiva"-style links or the source's
`next_pattern`, up to `max_pages`, on every run: an albo lists only the acts in their
publication period (a few pages), and an act whose page failed on an earlier run may be on any
of them.

Each act is a chain of requests (its page, then one attachment after the other) carried in the
request meta; a failed or hostile attachment is recorded on the act with its error and the
chain goes on, so one bad file loses nothing else. Listing pages are fetched without
conditional headers: an act found but not stored when a crawl was killed is found again on the
next run (stored acts are skipped by key).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.albo import (
    Attachment,
    ListedAct,
    detail_attachments,
    find_cig,
    find_cup,
    matching_term,
    parse_albo,
    platform_rules,
)
from crawler.discovery import DiscoveryError, parse_listing
from crawler.items import ActItem
from crawler.pdftext import pdf_text
from crawler.sources import AlboConfig, Source
from crawler.spiders.base import SourceSpider, _refused, error_kind
from store.acts import act_id, known_acts

NO_LINKS = "(?!)"  # an article pattern that matches nothing: parse_listing gives next pages only


class AlboSpider(SourceSpider):
    name = "albo"
    entry_field = "albo_urls"
    custom_settings = {"ITEM_PIPELINES": {"crawler.pipelines.ActPipeline": 400}}

    def entry_request(self, url: str, source: Source, **meta) -> scrapy.Request:
        request = super().entry_request(url, source, **meta)
        for name in (b"If-None-Match", b"If-Modified-Since"):
            request.headers.pop(name, None)
        return request

    def on_entry(self, response: Response) -> Iterable[scrapy.Request | ActItem]:
        return [*super().on_entry(response), *response.meta.pop("albo_items", [])]

    def parse_entry(self, response: Response, source: Source) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            raise DiscoveryError("albo listing page is not HTML")
        config = source.albo or AlboConfig()
        rules = platform_rules(config.platform, dict(config.rules))
        page_number = response.meta.get("listing_page", 1)
        page = parse_albo(response.text, response.url, rules)
        if not page.acts and page_number == 1:
            raise DiscoveryError("no act found: the page matches no albo layout "
                                 f"(platform {config.platform!r}); set [source.albo] rules")
        wanted = [act for act in page.acts if matching_term(act.object, source.keywords)]
        self.ledger.count(source.id, "acts_listed", len(page.acts))
        self.ledger.count(source.id, "acts_not_matching", len(page.acts) - len(wanted))
        stored = known_acts(self.db, source.id, [act.key() for act in wanted])
        fresh = [act for act in wanted if act_id(source.id, *act.key()) not in stored]
        self.ledger.count(source.id, "skipped_seen", len(wanted) - len(fresh))
        steps = [self._first_step(act, source, config) for act in fresh]
        # An act with no link to follow is complete already: handed on by on_entry.
        response.meta["albo_items"] = [s for s in steps if isinstance(s, ActItem)]
        requests = [s for s in steps if isinstance(s, scrapy.Request)]
        if page_number < config.max_pages:
            doc = parse_listing(response.text, response.url, source.allowed_domains,
                                article_pattern=NO_LINKS, next_pattern=config.next_pattern,
                                page=page_number)
            start = response.meta.get("listing_start", response.request.url)
            requests += [self.entry_request(url, source, listing_page=page_number + 1,
                                            listing_start=start) for url in doc.next_pages]
        return requests

    # ------------------------------------------------------------------ one act, step by step

    def _first_step(self, act: ListedAct, source: Source,
                    config: AlboConfig) -> scrapy.Request | ActItem:
        state = {"act": act, "todo": act.attachments[: config.max_attachments], "done": []}
        if not act.attachments and act.detail_url:
            return self._request(act.detail_url, source, state, self.on_detail)
        return self._next(source, state, config)

    def _request(self, url: str, source: Source, state: dict, callback,
                 **meta) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_step_error,
                              dont_filter=True,
                              meta={"source_id": source.id, "act_state": state, **meta})

    def _next(self, source: Source, state: dict, config: AlboConfig):
        """The request for the act's next attachment, or the act itself when all are read."""
        if state["todo"]:
            attachment = state["todo"].pop(0)
            return self._request(attachment.url, source, state, self.on_attachment,
                                 attachment=attachment,
                                 download_maxsize=config.max_attachment_bytes)
        return self._item(source, state)

    def on_detail(self, response: Response):
        source, state, config = self._context(response.meta)
        self.ledger.count(source.id, "requests")
        if not isinstance(response, TextResponse):  # the "page" is the document itself
            name = response.url.rsplit("/", 1)[-1] or response.url
            state["done"].append(self._read(response, Attachment(response.url, name), config))
        else:
            rules = platform_rules(config.platform, dict(config.rules))
            found = detail_attachments(response.text, response.url, rules)
            state["todo"] = found[: config.max_attachments]
        return [self._next(source, state, config)]

    def on_attachment(self, response: Response):
        source, state, config = self._context(response.meta)
        self.ledger.count(source.id, "requests")
        state["done"].append(self._read(response, response.meta["attachment"], config))
        if state["done"][-1]["error"] and not state["done"][-1]["text"]:
            self.ledger.count(source.id, "attachment_errors")
        return [self._next(source, state, config)]

    @staticmethod
    def _read(response: Response, attachment: Attachment, config: AlboConfig) -> dict:
        result = pdf_text(response.body, max_bytes=config.max_attachment_bytes,
                          max_pages=config.max_attachment_pages)
        return {"url": attachment.url, "name": attachment.name, "bytes": len(response.body),
                "pages": result.pages, "error": result.error, "text": result.text}

    def on_step_error(self, failure: Failure):
        meta = failure.request.meta
        source, state, config = self._context(meta)
        kind, status = error_kind(failure)
        self.ledger.count(source.id, "requests")
        attachment: Attachment | None = meta.get("attachment")
        if attachment is None and not (_refused(kind, status) or kind == "disallowed"):
            # The act's own page failed for now (5xx, timeout): the act is not stored, so the
            # next run finds it again in the listing and tries once more.
            self.ledger.error(source.id, kind, failure.request.url)
            return []
        self.ledger.count(source.id, "attachment_errors")
        if attachment is not None:
            state["done"].append({"url": attachment.url, "name": attachment.name, "bytes": None,
                                  "pages": 0, "error": f"download failed: {kind}", "text": ""})
        return [self._next(source, state, config)]

    def _context(self, meta: dict) -> tuple[Source, dict, AlboConfig]:
        source = self.sources[meta["source_id"]]
        return source, meta["act_state"], source.albo or AlboConfig()

    def _item(self, source: Source, state: dict) -> ActItem:
        act: ListedAct = state["act"]
        done = state["done"]
        texts = [d["text"] for d in done if d["text"]]
        text = "\n\n".join([act.object, *texts])
        attachments = [{k: v for k, v in d.items() if k != "text"} for d in done]
        return ActItem(source_id=source.id, act={
            "source_id": source.id, "type": act.type, "type_label": act.type_label or None,
            "number": act.number, "date": act.date, "object": act.object,
            "published_from": act.published_from, "published_to": act.published_to,
            "text": text, "cig": find_cig(text), "cup": find_cup(text), "url": act.url,
            "listing_url": act.listing_url, "attachments": attachments,
            "fetched_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        })
