"""Page bytes -> text: declared charset first, detection without one, invalid bytes replaced
and counted, never an exception."""

from crawler.decoding import decode_html

TEXT = "Città più verde: il Comune e le associazioni piantano mille alberi."


def test_declared_charset_in_header_or_markup():
    latin = TEXT.encode("iso-8859-1")
    assert decode_html(latin, "text/html; charset=ISO-8859-1").text == TEXT
    meta = b"<meta charset='windows-1252'>" + latin
    assert decode_html(meta, "text/html").text.endswith(TEXT)
    equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' + latin
    found = decode_html(equiv)
    assert found.text.endswith(TEXT) and found.encoding == "cp1252" and found.replaced == 0


def test_undeclared_pages_are_detected():
    assert decode_html(TEXT.encode("utf-8"), "text/html").text == TEXT
    found = decode_html(TEXT.encode("cp1252"), "text/html")
    assert found.text == TEXT and found.encoding == "cp1252"


def test_a_wrong_utf8_declaration_on_a_windows_1252_page():
    found = decode_html(b"<meta charset=utf-8>" + TEXT.encode("cp1252"))
    assert found.text.endswith(TEXT) and found.replaced == 0


def test_invalid_bytes_are_replaced_and_counted():
    body = TEXT.encode() + b"\xe8\xff" + TEXT.encode() + b"\x92"
    found = decode_html(body, "text/html; charset=utf-8")
    assert found.encoding == "utf-8" and found.replaced == 3
    assert found.text == f"{TEXT}\ufffd\ufffd{TEXT}\ufffd"
    # without a declaration too: a few stray bytes do not make a UTF-8 page windows-1252
    assert decode_html(body).encoding == "utf-8"
    # a replacement character written in the page is not counted as replaced
    assert decode_html("già \ufffd".encode(), "text/html; charset=utf-8").replaced == 0


def test_byte_order_mark_and_unknown_labels():
    assert decode_html(b"\xef\xbb\xbf" + TEXT.encode(), "text/html; charset=latin-1").text == TEXT
    assert decode_html(TEXT.encode(), "text/html; charset=x-unknown").text == TEXT
    assert decode_html(b"", None).text == ""
