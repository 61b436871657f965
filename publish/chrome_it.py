"""Datasette's own interface in Italian.

Datasette 0.65 has no translations: its pages say "Search:", "Apply", "rows where", "Advanced
export"... This ASGI wrapper rewrites those fixed phrases of Datasette's HTML pages into Italian
and shows column names with the Italian labels of the plugin configuration (`column_labels`),
leaving every URL, form value and data attribute as it was. Only `text/html` responses are
touched here; JSON passes through byte for byte (publish/people.py rewrites CSV downloads for
spreadsheets and names the selection in feed titles).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import escape

# (pattern, replacement): fixed phrases of Datasette's templates, anchored on their markup so
# that crawled text shown on a page is not rewritten.
PHRASES: list[tuple[str, str]] = [
    # navigation and footer
    (r'(<a href="/">)home(</a>)', r"\1inizio\2"),
    (r">Log out</button>", ">Esci</button>"),
    (r"Powered by (<a [^>]*>Datasette</a>)", r"Realizzato con \1"),
    (r"&middot; Quer(?:y|ies) took ([\d.]+)ms", r"&middot; Interrogazioni: \1 ms"),
    (r"(\s)Data license:", r"\1Licenza dei dati:"),
    (r"(\s)Data source:", r"\1Fonte dei dati:"),
    (r"(\s)About:(\s)", r"\1Informazioni:\2"),
    # table and view pages
    (r"(<h1>[^<]*) \(view\)</h1>", r"\1</h1>"),
    (r'<label for="_search">Search:</label>', '<label for="_search">Cerca:</label>'),
    (r'<input type="submit" value="Apply">', '<input type="submit" value="Applica">'),
    (r'<option value="">- column -</option>', '<option value="">- colonna -</option>'),
    (r'<option value="">- remove filter -</option>',
     '<option value="">- togli filtro -</option>'),
    (r'<option value="">Sort\.\.\.</option>', '<option value="">Ordina per...</option>'),
    (r'(name="_sort_by_desc"[^>]*>) descending</label>', r"\1 decrescente</label>"),
    (r"View and edit SQL</span>", "Vedi e modifica l'SQL</span>"),
    (r'<p class="export-links">This data as ', '<p class="export-links">Questi dati in '),
    (r'\(<a href="#export">advanced</a>\)', '(<a href="#export">opzioni</a>)'),
    (r"<h3>Advanced export</h3>", "<h3>Esportazione avanzata</h3>"),
    (r"<p>JSON shape:", "<p>Forma del JSON:"),
    (r'(_shape=[^"]*">|\.json(?:\?[^"]*)?">)default</a>', r"\1predefinita</a>"),
    (r">newline-delimited</a>", ">un oggetto per riga</a>"),
    (r"(\s)CSV options:", r"\1Opzioni CSV:"),
    (r'(name="_dl"[^>]*>) download file</label>', r"\1 scarica come file</label>"),
    (r'(name="_labels"[^>]*>) expand labels</label>', r"\1 espandi le etichette</label>"),
    (r'(name="_stream"[^>]*>) stream all rows</label>', r"\1 tutte le righe</label>"),
    (r'value="Export CSV"', 'value="Esporta CSV"'),
    (r'(<a href="[^"]*_next=[^"]*">)Next page</a>', r"\1Pagina successiva</a>"),
    (r"Suggested facets:", "Filtri suggeriti:"),
    # database and home pages
    (r"<h3>Custom SQL query</h3>", "<h3>Interrogazione SQL personalizzata</h3>"),
    (r'(<button id="sql-format"[^>]*>)Format SQL</button>', r"\1Formatta SQL</button>"),
    (r'<input type="submit" value="Run SQL">', '<input type="submit" value="Esegui SQL">'),
    (r'<h2 id="queries">Queries</h2>', '<h2 id="queries">Interrogazioni</h2>'),
    (r'<h2 id="tables">Tables</h2>', '<h2 id="tables">Tabelle</h2>'),
    (r'<h2 id="views">Views</h2>', '<h2 id="views">Viste</h2>'),
    (r"<p>\.\.\. and (<a [^>]*>)(\d+) hidden tables?</a></p>",
     r"<p>... e \1\2 tabelle nascoste</a></p>"),
    (r'title="1 row"', 'title="1 riga"'), (r'title="([\d,.]+) rows"', r'title="\1 righe"'),
    # query pages
    (r"<h3>Custom SQL query returning ", "<h3>Interrogazione SQL personalizzata: "),
    (r'(class="show-hide-sql">\(<a [^>]*>)hide(</a>\))', r"\1nascondi\2"),
    (r'(class="show-hide-sql">\(<a [^>]*>)show(</a>\))', r"\1mostra\2"),
    (r'(class="canned-query-edit-sql">)Edit SQL</a>', r"\1Modifica l'SQL</a>"),
    # row pages
    (r"<h2>Links from other tables</h2>", "<h2>Collegamenti da altre tabelle</h2>"),
    (r'<p class="zero-results">0 records</p>',
     '<p class="zero-results">Nessun risultato per questa selezione.</p>'),
    (r'<p class="facets-timed-out">These facets timed out:',
     '<p class="facets-timed-out">Questi conteggi hanno richiesto troppo tempo:'),
    # the SQL of tables and views is not for readers (staff can query sqlite_master)
    (r'(?s)<pre class="wrapped-sql">CREATE (?:VIEW|TABLE) .*?</pre>', ""),
]

# Filter operators of the table form: (value, Datasette's label, Italian label).
FILTER_OPERATORS = [
    ("contains", "contains", "contiene"), ("endswith", "ends with", "finisce con"),
    ("startswith", "starts with", "inizia con"), ("notlike", "not like", "non like"),
    ("notin", "not in", "non in"), ("arraycontains", "array contains", "l'elenco contiene"),
    ("arraynotcontains", "array does not contain", "l'elenco non contiene"),
    ("date", "date", "data"), ("isnull__1", "is null", "è nullo"),
    ("notnull__1", "is not null", "non è nullo"), ("isblank__1", "is blank", "è vuoto"),
    ("notblank__1", "is not blank", "non è vuoto"),
]

# Counts in titles and headings: "41 rows", "1 row", "860 rows in 16 tables".
COUNT_WORDS = [
    (r"\b1 hidden table\b", "1 tabella nascosta"),
    (r"\b([\d,.]+) hidden tables\b", r"\1 tabelle nascoste"),
    (r"\b1 row\b", "1 riga"), (r"\b([\d,.]+) rows\b", r"\1 righe"),
    (r"\b1 table\b", "1 tabella"), (r"\b([\d,.]+) tables\b", r"\1 tabelle"),
    (r"\b1 view\b", "1 vista"), (r"\b([\d,.]+) views\b", r"\1 viste"),
]

# The words of Datasette's description of a table selection ("1 row where regioni contiene
# "Lombardia" and search matches "parco" sorted by published descending").
DESCRIPTION_WORDS = [
    (r"\bwhere\b", "dove"), (r"\bsearch matches\b", "la ricerca trova"),
    (r"(&#34;|\d) and\b", r"\1 e"), (r"\bdescending\b", "decrescente"),
    (r"\bcontains\b", "contiene"), (r"\bdoes not contain\b", "non contiene"),
    (r"\bstarts with\b", "inizia con"), (r"\bends with\b", "finisce con"),
    (r"\bis not null\b", "non è nullo"), (r"\bis null\b", "è nullo"),
    (r"\bis not blank\b", "non è vuoto"), (r"\bis blank\b", "è vuoto"),
]

_COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in PHRASES]
_COUNTS = [(re.compile(pattern), replacement) for pattern, replacement in COUNT_WORDS]
_DESCRIPTION = [(re.compile(pattern), replacement)
                for pattern, replacement in DESCRIPTION_WORDS]
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_SELECTION_HEADING = re.compile(r"(<h3>)(\s*[\d,.]+ rows?\b.*?)(</h3>)", re.S)
_SORTED_BY = re.compile(r"\bsorted by (\S+)")
# "where regioni contiene ...", "and source_kind = ...": the column of each filter.
_FILTERED_COLUMN = re.compile(r"((?:\bwhere|\band|,) )(\w+)( (?:contiene|contains|=|!=|>|<|≥|≤|"
                              r"starts with|ends with|is|does not|like|not like|glob|in|"
                              r"not in|array|date)(?=\s))")
_HOME_COUNTS = re.compile(r"(<p>\s*)([\d,.]+ rows? in [^<]*)(</p>)")
_TABLE_COUNT = re.compile(r'(<p>\s*(?:<a [^>]*>)?)([\d,.]+) rows?(\s*(?:</a>)?\s*</p>)')
# Datasette writes counts with English thousands separators ("40,205 rows", "Lombardia 1,204"):
# in headings, titles and facet counts they become Italian ones ("40.205").
_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_FACET_COUNT = re.compile(r"(</a> |&middot; )(\d{1,3}(?:,\d{3})+)(?=\s*(?:<a |</li>))")
_FACET_HEADING = re.compile(r"(<strong>)([\w]+) \((?:term|list|array|date|label)\)")
_HEADER = re.compile(r'(data-column="(?P<col>[^"]+)"[^>]*>\s*(?:<a\b[^>]*>)?)(?P=col)'
                     r'(?=(?:&nbsp;[▲▼])?\s*(?:</a>|</th>))')
_SORT_OPTION = re.compile(r'(<option value="(?P<col>[^"]+)"[^>]*>)Sort by (?P=col)'
                          r'(?P<desc> descending)?</option>')
_FILTER_COLUMNS = re.compile(r'(<select name="_filter_column[^"]*">)(.*?)(</select>)', re.S)
_PLAIN_OPTION = re.compile(r"<option( selected)?>([^<]+)</option>")
_MOBILE_LABEL = re.compile(r'(td:nth-of-type\(\d+\):before \{ content: ")([^"]+)(";)')
_DESCRIBED_COLUMN = re.compile(r"(<dt>)([\w]+)(</dt><dd>)")
_LOGIN_LINK = re.compile(r'<li><a href="[^"]*/-/login">Log in</a></li>')


_TABLE_TITLE = re.compile(r"<title>osservatorio: (\w+)(: |</title>)")


_QUOTED_VALUE = re.compile(r"&#34;(\w+)&#34;")
_CRUMB = re.compile(r'(<a href="/osservatorio/(\w+)">)\2(</a>)')


def _italian_thousands(match: re.Match, group: int = 0) -> str:
    return match.group(group).replace(",", ".")


def translator(column_labels: dict[str, str], *, login: bool = True,
               titles: dict[str, str] | None = None,
               codes: dict[str, str] | None = None) -> Callable[[str], str]:
    """A function translating one Datasette HTML page, with these column labels; without a
    staff login configured (`login=False`) the login link is left out; `titles` names tables
    in the browser's tab ("Articoli: 32 righe ..." instead of "osservatorio: public_articles");
    `codes` shows label codes quoted in a selection's description by their labels."""
    code_labels = {code: str(escape(label)) for code, label in (codes or {}).items()}
    titles = {name: str(escape(title)) for name, title in (titles or {}).items()}
    login_link = (r'<li><a href="/-/login">Accesso staff</a></li>' if login else "")
    labels = {column: str(escape(label)) for column, label in column_labels.items()}

    def label(column: str) -> str:
        return labels.get(column, column)

    def description(text: str) -> str:
        text = _THOUSANDS.sub(_italian_thousands, text)
        text = _SORTED_BY.sub(lambda m: f"ordinate per {label(m.group(1))}", text)
        text = _FILTERED_COLUMN.sub(lambda m: m.group(1) + label(m.group(2)) + m.group(3), text)
        text = _QUOTED_VALUE.sub(lambda m: f"&#34;{code_labels.get(m.group(1), m.group(1))}&#34;",
                                 text)
        for pattern, replacement in (*_COUNTS, *_DESCRIPTION):
            text = pattern.sub(replacement, text)
        return text

    def filter_columns(match: re.Match) -> str:
        # The option's text was also its submitted value: keep the value, show the label.
        options = _PLAIN_OPTION.sub(
            lambda m: f'<option value="{m.group(2)}"{m.group(1) or ""}>{label(m.group(2))}'
                      f"</option>", match.group(2))
        return f"{match.group(1)}{options}{match.group(3)}"

    def translate(page: str) -> str:
        for pattern, replacement in _COMPILED:
            page = pattern.sub(replacement, page)
        for value, english, italian in FILTER_OPERATORS:
            page = page.replace(f'<option value="{value}">{english}</option>',
                                f'<option value="{value}">{italian}</option>')
        page = _TITLE.sub(lambda m: f"<title>{description(m.group(1))}</title>", page, count=1)
        page = _CRUMB.sub(lambda m: m.group(1) + titles.get(m.group(2), m.group(2)) + m.group(3),
                          page)
        page = _TABLE_TITLE.sub(lambda m: f"<title>{titles.get(m.group(1), m.group(1))}"
                                          f"{m.group(2)}", page, count=1)
        page = _SELECTION_HEADING.sub(
            lambda m: m.group(1) + description(m.group(2)) + m.group(3), page)
        page = _HOME_COUNTS.sub(lambda m: m.group(1) + description(m.group(2)) + m.group(3),
                                page)
        page = _TABLE_COUNT.sub(
            lambda m: f"{m.group(1)}{_THOUSANDS.sub(_italian_thousands, m.group(2))} "
                      f"{'riga' if m.group(2) == '1' else 'righe'}{m.group(3)}", page)
        page = _FACET_COUNT.sub(lambda m: m.group(1) + _italian_thousands(m, 2), page)
        page = _FACET_HEADING.sub(lambda m: m.group(1) + label(m.group(2)), page)
        page = _HEADER.sub(lambda m: m.group(1) + label(m.group("col")), page)
        page = _SORT_OPTION.sub(
            lambda m: f"{m.group(1)}Ordina per {label(m.group('col'))}"
                      f"{' (decrescente)' if m.group('desc') else ''}</option>", page)
        page = _FILTER_COLUMNS.sub(filter_columns, page)
        page = _DESCRIBED_COLUMN.sub(lambda m: m.group(1) + label(m.group(2)) + m.group(3), page)
        page = _LOGIN_LINK.sub(login_link, page)
        return _MOBILE_LABEL.sub(lambda m: m.group(1) + label(m.group(2)).replace('"', "'")
                                 + m.group(3), page)

    return translate


async def rewrite_body(app, scope, receive, send, transform: Callable[[str], str],
                       content_types: tuple[bytes, ...], *, only_ok: bool = False) -> None:
    """Run `app`, buffering responses of these content types and passing their text through
    `transform` (Content-Length fixed); everything else passes through."""
    start: dict | None = None
    chunks: list[bytes] = []

    async def capture(message):
        nonlocal start
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            if (headers.get(b"content-type", b"").startswith(content_types)
                    and (message.get("status") == 200 or not only_ok)):
                start = message
                return
            await send(message)
        elif message["type"] == "http.response.body" and start is not None:
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = transform(b"".join(chunks).decode("utf-8", "replace")).encode()
                headers = [(k, v) for k, v in start.get("headers") or []
                           if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
        else:
            await send(message)

    await app(scope, receive, capture)


def italian_chrome(app, translate: Callable[[str], str]):
    """ASGI middleware: buffer `text/html` responses, translate them, fix Content-Length."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        await rewrite_body(app, scope, receive, send, translate, (b"text/html",))

    return wrapped
