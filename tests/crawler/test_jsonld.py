"""The one JSON-LD walker: nested @graph, lists, objects as values, invalid scripts."""

from __future__ import annotations

import lxml.html

from crawler.jsonld import is_article_type, jsonld_objects

GRAPH = """{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "name": "Pagina"},
  {"@type": ["NewsArticle", "Thing"], "headline": "Titolo",
   "author": [{"@type": "Person", "name": "Anna Bianchi"}],
   "isPartOf": {"@type": "WebSite", "publisher": {"@type": "Organization", "name": "Ente"}}}
]}"""
LIST = """[{"@type": "BlogPosting", "datePublished": "2025-03-04"}, [{"@type": "Report"}]]"""
BROKEN = """{"@type": "NewsArticle", "datePublished": "2025-01-01",}"""


def _page(*scripts: str) -> lxml.html.HtmlElement:
    body = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return lxml.html.fromstring(f"<html><head>{body}<script>var x = {{}};</script></head>"
                                f"<body><p>testo</p></body></html>")


def test_every_nested_object_is_yielded_script_by_script():
    objects = list(jsonld_objects(_page(GRAPH, LIST)))
    # Depth first from the last member: the order the date and author readers rely on.
    assert [o.get("@type") for o in objects] == [
        None, ["NewsArticle", "Thing"], "WebSite", "Organization", "Person", "WebPage",
        "Report", "BlogPosting"]
    assert [o["datePublished"] for o in objects if "datePublished" in o] == ["2025-03-04"]


def test_invalid_json_and_other_scripts_are_skipped():
    assert list(jsonld_objects(_page(BROKEN))) == []
    assert [o["@type"] for o in jsonld_objects(_page(BROKEN, LIST))] == ["Report", "BlogPosting"]


def test_article_types():
    assert is_article_type({"@type": "NewsArticle"})
    assert is_article_type({"@type": ["BlogPosting", "Thing"]})
    assert is_article_type({"@type": "Report"})
    assert not is_article_type({"@type": ["WebPage", "Article"]})  # the first type counts
    assert not is_article_type({"@type": "ArticleSeries"})
    assert not is_article_type({"@type": []})
    assert not is_article_type({"name": "x"})
