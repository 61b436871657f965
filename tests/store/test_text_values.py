"""The fast `simhash` and `fold` give the values stored by earlier versions (a plain bit-count
per shingle, a per-character accent strip), so stored simhashes and content hashes keep their
meaning. Random texts from a fixed seed, with accents, ligatures, apostrophes and ideographs."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata

from store.text import _APOSTROPHE, _shingles, fold, simhash

_WORD = re.compile(r"\w+", re.UNICODE)
WORDS = ["città", "perché", "co-progettazione", "Disabilità", "ﬁne", "l’ente", "x\u0301y",
         "漢字", "12", "ÀNZIANI", "dell`Ente", "a", "b", "c"]


def reference_fold(text: str) -> str:
    if text.isascii():
        return text.replace("`", "'").lower() if "`" in text else text.lower()
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    return _APOSTROPHE.sub("'", plain).lower()


def reference_simhash(text: str) -> str:
    weights = [0] * 64
    for shingle in _shingles(_WORD.findall(reference_fold(text))):
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return f"{sum(1 << bit for bit in range(64) if weights[bit] > 0):016x}"


def test_fold_and_simhash_keep_their_values():
    rng = random.Random(16)
    for _ in range(500):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))
        assert fold(text) == reference_fold(text)
        assert simhash(text) == reference_simhash(text)
