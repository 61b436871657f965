"""Measure the entity extractor on labelled texts: precision / recall / F1 per type.

    docs = load_eval_set("nlp/data/entities_eval/dev.jsonl")
    report = evaluate(load_extractor(), docs)
    print(format_report(report))

Spans match exactly (same character offsets). On top of span scores the report gives, for
matched spans: organisation type accuracy and within-text linking accuracy (do two mentions get
the same key exactly when the gold gives them the same canonical name?), place normalization
accuracy (level and official name), amount value accuracy, and money/percent F1 counting a span
as correct only with the right value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from nlp.eval_data import GoldDoc, load_eval_set
from nlp.metrics import Ratio, Scores
from nlp.types import Entities

EVAL_DIR = Path(__file__).parent / "data" / "entities_eval"
SPLITS = {"dev": EVAL_DIR / "dev.jsonl", "test": EVAL_DIR / "test.jsonl"}


@dataclass(frozen=True)
class SpanError:
    doc_id: str
    kind: str  # organisations | places | money | percent
    error: str  # missed | spurious | wrong_type | wrong_value | wrong_norm
    text: str
    detail: str = ""
    start: int = -1
    end: int = -1


@dataclass
class EntityReport:
    n_docs: int = 0
    spans: dict[str, Scores] = field(default_factory=dict)  # organisations, places, money, percent
    valued: dict[str, Scores] = field(default_factory=dict)  # money / percent with right value
    org_type: Ratio = field(default_factory=Ratio)
    org_linking: Ratio = field(default_factory=Ratio)
    place_norm: Ratio = field(default_factory=Ratio)
    place_inside_org: Scores = field(default_factory=Scores)
    amount_value: Ratio = field(default_factory=Ratio)
    errors: list[SpanError] = field(default_factory=list)


KINDS = ("organisations", "places", "money", "percent")
# How the reports name them (the words of the Datasette interface).
KIND_NAMES = {"organisations": "organizzazioni", "places": "luoghi", "money": "importi",
              "percent": "percentuali"}


def _match(gold: Sequence, pred: Sequence) -> tuple[list[tuple], list, list]:
    """Pairs with identical offsets, unmatched gold, unmatched predictions."""
    by_span = {(p.start, p.end): p for p in pred}
    pairs, missed = [], []
    for g in gold:
        p = by_span.pop((g.start, g.end), None)
        if p is None:
            missed.append(g)
        else:
            pairs.append((g, p))
    return pairs, missed, list(by_span.values())


def _count(report: EntityReport, kind: str, doc_id: str, pairs, missed, spurious) -> None:
    scores = report.spans.setdefault(kind, Scores())
    scores.add(Scores(len(pairs), len(spurious), len(missed)))
    report.errors.extend(SpanError(doc_id, kind, "missed", g.text, "", g.start, g.end)
                         for g in missed)
    report.errors.extend(SpanError(doc_id, kind, "spurious", p.text, "", p.start, p.end)
                         for p in spurious)


def _score_orgs(report: EntityReport, doc: GoldDoc, ents: Entities) -> None:
    pairs, missed, spurious = _match(doc.orgs, ents.organisations)
    _count(report, "organisations", doc.id, pairs, missed, spurious)
    for gold, pred in pairs:
        report.org_type.add(gold.type == pred.type)
        if gold.type != pred.type:
            report.errors.append(SpanError(doc.id, "organisations", "wrong_type", gold.text,
                                           f"{pred.type} (gold {gold.type})"))
    for (g1, p1), (g2, p2) in combinations(pairs, 2):
        report.org_linking.add((g1.canonical == g2.canonical) == (p1.key == p2.key))


def _score_places(report: EntityReport, doc: GoldDoc, ents: Entities) -> None:
    pairs, missed, spurious = _match(doc.places, ents.places)
    _count(report, "places", doc.id, pairs, missed, spurious)
    for gold, pred in pairs:
        right = gold.level == pred.level and gold.official_name == pred.name
        report.place_norm.add(right)
        if not right:
            report.errors.append(SpanError(doc.id, "places", "wrong_norm", gold.text,
                                           f"{pred.level}:{pred.name} (gold {gold.level}:"
                                           f"{gold.official_name})"))
    inside_gold = [g for g in doc.places if g.inside_org]
    inside_pred = [p for p in ents.places if p.inside_org]
    i_pairs, i_missed, i_spurious = _match(inside_gold, inside_pred)
    report.place_inside_org.add(Scores(len(i_pairs), len(i_spurious), len(i_missed)))


def _value_ok(gold: float, pred: float) -> bool:
    return abs(gold - pred) <= max(0.005, 1e-6 * abs(gold))


def _score_amounts(report: EntityReport, doc: GoldDoc, ents: Entities) -> None:
    for kind in ("money", "percent"):
        gold = [a for a in doc.amounts if a.kind == kind]
        pred = [a for a in ents.amounts if a.kind == kind]
        pairs, missed, spurious = _match(gold, pred)
        _count(report, kind, doc.id, pairs, missed, spurious)
        right = [(g, p) for g, p in pairs if _value_ok(g.value, p.value)]
        wrong = len(pairs) - len(right)
        report.valued.setdefault(kind, Scores()).add(
            Scores(len(right), len(spurious) + wrong, len(missed) + wrong)
        )
        for g, p in pairs:
            report.amount_value.add(_value_ok(g.value, p.value))
            if not _value_ok(g.value, p.value):
                report.errors.append(SpanError(doc.id, kind, "wrong_value", g.text,
                                               f"{p.value} (gold {g.value})"))


def score_doc(report: EntityReport, doc: GoldDoc, ents: Entities) -> None:
    """Add one document's comparison to the report (pure)."""
    report.n_docs += 1
    _score_orgs(report, doc, ents)
    _score_places(report, doc, ents)
    _score_amounts(report, doc, ents)


def evaluate(extractor, docs: Iterable[GoldDoc]) -> EntityReport:
    """Run `extractor.extract` on each gold text and score it."""
    report = EntityReport()
    for doc in docs:
        score_doc(report, doc, extractor.extract(doc.text))
    return report


def evaluate_split(extractor, split: str = "dev") -> EntityReport:
    """Evaluate on a shipped split ('dev' or 'test') or on any JSONL path."""
    path = SPLITS.get(split, Path(split))
    return evaluate(extractor, load_eval_set(path))


def _row(name: str, s: Scores) -> str:
    return (f"{name:<22} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
            f"   tp={s.tp} fp={s.fp} fn={s.fn}")


def format_report(report: EntityReport, max_errors: int = 0) -> str:
    """Plain-text table of the report; with `max_errors` > 0 also lists that many errors."""
    lines = [f"documenti: {report.n_docs}", f"{'tipo':<22} {'P':>6} {'R':>6} {'F1':>6}"]
    for kind in KINDS:
        lines.append(_row(KIND_NAMES[kind], report.spans.get(kind, Scores())))
    for kind in ("money", "percent"):
        lines.append(_row(f"{KIND_NAMES[kind]} (valore)", report.valued.get(kind, Scores())))
    lines.append(_row("luoghi nelle organizz.", report.place_inside_org))
    for label, ratio in (
        ("accuratezza del tipo di organizzazione", report.org_type),
        ("accuratezza del nome canonico", report.org_linking),
        ("accuratezza della normalizzazione dei luoghi", report.place_norm),
        ("accuratezza del valore degli importi", report.amount_value),
    ):
        lines.append(f"{label:<44} {ratio.value:.3f} ({ratio.right}/{ratio.total})")
    for err in report.errors[:max_errors]:
        lines.append(f"  [{err.doc_id}] {err.kind} {err.error}: {err.text!r} {err.detail}")
    return "\n".join(lines)


@dataclass(frozen=True)
class SeedSummary:
    name: str
    words: int
    organisations: list[str]
    places: list[str]
    amounts: list[str]


def extract_seeds(extractor, seeds_dir: Path) -> list[SeedSummary]:
    """Run the extractor on the real seed articles (read in place, never copied): a look at
    what the pipeline finds in unlabelled real text. Empty when the folder is absent."""
    summaries = []
    for path in sorted(Path(seeds_dir).glob("*.txt")) if Path(seeds_dir).is_dir() else []:
        text = path.read_text(encoding="utf-8")
        ents = extractor.extract(text)
        summaries.append(SeedSummary(
            path.name, len(text.split()),
            sorted({o.canonical for o in ents.organisations}),
            sorted({f"{p.name} ({p.level})" for p in ents.places}),
            [a.text for a in ents.amounts],
        ))
    return summaries


def evaluate_all(extractor, max_errors: int = 0) -> str:
    """The report on every labelled set, real-text halves first (nlp/data/realtext/), then the
    project's own dev and held-out sets; the real dev half also gets its errors by class."""
    from nlp.error_classes import format_tally, tally
    from nlp.realtext import gold_docs

    parts = []
    for split in ("dev", "test"):
        docs = gold_docs(split)
        report = evaluate(extractor, docs)
        parts.append(f"== testo reale, metà {split} (nlp/data/realtext, divisa per sito)\n"
                     + format_report(report, max_errors if split == "dev" else 0))
        if split == "dev":
            parts.append(format_tally(tally(report, docs)))
    for split, path in SPLITS.items():
        if path.is_file():
            parts.append(f"== insieme {split} del progetto ({path.name})\n"
                         + format_report(evaluate(extractor, load_eval_set(path))))
    return "\n\n".join(parts)
