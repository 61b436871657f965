"""Link every analyzed article's procedure into procedures and store them (after `analyze`,
and after a staff merge or split)."""

from __future__ import annotations

import sqlite_utils

from nlp.procedures.linking import link, procedure_rows
from nlp.procedures.procedure import STAGES
from store.procedures import procedure_decisions, procedure_items, replace_procedures


def relink(db: sqlite_utils.Database) -> int:
    """Recompute all procedures from the stored article procedures; returns how many."""
    items = procedure_items(db)
    merges, splits = procedure_decisions(db)
    groups = link(items, merges, splits)
    rows, members = procedure_rows(groups, {i["article_id"]: i for i in items}, STAGES)
    replace_procedures(db, rows, members)
    return len(rows)


def record_decision(db: sqlite_utils.Database, kind: str, article_a: str, article_b: str,
                    reviewer: str, note: str = "") -> int:
    """Store a staff merge or split of two articles' procedures, then relink; returns how many
    procedures there are now."""
    from store.procedures import add_procedure_decision

    add_procedure_decision(db, kind, article_a, article_b, reviewer, note)
    return relink(db)
