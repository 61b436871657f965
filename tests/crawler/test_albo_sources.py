"""Albo sources in the registry: kind "albo", its [source.albo] keys and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import SourceError, check_sources, load_sources

ALBO = """
[[source]]
id = "albo-fidenza"
name = "Albo pretorio del Comune di Fidenza"
kind = "albo"
region = "Emilia-Romagna"
start_urls = ["https://fidenza.albo.example.it/albo/"]
allowed_domains = ["fidenza.albo.example.it"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_albo_is_just_a_url(tmp_path):
    (src,) = load_sources(_write(tmp_path, ALBO))
    assert src.kind == "albo"
    assert src.albo_urls == ("https://fidenza.albo.example.it/albo/",)
    assert src.start_urls == ()  # not read by the article listing spider
    assert src.albo.platform == "auto" and src.albo.max_attachments == 5
    assert src.store_row()["start_urls"] == ["https://fidenza.albo.example.it/albo/"]


def test_albo_platform_rules_and_bounds_load(tmp_path):
    text = ALBO + """
[source.albo]
platform = "cards"
next_pattern = "pagina=\\\\d+"
max_pages = 3
max_attachment_bytes = 1000000
labels = { number = "n\\\\. reg\\\\." }
"""
    (src,) = load_sources(_write(tmp_path, text))
    assert src.albo.platform == "cards" and src.albo.max_pages == 3
    assert src.albo.max_attachment_bytes == 1_000_000
    assert dict(src.albo.rules) == {"labels": {"number": "n\\. reg\\."}}


@pytest.mark.parametrize(("extra", "key", "words"), [
    ('[source.albo]\nplatform = "sharepoint"', "albo.platform", "non è tra"),
    ('[source.albo]\nrow = "tr["', "albo.row", "selettore"),
    ('[source.albo]\ncolour = "red"', "albo.colour", "chiave sconosciuta"),
    ('[source.albo]\nmax_pages = 0', "albo.max_pages", "positivo"),
    ('[source.albo]\nnext_pattern = "("', "albo.next_pattern", "espressione regolare"),
    ('[source.albo]\ncolumns = { oggetto = "x" }', "albo.columns.oggetto", "campo sconosciuto"),
])
def test_bad_albo_keys_are_named(tmp_path, extra, key, words):
    problems = check_sources(_write(tmp_path, ALBO + extra))
    assert [p.key for p in problems] == [key]
    assert words in problems[0].message
    with pytest.raises(SourceError):
        load_sources(_write(tmp_path, ALBO + extra))


def test_albo_table_only_on_albo_sources_and_albo_needs_start_urls(tmp_path):
    portal = ALBO.replace('kind = "albo"', 'kind = "portal"') + "[source.albo]\nmax_pages = 2\n"
    assert [p.key for p in check_sources(_write(tmp_path, portal))] == ["albo"]
    feed_only = ALBO.replace("start_urls", "feeds")
    assert [p.key for p in check_sources(_write(tmp_path, feed_only))] == ["start_urls"]
