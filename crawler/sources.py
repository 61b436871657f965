"""The source registry: a TOML file of `[[source]]` tables, validated on load into dataclasses.

    [[source]]
    id = "welforum"                      # lower-case slug, unique
    name = "Welforum.it"
    kind = "portal"                      # portal | local_news | institution | albo
    region = "Lombardia"                 # optional; "Italia" for national sources
    homepage = "https://www.welforum.it/"  # optional
    feeds = ["https://www.welforum.it/feed/"]
    sitemaps = ["https://www.welforum.it/sitemap_index.xml"]   # or a robots.txt URL
    start_urls = ["https://www.welforum.it/notizie/"]           # listing pages
    allowed_domains = ["welforum.it"]
    keywords = ["coprogettazione", "terzo settore"]  # optional prefilter
    sitemap_lastmod_days = 60            # optional: skip sitemap entries older than this
    enabled = true                       # optional
    download_delay = 2.0                 # optional: seconds between requests to its hosts
    concurrency = 1                      # optional: requests at once to each of its hosts
    autothrottle = false                 # optional: let AutoThrottle slow it down (default:
                                         # on, unless download_delay is set)

    [source.listing]                     # optional, for start_urls
    article_pattern = "/notizie/[^/]+/?$"  # regex an article link's URL must match
    next_pattern = "[?&]page=\\d+"        # regex for pagination links (rel=next always works)
    max_pages = 5                        # pages followed per start URL

An albo pretorio (`kind = "albo"`) lists its listing pages in `start_urls` and may name its
platform's layout and override its rules (crawler/albo.py, crawler/data/albo.toml):

    [source.albo]                        # optional; defaults read most albo listings
    platform = "auto"                    # auto | table | cards
    row = "//table[@id='albo']//tr[td]"  # optional rules on top of the platform's
    max_pages = 10                       # listing pages followed per start URL
    max_attachments = 5                  # PDFs read per act
    max_attachment_bytes = 5242880       # larger PDFs are recorded with an error, unread
    max_attachment_pages = 60            # pages of text read per PDF

Unknown keys are errors naming the key and the source. A robots.txt Crawl-delay is a floor
whatever `download_delay` says.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from crawler.albo import rule_problems
from crawler.urls import host_of, in_domains, is_http_url

KINDS = ("portal", "local_news", "institution", "albo")
REGIONS = (
    "Italia", "Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna",
    "Friuli-Venezia Giulia", "Lazio", "Liguria", "Lombardia", "Marche", "Molise", "Piemonte",
    "Puglia", "Sardegna", "Sicilia", "Toscana", "Trentino-Alto Adige", "Umbria",
    "Valle d'Aosta", "Veneto",
)
SOURCE_KEYS = {
    "id", "name", "kind", "region", "homepage", "feeds", "sitemaps", "start_urls",
    "allowed_domains", "keywords", "sitemap_lastmod_days", "enabled", "listing", "notes",
    "download_delay", "concurrency", "autothrottle", "albo",
}
ALBO_LIMITS = {"max_pages": 10, "max_attachments": 5, "max_attachment_bytes": 5 * 1024 * 1024,
               "max_attachment_pages": 60}
MAX_DOWNLOAD_DELAY = 3600.0
MAX_CONCURRENCY = 64
LISTING_KEYS = {"article_pattern", "next_pattern", "max_pages"}
URL_LISTS = ("feeds", "sitemaps", "start_urls")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a sources file."""

    source: str  # source id, or "#N" (position) when the id is missing, or "" for the file
    key: str
    message: str

    def __str__(self) -> str:
        where = f"fonte {self.source!r}" if self.source else "file"
        if self.key:
            where += f", chiave {self.key!r}"
        return f"{where}: {self.message}"


class SourceError(ValueError):
    """A sources file that cannot be used; `problems` lists every reason."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = "1 problema" if len(problems) == 1 else f"{len(problems)} problemi"
        super().__init__(f"{path}: {count}\n{lines}")


class UnknownSourceError(KeyError):
    """Ids asked for that the registry does not have (a KeyError, with a readable message)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Listing:
    article_pattern: str | None = None
    next_pattern: str | None = None
    max_pages: int = 10


@dataclass(frozen=True)
class AlboConfig:
    """How an albo pretorio is read: the platform layout ("auto" tries each), the source's
    own rules on top of it, and bounds on pages and attachments."""

    platform: str = "auto"
    rules: tuple[tuple[str, object], ...] = ()
    next_pattern: str | None = None
    max_pages: int = ALBO_LIMITS["max_pages"]
    max_attachments: int = ALBO_LIMITS["max_attachments"]
    max_attachment_bytes: int = ALBO_LIMITS["max_attachment_bytes"]
    max_attachment_pages: int = ALBO_LIMITS["max_attachment_pages"]


@dataclass(frozen=True)
class Politeness:
    """Per-source crawl politeness: delay between requests to one host (None: the crawl's
    DOWNLOAD_DELAY), requests at once per host (None: CONCURRENT_REQUESTS_PER_DOMAIN), and
    whether AutoThrottle may adjust the delay (above the configured one, never below)."""

    download_delay: float | None
    concurrency: int | None
    autothrottle: bool


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str
    allowed_domains: tuple[str, ...]
    region: str | None = None
    homepage: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sitemap_lastmod_days: int | None = None
    enabled: bool = True
    listing: Listing = field(default_factory=Listing)
    notes: str = ""
    download_delay: float | None = None
    concurrency: int | None = None
    autothrottle: bool | None = None
    albo_urls: tuple[str, ...] = ()  # listing pages of an albo pretorio (kind "albo")
    albo: AlboConfig | None = None

    @property
    def politeness(self) -> Politeness | None:
        """The source's own politeness, when its entry sets any."""
        if self.download_delay is None and self.concurrency is None and self.autothrottle is None:
            return None
        autothrottle = self.autothrottle if self.autothrottle is not None else (
            self.download_delay is None)
        return Politeness(self.download_delay, self.concurrency, autothrottle)

    def store_row(self) -> dict:
        """The row written to the `sources` table."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "region": self.region,
            "homepage": self.homepage, "feeds": list(self.feeds), "sitemaps": list(self.sitemaps),
            "start_urls": list(self.start_urls or self.albo_urls),
            "allowed_domains": list(self.allowed_domains),
        }


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a registry (see `registry_files`); raise SourceError listing every
    problem. Repeated loads of unchanged files in one process are served from memory."""
    sources, problems = _parse_location(str(path), _stamps(str(path)))
    if problems:
        raise SourceError(Path(path), problems)
    return list(sources)


def check_sources(path: str | Path) -> list[Problem]:
    """Every problem in a registry (an empty list means it is good)."""
    return list(_parse_location(str(path), _stamps(str(path)))[1])


def registry_files(location: str | Path) -> list[Path]:
    """The files of a registry location: a .toml file, a folder (its .toml files, sorted, in
    subfolders too), or several of these joined by the path separator (':' on Linux), as
    `--sources` given more than once passes them."""
    files: list[Path] = []
    for part in str(location).split(os.pathsep):
        if not part:
            continue
        path = Path(part)
        files += sorted(path.rglob("*.toml")) if path.is_dir() else [path]
    return list(dict.fromkeys(files))


def join_locations(paths: list[str | Path]) -> str:
    """Several registry files or folders as one location string."""
    return os.pathsep.join(str(p) for p in paths)


def _stamps(location: str) -> tuple:
    """What the parsed registry depends on: each file's name and a digest of its bytes
    (reading and hashing is a small fraction of parsing; timestamps can miss a fast rewrite)."""
    out = []
    for path in registry_files(location):
        try:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            digest = None
        out.append((str(path), digest))
    return tuple(out)


@lru_cache(maxsize=8)
def _parse_location(location: str, stamps: tuple) -> tuple[tuple[Source, ...],
                                                           tuple[Problem, ...]]:
    files = registry_files(location)
    if not files:
        return (), (Problem("", "", f"nessun file .toml in {location}"),)
    sources: list[Source] = []
    problems: list[Problem] = []
    first_file: dict[str, Path] = {}
    for path in files:
        found, bad = _parse(path)
        if len(files) > 1:
            bad = [Problem(p.source, p.key, f"{p.message} (in {path})") for p in bad]
        problems += bad
        for source in found:
            if source.id in first_file:
                problems.append(Problem(source.id, "id",
                                        f"codice ripetuto: in {first_file[source.id]}"
                                        f" e in {path} (i codici devono essere unici)"))
                continue
            first_file[source.id] = path
            sources.append(source)
    return tuple(sources), tuple(problems)


def select_sources(sources: list[Source], ids: list[str] | None) -> list[Source]:
    """The enabled sources, or exactly the given ids (unknown ids raise KeyError)."""
    if not ids:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise UnknownSourceError(f"fonti sconosciute: {', '.join(missing)} "
                                 f"(note: {', '.join(sorted(by_id))})")
    return [by_id[i] for i in ids]


def run_sources(settings) -> list[Source]:
    """The sources of one crawl from its Scrapy settings: the registry file
    OBSERVATORY_SOURCES narrowed to OBSERVATORY_SOURCE_IDS ([] when no file is set)."""
    if not settings.get("OBSERVATORY_SOURCES"):
        return []
    chosen = settings.getlist("OBSERVATORY_SOURCE_IDS") or None
    return select_sources(load_sources(settings["OBSERVATORY_SOURCES"]), chosen)


def _parse(path: Path) -> tuple[list[Source], list[Problem]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], [Problem("", "", f"il file {path} non esiste")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [], [Problem("", "", f"TOML non valido: {exc}")]
    problems = [Problem("", key, "chiave di primo livello sconosciuta (attese tabelle [[source]])")
                for key in data if key != "source"]
    tables = data.get("source", [])
    if not isinstance(tables, list) or not tables:
        return [], problems + [Problem("", "source", "nessuna tabella [[source]]")]
    sources: list[Source] = []
    seen: set[str] = set()
    for pos, table in enumerate(tables, start=1):
        found = _validate(table, pos)
        problems += found
        sid = table.get("id") if isinstance(table.get("id"), str) else f"#{pos}"
        if sid in seen:
            problems.append(Problem(sid, "id", "codice ripetuto (i codici devono essere unici)"))
        seen.add(sid)
        if not found:
            sources.append(_build(table))
    return sources, problems


def _validate(table: dict, pos: int) -> list[Problem]:
    sid = table.get("id") if isinstance(table.get("id"), str) else f"#{pos}"
    out = [Problem(sid, key, "chiave sconosciuta") for key in table if key not in SOURCE_KEYS]
    out += _check_required(table, sid)
    out += _check_types(table, sid)
    if isinstance(table.get("listing", {}), dict):
        out += _check_listing(table, sid)
    out += _check_albo(table, sid)
    if out:
        return out
    return _check_urls(table, sid)


def _check_required(table: dict, sid: str) -> list[Problem]:
    out = []
    for key in ("id", "name", "kind", "allowed_domains"):
        if not table.get(key):
            out.append(Problem(sid, key, "mancante (obbligatoria)"))
    if isinstance(table.get("id"), str) and table["id"] and not _SLUG.match(table["id"]):
        out.append(Problem(sid, "id", "deve essere un codice in minuscolo (a-z, 0-9, - e _)"))
    if table.get("kind") and table["kind"] not in KINDS:
        out.append(Problem(sid, "kind", f"{table['kind']!r} non è tra {', '.join(KINDS)}"))
    if table.get("region") is not None and table["region"] not in REGIONS:
        out.append(Problem(sid, "region", f"{table['region']!r} non è una regione italiana "
                           "(il nome ufficiale, o 'Italia' per le fonti nazionali)"))
    if not any(table.get(k) for k in URL_LISTS):
        out.append(Problem(sid, "", "serve almeno uno tra feeds, sitemaps, start_urls"))
    return out


def _check_types(table: dict, sid: str) -> list[Problem]:
    out = []
    for key in (*URL_LISTS, "allowed_domains", "keywords"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            out.append(Problem(sid, key, "deve essere un elenco di testi non vuoti"))
    for key in ("name", "homepage", "notes"):
        if key in table and not isinstance(table[key], str):
            out.append(Problem(sid, key, "deve essere un testo"))
    days = table.get("sitemap_lastmod_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        out.append(Problem(sid, "sitemap_lastmod_days",
                           "deve essere un numero intero positivo di giorni"))
    if "enabled" in table and not isinstance(table["enabled"], bool):
        out.append(Problem(sid, "enabled", "deve essere true o false"))
    if "listing" in table and not isinstance(table["listing"], dict):
        out.append(Problem(sid, "listing", "deve essere una tabella ([source.listing])"))
    return out + _check_politeness(table, sid)


def _check_politeness(table: dict, sid: str) -> list[Problem]:
    out = []
    delay = table.get("download_delay")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float)
                              or not 0 <= delay <= MAX_DOWNLOAD_DELAY):
        out.append(Problem(sid, "download_delay",
                           f"deve essere un numero di secondi da 0 a {MAX_DOWNLOAD_DELAY:.0f}"))
    conc = table.get("concurrency")
    if conc is not None and (isinstance(conc, bool) or not isinstance(conc, int)
                             or not 1 <= conc <= MAX_CONCURRENCY):
        out.append(Problem(sid, "concurrency",
                           f"deve essere un numero intero da 1 a {MAX_CONCURRENCY}"))
    if "autothrottle" in table and not isinstance(table["autothrottle"], bool):
        out.append(Problem(sid, "autothrottle", "deve essere true o false"))
    return out


def _check_urls(table: dict, sid: str) -> list[Problem]:
    out = []
    domains = table["allowed_domains"]
    for dom in domains:
        if not _DOMAIN.match(dom):
            out.append(Problem(sid, "allowed_domains",
                               f"{dom!r} non è un dominio semplice "
                               "(senza schema, percorso o porta)"))
    urls = [(k, u) for k in URL_LISTS for u in table.get(k, [])]
    if table.get("homepage"):
        urls.append(("homepage", table["homepage"]))
    for key, url in urls:
        if not is_http_url(url):
            out.append(Problem(sid, key, f"{url!r} non è un indirizzo http(s)"))
        elif not in_domains(url, domains):
            out.append(Problem(sid, key, f"il dominio {host_of(url)!r} di {url} manca in "
                               "allowed_domains"))
    return out


def _check_listing(table: dict, sid: str) -> list[Problem]:
    listing = table.get("listing", {})
    out = [Problem(sid, f"listing.{key}", "chiave sconosciuta") for key in listing
           if key not in LISTING_KEYS]
    for key in ("article_pattern", "next_pattern"):
        if key in listing:
            try:
                re.compile(listing[key])
            except (re.error, TypeError) as exc:
                out.append(Problem(sid, f"listing.{key}",
                                   f"espressione regolare non valida: {exc}"))
    pages = listing.get("max_pages", 1)
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        out.append(Problem(sid, "listing.max_pages", "deve essere un numero intero positivo"))
    return out


def _check_albo(table: dict, sid: str) -> list[Problem]:
    albo = table.get("albo")
    is_albo = table.get("kind") == "albo"
    if is_albo and (table.get("feeds") or table.get("sitemaps") or not table.get("start_urls")):
        return [Problem(sid, "start_urls", "una fonte albo legge le sue pagine di elenco: indica "
                        "start_urls, senza feeds né sitemaps")]
    if albo is None:
        return []
    if not isinstance(albo, dict):
        return [Problem(sid, "albo", "deve essere una tabella ([source.albo])")]
    if not is_albo:
        return [Problem(sid, "albo", "[source.albo] vale solo per le fonti di tipo 'albo'")]
    return _check_albo_rules(albo, sid) + _check_albo_limits(albo, sid)


def _check_albo_rules(albo: dict, sid: str) -> list[Problem]:
    rules = {k: v for k, v in albo.items()
             if k not in ALBO_LIMITS and k not in ("platform", "next_pattern")}
    platform = albo.get("platform")
    if platform is not None and not isinstance(platform, str):
        return [Problem(sid, "albo.platform", "deve essere un testo")]
    return [Problem(sid, f"albo.{key}", message) for key, message in rule_problems(platform, rules)]


def _check_albo_limits(albo: dict, sid: str) -> list[Problem]:
    out = []
    for key in ALBO_LIMITS:
        value = albo.get(key, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            out.append(Problem(sid, f"albo.{key}", "deve essere un numero intero positivo"))
    if "next_pattern" in albo:
        try:
            re.compile(albo["next_pattern"])
        except (re.error, TypeError) as exc:
            out.append(Problem(sid, "albo.next_pattern",
                               f"espressione regolare non valida: {exc}"))
    return out


def _albo_config(table: dict) -> AlboConfig | None:
    if table.get("kind") != "albo":
        return None
    albo = dict(table.get("albo", {}))
    limits = {k: albo.pop(k) for k in list(albo) if k in ALBO_LIMITS}
    platform = albo.pop("platform", "auto")
    next_pattern = albo.pop("next_pattern", None)
    return AlboConfig(platform=platform, rules=tuple(sorted(albo.items())),
                      next_pattern=next_pattern, **limits)


def _build(table: dict) -> Source:
    listing = table.get("listing", {})
    is_albo = table.get("kind") == "albo"
    return Source(
        id=table["id"], name=table["name"], kind=table["kind"],
        allowed_domains=tuple(d.lower() for d in table["allowed_domains"]),
        region=table.get("region"), homepage=table.get("homepage"),
        feeds=tuple(table.get("feeds", [])), sitemaps=tuple(table.get("sitemaps", [])),
        start_urls=() if is_albo else tuple(table.get("start_urls", [])),
        albo_urls=tuple(table.get("start_urls", [])) if is_albo else (),
        albo=_albo_config(table),
        keywords=tuple(table.get("keywords", [])),
        sitemap_lastmod_days=table.get("sitemap_lastmod_days"),
        enabled=table.get("enabled", True),
        listing=Listing(**listing),
        notes=table.get("notes", ""),
        download_delay=(float(table["download_delay"]) if "download_delay" in table else None),
        concurrency=table.get("concurrency"),
        autothrottle=table.get("autothrottle"),
    )


def politeness_by_domain(sources: list[Source]) -> dict[str, Politeness]:
    """Each allowed domain of a source that sets its own politeness -> that politeness (the
    strictest when two sources share a domain: the longer delay, the lower concurrency)."""
    out: dict[str, Politeness] = {}
    for source in sources:
        policy = source.politeness
        if policy is None:
            continue
        for domain in source.allowed_domains:
            old = out.get(domain)
            out[domain] = policy if old is None else _stricter(old, policy)
    return out


def _stricter(a: Politeness, b: Politeness) -> Politeness:
    delays = [d for d in (a.download_delay, b.download_delay) if d is not None]
    concs = [c for c in (a.concurrency, b.concurrency) if c is not None]
    return Politeness(max(delays) if delays else None, min(concs) if concs else None,
                      a.autothrottle or b.autothrottle)
