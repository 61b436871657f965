"""The demo albo pretorio: generated files, served with the demo server, in the demo registry;
its acts tell one co-design procedure from the delibera di indirizzo to the accordo."""

from __future__ import annotations

import urllib.request

from crawler.pdftext import pdf_text
from crawler.sources import load_sources
from demo_sites.albo import load_acts, render_albo, write_albo
from demo_sites.demo import write_demo_sources
from demo_sites.server import serve_site


def test_listing_spans_two_pages_with_a_pdf_per_act():
    acts = load_acts()
    assert 10 <= len(acts) <= 12
    assert 4 <= sum(a.relevant for a in acts) <= len(acts) - 4
    files = render_albo("table")
    assert {"albo/index.html", "albo/page-2.html"} <= set(files)
    pdfs = [f for f in files if f.endswith(".pdf")]
    assert len(pdfs) == len(acts) + 1  # one broken "verbale"
    readable = [f for f in pdfs if pdf_text(files[f]).error is None]
    assert len(readable) == len(acts)


def test_the_acts_tell_one_procedure_from_indirizzo_to_accordo():
    relevant = [a for a in load_acts() if a.relevant and "Centro per le Famiglie" in a.object]
    objects = " | ".join(a.object.lower() for a in sorted(relevant, key=lambda a: a.date))
    for step in ("atto di indirizzo", "approvazione dell'avviso", "avviso pubblico",
                 "esito", "accordo di collaborazione"):
        assert step in objects
    assert objects.index("atto di indirizzo") < objects.index("esito") < objects.index("accordo")


def test_served_with_pdf_content_type_and_in_the_demo_registry(tmp_path):
    handle = serve_site(write_albo(tmp_path / "albo"), "127.0.0.4", 0)
    try:
        with urllib.request.urlopen(f"{handle.url}/albo/?page=2", timeout=5) as page:
            assert "Periodo di pubblicazione" in page.read().decode("utf-8")
        pdf_url = f"{handle.url}/albo/allegati/det-412-2026.pdf"
        with urllib.request.urlopen(pdf_url, timeout=5) as pdf:
            assert pdf.headers["Content-Type"] == "application/pdf"
            assert "20 ottobre 2026" in pdf_text(pdf.read()).text
    finally:
        handle.stop()
    urls = {site: f"http://127.0.0.{n}:8000" for n, site in
            enumerate(("portal", "localnews", "comune", "albo"), start=1)}
    sources = load_sources(write_demo_sources(urls, tmp_path / "sources.toml"))
    albo = next(s for s in sources if s.kind == "albo")
    assert albo.albo_urls == ("http://127.0.0.4:8000/albo/",)
    del urls["albo"]
    assert "albo" not in {s.kind for s in load_sources(
        write_demo_sources(urls, tmp_path / "three.toml"))}
