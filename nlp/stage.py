"""The analysis stage: read articles from the store, analyse them, write the results back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nlp.analyse import Analyzer, load_analyzer
from store.analysis import articles_to_analyse, save_analysis
from store.db import StoreError, open_db


@dataclass
class AnalyzeReport:
    analysed: int = 0
    relevant: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # article id -> error


def result_dict(analysis) -> dict:
    """The analyze-text JSON plus the organisation keys the store links through."""
    out = analysis.to_json()
    for item, org in zip(out["organisations"], analysis.organisations, strict=True):
        item["key"] = org.key
    return out


def analyze_db(
    db_path: Path,
    *,
    everything: bool = False,
    analyzer: Analyzer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AnalyzeReport:
    """Analyse articles not yet analysed (or all); one article failing never stops the run.

    Each article is committed on its own, so a killed run loses at most the article in hand and
    a re-run carries on where it stopped.
    """
    db = open_db(db_path)
    analyzer = analyzer or load_analyzer()
    todo = articles_to_analyse(db, everything=everything)
    report = AnalyzeReport()
    for i, art in enumerate(todo, 1):
        try:
            analysis = analyzer.analyse(art["text"] or "", art["title"] or "")
            save_analysis(db, art["id"], art["text"] or "", result_dict(analysis))
        except sqlite3.DatabaseError as exc:  # a full disk or a broken file: stop, name it
            raise StoreError(f"{db_path}: cannot store analyses ({exc}); the "
                             f"{report.analysed} articles analysed before are kept") from exc
        except Exception as exc:  # noqa: BLE001 - recorded per article, the run goes on
            report.failed[art["id"]] = f"{type(exc).__name__}: {exc}"
        else:
            report.analysed += 1
            report.relevant += int(analysis.relevant)
        if progress:
            progress(i, len(todo))
    return report


def report_json(report: AnalyzeReport) -> dict:
    """The summary line the child process prints (first 20 failures with their errors)."""
    return {"event": "finished", "analysed": report.analysed, "relevant": report.relevant,
            "failed": len(report.failed), "errors": dict(list(report.failed.items())[:20])}


def main(argv: list[str] | None = None) -> int:
    """`python -m nlp.stage --db FILE [--all]`: the analysis stage in its own process (models
    load there and their memory goes back when it ends). Prints one JSON summary line."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m nlp.stage", description=main.__doc__)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--all", action="store_true", help="re-analyse every article")
    args = parser.parse_args(argv)
    try:
        report = analyze_db(args.db, everything=args.all)
    except StoreError as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report_json(report), ensure_ascii=False), flush=True)
    return 1 if report.failed and not report.analysed else 0


if __name__ == "__main__":
    raise SystemExit(main())
