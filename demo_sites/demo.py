"""The offline demo: serve the bundled sites on 127.0.0.x, crawl them with the real spiders,
analyze, write the weekly digest, then start Datasette. Orchestration only: every step is the
same library call the CLI and the scheduler use (`scheduler.runs.crawl_and_analyze`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

DEMO_SOURCES_TEMPLATE = Path(__file__).resolve().parent / "sources.toml.tmpl"
ALBO_SOURCES_TEMPLATE = Path(__file__).resolve().parent / "sources-albo.toml.tmpl"
ALBO_HOST = "127.0.0.4"
RunFunction = Callable[[Path, Path], object]  # (sources, db) -> scheduler.runs.RunReport


def _quiet_run(sources: Path, db_path: Path):
    from scheduler.runs import crawl_and_analyze

    return crawl_and_analyze(sources, db_path, timeout_s=600)


def write_demo_sources(urls: dict[str, str], path: Path) -> Path:
    """The demo registry with the base URLs the local servers got (the albo pretorio's source
    when `urls` has an "albo" URL)."""
    text = DEMO_SOURCES_TEMPLATE.read_text(encoding="utf-8")
    if "albo" in urls:
        text += "\n" + ALBO_SOURCES_TEMPLATE.read_text(encoding="utf-8")
    for site, url in urls.items():
        text = text.replace(f"{{{site}}}", url.rstrip("/"))
    path.write_text(text, encoding="utf-8")
    return path


def demo_week(db_path: Path) -> str:
    """The ISO week with the most relevant stories: the demo's digest week."""
    from store.db import open_db
    from store.digests import busiest_week

    return busiest_week(open_db(db_path)) or "2026-W46"


def run_demo(db_path: Path, *, serve: bool = True, port: int = 8001,
             console: Console | None = None, run: RunFunction | None = None) -> dict:
    """Run the whole offline demo; returns the figures it printed.

    `run(sources, db)` is the crawl-then-analyze step: `scheduler.runs.crawl_and_analyze` by
    default, or the caller's version with a live display (the CLI passes one)."""
    from demo_sites.albo import write_albo
    from demo_sites.server import serve_demo, serve_site
    from digest.build import write_digest

    console = console or Console(stderr=True)
    run = run or _quiet_run
    started = time.monotonic()
    out_dir = db_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(db_path.name + "*"):
        stale.unlink()
    servers = serve_demo()
    # The albo pretorio's PDFs are build products: generated next to the database.
    albo_dir = write_albo(out_dir / "albo-www")
    servers["albo"] = serve_site(albo_dir, ALBO_HOST, 0)
    try:
        urls = {site: handle.url for site, handle in servers.items()}
        console.rule("[bold]1. Siti demo")
        for site, url in urls.items():
            console.print(f"  {site}: {url}")
        sources = write_demo_sources(urls, out_dir / "demo-sources.toml")
        console.rule("[bold]2. Raccolta e analisi")
        analysis = run(sources, db_path).analysis
    finally:
        for handle in servers.values():
            handle.stop()
    console.rule("[bold]3. Digest settimanale")
    week = demo_week(db_path)
    digest = write_digest(db_path, week, out_dir / "digest")
    console.print(f"  {week}: {digest.stories} storie → {digest.html_path}")
    figures = {"seconds": round(time.monotonic() - started, 1), "analyzed": analysis.analyzed,
               "relevant": analysis.relevant, "week": week}
    console.print(f"Demo pronta in {figures['seconds']} s: database {db_path}")
    if serve:
        from publish.serve import serve_database

        console.rule("[bold]4. Datasette")
        serve_database(db_path, host="127.0.0.1", port=port, console=console)
    return figures
