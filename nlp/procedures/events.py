"""Announced events in an article: meetings a reader could attend or follow (section 7).

An event is an event word ("convegno", "webinar", "tavolo di coprogrammazione", ...) and a
date in the same sentence (or the date in the next sentence when the sentence names the event
but no date), where the date is not a deadline ("entro il ...") nor the date of an act
("delibera n. 12 del ..."). Each event has its type, title (a quoted name), start and end (ISO,
with the time when given), place (a comune the entity extractor found in the sentence), venue
("presso la Sala ..."), online, organisers ("organizzato da ..."), registration (URL or e-mail),
and `past` when it took place before the article was published.

Pure: takes the text, the publication date and the entities already found.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from nlp.procedures.dates import DateMention, find_dates
from nlp.text_norm import SENTENCE_SPAN
from nlp.types import OrgMention, PlaceMention
from store.taxonomy import TAXONOMY
from store.text import fold

EVENT_TYPES = TAXONOMY.ids("event_types")
# (folded pattern, type), most specific first; the first match in the sentence names the type
_TYPE_CUES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(rf"(?<![a-z]){p}", re.IGNORECASE), t) for p, t in (
        (r"webinar", "webinar"),
        (r"(?:in |una )?diretta (?:streaming|online|facebook|youtube)", "webinar"),
        (r"incontro (?:online|on line|in streaming|su zoom|su teams)", "webinar"),
        (r"tavol[oi] (?:di |della |tematic|territorial|permanent|cittadin|di lavoro|di co-?)",
         "tavolo"),
        (r"tavol[oi]\b", "tavolo"),
        (r"assemblea pubblica", "tavolo"),
        (r"(?:forum|consulta) (?:del terzo settore|territoriale|cittadin)", "tavolo"),
        (r"sessione (?:di )?co-?programmazione", "tavolo"),
        (r"workshop", "workshop"),
        (r"laboratori[oi] (?:partecipativ|di co-?progettazione|territorial|aperto|di comunita)",
         "workshop"),
        (r"hackathon", "workshop"),
        (r"laboratori[oi]\b", "workshop"),
        (r"cabina di regia", "tavolo"),
        (r"giornat[ae] (?:della|delle|di) partecipazione", "tavolo"),
        (r"seminari[oi]", "seminario"),
        (r"convegno", "convegno"),
        (r"conferenza(?! stampa)", "convegno"),
        (r"congresso", "convegno"),
        (r"giornat[ae] di studi", "convegno"),
        (r"tavola rotonda", "convegno"),
        (r"stati generali", "convegno"),
        (r"summit", "convegno"),
        (r"\bcors[oi] (?:di|per|gratuit|online|base|avanzat|formativ)", "corso"),
        (r"\bcors[oi]\b", "corso"),
        (r"percorso formativo", "corso"),
        (r"masterclass", "corso"),
        (r"\bformazione (?:rivolta|per|gratuita|online)", "corso"),
        (r"lezion[ei]", "corso"),
        (r"incontro pubblico", "altro"),
        (r"incontr[oi]", "altro"),
        (r"present(?:azione|era|ato|ata) (?:del|della|dei|delle|il|la|pubblic)", "altro"),
        (r"inaugurazione", "altro"),
        (r"open day", "altro"),
        (r"\bfesta\b", "altro"),
        (r"\bfestival\b", "altro"),
        (r"\bevent[oi]\b", "altro"),
        (r"manifestazione(?! di interesse)", "altro"),
        (r"\bmostra\b", "altro"),
        (r"spettacol[oi]", "altro"),
        (r"cerimonia", "altro"),
        (r"appuntament[oi]", "altro"),
        (r"giornat[ae] (?:di|della|delle|dedicat) ", "altro"),
        (r"seduta pubblica", "altro"),
        (r"present(?:iamo|eremo|eranno|a) (?:i risultati|il progetto|il bilancio|il report|"
         r"il documento|pubblicamente)", "altro"),
        (r"visita (?:guidata|al cantiere)|sopralluogo", "altro"),
    ))
_NOT_EVENT_DATE = re.compile(
    r"(?:entro|scadenza|scade|scadono|termine|non oltre|fino a(?:l|ll')?|a partire da(?:l|ll')?|"
    r"pubblicat[oa] (?:il|in data)|delibera(?:zione)?|determina(?:zione)?|decreto|legge|"
    r"\bn\.\s*\d+|nato|nata|approvat[oa] (?:il|in data)|protocollo)"
    r"[^.;]{0,25}$", re.IGNORECASE)
_PAST_VERBS = re.compile(
    r"(?:si e (?:svolt|tenut|conclus|chius)|si sono (?:svolt|tenut|conclus)|ha visto|"
    r"hanno partecipato|ha ospitato|e stat[oa] present|ha riunito|hanno preso parte|"
    r"ha avuto luogo|si e chiuso|"
    r"e andat[oa] in scena|ha registrato)", re.IGNORECASE)
_ONLINE = re.compile(r"(?<![a-z])(?:online|on line|on-line|webinar|streaming|zoom|teams|"
                     r"google meet|piattaforma|in diretta|collegamento|da remoto|a distanza)",
                     re.IGNORECASE)
_VENUE = re.compile(r"(?:presso|nella|nel|nell['’]|alla|al|all['’]|in)\s+"
                    r"(?:la\s+|il\s+|l['’]|lo\s+)?"
                    r"((?:sala|aula|auditorium|teatro|biblioteca|sede|centro|palazzo|villa|"
                    r"casa|spazio|ex|chiesa|oratorio|parco|piazza|via|viale|corso|scuola|istituto|"
                    r"municipio|polo|museo|cinema|salone|cortile|chiostro|rocca|castello|"
                    r"Sala|Aula|Auditorium|Teatro|Biblioteca|Sede|Centro|Palazzo|Villa|Casa|Spazio|"
                    r"Piazza|Via|Viale|Corso|Scuola|Istituto|Municipio|Polo|Museo|Salone)"
                    r"[^,.;()\n]{0,70})")
_ORGANISER = re.compile(r"(?:organizzat[oaie]|promoss[oaie]|a cura|ideat[oaie]|curat[oaie])"
                        r"\s+(?:da|di|dal|dalla|dall['’]|dai|dagli|dalle|del|della|dell['’])",
                        re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"')]+|www\.[^\s<>\"')]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_REGISTER = re.compile(r"iscri|prenot|registra|partecipazione (?:e )?gratuita", re.IGNORECASE)
_TITLE = re.compile(r"[“\"«]([^”\"»\n]{4,120})[”\"»]")


@dataclass
class Event:
    type: str
    title: str | None
    start: str
    end: str | None
    place: str | None
    venue: str | None
    online: bool
    organisers: list[str] = field(default_factory=list)
    registration: str | None = None
    past: bool = False
    text: str = ""
    start_char: int = 0
    end_char: int = 0


def find_events(text: str, published: dt.date, organisations: list[OrgMention] = (),
                places: list[PlaceMention] = ()) -> list[Event]:
    """Events announced in `text`, in order, one per (type, start)."""
    dates = find_dates(text, published)
    sentences = [(m.start(), m.end()) for m in SENTENCE_SPAN.finditer(text) if m.group().strip()]
    events: list[Event] = []
    seen: set[tuple[str, str]] = set()
    for n, (a, b) in enumerate(sentences):
        cues = _type_cues(text[a:b])
        if not cues:
            continue
        in_sentence = [d for d in dates if a <= d.start < b and _event_date(text, d)]
        span_end = b
        if not in_sentence and n + 1 < len(sentences):  # "Un convegno sul tema. Giovedì 3..."
            na, nb = sentences[n + 1]
            in_sentence = [d for d in dates if na <= d.start < nb and _event_date(text, d)]
            span_end = nb
        for date in in_sentence:
            kind = _nearest_type(cues, date.start - a, date.end - a)
            if (kind, date.iso[:10]) in seen:
                continue
            seen.add((kind, date.iso[:10]))
            window = text[a:span_end]
            event = _event(kind, date, window, a, span_end, published, organisations, places)
            if event.registration is None:  # "Iscrizioni: ..." often follows the announcement
                event.registration = _registration(text[span_end:span_end + 240].split("\n\n")[0])
            events.append(event)
    return events


def _registration(text: str) -> str | None:
    """The URL or e-mail address given to sign up, when the text speaks of signing up."""
    if not _REGISTER.search(fold(text)):
        return None
    link = _URL.search(text) or _EMAIL.search(text)
    return link.group().rstrip(".,;") if link else None


def _type_cues(sentence: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of the event words in a sentence; where two cues overlap, the more
    specific one (earlier in the list) stays."""
    folded = fold(sentence)
    found: list[tuple[int, int, str]] = []
    for pattern, kind in _TYPE_CUES:
        for m in pattern.finditer(folded):
            if all(m.end() <= s or m.start() >= e for s, e, _ in found):
                found.append((m.start(), m.end(), kind))
    return sorted(found)


def _nearest_type(cues: list[tuple[int, int, str]], start: int, end: int) -> str:
    """The type of the event word nearest the date: before it wins over after at equal
    distance ("il convegno di giovedì 3"; "giovedì 3, convegno ..."). A generic word
    ("incontro", "evento") gives way to a specific one in the same sentence: "l'incontro del
    corso di formazione" is a corso."""
    def distance(cue: tuple[int, int, str]) -> int:
        s, e, _ = cue
        return start - e if e <= start else (s - end) + 20 if s >= end else 0
    specific = [c for c in cues if c[2] != "altro" and distance(c) <= 150]
    return min(specific or cues, key=distance)[2]


def _event_date(text: str, date: DateMention) -> bool:
    """A date that can be an event's: not a deadline nor the date of an act."""
    return not _NOT_EVENT_DATE.search(fold(text[max(0, date.start - 45):date.start]))


def _event(kind: str, date: DateMention, window: str, a: int, b: int, published: dt.date,
           organisations, places) -> Event:
    folded = fold(window)
    end = None
    if date.end_date:
        end = date.end_date.isoformat()
    title = _TITLE.search(window)
    venue = _VENUE.search(window)
    place = next((p.name for p in places if a <= p.start < b and not p.inside_org
                  and p.level == "comune"), None)
    organisers = []
    marker = _ORGANISER.search(window)
    if marker:
        organisers = [o.canonical for o in organisations if o.start >= a + marker.end()
                      and o.start < a + marker.end() + 160]
    registration = _registration(window)
    past = (date.end_date or date.date) < published or bool(_PAST_VERBS.search(folded))
    return Event(type=kind, title=title.group(1).strip() if title else None, start=date.iso,
                 end=end, place=place, venue=venue.group(1).strip() if venue else None,
                 online=bool(_ONLINE.search(folded)) or kind == "webinar",
                 organisers=list(dict.fromkeys(organisers)), registration=registration,
                 past=past, text=window.strip(), start_char=a, end_char=b)
