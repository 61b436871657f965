"""A small threaded HTTP server for the bundled demo sites (stdlib only).

The generated files under ``demo_sites/www/<site>/`` contain the placeholder ``__BASE_URL__``
wherever an absolute URL is needed (feeds, sitemaps, robots.txt, canonical links). The server
replaces it with its own ``http://host:port`` when it serves a text file, so the same committed
files work on any address and port.

URL to file mapping, in order:

* ``/dir/?page=N`` or ``/dir?page=N`` -> ``dir/page-N.html`` (query-string pagination);
* a path ending in ``/`` -> ``index.html`` (or ``index.xml`` for feeds) inside that directory;
* an existing file -> that file;
* an extension-less path -> ``path.html``, or a 301 redirect to ``path/`` when that is a directory.

Anything else is a 404; paths that would leave the site root are refused with 404 as well.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import socket
import threading
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BASE_PLACEHOLDER = b"__BASE_URL__"
WWW_DIR = Path(__file__).resolve().parent / "www"
DEMO_HOSTS = {"portal": "127.0.0.1", "localnews": "127.0.0.2", "comune": "127.0.0.3"}
TEXT_SUFFIXES = {".html", ".xml", ".txt"}
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html lang='it'><head><meta charset='utf-8'><title>Pagina non trovata"
    b"</title></head><body><h1>404</h1><p>La pagina richiesta non esiste.</p></body></html>"
)
PAGE_NUMBER = re.compile(r"^[1-9][0-9]{0,3}$")


@dataclass(frozen=True)
class Resolution:
    """Where a request path leads: a file to serve, a redirect, or nothing (404)."""

    file: Path | None = None
    redirect: str | None = None


def resolve(root: Path, raw_path: str) -> Resolution:
    """Map a request target (path and query) to a file under ``root``; pure but for stat calls."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    if "\x00" in path or "\\" in path or ".." in path.split("/"):
        return Resolution()
    rel = path.strip("/")
    page = parse_qs(parts.query).get("page", [None])[0]
    if page is not None:
        return _inside(root, f"{rel}/page-{page}.html") if PAGE_NUMBER.match(page) else Resolution()
    if path.endswith("/") or not rel:
        return _directory_index(root, rel)
    return _file_or_redirect(root, rel)


def _directory_index(root: Path, rel: str) -> Resolution:
    for index in ("index.html", "index.xml"):
        found = _inside(root, f"{rel}/{index}")
        if found.file:
            return found
    return Resolution()


def _file_or_redirect(root: Path, rel: str) -> Resolution:
    direct = _inside(root, rel)
    if direct.file:
        return direct
    if "." not in rel.rsplit("/", 1)[-1]:
        as_html = _inside(root, rel + ".html")
        if as_html.file:
            return as_html
        candidate = (root / rel).resolve()
        if candidate.is_dir() and candidate.is_relative_to(root.resolve()):
            return Resolution(redirect="/" + rel + "/")
    return Resolution()


def _inside(root: Path, rel: str) -> Resolution:
    root = root.resolve()
    candidate = root.joinpath(*(part for part in rel.split("/") if part)).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return Resolution(file=candidate)
    return Resolution()


def content_type(file: Path, body: bytes) -> str:
    """Content-Type for a served file; XML is sniffed to tell RSS and Atom feeds from sitemaps."""
    suffix = file.suffix.lower()
    if suffix == ".xml":
        head = body[:400]
        if b"<rss" in head:
            return "application/rss+xml; charset=utf-8"
        if b"<feed" in head:
            return "application/atom+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    return {
        ".html": "text/html; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".pdf": "application/pdf",
    }.get(suffix, "application/octet-stream")


def render_body(file: Path, base_url: str) -> bytes:
    """File bytes with the base-URL placeholder substituted in text files."""
    body = file.read_bytes()
    if file.suffix.lower() in TEXT_SUFFIXES:
        body = body.replace(BASE_PLACEHOLDER, base_url.encode("ascii"))
    return body


def is_not_modified(
    etag: str, mtime: int, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since when both are sent."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since is not None and mtime <= int(since.timestamp())
    return False


class _SiteHandler(BaseHTTPRequestHandler):
    server_version = "DemoSite/1.0"
    handle_ref: ServerHandle  # set on the per-server subclass

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence stderr logging: requests are recorded in ``ServerHandle.requests``."""

    def _respond(self, send_body: bool) -> None:
        handle = self.handle_ref
        found = resolve(handle.root, self.path)
        if found.redirect:
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", {"Location": found.redirect}, send_body)
        elif found.file is None:
            headers = {"Content-Type": "text/html; charset=utf-8"}
            self._send(HTTPStatus.NOT_FOUND, NOT_FOUND_PAGE, headers, send_body)
        else:
            self._send_file(found.file, send_body)

    def _send_file(self, file: Path, send_body: bool) -> None:
        body = render_body(file, self.handle_ref.url)
        mtime = int(file.stat().st_mtime)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if is_not_modified(etag, mtime, inm, ims):
            self._send(HTTPStatus.NOT_MODIFIED, b"", headers, send_body=False)
            return
        headers["Content-Type"] = content_type(file, body)
        self._send(HTTPStatus.OK, body, headers, send_body)

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.handle_ref.requests.append((self.command, self.path, int(status)))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


@dataclass
class ServerHandle:
    """A running demo-site server; ``requests`` logs (method, path, status) of every request."""

    root: Path
    host: str
    port: int
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Shut the server down and wait for its thread; safe to call twice."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def serve_site(root: Path, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Serve ``root`` on host:port (0 = any free port) from a background thread."""
    handle = ServerHandle(root=Path(root).resolve(), host=host, port=port)
    handler = type("BoundSiteHandler", (_SiteHandler,), {"handle_ref": handle})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    handle.port = server.server_address[1]
    handle._server = server
    handle._thread = threading.Thread(target=server.serve_forever, name=f"demo-{host}", daemon=True)
    handle._thread.start()
    return handle


def serve_demo(base_port: int = 0, www: Path = WWW_DIR) -> dict[str, ServerHandle]:
    """Serve the three demo sites on 127.0.0.1/.2/.3, on one shared port when possible."""
    port = base_port or _shared_free_port(list(DEMO_HOSTS.values()))
    handles: dict[str, ServerHandle] = {}
    try:
        for site, host in DEMO_HOSTS.items():
            handles[site] = serve_site(www / site, host, port)
    except OSError:
        for handle in handles.values():
            handle.stop()
        if base_port:
            raise
        handles = {site: serve_site(www / site, host, 0) for site, host in DEMO_HOSTS.items()}
    return handles


def _shared_free_port(hosts: list[str], attempts: int = 20) -> int:
    """A port free on every host, or 0 when none was found (each site then picks its own)."""
    for _ in range(attempts):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        if all(_port_free(host, port) for host in hosts):
            return port
    return 0


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    """CLI: serve the three demo sites until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Serve the bundled demo sites on 127.0.0.1-3.")
    parser.add_argument("--port", type=int, default=8000, help="shared port (0 = any free port)")
    args = parser.parse_args(argv)
    handles = serve_demo(args.port)
    for site, handle in handles.items():
        print(f"{site:10} {handle.url}/", flush=True)
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for handle in handles.values():
            handle.stop()


if __name__ == "__main__":
    main()
