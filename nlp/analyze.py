"""Text in, Analysis out: the entity extractor and the classifiers combined. Pure: no store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from nlp.types import Analysis

MAX_CHARS = 200_000  # longer inputs are cut: no news article is longer, garbage often is


@dataclass
class Analyzer:
    extractor: object  # nlp.entities.Extractor
    classifiers: object  # nlp.classify.Classifiers

    @property
    def pipeline_version(self) -> str:
        return self.extractor.version

    @property
    def model_version(self) -> str:
        return self.classifiers.version

    def analyze(self, text: str, title: str = "", published: dt.date | None = None) -> Analysis:
        """`published` resolves dates without a year ("entro il 15 gennaio"); today when
        unknown."""
        from nlp.procedures import read_procedures

        text = clean_input(text)
        title = clean_input(title)
        ents = self.extractor.extract(text)
        cls = self.classifiers.predict(title, text)
        found = read_procedures(text, title, published or dt.date.today(), cls, ents)
        return Analysis(
            relevant=cls.relevant,
            relevance_score=cls.relevance_score,
            practice_types=cls.practice_types,
            policy_areas=cls.policy_areas,
            organisations=ents.organisations,
            places=ents.places,
            amounts=found.amounts,
            model_version=self.model_version,
            pipeline_version=self.pipeline_version,
            procedure=found.procedure,
            events=found.events,
        )


def clean_input(text: str | bytes | None) -> str:
    """Untrusted text to something the pipeline can always take: str, no NULs, bounded."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text.replace("\x00", " ")[:MAX_CHARS]


def load_analyzer(ner_dir: Path | None = None, classifier_dir: Path | None = None) -> Analyzer:
    from nlp.classify import load_classifiers
    from nlp.entities import load_extractor

    return Analyzer(load_extractor(ner_dir), load_classifiers(classifier_dir))
