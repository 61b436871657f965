"""Page bytes -> text, never failing on bad bytes. Pure.

The charset comes from, in order: a byte-order mark, the HTTP Content-Type header, a
`<meta charset>` / `http-equiv` declaration in the first bytes; with none, UTF-8 when the bytes
are mostly valid UTF-8, else windows-1252 (what undeclared Italian pages of old CMSs use).
A page declared UTF-8 whose non-ASCII bytes are nearly all invalid UTF-8 is windows-1252 with a
wrong declaration. Invalid byte sequences are replaced (U+FFFD) and counted, so a few stray
bytes between paragraphs (old municipal CMSs that mix encodings) never lose the page.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_:.\-]+)", re.I)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")
_SNIFF_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# Labels that browsers treat as windows-1252 (WHATWG Encoding Standard).
_AS_CP1252 = {"iso-8859-1", "latin1", "latin-1", "iso8859-1", "us-ascii", "ascii", "cp819",
              "l1", "iso_8859-1", "windows-1252", "cp1252", "x-cp1252"}
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used
    replaced: int  # characters replaced because their bytes were invalid in that codec


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The codec the page declares (header first, then markup), None when none is usable."""
    header = _HEADER_CHARSET.search(content_type or "")
    found = _codec(header.group(1)) if header else None
    if found:
        return found
    meta = _DECLARED.search(body[:_SNIFF_BYTES])
    return _codec(meta.group(1).decode("ascii", "replace")) if meta else None


def _mostly_utf8(body: bytes) -> bool:
    """Whether the bytes read as UTF-8 with at most a few invalid sequences: at least as many
    valid multi-byte sequences as invalid ones (windows-1252 text almost never forms one)."""
    invalid = body.decode("utf-8", "replace").count(REPLACEMENT) - body.count(
        REPLACEMENT.encode())
    return invalid <= 0 or len(_UTF8_SEQUENCE.findall(body)) >= invalid


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page: declared or detected charset, invalid sequences replaced and counted."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode(body[len(bom):], name)
    codec = declared_charset(body, content_type)
    if codec == "utf-8" and not _mostly_utf8(body):
        codec = "cp1252"
    if codec is None:
        codec = "utf-8" if _mostly_utf8(body) else "cp1252"
    return _decode(body, codec)


def _decode(body: bytes, codec: str) -> Decoded:
    text = body.decode(codec, "replace")
    already = body.count(REPLACEMENT.encode()) if codec == "utf-8" else 0
    return Decoded(text, codec, max(0, text.count(REPLACEMENT) - already))
