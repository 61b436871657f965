"""Features of the classifiers: word and character TF-IDF over normalized text, plus the rule layer.

The rule layer (`nlp/patterns/classifier_rules.toml`) is data: named regular expressions whose
match counts are extra feature columns. A fitted `Featurizer` is made only of scikit-learn
vectorizers and plain data, so it persists with skops without trusting any project class.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.text_norm import lemmatize, normalize

RULES_PATH = Path(__file__).resolve().parent / "patterns" / "classifier_rules.toml"
_RULE_KEYS = {"name", "pattern", "note"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RulesError(ValueError):
    """A malformed rules file; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    note: str = ""


@dataclass(frozen=True)
class FeatureConfig:
    """Feature choices; each one was measured with `evaluate` (see nlp/models/classifier/README)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    max_word_features: int = 30_000
    max_char_features: int = 40_000
    min_df: int = 2
    lemmas: bool = False  # word n-grams over lookup lemmas instead of surface forms
    rule_weight: float = 0.25  # scale of the rule columns relative to the L2-normalized TF-IDF
    char_weight: float = 1.0  # scale of the character n-gram block (word block: 1)


def parse_rules(data: dict, source: str = "rules") -> list[Rule]:
    """Validate the TOML structure into rules; unknown keys, duplicates and bad regexes fail."""
    if set(data) - {"rule"}:
        raise RulesError(f"{source}: chiavi di primo livello sconosciute "
                         f"{sorted(set(data) - {'rule'})}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("rule", []), 1):
        where = f"{source}: regola {i} ({raw.get('name', '?')})"
        if unknown := set(raw) - _RULE_KEYS:
            raise RulesError(f"{where}: chiavi sconosciute {sorted(unknown)}")
        name, pattern = raw.get("name", ""), raw.get("pattern", "")
        if not _NAME.match(name) or not pattern:
            raise RulesError(f"{where}: servono un nome in snake_case e un pattern")
        if name in seen:
            raise RulesError(f"{where}: nome ripetuto")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RulesError(f"{where}: pattern errato ({exc})") from exc
        seen.add(name)
        rules.append(Rule(name, pattern, raw.get("note", "")))
    return rules


def load_rules(path: Path = RULES_PATH) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: impossibile leggere le regole ({exc})") from exc
    return parse_rules(data, str(path))


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def rule_matrix(normalized_docs: Sequence[str], patterns: Sequence[str]) -> sp.csr_matrix:
    """log(1 + number of matches) of each rule in each (normalized) document."""
    counts = np.zeros((len(normalized_docs), len(patterns)), dtype=np.float64)
    for j, pattern in enumerate(patterns):
        regex = _compiled(pattern)
        for i, doc in enumerate(normalized_docs):
            counts[i, j] = len(regex.findall(doc))
    return sp.csr_matrix(np.log1p(counts))


def _word_vectorizer(config: FeatureConfig) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=config.word_ngrams, min_df=config.min_df, max_df=0.9,
        max_features=config.max_word_features, sublinear_tf=True, lowercase=False,
        token_pattern=r"(?u)\b[a-z][a-z0-9]+\b", dtype=np.float32,
    )


def _char_vectorizer(config: FeatureConfig) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=config.char_ngrams, min_df=config.min_df, max_df=0.9,
        max_features=config.max_char_features, sublinear_tf=True, lowercase=False,
        dtype=np.float32,
    )


@dataclass
class Featurizer:
    """Fitted feature extraction: two vectorizers and the rule patterns it was fitted with."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    rule_names: list[str]
    rule_patterns: list[str]
    lemmas: bool
    rule_weight: float
    char_weight: float = 1.0

    @classmethod
    def fit(cls, docs: Sequence[str], rules: Sequence[Rule], config: FeatureConfig) -> Featurizer:
        norm = [normalize(d) for d in docs]
        word, char = _word_vectorizer(config), _char_vectorizer(config)
        word.fit([lemmatize(d) for d in norm] if config.lemmas else norm)
        char.fit(norm)
        # `stop_words_` keeps every pruned term: useless for transform and most of the file size.
        word.stop_words_ = None
        char.stop_words_ = None
        return cls(word, char, [r.name for r in rules], [r.pattern for r in rules],
                   config.lemmas, config.rule_weight, config.char_weight)

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        norm = [normalize(d) for d in docs]
        words = self.word.transform([lemmatize(d) for d in norm] if self.lemmas else norm)
        chars = self.char.transform(norm) * self.char_weight
        rules = rule_matrix(norm, self.rule_patterns) * self.rule_weight
        return sp.hstack([words, chars, rules], format="csr", dtype=np.float64)

    @property
    def feature_names(self) -> list[str]:
        return [
            *(f"w:{t}" for t in self.word.get_feature_names_out()),
            *(f"c:{t}" for t in self.char.get_feature_names_out()),
            *(f"rule:{n}" for n in self.rule_names),
        ]

    def to_state(self) -> dict:
        """Plain data only (terms, idf arrays, parameters), so skops trusts no estimator class."""
        return {"word": vectorizer_state(self.word), "char": vectorizer_state(self.char),
                "rule_names": list(self.rule_names), "rule_patterns": list(self.rule_patterns),
                "lemmas": self.lemmas, "rule_weight": float(self.rule_weight),
                "char_weight": float(self.char_weight)}

    @classmethod
    def from_state(cls, state: dict) -> Featurizer:
        return cls(vectorizer_from_state(state["word"]), vectorizer_from_state(state["char"]),
                   list(state["rule_names"]), list(state["rule_patterns"]),
                   bool(state["lemmas"]), float(state["rule_weight"]),
                   float(state["char_weight"]))


_VECTORIZER_PARAMS = ("analyzer", "ngram_range", "token_pattern", "sublinear_tf", "lowercase",
                      "norm", "use_idf", "smooth_idf")


def vectorizer_state(vec: TfidfVectorizer) -> dict:
    """A fitted TF-IDF vectorizer as terms in column order, idf weights and parameters."""
    terms = [""] * len(vec.vocabulary_)
    for term, column in vec.vocabulary_.items():
        terms[column] = term
    params = {k: getattr(vec, k) for k in _VECTORIZER_PARAMS}
    params["ngram_range"] = list(params["ngram_range"])
    return {"terms": terms, "idf": np.asarray(vec.idf_, dtype=np.float32), "params": params}


def vectorizer_from_state(state: dict) -> TfidfVectorizer:
    params = dict(state["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    vec = TfidfVectorizer(**params, dtype=np.float32)
    vec.vocabulary_ = {term: i for i, term in enumerate(state["terms"])}
    vec.idf_ = np.asarray(state["idf"], dtype=np.float64)
    return vec
