"""Renders the crawler test sites from tests/crawler/sites/articles.json, in three markups:
a WordPress-like portal with an RSS feed, a local news site with robots.txt + sitemap index +
Google News sitemap and byline-only dates, a municipality with paginated listings and a "last
updated" date beside the publication date; plus a site republishing portal stories (Atom).
Each site also carries the traps the tests look for (see `EXPECTED`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path

from tests.crawler.siteserver import Resource

ARTICLES = json.loads((Path(__file__).parent / "sites" / "articles.json").read_text("utf-8"))
MIB = 1024 * 1024


@dataclass(frozen=True)
class Expected:
    """What a crawl of the sites must store: canonical paths and their publication days."""

    articles: dict[str, str]  # "site:path" -> YYYY-MM-DD
    filtered: list[str]  # prefiltered by keywords
    duplicates: list[str]  # two URLs with the same text: exactly one is stored
    never_requested: list[str]  # "site:path"


CHROME_TOP = """<header class="site-header"><div class="logo">{site}</div>
<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/tag/welfare/">Welfare</a>
</li><li><a href="/contatti/">Contatti</a></li></ul></nav></header>
<div id="cookie-notice" class="cookie-banner">Questo sito utilizza cookie tecnici e di terze
parti per migliorare la navigazione. <a href="/privacy/">Informativa</a>
<button>Accetta tutti</button></div>"""
CHROME_BOTTOM = """<aside class="sidebar"><h3>Ultime notizie</h3><ul>
<li><a href="/2024/12/notizia-precedente/">Una notizia precedente sul volontariato</a></li>
<li><a href="/2024/11/altra-notizia/">Un'altra notizia sul welfare locale</a></li></ul></aside>
<footer class="site-footer"><p>{site} - testata registrata presso il Tribunale. P.IVA 01234567890.
Tutti i diritti riservati.</p><p><a href="/privacy/">Privacy</a> | <a href="/cookie/">Cookie</a>
</p></footer>"""


def _page(title: str, body: str, *, head: str = "", site: str = "Sito", lang: str = "it",
          charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
            f"<title>{escape(title)} - {site}</title>{head}</head><body>"
            f"{CHROME_TOP.format(site=site)}<main>{body}</main>"
            f"{CHROME_BOTTOM.format(site=site)}</body></html>")


def _paras(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _it_day(day: str) -> str:
    d = date.fromisoformat(day)
    months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
              "settembre", "ottobre", "novembre", "dicembre"]
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _html(text: str, charset: str = "utf-8") -> Resource:
    return Resource(text.encode(charset, errors="strict"), f"text/html; charset={charset}")


# ---------------------------------------------------------------------------------- portal

def _portal_article(art: dict, base: str) -> str:
    url = f"{base}/{art['slug']}/"
    head = f'<link rel="canonical" href="{url}">'
    byline = '<div class="entry-meta">di Giulia Ferri</div>'
    if art["page_date"] == "meta":
        head += (f'<meta property="article:published_time" content="{art["published"]}T09:15:00'
                 '+01:00"><meta property="article:modified_time" content="2025-03-15T10:00:00'
                 '+01:00">')
    elif art["page_date"] == "jsonld":
        head += ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":'
                 f'[{{"@type":"NewsArticle","datePublished":"{art["published"]}T12:30:00+01:00",'
                 '"dateModified":"2025-03-16T08:00:00+01:00"}]}</script>')
    elif art["page_date"] == "time":
        byline = ('<div class="entry-meta">di Giulia Ferri, <time class="updated" '
                  'datetime="2025-03-14T10:00:00+01:00">aggiornato il 14 marzo</time> '
                  f'<time class="published" datetime="{art["published"]}T08:00:00+01:00">'
                  f'{_it_day(art["published"])}</time></div>')
    elif art["page_date"] == "byline":
        byline = f'<div class="entry-meta">Pubblicato il {_it_day(art["published"])}</div>'
    related = ('<div class="related-posts"><h3>Leggi anche</h3><ul><li><a href="/2024/10/'
               'vecchio/">Welfare di comunità, le esperienze del 2024</a></li></ul></div>')
    share = ('<div class="share-bar"><span>Condividi:</span><a href="#">Facebook</a>'
             '<a href="#">WhatsApp</a><a href="#">Email</a></div>')
    comments = ('<section id="comments" class="comments-area"><h3>2 commenti</h3><ol><li>'
                'Ottima notizia, finalmente qualcosa si muove anche da noi.</li></ol></section>')
    paras = art["paragraphs"]
    body = (f'<article class="post"><h1 class="entry-title">{escape(art["title"])}</h1>{byline}'
            f'{share}<div class="entry-content">{_paras(paras[:2])}{related}'
            f'{_paras(paras[2:])}</div><div class="post-tags">Tag: <a rel="tag" '
            f'href="/tag/welfare/">welfare</a></div></article>{comments}')
    return _page(art["title"], body, head=head, site="Portale Welfare",
                 charset=art.get("encoding", "utf-8"))


def _rss(base: str, items: list[tuple[str, str, str]], title: str) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<category>welfare</category><description>Sintesi</description></item>"
        for t, link, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>{base}/</link><description>Notizie</description>"
            f"{entries}</channel></rss>")


def portal_routes(base: str) -> dict[str, Resource]:
    routes: dict[str, Resource] = {}
    items = []
    for art in ARTICLES["portal"]:
        charset = art.get("encoding", "utf-8")
        routes[f"/{art['slug']}/"] = _html(_portal_article(art, base), charset)
        link = f"{base}/{art['slug']}/?utm_source=rss&utm_medium=feed"
        if charset != "utf-8":
            link = f"{base}/{art['slug']}-vecchio-indirizzo"
            routes[f"/{art['slug']}-vecchio-indirizzo"] = Resource(
                status=301, location=f"{base}/{art['slug']}/")
        items.append((escape(art["title"]), link, art["feed_date"]))
    items.append(("Tutte le notizie sul welfare", f"{base}/tag/welfare/",
                  "Sat, 15 Mar 2025 10:00:00 +0100"))
    items.append(("Articolo rimosso", f"{base}/2025/03/articolo-rimosso/",
                  "Fri, 14 Mar 2025 10:00:00 +0100"))
    items.append(("Programma & allegati", f"{base}/wp-content/uploads/programma.pdf",
                  "Fri, 14 Mar 2025 11:00:00 +0100"))
    # A raw "&" in a title makes the feed malformed XML; feedparser must still read it.
    routes["/feed/"] = Resource(_rss(base, items, "Portale & Welfare").encode(),
                                "application/rss+xml; charset=utf-8")
    routes["/feed-rotto.xml"] = Resource(b"<html><body>Errore del database</body></html>",
                                         "application/rss+xml")
    routes["/tag/welfare/"] = _html(_page("Welfare", "".join(
        f'<article class="teaser"><h2><a href="/{a["slug"]}/">{escape(a["title"])}</a></h2>'
        f'<p>{escape(a["paragraphs"][0][:120])}</p></article>' for a in ARTICLES["portal"]),
        site="Portale Welfare"))
    routes["/wp-content/uploads/programma.pdf"] = Resource(b"%PDF-1.4 fake", "application/pdf")
    routes["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /wp-admin/\n", "text/plain")
    return routes


# ---------------------------------------------------------------------------------- news

def _news_article(art: dict, base: str) -> str:
    body = (f'<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/cronaca/">Cronaca</a>'
            f'</div><div class="articolo"><h1>{escape(art["title"])}</h1>'
            f'<p class="dateline">{escape(art["byline"])}</p>'
            f'<div class="testo">{_paras(art["paragraphs"])}</div>'
            f'<div class="box-correlati"><h4>Potrebbe interessarti</h4><ul><li><a href='
            f'"/cronaca/2024/12/01/mercatino/">Mercatino di Natale in piazza</a></li></ul></div>'
            f'</div>')
    return _page(art["title"], body, site="Giornale Locale")


def _urlset(entries: list[str], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9"{ns}>{"".join(entries)}</urlset>').encode()


def news_routes(base: str, today: date) -> dict[str, Resource]:
    routes: dict[str, Resource] = {}
    recent = (today - timedelta(days=2)).isoformat()
    posts, news = [], []
    for art in ARTICLES["news"]:
        routes[f"/{art['slug']}"] = _html(_news_article(art, base))
        loc = f"{base}/{art['slug']}"
        if art.get("news_sitemap"):
            news.append(f"<url><loc>{loc}</loc><lastmod>{recent}</lastmod><news:news><news:publication><news:name>Giornale"
                        f"</news:name><news:language>it</news:language></news:publication>"
                        f"<news:publication_date>{art['published']}T08:45:00+01:00"
                        f"</news:publication_date><news:title>{escape(art['title'])}"
                        f"</news:title></news:news></url>")
        else:
            posts.append(f"<url><loc>{loc}</loc><lastmod>{recent}</lastmod></url>")
    old = (today - timedelta(days=400)).isoformat()
    traps = {"/riservato/verbale-interno": recent, "/cronaca/vecchio-articolo": old,
             "/cronaca/errore-server": recent, "/cronaca/pagina-lenta": recent,
             "/cronaca/pagina-enorme": recent, "/cronaca/": recent}
    posts += [f"<url><loc>{base}{path}</loc><lastmod>{day}</lastmod></url>"
              for path, day in traps.items()]
    routes["/sitemap-posts.xml"] = Resource(_urlset(posts), "application/xml")
    routes["/sitemap-news.xml"] = Resource(_urlset(news, news=True), "application/xml")
    children = [("sitemap-posts.xml", recent), ("sitemap-news.xml", recent),
                ("sitemap-2019.xml", "2019-12-31")]
    routes["/sitemap_index.xml"] = Resource((
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/'
        'schemas/sitemap/0.9">' + "".join(
            f"<sitemap><loc>{base}/{name}</loc><lastmod>{day}</lastmod></sitemap>"
            for name, day in children) + "</sitemapindex>").encode(), "application/xml")
    routes["/sitemap-2019.xml"] = Resource(_urlset([]), "application/xml")
    routes["/robots.txt"] = Resource(
        f"User-agent: *\nDisallow: /riservato/\n\nSitemap: {base}/sitemap_index.xml\n".encode(),
        "text/plain")
    routes["/riservato/verbale-interno"] = _html(_page("Riservato", "<p>Non pubblico</p>"))
    routes["/cronaca/vecchio-articolo"] = _html(_page("Vecchio", "<p>Vecchio</p>"))
    routes["/cronaca/errore-server"] = Resource(b"<h1>Errore interno</h1>", status=500)
    routes["/cronaca/pagina-lenta"] = Resource(
        _html(_news_article(ARTICLES["news"][0] | {"title": "Lenta"}, base)).body, delay_s=4)
    filler = "<p>" + "Testo di riempimento della pagina enorme. " * 40 + "</p>"
    routes["/cronaca/pagina-enorme"] = _html(_page("Enorme", filler * (2 * MIB // len(filler))))
    routes["/cronaca/"] = _html(_page("Cronaca", "".join(
        f'<article><h2><a href="/{a["slug"]}">{escape(a["title"])}</a></h2><p>'
        f'{escape(a["paragraphs"][0])}</p></article>' for a in ARTICLES["news"]),
        site="Giornale Locale"))
    return routes


# ---------------------------------------------------------------------------------- comune

def _comune_article(art: dict) -> str:
    d = date.fromisoformat
    body = (f'<nav class="breadcrumb"><a href="/">Home</a> / <a href="/notizie/">Notizie</a>'
            f'</nav><div class="page-content"><h1>{escape(art["title"])}</h1>'
            f'<div class="info-pagina"><span>Ultimo aggiornamento: '
            f'{d(art["updated"]).strftime("%d/%m/%Y")}</span> - <span>Pubblicato il: '
            f'{d(art["published"]).strftime("%d/%m/%Y")}</span></div>'
            f'<div class="descrizione">{_paras(art["paragraphs"])}</div>'
            f'<div class="allegati"><strong>Allegati</strong><ul><li><a href="/allegati/'
            f'avviso.pdf">avviso.pdf</a></li></ul></div></div>')
    return _page(art["title"], body, site="Comune di Valverde")


def comune_routes(base: str) -> dict[str, Resource]:
    routes: dict[str, Resource] = {}
    arts = ARTICLES["comune"]
    pages = [arts[i : i + 2] for i in range(0, len(arts), 2)]
    for number, chunk in enumerate(pages, start=1):
        cards = "".join(
            f'<div class="card"><h3><a href="/{a["slug"]}">{escape(a["title"])}</a></h3>'
            f'<span class="data">{date.fromisoformat(a["updated"]).strftime("%d/%m/%Y")}</span>'
            f"</div>" for a in chunk)
        pager = (f'<nav class="pagination"><a href="/notizie/?page={number + 1}">Successiva</a>'
                 f"</nav>" if number < len(pages) else "")
        key = "/notizie/" if number == 1 else f"/notizie/?page={number}"
        routes[key] = _html(_page("Notizie", f"<h1>Notizie</h1>{cards}{pager}",
                                  site="Comune di Valverde"))
    for art in arts:
        routes[f"/{art['slug']}"] = _html(_comune_article(art))
    routes["/robots.txt"] = Resource(b"User-agent: *\nDisallow:\n", "text/plain")
    return routes


# ---------------------------------------------------------------------------------- copy

def _copy_text(original: dict, edit: str) -> list[str]:
    paras = list(original["paragraphs"])
    if edit == "light":
        paras[0] = paras[0].replace("ha pubblicato", "ha diffuso nei giorni scorsi")
        paras[1] = paras[1].replace("Le organizzazioni interessate", "Gli enti interessati")
        paras.append("La notizia è stata ripresa dal nostro giornale dal comunicato dell'ente.")
    return paras


def copy_routes(base: str) -> dict[str, Resource]:
    routes: dict[str, Resource] = {}
    portal = {a["slug"]: a for a in ARTICLES["portal"]}
    entries = []
    for art in ARTICLES["copy"]:
        original = portal[art["copy_of"].split(":", 1)[1]]
        paras = _copy_text(original, art["edit"])
        head = (f'<meta property="article:published_time" content="{art["published"]}">')
        body = f'<article><h1>{escape(art["title"])}</h1>{_paras(paras)}</article>'
        page = _html(_page(art["title"], body, head=head, site="Copia"))
        page.delay_s = 1.0  # the copies arrive after the originals, as they do in real life
        routes[f"/{art['slug']}"] = page
        entries.append(f"<entry><title>{escape(art['title'])}</title><link href=\"{base}/"
                       f"{art['slug']}\"/><id>{base}/{art['slug']}</id><updated>"
                       f"{art['published']}T10:00:00Z</updated></entry>")
    routes["/atom.xml"] = Resource(
        ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
         f'<title>Copia</title><id>{base}/</id><updated>2025-03-06T10:00:00Z</updated>'
         + "".join(entries) + "</feed>").encode(), "application/atom+xml")
    return routes


def expected(bases: dict[str, str]) -> Expected:
    from crawler.urls import canonicalize

    arts = {}
    for art in ARTICLES["portal"]:
        arts[canonicalize(f"{bases['portal']}/{art['slug']}/")] = art["published"]
    for art in ARTICLES["news"]:
        arts[canonicalize(f"{bases['news']}/{art['slug']}")] = art["published"]
    for art in ARTICLES["comune"]:
        arts[canonicalize(f"{bases['comune']}/{art['slug']}")] = art["published"]
    for art in ARTICLES["copy"]:
        arts[canonicalize(f"{bases['copy']}/{art['slug']}")] = art["published"]
    rapina = [a for a in ARTICLES["news"] if "rapina" in a["slug"]][0]
    filtered = [canonicalize(f"{bases['news']}/{rapina['slug']}")]
    for url in filtered:
        arts.pop(url)
    return Expected(
        articles=arts, filtered=filtered,
        duplicates=[canonicalize(f"{bases['portal']}/2025/02/convenzione-trasporto-sociale"),
                    canonicalize(f"{bases['copy']}/{ARTICLES['copy'][1]['slug']}")],
        never_requested=["news:/riservato/verbale-interno", "news:/cronaca/vecchio-articolo",
                         "news:/sitemap-2019.xml"],
    )


def sources_toml(bases: dict[str, str]) -> str:
    """A sources file for the four test sites (plus one with a broken feed)."""
    return f"""
[[source]]
id = "portale"
name = "Portale Welfare (test)"
kind = "portal"
region = "Lombardia"
feeds = ["{bases['portal']}/feed/"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "giornale"
name = "Giornale Locale (test)"
kind = "local_news"
region = "Piemonte"
sitemaps = ["{bases['news']}/robots.txt"]
allowed_domains = ["127.0.0.1"]
sitemap_lastmod_days = 60
keywords = ["terzo settore", "co-progettazione", "coprogettazione", "co-programmazione",
            "cooperative", "cooperativa sociale", "volontari", "associazioni"]

[[source]]
id = "comune"
name = "Comune di Valverde (test)"
kind = "institution"
region = "Toscana"
start_urls = ["{bases['comune']}/notizie/"]
allowed_domains = ["127.0.0.1"]

[source.listing]
article_pattern = "/notizie/[a-z0-9-]+$"
max_pages = 5

[[source]]
id = "copia"
name = "Sito che ripubblica (test)"
kind = "local_news"
feeds = ["{bases['copy']}/atom.xml"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "spento"
name = "Sito spento (test)"
kind = "portal"
feeds = ["http://127.0.0.1:9/feed/"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "rotto"
name = "Feed rotto (test)"
kind = "portal"
feeds = ["{bases['portal']}/feed-rotto.xml"]
allowed_domains = ["127.0.0.1"]
"""
