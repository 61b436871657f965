"""Amount parsing: money and percentages with values, and what is not an amount."""

import pytest

from nlp.amounts import find_amounts, parse_digits, parse_number_word


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("nove", 9),
        ("ventidue", 22),
        ("ventuno", 21),
        ("ventotto", 28),
        ("centottanta", 180),
        ("trecentocinquantamila", 350000),
        ("duemila", 2000),
        ("milleduecento", 1200),
        ("tremilacinquecento", 3500),
        ("casa", None),
        ("unomila", None),
    ],
)
def test_number_words(word, value):
    assert parse_number_word(word) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.250.000,00", 1250000.0), ("1,5", 1.5), ("40.000", 40000.0), ("2.5", 2.5), ("7", 7.0)],
)
def test_digits(text, value):
    assert parse_digits(text) == value


@pytest.mark.parametrize(
    ("text", "surface", "kind", "value"),
    [
        ("Stanziati 9 milioni di euro per i servizi.", "9 milioni di euro", "money", 9e6),
        ("un finanziamento di 1,5 milioni per il progetto", "1,5 milioni", "money", 1.5e6),
        ("importo di € 1.250.000,00 IVA esclusa", "€ 1.250.000,00", "money", 1250000),
        ("un contributo di 350mila euro", "350mila euro", "money", 350000),
        ("il biglietto costa 2 euro e 50", "2 euro e 50", "money", 2.5),
        ("la Regione mette nove milioni di euro", "nove milioni di euro", "money", 9e6),
        ("tre milioni e mezzo di euro in tre anni", "tre milioni e mezzo di euro", "money", 3.5e6),
        ("il 22% delle famiglie", "22%", "percent", 22),
        ("ventidue per cento dei comuni", "ventidue per cento", "percent", 22),
        ("il 3,5 per cento", "3,5 per cento", "percent", 3.5),
        ("EUR 40.000 a progetto", "EUR 40.000", "money", 40000),
        ("oltre 150.000 euro", "150.000 euro", "money", 150000),
        ("circa 20 mila euro", "20 mila euro", "money", 20000),
        ("un milione e 200mila euro", "un milione e 200mila euro", "money", 1.2e6),
        ("mezzo milione di euro", "mezzo milione di euro", "money", 5e5),
        ("5 milioni d'euro", "5 milioni d'euro", "money", 5e6),
        ("ne valgono 2 milioni 300 mila euro", "2 milioni 300 mila euro", "money", 2.3e6),
        ("un milione e duecentomila euro", "un milione e duecentomila euro", "money", 1.2e6),
        ("ha ripartito 250 milioni per le case", "250 milioni", "money", 2.5e8),
        ("un contributo di 5.000 per progetto", "5.000", "money", 5000),
        ("una somma di 27 mila e 300 euro", "27 mila e 300 euro", "money", 27300),
        ("Scuole, 936 milioni di risorse Pnrr", "936 milioni", "money", 9.36e8),
        ("circa 936 mln di risorse", "936 mln", "money", 9.36e8),
        ("nuovo bando da 5,7 milioni\nIl Comune ha avviato la gara", "5,7 milioni", "money",
         5.7e6),
    ],
)
def test_amounts_found_with_value(text, surface, kind, value):
    found = find_amounts(text)
    assert [(a.text, a.kind) for a in found] == [(surface, kind)]
    assert found[0].value == pytest.approx(value)
    assert text[found[0].start : found[0].end] == surface


@pytest.mark.parametrize(
    "text",
    [
        "ai sensi del d.lgs. 117/2017, art. 55 e 56",
        "1,5 milioni di abitanti",
        "350mila persone coinvolte",
        "il 17 dicembre 2020 alle 9.30",
        "2.000 famiglie e 40 posti letto",
        "poche migliaia di euro",
        "una cooperativa e un consorzio",
        "un contributo di 5.000 famiglie",
        "il costo del 2025",
    ],
)
def test_not_amounts(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "€"])
def test_no_tokens_no_amounts(text):
    assert find_amounts(text) == []
