"""The demo albo pretorio of the Comune di Fidenza: a listing of acts over two pages, in one of
two layouts the common platforms use, with a generated PDF attachment per act (and one broken
attachment). Acts are data (`content/albo.json`); nothing here is committed as output: the
files are generated in memory (`render_albo`) or into a folder (`write_albo`) at demo and test
time, since PDFs are build products.

Layouts:
- `table`: a table "Tipo atto / Numero / Data / Oggetto / Periodo di pubblicazione / Allegati"
  with the PDF links in each row; pages at /albo/ and /albo/?page=2;
- `cards`: one card per act with labelled fields ("Numero: 412/2026") and a link to the act's
  page, where the attachments are listed; pages at /albo/ and /albo/?page=2.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo_sites.pdf import bomb_pdf, encrypted_pdf, text_pdf, truncated_pdf

CONTENT = Path(__file__).resolve().parent / "content" / "albo.json"
LAYOUTS = ("table", "cards")
PER_PAGE = 6
# What an act's second attachment ("Verbale") can be: a broken file of some kind; "missing"
# links a file that is not served (404), "disallowed" one under a path robots.txt disallows.
HOSTILE = ("truncated", "encrypted", "bomb", "html", "missing", "huge", "disallowed")
ERROR_PAGE = ("<!DOCTYPE html><html><head><title>Errore</title></head><body><h1>Sessione "
              "scaduta</h1><p>Il documento richiesto non è disponibile.</p></body></html>")


@dataclass(frozen=True)
class DemoAct:
    slug: str
    type_label: str
    number: str
    date: str
    published_from: str
    published_to: str
    object: str
    pdf: list[str]
    relevant: bool
    hostile: str | None = None

    def attachment_paths(self) -> list[str]:
        paths = [f"albo/allegati/{self.slug}.pdf"]
        if self.hostile == "disallowed":
            paths.append(f"riservato/{self.slug}-verbale.pdf")
        elif self.hostile:
            paths.append(f"albo/allegati/{self.slug}-verbale.pdf")
        return paths


def load_acts(path: Path = CONTENT) -> list[DemoAct]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [DemoAct(slug=a["slug"], type_label=a["type_label"], number=a["number"],
                    date=a["date"], published_from=a["from"], published_to=a["to"],
                    object=a["object"], pdf=a["pdf"], relevant=a["relevant"],
                    hostile=a.get("hostile"))
            for a in data["acts"]]


def _it(day: str) -> str:
    return date.fromisoformat(day).strftime("%d/%m/%Y")


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang='it'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)} - Comune di Fidenza</title></head><body>"
            "<header><a href='/'>Comune di Fidenza</a> <nav><a href='/albo/'>Albo pretorio</a>"
            "</nav></header>"
            f"<main><h1>{html.escape(title)}</h1>{body}</main>"
            "<footer>Comune di Fidenza - P.IVA 00000000000 - Privacy - Cookie</footer>"
            "</body></html>")


def _pager(page: int, pages: int) -> str:
    links = []
    if page > 1:
        prev = "/albo/" if page == 2 else f"/albo/?page={page - 1}"
        links.append(f"<a href='{prev}'>Precedente</a>")
    for n in range(1, pages + 1):
        href = "/albo/" if n == 1 else f"/albo/?page={n}"
        links.append(f"<span class='current'>{n}</span>" if n == page
                     else f"<a href='{href}'>{n}</a>")
    if page < pages:
        links.append(f"<a href='/albo/?page={page + 1}' rel='next'>Successiva</a>")
    return f"<nav class='pagination'>{' '.join(links)}</nav>"


def _attachment_links(act: DemoAct) -> str:
    names = ["Documento firmato", "Verbale della commissione"]
    return " ".join(f"<a href='/{path}'>{names[i]} (PDF)</a>"
                    for i, path in enumerate(act.attachment_paths()))


def _table_page(acts: list[DemoAct]) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(a.type_label)}</td><td>{html.escape(a.number)}</td>"
        f"<td>{_it(a.date)}</td><td>{html.escape(a.object)}</td>"
        f"<td>dal {_it(a.published_from)} al {_it(a.published_to)}</td>"
        f"<td>{_attachment_links(a)}</td></tr>"
        for a in acts)
    return ("<table class='albo'><thead><tr><th>Tipo atto</th><th>Numero</th><th>Data</th>"
            "<th>Oggetto</th><th>Periodo di pubblicazione</th><th>Allegati</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _cards_page(acts: list[DemoAct]) -> str:
    cards = "".join(
        "<div class='card card-atto'>"
        f"<h3><a href='/albo/atti/{a.slug}.html'>{html.escape(a.object)}</a></h3>"
        f"<p><span class='label'>Tipo atto:</span> {html.escape(a.type_label)}</p>"
        f"<p><strong>Numero</strong> <span>{html.escape(a.number)}</span></p>"
        f"<p>Data atto: {_it(a.date)}</p>"
        f"<p>In pubblicazione dal {_it(a.published_from)} al {_it(a.published_to)}</p>"
        "</div>"
        for a in acts)
    return f"<section class='risultati'>{cards}</section>"


def _detail_page(act: DemoAct) -> str:
    body = (f"<dl><dt>Tipo atto</dt><dd>{html.escape(act.type_label)}</dd>"
            f"<dt>Numero</dt><dd>{html.escape(act.number)}</dd>"
            f"<dt>Data</dt><dd>{_it(act.date)}</dd></dl>"
            f"<p>{html.escape(act.object)}</p><h2>Allegati</h2><ul>"
            + "".join(f"<li><a href='/{p}' type='application/pdf'>{p.rsplit('/', 1)[-1]}</a>"
                      "</li>" for p in act.attachment_paths())
            + "</ul>")
    return _page(f"Atto n. {act.number}", body)


def _pdfs(act: DemoAct) -> dict[str, bytes]:
    heading = f"{act.type_label.upper()} N. {act.number} DEL {_it(act.date)}"
    main = text_pdf(["COMUNE DI FIDENZA - Provincia di Parma", heading,
                     f"OGGETTO: {act.object}", *act.pdf], title=heading)
    files = {act.attachment_paths()[0]: main}
    verbale = text_pdf([f"Verbale allegato a {heading}"] + act.pdf)
    hostile = {
        "truncated": lambda: truncated_pdf(verbale),
        "encrypted": encrypted_pdf,
        "bomb": lambda: bomb_pdf(64 * 1024 * 1024),
        "html": lambda: ERROR_PAGE.encode("utf-8"),
        "huge": lambda: text_pdf([hashlib.sha256(str(n).encode()).hexdigest() * 40
                                  for n in range(400)]),
    }
    if act.hostile in hostile:
        files[act.attachment_paths()[1]] = hostile[act.hostile]()
    elif act.hostile == "disallowed":
        files[act.attachment_paths()[1]] = verbale
    elif act.hostile not in (None, "missing"):
        raise ValueError(f"unknown hostile attachment {act.hostile!r} (expected {HOSTILE})")
    return files


def render_albo(layout: str = "table", acts: list[DemoAct] | None = None,
                per_page: int = PER_PAGE) -> dict[str, bytes]:
    """Every file of the demo albo in one layout: relative path -> bytes."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown albo layout {layout!r} (expected {', '.join(LAYOUTS)})")
    acts = sorted(acts or load_acts(), key=lambda a: (a.date, a.slug), reverse=True)
    chunks = [acts[i:i + per_page] for i in range(0, len(acts), per_page)]
    files: dict[str, bytes] = {"robots.txt": b"User-agent: *\nDisallow: /riservato/\n"}
    for number, chunk in enumerate(chunks, start=1):
        listing = _table_page(chunk) if layout == "table" else _cards_page(chunk)
        page = _page("Albo pretorio online", listing + _pager(number, len(chunks)))
        name = "albo/index.html" if number == 1 else f"albo/page-{number}.html"
        files[name] = page.encode("utf-8")
    for act in acts:
        files.update(_pdfs(act))
        if layout == "cards":
            files[f"albo/atti/{act.slug}.html"] = _detail_page(act).encode("utf-8")
    files["index.html"] = _page("Comune di Fidenza", "<a href='/albo/'>Albo pretorio</a>")\
        .encode("utf-8")
    return files


def write_albo(folder: Path, layout: str = "table") -> Path:
    """Write the demo albo into `folder` (created) and return it."""
    for rel, body in render_albo(layout).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return folder
