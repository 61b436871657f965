"""`obs_places`: find Italian places with a PhraseMatcher over the gazetteer and resolve them.

Candidates come from the gazetteer's surface forms (comuni, aliases, provinces, regions, Italy,
named areas) and from area nouns after an article ("nel Bresciano"); the statistical NER's LOC
spans are added when the gazetteer knows them, its PER spans veto places. Each kept place is
resolved from its context by `nlp.places.resolve`, flagged `inside_org` when it lies inside an
organisation span, and written to `doc._.obs_places` as `PlaceHit`s. A city name after a
masculine article ("il Lecco") is a sports club: it is added to the organisation spans.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.canonical import italian_word_checker
from nlp.components.breaks import cut_at_break
from nlp.orgs import KNOWN_PREFIX, ORGS_KEY
from nlp.places import (
    GAZETTEER_DIR,
    PATTERNS_DIR,
    Gazetteer,
    Place,
    PlaceContext,
    is_street_or_club,
    load_gazetteer,
    resolve,
)
from store.text import fold_key

HYPHEN_WORD = re.compile(r"\b[A-ZÀ-Ý]\w*(?:-\w+)+")  # "Milano-Bicocca", not "co-progettazione"
BIG_COMUNE = 50_000  # population above which a comune inside a listed name is a place

if not Doc.has_extension("obs_places"):
    Doc.set_extension("obs_places", default=None)


@dataclass(frozen=True)
class PlaceHit:
    start: int  # character offsets
    end: int
    text: str
    place: Place
    inside_org: bool


def _context(doc: Doc, span: Span) -> PlaceContext:
    before = tuple(t.lower_ for t in reversed(doc[max(0, span.start - 4) : span.start]))
    after = tuple(t.lower_ for t in doc[span.end : span.end + 4])
    prev = doc[span.start - 1] if span.start > 0 else None
    nxt = doc[span.end] if span.end < len(doc) else None
    sentence_start = prev is None or prev.is_punct and prev.text in ".!?:;\n" or prev.is_space
    return PlaceContext(
        before=before,
        after=after,
        sentence_start=sentence_start,
        after_is_title=bool(nxt is not None and nxt.is_title and nxt.is_alpha),
        after_is_content_word=bool(nxt is not None and nxt.is_lower and nxt.is_alpha
                                   and not nxt.is_stop),
        before_is_title=bool(prev is not None and prev.is_title and prev.is_alpha
                             and not prev.is_stop and len(prev) > 2),
    )


def _doc_regions(spans: list[Span], gaz: Gazetteer) -> frozenset[str]:
    regions = set()
    for span in spans:
        places = gaz.lookup(span.text)
        if len(places) == 1 and places[0].regione:
            regions.add(places[0].regione)
    return frozenset(regions)


def _quarter(span: Span) -> Place:
    """'il quartiere San Siro': a quarter or frazione (level altro), named as written; a comune
    of the same name elsewhere says nothing about where it is, so no coordinates."""
    return Place(level="altro", name=span.text, kind="frazione")


def _vetoes(person: Span, span: Span) -> bool:
    """A person name covering the candidate and more ("Mario Ferrara") rules the place out;
    extra words that are only function words ("Anche Camini") do not make a person."""
    overlap = person.start < span.end and span.start < person.end
    others = [t for t in person if not span.start <= t.i < span.end]
    return overlap and any(t.is_title and not t.is_stop for t in others)


def _club_name(candidates: list[Place]) -> bool:
    """A comune (or a city that is also a province) can name a sports club; a region, an area
    or a word-like name ("del Terzo settore") cannot."""
    kinds = {p.kind for p in candidates}
    return "comune" in kinds and kinds <= {"comune", "provincia", "frazione"} and not any(
        p.ambiguous for p in candidates if p.kind == "comune"
    )


def _repeated(doc: Doc, names: list[Span], taken: set[int]) -> list[Span]:
    """A quarter named once after a cue is a place wherever the article repeats its name."""
    found = {(n.start, n.end): n for n in names}
    for name in names:
        for m in re.finditer(rf"(?<!\w){re.escape(name.text)}(?!\w)", doc.text):
            span = doc.char_span(m.start(), m.end())
            if span is not None and taken.isdisjoint(range(span.start, span.end)):
                found.setdefault((span.start, span.end), span)
    return sorted(found.values(), key=lambda s: s.start)


PLACE_TOKENS_FILE = "place_tokens.json.gz"  # built by scripts/build_gazetteer.py
PLACE_TOKENS_REVISION = "1"  # bump when the surfaces below change


def place_surfaces(gaz: Gazetteer) -> list[str]:
    """Every written form of every place name. spaCy splits "emilia-romagna" but not
    "Emilia-Romagna": the forms come in three cases (and with the typographic apostrophe) so
    that every tokenisation of a name is a pattern."""
    written = {v for s in gaz.surfaces for w in {s, s.replace("'", "’")}
               for v in (w, w.lower(), w.upper())}
    return sorted({*gaz.by_surface, *gaz.area_nouns, *written})


def place_fingerprint(gazetteer_dir: Path, patterns_dir: Path) -> str:
    """Hash of what the place token sequences are made from: data files, spaCy version."""
    digest = hashlib.sha256(f"{PLACE_TOKENS_REVISION}|{spacy.about.__version__}".encode())
    for path in (gazetteer_dir / "places.tsv", *(patterns_dir / n for n in (
            "place_aliases.tsv", "province_forms.tsv"))):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def tokenised_places(nlp: Language, gaz: Gazetteer) -> list[tuple[str, ...]]:
    """The distinct lower-case token sequences of the place surfaces (slow: tokenises ~40k
    strings; the build script stores the result so that start-up only reads it)."""
    return sorted({tuple(t.lower_ for t in doc) for doc in nlp.tokenizer.pipe(place_surfaces(gaz))
                   if len(doc)})


def write_place_tokens(path: Path, fingerprint: str, sequences: list[tuple[str, ...]]) -> None:
    payload = json.dumps({"fingerprint": fingerprint, "sequences": sequences}, ensure_ascii=False)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(payload.encode("utf-8"))


def load_place_tokens(nlp: Language, gaz: Gazetteer, gazetteer_dir: Path,
                      patterns_dir: Path) -> list[tuple[str, ...]]:
    """The precompiled sequences when they match the data, else tokenise now (and say so)."""
    path = gazetteer_dir / PLACE_TOKENS_FILE
    fingerprint = place_fingerprint(gazetteer_dir, patterns_dir)
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("fingerprint") == fingerprint:
            return [tuple(seq) for seq in data["sequences"]]
    warnings.warn(f"{path}: mancante o non aggiornato, i nomi dei luoghi vengono tokenizzati "
                  "all'avvio (lento); ricostruiscilo con scripts/build_gazetteer.py",
                  stacklevel=2)
    return tokenised_places(nlp, gaz)


class SequenceMatcher:
    """Exact matches of lower-case token sequences (what a PhraseMatcher on LOWER does),
    built from plain tuples in a few milliseconds instead of 40k pattern Docs."""

    def __init__(self, sequences: list[tuple[str, ...]]):
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for seq in sequences:
            self.by_first.setdefault(seq[0], []).append(seq)

    def __call__(self, doc: Doc) -> list[tuple[int, int]]:
        lowers = [t.lower_ for t in doc]
        found = []
        for i, low in enumerate(lowers):
            for seq in self.by_first.get(low, ()):
                n = len(seq)
                if n == 1 or tuple(lowers[i : i + n]) == seq:
                    found.append((i, i + n))
        return found


class PlaceFinder:
    def __init__(self, nlp: Language, patterns_dir: str, gazetteer_dir: str):
        self.gaz = load_gazetteer(Path(gazetteer_dir), Path(patterns_dir))
        self.matcher = SequenceMatcher(load_place_tokens(nlp, self.gaz, Path(gazetteer_dir),
                                                         Path(patterns_dir)))
        self.area_articles = set(self.gaz.context["area_articles"])
        self.is_word = italian_word_checker()
        self.prefix_hashes = {nlp.vocab.strings.add(w) for w in self.gaz.context["area_prefixes"]}

    def _candidates(self, doc: Doc, ents: list[Span]) -> list[Span]:
        spans = [doc[s:e] for s, e in self.matcher(doc) if doc[s].text[:1].isupper()]
        model_locs = [cut for e in ents if e.label_ == "LOC"
                      for cut in [cut_at_break(e)] if cut is not None and self.gaz.lookup(cut.text)]
        return filter_spans(spans + model_locs)

    def _quarter_names(self, doc: Doc, taken: set[int]) -> list[Span]:
        """'nel quartiere Tor Marancia', 'in zona Cinecittà', 'località Ca' Orezzi': a
        capitalised name after a quarter cue is a quarter or frazione even when the gazetteer
        does not know it. The name stops at a line break, a lower-case word or punctuation."""
        cues = {doc.vocab.strings.add(w) for w in self.gaz.context["quarter_name_cues"]}
        connectors = {"di", "del", "della", "dei", "de'"}
        found = []
        for i, h in enumerate(doc.to_array("LOWER").tolist()):
            j = i + 1
            if h not in cues or j >= len(doc):
                continue
            j += doc[j].lower_ == "di"
            k = j
            while k < len(doc) and k - j < 4 and k not in taken and (
                    doc[k].is_title or doc[k].is_upper and len(doc[k]) > 2
                    or k > j and doc[k].lower_ in connectors and k + 1 < len(doc)
                    and doc[k + 1].is_title):
                k += 1
            if k > j and doc[k - 1].lower_ not in connectors and not (
                    k - j == 1 and self.is_word(doc[j].lower_)
                    and not self.gaz.lookup(doc[j].text)):
                found.append(doc[j:k])
        return found

    def _sigla_in_brackets(self, doc: Doc, taken: set[int]) -> list[tuple[Span, Place]]:
        """'Rovereto (TN)', 'ROVERETO (TN)': a province sigla in brackets after a name."""
        found = []
        for k in range(2, len(doc) - 1):
            tok = doc[k]
            if (k in taken or len(tok) != 2 or not tok.is_upper or doc[k - 1].text != "("
                    or doc[k + 1].text != ")" or not doc[k - 2].text[:1].isupper()):
                continue
            province = self.gaz.by_sigla.get(tok.text)
            if province is not None:
                found.append((doc[k : k + 1], province))
        return found

    def _area(self, doc: Doc, span: Span) -> Place | None:
        area = self.gaz.area_nouns.get(fold_key(span.text))
        before = doc[span.start - 1].lower_ if span.start > 0 else ""
        return area if area is not None and before in self.area_articles else None

    def _allowed_inside(self, span: Span, org: Span, candidates: list[Place]) -> bool:
        """A saint's name inside "Compagnia di San Paolo" is not a place; inside hand-listed
        organisations only regions, provinces and large comuni are ("Politecnico di Milano")."""
        context = self.gaz.context
        if span[0].lower_ in context["saint_words"] and org[0].lower_ not in context[
            "place_org_heads"
        ]:
            return False
        if org.id_.startswith(KNOWN_PREFIX) and not any(
            p.kind in ("regione", "provincia") or p.population >= BIG_COMUNE for p in candidates
        ):
            return False
        return True

    def _resolve(self, doc: Doc, span: Span, regions: frozenset[str], org_at: dict[int, Span],
                 clubs: list[Span], loc_starts: set[tuple[int, int]]) -> Place | None:
        ctx = _context(doc, span)
        inside = span.start in org_at
        candidates = self.gaz.lookup(span.text)
        if inside and not self._allowed_inside(span, org_at[span.start], candidates):
            return None
        if not candidates:
            return self._area(doc, span)
        blocked = is_street_or_club(ctx, self.gaz)
        if blocked == "street" and not inside:
            return None
        if blocked == "club" and not inside and any(p.kind == "comune" for p in candidates):
            if _club_name(candidates):
                clubs.append(Span(doc, span.start, span.end, label="altro"))
            return None  # "il Lecco" is a club; "il Calcio" is a word
        model_loc = (span.start, span.end) in loc_starts
        if ctx.before and ctx.before[0] in self.gaz.context["quarter_cues"]:
            return _quarter(span)
        return resolve(candidates, ctx, self.gaz, regions, inside_org=inside, model_loc=model_loc)

    def _hyphen_parts(self, doc: Doc, spans: list[Span], org_at: dict[int, Span],
                      regions: frozenset[str]) -> list[PlaceHit]:
        """Places joined by a hyphen in one token: 'Milano-Bicocca', 'Conversano-Monopoli'."""
        covered = {i for s in spans for i in range(s.start, s.end)}
        hits = []
        hyphenated = {doc.char_span(m.start(), m.end(), alignment_mode="expand")
                      for m in HYPHEN_WORD.finditer(doc.text)}
        for tok in (s[0] for s in hyphenated if s is not None and len(s) == 1):
            if tok.i in covered or not tok.text[:1].isupper():
                continue
            offset = tok.idx
            for part in tok.text.split("-"):
                candidates = self.gaz.lookup(part)
                span = doc[tok.i : tok.i + 1]
                place = resolve(candidates, _context(doc, span), self.gaz, regions,
                                inside_org=tok.i in org_at) if part[:1].isupper() else None
                if place is not None:
                    hits.append(PlaceHit(offset, offset + len(part), part, place,
                                         tok.i in org_at))
                offset += len(part) + 1
        return hits

    def _area_shapes(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Named areas not in the gazetteer: 'Val Graveglia', 'Alto Bradano', 'Valle del
        Belice'. The name after the prefix must be a proper noun, not an Italian word; the
        prefix may itself be a one-word comune ('Alto')."""
        covered = {i for s in spans if len(s) > 1 for i in range(s.start, s.end)}
        context, areas, done = self.gaz.context, [], 0
        for i in self.prefix_positions(doc):
            tok = doc[i]
            if i < done or i in covered or not tok.is_title or i + 1 >= len(doc):
                continue
            j = i + 1 + (doc[i + 1].lower_ in context["area_connectors"])
            if j < len(doc) and j not in covered and self._proper_noun(doc[j]):
                areas.append(doc[i : j + 1])
                done = j + 1
        return areas

    def prefix_positions(self, doc: Doc) -> list[int]:
        lowers = doc.to_array("LOWER").tolist()
        return [i for i, h in enumerate(lowers) if h in self.prefix_hashes]

    def _proper_noun(self, tok) -> bool:
        if not (tok.is_title and tok.is_alpha) or tok.is_sent_start:
            return False
        return bool(self.gaz.lookup(tok.text)) or not self.is_word(tok.lower_)

    def _in_province_list(self, doc: Doc, span: Span, previous: tuple[int, Place] | None) -> bool:
        """'nelle province di Vicenza e Treviso': a list continues the previous province."""
        if previous is None or previous[1].level != "provincia":
            return False
        between = doc[previous[0] : span.start]
        return len(between) <= 2 and all(t.lower_ in self.gaz.context["list_joiners"]
                                         for t in between)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        spans = self._candidates(doc, ents)
        areas = self._area_shapes(doc, spans)
        in_area = {i for a in areas for i in range(a.start, a.end)}
        spans = [s for s in spans if in_area.isdisjoint(range(s.start, s.end))]
        loc_starts = {(e.start, e.end) for e in ents if e.label_ == "LOC"}
        person_at = {i: e for e in ents if e.label_ == "PER" for i in range(e.start, e.end)}
        orgs = list(doc.spans.get(ORGS_KEY, []))
        org_at = {i: s for s in orgs for i in range(s.start, s.end)}
        regions = _doc_regions(spans, self.gaz)
        hits: list[PlaceHit] = []
        clubs: list[Span] = []
        previous: tuple[int, Place] | None = None
        for span in spans:
            persons = {person_at[i] for i in range(span.start, span.end) if i in person_at}
            if any(_vetoes(person, span) for person in persons):
                continue
            place = self._resolve(doc, span, regions, org_at, clubs, loc_starts)
            if place is not None and self._in_province_list(doc, span, previous):
                place = next((p for p in self.gaz.lookup(span.text) if p.level == "provincia"),
                             place)
            if place is not None:
                previous = (span.end, place)
                hits.append(PlaceHit(span.start_char, span.end_char, span.text, place,
                                     span.start in org_at))
        hits.extend(self._hyphen_parts(doc, spans, org_at, regions))
        taken = {i for sp in spans for i in range(sp.start, sp.end)} | set(org_at)
        hits.extend(PlaceHit(q.start_char, q.end_char, q.text, _quarter(q), False)
                    for q in _repeated(doc, self._quarter_names(doc, taken), taken))
        hits.extend(PlaceHit(t.start_char, t.end_char, t.text, province, False)
                    for t, province in self._sigla_in_brackets(doc, taken))
        hits.extend(PlaceHit(a.start_char, a.end_char, a.text,
                             Place(level="altro", name=a.text, kind="area"), a.start in org_at)
                    for a in areas)
        hits.sort(key=lambda h: h.start)
        if clubs:
            doc.spans[ORGS_KEY] = sorted(orgs + clubs, key=lambda s: s.start)
        doc._.obs_places = hits
        return doc


@Language.factory("obs_places", default_config={"patterns_dir": "", "gazetteer_dir": ""})
def make_places(nlp: Language, name: str, patterns_dir: str, gazetteer_dir: str) -> PlaceFinder:
    return PlaceFinder(nlp, patterns_dir or str(PATTERNS_DIR), gazetteer_dir or str(GAZETTEER_DIR))
