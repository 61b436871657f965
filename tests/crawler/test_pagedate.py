"""The page-level date policy, step 2 (dates written in the page), in its order. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crawler.pagedate import WrittenDates, text_date

REF = date(2025, 3, 20)
FETCHED = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
FEED = {"origin": "feed", "published": "2025-03-10T08:00:00+01:00"}
SITEMAP = {"origin": "news_sitemap", "published": "2025-03-11"}
HTML = "<html><body><p>Nessuna data qui.</p></body></html>"


def _date(byline: str, page: str = "", hint: dict | None = None) -> tuple[date | None, str]:
    return text_date(WrittenDates(byline, page), hint or {}, HTML, "https://x.it/a", REF,
                     FETCHED)


def test_a_marked_byline_wins_over_the_feed_and_the_feed_over_an_unmarked_date():
    assert _date("Pubblicato il 12 marzo 2025", hint=FEED) == (date(2025, 3, 12), "byline")
    assert _date("12 marzo 2025", hint=FEED) == (date(2025, 3, 10), "feed")
    assert _date("12 marzo 2025", hint=SITEMAP) == (date(2025, 3, 11), "sitemap")
    assert _date("12 marzo 2025") == (date(2025, 3, 12), "byline")


def test_relative_bylines_then_marked_dates_in_the_page_then_nothing():
    assert _date("Redazione | 2 giorni fa") == (date(2025, 3, 18), "relative")
    assert _date("Redazione", "Testo. Pubblicato il 3 marzo 2025") == (date(2025, 3, 3),
                                                                      "page_text")
    assert _date("Redazione", "La seduta del 3 marzo 2025") == (None, "none")


def test_future_hints_are_refused():
    future = {"origin": "feed", "published": "2025-04-30"}
    assert _date("Redazione", hint=future) == (None, "none")
