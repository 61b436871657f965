"""Procedures across articles: what the linker reads, what it writes, and staff decisions.

The linker (`nlp.procedures.relink`) reads each analyzed article's procedure with the facts it
links on (`procedure_items`), groups them, and replaces the `procedures` and
`procedure_articles` rows in one transaction (`replace_procedures`). Staff `merge` and `split`
decisions (`procedure_decisions`) are stored apart and never overwritten: the linker applies
them on every run, as label reviews are applied to labels.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.db import transaction, utcnow

DECISION_KINDS = ("merge", "split")


class ProcedureError(ValueError):
    """A staff decision that cannot be recorded (unknown article, same article twice...)."""


def procedure_items(db: sqlite_utils.Database) -> list[dict]:
    """Every article's procedure with what linking and the procedure rows need."""
    rows = db.query(
        "SELECT p.article_id, p.instrument, p.ente, p.subject, p.stage, p.deadline, "
        "p.partners, p.territory, p.duration, a.published, a.cluster_id, a.regioni, a.title, "
        "(SELECT max(m.value) FROM amounts m WHERE m.article_id = p.article_id "
        " AND m.kind = 'money' AND m.role = 'budget') AS budget "
        "FROM article_procedures p JOIN articles a ON a.id = p.article_id "
        "ORDER BY a.published, p.article_id")
    out = []
    for row in rows:
        for key in ("partners", "territory", "regioni"):
            row[key] = json.loads(row[key] or "[]")
        out.append(row)
    return out


def procedure_decisions(db: sqlite_utils.Database) -> tuple[list[tuple[str, str]],
                                                              list[tuple[str, str]]]:
    """(merges, splits): pairs of article ids, oldest decision first."""
    merges, splits = [], []
    for row in db.query("SELECT kind, article_a, article_b FROM procedure_decisions "
                        "ORDER BY decided_at, id"):
        (merges if row["kind"] == "merge" else splits).append((row["article_a"], row["article_b"]))
    return merges, splits


def add_procedure_decision(db: sqlite_utils.Database, kind: str, article_a: str, article_b: str,
                           reviewer: str, note: str = "") -> int:
    """Record that two articles are (`merge`) or are not (`split`) the same procedure."""
    if kind not in DECISION_KINDS:
        raise ProcedureError(f"decisione sconosciuta {kind!r} "
                             f"(una tra {', '.join(DECISION_KINDS)})")
    if article_a == article_b:
        raise ProcedureError("servono due articoli diversi")
    if not reviewer.strip():
        raise ProcedureError("una decisione ha bisogno del nome di chi la prende")
    for article in (article_a, article_b):
        if db.execute("SELECT 1 FROM article_procedures WHERE article_id = ?",
                      [article]).fetchone() is None:
            raise ProcedureError(f"nessuna procedura letta nell'articolo {article!r}")
    with transaction(db):
        table = db["procedure_decisions"]
        table.insert({"kind": kind, "article_a": article_a, "article_b": article_b,
                      "reviewer": reviewer.strip(), "note": note, "decided_at": utcnow()})
        return table.last_rowid


def replace_procedures(db: sqlite_utils.Database, rows: list[dict],
                       members: list[dict]) -> None:
    """The linker's result replaces the previous one whole (decisions stay untouched)."""
    with transaction(db):
        db.execute("DELETE FROM procedure_articles")
        db.execute("DELETE FROM procedures")
        db["procedures"].insert_all(rows, pk="id")
        db["procedure_articles"].insert_all(members, pk=("procedure_id", "article_id"))
