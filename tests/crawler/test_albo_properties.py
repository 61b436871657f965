"""Property-based tests (hypothesis, profile from tests/conftest.py) for the albo's readers of
untrusted input: a listing page of any HTML and an attachment of any bytes never raise, and
every code found has the shape of a CIG or a CUP."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.albo import (
    TYPES,
    act_type,
    find_cig,
    find_cup,
    matching_term,
    parse_albo,
    platform_rules,
)
from crawler.pdftext import pdf_text
from demo_sites.pdf import text_pdf

RULES = platform_rules()
GOOD_PDF = text_pdf(["Oggetto: co-progettazione", "CUP E81H26000150006"])
TAGS = st.sampled_from(["<table>", "</table>", "<tr>", "<th>Oggetto</th>", "<th>Numero</th>",
                        "<td>", "</td>", "<a href='x.pdf'>", "</a>", "<div class='atto'>",
                        "<h3>", "Numero: 12", "Data: 01/02/2026", "dal 31/02/2026 al",
                        "<th>Periodo</th>", "</tr>", "<a href='javascript:x'>", "\x00"])


@settings()
@given(st.lists(st.one_of(TAGS, st.text(max_size=30)), max_size=60))
def test_any_listing_html_gives_acts_or_none_never_an_error(parts):
    page = parse_albo("".join(parts), "http://albo.test/albo/", RULES)
    for act in page.acts:
        assert act.object and act.type in TYPES
        assert act.url.startswith("http://albo.test/")
        assert act.date is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", act.date)


@settings()
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=len(GOOD_PDF)))
def test_any_bytes_give_text_or_an_error_never_an_exception(junk, cut):
    for body in (junk, b"%PDF-1.4\n" + junk, GOOD_PDF[:cut] + junk):
        result = pdf_text(body)
        assert result.text or result.error


@settings()
@given(st.text(max_size=200))
def test_codes_have_their_shape_and_labels_never_raise(text):
    assert all(re.fullmatch(r"[0-9A-Z]{10}", c) for c in find_cig(text))
    assert all(re.fullmatch(r"[A-Z]\d{2}[A-Z][0-9A-Z]{11}", c) for c in find_cup(text))
    assert act_type(text, text) in TYPES
    matching_term(text)
