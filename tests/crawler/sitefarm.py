"""Many small local web sites at once: one asyncio loop (one thread) listening on many 127.x.y.z
addresses, each address a distinct host with its own routes, so a crawl sees hundreds of hosts
(per-host robots.txt, slots and politeness) at the cost of one thread.

    farm = SiteFarm().start()
    base = farm.add("127.0.20.1", {"/": page_html, "/robots.txt": ("text/plain", b"...")})
    ...; farm.paths("127.0.20.1") -> every path requested there; farm.stop()

Routes map a path (with its query, or without) to bytes (HTML), to (content type, bytes), or
to an int status with a Location for redirects: ("redirect", "/new"). Anything else is a 404.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

Route = bytes | tuple[str, bytes]


@dataclass
class SiteFarm:
    routes: dict[str, dict[str, Route]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    log: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _loop: asyncio.AbstractEventLoop | None = None
    _servers: list[asyncio.AbstractServer] = field(default_factory=list)

    def start(self) -> SiteFarm:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.call_soon(ready.set)
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self

    def add(self, host: str, routes: dict[str, Route]) -> str:
        """Serve `routes` on `host` (a 127.x.y.z address); returns the site's base URL."""
        assert self._loop is not None
        self.routes[host] = routes

        async def listen() -> int:
            server = await asyncio.start_server(
                lambda r, w: self._serve(host, r, w), host, 0, backlog=256)
            self._servers.append(server)
            return server.sockets[0].getsockname()[1]

        self.ports[host] = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(10)
        return self.base(host)

    def base(self, host: str) -> str:
        return f"http://{host}:{self.ports[host]}"

    def paths(self, host: str) -> list[str]:
        return list(self.log[host])

    def stop(self) -> None:
        if self._loop is None:
            return

        async def close() -> None:
            for server in self._servers:
                server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _serve(self, host: str, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b" ", 2)[1].decode("latin-1")
            parts = urlsplit(target)
            path = unquote(parts.path)
            key = path + (f"?{parts.query}" if parts.query else "")
            self.log[host].append(key)
            routes = self.routes[host]
            writer.write(_response(routes.get(key, routes.get(path))))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError, IndexError):
            pass
        finally:
            writer.close()


def _response(route: Route | None) -> bytes:
    status, headers, body = 200, {}, b""
    if route is None:
        status, body = 404, b"<html><body><h1>Pagina non trovata</h1></body></html>"
        headers["Content-Type"] = "text/html; charset=utf-8"
    elif isinstance(route, tuple) and route[0] == "redirect":
        status, headers["Location"] = 301, route[1]
    elif isinstance(route, tuple):
        headers["Content-Type"], body = route
    else:
        headers["Content-Type"], body = "text/html; charset=utf-8", route
    headers |= {"Content-Length": str(len(body)), "Connection": "close"}
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body
