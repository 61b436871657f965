import gzip
from datetime import date

import pytest

from crawler.discovery import (
    DiscoveryError,
    Link,
    is_recent,
    parse_feed,
    parse_listing,
    parse_sitemap,
    robots_sitemaps,
)
from crawler.prefilter import matches_keywords

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T & C</title>
<item><title>Uno</title><link>https://x.it/uno/?utm_source=rss</link>
<pubDate>Mon, 10 Mar 2025 23:40:00 +0100</pubDate><category>welfare</category></item>
<item><title>Due</title><link>/due/</link></item></channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>A</title><entry><title>Tre</title><link href="https://x.it/tre"/><id>x</id>
<published>2025-02-01T10:00:00+01:00</published><updated>2025-02-05T10:00:00Z</updated></entry>
</feed>"""


def test_rss_even_malformed_gives_canonical_links_dates_and_tags():
    uno, due = parse_feed(RSS, "https://x.it/feed/")
    assert (uno.url, uno.href) == ("https://x.it/uno", "https://x.it/uno/?utm_source=rss")
    assert uno.published == "2025-03-10" and uno.tags == ("welfare",)
    assert due.url == "https://x.it/due" and due.published is None


def test_atom_prefers_published_over_updated():
    (tre,) = parse_feed(ATOM, "https://x.it/atom.xml")
    assert tre.published == "2025-02-01"


def test_garbage_feed_raises():
    with pytest.raises(DiscoveryError):
        parse_feed(b"<html><body>Errore</body></html>", "https://x.it/feed/")


def test_sitemap_index_urlset_news_and_gzip():
    index = parse_sitemap(b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>https://x.it/s1.xml</loc><lastmod>2025-03-01</lastmod></sitemap>
        </sitemapindex>""", "https://x.it/sitemap_index.xml")
    assert index.kind == "index" and index.sitemaps[0].lastmod == "2025-03-01"
    news = gzip.compress(b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>
        <loc>https://x.it/a/</loc><news:news><news:publication_date>2025-03-03T08:45:00+01:00
        </news:publication_date><news:title>Titolo</news:title><news:keywords>a, b
        </news:keywords></news:news></url></urlset>""")
    doc = parse_sitemap(news, "https://x.it/news.xml.gz")
    assert doc.kind == "urlset" and doc.news
    (link,) = doc.links
    assert (link.url, link.published, link.title, link.tags) == (
        "https://x.it/a", "2025-03-03", "Titolo", ("a", "b"))


def test_broken_sitemaps_raise():
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"<html><body>no</body></html>", "https://x.it/s.xml")
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"", "https://x.it/s.xml")


def test_robots_sitemap_lines_and_lastmod_window():
    assert robots_sitemaps("User-agent: *\nDisallow: /x\nSitemap: https://x.it/s.xml\n"
                           "sitemap:https://x.it/n.xml") == ["https://x.it/s.xml",
                                                             "https://x.it/n.xml"]
    today = date(2025, 3, 20)
    assert is_recent(Link("u", lastmod="2025-03-01"), 30, today)
    assert not is_recent(Link("u", lastmod="2024-03-01"), 30, today)
    assert is_recent(Link("u"), 30, today) and is_recent(Link("u", lastmod="2020-01-01"),
                                                          None, today)


def test_listing_links_and_pagination():
    html = """<html><body><nav><a href="/chi-siamo">Chi siamo</a></nav>
      <div class="card"><h3><a href="/notizie/uno">Uno</a></h3></div>
      <article><a href="/notizie/due#c">Due</a></article>
      <a href="/tag/welfare/">welfare</a><a href="https://altro.it/x">fuori</a>
      <nav class="pagination"><a href="/notizie?page=2">Successiva</a></nav></body></html>"""
    doc = parse_listing(html, "https://x.it/notizie", ("x.it",))
    assert [link.url for link in doc.links] == ["https://x.it/notizie/uno",
                                                "https://x.it/notizie/due"]
    assert doc.next_pages == ["https://x.it/notizie?page=2"]
    pattern = parse_listing(html, "https://x.it/notizie", ("x.it",),
                            article_pattern=r"/notizie/u\w+$")
    assert [link.url for link in pattern.links] == ["https://x.it/notizie/uno"]


def test_keyword_prefilter_ignores_case_accents_and_hyphens():
    assert matches_keywords("Nuovo avviso di CO-PROGETTAZIONE", ["co progettazione"])
    assert matches_keywords("Le attività del Terzo Settore", ["terzo settore"])
    assert not matches_keywords("Rapina in tabaccheria", ["terzo settore", "welfare"])
    assert not matches_keywords("Il welfareismo", ["welfare"])
    assert matches_keywords("qualsiasi testo", [])


_TITLES = ["Approvato il bando per la coprogettazione dei servizi educativi",
           "Avviso pubblico per i patti di collaborazione in centro storico",
           "Comunicato stampa sul nuovo centro diurno per anziani",
           "Il sindaco incontra le associazioni del terzo settore"]
_MENU = """<header><ul class="menu"><li><a href="/amministrazione">Amministrazione</a></li>
  <li><a href="/servizi">Servizi</a></li><li><a href="/novita">Novità</a></li>
  <li><a href="/documenti-e-dati">Documenti e dati</a></li></ul></header>
  <ul class="link-utili"><li><a href="/uffici">Uffici</a></li><li><a href="/orari">Orari</a></li>
  <li><a href="/modulistica">Modulistica</a></li><li><a href="/albo">Albo</a></li></ul>"""
_FOOTER = """<footer><ul><li><a href="/trasparenza/bandi-di-gara-e-contratti-pubblici">Bandi di
  gara e contratti pubblici della stazione appaltante</a></li><li><a href="/trasparenza/personale">
  Personale e organizzazione degli uffici comunali</a></li><li><a href="/accessibilita">
  Dichiarazione di accessibilità del sito istituzionale</a></li></ul></footer>"""


def _listing_links(body: str) -> list[str]:
    html = f"<html><body>{_MENU}<main>{body}</main>{_FOOTER}</body></html>"
    return [link.url for link in parse_listing(html, "https://c.it/comunicati", ("c.it",)).links]


def _expected(prefix: str = "/comunicati/") -> list[str]:
    return [f"https://c.it{prefix}{i}-comunicato" for i in range(len(_TITLES))]


def test_bare_table_of_press_releases_yields_its_articles():
    rows = "".join(f'<tr><td>1{i}/03/2025</td><td><a href="/comunicati/{i}-comunicato">{t}</a>'
                   f'</td><td><a href="/allegati/{i}.pdf">PDF</a></td></tr>'
                   for i, t in enumerate(_TITLES))
    body = f"<h1>Comunicati stampa</h1><table><thead><tr><th>Data</th><th>Titolo</th></tr>" \
           f"</thead><tbody>{rows}</tbody></table>"
    assert _listing_links(body) == _expected()


def test_bare_lists_of_links_yield_their_articles():
    items = "".join(f'<li>1{i}.03.2025 - <a href="/comunicati/{i}-comunicato">{t}</a></li>'
                    for i, t in enumerate(_TITLES))
    assert _listing_links(f"<ul>{items}</ul>") == _expected()
    assert _listing_links(f'<div class="elenco"><ol>{items}</ol></div>') == _expected()
    # A row whose only link is a short "leggi" next to the title text.
    rows = "".join(f'<tr><td>{t}</td><td><a href="/comunicati/{i}-comunicato">Leggi</a></td>'
                   "</tr>" for i, t in enumerate(_TITLES))
    assert _listing_links(f"<table>{rows}</table>") == _expected()


def test_lists_that_are_navigation_or_documents_yield_nothing():
    assert _listing_links("<p>Nessun comunicato</p>") == []
    pdfs = "".join(f'<li><a href="/allegati/{i}.pdf">{t}</a></li>' for i, t in enumerate(_TITLES))
    assert _listing_links(f"<ul>{pdfs}</ul>") == []
    offsite = "".join(f'<li><a href="https://altro.it/{i}-x">{t}</a></li>'
                      for i, t in enumerate(_TITLES))
    assert _listing_links(f"<ul>{offsite}</ul>") == []
    two = "".join(f'<li><a href="/comunicati/{i}-comunicato">{t}</a></li>'
                  for i, t in enumerate(_TITLES[:2]))
    assert _listing_links(f"<ul>{two}</ul>") == []  # two rows are not yet a listing


def test_repeated_blocks_of_one_class_are_rows_but_grid_columns_are_not():
    rows = "".join(f'<div class="views-row"><span class="field-content"><a href="/comunicati/'
                   f'{i}-comunicato">{t}</a></span></div>' for i, t in enumerate(_TITLES))
    assert _listing_links(f'<div class="view-content">{rows}</div>') == _expected()
    cards = "".join(f'<div class="col-md-3"><a href="/servizi/{i}-servizio"><h4>Servizio</h4>'
                    "<p>Tutte le informazioni sul servizio</p></a></div>"
                    for i in range(len(_TITLES)))
    assert _listing_links(f'<div class="row">{cards}</div>') == []
