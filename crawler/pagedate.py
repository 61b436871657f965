"""How the publication date of a page is chosen: the whole policy, in one place. Pure.

The evidence is tried in this order, and the method recorded with the date says which one
gave it (`date_method` in the store):

1. page metadata: a publication `<meta>` (`meta`), then JSON-LD `datePublished` (`jsonld`),
   then a `<time datetime>` or `itemprop=datePublished` element not marked as a modification
   (`time`) -- `structured_date`;
2. dates written in the page (`text_date`), read only when step 1 found none: a byline marked
   as a publication date ("Pubblicato il 14 febbraio 2025": `byline`), the date the feed or
   news sitemap gave for the link (`feed`, `sitemap`), an unmarked date in a byline block or by
   the headline (`byline`), a relative byline ("2 ore fa", against the fetch time:
   `relative`), a marked date anywhere in the page (`page_text`), and last htmldate
   (`htmldate`), whose 1 January is suspect unless the page writes it;
3. otherwise no date (`none`), never the crawl date.

Every candidate is the calendar day in Italy (a zoned timestamp is converted to Europe/Rome)
and a day after the fetch day (one day of tolerance) is refused. Parsing the date strings
themselves is `crawler/dates.py`; the JSON-LD walker is `crawler/jsonld.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import lxml.html
from htmldate import find_date

from crawler.dates import is_future, parse_machine_date, published_in_text, relative_published
from crawler.jsonld import jsonld_objects
from crawler.text import normalize_space

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publication_date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "date", "sailthru.date",
    "parsely-pub-date", "cxenseparse:recs:publishtime",
)
_MODIFIED_WORDS = re.compile(r"modif|updat|aggiorn|revis", re.IGNORECASE)
_BYLINE_ATTR = re.compile(
    r"byline|meta|date|data|time|publish|pubblic|posted|info|autore|author|dateline|entry-header",
    re.IGNORECASE,
)
_JAN_FIRST = re.compile(r"-01-01$")
MAX_BYLINE_BLOCK_CHARS = 300
MODIFIED_MARKER_CHARS = 40  # text before a <time> searched for "aggiornato", "updated"...


@dataclass(frozen=True)
class WrittenDates:
    """The page's text where dates are written, read before boilerplate is removed:
    `byline` (byline blocks and the text around the headline) and `page` (all visible text)."""

    byline: str
    page: str


def structured_date(tree: lxml.html.HtmlElement, metas: dict[str, str],
                    reference: date) -> tuple[date | None, str]:
    """Step 1: the publication date from metadata, JSON-LD or a <time> element (never a
    modified date). `metas`: the page's <meta> values by lower-case name."""
    for name in _PUBLISHED_META:
        day = acceptable(parse_machine_date(metas.get(name)), reference)
        if day:
            return day, "meta"
    for obj in jsonld_objects(tree):
        value = obj.get("datePublished")
        day = acceptable(parse_machine_date(value), reference) if isinstance(value, str) else None
        if day:
            return day, "jsonld"
    for el in tree.xpath("//time[@datetime] | //*[@itemprop='datePublished'][@content]"):
        if _is_modified_marker(el):
            continue
        day = acceptable(parse_machine_date(el.get("datetime") or el.get("content")), reference)
        if day:
            return day, "time"
    return None, "none"


def written_dates(tree: lxml.html.HtmlElement, near_title: str,
                  visible_lines: list[str]) -> WrittenDates:
    """The texts step 2 reads: byline blocks (elements whose class or id speaks of dates,
    authors, publishing) with the text around the headline, and the visible lines."""
    return WrittenDates(_byline_text(tree) + "\n" + near_title, " ".join(visible_lines))


def text_date(written: WrittenDates, hint: dict, html: str | bytes, url: str,
              reference: date, fetched: datetime | None = None) -> tuple[date | None, str]:
    """Step 2: dates written in the page, then the feed/sitemap `hint` (keys `published`,
    `origin`), then htmldate on the `html`. `fetched`: the fetch time, for relative bylines."""
    day = published_in_text(written.byline, reference, allow_plain=False)
    if day:
        return day, "byline"
    hinted = acceptable(parse_machine_date(hint.get("published")), reference)
    if hinted:
        return hinted, "sitemap" if "sitemap" in (hint.get("origin") or "") else "feed"
    day = published_in_text(written.byline, reference, allow_plain=True)
    if day:
        return day, "byline"
    if fetched is not None:
        day = acceptable(relative_published(written.byline, fetched), reference)
        if day:
            return day, "relative"
    day = published_in_text(written.page, reference, allow_plain=False)
    if day:
        return day, "page_text"
    return _htmldate(html, url, written.page, reference)


def acceptable(day: date | None, reference: date) -> date | None:
    """The day, unless it lies after the reference (fetch) day."""
    return day if day and not is_future(day, reference) else None


def _is_modified_marker(el: lxml.html.HtmlElement) -> bool:
    attrs = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("id"))))
    if _MODIFIED_WORDS.search(attrs):
        return True
    parent = el.getparent()
    before = (parent.text or "") if parent is not None else ""
    before += el.getprevious().tail or "" if el.getprevious() is not None else ""
    return bool(_MODIFIED_WORDS.search(before[-MODIFIED_MARKER_CHARS:]))


def _byline_text(tree: lxml.html.HtmlElement) -> str:
    """Text of the small blocks that usually carry the date and author."""
    parts = []
    for el in tree.xpath("//body//*[@class or @id]"):
        attrs = f"{el.get('class', '')} {el.get('id', '')}"
        if _BYLINE_ATTR.search(attrs):
            text = normalize_space(el.text_content())
            if 0 < len(text) <= MAX_BYLINE_BLOCK_CHARS:
                parts.append(text)
    return "\n".join(parts)


def _htmldate(html: str | bytes, url: str, text: str, reference: date) -> tuple[date | None, str]:
    try:
        found = find_date(html, url=url, original_date=True, extensive_search=False,
                          max_date=reference.isoformat())
    except (ValueError, TypeError):
        found = None
    if not found or (_JAN_FIRST.search(found) and not _says_new_year(text, found)):
        return None, "none"
    day = acceptable(parse_machine_date(found), reference)
    return (day, "htmldate") if day else (None, "none")


def _says_new_year(text: str, found: str) -> bool:
    """htmldate reads "14 febbraio 2025" as 2025-01-01: keep 1 January only when written."""
    year = found[:4]
    return bool(re.search(rf"\b(1|01|1°|primo)\s*(gennaio|/0?1/|\.0?1\.)\s*{year}", text,
                          re.IGNORECASE))
