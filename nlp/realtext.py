"""The real-text development set (nlp/data/realtext/excerpts.jsonl): short excerpts of real
Italian web pages with entity markup and classifier labels, used to measure the pipeline on text
as it comes off the web. See nlp/data/realtext/README.md.

Each record is split into `dev` or `test` by its **site** (the registered domain of its URL), so
no site is in both halves: `split_of(site_of(url))`. Tune on `dev`; report on both; never train on
`test` (`classifier_examples("dev")` is the only half the training code may take).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from nlp.eval_data import SOURCE_TYPES, EvalDataError, GoldDoc, parse_doc
from nlp.jsonl import jsonl_records

REALTEXT_PATH = Path(__file__).parent / "data" / "realtext" / "excerpts.jsonl"
SPLIT_SALT = "realtext-1"  # changing it moves sites between the halves: never do it after tuning
SPLITS = ("dev", "test")
_KEYS = {"id", "url", "source_type", "retrieved", "relevant", "practice_types", "policy_areas",
         "text"}
MAX_CHARS = 1200  # excerpts stay short: title, lead and a paragraph or two (clean text)


def site_of(url: str) -> str:
    """Registered domain of a URL: the last two host labels, three for Italian province
    second-level domains (comune.malnate.va.it -> malnate.va.it)."""
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-1] == "it" and len(labels[-2]) == 2 else 2
    return ".".join(labels[-keep:])


def split_of(site: str) -> str:
    """'dev' or 'test', fixed by a hash of the site."""
    return "test" if hashlib.sha256((SPLIT_SALT + site).encode()).digest()[0] % 2 else "dev"


def load_records(path: Path = REALTEXT_PATH) -> list[dict]:
    """Validated records (with `site` and `split` added); errors name the line."""
    records, seen = [], set()
    for where, raw in jsonl_records(path, EvalDataError):
        if not isinstance(raw, dict):
            raise EvalDataError(f"{where}: non è un oggetto JSON")
        if missing := _KEYS - set(raw):
            raise EvalDataError(f"{where}: chiavi mancanti {sorted(missing)}")
        if unknown := set(raw) - _KEYS - {"note"}:
            raise EvalDataError(f"{where}: chiavi sconosciute {sorted(unknown)}")
        if raw["id"] in seen:
            raise EvalDataError(f"{where}: id {raw['id']} ripetuto")
        if raw["source_type"] not in SOURCE_TYPES:
            raise EvalDataError(f"{where}: source_type sconosciuto {raw['source_type']!r}")
        seen.add(raw["id"])
        site = site_of(raw["url"])
        records.append({**raw, "site": site, "split": split_of(site)})
    return records


def _selected(split: str | None, path: Path) -> list[dict]:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    return [r for r in load_records(path) if split is None or r["split"] == split]


def gold_docs(split: str | None = None, path: Path = REALTEXT_PATH) -> list[GoldDoc]:
    """The excerpts of one half (or all) as entity gold documents."""
    return [parse_doc(r["id"], r["source_type"], r["text"]) for r in _selected(split, path)]


def classifier_examples(split: str | None = None, path: Path = REALTEXT_PATH) -> list:
    """The excerpts of one half (or all) as classifier examples: the page text as it comes
    (title lines included) with no separate title."""
    from nlp.classify import parse_example

    examples = []
    for r in _selected(split, path):
        clean = parse_doc(r["id"], r["source_type"], r["text"]).text
        raw = {"id": r["id"], "title": "", "text": clean, "source_type": r["source_type"],
               "relevant": r["relevant"], "practice_types": r["practice_types"],
               "policy_areas": r["policy_areas"]}
        examples.append(parse_example(raw, f"{path}:{r['id']}"))
    return examples
