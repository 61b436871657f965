"""Train the statistical NER (ORG, LOC, PER) on KIND plus the project's own domain sentences.

KIND (EVALITA 2023 splits) is read from the folder given on the command line and never copied
into the repository; it is CC BY-NC 4.0, so the trained model inherits that licence (see
`nlp/models/ner/LICENSE.md`). Training data is converted to DocBin files in a temporary
directory and trained with spaCy's training API and `nlp/ner_config.cfg`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.vocab import Vocab

CONFIG_PATH = Path(__file__).with_name("ner_config.cfg")
DEFAULT_DOMAIN_DIR = Path(__file__).parent / "data" / "ner_domain"
SIDECAR_NAME = "meta-sidecar.json"
LABELS = ("ORG", "LOC", "PER")
TRAIN_FILES = ("WN_train.tsv",)
DEV_FILE = "WN_dev.tsv"
TEST_FILE = "WN_test.tsv"
MODEL_LICENCE = "CC BY-NC 4.0 (inherited from the KIND corpus, WN split)"
_INLINE = re.compile(r"\[([^\[\]|]+)\|(ORG|LOC|PER)\]")
_NO_SPACE_AFTER = ("'", "’", "(", "[", "«", '"')
_NO_SPACE_BEFORE = (",", ".", ";", ":", ")", "]", "»", "!", "?", "%")


@dataclass(frozen=True)
class TaggedSentence:
    words: tuple[str, ...]
    tags: tuple[str, ...]


def read_kind_tsv(path: Path) -> Iterator[TaggedSentence]:
    """Yield sentences from a KIND file (`token<TAB>BIO-tag`, blank line between sentences)."""
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    yield TaggedSentence(tuple(words), tuple(tags))
                words, tags = [], []
                continue
            token, _, tag = line.partition("\t")
            words.append(token)
            tags.append(tag.strip() or "O")
    if words:
        yield TaggedSentence(tuple(words), tuple(tags))


def guess_spaces(words: Iterable[str]) -> list[bool]:
    """Whitespace after each token, guessed from Italian punctuation and elision."""
    words = list(words)
    spaces = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        glue = word.endswith(_NO_SPACE_AFTER) or nxt.startswith(_NO_SPACE_BEFORE) or not nxt
        spaces.append(not glue)
    return spaces


def sentence_to_doc(vocab: Vocab, sentence: TaggedSentence) -> Doc:
    """A Doc with gold entities from BIO tags (labels outside LABELS are dropped)."""
    doc = Doc(vocab, words=list(sentence.words), spaces=guess_spaces(sentence.words))
    ents: list[Span] = []
    start, label = None, ""
    for i, tag in enumerate([*sentence.tags, "O"]):
        prefix, _, tag_label = tag.partition("-")
        if start is not None and (prefix != "I" or tag_label != label):
            if label in LABELS:
                ents.append(Span(doc, start, i, label=label))
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, tag_label
    doc.ents = ents
    return doc


def parse_inline(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Parse a domain sentence written as `... [Comune di Lecco|ORG] ...` into text + char spans."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    length = 0
    for match in _INLINE.finditer(line):
        before = line[pos : match.start()]
        parts.append(before)
        length += len(before)
        surface = match.group(1)
        spans.append((length, length + len(surface), match.group(2)))
        parts.append(surface)
        length += len(surface)
        pos = match.end()
    parts.append(line[pos:])
    return "".join(parts), spans


def read_domain_docs(nlp: spacy.Language, domain_dir: Path) -> list[Doc]:
    """Docs from the project's annotated domain sentences (`*.txt`, one sentence a line)."""
    docs = []
    for path in sorted(domain_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            text, spans = parse_inline(line.strip())
            doc = nlp.make_doc(text)
            ents = [doc.char_span(s, e, label=lab, alignment_mode="expand") for s, e, lab in spans]
            doc.ents = [span for span in ents if span is not None]
            docs.append(doc)
    return docs


def data_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the bytes of the training inputs, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _kind_docs(vocab: Vocab, path: Path, limit: int | None) -> list[Doc]:
    docs = []
    for sentence in read_kind_tsv(path):
        if limit is not None and len(docs) >= limit:
            break
        docs.append(sentence_to_doc(vocab, sentence))
    return docs


def evaluate_model(nlp: spacy.Language, gold_docs: list[Doc]) -> dict:
    """Entity precision/recall/F1 (overall and per label) of `nlp` on gold docs."""
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in gold_docs]
    scores = nlp.evaluate(examples)
    per_type = {
        label: {k: round(v, 4) for k, v in values.items()}
        for label, values in (scores.get("ents_per_type") or {}).items()
    }
    return {
        "ents_p": round(scores["ents_p"], 4),
        "ents_r": round(scores["ents_r"], 4),
        "ents_f": round(scores["ents_f"], 4),
        "per_type": per_type,
    }


def _write_docbins(
    corpus_dir: Path, tmp: Path, max_sentences: int | None, domain_dir: Path | None
) -> tuple[list[Path], int]:
    nlp = spacy.blank("it")
    train_docs: list[Doc] = []
    for name in TRAIN_FILES:
        train_docs.extend(_kind_docs(nlp.vocab, corpus_dir / name, max_sentences))
    inputs = [corpus_dir / name for name in TRAIN_FILES]
    n_domain = 0
    if domain_dir is not None and domain_dir.is_dir():
        domain_docs = read_domain_docs(nlp, domain_dir)
        n_domain = len(domain_docs)
        # Domain sentences are few: repeat them so they weigh against 10k+ news sentences.
        train_docs.extend(domain_docs * 3)
        inputs.extend(sorted(domain_dir.glob("*.txt")))
    dev_docs = _kind_docs(nlp.vocab, corpus_dir / DEV_FILE, max_sentences)
    DocBin(docs=train_docs).to_disk(tmp / "train.spacy")
    DocBin(docs=dev_docs).to_disk(tmp / "dev.spacy")
    return inputs, n_domain


def train(
    corpus_dir: Path,
    out_dir: Path,
    *,
    max_epochs: int = 8,
    max_sentences: int | None = None,
    domain_dir: Path | None = DEFAULT_DOMAIN_DIR,
) -> dict:
    """Train the NER on KIND `WN_train` (+ domain sentences), save it to `out_dir`, return metrics.

    `max_sentences` caps the KIND sentences read per split (for quick runs). The best model on
    `WN_dev` is copied to `out_dir` with a sidecar JSON holding the data hash, epochs and the
    scores on `WN_test`.
    """
    from spacy.cli.train import train as spacy_train

    corpus_dir = Path(corpus_dir)
    for name in (*TRAIN_FILES, DEV_FILE, TEST_FILE):
        if not (corpus_dir / name).is_file():
            raise FileNotFoundError(f"{corpus_dir / name}: file di KIND mancante")
    with tempfile.TemporaryDirectory(prefix="ner-train-") as tmp_name:
        tmp = Path(tmp_name)
        inputs, n_domain = _write_docbins(corpus_dir, tmp, max_sentences, domain_dir)
        overrides = {
            "paths.train": str(tmp / "train.spacy"),
            "paths.dev": str(tmp / "dev.spacy"),
            "training.max_epochs": max_epochs,
        }
        spacy_train(CONFIG_PATH, tmp / "output", overrides=overrides, use_gpu=-1)
        best = tmp / "output" / "model-best"
        nlp = spacy.load(best)
        test_docs = _kind_docs(nlp.vocab, corpus_dir / TEST_FILE, max_sentences)
        dev_docs = _kind_docs(nlp.vocab, corpus_dir / DEV_FILE, max_sentences)
        metrics = {
            "wn_test": evaluate_model(nlp, test_docs),
            "wn_dev": evaluate_model(nlp, dev_docs),
        }
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for child in ("tok2vec", "ner", "vocab", "tokenizer", "config.cfg", "meta.json"):
            _remove(out_dir / child)
        shutil.copytree(best, out_dir, dirs_exist_ok=True)
    stamp_meta(out_dir)
    sidecar = {
        "labels": list(LABELS),
        "train_files": list(TRAIN_FILES),
        "domain_sentences": n_domain,
        "max_sentences": max_sentences,
        "max_epochs": max_epochs,
        "data_sha256": data_hash(inputs),
        "config_sha256": data_hash([CONFIG_PATH]),
        "spacy_version": spacy.__version__,
        "licence": MODEL_LICENCE,
        "scores": metrics,
    }
    (out_dir / SIDECAR_NAME).write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    return metrics


def stamp_meta(model_dir: Path) -> None:
    """Name the pipeline and state its licence in spaCy's own meta.json."""
    path = Path(model_dir) / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(
        name="observatory_ner",
        license=MODEL_LICENCE,
        description="ORG/LOC/PER NER for Italian welfare news, trained on KIND WN + "
        "project domain sentences; see LICENSE.md and meta-sidecar.json",
    )
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
