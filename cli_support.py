"""Presentation helpers for the CLI: rich progress and tables around library calls.

Kept apart from pipeline.py so the command module stays a list of thin commands.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# The words the Datasette interface uses for the same things.
RUN_STATUS = {"ok": "ok", "partial": "parziale", "failed": "non riuscita"}
SOURCE_KINDS = {"portal": "Portale", "local_news": "Notizie locali", "institution": "Istituzione",
                "albo": "Albo pretorio"}
REEXTRACT_COUNTS = {"pages": "pagine rilette", "new": "articoli nuovi",
                    "updated": "articoli aggiornati", "unchanged": "invariati",
                    "duplicate": "duplicati", "not_article": "non articoli",
                    "skipped": "saltate"}


# Error types whose message is meant for people (module, class name); tests check each exists.
KNOWN_ERRORS = (
    ("store.db", "StoreError"),
    ("store.reviews", "ReviewError"),
    ("store.procedures", "ProcedureError"),
    ("store.taxonomy", "TaxonomyError"),
    ("crawler.sources", "SourceError"),
    ("crawler.sources", "UnknownSourceError"),
    ("crawler.distributed.state", "RedisUnavailable"),
    ("crawler.onboard", "DiscoverInputError"),
    ("crawler.ipa", "IpaError"),
    ("nlp.classify", "ModelError"),
    ("nlp.classify", "CorpusError"),
    ("nlp.entities", "ExtractionError"),
    ("nlp.eval_data", "EvalDataError"),
    ("nlp.pool", "WorkerSetupError"),
    ("nlp.features", "RulesError"),
    ("scheduler.config", "ScheduleError"),
    ("scheduler.service", "SchedulerLocked"),
    ("scheduler.runs", "RunTimeout"),
    ("scheduler.runs", "AnalysisFailed"),
    ("digest.build", "DigestError"),
    ("digest.mail", "MailError"),
)


def known_errors() -> tuple[type[BaseException], ...]:
    """Error types that carry a user-facing message: printed without a traceback."""
    errors: list[type[BaseException]] = [OSError]
    for module, name in KNOWN_ERRORS:
        # An error can only come from a module already imported: looking it up in sys.modules
        # keeps a failing (or merely exiting) command from importing spaCy and scikit-learn.
        err = getattr(sys.modules.get(module), name, None)
        if isinstance(err, type) and issubclass(err, BaseException):
            errors.append(err)
    return tuple(errors)


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def parse_day(value: str, option: str, fail: Callable[[str], None]) -> dt.date:
    """An ISO date given on the command line, or a clear error naming the option."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: data non valida {value!r} (atteso AAAA-MM-GG)")
        raise  # fail() exits; this keeps type checkers content


def read_text_input(file: str, fail: Callable[[str], None]) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        fail(f"{path}: file non trovato")
    return path.read_bytes().decode("utf-8", errors="replace")


class CrawlProgress:
    """A live count of articles and errors per source, fed by the crawl's JSON events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, event: dict) -> None:
        kind, source = event.get("event"), event.get("source")
        if kind == "started":
            for sid in event.get("sources", []):
                self.tasks[sid] = self.progress.add_task(f"raccolta {sid}", total=None)
        elif source in self.tasks and kind in ("article", "error"):
            self.counts[source] = self.counts.get(source, 0) + 1
            self.progress.advance(self.tasks[source])
            if kind == "error":
                self.progress.update(self.tasks[source],
                                     description=f"raccolta {source} [red]!")

    def close(self) -> None:
        for sid, task in self.tasks.items():
            self.progress.update(task, total=self.counts.get(sid, 0))


_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def parse_settings(pairs: list[str], fail: Callable[[str], None]) -> dict:
    """Scrapy's `-s NAME=VALUE`: VALUE is read as JSON (numbers, true/false, lists, objects)
    and otherwise kept as text."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not _SETTING_NAME.match(name):
            fail(f"impostazione {pair!r}: scrivi NOME=VALORE, con il nome in maiuscolo "
                 "(es. -s DOWNLOAD_DELAY=2)")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def crawl_with_progress(sources: Path, db: Path, source_ids, timeout: float, console: Console,
                        settings: dict | None = None, redis_url: str | None = None,
                        broad: bool | None = None):
    """Run a crawl in its own process with a live count of articles and errors per source
    (distributed over the workers of `redis_url` when given)."""
    from crawler.run import crawl

    with progress_bar(console) as progress:
        live = CrawlProgress(progress)
        report = crawl(sources, db, list(source_ids) if source_ids else None, timeout_s=timeout,
                       progress=live, settings=settings, redis_url=redis_url, broad=broad)
        live.close()
    print_crawl_report(report, console)
    return report


def run_with_progress(sources: Path, db: Path, timeout: float, console: Console,
                      source_ids=None, redis_url: str | None = None):
    """`scheduler.runs.crawl_and_analyze` (the scheduled run) with a live display."""
    from scheduler.runs import crawl_and_analyze

    progress = progress_bar(console)
    live = CrawlProgress(progress)

    def crawled(report) -> None:
        live.close()
        progress.stop()
        print_crawl_report(report, console)
        console.print("Analisi degli articoli nuovi in corso…")

    progress.start()
    try:
        run = crawl_and_analyze(sources, db, list(source_ids) if source_ids else None,
                                timeout_s=timeout, on_crawl_event=live, on_crawl_report=crawled,
                                redis_url=redis_url)
    finally:
        progress.stop()
    print_analysis_summary(run.analysis.analyzed, run.analysis.relevant,
                           run.analysis.errors, console, failed=run.analysis.failed)
    return run


def print_crawl_report(report, console: Console) -> None:
    table = Table(title="Raccolta", title_justify="left")
    table.add_column("Fonte", no_wrap=True)
    table.add_column("Esito", no_wrap=True)
    for col in ("Richieste", "Articoli nuovi", "Duplicati", "Errori"):
        table.add_column(col, justify="right")
    table.add_column("Messaggio", overflow="fold")
    for src in report.sources:
        colour = {"ok": "green", "partial": "yellow"}.get(src.status, "red")
        status = RUN_STATUS.get(src.status, src.status)
        table.add_row(src.source_id, f"[{colour}]{status}[/]", str(src.requests),
                      str(src.new_articles), str(src.duplicates), str(src.errors),
                      escape(src.message or ""))
    console.print(table)


def analyze_with_progress(db: Path, everything: bool, console: Console, workers: int = 1):
    from nlp.stage import analyze_db

    with progress_bar(console) as progress:
        task = progress.add_task("Analisi articoli", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = analyze_db(db, everything=everything, progress=step, workers=workers)
    print_analysis_summary(report.analyzed, report.relevant, report.failed, console)
    return report


def print_analysis_summary(analyzed: int, relevant: int, errors: dict[str, str],
                           console: Console, failed: int | None = None) -> None:
    failed = len(errors) if failed is None else failed
    console.print(f"Analizzati {analyzed} articoli ({relevant} pertinenti), {failed} errori")
    for article_id, error in list(errors.items())[:20]:
        console.print(f"  [red]✗[/] {article_id}: {escape(error)}", highlight=False)


TABLE_MAX_ROWS = 200  # above this, `sources list` prints plain columns (a rich table of
# thousands of rows takes seconds to lay out)


def print_sources(path: Path, console: Console, fail: Callable[[str], None]) -> None:
    from crawler.sources import load_sources

    sources = load_sources(path)
    header = ("Codice fonte", "Nome", "Tipo di fonte", "Regione", "Feed", "Sitemap", "Elenchi")
    rows = [(src.id, src.name, SOURCE_KINDS.get(src.kind, src.kind), src.region or "",
             str(len(src.feeds)), str(len(src.sitemaps)), str(len(src.start_urls or src.albo_urls)))
            for src in sources]
    if len(rows) <= TABLE_MAX_ROWS:
        table = Table(title=f"Fonti ({path})", title_justify="left")
        for col in header:
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in (header, *rows)]
        console.out("\n".join(lines), highlight=False)
    kinds = Counter(SOURCE_KINDS.get(s.kind, s.kind) for s in sources)
    console.print(f"{len(sources)} fonti: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
                  + f"; disattivate {sum(1 for s in sources if not s.enabled)}",
                  highlight=False, markup=False)


def print_reextract(counts: dict[str, int], console: Console) -> None:
    """What `reextract` did, one Italian line per count."""
    for key, label in REEXTRACT_COUNTS.items():
        if key in counts:
            console.print(f"  {label}: {counts[key]}")
    for key, value in counts.items():
        if key not in REEXTRACT_COUNTS:
            console.print(f"  {key}: {value}")


def run_discover(urls: list[str], from_file: Path | None, out: Path | None, as_json: bool,
                 console: Console, fail: Callable[[str], None], *, max_pages: int,
                 delay: float, workers: int, registry: Path | None = None) -> None:
    """`sources discover`: examine the sites, print the report, write the proposed sources."""
    from crawler.onboard import SiteEntry, discover, normalize_homepage, read_entries
    from crawler.sitefetch import FetchPolicy
    from crawler.sources import load_sources

    entries = read_entries(from_file) if from_file else []
    for url in urls:
        homepage = normalize_homepage(url)
        if homepage is None:
            fail(f"{url!r} non è l'indirizzo di un sito")
        entries.append(SiteEntry(homepage.split("//", 1)[1].split("/", 1)[0], homepage))
    if not entries:
        fail("indica almeno una homepage, o un file con --from")
    known = load_sources(registry) if registry else []
    entries, skipped = _not_in_registry(entries, known, console)
    policy = FetchPolicy(max_pages=max_pages, delay=delay)
    with progress_bar(console) as progress:
        task = progress.add_task("Esame dei siti", total=len(entries))
        reports = []
        for start in range(0, len(entries), workers * 4):
            reports += discover(entries[start:start + workers * 4], policy, workers)
            progress.update(task, completed=len(reports))
    if out is not None or not as_json:  # with --json alone, the JSON carries the sources
        _write_discovered(reports, out, {s.id for s in known})
    if as_json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            console.print("\n".join(report.lines()), highlight=False, markup=False)
    found = sum(1 for r in reports if r.source)
    console.print(f"Fonti proposte: {found} su {len(reports)} siti"
                  + (f" ({skipped} saltati: già nel registro o doppi)" if skipped else "")
                  + (f" → {out}" if out else ""), highlight=False)


def _not_in_registry(entries: list, known: list, console: Console) -> tuple[list, int]:
    from crawler.sitefetch import site_domain
    from crawler.urls import in_domains

    kept, sites = [], set()
    for entry in entries:
        source = next((s for s in known if in_domains(entry.url, s.allowed_domains)
                       or site_domain(entry.url) in s.allowed_domains), None)
        if source is not None:
            console.print(f"{entry.name} — {entry.url}: già nel registro («{source.id}»)",
                          highlight=False, markup=False)
        elif site_domain(entry.url) in sites:  # one site is examined once (and politely)
            console.print(f"{entry.name} — {entry.url}: sito già in elenco", highlight=False,
                          markup=False)
        else:
            sites.add(site_domain(entry.url))
            kept.append(entry)
    return kept, len(entries) - len(kept)


def _write_discovered(reports: list, out: Path | None, taken: set[str]) -> None:
    """The proposed sources as TOML: to `out` (whole or not at all), else to stdout."""
    import os
    import tempfile

    from crawler.onboard import registry_toml

    text = registry_toml(reports, taken)
    if out is None:
        print(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, out)


def run_import_ipa(file: Path | None, url: str | None, categories: list[str], out: Path,
                   console: Console, fail: Callable[[str], None]) -> None:
    """`sources import-ipa`: the homepages of the chosen public bodies, for discover."""
    import tempfile

    from crawler.ipa import ATTRIBUTION, DEFAULT_IPA_URL, download_ipa, read_ipa, write_homepages

    with tempfile.TemporaryDirectory() as folder:
        if file is None:
            console.print(f"Scaricamento dell'elenco IndicePA da {url or DEFAULT_IPA_URL}…")
            file = download_ipa(url or DEFAULT_IPA_URL, Path(folder))
        result = read_ipa(file, categories)
    write_homepages(result.entries, out)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.by_category.items()))
    console.print(f"Enti letti: {result.rows}; homepage scritte: {len(result.entries)} "
                  f"({counts or 'nessuna'}); senza sito: {result.without_site} → {out}",
                  highlight=False)
    console.print(ATTRIBUTION, highlight=False)
