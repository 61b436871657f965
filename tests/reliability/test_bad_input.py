"""Bad input gets one clear error: bad config files, broken databases, unusable output folders,
a full disk and broken model files. Commands run as real `pipeline.py` processes; each must exit
non-zero with one message naming the file and the problem, no traceback, and no partial writes."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from cli_support import known_errors
from store.db import open_db
from store.schema import MIGRATIONS
from tests.reliability.content import article_html, rss
from tests.reliability.dbdata import WEEK, build_db
from tests.reliability.hostile import HostileSite, page
from tests.reliability.procs import PIPELINE, ROOT, has_traceback

GOOD_SOURCE = ('[[source]]\nid = "buona"\nname = "Fonte buona"\nkind = "portal"\n'
               'feeds = ["https://www.esempio.it/feed/"]\nallowed_domains = ["esempio.it"]\n')
BAD_SOURCES = {
    "malformed": ("[[source]\nid = 'a'\n", "TOML non valido"),
    "unknown_key": (GOOD_SOURCE + 'colore = "rosso"\n', "chiave 'colore': chiave sconosciuta"),
    "unknown_listing_key": (GOOD_SOURCE + "[source.listing]\nmax_page = 3\n",
                            "listing.max_page"),
    "bad_url": (GOOD_SOURCE.replace("https://www.esempio.it/feed/", "ftp://esempio.it/f"),
                "non è un indirizzo http(s)"),
    "offsite_url": (GOOD_SOURCE.replace("www.esempio.it", "www.altro.it"),
                    "manca in allowed_domains"),
    "duplicate_id": (GOOD_SOURCE + GOOD_SOURCE, "codice ripetuto"),
    "wrong_type": (GOOD_SOURCE.replace('["https://www.esempio.it/feed/"]',
                                       '"https://www.esempio.it/feed/"'),
                   "deve essere un elenco di testi non vuoti"),
    "bad_regex": (GOOD_SOURCE + '[source.listing]\narticle_pattern = "(["\n',
                  "espressione regolare non valida"),
    "not_utf8": (None, "TOML non valido"),
    "empty": ("", "nessuna tabella [[source]]"),
}
JOB = 'id = "settimanale"\nkind = "digest"\ntrigger = "cron"\ncron = "0 7 * * mon"\n'
BAD_SCHEDULES = {
    "malformed": ("[[job]\n" + JOB, "TOML non valido"),
    "unknown_top_key": ('colore = "rosso"\n[[job]]\n' + JOB, "chiavi sconosciute: colore"),
    "unknown_job_key": ("[[job]]\n" + JOB + "ore = 3\n", "chiavi sconosciute: ore"),
    "bad_cron": ("[[job]]\n" + JOB.replace("0 7 * * mon", "61 7 * * mon"),
                 "espressione cron errata '61 7 * * mon'"),
    "cron_fields": ("[[job]]\n" + JOB.replace("0 7 * * mon", "0 7 * *"),
                    "espressione cron errata"),
    "bad_timezone": ('timezone = "Europa/Roma"\n[[job]]\n' + JOB,
                     "fuso orario sconosciuto 'Europa/Roma'"),
    "bad_interval": ('[[job]]\nid = "c"\nkind = "crawl"\ntrigger = "interval"\nhours = "6"\n',
                     "il trigger interval richiede numeri interi positivi"),
    "unknown_kind": ("[[job]]\n" + JOB.replace('"digest"', '"backup"'),
                     "tipo di job sconosciuto 'backup'"),
    "duplicate_job": ("[[job]]\n" + JOB + "[[job]]\n" + JOB, "id di job ripetuti: settimanale"),
    "no_jobs": ('timezone = "Europe/Rome"\n', "nessun [[job]] definito"),
}


def pipeline(*args: str, limit_file_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # a "full disk": writes past this size fail with EFBIG
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run([*PIPELINE, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=240, preexec_fn=limit,
                          env={**os.environ, "COLUMNS": "250", "PYTHONPATH": str(ROOT)})


def one_clear_error(run: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert: non-zero exit, no traceback, exactly one error line holding every needle."""
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert not has_traceback(output), output
    errors = [line for line in output.splitlines() if line.startswith("errore:")]
    assert len(errors) == 1, output
    message = output[output.index("errore:"):]
    for needle in needles:
        assert needle in message, (needle, output)
    return message


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- configuration files


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_bad_sources_file(case: str, tmp_path: Path):
    text, problem = BAD_SOURCES[case]
    path = tmp_path / f"{case}.toml"
    if text is None:
        path.write_bytes(b'[[source]]\nid = "caff\xe8"\n')
    else:
        path.write_text(text, encoding="utf-8")
    db = tmp_path / "out.db"
    one_clear_error(pipeline("crawl", "--sources", str(path), "--db", str(db)), str(path), problem)
    assert not db.exists()
    if case in ("unknown_key", "empty"):
        check = pipeline("sources", "check", "--sources", str(path))
        assert check.returncode == 1 and problem in check.stderr
        assert not has_traceback(check.stderr)


def test_missing_sources_file_and_unknown_source_id(tmp_path: Path):
    missing = tmp_path / "nessuno.toml"
    one_clear_error(pipeline("crawl", "--sources", str(missing), "--db", str(tmp_path / "a.db")),
                    str(missing), "non esiste")
    good = tmp_path / "good.toml"
    good.write_text(GOOD_SOURCE, encoding="utf-8")
    one_clear_error(pipeline("crawl", "--sources", str(good), "--db", str(tmp_path / "b.db"),
                             "--source", "inventata"), "fonti sconosciute: inventata")
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()


@pytest.mark.parametrize("case", sorted(BAD_SCHEDULES))
def test_bad_schedule_file(case: str, tmp_path: Path):
    text, problem = BAD_SCHEDULES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "obs.db"
    command = "schedule" if case in ("bad_cron", "unknown_job_key") else "jobs"
    one_clear_error(pipeline(command, "--config", str(path), "--db", str(db)), str(path), problem)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no db, lock or job store


# ---------------------------------------------------------------- databases


def test_corrupt_database_is_named_and_left_untouched(tmp_path: Path):
    db = tmp_path / "rotto.db"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    for args in (["digest", "--week", WEEK, "--out", str(tmp_path / "out")], ["analyze"]):
        one_clear_error(pipeline(*args, "--db", str(db)), str(db),
                        "non è un database SQLite utilizzabile")
    assert digest(db) == before
    assert not (tmp_path / "out").exists()


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path):
    db = tmp_path / "futuro.db"
    build_db(db, 3, analyzed=True)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('999_from_the_future', '2030-01-01')")
    conn.close()
    before = digest(db)
    one_clear_error(pipeline("digest", "--db", str(db), "--week", WEEK, "--out",
                             str(tmp_path / "out")), "999_from_the_future", "versione più recente")
    assert digest(db) == before


def test_database_from_an_older_version_is_migrated_keeping_its_rows(tmp_path: Path):
    db = tmp_path / "vecchio.db"
    conn = open_db(db, migrate=False)
    name, first = MIGRATIONS[0]
    first(conn)
    conn["_migrations"].insert({"name": name, "applied_at": "2025-01-01"}, pk="name")
    conn["articles"].insert({"id": "a1", "url": "https://x.it/1", "title": "Vecchio articolo",
                             "text": "testo", "published": "2026-11-10", "source_id": "s"})
    conn.conn.close()
    run = pipeline("digest", "--db", str(db), "--week", WEEK, "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as check:
        applied = {r[0] for r in check.execute("SELECT name FROM _migrations")}
        assert applied == {n for n, _ in MIGRATIONS}
        assert check.execute("SELECT title FROM articles").fetchall() == [("Vecchio articolo",)]
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_database_in_a_missing_folder(tmp_path: Path):
    db = tmp_path / "manca" / "obs.db"
    one_clear_error(pipeline("analyze", "--db", str(db)), str(db), "non esiste")
    assert not db.parent.exists()


# ---------------------------------------------------------------- output and full disk


def test_unwritable_digest_folder(tmp_path: Path):
    db = tmp_path / "obs.db"
    build_db(db, 5, analyzed=True)
    blocker = tmp_path / "file"
    blocker.write_text("non una cartella", encoding="utf-8")
    out = blocker / "digest"
    one_clear_error(pipeline("digest", "--db", str(db), "--week", WEEK, "--out", str(out)),
                    str(out), "impossibile scrivere il digest")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM digests").fetchone() == (0,)


def test_full_disk_while_writing_the_digest_leaves_no_partial_files(tmp_path: Path):
    db = tmp_path / "obs.db"
    build_db(db, 150, analyzed=True)  # a digest of ~80 KB HTML, ~40 KB Markdown
    out = tmp_path / "out"
    message = one_clear_error(
        pipeline("digest", "--db", str(db), "--week", WEEK, "--out", str(out),
                 limit_file_bytes=60_000),
        str(out), "impossibile scrivere il digest", "File too large")
    assert message
    assert list(out.iterdir()) == []  # neither file, no temporary file
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM digests").fetchone() == (0,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert pipeline("digest", "--db", str(db), "--week", WEEK, "--out", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [f"digest-{WEEK}.html", f"digest-{WEEK}.md"]


@pytest.mark.slow
def test_full_disk_while_analyzing_stops_with_one_message_and_a_sound_database(tmp_path: Path):
    db = tmp_path / "obs.db"
    build_db(db, 40, analyzed=False)
    run = pipeline("analyze", "--db", str(db), limit_file_bytes=db.stat().st_size + 20_000)
    one_clear_error(run, str(db), "impossibile salvare le analisi")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = conn.execute("SELECT count(*) FROM articles WHERE analyzed_at IS NOT NULL")
        assert done.fetchone()[0] < 40


@pytest.mark.slow
def test_full_disk_while_crawling_fails_the_run_instead_of_losing_pages(tmp_path: Path):
    site = HostileSite("127.0.0.51").start()
    paths = [f"/n/{i}" for i in range(25)]
    for i, path in enumerate(paths):
        site.routes[path] = page(article_html(f"disco-pieno-{i}" * 40, f"Notizia {i}"))
    site.routes["/feed.xml"] = page(rss([(site.url(p), p) for p in paths]),
                                    content_type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nid = "pieno"\nname = "Disco pieno"\nkind = "portal"\n'
                       f'feeds = ["{site.url("/feed.xml")}"]\nallowed_domains = ["{site.host}"]\n',
                       encoding="utf-8")
    db = tmp_path / "obs.db"
    open_db(db).conn.close()
    try:
        run = pipeline("crawl", "--sources", str(sources), "--db", str(db),
                       limit_file_bytes=db.stat().st_size + 40_000)
    finally:
        site.stop()
    output = run.stdout + run.stderr
    assert run.returncode == 1 and not has_traceback(output), output
    assert "pieno" in output and "non riuscita" in output and "disk I/O error" in output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert stored < len(paths)
    fetched = [p for p in site.paths() if p.startswith("/n/")]
    assert len(fetched) < len(paths)  # it stopped instead of fetching pages it cannot keep


# ---------------------------------------------------------------- model files


def _classifier_copy(tmp_path: Path) -> Path:
    from nlp.classify import MODEL_DIR, SIDECAR_FILE

    folder = tmp_path / "classifier"
    folder.mkdir()
    shutil.copy(MODEL_DIR / SIDECAR_FILE, folder / SIDECAR_FILE)
    return folder


def test_missing_corrupt_and_untrusted_classifier_files_raise_model_error(tmp_path: Path):
    import skops.io as sio

    from nlp.classify import MODEL_FILE, ModelError, load_classifiers

    assert ModelError in known_errors()
    folder = _classifier_copy(tmp_path)
    with pytest.raises(ModelError, match="file del modello mancante") as missing:
        load_classifiers(folder)
    assert MODEL_FILE in str(missing.value)
    (folder / MODEL_FILE).write_bytes(os.urandom(4096))
    with pytest.raises(ModelError, match="danneggiato o non fidato") as corrupt:
        load_classifiers(folder)
    assert str(folder / MODEL_FILE) in str(corrupt.value)
    sio.dump({"format": 1, "payload": Fraction(1, 3)}, folder / MODEL_FILE)
    with pytest.raises(ModelError, match="fractions.Fraction"):
        load_classifiers(folder)
    (folder / "classifiers.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="descrizione del modello illeggibile"):
        load_classifiers(folder)


def test_corrupt_or_partial_ner_model_folder_raises_a_named_error(tmp_path: Path):
    from nlp.entities import ModelLoadError, load_extractor

    assert any(issubclass(ModelLoadError, err) for err in known_errors())
    partial = tmp_path / "parziale"
    (partial / "ner").mkdir(parents=True)
    with pytest.raises(ModelLoadError, match="modello NER incompleto"):
        load_extractor(partial)
    corrupt = tmp_path / "rotto"
    corrupt.mkdir()
    (corrupt / "config.cfg").write_text("[nlp\nlang = ", encoding="utf-8")
    (corrupt / "meta.json").write_text(json.dumps({"lang": "it"}), encoding="utf-8")
    with pytest.raises(ModelLoadError) as caught:
        load_extractor(corrupt)
    assert str(corrupt) in str(caught.value)
