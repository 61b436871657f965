"""The real-text development set: well-formed, short, split by site, free of reserved pages."""

from __future__ import annotations

import pytest

from nlp.eval_data import EvalDataError
from nlp.realtext import (
    MAX_CHARS,
    REALTEXT_PATH,
    classifier_examples,
    gold_docs,
    load_records,
    site_of,
    split_of,
)
from tests.shared import require_shared


def _norm(url: str) -> str:
    url = url.strip().lower().split("://", 1)[-1]
    return url.removeprefix("www.").rstrip("/")


def test_every_excerpt_parses_and_is_short():
    records = load_records()
    assert len(records) >= 150
    docs = gold_docs()
    assert len(docs) == len(records)
    assert all(len(d.text) <= MAX_CHARS for d in docs), [d.id for d in docs
                                                         if len(d.text) > MAX_CHARS]
    assert all(r["url"].startswith(("http://", "https://")) for r in records)


def test_halves_never_share_a_site():
    records = load_records()
    sites = {split: {r["site"] for r in records if r["split"] == split}
             for split in ("dev", "test")}
    assert not sites["dev"] & sites["test"]
    assert len(sites["dev"]) >= 50 and len(sites["test"]) >= 50
    for split in ("dev", "test"):
        examples = classifier_examples(split)
        assert len(examples) >= 70
        assert sum(e.relevant for e in examples) >= 25


def test_site_of_keeps_province_domains_apart():
    assert site_of("https://comune.malnate.va.it/servizio/x") == "malnate.va.it"
    assert site_of("https://messina.gazzettadelsud.it/articoli/x") == "gazzettadelsud.it"
    assert split_of("malnate.va.it") == split_of("malnate.va.it")


def test_no_reserved_page_is_in_the_set():
    lines = require_shared("reserved-for-evaluation.txt").read_text(encoding="utf-8").splitlines()
    reserved = {_norm(line) for line in lines
                if line.strip() and not line.startswith("#")}
    taken = [r["url"] for r in load_records() if _norm(r["url"]) in reserved]
    assert not taken, taken
    assert not any("article-extraction-benchmark" in r["url"] for r in load_records())


def test_bad_records_are_rejected_with_their_line(tmp_path):
    line = REALTEXT_PATH.read_text(encoding="utf-8").splitlines()[0]
    bad = tmp_path / "x.jsonl"
    bad.write_text(line + "\n" + line.replace('"url"', '"link"') + "\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"x.jsonl:2"):
        load_records(bad)


def test_training_takes_the_dev_half_only():
    from nlp.classify import with_realtext_dev

    test_ids = {e.id for e in classifier_examples("test")}
    added = [e for e in with_realtext_dev([]) if e.origin == "realtext"]
    assert added and {e.id for e in added} == {e.id for e in classifier_examples("dev")}
    assert not test_ids & {e.id for e in added}
