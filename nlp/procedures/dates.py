"""Dates written in Italian running text, resolved against the publication date.

`find_dates(text, published)` returns every calendar date the text states: "15 gennaio 2027",
"1° marzo", "15/01/2027", "giovedì 3" (weekday and day, no month), ranges ("dal 3 al 5
dicembre", "3-5 dicembre", "dal 28 novembre al 2 dicembre") and a time given with the date
("alle 9.30", "ore 12:00", "entro le ore 12 del 15 gennaio"). A date without a year takes the
year that puts it nearest to the publication date, so "entro il 15 gennaio" in a notice of
10 December means the next January; "giovedì 3" is the 3rd nearest to publication that falls on
a Thursday.

Pure: no model, no I/O.

>>> [d.iso for d in find_dates("Scadenza: entro le ore 12 del 15 gennaio.", dt.date(2026, 12, 10))]
['2027-01-15T12:00']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6,
    "luglio": 7, "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
    "gen": 1, "feb": 2, "mar": 3, "apr": 4, "mag": 5, "giu": 6, "lug": 7, "ago": 8,
    "set": 9, "sett": 9, "ott": 10, "nov": 11, "dic": 12,
}
WEEKDAYS = {
    "lunedì": 0, "lunedi": 0, "martedì": 1, "martedi": 1, "mercoledì": 2, "mercoledi": 2,
    "giovedì": 3, "giovedi": 3, "venerdì": 4, "venerdi": 4, "sabato": 5, "domenica": 6,
}
_MONTH = r"(?P<{name}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY = r"(?P<{name}>[0-3]?\d)(?:°|º|\s?o)?"
_YEAR = r"(?:\s+(?P<{name}>(?:19|20)\d\d))?"
_TIME = r"(?P<{name}h>[0-2]?\d)(?:[:.](?P<{name}m>[0-5]\d))?"

# "dal 28 novembre al 2 dicembre 2026", "dal 3 al 5 dicembre", "3-5 dicembre", "3 e 4 dicembre"
_RANGE = re.compile(
    r"(?<![\w/.])(?:dal(?:l['’])?\s+)?" + _DAY.format(name="d1")
    + r"(?:\s+" + _MONTH.format(name="m1") + _YEAR.format(name="y1") + r")?"
    + r"\s*(?:-|–|al(?:l['’])?\s*|e\s+)\s*"
    + _DAY.format(name="d2") + r"\s+" + _MONTH.format(name="m2") + _YEAR.format(name="y2")
    + r"(?![\w])",
    re.IGNORECASE)
# "15 gennaio 2027", "1° marzo", optionally after a weekday ("giovedì 3 dicembre")
_SINGLE = re.compile(
    r"(?<![\w/.])" + _DAY.format(name="d") + r"\s+" + _MONTH.format(name="m")
    + _YEAR.format(name="y") + r"(?![\w])",
    re.IGNORECASE)
# "15/01/2027", "15.01.2027", "15-01-27"
_NUMERIC = re.compile(r"(?<![\w/.,])(?P<d>[0-3]?\d)[/.-](?P<m>[01]?\d)[/.-](?P<y>(?:19|20)?\d\d)"
                      r"(?![\w/]|[.,]\d)")
# "giovedì 3" with no month after it
_WEEKDAY_DAY = re.compile(
    r"(?<![\w])(?P<w>" + _WEEKDAY + r")\s+(?P<d>[0-3]?\d)(?!\s*(?:°|º)?\s*(?:"
    + "|".join(MONTHS) + r")\b)(?![\w/.]\d)", re.IGNORECASE)
# a time right after a date: ", alle 9.30", " ore 12:00", " dalle 10 alle 13"
_TIME_AFTER = re.compile(r"^[\s,]*(?:\(|-|–)?\s*(?:dalle|alle|ore|h\.?|alle\s+ore|dalle\s+ore)\s+"
                         + _TIME.format(name="t") + r"(?![\d/])", re.IGNORECASE)
# a time right before a date: "entro le ore 12 del 15 gennaio", "alle 18 di giovedì 3"
_TIME_BEFORE = re.compile(r"(?:ore|alle)\s+" + _TIME.format(name="t")
                          + r"(?:\s+(?:del|di|dell['’]))?\s*(?:(?:" + _WEEKDAY + r")\s+)?$",
                          re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    date: dt.date
    time: str | None = None  # "HH:MM"
    end_date: dt.date | None = None  # last day of a range
    explicit_year: bool = False

    @property
    def iso(self) -> str:
        return f"{self.date.isoformat()}T{self.time}" if self.time else self.date.isoformat()


def find_dates(text: str, published: dt.date) -> list[DateMention]:
    """Every resolvable date in `text`, left to right, non-overlapping (ranges first)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    readers = ((_RANGE, _read_range), (_SINGLE, _read_single), (_NUMERIC, _read_numeric),
               (_WEEKDAY_DAY, _read_weekday_day))
    for pattern, read in readers:
        for m in pattern.finditer(text):
            if any(m.start() < e and m.end() > s for s, e in taken):
                continue
            day = read(m, published)
            if day is not None:
                first, last, explicit_year = day
                found.append(_with_time(text, m.start(), m.end(), first, last, explicit_year))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


_Read = tuple[dt.date, dt.date | None, bool] | None  # first day, last day, year written


def _read_range(m: re.Match, published: dt.date) -> _Read:
    end_year = _year(m.group("y2"))
    end_month = MONTHS[m.group("m2").lower()]
    start_month = MONTHS[m.group("m1").lower()] if m.group("m1") else end_month
    start_year = _year(m.group("y1")) or end_year
    last = _resolve(int(m.group("d2")), end_month, end_year, published)
    if last is None:
        return None
    if start_year is None:
        start_year = last.year - (1 if start_month > end_month else 0)
    first = _make(start_year, start_month, int(m.group("d1")))
    if first is None or not first <= last or (last - first).days > 62:
        return None
    return first, last, bool(end_year)


def _read_single(m: re.Match, published: dt.date) -> _Read:
    year = _year(m.group("y"))
    day = _resolve(int(m.group("d")), MONTHS[m.group("m").lower()], year, published)
    return (day, None, bool(year)) if day else None


def _read_numeric(m: re.Match, published: dt.date) -> _Read:
    year = int(m.group("y"))
    day = _make(year + 2000 if year < 100 else year, int(m.group("m")), int(m.group("d")))
    return (day, None, True) if day else None


def _read_weekday_day(m: re.Match, published: dt.date) -> _Read:
    day = _weekday_day(WEEKDAYS[m.group("w").lower()], int(m.group("d")), published)
    return (day, None, False) if day else None


def _year(raw: str | None) -> int | None:
    return int(raw) if raw else None


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve(day: int, month: int, year: int | None, published: dt.date) -> dt.date | None:
    """The date itself when the year is written, else the year nearest the publication."""
    if year is not None:
        return _make(year, month, day)
    options = [d for y in (published.year - 1, published.year, published.year + 1)
               if (d := _make(y, month, day)) is not None]
    return min(options, key=lambda d: abs((d - published).days)) if options else None


def _weekday_day(weekday: int, day: int, published: dt.date) -> dt.date | None:
    """The `day`-th of the month nearest `published` that falls on `weekday`."""
    options = []
    for shift in range(-6, 7):
        month_index = published.year * 12 + published.month - 1 + shift
        d = _make(month_index // 12, month_index % 12 + 1, day)
        if d is not None and d.weekday() == weekday:
            options.append(d)
    return min(options, key=lambda d: abs((d - published).days)) if options else None


def _with_time(text: str, start: int, end: int, first: dt.date, last: dt.date | None,
               explicit_year: bool) -> DateMention:
    if text[end - 1:end] == "." and text[start:end - 1].rstrip(".").lower().endswith(
            tuple(name for name in MONTHS if len(name) > 4)):
        end -= 1  # the full stop ends the sentence, not an abbreviated month
    time = None
    after = _TIME_AFTER.match(text[end:end + 40])
    before = _TIME_BEFORE.search(text[max(0, start - 40):start])
    if after and int(after.group("th")) <= 24:
        time = f"{int(after.group('th')):02d}:{after.group('tm') or '00'}"
    elif before and int(before.group("th")) <= 24:
        time = f"{int(before.group('th')):02d}:{before.group('tm') or '00'}"
    return DateMention(text[start:end], start, end, first, time,
                       last if last and last != first else None, explicit_year)
