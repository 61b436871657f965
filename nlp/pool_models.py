"""The models of the analysis pool, loaded once in its forkserver process.

`nlp.pool` names this module as the forkserver's preload: the forkserver (a fresh process with
no SQLite connection and no threads of the caller) imports it, and every worker forked from it
starts with the models already in memory, shared copy-on-write. A load error is kept here and
raised by the worker, so it reaches the caller as a message instead of a dead forkserver.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core per worker: BLAS threads would fight

analyzer = None
error: str | None = None
try:
    from nlp.analyze import load_analyzer

    analyzer = load_analyzer()
except Exception as exc:  # noqa: BLE001 - reported by the first chunk a worker gets
    error = f"{type(exc).__name__}: {exc}"
