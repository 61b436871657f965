"""The labelled examples: labels (from `store/taxonomy.toml`), the corpus format and its
loading, and the other labelled sets (held-out, real text, demo ground truth passed in)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from nlp.jsonl import jsonl_records
from store.taxonomy import TAXONOMY

PRACTICE_TYPES = TAXONOMY.ids("practice_types")
POLICY_AREAS = TAXONOMY.ids("policy_areas")
TASKS = ("relevance", "practice_type", "policy_area")
TASK_LABELS = {"relevance": ("relevant",), "practice_type": PRACTICE_TYPES,
               "policy_area": POLICY_AREAS}
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # nlp/
CORPUS_DIR = PACKAGE_DIR / "data" / "classifier"
_CORPUS_KEYS = {"id", "title", "text", "source_type", "relevant", "practice_types",
                "policy_areas"}


class CorpusError(ValueError):
    """A malformed labelled example; the message names the file and the line."""


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    text: str
    relevant: bool
    practice_types: tuple[str, ...] = ()
    policy_areas: tuple[str, ...] = ()
    source_type: str = ""
    origin: str = "corpus"  # corpus | review | demo
    weight: float = 1.0

    def labels(self, task: str) -> tuple[str, ...]:
        if task == "relevance":
            return ("relevant",) if self.relevant else ()
        return self.practice_types if task == "practice_type" else self.policy_areas


def parse_example(raw: dict, where: str) -> Example:
    """Validate one corpus record (see nlp/data/classifier/README.md)."""
    if missing := _CORPUS_KEYS - set(raw):
        raise CorpusError(f"{where}: chiavi mancanti {sorted(missing)}")
    if unknown := set(raw) - _CORPUS_KEYS - {"note"}:
        raise CorpusError(f"{where}: chiavi sconosciute {sorted(unknown)}")
    if not isinstance(raw["relevant"], bool):
        raise CorpusError(f"{where}: relevant deve essere true o false")
    for key, allowed in (("practice_types", PRACTICE_TYPES), ("policy_areas", POLICY_AREAS)):
        if bad := set(raw[key]) - set(allowed):
            raise CorpusError(f"{where}: {key} sconosciuti {sorted(bad)}")
    if not raw["relevant"] and (raw["practice_types"] or raw["policy_areas"]):
        raise CorpusError(f"{where}: un testo non pertinente non può avere tipi di pratica o "
                          "aree di policy")
    if raw["relevant"] and not raw["practice_types"]:
        raise CorpusError(f"{where}: un testo pertinente richiede almeno un tipo di pratica")
    if not str(raw["text"]).strip():
        raise CorpusError(f"{where}: testo vuoto")
    return Example(
        id=str(raw["id"]), title=str(raw["title"]), text=str(raw["text"]),
        relevant=raw["relevant"], practice_types=tuple(sorted(set(raw["practice_types"]))),
        policy_areas=tuple(sorted(set(raw["policy_areas"]))), source_type=str(raw["source_type"]),
    )


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Every `*.jsonl` file of the folder, validated; ids must be unique across files."""
    examples: list[Example] = []
    seen: dict[str, str] = {}
    files = sorted(Path(corpus_dir).glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{corpus_dir}: nessun file *.jsonl")
    for path in files:
        for where, raw in jsonl_records(path, CorpusError):
            example = parse_example(raw, where)
            if example.id in seen:
                raise CorpusError(f"{where}: id {example.id} già usato in {seen[example.id]}")
            seen[example.id] = where
            examples.append(example)
    return examples


def data_sha256(examples: Sequence[Example]) -> str:
    rows = sorted((asdict(e) for e in examples), key=lambda r: (r["origin"], r["id"]))
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def label_matrix(examples: Sequence[Example], task: str) -> np.ndarray:
    labels = TASK_LABELS[task]
    return np.array([[label in e.labels(task) for label in labels] for e in examples], dtype=int)


def demo_examples(labelled: Iterable[dict]) -> list[Example]:
    """Examples from labelled articles given as plain dicts (keys id, title, text, relevant,
    practice_types, policy_areas, source_type), such as the demo sites' ground truth
    (`demo_sites.content.labelled_articles()`): the caller passes them in."""
    return [Example(str(a["id"]), a["title"], a["text"], a["relevant"],
                    tuple(a["practice_types"]), tuple(a["policy_areas"]), a["source_type"],
                    origin="demo")
            for a in labelled]


HELDOUT_DIR = CORPUS_DIR.parent / "classifier_heldout"


def heldout_examples() -> list[Example]:
    """The independent held-out set written in another style: scored, never trained on."""
    return load_corpus(HELDOUT_DIR) if HELDOUT_DIR.is_dir() else []


# Names of the real-text halves in the reports; REALTEXT_PREFIX starts each (real text first).
REALTEXT_PREFIX = "testo reale"
REALTEXT_SETS = {"dev": f"{REALTEXT_PREFIX}, metà dev (nlp/data/realtext; usata per addestrare: "
                        "5 partizioni, ognuna valutata da modelli addestrati senza di essa)",
                 "test": f"{REALTEXT_PREFIX}, metà test (nlp/data/realtext; mai usata per "
                         "addestrare o tarare)"}
REALTEXT_WEIGHT = 2.0  # real pages are what the observatory reads, and there are few of them


def realtext_examples(split: str) -> list[Example]:
    """A half of the real-text set (excerpts of real web pages, split by site)."""
    from nlp.realtext import REALTEXT_PATH, classifier_examples

    return classifier_examples(split) if REALTEXT_PATH.is_file() else []


def _weighted_real(examples: Sequence[Example]) -> list[Example]:
    return [replace(e, origin="realtext", weight=REALTEXT_WEIGHT) for e in examples]


def with_realtext_dev(examples: Sequence[Example]) -> list[Example]:
    """Training data plus the real-text **dev** half (never the test half)."""
    return [*examples, *_weighted_real(realtext_examples("dev"))]
