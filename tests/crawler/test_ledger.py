"""The per-process ledger: statuses and messages of run records. Pure."""

from crawler.ledger import RunLedger


def test_status_failed_partial_ok_and_clear_messages():
    ledger = RunLedger(run_id="r1")
    ledger.entry("dead", ok=False, kind="dns", detail="https://x.it/feed/")
    ledger.entry("half", ok=True)
    ledger.error("half", "http_404", "https://x.it/a")
    ledger.entry("fine", ok=True)
    ledger.cut_short(["slow"], "closespider_timeout")
    rows = {r["source_id"]: r for r in ledger.records()}
    assert rows["dead"]["status"] == "failed"
    assert rows["dead"]["message"] == ("no feed, sitemap or listing page could be read: dns: host "
                                       "name not resolved (no network, or the domain is gone) "
                                       "(https://x.it/feed/)")
    assert rows["half"]["status"] == "partial" and rows["half"]["errors_by_kind"] == {
        "http_404": 1}
    assert rows["fine"]["status"] == "ok" and rows["fine"]["message"] == ""
    assert rows["slow"]["errors_by_kind"] == {"time_limit": 1}


def test_messages_say_what_was_resumed_and_what_is_still_pending():
    ledger = RunLedger(run_id="r2")
    ledger.entry("resumed", ok=True)
    ledger.count("resumed", "resumed", 4)
    ledger.entry("pending", ok=True)
    ledger.error("pending", "http_503", "https://x.it/a")
    ledger.count("pending", "frontier_pending", 1)
    rows = {r["source_id"]: r for r in ledger.records()}
    assert rows["resumed"]["status"] == "ok"
    assert rows["resumed"]["message"] == "resumed 4 links left pending by an earlier run"
    assert rows["pending"]["status"] == "partial"
    assert rows["pending"]["message"] == "errors: http_503 x1; 1 links pending for the next run"


def test_claims_are_once_per_process_and_progress_events_flow():
    events = []
    ledger = RunLedger(run_id="r1", progress=events.append)
    assert ledger.claim("https://x.it/a") and not ledger.claim("https://x.it/a")
    ledger.error("s", "timeout", "https://x.it/a")
    assert events == [{"event": "error", "source": "s", "kind": "timeout",
                       "detail": "https://x.it/a"}]
