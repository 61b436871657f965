"""Analysis throughput with one process and with a pool of workers, side by side in one run.

    .venv/bin/python bench/bench_analyze.py [--articles 300] [--workers 2]

Builds a database of N articles made of the entity evaluation texts (organisations, places and
amounts as in real news, ~3 paragraphs each), then analyzes copies of it with `analyze_db`:
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
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp.analyze import load_analyzer  # noqa: E402
from nlp.stage import analyze_db  # noqa: E402
from tests.reliability.dbdata import build_news_db, stored_analysis  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of every process under `root` (Linux /proc), root included."""
    stats = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in stats.items() if ppid in frontier} - tree
        tree |= frontier
    return {pid: stats[pid][1] for pid in tree if pid in stats}


class CpuMeter:
    """Samples the CPU time of this process and its descendants (the pool's workers are
    grandchildren: a forkserver's children) while a run goes on."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()

    def _sample(self) -> None:
        for pid, cpu in _tree_cpu(os.getpid()).items():
            self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._sample()
        self.start = dict(self.seen)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.total = sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


def timed(db: Path, **kwargs) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds of this process (the writer) and of the whole process tree
    (writer and workers), articles analyzed."""
    with CpuMeter() as meter:
        start, cpu = time.perf_counter(), time.process_time()
        report = analyze_db(db, **kwargs)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if report.failed:
        raise SystemExit(f"{len(report.failed)} articles failed: {report.failed}")
    return elapsed, cpu, meter.total, report.analyzed


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

        one_s, one_cpu, _, n = timed(one, analyzer=analyzer, workers=1)
        many_s, writer_cpu, tree_cpu, _ = timed(many, workers=args.workers)
        same = stored_analysis(one) == stored_analysis(many)
    print(f"articles: {n}  cpus: {os.cpu_count()}  load average: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"model load: {load_s:.1f} s in this process; pool start on {2 * args.workers} "
          f"articles: {warm_s:.1f} s")
    print(f"1 process:   {n / one_s:6.1f} articles/s ({one_s:.1f} s wall, "
          f"{one_cpu:.1f} s CPU analyzing and writing)")
    print(f"{args.workers} workers:   {n / many_s:6.1f} articles/s ({many_s:.1f} s wall; "
          f"the writer used {writer_cpu:.1f} s CPU, writer and workers {tree_cpu:.1f} s)")
    print(f"cores the runs got on average: 1 process {one_cpu / one_s:.2f}, "
          f"{args.workers} workers {tree_cpu / many_s:.2f} (the rest went to other work)")
    print(f"ratio: {one_s / many_s:.2f}x  (target >= 1.7x with 2 workers on 2 cores)")
    print(f"stored analysis identical: {same}")


if __name__ == "__main__":
    main()
