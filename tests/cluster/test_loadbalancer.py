"""HAProxy with our rendered config in front of GUI, FF API and SiteScope nodes that serve our
health endpoints (checks every 1 s in the lab definition, docker/lab-lb.toml)."""

import re
import time

import pytest

pytestmark = pytest.mark.cluster
GUI, SIS = "http://172.30.77.150:3000/", "http://172.30.77.152:18888/"
FF_API = "http://172.30.77.151:8080/nfvd-ext/status"
FF_OK = "[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]"  # the stand-in's, as the guide
ADDR = {"gui-node1": "172.30.77.31", "gui-node2": "172.30.77.32"}


def get(lab, url, cookie=None):
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = lab.run("client", "curl", "-s", "-m", "2", "-D", "-", *header, url).stdout
    body = out.replace("\r\n", "\n").split("\n\n", 1)[-1].strip()
    match = re.search(r"set-cookie: ([^;\r\n]+)", out, re.IGNORECASE)
    return body, match.group(1) if match else None


def kill(lab, node, component):
    lab.kill9(node, lab.pid(node, component))


def start(lab, node, component):
    lab.director(node, "-c", component, "start")


def ban(lab, node, clone):
    assert lab.crm_resource(node, "--ban", "--resource", clone, "--node", node).returncode == 0


def unban(lab, node, clone):
    assert lab.crm_resource(node, "--clear", "--resource", clone, "--node", node).returncode == 0


def test_gui_round_robin_with_sticky_sessions(lab):
    lab.wait(lambda: get(lab, GUI)[0].startswith("uoc on"), 60, "the GUI behind HAProxy")
    seen = {get(lab, GUI)[0] for _ in range(10)}
    assert seen == {"uoc on gui-node1", "uoc on gui-node2"}
    body, cookie = get(lab, GUI)
    assert cookie in ("NFVD_HTTP_WEB_GUI=GUI1", "NFVD_HTTP_WEB_GUI=GUI2")
    assert {get(lab, GUI, cookie)[0] for _ in range(8)} == {body}


STAT = ("import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/haproxy-nfvd.sock'); "
        "s.sendall(b'show stat\\n'); data = b''\n"
        "while chunk := s.recv(65536): data += chunk\n"
        "print(data.decode())")


def haproxy_state(lab, proxy, server):
    """HAProxy's own view of a server (its stats socket), whole: UP, DOWN, or on its way
    ("UP 1/3": a check failed, still in rotation; "DOWN 1/2": a check passed, still out)."""
    out = lab.run("lb", "python3", "-c", STAT).stdout
    for line in out.splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == proxy and fields[1] == server:
            return fields[17].strip()
    return None


def taken_out_while_down(lab, url, node, component, health, survivor, down=kill, up=start):
    """``down`` (kill) ``component`` on ``node``: its health endpoint says so, HAProxy sends
    everything to ``survivor`` (yield), then ``up`` brings it back and so is the node in
    rotation."""
    down(lab, node, component)
    lab.wait(lambda: lab.run("client", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                             "-m", "2", health).stdout == "503", 10,
             f"{node}'s health endpoint reporting it down")
    from urllib.parse import urlsplit
    proxy = {3000: "http_web_gui", 18888: "http_web_sis", 8080: "http_web_ff"}[
        urlsplit(url).port]
    lab.wait(lambda: haproxy_state(lab, proxy, node) == "DOWN", 10,
             f"HAProxy marking {node} down (fall 3 x 1 s)")
    assert {get(lab, url)[0] for _ in range(8)} == {survivor}
    yield
    up(lab, node, component)
    lab.wait(lambda: any(get(lab, url)[0].endswith(f"on {node}") for _ in range(6)), 20,
             f"{node} back in rotation")


def test_failing_health_check_takes_a_gui_node_out(lab):
    lab.wait(lambda: get(lab, GUI)[0].startswith("uoc on"), 60, "the GUI behind HAProxy")
    assert "NFVD-GUI is running" in lab.curl("http://172.30.77.31:3001/")
    for _ in taken_out_while_down(lab, GUI, "gui-node1", "uoc", "http://172.30.77.31:3001/",
                                  "uoc on gui-node2"):
        assert "NFVD-GUI Unavailable" in lab.curl("http://172.30.77.31:3001/")
        # a sticky client of gui-node1 is redispatched to gui-node2
        assert get(lab, GUI, "NFVD_HTTP_WEB_GUI=GUI1")[0] == "uoc on gui-node2"


@pytest.mark.parametrize("component", ["couchdb", "idp"])
def test_a_gui_node_whose_uoc_answers_but_a_component_it_needs_does_not_is_taken_out(
        lab, component):
    """The deep check: UOC still answers on gui-node2, its CouchDB (or IdP) does not."""
    lab.wait(lambda: get(lab, GUI)[0].startswith("uoc on"), 60, "the GUI behind HAProxy")
    for _ in taken_out_while_down(lab, GUI, "gui-node2", component, "http://172.30.77.32:3001/",
                                  "uoc on gui-node1"):
        assert lab.curl("http://172.30.77.32:3000/").startswith("uoc on gui-node2")
        assert "NFVD-GUI Unavailable" in lab.curl("http://172.30.77.32:3001/")


# What a cookie-inserting HAProxy gave a client of the backup (the render before it stopped
# inserting one for primary/backup services): sticky clients must not stay there either.
BACKUP_COOKIE = "NFVD_HTTP_WEB_SIS=SiS2"


def test_sitescope_backup_only_while_primary_is_down(lab):
    lab.wait(lambda: get(lab, SIS)[0] == "sitescope on sis-node1", 60, "SiteScope primary")
    assert {get(lab, SIS)[0] for _ in range(6)} == {"sitescope on sis-node1"}
    kill(lab, "sis-node1", "sitescope")
    lab.wait(lambda: get(lab, SIS)[0] == "sitescope on sis-node2", 10, "the backup taking over")
    body, cookie = get(lab, SIS)
    assert (body, cookie) == ("sitescope on sis-node2", None)  # no cookie to keep it there
    start(lab, "sis-node1", "sitescope")
    lab.wait(lambda: "SiteScope is running." in lab.curl("http://172.30.77.41:8898/"), 10,
             "the primary's health endpoint", interval=0.1)
    up_at = time.monotonic()
    assert get(lab, SIS)[0] == "sitescope on sis-node2"  # not back after one good check
    lab.wait(lambda: get(lab, SIS)[0] == "sitescope on sis-node1", 15, "the primary back",
             interval=0.2)
    # rise 3 x 1 s: back 2 s after HAProxy's first good check, which may come up to one
    # look (a docker exec, a few hundred ms) before ours; at once would be ~0 s
    assert time.monotonic() - up_at >= 1.0
    # Every client is back on the primary, those carrying a backup cookie included.
    for carried in (None, BACKUP_COOKIE, "NFVD_HTTP_WEB_SIS=SiS1"):
        assert {get(lab, SIS, carried)[0] for _ in range(4)} == {"sitescope on sis-node1"}


def test_ff_api_spread_sticky_and_health_checked(lab, ff):
    lab.wait(lambda: get(lab, FF_API)[0].startswith(f"{FF_OK} on"), 60,
             "the FF API behind HAProxy")
    seen = {get(lab, FF_API)[0] for _ in range(10)}
    assert seen == {f"{FF_OK} on ff-node1", f"{FF_OK} on ff-node2"}
    body, cookie = get(lab, FF_API)
    assert cookie in ("NFVD_HTTP_WEB_FF=FF1", "NFVD_HTTP_WEB_FF=FF2")
    assert {get(lab, FF_API, cookie)[0] for _ in range(6)} == {body}
    assert "[NFVD FF API OK]" in lab.curl("http://172.30.77.12:8081/")
    # HPSA is Pacemaker's (the hpsa clone), which would restart a killed one: banned instead
    for _ in taken_out_while_down(lab, FF_API, "ff-node2", "hpsa-clone",
                                  "http://172.30.77.12:8081/", f"{FF_OK} on ff-node1",
                                  down=ban, up=unban):
        assert "NFVD FF API Unavailable" in lab.curl("http://172.30.77.12:8081/")


def uoc_pid(lab, node):
    return lab.pid(node, "uoc")


def test_supervisor_restarts_three_times_then_takes_the_node_out_with_an_alert(lab):
    """Guide 2.9 without cron: kill UOC on gui-node2 three times, restarted in place each
    time; the fourth time the node leaves HAProxy's rotation and the alert agent is told."""
    node, alerts = "gui-node2", "/tmp/nfvd-supervise-alerts.log"
    lab.wait(lambda: get(lab, GUI)[0].startswith("uoc on"), 60, "the GUI behind HAProxy")
    lab.run(node, "rm", "-f", alerts, "/run/nfvd-ha/out-of-service")
    lab.spawn(node, "nfvd-ha", "supervise", "--role", "gui", "--interval", "1", "--alert",
              "/usr/share/pacemaker/alerts/alert_file.sh.sample", "--recipient", alerts,
              log="/tmp/supervise.out")
    try:
        for attempt in (1, 2, 3):
            before = uoc_pid(lab, node)
            kill(lab, node, "uoc")
            lab.wait(lambda before=before: uoc_pid(lab, node) not in ("", before) and
                     lab.curl(f"http://{ADDR[node]}:3000/").startswith(f"uoc on {node}"), 20,
                     f"UOC restarted in place ({attempt}/3)")
            # a restart slower than fall x inter (3 s) takes the node out meanwhile: the next
            # kill starts from a node in rotation, or the DOWN awaited below is this one's
            lab.wait(lambda: haproxy_state(lab, "http_web_gui", node) == "UP", 20,
                     f"gui-node2 back in rotation ({attempt}/3)")
        assert not lab.exists(node, alerts)  # no alert yet
        kill(lab, node, "uoc")
        lab.wait(lambda: haproxy_state(lab, "http_web_gui", node) == "DOWN", 20,
                 "HAProxy taking gui-node2 out")
        assert "NFVD-GUI Unavailable" in lab.curl(f"http://{ADDR[node]}:3001/")
        lab.wait(lambda: "restarts exhausted" in lab.cat(node, alerts), 10,
                 "the alert")
        assert lab.cat(node, alerts).strip().endswith(
            "Resource operation 'monitor' for 'uoc' on 'gui-node2': restarts exhausted")
        assert {get(lab, GUI)[0] for _ in range(6)} == {"uoc on gui-node1"}
        lab.steady(lambda: uoc_pid(lab, node) == "" or lab.run(
            node, "kill", "-0", uoc_pid(lab, node)).returncode != 0, 3, "no 4th restart")
        log = lab.cat(node, "/var/opt/HPE/nfvd/halogs/nfvd-ha-supervise.log")
        assert "restarting it in place (3/3)" in log and "restarts exhausted" in log
        start(lab, node, "uoc")                      # the operator's fix: back in service
        lab.wait(lambda: haproxy_state(lab, "http_web_gui", node) == "UP", 20,
                 "gui-node2 back in rotation")
    finally:
        lab.run(node, "pkill", "-f", "[n]fvd-ha supervise")
        lab.run(node, "rm", "-f", "/run/nfvd-ha/out-of-service")
        lab.director(node, "-c", "uoc", "start")
