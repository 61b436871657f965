"""Organisation rules: known names (a SpanRuler fed from data files) and Italian name shapes.

`obs_org_rules` reads the SpanRuler's matches (`doc.spans["obs_known"]`), finds organisation
shapes opened by a head word from `nlp/patterns/org_heads.tsv` ("Comune di X", "Cooperativa
sociale X", "ASL Salerno", "Dipartimento di ... dell'Università di ..."), keeps the longest
non-overlapping spans and writes them to `doc.spans["obs_orgs"]` with the organisation type as
label.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.canonical import OrgLexicon, load_org_lexicon
from nlp.places import GAZETTEER_DIR, PATTERNS_DIR, Gazetteer, fold, load_gazetteer, read_tsv

KNOWN_KEY = "obs_known"
ORGS_KEY = "obs_orgs"
MAX_NAME_TOKENS = 14


def known_org_patterns(
    lex: OrgLexicon, acronyms: Iterable[tuple[str, str, str]] = ()
) -> list[dict]:
    """SpanRuler patterns: one-word variants match case-sensitively, longer ones on LOWER."""
    patterns = []
    seen: set[tuple[str, str]] = set()
    entries = [(v, lex.known[fold(v)].canonical, lex.known[fold(v)].type)
               for v in lex.known_variants]
    entries += [(name, name, lex.public_bodies[fold(name)].type) for name in lex.public_names]
    entries += list(acronyms)
    for surface, canonical, org_type in entries:
        if (surface, org_type) in seen:
            continue
        seen.add((surface, org_type))
        if " " in surface.strip() or "'" in surface:
            patterns.append({"label": org_type, "pattern": surface, "id": canonical})
        else:
            patterns.append({"label": org_type, "pattern": [{"ORTH": surface}], "id": canonical})
    return patterns


def public_body_acronyms(gazetteer_dir: Path) -> list[tuple[str, str, str]]:
    """(acronym, canonical name, type) for IndicePA bodies with a usable acronym."""
    path = Path(gazetteer_dir) / "public_bodies.tsv"
    if not path.is_file():
        return []
    rows = read_tsv(path, ["name", "acronym", "category", "type"])
    return [(r["acronym"], r["name"], r["type"]) for r in rows if r["acronym"]]


def _is_name_token(tok: Token, lex: OrgLexicon) -> bool:
    text = tok.text
    return (text[:1].isupper() or text[:1].isdigit()) and text not in lex.words["not_names"] and (
        tok.is_alpha or text[:1].isdigit() or any(c.isalpha() for c in text)
    )


def _quoted_end(doc: Doc, j: int, lex: OrgLexicon) -> int | None:
    """End of a quoted name starting at j ("«Il Sorriso»"), or None."""
    if j >= len(doc) or doc[j].text not in lex.words["quotes_open"]:
        return None
    for k in range(j + 1, min(len(doc), j + 10)):
        if doc[k].text in lex.words["quotes_close"]:
            return k + 1 if k > j + 1 and _is_name_token(doc[j + 1], lex) else None
    return None


def _starts_head(doc: Doc, j: int, lex: OrgLexicon) -> bool:
    return lex.head_at([t.lower_ for t in doc[j : j + 4]]) is not None


def _name_end(doc: Doc, j: int, lex: OrgLexicon, connectors: set[str], stop_at_heads: bool,
              stops: frozenset[int] = frozenset()) -> int:
    """Extend a proper name from j over name tokens and connectors followed by a name token."""
    end = j
    limit = min(len(doc), j + MAX_NAME_TOKENS)
    k = j
    while k < limit:
        quoted = _quoted_end(doc, k, lex)
        if quoted is not None:
            end = k = quoted
            continue
        if _is_name_token(doc[k], lex):
            end = k = k + 1
            continue
        if doc[k].lower_ in lex.words["legal_suffixes"] and end > j:
            end = k = k + 1
            continue
        nxt = _after_connectors(doc, k, connectors)
        if nxt is None or nxt >= limit or not (_is_name_token(doc[nxt], lex) or
                                               _quoted_end(doc, nxt, lex)):
            break
        genitive = doc[k].lower_ in lex.words["genitive_connectors"]
        if not genitive and (nxt in stops or stop_at_heads and _starts_head(doc, nxt, lex)):
            break
        if doc[k].lower_ in ("e", "ed") and _starts_head(doc, nxt, lex):
            break
        k = nxt
    return end


def _after_connectors(doc: Doc, k: int, connectors: set[str]) -> int | None:
    """Index after one or two connector tokens starting at k (None if doc[k] is not one)."""
    if k >= len(doc) or doc[k].lower_ not in connectors or doc[k].is_sent_start and k > 0:
        return None
    if k + 1 < len(doc) and doc[k + 1].lower_ in connectors and doc[k + 1].lower_ not in ("e",):
        return k + 2
    return k + 1


def _tail_name(doc: Doc, j: int, lex: OrgLexicon, stops: frozenset[int]) -> int | None:
    """Descriptors then a proper name: 'sociale La Grande Casa', 'di Comunità di Milano'."""
    k = j
    while k < len(doc) and k < j + 6 and doc[k].lower_ in lex.words["descriptors"]:
        if _is_name_token(doc[k], lex) and k > j and doc[k].lower_ not in ("di", "e"):
            break
        k += 1
    for start in range(k, j - 1, -1):
        if start < len(doc) and (_is_name_token(doc[start], lex) or _quoted_end(doc, start, lex)):
            if start > j and doc[start - 1].lower_ in ("e", "ed"):
                continue
            end = _name_end(doc, start, lex, set(lex.words["connectors"]), True, stops)
            return end if end > start else None
    return None


def _place_tail(doc: Doc, j: int, lex: OrgLexicon) -> int | None:
    """'di Reggio nell'Emilia', 'Lombardia', 'autonoma di Trento' after a place head."""
    k = j
    if k < len(doc) and doc[k].lower_ in lex.words["genitive_connectors"]:
        k += 1
    if k >= len(doc) or not _is_name_token(doc[k], lex) or doc[k].text[:1].isdigit():
        return None
    connectors = set(lex.words["place_tail_connectors"]) - {"e"}
    return _name_end(doc, k, lex, connectors, stop_at_heads=True)


def _acronym_tail(doc: Doc, j: int, lex: OrgLexicon, gaz: Gazetteer) -> int | None:
    """'Salerno', 'di Salerno', 'Napoli 1 Centro', 'salernitana', 'Brianza' after ASL/ATS..."""
    k = j
    if k < len(doc) and doc[k].lower_ in lex.words["genitive_connectors"]:
        k += 1
    if k < len(doc) and doc[k].lower_ in gaz.adjectives and doc[k].is_lower:
        return k + 1
    if k >= len(doc) or not _is_name_token(doc[k], lex):
        return None
    connectors = set(lex.words["place_tail_connectors"]) - {"e"}
    return _name_end(doc, k, lex, connectors, stop_at_heads=True)


def _head_ok(doc: Doc, i: int, kind: str) -> bool:
    first = doc[i].text
    if kind == "place":
        return first[:1].isupper()
    if kind == "acronym":
        return first.isupper() or first.istitle()
    return True


def shape_spans(
    doc: Doc, lex: OrgLexicon, gaz: Gazetteer, stops: frozenset[int] = frozenset()
) -> list[Span]:
    """Organisation spans opened by a head word, labelled with the head's type. A name does not
    run through a non-genitive connector into a known organisation (`stops`: its start tokens)."""
    spans: list[Span] = []
    lowers = [t.lower_ for t in doc]
    i = 0
    while i < len(doc):
        head = lex.head_at(lowers[i : i + 5])
        if head is None or not _head_ok(doc, i, head.kind):
            i += 1
            continue
        j = i + len(head.words)
        if head.kind == "place":
            end = _place_tail(doc, j, lex)
        elif head.kind == "acronym":
            end = _acronym_tail(doc, j, lex, gaz)
        else:
            end = _tail_name(doc, j, lex, stops)
        if end is None or end <= j:
            i += 1
            continue
        spans.append(Span(doc, i, end, label=head.type))
        i = end
    return spans


def extend_known(doc: Doc, span: Span, gaz: Gazetteer) -> Span:
    """'ANCI' + 'Lombardia' -> 'ANCI Lombardia': a known organisation followed by a place."""
    end = span.end
    if end < len(doc) and doc[end].text[:1].isupper() and gaz.lookup(doc[end].text):
        return Span(doc, span.start, end + 1, label=span.label_)
    return span


def merge_spans(*groups: Iterable[Span]) -> list[Span]:
    """Longest spans win; on equal length the earlier group (known names) wins."""
    ranked = []
    for rank, group in enumerate(groups):
        ranked.extend((-(s.end - s.start), rank, s.start, s) for s in group)
    ranked.sort(key=lambda item: item[:3])
    taken: set[int] = set()
    kept = []
    for *_, span in ranked:
        if taken.isdisjoint(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return sorted(kept, key=lambda s: s.start)


class OrgRules:
    def __init__(self, patterns_dir: str, gazetteer_dir: str):
        self.patterns_dir = patterns_dir
        self.gazetteer_dir = gazetteer_dir
        self.lex = load_org_lexicon(Path(patterns_dir), Path(gazetteer_dir))
        self.gaz = load_gazetteer(Path(gazetteer_dir), Path(patterns_dir))
        self.variants = frozenset(self.lex.known_variants)

    def _known(self, doc: Doc) -> list[Span]:
        """Known-name matches; case-insensitive ones must start with a capital letter."""
        spans = []
        for span in doc.spans.get(KNOWN_KEY, []):
            if span.text[:1].isupper() or span.text in self.variants:
                spans.append(extend_known(doc, span, self.gaz))
        return spans

    def __call__(self, doc: Doc) -> Doc:
        known = self._known(doc)
        stops = frozenset(s.start for s in known)
        doc.spans[ORGS_KEY] = merge_spans(known, shape_spans(doc, self.lex, self.gaz, stops))
        return doc


@Language.factory("obs_org_rules", default_config={"patterns_dir": "", "gazetteer_dir": ""})
def make_org_rules(nlp: Language, name: str, patterns_dir: str, gazetteer_dir: str) -> OrgRules:
    """Empty paths mean the data shipped in nlp/patterns and nlp/data/gazetteer."""
    return OrgRules(patterns_dir or str(PATTERNS_DIR), gazetteer_dir or str(GAZETTEER_DIR))
