"""Place gazetteer and context resolution (hard cases from the annotation guidelines)."""

import pytest

from nlp.entities import load_extractor
from nlp.places import load_gazetteer
from store.text import fold_key


@pytest.fixture(scope="module")
def extractor():
    return load_extractor(use_model=False)


def places(extractor, text):
    return [(p.text, p.level, p.name) for p in extractor.extract(text).places]


def test_gazetteer_has_comuni_with_codes_and_coordinates():
    gaz = load_gazetteer()
    lecco = [p for p in gaz.lookup("Lecco") if p.level == "comune"][0]
    assert (lecco.istat, lecco.sigla, lecco.regione) == ("097042", "LC", "Lombardia")
    assert 45 < lecco.lat < 46.5 and 9 < lecco.lon < 10
    comuni = {p for ps in gaz.by_surface.values() for p in ps if p.level == "comune"}
    assert len(comuni) > 7800
    assert sum(p.lat is not None for p in comuni) / len(comuni) > 0.9


def test_fold_ignores_case_accents_and_apostrophes():
    assert fold_key("Forlì") == fold_key("FORLI") and fold_key("L’Aquila") == fold_key("l'aquila")


def test_common_name_maps_to_official(extractor):
    assert places(extractor, "Un progetto a Reggio Emilia.") == [
        ("Reggio Emilia", "comune", "Reggio nell'Emilia")
    ]


def test_city_that_is_a_province_resolved_from_context(extractor):
    found = places(extractor, "Tre comuni in provincia di Brescia e due a Brescia.")
    assert found == [("Brescia", "provincia", "Brescia"), ("Brescia", "comune", "Brescia")]


def test_short_word_comuni_need_place_context(extractor):
    assert places(extractor, "Nel comune di Ne e a Bra.") == [
        ("Ne", "comune", "Ne"),
        ("Bra", "comune", "Bra"),
    ]
    assert places(extractor, "Ne ha parlato il sindaco. Il Calcio non c'entra.") == []


def test_area_nouns_and_named_areas(extractor):
    assert places(extractor, "Servizi nel Lecchese e in Brianza.") == [
        ("Lecchese", "altro", "Lecchese"),
        ("Brianza", "altro", "Brianza"),
    ]


def test_area_shapes_outside_the_gazetteer(extractor):
    assert places(extractor, "Nella Val Graveglia e in Alto Bradano.") == [
        ("Val Graveglia", "altro", "Val Graveglia"), ("Alto Bradano", "altro", "Alto Bradano")
    ]
    assert places(extractor, "Un corso di Alta Formazione.") == []


def test_adjectives_streets_and_persons_are_not_places(extractor):
    text = "Il modello lecchese, in via Roma, spiegato da Mario Ferrara."
    assert places(extractor, text) == []


def test_sports_club_is_an_organisation(extractor):
    ents = extractor.extract("Domenica il Lecco ha battuto la capolista.")
    assert ents.places == []
    assert [(o.text, o.type) for o in ents.organisations] == [("Lecco", "altro")]


def test_places_joined_by_hyphen(extractor):
    ents = extractor.extract("La Caritas diocesana di Conversano-Monopoli.")
    assert [(p.text, p.level) for p in ents.places] == [
        ("Conversano", "comune"), ("Monopoli", "comune")
    ]


def test_province_list_and_health_authority_context(extractor):
    found = places(extractor, "Nelle province di Vicenza e Treviso e nell'ASL Salerno.")
    assert [level for _, level, _ in found] == ["provincia", "provincia", "provincia"]


def test_quarter_named_like_a_comune(extractor):
    assert places(extractor, "Nel quartiere San Siro a Milano.") == [
        ("San Siro", "altro", "San Siro"), ("Milano", "comune", "Milano")
    ]


def test_bilingual_official_names(extractor):
    assert places(extractor, "Un centro a Bolzano e uno a Bressanone.") == [
        ("Bolzano", "comune", "Bolzano/Bozen"), ("Bressanone", "comune", "Bressanone/Brixen")
    ]


def test_place_inside_organisation_is_flagged(extractor):
    ents = extractor.extract("Il Comune di Bagnacavallo ha approvato il patto.")
    assert [(p.text, p.level, p.inside_org) for p in ents.places] == [
        ("Bagnacavallo", "comune", True)
    ]
    assert ents.places[0].istat and ents.places[0].regione == "Emilia-Romagna"


def test_shipped_place_tokens_match_the_gazetteer():
    """place_tokens.json.gz is what scripts/build_gazetteer.py --derived-only writes from the
    committed data: a stale file would make every start-up tokenise 40k names again."""
    import gzip
    import json

    from nlp.components.places import PLACE_TOKENS_FILE, place_fingerprint
    from nlp.places import GAZETTEER_DIR, PATTERNS_DIR

    with gzip.open(GAZETTEER_DIR / PLACE_TOKENS_FILE, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["fingerprint"] == place_fingerprint(GAZETTEER_DIR, PATTERNS_DIR)
    assert len(data["sequences"]) > 10_000


def test_sequence_matcher_finds_every_tokenisation_like_a_phrase_matcher():
    import spacy
    from spacy.matcher import PhraseMatcher

    from nlp.components.places import SequenceMatcher

    nlp = spacy.blank("it")
    names = ["Reggio nell'Emilia", "Emilia-Romagna", "emilia-romagna", "Bra", "San Giovanni"]
    phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
    phrase.add("P", list(nlp.tokenizer.pipe(names)))
    ours = SequenceMatcher(sorted({tuple(t.lower_ for t in d) for d in nlp.tokenizer.pipe(names)}))
    doc = nlp("A BRA e a Reggio nell'Emilia, in Emilia-Romagna e a san giovanni.")
    assert sorted(ours(doc)) == sorted((s, e) for _, s, e in phrase(doc))
