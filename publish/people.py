"""What the public's requests and downloads need on top of Datasette's pages.

- Relevant by default: a public list, map or chart opened without a relevance choice is
  redirected to its relevant articles (`_term_relevant=1`); the page's switch links to the same
  selection with `_tutti=1`, which keeps every article.
- Spreadsheet-ready CSV: Datasette's CSV of the observatory's tables and queries is rewritten
  row by row with Italian headers, label names instead of codes, JSON arrays joined by "; ",
  internal columns dropped, a UTF-8 BOM, an optional semicolon separator (`_sep=;`) and a
  `.csv` file name.
- Feed titles that say what each feed follows (type, region, organisation).

Everything is done in an ASGI wrapper: the values Datasette computes (filters, facets, JSON)
are untouched.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from markupsafe import escape

from publish.chrome_it import rewrite_body

ALL_ARTICLES_ARG = "_tutti"
RELEVANCE_ARGS = ("_term_relevant", "relevant", "relevant__exact", ALL_ARTICLES_ARG)
BOM = "\ufeff"
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def relevance_redirect(path: str, query_string: str, tables: list[str]) -> str | None:
    """Where a page of a table in `tables` opened with no relevance choice is sent (its
    relevant articles), or None. Only HTML pages: JSON, CSV and feeds keep their URL."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[1] not in tables:
        return None
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if any(key in RELEVANCE_ARGS or key.startswith("_filter_") for key, _ in pairs):
        return None  # a relevance choice, or Datasette's filter form (it redirects itself)
    return f"{path}?{urlencode([*pairs, ('_term_relevant', '1')])}"


@dataclass
class CsvStyle:
    """How one CSV download is rewritten."""
    headers: dict[str, str]  # column -> Italian header
    labels: dict[str, dict[str, str]]  # column -> {code: label}
    drop: set[str]  # columns left out of the download
    list_columns: set[str] = field(default_factory=set)  # JSON arrays, joined by "; "
    separator: str = ","


def csv_cell(value: str, labels: dict[str, str] | None, is_list: bool) -> str:
    """One cell as a spreadsheet shows it: arrays joined by "; ", codes as labels."""
    if is_list and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if isinstance(items, list):
            return "; ".join(str((labels or {}).get(str(item), item)) for item in items)
    return (labels or {}).get(value, value)


class CsvRewriter:
    """Rewrites a CSV stream record by record; a record may span chunks and lines (quoted
    newlines), so input is cut only where the quotes seen so far are balanced."""

    def __init__(self, style: CsvStyle):
        self.style = style
        self.pending = ""
        self.keep: list[int] | None = None
        self.columns: list[str] = []
        self.started = False

    def feed(self, text: str) -> str:
        self.pending += text
        cut = self._last_record_end()
        if cut < 0:
            return ""
        ready, self.pending = self.pending[:cut + 1], self.pending[cut + 1:]
        return self._rewrite(ready)

    def close(self) -> str:
        ready, self.pending = self.pending, ""
        out = self._rewrite(ready) if ready.strip() else ""
        return out if self.started else BOM + out

    def _cell(self, record: list[str], i: int) -> str:
        if i >= len(record):
            return ""
        value = csv_cell(record[i], self.style.labels.get(self.columns[i]),
                         self.columns[i] in self.style.list_columns)
        if self.style.separator == ";" and _DECIMAL.match(value):
            return value.replace(".", ",")  # Italian spreadsheets read 0,75
        return value

    def _last_record_end(self) -> int:
        quotes, last = 0, -1
        for i, char in enumerate(self.pending):
            if char == '"':
                quotes += 1
            elif char == "\n" and quotes % 2 == 0:
                last = i
        return last

    def _rewrite(self, text: str) -> str:
        out = io.StringIO()
        if not self.started:
            out.write(BOM)
            self.started = True
        writer = csv.writer(out, delimiter=self.style.separator, lineterminator="\r\n")
        for record in csv.reader(io.StringIO(text)):
            if self.keep is None:
                self.columns = record
                self.keep = [i for i, name in enumerate(record)
                             if name not in self.style.drop and not name.startswith("_")]
                writer.writerow([self.style.headers.get(record[i], record[i])
                                 for i in self.keep])
                continue
            writer.writerow([self._cell(record, i) for i in self.keep])
        return out.getvalue()


def csv_style(config: dict, query_string: str) -> CsvStyle:
    """The rewrite of a download from the plugin configuration (`column_labels`, `labels`,
    `csv`) and the request (`_sep=;`)."""
    labels = config.get("labels") or {}
    spec = config.get("csv") or {}
    column_labels = {column: labels.get(group, {})
                     for column, group in (spec.get("label_columns") or {}).items()}
    separator = ";" if dict(parse_qsl(query_string)).get("_sep") == ";" else ","
    return CsvStyle(headers=config.get("column_labels") or {}, labels=column_labels,
                    drop=set(spec.get("drop") or []),
                    list_columns=set(spec.get("list_columns") or []), separator=separator)


def csv_filename(path: str) -> str:
    """`articoli.csv` for /osservatorio/public_articles.csv: a readable, safe file name."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    name = name[:-4] if name.endswith(".csv") else name
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "dati"
    return f"{name}.csv"


_FEED_TITLE = re.compile(r"<title>[^<]*</title>")


def feed_title(base: str, parts: list[str]) -> str:
    return " - ".join([base, *[part for part in parts if part]])


def with_feed_title(body: str, title: str) -> str:
    return _FEED_TITLE.sub(f"<title>{escape(title)}</title>", body, count=1)


Handler = Callable[[dict], Awaitable[str | None]]


def search_plan_query(query: str, fts_pk: str, by_date: bool) -> str:
    """The query string of a search page: with Datasette's `_fts_pk` set to `fts_pk` and
    `_nocount` when the search matches many articles and the page can be counted in memory
    (read in date order, one page), without them otherwise (matches looked up by rowid)."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
             if k not in ("_fts_pk", "_nocount")]
    if by_date:
        pairs += [("_fts_pk", fts_pk), ("_nocount", "1")]
    return urlencode(pairs)


_PLAN_ARGS = re.compile(r"(&amp;|&)_fts_pk=\w+\1_nocount=1")
_PLAN_INPUTS = re.compile(r'\s*<input type="hidden" name="_(?:fts_pk|nocount)" value="[^"]*">')


def without_plan_args(page: str) -> str:
    """A search page's links and forms without the plan `search_plan_query` added: the
    next HTML page decides its own plan, and JSON links keep their row count."""
    return _PLAN_INPUTS.sub("", _PLAN_ARGS.sub("", page))


def people_asgi(app, *, relevant_tables: list[str], csv_config: Callable[[str], CsvStyle],
                csv_names: dict[str, str], feed_titles: Handler,
                search_plan: Handler | None = None, page_redirects: dict[str, str] | None = None):
    """The ASGI wrapper: relevance redirects, CSV rewriting, feed titles, for searches the
    cheaper of two query plans (`search_plan` returns the rewritten query string), and HTML
    pages that are not for people sent to the one that is (`page_redirects`: the feeds'
    query pages, a table of ids and XML fields, go to the feeds page)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        target = (page_redirects or {}).get(path) or relevance_redirect(path, query,
                                                                         relevant_tables)
        if target is not None:
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", target.encode()),
                                    (b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b""})
            return
        if search_plan is not None and "_search=" in query:
            rewritten = await search_plan(scope)
            if rewritten is not None:
                scope = {**scope, "query_string": rewritten.encode("latin-1")}
                query = rewritten
        if path.endswith(".csv"):
            stem = csv_filename(path)[:-len(".csv")]
            await _csv(app, scope, receive, send, csv_config(query),
                       f"{csv_names.get(stem, stem)}.csv")
            return
        if path.endswith(".atom"):
            title = await feed_titles(scope)
            if title:
                await _atom(app, scope, receive, send, title)
                return
        await app(scope, receive, send)

    return wrapped


async def _csv(app, scope, receive, send, style: CsvStyle, filename: str) -> None:
    rewriter = CsvRewriter(style)
    state = {"csv": False}

    async def capture(message):
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            state["csv"] = message.get("status") == 200 and headers.get(
                b"content-type", b"").split(b";")[0] in (b"text/plain", b"text/csv")
            if not state["csv"]:
                await send(message)
                return
            kept = [(k, v) for k, v in message.get("headers") or []
                    if k.lower() not in (b"content-length", b"content-type",
                                         b"content-disposition")]
            kept += [(b"content-type", b"text/csv; charset=utf-8"),
                     (b"content-disposition",
                      f'attachment; filename="{filename}"'.encode())]
            await send({**message, "headers": kept})
        elif message["type"] == "http.response.body" and state["csv"]:
            text = rewriter.feed(message.get("body", b"").decode("utf-8", "replace"))
            more = message.get("more_body", False)
            if not more:
                text += rewriter.close()
            await send({"type": "http.response.body", "body": text.encode("utf-8"),
                        "more_body": more})
        else:
            await send(message)

    await app(scope, receive, capture)


async def _atom(app, scope, receive, send, title: str) -> None:
    await rewrite_body(app, scope, receive, send, lambda body: with_feed_title(body, title),
                       (b"application/xml", b"application/atom+xml"), only_ok=True)
