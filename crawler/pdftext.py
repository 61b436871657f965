"""Text of a PDF attachment, bounded and safe: pure, no Scrapy import.

    result = pdf_text(body)          # PdfText(text, pages, error)

The body is treated like hostile HTML: whatever it holds (broken or truncated files, encrypted
files, decompression bombs, a page tree of thousands of pages, an HTML error page or an image
served as a PDF), `pdf_text` returns what it could read and a short error saying why the rest
was not read; it never raises. Bounds: the body's size (bytes), the pages read, the characters
kept, and pypdf's own limits on decompressed stream sizes, lowered for the call. No OCR: a
scanned PDF gives empty text and the error "no text layer".
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024
MAX_PAGES = 60
MAX_CHARS = 200_000
# Decompressed bytes allowed per stream (pypdf's defaults are 75 MB).
MAX_STREAM_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
HEAD_BYTES = 1024  # the PDF header may follow some junk bytes; readers look this far

# pypdf logs every oddity of a broken file as a warning: one error per attachment is enough.
# (pypdf itself is imported on the first PDF: a crawl without albo sources never loads it.)
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: int  # pages in the file (0 when it could not be read)
    error: str | None = None  # why (some of) the text was not read


def pdf_text(body: bytes, *, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES,
             max_chars: int = MAX_CHARS) -> PdfText:
    """The text layer of the first `max_pages` pages of a PDF, at most `max_chars` characters."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    if len(body) > max_bytes:
        return PdfText("", 0, f"too large: {len(body)} bytes (limit {max_bytes})")
    if PDF_MAGIC not in body[:HEAD_BYTES]:
        return PdfText("", 0, f"not a PDF: {_describe(body)}")
    limits = {"zlib_maximum_output_length": MAX_STREAM_BYTES,
              "lzw_maximum_output_length": MAX_STREAM_BYTES,
              "run_length_maximum_output_length": MAX_STREAM_BYTES,
              "brotli_maximum_output_length": MAX_STREAM_BYTES,
              "maximum_declared_stream_length": MAX_STREAM_BYTES,
              "image_maximum_buffer_size": MAX_STREAM_BYTES,
              "stream_decoding_work_maximum_length": 4 * MAX_STREAM_BYTES}
    try:
        with pypdf.apply_configuration(**limits):
            return _read(body, max_pages, max_chars)
    except LimitReachedError as exc:
        return PdfText("", 0, f"limit reached (decompression bomb?): {_short(exc)}")
    except FileNotDecryptedError:
        return PdfText("", 0, "encrypted: needs a password")
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            AssertionError, OverflowError, RecursionError, UnicodeError, MemoryError,
            ZeroDivisionError) as exc:
        return PdfText("", 0, f"unreadable PDF: {type(exc).__name__}: {_short(exc)}")


def _read(body: bytes, max_pages: int, max_chars: int) -> PdfText:
    import pypdf
    from pypdf.errors import LimitReachedError, PyPdfError

    reader = pypdf.PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):  # an empty user password is common
        return PdfText("", 0, "encrypted: needs a password")
    total = len(reader.pages)
    parts: list[str] = []
    size, errors = 0, []
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            errors.append(f"truncated: read {max_pages} of {total} pages")
            break
        try:
            contents = page.get_contents()  # decoded first: its limits raise, not log
            if contents is not None:
                contents.get_data()
            text = page.extract_text() or ""
        except LimitReachedError:
            raise
        except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError,
                AssertionError, OverflowError, RecursionError, UnicodeError,
                ZeroDivisionError) as exc:
            errors.append(f"page {number + 1} unreadable: {type(exc).__name__}")
            continue
        parts.append(text.strip())
        size += len(text)
        if size >= max_chars:
            errors.append(f"truncated: {max_chars} characters kept")
            break
    text = "\n\n".join(p for p in parts if p)[:max_chars]
    if not text and not errors:
        errors.append("no text layer (a scanned document? no OCR)")
    return PdfText(text, total, "; ".join(errors) or None)


def _describe(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if not head:
        return "empty body"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    if head.startswith(b"\x89png") or head.startswith(b"\xff\xd8\xff"):
        return "an image"
    if head.startswith(b"pk\x03\x04"):
        return "a ZIP archive (an office document?)"
    return f"starts with {body[:12]!r}"


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__
