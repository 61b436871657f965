"""Entity extraction for the observatory: organisations, places and amounts from Italian text.

    extractor = load_extractor()          # rules + the trained NER in nlp/models/ner if present
    entities = extractor.extract(text)    # nlp.types.Entities, character offsets into `text`
    extractor.version                     # "ents-<hash>", stored with every extracted row

The spaCy pipeline is `spacy.blank("it")` (or the trained NER pipeline, which is built on it)
plus the project components: `span_ruler` for known organisations (patterns from data files),
`obs_org_rules`, `obs_amounts`, `obs_places` and `obs_canonical`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

import nlp.components.amounts  # noqa: F401  (registers obs_amounts)
import nlp.components.canonical  # noqa: F401  (registers obs_canonical)
import nlp.components.orgs  # noqa: F401  (registers obs_org_rules)
import nlp.components.places  # noqa: F401  (registers obs_places)
from nlp.canonical import load_org_lexicon
from nlp.orgs import KNOWN_KEY, known_org_patterns, public_body_acronyms
from nlp.places import GAZETTEER_DIR, PATTERNS_DIR
from nlp.types import AmountMention, Entities, OrgMention, PlaceMention

DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "ner"
PIPELINE_REVISION = "3"  # bump when component code changes what is extracted (3: section 7)
CHUNK_CHARS = 100_000
MAX_TEXT_CHARS = 20_000_000
_HTML_TAG = re.compile(r"<(?:script|style)\b.*?</(?:script|style)\s*>|<[!/]?[a-zA-Z][^<>]{0,2000}>",
                       re.DOTALL | re.IGNORECASE)
_HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,5});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


class ExtractionError(Exception):
    """The text cannot be analyzed (wrong type, too large) or the pipeline cannot be built."""


class ModelLoadError(ExtractionError):
    """The NER model directory exists but cannot be loaded (corrupt or incompatible)."""


def _blank_out(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def clean_text(text: str) -> str:
    """Same-length copy of `text` with HTML tags/entities and control characters blanked, so
    offsets found in the copy are offsets into the original."""
    text = _blank_out(_CONTROL, text)
    if "<" in text and _HTML_TAG.search(text):
        text = _blank_out(_HTML_TAG, text)
        text = _blank_out(_HTML_ENTITY, text)
    return text


def chunk_bounds(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Split long text into pieces of at most `size` chars, cutting at a paragraph, sentence
    or space boundary when one is near the limit."""
    bounds = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start + size // 2 : end]
            for sep in ("\n\n", "\n", ". ", " "):
                cut = window.rfind(sep)
                if cut >= 0:
                    end = start + size // 2 + cut + len(sep)
                    break
        bounds.append((start, end))
        start = end
    return bounds


def _model_is_present(model_dir: Path) -> bool:
    return (model_dir / "config.cfg").is_file()


def _base_pipeline(model_dir: Path | None) -> Language:
    if model_dir is None or not _model_is_present(model_dir):
        if model_dir is not None and any((model_dir / n).exists() for n in ("ner", "meta.json")):
            raise ModelLoadError(f"{model_dir}: modello NER incompleto (manca config.cfg)")
        return spacy.blank("it")
    try:
        nlp = spacy.load(model_dir)
    except Exception as exc:  # spaCy raises many types for a broken model folder
        raise ModelLoadError(f"{model_dir}: impossibile caricare il modello NER ({exc})") from exc
    if "ner" not in nlp.pipe_names or nlp.lang != "it":
        raise ModelLoadError(f"{model_dir}: non è una pipeline italiana con un componente 'ner'")
    return nlp


def build_pipeline(model_dir: Path | None = None) -> Language:
    """The full spaCy pipeline: base (blank or trained NER) + the project's components."""
    nlp = _base_pipeline(model_dir)
    lex = load_org_lexicon(PATTERNS_DIR, GAZETTEER_DIR)
    phrases, words = known_org_patterns(lex, public_body_acronyms(GAZETTEER_DIR))
    for name, attr, patterns, overwrite in (
        ("obs_known_orgs", "LOWER", phrases, True),
        ("obs_known_acronyms", "ORTH", words, False),
    ):
        ruler = nlp.add_pipe(
            "span_ruler",
            name=name,
            config={"spans_key": KNOWN_KEY, "phrase_matcher_attr": attr, "overwrite": overwrite},
        )
        ruler.add_patterns(patterns)
    for name in ("obs_org_rules", "obs_amounts", "obs_places", "obs_canonical"):
        nlp.add_pipe(name)
    return nlp


def pipeline_version(model_dir: Path | None) -> str:
    """'ents-<12 hex>': hash of the pattern files, gazetteer and NER model metadata."""
    digest = hashlib.sha256(PIPELINE_REVISION.encode())
    files = sorted(PATTERNS_DIR.glob("*")) + sorted(GAZETTEER_DIR.glob("*.tsv"))
    if model_dir is not None and _model_is_present(model_dir):
        files += [p for p in (model_dir / "meta.json", model_dir / "meta-sidecar.json")
                  if p.is_file()]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "ents-" + digest.hexdigest()[:12]


def _checked_clean(text: str) -> str:
    if not isinstance(text, str):
        raise ExtractionError(f"il testo deve essere str, non {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractionError(f"testo di {len(text)} caratteri: il massimo è {MAX_TEXT_CHARS}")
    return clean_text(text)


def _shift(entities: Entities, offset: int, text: str) -> Entities:
    """Move chunk-relative offsets to the full text and restore the original surface."""
    def fix(mention: OrgMention | PlaceMention | AmountMention):
        start, end = mention.start + offset, mention.end + offset
        return type(mention)(**{**mention.__dict__, "start": start, "end": end,
                                "text": text[start:end]})

    return Entities([fix(o) for o in entities.organisations], [fix(p) for p in entities.places],
                    [fix(a) for a in entities.amounts])


@dataclass
class Extractor:
    nlp: Language
    version: str
    model_dir: Path | None = None

    def extract(self, text: str) -> Entities:
        """Organisations, places and amounts with character offsets into `text`."""
        return self.extract_many([text])[0]

    def extract_many(self, texts: Iterable[str], batch_size: int = 64) -> list[Entities]:
        """`extract` for many texts, batched through the pipeline (faster with the NER)."""
        texts = list(texts)
        pieces: list[tuple[int, int, str]] = []  # (text index, chunk start, chunk text)
        for index, text in enumerate(texts):
            cleaned = _checked_clean(text)
            pieces.extend((index, s, cleaned[s:e]) for s, e in chunk_bounds(cleaned)
                          if cleaned[s:e].strip())
        results = [Entities() for _ in texts]
        docs = self.nlp.pipe((chunk for _, _, chunk in pieces), batch_size=batch_size)
        for (index, start, _), doc in zip(pieces, docs, strict=True):
            part = _shift(doc._.obs_entities, start, texts[index])
            results[index].organisations.extend(part.organisations)
            results[index].places.extend(part.places)
            results[index].amounts.extend(part.amounts)
        return results


def load_extractor(model_dir: Path | None = None, *, use_model: bool = True) -> Extractor:
    """Build the extractor. `model_dir` defaults to nlp/models/ner; when that folder has no model
    (or `use_model` is False) the pipeline runs on rules alone. A corrupt model raises
    ModelLoadError."""
    if not use_model:
        model_dir = None
    elif model_dir is None:
        model_dir = DEFAULT_MODEL_DIR
    model_dir = Path(model_dir) if model_dir is not None else None
    nlp = build_pipeline(model_dir)
    used = model_dir if model_dir is not None and _model_is_present(model_dir) else None
    return Extractor(nlp=nlp, version=pipeline_version(used), model_dir=used)
