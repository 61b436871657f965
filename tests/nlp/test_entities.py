"""The extraction pipeline: organisation shapes, canonical keys, bad input, serialisation."""

import pytest
import spacy

from nlp.entities import ExtractionError, ModelLoadError, clean_text, load_extractor


@pytest.fixture(scope="module")
def extractor():
    return load_extractor(use_model=False)


def orgs(extractor, text):
    return [(o.text, o.type) for o in extractor.extract(text).organisations]


def test_pipeline_is_blank_italian_with_project_components(extractor):
    assert extractor.nlp.lang == "it"
    assert extractor.nlp.pipe_names[-4:] == [
        "obs_org_rules", "obs_amounts", "obs_places", "obs_canonical"
    ]
    assert extractor.version.startswith("ents-")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il Comune di Lecco e il consorzio Consolida.",
         [("Comune di Lecco", "pubblico"), ("consorzio Consolida", "terzo_settore")]),
        ("con la Cooperativa sociale La Grande Casa.",
         [("Cooperativa sociale La Grande Casa", "terzo_settore")]),
        ("Il Dipartimento di Sociologia dell'Università di Pavia e Euricse.",
         [("Dipartimento di Sociologia dell'Università di Pavia", "universita_ricerca"),
          ("Euricse", "universita_ricerca")]),
        ("La Fondazione Cariplo con ANCI Lombardia.",
         [("Fondazione Cariplo", "fondazione"), ("ANCI Lombardia", "pubblico")]),
        ("L'Ambito territoriale di Merate e l'ASST Lecco.",
         [("Ambito territoriale di Merate", "pubblico"), ("ASST Lecco", "pubblico")]),
        ("Con Il Sorriso Onlus e Alfa Servizi S.r.l. a Monza.",
         [("Il Sorriso Onlus", "terzo_settore"), ("Alfa Servizi S.r.l.", "impresa")]),
        ("La cooperativa sociale Alice di Bra e la Banca di Cherasco.",
         [("cooperativa sociale Alice", "terzo_settore"), ("Banca di Cherasco", "impresa")]),
        ("L'Unione dei Comuni della Romagna forlivese e la ULSS 6 Euganea.",
         [("Unione dei Comuni della Romagna forlivese", "pubblico"),
          ("ULSS 6 Euganea", "pubblico")]),
        ("Il distretto di Agrigento e l'ospedale di Sciacca.", []),
    ],
)
def test_organisation_shapes(extractor, text, expected):
    assert orgs(extractor, text) == expected


def test_generic_nouns_and_organs_are_not_organisations(extractor):
    text = "Il Comune e la Giunta hanno incontrato le cooperative sociali e gli ETS."
    assert orgs(extractor, text) == []


def test_acronym_defined_in_text_links_to_its_organisation(extractor):
    text = ("L'Azienda Sanitaria Regionale del Molise (ASREM) ha firmato. "
            "Secondo l'ASREM i posti sono 40.")
    ents = extractor.extract(text)
    assert [o.text for o in ents.organisations] == [
        "Azienda Sanitaria Regionale del Molise", "ASREM", "ASREM"
    ]
    assert len({o.key for o in ents.organisations}) == 1


def test_variants_share_one_canonical_key(extractor):
    ents = extractor.extract("L'ASL Salerno, detta anche Asl di Salerno o l'Asl salernitana.")
    assert {o.key for o in ents.organisations} == {"asl-salerno"}
    assert {o.canonical for o in ents.organisations} == {"ASL Salerno"}


def test_offsets_point_into_the_original_text(extractor):
    text = "<p>Il <b>Comune di Lecco</b> stanzia 9 milioni di euro.</p>"
    ents = extractor.extract(text)
    for mention in [*ents.organisations, *ents.places, *ents.amounts]:
        assert text[mention.start : mention.end] == mention.text
    assert [a.value for a in ents.amounts] == [9e6]


@pytest.mark.parametrize("text", ["", "   \n", "\x00\x01\x02 ��� \ufffd" * 50])
def test_empty_and_garbage_give_clean_results(extractor, text):
    ents = extractor.extract(text)
    assert ents.organisations == [] and ents.amounts == []


def test_long_text_is_processed_in_chunks(extractor):
    sentence = "Il Comune di Lecco stanzia 9 milioni di euro con la Fondazione Cariplo. "
    text = sentence * 3000  # ~220k characters: several chunks
    ents = extractor.extract(text)
    assert len(ents.amounts) == 3000
    assert all(text[a.start : a.end] == "9 milioni di euro" for a in ents.amounts)


def test_wrong_type_raises_extraction_error(extractor):
    with pytest.raises(ExtractionError):
        extractor.extract(b"bytes are not text")


def test_clean_text_keeps_length():
    html = "<div class='x'>Ciao &amp; <script>var a=1;</script>mondo</div>"
    assert len(clean_text(html)) == len(html)
    assert "script" not in clean_text(html)


def test_to_disk_from_disk_round_trip(extractor, tmp_path):
    text = "A Brescia il Comune di Brescia e l'Asl di Salerno: 350mila euro, il 22%."
    extractor.nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded.pipe_names == extractor.nlp.pipe_names
    assert reloaded(text)._.obs_entities == extractor.nlp(text)._.obs_entities


def test_corrupt_model_gives_clear_error(tmp_path):
    (tmp_path / "config.cfg").write_text("this is not a spaCy config", encoding="utf-8")
    with pytest.raises(ModelLoadError):
        load_extractor(tmp_path)


def test_missing_model_falls_back_to_rules(tmp_path):
    extractor = load_extractor(tmp_path / "absent")
    assert "ner" not in extractor.nlp.pipe_names
    assert orgs(extractor, "Il Comune di Lecco.") == [("Comune di Lecco", "pubblico")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La Cooperativa sociale La Vite a Bra e Reggio Emilia ha firmato.",
         ["Cooperativa sociale La Vite"]),
        ("Fondazione Cariplo a Milano sostiene l'Associazione Auser Lombardia in Brianza.",
         ["Fondazione Cariplo", "Associazione Auser Lombardia"]),
        ("Il consorzio Consolida a Lecco guida il progetto.", ["consorzio Consolida"]),
    ],
)
def test_a_location_after_the_name_is_not_part_of_it(extractor, text, expected):
    assert [name for name, _type in orgs(extractor, text)] == expected


def places(extractor, text):
    return [(p.text, p.level, p.name) for p in extractor.extract(text).places]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a line break ends every span: the headline's name does not take the next line
        ("Accordo con il Comune di Lecco\nIl sindaco ha firmato",
         [("Comune di Lecco", "pubblico")]),
        # ALL-CAPS headline words and section labels are not organisations
        ("ABILITARE LA COLLABORAZIONE\nNOTIZIE\nIl bando è aperto.", []),
        # units, programmes and facilities are not organisations
        ("Gli agenti della Squadra Mobile hanno fermato l'uomo.", []),
        ("La Polizia Municipale è intervenuta.", []),
        ("Firmati 93 Budget di Salute per il triennio.", []),
        # national bodies and ministries, also in lower case after a head
        ("Sul posto i Vigili del Fuoco e la Protezione Civile.",
         [("Vigili del Fuoco", "pubblico"), ("Protezione Civile", "pubblico")]),
        ("con i fondi del ministero del Lavoro e delle Politiche sociali",
         [("ministero del Lavoro e delle Politiche sociali", "pubblico")]),
        ("Il comune di Como ha pubblicato l'avviso.", [("comune di Como", "pubblico")]),
        # an acronym shared by many public bodies is a category
        ("la scelta di una IPAB di affidare la RSA", []),
        ("L'Azienda Sanitaria Provinciale (ASP) di Catania ha firmato. L'ASP ha stanziato",
         [("Azienda Sanitaria Provinciale (ASP) di Catania", "pubblico"), ("ASP", "pubblico")]),
    ],
)
def test_real_text_organisation_classes(extractor, text, expected):
    assert orgs(extractor, text) == expected


def test_province_sigla_in_brackets_is_a_place(extractor):
    text = "COMUNE DI ROVERETO (TN) * PARTECIPAZIONE ATTIVA"
    assert orgs(extractor, text) == [("COMUNE DI ROVERETO", "pubblico")]
    assert ("TN", "provincia", "Trento") in places(extractor, text)


def test_quarters_after_a_cue_and_their_repetitions_are_places(extractor):
    text = ("Furti nel quartiere di Tor Marancia, a Roma.\n"
            "Sventati i tentativi a Tor Marancia e in zona Cinecittà.")
    found = places(extractor, text)
    assert [p for p in found if p[0] == "Tor Marancia"] == [("Tor Marancia", "altro",
                                                             "Tor Marancia")] * 2
    assert ("Cinecittà", "altro", "Cinecittà") in found
    assert ("Roma", "comune", "Roma") in found


def test_abbreviated_saints_and_typographic_apostrophes_match_comuni(extractor):
    found = places(extractor, "S. MARINELLA – Il Comune di Palazzolo sull’Oglio.")
    assert ("S. MARINELLA", "comune", "Santa Marinella") in found
    assert ("Palazzolo sull’Oglio", "comune", "Palazzolo sull'Oglio") in found
