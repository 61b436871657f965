"""Articles about the same procedure, linked into one (issue 18, "Across articles").

Two articles tell the same procedure when they are one story (a press release republished on
another site, already clustered by the crawler), or when they have the same instrument and the
same ente procedente, a compatible subject and territory, and lie within a plausible time span.
Staff decisions come first and are never overridden: a `merge` of two articles always links
them, a `split` keeps them apart (whatever else would connect them).

Pure: `link(items, merges, splits)` takes plain dicts and returns groups of article ids; the
caller reads and writes the store (`nlp.procedures.relink`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable

from nlp.canonical import slug
from store.text import fold

MAX_SPAN_DAYS = 540  # an avviso, its tables, the esito and the agreement: months, not years
MIN_SUBJECT_OVERLAP = 0.34
_STOP = frozenset(
    "il lo la i gli le un uno una di a da in con su per tra fra del dello della dei degli delle "
    "al allo alla ai agli alle dal dalla dai dagli dalle nel nello nella nei negli nelle sul "
    "sulla sui e ed o per l un' d servizio servizi progetto progetti attivita gestione "
    "realizzazione nuovo nuova nuovi nuove comune comuni avviso pubblico pubblica "
    "coprogettazione co progettazione coprogrammazione programmazione partner partners terzo "
    "settore enti ente ambito distretto giunta approva approvato firmato accordo tavoli tavolo "
    "scelti aperto apre euro mila".split())
MIN_TOPIC_OVERLAP = 0.25


def subject_words(subject: str | None) -> frozenset[str]:
    """Content words of a subject, folded, with a crude plural/gender ending removed."""
    if not subject:
        return frozenset()
    words = re.findall(r"[a-z0-9]+", fold(subject))
    return frozenset(w[:-1] if len(w) > 4 else w for w in words if w not in _STOP and len(w) > 2)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _same_body(a: str, b: str) -> bool:
    """Same slug, or one is the other with words after it (a name read a little too long:
    "ambito-distrettuale-di-lecco-sul-dopo")."""
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def same_procedure(a: dict, b: dict, *, without_subject: bool = False) -> bool:
    """Same instrument and ente, compatible subject and territory, close enough in time. An
    article without a subject is judged only with `without_subject` (the linker attaches it
    to one procedure afterwards, so it never bridges two different subjects)."""
    if a.get("cluster_id") and a.get("cluster_id") == b.get("cluster_id"):
        return True
    if a["instrument"] != b["instrument"]:
        return False
    day_a, day_b = _day(a.get("published")), _day(b.get("published"))
    if day_a and day_b and abs((day_a - day_b).days) > MAX_SPAN_DAYS:
        return False
    ente_a, ente_b = slug(a.get("ente") or ""), slug(b.get("ente") or "")
    words_a, words_b = subject_words(a.get("subject")), subject_words(b.get("subject"))
    places_a, places_b = set(a.get("territory") or []), set(b.get("territory") or [])
    places_ok = not places_a or not places_b or bool(places_a & places_b)
    topic_a = words_a | subject_words(a.get("title"))
    topic_b = words_b | subject_words(b.get("title"))
    if ente_a and ente_b:
        if not _same_body(ente_a, ente_b) or not places_ok:
            return False
        # same body and instrument: one procedure when subjects or titles speak of the same
        # thing; an article without a subject is attached afterwards (never a bridge)
        if words_a and words_b and _overlap(words_a, words_b) >= MIN_SUBJECT_OVERLAP:
            return True
        if _overlap(topic_a, topic_b) >= MIN_TOPIC_OVERLAP:
            return True
        return without_subject and not (words_a and words_b)
    # one ente unknown: the subject must carry the link, in the same place
    return (bool(places_a & places_b) or bool(ente_a or ente_b)) and \
        _overlap(words_a, words_b) >= 0.5


class _Groups:
    """Union-find over article ids that refuses to join two groups staff kept apart."""

    def __init__(self, ids: list[str], splits: Iterable[tuple[str, str]]):
        self.parent = {i: i for i in ids}
        self.members = {i: {i} for i in ids}
        self.apart: dict[str, set[str]] = {i: set() for i in ids}
        for a, b in splits:
            if a in self.apart and b in self.apart:
                self.apart[a].add(b)
                self.apart[b].add(a)

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or any(self.apart[m] & self.members[rb] for m in self.members[ra]):
            return  # already one, or staff said these are different procedures (a split wins)
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)

    def size(self, x: str) -> int:
        return len(self.members[self.find(x)])


def link(items: list[dict], merges: Iterable[tuple[str, str]] = (),
         splits: Iterable[tuple[str, str]] = ()) -> list[list[str]]:
    """Groups of article ids, each one procedure, articles in order of publication.

    `items`: dicts with article_id, instrument, ente, subject, territory (list), published,
    cluster_id. `merges` / `splits`: pairs of article ids decided by staff.
    """
    order = sorted(items, key=lambda i: (i.get("published") or "", i["article_id"]))
    ids = [i["article_id"] for i in order]
    groups = _Groups(ids, splits)
    for a, b in merges:
        if a in groups.parent and b in groups.parent:
            groups.union(a, b)
    stories: dict[str, str] = {}
    for item in order:  # one story republished on several sites is one procedure
        if item.get("cluster_id"):
            groups.union(stories.setdefault(item["cluster_id"], item["article_id"]),
                         item["article_id"])
    by_instrument: dict[str, list[dict]] = {}
    for item in order:
        by_instrument.setdefault(item["instrument"], []).append(item)
    for same in by_instrument.values():
        _link_within_span(same, groups)
    for a in order:  # an article without a subject joins the nearest matching procedure only
        if not subject_words(a.get("subject")) and groups.size(a["article_id"]) == 1:
            _attach(a, by_instrument[a["instrument"]], groups)
    result: dict[str, list[str]] = {}
    for i in ids:
        result.setdefault(groups.find(i), []).append(i)
    return list(result.values())


def _link_within_span(same: list[dict], groups: _Groups) -> None:
    """Pairs of one instrument, in date order, up to the end of the time span."""
    for n, a in enumerate(same):
        day_a = _day(a.get("published"))
        for b in same[n + 1:]:
            day_b = _day(b.get("published"))
            if day_a and day_b and (day_b - day_a).days > MAX_SPAN_DAYS:
                break
            if groups.find(a["article_id"]) != groups.find(b["article_id"]) \
                    and same_procedure(a, b):
                groups.union(a["article_id"], b["article_id"])


def _attach(a: dict, candidates: list[dict], groups: _Groups) -> None:
    """Join the article to the matching one nearest in time, if any."""
    day_a = _day(a.get("published")) or dt.date.min
    matches = [b for b in candidates if b is not a and same_procedure(a, b, without_subject=True)]
    if matches:
        nearest = min(matches, key=lambda b: abs(((_day(b.get("published")) or dt.date.min)
                                                 - day_a).days))
        groups.union(nearest["article_id"], a["article_id"])


def procedure_id(article_ids: list[str]) -> str:
    """Stable id of a procedure: from its first article (the earliest published)."""
    return "p-" + hashlib.sha1(article_ids[0].encode()).hexdigest()[:12]


def pairwise_f1(predicted: list[list[str]], gold: list[list[str]]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of articles put in the same procedure.

    >>> pairwise_f1([["a", "b"], ["c"]], [["a", "b", "c"]])
    (1.0, 0.3333333333333333, 0.5)
    """
    def pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
        return {(x, y) for g in groups for x in g for y in g if x < y}

    pred, true = pairs(predicted), pairs(gold)
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def procedure_rows(groups: list[list[str]], items: dict[str, dict],
                   stage_order: tuple[str, ...]) -> tuple[list[dict], list[dict]]:
    """One `procedures` row per group and its `procedure_articles` rows.

    The current stage is the furthest reported (in `stage_order`), or `sospeso` when the latest
    article says so; `stages` lists the first report of each stage with its date and article.
    """
    rows, members = [], []
    for group in groups:
        arts = sorted((items[i] for i in group), key=lambda i: (i.get("published") or "",
                                                                  i["article_id"]))
        pid = procedure_id([a["article_id"] for a in arts])
        stages: dict[str, dict] = {}
        for art in arts:
            if art.get("stage") and art["stage"] not in stages:
                stages[art["stage"]] = {"stage": art["stage"], "date": (art.get("published")
                                                                        or "")[:10],
                                        "article_id": art["article_id"]}
        reached = [s for s in stages if s != "sospeso"]
        current = max(reached, key=stage_order.index) if reached else None
        if arts[-1].get("stage") == "sospeso" or (current is None and "sospeso" in stages):
            current = "sospeso"
        rows.append({
            "id": pid,
            "instrument": _most_common(a["instrument"] for a in arts),
            "ente": _most_common(a.get("ente") for a in arts),
            "subject": next((a["subject"] for a in arts if a.get("subject")), None),
            "territory": _json_union(a.get("territory") for a in arts),
            "regioni": _json_union(a.get("regioni") for a in arts),
            "budget": max((a["budget"] for a in arts if a.get("budget")), default=None),
            "stages": _json(sorted(stages.values(), key=lambda s: (s["date"],
                                                                    stage_order.index(s["stage"])))),
            "stage": current,
            "deadline": max((a["deadline"] for a in arts if a.get("deadline")), default=None),
            "partners": _json_union(a.get("partners") for a in arts),
            "duration": next((a["duration"] for a in arts if a.get("duration")), None),
            "first_seen": (arts[0].get("published") or "")[:10] or None,
            "last_seen": (arts[-1].get("published") or "")[:10] or None,
            "stage_changed": stages[current]["date"] if current in stages else None,
            "articles_count": len(arts),
        })
        members += [{"procedure_id": pid, "article_id": a["article_id"], "stage": a.get("stage"),
                     "published": a.get("published")} for a in arts]
    return rows, members


def _most_common(values: Iterable[str | None]) -> str | None:
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: counts[v]) if counts else None  # ties: first seen


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_union(lists: Iterable[list | None]) -> str:
    return _json(list(dict.fromkeys(x for values in lists for x in values or [])))
