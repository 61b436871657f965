"""The pure rules for organisation names (no spaCy component here: that is
`nlp/components/orgs.py`, which runs them on each Doc).

Known names and acronyms become SpanRuler patterns (`known_org_patterns`); the `Scanner` finds
organisation shapes opened by a head word from `nlp/patterns/org_heads.tsv` ("Comune di X",
"Cooperativa sociale X", "ASL Salerno"), extends known names and acronyms with a place ("ANCI
Lombardia"), finds acronyms defined in the text ("... del Molise (ASREM)") and keeps the longest
non-overlapping spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from nlp.canonical import Head, OrgLexicon
from nlp.places import Gazetteer, read_tsv
from store.text import fold_key

KNOWN_KEY = "obs_known"
ORGS_KEY = "obs_orgs"
KNOWN_PREFIX = "known:"  # span ids: the canonical name, prefixed with where the name comes from
REGISTRY_PREFIX = "ipa:"
ALIAS_PREFIX = "alias:"  # an acronym standing for another organisation span (its start token)
MAX_NAME_TOKENS = 14
SINGULAR_DETERMINERS = frozenset(
    "l' l’ il la lo dell' dell’ all' all’ dall' dall’ nell' nell’ sull' sull’ del della dello "
    "al alla allo dal dalla dallo nel nella nello sul sulla sullo col con per tra fra da di "
    "e , :".split()
)
MAX_PLACE_TOKENS = 5


def known_org_patterns(
    lex: OrgLexicon, acronyms: Iterable[tuple[str, str, str]] = ()
) -> tuple[list[dict], list[dict]]:
    """Phrase patterns for two SpanRulers: (longer names, matched on LOWER; one-word names and
    acronyms, matched case-sensitively on ORTH)."""
    phrases: list[dict] = []
    words: list[dict] = []
    seen: set[tuple[str, str]] = set()
    entries = [(v, KNOWN_PREFIX + lex.known[fold_key(v)].canonical, lex.known[fold_key(v)].type)
               for v in lex.known_variants]
    entries += [(name, REGISTRY_PREFIX + name, lex.public_bodies[fold_key(name)].type)
                for name in lex.public_names]
    entries += [(a, REGISTRY_PREFIX + name, t) for a, name, t in acronyms]
    for surface, canonical, org_type in entries:
        if (surface, org_type) in seen:
            continue
        seen.add((surface, org_type))
        target = phrases if " " in surface.strip() or "'" in surface else words
        target.append({"label": org_type, "pattern": surface, "id": canonical})
    return phrases, words


def public_body_acronyms(gazetteer_dir: Path) -> list[tuple[str, str, str]]:
    """(acronym, canonical name, type) for IndicePA bodies with a usable acronym."""
    path = Path(gazetteer_dir) / "public_bodies.tsv"
    if not path.is_file():
        return []
    rows = read_tsv(path, ["name", "acronym", "category", "type"])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["acronym"]] = counts.get(r["acronym"], 0) + 1
    # an acronym shared by several bodies is a category ("IPAB", "ASP"), not a name
    return [(r["acronym"], r["name"], r["type"]) for r in rows
            if r["acronym"] and counts[r["acronym"]] == 1]


def is_acronym(tok: Token) -> bool:
    """'ANGSA', 'AVO', 'FVG': 2-8 letters, all upper case."""
    text = tok.text
    return 2 <= len(text) <= 8 and text.isalpha() and text.isupper()


LOCATIVE = {"a", "ad", "in", "da", "tra", "fra", "con"}


@dataclass
class Scanner:
    """Token-level rules for the end of an organisation name. Word classes come from
    nlp/patterns/org_words.json, places from the gazetteer."""

    doc: Doc
    lex: OrgLexicon
    gaz: Gazetteer
    stops: frozenset[int] = frozenset()  # starts of known names: a name never runs into them
    located: bool = False  # "di <comune>" after a proper name is where it is (cooperatives...)

    def words(self, key: str) -> list[str]:
        return self.lex.words[key]

    def is_name(self, k: int, first: bool = False) -> bool:
        tok = self.doc[k]
        text = tok.text
        if first and text in self.words("not_names"):
            return False
        if text[:1].isdigit():
            return tok.is_digit and len(text) <= 3 and not first
        return text[:1].isupper() and any(c.isalpha() for c in text)

    def starts_head(self, k: int) -> bool:
        return self.lex.head_match([t.lower_ for t in self.doc[k : k + 6]]) is not None

    def place_len(self, k: int) -> int:
        """Tokens of the longest gazetteer place starting at k (0 if none)."""
        doc = self.doc
        if k >= len(doc) or not doc[k].text[:1].isupper():
            return 0
        for n in range(min(MAX_PLACE_TOKENS, len(doc) - k), 0, -1):
            if self.gaz.lookup(doc[k : k + n].text):
                return n
        return 0

    def quoted_end(self, j: int) -> int | None:
        """End of a quoted name starting at j ("«Il Sorriso»"), or None."""
        doc = self.doc
        if j >= len(doc) or doc[j].text not in self.words("quotes_open"):
            return None
        for k in range(j + 1, min(len(doc), j + 10)):
            if doc[k].text in self.words("quotes_close"):
                return k + 1 if k > j + 1 and self.is_name(j + 1) else None
        return None

    def glued(self, k: int) -> bool:
        """A '.' or apostrophe written inside a name, followed by another name token."""
        tok, doc = self.doc[k], self.doc
        if tok.text not in (".", "'", "’") or doc[k - 1].whitespace_ or k + 1 >= len(doc):
            return False
        return (tok.text != "." or not tok.whitespace_) and self.is_name(k + 1)

    def after_connectors(self, k: int, connectors: set[str]) -> int | None:
        """Index after one or two connector tokens at k (None if doc[k] is not one)."""
        doc = self.doc
        if k >= len(doc) or doc[k].lower_ not in connectors:
            return None
        second = doc[k + 1].lower_ if k + 1 < len(doc) else ""
        if second in connectors and second != "e" and doc[k].lower_ not in ("e", "ed"):
            return k + 2
        return k + 1

    def is_proper(self, k: int) -> bool:
        """A name word that is neither a descriptor nor a head ("Alice", not "Sociale")."""
        return self.doc[k].lower_ not in self.words("descriptors") and not self.starts_head(k)

    def location_after(self, k: int) -> bool:
        """'di Bra' after a name: where the organisation is, not part of its name."""
        if self.doc[k].lower_ != "di":
            return False
        places = self.gaz.lookup(self.doc[k + 1 : k + 1 + self.place_len(k + 1)].text)
        return any(p.kind in ("comune", "frazione") for p in places)

    def connector_ok(self, k: int, nxt: int, stop_at_heads: bool, proper: bool) -> bool:
        genitive = self.doc[k].lower_ in self.words("genitive_connectors")
        if not genitive and (nxt in self.stops or stop_at_heads and self.starts_head(nxt)):
            return False
        if self.doc[k].lower_ in ("e", "ed") and (self.starts_head(nxt) or nxt in self.stops):
            return False
        if self.doc[k].lower_ in LOCATIVE and self.is_place_at(nxt):
            return False  # "la cooperativa La Vite a Bra": where it is, not its name
        return not (self.located and proper and self.location_after(k))

    def is_place_at(self, k: int) -> bool:
        found = self.gaz.lookup(self.doc[k : k + self.place_len(k)].text)
        return any(p.level in ("comune", "provincia", "regione", "nazione", "altro")
                   for p in found)

    def name_end(self, j: int, connectors: set[str], stop_at_heads: bool = True) -> int:
        """Extend a proper name from j over name tokens and connectors followed by a name."""
        doc, end, k = self.doc, j, j
        if doc[j].is_digit:
            end = k = j + 1  # "ULSS 6 Euganea"
        limit = min(len(doc), j + MAX_NAME_TOKENS)
        proper = False  # a proper name word since the last head: "di <comune>" then ends it
        while k < limit:
            quoted = self.quoted_end(k)
            if quoted is not None:
                end = k = quoted
                proper = True
            elif self.is_name(k, first=k == j):
                proper = self.is_proper(k) or (proper and not self.starts_head(k))
                end = k = k + 1
            elif end > j and (doc[k].lower_ in self.words("legal_suffixes") or
                              end == k and self.glued(k)):
                end = k = k + 1
            else:
                nxt = self.after_connectors(k, connectors)
                if nxt is None or nxt >= limit or not (
                    doc[nxt].is_alpha and self.is_name(nxt) or self.quoted_end(nxt)
                ) or not self.connector_ok(k, nxt, stop_at_heads, proper):
                    break
                k = nxt
        if end > j and end < len(doc) and doc[end].is_lower and doc[end].lower_ in (
            self.gaz.adjectives
        ):
            end += 1  # "della Romagna forlivese", "Asl salernitana"
        return end

    def tail_name(self, j: int) -> int | None:
        """Descriptors then a proper name: 'sociale La Grande Casa', 'di Comunità di Milano'."""
        doc, k = self.doc, j
        while k < len(doc) and k < j + 6 and doc[k].lower_ in self.words("descriptors"):
            k += 1
        for start in range(k, j - 1, -1):
            if start < len(doc) and doc[start].is_digit and self.date_at(start):
                return None  # "Avviso di Ambito del 16 giugno": a date, not a name
            if start < len(doc) and (self.is_name(start, first=True) or self.quoted_end(start)
                                     or doc[start].is_digit and len(doc[start]) <= 3):
                if start > j and doc[start - 1].lower_ in ("e", "ed"):
                    continue
                end = self.name_end(start, set(self.words("connectors")))
                return end if end > start else None
        return None

    def date_at(self, k: int) -> bool:
        """A day number followed by a month name ('16 giugno')."""
        return k + 1 < len(self.doc) and self.doc[k + 1].lower_ in self.words("months")

    def place_tail(self, j: int) -> int | None:
        """'di Reggio nell'Emilia', 'Lombardia', 'autonoma di Trento' after a place head."""
        doc, k = self.doc, j
        if k < len(doc) and doc[k].lower_ in self.words("genitive_connectors"):
            k += 1
        if k >= len(doc) or not self.is_name(k, first=True):
            return None
        connectors = set(self.words("place_tail_connectors")) - {"e"}
        return self.name_end(k, connectors)

    def acronym_tail(self, j: int) -> int | None:
        """'Salerno', 'di Salerno', 'Napoli 1 Centro', 'salernitana', 'Santi Paolo e Carlo'."""
        doc, k = self.doc, j
        if k < len(doc) and doc[k].lower_ in self.words("genitive_connectors"):
            k += 1
        if k < len(doc) and doc[k].lower_ in self.gaz.adjectives and doc[k].is_lower:
            return k + 1
        if k >= len(doc) or not (self.is_name(k, first=True) or doc[k].is_digit):
            return None
        return self.name_end(k, set(self.words("place_tail_connectors")))

    def place_extension(self, end: int, need_place: bool) -> int:
        """After a known name or acronym: '[nazionale|comunale] [di] <place> [e <place>]'."""
        doc, k = self.doc, end
        if k < len(doc) and doc[k].lower_ in self.words("branch_words"):
            k += 1
        if k < len(doc) and doc[k].lower_ in self.words("genitive_connectors"):
            k += 1
        n = self.place_len(k)
        if n == 0:
            branch = k > end and doc[end].text[:1].isupper() and not need_place
            return end + 1 if branch else end
        k += n
        if k + 1 < len(doc) and doc[k].lower_ == "e" and self.place_len(k + 1):
            k += 1 + self.place_len(k + 1)
        return k


LOWER_CASE_HEAD_TYPES = ("terzo_settore", "fondazione")  # "consorzio Consolida"
LOWER_CASE_COMPANY_HEADS = frozenset({"società", "ditta"})  # "la società Vivenda"
ARTICLE = frozenset({"il", "l'", "l’"})


def _head_ok(doc: Doc, i: int, head: Head, lex: OrgLexicon) -> bool:
    """Public, research and company heads must be capitalised ("il distretto di Agrigento" is
    a description), except a few that are names even in lower case ("ministero del Lavoro");
    Third Sector heads may be lower case ("cooperativa sociale Alice")."""
    first = doc[i].text
    if head.kind == "acronym":
        return first.isupper() or first.istitle()
    words = " ".join(head.words)
    if first[:1].isupper() or words in lex.words["lower_case_heads"]:
        return True
    if words in lex.words["article_lower_case_heads"] and i > 0 and doc[i - 1].lower_ in ARTICLE:
        return True  # "il comune di Como ha pubblicato": the body ("nel comune di X": a place)
    if head.kind == "name" and words in LOWER_CASE_COMPANY_HEADS:
        return True
    return head.kind == "name" and head.type in LOWER_CASE_HEAD_TYPES


def _positions(doc: Doc, words: Iterable[str]) -> list[int]:
    """Token indices whose lower-case form is one of `words` (a hash lookup per token)."""
    strings = doc.vocab.strings
    wanted = {strings.add(w) for w in words}
    return [i for i, h in enumerate(doc.to_array("LOWER").tolist()) if h in wanted]


def shape_spans(scan: Scanner) -> list[Span]:
    """Organisation spans opened by a head word, labelled with the head's type."""
    doc, lex = scan.doc, scan.lex
    spans: list[Span] = []
    done = 0
    for i in _positions(doc, lex.heads_by_first):
        if i < done:
            continue
        match = lex.head_match([t.lower_ for t in doc[i : i + 8]])
        if match is None or not _head_ok(doc, i, match[0], lex):
            continue
        head, n_tokens = match
        j = i + n_tokens
        scan.located = head.kind == "name" and head.type in ("terzo_settore", "impresa")
        if head.kind == "place":
            end = scan.place_tail(j)
        elif head.kind == "acronym":
            end = scan.acronym_tail(j)
        else:
            end = scan.tail_name(j)
        end = bracketed_acronym_tail(scan, j if end is None or end <= j else end)
        if end <= j:
            continue
        spans.append(Span(doc, i, end, label=head.type))
        done = end
    return spans


def bracketed_acronym_tail(scan: Scanner, end: int) -> int:
    """'Azienda Sanitaria Provinciale (ASP) di Catania': a name interrupted by its acronym in
    brackets goes on with 'di <place>' after them."""
    doc = scan.doc
    if end + 4 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")" and is_acronym(
            doc[end + 1]) and doc[end + 3].lower_ in scan.words("genitive_connectors"):
        n = scan.place_len(end + 4)
        if n:
            return end + 4 + n
    return end


def _legal_form_at(scan: Scanner, i: int) -> tuple[int, str] | None:
    """(tokens, type) of a legal form written after a name at i ('Onlus', 'S.r.l.',
    'Società Cooperativa Sociale'), or None."""
    forms = scan.words("trailing_legal_forms")
    for n in (4, 3, 2, 1):
        text = scan.doc[i : i + n].text.lower()
        if i + n <= len(scan.doc) and text in forms:
            return n, forms[text]
    return None


def legal_form_spans(scan: Scanner) -> list[Span]:
    """Names followed by a legal form: 'Il Sorriso Onlus', 'Alfa Servizi S.r.l.', 'La Rete
    Società Cooperativa Sociale' (the name runs back over capitalised words and connectors)."""
    doc, spans = scan.doc, []
    first_words = {w for form in scan.words("trailing_legal_forms")
                   for w in (form.split()[0], form.split()[0].rstrip("."))}  # "S.r.l" + "."
    for i in _positions(doc, first_words):
        if i == 0 or not scan.is_name(i - 1) or doc[i - 1].is_digit:
            continue
        form = _legal_form_at(scan, i)
        if form is None:
            continue
        start = i - 1
        connectors = set(scan.words("backward_connectors"))
        while start > 0 and i - start < MAX_NAME_TOKENS and not scan.starts_head(start):
            prev = doc[start - 1]
            if _legal_form_at(scan, start - 1) is not None:
                break
            function_word = prev.is_stop and prev.lower_ not in connectors  # "Con", "Per"
            if scan.is_name(start - 1) and not prev.is_digit and not function_word:
                start -= 1
            elif prev.lower_ in connectors and start > 1 and scan.is_name(start - 2):
                start -= 1
            else:
                break
        spans.append(Span(doc, start, i + form[0], label=form[1]))
    return spans


def acronym_place_spans(scan: Scanner, known_tokens: set[int]) -> list[Span]:
    """Unknown acronyms followed by a place: 'ANGSA Sicilia', 'AVO Siena', 'CAI Vallo di Diano'."""
    spans = []
    stoplist = set(scan.words("not_org_acronyms"))
    upper = scan.doc.to_array("IS_UPPER").tolist()
    for tok in (scan.doc[i] for i, flag in enumerate(upper) if flag):
        if tok.i in known_tokens or not is_acronym(tok) or tok.text in stoplist:
            continue
        if scan.starts_head(tok.i) or scan.gaz.lookup(tok.text):
            continue
        end = scan.place_extension(tok.i + 1, need_place=True)
        if end > tok.i + 1:
            spans.append(Span(scan.doc, tok.i, end, label="terzo_settore"))
    return spans


def extend_known(scan: Scanner, span: Span) -> Span:
    """'ANCI' + 'Lombardia' -> 'ANCI Lombardia', 'ACLI di Potenza', 'ANFFAS Nazionale'."""
    end = scan.place_extension(span.end, need_place=False)
    if end == span.end:
        return span
    return Span(scan.doc, span.start, end, label=span.label_)


def defined_acronyms(doc: Doc, orgs: list[Span], not_acronyms: frozenset[str] = frozenset()
                     ) -> list[Span]:
    """'Azienda Sanitaria Regionale del Molise (ASREM)' and later bare 'ASREM' or 'ASP' (for an
    'ASP Cosenza' of the same text): spans whose id points at the organisation they stand for."""
    taken = {i for s in orgs for i in range(s.start, s.end)}
    targets: dict[str, Span] = {}
    for org in orgs:
        end = org.end
        brackets = [k for k in range(org.start, end) if doc[k].text == "(" and k + 2 < end
                    and doc[k + 2].text == ")"]  # "Azienda Sanitaria Provinciale (ASP) di ..."
        if end + 2 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")":
            brackets.append(end)
        for k in brackets:
            acronym = doc[k + 1].text
            if (is_acronym(doc[k + 1]) or acronym.isupper()) and acronym not in not_acronyms:
                targets.setdefault(acronym, org)  # a province sigla ("Rovereto (TN)") is not
        first = org[0].text
        if is_acronym(org[0]) and len(org) > 1:
            targets.setdefault(first, org)
    spans = []
    strings = doc.vocab.strings
    wanted = {strings.add(t) for t in targets}
    orths = doc.to_array("ORTH").tolist() if targets else []
    for tok in (doc[i] for i, h in enumerate(orths) if h in wanted):
        target = targets.get(tok.text)
        before = doc[tok.i - 1].lower_ if tok.i > 0 else ""
        if before not in SINGULAR_DETERMINERS and not (target is not None and before == "("):
            continue  # "le ULSS venete": a class, not the organisation of the text
        if target is not None and tok.i not in taken and is_acronym(tok):
            spans.append(Span(doc, tok.i, tok.i + 1, label=target.label_,
                              span_id=f"{ALIAS_PREFIX}{target.start}"))
    return spans


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
