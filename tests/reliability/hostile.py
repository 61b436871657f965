"""A hostile web site for reliability tests: an asyncio HTTP/1.0-style server on a 127.x address,
written on raw streams so it can misbehave in ways a well-behaved server library cannot (hang
after the headers, trickle one byte at a time, reset the connection mid-body, lie about sizes).

    site = HostileSite("127.0.0.2").start()
    site.routes["/a"] = page("<html>...</html>")
    site.routes["/slow"] = trickle(b"x" * 1000, every_s=0.5)
    ...; site.paths() -> every request received, in order; site.stop()

Every request is logged (host, path, time) before its handler runs, so a test can assert what
the crawler asked for, and what it never asked for.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Hit:
    host: str
    path: str
    at: float
    user_agent: str


@dataclass
class Request:
    method: str
    path: str  # path + query
    headers: dict[str, str]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class HostileSite:
    host: str = "127.0.0.2"
    routes: dict[str, Handler] = field(default_factory=dict)
    # (path prefix, handler) pairs tried when no exact route matches.
    prefixes: list[tuple[str, Handler]] = field(default_factory=list)
    log: list[Hit] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [hit.path for hit in self.log]

    def hits(self, path: str) -> list[Hit]:
        return [hit for hit in self.log if hit.path == path]

    def start(self) -> HostileSite:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            self._server = await asyncio.start_server(self._serve, self.host, 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError(f"hostile site on {self.host} did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)

    async def _shutdown(self) -> None:
        assert self._server is not None and self._loop is not None
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop.call_soon(self._loop.stop)

    def _handler(self, path: str) -> Handler:
        if path in self.routes:
            return self.routes[path]
        bare = urlsplit(path).path
        if bare in self.routes:
            return self.routes[bare]
        for prefix, handler in self.prefixes:
            if path.startswith(prefix):
                return handler
        return page("<html><body><h1>404 pagina non trovata</h1></body></html>", status=404)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.log.append(Hit(self.host, request.path, time.monotonic(),
                                request.headers.get("user-agent", "")))
            await self._handler(request.path)(request, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# ---------------------------------------------------------------- handlers


def page(body: bytes | str, *, status: int = 200,
         content_type: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> Handler:
    """A complete response."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(data)),
                       **(headers or {})}
        writer.write(_head(status, all_headers) + data)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    return page(b"", status=status, headers={"Location": location})


def fail_then(failures: int, then: Handler, *, status: int = 503,
              retry_after: str | None = None) -> Handler:
    """`failures` error responses (with Retry-After when given), then `then`."""
    count = {"n": 0}
    error = page("<html><body>Servizio non disponibile</body></html>", status=status,
                 headers={"Retry-After": retry_after} if retry_after else None)

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        count["n"] += 1
        await (error if count["n"] <= failures else then)(request, writer)

    return handle


def hang(*, after_headers: bool) -> Handler:
    """Never finishes: sends nothing at all, or the headers and then nothing."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        if after_headers:
            writer.write(_head(200, {"Content-Type": "text/html", "Content-Length": "5000"}))
            writer.write(b"<html><body>")
            await writer.drain()
        await asyncio.sleep(600)

    return handle


def trickle(body: bytes, *, every_s: float, chunk: int = 1) -> Handler:
    """A correct response sent `chunk` bytes at a time every `every_s` seconds."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "text/html; charset=utf-8",
                                 "Content-Length": str(len(body))}))
        for i in range(0, len(body), chunk):
            writer.write(body[i:i + chunk])
            await writer.drain()
            await asyncio.sleep(every_s)

    return handle


def reset_mid_body(body: bytes, *, sent: int) -> Handler:
    """Announces the whole body, sends `sent` bytes, then resets the connection (TCP RST)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"Content-Type": "text/html; charset=utf-8",
                                 "Content-Length": str(len(body))}) + body[:sent])
        await writer.drain()
        await asyncio.sleep(0.2)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return handle


def endless(*, announce: int | None, chunk: bytes = b"<p>" + b"a" * 1021) -> Handler:
    """An endless body (until the client goes away), with a Content-Length or chunked."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if announce is None:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Content-Length"] = str(announce)
        writer.write(_head(200, headers))
        frame = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if announce is None else chunk
        for _ in range(1_000_000):
            writer.write(frame)
            await writer.drain()

    return handle


def dynamic(make: Callable[[Request], tuple[int, str, bytes]]) -> Handler:
    """A response computed from the request: `make` returns (status, content type, body)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        status, content_type, body = make(request)
        await page(body, status=status, content_type=content_type)(request, writer)

    return handle
