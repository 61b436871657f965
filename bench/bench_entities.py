"""Words per second of the full entity extraction next to the bare spacy.blank("it") tokenizer.

Runs on one core (BLAS threads pinned to 1) over the evaluation texts, repeated to a fixed word
count; prints both figures and their ratio. Target: full extraction >= 10,000 words/s.

    .venv/bin/python bench/bench_entities.py [--words 200000] [--rules-only]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from nlp.entities import load_extractor  # noqa: E402
from nlp.eval_data import load_eval_set  # noqa: E402

EVAL_DIR = ROOT / "nlp" / "data" / "entities_eval"


def corpus(min_words: int, article_words: int = 450) -> list[str]:
    """Evaluation texts joined into article-sized documents (~450 words, the size of a news
    article), repeated until they hold at least `min_words` words."""
    texts = [d.text for p in sorted(EVAL_DIR.glob("*.jsonl")) for d in load_eval_set(p)]
    if not texts:
        raise SystemExit(f"no texts in {EVAL_DIR}")
    out: list[str] = []
    current: list[str] = []
    words = 0
    while words < min_words:
        for text in texts:
            current.append(text)
            words += len(text.split())
            if sum(len(t.split()) for t in current) >= article_words:
                out.append("\n\n".join(current))
                current = []
    return out


def words_per_second(run, texts: list[str]) -> float:
    words = sum(len(t.split()) for t in texts)
    start = time.perf_counter()
    run(texts)
    return words / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--rules-only", action="store_true", help="skip the statistical NER")
    args = parser.parse_args()
    texts = corpus(args.words)
    blank = spacy.blank("it")
    extractor = load_extractor(use_model=not args.rules_only)
    extractor.extract(texts[0])  # warm-up: lazy tables, first-call allocations

    def tokenize(batch: list[str]) -> None:
        for _ in blank.pipe(batch):
            pass

    def extract(batch: list[str]) -> None:
        for text in batch:
            extractor.extract(text)

    tok = words_per_second(tokenize, texts)
    single = words_per_second(extract, texts)
    batched = words_per_second(extractor.extract_many, texts)
    print(f"texts: {len(texts)}  words: {sum(len(t.split()) for t in texts)}")
    print(f"pipeline: {extractor.nlp.pipe_names}  version: {extractor.version}")
    print(f"blank('it') tokenizer          : {tok:>10,.0f} words/s")
    print(f"full extraction, one at a time : {single:>10,.0f} words/s  ratio {single / tok:.3f}")
    print(f"full extraction, extract_many  : {batched:>10,.0f} words/s  ratio {batched / tok:.3f}")
    print(f"target >= 10,000 words/s: {'met' if max(single, batched) >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
