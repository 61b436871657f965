"""Test-only hooks for the processes of tests/reliability (test_resume.py, test_crashes.py),
loaded because those tests put this folder first on PYTHONPATH (Python imports `sitecustomize`
at start-up).

With OBS_TEST_HANG_IN_SAVE=N, the N-th article that a process saves stops inside its open
transaction, after the article row and its seen URLs are written and before COMMIT: the hook
writes the file named by OBS_TEST_HANG_MARKER and waits to be SIGKILLed. The test kills the
crawl at exactly that moment instead of sleeping and hoping.

With OBS_TEST_HANG_AFTER_ANALYSIS=N, the analysis stage stops after the N-th analysis it has
committed, writes the marker and waits to be SIGKILLed, so a killed analyze run has a known
number of finished articles however fast the machine is.

With OBS_TEST_KILL_WORKER_AFTER=N, a distributed-crawl worker (crawler/distributed/worker.py)
SIGKILLs its whole process group when it is about to hand over its N-th response: that request
(and any other it holds) is leased and unanswered, as when a machine dies mid-crawl. The
marker holds the URL of that response.

Without the variables the hooks do nothing, so the parent processes they are also loaded into
are unaffected.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _hang(marker: Path, content: str) -> None:
    """Write the marker whole (then renamed: the test kills as soon as it exists) and wait."""
    partial = marker.with_name(marker.name + ".part")
    partial.write_text(content, encoding="utf-8")
    os.replace(partial, marker)
    threading.Event().wait()  # until SIGKILL


def _install(after: int, marker: Path) -> None:
    import store.articles

    inner = store.articles._save_article
    saved = []

    def hanging_save(db, art, *rest):
        result = inner(db, art, *rest)  # written, inside save_article's transaction, not committed
        saved.append(art["url"])
        if len(saved) == after:
            _hang(marker, art["url"])
        return result

    store.articles._save_article = hanging_save


def _install_analysis(after: int, marker: Path) -> None:
    import store.analysis

    inner = store.analysis.save_analysis
    saved = []

    def hanging_save_analysis(db, article_id, text, result):
        inner(db, article_id, text, result)  # committed
        saved.append(article_id)
        if len(saved) == after:
            _hang(marker, article_id)

    store.analysis.save_analysis = hanging_save_analysis


def _install_worker_kill(after: int, marker: Path) -> None:
    import signal

    import crawler.distributed.worker as worker

    inner = worker.WorkerSpider._reply
    replies = []

    def dying_reply(self, request, result):
        replies.append(request.url)
        if len(replies) == after:
            partial = marker.with_name(marker.name + ".part")
            partial.write_text(request.url, encoding="utf-8")
            os.replace(partial, marker)
            os.killpg(0, signal.SIGKILL)
        inner(self, request, result)

    worker.WorkerSpider._reply = dying_reply


if os.environ.get("OBS_TEST_KILL_WORKER_AFTER"):
    _install_worker_kill(int(os.environ["OBS_TEST_KILL_WORKER_AFTER"]),
                         Path(os.environ["OBS_TEST_HANG_MARKER"]))
if os.environ.get("OBS_TEST_HANG_AFTER_ANALYSIS"):
    _install_analysis(int(os.environ["OBS_TEST_HANG_AFTER_ANALYSIS"]),
                      Path(os.environ["OBS_TEST_HANG_MARKER"]))
if os.environ.get("OBS_TEST_HANG_IN_SAVE"):
    _install(int(os.environ["OBS_TEST_HANG_IN_SAVE"]), Path(os.environ["OBS_TEST_HANG_MARKER"]))
