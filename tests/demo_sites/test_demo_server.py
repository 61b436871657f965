"""The demo server serves the three sites like real web servers do, and the truth matches them."""

import http.client
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from demo_sites.content import load_json, page_count
from demo_sites.server import ServerHandle, resolve, serve_site

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of one request, sending the path exactly as given."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, target or "/", headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.headers, body


def test_sites_answer_on_three_loopback_addresses(demo: dict[str, ServerHandle]) -> None:
    hosts = {site: urlsplit(handle.url).hostname for site, handle in demo.items()}
    assert hosts == {"portal": "127.0.0.1", "localnews": "127.0.0.2", "comune": "127.0.0.3"}
    for handle in demo.values():
        status, headers, _ = fetch(handle.url + "/")
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_conditional_get_with_etag_and_last_modified(demo) -> None:
    url = demo["portal"].url + "/feed/"
    status, headers, body = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert ("GET", "/feed/", 304) in demo["portal"].requests


def test_missing_pages_and_traversal_are_404(demo, tmp_path) -> None:
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>ok</p>", encoding="utf-8")
    handle = serve_site(site, "127.0.0.1", 0)
    try:
        assert fetch(handle.url + "/index.html")[0] == 200
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                     "/%2e%2e%5csecret.txt", "/nope.html", "/nope/"):
            status, _, body = fetch(handle.url + path)
            assert status == 404, path
            assert b"do not serve" not in body
    finally:
        handle.stop()
    assert fetch(demo["localnews"].url + "/cronaca/non-esiste/")[0] == 404


def test_resolve_maps_pagination_and_redirects(demo) -> None:
    root = demo["comune"].root
    assert resolve(root, "/it/notizie?page=2").file == root / "it/notizie/page-2.html"
    assert resolve(root, "/it/notizie?page=99").file is None
    assert resolve(root, "/it/notizie?page=../../x").file is None
    assert resolve(root, "/it/notizie").file == root / "it/notizie.html"
    portal = demo["portal"].root
    assert resolve(portal, "/feed").redirect == "/feed/"


def test_content_types(demo) -> None:
    assert fetch(demo["portal"].url + "/feed/")[1]["Content-Type"].startswith(
        "application/rss+xml")
    assert fetch(demo["localnews"].url + "/sitemap_index.xml")[1]["Content-Type"].startswith(
        "application/xml")
    assert fetch(demo["localnews"].url + "/robots.txt")[1]["Content-Type"].startswith(
        "text/plain")


def test_head_sends_headers_only(demo) -> None:
    status, headers, body = fetch(demo["portal"].url + "/", method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) > 0 and body == b""


def test_feed_lists_articles_with_rfc822_dates_and_one_broken_link(demo, truth) -> None:
    _, _, body = fetch(demo["portal"].url + "/feed/")
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) >= 20
    by_url = truth.by_url()
    links = [item.findtext("link") for item in items]
    assert [link for link in links if link not in by_url] == [truth.broken[0]]
    for item in items:
        link = item.findtext("link")
        status = fetch(link)[0]
        assert status == (404 if link in truth.broken else 200), link
        if link in by_url:
            assert parsedate_to_datetime(item.findtext("pubDate")).date() == by_url[link].published


def test_robots_and_sitemaps(demo, truth) -> None:
    base = demo["localnews"].url
    robots = fetch(base + "/robots.txt")[2].decode()
    assert "Disallow: /riservato/" in robots
    assert f"Sitemap: {base}/sitemap_index.xml" in robots
    index = ET.fromstring(fetch(base + "/sitemap_index.xml")[2])
    sitemaps = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert len(sitemaps) == 2
    by_url, listed = truth.by_url(), set()
    for sitemap in sitemaps:
        root = ET.fromstring(fetch(sitemap)[2])
        for url in root.findall("sm:url", NS):
            loc = url.findtext("sm:loc", namespaces=NS)
            listed.add(loc)
            assert fetch(loc)[0] == 200
            news_date = url.findtext("news:news/news:publication_date", namespaces=NS)
            if news_date:
                assert news_date[:10] == by_url[loc].published.isoformat()
    assert listed == {a.url for a in truth.for_site("localnews")}


def test_every_article_and_non_article_page_is_served(demo, truth) -> None:
    for article in truth.articles:
        status, _, body = fetch(article.url)
        assert status == 200, article.url
        html = body.decode()
        assert "__BASE_URL__" not in html
        assert article.body.split("\n\n")[0][:60].replace("'", "&#39;") in html
    for url in truth.non_articles:
        assert fetch(url)[0] == 200, url
    for url in truth.broken:
        assert fetch(url)[0] == 404, url


def test_listing_links_reach_the_disallowed_and_the_broken_page(demo, truth) -> None:
    listing = fetch(demo["localnews"].url + "/notizie/")[2].decode()
    for url in (*truth.disallowed, truth.broken[1]):
        assert f'href="{urlsplit(url).path}"' in listing


@pytest.mark.parametrize("site", ["localnews", "comune"])
def test_article_pages_carry_no_machine_readable_date(demo, truth, site) -> None:
    for article in truth.for_site(site):
        html = fetch(article.url)[2].decode()
        assert "<time" not in html and "published_time" not in html
        if site == "comune":
            assert "Data di pubblicazione:" in html and "Ultimo aggiornamento:" in html


def test_comune_listing_pages_paginate_by_query_string(demo, truth) -> None:
    base = demo["comune"].url
    articles = truth.for_site("comune")
    pages = page_count(len(articles), load_json("sites.json")["comune"]["per_page"])
    found = set()
    for page in range(1, pages + 1):
        html = fetch(f"{base}/it/notizie?page={page}")[2].decode()
        found |= {a.url for a in articles if f'href="{urlsplit(a.url).path}"' in html}
    assert found == {a.url for a in articles}
    assert fetch(f"{base}/it/notizie?page={pages + 1}")[0] == 404


def test_a_stalled_client_does_not_block_other_requests(demo) -> None:
    import socket

    handle = demo["comune"]
    with socket.create_connection((handle.host, handle.port), timeout=5) as stalled:
        stalled.sendall(b"GET /it/notizie HTTP/1.1\r\n")  # never finishes its headers
        assert fetch(handle.url + "/it/notizie?page=3")[0] == 200
