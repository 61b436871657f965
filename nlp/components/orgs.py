"""Organisation rules: known names (a SpanRuler fed from data files) and Italian name shapes.

`obs_org_rules` reads the SpanRuler's matches (`doc.spans["obs_known"]`), finds organisation
shapes opened by a head word from `nlp/patterns/org_heads.tsv` ("Comune di X", "Cooperativa
sociale X", "ASL Salerno", "Dipartimento di ... dell'Università di ..."), extends known names
and acronyms with a place ("ANCI Lombardia", "AVIS comunale di Ragusa"), adds acronyms defined
in the text ("... del Molise (ASREM)") and keeps the longest non-overlapping spans in
`doc.spans["obs_orgs"]`, labelled with the organisation type.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.canonical import load_org_lexicon
from nlp.orgs import (
    KNOWN_KEY,
    ORGS_KEY,
    Scanner,
    acronym_place_spans,
    defined_acronyms,
    extend_known,
    legal_form_spans,
    merge_spans,
    shape_spans,
)
from nlp.places import GAZETTEER_DIR, PATTERNS_DIR, load_gazetteer
from store.text import fold_key


class OrgRules:
    def __init__(self, patterns_dir: str, gazetteer_dir: str):
        self.lex = load_org_lexicon(Path(patterns_dir), Path(gazetteer_dir))
        self.gaz = load_gazetteer(Path(gazetteer_dir), Path(patterns_dir))
        self.variants = frozenset(self.lex.known_variants)
        self.siglas = frozenset(self.gaz.by_sigla)

    def _known(self, scan: Scanner) -> list[Span]:
        """Known-name matches; case-insensitive ones must start with a capital letter."""
        spans = []
        for span in scan.doc.spans.get(KNOWN_KEY, []):
            if span.text[:1].isupper() or span.text in self.variants or (
                    len(span) > 1 and self._lower_case_head(span.text)):
                spans.append(extend_known(scan, span))
        return spans

    def _lower_case_head(self, text: str) -> bool:
        """'ministero del Lavoro e delle Politiche sociali': a known name written in lower case
        after a head that names a body even in lower case."""
        folded = fold_key(text)
        return any(folded.startswith(h + " ") for h in self.lex.words["lower_case_heads"])

    def __call__(self, doc: Doc) -> Doc:
        scan = Scanner(doc, self.lex, self.gaz)
        known = self._known(scan)
        scan.stops = frozenset(s.start for s in known)
        known_tokens = {i for s in known for i in range(s.start, s.end)}
        orgs = merge_spans(known, shape_spans(scan), acronym_place_spans(scan, known_tokens),
                           legal_form_spans(scan))
        doc.spans[ORGS_KEY] = sorted(orgs + defined_acronyms(doc, orgs, self.siglas),
                                     key=lambda s: s.start)
        return doc


@Language.factory("obs_org_rules", default_config={"patterns_dir": "", "gazetteer_dir": ""})
def make_org_rules(nlp: Language, name: str, patterns_dir: str, gazetteer_dir: str) -> OrgRules:
    """Empty paths mean the data shipped in nlp/patterns and nlp/data/gazetteer."""
    return OrgRules(patterns_dir or str(PATTERNS_DIR), gazetteer_dir or str(GAZETTEER_DIR))
