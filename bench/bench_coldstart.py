"""Cold start of `pipeline.py analyze-text` on one sentence: a fresh process each run, so it
pays for imports, models, gazetteers and matchers. Prints wall time and CPU time (user + system
of the child) per run, their medians, and the same for a bare `python -c "import spacy"` as the
floor no pipeline can go under. Target (issue 14): median wall time under 2 s on an idle
machine; on a shared machine read the CPU time, which the other load does not inflate as much.

    .venv/bin/python bench/bench_coldstart.py [--runs 5] [--root DIR]

`--root` runs another checkout's pipeline.py (for example a `git archive` of an older commit)
with this interpreter, to compare before and after side by side.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = ("Il Comune di Lecco ha pubblicato l'avviso di co-progettazione con la cooperativa "
            "sociale La Vite per 1,2 milioni di euro.")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, stdin: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process; fails loudly on a non-zero exit."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return wall, _children_cpu() - cpu


def series(name: str, cmd: list[str], cwd: Path, stdin: str, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = timed(cmd, cwd, stdin)
        walls.append(wall)
        cpus.append(cpu)
    wall_med, cpu_med = statistics.median(walls), statistics.median(cpus)
    runs_text = " ".join(f"{w:.2f}/{c:.2f}" for w, c in zip(walls, cpus, strict=True))
    print(f"{name:<34} median wall {wall_med:6.2f} s   cpu {cpu_med:6.2f} s   "
          f"(wall/cpu: {runs_text})")
    return wall_med, cpu_med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline.py runs")
    args = parser.parse_args()
    python = sys.executable
    base_wall, base_cpu = series('python -c "import spacy"', [python, "-c", "import spacy"],
                                 args.root, "", args.runs)
    wall, cpu = series("pipeline.py analyze-text (1 sentence)",
                       [python, "pipeline.py", "analyze-text", "-"], args.root, SENTENCE,
                       args.runs)
    print(f"analyze-text / import spacy: wall x{wall / base_wall:.1f}, cpu x{cpu / base_cpu:.1f}; "
          f"target: median wall < 2 s on an idle machine ({'met' if wall < 2 else 'not met'})")


if __name__ == "__main__":
    main()
