"""Albo pretorio rules without a crawl: act types, the observatory's terms, CIG and CUP codes,
both platform layouts on generated listings, a source's own rules, rule validation."""

from __future__ import annotations

import pytest

from crawler.albo import (
    act_type,
    detail_attachments,
    find_cig,
    find_cup,
    fold,
    matching_term,
    parse_albo,
    platform_rules,
    rule_problems,
)
from demo_sites.albo import load_acts, render_albo


@pytest.mark.parametrize(("label", "expected"), [
    ("Determinazione dirigenziale", "determinazione"),
    ("DETERMINA DEL RESPONSABILE DI SETTORE", "determinazione"),
    ("Det. n.", "determinazione"),
    ("Delibera di Giunta Comunale", "delibera"),
    ("Deliberazione del Consiglio Comunale", "delibera"),
    ("D.G.C.", "delibera"),
    ("DCC", "delibera"),
    ("Avviso pubblico", "avviso"),
    ("Bando", "avviso"),
    ("Esito di gara", "avviso"),
    ("Decreto sindacale", "decreto"),
    ("Ordinanza dirigenziale", "ordinanza"),
    ("Pubblicazione di matrimonio", "altro"),
    ("", "altro"),
])
def test_act_type_from_the_platform_label(label, expected):
    assert act_type(label) == expected


def test_act_type_falls_back_to_the_first_words_of_the_object():
    assert act_type("", "AVVISO PUBBLICO di manifestazione di interesse") == "avviso"
    assert act_type("", "Lavori di asfaltatura di via Roma") == "altro"
    # A label wins over the object's words.
    assert act_type("Determinazione", "Approvazione avviso pubblico") == "determinazione"


@pytest.mark.parametrize("text", [
    "Avvio della co-progettazione del servizio di educativa di strada",
    "Avviso di COPROGETTAZIONE per il Centro per le famiglie",
    "Percorso di co programmazione dei servizi per anziani",
    "Convenzione con enti del Terzo Settore per il trasporto sociale",
    "Procedimento ai sensi dell'art. 55 del D.Lgs. 117/2017",
    "Avviso ai sensi dell'articolo 56 del Codice del Terzo settore",
    "Manifestazione di interesse rivolta agli ETS per attività estive",
    "Manifestazione d'interesse per organizzazioni di volontariato",
    "Approvazione del patto di collaborazione per il parco",
    "Accreditamento dei servizi socio-sanitari per anziani",
    "Accreditamento del servizio di assistenza domiciliare (SAD)",
    "Regolamento per l'amministrazione condivisa dei beni comuni",
    "Convenzione con l'associazione di promozione sociale Alfa (APS)",
])
def test_observatory_terms_match(text):
    assert matching_term(text)


@pytest.mark.parametrize("text", [
    "Ordinanza n. 55 di chiusura di via Roma",
    "Affidamento della progettazione esecutiva della rotatoria",
    "Manifestazione di interesse per la vendita di immobili comunali",
    "Accreditamento delle strutture ricettive per il turismo",
    "Art. 55 del regolamento edilizio: variante",
    "Convenzione con la banca tesoriera",
    "Approvazione del patto per la sicurezza urbana",
])
def test_ordinary_acts_do_not_match(text):
    assert matching_term(text) is None


def test_a_source_keyword_extends_the_terms():
    assert matching_term("Contributi per i centri estivi", ("centri estivi",)) == "centri estivi"


def test_fold_removes_accents_and_odd_dashes():
    assert fold("Città  co\u2013progettazione") == "citta co-progettazione"


@pytest.mark.parametrize(("text", "expected"), [
    ("CIG: B2C4E6A801", ["B2C4E6A801"]),
    ("C.I.G. n. 9876543210 e CIG Z1A2B3C4D5", ["9876543210", "Z1A2B3C4D5"]),
    ("codice CIG 12345ABCDE.", ["12345ABCDE"]),
    ("CIG B2C4E6A8011", []),  # 11 characters: not a CIG
    ("CIG ABCDEFGHIJ", []),  # no digit
    ("il codice B2C4E6A801 senza etichetta", []),
    ("CIG: B2C4E6A801 - CIG: B2C4E6A801", ["B2C4E6A801"]),
])
def test_cig_codes(text, expected):
    assert find_cig(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("CUP: E81H26000150006", ["E81H26000150006"]),
    ("C.U.P. J51B21000540006 - CIG 1234567890", ["J51B21000540006"]),
    ("progetto E81H26000150006 finanziato", ["E81H26000150006"]),  # unlabelled, all digits
    ("CUP F12D2200013000X", ["F12D2200013000X"]),  # labelled: letters allowed at the end
    ("codice F12D2200013000X", []),  # unlabelled with letters: not taken
    ("CUP E81H2600015000", []),  # 14 characters
    ("E81H260001500067", []),  # 16 characters
])
def test_cup_codes(text, expected):
    assert find_cup(text) == expected


@pytest.mark.parametrize("layout", ["table", "cards"])
def test_both_layouts_are_detected_and_read(layout):
    files = render_albo(layout)
    page = parse_albo(files["albo/page-2.html"].decode(), "http://albo.test/albo/?page=2",
                      platform_rules("auto"))
    assert page.platform == layout
    by_number = {a.number: a for a in page.acts}
    assert set(by_number) == {"450/2026", "55", "1187", "412/2026", "98"}
    det = by_number["412/2026"]
    assert (det.type, det.date, det.published_from, det.published_to) == (
        "determinazione", "2026-09-22", "2026-09-23", "2026-10-08")
    assert by_number["55"].type == "ordinanza"
    if layout == "table":
        assert [a.url for a in det.attachments] == [
            "http://albo.test/albo/allegati/det-412-2026.pdf"]
        assert det.detail_url is None
    else:
        assert det.detail_url == "http://albo.test/albo/atti/det-412-2026.html"
        detail = files["albo/atti/det-412-2026.html"].decode()
        found = detail_attachments(detail, det.detail_url, platform_rules("cards"))
        assert [a.url for a in found] == ["http://albo.test/albo/allegati/det-412-2026.pdf"]


def test_every_demo_act_is_read_with_its_relevance():
    acts = {a.number: a for a in load_acts()}
    files = render_albo("table")
    read = []
    for name in ("albo/index.html", "albo/page-2.html"):
        read += parse_albo(files[name].decode(), "http://albo.test/", platform_rules()).acts
    assert {a.number for a in read} == set(acts)
    assert {a.number for a in read if matching_term(a.object)} == {
        n for n, a in acts.items() if a.relevant}


MAGGIOLI_LIKE = """<html><body><div id="risultati"><table id="tabella-albo">
<tr><td class="h">N. reg.</td><td class="h">Atto</td><td class="h">Descrizione</td></tr>
<tr><td>2026/1544</td><td>DETERMINA n. 88 del 03/11/2026</td>
<td><a href="/atto?id=77">Indizione coprogettazione servizi educativi</a></td></tr>
<tr><td>2026/1545</td><td>DECRETO n. 4 del 04/11/2026</td>
<td><a href="/atto?id=78">Nomina del segretario</a></td></tr></table></div></body></html>"""


def test_a_source_can_give_its_own_rules_for_an_unknown_layout():
    assert parse_albo(MAGGIOLI_LIKE, "http://x.test/", platform_rules()).acts == []
    rules = platform_rules("auto", {
        "row": "#tabella-albo tr:not(:first-child)",
        "fields": {"type": "td:nth-child(2)", "number": "td:nth-child(2)",
                   "object": "td:nth-child(3)"},
        "detail": "td:nth-child(3) a"})
    acts = parse_albo(MAGGIOLI_LIKE, "http://x.test/", rules).acts
    assert [(a.type, a.number, a.date, a.detail_url) for a in acts] == [
        ("determinazione", "88", "2026-11-03", "http://x.test/atto?id=77"),
        ("decreto", "4", "2026-11-04", "http://x.test/atto?id=78")]


def test_rule_problems_name_the_key():
    assert rule_problems("auto", {}) == []
    problems = dict(rule_problems("halley-classic", {
        "row": "tr[", "colour": "red", "labels": {"number": "(", "size": "x"}}))
    assert "non è tra" in problems["platform"]
    assert "selettore" in problems["row"]
    assert problems["colour"] == "chiave sconosciuta"
    assert "espressione regolare" in problems["labels.number"]
    assert "campo sconosciuto" in problems["labels.size"]


def test_garbage_is_no_act():
    for junk in ("", "<<<>>>", "\x00\x01binary", "<table><tr><th>Oggetto</th></tr></table>"):
        assert parse_albo(junk, "http://x.test/", platform_rules()).acts == []


HALLEY_LIKE = """<html><body><table class="table">
<thead><tr><th>Anno/Numero</th><th>Tipo Atto</th><th>Oggetto</th>
<th>Data inizio pubblicazione</th><th>Data fine pubblicazione</th><th></th></tr></thead>
<tbody><tr><td>2026/1311</td><td>DETERMINAZIONI AREA SERVIZI SOCIALI</td>
<td>AVVIO PROCEDIMENTO DI COPROGRAMMAZIONE EX ART. 55 D.LGS. 117/2017</td>
<td>02-12-2026</td><td>17-12-2026</td>
<td><a href="dettaglio.php?id=9&amp;x=1">Dettaglio</a></td></tr>
<tr><td>2026/1312</td><td>AVVISI</td><td>Avviso di sgombero neve</td>
<td>03-12-2026</td><td>18-12-2026</td><td><a href="dettaglio.php?id=10">Dettaglio</a></td></tr>
</tbody></table></body></html>"""


def test_another_table_layout_is_read_by_its_column_labels():
    page = parse_albo(HALLEY_LIKE, "https://comune.test/albo/", platform_rules())
    first, second = page.acts
    assert page.platform == "table"
    assert (first.type, first.number, first.published_from, first.published_to) == (
        "determinazione", "2026/1311", "2026-12-02", "2026-12-17")
    assert first.detail_url == "https://comune.test/albo/dettaglio.php?id=9&x=1"
    assert matching_term(first.object) == "coprogrammazione"
    assert second.type == "avviso" and matching_term(second.object) is None
