"""The page's JSON-LD, as objects: one walker that every reader uses (publication dates in
crawler/pagedate.py; authors and article types in crawler/extract.py). Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

_SCRIPTS = etree.XPath("//script[@type='application/ld+json']/text()")
_ARTICLE_TYPE = re.compile(r"\w*Article|BlogPosting|Report")


def jsonld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict]:
    """Every JSON object of the page's `application/ld+json` scripts, nested ones included
    (members of `@graph`, of lists, values of other objects). Scripts in page order; inside
    one, depth first from the last member of each list or object (the order the date and
    author readers were measured with). A script that is not valid JSON is skipped."""
    for script in _SCRIPTS(tree):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, list | dict))


def is_article_type(obj: dict) -> bool:
    """Whether a JSON-LD object's first `@type` is an article (Article, NewsArticle, ...,
    BlogPosting, Report)."""
    kind = obj.get("@type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    return isinstance(kind, str) and _ARTICLE_TYPE.fullmatch(kind) is not None
