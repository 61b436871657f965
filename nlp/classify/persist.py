"""Persistence: the model file (skops, plain data only) and its JSON sidecar."""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy
import sklearn
import skops
import skops.io as sio

from nlp.classify.corpus import PACKAGE_DIR, TASK_LABELS, Example
from nlp.classify.model import ModelBundle, TaskModel
from nlp.classify.predict import Classifiers
from nlp.classify.scoring import SetReport
from nlp.features import Featurizer

MODEL_DIR = PACKAGE_DIR / "models" / "classifier"
MODEL_FILE = "classifiers.skops"
SIDECAR_FILE = "classifiers.json"
FORMAT = 1
# Everything the model file may contain; anything else makes loading fail.
TRUSTED_TYPES: list[str] = []  # plain data and numpy arrays only: skops trusts those by default


class ModelError(Exception):
    """A model file that is missing, corrupt or of another format; the message names the file."""


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "skops": skops.__version__}


def model_version(data_hash: str, bundle: ModelBundle) -> str:
    payload = json.dumps({"data": data_hash, "config": bundle.config,
                          "rules": bundle.featurizer.rule_patterns,
                          "sklearn": sklearn.__version__}, sort_keys=True)
    return "clf-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def bundle_state(bundle: ModelBundle) -> dict:
    return {"format": FORMAT, "version": bundle.version, "config": json.dumps(bundle.config),
            "featurizer": bundle.featurizer.to_state(),
            "tasks": {t: m.to_state() for t, m in bundle.tasks.items()}}


def bundle_from_state(state: dict) -> ModelBundle:
    return ModelBundle(Featurizer.from_state(state["featurizer"]),
                       {t: TaskModel.from_state(s) for t, s in state["tasks"].items()},
                       json.loads(state["config"]), state["version"])


def save_bundle(bundle: ModelBundle, out_dir: Path, sidecar: dict) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, sidecar_path = out_dir / MODEL_FILE, out_dir / SIDECAR_FILE
    tmp = model_path.with_suffix(".tmp")
    sio.dump(bundle_state(bundle), tmp, compression=8, compresslevel=9)
    tmp.replace(model_path)
    sidecar_path.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return [model_path, sidecar_path]


def load_classifiers(model_dir: Path | None = None) -> Classifiers:
    """Load the committed (or given) model; a missing or corrupt file raises ModelError."""
    model_dir = Path(model_dir) if model_dir else MODEL_DIR
    model_path, sidecar_path = model_dir / MODEL_FILE, model_dir / SIDECAR_FILE
    for path in (model_path, sidecar_path):
        if not path.is_file():
            raise ModelError(f"{path}: file del modello mancante (esegui `pipeline.py train`)")
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{sidecar_path}: descrizione del modello illeggibile ({exc})") from exc
    try:
        state = sio.load(model_path, trusted=TRUSTED_TYPES)
        bundle = bundle_from_state(state)
    except Exception as exc:  # noqa: BLE001 - any failure here means an unusable model file
        raise ModelError(f"{model_path}: file del modello danneggiato o non fidato "
                         f"({exc})") from exc
    if state.get("format") != FORMAT:
        raise ModelError(f"{model_path}: formato {state.get('format')}, atteso {FORMAT}")
    if sidecar.get("model_version") != bundle.version:
        raise ModelError(f"{sidecar_path}: descrive {sidecar.get('model_version')}, "
                         f"ma {model_path.name} è {bundle.version}")
    return Classifiers(bundle, sidecar)


def build_sidecar(bundle: ModelBundle, examples: Sequence[Example], data_hash: str,
                  cv: SetReport) -> dict:
    origins = Counter(e.origin for e in examples)
    return {
        "model_version": bundle.version,
        "format": FORMAT,
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "labels": {task: list(labels) for task, labels in TASK_LABELS.items()},
        "fitted_labels": {t: [lab for lab, ok in zip(m.labels, m.fitted, strict=True) if ok]
                          for t, m in bundle.tasks.items()},
        "thresholds": {t: dict(zip(m.labels, (round(float(v), 4) for v in m.thresholds),
                                   strict=True)) for t, m in bundle.tasks.items()},
        "training_data": {"sha256": data_hash, "examples": len(examples),
                          "relevant": sum(e.relevant for e in examples),
                          "by_origin": dict(origins)},
        "cross_validated_metrics": cv.summary(),
        "config": bundle.config,
        "rules": dict(zip(bundle.featurizer.rule_names, bundle.featurizer.rule_patterns,
                          strict=True)),
        "features": len(bundle.featurizer.feature_names),
        "library_versions": library_versions(),
    }
