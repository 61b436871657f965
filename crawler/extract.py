"""HTML page -> article fields. Pure: no Scrapy, no database, no network.

Text comes from trafilatura after removing blocks that are never article text (cookie banners,
share bars, "Leggi anche" boxes, comments, footers). How the publication date is chosen (and
what `date_method` says) is `crawler/pagedate.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree

from crawler.dates import as_reference, as_reference_time, find_dates, published_in_text
from crawler.decoding import decode_html
from crawler.jsonld import is_article_type, jsonld_objects
from crawler.pagedate import structured_date, text_date, written_dates
from crawler.pageshape import Shape, ancestors, clean
from crawler.patterns import patterns
from crawler.text import CONTROL_CHARS, normalize_space
from crawler.urls import canonical_or_none, canonicalize, host_of

_TITLE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]{2,60}$")
_VISIBLE = "[not(ancestor::script or ancestor::style or ancestor::noscript)]"
_VISIBLE_TEXT = etree.XPath(f"//body//text(){_VISIBLE}")
# Text nodes right before and after the headline (position() on a reverse axis counts back).
# What ends the byline under a headline: a heading, a list, a link with a headline's words.
_STOPS_BYLINE = etree.XPath(
    "boolean(descendant-or-self::*[self::h2 or self::h3 or self::h4 or self::ul or self::ol]"
    " | .//a[string-length(normalize-space()) - string-length(translate(normalize-space(),"
    " ' ', '')) >= 3])")
_TEXT_BEFORE = etree.XPath(f"preceding::text()[normalize-space()]{_VISIBLE}[position() <= 20]")
_TEXT_AFTER = etree.XPath(f"following::text()[normalize-space()]{_VISIBLE}[position() <= 40]")
MAX_DATELINE_WORDS = 10
# A page whose longest text block is this short and which has headline links is a listing.
MAX_LINK_PAGE_CHARS = 100
# A date this close under the headline dates the page itself.
DATE_UNDER_TITLE_CHARS = 120
# Below this share of the main block's characters, trafilatura missed the body.
MIN_MAIN_COVERAGE = 0.6
NEAR_TITLE_CHARS = 300
MAX_AUTHOR_CHARS = 60
_AUTHOR_PREFIX = re.compile(r"^(?:(?:a cura di|scritto da|testo di|autore|autrice|di|da|by)"
                            r"\b[\s:]*)+", re.IGNORECASE)
_NAME = r"[A-ZÀ-Ý][\w'’.-]*"
_BYLINE_AUTHOR = re.compile(
    rf"\s*(?:[Dd]i|[Ss]critto da|[Tt]esto di)\s+({_NAME}(?:\s+{_NAME}){{1,2}})")
_CURATED_BY = re.compile(rf"\b[Aa] cura d(?:i|el|ella|ell')[ \t]*:?[ \t]*({_NAME}"
                         rf"(?:[ \t]+(?:di|del|della|dei|e|{_NAME})){{0,5}})")
_MASTHEAD = re.compile(r"logo|site-title|site-name|brand|testata|masthead")
_IDEOGRAPH_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NO_SPACE_SCRIPT = re.compile(f"[{_IDEOGRAPH_RANGES}\u0e00-\u0e7f]+")
_IDEOGRAPHS = re.compile(f"[{_IDEOGRAPH_RANGES}]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


@dataclass(frozen=True)
class PageFields:
    """What extraction found in one page; `is_article` False means: do not store it."""

    url: str  # canonical URL (the page's rel=canonical when it is on the same site)
    is_article: bool
    reason: str = ""  # why it is not an article
    title: str = ""
    author: str = ""
    text: str = ""
    published: str | None = None  # YYYY-MM-DD
    date_method: str = "none"
    tags: list[str] = field(default_factory=list)

    def article(self) -> dict:
        """The article fields in the store's naming."""
        return {"url": self.url, "title": self.title, "author": self.author, "text": self.text,
                "published": self.published, "date_method": self.date_method,
                "tags": self.tags}


def non_article_url_reason(url: str) -> str:
    """Why a URL is certainly not an article page ('' when it may be one)."""
    path = urlsplit(url).path.lower()
    conf = patterns()["pages"]
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    if ext in conf["non_html_extensions"]:
        return f"not an HTML page (.{ext})"
    for pattern in _non_article_paths():
        if pattern.search(path):
            return f"listing, tag or service page (URL matches {pattern.pattern!r})"
    return ""


@cache
def _non_article_paths() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns()["pages"]["non_article_paths"])


def extract_page(
    html: str | bytes,
    url: str,
    *,
    fetched_at: str | date | datetime | None = None,
    hint: dict | None = None,
) -> PageFields:
    """Extract an article from a page (text, or bytes decoded by their declared or detected
    charset). `hint` is what a feed or sitemap said about the link (keys: origin, published,
    title, tags); `fetched_at` is the reference for year-less and future dates."""
    hint = hint or {}
    reference = as_reference(fetched_at)
    reason = non_article_url_reason(url)
    tree = _parse(html)
    if tree is None:
        return PageFields(canonicalize(url), False, reason or "empty or unparsable page")
    canonical = _canonical_url(tree, url)
    reason = reason or non_article_url_reason(canonical)
    if reason:
        return PageFields(canonical, False, reason)
    metas = _metas(tree)
    headline, title = _headline(tree, metas)
    title = title or hint.get("title") or ""
    meta_tags = _meta_tags(tree)
    published, method = structured_date(tree, metas, reference)
    near_title = cache(lambda: _near_title(tree))
    lines = cache(lambda: _visible_lines(tree))
    author = _author(tree, metas, near_title, lines)
    # Dates written in the page are read before boilerplate goes, when the metadata has none.
    written = None if published else written_dates(tree, near_title(), lines())
    shape = clean(tree, headline, lambda: method in ("meta", "jsonld") or _marked_as_article(
        tree, metas, headline, reference))
    listing = shape.listing or _links_without_text(tree, shape)
    if listing:
        return PageFields(canonical, False, listing)
    title = normalize_space(title)
    text = _clean_text(_main_text(tree, shape, headline, url), title)
    words = count_words(text)
    if words < patterns()["pages"]["min_words"]:
        return PageFields(canonical, False, f"too short for an article ({words} words)")
    if not published:
        published, method = text_date(written, hint, html, url, reference,
                                      as_reference_time(fetched_at))
    return PageFields(
        url=canonical, is_article=True, title=title, author=author, text=text,
        published=published.isoformat() if published else None, date_method=method,
        tags=_merge_tags(meta_tags, hint),
    )


def count_words(text: str) -> int:
    """Words of a text; in scripts written without spaces (Chinese, Japanese, Thai) a word is
    counted every two ideographs or kana, every four Thai letters."""
    spaced = _NO_SPACE_SCRIPT.sub(" ", text)
    ideographs = len(_IDEOGRAPHS.findall(text))
    thai = len(_THAI.findall(text))
    return len(spaced.split()) + ideographs // 2 + thai // 4


def _parse(html: str | bytes) -> lxml.html.HtmlElement | None:
    if isinstance(html, bytes):
        html = decode_html(html).text
    data = html.encode("utf-8", "replace")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return tree


def _marked_as_article(tree: lxml.html.HtmlElement, metas: dict[str, str],
                       headline: lxml.html.HtmlElement | None, reference: date) -> bool:
    """Whether the page says it is one article: Open Graph type, a JSON-LD article type, or a
    date written right under the headline (a section page dates its teasers, not itself)."""
    if metas.get("og:type", "").lower() == "article" or any(
            is_article_type(obj) for obj in jsonld_objects(tree)):
        return True
    under = _byline_under(headline)
    return bool(under) and published_in_text(under, reference, allow_plain=True) is not None


def _byline_under(headline: lxml.html.HtmlElement | None) -> str:
    """The text right under the headline, up to the first list, heading or headline link (a
    listing's first teaser is not the page's byline)."""
    el, parts, size = headline, [], 0
    while el is not None and size < DATE_UNDER_TITLE_CHARS:
        following = el.getnext()
        if following is None:
            el = el.getparent()
            if el is None or el.tag in ("body", "html"):
                break
            continue
        el = following
        if el.tag in ("ul", "ol", "table") or _STOPS_BYLINE(el):
            break
        text = normalize_space(el.text_content())
        parts.append(text)
        size += len(text)
    return " ".join(parts)[:DATE_UNDER_TITLE_CHARS]


def _links_without_text(tree: lxml.html.HtmlElement, shape: Shape) -> str:
    """A page with headline links and no block of text long enough for an article."""
    if shape.main_chars > MAX_LINK_PAGE_CHARS:
        return ""
    headlines = [a for a in tree.iter("a") if len(a.text_content().split()) >= 2]
    if len(headlines) >= patterns()["pages"]["listing_min_blocks"]:
        return f"listing page ({len(headlines)} links and no text block)"
    return ""


def _trafilatura(tree: lxml.html.HtmlElement, url: str, *, fast: bool = False) -> str:
    """trafilatura's text; `fast` skips its comparison with readability and jusText (half
    its time), which the region around the main block rarely needs."""
    found = trafilatura.bare_extraction(tree, url=url, with_metadata=False,
                                        include_comments=False, include_tables=True,
                                        favor_precision=True, fast=fast)
    return (found.text or "") if found is not None else ""


def _main_text(tree: lxml.html.HtmlElement, shape: Shape,
               headline: lxml.html.HtmlElement | None, url: str) -> str:
    """trafilatura's text of the region around the main block and the headline: its fast
    pass first, its full pass when that misses most of the main block; when both do (a
    template whose body sits apart from the headline, in a block trafilatura does not
    choose), the main block's own text follows what it found."""
    region = _region(tree, shape.text_blocks, headline)
    enough = MIN_MAIN_COVERAGE * max(shape.main_chars, shape.text_chars)
    text = _trafilatura(region, url, fast=True)
    if len(text) >= enough or shape.main is None:
        return text
    text = max(text, _trafilatura(region, url), key=len)
    if len(text) >= enough:
        return text
    body = _trafilatura(_region(tree, (shape.main,), None), url)
    if len(body) <= len(text):
        return text
    seen = set(body.splitlines())
    lead = [line for line in text.splitlines() if line not in seen]
    return "\n".join([*lead, body])


def _region(tree: lxml.html.HtmlElement, blocks: tuple,
            headline: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement:
    """The part of the page handed to trafilatura: the smallest block that holds the main
    text blocks, and the headline when that block is not the whole page."""
    if not blocks or blocks[0] is None:
        return tree
    region = _common_ancestor(blocks)
    with_headline = _common_ancestor((region, headline)) if headline is not None else None
    if with_headline is not None and with_headline.tag not in ("html", "body"):
        region = with_headline
    if region is None or region.tag in ("html", "body"):
        return tree
    root = lxml.html.Element("html")
    etree.SubElement(root, "body").append(region)
    return root


def _common_ancestor(elements: tuple) -> lxml.html.HtmlElement | None:
    region = elements[0]
    for other in elements[1:]:
        around = ancestors(other)
        while region is not None and region not in around:
            region = region.getparent()
    return region


def _canonical_url(tree: lxml.html.HtmlElement, url: str) -> str:
    fetched = canonicalize(url)
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        candidate = canonical_or_none(href.strip(), base=url)
        if (candidate and candidate.startswith("http")
                and _same_site(host_of(candidate), host_of(fetched))):
            return candidate
    return fetched


def _same_site(a: str, b: str) -> bool:
    strip = lambda h: h[4:] if h.startswith("www.") else h  # noqa: E731
    return strip(a) == strip(b)


def _metas(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """The page's <meta> values by lower-case name, property or itemprop (first one wins)."""
    out: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        content = (el.get("content") or "").strip()
        if key and content and key not in out:
            out[key] = content
    return out


def _headline(tree: lxml.html.HtmlElement,
              metas: dict[str, str]) -> tuple[lxml.html.HtmlElement | None, str]:
    """The headline element and text: the article's <h1>, skipping an <h1> that is the site's
    logo or name; else (no element) og:title, else <title> without its " - Site" suffix."""
    site = metas.get("og:site_name", "").lower()
    for xpath in ("//article//h1", "//main//h1", "//h1"):
        for h1 in tree.xpath(xpath):
            text = normalize_space(h1.text_content())
            if text and not _is_masthead(h1, text, site):
                return h1, text
    titles = tree.xpath("//title/text()")
    fallback = _TITLE_SUFFIX.sub("", normalize_space(titles[0])) if titles else ""
    return None, metas.get("og:title") or fallback


def _is_masthead(h1: lxml.html.HtmlElement, text: str, site: str) -> bool:
    attrs = " ".join(filter(None, (h1.get("class"), h1.get("id")))).lower()
    if _MASTHEAD.search(attrs) or (site and text.lower() == site):
        return True
    in_header = h1.xpath("ancestor::header[not(ancestor::article or ancestor::main)]")
    return bool(in_header) and not h1.xpath("ancestor::article or ancestor::main")


def _author(tree: lxml.html.HtmlElement, metas: dict[str, str],
            near_title: Callable[[], str], lines: Callable[[], list[str]]) -> str:
    """The author from metadata, JSON-LD, author markup, an "A cura di: ..." line, or a
    "di Nome Cognome" byline right under the headline."""
    candidates = [metas.get("author", ""), metas.get("article:author", ""),
                  *_jsonld_authors(tree)]
    marked = tree.xpath("//*[@rel='author' or @itemprop='author' or contains(@class, 'author') "
                        "or contains(@class, 'autore')]")
    candidates += sorted((normalize_space(el.text_content()) for el in marked), key=len)
    for candidate in candidates:
        name = _clean_author(candidate)
        if name:
            return name
    after_title = near_title().split("\n", 1)[-1]
    found = _CURATED_BY.search("\n".join(lines())) or _BYLINE_AUTHOR.match(after_title)
    return found.group(1) if found else ""


def _clean_author(text: str) -> str:
    name = _AUTHOR_PREFIX.sub("", normalize_space(text)).strip(" ,.;:-–|")
    if not name or len(name) > MAX_AUTHOR_CHARS or "://" in name or "@" in name:
        return ""
    return name


def _jsonld_authors(tree: lxml.html.HtmlElement) -> list[str]:
    out = []
    for obj in jsonld_objects(tree):
        author = obj.get("author")
        for one in author if isinstance(author, list) else [author]:
            if isinstance(one, dict) and isinstance(one.get("name"), str):
                out.append(one["name"])
            elif isinstance(one, str):
                out.append(one)
    return out


def _meta_tags(tree: lxml.html.HtmlElement) -> list[str]:
    found = []
    for el in tree.xpath("//meta[@property='article:tag' or @name='keywords' or "
                         "@name='news_keywords']"):
        found += [t.strip() for t in (el.get("content") or "").split(",")]
    found += [normalize_space(a.text_content()) for a in tree.xpath("//a[@rel='tag']")]
    return [t for t in found if t]


def _near_title(tree: lxml.html.HtmlElement) -> str:
    """Visible text just before and after the headline, where bylines and dates sit."""
    heads = tree.xpath("//article//h1 | //main//h1") or tree.xpath("//h1")
    if not heads:
        return ""
    before = normalize_space(" ".join(_TEXT_BEFORE(heads[0])))
    after = []
    for piece in _TEXT_AFTER(heads[0]):
        after.append(piece)
        if sum(len(p) for p in after) > NEAR_TITLE_CHARS:
            break
    after_text = normalize_space(" ".join(after))[:NEAR_TITLE_CHARS]
    return f"{before[-NEAR_TITLE_CHARS // 2 :]}\n{after_text}"


def _visible_lines(tree: lxml.html.HtmlElement) -> list[str]:
    """The page's visible text, one line per text node."""
    return [line for line in (normalize_space(t) for t in _VISIBLE_TEXT(tree)) if line]


def _clean_text(text: str, title: str) -> str:
    """Drop boilerplate lines and the title repeated as the first line."""
    prefixes = tuple(patterns()["boilerplate"]["line_prefixes"])
    lines = [CONTROL_CHARS.sub("", line).strip() for line in text.splitlines()]
    if lines and title and normalize_space(lines[0]) == title:
        lines = lines[1:]
    return "\n".join(line for line in lines if line and not line.lower().startswith(prefixes)
                     and not _is_dateline(line))


def _is_dateline(line: str) -> bool:
    """A short line that only carries a date ("Ultimo aggiornamento: 12 aprile 2025")."""
    return len(line.split()) <= MAX_DATELINE_WORDS and bool(find_dates(line, date.max))


def _merge_tags(meta_tags: list[str], hint: dict) -> list[str]:
    out: list[str] = []
    for tag in (normalize_space(t) for t in [*meta_tags, *(hint.get("tags") or [])]):
        if tag and tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    return out
