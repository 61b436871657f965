"""Presentation helpers for the CLI: rich progress and tables around library calls.

Kept apart from pipeline.py so the command module stays a list of thin commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def known_errors() -> tuple[type[BaseException], ...]:
    """Error types that carry a user-facing message: printed without a traceback."""
    errors: list[type[BaseException]] = [OSError]
    for module, name in (
        ("store.db", "StoreError"),
        ("crawler.sources", "SourceError"),
        ("crawler.sources", "UnknownSourceError"),
        ("nlp.classify", "ModelError"),
        ("nlp.entities", "ModelError"),
        ("nlp.entities", "ExtractionError"),
        ("scheduler.config", "ScheduleError"),
        ("scheduler.service", "SchedulerLocked"),
        ("digest.build", "DigestError"),
        ("digest.mail", "MailError"),
    ):
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


def read_text_input(file: str, fail: Callable[[str], None]) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        fail(f"{path}: file not found")
    return path.read_bytes().decode("utf-8", errors="replace")


def crawl_with_progress(sources: Path, db: Path, source_ids, timeout: float, console: Console):
    """Run a crawl in its own process with a live count of articles and errors per source."""
    from crawler.run import crawl

    with progress_bar(console) as progress:
        tasks: dict[str, int] = {}
        counts: dict[str, int] = {}

        def on_event(event: dict) -> None:
            kind, source = event.get("event"), event.get("source")
            if kind == "started":
                for sid in event.get("sources", []):
                    tasks[sid] = progress.add_task(f"crawl {sid}", total=None)
            elif source in tasks and kind in ("article", "error"):
                counts[source] = counts.get(source, 0) + 1
                progress.advance(tasks[source])
                if kind == "error":
                    progress.update(tasks[source], description=f"crawl {source} [red]!")

        report = crawl(sources, db, list(source_ids) if source_ids else None, timeout_s=timeout,
                       progress=on_event)
        for sid, task in tasks.items():
            progress.update(task, total=counts.get(sid, 0))
    print_crawl_report(report, console)
    return report


def print_crawl_report(report, console: Console) -> None:
    table = Table(title="Crawl", title_justify="left")
    for col in ("source", "status", "requests", "new", "duplicates", "errors", "message"):
        table.add_column(col)
    for src in report.sources:
        colour = {"ok": "green", "partial": "yellow"}.get(src.status, "red")
        table.add_row(src.source_id, f"[{colour}]{src.status}[/]", str(src.requests),
                      str(src.new_articles), str(src.duplicates), str(src.errors),
                      escape(src.message or ""))
    console.print(table)


def analyze_with_progress(db: Path, everything: bool, console: Console):
    from nlp.stage import analyze_db

    with progress_bar(console) as progress:
        task = progress.add_task("Analisi articoli", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = analyze_db(db, everything=everything, progress=step)
    console.print(f"Analizzati {report.analysed} articoli ({report.relevant} rilevanti), "
                  f"{len(report.failed)} errori")
    for article_id, error in list(report.failed.items())[:20]:
        console.print(f"  [red]✗[/] {article_id}: {escape(error)}", highlight=False)
    return report


def print_sources(path: Path, console: Console, fail: Callable[[str], None]) -> None:
    from crawler.sources import load_sources

    table = Table(title=str(path), title_justify="left")
    for col in ("id", "name", "kind", "region", "feeds", "sitemaps", "listings"):
        table.add_column(col)
    for src in load_sources(path):
        table.add_row(src.id, src.name, src.kind, src.region or "", str(len(src.feeds)),
                      str(len(src.sitemaps)), str(len(src.start_urls)))
    console.print(table)
