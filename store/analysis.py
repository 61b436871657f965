"""Write and read helpers for analysis results: labels, organisation mentions, places, amounts.

Input is plain dicts (the analyze-text JSON plus each organisation's `key`), so the store does
not depend on the NLP package. Re-analyzing an article replaces its rows in one transaction.
"""

from __future__ import annotations

import json
import re

import sqlite_utils

from store.db import transaction, utcnow

_SENTENCE_END = re.compile(r"[.!?;]\s|\n")


def articles_to_analyze(db: sqlite_utils.Database, *, everything: bool = False,
                        limit: int | None = None) -> list[dict]:
    where = "" if everything else "WHERE analyzed_at IS NULL"
    sql = f"SELECT id, title, text, published FROM articles {where} ORDER BY published, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(db.query(sql))


def _context(text: str, start: int, end: int, width: int = 200) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - width), start)),
               default=max(0, start - width))
    right_match = _SENTENCE_END.search(text, end, min(len(text), end + width))
    right = right_match.start() + 1 if right_match else min(len(text), end + width)
    return " ".join(text[left:right].split())


def _org_rows(db, article_id: str, orgs: list[dict], version: str) -> tuple[list, dict]:
    """Resolve each mention's key through the alias table (staff merges win)."""
    mentions, org_names = [], {}
    for org in orgs:
        key = org.get("key") or org["canonical"].lower()
        alias = db.execute(
            "SELECT org_id, name_override, type_override FROM org_aliases WHERE alias_key = ?",
            [key],
        ).fetchone()
        if alias is None:
            db["org_aliases"].insert({"alias_key": key, "org_id": key, "alias": org["canonical"],
                                      "origin": "auto"}, pk="alias_key")
            org_id = key
        else:
            org_id = alias[0]
        current = db.execute("SELECT name, type FROM organisations WHERE id = ?",
                             [org_id]).fetchone()
        if current is None:
            name = (alias[1] if alias and alias[1] else None) or org["canonical"]
            otype = (alias[2] if alias and alias[2] else None) or org["type"]
            db["organisations"].insert({"id": org_id, "name": name, "type": otype}, pk="id")
            current = (name, otype)
        org_names[org_id] = current
        mentions.append({"id": f"{article_id}:{org['start']}", "article_id": article_id,
                         "org_id": org_id, "text": org["text"], "start": org["start"],
                         "end": org["end"], "pipeline_version": version})
    return mentions, org_names


def _place_id(place: dict) -> str:
    return place.get("istat") or f"{place['level']}:{place['name']}"


def _refresh_org_counts(db: sqlite_utils.Database, org_ids: list[str]) -> None:
    for org_id in org_ids:
        db.execute(
            """UPDATE organisations SET
                mentions_count = (SELECT count(*) FROM mentions WHERE org_id = :id),
                articles_count = (SELECT count(DISTINCT article_id) FROM mentions
                                  WHERE org_id = :id),
                first_seen = (SELECT min(a.published) FROM mentions m
                              JOIN articles a ON a.id = m.article_id WHERE m.org_id = :id)
               WHERE id = :id""",
            {"id": org_id},
        )


def _label_rows(article_id: str, result: dict, version: str) -> list[dict]:
    rows = [{"id": f"{article_id}:relevance:relevant", "article_id": article_id,
             "task": "relevance", "label": "relevant", "score": result["relevance_score"],
             "evidence": result.get("relevance_evidence", ""), "model_version": version}]
    for task, key in (("practice_type", "practice_types"), ("policy_area", "policy_areas")):
        for item in result[key]:
            rows.append({"id": f"{article_id}:{task}:{item['label']}", "article_id": article_id,
                         "task": task, "label": item["label"], "score": item["score"],
                         "evidence": item.get("evidence", ""), "model_version": version})
    return rows


def save_analysis(db: sqlite_utils.Database, article_id: str, text: str, result: dict) -> None:
    """Replace the stored analysis of one article with `result` (analyze-text JSON + keys)."""
    pversion = result.get("pipeline_version", "")
    mversion = result.get("model_version", "")
    with transaction(db):
        for table in ("mentions", "article_places", "amounts", "labels", "events",
                      "article_procedures"):
            db.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
        old_orgs = [r[0] for r in db.execute(
            "SELECT DISTINCT org_id FROM mentions WHERE article_id = ?", [article_id])]
        mentions, org_names = _org_rows(db, article_id, result["organisations"], pversion)
        db["mentions"].upsert_all(mentions, pk="id")
        places = result["places"]
        db["places"].upsert_all(
            [{"id": _place_id(p), **{k: p.get(k) for k in
              ("name", "level", "istat", "provincia", "regione", "lat", "lon")}}
             for p in places], pk="id")
        db["article_places"].upsert_all(
            [{"id": f"{article_id}:{p['start']}", "article_id": article_id,
              "place_id": _place_id(p), "text": p["text"], "start": p["start"], "end": p["end"],
              "inside_org": int(bool(p.get("inside_org"))), "pipeline_version": pversion}
             for p in places], pk="id")
        db["amounts"].upsert_all(
            [{"id": f"{article_id}:{a['start']}", "article_id": article_id, "text": a["text"],
              "start": a["start"], "end": a["end"], "kind": a["kind"], "value": a["value"],
              "role": a.get("role"), "context": _context(text, a["start"], a["end"]),
              "pipeline_version": pversion}
             for a in result["amounts"]], pk="id")
        _save_procedure(db, article_id, result.get("procedure"), pversion)
        db["events"].upsert_all(
            [{"id": f"{article_id}:{e['start_char']}", "article_id": article_id,
              **{k: e.get(k) for k in ("type", "title", "start", "end", "place", "venue",
                                       "registration", "text", "start_char", "end_char")},
              "online": int(bool(e.get("online"))), "past": int(bool(e.get("past"))),
              "organisers": json.dumps(e.get("organisers") or [], ensure_ascii=False),
              "pipeline_version": pversion}
             for e in result.get("events") or []], pk="id")
        db["labels"].upsert_all(_label_rows(article_id, result, mversion), pk="id")
        _refresh_org_counts(db, sorted(set(old_orgs) | set(org_names)))
        db["articles"].update(article_id, _facet_columns(result, org_names, pversion, mversion))


def _save_procedure(db, article_id: str, proc: dict | None, pversion: str) -> None:
    if not proc:
        return
    ente = proc.get("ente_procedente") or {}
    db["article_procedures"].upsert({
        "article_id": article_id, "instrument": proc.get("instrument"),
        "ente_text": ente.get("text"), "ente": ente.get("canonical"),
        "subject": proc.get("subject"), "stage": proc.get("stage"),
        "deadline": proc.get("deadline"),
        "partners": json.dumps(proc.get("partners") or [], ensure_ascii=False),
        "territory": json.dumps(proc.get("territory") or [], ensure_ascii=False),
        "duration": proc.get("duration"), "evidence": proc.get("evidence"),
        "pipeline_version": pversion,
    }, pk="article_id")


def _uniq(values) -> str:
    return json.dumps(sorted({v for v in values if v}), ensure_ascii=False)


def _facet_columns(result: dict, org_names: dict, pversion: str, mversion: str) -> dict:
    places = result["places"]
    comuni = [p["name"] for p in places if p["level"] == "comune"]
    province = [p.get("provincia") for p in places if p["level"] in ("comune", "provincia")]
    province += [p["name"] for p in places if p["level"] == "provincia"]
    return {
        "relevant": int(bool(result["relevant"])),
        "relevance_score": result["relevance_score"],
        "practice_types": _uniq(x["label"] for x in result["practice_types"]),
        "policy_areas": _uniq(x["label"] for x in result["policy_areas"]),
        "organisations": _uniq(name for name, _ in org_names.values()),
        "org_types": _uniq(otype for _, otype in org_names.values()),
        "comuni": _uniq(comuni),
        "province": _uniq(p for p in province if p and len(p) > 2),
        "regioni": _uniq(p.get("regione") for p in places),
        "analyzed_at": utcnow(),
        "model_version": mversion,
        "pipeline_version": pversion,
    }
