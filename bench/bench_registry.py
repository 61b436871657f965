"""How fast the source registry is with thousands of sources: load and check in the library,
and `pipeline.py sources check` / `sources list` as a user runs them (process start included),
for one file and for a folder of files.

    python bench/bench_registry.py [--sources 5000] [--files 50]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.sources import _parse_location, check_sources, load_sources  # noqa: E402


def source_toml(i: int) -> str:
    host = f"www.comune{i}.esempio.it"
    return (f'[[source]]\nid = "comune-{i}"\nname = "Comune numero {i}"\nkind = "institution"\n'
            f'region = "Lombardia"\nhomepage = "https://{host}/"\n'
            f'feeds = ["https://{host}/feed/"]\nsitemaps = ["https://{host}/sitemap.xml"]\n'
            f'start_urls = ["https://{host}/novita", "https://{host}/comunicati-stampa"]\n'
            f'allowed_domains = ["comune{i}.esempio.it"]\nnotes = "codice IPA c_{i:04d}"\n'
            '\n[source.listing]\narticle_pattern = "/novita/[^?#]+$"\nmax_pages = 20\n')


def timed(label: str, fn, repeat: int = 3) -> float:
    """Best of `repeat` runs: wall seconds and CPU seconds (this process and its children),
    CPU being the figure that load from other jobs on a shared machine does not inflate."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        before = _cpu()
        t0 = time.perf_counter()
        fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, _cpu() - before)
    print(f"  {label:<48} wall {best_wall:7.3f} s   CPU {best_cpu:7.3f} s")
    return best_cpu


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def cli(*args: str) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "pipeline.py"), *args], cwd=ROOT,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--files", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "all.toml"
        one.write_text("\n".join(source_toml(i) for i in range(args.sources)), encoding="utf-8")
        folder = Path(tmp) / "sources.d"
        folder.mkdir()
        per = args.sources // args.files
        for f in range(args.files):
            chunk = range(f * per, args.sources if f == args.files - 1 else (f + 1) * per)
            (folder / f"part-{f:03d}.toml").write_text(
                "\n".join(source_toml(i) for i in chunk), encoding="utf-8")
        print(f"{args.sources} sources ({one.stat().st_size // 1024} KB), one file vs "
              f"{args.files} files in a folder")
        for label, where in (("one file", one), ("folder", folder)):
            print(label)
            cold = timed("check_sources (cold: parse + validate)",
                         lambda w=where: (_parse_location.cache_clear(), check_sources(w)))
            warm = timed("load_sources again (unchanged files, cached)",
                         lambda w=where: load_sources(w))
            print(f"  {'ratio warm / cold (CPU)':<48} {warm / cold:7.4f}")
            timed("pipeline.py sources check", lambda w=where: cli("sources", "check",
                                                                   "--sources", str(w)), 2)
            timed("pipeline.py sources list", lambda w=where: cli("sources", "list",
                                                                  "--sources", str(w)), 2)
        timed("pipeline.py --help (process start alone)", lambda: cli("--help"), 2)


if __name__ == "__main__":
    main()
