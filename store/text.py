"""Pure text helpers the store needs: hashes, simhash, folded search terms."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy

_WORD = re.compile(r"\w+", re.UNICODE)
# "co-progettazione", "co progettazione", "socio-sanitario" -> one folded token for search.
_PREFIXED = re.compile(
    r"\b(co|auto|multi|inter|socio|pluri|extra|sovra|infra|post|pre|neo)[\s\-‐–]+(\w{3,})",
    re.IGNORECASE,
)
_HYPHENATED = re.compile(r"\b(\w+)[\-‐–](\w+)\b")
_APOSTROPHE = re.compile(r"[’'`´]")
_SPACED_APOSTROPHE = re.compile(r"\s*'\s*")
_KEY_SEPARATORS = re.compile(r"[\s\-]+")


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made straight: the one folding of
    text for matching words ("Disabilità" -> "disabilita", "dell’Ente" -> "dell'ente").

    >>> fold("Disabilità dell’Ente")
    "disabilita dell'ente"
    """
    if text.isascii():  # most words: no accents to strip
        return text.replace("`", "'").lower() if "`" in text else text.lower()
    plain = unicodedata.normalize("NFKD", text).translate(_STRIP_COMBINING)
    return _APOSTROPHE.sub("'", plain).lower()


class _CombiningMarks(dict):
    """A str.translate table that drops combining marks, filled as characters are met (one
    C-level lookup per character instead of a Python call)."""

    def __missing__(self, codepoint: int) -> int | None:
        value = None if unicodedata.combining(chr(codepoint)) else codepoint
        self[codepoint] = value
        return value


_STRIP_COMBINING = _CombiningMarks()


def fold_key(text: str) -> str:
    """`fold` plus spaces and hyphens collapsed, no space around an apostrophe: the key of a
    name in the place gazetteer, used both when it is built and when it is looked up.

    >>> fold_key("  Sant’ Angelo  dei-Lombardi ")
    "sant'angelo dei lombardi"
    """
    text = _SPACED_APOSTROPHE.sub("'", fold(text))
    return _KEY_SEPARATORS.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """Hash of the normalized words, so whitespace and case changes do not matter."""
    words = _WORD.findall(fold(text))
    return hashlib.sha1(" ".join(words).encode()).hexdigest()


def search_terms(text: str) -> str:
    """Joined forms of prefixed and hyphenated words, indexed beside the text."""
    found = {fold(a + b) for a, b in _PREFIXED.findall(text)}
    found |= {fold(a + b) for a, b in _HYPHENATED.findall(text)}
    return " ".join(sorted(found))


def _shingles(words: list[str], size: int = 3) -> list[str]:
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash(text: str) -> str:
    """64-bit simhash over word 3-shingles, as 16 hex characters: bit i is set when more
    shingles' blake2b hashes have bit i set than unset."""
    shingles = _shingles(_WORD.findall(fold(text)))
    if not shingles:
        return f"{0:016x}"
    digests = b"".join(hashlib.blake2b(s.encode(), digest_size=8).digest() for s in shingles)
    # One row of 64 bits per shingle, most significant first (the digest read big-endian).
    bits = numpy.unpackbits(numpy.frombuffer(digests, dtype=numpy.uint8)).reshape(-1, 64)
    ones = bits.sum(axis=0, dtype=numpy.int64)
    value = 0
    for bit in numpy.flatnonzero(2 * ones > len(shingles)):
        value |= 1 << (63 - int(bit))
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def shingle_similarity(a: str, b: str) -> float:
    """Jaccard similarity of word 3-shingles: the check behind a simhash candidate."""
    sa = set(_shingles(_WORD.findall(fold(a))))
    sb = set(_shingles(_WORD.findall(fold(b))))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
