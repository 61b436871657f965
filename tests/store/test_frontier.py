"""The crawl frontier on a real SQLite file: links pending until settled, validators held back
until every link of their response is settled, entry documents settled when read."""

from __future__ import annotations

import pytest

from store.articles import get_validators, last_fetched, record_outcome, save_article, seen_status
from store.db import open_db
from store.frontier import (
    EntryResponse,
    FrontierLink,
    count_attempt,
    frontier_size,
    held_validators,
    pending_links,
    record_entry,
    settle,
)

FEED = "https://x.it/feed/"
INDEX, CHILD = "https://x.it/sitemap_index.xml", "https://x.it/sitemap-1.xml"
TEXT = ("L'Ambito ha pubblicato un avviso di co-progettazione con il Terzo settore per i servizi "
        "agli anziani, con tre tavoli tematici aperti alle cooperative sociali del distretto. ")


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "obs.db")
    yield database
    database.conn.close()


def feed_response(etag: str = '"v1"') -> EntryResponse:
    return EntryResponse(FEED, "s", "feed", etag, "Mon, 17 Mar 2025 08:00:00 GMT", 200)


def links(*names: str) -> list[FrontierLink]:
    return [FrontierLink(f"https://x.it/{n}", f"https://x.it/{n}?utm_source=rss") for n in names]


def test_validators_wait_until_every_link_of_the_response_is_settled(db):
    record_entry(db, feed_response(), links("a", "b"))
    assert get_validators(db, FEED) == {} and held_validators(db) == [FEED]
    assert [(p.url, p.href, p.kind) for p in pending_links(db, "s")] == [
        ("https://x.it/a", "https://x.it/a?utm_source=rss", "article"),
        ("https://x.it/b", "https://x.it/b?utm_source=rss", "article")]
    settle(db, ["https://x.it/a"])
    assert get_validators(db, FEED) == {} and frontier_size(db, "s") == 1
    settle(db, ["https://x.it/b"])
    assert get_validators(db, FEED)["etag"] == '"v1"' and held_validators(db) == []
    assert last_fetched(db, FEED) and frontier_size(db) == 0


def test_a_response_without_pending_links_saves_its_validators_at_once(db):
    record_entry(db, feed_response(), [])
    assert get_validators(db, FEED)["etag"] == '"v1"'


def test_a_newer_response_replaces_the_held_validators_and_keeps_old_links_pending(db):
    record_entry(db, feed_response('"v1"'), links("a"))
    record_entry(db, feed_response('"v2"'), links("b"))
    assert {p.url for p in pending_links(db, "s")} == {"https://x.it/a", "https://x.it/b"}
    settle(db, ["https://x.it/a", "https://x.it/b"])
    assert get_validators(db, FEED)["etag"] == '"v2"'


def test_a_link_listed_by_two_entries_is_settled_for_both(db):
    record_entry(db, feed_response(), links("a"))
    record_entry(db, EntryResponse(CHILD, "s", "sitemap", '"s1"', None, 200), links("a"))
    assert frontier_size(db) == 1 and len(held_validators(db)) == 2
    settle(db, ["https://x.it/a"])
    assert held_validators(db) == [] and get_validators(db, CHILD)["etag"] == '"s1"'


def test_a_child_sitemap_is_pending_until_read_and_holds_its_index(db):
    child = FrontierLink(CHILD, CHILD, "entry", {"sitemap_depth": 1})
    record_entry(db, EntryResponse(INDEX, "s", "sitemap", '"i1"', None, 200), [child])
    (pending,) = pending_links(db, "s")
    assert (pending.kind, pending.spider, pending.meta) == ("entry", "sitemap",
                                                            {"sitemap_depth": 1})
    record_entry(db, EntryResponse(CHILD, "s", "sitemap", '"c1"', None, 200), links("a"))
    assert get_validators(db, INDEX)["etag"] == '"i1"'  # the child was read: its links pend
    assert get_validators(db, CHILD) == {}
    assert [p.url for p in pending_links(db, "s")] == ["https://x.it/a"]


def test_storing_an_article_settles_its_urls_in_the_same_transaction(db):
    record_entry(db, feed_response(), links("a"))
    save_article(db, {"url": "https://x.it/a", "fetched_url": "https://x.it/a?utm_source=rss",
                      "source_id": "s", "title": "Avviso", "text": TEXT * 5,
                      "published": "2026-11-10"},
                 aliases=["https://x.it/a", "https://x.it/a?utm_source=rss"], http_status=200)
    assert frontier_size(db) == 0 and get_validators(db, FEED)["etag"] == '"v1"'
    assert seen_status(db, ["https://x.it/a?utm_source=rss"]) == {
        "https://x.it/a?utm_source=rss": "article"}


def test_a_transient_error_keeps_the_link_pending_a_refusal_settles_it(db):
    record_entry(db, feed_response(), links("a", "b"))
    record_outcome(db, ["https://x.it/a"], "s", "error", "timeout", settled=False)
    record_outcome(db, ["https://x.it/b"], "s", "error", "http_404", http_status=404)
    assert [p.url for p in pending_links(db, "s")] == ["https://x.it/a"]
    assert seen_status(db, ["https://x.it/a", "https://x.it/b"]) == {
        "https://x.it/a": "error", "https://x.it/b": "error"}


def test_failed_attempts_of_an_entry_document_are_counted(db):
    child = FrontierLink(CHILD, CHILD, "entry")
    record_entry(db, EntryResponse(INDEX, "s", "sitemap", None, None, 200), [child])
    assert count_attempt(db, CHILD) == 1 and count_attempt(db, CHILD) == 2
    assert pending_links(db, "s")[0].attempts == 2
    assert count_attempt(db, "https://x.it/unknown") == 0


def test_frontiers_are_per_source(db):
    record_entry(db, feed_response(), links("a"))
    record_entry(db, EntryResponse("https://y.it/feed/", "t", "feed", None, None, 200),
                 [FrontierLink("https://y.it/b", "https://y.it/b")])
    assert [p.url for p in pending_links(db, "t")] == ["https://y.it/b"]
    assert frontier_size(db, "s") == 1 and frontier_size(db) == 2
