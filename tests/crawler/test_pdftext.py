"""PDF text within bounds: good files, and hostile ones that give a clear error, never raise."""

from __future__ import annotations

from crawler.pdftext import pdf_text
from demo_sites.pdf import bomb_pdf, encrypted_pdf, text_pdf, truncated_pdf, write_pdf

GOOD = text_pdf(["DETERMINAZIONE N. 412 DEL 22/09/2026",
                 "Oggetto: co-progettazione del Centro per le Famiglie. Città, è, perché."])


def test_text_and_pages_of_a_good_pdf():
    result = pdf_text(GOOD)
    assert result.error is None and result.pages == 1
    assert "co-progettazione del Centro per le Famiglie" in result.text
    assert "Città, è, perché." in result.text  # WinAnsi accents survive


def test_uncompressed_and_leading_junk_are_read():
    body = b"\r\n" + write_pdf([["Avviso pubblico"]], compress=False)
    assert pdf_text(body).text == "Avviso pubblico"


def test_bounds_on_bytes_pages_and_characters():
    assert pdf_text(GOOD, max_bytes=100).error.startswith("too large")
    many = write_pdf([[f"pagina {n}"] for n in range(30)])
    result = pdf_text(many, max_pages=5)
    assert result.pages == 30 and result.text.count("pagina") == 5
    assert result.error == "truncated: read 5 of 30 pages"
    long = pdf_text(write_pdf([["x" * 80] * 50] * 3), max_chars=1000)
    assert len(long.text) == 1000 and long.error.startswith("truncated: 1000 characters")


def test_hostile_bodies_give_an_error_each():
    cases = {
        "truncated": (truncated_pdf(GOOD), "unreadable PDF"),
        "encrypted": (encrypted_pdf(), "encrypted"),
        "bomb": (bomb_pdf(64 * 1024 * 1024), "limit reached"),
        "html": (b"<!DOCTYPE html><html><body>Sessione scaduta</body></html>",
                 "not a PDF: an HTML page"),
        "empty": (b"", "not a PDF: empty body"),
        "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not a PDF: an image"),
        "docx": (b"PK\x03\x04" + b"\x00" * 50, "not a PDF: a ZIP"),
        "header only": (b"%PDF-1.7\n%%EOF", "unreadable PDF"),
        "garbage after header": (b"%PDF-1.4\n" + bytes(range(256)) * 40, "unreadable PDF"),
        "no text layer": (write_pdf([[]]), "no text layer"),
    }
    for name, (body, expected) in cases.items():
        result = pdf_text(body)
        assert result.error and result.error.startswith(expected), (name, result.error)
        assert result.text == "", name
