import pytest

from crawler.extract import extract_page
from crawler.urls import InvalidURL, canonical_or_none, canonicalize, in_domains, same_document


def test_tracking_parameters_fragments_and_slashes_are_removed():
    assert canonicalize("https://www.vita.it/articolo/foo/?utm_source=fb&utm_medium=x#commenti") \
        == "https://www.vita.it/articolo/foo"
    assert canonicalize("https://x.it/a?fbclid=1&gclid=2&id=7") == "https://x.it/a?id=7"


def test_scheme_host_case_default_port_and_index_file():
    assert canonicalize("HTTP://WWW.Labsus.ORG:80/notizie/index.html") \
        == "https://www.labsus.org/notizie"
    assert canonicalize("https://x.it:443//a//b/") == "https://x.it/a/b"
    assert canonicalize("https://x.it:8443/a") == "https://x.it:8443/a"


def test_http_and_https_copies_are_one_article_but_ip_hosts_keep_their_scheme():
    assert same_document("http://www.welforum.it/x/", "https://www.welforum.it/x")
    assert canonicalize("http://127.0.0.1:8000/a/") == "http://127.0.0.1:8000/a"


def test_remaining_parameters_are_sorted_and_relative_links_resolved():
    assert canonicalize("/notizie?page=2&cat=5", base="https://comune.it/x/") \
        == "https://comune.it/notizie?cat=5&page=2"


def test_non_ascii_paths_are_percent_encoded_once():
    assert canonicalize("https://x.it/povertà") == canonicalize("https://x.it/povert%C3%A0")


def test_domains_match_subdomains_only():
    assert in_domains("https://www.vita.it/a", ["vita.it"])
    assert not in_domains("https://evita.it/a", ["vita.it"])


@pytest.mark.parametrize("url", ["https://a.0/x", "http://[::1/", "https://x.it:99999/a",
                                 "http://exa mple.com/", "https://1.2.3.4.5/"])
def test_unreadable_urls_are_a_typed_error_that_names_the_link(url):
    with pytest.raises(InvalidURL) as caught:
        canonicalize(url)
    assert caught.value.url == url and url[:10] in str(caught.value)
    assert canonical_or_none(url) is None


def test_a_broken_canonical_link_does_not_lose_the_article():
    body = " ".join(["Il Comune ha avviato la coprogettazione con il terzo settore."] * 30)
    html = ('<html><head><title>Avviso di coprogettazione</title>'
            '<link rel="canonical" href="https://a.0/avviso"></head><body><article>'
            f'<h1>Avviso di coprogettazione</h1><p>{body}</p></article></body></html>')
    fields = extract_page(html, "https://www.comune.esempio.it/notizie/avviso",
                          fetched_at="2026-11-20")
    assert fields.is_article
    assert fields.url == "https://www.comune.esempio.it/notizie/avviso"
