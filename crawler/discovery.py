"""Finding article links: RSS/Atom feeds, XML sitemaps (indexes, Google News), robots.txt
Sitemap lines and paginated listing pages. Pure functions over response bodies."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from urllib.parse import urldefrag, urljoin

import feedparser
import lxml.html
from lxml import etree

from crawler.dates import parse_machine_date
from crawler.extract import non_article_url_reason
from crawler.patterns import patterns
from crawler.urls import canonical_or_none, canonicalize, in_domains

_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class DiscoveryError(ValueError):
    """A feed or sitemap that yields nothing usable (malformed, empty, not XML)."""


@dataclass(frozen=True)
class Link:
    """A link to a probable article, with what the linking document said about it."""

    url: str  # canonical URL
    href: str = ""  # absolute URL as linked (requested as is: no redirect to a trailing slash)
    published: str | None = None  # YYYY-MM-DD from a feed or news sitemap
    title: str = ""
    tags: tuple[str, ...] = ()
    lastmod: str | None = None  # YYYY-MM-DD (sitemaps; a modification date, not publication)

    def hint(self, source_id: str, origin: str) -> dict:
        return {"url": self.url, "source_id": source_id, "origin": origin,
                "published": self.published, "title": self.title, "tags": list(self.tags)}


@dataclass(frozen=True)
class SitemapDoc:
    kind: str  # index | urlset
    sitemaps: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    news: bool = False  # a Google News sitemap (publication dates given)


@dataclass(frozen=True)
class ListingDoc:
    links: list[Link]  # article links, in page order
    next_pages: list[str]  # absolute URLs of further listing pages


def _day(value: str | None) -> str | None:
    day = parse_machine_date(value)
    return day.isoformat() if day else None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Entries of an RSS or Atom feed; raises DiscoveryError when nothing can be read."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or entry.get("id") or ""
        if not href.startswith(("http://", "https://", "/")):
            continue
        tags = tuple(t.get("term", "").strip() for t in entry.get("tags", []) if t.get("term"))
        href = urldefrag(urljoin(base_url, href))[0]
        url = canonical_or_none(href)
        if url is None:  # one unreadable link never loses the feed
            continue
        links.append(Link(
            url=url, href=href,
            published=_day(entry.get("published") or entry.get("updated")),
            title=(entry.get("title") or "").strip(), tags=tags,
        ))
    if not links and (parsed.bozo or not parsed.feed):
        reason = parsed.get("bozo_exception") or "no entries"
        raise DiscoveryError(f"unreadable feed: {reason}")
    return links


def _xml_root(body: bytes) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise DiscoveryError(f"broken gzip sitemap: {exc}") from exc
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from exc
    if root is None:
        raise DiscoveryError("not XML: empty document")
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(el: etree._Element, name: str) -> str:
    for child in el.iter():
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return ""


def parse_sitemap(body: bytes, base_url: str) -> SitemapDoc:
    """A sitemap index or urlset (Google News tags read); raises DiscoveryError if unusable."""
    root = _xml_root(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element <{kind or '?'}>)")
    entries, news = [], False
    for el in root:
        loc = _child_text(el, "loc")
        if _local(el.tag) not in ("url", "sitemap") or not loc:
            continue
        url = canonical_or_none(loc, base=base_url)
        if url is None:  # one unreadable link never loses the sitemap
            continue
        published = _day(_child_text(el, "publication_date"))
        news = news or bool(published)
        keywords = _child_text(el, "keywords")
        entries.append(Link(
            url=url if kind == "urlset" else loc,
            href=urljoin(base_url, loc),
            published=published, title=_child_text(el, "title"),
            tags=tuple(k.strip() for k in keywords.split(",") if k.strip()),
            lastmod=_day(_child_text(el, "lastmod")),
        ))
    if not entries and len(root) and not root.xpath("//*[local-name()='loc']"):
        raise DiscoveryError("sitemap without any <loc>")
    if kind == "sitemapindex":
        return SitemapDoc("index", sitemaps=entries)
    return SitemapDoc("urlset", links=entries, news=news)


def robots_sitemaps(text: str) -> list[str]:
    """The Sitemap: lines of a robots.txt."""
    return [m.group(1) for m in _ROBOTS_SITEMAP.finditer(text)]


def is_recent(link: Link, days: int | None, today: date) -> bool:
    """True unless the link has a lastmod (or publication date) older than `days`."""
    if not days:
        return True
    stamp = link.lastmod or link.published
    return stamp is None or date.fromisoformat(stamp) >= today - timedelta(days=days)


@cache
def _compiled(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def parse_listing(
    html: str | bytes,
    base_url: str,
    domains: tuple[str, ...],
    *,
    article_pattern: str | None = None,
    next_pattern: str | None = None,
    page: int = 1,
) -> ListingDoc:
    """Article links and next-page links of a listing page (`page` is its number, used when
    the pager only shows page numbers)."""
    try:
        tree = lxml.html.fromstring(html if isinstance(html, bytes) else html.encode("utf-8"))
    except (etree.ParserError, ValueError):
        return ListingDoc([], [])
    _make_links_absolute(tree, base_url)
    here = canonicalize(base_url)
    pattern = _compiled(article_pattern)
    anchors = tree.xpath("//a[@href]") if pattern else _teaser_anchors(tree, domains)
    links: dict[str, Link] = {}
    for a in anchors:
        href = urldefrag(a.get("href"))[0]
        url = canonical_or_none(href)
        if (url is None or url == here or url in links or not in_domains(url, domains)
                or (pattern and not pattern.search(href))
                or (not pattern and non_article_url_reason(url))):
            continue
        links[url] = Link(url=url, href=href)
    next_pages = _next_pages(tree, here, domains, _compiled(next_pattern))
    if not next_pages:
        next_pages = _numbered_next(tree, here, domains, page)
    return ListingDoc(list(links.values()), next_pages)


# Rows of bare link lists: table rows, list items, and repeated blocks of one class (Drupal's
# views-row, "item" divs), grouped by their container.
_ROW_XPATH = ("//table//tr[.//a[@href]] | //ul/li[.//a[@href]] | //ol/li[.//a[@href]] | "
              "//div[@class][.//a[@href]]")
_GRID_COLUMN = re.compile(r"(^|\s)(col|column|columns|grid__item|span\d+)(-[a-z0-9-]+)?(\s|$)")
_CHROME_TAGS = {"nav", "header", "footer", "aside", "form"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar"}
_CHROME_CLASS = re.compile(r"(^|[\s_-])(menu|nav|navbar|navigation|breadcrumbs?|footer|header|"
                           r"sidebar|pagination|pager|social|share|skip|dropdown)([\s_-]|$)",
                           re.IGNORECASE)


def _teaser_anchors(tree: lxml.html.HtmlElement, domains: tuple[str, ...]) -> list:
    """Teaser links (cards, headings, <article> blocks) and the links of bare lists and
    tables whose rows read like article titles, in page order."""
    found = tree.xpath(patterns()["listing"]["teaser_xpath"])
    seen = set(found)
    rows = [a for a in _row_anchors(tree, domains) if a not in seen]
    if not rows:
        return found
    order = {el: i for i, el in enumerate(tree.iter())}
    return sorted([*found, *rows], key=lambda el: order.get(el, 0))


def _row_anchors(tree: lxml.html.HtmlElement, domains: tuple[str, ...]) -> list:
    """Links in table rows, list items and repeated same-class blocks, kept per container
    (a table, a list, the parent of the blocks) when it has at least `listing_min_rows` rows
    linking to the site, with row texts
    that are titles (median word count at least `listing_row_words`), outside page chrome
    (nav, header, footer, menus). Navigation lists have short labels; press-release lists
    and tables have long ones."""
    conf = patterns()["listing"]
    groups: dict = {}
    for row in tree.xpath(_ROW_XPATH):
        container = row.getparent()
        if container is not None and container.tag in ("tbody", "thead"):
            container = container.getparent()
        if row.tag == "div" and _GRID_COLUMN.search(row.get("class", "")):
            continue  # layout columns, not rows (news cards in them are teasers already)
        key = (container, row.get("class")) if row.tag == "div" else (container, None)
        anchors = [a for a in row.xpath(".//a[@href]")
                   if in_domains(a.get("href", ""), domains)
                   and not non_article_url_reason(a.get("href", ""))]
        if anchors:
            groups.setdefault(key, []).append((row, anchors))
    out = []
    for (container, _), rows in groups.items():
        if len(rows) < conf["listing_min_rows"] or _in_chrome(container):
            continue
        words = sorted(len(row.text_content().split()) for row, _ in rows)
        if words[len(words) // 2] < conf["listing_row_words"]:
            continue
        for row, anchors in rows:
            if len(row.text_content().split()) >= conf["listing_row_words"]:
                out.append(max(anchors, key=lambda a: len(a.text_content())))
    return out


def _in_chrome(el: lxml.html.HtmlElement) -> bool:
    """True when an element sits in navigation, header, footer or a menu."""
    while el is not None and isinstance(el.tag, str):
        if (el.tag in _CHROME_TAGS or (el.get("role") or "").lower() in _CHROME_ROLES
                or _CHROME_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")):
            return True
        el = el.getparent()
    return False


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _make_links_absolute(tree: lxml.html.HtmlElement, base_url: str) -> None:
    """Absolute hrefs; control characters (which browsers drop from URLs) are removed first,
    since lxml refuses to write them back and one such link would lose the whole page."""
    for el, attrib, link, _ in list(tree.iterlinks()):
        if attrib and _CONTROL.search(link):
            el.set(attrib, _CONTROL.sub("", el.get(attrib) or ""))
    tree.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")


def _next_pages(tree: lxml.html.HtmlElement, here: str, domains: tuple[str, ...],
                pattern: re.Pattern | None) -> list[str]:
    texts = set(patterns()["listing"]["next_texts"])
    found: list[str] = []
    for el in tree.xpath("//a[@href] | //link[@rel='next'][@href]"):
        href = el.get("href")
        label = _label(el) if el.tag == "a" else ""
        rel = (el.get("rel") or "").lower()
        is_next = ("next" in rel.split() or label in texts
                   or "next" in (el.get("class") or "").lower()
                   or bool(pattern and pattern.search(href)))
        if not is_next or not href.startswith("http") or not in_domains(href, domains):
            continue
        if canonical_or_none(href) not in (here, None) and href not in found:
            found.append(href)
    return found


def _label(a: lxml.html.HtmlElement) -> str:
    """What a link says: its text, else its aria-label or title (icon-only pager arrows)."""
    text = " ".join(a.text_content().split()) or a.get("aria-label") or a.get("title") or ""
    return text.strip().lower()


_PAGER = ("//*[contains(translate(@class, 'PAGINATION', 'pagination'), 'pag') or "
          "contains(translate(@aria-label, 'PAGINAZIONE', 'paginazione'), 'pagin') or "
          "contains(@class, 'nav-links')]")


def _numbered_next(tree: lxml.html.HtmlElement, here: str, domains: tuple[str, ...],
                   page: int) -> list[str]:
    """In a pager that only shows numbers, the link to the page after the current one."""
    current = page
    for el in tree.xpath(f"{_PAGER}//*[@aria-current='page' or contains(@class, 'current') "
                         "or contains(@class, 'active')]"):
        number = " ".join(el.text_content().split())
        if number.isdigit():
            current = int(number)
            break
    for a in tree.xpath(f"{_PAGER}//a[@href]"):
        href = a.get("href")
        if (" ".join(a.text_content().split()) == str(current + 1) and href.startswith("http")
                and in_domains(href, domains) and canonical_or_none(href) not in (here, None)):
            return [href]
    return []
