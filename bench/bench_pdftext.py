"""CPU time of the albo's PDF text extraction (crawler/pdftext.py, pypdf) on generated
documents: pages per second for ordinary acts of 1, 10 and 60 pages, next to the time spent
refusing each hostile kind (a refusal must cost no more than reading a normal act).

    .venv/bin/python bench/bench_pdftext.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.pdftext import pdf_text  # noqa: E402
from demo_sites.pdf import (  # noqa: E402
    bomb_pdf,
    encrypted_pdf,
    text_pdf,
    truncated_pdf,
    write_pdf,
)

PARAGRAPH = ("Il dirigente del servizio sociale, vista la deliberazione della Giunta comunale, "
             "determina di approvare l'avviso pubblico di manifestazione di interesse per la "
             "co-progettazione ai sensi dell'art. 55 del d.lgs. 117/2017. ") * 3


def _cpu(body: bytes, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        result = pdf_text(body)
        best = min(best, time.process_time() - t0)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    pdf_text(text_pdf(["warm-up"]))  # imports pypdf
    print(f"{'document':32} {'bytes':>9} {'pages':>5} {'CPU s':>8} {'pages/s':>8}  error")
    normal = 0.0
    for pages in (1, 10, 60):
        body = write_pdf([[PARAGRAPH[i:i + 90] for i in range(0, len(PARAGRAPH), 90)] * 12
                          for _ in range(pages)])
        cpu, result = _cpu(body, args.repeat)
        normal = cpu if pages == 1 else normal
        print(f"{f'act, {pages} pages':32} {len(body):>9} {result.pages:>5} {cpu:>8.4f} "
              f"{pages / cpu:>8.0f}  {result.error or ''}")
    good = text_pdf([PARAGRAPH] * 20)
    hostile = {"truncated": truncated_pdf(good), "encrypted": encrypted_pdf(),
               "bomb (64 MB inflated)": bomb_pdf(64 * 1024 * 1024),
               "HTML served as PDF": b"<!DOCTYPE html><html><body>errore</body></html>",
               "400 pages (60 read)": write_pdf([[f"pagina {n}"] for n in range(400)])}
    for name, body in hostile.items():
        cpu, result = _cpu(body, args.repeat)
        print(f"{name:32} {len(body):>9} {result.pages:>5} {cpu:>8.4f} {'':>8}  "
              f"{(result.error or '')[:50]}  ({cpu / normal:.1f}x a 1-page act)")


if __name__ == "__main__":
    main()
