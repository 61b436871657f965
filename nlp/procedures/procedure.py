"""The main co-design procedure an article tells about (annotation guidelines, section 7).

Instrument, ente procedente, subject, the furthest stage reported, the deadline for proposals,
partners, territory and duration, each read from the text with the entities and labels the
analysis already found. None for an irrelevant article, or one about a law, a study or a network
in general (no instrument, or neither a public body nor a stage).

Cue lists are data, in `nlp/patterns/procedure_cues.json`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nlp.procedures.dates import find_dates
from nlp.text_norm import SENTENCE_SPAN
from nlp.types import OrgMention, PlaceMention
from store.taxonomy import TAXONOMY
from store.text import fold

INSTRUMENTS = TAXONOMY.ids("instruments")
STAGES = TAXONOMY.ids("stages")  # in the order a procedure goes through them; sospeso last
CUES_PATH = Path(__file__).resolve().parents[1] / "patterns" / "procedure_cues.json"
_WORD_NUMBERS = {"uno": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6,
                 "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "dodici": 12, "diciotto": 18,
                 "ventiquattro": 24, "trentasei": 36, "quarantotto": 48}
_DURATION = re.compile(
    r"(?:durata (?:(?:di|pari a|prevista di|complessiva di)\s+)?"
    r"|per (?:un periodo di |la durata di )?"
    r"|della durata di |arco (?:temporale )?di )"
    r"((?:\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\s+(?:mesi|anni|annualità|settimane)"
    r"(?:\s+(?:rinnovabil[ei]|eventualmente rinnovabil[ei]|prorogabil[ei])(?:\s+(?:per|di)\s+"
    r"(?:\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\s+(?:mesi|anni))?)?)"
    r"|\b((?:triennio|biennio|quadriennio)\s+20\d\d\s*[-–/]\s*(?:20)?\d\d|20\d\d\s*[-–]\s*20\d\d)\b",
    re.IGNORECASE)


@dataclass
class Procedure:
    instrument: str
    ente_procedente: dict | None  # {"text", "canonical"}
    subject: str | None
    stage: str | None
    deadline: str | None
    partners: list[str] = field(default_factory=list)
    territory: list[str] = field(default_factory=list)
    duration: str | None = None
    evidence: str = ""


@lru_cache(maxsize=1)
def _cues() -> dict:
    raw = json.loads(CUES_PATH.read_text(encoding="utf-8"))

    def compile_all(patterns):
        return [re.compile(rf"(?<![a-z]){p}", re.IGNORECASE) for p in patterns]

    return {
        "instrument": {k: compile_all(v) for k, v in raw["instrument"].items()},
        "stage": {k: compile_all(v) for k, v in raw["stage"].items()},
        "future": re.compile(raw["future"], re.IGNORECASE),
        "deadline": re.compile(raw["deadline"], re.IGNORECASE),
        "submission": re.compile(raw["submission"], re.IGNORECASE),
        "subject": [re.compile(p, re.IGNORECASE) for p in raw["subject"]],
        "generic": re.compile(raw["generic"], re.IGNORECASE),
        "capofila": re.compile(raw["capofila"], re.IGNORECASE),
        "strong": compile_all(raw["instrument_strong"]),
    }


def find_procedure(text: str, title: str, published: dt.date, *, relevant: bool,
                   practice_types: list[str], organisations: list[OrgMention],
                   places: list[PlaceMention]) -> Procedure | None:
    """The article's main procedure, or None. An article the relevance classifier missed still
    has one when it names a co-design instrument outright and a stage it reached."""
    full = f"{title}\n{text}" if title else text
    folded = fold(full)
    strong = any(p.search(folded) for p in _cues()["strong"])
    if not relevant and not strong:
        return None
    instrument = _instrument(folded, fold(title), practice_types)
    if instrument is None:
        return None
    stage, evidence = _stage(full, folded)
    public = [o for o in organisations if o.type == "pubblico"]
    if stage is None and (not public or not relevant):
        return None
    if stage is None and _cues()["generic"].search(folded[:400]):
        return None  # about a law, a study or co-design in general
    ente = _ente(text, public)
    deadline = _deadline(full, published)
    partners = [o.canonical for o in organisations if o.type in ("terzo_settore",)]
    territory = list(dict.fromkeys(p.name for p in places if not p.inside_org
                                   and p.level in ("comune", "provincia", "regione", "altro")))
    duration = _DURATION.search(full)
    return Procedure(
        instrument=instrument,
        ente_procedente=({"text": ente.text, "canonical": body_name(ente.canonical)}
                         if ente else None),
        subject=_subject(full),
        stage=stage,
        deadline=deadline,
        partners=list(dict.fromkeys(partners)),
        territory=territory,
        duration=(duration.group(1) or duration.group(2)).strip() if duration else None,
        evidence=evidence,
    )


def _instrument(folded: str, folded_title: str, practice_types: list[str]) -> str | None:
    """The instrument named in the title, else the one named most often, else the classifier's
    practice type."""
    cues = _cues()["instrument"]
    counts = {name: sum(len(p.findall(folded)) for p in patterns)
              for name, patterns in cues.items()}
    in_title = [name for name, patterns in cues.items() if any(p.search(folded_title)
                                                                for p in patterns)]
    if in_title:
        return max(in_title, key=lambda n: (counts[n], -INSTRUMENTS.index(n)))
    named = {n: c for n, c in counts.items() if c}
    if named:
        return max(named, key=lambda n: (named[n], -INSTRUMENTS.index(n)))
    predicted = [p for p in practice_types if p in INSTRUMENTS]
    return predicted[0] if predicted else None


def _stage(full: str, folded: str) -> tuple[str | None, str]:
    """The furthest stage the text reports as having happened, with its sentence. `sospeso`
    wins when the procedure is suspended, annulled or challenged."""
    cues = _cues()
    best, evidence = None, ""
    for m in SENTENCE_SPAN.finditer(folded):
        sentence = m.group()
        for stage, patterns in cues["stage"].items():
            for p in patterns:
                hit = p.search(sentence)
                if hit is None or cues["future"].search(
                        sentence[max(0, hit.start() - 30):hit.start()]):
                    continue
                if stage == "sospeso":
                    return "sospeso", full[m.start():m.end()].strip()
                if best is None or STAGES.index(stage) > STAGES.index(best):
                    best, evidence = stage, full[m.start():m.end()].strip()
    return best, evidence


def body_name(canonical: str) -> str:
    """The body itself, not its office: "Città di VICENZA – Servizi Sociali" -> "Comune di
    Vicenza"; "Comune di Torino – Circoscrizione 4" -> "Comune di Torino".

    >>> body_name("Città di VICENZA – Servizi Sociali")
    'Comune di Vicenza'
    """
    name = re.split(r"\s+[–—-]\s+|\s*[,(]\s*", canonical, maxsplit=1)[0].strip()
    name = re.sub(r"^(?:Citt[àa]|Municipio)\s+di\s+", "Comune di ", name)
    return " ".join(w.capitalize() if w.isupper() and len(w) > 3 else w for w in name.split())


def _ente(text: str, public: list[OrgMention]) -> OrgMention | None:
    """The public body running the procedure: the capofila when one is named (the body right
    after "capofila", or right before it), else the local body named first (the title is not
    searched: its offsets are not the text's)."""
    if not public:
        return None
    capofila = _cues()["capofila"]
    folded = fold(text)
    for m in capofila.finditer(folded):
        # "X, (in qualità di) ente capofila (del Distretto Y)": X; "capofila: X", "con capofila
        # il X", "capofila è il X": the body right after
        tail = folded[m.end():m.end() + 20]
        after = [o for o in public if m.end() <= o.start <= m.end() + 16]
        if after and not re.match(r"\s*(?:del|dell'|della|dello|dei|degli|delle)\b", tail):
            return min(after, key=lambda o: o.start)
        before = [o for o in public if 0 <= m.start() - o.end <= 40]
        if before:
            return max(before, key=lambda o: o.end)
    ranked = sorted(public, key=lambda o: (_is_wide(o.canonical), o.start))
    return ranked[0]


def _is_wide(name: str) -> bool:
    """Ministries, national agencies and the Regione rarely run a local procedure: they come
    after a Comune, an Ambito, an ASL named in the same text."""
    folded = fold(name)
    return folded.startswith(("ministero", "regione", "governo", "presidenza", "anci",
                              "parlamento", "senato", "camera", "corte", "inps", "inail",
                              "unione europea", "commissione europea", "consiglio regionale"))


def _deadline(full: str, published: dt.date) -> str | None:
    cues = _cues()
    for date in find_dates(full, published):
        before = fold(full[max(0, date.start - 70):date.start])
        if not cues["deadline"].search(before):
            continue
        sentence_start = max(full.rfind(".", 0, date.start), full.rfind("\n", 0, date.start)) + 1
        sentence = fold(full[sentence_start:date.end + 80])
        if cues["submission"].search(sentence):
            return date.iso
    return None


def _subject(full: str) -> str | None:
    for pattern in _cues()["subject"]:
        m = pattern.search(full)
        if m:
            subject = re.split(r"\s+(?:rivolt[oaie]|da realizzar|presso|"
                               r"con (?:il|la|lo|gli|le|i)\b|"
                               r"per (?:il|la) (?:periodo|durata)|entro|nel (?:comune|territorio)|"
                               r"che\b|ai sensi|di cui)", m.group("subject"), maxsplit=1)[0]
            subject = subject.strip(" ,;:-–\"“”'")
            if 3 <= len(subject) <= 120:
                return subject
    return None
