"""The F5 render: the AS3 declaration is valid against F5's published schema, says what the
guide asks (pools, priority groups, monitors, timeouts, persistence), and its monitors work
against our real health endpoints: the rendered send string is sent on a loopback socket and
the rendered receive / receive-disable strings are matched against the answer, with the
service up, down, and the node in maintenance."""

import asyncio
import json
import os
import re
from dataclasses import replace

import jsonschema
import pytest

from nfvd_ha.renderers import f5
from nfvd_ha.definition import EXAMPLE, load_definition
from nfvd_ha.endpoints import ENDPOINTS
from nfvd_ha.commands.health import HealthServer

from helpers.definitions import LB_ONE_SERVICE
from helpers.waits import wait_until_async

SCHEMA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "data",
                      "f5-as3", "as3-schema-3.56.0-10.json")
LB = load_definition(EXAMPLE).loadbalancer
SERVICES = {s.name: s for s in LB.services}


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA) as f:
        return jsonschema.Draft7Validator(json.load(f))


def as3(lb=LB):
    return json.loads(f5.render_as3(lb))


def app(name, doc=None):
    return (doc or as3())["declaration"]["nfvd"][name]


def test_the_declaration_is_valid_against_f5s_schema(validator):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(as3())]
    assert errors == []


def test_the_schema_check_is_live(validator):
    """The same validator refuses a broken declaration (it is not vacuously passing)."""
    broken = as3()
    app("http_web_gui", broken)["http_web_gui_monitor"]["interval"] = "fifteen"
    app("http_web_sis", broken)["http_web_sis_pool"]["loadBalancingMode"] = "random"
    del broken["declaration"]["class"]
    assert len(list(validator.iter_errors(broken))) >= 1
    assert not validator.is_valid(broken)


def test_one_application_per_service_with_its_virtual_server_pool_and_monitor():
    tenant = as3()["declaration"]["nfvd"]
    assert sorted(k for k in tenant if k != "class") == sorted(SERVICES)
    gui = app("http_web_gui")
    assert gui["http_web_gui_vs"] == {
        "class": "Service_HTTP", "virtualAddresses": ["172.30.77.150"], "virtualPort": 3000,
        "pool": "http_web_gui_pool", "persistenceMethods": [{"use": "http_web_gui_cookie"}]}
    assert gui["http_web_gui_cookie"]["cookieName"] == "NFVD_HTTP_WEB_GUI"  # as HAProxy's
    pool = gui["http_web_gui_pool"]
    assert pool["loadBalancingMode"] == "round-robin" and pool["minimumMembersActive"] == 0
    assert [(m["serverAddresses"], m["servicePort"], m["priorityGroup"])
            for m in pool["members"]] == [(["172.30.77.31"], 3000, 0), (["172.30.77.32"], 3000, 0)]


def test_monitors_keep_the_guides_timing_and_use_the_checks_port():
    """Guide 2.8.x.4: interval 5 s, timeout 16 s, whatever HAProxy's check interval is (15 s
    in the example); the alias service port is the check's."""
    for name, service in SERVICES.items():
        monitor = app(name)[f"{name}_monitor"]
        assert (monitor["interval"], monitor["timeout"]) == (5, 16)
        assert monitor["targetPort"] == service.check_port
    assert f5.timing(replace(SERVICES["http_web_gui"], check_interval=2500)) == (5, 16)


F5_DEF = LB_ONE_SERVICE


@pytest.mark.parametrize("monitor,expected", [
    ("", (5, 16)),
    ('f5_monitor = { interval = "10s" }', (10, 31)),          # F5's rule: 3 x interval + 1
    ('f5_monitor = { interval = "3s", timeout = "20s" }', (3, 20)),
    ('f5_monitor = { interval = "5min" }', (300, 900)),      # F5's longest timeout
])
def test_the_f5_monitor_has_its_own_keys(monitor, expected):
    from nfvd_ha.definition import load_text
    service = load_text(F5_DEF + "  " + monitor + "\n").loadbalancer.services[0]
    assert f5.timing(service) == expected
    assert app("gui", json.loads(f5.render_as3(load_text(F5_DEF + "  " + monitor + "\n")
                                               .loadbalancer)))["gui_monitor"]["interval"] \
        == expected[0]


@pytest.mark.parametrize("monitor,message", [
    ('f5_monitor = { interval = "1500ms" }', "f5_monitor.interval: 1500 ms is not a whole "
     "number of seconds"),
    ('f5_monitor = { interval = "15min" }', "f5_monitor.interval: 900000 ms is out of range "
     "1000-899000 ms"),
    ('f5_monitor = { timeout = "20min" }', "f5_monitor.timeout: 1200000 ms is out of range"),
    ('f5_monitor = { interval = "10s", timeout = "10s" }', "f5_monitor.timeout: 10 s must be "
     "longer than the interval (10 s)"),
    ('f5_monitor = { interval = "soon" }', "f5_monitor.interval: 'soon' is not a duration"),
    ('f5_monitor = { every = "5s" }', "f5_monitor.every: unknown key 'every'"),
])
def test_a_bad_f5_monitor_is_refused_by_line_and_key(monitor, message):
    from helpers.definitions import problems
    found = problems(F5_DEF + "  " + monitor + "\n")
    assert any(p.startswith("def.toml:7: loadbalancer.service[0].") and message in p
               for p in found), found


def test_sitescope_is_a_priority_group_pool_with_no_persistence():
    sis = app("http_web_sis")
    pool = sis["http_web_sis_pool"]
    assert [m["priorityGroup"] for m in pool["members"]] == [10, 5]
    assert pool["minimumMembersActive"] == 1                 # activation "less than 1"
    assert sis["http_web_sis_vs"]["persistenceMethods"] == []  # back to the primary
    assert "http_web_sis_cookie" not in sis


def test_send_strings_are_whole_http_requests():
    assert app("http_web_ff")["http_web_ff_monitor"]["send"] == (
        "GET / HTTP/1.1\\r\\nHost: 172.30.77.151\\r\\nConnection: close\\r\\n\\r\\n")
    direct = replace(SERVICES["http_web_ff"], check_port=8080, check_path="/nfvd-ext/status")
    assert f5.send_string(direct) == (
        "GET /nfvd-ext/status HTTP/1.1\\r\\nHost: 172.30.77.151\\r\\nConnection: close\\r\\n\\r\\n")
    # NFVD's own page, not one of our endpoints: a 200 status line, nothing to drain with
    assert f5.receive_strings(direct) == ("HTTP/1.. 200", "")


def test_any_address_ipv6_and_odd_paths_render_safely():
    base = SERVICES["http_web_gui"]
    any_v4 = replace(base, bind="*:3000")
    v6 = replace(base, bind="[2001:db8::5]:3000",
                 servers=tuple(replace(s, address=f"2001:db8::{i + 1}")
                               for i, s in enumerate(base.servers)))
    odd = replace(base, check_path="/a b$[x]\"';{}")
    assert f5.virtual(any_v4) == ("0.0.0.0", 3000, False)
    assert "Host: http_web_gui\\r\\n" in f5.send_string(any_v4)
    assert "Host: http_web_gui\\r\\n" in f5.send_string(v6)  # no brackets for tmsh
    assert f5.send_string(odd).startswith("GET /a%20b%24%5Bx%5D%22%27%3B%7B%7D HTTP/1.1")
    tmsh = f5.render_tmsh(replace(LB, services=(any_v4, v6, odd)))
    assert "destination 0.0.0.0:3000 " in tmsh and "destination 2001:db8::5.3000 " in tmsh
    assert "2001:db8::1.3000 { address 2001:db8::1 priority-group 0 }" in tmsh
    assert all(c not in line for line in tmsh.splitlines() if "send" in line
               for c in "$[]'")


def test_tmsh_creates_the_same_objects():
    tmsh = f5.render_tmsh(LB)
    for name, service in SERVICES.items():
        assert f"create ltm monitor http {name}_monitor {{ interval 5 timeout 16 " \
               f"destination *:{service.check_port} " in tmsh
        assert f"create ltm virtual {name}_vs {{ destination {service.bind} " in tmsh
    assert "priority-group 10 } 172.30.77.42:18888 { address 172.30.77.42 priority-group 5" in tmsh
    assert "http_web_sis_pool { load-balancing-mode round-robin min-active-members 1" in tmsh
    assert 'recv "SiteScope is running" recv-disable "SiteScope draining"' in tmsh


async def status_page(reader, writer):
    """The services behind the endpoints: the GUI and SiteScope only need to accept; the FF
    API's /nfvd-ext/status says the guide's three OKs."""
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # a probe that only connects
    finally:
        writer.close()


def wire(send):
    """An F5 send string as the bytes the monitor puts on the wire."""
    return send.replace("\\r", "\r").replace("\\n", "\n").encode()


async def exchange(port, request):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data.decode()


async def until(port, request, prefix, limit=3.0):
    """The first answer starting with ``prefix`` (the lock and the service are looked at
    every 200 ms / 1 s), within ``limit`` seconds."""
    return await wait_until_async(lambda: exchange(port, request), limit, 0.05,
                                  f"an answer starting {prefix!r}",
                                  accept=lambda answer: answer.startswith(prefix))


def f5_verdict(answer, receive, disable):
    """What an F5 HTTP monitor makes of an answer: up, disabled (draining) or down."""
    if disable and re.search(disable, answer):
        return "disabled"
    return "up" if re.search(receive, answer) else "down"


@pytest.mark.parametrize("name", ["http_web_gui", "http_web_sis", "http_web_ff"])
def test_the_rendered_monitor_against_a_running_endpoint(tmp_path, name):
    service = SERVICES[name]
    monitor = app(name)[f"{name}_monitor"]
    base = next(e for e in ENDPOINTS.values() if e.port == service.check_port)
    lock = tmp_path / "maintenance.lock"

    async def scenario():
        svc = await asyncio.start_server(status_page, "127.0.0.1", 0)
        target = ("127.0.0.1", svc.sockets[0].getsockname()[1]) + base.target[2:]
        server = HealthServer([replace(base, port=0, target=target, also=())], lock=str(lock))
        (port,) = await server.start()
        request = wire(monitor["send"])
        healthy = await exchange(port, request)
        lock.touch()
        maintenance = await until(port, request, "HTTP/1.1 503")
        lock.unlink()
        await until(port, request, "HTTP/1.1 200")
        svc.close()
        await svc.wait_closed()
        failing = await until(port, request, "HTTP/1.1 503")
        server.close()
        return healthy, maintenance, failing

    healthy, maintenance, failing = asyncio.run(scenario())
    verdicts = [f5_verdict(a, monitor["receive"], monitor["receiveDown"])
                for a in (healthy, maintenance, failing)]
    assert healthy.startswith("HTTP/1.1 200") and maintenance.startswith("HTTP/1.1 503")
    assert failing.startswith("HTTP/1.1 503")
    assert verdicts == ["up", "disabled", "down"]
    # Each answer matches exactly one of the strings, whatever order F5 tries them in.
    assert not re.search(monitor["receive"], maintenance)
    assert not re.search(monitor["receiveDown"], healthy)
