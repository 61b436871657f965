"""Classification speed: load the committed model once, then classify many articles.

Run: .venv/bin/python bench/bench_classify.py [--repeat N]
Prints articles per second for batch prediction (`predict_many`) and one at a time
(`predict`), the ratio between them, and the load time. Texts are the labelled corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.classify import CORPUS_DIR, load_classifiers, load_corpus  # noqa: E402


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="passes over the corpus")
    args = parser.parse_args()

    start = time.perf_counter()
    classifiers = load_classifiers()
    load_s = time.perf_counter() - start

    corpus = load_corpus(CORPUS_DIR)
    pairs = [(e.title, e.text) for e in corpus] * args.repeat
    chars = sum(len(t) + len(x) for t, x in pairs)
    classifiers.predict_many(pairs[:5])  # warm caches (lemma table, compiled rules)

    start = time.perf_counter()
    batch = classifiers.predict_many(pairs)
    batch_s = time.perf_counter() - start

    single_n = min(len(pairs), 300)
    start = time.perf_counter()
    for title, text in pairs[:single_n]:
        classifiers.predict(title, text)
    single_s = time.perf_counter() - start

    relevant = sum(c.relevant for c in batch)
    print(f"model {classifiers.version}: loaded in {load_s:.2f} s")
    print(f"articles: {len(pairs)} ({chars / len(pairs):.0f} chars on average), "
          f"{relevant} judged relevant (labels + evidence computed for those)")
    print(f"predict_many: {_rate(len(pairs), batch_s):8.1f} articles/s "
          f"({batch_s:.2f} s, {chars / batch_s / 1e6:.2f} M chars/s)")
    print(f"predict     : {_rate(single_n, single_s):8.1f} articles/s ({single_n} one at a time)")
    ratio = _rate(len(pairs), batch_s) / _rate(single_n, single_s)
    print(f"batch / single speed ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
