"""A minimal PDF writer (stdlib only) for the demo albo pretorio and the tests: text pages in
Helvetica (WinAnsi encoding, so Italian accents survive), optionally Flate-compressed, with a
correct cross-reference table. Also the hostile variants the tests serve (encrypted, truncated,
a decompression bomb).

    body = write_pdf([["DETERMINAZIONE N. 412 DEL 05/10/2026", "Oggetto: ..."]])
"""

from __future__ import annotations

import textwrap
import zlib

LINE_WIDTH = 90  # characters per line at 10 pt on an A4 page
LINES_PER_PAGE = 60


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: list[str]) -> bytes:
    out = [b"BT", b"/F1 10 Tf", b"12 TL", b"50 800 Td"]
    for line in lines:
        out.append(b"(" + _escape(line) + b") Tj T*")
    out.append(b"ET")
    return b"\n".join(out)


def wrap(paragraphs: list[str], width: int = LINE_WIDTH) -> list[list[str]]:
    """Paragraphs -> pages of wrapped lines (a blank line between paragraphs)."""
    lines: list[str] = []
    for para in paragraphs:
        lines += textwrap.wrap(para, width) or [""]
        lines.append("")
    return [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]


def write_pdf(pages: list[list[str]], *, compress: bool = True, extra_trailer: bytes = b"",
              extra_objects: list[bytes] | None = None, title: str = "") -> bytes:
    """A valid PDF whose pages hold the given lines of text."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3
    first_page = 4
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        content_id = first_page + 2 * i + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                       f"<< /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>"
                       .encode())
        stream = _content(lines)
        if compress:
            data = zlib.compress(stream)
            objects.append(f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
                           + data + b"\nendstream")
        else:
            objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream
                           + b"\nendstream")
    objects += extra_objects or []
    if title:
        objects.append(b"<< /Title (" + _escape(title) + b") /Producer (demo_sites/pdf.py) >>")
    info = f"/Info {len(objects)} 0 R ".encode() if title else b""
    return _serialize(objects, info + extra_trailer)


def _serialize(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """Numbered objects (the first is the catalog), a cross-reference table and a trailer."""
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer
             + f">>\nstartxref\n{xref}\n%%EOF\n".encode())
    return bytes(body)


def text_pdf(paragraphs: list[str], *, title: str = "") -> bytes:
    """A PDF of wrapped paragraphs."""
    return write_pdf(wrap(paragraphs), title=title)


def encrypted_pdf() -> bytes:
    """A PDF that declares standard-security encryption with a user password (its streams are
    not really encrypted: a reader must refuse it without the password all the same)."""
    encrypt = (b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -3904 "
               b"/O <" + b"0" * 64 + b"> /U <" + b"1" * 64 + b"> >>")
    pages = [["Documento riservato"]]
    # The encryption dictionary is the last object (number 6 for one page).
    return write_pdf(pages, extra_objects=[encrypt],
                     extra_trailer=b"/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> "
                                   b"<00112233445566778899aabbccddeeff>] ")


def bomb_pdf(decompressed_bytes: int = 200 * 1024 * 1024) -> bytes:
    """A small PDF whose one page content stream inflates to `decompressed_bytes` of spaces."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    data = b"".join(comp.compress(chunk) for _ in range(decompressed_bytes // len(chunk)))
    data += comp.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data
        + b"\nendstream",
    ]
    return _serialize(objects)


def truncated_pdf(body: bytes) -> bytes:
    """The first third of a PDF: a download cut short."""
    return body[: len(body) // 3]
