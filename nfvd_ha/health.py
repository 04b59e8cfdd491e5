"""Health endpoints for the load balancer (guide 2.8), served by one small asyncio server.

Each endpoint answers any HTTP request with the guide's text and a status code, so both
HAProxy's ``option httpchk`` (status) and F5 monitors (receive string) work:
  GUI        :3001  200 "NFVD-GUI is running"   / 503 "NFVD-GUI Unavailable"
  SiteScope  :8898  200 "SiteScope is running." / 503 "SiteScope is down."
  FF API     :8081  200 "[NFVD FF API OK]"      / 503 "NFVD FF API Unavailable"
A node whose maintenance lock exists reports unavailable, so the LB drains it before its
services stop. Bounded: a cap on open connections, a deadline to read the request, a cap
on its size, and one probe of the service per second whatever the request rate.
"""

import asyncio
import os
import time
from dataclasses import dataclass

from .maintenance.lockfile import LOCK

MAX_CONNECTIONS = 64
READ_TIMEOUT = 2.0
MAX_REQUEST = 4096
PROBE_TTL = 1.0


@dataclass(frozen=True)
class Endpoint:
    name: str
    port: int
    up: str
    down: str
    target: tuple        # (host, port[, path, expected text])


ENDPOINTS = {
    "gui": Endpoint("gui", 3001, "NFVD-GUI is running", "NFVD-GUI Unavailable",
                    ("127.0.0.1", 3000)),
    "sitescope": Endpoint("sitescope", 8898, "SiteScope is running.", "SiteScope is down.",
                          ("127.0.0.1", 18888)),
    "ffapi": Endpoint("ffapi", 8081, "[NFVD FF API OK]", "NFVD FF API Unavailable",
                      ("127.0.0.1", 8080, "/nfvd-ext/status", "NFVD FF API OK")),
}


class Prober:
    """Is the service up? At most one real probe per endpoint per PROBE_TTL."""

    def __init__(self, timeout=1.0):
        self.timeout, self.cache = timeout, {}

    async def up(self, endpoint):
        now = time.monotonic()
        cached = self.cache.get(endpoint.name)
        if cached and now - cached[0] < PROBE_TTL:
            return await cached[1]
        future = asyncio.ensure_future(self._probe(endpoint.target))
        self.cache[endpoint.name] = (now, future)
        return await future

    async def _probe(self, target):
        host, port = target[0], target[1]
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                    self.timeout)
        except (OSError, asyncio.TimeoutError):
            return False
        try:
            if len(target) == 2:
                return True
            writer.write(f"GET {target[2]} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            body = await asyncio.wait_for(reader.read(8192), self.timeout)
            return body.startswith(b"HTTP/1.") and b" 200 " in body.split(b"\r\n")[0] \
                and target[3].encode() in body
        except (OSError, asyncio.TimeoutError):
            return False
        finally:
            writer.close()


def response(code, text, reason=None):
    body = (text + "\n").encode()
    status = {200: "OK", 400: "Bad Request", 503: "Service Unavailable"}[code]
    head = [f"HTTP/1.1 {code} {status}", "Content-Type: text/plain",
            f"Content-Length: {len(body)}", "Connection: close"]
    if reason:
        head.append(f"X-NFVD-Reason: {reason}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class HealthServer:
    def __init__(self, endpoints, lock=LOCK, bind="0.0.0.0", prober=None):
        self.endpoints, self.lock, self.bind = endpoints, lock, bind
        self.prober = prober or Prober()
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.servers = []

    async def start(self):
        for endpoint in self.endpoints:
            handler = lambda r, w, e=endpoint: self.handle(e, r, w)  # noqa: E731
            self.servers.append(await asyncio.start_server(handler, self.bind, endpoint.port,
                                                           limit=MAX_REQUEST))
        return [s.sockets[0].getsockname()[1] for s in self.servers]

    async def handle(self, endpoint, reader, writer):
        if self.slots.locked():  # full: refuse at once rather than queue
            writer.close()
            return
        async with self.slots:
            try:
                writer.write(await self.answer(endpoint, reader))
                await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
            except (OSError, asyncio.TimeoutError):
                pass
            finally:
                writer.close()

    async def answer(self, endpoint, reader):
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, OSError):
            return response(400, "bad request")
        if not head.split(b" ", 1)[0] in (b"GET", b"HEAD"):
            return response(400, "bad request")
        if os.path.exists(self.lock):
            return response(503, endpoint.down, "maintenance")
        if await self.prober.up(endpoint):
            return response(200, endpoint.up)
        return response(503, endpoint.down, "service not answering")

    def close(self):
        for server in self.servers:
            server.close()


def serve(names, lock=LOCK, bind="0.0.0.0", ports=None):
    endpoints = [ENDPOINTS[n] if not ports or n not in ports else
                 Endpoint(**{**ENDPOINTS[n].__dict__, "port": ports[n]}) for n in names]

    async def run():
        server = HealthServer(endpoints, lock, bind)
        await server.start()
        await asyncio.Event().wait()
    asyncio.run(run())
