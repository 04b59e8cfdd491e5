"""Which addresses this host holds, asked of the kernel (rtnetlink), and which addresses can
be a VIP at all.

A ``bind()`` succeeds for any address where ``net.ipv4.ip_nonlocal_bind`` (or the IPv6 one)
is set - common on load balancer hosts - and always for 0.0.0.0, 127.x, multicast and
broadcast addresses: it proves nothing. Here an address is held when the kernel lists it
(RTM_GETADDR) on an interface that is up with a carrier (RTM_GETLINK: IFF_UP and
IFF_LOWER_UP), and it has not failed (or is not still running) duplicate address detection.
Standard library only: the quorum device's heuristic runs this every few seconds.
"""

import _socket  # the checks run before every vip action: socket.py is slow to import
import _struct as struct  # (struct.py only re-exports it)

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    Message = tuple[int, bytes]  # (type, payload) of an rtnetlink message

NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
IFA_F_DADFAILED, IFA_F_TENTATIVE = 0x08, 0x40
IFF_UP, IFF_LOWER_UP = 0x1, 0x10000
TIMEOUT = 2.0            # seconds for one dump
MAX_DUMP = 16 << 20      # bytes: a host with more addresses than this is not a node


def packed(ip: object) -> tuple[int, bytes] | None:
    """(family, packed bytes) of an IPv4 or IPv6 address text, or None."""
    if not isinstance(ip, str) or not ip.isascii():
        return None
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            return family, _socket.inet_pton(family, ip)
        except (OSError, ValueError):
            continue
    return None


def unicast_problem(ip: str) -> str | None:
    """Why ``ip`` cannot be a virtual address that one node holds (it is not a unicast
    address a host can own), or None."""
    found = packed(ip)
    if found is None:
        return "is not an IPv4 or IPv6 address"
    family, raw = found
    if family == _socket.AF_INET:
        kind = ("the unspecified address ('this network', 0.0.0.0/8)" if raw[0] == 0 else
                "a loopback address" if raw[0] == 127 else
                "a multicast address" if 224 <= raw[0] <= 239 else
                "the broadcast address" if raw == b"\xff" * 4 else
                "a reserved address (240.0.0.0/4)" if raw[0] >= 240 else
                "a link-local address" if raw[:2] == b"\xa9\xfe" else None)
    else:
        kind = ("the unspecified address" if raw == bytes(16) else
                "the loopback address" if raw == bytes(15) + b"\x01" else
                "a multicast address" if raw[0] == 0xFF else
                "a link-local address" if raw[0] == 0xFE and raw[1] & 0xC0 == 0x80 else
                "an IPv4-mapped address (give the IPv4 address)"
                if raw[:12] == bytes(10) + b"\xff\xff" else None)
    return f"is {kind}: a VIP must be a unicast address" if kind else None


def _dump(kind: int, family: int, header: bytes, timeout: float = TIMEOUT) -> "list[Message]":
    """Every message (type, payload) of one rtnetlink dump, bounded in time and size."""
    sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        sock.settimeout(timeout)
        sock.bind((0, 0))
        request = struct.pack("=IHHII", 16 + len(header), kind, NLM_F_REQUEST | NLM_F_DUMP,
                              1, 0) + header
        sock.send(request)
        return _messages(sock)
    finally:
        sock.close()


def _messages(sock: _socket.socket) -> "list[Message]":
    """The messages of a dump, up to NLMSG_DONE (an error or more than MAX_DUMP: OSError)."""
    found: list[Message] = []
    total = 0
    while True:
        data = sock.recv(1 << 16)
        total += len(data)
        if not data or total > MAX_DUMP:
            raise OSError("rtnetlink dump too large or cut short")
        offset = 0
        while offset + 16 <= len(data):
            length, mtype = struct.unpack_from("=IH", data, offset)
            if length < 16 or offset + length > len(data):
                raise OSError("malformed rtnetlink message")
            if mtype == NLMSG_DONE:
                return found
            if mtype == NLMSG_ERROR:
                raise OSError("rtnetlink dump refused")
            found.append((mtype, data[offset + 16:offset + length]))
            offset += (length + 3) & ~3


def _attributes(payload: bytes, start: int) -> dict[int, bytes]:
    """{type: value} of the rtattrs of a message after its fixed header of ``start`` bytes."""
    found: dict[int, bytes] = {}
    offset = start
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            break
        found.setdefault(kind & 0x3FFF, payload[offset + 4:offset + length])
        offset += (length + 3) & ~3
    return found


def _links_up() -> set[int]:
    """Indexes of the interfaces that are up with a carrier."""
    up = set()
    for mtype, payload in _dump(RTM_GETLINK, _socket.AF_UNSPEC, struct.pack("=BxHiII", 0, 0, 0,
                                                                          0, 0)):
        if mtype == RTM_NEWLINK and len(payload) >= 16:
            _, _, index, flags, _ = struct.unpack_from("=BxHiII", payload)
            if flags & IFF_UP and flags & IFF_LOWER_UP:
                up.add(index)
    return up


class Assignment:
    """One assignment of an address to an interface, as the kernel lists it."""

    __slots__ = ("index", "prefixlen", "flags")

    def __init__(self, index: int, prefixlen: int, flags: int) -> None:
        self.index, self.prefixlen, self.flags = index, prefixlen, flags

    @property
    def tentative(self) -> bool:
        """Duplicate address detection still running (IPv6)."""
        return bool(self.flags & IFA_F_TENTATIVE)

    @property
    def dad_failed(self) -> bool:
        return bool(self.flags & IFA_F_DADFAILED)

    @property
    def device(self) -> str:
        """The interface's name (the device, not an IPv4 label such as eth0:0)."""
        return _socket.if_indextoname(self.index)


def assignments(ip: str, timeout: float = TIMEOUT) -> "list[Assignment]":
    """Every assignment of ``ip`` on this host's interfaces, in the kernel's order (as
    ``ip -o addr show to IP`` lists them), DAD state included; [] if none."""
    found = packed(ip)
    if found is None:
        return []
    family, raw = found
    hits = []
    for mtype, payload in _dump(RTM_GETADDR, family, struct.pack("=BBBBI", family, 0, 0, 0, 0),
                                timeout):
        if mtype != RTM_NEWADDR or len(payload) < 8:
            continue
        fam, prefixlen, flags, _, index = struct.unpack_from("=BBBBI", payload)
        attrs = _attributes(payload, 8)
        if IFA_FLAGS in attrs and len(attrs[IFA_FLAGS]) >= 4:
            flags = struct.unpack_from("=I", attrs[IFA_FLAGS])[0]
        local = attrs.get(IFA_LOCAL, attrs.get(IFA_ADDRESS))
        if fam == family and local == raw:
            hits.append(Assignment(index, prefixlen, flags))
    return hits


def interfaces_holding(ip: str) -> list[int]:
    """Indexes of the interfaces the kernel has ``ip`` on (DAD passed), [] if none."""
    return [a.index for a in assignments(ip) if not a.tentative and not a.dad_failed]


def assigned(ip: str) -> bool:
    """True while the kernel has ``ip`` on one of this host's interfaces (up or not)."""
    return bool(interfaces_holding(ip))


def holds(ip: str) -> bool:
    """True when ``ip`` is a unicast address on an interface of this host that is up."""
    if unicast_problem(ip):
        return False
    held = interfaces_holding(ip)
    return bool(held) and bool(set(held) & _links_up())
