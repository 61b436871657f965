"""Canonical organisations: one name, one stable key and one type per organisation.

`canonicalize` is a pure function of the surface form and the data files (organisation heads,
known organisations, the IndicePA public-body gazetteer, the place gazetteer), so the same
organisation gets the same key in every article; the store keeps a staff-editable alias table
keyed by that key on top of it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nlp.places import GAZETTEER_DIR, PATTERNS_DIR, Gazetteer, read_tsv
from store.text import fold_key

ORG_TYPES = ("pubblico", "terzo_settore", "fondazione", "universita_ricerca", "impresa", "media",
             "altro")
LOWER_WORDS = frozenset(
    "di del della dei degli delle dello e ed per il lo la le i gli a al alla ai agli alle in "
    "nel nella nei con su sul sulla da dal dalla tra fra".split()
)
_ELISIONS = ("dell'", "all'", "dall'", "nell'", "sull'", "l'", "d'", "un'")
_ACCENT_FIX = {"a'": "à", "e'": "è", "i'": "ì", "o'": "ò", "u'": "ù"}
_QUOTES = "«»\"“”‘’'"


@dataclass(frozen=True)
class Head:
    words: tuple[str, ...]
    type: str
    kind: str  # place | name | acronym
    display: str


@dataclass(frozen=True)
class KnownOrg:
    canonical: str
    type: str


@dataclass(frozen=True)
class CanonicalOrg:
    name: str
    key: str
    type: str


@dataclass
class OrgLexicon:
    heads: list[Head] = field(default_factory=list)  # longest first
    known: dict[str, KnownOrg] = field(default_factory=dict)  # folded variant -> org
    known_variants: list[str] = field(default_factory=list)
    public_bodies: dict[str, KnownOrg] = field(default_factory=dict)  # folded name/acronym
    public_names: list[str] = field(default_factory=list)
    words: dict[str, list[str]] = field(default_factory=dict)
    heads_by_first: dict[str, list[Head]] = field(default_factory=dict)  # longest first
    not_orgs: dict[str, frozenset[str]] = field(default_factory=dict)  # exact / prefix phrases

    def is_not_org(self, text: str) -> bool:
        """A unit, programme, facility or fund name (nlp/patterns/not_org_names.tsv)."""
        folded = fold_key(text)
        if folded in self.not_orgs.get("exact", ()):
            return True
        return any(folded.startswith(p + " ") for p in self.not_orgs.get("prefix", ()))

    @property
    def first_words(self) -> dict[str, list[Head]]:
        return self.heads_by_first

    def head_at(self, lowered: list[str]) -> Head | None:
        """The longest head matching the start of `lowered` (a list of lower-case tokens)."""
        match = self.head_match(lowered)
        return match[0] if match else None

    def head_match(self, lowered: list[str]) -> tuple[Head, int] | None:
        """Longest head at the start of `lowered` and how many tokens it spans; hyphenated
        words match whether or not the tokenizer split them ("socio-sanitario")."""
        if not lowered or split_head_words(lowered[0])[0] not in self.first_words:
            return None
        parts: list[str] = []
        ends: list[int] = []  # token count consumed after each part
        for i, token in enumerate(lowered[:8]):
            pieces = split_head_words(token)
            parts.extend(pieces)
            ends.extend([i + 1] * len(pieces))
        for head in self.heads_by_first[parts[0]]:
            n = len(head.words)
            if tuple(parts[:n]) == head.words and (n == len(parts) or ends[n - 1] != ends[n]):
                return head, ends[n - 1]
        return None


@lru_cache(maxsize=65536)
def split_head_words(head: str) -> tuple[str, ...]:
    """'distretto socio-sanitario' -> ('distretto', 'socio', '-', 'sanitario')."""
    if "-" not in head and " " not in head:
        return (head,)
    return tuple(p for p in re.split(r"\s+|(-)", head) if p) or (head,)


@lru_cache(maxsize=4)
def load_org_lexicon(
    patterns_dir: Path = PATTERNS_DIR, gazetteer_dir: Path = GAZETTEER_DIR
) -> OrgLexicon:
    """Read organisation heads, word classes, known organisations and public bodies."""
    patterns_dir, gazetteer_dir = Path(patterns_dir), Path(gazetteer_dir)
    lex = OrgLexicon()
    for row in read_tsv(patterns_dir / "org_heads.tsv", ["head", "type", "kind", "display"]):
        _check_type(row["type"], "org_heads.tsv")
        lex.heads.append(Head(split_head_words(row["head"]), row["type"], row["kind"],
                              row["display"]))
    lex.heads.sort(key=lambda h: -len(h.words))
    for head in lex.heads:
        lex.heads_by_first.setdefault(head.words[0], []).append(head)
    for row in read_tsv(patterns_dir / "org_known.tsv", ["canonical", "type", "variants"]):
        _check_type(row["type"], "org_known.tsv")
        org = KnownOrg(row["canonical"], row["type"])
        for variant in filter(None, row["variants"].split(";")):
            lex.known[fold_key(variant)] = org
            lex.known_variants.append(variant)
    bodies = gazetteer_dir / "public_bodies.tsv"
    if bodies.is_file():
        for row in read_tsv(bodies, ["name", "acronym", "category", "type"]):
            org = KnownOrg(row["name"], row["type"])
            lex.public_bodies.setdefault(fold_key(row["name"]), org)
            lex.public_names.append(row["name"])
    lex.words = json.loads((patterns_dir / "org_words.json").read_text(encoding="utf-8"))
    not_orgs: dict[str, set[str]] = {"exact": set(), "prefix": set()}
    path = patterns_dir / "not_org_names.tsv"
    for row in read_tsv(path, ["phrase", "match", "class"]) if path.is_file() else []:
        if row["match"] not in not_orgs:
            raise ValueError(f"{path}: match deve essere exact o prefix, non {row['match']!r}")
        not_orgs[row["match"]].add(fold_key(row["phrase"]))
    lex.not_orgs = {k: frozenset(v) for k, v in not_orgs.items()}
    return lex


def _check_type(org_type: str, source: str) -> None:
    if org_type not in ORG_TYPES:
        raise ValueError(f"{source}: tipo di organizzazione sconosciuto {org_type!r}")


def _fix_accent(word: str) -> str:
    """IndicePA writes "Citta'" for "Città": fix a final vowel + apostrophe (not elisions)."""
    low = word.lower()
    if len(word) > 2 and low[-2:] in _ACCENT_FIX and not low.endswith(_ELISIONS):
        return word[:-2] + _ACCENT_FIX[low[-2:]]
    return word


def _case_word(word: str, index: int, keep_upper: frozenset[str]) -> str:
    bare = word.strip("()\"'.,-")
    if bare.upper() in keep_upper or (len(bare) > 1 and bare.isupper() and not _has_vowel(bare)):
        return word.upper()
    low = word.lower()
    if index > 0 and low in LOWER_WORDS:
        return low
    for elision in _ELISIONS:
        if low.startswith(elision) and len(low) > len(elision):
            head = elision if index > 0 else elision.capitalize()
            return head + low[len(elision) :].capitalize()
    return "-".join(part.capitalize() for part in low.split("-"))


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouàèéìòù" for c in word.lower())


def normalize_official_case(text: str, keep_upper: set[str] | frozenset[str] = frozenset()) -> str:
    """'COMUNE DI LECCO' -> 'Comune di Lecco'; mixed-case text only gets accents/space fixes."""
    words = [_fix_accent(w) for w in re.sub(r"\s+", " ", text).strip().split(" ")]
    letters = [c for c in text if c.isalpha()]
    mostly_upper = letters and sum(c.isupper() for c in letters) / len(letters) > 0.6
    mostly_lower = letters and sum(c.islower() for c in letters) / len(letters) > 0.97
    keep = frozenset(k.upper() for k in keep_upper if k)
    if not (mostly_upper or mostly_lower):
        return " ".join(w.upper() if w.upper() in keep else w for w in words)
    return " ".join(_case_word(w, i, keep) for i, w in enumerate(words))


def slug(text: str) -> str:
    """Stable ascii key: 'Comune di Reggio nell'Emilia' -> 'comune-di-reggio-nell-emilia'."""
    return re.sub(r"[^a-z0-9]+", "-", fold_key(text)).strip("-")


def clean_surface(surface: str) -> str:
    text = surface.replace("’", "'").replace("‘", "'")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"[«»\"“”]", "", text)
    return re.sub(r"\s*'\s*", "'", text).strip(" ,.;:")


def strip_legal_suffixes(name: str, lex: OrgLexicon) -> str:
    """Drop trailing legal-form tokens (Onlus, ODV, s.c.s., srl...) used only in some mentions."""
    suffixes = sorted(lex.words.get("legal_suffixes", []), key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        low = name.lower()
        for suffix in suffixes:
            if low.endswith(" " + suffix) and len(low) > len(suffix) + 3:
                name = name[: -len(suffix) - 1].rstrip(" ,-–")
                changed = True
                break
    return name


def org_type(surface: str, lex: OrgLexicon, default: str = "altro") -> str:
    """Type from a known name, the public-body gazetteer or the head word."""
    folded = fold_key(clean_surface(surface))
    known = lex.known.get(folded) or lex.public_bodies.get(folded)
    if known is not None:
        return known.type
    head = lex.head_at(folded.replace("'", "' ").split())
    return head.type if head is not None else default


def _rest_after_head(words: list[str], n: int, lex: OrgLexicon) -> list[str]:
    rest = words[n:]
    genitive = set(lex.words.get("genitive_connectors", []))
    while rest and rest[0].lower() in genitive:
        rest = rest[1:]
    return rest


def _health_name(
    words: list[str], head: Head, n: int, lex: OrgLexicon, gaz: Gazetteer | None
) -> str:
    """'Asl di Salerno' / 'ASL Salerno' / 'Asl salernitana' -> 'ASL Salerno'."""
    rest = _rest_after_head(words, n, lex)
    if gaz is not None and len(rest) == 1:
        province = gaz.adjectives.get(fold_key(rest[0]))
        if province is not None:
            return f"{head.display} {province.name}"
    shaped = [w if any(c.isupper() for c in w) or w.isdigit() else w.capitalize() for w in rest]
    return " ".join([head.display, *shaped])


def _place_name(words: list[str], head: Head, n: int, gaz: Gazetteer | None) -> str:
    """'comune di Reggio Emilia' -> 'Comune di Reggio nell'Emilia' (official place name)."""
    connector = words[n] if len(words) > n else ""
    skip = 1 if connector.lower() in LOWER_WORDS or connector.endswith("'") else 0
    rest = " ".join(words[n + skip :])
    if gaz is not None and rest:
        places = [p for p in gaz.lookup(rest) if p.level in ("comune", "provincia", "regione")]
        if places:
            rest = places[0].name
    if not rest:
        return " ".join(words)
    glue = " " if not connector.endswith("'") else ""
    connector_text = connector.lower() if connector.lower() in LOWER_WORDS or glue == "" else ""
    if connector_text:
        return f"{head.display} {connector_text}{glue}{rest}"
    return f"{head.display} {rest}"


def _display_words(text: str) -> list[str]:
    return re.sub(r"'(?=\S)", "' ", text).split()


def _join(words: list[str]) -> str:
    return re.sub(r"' ", "'", " ".join(words))


def canonicalize(
    surface: str,
    lex: OrgLexicon,
    gaz: Gazetteer | None = None,
    type_hint: str | None = None,
) -> CanonicalOrg:
    """Canonical name, stable key and type of one organisation mention."""
    text = clean_surface(surface)
    text = re.sub(r"^(?:l'|la |il |lo |le |gli |i )", "", text) or text
    folded = fold_key(text)
    known = lex.known.get(folded) or lex.public_bodies.get(folded)
    if known is not None:
        return CanonicalOrg(known.canonical, slug(known.canonical), known.type)
    text = normalize_official_case(text)
    words = _display_words(text)
    match = lex.head_match([w.lower() for w in words])
    head, n = match if match is not None else (None, 0)
    if head is not None and head.kind == "acronym":
        name = _health_name(words, head, n, lex, gaz)
    elif head is not None and head.kind == "place":
        name = _join(_display_words(_place_name(words, head, n, gaz)))
    elif head is not None:
        name = _join([head.display, *words[n:]])
    else:
        name = text[:1].upper() + text[1:]
    name = strip_legal_suffixes(name, lex)
    org_kind = head.type if head is not None else (type_hint or "altro")
    return CanonicalOrg(name, slug(name), org_kind)


COMMON_WORDS_PATH = GAZETTEER_DIR / "common_words.txt.gz"


@lru_cache(maxsize=1)
def _common_words(path: Path) -> frozenset[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def italian_word_checker(path: Path = COMMON_WORDS_PATH) -> Callable[[str], bool]:
    """Is this (lower-case) token an ordinary Italian word? Membership in the common-word list
    built by scripts/build_gazetteer.py (Italian word forms of spacy-lookups-data that wordfreq
    finds in real text): 0.1 s to load, where the full lemma table took 8 s."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: elenco delle parole comuni mancante "
                                "(esegui scripts/build_gazetteer.py)")
    words = _common_words(Path(path))
    return words.__contains__
