"""Test-only hook for the crawl processes of tests/reliability/test_resume.py, loaded because
that test puts this folder first on PYTHONPATH (Python imports `sitecustomize` at start-up).

With OBS_TEST_HANG_IN_SAVE=N, the N-th article that a process saves stops inside its open
transaction, after the article row and its seen URLs are written and before COMMIT: the hook
writes the file named by OBS_TEST_HANG_MARKER and waits to be SIGKILLed. The test kills the
crawl at exactly that moment instead of sleeping and hoping. Without the variable it does
nothing, so the parent processes it is also loaded into are unaffected.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _install(after: int, marker: Path) -> None:
    import store.articles

    inner = store.articles._save_article
    saved = []

    def hanging_save(db, art):
        result = inner(db, art)  # written, inside save_article's transaction, not committed
        saved.append(art["url"])
        if len(saved) == after:
            # written whole, then renamed: the test kills as soon as the marker exists
            partial = marker.with_name(marker.name + ".part")
            partial.write_text(art["url"], encoding="utf-8")
            os.replace(partial, marker)
            threading.Event().wait()  # until SIGKILL
        return result

    store.articles._save_article = hanging_save


if os.environ.get("OBS_TEST_HANG_IN_SAVE"):
    _install(int(os.environ["OBS_TEST_HANG_IN_SAVE"]), Path(os.environ["OBS_TEST_HANG_MARKER"]))
