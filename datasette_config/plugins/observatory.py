"""Datasette hooks of the observatory: access rules, the article page, cell rendering, extra
context for organisation pages, SQL functions for feeds, Italian menu links.

Access: anonymous visitors see only the tables and views listed in the plugin's
`public_tables`; everything else (the `articles` table with its full text, reviews, jobs, crawl
details, raw pages...) needs a signed-in actor. Arbitrary SQL is restricted by `allow_sql` in
metadata.yaml, staff-only canned queries by their `allow` blocks.
"""

from __future__ import annotations

import os
import re
import sqlite3
from urllib.parse import parse_qsl

import markdown
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from publish.amounts import amount_filter
from publish.basemap import tile_svg
from publish.chrome_it import italian_chrome, translator
from publish.facets import (
    LabelFacet,
    ListFacet,
    TermFacet,
    facet_index_cache,
    selection_size,
    term_filter_clauses,
    term_selection,
    term_tables,
)
from publish.home import (
    PLACE_NAMED_ORGS,
    SummaryCache,
    load_charts,
    load_digest,
    load_digests,
    load_home,
    load_network,
)
from publish.pages import (
    ARTICLE_ID,
    article_path,
    display_name,
    format_amount,
    json_list,
    load_article,
    load_organisation_extras,
    safe_url,
)
from publish.people import (
    csv_style,
    feed_title,
    people_asgi,
    search_plan_query,
    without_plan_args,
)
from store.schema import TERM_FACETS, TERM_LIST_FACETS

DATABASE = "osservatorio"
LABEL_COLUMNS = {"practice_types": "practice_types", "policy_areas": "policy_areas",
                 "org_types": "org_types", "Tipi di pratica": "practice_types",
                 "Aree di policy": "policy_areas"}
# Columns holding one code, shown with its label (table -> column -> label group).
CODE_COLUMNS = {"organisations": {"type": "org_types"}, "org_links": {"type_a": "org_types",
                "type_b": "org_types"}, "sources": {"kind": "source_kinds"},
                None: {"Tipo": "org_types", "Tipo di pratica": "practice_types",
                       "source_kind": "source_kinds"}}
PLAIN_LIST_COLUMNS = ("regioni", "province", "comuni", "organisations", "Regioni")
TITLE_COLUMNS = ("title", "Titolo")
# Hidden columns of canned queries carry the ids that links need ("_articolo", "_org").
ORG_COLUMNS = {"Organizzazione": "_org", "Ente pubblico": "_org_a", "Terzo settore": "_org_b",
               "name_a": "org_a", "name_b": "org_b"}
_ORG_ID = re.compile(r"^[^\s/]{1,200}$")


def _config(datasette) -> dict:
    # Read once per instance: render_cell runs for every cell of every page.
    config = getattr(datasette, "_observatory_config", None)
    if config is None:
        config = datasette.plugin_config("observatory") or {}
        datasette._observatory_config = config
    return config


def is_staff(actor: dict | None) -> bool:
    return bool(actor and actor.get("id"))


@hookimpl
def actor_from_request(datasette, request):
    # A private (non-public) instance, e.g. the local demo: every visitor is staff.
    if not _config(datasette).get("public", True):
        return {"id": "staff", "local": True}
    return None


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    if action != "view-table" or is_staff(actor) or not resource:
        return None
    database, table = resource
    if database != DATABASE:
        return None
    return None if table in _config(datasette).get("public_tables", []) else False


@hookimpl
def forbidden(datasette, request, message):
    # HTML pages explain how to sign in; API formats (.json, .csv, .atom...) get a JSON error.
    if "." in request.path.rsplit("/", 1)[-1]:
        return Response.json({"ok": False, "status": 403, "error": message,
                              "title": "Accesso riservato al personale"}, status=403)

    async def page():
        return Response.html(await datasette.render_template(
            "riservato.html", {"message": message}, request=request), status=403)
    return page


@hookimpl
def prepare_connection(conn, database, datasette):
    if database == DATABASE:
        # Random reads of article rows dominate the pages of a large database: memory-map the
        # file and give each read connection a larger page cache.
        sizes = _config(datasette).get("connection") or {}
        conn.execute(f"PRAGMA mmap_size = {int(sizes.get('mmap_size_mb', 0)) * 1024 * 1024}")
        conn.execute(f"PRAGMA cache_size = {-int(sizes.get('cache_size_mb', 2)) * 1024}")
    base = (os.environ.get("OBS_PUBLIC_URL") or "http://127.0.0.1:8001").rstrip("/")
    conn.create_function("article_url", 1, lambda aid: f"{base}{article_path(aid or '')}",
                         deterministic=True)
    conn.create_function("absolute_url", 1, lambda path: f"{base}{path or ''}",
                         deterministic=True)
    conn.create_function("markdown_html", 1, lambda text: markdown.markdown(text or ""),
                         deterministic=True)


async def article_view(request, datasette):
    article_id = request.url_vars["article_id"]
    await datasette.ensure_permissions(request.actor, [("view-database", DATABASE),
                                                       "view-instance"])
    names = _config(datasette).get("labels", {})
    staff = is_staff(request.actor)
    page = await load_article(datasette.get_database(DATABASE), article_id, full_text=staff,
                              names=names)
    if page is None:
        return Response.html(await datasette.render_template(
            "error.html", {"title": "Articolo non trovato", "status": 404,
                           "error": "Nessun articolo con questo identificativo."},
            request=request), status=404)
    return Response.html(await datasette.render_template(
        "articolo.html", {"page": page, "staff": staff, "names": names,
                          "task_titles": _config(datasette).get("task_titles", {})},
        request=request))


def login_enabled() -> bool:
    return bool(os.environ.get("OBS_STAFF_PASSWORD_HASH"))


async def _page(datasette, request, template: str, context: dict, status: int = 200):
    await datasette.ensure_permissions(request.actor, [("view-database", DATABASE),
                                                       "view-instance"])
    return Response.html(await datasette.render_template(template, context, request=request),
                         status=status)


async def _not_found(datasette, request, title: str, error: str):
    return Response.html(await datasette.render_template(
        "error.html", {"title": title, "status": 404, "error": error}, request=request),
        status=404)


async def home_view(request, datasette):
    if DATABASE not in datasette.databases:
        return Response.redirect("/-/databases")
    staff = is_staff(request.actor)
    home = await load_home(datasette.get_database(DATABASE),
                           _config(datasette).get("labels", {}), staff=staff)
    return await _page(datasette, request, "home.html", {"home": home, "staff": staff})


async def digests_view(request, datasette):
    digests = await load_digests(datasette.get_database(DATABASE))
    return await _page(datasette, request, "digests.html", {"digests": digests})


async def digest_view(request, datasette):
    digest = await load_digest(datasette.get_database(DATABASE), request.url_vars["week"])
    if digest is None:
        return await _not_found(datasette, request, "Digest non trovato",
                                "Nessun digest per questa settimana.")
    # Links of the e-mail open outside the frame.
    digest["html"] = (digest["html"] or "").replace("<head>", '<head><base target="_blank">', 1)
    return await _page(datasette, request, "digest.html", {"digest": digest})


async def network_view(request, datasette):
    names = _config(datasette).get("labels", {})
    types = names.get("org_types", {})
    tipo = request.args.get("tipo") or ""
    tipo = tipo if tipo in types else ""
    net = await _summaries(datasette).get(
        f"network:{tipo}", await _data_version(datasette),
        lambda: load_network(datasette.get_database(DATABASE), names, org_type=tipo))
    return await _page(datasette, request, "rete.html",
                       {"net": net, "tipo": tipo, "type_names": list(types.items())})


def _summaries(datasette) -> SummaryCache:
    return datasette.__dict__.setdefault("_observatory_summaries", SummaryCache())


async def _data_version(datasette) -> tuple:
    # Summaries change only when mentions, amounts or article terms change: these move.
    result = await datasette.get_database(DATABASE).execute(
        "SELECT (SELECT max(rowid) FROM mentions), (SELECT count(*) FROM mentions), "
        "(SELECT max(rowid) FROM amounts), (SELECT count(*) FROM amounts), "
        "(SELECT n FROM article_terms_generation WHERE id = 1)")
    return tuple(result.rows[0])


@hookimpl
def register_routes(datasette):
    return [(rf"^/{DATABASE}/articles/(?P<article_id>[0-9a-f]{{16}})$", article_view),
            (r"^/$", home_view),
            (r"^/digest/?$", digests_view),
            (r"^/digest/(?P<week>\d{4}-W\d{2})$", digest_view),
            (r"^/rete/?$", network_view),
            (r"^/-/obs-tiles/(?P<z>\d{1,2})/(?P<x>\d{1,7})/(?P<y>\d{1,7})\.svg$", tile_view)]


async def tile_view(request):
    z, x, y = (int(request.url_vars[k]) for k in ("z", "x", "y"))
    if z > 12 or x >= 2 ** z or y >= 2 ** z:
        return Response.text("", status=404)
    return Response(tile_svg(z, x, y), content_type="image/svg+xml",
                    headers={"cache-control": "public, max-age=86400"})


def _chips(items) -> Markup:
    """A list as chips; an empty list as nothing (never `[]`)."""
    return Markup("").join(Markup('<span class="obs-chip">{}</span>').format(item)
                           for item in items)


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _row_value(row, key: str):
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def _title_cell(row, value):
    article_id = (_row_value(row, "_articolo") or _row_value(row, "article_id")
                  or _row_value(row, "id"))
    if isinstance(article_id, str) and ARTICLE_ID.match(article_id):
        return _link(article_path(article_id), value)
    return None


def _org_cell(org_id, value):
    if isinstance(org_id, str) and _ORG_ID.match(org_id):
        return _link(f"/{DATABASE}/organisations/{tilde_encode(org_id)}", value)
    return None


def _code_label(names: dict, table: str | None, column: str, value) -> str | None:
    group = (CODE_COLUMNS.get(table) or {}).get(column) or CODE_COLUMNS[None].get(column)
    if group is None:
        return None
    return display_name(names, group, str(value))


def _number_cell(names: dict, table: str | None, column: str, value):
    if column == "relevant" and value in (0, 1):
        return display_name(names, "relevant", str(value))
    money = column == "Euro" or (table == "public_amounts" and column == "value")
    if money and isinstance(value, (int, float)):
        return format_amount("money", value)
    return None


def _list_cell(names: dict, column: str, value: str):
    """JSON arrays as chips (labels for codes); None for other columns."""
    if not value.startswith("["):
        return None
    if column in LABEL_COLUMNS:
        return _chips(display_name(names, LABEL_COLUMNS[column], item)
                      for item in json_list(value))
    if column in PLAIN_LIST_COLUMNS:
        return _chips(json_list(value))
    return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE:
        return None
    names = _config(datasette).get("labels", {})
    if not isinstance(value, str) or not value:
        return _number_cell(names, table, column, value)
    label = _code_label(names, table, column, value)
    if label is None:
        label = _list_cell(names, column, value)
    if label is not None:
        return label
    if column in TITLE_COLUMNS:
        return _title_cell(row, value)
    if table == "organisations" and column == "name":
        return _org_cell(_row_value(row, "id"), value)
    if column in ORG_COLUMNS:
        return _org_cell(_row_value(row, ORG_COLUMNS[column]), value)
    if table == "digests" and column == "html":
        return f"HTML per l'email ({len(value):,} caratteri, nel JSON)".replace(",", ".")
    if column == "url":
        href = safe_url(value)
        return _link(href, "originale ↗") if href else escape(value)
    return None


@hookimpl
def asgi_wrapper(datasette):
    # Datasette's own phrases and the column names of its pages, in Italian; relevance by
    # default, spreadsheet-ready CSV and feed titles (publish/people.py).
    config = _config(datasette)
    database = ((datasette.metadata() or {}).get("databases") or {}).get(DATABASE) or {}
    tables, queries = database.get("tables") or {}, database.get("queries") or {}
    translate = translator(config.get("column_labels") or {}, login=login_enabled(),
                           titles={name: spec.get("title") for name, spec in tables.items()
                                   if spec.get("title")},
                           codes={code: label for group, names in
                                  (config.get("labels") or {}).items()
                                  if group not in ("relevant", "relevance")
                                  for code, label in names.items()})

    def wrap(app):
        return people_asgi(
            italian_chrome(app, lambda page: without_plan_args(translate(page))),
            relevant_tables=config.get("relevant_by_default") or [],
            csv_config=lambda query: csv_style(config, query),
            csv_names=(config.get("csv") or {}).get("file_names") or {},
            feed_titles=lambda scope: _feed_title(datasette, scope),
            search_plan=lambda scope: _search_plan(datasette, scope),
            page_redirects={f"/{DATABASE}/{name}": "/feed" for name in queries
                            if name.startswith("feed_")})
    return wrap


# Searches matching at least this share of the articles are read in date order (see
# `search_rowid` in store/schema.py): fewer matches are faster to fetch by rowid and sort.
COMMON_SEARCH_SHARE = 0.05
_SEARCH_SHARES: dict[str, float] = {}


async def _search_plan(datasette, scope) -> str | None:
    """The query string with the plan for this search (publish.people.search_plan_query)."""
    table = scope.get("path", "").rsplit("/", 1)[-1].split(".")[0]
    fts_pk = ((_config(datasette).get("search_by_date") or {}).get(table)
              if scope.get("path", "").startswith(f"/{DATABASE}/") else None)
    query = scope.get("query_string", b"").decode("latin-1")
    search = dict(parse_qsl(query)).get("_search", "").strip()
    # Only HTML pages, whose count comes from memory: JSON and CSV count in SQL, cheaper by
    # rowid than in date order, and keep the arguments their users gave.
    if not fts_pk or not search or "." in scope["path"].rsplit("/", 1)[-1]:
        return None
    share = _SEARCH_SHARES.get(search)
    if share is None:
        def measure(conn):
            (matches,) = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts "
                                      "MATCH escape_fts(?)", [search]).fetchone()
            (articles,) = conn.execute("SELECT max(rowid) FROM articles").fetchone()
            return matches / max(articles or 0, 1)
        try:
            share = await datasette.get_database(DATABASE).execute_fn(measure)
        except sqlite3.OperationalError:
            return None
        if len(_SEARCH_SHARES) > 1000:
            _SEARCH_SHARES.clear()
        _SEARCH_SHARES[search] = share  # a plan choice only: a stale share changes no result
    return search_plan_query(query, fts_pk, share >= COMMON_SEARCH_SHARE
                             and await _memory_selection(datasette, table, query) is not None)


async def _memory_selection(datasette, table: str, query: str):
    """(index, selection, FTS table) when the page's rows are a term-and-search selection
    the in-memory facet index can count, else None."""
    spec = term_tables(_config(datasette)).get(table)
    fts_table = (datasette.table_metadata(DATABASE, table) or {}).get("fts_table")
    cache = facet_index_cache(datasette, DATABASE)
    if spec is None or not spec.all_articles or not fts_table or cache is None:
        return None
    selection = term_selection(parse_qsl(query, keep_blank_values=True), set(TERM_FACETS),
                               True)
    index = await cache.current(datasette.get_database(DATABASE))
    return (index, selection, fts_table) if index and selection else None


async def _memory_count(datasette, table: str, request) -> dict:
    """The row count of a search page whose count query was skipped (`_nocount`, set by
    `_search_plan`): the size of its selection in the facet index."""
    found = await _memory_selection(datasette, table, request.query_string)
    if found is None:
        return {}
    size = await selection_size(datasette, DATABASE, *found)
    return {} if size is None else {"filtered_table_rows_count": size}


async def _feed_title(datasette, scope) -> str | None:
    """'... - Co-progettazione', '... - Lombardia', '... - Comune di Bergamo'."""
    name = scope.get("path", "").rsplit("/", 1)[-1][:-len(".atom")]
    spec = (_config(datasette).get("feed_titles") or {}).get(name)
    if spec is None:
        return None
    args = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    value = args.get(spec["param"]) or ""
    if spec.get("labels"):
        value = display_name(_config(datasette).get("labels", {}), spec["labels"], value)
    elif spec.get("organisation") and value:
        result = await datasette.get_database(DATABASE).execute(
            "SELECT name FROM organisations WHERE id = ?", [value])
        value = result.rows[0][0] if result.rows else value
    return feed_title(spec["title"], [value])


@hookimpl
def startup(datasette):
    # Load the in-memory facet terms before the first page (about 1.5 s per 200,000 articles),
    # so the first visitors do not wait for SQL facet counts.
    async def load_facet_index():
        if DATABASE not in datasette.databases:
            return
        cache = facet_index_cache(datasette, DATABASE)
        if cache is not None:
            await cache.load(datasette.get_database(DATABASE))
    return load_facet_index


@hookimpl
def register_facet_classes():
    return [ListFacet, TermFacet, LabelFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    if (database, table) == (DATABASE, "organisations") and not is_staff(request.actor):
        # places found as organisations are not listed to the public (staff see all)
        return FilterArguments([f"id NOT IN ({PLACE_NAMED_ORGS})"])
    spec = term_tables(_config(datasette)).get(table) if database == DATABASE else None
    if spec is None:
        return None
    pairs = [(key, value) for key in request.args.keys() for value in request.args.getlist(key)]
    config = _config(datasette)
    groups = config.get("term_labels") or {}
    clauses, params, descriptions = term_filter_clauses(
        pairs, spec.column, set(TERM_FACETS), set(TERM_LIST_FACETS),
        by_scan=spec.filter_by_scan, direct=spec.direct,
        value_label=lambda facet, value: display_name(config.get("labels", {}),
                                                      groups.get(facet, facet), value))
    amount = amount_filter(pairs, spec.column, by_scan=spec.filter_by_scan)
    if amount:
        clauses.append(amount[0])
        params.update(amount[1])
        descriptions.append(amount[2])
    return FilterArguments(clauses, params, descriptions)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = lambda value: tilde_encode(str(value))
    env.filters["plurale"] = lambda n, one, many: f"{n or 0} {one if n == 1 else many}"
    env.filters["euro"] = lambda value: format_amount("money", value)


async def _feed_page_vars(datasette) -> dict:
    names = _config(datasette).get("labels", {}).get("practice_types", {})
    result = await datasette.get_database(DATABASE).execute(
        "SELECT DISTINCT regione FROM places WHERE regione IS NOT NULL ORDER BY regione")
    return {"practice_types": list(names.items()), "regioni": [r[0] for r in result.rows]}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if template in ("home.html", "password_login.html", "riservato.html"):
        return {"login_enabled": login_enabled()}
    if template == "table-osservatorio-map_places.html":
        return {"offline_map": not os.environ.get("OBS_MAP_TILE_URL")}
    if view_name == "database":
        tables = (datasette.metadata("tables", database=DATABASE) or {})
        return {"obs_public_tables": _config(datasette).get("public_tables") or [],
                "obs_table_titles": {n: t.get("title") or n for n, t in tables.items()},
                "obs_table_descriptions": {n: t.get("description") or "" for n, t in
                                           tables.items()},
                "obs_hidden": [n for n, t in tables.items() if t.get("hidden")]}
    if template.startswith("query"):
        names = _config(datasette).get("labels", {})
        return {"obs_org_types": list(names.get("org_types", {}).items()),
                "obs_param_labels": _config(datasette).get("query_parameters") or {}}
    if template == "pages/feed.html":
        return lambda: _feed_page_vars(datasette)
    if template == "pages/grafici.html":
        async def charts():
            names = _config(datasette).get("labels", {})
            return {"charts": await _summaries(datasette).get(
                "charts", await _data_version(datasette),
                lambda: load_charts(datasette.get_database(DATABASE), names))}
        return charts
    return _page_vars(database, table, view_name, request, datasette)


def _page_vars(database, table, view_name, request, datasette):
    """A search page's count from memory; an organisation page's network."""
    if database != DATABASE or request is None:
        return {}
    if view_name == "table" and request.args.get("_nocount") and request.args.get("_fts_pk"):
        return lambda: _memory_count(datasette, table, request)
    if (view_name, table) != ("row", "organisations"):
        return {}

    async def extras():
        org_id = tilde_decode(request.url_vars.get("pks", ""))
        query = await datasette.get_canned_query(DATABASE, "rete_organizzazione", request.actor)
        return await load_organisation_extras(datasette.get_database(DATABASE), org_id,
                                              query["sql"], _config(datasette).get("labels", {}))

    return extras


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path(item["href"]), "label": item["label"]}
            for item in _config(datasette).get("menu", [])]


@hookimpl
def extra_js_urls(database, table, datasette):
    if (database, table) == (DATABASE, "map_places"):
        return [datasette.urls.path("/static/obs-map.js")]
    return []


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/static/observatory.css")]
