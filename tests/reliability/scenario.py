"""The hostile web: one small site per kind of trouble, each on its own 127.0.0.x address (so
per-host politeness does not serialise them), plus an "outsider" host that no source names and
that must never receive a request.

`build_hostile_web()` starts the servers and returns them with a sources file that names one
source per site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.reliability.content import (
    PDF_HEAD,
    PNG_HEAD,
    article_html,
    gzip_bomb,
    listing_html,
    rss,
    sitemap_index,
    urlset,
)
from tests.reliability.hostile import (
    HostileSite,
    Request,
    dynamic,
    endless,
    fail_then,
    hang,
    page,
    redirect,
    reset_mid_body,
    trickle,
)

OUTSIDER = "127.0.0.3"
PRIVATE_TARGETS = ("http://169.254.169.254/latest/meta-data/", "http://10.255.255.1/interno",
                   "http://192.168.1.1/admin", "http://[fd00::1]/x")
SCHEME_TARGETS = ("file:///etc/passwd", "ftp://127.0.0.3/pub/x.html",
                  "javascript:alert(1)", "data:text/html,<p>x</p>", "mailto:redazione@x.it")


@dataclass
class HostileWeb:
    sites: dict[str, HostileSite]
    outsider: HostileSite
    sources: Path

    def stop(self) -> None:
        for site in [*self.sites.values(), self.outsider]:
            site.stop()


def art(slug: str) -> object:
    return page(article_html(slug, f"Co-progettazione: notizia {slug.replace('-', ' ')}"))


def _feed(site: HostileSite, paths: list[str]) -> None:
    site.routes["/feed.xml"] = page(
        rss([(p if "://" in p or ":" in p.split("/")[0] else site.url(p), f"Notizia {p}")
             for p in paths]),
        content_type="application/rss+xml; charset=utf-8")


def retry_after_site(site: HostileSite) -> None:
    site.routes["/a-wait"] = fail_then(1, art("attesa-breve"), retry_after="2")
    site.routes["/a-date"] = fail_then(1, art("attesa-data"), status=429,
                                       retry_after="Thu, 01 Jan 1970 00:00:00 GMT")
    site.routes["/a-later"] = fail_then(99, art("attesa-lunga"), retry_after="3600")
    site.routes["/a-500"] = fail_then(99, art("mai"), status=500)
    _feed(site, ["/a-wait", "/a-date", "/a-later", "/a-500"])


def slow_site(site: HostileSite) -> None:
    site.routes["/hang-head"] = hang(after_headers=False)
    site.routes["/hang-body"] = hang(after_headers=True)
    site.routes["/trickle"] = trickle(article_html("lento", "Pagina lenta").encode(),
                                      every_s=0.2, chunk=64)
    site.routes["/reset"] = reset_mid_body(article_html("reset", "Interrotta").encode(), sent=300)
    site.routes["/ok"] = art("lento-ma-buono")
    _feed(site, ["/hang-head", "/hang-body", "/trickle", "/reset", "/ok"])


def big_site(site: HostileSite, bomb: bytes) -> None:
    site.routes["/announced"] = endless(announce=50 * 1024 * 1024)
    site.routes["/chunked"] = endless(announce=None)
    site.routes["/bomb"] = page(bomb, headers={"Content-Encoding": "gzip"})
    site.routes["/ok"] = art("grande-ma-buono")
    _feed(site, ["/announced", "/chunked", "/bomb", "/ok"])


def content_site(site: HostileSite) -> None:
    latin = article_html("latino", "Comunità e società", charset_meta=None)
    site.routes["/png"] = page(PNG_HEAD + bytes(range(256)) * 20)
    site.routes["/pdf"] = page(PDF_HEAD + b"stream\n" + bytes(range(256)) * 20)
    site.routes["/latin1-as-utf8"] = page(
        article_html("dichiarato", "Città dichiarata", charset_meta=None).encode("latin-1"))
    site.routes["/latin1-no-charset"] = page(latin.encode("latin-1"), content_type="text/html")
    broken = article_html("rotto", "Testo con byte non validi").encode()
    site.routes["/invalid-utf8"] = page(broken.replace(b"Terzo settore", b"Terzo \xff\xfe settore"))
    _feed(site, ["/png", "/pdf", "/latin1-as-utf8", "/latin1-no-charset", "/invalid-utf8"])


def redirect_site(site: HostileSite, outsider: HostileSite) -> None:
    site.routes["/loop-a"] = redirect("/loop-b")
    site.routes["/loop-b"] = redirect("/loop-a")
    site.prefixes.append(("/grow", _growing_redirect))
    site.routes["/to-outsider"] = redirect(outsider.url("/rubato"))
    site.routes["/to-file"] = redirect("file:///etc/passwd")
    site.routes["/to-ftp"] = redirect("ftp://127.0.0.3/pub/x.html")
    for i, target in enumerate(PRIVATE_TARGETS):
        site.routes[f"/to-private-{i}"] = redirect(target)
    site.routes["/moved"] = redirect("/final", status=301)
    site.routes["/final"] = art("arrivo-dopo-redirect")
    _feed(site, ["/loop-a", "/grow?n=0", "/to-outsider", "/to-file", "/to-ftp", "/moved",
                 *[f"/to-private-{i}" for i in range(len(PRIVATE_TARGETS))]])


async def _growing_redirect(request: Request, writer) -> None:
    n = int(request.path.rsplit("=", 1)[-1] or 0)
    await redirect(f"/grow?n={n + 1}")(request, writer)


def links_site(site: HostileSite, outsider: HostileSite) -> None:
    site.routes["/ok"] = art("link-buono")
    _feed(site, ["/ok", outsider.url("/offsite-article"), *PRIVATE_TARGETS, *SCHEME_TARGETS])
    site.routes["/sitemap.xml"] = page(urlset([site.url("/ok"), outsider.url("/da-sitemap"),
                                               *PRIVATE_TARGETS, "file:///etc/passwd"]),
                                       content_type="application/xml")


def trap_site(site: HostileSite) -> None:
    def listing(req: Request) -> tuple[int, str, bytes]:
        n = int(req.path.rsplit("=", 1)[-1])
        links = [(f"/art/p{n}-{i}", f"Notizia {n}.{i}") for i in range(3)]
        return 200, "text/html; charset=utf-8", listing_html(links, f"/list?page={n + 1}").encode()

    def calendar(req: Request) -> tuple[int, str, bytes]:
        year, month = map(int, req.path.rsplit("/", 1)[-1].split("-"))
        nxt = f"/cal/{year + month // 12}-{month % 12 + 1:02d}"
        links = [(f"/art/c{year}{month:02d}-{d}", f"Evento {d}") for d in (1, 15)]
        return 200, "text/html; charset=utf-8", listing_html(links, nxt).encode()

    def article(req: Request) -> tuple[int, str, bytes]:
        slug = req.path.rsplit("/", 1)[-1]
        return 200, "text/html; charset=utf-8", article_html(slug, f"Notizia {slug}").encode()

    site.prefixes += [("/list", dynamic(listing)), ("/cal/", dynamic(calendar)),
                      ("/art/", dynamic(article))]


def sitemap_site(site: HostileSite) -> None:
    site.routes["/error.xml"] = page("<html><body><h1>Errore 500</h1><p>Riprova più tardi"
                                     "</p></body></html>")
    children = [site.url(f"/child-{i}.xml") for i in range(200)]
    site.routes["/index.xml"] = page(sitemap_index([site.url("/index.xml"), *children]),
                                     content_type="application/xml")

    def child(req: Request) -> tuple[int, str, bytes]:
        i = req.path.split("-")[1].split(".")[0]
        urls = [site.url(f"/a/{i}-{k}") for k in range(3)]
        return 200, "application/xml", urlset(urls).encode()

    site.prefixes += [("/child-", dynamic(child)), ("/a/", dynamic(
        lambda req: (200, "text/html; charset=utf-8",
                     article_html(req.path[3:], f"Mappa {req.path[3:]}").encode())))]


def feeds_site(site: HostileSite) -> None:
    full = rss([(site.url(f"/t{i}"), f"Tronca {i}") for i in range(4)])
    site.routes["/truncated.xml"] = page(full[: full.index("/t2") + 10],
                                         content_type="application/rss+xml")
    site.routes["/error.xml"] = page("<html><body><h1>Servizio non disponibile</h1>"
                                     "</body></html>")
    for i in range(4):
        site.routes[f"/t{i}"] = art(f"feed-troncato-{i}")


def robots_site(site: HostileSite) -> None:
    site.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private/\n",
                                      content_type="text/plain")
    site.routes["/private/segreto"] = art("segreto")
    site.routes["/ok"] = art("pubblico")
    _feed(site, ["/private/segreto", "/ok"])


def _source(sid: str, site: HostileSite, **urls: list[str] | dict) -> str:
    lines = ["[[source]]", f'id = "{sid}"', f'name = "Sito ostile {sid}"', 'kind = "local_news"',
             'region = "Lombardia"', f'allowed_domains = ["{site.host}"]']
    listing = urls.pop("listing", None)
    for key, paths in urls.items():
        quoted = ", ".join(f'"{site.url(p)}"' for p in paths)
        lines.append(f"{key} = [{quoted}]")
    if listing:
        lines.append("[source.listing]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in listing.items()]
    return "\n".join(lines) + "\n"


SITES = ("retry", "slow", "big", "content", "redirects", "links", "traps", "sitemaps", "feeds",
         "robots")


def build_hostile_web(folder: Path, only: tuple[str, ...] = SITES) -> HostileWeb:
    outsider = HostileSite(OUTSIDER).start()
    outsider.routes["/rubato"] = art("fuori-sito")
    sites = {name: HostileSite(f"127.0.0.{10 + i}").start()
             for i, name in enumerate(SITES) if name in only}
    builders = {
        "retry": retry_after_site, "slow": slow_site, "content": content_site,
        "traps": trap_site, "sitemaps": sitemap_site, "feeds": feeds_site,
        "robots": robots_site,
        "big": lambda s: big_site(s, gzip_bomb(3)),
        "redirects": lambda s: redirect_site(s, outsider),
        "links": lambda s: links_site(s, outsider),
    }
    entries = {
        "retry": {"feeds": ["/feed.xml"]}, "slow": {"feeds": ["/feed.xml"]},
        "big": {"feeds": ["/feed.xml"]}, "content": {"feeds": ["/feed.xml"]},
        "redirects": {"feeds": ["/feed.xml"]},
        "links": {"feeds": ["/feed.xml"], "sitemaps": ["/sitemap.xml"]},
        "traps": {"start_urls": ["/list?page=1", "/cal/2026-11"],
                  "listing": {"article_pattern": "/art/", "max_pages": 3}},
        "sitemaps": {"sitemaps": ["/error.xml", "/index.xml"]},
        "feeds": {"feeds": ["/truncated.xml", "/error.xml"]},
        "robots": {"feeds": ["/feed.xml"]},
    }
    for name, site in sites.items():
        builders[name](site)
    text = "\n".join(_source(name, site, **entries[name]) for name, site in sites.items())
    sources = folder / "hostile-sources.toml"
    sources.write_text(text, encoding="utf-8")
    return HostileWeb(sites, outsider, sources)
