"""evaluate-procedures on the labelled set (nlp/data/procedures): the set is well formed and
split by site, and the analysis keeps at least the figures it reached (committed floors, a few
points under what `pipeline.py evaluate-procedures` prints, so a regression fails)."""

from __future__ import annotations

import datetime as dt

import pytest

from nlp.evaluate_procedures import evaluate, load_procedure_records
from nlp.realtext import site_of

# Measured 2026-12-08 (pipeline.py evaluate-procedures). Test half: never tuned on.
FLOORS = {
    "dev": {"procedure_f1": 0.74, "instrument": 0.75, "stage": 0.68, "ente": 0.74,
            "deadline": 0.55, "amount_role": 0.66, "event_f1": 0.55},
    "test": {"procedure_f1": 0.78, "instrument": 0.75, "stage": 0.50, "ente": 0.60,
             "deadline": 0.50, "amount_role": 0.58, "event_f1": 0.28},
}


def test_the_set_is_well_formed_and_no_site_is_in_both_halves():
    records = load_procedure_records()
    assert len(records) >= 120
    real = [r for r in records if r["origin"] == "real"]
    assert len(real) * 2 >= len(records) - 20  # about half real excerpts
    halves = {}
    for r in real:
        halves.setdefault(site_of(r["url"]), set()).add(r["split"])
    assert all(len(h) == 1 for h in halves.values())
    assert {r["split"] for r in records} == {"dev", "test"}


@pytest.fixture(scope="module")
def analyzer():
    from nlp.analyze import load_analyzer

    return load_analyzer()


@pytest.mark.parametrize("half", ["test", "dev"])
def test_figures_stay_above_their_floors(analyzer, half):
    records = [r for r in load_procedure_records() if r["split"] == half]

    def analyze(text: str, title: str, published: dt.date) -> dict:
        return analyzer.analyze(text, title, published).to_json()

    figures = evaluate(records, analyze).figures()
    low = {k: round(v, 3) for k, v in figures.items() if v < FLOORS[half][k]}
    assert low == {}, f"{half}: below the floors {FLOORS[half]}: {low}"
