"""Health endpoints on real loopback sockets: the guide's texts, status codes, maintenance,
and bounds against slow or hostile clients."""

import asyncio
import time

import pytest

from nfvd_ha import health
from nfvd_ha.health import Endpoint, HealthServer


async def fetch(port, request=b"GET / HTTP/1.0\r\n\r\n", timeout=5):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    data = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    return data.decode()


async def service(handler=None):
    """A stand-in service on an ephemeral port (the GUI, FF API...)."""
    async def default(reader, writer):
        writer.close()
    server = await asyncio.start_server(handler or default, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def endpoint(name, target):
    base = health.ENDPOINTS[name]
    return Endpoint(base.name, 0, base.up, base.down, target)


def run(coro):
    return asyncio.run(coro)


def test_gui_running_then_unavailable(tmp_path):
    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))],
                              lock=str(tmp_path / "lock"), bind="127.0.0.1")
        (port,) = await server.start()
        up = await fetch(port)
        svc.close()
        await svc.wait_closed()
        await asyncio.sleep(health.PROBE_TTL + 0.1)
        down = await fetch(port)
        server.close()
        return up, down
    up, down = run(scenario())
    assert up.startswith("HTTP/1.1 200 OK") and up.endswith("\r\n\r\nNFVD-GUI is running\n")
    assert down.startswith("HTTP/1.1 503") and down.endswith("NFVD-GUI Unavailable\n")


def test_sitescope_texts(tmp_path):
    async def scenario():
        server = HealthServer([endpoint("sitescope", ("127.0.0.1", 1))],
                              lock=str(tmp_path / "lock"), bind="127.0.0.1")
        (port,) = await server.start()
        answer = await fetch(port)
        server.close()
        return answer
    assert run(scenario()).endswith("SiteScope is down.\n")


def test_ffapi_checks_the_status_page(tmp_path):
    async def ok(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]")
        writer.close()

    async def scenario():
        svc, svc_port = await service(ok)
        target = ("127.0.0.1", svc_port, "/nfvd-ext/status", "NFVD FF API OK")
        server = HealthServer([endpoint("ffapi", target)], lock=str(tmp_path / "l"),
                              bind="127.0.0.1")
        (port,) = await server.start()
        answer = await fetch(port)
        server.close()
        svc.close()
        return answer
    assert run(scenario()).startswith("HTTP/1.1 200 OK")


def test_maintenance_lock_drains_the_node(tmp_path):
    lock = tmp_path / "nfvd-ha-maintenance.lock"

    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))], lock=str(lock),
                              bind="127.0.0.1")
        (port,) = await server.start()
        lock.touch()
        drained = await fetch(port)
        lock.unlink()
        back = await fetch(port)
        server.close()
        svc.close()
        return drained, back
    drained, back = run(scenario())
    assert drained.startswith("HTTP/1.1 503") and "X-NFVD-Reason: maintenance" in drained
    assert drained.endswith("NFVD-GUI Unavailable\n")
    assert back.startswith("HTTP/1.1 200")


def test_slow_and_hostile_clients_cannot_pile_up(tmp_path, monkeypatch):
    monkeypatch.setattr(health, "READ_TIMEOUT", 0.5)

    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))],
                              lock=str(tmp_path / "l"), bind="127.0.0.1")
        (port,) = await server.start()
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(200)]
        try:  # refused (all slots busy) or answered 400, then closed: never served
            garbage = await fetch(port, b"X" * 10000)
        except ConnectionResetError:
            garbage = ""
        await asyncio.sleep(0.7)  # idle clients time out and free their slots
        started = time.monotonic()
        answer = await fetch(port)
        elapsed = time.monotonic() - started
        for _, writer in idle:
            writer.close()
        server.close()
        svc.close()
        return garbage, answer, elapsed
    garbage, answer, elapsed = run(scenario())
    assert garbage == "" or garbage.startswith("HTTP/1.1 400")
    assert answer.startswith("HTTP/1.1 200") and elapsed < 1.0


def test_probes_are_rate_limited(tmp_path):
    hits = []

    async def counting(reader, writer):
        hits.append(1)
        writer.close()

    async def scenario():
        svc, svc_port = await service(counting)
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))],
                              lock=str(tmp_path / "l"), bind="127.0.0.1")
        (port,) = await server.start()
        answers = await asyncio.gather(*(fetch(port) for _ in range(50)))
        server.close()
        svc.close()
        return answers
    answers = run(scenario())
    assert all(a.startswith("HTTP/1.1 200") for a in answers)
    assert len(hits) == 1
