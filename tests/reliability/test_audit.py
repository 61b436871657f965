"""The dependency audit (scripts/audit_deps.py) against a local server that speaks PyPI's JSON
API: vulnerable versions fail, withdrawn and reviewed advisories do not, versions it cannot audit
are listed (never counted clean), and an unreachable index is a clear error."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.reliability.procs import ROOT

SCRIPT = ROOT / "scripts" / "audit_deps.py"
ADVISORY = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fixed_in": ["2.0.1"],
            "summary": "Template sandbox escape", "withdrawn": None}
# path -> JSON document; anything else is 404, like PyPI.
DOCUMENTS = {
    # per-version endpoint available (what pip-audit uses)
    "/pypi/oldlib/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [ADVISORY]},
    # only project endpoints, like the proxy these machines reach
    "/pypi/latestvuln/json": {"info": {"version": "2.0"}, "vulnerabilities": [ADVISORY]},
    "/pypi/latestclean/json": {"info": {"version": "3.1"}, "vulnerabilities": []},
    "/pypi/withdrawn/json": {"info": {"version": "1.2"},
                             "vulnerabilities": [{**ADVISORY, "withdrawn": "2099-02-01"}]},
    "/pypi/behind/json": {"info": {"version": "9.0"}, "vulnerabilities": []},
}


class FakeIndex(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        document = DOCUMENTS.get(self.path)
        body = json.dumps(document).encode() if document is not None else b"{}"
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def index_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def audit(index: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--index-url", index, "--timeout", "5",
                           *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_vulnerable_exact_version_fails_and_names_advisory(index_url):
    result = audit(index_url, "--package", "oldlib==1.0", "--package", "latestclean==3.1")
    assert result.returncode == 1, result.stdout
    assert "VULNERABLE oldlib 1.0: PYSEC-2099-1 (CVE-2099-0001); fixed in 2.0.1" in result.stdout
    assert "audited 2 of 2 packages; 1 known vulnerabilities in 1 packages" in result.stdout


def test_latest_release_advisories_apply_when_installed_is_latest(index_url):
    result = audit(index_url, "--package", "latestvuln==2.0")
    assert result.returncode == 1
    assert "VULNERABLE latestvuln 2.0" in result.stdout


def test_withdrawn_and_reviewed_advisories_do_not_fail(index_url):
    clean = audit(index_url, "--package", "withdrawn==1.2", "--package", "latestclean==3.1")
    assert clean.returncode == 0, clean.stdout
    assert "audited 2 of 2 packages; 0 known vulnerabilities" in clean.stdout
    # accepted by alias after review
    reviewed = audit(index_url, "--package", "latestvuln==2.0", "--ignore-vuln", "CVE-2099-0001")
    assert reviewed.returncode == 0, reviewed.stdout


def test_versions_it_cannot_audit_are_listed_not_counted_clean(index_url):
    result = audit(index_url, "--package", "behind==1.0", "--package", "missing==0.1",
                   "--package", "latestclean==3.1")
    assert result.returncode == 0
    assert "not audited behind 1.0: installed 1.0, latest 9.0" in result.stdout
    assert "not audited missing 0.1: not on the index" in result.stdout
    assert "audited 1 of 3 packages; 0 known vulnerabilities in 0 packages; 2 not audited" \
        in result.stdout


def test_unreachable_index_is_a_clear_error():
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = audit(dead, "--package", "jinja2==3.1.6")
    assert result.returncode == 3
    assert "no package could be audited" in result.stderr
    assert "Traceback" not in result.stderr
    assert audit(dead, "--package", "jinja2==3.1.6", "--allow-unreachable").returncode == 0


def test_bad_package_spec_is_a_usage_error(index_url):
    result = audit(index_url, "--package", "jinja2")
    assert result.returncode != 0
    assert "expected NAME==VERSION" in result.stderr
