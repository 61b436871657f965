"""The one place where tables are created or altered.

Migrations are plain functions applied in order and recorded in `_migrations`; each runs inside a
transaction, so a database is never left half-migrated. Indexes, full-text search and views are
(re)applied idempotently after migrations by `apply_derived`.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _m001_core(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "id": str,
            "name": str,
            "kind": str,
            "region": str,
            "homepage": str,
            "feeds": str,  # JSON array
            "sitemaps": str,
            "start_urls": str,
            "allowed_domains": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["articles"].create(
        {
            "id": str,  # sha1 of the canonical URL, 16 hex chars
            "url": str,  # canonical URL
            "fetched_url": str,  # URL as requested
            "source_id": str,
            "title": str,
            "author": str,
            "text": str,
            "snippet": str,  # first ~300 characters, shown to the public
            "published": str,  # ISO date YYYY-MM-DD
            "date_method": str,  # how the date was found (meta, time, byline, sitemap, feed...)
            "month": str,  # YYYY-MM, for monthly facets
            "year": int,
            "week": str,  # ISO week YYYY-Www
            "tags": str,  # JSON array
            "search_terms": str,  # hyphen-folded variants for FTS ("coprogettazione")
            "content_hash": str,
            "simhash": str,  # 64-bit simhash as 16 hex chars, for near-duplicate clustering
            "cluster_id": str,  # one id per story: copies of a press release share it
            "fetched_at": str,
            # Written by the analysis stage (denormalised for Datasette facets).
            "relevant": int,
            "relevance_score": float,
            "practice_types": str,  # JSON array of label ids
            "policy_areas": str,
            "organisations": str,  # JSON array of canonical names
            "org_types": str,
            "comuni": str,
            "province": str,
            "regioni": str,
            "analysed_at": str,
            "model_version": str,
            "pipeline_version": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["seen_urls"].create(
        {
            "url": str,
            "source_id": str,
            "status": str,  # article | duplicate | filtered | not_article | error | disallowed
            "reason": str,
            "article_id": str,
            "published": str,
            "http_status": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
    )
    db["raw_pages"].create(
        {
            "url": str,
            "source_id": str,
            "fetched_at": str,
            "http_status": int,
            "content_type": str,
            "encoding": str,
            "headers": str,  # JSON object
            "body_gz": bytes,  # gzip-compressed response body
        },
        pk="url",
    )
    db["fetch_cache"].create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "http_status": int,
            "fetched_at": str,
        },
        pk="url",
    )
    db["crawl_runs"].create(
        {
            "id": str,  # run_id:source_id
            "run_id": str,
            "source_id": str,
            "started": str,
            "finished": str,
            "duration_s": float,
            "requests": int,
            "responses_304": int,
            "article_pages": int,
            "new_articles": int,
            "duplicates": int,
            "filtered": int,
            "errors": int,
            "errors_by_kind": str,  # JSON object
            "status": str,  # ok | partial | failed
            "message": str,
        },
        pk="id",
    )
    db["organisations"].create(
        {
            "id": str,  # stable key from nlp canonicalization
            "name": str,
            "type": str,
            "first_seen": str,  # first publication date it appeared in
            "mentions_count": int,
            "articles_count": int,
        },
        pk="id",
    )
    db["org_aliases"].create(
        {
            "alias_key": str,  # key produced by the extractor
            "org_id": str,  # organisation it maps to (staff merges: several keys -> one id)
            "alias": str,  # a surface form
            "origin": str,  # auto | staff
            "type_override": str,  # staff correction of the type, or null
            "name_override": str,
        },
        pk="alias_key",
    )
    db["mentions"].create(
        {
            "id": str,  # article_id:start
            "article_id": str,
            "org_id": str,
            "text": str,
            "start": int,
            "end": int,
            "pipeline_version": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("org_id", "organisations", "id")],
    )
    db["places"].create(
        {
            "id": str,  # istat code for comuni, else level:name
            "name": str,
            "level": str,
            "istat": str,
            "provincia": str,
            "regione": str,
            "lat": float,
            "lon": float,
        },
        pk="id",
    )
    db["article_places"].create(
        {
            "id": str,  # article_id:start
            "article_id": str,
            "place_id": str,
            "text": str,
            "start": int,
            "end": int,
            "inside_org": int,
            "pipeline_version": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("place_id", "places", "id")],
    )
    db["amounts"].create(
        {
            "id": str,  # article_id:start
            "article_id": str,
            "text": str,
            "start": int,
            "end": int,
            "kind": str,
            "value": float,
            "context": str,  # the sentence around the amount
            "pipeline_version": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["labels"].create(
        {
            "id": str,  # article_id:task:label
            "article_id": str,
            "task": str,  # relevance | practice_type | policy_area
            "label": str,
            "score": float,
            "evidence": str,
            "model_version": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["reviews"].create(
        {
            "id": int,
            "article_id": str,
            "task": str,
            "label": str,
            "value": int,  # 1 = label applies, 0 = it does not
            "reviewer": str,
            "reviewed_at": str,
            "note": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["digests"].create(
        {
            "week": str,
            "generated_at": str,
            "title": str,
            "markdown": str,
            "html": str,
            "stats": str,  # JSON object
        },
        pk="week",
    )
    db["job_runs"].create(
        {
            "id": str,
            "job": str,
            "started": str,
            "finished": str,
            "status": str,  # running | ok | failed | timeout | abandoned
            "counts": str,  # JSON object
            "error": str,
        },
        pk="id",
    )


def _m002_link_hints(db: sqlite_utils.Database) -> None:
    """What a feed or sitemap said about a link (date, title, tags), kept apart from the request:
    Scrapy's dupefilter drops a second request to the same URL with its metadata, and
    re-extraction without network needs the feed date of pages that show none."""
    db["link_hints"].create(
        {
            "url": str,  # canonical article URL
            "source_id": str,
            "origin": str,  # feed | sitemap | news_sitemap | listing
            "published": str,  # ISO date YYYY-MM-DD as the feed or sitemap gave it
            "title": str,
            "tags": str,  # JSON array
            "seen_at": str,
        },
        pk="url",
    )


def _m003_job_run_pid(db: sqlite_utils.Database) -> None:
    # The process that ran a job: a "running" row whose process is gone was interrupted.
    db["job_runs"].add_column("pid", int)
    db["job_runs"].add_column("trigger", str)


def _m004_publish_views(db: sqlite_utils.Database) -> None:
    # Datasette's public pages read these views (no full text); create them on existing
    # databases too, and the composite indexes their joins use. The views are today's text,
    # which names columns by today's spelling: rename first (see 011).
    _analyzed_spelling(db)
    db["article_places"].create_index(["article_id", "place_id"], if_not_exists=True)
    db["mentions"].create_index(["article_id", "org_id"], if_not_exists=True)
    for name in PUBLISH_VIEWS:
        db.create_view(name, VIEWS[name], replace=True)


def _m006_label_reviews(db: sqlite_utils.Database) -> None:
    # Staff see each predicted label beside the latest staff decision on it.
    db.create_view("label_reviews", VIEWS["label_reviews"], replace=True)


# Facet terms: one row per (article, facet, value), kept by triggers, so that Datasette counts
# and filters facets through a narrow index instead of reading 200,000 wide article rows.
TERM_LIST_FACETS = ["practice_types", "policy_areas", "regioni", "province", "comuni",
                    "organisations", "org_types"]
TERM_SCALAR_FACETS = ["month", "year", "relevant"]
_TERM_SOURCE_FACETS = {"source_name": "name", "source_kind": "kind"}
# The range of an article's largest amount in euro (migration 010): (code, lower, upper).
AMOUNT_FACET = "amount_range"
AMOUNT_RANGES = [("0-100k", 0, 100_000), ("100k-1M", 100_000, 1_000_000),
                 ("1M-10M", 1_000_000, 10_000_000), ("10M+", 10_000_000, None)]
TERM_FACETS = [*TERM_LIST_FACETS, *TERM_SCALAR_FACETS, *_TERM_SOURCE_FACETS, AMOUNT_FACET]


def _amount_range_case(value: str) -> str:
    cases = " ".join(f"WHEN {value} < {upper} THEN '{code}'"
                     for code, _, upper in AMOUNT_RANGES if upper is not None)
    return f"CASE {cases} ELSE '{AMOUNT_RANGES[-1][0]}' END"


def _amount_terms_select(row: str, table: str = "") -> str:
    """The amount-range term of one article (`new`) or of every article (`table`)."""
    case = _amount_range_case("max(m.value)")
    if table:
        return (f"SELECT {row}.rowid, '{AMOUNT_FACET}', {case} FROM {table} "
                f"JOIN amounts m ON m.article_id = {row}.id AND m.kind = 'money' "
                f"GROUP BY {row}.rowid")
    return (f"SELECT {row}.rowid, '{AMOUNT_FACET}', {case} FROM amounts m "
            f"WHERE m.article_id = {row}.id AND m.kind = 'money' HAVING count(*) > 0")


def article_terms_select(row: str, table: str = "") -> str:
    """SELECT of the facet terms of articles rows: `row` is `new` in a trigger, or the alias
    of `table` (e.g. "articles a") to select the terms of every article."""
    source = f"{table}, " if table else ""
    parts = [
        f"SELECT {row}.rowid, '{col}', j.value FROM {source}json_each(CASE WHEN "
        f"json_valid({row}.{col}) AND json_type({row}.{col}) = 'array' THEN {row}.{col} "
        f"ELSE '[]' END) j WHERE j.type = 'text'"
        for col in TERM_LIST_FACETS
    ]
    parts += [
        f"SELECT {row}.rowid, '{col}', CAST({row}.{col} AS TEXT) "
        f"{'FROM ' + table if table else ''} WHERE {row}.{col} IS NOT NULL"
        for col in TERM_SCALAR_FACETS
    ]
    parts += [
        f"SELECT {row}.rowid, '{facet}', s.{col} FROM {source}sources s "
        f"WHERE s.id = {row}.source_id AND s.{col} IS NOT NULL"
        for facet, col in _TERM_SOURCE_FACETS.items()
    ]
    parts.append(_amount_terms_select(row, table))
    return "\nUNION ALL ".join(parts)


_TERMS_INSERT = "INSERT OR IGNORE INTO article_terms (article_rowid, facet, value) "


def _create_article_term_triggers(db: sqlite_utils.Database) -> None:
    watched = ", ".join(["source_id", *TERM_LIST_FACETS, *TERM_SCALAR_FACETS])
    db.execute(f"CREATE TRIGGER article_terms_ai AFTER INSERT ON articles BEGIN "
               f"{_TERMS_INSERT}{article_terms_select('new')}; END")
    db.execute(f"CREATE TRIGGER article_terms_au AFTER UPDATE OF {watched} ON articles BEGIN "
               f"DELETE FROM article_terms WHERE article_rowid = old.rowid; "
               f"{_TERMS_INSERT}{article_terms_select('new')}; END")


def _m005_article_terms(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE article_terms (
        article_rowid INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (facet, value, article_rowid)) WITHOUT ROWID""")
    db.execute("CREATE INDEX idx_article_terms_article ON article_terms (article_rowid, facet)")
    insert = _TERMS_INSERT
    _create_article_term_triggers(db)
    db.execute("CREATE TRIGGER article_terms_ad AFTER DELETE ON articles BEGIN "
               "DELETE FROM article_terms WHERE article_rowid = old.rowid; END")
    source_terms = " UNION ALL ".join(
        f"SELECT a.rowid, '{facet}', new.{col} FROM articles a "
        f"WHERE a.source_id = new.id AND new.{col} IS NOT NULL"
        for facet, col in _TERM_SOURCE_FACETS.items())
    facets = ", ".join(f"'{facet}'" for facet in _TERM_SOURCE_FACETS)
    db.execute(f"CREATE TRIGGER article_terms_source_ai AFTER INSERT ON sources BEGIN "
               f"{insert}{source_terms}; END")
    db.execute(f"CREATE TRIGGER article_terms_source_au AFTER UPDATE OF name, kind ON sources "
               f"WHEN old.name IS NOT new.name OR old.kind IS NOT new.kind BEGIN "
               f"DELETE FROM article_terms WHERE facet IN ({facets}) AND article_rowid IN "
               f"(SELECT rowid FROM articles WHERE source_id = new.id); "
               f"{insert}{source_terms}; END")
    db.execute(f"{insert}{article_terms_select('a', 'articles a')}")


def _m007_terms_generation(db: sqlite_utils.Database) -> None:
    # A counter moved by every change to article_terms: Datasette keeps the terms in memory for
    # fast facet counts and trusts that copy only while the counter has not moved.
    db.execute("""CREATE TABLE article_terms_generation (
        id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)""")
    db.execute("INSERT INTO article_terms_generation (id, n) VALUES (1, 0)")
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER article_terms_generation_{event.lower()} AFTER {event} "
                   f"ON article_terms BEGIN UPDATE article_terms_generation SET n = n + 1 "
                   f"WHERE id = 1; END")


def _m008_frontier(db: sqlite_utils.Database) -> None:
    """The crawl frontier: links that a feed, sitemap or listing page yielded, pending until
    they are settled (stored, judged, refused or given up), so a killed crawl resumes from
    them; and validators (ETag / Last-Modified) held back until every link of their response
    is settled (store/frontier.py)."""
    db["frontier"].create(
        {
            "entry_url": str,  # the feed, sitemap or listing page that yielded the link
            "url": str,  # canonical URL of an article; the URL itself for an entry document
            "source_id": str,
            "spider": str,  # feed | sitemap | listing: the spider that yielded it
            "kind": str,  # article | entry (a child sitemap, a next listing page)
            "href": str,  # the URL to request
            "meta": str,  # JSON: request meta of an entry document (depth, listing page)
            "attempts": int,  # failed requests of an entry document (articles: seen_urls)
            "added_at": str,
        },
        pk=("entry_url", "url"),
    )
    db["frontier_validators"].create(
        {
            "entry_url": str,
            "source_id": str,
            "etag": str,
            "last_modified": str,
            "http_status": int,
            "fetched_at": str,
        },
        pk="entry_url",
    )


def _m009_refused_pages(db: sqlite_utils.Database) -> None:
    # Why extraction refused a stored raw page (NULL: stored as an article), so refused pages
    # can be re-extracted after a fix and pruned to their bounds; and how many characters
    # decoding replaced because their bytes were invalid in the page's charset.
    db["raw_pages"].add_column("refused_reason", str)
    db["raw_pages"].add_column("replaced_chars", int)


def _amount_refresh_sql(row: str) -> str:
    """Recompute the amount-range term of the article of an amounts row (`new` or `old`)."""
    case = _amount_range_case("max(m.value)")
    return (f"DELETE FROM article_terms WHERE facet = '{AMOUNT_FACET}' AND article_rowid = "
            f"(SELECT rowid FROM articles WHERE id = {row}.article_id); "
            f"{_TERMS_INSERT}SELECT a.rowid, '{AMOUNT_FACET}', {case} FROM articles a "
            f"JOIN amounts m ON m.article_id = a.id AND m.kind = 'money' "
            f"WHERE a.id = {row}.article_id GROUP BY a.rowid;")


def _m010_publish_people(db: sqlite_utils.Database) -> None:
    # Organisations searchable by name in Datasette; amounts with their article's facts, so
    # the public can facet them by region, practice type and relevance.
    db["organisations"].enable_fts(["name"], tokenize=FTS_TOKENIZE, create_triggers=True,
                                   replace=True)
    _analyzed_spelling(db)  # the views below are today's text
    db.create_view("public_amounts", VIEWS["public_amounts"], replace=True)
    db.create_view("public_articles", VIEWS["public_articles"], replace=True)
    db.create_view("map_places", VIEWS["map_places"], replace=True)
    # The range of each article's largest amount becomes a facet term: the article triggers
    # compute it too, and amounts written or deleted apart from their article move it.
    db.execute("DROP TRIGGER IF EXISTS article_terms_ai")
    db.execute("DROP TRIGGER IF EXISTS article_terms_au")
    _create_article_term_triggers(db)
    for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE OF value, kind", "new")):
        name = event.split()[0].lower()
        db.execute(f"CREATE TRIGGER article_terms_amount_{name} AFTER {event} ON amounts "
                   f"BEGIN {_amount_refresh_sql(row)} END")
    db.execute(f"{_TERMS_INSERT}{_amount_terms_select('a', 'articles a')}")


# Columns renamed by a migration: (table, old name) -> new name. The migration tests follow a
# row's value from the old name to the new one.
RENAMED_COLUMNS: dict[tuple[str, str], str] = {("articles", "analysed_at"): "analyzed_at"}


def _analyzed_spelling(db: sqlite_utils.Database) -> None:
    """One spelling of "analyze" in the schema as in the code: `articles.analysed_at` becomes
    `analyzed_at`. SQLite renames the column inside views, triggers and indexes too; the old
    index is dropped so the current index list does not add a second one. Idempotent: the
    view-creating migrations before 011 call it as well, since they create today's views."""
    for (table, old), new in RENAMED_COLUMNS.items():
        if db[table].exists() and old in db[table].columns_dict:
            db.execute(f"ALTER TABLE [{table}] RENAME COLUMN [{old}] TO [{new}]")
            db.execute(f"DROP INDEX IF EXISTS [idx_{table}_{old}]")


def _m011_analyzed_spelling(db: sqlite_utils.Database) -> None:
    _analyzed_spelling(db)


def _m012_article_procedures(db: sqlite_utils.Database) -> None:
    # Section 7 of the annotation guidelines, per article: the role of each money amount, the
    # main procedure the article tells about, and the events it announces; all with the
    # pipeline version that produced them, replaced with the rest of an article's analysis.
    db["amounts"].add_column("role", str)
    db["article_procedures"].create(
        {
            "article_id": str,
            "instrument": str,
            "ente_text": str,
            "ente": str,  # canonical name of the ente procedente
            "subject": str,
            "stage": str,
            "deadline": str,  # ISO date, or date and time
            "partners": str,  # JSON array of canonical names
            "territory": str,  # JSON array of place names
            "duration": str,
            "evidence": str,
            "pipeline_version": str,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["events"].create(
        {
            "id": str,  # article_id:start_char
            "article_id": str,
            "type": str,
            "title": str,
            "start": str,  # ISO date, or date and time
            "end": str,
            "place": str,
            "venue": str,
            "online": int,
            "organisers": str,  # JSON array
            "registration": str,
            "past": int,
            "text": str,
            "start_char": int,
            "end_char": int,
            "pipeline_version": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )


def _m013_procedures(db: sqlite_utils.Database) -> None:
    # Procedures across articles (nlp.procedures.relink writes them after each analysis) and
    # the staff decisions that merge or split them, kept apart and never overwritten.
    db["procedures"].create(
        {
            "id": str,  # p-<hash of its first article>
            "instrument": str,
            "ente": str,
            "subject": str,
            "territory": str,  # JSON array of place names
            "regioni": str,  # JSON array
            "budget": float,  # the largest amount with role `budget` in its articles
            "stages": str,  # JSON [{stage, date, article_id}], first report of each stage
            "stage": str,  # current stage
            "deadline": str,
            "partners": str,  # JSON array
            "duration": str,
            "first_seen": str,
            "last_seen": str,
            "stage_changed": str,  # date the current stage was first reported
            "articles_count": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["procedure_articles"].create(
        {"procedure_id": str, "article_id": str, "stage": str, "published": str},
        pk=("procedure_id", "article_id"),
        foreign_keys=[("procedure_id", "procedures", "id"), ("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["procedure_decisions"].create(
        {"id": int, "kind": str, "article_a": str, "article_b": str, "reviewer": str,
         "note": str, "decided_at": str},
        pk="id",
        if_not_exists=True,
    )


def _m014_acts(db: sqlite_utils.Database) -> None:
    # Primary acts read from albo pretorio listings (crawler/albo.py): one row per act, keyed
    # by its source, number and date (or its URL when the listing gives no number).
    db["acts"].create(
        {
            "id": str,  # sha1 of source|number|date (or of the URL), 16 hex chars
            "source_id": str,
            "type": str,  # delibera | determinazione | avviso | decreto | ordinanza | altro
            "type_label": str,  # the platform's own label ("Determinazione dirigenziale")
            "number": str,
            "date": str,  # ISO date of the act
            "object": str,
            "published_from": str,  # ISO dates of the publication period
            "published_to": str,
            "text": str,  # object + the attachments' text
            "cig": str,  # JSON array of CIG codes found
            "cup": str,  # JSON array of CUP codes found
            "url": str,
            "listing_url": str,
            "attachments": str,  # JSON array of {url, name, bytes, pages, error}
            "fetched_at": str,
            "analyzed_at": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        if_not_exists=True,
    )


def _m015_search_rowid(db: sqlite_utils.Database) -> None:
    db.create_view("public_articles", VIEWS["public_articles"], replace=True)


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_core", _m001_core),
    ("002_link_hints", _m002_link_hints),
    ("003_job_run_pid", _m003_job_run_pid),
    ("004_publish_views", _m004_publish_views),
    ("005_article_terms", _m005_article_terms),
    ("006_label_reviews", _m006_label_reviews),
    ("007_terms_generation", _m007_terms_generation),
    ("008_frontier", _m008_frontier),
    ("009_refused_pages", _m009_refused_pages),
    ("010_publish_people", _m010_publish_people),
    ("011_analyzed_spelling", _m011_analyzed_spelling),
    ("012_article_procedures", _m012_article_procedures),
    ("013_procedures", _m013_procedures),
    ("014_acts", _m014_acts),
    ("015_search_rowid", _m015_search_rowid),
]

INDEXES: dict[str, list[list[str]]] = {
    "articles": [
        ["source_id"],
        ["published"],
        ["month"],
        ["week"],
        ["relevant", "published"],
        ["cluster_id"],
        ["content_hash"],
        ["analyzed_at"],
    ],
    "seen_urls": [["source_id", "status"]],
    "frontier": [["url"], ["source_id", "kind"]],
    "raw_pages": [["refused_reason", "fetched_at"]],
    "crawl_runs": [["source_id", "started"]],
    "mentions": [["article_id"], ["org_id"], ["article_id", "org_id"]],
    "article_places": [["article_id"], ["place_id"], ["article_id", "place_id"]],
    "amounts": [["article_id"], ["kind", "value"], ["role"]],
    "article_procedures": [["stage"], ["instrument"], ["deadline"]],
    "events": [["article_id"], ["start"]],
    "procedures": [["stage"], ["instrument"], ["deadline"], ["last_seen"]],
    "procedure_articles": [["article_id"]],
    "acts": [["source_id"], ["date"], ["type"], ["url"]],
    "labels": [["article_id"], ["task", "label"]],
    "reviews": [["article_id", "task"]],
    "org_aliases": [["org_id"]],
    "job_runs": [["job", "started"]],
}

VIEWS: dict[str, str] = {
    # Predictions next to staff reviews (and reviewed labels the model did not predict).
    "label_reviews": """
        SELECT a.id AS article_id, a.title, k.task, k.label,
            l.score, l.evidence, l.model_version,
            r.value AS review_value, r.reviewer, r.reviewed_at, r.note,
            CASE WHEN r.value IS NULL THEN 'da rivedere'
                 WHEN (CASE WHEN k.task = 'relevance' THEN a.relevant = 1
                       ELSE l.id IS NOT NULL END) = (r.value = 1) THEN 'confermata'
                 ELSE 'corretta' END AS esito
        FROM (SELECT article_id, task, label FROM labels
              UNION SELECT article_id, task, label FROM reviews) k
        JOIN articles a ON a.id = k.article_id
        LEFT JOIN labels l ON l.article_id = k.article_id AND l.task = k.task
            AND l.label = k.label
        LEFT JOIN reviews r ON r.id = (SELECT max(id) FROM reviews x
            WHERE x.article_id = k.article_id AND x.task = k.task AND x.label = k.label)
    """,
    # One row per story: the earliest copy stands for its cluster.
    "stories": """
        SELECT a.* FROM articles a
        WHERE a.id = (
            SELECT b.id FROM articles b WHERE b.cluster_id = a.cluster_id
            ORDER BY b.published, b.fetched_at, b.id LIMIT 1
        )
    """,
    "source_health": """
        SELECT s.id AS source_id, s.name, s.kind, s.region,
            (SELECT max(started) FROM crawl_runs r WHERE r.source_id = s.id) AS last_run,
            (SELECT status FROM crawl_runs r WHERE r.source_id = s.id
                ORDER BY started DESC LIMIT 1) AS last_status,
            (SELECT max(started) FROM crawl_runs r WHERE r.source_id = s.id
                AND r.status = 'ok') AS last_ok,
            (SELECT count(*) FROM (SELECT status FROM crawl_runs r WHERE r.source_id = s.id
                ORDER BY started DESC LIMIT 3) WHERE status = 'failed') AS recent_failures,
            (SELECT count(*) FROM articles a WHERE a.source_id = s.id) AS articles,
            (SELECT max(published) FROM articles a WHERE a.source_id = s.id) AS last_article,
            CASE WHEN (SELECT count(*) FROM (SELECT status FROM crawl_runs r
                WHERE r.source_id = s.id ORDER BY started DESC LIMIT 3)
                WHERE status = 'failed') >= 3 THEN 1 ELSE 0 END AS flagged
        FROM sources s
    """,
    # What the public browses in Datasette: every article column except the full text (and
    # the text-derived search terms); `rowid` lets the view use articles_fts for search.
    # `search_rowid` is the same rowid behind a unary plus, which SQLite cannot look up by
    # primary key: a search matching many articles (Datasette's `_fts_pk=search_rowid`) is
    # then read in date order from idx_articles_relevant_published, stopping at one page,
    # instead of fetching and sorting every match.
    # The source's name and kind come from subqueries, not a join: counting a selection (e.g.
    # every relevant article) then reads only an index, never the wide article rows.
    "public_articles": """
        SELECT a.title, a.published,
            (SELECT s.name FROM sources s WHERE s.id = a.source_id) AS source_name,
            a.practice_types, a.policy_areas,
            a.regioni, a.province, a.comuni, a.organisations, a.org_types, a.relevant,
            a.relevance_score, a.snippet, a.url,
            (SELECT s.kind FROM sources s WHERE s.id = a.source_id) AS source_kind,
            a.source_id, a.author,
            a.month, a.year, a.week, a.cluster_id, a.fetched_at, a.analyzed_at, a.id,
            a.rowid AS rowid, +a.rowid AS search_rowid
        FROM articles a
    """,
    # One row per article and comune with coordinates, for the map (datasette-cluster-map);
    # a comune named inside an amount ("Nove milioni di euro") is not a place of the article.
    "map_places": """
        SELECT ap.article_id || ':' || p.id AS id, a.id AS article_id, a.rowid AS article_rowid,
            a.title, a.published,
            a.month, a.year, a.relevant, a.practice_types, a.policy_areas,
            p.name AS comune, p.provincia, p.regione, p.lat AS latitude, p.lon AS longitude,
            json_object('title', a.title, 'link', '/osservatorio/articles/' || a.id,
                'description', p.name || ' · ' || coalesce(a.published, '')) AS popup
        FROM article_places ap
        JOIN places p ON p.id = ap.place_id
        JOIN articles a ON a.id = ap.article_id
        WHERE p.level = 'comune' AND p.lat IS NOT NULL AND p.lon IS NOT NULL
            AND ap.id = (SELECT min(x.id) FROM article_places x
                WHERE x.article_id = ap.article_id AND x.place_id = ap.place_id)
            AND NOT EXISTS (SELECT 1 FROM amounts am WHERE am.article_id = ap.article_id
                AND am.start <= ap.start AND am."end" >= ap."end")
    """,
    # The collaboration network: organisations named together in relevant articles.
    "org_links": """
        SELECT m1.org_id AS org_a, o1.name AS name_a, o1.type AS type_a,
            m2.org_id AS org_b, o2.name AS name_b, o2.type AS type_b,
            count(DISTINCT m1.article_id) AS articles,
            min(a.published) AS first_published, max(a.published) AS last_published
        FROM mentions m1
        JOIN mentions m2 ON m2.article_id = m1.article_id AND m1.org_id < m2.org_id
        JOIN articles a ON a.id = m1.article_id AND a.relevant = 1
        JOIN organisations o1 ON o1.id = m1.org_id
        JOIN organisations o2 ON o2.id = m2.org_id
        GROUP BY m1.org_id, m2.org_id
    """,
    # Money amounts with the facts of their article (no full text), for the public.
    "public_amounts": """
        SELECT am.id, am.value, am.text, am.context, a.title, a.published,
            a.relevant, a.practice_types, a.policy_areas, a.regioni, a.id AS article_id,
            a.rowid AS article_rowid
        FROM amounts am JOIN articles a ON a.id = am.article_id
        WHERE am.kind = 'money'
    """,
}
PUBLISH_VIEWS = ["public_articles", "map_places", "org_links", "public_amounts"]

FTS_COLUMNS = ["title", "text", "search_terms"]
# unicode61 with diacritics removed: "disabilita" finds "disabilità" (porter is English-only).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
