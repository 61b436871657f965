"""Publication dates: machine formats (ISO 8601, RFC 822) and Italian dates in running text.

Pure functions. Italian spans handled: "14 febbraio 2025", "Pubblicato il 14 feb. 2025",
"giovedì 7 ottobre" (year inferred from the reference date and the weekday), "12/03/2025",
"14.02.2025", "14-02-25", "2025-02-14". A date after the reference (fetch) date is never returned.
Relative bylines of news sites ("2 ore fa", "3 giorni fa", "Ieri, 18:40") are read against the
fetch time in Italian local time (`relative_published`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from crawler.patterns import patterns

EARLIEST_YEAR = 1990
# How far back a year-less date may lie before the reference date, and how far back a weekday
# may move it ("giovedì 7 ottobre" read in January is last October, a Thursday or not).
MAX_YEARLESS_LOOKBACK_YEARS = 6
WEEKDAY_LOOKBACK_YEARS = 1
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# An ISO timestamp with a time and a zone: "2025-03-01T23:30:00Z", "2025-03-01 23:30+01:00".
_ZONED_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
                        r"\s*(?:[Zz]|[+-]\d{2}:?\d{2})")
_MARKER_WINDOW = 40  # characters before a date searched for a marker
LOCAL_TIME = ZoneInfo("Europe/Rome")
_NUMBER_WORDS = {"un": 1, "una": 1, "un'": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
                 "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "qualche": 2,
                 "alcune": 2, "alcuni": 2, "poche": 2, "pochi": 2, "mezz'": 0}
_UNIT_SECONDS = {"minut": 60, "or": 3600, "giorn": 86400, "settiman": 7 * 86400}
# "2 ore fa", "un'ora fa", "3 giorni fa", "una settimana fa" (a month is too vague: not read).
_AGO = re.compile(r"(?<![\w'])(?P<n>\d{1,3}|un'|una|un|due|tre|quattro|cinque|sei|sette|otto|"
                  r"nove|dieci|qualche|alcun[ei]|poch[ei]|mezz')\s*(?P<u>minut|or|giorn|settiman)"
                  r"[aeio]\s+fa\b", re.IGNORECASE)
# "Oggi, 10:15", "ieri alle 18.40": with a time only, so that "ieri il Comune ha firmato" in a
# lead (the day of the event) is not read as the publication day.
_TODAY_YESTERDAY = re.compile(r"(?<!\w)(?P<w>oggi|ieri)\s*,?\s*(?:alle\s+|ore\s+|-\s*)?"
                              r"[0-2]?\d[:.][0-5]\d\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    day: date
    start: int
    end: int
    role: str  # published | other | plain (no marker before it)


def _month_table() -> dict[str, int]:
    table = {}
    for number, names in enumerate(patterns()["dates"]["months"], start=1):
        for name in names:
            table[name] = number
    return table


def _text_date_regex() -> re.Pattern:
    conf = patterns()["dates"]
    names = conf["weekdays"]
    weekdays = "|".join(names + [w[:-1] + "i" for w in names if w.endswith("ì")])
    months = "|".join(sorted(_month_table(), key=len, reverse=True))
    return re.compile(
        rf"(?:\b(?P<wd>{weekdays})\b,?\s+)?\b(?P<d>[0-3]?\d)(?:°|º)?\s+"
        rf"(?P<m>{months})\b\.?(?:\s+(?P<y>\d{{4}})\b)?"
        r"|\b(?P<nd>[0-3]?\d)[/.\-](?P<nm>[01]?\d)[/.\-](?P<ny>(?:19|20)?\d\d)\b"
        r"|\b(?P<iy>(?:19|20)\d\d)-(?P<im>[01]?\d)-(?P<id>[0-3]?\d)\b",
        re.IGNORECASE,
    )


_TEXT_DATE = _text_date_regex()
_MONTHS = _month_table()


def parse_machine_date(value: str | None) -> date | None:
    """The calendar day in Italy of an ISO 8601 or RFC 822 timestamp: a time with a zone is
    converted to Europe/Rome (2025-03-01T23:30:00Z is 2 March in Italy, 23:30 +01:00 stays
    1 March); a date alone, or a time without a zone, is taken as written."""
    if not value:
        return None
    value = value.strip()
    match = _ISO.match(value)
    if match:
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        zoned = _ZONED_ISO.match(value)
        return _italian_day(day, zoned) if day and zoned else day
    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp.astimezone(LOCAL_TIME).date() if stamp.tzinfo else stamp.date()


def _italian_day(day: date, zoned: re.Match) -> date:
    try:
        stamp = datetime.fromisoformat(zoned[0].replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return day
    return stamp.astimezone(LOCAL_TIME).date() if stamp.tzinfo else day


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found.year >= EARLIEST_YEAR else None


def _yearless(day: int, month: int, weekday: str | None, reference: date) -> date | None:
    """The most recent past occurrence of day/month, matching the weekday when one is given."""
    candidates = []
    for back in range(MAX_YEARLESS_LOOKBACK_YEARS + 1):
        found = _safe_date(reference.year - back, month, day)
        if found and found <= reference:
            candidates.append(found)
    if not candidates:
        return None
    if weekday:
        names = patterns()["dates"]["weekdays"]
        wanted = [n.rstrip("ì") for n in names].index(weekday.lower().rstrip("ìi"))
        matching = [c for c in candidates[: WEEKDAY_LOOKBACK_YEARS + 1]
                    if c.weekday() == wanted]
        if matching:
            return matching[0]
    return candidates[0]


def _mention_day(match: re.Match, reference: date) -> date | None:
    if match["iy"]:
        return _safe_date(int(match["iy"]), int(match["im"]), int(match["id"]))
    if match["nd"]:
        year = int(match["ny"])
        year += 2000 if year < 100 else 0
        return _safe_date(year, int(match["nm"]), int(match["nd"]))
    month = _MONTHS[match["m"].lower()]
    if match["y"]:
        return _safe_date(int(match["y"]), month, int(match["d"]))
    return _yearless(int(match["d"]), month, match["wd"], reference)


def _role(text: str, start: int) -> str:
    before = text[max(0, start - _MARKER_WINDOW) : start].lower()
    conf = patterns()["dates"]
    best, role = -1, "plain"
    for kind, markers in (("published", conf["published_markers"]),
                          ("other", conf["other_markers"])):
        for marker in markers:
            at = _marker_end(before, marker)
            if at > best:
                best, role = at, kind
    return role


def _marker_end(before: str, marker: str) -> int:
    """Where the last occurrence of a marker ends, if only punctuation/space follow it."""
    found = -1
    for m in re.finditer(rf"(?<!\w){re.escape(marker)}(?!\w)", before):
        tail = before[m.end() :]
        if re.fullmatch(r"[\s:,.\-–—|()]*(?:il|l'|del|dal)?\s*", tail):
            found = m.end()
    return found


def find_dates(text: str, reference: date) -> list[DateMention]:
    """Every date written in the text, with the role its preceding words give it.
    Dates after the reference day are dropped."""
    out = []
    for match in _TEXT_DATE.finditer(text):
        day = _mention_day(match, reference)
        if day is None or day > reference:
            continue
        out.append(DateMention(day, match.start(), match.end(), _role(text, match.start())))
    return out


def written_dates(text: str) -> list[date]:
    """Every full date (with its year) written in the text, in order, future ones included
    (the end of a publication period, a deadline)."""
    out = []
    for match in _TEXT_DATE.finditer(text):
        if match["m"] and not match["y"]:
            continue
        day = _mention_day(match, date.max)
        if day is not None:
            out.append(day)
    return out


def published_in_text(text: str, reference: date, *, allow_plain: bool) -> date | None:
    """The first date marked as a publication date; else, when allowed, the first date
    that is not marked as an update, deadline or event."""
    mentions = find_dates(text, reference)
    for mention in mentions:
        if mention.role == "published":
            return mention.day
    if allow_plain:
        for mention in mentions:
            if mention.role == "plain":
                return mention.day
    return None


def _bylined(text: str, match: re.Match) -> bool:
    """Whether "N ... fa" reads as a timestamp, not as prose ("Tre giorni fa il Consiglio ha
    approvato..." tells the day of the event): written with digits, after a publication
    marker, or closed by the end of a line or a separator."""
    if match["n"].isdigit() or _role(text, match.start()) == "published":
        return True
    return bool(re.match(r"\s*(?:$|[\n|·•,;\-–—(])", text[match.end():]))


def relative_published(text: str, fetched: datetime) -> date | None:
    """The day of the first relative timestamp in `text` ("2 ore fa", "ieri, 18:40"), counted
    back from the fetch time in Italian local time; None when there is none. A fetch time
    without a time zone is taken as UTC."""
    local = (fetched if fetched.tzinfo else fetched.replace(tzinfo=UTC)).astimezone(LOCAL_TIME)
    found: list[tuple[int, date]] = []
    ago = next((m for m in _AGO.finditer(text) if _bylined(text, m)), None)
    if ago:
        raw = ago["n"].lower()
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        seconds = count * _UNIT_SECONDS[ago["u"].lower()] or 30 * 60
        found.append((ago.start(), (local - timedelta(seconds=seconds)).date()))
    named = _TODAY_YESTERDAY.search(text)
    if named:
        back = 0 if named["w"].lower() == "oggi" else 1
        found.append((named.start(), local.date() - timedelta(days=back)))
    return min(found)[1] if found else None


def as_reference_time(value: str | date | datetime | None) -> datetime | None:
    """The fetch time as a datetime, when the value carries a time of day."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def is_future(day: date, reference: date, tolerance_days: int = 1) -> bool:
    """After the reference day (with a day of tolerance for time zones)."""
    return day > reference + timedelta(days=tolerance_days)


def as_reference(value: str | date | datetime | None) -> date:
    """The reference day for year inference and future checks (today when none)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value:
        parsed = parse_machine_date(value)
        if parsed:
            return parsed
    return date.today()
