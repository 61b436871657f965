"""Names of geographic features are places, never organisations (issue 15: "Colli Euganei",
"torrente Stirone"). The cases are built from the shipped data: gazetteer places and public
bodies, names the tests never list one by one."""

from __future__ import annotations

import random

import pytest

from nlp.entities import load_extractor
from nlp.places import GAZETTEER_DIR, PATTERNS_DIR, read_tsv
from store.geographic import FEATURE_NOUNS, ORGANISATION_WORDS, is_geographic_name
from store.text import fold_key

# A feature noun in front of a name, as articles write them: "i Colli Euganei", "il torrente
# Stirone", "nel Parco del Ticino"... ({} is a name taken from the gazetteer).
NAMED = ["Colli {}", "Parco del {}", "Val {}", "Lago di {}", "Monte {}", "Riserva del {}",
         "Oasi di {}", "Valle del {}"]
AFTER_NOUN = ["il torrente {}", "il fiume {}", "la valle del {}", "il parco dello {}",
              "le colline di {}"]
SENTENCES = ["Sabato una camminata lungo {} con le famiglie del quartiere.",
             "L'allerta riguarda {} e i canali di bonifica della zona.",
             "Il progetto porta i ragazzi a conoscere {} insieme agli educatori."]


def _places(kind: str) -> list[str]:
    rows = read_tsv(GAZETTEER_DIR / "places.tsv",
                    ["kind", "level", "name", "istat", "provincia", "sigla", "regione", "lat",
                     "lon", "population", "aliases", "ambiguous"])
    return sorted({r["name"] for r in rows if r["kind"] == kind})


def _bodies() -> list[str]:
    rows = read_tsv(GAZETTEER_DIR / "public_bodies.tsv", ["name", "acronym", "category", "type"])
    known = read_tsv(PATTERNS_DIR / "org_known.tsv", ["canonical", "type", "variants"])
    return sorted({r["name"] for r in rows} | {r["canonical"] for r in known})


def _sample(names: list[str], n: int, seed: int) -> list[str]:
    simple = [name for name in names if name.replace(" ", "").isalpha()]
    return random.Random(seed).sample(simple, n)


def test_every_gazetteer_place_opened_by_a_feature_noun_is_geographic():
    opened = [name for name in _places("comune") + _places("frazione")
              if fold_key(name).split(" ")[0] in FEATURE_NOUNS]
    assert len(opened) > 100  # "Val Masino", "Isola d'Asti", "Costa Volpino"...
    assert [name for name in opened if not is_geographic_name(name)] == []


def test_no_public_body_or_known_organisation_is_geographic():
    """Organisations named after a feature keep their name: 'Unione dei Comuni dei Colli
    Euganei', 'Ente Parco ...', 'Comunità montana Valle ...'."""
    bodies = _bodies()
    with_feature = [b for b in bodies if not FEATURE_NOUNS.isdisjoint(fold_key(b).split())]
    assert len(with_feature) >= 5
    assert [b for b in bodies if is_geographic_name(b)] == []


@pytest.mark.parametrize("shape", NAMED)
def test_feature_names_built_from_the_gazetteer_are_geographic(shape):
    names = [shape.format(place) for place in _sample(_places("comune"), 40, seed=15)]
    assert [n for n in names if not is_geographic_name(n)] == []


@pytest.mark.parametrize("word", sorted(ORGANISATION_WORDS & {"ente", "consorzio", "unione",
                                                              "associazione", "cooperativa",
                                                              "fondazione", "nazionale"}))
def test_an_organisation_word_makes_it_an_organisation(word):
    for place in _sample(_places("comune"), 10, seed=16):
        assert not is_geographic_name(f"{word.title()} Parco del {place}")
        assert not is_geographic_name(f"Parco {word} del {place}")


@pytest.fixture(scope="module")
def extractor():
    return load_extractor()  # with the statistical model: it is what tags "Colli Euganei" ORG


def _org_texts(extractor, text: str) -> list[str]:
    return [o.text for o in extractor.extract(text).organisations]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_the_extractor_finds_no_organisation_in_a_feature_name(extractor, sentence):
    rng = random.Random(17)
    places = _sample(_places("comune"), 12, seed=18) + _sample(_places("frazione"), 6, seed=19)
    found = []
    for place in places:
        for shape in NAMED + AFTER_NOUN:
            text = sentence.format(shape.format(place))
            if rng.random() < 0.5:  # a real organisation in the same sentence is still found
                text += " Lo organizza la Cooperativa sociale Il Sentiero."
                assert "Cooperativa sociale Il Sentiero" in _org_texts(extractor, text)
            found += [(text, o) for o in _org_texts(extractor, text) if place in o]
    assert found == []


def test_the_two_reported_cases(extractor):
    text = ("Si raccomanda attenzione in prossimità del torrente Stirone. Gli studenti "
            "visiteranno le cooperative di comunità dei Colli Euganei e l'Unione dei Comuni dei "
            "Colli Euganei.")
    assert _org_texts(extractor, text) == ["Unione dei Comuni dei Colli Euganei"]
