"""Pages, feeds and sitemaps for the hostile sites: invented Italian news written for these tests.

Each article gets its own sentences (the slug is woven into the text) so content hashes differ
and every page is stored as a separate article.
"""

from __future__ import annotations

import gzip
import zlib
from html import escape

PARAGRAPHS = (
    "Il Comune ha avviato un percorso di co-progettazione con gli enti del Terzo settore del "
    "distretto per ripensare i servizi di prossimità rivolti agli anziani che vivono soli.",
    "Al tavolo hanno partecipato cooperative sociali, associazioni di volontariato e la "
    "fondazione di comunità, che insieme ai servizi sociali hanno condiviso bisogni e risorse.",
    "La fase di co-programmazione si è chiusa con un documento che individua tre priorità: "
    "contrasto all'isolamento, trasporto sociale e sostegno ai caregiver familiari.",
    "Gli enti interessati potranno presentare le proprie proposte entro la scadenza fissata "
    "dall'avviso pubblico, secondo quanto previsto dall'articolo 55 del Codice del Terzo settore.",
    "L'assessora alle politiche sociali ha spiegato che il percorso sarà monitorato con incontri "
    "periodici aperti alla cittadinanza e ai rappresentanti dei quartieri coinvolti.",
)


def article_html(slug: str, title: str, *, day: str = "2026-11-12",
                 charset_meta: str | None = "utf-8", extra_body: str = "") -> str:
    """A complete article page with a byline date and five paragraphs about `slug`."""
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "\n".join(f"<p>{escape(p)} (Rif. {escape(slug)}, punto {i}.)</p>"
                      for i, p in enumerate(PARAGRAPHS, 1))
    return f"""<!doctype html>
<html lang="it"><head>{meta}<title>{escape(title)}</title>
<meta property="article:published_time" content="{day}T09:00:00+01:00"></head>
<body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>{escape(title)}</h1>
<p class="byline">Pubblicato il {day}</p>
{paras}
{extra_body}
</article></main>
<footer>Redazione locale - tutti i diritti riservati</footer></body></html>"""


def rss(items: list[tuple[str, str]], *, title: str = "Notizie") -> str:
    """An RSS 2.0 feed of (link, title) items."""
    entries = "\n".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>Thu, 12 Nov 2026 09:00:00 +0100</pubDate></item>"
        for link, t in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>http://example.invalid/</link>"
            f"<description>test</description>\n{entries}\n</channel></rss>")


def urlset(urls: list[str]) -> str:
    locs = "\n".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}\n</urlset>')


def sitemap_index(urls: list[str]) -> str:
    locs = "\n".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}\n'
            "</sitemapindex>")


def listing_html(links: list[tuple[str, str]], next_url: str | None) -> str:
    items = "\n".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in links)
    nxt = f'<a rel="next" href="{escape(next_url)}">Pagina successiva</a>' if next_url else ""
    return (f'<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Notizie</title>'
            f"</head><body><h1>Notizie</h1><ul>{items}</ul>{nxt}</body></html>")


def gzip_bomb(gigabytes: int) -> bytes:
    """A gzip stream of about `gigabytes` GB of zeros, about 1 MB per GB: members of 64 MB of
    zeros, concatenated (a valid multi-member gzip file)."""
    block = 64 * 1024 * 1024
    member = gzip.compress(bytes(block), compresslevel=9)
    assert zlib.decompressobj(31).decompress(member[:1024])  # a real gzip member
    return member * (gigabytes * 1024 * 1024 * 1024 // block)


PNG_HEAD = bytes.fromhex("89504e470d0a1a0a0000000d49484452")
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
