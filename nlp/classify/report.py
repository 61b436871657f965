"""What the CLI prints for training and evaluation."""

from __future__ import annotations

from nlp.classify.corpus import TASKS
from nlp.classify.evaluation import EvalReport
from nlp.classify.scoring import TaskMetrics
from nlp.classify.training import TrainReport
from nlp.metrics import LabelMetrics


def format_train(report: TrainReport) -> str:
    """What `pipeline.py train` prints: model version, data, thresholds, out-of-fold metrics."""
    lines = [f"modello {report.model_version} -> {report.model_dir}",
             f"addestrato su {report.examples} testi ({report.relevant} pertinenti, "
             f"{report.reviewed} dalle revisioni della redazione); sha256 dei dati "
             f"{report.data_sha256[:16]}...",
             "metriche fuori partizione (soglie scelte sulle stesse partizioni, quindi un po' "
             "ottimistiche; `evaluate-classifier` dà le cifre sui dati tenuti da parte):"]
    lines += [f"  {k:<36} {v:.3f}" for k, v in report.metrics.items()]
    for task, thresholds in report.thresholds.items():
        lines.append(f"soglie {task}: " + ", ".join(f"{k} {v:.2f}"
                                                        for k, v in thresholds.items()))
    return "\n".join(lines)


def _metric_line(name: str, m: LabelMetrics) -> str:
    return (f"  {name:<24} {m.support:>5} {m.precision:>6.3f} {m.recall:>6.3f} {m.f1:>6.3f}"
            f"   tp={m.tp} fp={m.fp} fn={m.fn}")


def _format_task(metrics: TaskMetrics) -> list[str]:
    lines = [f"  {metrics.task:<24} {'casi':>5} {'prec':>6} {'rich':>6} {'f1':>6}"]
    lines += [_metric_line(m.label, m) for m in metrics.labels]
    if metrics.task != "relevance":
        lines.append(f"  {'macro':<24} {'':>5} {metrics.macro_precision:>6.3f} "
                     f"{metrics.macro_recall:>6.3f} {metrics.macro_f1:>6.3f}")
        lines.append(_metric_line("micro", metrics.micro))
        lines.append(f"  micro F1 sull'intera catena (filtrata dalla pertinenza prevista): "
                     f"{metrics.end_to_end_micro_f1:.3f}")
        if metrics.confused:
            pairs = ", ".join(f"{a} -> {b} ({n})" for a, b, n in metrics.confused)
            lines.append(f"  più confuse (attesa ma mancata -> prevista al suo posto): {pairs}")
    return lines


def format_eval(report: EvalReport) -> str:
    """Per-label precision/recall/F1, macro and micro averages, confused pairs, per data set."""
    out = [f"corpus: {report.corpus_texts} testi = {report.training_texts} di addestramento + "
           f"{report.heldout_texts} tenuti da parte"]
    for s in report.sets:
        out += ["", f"== {s.name}: {s.n_texts} testi, {s.n_relevant} pertinenti"]
        for task in TASKS:
            out += _format_task(s.tasks[task])
        if s.relevance_errors:
            shown = ", ".join(f"{i} ({kind}, p={p})" for i, kind, p in s.relevance_errors[:12])
            out.append(f"  errori di pertinenza: {shown}")
    return "\n".join(out)
