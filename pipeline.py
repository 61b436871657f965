"""Command line of the observatory: each command parses options and calls one library function.

Heavy libraries are imported inside the commands so `--help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="Osservatorio co-progettazione: crawl, analyse and publish Italian co-design news.",
    no_args_is_help=True,
    add_completion=False,
)
sources_app = typer.Typer(help="Inspect and validate the source registry.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
console = Console(stderr=True)

ROOT = Path(__file__).resolve().parent
DEFAULT_SOURCES = ROOT / "crawler" / "sources.toml"
DEFAULT_DB = Path("data") / "osservatorio.db"
DEFAULT_SCHEDULE = ROOT / "scheduler" / "schedule.toml"

DbOpt = Annotated[Path, typer.Option("--db", help="SQLite database file.", envvar="OBS_DB")]
SourcesOpt = Annotated[
    Path, typer.Option("--sources", help="Source registry (TOML).", envvar="OBS_SOURCES")
]


def fail(message: str, code: int = 1) -> None:
    """One clear message on stderr and a non-zero exit, never a traceback."""
    console.print(f"[bold red]errore:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def ensure_parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@app.command()
def crawl(
    sources: SourcesOpt = DEFAULT_SOURCES,
    db: DbOpt = DEFAULT_DB,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these ids.")] = None,
    timeout: Annotated[float, typer.Option(help="Kill the crawl after N seconds.")] = 3600,
) -> None:
    """Run the spiders for the sources in FILE and store the articles."""
    from cli_support import crawl_with_progress

    report = crawl_with_progress(sources, ensure_parent(db), source, timeout, console)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def analyze(
    db: DbOpt = DEFAULT_DB,
    all_: Annotated[bool, typer.Option("--all", help="Re-analyse every article.")] = False,
) -> None:
    """Analyse articles not yet analysed (or all) and store the results."""
    from cli_support import analyze_with_progress

    report = analyze_with_progress(db, all_, console)
    raise typer.Exit(1 if report.failed and not report.analysed else 0)


@app.command("analyze-text")
def analyze_text(
    file: Annotated[str, typer.Argument(help="Plain-text file, or - for standard input.")] = "-",
    title: Annotated[str, typer.Option(help="Article title, if known.")] = "",
) -> None:
    """Analyse one plain-text article and print the JSON result."""
    from cli_support import read_text_input
    from nlp.analyse import load_analyzer

    text = read_text_input(file, fail)
    analysis = load_analyzer().analyse(text, title)
    print(json.dumps(analysis.to_json(), ensure_ascii=False, indent=2))


@app.command()
def run(sources: SourcesOpt = DEFAULT_SOURCES, db: DbOpt = DEFAULT_DB) -> None:
    """Crawl + analyse once (the scheduled job)."""
    from cli_support import analyze_with_progress, crawl_with_progress

    report = crawl_with_progress(sources, ensure_parent(db), None, 3600, console)
    analyze_with_progress(db, False, console)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def digest(
    db: DbOpt = DEFAULT_DB,
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: last week).")] = (
        None
    ),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out/digest"),
    send: Annotated[bool, typer.Option(help="Send by SMTP (settings from environment).")] = False,
) -> None:
    """Write the weekly digest (Markdown + HTML) and store it in the database."""
    from digest.build import previous_week, write_digest

    result = write_digest(db, week or previous_week(), out)
    console.print(f"Digest {result.week}: {result.stories} storie → {result.markdown_path}")
    if send:
        from digest.mail import send_digest

        send_digest(result)


@app.command()
def serve(
    db: DbOpt = DEFAULT_DB,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
) -> None:
    """Start Datasette on the database with datasette_config/."""
    from publish.serve import serve_database

    if not db.exists():
        fail(f"{db}: database not found (run `crawl` and `analyze` first, or `demo`)")
    serve_database(db, host=host, port=port)


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="Database to build.")] = Path("demo-output/demo.db"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the digest.")] = False,
    port: Annotated[int, typer.Option(help="Datasette port.")] = 8001,
) -> None:
    """Offline demo: serve the bundled sites, crawl, analyse, digest, then start Datasette."""
    from demo_sites.demo import run_demo

    run_demo(db, serve=not no_serve, port=port, console=console)


@app.command()
def reextract(
    db: DbOpt = DEFAULT_DB,
    source: Annotated[str | None, typer.Option(help="Only this source id.")] = None,
) -> None:
    """Re-extract articles from stored raw HTML, without re-crawling."""
    from crawler.reextract import reextract as do_reextract

    counts = do_reextract(db, source)
    console.print(counts)


@sources_app.command("list")
def sources_list(sources: SourcesOpt = DEFAULT_SOURCES) -> None:
    """List the sources of the registry."""
    from cli_support import print_sources

    print_sources(sources, console, fail)


@sources_app.command("check")
def sources_check(sources: SourcesOpt = DEFAULT_SOURCES) -> None:
    """Validate the registry: unknown keys, bad URLs, duplicate ids, domains."""
    from crawler.sources import check_sources

    problems = check_sources(sources)
    for problem in problems:
        console.print(f"[red]✗[/] {escape(str(problem))}", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {sources}: ok")


@app.command("train-ner")
def train_ner(
    corpus: Annotated[Path, typer.Option(help="KIND evalita-2023 folder.")],
    out: Annotated[Path, typer.Option(help="Model folder.")] = ROOT / "nlp" / "models" / "ner",
    max_epochs: Annotated[int, typer.Option(help="Training epochs.")] = 6,
    max_sentences: Annotated[int | None, typer.Option(help="Cap training sentences.")] = None,
) -> None:
    """Train the statistical NER on KIND plus the project's domain sentences."""
    from nlp.ner_train import train

    if not corpus.is_dir():
        fail(f"{corpus}: corpus folder not found")
    metrics = train(corpus, out, max_epochs=max_epochs, max_sentences=max_sentences,
                    domain_dir=ROOT / "nlp" / "data" / "ner_domain")
    print(json.dumps(metrics, indent=2))


@app.command("evaluate-entities")
def evaluate_entities(
    data: Annotated[Path | None, typer.Option(
        help="One evaluation set (JSONL); default: the real-text halves, then the own sets."
    )] = None,
    errors: Annotated[int, typer.Option(
        help="List this many errors of the real-text dev half.")] = 0,
) -> None:
    """Print precision/recall/F1 per entity type: real-text set first, then the own sets."""
    from nlp.entities import load_extractor
    from nlp.eval_data import load_eval_set
    from nlp.evaluate_entities import evaluate, evaluate_all, format_report

    if data is None:
        print(evaluate_all(load_extractor(), max_errors=errors))
    else:
        print(format_report(evaluate(load_extractor(), load_eval_set(data)), errors))


@app.command()
def train(
    corpus: Annotated[Path, typer.Option(help="Labelled corpus folder.")] = (
        ROOT / "nlp" / "data" / "classifier"
    ),
    out: Annotated[Path, typer.Option(help="Model folder.")] = (
        ROOT / "nlp" / "models" / "classifier"
    ),
    db: Annotated[Path | None, typer.Option(help="Add staff reviews from this database.")] = None,
    realtext: Annotated[bool, typer.Option(
        help="Add the real-text dev half (nlp/data/realtext) to the training data.")] = True,
) -> None:
    """(Re)train the classifiers from the corpus plus the real-text dev half and staff reviews."""
    from nlp.classify import format_train
    from nlp.classify import train as do_train

    print(format_train(do_train(corpus, out, db_path=db, realtext=realtext)))


@app.command("evaluate-classifier")
def evaluate_classifier(
    corpus: Annotated[Path, typer.Option(help="Labelled corpus folder.")] = (
        ROOT / "nlp" / "data" / "classifier"
    ),
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
) -> None:
    """Print cross-validated precision/recall/F1 per label and the most confused pairs."""
    from nlp.classify import evaluate, format_eval

    print(format_eval(evaluate(corpus, folds=folds)))


@app.command()
def review(
    db: DbOpt = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="Articles to review.")] = 20,
    reviewer: Annotated[str, typer.Option(help="Your name.", envvar="USER")] = "staff",
) -> None:
    """Review the least confident articles first and record decisions."""
    from nlp.review import run_review

    run_review(db, limit=limit, reviewer=reviewer)


@app.command()
def schedule(
    config: Annotated[Path, typer.Option(help="Schedule file (TOML).")] = DEFAULT_SCHEDULE,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Run the long-lived scheduler (crawls, analysis, weekly digest, health check)."""
    from scheduler.service import run_scheduler

    run_scheduler(config, db)


@app.command()
def jobs(
    config: Annotated[Path, typer.Option(help="Schedule file (TOML).")] = DEFAULT_SCHEDULE,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """List the next run times and the last results of scheduled jobs."""
    from scheduler.service import print_jobs

    print_jobs(config, db, console)


def main() -> None:
    from cli_support import known_errors

    try:
        app()
    except known_errors() as exc:
        console.print(f"[bold red]errore:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
