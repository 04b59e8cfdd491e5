"""Can the peer serve? Asked before a VM outside any cluster (GUI, SiteScope) drains.

Pacemaker and heartbeat know their peers; a GUI or SiteScope VM does not. Its peers are the
other servers of the load balancer service this VM is a server of (the definition's
``[loadbalancer]``, found by this host's name) or the ones the operator names (``--peer
HOST[:PORT]``), and each is asked through its health endpoint (health.py: GUI :3001,
SiteScope :8898) with a bounded GET: the peer can serve when it answers 200 with the
endpoint's "up" text. A peer that does not answer in time, answers anything else or cannot
be named is a reason to refuse; ``--force`` overrides, as for cluster nodes.
"""

import ipaddress
import os
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ... import paths
from ...definition import load_definition
from ...definition.model import Definition
from ...endpoints import ENDPOINTS, Endpoint
from ...errors import NfvdHaError
from ...roles import ROLES
from ..health import MAX_ANSWER, healthy_answer

ASK_TIMEOUT = 3.0  # seconds for one peer's whole answer
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]"
                      r"([A-Za-z0-9-]{0,62}))*$")


def _endpoint(role: str) -> Endpoint:
    """The health endpoint that vouches for a ``role`` VM outside any cluster."""
    name = ROLES[role].endpoint
    if name is None:
        raise NfvdHaError(f"a {role} VM has no health endpoint its peers answer on")
    return ENDPOINTS[name]


@dataclass(frozen=True)
class Peer:
    name: str
    host: str
    port: int
    path: str
    expected: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"


def parse_peer(text: str, role: str) -> Peer:
    """``HOST[:PORT]`` (IPv6 in brackets) as the peer of a ``role`` VM; NfvdHaError if not."""
    endpoint = _endpoint(role)
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([^:\[\]]+)(?::(\d{1,5}))?",
                         text)
    host = match and (match.group(1) or match.group(3))
    port = match and (match.group(2) or match.group(4))
    if not host or not (_address(host) or HOSTNAME.match(host)) or \
            (port and not 0 < int(port) < 65536):
        raise NfvdHaError(f"--peer {text!r}: not HOST or HOST:PORT (a host name or an IP "
                          "address, a port 1-65535)")
    return Peer(host, host, int(port) if port else endpoint.port, "/", endpoint.up)


def _address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def from_definition(definition: Definition, me: str, role: str) -> list[Peer] | None:
    """The other servers of the load balancer services ``me`` serves whose check is
    ``role``'s health endpoint (None when the definition says nothing of ``me``)."""
    endpoint = _endpoint(role)
    balancer = definition.loadbalancer
    services = [s for s in (balancer.services if balancer else ())
                if s.check_port == endpoint.port and any(v.name == me for v in s.servers)]
    if not services:
        return None
    return sorted({Peer(v.name, v.address, s.check_port, s.check_path, endpoint.up)
                   for s in services for v in s.servers if v.name != me},
                  key=lambda p: p.name)


class PeerSource:
    """Where this VM's peers come from: ``--peer`` options, else the definition (default
    paths.DEFINITION), looked up by this host's name."""

    def __init__(self, given: Iterable[str] = (), definition: str = paths.DEFINITION,
                 me: str | None = None, timeout: float = ASK_TIMEOUT,
                 ask: Callable[[Peer, float], str | None] | None = None) -> None:
        self.given, self.definition, self.timeout = tuple(given), definition, timeout
        self.me = me or socket.gethostname()
        self.ask = ask or ask_health

    def peers(self, role: str) -> list[Peer]:
        """[Peer] of this ``role`` VM; NfvdHaError saying why when none can be named."""
        if self.given:
            return [parse_peer(text, role) for text in self.given]
        if not os.path.lexists(self.definition):
            raise NfvdHaError(f"cannot tell who serves while {self.me} is in maintenance: no "
                              f"--peer given and no definition at {self.definition}")
        found = from_definition(load_definition(self.definition), self.me, role)
        if not found:
            raise NfvdHaError(f"cannot tell who serves while {self.me} is in maintenance: "
                              f"{self.definition} has no load balancer service with {self.me} "
                              f"as a server checked on port {_endpoint(role).port}")
        return found

    def problems(self, role: str) -> list[str]:
        """Why no peer could serve while this VM drains ([] when one can)."""
        if role not in ROLES or ROLES[role].endpoint is None:
            return []
        try:
            peers = self.peers(role)
        except NfvdHaError as error:
            return [str(p) for p in error.problems]
        answers = {peer: self.ask(peer, self.timeout) for peer in peers}
        if any(answer is None for answer in answers.values()):
            return []
        return [f"{peer.name} cannot serve: {peer.url} {why}"
                for peer, why in answers.items()]


def ask_health(peer: Peer, timeout: float = ASK_TIMEOUT) -> str | None:
    """None when ``peer``'s endpoint answers 200 with its "up" text within ``timeout`` s
    (whole answer, at most MAX_ANSWER bytes), else what it did instead."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((peer.host, peer.port), timeout=timeout) as sock:
            sock.sendall(f"GET {peer.path} HTTP/1.0\r\nHost: {peer.host}\r\n\r\n".encode())
            answer = _read_all(sock, deadline)
    except TimeoutError:
        return f"did not answer within {timeout:g}s"
    except OSError as exc:
        return f"did not answer ({exc.strerror or exc})"
    if healthy_answer(answer, (peer.expected,)):
        return None
    status = answer.split(b"\r\n", 1)[0].decode("ascii", "replace")[:60]
    return f"answered {status!r}, not 200 {peer.expected!r}"


def _read_all(sock: socket.socket, deadline: float) -> bytes:
    """What ``sock`` sends until it closes (at most MAX_ANSWER bytes) by ``deadline``."""
    answer = b""
    while len(answer) < MAX_ANSWER:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(MAX_ANSWER - len(answer))
        if not chunk:
            break
        answer += chunk
    return answer
