"""`serve_database` as the CLI runs it: a real process that prints its URL, answers over HTTP
and stops on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.publish.conftest import ROOT, free_port

SCRIPT = ("import sys; from pathlib import Path; from publish.serve import serve_database; "
          "serve_database(Path(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]))")


def test_serve_database_prints_url_serves_and_stops_on_ctrl_c(sample_db):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(sample_db.path), str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/osservatorio" in line
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/osservatorio.json") as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/osservatorio/public_articles") as r:
            assert "Articoli" in r.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0, proc.stdout.read()
