from pathlib import Path

import pytest

from crawler.sources import (
    SourceError,
    check_sources,
    join_locations,
    load_sources,
    registry_files,
    select_sources,
)

REGISTRY = Path(__file__).resolve().parents[2] / "crawler" / "sources.toml"

GOOD = """
[[source]]
id = "welforum"
name = "Welforum"
kind = "portal"
region = "Italia"
feeds = ["https://www.welforum.it/feed/"]
allowed_domains = ["welforum.it"]
keywords = ["terzo settore"]

[source.listing]
max_pages = 3
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_has_twenty_real_sources_of_every_kind_and_several_regions():
    sources = load_sources(REGISTRY)
    assert check_sources(REGISTRY) == []
    assert len(sources) >= 20
    assert {s.kind for s in sources} == {"portal", "local_news", "institution"}
    assert len({s.region for s in sources} - {"Italia"}) >= 5
    ids = {s.id for s in sources}
    assert {"welforum", "vita", "secondowelfare", "labsus", "cantiereterzosettore", "euricse",
            "lecconotizie", "leccotoday", "leccoonline", "primalecco"} <= ids


def test_good_file_loads_into_dataclasses(tmp_path):
    (src,) = load_sources(_write(tmp_path, GOOD))
    assert src.feeds == ("https://www.welforum.it/feed/",)
    assert src.listing.max_pages == 3 and src.keywords == ("terzo settore",)
    assert src.store_row()["allowed_domains"] == ["welforum.it"]


def test_unknown_keys_name_the_key_and_the_source(tmp_path):
    path = _write(tmp_path, GOOD.replace('kind = "portal"', 'kind = "portal"\nfeed = "x"')
                  .replace("max_pages = 3", "max_page = 3"))
    messages = [str(p) for p in check_sources(path)]
    assert "fonte 'welforum', chiave 'feed': chiave sconosciuta" in messages
    assert "fonte 'welforum', chiave 'listing.max_page': chiave sconosciuta" in messages
    with pytest.raises(SourceError, match="chiave sconosciuta"):
        load_sources(path)


def test_bad_urls_duplicate_ids_and_foreign_domains_are_reported(tmp_path):
    text = GOOD + GOOD.replace("https://www.welforum.it/feed/", "ftp://welforum.it/feed") \
        + GOOD.replace('id = "welforum"', 'id = "altro"').replace(
            "https://www.welforum.it/feed/", "https://www.vita.it/feed/")
    messages = "\n".join(str(p) for p in check_sources(_write(tmp_path, text)))
    assert "codice ripetuto" in messages
    assert "'ftp://welforum.it/feed' non è un indirizzo http(s)" in messages
    assert "il dominio 'www.vita.it' di https://www.vita.it/feed/ manca in allowed_domains" \
        in messages


def test_missing_fields_bad_kind_and_region_and_syntax_errors(tmp_path):
    text = '[[source]]\nid = "x"\nkind = "blog"\nregion = "Padania"\nallowed_domains = ["x.it"]\n'
    messages = "\n".join(str(p) for p in check_sources(_write(tmp_path, text)))
    assert "chiave 'name': mancante" in messages and "'blog' non è tra" in messages
    assert "'Padania' non è una regione italiana" in messages
    assert "serve almeno uno tra feeds, sitemaps, start_urls" in messages
    assert "TOML non valido" in str(check_sources(_write(tmp_path, "[[source]\n"))[0])
    assert "non esiste" in str(check_sources(tmp_path / "none.toml")[0])


def test_select_sources(tmp_path):
    sources = load_sources(_write(tmp_path, GOOD))
    assert select_sources(sources, None) == sources
    with pytest.raises(KeyError, match="nope"):
        select_sources(sources, ["nope"])


def _named(text: str, sid: str) -> str:
    return text.replace('"welforum"', f'"{sid}"')


def test_registry_in_several_files_and_folders(tmp_path: Path):
    folder = tmp_path / "sources.d"
    (folder / "enti").mkdir(parents=True)
    (folder / "a.toml").write_text(_named(GOOD, "uno"), encoding="utf-8")
    (folder / "enti" / "b.toml").write_text(_named(GOOD, "due"), encoding="utf-8")
    (folder / "note.txt").write_text("non un registro", encoding="utf-8")
    single = _write(tmp_path, GOOD)
    location = join_locations([single, folder])
    assert registry_files(location) == [single, folder / "a.toml", folder / "enti" / "b.toml"]
    assert [s.id for s in load_sources(location)] == ["welforum", "uno", "due"]
    assert check_sources(location) == []
    # An id defined in two files is an error naming both; a change is seen at once.
    (folder / "enti" / "b.toml").write_text(_named(GOOD, "uno"), encoding="utf-8")
    problems = check_sources(location)
    assert len(problems) == 1 and "a.toml" in str(problems[0]) and "b.toml" in str(problems[0])
    with pytest.raises(SourceError):
        load_sources(location)
    (folder / "enti" / "b.toml").write_text(_named(GOOD, "tre"), encoding="utf-8")
    assert [s.id for s in load_sources(location)] == ["welforum", "uno", "tre"]
    empty = tmp_path / "vuota"
    empty.mkdir()
    assert "nessun file .toml" in str(check_sources(empty)[0])


def test_problems_name_their_file_when_there_are_several(tmp_path: Path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.toml").write_text(_named(GOOD, "uno"), encoding="utf-8")
    (folder / "b.toml").write_text(_named(GOOD, "due").replace("portal", "blog"),
                                   encoding="utf-8")
    problems = check_sources(folder)
    assert len(problems) == 1 and "b.toml" in str(problems[0]) and "'kind'" in str(problems[0])
