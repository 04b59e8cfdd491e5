"""Health endpoints for the load balancer (guide 2.8), served by one small asyncio server.

Each endpoint answers any GET or HEAD with the guide's text and a status code, so both
HAProxy's ``option httpchk`` (status) and F5 monitors (receive strings) work; the texts are
in endpoints.py:
  GUI        :3001  200 "NFVD-GUI is running"   / 503 "NFVD-GUI Unavailable"
  SiteScope  :8898  200 "SiteScope is running." / 503 "SiteScope is down."
  FF API     :8081  200 "[NFVD FF API OK]"      / 503 "NFVD FF API Unavailable"
A node whose maintenance lock exists answers 503 with the endpoint's "draining" text, so the
LB drains it before its services stop (F5: receive-disable; HAProxy: out). A node whose
supervisor gave up on a component (``nfvd-ha supervise``: restarts exhausted) answers 503.

Bounded against slow or hostile clients, per port: at most MAX_CONNECTIONS open; when full,
the peer address holding the most connections gives up its oldest one still sending its
request (an idle client can never lock the load balancer's check out, and a flood from
other addresses never evicts it: the load balancer holds a check or two at a time), and a
newcomer from a peer that already holds many is refused at accept, held unanswered a
moment so that it cannot retry at once; the server runs at a raised priority (as root), so
local processes flooding at normal priority cannot starve it; a request must arrive whole
within HEADER_TIMEOUT and fit MAX_REQUEST; one probe of the service per PROBE_TTL and one look at
the lock per LOCK_TTL (in a thread: a lock on a hung NFS mount cannot stall the loop),
whatever the request rate. Why a node is unavailable is told to loopback clients only.
"""

import asyncio
import ipaddress
import os
import resource
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from .. import paths
from ..adapters.lockfile import lock_present
from ..endpoints import ENDPOINTS, Endpoint
from ..errors import NfvdHaError

MAX_CONNECTIONS = 512   # per port
HEADER_TIMEOUT = 1.0    # seconds for a whole request (line and headers)
WRITE_TIMEOUT = 2.0
MAX_REQUEST = 4096
MAX_ANSWER = 65536      # of a service's status page
PROBE_TTL = 1.0
LOCK_TTL = 0.2
BACKLOG = 4096
ACCEPT_BATCH = 64       # connections taken per wake-up; the loop serves the others between
NICE = -10              # the server's scheduling priority when it may raise it (root)
PARK = 1.0              # seconds a refused connection is held before it is closed
MAX_PARKED = 2048       # refused connections held at once (descriptors)
FEW = 8                 # connections a peer may hold on a full port (a load balancer: 1-3)


T = TypeVar("T")


class Cached(Generic[T]):
    """An async value computed at most once per ``ttl`` (callers share one in flight)."""

    def __init__(self, compute: Callable[[], Awaitable[T]], ttl: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.compute, self.ttl, self.clock = compute, ttl, clock
        self.at = 0.0
        self.future: asyncio.Future[T] | None = None

    async def get(self) -> T:
        """The value, computed again when older than ``ttl``."""
        now = self.clock()
        if self.future is None or now - self.at >= self.ttl:
            self.at, self.future = now, asyncio.ensure_future(self.compute())
        return await asyncio.shield(self.future)


class Prober:
    """Is the service up? The target answers (and, with a path, answers 200 with every
    expected text, read whole within the timeout)."""

    def __init__(self, timeout: float = 1.0) -> None:
        self.timeout = timeout

    async def up(self, target: tuple[Any, ...], also: Iterable[tuple[str, int]] = ()) -> bool:
        """The target and every one of ``also`` (host, port) answer, looked at together."""
        found = await asyncio.gather(self._up(target), *(self._up(pair) for pair in also))
        return all(found)

    async def _up(self, target: tuple[Any, ...]) -> bool:
        host, port = target[0], target[1]
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                    self.timeout)
        except (TimeoutError, OSError):
            return False
        try:
            if len(target) == 2:
                return True
            writer.write(f"GET {target[2]} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            answer = await asyncio.wait_for(read_answer(reader), self.timeout)
            return healthy_answer(answer, target[3])
        except (TimeoutError, OSError):
            return False
        finally:
            writer.close()


async def read_answer(reader: asyncio.StreamReader, cap: int = MAX_ANSWER) -> bytes:
    """The whole answer (HTTP/1.0: until the server closes), however many writes it took;
    at most ``cap`` bytes."""
    answer = b""
    while len(answer) < cap:
        chunk = await reader.read(cap - len(answer))
        if not chunk:
            break
        answer += chunk
    return answer


def healthy_answer(answer: bytes, expected: Iterable[str]) -> bool:
    """A 200 status line and every expected text in the body."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    return len(status) >= 2 and status[0].startswith(b"HTTP/1.") and status[1] == b"200" \
        and all(text.encode() in body for text in expected)


def response(code: int, text: str, reason: str | None = None, head: bool = False) -> bytes:
    """An HTTP/1.1 answer: ``code``, ``text`` as the body (not for HEAD), the reason in
    X-NFVD-Reason when given."""
    body = (text + "\n").encode()
    status = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed",
              503: "Service Unavailable"}[code]
    lines = [f"HTTP/1.1 {code} {status}", "Content-Type: text/plain",
             f"Content-Length: {len(body)}", "Connection: close"]
    if reason:
        lines.append(f"X-NFVD-Reason: {reason}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body)


def _loopback(writer: asyncio.StreamWriter) -> bool:
    """The client is on this host (it may be told why an endpoint is down)."""
    peer = writer.get_extra_info("peername")
    try:
        return bool(peer) and ipaddress.ip_address(peer[0]).is_loopback
    except ValueError:
        return False


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bool] | None:
    """(method, http09) of one request within HEADER_TIMEOUT; None when it is not one."""
    deadline = asyncio.get_running_loop().time() + HEADER_TIMEOUT
    line = await _line(reader, deadline)
    words = line.split()
    if len(words) < 2 or len(words) > 3:
        return None
    if len(words) == 2:  # HTTP/0.9 ("GET /"): no headers follow, answer at once
        return words[0], True
    while (await _line(reader, deadline)).strip():
        pass
    return words[0], False


async def _line(reader: asyncio.StreamReader, deadline: float) -> bytes:
    left = deadline - asyncio.get_running_loop().time()
    if left <= 0:
        raise TimeoutError
    return await asyncio.wait_for(reader.readline(), left)


class Slots:
    """The open connections of one port, by peer address, at most ``limit``. When full, the
    peer holding the most connections loses its oldest one still sending its request: a
    flood, whatever its rate, takes its own slots, never the load balancer's (one check at
    a time from its address) - unless every peer holds as few as it does."""

    def __init__(self, limit: int = MAX_CONNECTIONS) -> None:
        self.limit, self.count = limit, 0
        #: {peer: {writer: still reading its request}}, oldest first
        self.by_peer: dict[str | None, OrderedDict[asyncio.StreamWriter, bool]] = {}

    def admit(self, peer: str | None, writer: asyncio.StreamWriter) -> bool:
        """Room for ``writer`` (from ``peer``); False when nothing could be dropped."""
        if self.count >= self.limit:
            victim = self._victim()
            if victim is None:
                return False
            self.release(*victim)
            victim[1].transport.abort()
        self.by_peer.setdefault(peer, OrderedDict())[writer] = True
        self.count += 1
        return True

    def refused(self, peer: str | None) -> bool:
        """A newcomer from ``peer`` is not worth a slot: the port is full, others share it,
        and ``peer`` already holds FEW or more, or as many as anyone (a flood is refused
        where it is cheapest; a load balancer holds one check, a few at most, at a time).
        Alone on the port, a peer's newcomers take the place of its own oldest requests."""
        if self.count < self.limit or len(self.by_peer) < 2:
            return False
        held = len(self.by_peer.get(peer, ()))
        return held >= FEW or (held > 0 and held >= max(len(t) for t in self.by_peer.values()))

    def answering(self, peer: str | None, writer: asyncio.StreamWriter) -> bool:
        """``writer`` sent its request: never dropped from now on (False: already was)."""
        table = self.by_peer.get(peer)
        if table is None or writer not in table:
            return False
        table[writer] = False
        return True

    def release(self, peer: str | None, writer: asyncio.StreamWriter) -> None:
        """``writer``'s slot is free again."""
        table = self.by_peer.get(peer)
        if table is not None and table.pop(writer, None) is not None:
            self.count -= 1
            if not table:
                del self.by_peer[peer]

    def _victim(self) -> tuple[str | None, asyncio.StreamWriter] | None:
        """The oldest connection still reading of the peer holding the most."""
        for peer, table in sorted(self.by_peer.items(), key=lambda item: -len(item[1])):
            oldest = next((w for w, reading in table.items() if reading), None)
            if oldest is not None:
                return peer, oldest
        return None


class Parked:
    """Refused connections, held unanswered for PARK seconds before they are closed (at
    most MAX_PARKED; beyond that the oldest is closed at once): a flood that would retry as
    soon as it is turned away waits instead, and costs this process a descriptor, never a
    task."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.held: deque[tuple[float, socket.socket]] = deque()
        self.timer: asyncio.TimerHandle | None = None

    def park(self, conn: socket.socket) -> None:
        """Hold ``conn`` unanswered for PARK seconds."""
        self.expire(len(self.held) >= MAX_PARKED)
        self.held.append((self.clock() + PARK, conn))
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(PARK, self._tick)

    def expire(self, one_more: bool = False) -> None:
        """Close what is due (and the oldest one, to make room)."""
        now = self.clock()
        while self.held and (self.held[0][0] <= now or one_more):
            self.held.popleft()[1].close()
            one_more = False

    def _tick(self) -> None:
        self.timer = None
        self.expire()
        if self.held:
            self.timer = asyncio.get_running_loop().call_later(PARK, self._tick)

    def close(self) -> None:
        """Close every parked connection."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        while self.held:
            self.held.popleft()[1].close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (non-blocking; IPv6 only for an IPv6 host)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _peer(writer: asyncio.StreamWriter) -> str | None:
    peer = writer.get_extra_info("peername")
    return peer[0] if peer else None


class HealthServer:
    """The health endpoints on one event loop: each answers up, down or draining, as the
    guide's checks did, and holds out against a flood of connections."""

    def __init__(self, endpoints: Sequence[Endpoint], lock: str = paths.LOCK,
                 bind: str = "127.0.0.1", prober: Prober | None = None,
                 announce: Callable[[str], object] | None = None,
                 out_of_service: str = paths.OUT_OF_SERVICE) -> None:
        self.endpoints, self.lock, self.bind = endpoints, lock, bind
        self.prober = prober or Prober()
        self.announce = announce or (lambda text: None)
        self.listeners: list[tuple[asyncio.AbstractEventLoop, socket.socket]] = []
        self.open = {e.name: Slots() for e in endpoints}
        self.parked = Parked()
        self.tasks: set[asyncio.Future[None]] = set()
        self.lock_state = Cached(lambda: asyncio.to_thread(lock_present, self.lock), LOCK_TTL)
        self.given_up = Cached(lambda: asyncio.to_thread(os.path.lexists, out_of_service),
                               LOCK_TTL)
        self.service = {e.name: self._service_state(e) for e in endpoints}
        self.last: dict[str, str] = {}

    def _service_state(self, endpoint: Endpoint) -> Cached[bool]:
        """Whether ``endpoint``'s service is up, probed at most once per PROBE_TTL."""
        return Cached(lambda: self.prober.up(endpoint.target, endpoint.also), PROBE_TTL)

    async def start(self) -> list[int]:
        """Listen on every endpoint's port; the ports bound."""
        loop = asyncio.get_running_loop()
        for endpoint in self.endpoints:
            try:
                sock = _listen(self.bind, endpoint.port)
            except OSError as exc:
                self.close()
                why = os.strerror(exc.errno) if exc.errno else str(exc)
                raise NfvdHaError(f"{self.bind}:{endpoint.port} ({endpoint.name}): cannot "
                                  f"listen: {why}") from None
            loop.add_reader(sock.fileno(), self._accept, endpoint, sock)
            self.listeners.append((loop, sock))
        return [sock.getsockname()[1] for _, sock in self.listeners]

    def _accept(self, endpoint: Endpoint, sock: socket.socket) -> None:
        """Take waiting connections (a batch: the loop serves the others in between); one a
        full port refuses (see Slots.refused) is parked before it costs a task - a flood is
        turned away at the speed of accept()."""
        slots = self.open[endpoint.name]
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = sock.accept()
            except OSError:  # none left (EAGAIN), or no descriptor to spare now
                return
            if slots.refused(address[0]):
                self.parked.park(conn)
                continue
            conn.setblocking(False)
            task = asyncio.ensure_future(self._serve(endpoint, conn))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _serve(self, endpoint: Endpoint, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_REQUEST, loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        try:
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, conn)
        except OSError:
            conn.close()
            return
        await self.handle(endpoint, reader, asyncio.StreamWriter(transport, protocol, reader,
                                                                 loop))

    async def handle(self, endpoint: Endpoint, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        """Answer one connection (if it gets a slot)."""
        slots, peer = self.open[endpoint.name], _peer(writer)
        if not slots.admit(peer, writer):
            writer.transport.abort()
            return
        try:
            answer = await self.answer(endpoint, reader, _loopback(writer))
            if slots.answering(peer, writer):  # answering: not evicted any more
                writer.write(answer)
                await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
        except (TimeoutError, OSError):
            pass
        finally:
            slots.release(peer, writer)
            writer.close()

    async def answer(self, endpoint: Endpoint, reader: asyncio.StreamReader, local: bool
                     ) -> bytes:
        """The answer to the request ``reader`` holds."""
        try:
            request = await read_request(reader)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError, OSError):
            request = None
        if request is None:
            return response(400, "bad request")
        method, _ = request
        if method not in (b"GET", b"HEAD"):
            return response(405, "GET or HEAD only")
        head = method == b"HEAD"
        if await self.lock_state.get():
            return self._down(endpoint, "maintenance", local, head, endpoint.draining)
        if await self.given_up.get():
            return self._down(endpoint, "supervisor gave up: restarts exhausted", local, head)
        if await self.service[endpoint.name].get():
            self._note(endpoint, "up")
            return response(200, endpoint.up, head=head)
        return self._down(endpoint, "service not answering", local, head)

    def _down(self, endpoint: Endpoint, reason: str, local: bool, head: bool,
              text: str | None = None) -> bytes:
        self._note(endpoint, reason)
        return response(503, text or endpoint.down, reason if local else None, head)

    def _note(self, endpoint: Endpoint, state: str) -> None:
        if self.last.get(endpoint.name) != state:
            self.last[endpoint.name] = state
            self.announce(f"{endpoint.name} :{endpoint.port}: "
                          + ("available" if state == "up" else f"unavailable ({state})"))

    def close(self) -> None:
        """Stop listening; close what is parked."""
        for loop, sock in self.listeners:
            loop.remove_reader(sock.fileno())
            sock.close()
        self.listeners = []
        self.parked.close()


def endpoints_for(names: Iterable[str], ports: Mapping[str, int] | None = None,
                  targets: Mapping[str, tuple[Any, ...]] | None = None) -> list[Endpoint]:
    """The endpoints of ``names``, with ports/targets overridden where given."""
    chosen = []
    for name in names:
        endpoint = ENDPOINTS[name]
        if ports and name in ports:
            endpoint = replace(endpoint, port=ports[name])
        if targets and name in targets:
            endpoint = replace(endpoint, target=targets[name])
        chosen.append(endpoint)
    return chosen


def raise_open_files_limit() -> None:
    """Thousands of clients need thousands of descriptors: take the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def raise_priority(nice: int = NICE) -> None:
    """Run ahead of ordinary processes (as root; else as it is): a connect flood from local
    processes at normal priority cannot starve the loop that answers the load balancer.
    Set before any thread starts, so the lock-checking threads inherit it."""
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) > nice:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        pass


def serve(names: Iterable[str], lock: str = paths.LOCK, bind: str = "127.0.0.1",
          ports: Mapping[str, int] | None = None,
          targets: Mapping[str, tuple[Any, ...]] | None = None,
          announce: Callable[[str], object] | None = None) -> None:
    """Serve the endpoints ``names`` until killed."""
    raise_open_files_limit()
    raise_priority()
    server = HealthServer(endpoints_for(names, ports, targets), lock, bind, announce=announce)

    async def run() -> None:
        bound = await server.start()
        for endpoint, port in zip(server.endpoints, bound, strict=True):
            (announce or (lambda t: None))(f"{endpoint.name}: serving on {bind}:{port}")
        await asyncio.Event().wait()
    asyncio.run(run())
