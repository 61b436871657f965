"""Loader for the entity evaluation set (nlp/data/entities_eval/*.jsonl).

Each line is a JSON object whose `text` carries inline markup such as
`[Comune di Lecco|ORG|pubblico|places=Lecco:comune]` or `[350mila euro|MONEY|350000]`.
The grammar is documented in nlp/data/entities_eval/README.md. Parsing is pure: `parse_doc`
turns one record into a `GoldDoc` with character offsets into the clean text (markup removed);
`load_eval_set` only adds file reading and error locations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ORG_TYPES = frozenset(
    {"pubblico", "terzo_settore", "fondazione", "universita_ricerca", "impresa", "media", "altro"}
)
PLACE_LEVELS = frozenset({"comune", "provincia", "regione", "nazione", "altro"})
SOURCE_TYPES = frozenset(
    {
        "sito_comune",
        "ente_pubblico",
        "quotidiano_locale",
        "quotidiano_nazionale",
        "testata_terzo_settore",
        "comunicato_ets",
        "fondazione",
        "universita",
        "newsletter",
        "blog",
        "atto_amministrativo",
        "social",
        "agenzia",
        "radio_tv",
    }
)
RECORD_KEYS = frozenset({"id", "source_type", "text", "note"})
ESCAPABLE = frozenset("[]|\\")


class EvalDataError(ValueError):
    """Malformed evaluation data; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class GoldOrg:
    start: int
    end: int
    text: str
    type: str
    canonical: str


@dataclass(frozen=True)
class GoldPlace:
    start: int
    end: int
    text: str
    level: str
    official_name: str
    inside_org: bool = False


@dataclass(frozen=True)
class GoldAmount:
    start: int
    end: int
    text: str
    kind: str  # money | percent
    value: float


@dataclass
class GoldDoc:
    id: str
    source_type: str
    text: str
    orgs: list[GoldOrg] = field(default_factory=list)
    places: list[GoldPlace] = field(default_factory=list)
    amounts: list[GoldAmount] = field(default_factory=list)


@dataclass(frozen=True)
class _RawSpan:
    start: int
    end: int
    fields: list[str]


def load_eval_set(path: str | Path) -> list[GoldDoc]:
    """Read one JSONL file of annotated texts; raise EvalDataError naming file and line."""
    path = Path(path)
    docs: list[GoldDoc] = []
    seen: dict[str, int] = {}
    # split on "\n" only: str.splitlines() would also break inside a text at U+2028 and friends
    for lineno, raw_line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        try:
            doc = parse_record(_decode_json(line))
        except EvalDataError as exc:
            raise EvalDataError(f"{path}:{lineno}: {exc}") from None
        if doc.id in seen:
            raise EvalDataError(
                f"{path}:{lineno}: id {doc.id!r} ripetuto (già alla riga {seen[doc.id]})"
            )
        seen[doc.id] = lineno
        docs.append(doc)
    return docs


def _decode_json(line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalDataError(f"JSON non valido: {exc.msg} alla colonna {exc.colno}") from None


def parse_record(record: object) -> GoldDoc:
    """Validate one decoded JSON record and parse its marked-up text."""
    if not isinstance(record, dict):
        raise EvalDataError("il record non è un oggetto JSON")
    unknown = set(record) - RECORD_KEYS
    if unknown:
        raise EvalDataError(f"chiavi sconosciute {sorted(unknown)}")
    for key in ("id", "source_type", "text"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise EvalDataError(f"campo di testo {key!r} mancante o vuoto")
    if record["source_type"] not in SOURCE_TYPES:
        raise EvalDataError(f"source_type sconosciuto {record['source_type']!r}")
    try:
        return parse_doc(record["id"], record["source_type"], record["text"])
    except EvalDataError as exc:
        raise EvalDataError(f"id {record['id']!r}: {exc}") from None


def parse_doc(doc_id: str, source_type: str, marked: str) -> GoldDoc:
    """Strip the inline markup of `marked` and return the gold spans with clean offsets."""
    clean, raw_spans = _scan(marked)
    doc = GoldDoc(id=doc_id, source_type=source_type, text=clean)
    for raw in raw_spans:
        _check_boundaries(clean, raw)
        _add_span(doc, raw)
    doc.places.sort(key=lambda p: (p.start, p.end))
    return doc


def _scan(marked: str) -> tuple[str, list[_RawSpan]]:
    """Split markup from text: returns the clean text and each span's offsets and fields."""
    out: list[str] = []
    spans: list[_RawSpan] = []
    i = 0
    while i < len(marked):
        char = marked[i]
        if char == "\\":
            out.append(_escaped(marked, i))
            i += 2
        elif char == "[":
            fields, i = _read_span(marked, i)
            start = len("".join(out))
            out.append(fields[0])
            spans.append(_RawSpan(start, start + len(fields[0]), fields))
        elif char == "]":
            raise EvalDataError(f"']' senza '[' al carattere {i} ({_context(marked, i)})")
        else:
            out.append(char)
            i += 1
    return "".join(out), spans


def _escaped(marked: str, i: int) -> str:
    if i + 1 >= len(marked) or marked[i + 1] not in ESCAPABLE:
        raise EvalDataError(
            f"la barra rovesciata al carattere {i} deve precedere uno tra [ ] | \\ "
            f"({_context(marked, i)})"
        )
    return marked[i + 1]


def _read_span(marked: str, open_at: int) -> tuple[list[str], int]:
    """Read `[a|b|c]` starting at `open_at`; return its fields and the index after `]`."""
    fields: list[str] = []
    current: list[str] = []
    i = open_at + 1
    while i < len(marked):
        char = marked[i]
        if char == "\\":
            current.append(_escaped(marked, i))
            i += 2
            continue
        if char == "[":
            raise EvalDataError(
                f"'[' annidata al carattere {i} dentro il segmento aperto al carattere "
                f"{open_at} ({_context(marked, open_at)}); i luoghi dentro le organizzazioni "
                "vanno in places="
            )
        if char == "]":
            fields.append("".join(current))
            return fields, i + 1
        if char == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    raise EvalDataError(f"'[' non chiusa al carattere {open_at} ({_context(marked, open_at)})")


def _context(marked: str, i: int) -> str:
    return repr(marked[max(0, i - 20) : i + 30])


def _check_boundaries(clean: str, raw: _RawSpan) -> None:
    surface = raw.fields[0]
    where = f"segmento {surface!r} al carattere {raw.start}"
    if len(raw.fields) < 3:
        raise EvalDataError(f"{where}: atteso [testo|ETICHETTA|attributo...], trovato {raw.fields}")
    if not surface.strip() or surface != surface.strip():
        raise EvalDataError(f"{where}: testo vuoto o con spazi iniziali/finali")
    before = clean[raw.start - 1] if raw.start > 0 else " "
    after = clean[raw.end] if raw.end < len(clean) else " "
    if before.isalnum() or after.isalnum():
        raise EvalDataError(f"{where}: il segmento taglia una parola ({before!r} prima, "
                            f"{after!r} dopo)")


def _add_span(doc: GoldDoc, raw: _RawSpan) -> None:
    label = raw.fields[1]
    where = f"segmento {raw.fields[0]!r} al carattere {raw.start}"
    try:
        if label == "ORG":
            org, inner = _org(raw)
            doc.orgs.append(org)
            doc.places.extend(inner)
        elif label == "LOC":
            doc.places.append(_place(raw))
        elif label in ("MONEY", "PERCENT"):
            doc.amounts.append(_amount(raw, "money" if label == "MONEY" else "percent"))
        else:
            raise EvalDataError(f"etichetta sconosciuta {label!r} (ORG, LOC, MONEY, PERCENT)")
    except EvalDataError as exc:
        raise EvalDataError(f"{where}: {exc}") from None


def _org(raw: _RawSpan) -> tuple[GoldOrg, list[GoldPlace]]:
    surface, _, org_type, *attrs = raw.fields
    if org_type not in ORG_TYPES:
        raise EvalDataError(f"tipo di organizzazione sconosciuto {org_type!r}")
    options = _key_values(attrs, allowed={"canon", "places"})
    canonical = options.get("canon", surface)
    org = GoldOrg(raw.start, raw.end, surface, org_type, canonical)
    inner = [_inner_place(raw, entry) for entry in _split_list(options.get("places", ""))]
    return org, inner


def _key_values(attrs: list[str], allowed: set[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for attr in attrs:
        key, sep, value = attr.partition("=")
        if not sep or key not in allowed:
            raise EvalDataError(f"attributo errato {attr!r}: atteso uno tra {sorted(allowed)} =")
        if key in options:
            raise EvalDataError(f"attributo {key!r} ripetuto")
        if not value.strip() or value != value.strip():
            raise EvalDataError(f"attributo {key!r} vuoto o con spazi iniziali/finali")
        options[key] = value
    return options


def _split_list(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(";")] if value else []


def _inner_place(raw: _RawSpan, entry: str) -> GoldPlace:
    parts = entry.split(":")
    if len(parts) not in (2, 3) or not all(part.strip() for part in parts):
        raise EvalDataError(f"voce di places {entry!r}: attesa nome:livello[:nome ufficiale]")
    name, level = parts[0], parts[1]
    _check_level(level)
    offset = _word_find(raw.fields[0], name)
    if offset < 0:
        raise EvalDataError(f"voce di places {name!r}: non è una parola intera del nome "
                            "dell'organizzazione")
    start = raw.start + offset
    official = parts[2] if len(parts) == 3 else name
    return GoldPlace(start, start + len(name), name, level, official, inside_org=True)


def _word_find(haystack: str, needle: str) -> int:
    """First occurrence of `needle` in `haystack` not glued to letters or digits; -1 if none."""
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        glued_left = start > 0 and haystack[start - 1].isalnum()
        glued_right = end < len(haystack) and haystack[end].isalnum()
        if not glued_left and not glued_right:
            return start
        start = haystack.find(needle, start + 1)
    return -1


def _check_level(level: str) -> None:
    if level not in PLACE_LEVELS:
        raise EvalDataError(f"livello di luogo sconosciuto {level!r} "
                            f"({', '.join(sorted(PLACE_LEVELS))})")


def _place(raw: _RawSpan) -> GoldPlace:
    surface, _, level, *rest = raw.fields
    _check_level(level)
    if len(rest) > 1:
        raise EvalDataError(f"LOC vuole il livello e, se serve, il nome ufficiale; "
                            f"trovato {raw.fields}")
    official = rest[0] if rest else surface
    if not official.strip() or official != official.strip():
        raise EvalDataError("nome ufficiale vuoto o con spazi iniziali/finali")
    return GoldPlace(raw.start, raw.end, surface, level, official)


def _amount(raw: _RawSpan, kind: str) -> GoldAmount:
    if len(raw.fields) != 3:
        raise EvalDataError(f"{raw.fields[1]} vuole esattamente un valore; trovato {raw.fields}")
    try:
        value = float(raw.fields[2])
    except ValueError:
        raise EvalDataError(
            f"il valore {raw.fields[2]!r} non è un numero (cifre e '.', es. 2.5)"
        ) from None
    if value != value or value < 0:
        raise EvalDataError(f"il valore {raw.fields[2]!r} deve essere un numero non negativo")
    return GoldAmount(raw.start, raw.end, raw.fields[0], kind, value)
