"""The analysis stage: read articles from the store, analyze them, write the results back."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nlp.analyze import Analyzer, load_analyzer
from nlp.pool import Outcome, WorkerSetupError, analyze_one, analyze_parallel
from store.analysis import articles_to_analyze, save_analysis
from store.db import StoreError, open_db


@dataclass
class AnalyzeReport:
    analyzed: int = 0
    relevant: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # article id -> error
    procedures: int = 0  # procedures across articles after linking


def default_workers() -> int:
    return os.cpu_count() or 1


def analyze_db(
    db_path: Path,
    *,
    everything: bool = False,
    analyzer: Analyzer | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> AnalyzeReport:
    """Analyze articles not yet analyzed (or all); one article failing never stops the run.

    With `workers` > 1 a pool of processes analyzes (`nlp.pool`: the models are loaded once,
    not in this process) and this process alone writes, in the order of the articles, so the
    stored results do not depend on the number of workers. Each article is committed on its
    own, so a killed run loses at most the articles in hand and a re-run carries on where it
    stopped.
    """
    db = open_db(db_path)
    todo = articles_to_analyze(db, everything=everything)
    report = AnalyzeReport()
    if workers > 1 and analyzer is None and len(todo) > 1:
        outcomes = analyze_parallel(todo, min(workers, len(todo)))
    else:
        outcomes = _analyze_here(todo, analyzer)
    texts = {art["id"]: art["text"] or "" for art in todo}
    for i, outcome in enumerate(outcomes, 1):
        if outcome.result is None:
            report.failed[outcome.article_id] = outcome.error or "errore sconosciuto"
        else:
            _save(db, db_path, outcome, texts[outcome.article_id], report)
        if progress:
            progress(i, len(todo))
    if todo:
        report.procedures = _relink(db, db_path)
    return report


def _relink(db, db_path: Path) -> int:
    """Procedures across articles, recomputed from the stored article procedures."""
    from nlp.procedures.relink import relink

    try:
        return relink(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_path}: impossibile salvare le procedure ({exc}); le analisi "
                         "degli articoli sono salvate") from exc


def _analyze_here(todo: list[dict], analyzer: Analyzer | None) -> Iterator[Outcome]:
    """The one-process path: models loaded here (unless given), articles in order."""
    if not todo:
        return
    analyzer = analyzer or load_analyzer()
    for art in todo:
        try:
            yield Outcome(art["id"], analyze_one(analyzer, art["title"], art["text"],
                                                 art.get("published")))
        except Exception as exc:  # noqa: BLE001 - recorded per article, the run goes on
            yield Outcome(art["id"], None, f"{type(exc).__name__}: {exc}")


def _save(db, db_path: Path, outcome: Outcome, text: str, report: AnalyzeReport) -> None:
    try:
        save_analysis(db, outcome.article_id, text, outcome.result)
    except sqlite3.DatabaseError as exc:  # a full disk or a broken file: stop, name it
        raise StoreError(f"{db_path}: impossibile salvare le analisi ({exc}); gli "
                         f"{report.analyzed} articoli analizzati prima restano salvati") from exc
    except Exception as exc:  # noqa: BLE001 - recorded per article, the run goes on
        report.failed[outcome.article_id] = f"{type(exc).__name__}: {exc}"
    else:
        report.analyzed += 1
        report.relevant += int(bool(outcome.result["relevant"]))


def report_json(report: AnalyzeReport) -> dict:
    """The summary line the child process prints (first 20 failures with their errors)."""
    return {"event": "finished", "analyzed": report.analyzed, "relevant": report.relevant,
            "failed": len(report.failed), "errors": dict(list(report.failed.items())[:20])}


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def main(argv: list[str] | None = None) -> int:
    """`python -m nlp.stage --db FILE [--all] [--workers N]`: the analysis stage in its own
    process (models load there and their memory goes back when it ends). Prints one JSON
    summary line."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m nlp.stage",
        description="Analisi degli articoli in un processo a sé (i modelli si caricano qui e la "
        "memoria torna libera alla fine); stampa una riga JSON di riepilogo.")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--all", action="store_true", help="rianalizza tutti gli articoli")
    parser.add_argument("--workers", type=positive_int, default=default_workers(),
                        help="processi di analisi (predefinito: uno per core)")
    args = parser.parse_args(argv)
    try:
        report = analyze_db(args.db, everything=args.all, workers=args.workers)
    except (StoreError, WorkerSetupError) as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report_json(report), ensure_ascii=False), flush=True)
    return 1 if report.failed and not report.analyzed else 0


if __name__ == "__main__":
    raise SystemExit(main())
