"""Training as `pipeline.py train` runs it: data, fit, save."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.classify.corpus import CORPUS_DIR, data_sha256, load_corpus, with_realtext_dev
from nlp.classify.fitting import ModelConfig, fit_bundle
from nlp.classify.persist import MODEL_DIR, build_sidecar, model_version, save_bundle
from nlp.classify.reviews import reviewed_examples


@dataclass
class TrainReport:
    model_dir: Path
    model_version: str
    examples: int
    relevant: int
    reviewed: int
    data_sha256: str
    thresholds: dict[str, dict[str, float]]
    metrics: dict[str, float]
    files: list[Path]


def train(corpus_dir: Path = CORPUS_DIR, out_dir: Path = MODEL_DIR, *,
          db_path: Path | None = None, config: ModelConfig | None = None,
          realtext: bool = False) -> TrainReport:
    """Train on the corpus (plus staff reviews when `db_path` is given, plus the real-text dev
    half when `realtext`, as `pipeline.py train` does) and save the models."""
    corpus = load_corpus(corpus_dir)
    examples = reviewed_examples(db_path, corpus) if db_path else list(corpus)
    if realtext:
        examples = with_realtext_dev(examples)
    fit = fit_bundle(examples, config)
    data_hash = data_sha256(examples)
    fit.bundle.version = model_version(data_hash, fit.bundle)
    sidecar = build_sidecar(fit.bundle, examples, data_hash, fit.oof_report)
    files = save_bundle(fit.bundle, Path(out_dir), sidecar)
    return TrainReport(Path(out_dir), fit.bundle.version, len(examples),
                       sum(e.relevant for e in examples),
                       sum(e.origin == "review" for e in examples), data_hash,
                       sidecar["thresholds"], sidecar["cross_validated_metrics"], files)
