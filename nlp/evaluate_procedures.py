"""How well the analysis reads procedures, amount roles, deadlines and events (section 7).

The labelled set is `nlp/data/procedures/procedures.jsonl` (see its README): real excerpts and
written texts, each with its publication date, its main procedure (or null), the role of every
money amount and the events it announces. It is split like the real-text set: real texts by
site, written texts by a hash of their id, so no site is in both halves. Tune on `dev`, report
`test` first.

Figures: procedure found (P/R/F1 of "this text has a main procedure"), instrument, stage and
ente procedente accuracy over the texts that have one, deadline exact-date accuracy over the
texts where the gold or the prediction has a deadline, amount-role accuracy over the gold amounts
the extractor found, event P/R/F1 matching type and start date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nlp.canonical import slug
from nlp.eval_data import EvalDataError
from nlp.jsonl import jsonl_records
from nlp.metrics import Ratio, Scores
from nlp.procedures.events import EVENT_TYPES
from nlp.procedures.procedure import INSTRUMENTS, STAGES
from nlp.procedures.roles import ROLES
from nlp.realtext import site_of, split_of

PROCEDURES_PATH = Path(__file__).parent / "data" / "procedures" / "procedures.jsonl"
_KEYS = {"id", "origin", "url", "source_type", "retrieved", "published", "title", "text",
         "procedure", "amounts", "events"}
_PROCEDURE_KEYS = {"instrument", "ente_procedente", "subject", "stage", "deadline", "partners",
                   "territory", "duration"}
SPLITS = ("dev", "test")


def split_of_record(record: dict) -> str:
    """Real texts by site (as the real-text set), written texts by a hash of their id."""
    if record.get("url"):
        return split_of(site_of(record["url"]))
    return "test" if hashlib.sha256(("procedures-1" + record["id"]).encode()).digest()[0] % 2 \
        else "dev"


def load_procedure_records(path: Path = PROCEDURES_PATH) -> list[dict]:
    """Validated records with `split` added; an error names the file, line and problem."""
    records, seen = [], set()
    for where, raw in jsonl_records(path, EvalDataError):
        _check(where, raw)
        if raw["id"] in seen:
            raise EvalDataError(f"{where}: id {raw['id']} ripetuto")
        seen.add(raw["id"])
        records.append({**raw, "split": split_of_record(raw)})
    return records


def _check(where: str, raw: object) -> None:
    if not isinstance(raw, dict):
        raise EvalDataError(f"{where}: il record non è un oggetto JSON")
    if missing := _KEYS - set(raw):
        raise EvalDataError(f"{where}: chiavi mancanti {sorted(missing)}")
    try:
        dt.date.fromisoformat(raw["published"])
    except (TypeError, ValueError) as exc:
        raise EvalDataError(f"{where}: data di pubblicazione non valida ({exc})") from None
    _check_procedure(where, raw["procedure"])
    _check_amounts_and_events(where, raw)


def _check_procedure(where: str, proc: dict | None) -> None:
    if proc is None:
        return
    if missing := _PROCEDURE_KEYS - set(proc):
        raise EvalDataError(f"{where}: procedura senza {sorted(missing)}")
    if proc["instrument"] not in INSTRUMENTS:
        raise EvalDataError(f"{where}: strumento sconosciuto {proc['instrument']!r}")
    if proc["stage"] not in STAGES:
        raise EvalDataError(f"{where}: stadio sconosciuto {proc['stage']!r}")


def _check_amounts_and_events(where: str, raw: dict) -> None:
    for amount in raw["amounts"]:
        if amount.get("role") not in ROLES:
            raise EvalDataError(f"{where}: ruolo sconosciuto {amount.get('role')!r}")
        if amount.get("text") not in raw["text"]:
            raise EvalDataError(f"{where}: l'importo {amount.get('text')!r} non è nel testo")
    for event in raw["events"]:
        if event.get("type") not in EVENT_TYPES:
            raise EvalDataError(f"{where}: tipo di evento sconosciuto {event.get('type')!r}")


@dataclass
class ProcedureReport:
    texts: int = 0
    found: Scores = field(default_factory=Scores)
    instrument: Ratio = field(default_factory=Ratio)
    stage: Ratio = field(default_factory=Ratio)
    ente: Ratio = field(default_factory=Ratio)
    deadline: Ratio = field(default_factory=Ratio)
    role: Ratio = field(default_factory=Ratio)
    amounts_found: Ratio = field(default_factory=Ratio)
    events: Scores = field(default_factory=Scores)
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        return {"procedure_f1": self.found.f1, "instrument": self.instrument.value,
                "stage": self.stage.value, "ente": self.ente.value,
                "deadline": self.deadline.value, "amount_role": self.role.value,
                "event_f1": self.events.f1}


Analyze = Callable[[str, str, dt.date], dict]  # (text, title, published) -> analyze-text JSON


def evaluate(records: list[dict], analyze: Analyze) -> ProcedureReport:
    report = ProcedureReport()
    for record in records:
        out = analyze(record["text"], record["title"] or "", dt.date.fromisoformat(
            record["published"]))
        _score(record, out, report)
        report.texts += 1
    return report


def _score(record: dict, out: dict, report: ProcedureReport) -> None:
    rid, gold, pred = record["id"], record["procedure"], out.get("procedure")
    has_pred, has_gold = pred is not None, gold is not None
    report.found.tp += int(has_pred and has_gold)
    report.found.fp += int(has_pred and not has_gold)
    report.found.fn += int(has_gold and not has_pred)
    if gold is not None:
        _procedure_fields(rid, gold, pred, out, report)
    gold_deadline = (gold or {}).get("deadline")
    pred_deadline = (pred or {}).get("deadline")
    if gold_deadline or pred_deadline:
        ok = bool(gold_deadline and pred_deadline and pred_deadline[:10] == gold_deadline[:10])
        report.deadline.add(ok)
        if not ok:
            report.errors.append(f"[{rid}] scadenza {pred_deadline} (attesa {gold_deadline})")
    _roles(rid, record, out, report)
    _events(rid, record, out, report)


def _procedure_fields(rid: str, gold: dict, pred: dict | None, out: dict,
                      report: ProcedureReport) -> None:
    pred = pred or {}
    report.instrument.add(pred.get("instrument") == gold["instrument"])
    report.stage.add(pred.get("stage") == gold["stage"])
    if pred.get("stage") != gold["stage"]:
        report.errors.append(f"[{rid}] stadio {pred.get('stage')} (atteso {gold['stage']})")
    gold_ente = gold["ente_procedente"]
    pred_ente = pred.get("ente_procedente")
    if gold_ente is None or pred_ente is None:
        ok = gold_ente is None and pred_ente is None and bool(pred)
    else:
        ok = slug(gold_ente) in (slug(pred_ente["canonical"]), slug(pred_ente["text"]))
    report.ente.add(ok)
    if not ok:
        shown = pred_ente["canonical"] if pred_ente else None
        report.errors.append(f"[{rid}] ente {shown!r} (atteso {gold_ente!r})")


def _roles(rid: str, record: dict, out: dict, report: ProcedureReport) -> None:
    """Gold amounts are matched to found amounts by surface and occurrence, in text order."""
    found = {}
    for amount in out.get("amounts", []):
        found.setdefault(amount["text"], []).append(amount)
    used: dict[str, int] = {}
    for amount in record["amounts"]:
        n = used.get(amount["text"], 0)
        used[amount["text"]] = n + 1
        candidates = found.get(amount["text"], [])
        report.amounts_found.add(n < len(candidates))
        if n < len(candidates):
            ok = candidates[n]["role"] == amount["role"]
            report.role.add(ok)
            if not ok:
                report.errors.append(f"[{rid}] ruolo di {amount['text']!r}: "
                                     f"{candidates[n]['role']} (atteso {amount['role']})")


def _events(rid: str, record: dict, out: dict, report: ProcedureReport) -> None:
    gold = {(e["type"], e["start"][:10]) for e in record["events"]}
    pred = {(e["type"], e["start"][:10]) for e in out.get("events", [])}
    report.events.tp += len(gold & pred)
    report.events.fp += len(pred - gold)
    report.events.fn += len(gold - pred)
    for kind, start in sorted(pred - gold):
        report.errors.append(f"[{rid}] evento in più: {kind} {start}")
    for kind, start in sorted(gold - pred):
        report.errors.append(f"[{rid}] evento mancato: {kind} {start}")


def format_report(name: str, report: ProcedureReport) -> str:
    f = report.found
    lines = [
        f"== {name}",
        f"testi: {report.texts}",
        f"procedura trovata     P {f.precision:.3f}  R {f.recall:.3f}  F1 {f.f1:.3f}",
        f"strumento             {report.instrument.value:.3f} "
        f"({report.instrument.right}/{report.instrument.total})",
        f"stadio                {report.stage.value:.3f} "
        f"({report.stage.right}/{report.stage.total})",
        f"ente procedente       {report.ente.value:.3f} ({report.ente.right}/{report.ente.total})",
        f"scadenza (data esatta) {report.deadline.value:.3f} "
        f"({report.deadline.right}/{report.deadline.total})",
        f"ruolo degli importi   {report.role.value:.3f} ({report.role.right}/{report.role.total}; "
        f"importi trovati {report.amounts_found.right}/{report.amounts_found.total})",
        f"eventi (tipo + data)  P {report.events.precision:.3f}  R {report.events.recall:.3f}  "
        f"F1 {report.events.f1:.3f}",
    ]
    return "\n".join(lines)


def evaluate_halves(analyzer, path: Path = PROCEDURES_PATH, max_errors: int = 0) -> str:
    """Both halves with the analyzer, test first; then up to `max_errors` dev errors."""
    records = load_procedure_records(path)

    def analyze(text: str, title: str, published: dt.date) -> dict:
        return analyzer.analyze(text, title, published).to_json()

    out, dev_errors = [], []
    for half in ("test", "dev"):
        report = evaluate([r for r in records if r["split"] == half], analyze)
        out.append(format_report(f"metà {half} ({path.name})", report))
        if half == "dev":
            dev_errors = report.errors[:max_errors]
    return "\n\n".join(out + (["\n".join(dev_errors)] if dev_errors else []))
