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
    help="Osservatorio co-progettazione: raccoglie, analizza e pubblica le notizie sulla "
    "co-progettazione in Italia.",
    no_args_is_help=True,
    add_completion=False,
)
sources_app = typer.Typer(help="Consulta e verifica il registro delle fonti, propone fonti nuove.",
                          no_args_is_help=True)
app.add_typer(sources_app, name="sources")
procedures_app = typer.Typer(
    help="Procedure tra più articoli: unire o separare quelle collegate in automatico.",
    no_args_is_help=True)
app.add_typer(procedures_app, name="procedures")
console = Console(stderr=True)

ROOT = Path(__file__).resolve().parent
DEFAULT_SOURCES = ROOT / "crawler" / "sources.toml"
DEFAULT_DB = Path("data") / "osservatorio.db"
DEFAULT_SCHEDULE = ROOT / "scheduler" / "schedule.toml"

DbOpt = Annotated[Path, typer.Option("--db", help="File del database SQLite.", envvar="OBS_DB")]
ScheduleOpt = Annotated[Path, typer.Option(help="File della pianificazione (TOML).")]
RedisOpt = Annotated[str | None, typer.Option(
    "--redis", help="Raccolta distribuita: la coordina su questo Redis (redis://HOST:PORTA/N); "
    "scaricano i processi `worker`.", envvar="OBS_REDIS_URL")]
SourcesOpt = Annotated[list[Path] | None, typer.Option(
    "--sources", help="Registro delle fonti: un file TOML o una cartella di file .toml "
    "(ripetibile; predefinito crawler/sources.toml).", envvar="OBS_SOURCES")]


def fail(message: str, code: int = 1) -> None:
    """One clear message on stderr and a non-zero exit, never a traceback."""
    console.print(f"[bold red]errore:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def registry(sources: list[Path] | None) -> Path:
    """The registry files and folders given with --sources, as one location."""
    from crawler.sources import join_locations

    return Path(join_locations(sources or [DEFAULT_SOURCES]))


def ensure_parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@app.command()
def crawl(
    sources: SourcesOpt = None,
    db: DbOpt = DEFAULT_DB,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Solo queste fonti (codice fonte).")] = None,
    timeout: Annotated[float, typer.Option(help="Interrompe la raccolta dopo N secondi.")] = 3600,
    setting: Annotated[list[str] | None, typer.Option(
        "--set", "-s", help="Impostazione Scrapy NOME=VALORE (ripetibile), "
        "es. -s DOWNLOAD_DELAY=2.")] = None,
    redis: RedisOpt = None,
    broad: Annotated[bool | None, typer.Option(
        "--broad/--no-broad", help="Profilo per raccolte ampie (molti siti piccoli); "
        "predefinito: attivo da OBSERVATORY_BROAD_MIN_SOURCES fonti in su.")] = None,
) -> None:
    """Raccoglie gli articoli delle fonti del registro e li salva nel database."""
    from cli_support import crawl_with_progress, parse_settings

    overrides = parse_settings(setting or [], fail)
    report = crawl_with_progress(registry(sources), ensure_parent(db), source, timeout, console,
                                 settings=overrides, redis_url=redis, broad=broad)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def worker(
    redis: Annotated[str, typer.Option(
        "--redis", help="Indirizzo Redis della raccolta distribuita (redis://HOST:PORTA/N).",
        envvar="OBS_REDIS_URL")],
    max_idle: Annotated[float | None, typer.Option(
        "--max-idle", help="Termina dopo N secondi senza nulla da scaricare.")] = None,
) -> None:
    """Scarica le pagine di una raccolta distribuita (vedi `crawl --redis`)."""
    from crawler.distributed.worker import run_worker

    raise typer.Exit(run_worker(redis, max_idle, log=console.print))


@app.command()
def analyze(
    db: DbOpt = DEFAULT_DB,
    all_: Annotated[bool, typer.Option("--all", help="Rianalizza tutti gli articoli.")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1,
        help="Processi di analisi in parallelo (predefinito: uno per core).")] = None,
) -> None:
    """Analizza gli articoli non ancora analizzati (o tutti) e salva i risultati."""
    from cli_support import analyze_with_progress
    from nlp.stage import default_workers

    report = analyze_with_progress(db, all_, console, workers or default_workers())
    raise typer.Exit(1 if report.failed and not report.analyzed else 0)


@app.command("analyze-text")
def analyze_text(
    file: Annotated[str, typer.Argument(help="File di testo, o - per lo standard input.")] = "-",
    title: Annotated[str, typer.Option(help="Titolo dell'articolo, se noto.")] = "",
    published: Annotated[str | None, typer.Option(
        help="Data di pubblicazione (AAAA-MM-GG): risolve le date senza anno, come "
        "\"entro il 15 gennaio\"; predefinita: oggi.")] = None,
) -> None:
    """Analizza un articolo in testo semplice e stampa il risultato in JSON."""
    from cli_support import parse_day, read_text_input
    from nlp.analyze import load_analyzer

    day = parse_day(published, "--published", fail) if published else None
    text = read_text_input(file, fail)
    analysis = load_analyzer().analyze(text, title, day)
    print(json.dumps(analysis.to_json(), ensure_ascii=False, indent=2))


@app.command()
def run(sources: SourcesOpt = None, db: DbOpt = DEFAULT_DB,
        redis: RedisOpt = None) -> None:
    """Raccolta e analisi, una volta (il lavoro pianificato)."""
    from cli_support import run_with_progress

    report = run_with_progress(registry(sources), ensure_parent(db), 3600, console,
                               redis_url=redis)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def digest(
    db: DbOpt = DEFAULT_DB,
    week: Annotated[str | None, typer.Option(
        help="Settimana ISO AAAA-Wss (predefinita: la scorsa).")] = None,
    out: Annotated[Path, typer.Option(help="Cartella di destinazione.")] = Path("out/digest"),
    send: Annotated[bool, typer.Option(
        help="Invia per e-mail (SMTP, impostazioni dall'ambiente).")] = False,
) -> None:
    """Scrive il digest settimanale (Markdown + HTML) e lo salva nel database."""
    from digest.build import previous_week, write_digest

    result = write_digest(db, week or previous_week(), out)
    console.print(f"Digest {result.week}: {result.stories} storie → {result.markdown_path}")
    if send:
        from digest.mail import send_digest

        send_digest(result)


@app.command()
def serve(
    db: DbOpt = DEFAULT_DB,
    port: Annotated[int, typer.Option(help="Porta su cui ascoltare.")] = 8001,
    host: Annotated[str, typer.Option(help="Interfaccia di rete.")] = "127.0.0.1",
) -> None:
    """Pubblica il database con Datasette (configurazione in datasette_config/)."""
    from publish.serve import serve_database

    if not db.exists():
        fail(f"{db}: database non trovato (esegui prima `crawl` e `analyze`, oppure `demo`)")
    serve_database(db, host=host, port=port)


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="Database da creare.")] = Path("demo-output/demo.db"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Si ferma dopo il digest.")] = False,
    port: Annotated[int, typer.Option(help="Porta di Datasette.")] = 8001,
) -> None:
    """Demo offline: siti demo, raccolta, analisi, digest, poi Datasette."""
    from functools import partial

    from cli_support import run_with_progress
    from demo_sites.demo import run_demo

    run_demo(db, serve=not no_serve, port=port, console=console,
             run=partial(run_with_progress, timeout=600, console=console))


@app.command()
def reextract(
    db: DbOpt = DEFAULT_DB,
    source: Annotated[str | None, typer.Option(help="Solo questa fonte (codice fonte).")] = None,
    refused: Annotated[bool, typer.Option(
        "--refused", help="Solo le pagine scartate dall'estrazione (conservate, in numero "
        "limitato, per questo).")] = False,
) -> None:
    """Riestrae gli articoli dall'HTML salvato, senza raccogliere di nuovo."""
    from cli_support import print_reextract
    from crawler.reextract import reextract as do_reextract

    print_reextract(do_reextract(db, source, refused_only=refused), console)


@sources_app.command("list")
def sources_list(sources: SourcesOpt = None) -> None:
    """Elenca le fonti del registro."""
    from cli_support import print_sources

    print_sources(registry(sources), console, fail)


@sources_app.command("check")
def sources_check(sources: SourcesOpt = None) -> None:
    """Verifica il registro: chiavi sconosciute, URL errati, codici doppi, domini."""
    from crawler.sources import check_sources, registry_files

    location = registry(sources)
    problems = check_sources(location)
    for problem in problems:
        console.print(f"[red]✗[/] {escape(str(problem))}", highlight=False)
    if problems:
        raise typer.Exit(1)
    files = registry_files(location)
    where = str(files[0]) if len(files) == 1 else f"{len(files)} file"
    console.print(f"[green]✓[/] {escape(where)}: ok", highlight=False)


@sources_app.command("discover")
def sources_discover(
    urls: Annotated[list[str] | None, typer.Argument(help="Homepage dei siti.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from", help="File di homepage: una per riga, nome<TAB>url (come scrive "
        "import-ipa).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Scrive qui le fonti proposte (TOML); altrimenti sullo standard output.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Rapporto in JSON.")] = False,
    max_pages: Annotated[int, typer.Option(min=3, max=100,
                                           help="Pagine lette al massimo per sito.")] = 15,
    delay: Annotated[float, typer.Option(min=0, help="Secondi tra due richieste allo stesso "
                                         "sito (il Crawl-delay di robots.txt può allungarli)."
                                         )] = 1.0,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Siti esaminati insieme.")] = 4,
    sources: SourcesOpt = None,
) -> None:
    """Esamina i siti dalla homepage e propone le fonti per il registro (feed, sitemap, elenchi)."""
    from cli_support import run_discover

    run_discover(urls or [], from_file, out, as_json, console, fail,
                 max_pages=max_pages, delay=delay, workers=workers,
                 registry=registry(sources) if sources else None)


@sources_app.command("import-ipa")
def sources_import_ipa(
    out: Annotated[Path, typer.Option(help="File di homepage da scrivere (per discover).")],
    file: Annotated[Path | None, typer.Option(
        help="Elenco degli enti IndicePA (CSV ufficiale, anche .gz).")] = None,
    download: Annotated[bool, typer.Option(
        help="Scarica l'elenco ufficiale degli enti (serve la rete).")] = False,
    url: Annotated[str | None, typer.Option(
        help="Indirizzo dell'elenco ufficiale, per --download.", envvar="OBS_IPA_URL")] = None,
    category: Annotated[list[str] | None, typer.Option(
        help="Categorie da tenere (ripetibile): comuni, unioni, comunita-montane, asl, ao, "
        "asp, consorzi, regioni. Predefinito: tutte queste.")] = None,
) -> None:
    """Dall'elenco IndicePA degli enti pubblici, le homepage da esaminare con discover."""
    from cli_support import run_import_ipa

    if (file is None) == (not download):
        fail("indica l'elenco con --file FILE oppure usa --download")
    run_import_ipa(file, url if download else None, category or [], out, console, fail)


@app.command("train-ner")
def train_ner(
    corpus: Annotated[Path, typer.Option(help="Cartella KIND evalita-2023.")],
    out: Annotated[Path, typer.Option(help="Cartella del modello.")] = (
        ROOT / "nlp" / "models" / "ner"),
    max_epochs: Annotated[int, typer.Option(help="Epoche di addestramento.")] = 6,
    max_sentences: Annotated[int | None, typer.Option(
        help="Numero massimo di frasi di addestramento.")] = None,
) -> None:
    """Addestra il NER statistico su KIND e sulle frasi del dominio."""
    from nlp.ner_train import train

    if not corpus.is_dir():
        fail(f"{corpus}: cartella del corpus non trovata")
    metrics = train(corpus, out, max_epochs=max_epochs, max_sentences=max_sentences,
                    domain_dir=ROOT / "nlp" / "data" / "ner_domain")
    print(json.dumps(metrics, indent=2))


@app.command("evaluate-entities")
def evaluate_entities(
    data: Annotated[Path | None, typer.Option(
        help="Un solo insieme di valutazione (JSONL); predefinito: le due metà del testo "
        "reale, poi gli insiemi del progetto.")] = None,
    errors: Annotated[int, typer.Option(
        help="Elenca questo numero di errori della metà dev del testo reale.")] = 0,
) -> None:
    """Precisione, richiamo e F1 per tipo di entità: prima il testo reale, poi gli insiemi del
    progetto."""
    from nlp.entities import load_extractor
    from nlp.eval_data import load_eval_set
    from nlp.evaluate_entities import evaluate, evaluate_all, format_report

    if data is None:
        print(evaluate_all(load_extractor(), max_errors=errors))
    else:
        print(format_report(evaluate(load_extractor(), load_eval_set(data)), errors))


@app.command("evaluate-procedures")
def evaluate_procedures(
    data: Annotated[Path | None, typer.Option(
        help="Insieme annotato (JSONL); predefinito: nlp/data/procedures.")] = None,
    errors: Annotated[int, typer.Option(
        help="Elenca questo numero di errori della metà dev.")] = 0,
) -> None:
    """Procedure, stadi, enti procedenti, scadenze, ruoli degli importi ed eventi: prima la
    metà test, poi la metà dev dell'insieme annotato."""
    from nlp.analyze import load_analyzer
    from nlp.evaluate_procedures import PROCEDURES_PATH, evaluate_halves

    print(evaluate_halves(load_analyzer(), data or PROCEDURES_PATH, max_errors=errors))


@app.command()
def train(
    corpus: Annotated[Path, typer.Option(help="Cartella del corpus annotato.")] = (
        ROOT / "nlp" / "data" / "classifier"
    ),
    out: Annotated[Path, typer.Option(help="Cartella del modello.")] = (
        ROOT / "nlp" / "models" / "classifier"
    ),
    db: Annotated[Path | None, typer.Option(
        help="Aggiunge le revisioni della redazione da questo database.")] = None,
    realtext: Annotated[bool, typer.Option(
        help="Aggiunge la metà dev del testo reale (nlp/data/realtext) all'addestramento.")
    ] = True,
) -> None:
    """Addestra i classificatori sul corpus, sulla metà dev del testo reale e sulle revisioni
    della redazione."""
    from nlp.classify import format_train
    from nlp.classify import train as do_train

    print(format_train(do_train(corpus, out, db_path=db, realtext=realtext)))


@app.command("evaluate-classifier")
def evaluate_classifier(
    corpus: Annotated[Path, typer.Option(help="Cartella del corpus annotato.")] = (
        ROOT / "nlp" / "data" / "classifier"
    ),
    folds: Annotated[int, typer.Option(help="Partizioni della validazione incrociata.")] = 5,
) -> None:
    """Precisione, richiamo e F1 per etichetta (validazione incrociata) e coppie confuse."""
    from demo_sites.content import labelled_articles
    from nlp.classify import demo_examples, evaluate, format_eval

    print(format_eval(evaluate(corpus, folds=folds, demo=demo_examples(labelled_articles()))))


@app.command()
def review(
    db: DbOpt = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="Articoli da rivedere.")] = 20,
    reviewer: Annotated[str, typer.Option(help="Il tuo nome.", envvar="USER")] = "staff",
) -> None:
    """Revisione degli articoli meno sicuri per primi; registra le decisioni."""
    from nlp.review import run_review

    run_review(db, limit=limit, reviewer=reviewer)


def _decide(kind: str, db: Path, article_a: str, article_b: str, reviewer: str,
            note: str) -> None:
    from nlp.procedures.relink import record_decision
    from store.db import open_db

    total = record_decision(open_db(db), kind, article_a, article_b, reviewer, note)
    verb = "uniti nella stessa procedura" if kind == "merge" else "tenuti in procedure diverse"
    console.print(f"Articoli {escape(article_a)} e {escape(article_b)} {verb}; "
                  f"procedure ora: {total}.", highlight=False)


ArticleArg = Annotated[str, typer.Argument(help="Id di un articolo (colonna id).")]
ReviewerOpt = Annotated[str, typer.Option(help="Il tuo nome.", envvar="USER")]
NoteOpt = Annotated[str, typer.Option(help="Motivo della decisione.")]


@procedures_app.command("merge")
def procedures_merge(article_a: ArticleArg, article_b: ArticleArg, db: DbOpt = DEFAULT_DB,
                     reviewer: ReviewerOpt = "staff", note: NoteOpt = "") -> None:
    """I due articoli raccontano la stessa procedura (decisione della redazione)."""
    _decide("merge", db, article_a, article_b, reviewer, note)


@procedures_app.command("split")
def procedures_split(article_a: ArticleArg, article_b: ArticleArg, db: DbOpt = DEFAULT_DB,
                     reviewer: ReviewerOpt = "staff", note: NoteOpt = "") -> None:
    """I due articoli raccontano procedure diverse (decisione della redazione)."""
    _decide("split", db, article_a, article_b, reviewer, note)


@app.command()
def schedule(
    config: ScheduleOpt = DEFAULT_SCHEDULE,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Avvia il pianificatore (raccolte, analisi, digest settimanale, controllo fonti)."""
    from scheduler.service import run_scheduler

    run_scheduler(config, db)


@app.command()
def jobs(
    config: ScheduleOpt = DEFAULT_SCHEDULE,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Prossime esecuzioni ed ultimi esiti dei lavori pianificati."""
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
