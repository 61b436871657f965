from datetime import UTC, date, datetime

import pytest

from crawler.dates import find_dates, parse_machine_date, published_in_text, relative_published

REF = date(2025, 11, 22)


@pytest.mark.parametrize(("text", "day"), [
    ("Pubblicato il 14 febbraio 2025 alle 10:00", date(2025, 2, 14)),
    ("Pubblicato il: 03/02/2025", date(2025, 2, 3)),
    ("14.02.2025 | Redazione", date(2025, 2, 14)),
    ("12/03/2025", date(2025, 3, 12)),
    ("Comunicato del 5 nov. 2024", date(2024, 11, 5)),
    ("1° marzo 2025", date(2025, 3, 1)),
    ("12-03-25", date(2025, 3, 12)),
])
def test_italian_dates(text, day):
    assert published_in_text(text, REF, allow_plain=True) == day


def test_year_less_date_takes_the_year_from_the_reference_and_weekday():
    # 7 October 2025 is a Tuesday and 7 October 2024 a Monday: the weekday picks between the
    # last two years; when neither matches, the most recent past 7 October wins.
    assert published_in_text("martedì 7 ottobre", REF, allow_plain=True) == date(2025, 10, 7)
    assert published_in_text("giovedì 7 ottobre", REF, allow_plain=True) == date(2025, 10, 7)
    assert published_in_text("lunedì 7 ottobre", REF, allow_plain=True) == date(2024, 10, 7)
    # A year-less date after the reference day belongs to last year.
    assert published_in_text("10 dicembre", REF, allow_plain=True) == date(2024, 12, 10)


def test_publication_date_wins_over_update_date_whatever_the_order():
    text = "Ultimo aggiornamento: 01/03/2025 - Pubblicato il: 03/02/2025"
    assert published_in_text(text, REF, allow_plain=True) == date(2025, 2, 3)
    assert published_in_text("Aggiornato il 10.03.2025", REF, allow_plain=True) is None


def test_future_dates_are_dropped():
    assert find_dates("Pubblicato il 14 febbraio 2030", REF) == []


def test_plain_dates_only_when_allowed():
    assert published_in_text("Comunicato stampa del 12 marzo 2025", REF, allow_plain=False) \
        == date(2025, 3, 12)
    assert published_in_text("Nella seduta del 12 marzo 2025", REF, allow_plain=False) is None
    assert published_in_text("Nella seduta del 12 marzo 2025", REF, allow_plain=True) \
        == date(2025, 3, 12)


def test_machine_dates_keep_their_local_day():
    assert parse_machine_date("2025-02-14T23:30:00+01:00") == date(2025, 2, 14)
    assert parse_machine_date("Mon, 10 Mar 2025 23:40:00 +0100") == date(2025, 3, 10)
    assert parse_machine_date("not a date") is None
    assert parse_machine_date("2025-02-30") is None


@pytest.mark.parametrize(("stamp", "day"), [
    # Near midnight UTC it is already the next day in Italy (+01:00 in winter, +02:00 in summer).
    ("2025-03-01T23:30:00Z", date(2025, 3, 2)),
    ("2025-07-01T22:30:00.000Z", date(2025, 7, 2)),
    ("2025-07-01T21:59:00+00:00", date(2025, 7, 1)),
    ("Sat, 01 Mar 2025 23:30:00 +0000", date(2025, 3, 2)),
    ("Sat, 01 Mar 2025 23:30:00 GMT", date(2025, 3, 2)),
    ("2025-03-01T19:00:00-05:00", date(2025, 3, 2)),
    # Without a zone, or without a time, the day is taken as written.
    ("2025-03-01T23:30:00", date(2025, 3, 1)),
    ("2025-03-01", date(2025, 3, 1)),
])
def test_machine_dates_are_days_in_italy(stamp, day):
    assert parse_machine_date(stamp) == day


FETCHED = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 of the 23rd in Rome


@pytest.mark.parametrize("text, day", [
    ("Redazione | 2 ore fa | Cronaca", date(2026, 11, 22)),
    ("Pubblicato un'ora fa", date(2026, 11, 22)),
    ("mezz'ora fa", date(2026, 11, 23)),
    ("10 minuti fa", date(2026, 11, 23)),
    ("3 giorni fa", date(2026, 11, 20)),
    ("una settimana fa\nIl testo", date(2026, 11, 16)),
    ("Ieri, 18:40", date(2026, 11, 22)),
    ("oggi alle 9.15", date(2026, 11, 23)),
    # prose, not a timestamp: the day of an event, not of the article
    ("Tre giorni fa il consiglio comunale ha approvato il regolamento", None),
    ("Ieri il Comune ha firmato il patto", None),
    ("Un mese fa", None),
])
def test_relative_bylines_count_back_from_the_fetch_time_in_rome(text, day):
    assert relative_published(text, FETCHED) == day


def test_naive_fetch_times_are_utc():
    assert relative_published("2 ore fa", datetime(2026, 11, 22, 23, 30)) == date(2026, 11, 22)
