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

import markdown
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from publish.chrome_it import italian_chrome, translator
from publish.facets import (
    ListFacet,
    TermFacet,
    facet_index_cache,
    term_filter_clauses,
    term_tables,
)
from publish.pages import (
    ARTICLE_ID,
    article_path,
    display_name,
    json_list,
    load_article,
    load_organisation_extras,
    safe_url,
)
from store.schema import TERM_FACETS, TERM_LIST_FACETS

DATABASE = "osservatorio"
LABEL_COLUMNS = {"practice_types": "practice_types", "policy_areas": "policy_areas",
                 "org_types": "org_types", "tipi": "practice_types", "aree": "policy_areas"}
PLAIN_LIST_COLUMNS = ("regioni", "province", "comuni", "organisations")
TITLE_COLUMNS = ("title", "titolo")
ORG_COLUMNS = {"organizzazione": "org_id", "ente_pubblico": "ente_pubblico_id",
               "terzo_settore": "terzo_settore_id", "name_a": "org_a", "name_b": "org_b"}
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


@hookimpl
def register_routes(datasette):
    return [(rf"^/{DATABASE}/articles/(?P<article_id>[0-9a-f]{{16}})$", article_view)]


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _row_value(row, key: str):
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def _title_cell(row, value):
    article_id = _row_value(row, "article_id") or _row_value(row, "id")
    if isinstance(article_id, str) and ARTICLE_ID.match(article_id):
        return _link(article_path(article_id), value)
    return None


def _org_cell(org_id, value):
    if isinstance(org_id, str) and _ORG_ID.match(org_id):
        return _link(f"/{DATABASE}/organisations/{tilde_encode(org_id)}", value)
    return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or not isinstance(value, str) or not value:
        return None
    names = _config(datasette).get("labels", {})
    if column in TITLE_COLUMNS:
        return _title_cell(row, value)
    if table == "organisations" and column == "name":
        return _org_cell(_row_value(row, "id"), value)
    if column in ORG_COLUMNS:
        return _org_cell(_row_value(row, ORG_COLUMNS[column]), value)
    if column in LABEL_COLUMNS and value.startswith("["):
        return ", ".join(display_name(names, LABEL_COLUMNS[column], item)
                         for item in json_list(value))
    if column in PLAIN_LIST_COLUMNS and value.startswith("["):
        return ", ".join(json_list(value))
    if table == "digests" and column == "html":
        return f"HTML per l'email ({len(value):,} caratteri, nel JSON)".replace(",", ".")
    if column == "url":
        href = safe_url(value)
        return _link(href, "originale ↗") if href else escape(value)
    return None


@hookimpl
def asgi_wrapper(datasette):
    # Datasette's own phrases and the column names of its pages, in Italian.
    translate = translator(_config(datasette).get("column_labels") or {})
    return lambda app: italian_chrome(app, translate)


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
    return [ListFacet, TermFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    spec = term_tables(_config(datasette)).get(table) if database == DATABASE else None
    if spec is None:
        return None
    pairs = [(key, value) for key in request.args.keys() for value in request.args.getlist(key)]
    clauses, params, descriptions = term_filter_clauses(
        pairs, spec.column, set(TERM_FACETS), set(TERM_LIST_FACETS),
        by_scan=spec.filter_by_scan)
    return FilterArguments(clauses, params, descriptions)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = lambda value: tilde_encode(str(value))


async def _feed_page_vars(datasette) -> dict:
    names = _config(datasette).get("labels", {}).get("practice_types", {})
    result = await datasette.get_database(DATABASE).execute(
        "SELECT DISTINCT regione FROM places WHERE regione IS NOT NULL ORDER BY regione")
    return {"practice_types": list(names.items()), "regioni": [r[0] for r in result.rows]}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if template == "pages/feed.html":
        return lambda: _feed_page_vars(datasette)
    if (view_name, database, table) != ("row", DATABASE, "organisations") or request is None:
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
def extra_css_urls(datasette):
    return [datasette.urls.path("/static/observatory.css")]
