"""Run crawler.run.crawl (the library call behind `pipeline.py crawl`) with test settings and
write its report as JSON, so a test can run it as a measured child process:

    python -m tests.reliability.crawl_driver SOURCES DB SETTINGS_JSON REPORT_JSON
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from crawler.run import crawl


def main(argv: list[str]) -> int:
    sources, db, settings, out = argv
    events: list[dict] = []
    report = crawl(Path(sources), Path(db), settings=json.loads(settings), timeout_s=240,
                   progress=events.append)
    data = asdict(report) | {"events": events, "log_path": str(report.log_path)}
    Path(out).write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
