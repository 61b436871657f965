"""Names of geographic features ("Colli Euganei", "Parco dello Stirone", "Val Trebbia"), which
are places, never organisations: one word list for the analysis (nlp drops such organisation
mentions) and for the public pages (which hide any stored before the rule, as a safety net).

A name is geographic when its first word is a feature noun (hills, mountains, valleys, rivers,
lakes, parks, islands, coasts...) and no word of it names an organisation ("Ente Parco",
"Parco Nazionale", "Unione dei Comuni dei Colli Euganei", "Consorzio di bonifica Val d'Enza",
"Monte dei Paschi"). Known organisations are kept by the analysis before this test.
"""

from __future__ import annotations

import re

from store.text import fold_key

FEATURE_NOUNS = frozenset("""
    colli colle colline collina monte monti montagna montagne massiccio
    val valle valli vallata conca gola gole forra piana pianura altopiano altipiano
    fiume fiumi torrente torrenti rio lago laghi laguna stagno palude paludi delta foce
    fonte fonti sorgente sorgenti cascata cascate canale
    parco riserva oasi bosco boschi foresta pineta selva
    isola isole isolotto arcipelago penisola promontorio capo golfo baia costa costiera riviera
    litorale spiaggia lido
    passo valico alpi prealpi appennino appennini dolomiti
""".split())
# A word of any of these anywhere in a name makes it an organisation's name.
ORGANISATION_WORDS = frozenset("""
    ente enti consorzio unione comunita comune comuni provincia regione azienda agenzia autorita
    associazione cooperativa coop fondazione societa impresa istituto centro scuola universita
    nazionale regionale interregionale provinciale comunale consortile montana
    gruppo banca paschi pieta club circolo comitato federazione onlus aps odv srl spa
""".split())
# SQLite's lower() keeps accents: the accented spellings of the words above, for the SQL test.
_ACCENTED = frozenset("comunità autorità società università pietà".split())
_WORD = re.compile(r"[^\W\d_]+")


def is_geographic_name(name: str) -> bool:
    """True for 'Colli Euganei', 'Parco del Delta del Po', 'Val Trebbia', 'Monte Amiata';
    False for 'Ente Parco dei Colli Euganei', 'Parco Nazionale del Gran Sasso', 'Monte dei
    Paschi di Siena', 'Cooperativa sociale Val di Non'."""
    words = _WORD.findall(fold_key(name))
    return (len(words) >= 1 and words[0] in FEATURE_NOUNS
            and ORGANISATION_WORDS.isdisjoint(words))


def geographic_name_sql(column: str) -> str:
    """The same test as an SQL condition on a name column (ASCII case folding only: the
    feature nouns and organisation words that carry accents are matched without them)."""
    first = f"lower(substr({column}, 1, instr({column} || ' ', ' ') - 1))"
    nouns = ", ".join(f"'{w}'" for w in sorted(FEATURE_NOUNS))
    padded = f"(' ' || lower(replace(replace({column}, '''', ' '), '-', ' ')) || ' ')"
    words = sorted(ORGANISATION_WORDS | _ACCENTED)
    org_words = " OR ".join(f"{padded} LIKE '% {w} %'" for w in words)
    return f"({first} IN ({nouns}) AND NOT ({org_words}))"
