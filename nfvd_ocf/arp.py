"""ARP duplicate-address probes (RFC 5227) and gratuitous ARP, on a raw packet socket.

Done here rather than through ``arping``: iputils arping waits whole seconds, and a VIP
start that waits a second for a reply that never comes slows every failover.
"""

import os
import select
import socket
import struct
import time

ETH_P_ARP = 0x0806
_BROADCAST = b"\xff" * 6


def _mac(nic):
    with open(f"/sys/class/net/{nic}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def _frame(mac, op, sender_ip, target_ip, target_mac=b"\x00" * 6):
    eth = _BROADCAST + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, mac, sender_ip, target_mac,
                      target_ip)
    return eth + arp


def _open(nic):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((nic, ETH_P_ARP))
    return sock


def probe(nic, ip, timeout):
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


def _answer_from(frame, target, own_mac):
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    op, sender_mac, sender_ip = struct.unpack("!H6s4s", frame[20:32])
    if sender_ip == target and sender_mac != own_mac and op in (1, 2):
        return ":".join(f"{b:02x}" for b in sender_mac)
    return None


def announce(nic, ip, count, interval):
    """Send ``count`` gratuitous ARP requests for ``ip``, ``interval`` seconds apart."""
    mac, addr = _mac(nic), socket.inet_aton(ip)
    with _open(nic) as sock:
        for i in range(count):
            sock.send(_frame(mac, 1, addr, addr))
            sock.send(_frame(mac, 2, addr, addr, _BROADCAST))
            if i + 1 < count:
                time.sleep(interval)


def announce_in_background(nic, ip, count, interval):
    """Fork a detached child that announces; the caller does not wait for it."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the first child exits at once; the grandchild announces
        return
    try:  # pragma: no cover - the child
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.setsid()
        if os.fork() == 0:
            announce(nic, ip, count, interval)
    finally:
        os._exit(0)
