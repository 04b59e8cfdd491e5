"""Health endpoints on real loopback sockets: the guide's texts, status codes, maintenance,
and bounds against slow or hostile clients."""

import asyncio
import time
from dataclasses import replace

from nfvd_ha.endpoints import ENDPOINTS
from nfvd_ha.commands import health
from nfvd_ha.commands.health import HealthServer
from helpers.waits import wait_until_async


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


async def until(port, prefix, limit=3.0):
    """The first answer starting with ``prefix`` within ``limit`` seconds."""
    return await wait_until_async(lambda: fetch(port), limit, 0.05,
                                  f"an answer starting {prefix!r}",
                                  accept=lambda answer: answer.startswith(prefix))


def endpoint(name, target):
    return replace(ENDPOINTS[name], port=0, target=target, also=())


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
        down = await until(port, "HTTP/1.1 503")  # the service is probed once a second
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


FF_OK = b"[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]"


def status_page(*parts, pause=0.05):
    """A stand-in FF API whose /nfvd-ext/status answer is sent in several writes."""
    async def handler(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        writer.close()
    return handler


def ffapi_answer(tmp_path, handler):
    async def scenario():
        svc, svc_port = await service(handler)
        target = ("127.0.0.1", svc_port, "/nfvd-ext/status", ENDPOINTS["ffapi"].target[3])
        server = HealthServer([endpoint("ffapi", target)], lock=str(tmp_path / "l"),
                              bind="127.0.0.1")
        (port,) = await server.start()
        answer = await fetch(port)
        server.close()
        svc.close()
        return answer
    return run(scenario())


def test_ffapi_checks_the_whole_status_page(tmp_path):
    whole = ffapi_answer(tmp_path, status_page(b"HTTP/1.1 200 OK\r\n\r\n" + FF_OK))
    assert whole.startswith("HTTP/1.1 200 OK") and whole.endswith("[NFVD FF API OK]\n")
    # the same answer in four writes, 50 ms apart: still healthy (it read as down once)
    pieces = ffapi_answer(tmp_path, status_page(b"HTTP/1.1 200", b" OK\r\n\r\n[NFVD FF API OK,",
                                                b" NFVD FF LDAP OK,", b" NFVD FF DB OK]"))
    assert pieces.startswith("HTTP/1.1 200 OK")


def test_ffapi_is_down_when_ldap_or_the_database_is_not_ok(tmp_path):
    for page in (b"HTTP/1.1 200 OK\r\n\r\n[NFVD FF API OK, NFVD FF LDAP FAILED, NFVD FF DB OK]",
                 b"HTTP/1.1 200 OK\r\n\r\n[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB KO]",
                 b"HTTP/1.1 500 Internal Server Error\r\n\r\n" + FF_OK,
                 b"HTTP/1.1 200 OK\r\nX: [NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]\r\n\r\n"):
        answer = ffapi_answer(tmp_path, status_page(page))
        assert answer.startswith("HTTP/1.1 503"), page
        assert answer.endswith("NFVD FF API Unavailable\n"), page


def test_a_status_page_that_never_ends_is_down_in_time(tmp_path):
    async def endless(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n" + FF_OK)
        await asyncio.sleep(30)
    started = time.monotonic()
    answer = ffapi_answer(tmp_path, endless)
    assert answer.startswith("HTTP/1.1 503") and time.monotonic() - started < 3


def test_maintenance_lock_drains_the_node(tmp_path):
    lock = tmp_path / "nfvd-ha-maintenance.lock"

    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))], lock=str(lock),
                              bind="127.0.0.1")
        (port,) = await server.start()
        lock.touch()
        drained = await until(port, "HTTP/1.1 503")
        lock.unlink()
        back = await until(port, "HTTP/1.1 200")
        server.close()
        svc.close()
        return drained, back
    drained, back = run(scenario())
    assert drained.startswith("HTTP/1.1 503") and "X-NFVD-Reason: maintenance" in drained
    assert drained.endswith("NFVD-GUI draining\n")  # F5: receive-disable
    assert back.startswith("HTTP/1.1 200")


def test_the_reason_is_told_to_loopback_clients_only(tmp_path):
    async def scenario():
        server = HealthServer([endpoint("gui", ("127.0.0.1", 1))], lock=str(tmp_path / "l"))
        answers = []
        for local in (True, False):
            reader = asyncio.StreamReader()
            reader.feed_data(b"GET / HTTP/1.0\r\n\r\n")
            answers.append((await server.answer(server.endpoints[0], reader, local)).decode())
        return answers
    local, remote = run(scenario())
    assert "X-NFVD-Reason: service not answering" in local
    assert remote.startswith("HTTP/1.1 503") and "X-NFVD-Reason" not in remote


def test_head_has_no_body_and_an_http09_check_is_answered_at_once(tmp_path):
    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))],
                              lock=str(tmp_path / "l"), bind="127.0.0.1")
        (port,) = await server.start()
        head = await fetch(port, b"HEAD / HTTP/1.0\r\n\r\n")
        started = time.monotonic()
        old_style = await fetch(port, b"GET /\r\n")  # the guide's F5 send string
        elapsed = time.monotonic() - started
        post = await fetch(port, b"POST / HTTP/1.0\r\n\r\n")
        server.close()
        svc.close()
        return head, old_style, elapsed, post
    head, old_style, elapsed, post = run(scenario())
    assert head.startswith("HTTP/1.1 200") and head.endswith("\r\n\r\n")
    assert "Content-Length: 20" in head  # the length of the GET body, none sent
    assert old_style.endswith("NFVD-GUI is running\n") and elapsed < 0.5
    assert post.startswith("HTTP/1.1 405")


def test_a_slow_client_is_dropped_after_the_header_deadline(tmp_path):
    async def scenario():
        server = HealthServer([endpoint("gui", ("127.0.0.1", 1))], lock=str(tmp_path / "l"),
                              bind="127.0.0.1")
        (port,) = await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.0\r\n")  # ... and never the blank line
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(), 5)
        server.close()
        return answer, time.monotonic() - started
    answer, elapsed = run(scenario())
    assert answer.startswith(b"HTTP/1.1 400") and elapsed < health.HEADER_TIMEOUT + 0.5


def serving(tmp_path):
    """`nfvd-ha health serve --role gui` in its own process (as in production) on a free
    port, once it listens: (the process, the port)."""
    import socket
    import subprocess
    import sys
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen([sys.executable, "-m", "nfvd_ha", "health", "serve", "--role",
                               "gui", "--port", f"gui={port}", "--lock", str(tmp_path / "l")],
                              stderr=subprocess.PIPE, text=True)
    assert "serving on 127.0.0.1" in server.stderr.readline()
    return server, port


LOAD = r"""
import asyncio, json, resource, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port = int(sys.argv[1])

async def get(request=b"GET / HTTP/1.0\r\n\r\n"):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return data.split(b"\r\n", 1)[0].decode()
    except (OSError, asyncio.TimeoutError) as exc:
        return type(exc).__name__

async def main():
    idle = []
    for _ in range(1000):  # connected, silent
        idle.append(await asyncio.open_connection("127.0.0.1", port))
    hammer = [asyncio.ensure_future(get()) for _ in range(500)]
    await asyncio.sleep(0.05)
    started = time.monotonic()
    check = await get(b"GET / HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n")
    check_s = time.monotonic() - started
    answers = await asyncio.gather(*hammer)
    for _, writer in idle:
        writer.close()
    print(json.dumps({"check": check, "check_s": check_s, "answers": answers}))

asyncio.run(main())
"""


def test_a_load_balancer_check_is_answered_within_a_second_under_a_flood(tmp_path):
    """1,000 idle sockets and 500 concurrent requests against one port (the server in its
    own process, as in production); the LB's own check still answers within 1 s and every
    one of the 500 requests gets an answer."""
    import json
    import subprocess
    import sys
    server, port = serving(tmp_path)
    try:
        load = subprocess.run([sys.executable, "-c", LOAD, str(port)], capture_output=True,
                              text=True, timeout=120)
        result = json.loads(load.stdout)
    finally:
        server.terminate()
        server.wait(10)
    assert result["check"].startswith("HTTP/1.1 503")  # answered (nothing behind it here)
    assert result["check_s"] < 1.0, result["check_s"]
    unanswered = [a for a in result["answers"] if not a.startswith("HTTP/1.1 ")]
    assert unanswered == [], f"{len(unanswered)} of 500 unanswered: {set(unanswered)}"


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


def test_the_gui_is_down_when_the_idp_uploader_or_couchdb_is(tmp_path):
    """UOC answering is not enough: each of the components the GUI needs must answer."""
    assert [port for _, port in ENDPOINTS["gui"].also] == [38080, 1337, 5984]

    async def scenario():
        uoc, uoc_port = await service()
        needed = [await service() for _ in range(3)]
        gui = replace(ENDPOINTS["gui"], port=0, target=("127.0.0.1", uoc_port),
                      also=tuple(("127.0.0.1", port) for _, port in needed))
        server = HealthServer([gui], lock=str(tmp_path / "l"), bind="127.0.0.1")
        (port,) = await server.start()
        answers = [await fetch(port)]
        needed[2][0].close()                  # CouchDB goes away
        await needed[2][0].wait_closed()
        answers.append(await until(port, "HTTP/1.1 503"))
        server.close()
        uoc.close()
        for svc, _ in needed[:2]:
            svc.close()
        return answers
    up, down = run(scenario())
    assert up.startswith("HTTP/1.1 200") and down.startswith("HTTP/1.1 503")
    assert down.endswith("NFVD-GUI Unavailable\n")


def test_a_node_the_supervisor_gave_up_on_is_out(tmp_path):
    gone = tmp_path / "out-of-service"

    async def scenario():
        svc, svc_port = await service()
        server = HealthServer([endpoint("gui", ("127.0.0.1", svc_port))],
                              lock=str(tmp_path / "lock"), out_of_service=str(gone))
        (port,) = await server.start()
        up = await fetch(port)
        gone.write_text("UOC Server failed again after 3 restarts: restarts exhausted\n")
        out = await until(port, "HTTP/1.1 503")
        gone.unlink()
        back = await until(port, "HTTP/1.1 200")
        server.close()
        svc.close()
        return up, out, back
    up, out, back = run(scenario())
    assert up.startswith("HTTP/1.1 200") and back.startswith("HTTP/1.1 200")
    assert out.endswith("NFVD-GUI Unavailable\n")
    assert "X-NFVD-Reason: supervisor gave up: restarts exhausted" in out


FLOODER = r"""
import asyncio, resource, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, source, patience = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])

async def hold():  # connect, start a request, never finish it; again as soon as dropped
    while True:    # (or, impatient, as soon as no answer came within `patience`)
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           local_addr=(source, 0))
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            await asyncio.wait_for(reader.read(), patience)
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.005)
        finally:
            if writer is not None:
                writer.close()

async def main():
    print("flooding", flush=True)
    await asyncio.gather(*(hold() for _ in range(250)))

asyncio.run(main())
"""
CHECKER = r"""
import json, socket, sys, time
port, count, every, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), 2.0
lost = []
for i in range(count):  # one check at a time, as a load balancer checks a server
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout,
                                      source_address=("127.0.0.1", 0)) as s:
            s.settimeout(timeout)
            s.sendall(b"GET / HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 "):
            lost.append(f"{i}: {answer[:40]!r}")
    except OSError as exc:
        lost.append(f"{i}: {type(exc).__name__}")
    time.sleep(max(0.0, every - (time.monotonic() - started)))
print(json.dumps(lost))
"""


def test_a_flood_from_other_addresses_never_evicts_the_load_balancers_checks(tmp_path):
    """6 processes on this 2-CPU host flood the port from 127.0.0.2-7 with half-sent
    requests (250 at a time each, more than the port's 512 slots; half of them retrying
    as soon as they get no answer within 50 ms); the load balancer's 40 checks from
    127.0.0.1, one at a time with a 2 s timeout, are all answered. 10-18 % got nothing
    when the oldest request on the port was dropped for every newcomer, whoever sent it."""
    import json
    import subprocess
    import sys
    server, port = serving(tmp_path)
    flooders = []
    try:
        for i in range(6):
            flooders.append(subprocess.Popen(
                [sys.executable, "-c", FLOODER, str(port), f"127.0.0.{i + 2}",
                 "3" if i % 2 else "0.05"], stdout=subprocess.PIPE, text=True))
        for flooder in flooders:
            assert flooder.stdout.readline() == "flooding\n"
        checks = subprocess.run([sys.executable, "-c", CHECKER, str(port), "40", "0.2"],
                                capture_output=True, text=True, timeout=120)
        lost = json.loads(checks.stdout)
    finally:  # the flood lasts as long as the checks do
        for p in flooders + [server]:
            p.kill()
            p.wait(10)
    assert lost == [], f"{len(lost)} of 40 checks lost: {lost}"


class Conn:
    """A writer stand-in: what Slots does to a connection (abort)."""

    def __init__(self):
        self.aborted = False
        self.transport = self

    def abort(self):
        self.aborted = True


def test_a_full_port_takes_from_the_peer_holding_the_most():
    slots = health.Slots(limit=6)
    flood = [Conn() for _ in range(4)]
    for conn in flood:
        assert slots.admit("10.0.0.66", conn)
    lb = Conn()
    assert slots.admit("10.0.0.5", lb)
    other = Conn()
    assert slots.admit("10.0.0.77", other)              # full now
    assert slots.refused("10.0.0.66")                   # the flood: refused at accept
    assert not slots.refused("10.0.0.5") and not slots.refused("10.0.0.99")
    newcomer = Conn()
    assert slots.admit("10.0.0.99", newcomer)
    assert flood[0].aborted and not lb.aborted          # the flood's oldest made room
    for _ in range(3):                                  # however many newcomers there are
        assert slots.admit("10.0.0.99", Conn())
    assert not lb.aborted and slots.count == 6
    assert slots.answering("10.0.0.5", lb) is True
    slots.release("10.0.0.5", lb)
    assert slots.answering("10.0.0.5", lb) is False and slots.count == 5


def test_alone_on_a_full_port_a_peer_replaces_its_own_oldest_request():
    slots = health.Slots(limit=3)
    idle = [Conn() for _ in range(3)]
    for conn in idle:
        assert slots.admit("127.0.0.1", conn)
    assert not slots.refused("127.0.0.1")               # (1,000 idle sockets, then a check)
    assert slots.admit("127.0.0.1", Conn()) and idle[0].aborted
