"""A local HTTP server for crawler tests: serves a dict of routes on 127.0.0.1, answers
conditional GETs (ETag / Last-Modified -> 304), and logs every request it receives.

A `Gate` holds some responses until a test lets them go, so a test can SIGKILL a crawler at a
known moment ("the first article was requested", "exactly k articles were served")."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

LAST_MODIFIED = "Mon, 17 Mar 2025 08:00:00 GMT"


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None  # for redirects
    delay_s: float = 0.0
    validators: bool = True  # send ETag / Last-Modified and honour conditional GETs


@dataclass
class Gate:
    """Answers the first `pass_first` requests whose path starts with `prefix`, then holds the
    others (after logging them) until `release()`; `held` is set once a request waits."""

    prefix: str
    pass_first: int = 0
    passed: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_turn(self, path: str) -> None:
        if not path.startswith(self.prefix):
            return
        with self._lock:
            if self.passed < self.pass_first:
                self.passed += 1
                return
        self.held.set()
        self.released.wait(timeout=300)

    def release(self) -> None:
        self.released.set()


@dataclass
class Hit:
    path: str
    status: int
    user_agent: str
    conditional: bool
    at: float = field(default_factory=time.monotonic)


@dataclass
class LocalSite:
    routes: dict[str, Resource]
    host: str = "127.0.0.1"
    log: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    gate: Gate | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://{self.host}:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [hit.path for hit in self.log]

    def hits(self, path: str) -> list[Hit]:
        return [hit for hit in self.log if hit.path == path]

    def start(self) -> LocalSite:
        handler = type("SiteHandler", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer((self.host, 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    site: LocalSite

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        key = path + (f"?{parts.query}" if parts.query else "")
        res = self.site.routes.get(key) or self.site.routes.get(path)
        conditional = bool(self.headers.get("If-None-Match")
                           or self.headers.get("If-Modified-Since"))
        if res is None:
            res = Resource(b"<html><body><h1>404</h1></body></html>", status=404)
        status = self._status(res)
        self.site.log.append(Hit(key, status, self.headers.get("User-Agent", ""), conditional))
        if self.site.gate:
            self.site.gate.wait_turn(key)
        if res.delay_s:
            time.sleep(res.delay_s)
        self._send(res, status)

    def _status(self, res: Resource) -> int:
        if res.status != 200 or not res.validators:
            return res.status
        etag = f'"{hashlib.md5(res.body).hexdigest()}"'
        if self.headers.get("If-None-Match") == etag:
            return 304
        if (not self.headers.get("If-None-Match")
                and self.headers.get("If-Modified-Since") == LAST_MODIFIED):
            return 304
        return 200

    def _send(self, res: Resource, status: int) -> None:
        try:
            self.send_response(status)
            if res.location:
                self.send_header("Location", res.location)
            if res.validators and res.status == 200:
                self.send_header("ETag", f'"{hashlib.md5(res.body).hexdigest()}"')
                self.send_header("Last-Modified", LAST_MODIFIED)
            body = b"" if status == 304 else res.body
            self.send_header("Content-Type", res.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client was killed
            pass
