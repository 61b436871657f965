"""The five real seed articles (read from ../shared at test time, never copied here): the
registry's keyword prefilters let every one through, and extraction recovers their text from a
page full of boilerplate."""

from __future__ import annotations

from html import escape
from pathlib import Path

from crawler.extract import extract_page
from crawler.prefilter import matches_keywords
from crawler.sources import load_sources
from tests.crawler.test_crawl_demo import token_f1
from tests.shared import shared_path, skip_without_shared

SEEDS = shared_path("seeds")
REGISTRY = Path(__file__).resolve().parents[2] / "crawler" / "sources.toml"

pytestmark = skip_without_shared("seeds")


def _seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def test_keyword_prefilters_keep_every_seed_article():
    keyworded = [s for s in load_sources(REGISTRY) if s.keywords]
    assert keyworded
    for text in _seeds():
        for source in keyworded:
            assert matches_keywords(text, source.keywords), (source.id, text[:80])


def test_seed_text_survives_a_page_of_boilerplate():
    for text in _seeds():
        title, *paras = [p.strip() for p in text.split("\n") if p.strip()]
        body = "".join(f"<p>{escape(p)}</p>" for p in paras)
        html = (f"<html><head><title>{escape(title)}</title></head><body>"
                "<div class='cookie-banner'>Questo sito utilizza cookie. Accetta</div>"
                "<nav><a href='/'>Home</a><a href='/cronaca'>Cronaca</a></nav>"
                f"<article><h1>{escape(title)}</h1><div class='share'>Condividi su Facebook"
                f"</div>{body}<div class='related'><h3>Leggi anche</h3><a href='/x'>Altro</a>"
                "</div></article><footer>Redazione - P.IVA 000</footer></body></html>")
        page = extract_page(html, "https://x.it/seed", fetched_at="2025-06-01")
        assert page.is_article and page.title == title
        assert token_f1(page.text, "\n".join(paras)) >= 0.9
