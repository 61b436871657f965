"""`python -m demo_sites.server` serves the three sites until interrupted."""

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_cli_prints_urls_serves_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo_sites.server", "--port", "0"], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = [proc.stdout.readline().split() for _ in range(3)]
        urls = {site: url for site, url in lines}
        assert set(urls) == {"portal", "localnews", "comune"}
        with urllib.request.urlopen(urls["comune"] + "it/notizie?page=2", timeout=10) as response:
            assert response.status == 200
            assert "Comune di Fidenza" in response.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
