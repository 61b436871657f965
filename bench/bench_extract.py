"""Extraction quality and speed, side by side: `extract_page` against plain trafilatura.

    python bench/bench_extract.py [--per-layout 30] [--seed 1] [--repeat 1]

Pages come from the real-layout corpus written for the project (tests/crawler/layouts.py:
WordPress Elementor and Gutenberg, Drupal, Joomla, the Designers Italia municipal template,
Halley-style municipal pages, news with related rails and comments, English, Spanish, Chinese
and Japanese articles, listing pages), in seeded variations. Both extractors get the same text,
decoded from the page bytes by crawler.decoding (not timed). Prints, per extractor: refusals of
real articles, listing pages accepted as articles, token-F1 of the text against the expected
text (a refused article counts 0), and CPU ms/page (both timed page by page, interleaved),
with the time ratio.

    python bench/bench_extract.py --html-dir DIR

also times both extractors on the *.html files of a local directory (real pages you keep
outside the repository; there is no expected text for them, so only time and refusals).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.decoding import decode_html  # noqa: E402
from crawler.extract import extract_page  # noqa: E402
from tests.crawler.layouts import corpus, token_f1  # noqa: E402


def _ours(text: str, url: str) -> str | None:
    fields = extract_page(text, url, fetched_at="2026-01-15T10:00:00+00:00")
    return fields.text if fields.is_article else None


def _trafilatura(text: str, url: str) -> str | None:
    return trafilatura.extract(text, url=url, favor_precision=True, include_comments=False,
                               include_tables=True)


EXTRACTORS = {"extract_page": _ours, "trafilatura": _trafilatura}


def _timed(extract, text: str, url: str, repeat: int) -> tuple[str | None, float]:
    """The extractor's output and its CPU seconds (process time: other processes on a shared
    machine do not count)."""
    start = time.process_time()
    for _ in range(repeat):
        out = extract(text, url)
    return out, (time.process_time() - start) / repeat


def run_corpus(pages, repeat: int) -> dict:
    """Both extractors page by page, interleaved, so that load changes hit both alike."""
    decoded = [(p, decode_html(p.body, p.content_type).text) for p in pages]
    for extract in EXTRACTORS.values():
        extract(decoded[0][1], decoded[0][0].url)  # warm up (imports, caches)
    stats = {name: {"seconds": 0.0, "f1": [], "refused": [], "listings_kept": [],
                    "by_layout": defaultdict(list)} for name in EXTRACTORS}
    for page, text in decoded:
        for name, extract in EXTRACTORS.items():
            out, seconds = _timed(extract, text, page.url, repeat)
            r = stats[name]
            r["seconds"] += seconds
            if page.expected is None:
                if out:
                    r["listings_kept"].append(page.name)
                continue
            if out is None:
                r["refused"].append(page.name)
            score = token_f1(out or "", page.expected)
            r["f1"].append(score)
            r["by_layout"][page.layout].append(score)
    return {name: {"ms": 1000 * r["seconds"] / len(decoded), "f1": statistics.mean(r["f1"]),
                   "refused": r["refused"], "listings_kept": r["listings_kept"],
                   "articles": len(r["f1"]), "listings": len(decoded) - len(r["f1"]),
                   "by_layout": {k: statistics.mean(v) for k, v in r["by_layout"].items()}}
            for name, r in stats.items()}


def run_dir(directory: Path, repeat: int) -> None:
    files = sorted(directory.rglob("*.htm*"))
    print(f"\n{len(files)} pages from {directory} (no expected text: time and refusals only)")
    texts = [(f, decode_html(f.read_bytes(), "text/html").text) for f in files]
    seconds, refused = dict.fromkeys(EXTRACTORS, 0.0), dict.fromkeys(EXTRACTORS, 0)
    for f, text in texts:
        url = f"https://example.org/{f.stem.replace('.', '-')}"
        for name, extract in EXTRACTORS.items():
            out, spent = _timed(extract, text, url, repeat)
            seconds[name] += spent
            refused[name] += out is None
    for name in EXTRACTORS:
        print(f"  {name:14} {1000 * seconds[name] / max(1, len(texts)):7.1f} ms/page   "
              f"refused or empty: {refused[name]}")
    print(f"  ratio extract_page / trafilatura: "
          f"{seconds['extract_page'] / seconds['trafilatura']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-layout", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="time each page N times")
    parser.add_argument("--html-dir", type=Path, help="also time the pages of this directory")
    parser.add_argument("--verbose", action="store_true", help="list refused pages")
    args = parser.parse_args()
    pages = corpus(seed=args.seed, per_layout=args.per_layout)
    results = run_corpus(pages, args.repeat)
    ours, theirs = results["extract_page"], results["trafilatura"]
    print(f"{len(pages)} pages: {ours['articles']} articles, {ours['listings']} listing pages "
          f"(seed {args.seed})\n")
    print(f"{'':16}{'refused articles':>18}{'listings kept':>15}{'token-F1':>10}{'ms/page':>9}")
    for name, r in results.items():
        print(f"{name:16}{len(r['refused']):>9} ({100 * len(r['refused']) / r['articles']:4.1f}%)"
              f"{len(r['listings_kept']):>10}/{r['listings']:<4}{r['f1']:>10.3f}{r['ms']:>9.1f}")
    print(f"\nextract_page / trafilatura time: {ours['ms'] / theirs['ms']:.2f}x")
    print("\ntoken-F1 by layout      extract_page  trafilatura")
    for layout in ours["by_layout"]:
        print(f"  {layout:22}{ours['by_layout'][layout]:>10.3f}"
              f"{theirs['by_layout'][layout]:>13.3f}")
    if args.verbose:
        print("\nrefused:", ", ".join(ours["refused"]) or "none")
        print("listings kept:", ", ".join(ours["listings_kept"]) or "none")
    if args.html_dir:
        run_dir(args.html_dir, args.repeat)


if __name__ == "__main__":
    main()
