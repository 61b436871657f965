from crawler.urls import canonicalize, in_domains, same_document


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
