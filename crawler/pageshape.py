"""Where a page's text is and what kind of page it is: boilerplate blocks, the main text block,
listing pages. Pure, on an lxml tree; one walk over the text nodes, XPath for the rest.

- The **main block** is the element whose own paragraphs (its `<p>`, `<blockquote>`, list
  items and loose text, link text excluded) hold the most text. It is never removed as
  boilerplate, whatever its classes say.
- **Boilerplate** is matched on whole class/id tokens (`share`, `comments`, `site-footer`) and
  on known vendor widgets (`elementor-widget-share-buttons`, `CybotCookiebotDialog`); a
  compound name is split on `-`/`_` only for the words that are never a container of the
  article (`elementor-widget-theme-post-content` is not a widget to remove).
- A **listing** is a page whose main block is one of three or more similar sibling teasers
  that link elsewhere (cards, `views-row`, archive posts), or whose main block is mostly
  links. An article followed by any number of teaser cards is not one: its body is not a
  teaser.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import lxml.html
from lxml import etree

from crawler.patterns import patterns

# Inline elements whose text belongs to the enclosing paragraph or block.
_INLINE = frozenset({"span", "strong", "b", "em", "i", "u", "small", "font", "sup", "sub",
                     "mark", "q", "cite", "abbr", "time", "code", "s", "del", "ins", "big",
                     "label", "bdi", "bdo", "data"})
# Paragraph-level elements: their text counts for the block that holds them.
_PARAGRAPHS = frozenset({"p", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6", "dd", "dt",
                         "figcaption", "address"})
_LISTS = frozenset({"ul", "ol", "dl"})
_TEXT_NODES = etree.XPath(
    "//body//text()[normalize-space()][not(ancestor::a or ancestor::script or ancestor::style"
    " or ancestor::noscript or ancestor::template or ancestor::button or ancestor::select"
    " or ancestor::textarea or ancestor::svg)]")
_LINK_TEXT = etree.XPath("//body//a[@href]//text()[normalize-space()]")
_HEADLINE_LINK = etree.XPath(
    ".//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6][.//a[@href]]"
    " | .//a[@href][.//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]]")
_CANDIDATES = etree.XPath("//body//*[@class or @id or @role]")
_DIGITS = re.compile(r"\d")
_SPLIT = re.compile(r"[-_]")
_STATE_PREFIXES = frozenset({"has", "with", "no", "is", "show", "hide", "without"})
MIN_TEASERS = 3
NOT_RESCUED = "structure"
# A teaser is not the article when its text is under this multiple of its siblings' median.
DOMINANT_FACTOR = 3.0
# A main block is a list of links when links hold this share of its text and the text
# between them is short (a date, a few words: not a wiki-style paragraph full of links).
MAX_MAIN_LINK_SHARE = 0.65
MAX_TEXT_PER_LINK = 25
# Blocks looked at when the longest one is a teaser, and how long the longest block that is
# not a teaser must be to be the article (always / on a page marked as an article).
MAX_RANKED_BLOCKS = 12
SHORT_BODY_CHARS = 400
MIN_BODY_CHARS = 120
# A block without a linked heading is a teaser when its links hold this share of its text.
TEASER_LINK_SHARE = 0.2
# Other blocks handed to the text extractor with the main one: at least this share of its
# text and this many characters (a lead paragraph apart from the body).
SECOND_BLOCK = 0.1
SECOND_BLOCK_CHARS = 200


@dataclass(frozen=True)
class Shape:
    main: lxml.html.HtmlElement | None  # the main text block
    main_chars: int  # its own paragraph text, links excluded
    listing: str  # why the page is a listing ('' when it is not)
    text_blocks: tuple  # the kept blocks with a good share of the main block's text
    text_chars: int = 0  # their own paragraph text, links excluded


@cache
def _conf() -> dict:
    conf = patterns()["boilerplate"]
    return {"tokens": frozenset(conf["attr_tokens"]),
            "pieces": frozenset(conf["piece_tokens"]),
            "hard": frozenset(conf["never_article_tokens"]),
            "vendor": tuple(conf["vendor_prefixes"]),
            "substrings": tuple(conf["attr_substrings"]),
            "tags": frozenset(conf["tags"]), "roles": frozenset(conf["roles"]),
            "headings": tuple(conf["box_headings"])}


@lru_cache(maxsize=4096)
def boilerplate_kind(attrs: str) -> str:
    """How a class/id string marks a block that is never article text: 'vendor' (a known
    widget, or a word that never names the article's container: comments, cookies, sharing,
    related stories, ads), 'token' (a generic word such as `widget`, `sidebar`, `footer`,
    which a page builder may put on the article's container), '' (not boilerplate). State
    modifiers (`o-section--has-ads`, `has-sidebar`) say what a block contains, not what it
    is."""
    conf = _conf()
    attrs = attrs.lower()
    if any(part in attrs for part in conf["substrings"]):
        return "vendor"
    for name in attrs.split():
        if name.startswith(conf["vendor"]):
            return "vendor"
        if name in conf["tokens"]:
            return "vendor" if name in conf["hard"] else "token"
        name = name.split("--", 1)[0]
        pieces = _SPLIT.split(name)
        if pieces[0] in _STATE_PREFIXES or len(pieces) < 2:
            continue
        for piece in (pieces[0], pieces[-1]):
            if piece in conf["pieces"]:
                return "vendor" if piece in conf["hard"] else "token"
    return ""


def boilerplate_attrs(attrs: str) -> bool:
    """Whether a class/id string marks a block that is never article text."""
    return bool(boilerplate_kind(attrs))


def _owner(node) -> lxml.html.HtmlElement:
    parent = node.getparent()
    return parent.getparent() if node.is_tail else parent


def _block_of(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The block a piece of text counts for: the parent of its paragraph, or the element
    itself when the text is loose in a div, cell or font."""
    while el is not None and (el.tag in _INLINE or el.tag == "a"):
        el = el.getparent()
    if el is None:
        return None
    if el.tag in _PARAGRAPHS or el.tag == "li" or _leaf_div(el):
        el = el.getparent()
        while el is not None and el.tag in _LISTS:
            el = el.getparent()
    return el


def _leaf_div(el: lxml.html.HtmlElement) -> bool:
    """A <div> used as a paragraph: only text and inline elements inside."""
    return el.tag == "div" and all(child.tag in _INLINE or child.tag in ("a", "br", "img")
                                   for child in el.iterchildren(etree.Element))


def text_blocks(tree: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, int]:
    """Characters of own paragraph text (links excluded) per block."""
    blocks: dict[lxml.html.HtmlElement, int] = {}
    for node in _TEXT_NODES(tree):
        owner = _owner(node)
        if owner is None:
            continue
        block = _block_of(owner)
        if block is not None:
            blocks[block] = blocks.get(block, 0) + len(node.strip())
    return blocks


def _link_chars(tree: lxml.html.HtmlElement, block: lxml.html.HtmlElement) -> tuple[int, int]:
    """Characters and number of links whose text belongs to `block`'s own paragraphs."""
    chars, links = 0, set()
    for node in _LINK_TEXT(tree):
        owner = _owner(node)
        link = owner
        while link is not None and link.tag != "a":
            link = link.getparent()
        if link is not None and _block_of(link.getparent()) is block:
            chars += len(node.strip())
            links.add(link)
    return chars, len(links)


def doomed_blocks(tree: lxml.html.HtmlElement,
                  keep: set[lxml.html.HtmlElement]) -> dict[lxml.html.HtmlElement, str]:
    """Blocks that are never article text, except those in `keep` (the headline's
    ancestors), with what condemned them: a class word ('token' generic, 'vendor' specific),
    from which the block holding most of the text may be rescued, or NOT_RESCUED (tag,
    role, a "Leggi anche" heading)."""
    conf = _conf()
    doomed = {el: NOT_RESCUED for el in tree.iter(*conf["tags"]) if el not in keep}
    for el in _CANDIDATES(tree):
        if el in keep or el in doomed or el.tag in ("html", "body", "main", "article"):
            continue
        if el.get("itemprop") == "articleBody":
            continue
        if (el.get("role") or "").lower() in conf["roles"]:
            doomed[el] = NOT_RESCUED
            continue
        kind = boilerplate_kind(f"{el.get('class', '')} {el.get('id', '')}")
        if kind:
            doomed[el] = kind
    for el in _boxes_by_heading(tree, conf["headings"]):
        if el not in keep and el not in doomed:
            doomed[el] = NOT_RESCUED
    return doomed


def _boxes_by_heading(tree: lxml.html.HtmlElement, headings: tuple[str, ...]):
    """Blocks (div, section, ul, p, aside) whose first element is, or opens with, a heading
    such as "Leggi anche" or "Articoli correlati": boxes of other links."""
    for head in tree.iter(*_HEADINGS):
        label = " ".join("".join(head.itertext()).split()).lower().rstrip(":")
        if len(label) >= 60 or not label.startswith(headings):
            continue
        box = head.getparent()
        if box is not None and box.tag in ("p", "div", "span", "header") and _first(box, head):
            wrapper = box.getparent()
            if wrapper is not None and wrapper.tag in _BOXES and _first(wrapper, box):
                yield wrapper
        if box is not None and box.tag in _BOXES and _first(box, head):
            yield box


def _first(parent: lxml.html.HtmlElement, child: lxml.html.HtmlElement) -> bool:
    return next(parent.iterchildren(etree.Element), None) is child


_HEADINGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b")
_BOXES = frozenset({"div", "section", "ul", "p", "aside"})


def remove(elements: list[lxml.html.HtmlElement]) -> None:
    for el in elements:
        if el.getparent() is not None:
            el.drop_tree()


def ancestors(el: lxml.html.HtmlElement | None) -> set[lxml.html.HtmlElement]:
    out = set()
    while el is not None:
        out.add(el)
        el = el.getparent()
    return out


def _signature(el: lxml.html.HtmlElement) -> tuple[str, frozenset[str]]:
    tokens = frozenset(t for t in (el.get("class") or "").split() if not _DIGITS.search(t))
    return el.tag, tokens


def _similar(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> bool:
    return a[0] == b[0] and (a[1] == b[1] or bool(a[1] & b[1]))


def _is_teaser(el: lxml.html.HtmlElement) -> bool:
    """A block that links elsewhere under a headline: a link in or around a heading, or link
    text that is a good part of the block's text (not a paragraph with a link in it)."""
    if el.find(".//a[@href]") is None:
        return False
    if _HEADLINE_LINK(el):
        return True
    text = len("".join(el.itertext()))
    linked = sum(len(t) for a in el.iterfind(".//a[@href]") for t in a.itertext())
    return linked >= TEASER_LINK_SHARE * text


def _teaser_siblings(el: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Siblings of `el` that look like it and link somewhere (teaser cards, list rows)."""
    parent = el.getparent()
    if parent is None:
        return []
    mine = _signature(el)
    return [s for s in parent.iterchildren(etree.Element)
            if s is not el and _similar(_signature(s), mine) and _is_teaser(s)]


def _text_len(el: lxml.html.HtmlElement) -> int:
    return len("".join(el.itertext()).split())


def _teaser_group(block: lxml.html.HtmlElement, headline_around: set) -> int:
    """How many similar teasers the block is one of (0: it is not inside a teaser). The block
    that holds the headline is the article, and a teaser that holds several times the text
    of its siblings is the article among cards."""
    el = block
    while el is not None and el.tag not in ("body", "html", "main"):
        if el in headline_around:
            return 0
        siblings = _teaser_siblings(el)
        if len(siblings) + 1 >= MIN_TEASERS and _is_teaser(el):
            others = statistics.median(_text_len(s) for s in siblings)
            if _text_len(el) < DOMINANT_FACTOR * max(others, 1):
                return len(siblings) + 1
        el = el.getparent()
    return 0


def _choose_main(kept: dict, headline_around: set,
                 article_meta: Callable[[], bool]) -> tuple[lxml.html.HtmlElement | None, str]:
    """The main block and, when the page is a listing, why. The longest block wins unless it
    is a teaser; then the longest block that is not one, if it is long enough for an article
    (or short, on a page whose metadata says it is an article)."""
    ranked = sorted(kept, key=kept.get, reverse=True)[:MAX_RANKED_BLOCKS]
    if not ranked:
        return None, ""
    group = _teaser_group(ranked[0], headline_around)
    if not group:
        return ranked[0], _short_text_over_teasers(kept, ranked, headline_around, article_meta)
    for block in ranked[1:]:
        if kept[block] < MIN_BODY_CHARS:
            break
        if not _teaser_group(block, headline_around):
            if kept[block] >= SHORT_BODY_CHARS or article_meta():
                return block, ""
            break
    return ranked[0], f"listing page (main text is one of {group} teasers)"


def _short_text_over_teasers(kept: dict, ranked: list, headline_around: set,
                             article_meta: Callable[[], bool]) -> str:
    """A section page: a short introduction above teasers that hold more text than it."""
    main = ranked[0]
    if kept[main] >= SHORT_BODY_CHARS:
        return ""
    teasers = [b for b in ranked[1:] if _teaser_group(b, headline_around)]
    if (len(teasers) >= MIN_TEASERS and sum(kept[b] for b in teasers) > kept[main]
            and not article_meta()):
        return f"listing page (a short text above {len(teasers)} teasers)"
    return ""


def _links_reason(tree: lxml.html.HtmlElement, main: lxml.html.HtmlElement,
                  main_chars: int) -> str:
    linked, links = _link_chars(tree, main)
    if (links >= MIN_TEASERS and linked > MAX_MAIN_LINK_SHARE * (linked + main_chars)
            and main_chars < MAX_TEXT_PER_LINK * links):
        share = linked * 100 // (linked + main_chars)
        return f"listing page ({share}% of the main block is links)"
    return ""


def _doomed_ancestors(el: lxml.html.HtmlElement, doomed: dict) -> list:
    out = []
    while el is not None:
        if el in doomed:
            out.append(el)
        el = el.getparent()
    return out


def _rescue(blocks: dict, kept: dict, doomed: dict) -> lxml.html.HtmlElement | None:
    """The longest block that only class words condemned, when it holds most of the page's
    text (or, condemned by generic words only, twice the text of any block left): it is the
    article, whatever its classes (`share-zone` may wrap a whole article body)."""
    rescuable = {b: n for b, n in blocks.items() if b not in kept
                 and all(doomed[el] != NOT_RESCUED for el in _doomed_ancestors(b, doomed))}
    if not rescuable:
        return None
    best = max(rescuable, key=rescuable.get)
    if blocks[best] * 2 >= sum(blocks.values()):
        return best
    generic = all(doomed[el] == "token" for el in _doomed_ancestors(best, doomed))
    return best if generic and blocks[best] >= 2 * max(kept.values(), default=0) else None


def _article_of(el: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    """The <article> that holds a block (another story loaded below is another article)."""
    while el is not None and el.tag != "article":
        el = el.getparent()
    return el


def clean(tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None,
          article_meta: Callable[[], bool] = bool) -> Shape:
    """Remove the boilerplate blocks and judge the page from its main block. A block that
    holds most of the page's paragraph text is never removed, whatever its classes say.
    `article_meta()`: whether the page says it is one article (metadata, a date by the
    headline), asked only when a short text sits among longer teaser cards."""
    blocks = text_blocks(tree)
    doomed = doomed_blocks(tree, ancestors(headline))
    kept = {b: n for b, n in blocks.items() if not _doomed_ancestors(b, doomed)}
    best = _rescue(blocks, kept, doomed)
    if best is not None:
        for el in _doomed_ancestors(best, doomed):
            del doomed[el]
        kept = {b: n for b, n in blocks.items() if not _doomed_ancestors(b, doomed)}
    remove(list(doomed))
    main, listing = _choose_main(kept, ancestors(headline), article_meta)
    chars = kept.get(main, 0) if main is not None else 0
    if main is not None and not listing:
        listing = _links_reason(tree, main, chars)
    around = ancestors(headline)
    home = _article_of(main)
    big = tuple(b for b, n in kept.items()
                if b is main or (n >= max(SECOND_BLOCK_CHARS, chars * SECOND_BLOCK)
                                 and _article_of(b) in (home, None)
                                 and not _teaser_group(b, around)))
    big = big or (main,)
    return Shape(main, chars, listing, big, sum(kept.get(b, 0) for b in big))
