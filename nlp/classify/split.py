"""The deterministic stratified held-out split of the corpus."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from nlp.classify.corpus import Example

HOLDOUT_EVERY = 5  # one example in five (per stratum, by id hash) is kept out of training data


def _id_hash(value: str) -> int:
    return int(hashlib.sha1(value.encode()).hexdigest()[:12], 16)


def _stratum(example: Example) -> tuple[bool, str]:
    return example.relevant, example.practice_types[0] if example.practice_types else ""


def split_holdout(examples: Sequence[Example],
                  every: int = HOLDOUT_EVERY) -> tuple[list[Example], list[Example]]:
    """Deterministic stratified split: per stratum, ordered by id hash, every n-th is held out."""
    strata: dict[tuple[bool, str], list[Example]] = {}
    for example in examples:
        strata.setdefault(_stratum(example), []).append(example)
    held: set[str] = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda e: _id_hash(e.id))
        held.update(e.id for e in ordered[every // 2 :: every])
    return ([e for e in examples if e.id not in held], [e for e in examples if e.id in held])
