"""Procedures, amount roles, deadlines and events read from text (annotation guidelines,
section 7): the pure parts, with entities given by hand so no model is needed."""

from __future__ import annotations

import datetime as dt

import pytest

from nlp.procedures import read_procedures
from nlp.procedures.dates import find_dates
from nlp.procedures.events import find_events
from nlp.procedures.procedure import find_procedure
from nlp.procedures.roles import role_of
from nlp.types import AmountMention, Classification, Entities, LabelScore, OrgMention, PlaceMention

PUB = dt.date(2026, 12, 10)  # a Thursday


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("entro il 15 gennaio", PUB, ["2027-01-15"]),  # across the year end
    ("entro le ore 12 del 15 gennaio", PUB, ["2027-01-15T12:00"]),
    ("si è svolto il 20 novembre", PUB, ["2026-11-20"]),
    ("giovedì 3 alle 17.30", dt.date(2026, 11, 25), ["2026-12-03T17:30"]),
    ("martedì 3", dt.date(2026, 11, 1), ["2026-11-03"]),
    ("il 15/01/2027 ore 9", PUB, ["2027-01-15T09:00"]),
    ("il 1° marzo 2027.", PUB, ["2027-03-01"]),
    ("3 dic. alle 10", PUB, ["2026-12-03T10:00"]),
    ("la legge 328/2000 e il d.lgs. 117/2017", PUB, []),
    ("versione 1.2.3, il 31 febbraio", PUB, []),
])
def test_dates_are_resolved_against_the_publication_date(text, published, expected):
    assert [d.iso for d in find_dates(text, published)] == expected


def test_a_range_has_a_first_and_a_last_day():
    (one,) = find_dates("dal 28 novembre al 2 dicembre 2026", PUB)
    assert (one.date, one.end_date) == (dt.date(2026, 11, 28), dt.date(2026, 12, 2))
    (two,) = find_dates("dal 30 dicembre al 2 gennaio", PUB)
    assert (two.date, two.end_date) == (dt.date(2026, 12, 30), dt.date(2027, 1, 2))


def _role(sentence: str, amount: str, kind: str = "money") -> str:
    i = sentence.index(amount)
    return role_of(sentence, i, i + len(amount), kind)


@pytest.mark.parametrize(("sentence", "amount", "role"), [
    ("Il progetto, del valore complessivo di 250.000 euro, durerà due anni.", "250.000 euro",
     "budget"),
    ("Il Comune ha ottenuto un contributo di 80.000 euro dalla Regione.", "80.000 euro",
     "contributo"),
    ("Il Fondo nazionale per le politiche sociali ripartisce 390 milioni di euro.",
     "390 milioni di euro", "fondo"),
    ("I partner garantiscono un cofinanziamento di 30.000 euro.", "30.000 euro",
     "cofinanziamento"),
    ("Il voucher vale 150 euro per ogni bambino iscritto.", "150 euro", "per_unita"),
    ("Gli educatori sono pagati 22 euro all'ora.", "22 euro", "per_unita"),
    ("I lavori della palestra sono costati 1,2 milioni di euro.", "1,2 milioni di euro", "costo"),
    ("Nel 2025 i residenti erano 12.000 e il sindaco ha parlato di 3 milioni.", "3 milioni",
     "altro"),
])
def test_amount_roles(sentence, amount, role):
    assert _role(sentence, amount) == role


def test_a_percentage_is_cofinancing_only_as_a_cofinancing_share():
    s = "Il cofinanziamento richiesto ai partner è pari al 20%."
    assert _role(s, "20%", "percent") == "cofinanziamento"
    assert _role("La spesa sociale è cresciuta del 20%.", "20%", "percent") == "altro"


NOTICE = ("Il Comune di Lecco ha pubblicato l'avviso pubblico per la coprogettazione del "
          "servizio di educativa di strada, per una durata di 36 mesi. Le proposte devono "
          "essere presentate entro le ore 12 del 15 gennaio. Giovedì 17 dicembre alle 17.30, "
          "presso la Sala Ticozzi, si terrà un incontro pubblico di presentazione organizzato "
          "dal Comune di Lecco. Iscrizioni: eventi@comune.lecco.it.")


def _org(text: str, name: str, kind: str, nth: int = 0) -> OrgMention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(name, start + 1)
    return OrgMention(name, start, start + len(name), name, kind)


def _place(text: str, name: str) -> PlaceMention:
    start = text.index(name)
    return PlaceMention(name, start, start + len(name), name, "comune")


def test_a_notice_gives_its_procedure_deadline_and_event():
    orgs = [_org(NOTICE, "Comune di Lecco", "pubblico"),
            _org(NOTICE, "Comune di Lecco", "pubblico", 1)]
    proc = find_procedure(NOTICE, "", PUB, relevant=True, practice_types=["coprogettazione"],
                          organisations=orgs, places=[])
    assert proc is not None
    assert (proc.instrument, proc.stage, proc.deadline, proc.duration) == (
        "coprogettazione", "avviso", "2027-01-15T12:00", "36 mesi")
    assert proc.ente_procedente["canonical"] == "Comune di Lecco"
    assert proc.subject == "servizio di educativa di strada"
    (event,) = find_events(NOTICE, PUB, orgs, [])
    assert (event.type, event.start, event.past, event.online) == (
        "altro", "2026-12-17T17:30", False, False)
    assert event.venue == "Sala Ticozzi" and event.registration == "eventi@comune.lecco.it"
    assert event.organisers == ["Comune di Lecco"]


def test_no_procedure_in_an_irrelevant_or_general_text():
    tender = ("Il Comune di Lecco ha pubblicato il bando di gara per la manutenzione delle "
              "strade: le offerte entro il 15 gennaio.")
    assert find_procedure(tender, "", PUB, relevant=False, practice_types=[],
                          organisations=[_org(tender, "Comune di Lecco", "pubblico")],
                          places=[]) is None
    law = ("La riforma del Codice del Terzo settore rafforza la coprogettazione tra enti "
           "pubblici e Terzo settore: ne parlano giuristi e ricercatori.")
    assert find_procedure(law, "", PUB, relevant=True, practice_types=["normativa"],
                          organisations=[], places=[]) is None


@pytest.mark.parametrize(("sentence", "stage"), [
    ("La giunta ha approvato la delibera di indirizzo per avviare la coprogettazione.",
     "indirizzo"),
    ("Si sono svolti i primi tavoli di coprogettazione con gli enti ammessi.", "istruttoria"),
    ("È stata approvata la graduatoria dell'avviso di coprogettazione.", "esito"),
    ("Il Comune e la cooperativa hanno firmato la convenzione di coprogettazione.", "accordo"),
    ("La convenzione sarà firmata a gennaio, dopo la coprogettazione.", None),
    ("Il servizio coprogettato con le cooperative ha preso il via lunedì.", "attuazione"),
    ("I risultati del progetto di coprogettazione sono stati presentati ieri.", "valutazione"),
    ("Il TAR ha sospeso l'avviso di coprogettazione dopo il ricorso.", "sospeso"),
])
def test_the_furthest_stage_reported(sentence, stage):
    comune = "Comune di Lecco"
    text = f"{sentence} Lo comunica il {comune}."
    proc = find_procedure(text, "", PUB, relevant=True, practice_types=["coprogettazione"],
                          organisations=[_org(text, comune, "pubblico")], places=[])
    assert proc is not None and proc.stage == stage


def test_the_capofila_is_the_ente_procedente_of_an_ambito():
    text = ("L'Ambito territoriale di Merate, con il Comune di Merate come ente capofila, ha "
            "pubblicato l'avviso di coprogrammazione. Partecipa anche la Regione Lombardia.")
    orgs = [_org(text, "Ambito territoriale di Merate", "pubblico"),
            _org(text, "Comune di Merate", "pubblico"), _org(text, "Regione Lombardia",
                                                           "pubblico")]
    proc = find_procedure(text, "", PUB, relevant=True, practice_types=[], organisations=orgs,
                          places=[])
    assert proc is not None and proc.ente_procedente["canonical"] == "Comune di Merate"


def test_past_and_future_events_in_one_text():
    text = ("Il convegno del 20 novembre a Lecco ha visto 200 partecipanti. Il prossimo "
            "webinar si terrà martedì 15 dicembre alle 10 su Zoom.")
    events = find_events(text, PUB, [], [_place(text, "Lecco")])
    assert [(e.type, e.start, e.past, e.online, e.place) for e in events] == [
        ("convegno", "2026-11-20", True, False, "Lecco"),
        ("webinar", "2026-12-15T10:00", False, True, None)]


def test_a_deadline_is_not_an_event_nor_is_an_act_date():
    text = ("Con delibera n. 45 del 3 dicembre la giunta ha approvato l'avviso. Le domande per "
            "il corso di formazione vanno presentate entro il 20 dicembre.")
    assert find_events(text, PUB, [], []) == []


def test_read_procedures_gives_every_amount_a_role_and_keeps_its_fields():
    text = "Il progetto vale 100.000 euro, con un cofinanziamento di 10.000 euro."
    amounts = [AmountMention("100.000 euro", 17, 29, "money", 1e5),
               AmountMention("10.000 euro", 56, 67, "money", 1e4)]
    cls = Classification(True, 0.9, [LabelScore("coprogettazione", 0.9)], [])
    reading = read_procedures(text, "", PUB, cls, Entities(amounts=amounts))
    assert [(a.text, a.value, a.role) for a in reading.amounts] == [
        ("100.000 euro", 1e5, "budget"), ("10.000 euro", 1e4, "cofinanziamento")]


def test_a_missed_relevance_does_not_hide_a_procedure_named_outright():
    """The relevance classifier may miss a short notice; an explicit co-design instrument with
    a stage it reached is still a procedure."""
    proc = find_procedure(NOTICE, "", PUB, relevant=False, practice_types=[],
                          organisations=[_org(NOTICE, "Comune di Lecco", "pubblico")], places=[])
    assert proc is not None and (proc.instrument, proc.stage) == ("coprogettazione", "avviso")
