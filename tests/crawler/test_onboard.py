"""`sources discover` and `sources import-ipa` on local sites and the IndicePA fixture: what is
found and how, what is refused, the Italian report, the written registry, the CLI."""

from __future__ import annotations

import http.server
import json
import random
import re
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from crawler.ipa import IpaError, read_ipa
from crawler.onboard import (
    DiscoverInputError,
    SiteEntry,
    discover,
    looks_like_article,
    read_entries,
    registry_toml,
    suggest_region,
)
from crawler.run import crawl
from crawler.sitefetch import FetchPolicy
from crawler.sources import check_sources, join_locations, load_sources
from tests.crawler.conftest import FAST_SETTINGS
from tests.crawler.sitefarm import SiteFarm
from tests.crawler.siteshapes import (
    SHAPES,
    Site,
    comunicati_table,
    designers_italia,
    no_news,
    wordpress,
)

ROOT = Path(__file__).resolve().parents[2]
IPA_FIXTURE = Path(__file__).parent / "data" / "ipa" / "enti.csv"
FAST = FetchPolicy(delay=0, timeout=10)


@pytest.fixture(scope="module")
def farm():
    farm = SiteFarm().start()
    yield farm
    farm.stop()


def _serve(farm: SiteFarm, host: str, shape, name: str) -> tuple[Site, str]:
    base = farm.add(host, {})
    site = shape(random.Random(host), name, base)
    farm.routes[host].update(site.routes)
    return site, base


def test_each_shape_gets_the_right_proposal(farm: SiteFarm, tmp_path: Path):
    served = [_serve(farm, f"127.0.60.{i + 1}", shape, f"Sito {shape.__name__} {i}")
              for i, shape in enumerate(SHAPES)]
    reports = discover([SiteEntry(site.name, base + "/") for site, base in served], FAST)
    for (site, _), report in zip(served, reports, strict=True):
        assert (report.source is not None) == site.has_news, "\n".join(report.lines())
    how = {r.name.split()[1]: r for r in reports}
    wp = how["wordpress"]
    assert [c.how for c in wp.candidates if c.usable][0].startswith("indicato nella homepage")
    assert wp.platform == "WordPress" and wp.source["feeds"][0].endswith("/feed/")
    assert "comments" not in " ".join(wp.source["feeds"])
    assert how["designers_italia"].source["kind"] == "institution"
    assert how["news_sitemap"].source["sitemaps"][0].endswith("/sitemap_index.xml")
    assert how["drupal_hidden"].platform == "Drupal"
    assert any("percorso consueto di Drupal" in c.how for c in how["drupal_hidden"].candidates)
    assert how["comunicati_table"].source["start_urls"][0].endswith("/comunicati-stampa")
    blocked = how["robots_blocked"]
    assert "vietate da robots.txt" in blocked.reason
    assert "nessuna fonte utilizzabile" in "\n".join(blocked.lines())
    out = tmp_path / "proposed.toml"
    out.write_text(registry_toml(reports), encoding="utf-8")
    assert check_sources(out) == []
    assert len(load_sources(out)) == sum(1 for site, _ in served if site.has_news)


def test_a_site_that_cannot_be_read_says_why(farm: SiteFarm):
    report = discover([SiteEntry("Spento", "http://127.0.60.250:9/")], FAST)[0]
    assert report.source is None and report.reason.startswith("homepage non leggibile")
    assert report.pages == 2  # robots.txt and the homepage, nothing more


def test_homepage_redirect_to_www_and_page_budget(farm: SiteFarm):
    site, base = _serve(farm, "127.0.61.1", designers_italia, "Comune di Lecco")
    farm.routes["127.0.61.1"]["/vecchio"] = ("redirect", "/")
    report = discover([SiteEntry("Comune di Lecco", base + "/vecchio")],
                      FetchPolicy(delay=0, max_pages=4))[0]
    assert report.pages <= 4
    assert report.region == "Lombardia"  # from the name of the comune
    assert report.source is not None


def test_a_homepage_redirect_to_an_unnamed_private_address_is_refused(farm: SiteFarm):
    _, inner = _serve(farm, "127.0.61.2", wordpress, "Interno")
    farm.add("127.0.61.3", {"/": ("redirect", inner + "/")})
    report = discover([SiteEntry("Rinvio", farm.base("127.0.61.3") + "/")], FAST)[0]
    assert report.source is None and "indirizzo non pubblico" in report.reason
    assert farm.paths("127.0.61.2") == []


def test_crawl_reads_a_registry_split_over_a_file_and_a_folder(farm: SiteFarm,
                                                                tmp_path: Path):
    served = [_serve(farm, f"127.0.64.{i + 1}", shape, f"Sito diviso {i}")
              for i, shape in enumerate(SHAPES[:2])]
    reports = discover([SiteEntry(site.name, base + "/") for site, base in served], FAST)
    first, folder = tmp_path / "uno.toml", tmp_path / "altre"
    folder.mkdir()
    first.write_text(registry_toml(reports[:1]), encoding="utf-8")
    (folder / "due.toml").write_text(registry_toml(reports[1:]), encoding="utf-8")
    location = join_locations([first, folder])
    report = crawl(location, tmp_path / "diviso.db", settings=FAST_SETTINGS, timeout_s=120)
    assert report.ok, report.log_tail
    assert {s.source_id for s in report.sources} == {"sito-diviso-0", "sito-diviso-1"}
    assert all(s.new_articles == len(site.articles)
               for s, (site, _) in zip(report.sources, served, strict=True))


def test_article_like_urls():
    assert looks_like_article("https://c.it/novita/notizie/nuovo-bando-per-le-famiglie")
    assert looks_like_article("https://c.it/2025/03/12/festa/")
    assert looks_like_article("https://c.it/index.php?id=42")
    assert looks_like_article("https://c.it/notizie/festa", listing="https://c.it/notizie")
    assert not looks_like_article("https://c.it/notizie")
    assert not looks_like_article("https://c.it/category/notizie/")
    assert not looks_like_article("https://c.it/servizi/anagrafe")
    assert not looks_like_article("https://c.it/allegati/bando-per-le-famiglie.pdf")


def test_region_suggestions():
    assert suggest_region(SiteEntry("Comune di Lecco", "https://x.it/"), "") == "Lombardia"
    assert suggest_region(SiteEntry("X", "https://x.it/", region="Trentino-Alto Adige/"
                                    "Südtirol"), "") == "Trentino-Alto Adige"
    assert suggest_region(SiteEntry("Giornale", "https://x.it/"),
                          "Notizie dalla Puglia - Bari") == "Puglia"
    assert suggest_region(SiteEntry("Rete", "https://x.it/"), "Veneto e Lombardia") is None


def test_homepage_lists(tmp_path: Path):
    good = tmp_path / "siti.tsv"
    good.write_text("# commento\nComune di Lecco\twww.comune.lecco.it\tc_e507\tLombardia\n\n"
                    "https://www.esempio.it/notizie\n", encoding="utf-8")
    entries = read_entries(good)
    assert entries[0] == SiteEntry("Comune di Lecco", "https://www.comune.lecco.it/", "c_e507",
                                   "Lombardia")
    assert entries[1].name == "www.esempio.it"
    bad = tmp_path / "male.tsv"
    bad.write_text("Comune\tnon un indirizzo\n", encoding="utf-8")
    with pytest.raises(DiscoverInputError, match="riga 1"):
        read_entries(bad)


def test_ipa_fixture_categories_regions_and_sites():
    result = read_ipa(IPA_FIXTURE)
    assert result.rows == 15
    by_code = {e.ipa_code: e for e in result.entries}
    assert "istsc_lcic82400t" not in by_code and "00yw4x9b" not in by_code  # school, company
    assert by_code["c_e507"].url == "https://www.comune.lecco.it/"
    assert by_code["c_e507"].region == "Lombardia"
    assert by_code["uncobaro"].region == "Emilia-Romagna"
    assert result.without_site == 1  # the consorzio without a website
    assert dict(result.by_category) == {"comuni": 4, "regioni": 2, "unioni": 1, "asl": 2,
                                        "ao": 1, "asp": 1, "comunita-montane": 1}
    only = read_ipa(IPA_FIXTURE, ["asl", "unioni"])
    assert {e.ipa_code for e in only.entries} == {"asl_bo", "atsb", "uncobaro"}
    with pytest.raises(IpaError, match="categoria sconosciuta"):
        read_ipa(IPA_FIXTURE, ["scuole"])


def test_ipa_bad_files(tmp_path: Path):
    wrong = tmp_path / "x.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(IpaError, match="mancano le colonne"):
        read_ipa(wrong)
    with pytest.raises(IpaError, match="non leggibile"):
        read_ipa(tmp_path / "assente.csv")


def _pipeline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "pipeline.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def ipa_server():
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(IPA_FIXTURE.parent))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_import_ipa_download_then_discover_then_check(farm: SiteFarm, tmp_path: Path,
                                                          ipa_server: str):
    homepages = tmp_path / "enti.tsv"
    run = _pipeline("sources", "import-ipa", "--download", "--url", f"{ipa_server}/enti.csv",
                    "--category", "comuni", "--out", str(homepages))
    assert run.returncode == 0, run.stderr
    assert "Fonte: IndicePA / AgID" in homepages.read_text(encoding="utf-8")
    assert "Comune di Lecco\thttps://www.comune.lecco.it/\tc_e507\tLombardia" in \
        homepages.read_text(encoding="utf-8")
    # discover reads the same format; here with local sites in place of the real ones.
    site, base = _serve(farm, "127.0.62.1", comunicati_table, "Comune di Bologna")
    _, base2 = _serve(farm, "127.0.62.2", no_news, "Comune di Milano")
    listing = tmp_path / "locali.tsv"
    listing.write_text(f"Comune di Bologna\t{base}/\tc_a944\tEmilia-Romagna\n"
                       f"Comune di Milano\t{base2}/\tc_f205\tLombardia\n", encoding="utf-8")
    out = tmp_path / "nuove.toml"
    run = _pipeline("sources", "discover", "--from", str(listing), "--out", str(out),
                    "--delay", "0")
    assert run.returncode == 0, run.stderr
    said = " ".join(run.stderr.split())  # the console wraps long lines
    assert "nessuna fonte utilizzabile" in said and "Fonti proposte: 1 su 2" in said
    assert 'region = "Emilia-Romagna"' in out.read_text(encoding="utf-8")
    check = _pipeline("sources", "check", "--sources", str(out))
    assert check.returncode == 0, check.stderr
    # Sites already in the registry given with --sources are not examined again.
    again = _pipeline("sources", "discover", "--from", str(listing), "--sources", str(out),
                      "--out", str(tmp_path / "ancora.toml"), "--delay", "0")
    assert again.returncode == 0
    assert "già nel registro («comune-di-bologna»)" in " ".join(again.stderr.split())
    as_json = _pipeline("sources", "discover", base2, base + "/", "--json", "--delay", "0")
    assert as_json.returncode == 0, as_json.stderr
    parsed = json.loads(as_json.stdout)  # JSON alone on stdout, the sources inside it
    assert [r["source"] is None for r in parsed] == [True, False]
    assert parsed[0]["reason"] and parsed[1]["candidates"][0]["articles"] > 0


def test_cli_rejects_bad_input(tmp_path: Path):
    run = _pipeline("sources", "discover", "ftp://x")
    assert run.returncode != 0 and "non è l'indirizzo di un sito" in run.stderr
    assert "Traceback" not in run.stderr
    run = _pipeline("sources", "import-ipa", "--out", str(tmp_path / "x.tsv"))
    assert run.returncode != 0 and "--download" in run.stderr


def test_a_homepage_of_service_links_is_not_a_news_listing(farm: SiteFarm):
    services = ["richiesta-carta-identita-elettronica", "iscrizione-servizio-mensa-scolastica",
                "pagamento-tassa-rifiuti-tari", "permesso-di-costruire-online",
                "cambio-di-residenza-online", "certificato-di-nascita-online",
                "prenotazione-sale-comunali"]
    cards = "".join(f'<div class="card"><h3><a href="/servizi/{s}">{s.replace("-", " ")}</a>'
                    "</h3></div>" for s in services)
    farm.add("127.0.61.4", {"/": f"<html><body><main>{cards}</main></body></html>".encode()})
    report = discover([SiteEntry("Servizi", farm.base("127.0.61.4") + "/")], FAST)[0]
    assert report.source is None, "\n".join(report.lines())


def test_article_patterns_follow_the_shared_directory_and_any_year():
    from crawler.onboard import _common_pattern

    dated = ["https://c.it/2025/12/a-b", "https://c.it/2026/01/c-d", "https://c.it/2026/01/e"]
    pattern = _common_pattern(dated)
    assert pattern == r"/\d{4}/\d{2}/[^?#]+$"
    assert re.search(pattern, "https://c.it/2031/07/notizia-futura")
    news = ["https://c.it/it/notizie/a", "https://c.it/it/notizie/b", "https://c.it/it/notizie/c"]
    assert _common_pattern(news) == "/it/notizie/[^?#]+$"
    assert _common_pattern(["https://c.it/a", "https://c.it/b", "https://c.it/c"]) is None
