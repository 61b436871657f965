"""Many small local web sites from one thread: each site listens on its own loopback address
(127.0.10.1, 127.0.10.2, ...), so Scrapy sees a distinct host with its own download slot and
robots.txt. One asyncio loop serves them all; every request is logged with the time it
arrived (time.monotonic(), server side) before it is answered.

    farm = SiteFarm(hosts(500)).start()
    farm.sites["127.0.10.1"].routes["/robots.txt"] = ("Crawl-delay: 1", "text/plain")
    farm.base("127.0.10.1") -> "http://127.0.10.1:PORT"; farm.sites[host].log -> [(path, at)]
    farm.stop()
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field


def hosts(n: int, first_octet: int = 10) -> list[str]:
    """n loopback addresses, 250 per /24 starting at 127.0.<first_octet>.1."""
    return [f"127.0.{first_octet + i // 250}.{1 + i % 250}" for i in range(n)]


@dataclass
class FarmSite:
    host: str
    port: int = 0
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (body, type)
    log: list[tuple[str, float]] = field(default_factory=list)


class SiteFarm:
    def __init__(self, addresses: list[str]):
        self.sites = {host: FarmSite(host) for host in addresses}
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.AbstractServer] = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def base(self, host: str) -> str:
        return f"http://{host}:{self.sites[host].port}"

    def start(self) -> SiteFarm:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=60)
        return self

    def stop(self) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)

    async def _listen(self) -> None:
        for site in self.sites.values():
            server = await asyncio.start_server(
                lambda r, w, site=site: self._serve(site, r, w), site.host, 0)
            site.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    async def _serve(self, site: FarmSite, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one request after another on the connection
                line = await reader.readline()
                if not line:
                    return
                path = line.split()[1].decode("latin-1") if len(line.split()) > 1 else "/"
                site.log.append((path, time.monotonic()))
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                body, kind = site.routes.get(path, ("not found", "text/plain"))
                status = "200 OK" if path in site.routes else "404 Not Found"
                data = body.encode()
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                             f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
