"""ARP duplicate-address probes (RFC 5227) and gratuitous ARP, on a raw packet socket.

Done here rather than through ``arping``: iputils arping waits whole seconds, and a VIP
start that waits a second for a reply that never comes slows every failover.
"""

import os
import select
import socket
import struct
import time

from .regular import ours_alone, read_regular

ETH_P_ARP = 0x0806
_BROADCAST = b"\xff" * 6


def _mac(nic: str) -> bytes:
    with open(f"/sys/class/net/{nic}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def _frame(mac: bytes, op: int, sender_ip: bytes, target_ip: bytes,
           target_mac: bytes = b"\x00" * 6) -> bytes:
    eth = _BROADCAST + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, mac, sender_ip, target_mac,
                      target_ip)
    return eth + arp


def _open(nic: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((nic, ETH_P_ARP))
    return sock


def probe(nic: str, ip: str, timeout: float) -> str | None:
    """Ask who has ``ip`` (sender 0.0.0.0); return the MAC of an answer, or None."""
    mac, target = _mac(nic), socket.inet_aton(ip)
    with _open(nic) as sock:
        sock.send(_frame(mac, 1, b"\x00" * 4, target))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], left)[0]:
                break
            answer = _answer_from(sock.recv(128), target, mac)
            if answer:
                return answer
    return None


def _answer_from(frame: bytes, target: bytes, own_mac: bytes) -> str | None:
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    op, sender_mac, sender_ip = struct.unpack("!H6s4s", frame[20:32])
    if sender_ip == target and sender_mac != own_mac and op in (1, 2):
        return ":".join(f"{b:02x}" for b in sender_mac)
    return None


def announce(nic: str, ip: str, count: int, interval: float) -> None:
    """Send up to ``count`` gratuitous ARP requests for ``ip``, ``interval`` seconds apart,
    and stop as soon as the address is no longer on this host."""
    from .addresses import assigned
    mac, addr = _mac(nic), socket.inet_aton(ip)
    with _open(nic) as sock:
        for i in range(count):
            if not assigned(ip):
                return
            sock.send(_frame(mac, 1, addr, addr))
            sock.send(_frame(mac, 2, addr, addr, _BROADCAST))
            if i + 1 < count:
                time.sleep(interval)


def announce_in_background(nic: str, ip: str, count: int, interval: float,
                           state_file: str) -> None:
    """Fork a detached announcer; the caller does not wait for it. Its pid and start time
    are in ``state_file`` (so a stop can end it) before this returns; the announcer removes
    the file when it is done, and announces nothing unless the file could be written."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the first child notes the grandchild, which announces
        return
    try:  # pragma: no cover - the child
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.setsid()
        noted_r, noted_w = os.pipe()
        announcer = os.fork()
        if announcer == 0:
            os.close(noted_w)
            if os.read(noted_r, 1) == b"1":  # the state names this process
                try:
                    announce(nic, ip, count, interval)
                finally:
                    _forget(state_file)
        else:
            os.close(noted_r)
            _note(state_file, announcer)
            os.write(noted_w, b"1")
    finally:
        os._exit(0)


def _note(state_file: str, pid: int) -> None:
    from . import owned
    os.makedirs(os.path.dirname(state_file), mode=0o755, exist_ok=True)
    tmp = f"{state_file}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{pid} {owned.start_ticks(pid)}\n")
    os.replace(tmp, state_file)


def _forget(state_file: str) -> None:
    try:  # noqa: SIM105 - no contextlib import on the agents' lean path
        os.unlink(state_file)
    except OSError:
        pass


def _state(state_file: str) -> tuple[int, int] | None:
    """(pid, start ticks) the announcer noted, from a regular file of ours no one else can
    write (never through a symlink, never blocking), or None."""
    try:
        words = read_regular(state_file, 64, ours_alone).split()
    except (OSError, ValueError):
        return None
    if len(words) != 2 or not all(w.isdigit() for w in words):
        return None
    return int(words[0]), int(words[1])


def is_announcer(pid: int, ip: str) -> bool:
    """True when ``pid`` is this agent's own announcer of ``ip``: a process of our user whose
    command line is this agent's, run for ``start``, with ``OCF_RESKEY_ip`` set to ``ip``
    (the announcer is a fork of that start: it keeps its arguments and environment)."""
    from . import owned
    from .addresses import packed
    theirs, mine = owned.arguments(pid), owned.arguments(os.getpid())
    announced = owned.environment(pid).get("OCF_RESKEY_ip", "").strip()
    return (len(theirs) >= 2 and theirs[:-1] == mine[:-1] and theirs[-1] == "start"
            and owned.user_of(pid) == os.geteuid()
            and packed(announced) is not None and packed(announced) == packed(ip))


def stop_announcer(state_file: str, ip: str) -> None:
    """End the announcer of ``ip`` that ``state_file`` names - only when that pid, started
    when it says, is proven to be our announcer (see :func:`is_announcer`)."""
    from . import owned
    noted = _state(state_file)
    if noted is not None and not owned.is_protected(noted[0]):
        proc = owned.Proc(*noted)
        if proc.alive() and is_announcer(proc.pid, ip):
            owned.send([proc], owned.SIGKILL)
    _forget(state_file)
