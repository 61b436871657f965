"""The staff review loop: least confident articles first, decisions stored in `reviews`.

`review_queue` orders unreviewed analyzed articles by how close their relevance score is to the
model threshold, then by the smallest margin of their label scores (active learning: the
decisions that teach the model most come first). `record_review` stores one decision;
`run_review` is the interactive walker behind `pipeline.py review` (console functions are
injectable, so it is tested without a terminal). `pipeline.py train --db` learns from reviews.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from nlp.classify import MODEL_DIR, POLICY_AREAS, PRACTICE_TYPES, SIDECAR_FILE, TASK_LABELS
from store.db import open_db
from store.reviews import (
    REVIEW_TASKS,
    ReviewError,
    insert_reviews,
    label_scores_by_article,
    labels_of,
    review_candidates,
)

DEFAULT_THRESHOLD = 0.5
HELP = ("[y] etichette giuste  [n] non pertinente  [r] pertinente  "
        "[p] scegli i tipi di pratica  [a] scegli le aree di policy  [s] salta  [q] esci")
# The words the Datasette interface uses for the review tasks.
TASK_NAMES = {"relevance": "pertinenza", "practice_type": "tipo di pratica",
              "policy_area": "area di policy"}


@dataclass(frozen=True)
class ReviewItem:
    article_id: str
    title: str
    relevant: bool
    relevance_score: float
    practice_types: tuple[str, ...]
    policy_areas: tuple[str, ...]
    relevance_margin: float  # |score - threshold|: small = unsure
    label_margin: float  # smallest |label score - label threshold| among shown labels


@dataclass
class ReviewSummary:
    shown: int = 0
    reviewed: int = 0
    skipped: int = 0
    decisions: int = 0
    quit: bool = False
    reviewed_ids: list[str] = field(default_factory=list)


def model_thresholds(model_dir: Path | None = None) -> dict[str, dict[str, float]]:
    """Thresholds from the model sidecar (JSON only: no model load needed to build a queue)."""
    path = Path(model_dir or MODEL_DIR) / SIDECAR_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))["thresholds"]
    except (OSError, KeyError, json.JSONDecodeError):
        return {}


def _label_margin(db_labels: list[dict], thresholds: dict[str, dict[str, float]]) -> float:
    margins = [abs(row["score"] - thresholds.get(row["task"], {}).get(row["label"],
                                                                        DEFAULT_THRESHOLD))
               for row in db_labels if row["task"] != "relevance" and row["score"] is not None]
    return min(margins, default=1.0)


def queue_items(candidates: list[dict], labels: dict[str, list[dict]],
                thresholds: dict[str, dict[str, float]], limit: int) -> list[ReviewItem]:
    """Pure ordering of candidate rows: relevance margin first, then label margin."""
    rel_threshold = thresholds.get("relevance", {}).get("relevant", DEFAULT_THRESHOLD)
    items = [
        ReviewItem(
            row["id"], row["title"] or "", bool(row["relevant"]), float(row["relevance_score"]),
            tuple(row["practice_types"]), tuple(row["policy_areas"]),
            round(abs(float(row["relevance_score"]) - rel_threshold), 4),
            round(_label_margin(labels.get(row["id"], []), thresholds), 4),
        )
        for row in candidates
    ]
    items.sort(key=lambda i: (i.relevance_margin, i.label_margin, i.article_id))
    return items[:limit]


def review_queue(db: sqlite_utils.Database, limit: int = 20, *,
                 model_dir: Path | None = None) -> list[ReviewItem]:
    """Unreviewed analyzed articles, least confident first."""
    candidates = review_candidates(db)
    labels = label_scores_by_article(db)
    return queue_items(candidates, labels, model_thresholds(model_dir), limit)


def _check_label(task: str, label: str) -> None:
    if task not in REVIEW_TASKS:
        raise ReviewError(f"compito sconosciuto {task!r} (ammessi: {', '.join(REVIEW_TASKS)})")
    if label not in TASK_LABELS[task]:
        raise ReviewError(f"etichetta {task} sconosciuta {label!r}")


def record_review(db: sqlite_utils.Database, article_id: str, task: str, label: str,
                  value: bool | int, reviewer: str, note: str = "") -> int:
    """Store one staff decision (1 = the label applies, 0 = it does not); returns its row id."""
    _check_label(task, label)
    return insert_reviews(db, [{"article_id": article_id, "task": task, "label": label,
                                "value": int(value), "reviewer": reviewer, "note": note}])[0]


def decision_rows(item: ReviewItem, relevant: bool, practice: set[str],
                  policy: set[str]) -> list[tuple[str, str, int]]:
    """What a confirmed item state means as review rows (task, label, value).

    Labels that were shown or chosen are all decided: chosen ones 1, dropped ones 0."""
    rows = [("relevance", "relevant", int(relevant))]
    if not relevant:
        return rows
    for task, shown, chosen in (("practice_type", item.practice_types, practice),
                                ("policy_area", item.policy_areas, policy)):
        rows += [(task, label, int(label in chosen)) for label in sorted(set(shown) | chosen)]
    return rows


def parse_labels(answer: str, allowed: tuple[str, ...]) -> set[str]:
    """"2, 5" or "coprogettazione disabilita" -> label ids; unknown entries raise ReviewError."""
    chosen = set()
    for token in answer.replace(",", " ").split():
        if token.isdigit() and 1 <= int(token) <= len(allowed):
            chosen.add(allowed[int(token) - 1])
        elif token in allowed:
            chosen.add(token)
        else:
            raise ReviewError(f"etichetta sconosciuta {token!r}")
    return chosen


def _show(item: ReviewItem, db: sqlite_utils.Database, position: str,
          print_fn: Callable[[str], None]) -> None:
    verdict = "pertinente" if item.relevant else "non pertinente"
    print_fn(f"\n[{position}] {item.title}  ({item.article_id})")
    print_fn(f"  pertinenza {item.relevance_score:.2f} -> {verdict}")
    for row in labels_of(db, item.article_id):
        if row["task"] == "relevance":
            continue
        print_fn(f"  {TASK_NAMES.get(row['task'], row['task'])}: {row['label']} {row['score']:.2f}")
        if row["evidence"]:
            print_fn(f"      «{row['evidence']}»")
    print_fn(f"  {HELP}")


def _ask_labels(allowed: tuple[str, ...], input_fn: Callable[[str], str],
                print_fn: Callable[[str], None]) -> set[str] | None:
    print_fn("  " + "  ".join(f"{i} {label}" for i, label in enumerate(allowed, 1)))
    try:
        return parse_labels(input_fn("  etichette (numeri o codici, vuoto = nessuna): "), allowed)
    except ReviewError as exc:
        print_fn(f"  {exc}; nessuna modifica")
        return None


@dataclass
class _State:
    relevant: bool
    practice: set[str]
    policy: set[str]


def _walk_item(item: ReviewItem, input_fn: Callable[[str], str],
               print_fn: Callable[[str], None]) -> _State | str:
    """Read keys until the item is decided (returns its state) or skipped/quit ("s"/"q")."""
    state = _State(item.relevant, set(item.practice_types), set(item.policy_areas))
    while True:
        key = input_fn("  > ").strip().lower()
        if key in ("s", "q"):
            return key
        if key == "y":
            return state
        if key == "n":
            return _State(False, set(), set())
        if key in ("r", "p", "a"):
            state.relevant = True
        if key in ("p", "a"):
            allowed = PRACTICE_TYPES if key == "p" else POLICY_AREAS
            chosen = _ask_labels(allowed, input_fn, print_fn)
            if chosen is not None:
                setattr(state, "practice" if key == "p" else "policy", chosen)
        if key in ("r", "p", "a"):
            print_fn(f"  ora: pertinente, tipi di pratica {sorted(state.practice)}, "
                     f"aree di policy {sorted(state.policy)}  ([y] per salvare)")
        else:
            print_fn(f"  {HELP}")


def run_review(db_path: Path, *, limit: int = 20, reviewer: str,
               input_fn: Callable[[str], str] = input, print_fn: Callable[[str], None] = print,
               model_dir: Path | None = None) -> ReviewSummary:
    """Walk the review queue in a console; each decided article is stored at once."""
    db = open_db(db_path)
    queue = review_queue(db, limit, model_dir=model_dir)
    summary = ReviewSummary()
    if not queue:
        print_fn("Niente da rivedere: tutti gli articoli analizzati sono già stati rivisti.")
    for n, item in enumerate(queue, 1):
        summary.shown += 1
        _show(item, db, f"{n}/{len(queue)}", print_fn)
        outcome = _walk_item(item, input_fn, print_fn)
        if outcome == "q":
            summary.quit = True
            break
        if outcome == "s":
            summary.skipped += 1
            continue
        rows = decision_rows(item, outcome.relevant, outcome.practice, outcome.policy)
        insert_reviews(db, [{"article_id": item.article_id, "task": t, "label": lab,
                             "value": v, "reviewer": reviewer} for t, lab, v in rows])
        summary.reviewed += 1
        summary.decisions += len(rows)
        summary.reviewed_ids.append(item.article_id)
    return summary
