"""`obs_canonical`: the last component. Combines rule and model organisations, canonicalizes them
and assembles `doc._.obs_entities` (an `nlp.types.Entities`).

Rules win where they matched (organisation shapes, known names, gazetteer); the statistical
model's ORG spans are added where no rule matched, unless they are only a place name, an
internal organ or a generic word (`nlp/patterns/org_stoplist.json`). Names of geographic
features ("Colli Euganei", "torrente Stirone", `store/geographic.py`) are never organisations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.canonical import (
    ORG_TYPES,
    OrgLexicon,
    canonicalize,
    italian_word_checker,
    load_org_lexicon,
    org_type,
    slug,
)
from nlp.components.breaks import cut_at_break
from nlp.components.places import PlaceHit
from nlp.orgs import ALIAS_PREFIX, ORGS_KEY
from nlp.places import GAZETTEER_DIR, PATTERNS_DIR, Gazetteer, load_gazetteer
from nlp.types import Entities, OrgMention, PlaceMention
from store.geographic import FEATURE_NOUNS, ORGANISATION_WORDS, is_geographic_name
from store.text import fold_key

if not Doc.has_extension("obs_entities"):
    Doc.set_extension("obs_entities", default=None)

MAX_MODEL_ORG_TOKENS = 10
ARTICLES = frozenset({"il", "lo", "la", "l'", "l’", "i", "gli", "le"})
LINK_WORDS = frozenset(
    "di del della dello dei degli delle dell' dell’ d' d’ e ed per il lo la le i gli l' l’ a al "
    "alla in con da dal dalla tra fra sul sulla".split()
)


def strip_article(span: Span) -> Span:
    """'La Sardegna' -> 'Sardegna': the article is never part of a mention (guidelines)."""
    if len(span) > 1 and span[0].lower_ in ARTICLES:
        return span.doc[span.start + 1 : span.end]
    return span


def model_org_ok(
    span: Span, gaz: Gazetteer, stoplist: dict[str, list[str]], is_word: Callable[[str], bool]
) -> bool:
    """Keep a statistical ORG span only if it looks like a named organisation: capitalised,
    not a place, an organ, a programme or (one token) an ordinary word such as 'Potranno'."""
    text = span.text.strip()
    folded = fold_key(text)
    if not text[:1].isupper() or len(span) > MAX_MODEL_ORG_TOKENS or len(folded) < 2:
        return False
    if folded in stoplist["surfaces"] or gaz.lookup(text):
        return False
    if len(span) == 1 and is_word(text.lower()) and (not text.isupper() or len(text) > 4):
        return False  # "Potranno"; a headline word in capitals ("COLLABORAZIONE")
    if len(span) > 1 and text.isupper() and all(is_word(t.lower_) for t in span if t.is_alpha):
        return False  # an upper-case headline: "DETERMINAZIONE DIRIGENZIALE"
    if any(t.is_lower and t.is_alpha and t.lower_ not in LINK_WORDS for t in span):
        return False  # "Federazione regionale", "PUBBLICA per l'individuazione"
    if span[-1].lower_ in LINK_WORDS:
        return False  # "Punto di": cut off
    words = [t for t in span if t.is_alpha and t.lower_ not in LINK_WORDS]
    if len(words) > 1 and all(is_word(t.lower_) and not t.is_upper for t in words):
        return False  # "Ciclo di Workshop", "Associazione dei Comuni": common words only
    first = fold_key(span[0].text)
    if first in stoplist["surfaces"]:
        return False  # "PON Inclusione": a programme acronym
    return first not in stoplist["first_words"] and not any(
        folded.startswith(w + " ") for w in stoplist["first_words"]
    )


def _org_mention(span: Span, lex: OrgLexicon, gaz: Gazetteer) -> OrgMention:
    """Known names carry their canonical name as span id; others are canonicalized here."""
    if span.id_ and not span.id_.startswith(ALIAS_PREFIX):
        name = span.id_.split(":", 1)[1]
        return OrgMention(span.text, span.start_char, span.end_char, name, span.label_, slug(name))
    canon = canonicalize(span.text, lex, gaz, type_hint=span.label_)
    org_kind = span.label_ if span.label_ in ORG_TYPES else canon.type
    if org_kind == "terzo_settore" and public_consortium(span.text, lex):
        org_kind = "pubblico"
    return OrgMention(span.text, span.start_char, span.end_char, canon.name, org_kind, canon.key)


def public_consortium(text: str, lex: OrgLexicon) -> bool:
    """'Consorzio Casalese Servizi Sociali': consortia of comuni running social services."""
    folded = fold_key(text)
    return folded.startswith("consorzio") and any(
        cue in folded for cue in lex.words["public_consortium_cues"]
    )


def link_aliases(spans: list[Span], orgs: list[OrgMention]) -> list[OrgMention]:
    """An acronym defined in the text takes the canonical name of the organisation it stands
    for ("(ASREM)" after "Azienda Sanitaria Regionale del Molise")."""
    by_start = {s.start: o for s, o in zip(spans, orgs, strict=True)}
    linked = []
    for span, org in zip(spans, orgs, strict=True):
        target = by_start.get(int(span.id_[len(ALIAS_PREFIX) :])) if span.id_.startswith(
            ALIAS_PREFIX) else None
        if target is not None:
            org = OrgMention(org.text, org.start, org.end, target.canonical, target.type,
                             target.key)
        linked.append(org)
    return linked


def _place_mention(hit: PlaceHit, inside: bool) -> PlaceMention:
    place = hit.place
    return PlaceMention(
        text=hit.text,
        start=hit.start,
        end=hit.end,
        name=place.name,
        level=place.level,
        istat=place.istat,
        provincia=place.provincia,
        regione=place.regione,
        lat=place.lat,
        lon=place.lon,
        inside_org=inside,
    )


class Canonicalizer:
    def __init__(self, patterns_dir: str, gazetteer_dir: str):
        self.lex = load_org_lexicon(Path(patterns_dir), Path(gazetteer_dir))
        self.gaz = load_gazetteer(Path(gazetteer_dir), Path(patterns_dir))
        self.stoplist = json.loads((Path(patterns_dir) / "org_stoplist.json").read_text("utf-8"))
        self.stoplist["surfaces"] += [a.lower() for a in self.lex.words["not_org_acronyms"]]
        self.is_word = italian_word_checker()

    def _model_orgs(self, doc: Doc, rule_tokens: set[int]) -> list[Span]:
        kept = []
        for ent in doc.ents:
            if ent.label_ != "ORG" or not rule_tokens.isdisjoint(range(ent.start, ent.end)):
                continue
            ent = cut_at_break(ent)
            if ent is None:
                continue
            ent = strip_article(ent)
            if model_org_ok(ent, self.gaz, self.stoplist, self.is_word):
                kept.append(Span(doc, ent.start, ent.end, label=org_type(ent.text, self.lex)))
        return kept

    def _unit_or_programme(self, span: Span) -> bool:
        """A unit, programme, facility or fund, also when the next word completes it
        ("Polizia" + "Municipale"); known names are kept."""
        if span.id_ and not span.id_.startswith(ALIAS_PREFIX) and len(span) > 1:
            return False
        longer = span.doc[span.start : min(len(span.doc), span.end + 1)]
        return self.lex.is_not_org(span.text) or (
            longer.end > span.end and self.lex.is_not_org(longer.text))

    def _geographic(self, span: Span) -> bool:
        """The name of a hill, valley, river, park...: 'Colli Euganei', 'Parco dello Stirone',
        or any name right after a feature noun ('torrente Stirone', 'Parco del Ticino').
        Known names and names opened by an organisation head ('Parco Nazionale ...') stay."""
        if span.id_ and not span.id_.startswith(ALIAS_PREFIX):
            return False
        if self.lex.head_match([t.lower_ for t in span]) is not None:
            return False
        if is_geographic_name(span.text):
            return True
        if not ORGANISATION_WORDS.isdisjoint(fold_key(t.text) for t in span):
            return False
        k = span.start - 1
        if k >= 1 and span.doc[k].lower_ in LINK_WORDS:
            k -= 1
        return k >= 0 and fold_key(span.doc[k].text) in FEATURE_NOUNS

    def _rule_orgs(self, doc: Doc) -> list[Span]:
        kept = []
        for span in doc.spans.get(ORGS_KEY, []):
            cut = cut_at_break(span)
            if cut is None:
                continue
            if (cut.start, cut.end) != (span.start, span.end):
                span = Span(doc, cut.start, cut.end, label=span.label_, span_id=span.id_)
            kept.append(span)
        return kept

    def __call__(self, doc: Doc) -> Doc:
        rule_orgs = self._rule_orgs(doc)
        rule_tokens = {i for s in rule_orgs for i in range(s.start, s.end)}
        spans = sorted((s for s in rule_orgs + self._model_orgs(doc, rule_tokens)
                        if not self._unit_or_programme(s) and not self._geographic(s)),
                       key=lambda s: s.start)
        orgs = link_aliases(spans, [_org_mention(s, self.lex, self.gaz) for s in spans])
        org_ranges = [(o.start, o.end) for o in orgs]
        places = []
        for hit in doc._.obs_places or []:
            inside = hit.inside_org or any(s <= hit.start and hit.end <= e for s, e in org_ranges)
            places.append(_place_mention(hit, inside))
        doc._.obs_entities = Entities(orgs, places, list(doc._.obs_amounts or []))
        return doc


@Language.factory("obs_canonical", default_config={"patterns_dir": "", "gazetteer_dir": ""})
def make_canonical(
    nlp: Language, name: str, patterns_dir: str, gazetteer_dir: str
) -> Canonicalizer:
    """Empty paths mean the data shipped in nlp/patterns and nlp/data/gazetteer."""
    return Canonicalizer(patterns_dir or str(PATTERNS_DIR), gazetteer_dir or str(GAZETTEER_DIR))
