"""Small Italian sites of different shapes, for the onboarding tests (`sources discover` and a
crawl of what it proposes). Each shape is a kind of site met in the wild: a WordPress blog with
a feed and a paginated category, a municipality on the Designers Italia template (a "Novità"
front and the full list below it), a newspaper with a Google News sitemap, a press office with
a bare table of releases, a Drupal site whose news is reachable only by its usual path, a
Joomla site with "Avvisi", a portal with an Atom feed and a plain sitemap.xml, a blog whose
homepage is its only list; and two shapes with no usable news: a site without any, and a site
whose robots.txt disallows its news section. Texts are generated from a seed, unique per
article (the store would fold identical texts into one)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from tests.crawler.sitefarm import Route

WORDS = ("comune cooperativa sociale associazione progetto servizi cittadini territorio giunta "
         "consiglio bando avviso contributi famiglie anziani giovani scuola quartiere biblioteca "
         "volontariato salute ambito distretto welfare comunità incontro percorso laboratorio "
         "sportello assessore sindaco rete patto collaborazione accoglienza inclusione lavoro "
         "casa educativa centro diurno spazio verde mobilità cultura sport formazione").split()
MONTHS = ("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
          "dicembre").split()


@dataclass
class Site:
    """One generated site: its routes, the paths of its articles, and what discover must do."""

    shape: str
    name: str
    routes: dict[str, Route]
    articles: list[str]  # article paths (what a crawl must find)
    has_news: bool = True  # a usable news stream exists
    forbidden: list[str] = field(default_factory=list)  # path prefixes robots.txt disallows


@dataclass(frozen=True)
class Article:
    path: str
    title: str
    day: date
    text: list[str]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _articles(rng: random.Random, site: str, count: int, path: Callable[[int, str], str],
              ) -> list[Article]:
    out = []
    day = date(2025, 3, 28)
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(5)]
        title = f"{site}: {' '.join(words)} numero {i + 1}".capitalize()
        slug = "-".join(words[:4]) + f"-{i + 1}"
        paras = [f"{site} comunica: " + " ".join(_sentence(rng, rng.randint(9, 15))
                                                  for _ in range(4)) for _ in range(3)]
        out.append(Article(path(i, slug), title, day - timedelta(days=2 * i), paras))
    return out


def _page(site: str, title: str, main: str, *, menu: list[tuple[str, str]], head: str = "",
          header_class: str = "site-header") -> bytes:
    items = "".join(f'<li><a href="{href}">{escape(label)}</a></li>' for label, href in menu)
    return (f'<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>{escape(title)}'
            f" - {escape(site)}</title>{head}</head><body><header class=\"{header_class}\">"
            f'<div class="logo">{escape(site)}</div><nav class="main-menu"><ul>{items}</ul>'
            f"</nav></header><main>{main}</main><footer><p>{escape(site)} - Via Roma 1. "
            '<a href="/privacy/">Privacy</a> <a href="/contatti/">Contatti</a></p></footer>'
            "</body></html>").encode()


def _article_page(site: str, art: Article, menu: list[tuple[str, str]], head: str = "") -> bytes:
    day = f"{art.day.day} {MONTHS[art.day.month - 1]} {art.day.year}"
    body = "".join(f"<p>{escape(p)}</p>" for p in art.text)
    main = (f"<article><h1>{escape(art.title)}</h1><p class=\"data\">Pubblicato il "
            f'<time datetime="{art.day.isoformat()}">{day}</time></p>{body}</article>')
    return _page(site, art.title, main, menu=menu, head=head)


def _rss(site: str, base: str, arts: list[Article]) -> Route:
    items = "".join(f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
                    f"<pubDate>{a.day.strftime('%a, %d %b %Y')} 09:00:00 +0100</pubDate></item>"
                    for a in arts)
    return ("application/rss+xml; charset=utf-8",
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
            f"{escape(site)}</title><link>{base}/</link>{items}</channel></rss>".encode())


def _atom(site: str, base: str, arts: list[Article]) -> Route:
    entries = "".join(f"<entry><title>{escape(a.title)}</title><link href=\"{base}{a.path}\"/>"
                      f"<id>{base}{a.path}</id><updated>{a.day.isoformat()}T09:00:00Z</updated>"
                      "</entry>" for a in arts)
    return ("application/atom+xml",
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(site)}</title><id>{base}/</id>{entries}</feed>".encode())


def _urlset(base: str, paths: list[str], news: list[Article] | None = None) -> Route:
    if news is not None:
        urls = "".join(f"<url><loc>{base}{a.path}</loc><news:news><news:publication_date>"
                       f"{a.day.isoformat()}</news:publication_date><news:title>"
                       f"{escape(a.title)}</news:title></news:news></url>" for a in news)
    else:
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return ("application/xml", (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
        'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>").encode())


def _robots(*lines: str) -> Route:
    return ("text/plain", ("User-agent: *\n" + "\n".join(lines) + "\n").encode())


BASE_MENU = [("Home", "/"), ("Amministrazione", "/amministrazione"), ("Servizi", "/servizi"),
             ("Uffici", "/uffici")]
SERVICE_PAGES = ["/amministrazione", "/servizi", "/uffici", "/servizi/anagrafe",
                 "/servizi/tributi", "/uffici/ufficio-tecnico", "/servizi/carta-identita"]


def _common(site: str, routes: dict[str, Route], menu: list[tuple[str, str]]) -> None:
    for path in SERVICE_PAGES:
        title = path.rsplit("/", 1)[-1].replace("-", " ").capitalize()
        routes.setdefault(path, _page(site, title, f"<h1>{title}</h1><p>Orari e contatti "
                                      "dell'ufficio.</p>", menu=menu))


def _teasers(arts: list[Article], tag: str = "h3", card: str = "") -> str:
    return "".join(f'<div class="{card}"><{tag}><a href="{a.path}">{escape(a.title)}</a></{tag}>'
                   f"<p>{a.day.isoformat()}</p></div>" for a in arts)


def _paginate(arts: list[Article], size: int) -> list[list[Article]]:
    return [arts[i:i + size] for i in range(0, len(arts), size)] or [[]]


def _pager(page_url: Callable[[int], str], number: int, pages: int, label: str) -> str:
    if number >= pages:
        return ""
    return f'<nav class="pagination"><a href="{page_url(number + 1)}">{label}</a></nav>'


def _paged(routes: dict[str, Route], site: str, title: str, arts: list[Article],
           url: Callable[[int], str], menu: list[tuple[str, str]], head: str, *,
           teaser: str, next_label: str) -> None:
    """A listing of 5 teasers a page (`teaser` with a {link} slot), with a "next" link."""
    pages = _paginate(arts, 5)
    for n, chunk in enumerate(pages, start=1):
        main = "".join(teaser.format(link=f'<a href="{a.path}">{escape(a.title)}</a>')
                       for a in chunk) + _pager(url, n, len(pages), next_label)
        routes[url(n)] = _page(site, title, main, menu=menu, head=head)


# ---------------------------------------------------------------------------------- shapes


def wordpress(rng: random.Random, site: str, base: str) -> Site:
    """Feed of the latest 5 (rel=alternate), category listing paginated with /page/N/."""
    arts = _articles(rng, site, rng.randint(7, 11),
                     lambda i, s: f"/2025/{3 - i // 10:02d}/{s}/")
    head = ('<meta name="generator" content="WordPress 6.5"><link rel="alternate" '
            'type="application/rss+xml" title="Feed" href="/feed/">'
            '<link rel="alternate" type="application/rss+xml" title="Commenti" '
            'href="/comments/feed/">')
    menu = [*BASE_MENU, ("Notizie", "/category/notizie/")]
    routes: dict[str, Route] = {"/": _page(site, "Home", "<p>Benvenuti</p>", menu=menu,
                                           head=head), "/feed/": _rss(site, base, arts[:5])}
    url = lambda n: "/category/notizie/" if n == 1 else f"/category/notizie/page/{n}/"  # noqa: E731
    _paged(routes, site, "Notizie", arts, url, menu, head, next_label="Successiva",
           teaser='<article class="post"><h2 class="entry-title">{link}</h2></article>')
    return _finish("wordpress", site, routes, arts, menu, head)


def designers_italia(rng: random.Random, site: str, base: str) -> Site:
    """Municipal template: "Novità" in the menu, a section front with the latest three and
    "Vedi tutte", the full list in cards with a ?page=N pager of numbers."""
    arts = _articles(rng, site, rng.randint(6, 11), lambda i, s: f"/novita/notizie/{s}")
    head = '<link rel="stylesheet" href="/assets/bootstrap-italia.min.css">'
    menu = [*BASE_MENU, ("Novità", "/novita")]
    front = (f"<h1>Novità</h1><h2>Notizie</h2>{_teasers(arts[:3], 'h3', 'card')}"
             '<a class="btn" href="/novita/notizie">Vedi tutte</a>')
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Comune</p>", menu=menu, head=head,
                   header_class="it-header-wrapper"),
        "/novita": _page(site, "Novità", front, menu=menu, head=head,
                         header_class="it-header-wrapper")}
    pages = _paginate(arts, 6)
    url = lambda n: "/novita/notizie" if n == 1 else f"/novita/notizie?page={n}"  # noqa: E731
    for n, chunk in enumerate(pages, start=1):
        numbers = "".join(f'<li class="page-item"><a class="page-link" href="{url(k)}">{k}</a>'
                          "</li>" for k in range(1, len(pages) + 1))
        pager = f'<nav class="pagination-wrapper"><ul class="pagination">{numbers}</ul></nav>'
        routes[url(n)] = _page(site, "Novità", _teasers(chunk, "h3", "card") + pager, menu=menu,
                               head=head, header_class="it-header-wrapper")
    return _finish("designers_italia", site, routes, arts, menu, head)


def news_sitemap(rng: random.Random, site: str, base: str) -> Site:
    """Newspaper: robots.txt Sitemap line -> index -> Google News sitemap; /news shows 5."""
    arts = _articles(rng, site, rng.randint(6, 11), lambda i, s: f"/news/{s}")
    menu = [("Home", "/"), ("News", "/news"), ("Chi siamo", "/chi-siamo")]
    index = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org'
             f'/schemas/sitemap/0.9"><sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>'
             f"<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>")
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Quotidiano</p>", menu=menu),
        "/robots.txt": _robots("Disallow: /admin/", f"Sitemap: {base}/sitemap_index.xml"),
        "/sitemap_index.xml": ("application/xml", index.encode()),
        "/sitemap-news.xml": _urlset(base, [], news=arts),
        "/sitemap-pages.xml": _urlset(base, ["/chi-siamo", "/"]),
        "/news": _page(site, "News", _teasers(arts[:5], "h2"), menu=menu),
    }
    return _finish("news_sitemap", site, routes, arts, menu)


def comunicati_table(rng: random.Random, site: str, base: str) -> Site:
    """Press office: "Comunicati stampa" -> a bare table of releases, "Pagina successiva"."""
    arts = _articles(rng, site, rng.randint(6, 11),
                     lambda i, s: f"/comunicati-stampa/{100 + i}-{s}")
    menu = [*BASE_MENU, ("Comunicati stampa", "/comunicati-stampa")]
    routes: dict[str, Route] = {"/": _page(site, "Home", "<p>Ente</p>", menu=menu)}
    pages = _paginate(arts, 8)
    url = lambda n: "/comunicati-stampa" if n == 1 else f"/comunicati-stampa?pagina={n}"  # noqa: E731
    for n, chunk in enumerate(pages, start=1):
        rows = "".join(f"<tr><td>{a.day.strftime('%d/%m/%Y')}</td><td><a href=\"{a.path}\">"
                       f"{escape(a.title)}</a></td></tr>" for a in chunk)
        main = (f"<h1>Comunicati stampa</h1><table><tr><th>Data</th><th>Oggetto</th></tr>{rows}"
                "</table>" + (f'<p><a href="{url(n + 1)}">Pagina successiva</a></p>'
                              if n < len(pages) else ""))
        routes[url(n)] = _page(site, "Comunicati stampa", main, menu=menu)
    return _finish("comunicati_table", site, routes, arts, menu)


def drupal_hidden(rng: random.Random, site: str, base: str) -> Site:
    """Drupal: nothing on the homepage points to news; /rss.xml and a bare list at /notizie."""
    arts = _articles(rng, site, rng.randint(6, 12), lambda i, s: f"/notizie/{s}")
    head = '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">'
    menu = list(BASE_MENU)
    items = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a> ({a.day.isoformat()})</li>'
                    for a in arts)
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Benvenuti</p>", menu=menu, head=head),
        "/rss.xml": _rss(site, base, arts[:4]),
        "/notizie": _page(site, "Notizie", f"<h1>Notizie</h1><ul>{items}</ul>", menu=menu,
                          head=head),
    }
    return _finish("drupal_hidden", site, routes, arts, menu, head)


def joomla_avvisi(rng: random.Random, site: str, base: str) -> Site:
    """Joomla: "Avvisi" in the menu, ?start=N pagination with "Avanti", numeric-id slugs."""
    arts = _articles(rng, site, rng.randint(6, 11), lambda i, s: f"/avvisi/{200 + i}-{s}")
    head = '<meta name="generator" content="Joomla! - Open Source Content Management">'
    menu = [*BASE_MENU, ("Avvisi", "/avvisi")]
    routes: dict[str, Route] = {"/": _page(site, "Home", "<p>Ente</p>", menu=menu, head=head)}
    url = lambda n: "/avvisi" if n == 1 else f"/avvisi?start={5 * (n - 1)}"  # noqa: E731
    _paged(routes, site, "Avvisi", arts, url, menu, head, next_label="Avanti",
           teaser='<div class="item"><h2 itemprop="name">{link}</h2></div>')
    return _finish("joomla_avvisi", site, routes, arts, menu, head)


def atom_sitemap(rng: random.Random, site: str, base: str) -> Site:
    """Portal: Atom feed of the latest 4 (rel=alternate), sitemap.xml (not in robots.txt)
    with every article under dated paths, no news section in the menu."""
    arts = _articles(rng, site, rng.randint(6, 11),
                     lambda i, s: f"/2025/03/{28 - i:02d}/{s}.html")
    head = '<link rel="alternate" type="application/atom+xml" href="/atom.xml">'
    menu = [("Home", "/"), ("Chi siamo", "/chi-siamo"), ("Progetti", "/progetti")]
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Portale</p>", menu=menu, head=head),
        "/atom.xml": _atom(site, base, arts[:4]),
        "/progetti": _page(site, "Progetti", "<h1>Progetti</h1><p>I progetti.</p>", menu=menu),
        "/sitemap.xml": _urlset(base, ["/", "/chi-siamo", "/progetti"] + [a.path for a in arts]),
    }
    return _finish("atom_sitemap", site, routes, arts, menu, head)


def homepage_blog(rng: random.Random, site: str, base: str) -> Site:
    """A small blog: no feed, sitemap or news section; the homepage lists every article
    (top-level slugs) in a bare list."""
    arts = _articles(rng, site, rng.randint(7, 11), lambda i, s: f"/{s}/")
    menu = [("Home", "/"), ("Chi siamo", "/chi-siamo"), ("Contatti", "/contatti")]
    items = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in arts)
    routes: dict[str, Route] = {"/": _page(site, "Home", f"<h1>Il blog</h1><ul>{items}</ul>",
                                           menu=menu)}
    return _finish("homepage_blog", site, routes, arts, menu)


def no_news(rng: random.Random, site: str, base: str) -> Site:
    """A site with no news at all: services, offices, a sitemap of them."""
    menu = [*BASE_MENU, ("Contatti", "/contatti")]
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Sito istituzionale</p>", menu=menu),
        "/sitemap.xml": _urlset(base, ["/", *SERVICE_PAGES]),
    }
    return _finish("no_news", site, routes, [], menu, has_news=False)


def robots_blocked(rng: random.Random, site: str, base: str) -> Site:
    """News exists at /notizie, but robots.txt disallows it: nothing may be proposed."""
    arts = _articles(rng, site, rng.randint(6, 10), lambda i, s: f"/notizie/{s}")
    menu = [*BASE_MENU, ("Notizie", "/notizie")]
    routes: dict[str, Route] = {
        "/": _page(site, "Home", "<p>Ente</p>", menu=menu),
        "/robots.txt": _robots("Disallow: /notizie"),
        "/notizie": _page(site, "Notizie", _teasers(arts, "h3", "card"), menu=menu),
    }
    site_ = _finish("robots_blocked", site, routes, [], menu, has_news=False)
    site_.forbidden = ["/notizie"]
    return site_


def _finish(shape: str, site: str, routes: dict[str, Route], arts: list[Article],
            menu: list[tuple[str, str]], head: str = "", *, has_news: bool = True) -> Site:
    for art in arts:
        routes[art.path] = _article_page(site, art, menu, head)
    _common(site, routes, menu)
    return Site(shape, site, routes, [a.path for a in arts], has_news)


SHAPES: tuple[Callable[[random.Random, str, str], Site], ...] = (
    wordpress, designers_italia, news_sitemap, comunicati_table, drupal_hidden, joomla_avvisi,
    atom_sitemap, homepage_blog, no_news, robots_blocked,
)
