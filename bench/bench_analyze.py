"""Analysis throughput with one process and with a pool of workers, side by side in one run.

    .venv/bin/python bench/bench_analyze.py [--articles 300] [--workers 2]

Builds a database of N articles made of the entity evaluation texts (organisations, places and
amounts as in real news, ~3 paragraphs each), then analyses copies of it with `analyze_db`:
once with one process, once with a pool of `--workers` processes. Models are loaded before the
clock starts in both cases (the pool's forkserver is warmed on a tiny database), so the figures
compare analysis and storage only; the time to load the models is printed apart. Prints
articles per second, the ratio, the writer's own CPU time (what bounds the pool on many
cores), the load average (the ratio means little when other work holds the cores), and
whether the stored analysis is identical.
Target (issue 16): at least 1.7x with 2 workers on 2 cores.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp.analyse import load_analyzer  # noqa: E402
from nlp.stage import analyze_db  # noqa: E402
from tests.reliability.dbdata import build_news_db, stored_analysis  # noqa: E402


def timed(db: Path, **kwargs) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (the writer), articles analysed."""
    start, cpu = time.perf_counter(), time.process_time()
    report = analyze_db(db, **kwargs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if report.failed:
        raise SystemExit(f"{len(report.failed)} articles failed: {report.failed}")
    return elapsed, cpu, report.analysed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, one, many = Path(tmp) / "base.db", Path(tmp) / "one.db", Path(tmp) / "many.db"
        build_news_db(base, args.articles)
        shutil.copy(base, one)
        shutil.copy(base, many)
        warm = Path(tmp) / "warm.db"
        build_news_db(warm, 2 * args.workers, seed=99)

        t0 = time.perf_counter()
        analyzer = load_analyzer()
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        analyze_db(warm, workers=args.workers)  # starts the forkserver that loads the models
        warm_s = time.perf_counter() - t0

        one_s, one_cpu, n = timed(one, analyzer=analyzer, workers=1)
        many_s, writer_cpu, _ = timed(many, workers=args.workers)
        same = stored_analysis(one) == stored_analysis(many)
    print(f"articles: {n}  cpus: {os.cpu_count()}  load average: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"model load: {load_s:.1f} s in this process; pool start on {2 * args.workers} "
          f"articles: {warm_s:.1f} s")
    print(f"1 process:   {n / one_s:6.1f} articles/s ({one_s:.1f} s wall, "
          f"{one_cpu:.1f} s CPU analysing and writing)")
    print(f"{args.workers} workers:   {n / many_s:6.1f} articles/s ({many_s:.1f} s wall; "
          f"the writer used {writer_cpu:.1f} s CPU)")
    print(f"ratio: {one_s / many_s:.2f}x  (target >= 1.7x with 2 workers on 2 cores)")
    print(f"stored analysis identical: {same}")


if __name__ == "__main__":
    main()
