"""The schedule file is data: validated with errors that name the file and the job."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config import ScheduleError, load_schedule

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_schedule_is_valid():
    schedule = load_schedule(ROOT / "scheduler" / "schedule.toml")
    kinds = {j.kind for j in schedule.jobs}
    assert kinds == {"crawl", "digest", "health"}
    digest = next(j for j in schedule.jobs if j.kind == "digest")
    assert digest.trigger_text == "cron 0 7 * * mon"
    assert schedule.timezone == "Europe/Rome"
    assert schedule.sources_path == ROOT / "crawler" / "sources.toml"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[job]]\nid = "d"\nkind = "digest"\ntrigger = "cron"\ncron = "0 25 * * *"',
         r"job 'd': espressione cron errata '0 25 \* \* \*'"),
        ('[[job]]\nid = "d"\nkind = "digest"\ntrigger = "cron"', "richiede un'espressione `cron`"),
        ('[[job]]\nid = "x"\nkind = "backup"\ntrigger = "interval"\nhours = 1',
         "job 'x': tipo di job sconosciuto 'backup'"),
        ('[[job]]\nid = "x"\nkind = "health"\ntrigger = "interval"\nhours = 1\nhorus = 2',
         "job 'x': chiavi sconosciute: horus"),
        ('[[job]]\nid = "x"\nkind = "health"\ntrigger = "interval"\nhours = 0',
         "numeri interi positivi"),
        ('[[job]]\nid = "x"\nkind = "health"\ntrigger = "weekly"', "il trigger deve essere"),
        ('[[job]]\nkind = "health"\ntrigger = "interval"\nhours = 1', "job n. 1: manca `id`"),
        ('[[job]]\nid = "a"\nkind = "health"\ntrigger = "interval"\nhours = 1\n'
         '[[job]]\nid = "a"\nkind = "health"\ntrigger = "interval"\nhours = 2',
         "id di job ripetuti"),
        ('timezone = "Mars/Olympus"\n[[job]]\nid = "a"\nkind = "health"\ntrigger = "interval"'
         '\nhours = 1', "fuso orario sconosciuto"),
        ('colour = "blue"', "chiavi sconosciute: colour"),
        ("[[job]\nbroken", "TOML non valido"),
        ("", "nessun \\[\\[job\\]\\] definito"),
    ],
)
def test_bad_schedules_name_file_and_problem(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ScheduleError, match=message) as err:
        load_schedule(path)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScheduleError, match="file della pianificazione non trovato"):
        load_schedule(tmp_path / "nope.toml")
