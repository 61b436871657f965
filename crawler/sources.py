"""The source registry: a TOML file of `[[source]]` tables, validated on load into dataclasses.

    [[source]]
    id = "welforum"                      # lower-case slug, unique
    name = "Welforum.it"
    kind = "portal"                      # portal | local_news | institution
    region = "Lombardia"                 # optional; "Italia" for national sources
    homepage = "https://www.welforum.it/"  # optional
    feeds = ["https://www.welforum.it/feed/"]
    sitemaps = ["https://www.welforum.it/sitemap_index.xml"]   # or a robots.txt URL
    start_urls = ["https://www.welforum.it/notizie/"]           # listing pages
    allowed_domains = ["welforum.it"]
    keywords = ["coprogettazione", "terzo settore"]  # optional prefilter
    sitemap_lastmod_days = 60            # optional: skip sitemap entries older than this
    enabled = true                       # optional

    [source.listing]                     # optional, for start_urls
    article_pattern = "/notizie/[^/]+/?$"  # regex an article link's URL must match
    next_pattern = "[?&]page=\\d+"        # regex for pagination links (rel=next always works)
    max_pages = 5                        # pages followed per start URL

Unknown keys are errors naming the key and the source.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from crawler.urls import host_of, in_domains, is_http_url

KINDS = ("portal", "local_news", "institution")
REGIONS = (
    "Italia", "Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna",
    "Friuli-Venezia Giulia", "Lazio", "Liguria", "Lombardia", "Marche", "Molise", "Piemonte",
    "Puglia", "Sardegna", "Sicilia", "Toscana", "Trentino-Alto Adige", "Umbria",
    "Valle d'Aosta", "Veneto",
)
SOURCE_KEYS = {
    "id", "name", "kind", "region", "homepage", "feeds", "sitemaps", "start_urls",
    "allowed_domains", "keywords", "sitemap_lastmod_days", "enabled", "listing", "notes",
}
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
        where = f"source {self.source!r}" if self.source else "file"
        if self.key:
            where += f", key {self.key!r}"
        return f"{where}: {self.message}"


class SourceError(ValueError):
    """A sources file that cannot be used; `problems` lists every reason."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{lines}")


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

    def store_row(self) -> dict:
        """The row written to the `sources` table."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "region": self.region,
            "homepage": self.homepage, "feeds": list(self.feeds), "sitemaps": list(self.sitemaps),
            "start_urls": list(self.start_urls), "allowed_domains": list(self.allowed_domains),
        }


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file; raise SourceError listing every problem."""
    path = Path(path)
    sources, problems = _parse(path)
    if problems:
        raise SourceError(path, problems)
    return sources


def check_sources(path: str | Path) -> list[Problem]:
    """Every problem in a sources file (an empty list means the file is good)."""
    return _parse(Path(path))[1]


def select_sources(sources: list[Source], ids: list[str] | None) -> list[Source]:
    """The enabled sources, or exactly the given ids (unknown ids raise KeyError)."""
    if not ids:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise UnknownSourceError(f"unknown source id(s): {', '.join(missing)} "
                                 f"(known: {', '.join(sorted(by_id))})")
    return [by_id[i] for i in ids]


def _parse(path: Path) -> tuple[list[Source], list[Problem]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], [Problem("", "", f"file {path} does not exist")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [], [Problem("", "", f"not valid TOML: {exc}")]
    problems = [Problem("", key, "unknown top-level key (expected [[source]] tables)")
                for key in data if key != "source"]
    tables = data.get("source", [])
    if not isinstance(tables, list) or not tables:
        return [], problems + [Problem("", "source", "no [[source]] tables")]
    sources: list[Source] = []
    seen: set[str] = set()
    for pos, table in enumerate(tables, start=1):
        found = _validate(table, pos)
        problems += found
        sid = table.get("id") if isinstance(table.get("id"), str) else f"#{pos}"
        if sid in seen:
            problems.append(Problem(sid, "id", "duplicate id (ids must be unique)"))
        seen.add(sid)
        if not found:
            sources.append(_build(table))
    return sources, problems


def _validate(table: dict, pos: int) -> list[Problem]:
    sid = table.get("id") if isinstance(table.get("id"), str) else f"#{pos}"
    out = [Problem(sid, key, "unknown key") for key in table if key not in SOURCE_KEYS]
    out += _check_required(table, sid)
    out += _check_types(table, sid)
    if isinstance(table.get("listing", {}), dict):
        out += _check_listing(table, sid)
    if out:
        return out
    return _check_urls(table, sid)


def _check_required(table: dict, sid: str) -> list[Problem]:
    out = []
    for key in ("id", "name", "kind", "allowed_domains"):
        if not table.get(key):
            out.append(Problem(sid, key, "missing (required)"))
    if isinstance(table.get("id"), str) and table["id"] and not _SLUG.match(table["id"]):
        out.append(Problem(sid, "id", "must be a lower-case slug (a-z, 0-9, - and _)"))
    if table.get("kind") and table["kind"] not in KINDS:
        out.append(Problem(sid, "kind", f"{table['kind']!r} is not one of {', '.join(KINDS)}"))
    if table.get("region") is not None and table["region"] not in REGIONS:
        out.append(Problem(sid, "region", f"{table['region']!r} is not an Italian region "
                           "(use the official name, or 'Italia' for national sources)"))
    if not any(table.get(k) for k in URL_LISTS):
        out.append(Problem(sid, "", "needs at least one of feeds, sitemaps, start_urls"))
    return out


def _check_types(table: dict, sid: str) -> list[Problem]:
    out = []
    for key in (*URL_LISTS, "allowed_domains", "keywords"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            out.append(Problem(sid, key, "must be a list of non-empty strings"))
    for key in ("name", "homepage", "notes"):
        if key in table and not isinstance(table[key], str):
            out.append(Problem(sid, key, "must be a string"))
    days = table.get("sitemap_lastmod_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        out.append(Problem(sid, "sitemap_lastmod_days", "must be a positive whole number of days"))
    if "enabled" in table and not isinstance(table["enabled"], bool):
        out.append(Problem(sid, "enabled", "must be true or false"))
    if "listing" in table and not isinstance(table["listing"], dict):
        out.append(Problem(sid, "listing", "must be a table ([source.listing])"))
    return out


def _check_urls(table: dict, sid: str) -> list[Problem]:
    out = []
    domains = table["allowed_domains"]
    for dom in domains:
        if not _DOMAIN.match(dom):
            out.append(Problem(sid, "allowed_domains",
                               f"{dom!r} is not a bare domain (no scheme, path or port)"))
    urls = [(k, u) for k in URL_LISTS for u in table.get(k, [])]
    if table.get("homepage"):
        urls.append(("homepage", table["homepage"]))
    for key, url in urls:
        if not is_http_url(url):
            out.append(Problem(sid, key, f"{url!r} is not an http(s) URL"))
        elif not in_domains(url, domains):
            out.append(Problem(sid, key, f"domain {host_of(url)!r} of {url} is missing from "
                               "allowed_domains"))
    return out


def _check_listing(table: dict, sid: str) -> list[Problem]:
    listing = table.get("listing", {})
    out = [Problem(sid, f"listing.{key}", "unknown key") for key in listing
           if key not in LISTING_KEYS]
    for key in ("article_pattern", "next_pattern"):
        if key in listing:
            try:
                re.compile(listing[key])
            except (re.error, TypeError) as exc:
                out.append(Problem(sid, f"listing.{key}", f"not a valid regular expression: {exc}"))
    pages = listing.get("max_pages", 1)
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        out.append(Problem(sid, "listing.max_pages", "must be a positive whole number"))
    return out


def _build(table: dict) -> Source:
    listing = table.get("listing", {})
    return Source(
        id=table["id"], name=table["name"], kind=table["kind"],
        allowed_domains=tuple(d.lower() for d in table["allowed_domains"]),
        region=table.get("region"), homepage=table.get("homepage"),
        feeds=tuple(table.get("feeds", [])), sitemaps=tuple(table.get("sitemaps", [])),
        start_urls=tuple(table.get("start_urls", [])),
        keywords=tuple(table.get("keywords", [])),
        sitemap_lastmod_days=table.get("sitemap_lastmod_days"),
        enabled=table.get("enabled", True),
        listing=Listing(**listing),
        notes=table.get("notes", ""),
    )
