"""Albo pretorio listings -> acts: pure functions, no Scrapy import.

    rules = platform_rules("auto")                     # or "table", "cards", or overrides
    page = parse_albo(html, url, rules)                # AlboPage(acts, platform)
    [a for a in page.acts if matching_term(a.object)]  # the observatory's acts
    act_type("Determinazione dirigenziale")            # "determinazione"
    find_cig(text), find_cup(text)

Act types, the observatory's terms and the platform layouts are data
(`crawler/data/albo.toml`): a table layout is read by its column labels ("Tipo atto",
"Numero", "Data", "Oggetto", "Periodo di pubblicazione"), a card layout by its labelled fields
("Numero: 412"), so most Comuni need no rules of their own. With `platform = "auto"` every
layout is tried and the one that reads the most acts with an object wins.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urljoin

from parsel import Selector

from crawler.dates import written_dates

ALBO_FILE = Path(__file__).resolve().parent / "data" / "albo.toml"
TYPES = ("delibera", "determinazione", "avviso", "decreto", "ordinanza", "altro")
FIELDS = ("published_from", "published_to", "period", "type", "number", "date", "object")
RULE_KEYS = {"row", "header", "columns", "fields", "labels", "detail", "attachments"}
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\s*[/-]\s*\d{2,4})?(?:\s*/\s*[A-Za-z]+)?")
_CIG = re.compile(r"(?i:\bc\.?\s?i\.?\s?g\.?)(?:\s*(?:n\.|nr\.|n°|:|=|-|–))*\s*"
                  r"(?P<code>[0-9A-Z]{10})(?![0-9A-Za-z])")
_CUP_MARKED = re.compile(r"(?i:\bc\.?\s?u\.?\s?p\.?)(?:\s*(?:n\.|nr\.|n°|:|=|-|–))*\s*"
                         r"(?P<code>[A-Z]\d{2}[A-Z][0-9A-Z]{11})(?![0-9A-Za-z])")
_CUP_BARE = re.compile(r"(?<![0-9A-Za-z])(?P<code>[A-Z]\d{2}[A-Z]\d{11})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Rules:
    """How to read one listing layout (see crawler/data/albo.toml)."""

    name: str
    row: str
    header: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    detail: str = ""
    attachments: str = ""


@dataclass(frozen=True)
class Attachment:
    url: str
    name: str


@dataclass
class ListedAct:
    """One act as a listing shows it."""

    listing_url: str
    type_label: str = ""
    number: str | None = None
    date: str | None = None  # ISO
    object: str = ""
    published_from: str | None = None
    published_to: str | None = None
    detail_url: str | None = None
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def type(self) -> str:
        return act_type(self.type_label, self.object)

    @property
    def url(self) -> str:
        """The act's own page, else its first attachment, else the listing with its number."""
        if self.detail_url:
            return self.detail_url
        if self.attachments:
            return self.attachments[0].url
        anchor = re.sub(r"\W+", "-", f"{self.number or ''}-{self.date or ''}").strip("-")
        return f"{self.listing_url}#atto-{anchor or abs(hash(self.object))}"

    def key(self) -> tuple[str, str | None, str | None, str]:
        return (self.type, self.number, self.date, self.url)


@dataclass(frozen=True)
class AlboPage:
    acts: list[ListedAct]
    platform: str | None  # the layout that read it (None: no act found)


# ---------------------------------------------------------------- data


@cache
def albo_data() -> dict:
    with ALBO_FILE.open("rb") as fh:
        return tomllib.load(fh)


def platform_names() -> list[str]:
    return list(albo_data()["platform"])


def fold(text: str) -> str:
    """Lower case, accents removed, dashes as '-', spaces collapsed: what the regexes see."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SPACES.sub(" ", _DASHES.sub("-", text.lower())).strip()


@cache
def _type_rules() -> tuple[tuple[str, tuple[re.Pattern, ...]], ...]:
    rules = albo_data()["type"]
    unknown = [r["type"] for r in rules if r["type"] not in TYPES]
    if unknown:
        raise ValueError(f"{ALBO_FILE}: unknown act type(s) {unknown} (expected {TYPES})")
    return tuple((rule["type"], tuple(re.compile(p) for p in rule["patterns"]))
                 for rule in rules)


@cache
def _term_rules() -> tuple[tuple[str, tuple[re.Pattern, ...]], ...]:
    return tuple((term["name"], tuple(re.compile(p) for p in term["all"]))
                 for term in albo_data()["term"])


def act_type(label: str, object_text: str = "") -> str:
    """The type of an act from the platform's label; without a label, from the first words
    of its object ("AVVISO PUBBLICO per..."); 'altro' when nothing says."""
    for text in (fold(label), fold(object_text)[:40] if not fold(label) else ""):
        if not text:
            continue
        for kind, patterns in _type_rules():
            if any(p.search(text) for p in patterns):
                return kind
    return "altro"


def matching_term(text: str, extra: tuple[str, ...] = ()) -> str | None:
    """The name of the first observatory term the text matches (an act's object), or None.
    `extra` adds a source's own plain keywords."""
    folded = fold(text)
    for name, patterns in _term_rules():
        if all(p.search(folded) for p in patterns):
            return name
    for word in extra:
        if fold(word) and fold(word) in folded:
            return word
    return None


def find_cig(text: str) -> list[str]:
    """CIG codes (10 characters after "CIG"), in order, each once."""
    return list(dict.fromkeys(m["code"] for m in _CIG.finditer(text or "")
                              if any(c.isdigit() for c in m["code"])))


def find_cup(text: str) -> list[str]:
    """CUP codes (15 characters: a letter, 2 digits, a letter, 11 more), after "CUP" or, in
    their all-digit form, anywhere; in order, each once."""
    text = text or ""
    found = [(m.start(), m["code"]) for m in _CUP_MARKED.finditer(text)]
    found += [(m.start(), m["code"]) for m in _CUP_BARE.finditer(text)]
    return list(dict.fromkeys(code for _, code in sorted(found)))


# ---------------------------------------------------------------- rules


def _rules_from(name: str, table: dict) -> Rules:
    return Rules(
        name=name, row=table["row"], header=table.get("header", ""),
        columns=tuple((k, v) for k, v in _ordered(table.get("columns", {}))),
        fields=tuple((k, v) for k, v in _ordered(table.get("fields", {}))),
        labels=tuple((k, v) for k, v in _ordered(table.get("labels", {}))),
        detail=table.get("detail", ""), attachments=table.get("attachments", ""),
    )


def _ordered(mapping: dict) -> list[tuple[str, str]]:
    """Fields in the order they are tried (specific publication-period labels first)."""
    return sorted(mapping.items(), key=lambda kv: FIELDS.index(kv[0]) if kv[0] in FIELDS else 99)


def platform_rules(platform: str = "auto", overrides: dict | None = None) -> list[Rules]:
    """The layouts to try: one named preset (or every preset for "auto"), each with a source's
    own rules on top (a source that gives `row` with no platform uses only its own rules)."""
    overrides = dict(overrides or {})
    presets = albo_data()["platform"]
    names = platform_names() if platform == "auto" else [platform]
    if platform == "auto" and overrides.get("row"):
        base = {"header": "", "detail": "", "attachments": presets["table"]["attachments"]}
        return [_rules_from("custom", {**base, **overrides})]
    out = []
    for name in names:
        table = dict(presets[name])
        for key, value in overrides.items():
            if isinstance(value, dict):
                table[key] = {**table.get(key, {}), **value}
            else:
                table[key] = value
        out.append(_rules_from(name, table))
    return out


def rule_problems(platform: str | None, overrides: dict) -> list[tuple[str, str]]:
    """(key, message) for each bad albo rule: unknown platform or key, bad selector or regex."""
    out = []
    if platform is not None and platform != "auto" and platform not in platform_names():
        out.append(("platform", f"{platform!r} non è tra auto, {', '.join(platform_names())}"))
    for key, value in overrides.items():
        if key not in RULE_KEYS:
            out.append((key, "chiave sconosciuta"))
        elif key in ("columns", "fields", "labels"):
            out += _field_rule_problems(key, value)
        elif not isinstance(value, str) or not value:
            out.append((key, "deve essere un testo non vuoto (un selettore CSS o XPath)"))
        else:
            out += _selector_problem(key, value)
    return out


def _field_rule_problems(key: str, value: object) -> list[tuple[str, str]]:
    """Problems of a `field = rule` table: selectors for `fields`, regexes for the others."""
    if not isinstance(value, dict):
        return [(key, "deve essere una tabella campo = regola")]
    out = []
    for fld, rule in value.items():
        if fld not in FIELDS:
            out.append((f"{key}.{fld}", f"campo sconosciuto (attesi {', '.join(FIELDS)})"))
        elif not isinstance(rule, str):
            out.append((f"{key}.{fld}", "deve essere un testo"))
        elif key == "fields":
            out += _selector_problem(f"{key}.{fld}", rule)
        else:
            out += _regex_problem(f"{key}.{fld}", rule)
    return out


def _regex_problem(key: str, pattern: str) -> list[tuple[str, str]]:
    try:
        re.compile(pattern)
    except re.error as exc:
        return [(key, f"espressione regolare non valida: {exc}")]
    return []


def _selector_problem(key: str, selector: str) -> list[tuple[str, str]]:
    try:
        _select(Selector(text="<html></html>"), selector)
    except Exception as exc:  # noqa: BLE001 - parsel raises several kinds for bad selectors
        return [(key, f"selettore CSS o XPath non valido: {exc}")]
    return []


def _select(node: Selector, selector: str):
    if selector.startswith(("/", "./", "(")):
        return node.xpath(selector)
    return node.css(selector)


# ---------------------------------------------------------------- parsing


def parse_albo(html: str, base_url: str, rules: list[Rules]) -> AlboPage:
    """The acts of a listing page, read with the layout that finds the most acts with an
    object (ties: the first layout listed)."""
    try:
        doc = Selector(text=html, base_url=base_url)
    except (ValueError, TypeError):
        return AlboPage([], None)
    best: tuple[int, list[ListedAct], str | None] = (0, [], None)
    for rule in rules:
        acts = [a for a in _read_rows(doc, base_url, rule) if a.object]
        if len(acts) > best[0]:
            best = (len(acts), acts, rule.name)
    return AlboPage(best[1], best[2])


def _read_rows(doc: Selector, base_url: str, rule: Rules) -> list[ListedAct]:
    try:
        rows = _select(doc, rule.row)
    except ValueError:
        return []
    columns_cache: dict[str, dict[int, str]] = {}
    out = []
    for row in rows:
        values = _row_values(row, rule, columns_cache)
        act = _act_from(values, base_url)
        act.detail_url = _detail(row, rule, base_url)
        act.attachments = attachment_links(row, base_url, rule.attachments)
        if act.detail_url and any(a.url == act.detail_url for a in act.attachments):
            act.detail_url = None
        out.append(act)
    return out


def _row_values(row: Selector, rule: Rules, cache: dict[str, dict[int, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    if rule.header:
        mapping = _columns(row, rule, cache)
        cells = row.xpath("./td|./th")
        for index, fld in mapping.items():
            if index < len(cells) and fld not in values:
                values[fld] = _text(cells[index])
    for fld, selector in rule.fields:
        if fld not in values:
            found = _select(row, selector)
            if found:
                values[fld] = _text(found[0])
    if rule.labels:
        for fld, value in _labelled(row, rule.labels).items():
            values.setdefault(fld, value)
    return values


def _columns(row: Selector, rule: Rules, cache: dict[str, dict[int, str]]) -> dict[int, str]:
    """Column index -> field, from the labels of the row's table header."""
    headers = _select(row, rule.header)
    labels = [fold(_text(h)) for h in headers]
    key = "|".join(labels)
    if key not in cache:
        mapping: dict[int, str] = {}
        for index, label in enumerate(labels):
            for fld, pattern in rule.columns:
                if fld not in mapping.values() and re.search(pattern, label):
                    mapping[index] = fld
                    break
        cache[key] = mapping
    return cache[key]


def _labelled(row: Selector, labels: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """'Label: value' pairs, or a label node followed by its value node, inside a row."""
    segments = [s for s in (_SPACES.sub(" ", t).strip() for t in row.xpath(".//text()").getall())
                if s and s not in (":", "-")]
    found: dict[str, str] = {}
    compiled = [(fld, re.compile(rf"^(?:{pattern})(?![a-z0-9])\s*:?\s*(?P<value>.*)$"))
                for fld, pattern in labels]
    for i, segment in enumerate(segments):
        folded = fold(segment)
        for fld, regex in compiled:
            if fld in found:
                continue
            match = regex.match(folded)
            if not match:
                continue
            has_colon = ":" in folded[: match.start("value") + 1]
            value = segment[len(segment) - len(match["value"]):].strip() if match["value"] \
                else ""
            if value and (has_colon or re.search(r"\d", value)):
                found[fld] = value
            elif not value and i + 1 < len(segments):
                found[fld] = segments[i + 1]
            else:
                continue
            break
    return found


def _act_from(values: dict[str, str], base_url: str) -> ListedAct:
    act = ListedAct(listing_url=base_url, type_label=values.get("type", ""),
                    object=_clean_object(values.get("object", "")))
    number = values.get("number", "")
    match = _NUMBER.search(number)
    act.number = _SPACES.sub("", match[0]) if match else (number.strip() or None)
    dates = written_dates(values.get("date", "")) or written_dates(number[match.end():]
                                                                   if match else "")
    act.date = dates[0].isoformat() if dates else None
    period = written_dates(values.get("period", ""))
    start = written_dates(values.get("published_from", "")) or period[:1]
    end = written_dates(values.get("published_to", "")) or period[1:2]
    act.published_from = start[0].isoformat() if start else None
    act.published_to = end[0].isoformat() if end else None
    return act


def _clean_object(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"^(?i:oggetto)\s*:\s*", "", text)


def _detail(row: Selector, rule: Rules, base_url: str) -> str | None:
    if not rule.detail:
        return None
    for href in _select(row, rule.detail).xpath("@href").getall():
        url = _absolute(href, base_url)
        if url:
            return url
    return None


def attachment_links(node: Selector, base_url: str, selector: str) -> list[Attachment]:
    """Attachment links inside a node (a row, or a whole detail page), each URL once."""
    if not selector:
        return []
    out: dict[str, Attachment] = {}
    for link in _select(node, selector):
        url = _absolute(link.xpath("@href").get() or "", base_url)
        if url and url not in out:
            name = _text(link) or url.rsplit("/", 1)[-1]
            out[url] = Attachment(url, name[:200])
    return list(out.values())


def detail_attachments(html: str, url: str, rules: list[Rules]) -> list[Attachment]:
    """The attachment links of an act's own page."""
    try:
        doc = Selector(text=html, base_url=url)
    except (ValueError, TypeError):
        return []
    for rule in rules:
        found = attachment_links(doc, url, rule.attachments)
        if found:
            return found
    return []


def _absolute(href: str, base_url: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urldefrag(urljoin(base_url, href))[0]
    return url if url.startswith(("http://", "https://")) else None


def _text(node: Selector) -> str:
    return _SPACES.sub(" ", " ".join(node.xpath(".//text()").getall())).strip()
