"""Before a GUI or SiteScope VM drains, its peer's health endpoint must say it serves
(guide 4.2.1, 4.2.4): asked over real HTTP on loopback, bounded, --force to override."""

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nfvd_ha.definition import load_definition
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.maintenance.command import Maintenance
from nfvd_ha.commands.maintenance.peers import (Peer, PeerSource, ask_health, from_definition,
                                                parse_peer)
from nfvd_ha.commands.maintenance.reconcile import (MaintenanceFiles, ReconcileOptions,
                                                    Reconciler)

from helpers.fakes import FakeClock
from .fakes import FakeCluster, FakeHeartbeat, FakeServices

LAB_LB = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docker", "lab-lb.toml")
GUI = ("couchdb", "uoc", "idp", "imageuploader")


class Endpoint:
    """A real HTTP server on loopback answering ``code`` and ``text`` (or never answering)."""

    def __init__(self, code=200, text="NFVD-GUI is running", hang=False):
        answer, release = (code, text), threading.Event()
        self.release = release

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if hang:
                    release.wait(10)
                    return
                body = (answer[1] + "\n").encode()
                self.send_response(answer[0])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def peer(self, expected="NFVD-GUI is running"):
        return Peer("gui-node2", "127.0.0.1", self.port, "/", expected)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    made = []

    def make(**kwargs):
        made.append(Endpoint(**kwargs))
        return made[-1]
    yield make
    for e in made:
        e.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_peer_answering_up_can_serve(endpoint):
    assert ask_health(endpoint().peer(), 2) is None


def test_a_draining_or_down_peer_cannot(endpoint):
    peer = endpoint(code=503, text="NFVD-GUI draining").peer()
    assert ask_health(peer, 2) == ("answered 'HTTP/1.0 503 Service Unavailable', not 200 "
                                   "'NFVD-GUI is running'")
    wrong = endpoint(code=200, text="It works!").peer()  # 200, but not the endpoint's text
    assert "not 200 'NFVD-GUI is running'" in ask_health(wrong, 2)


def test_a_peer_that_never_answers_is_given_up_on_in_time(endpoint):
    import time
    peer = endpoint(hang=True).peer()
    started = time.monotonic()
    assert ask_health(peer, 0.5) == "did not answer within 0.5s"
    assert time.monotonic() - started < 2


def test_nothing_listening(endpoint):
    peer = Peer("gui-node2", "127.0.0.1", free_port(), "/", "NFVD-GUI is running")
    assert ask_health(peer, 1).startswith("did not answer (Connection refused")


def test_peers_from_the_definition_by_this_host_and_the_roles_endpoint():
    lab = load_definition(LAB_LB)
    assert from_definition(lab, "gui-node1", "gui") == [
        Peer("gui-node2", "172.30.77.32", 3001, "/", "NFVD-GUI is running")]
    assert from_definition(lab, "sis-node2", "sitescope") == [
        Peer("sis-node1", "172.30.77.41", 8898, "/", "SiteScope is running.")]
    assert from_definition(lab, "ff-node1", "gui") is None  # not a GUI server
    assert from_definition(lab, "gui-node9", "gui") is None


@pytest.mark.parametrize("text,host,port", [
    ("gui-node2", "gui-node2", 3001), ("10.0.0.2:4001", "10.0.0.2", 4001),
    ("[fd00::2]:3001", "fd00::2", 3001), ("[fd00::2]", "fd00::2", 3001)])
def test_peer_grammar(text, host, port):
    peer = parse_peer(text, "gui")
    assert (peer.host, peer.port, peer.url.startswith("http://")) == (host, port, True)


@pytest.mark.parametrize("text", ["", "a b", "host:0", "host:70000", "-x", "h/../x",
                                  "http://x", "[not-v6]:1", "x:1:2", "a" * 300])
def test_peer_grammar_refuses(text):
    with pytest.raises(NfvdHaError) as error:
        parse_peer(text, "gui")
    assert str(error.value).startswith(f"--peer {text!r}: not HOST or HOST:PORT")


def test_any_serving_peer_is_enough_and_no_peer_named_is_a_reason(endpoint, tmp_path):
    up, down = endpoint(), endpoint(code=503, text="NFVD-GUI Unavailable")
    both = PeerSource([f"127.0.0.1:{down.port}", f"127.0.0.1:{up.port}"], timeout=1)
    assert both.problems("gui") == []
    only_down = PeerSource([f"127.0.0.1:{down.port}"], timeout=1)
    assert only_down.problems("gui") == [
        f"127.0.0.1 cannot serve: http://127.0.0.1:{down.port}/ answered 'HTTP/1.0 503 "
        "Service Unavailable', not 200 'NFVD-GUI is running'"]
    nowhere = PeerSource(definition=str(tmp_path / "none.toml"), me="gui-node1")
    assert nowhere.problems("gui") == [
        "cannot tell who serves while gui-node1 is in maintenance: no --peer given and no "
        f"definition at {tmp_path / 'none.toml'}"]
    assert PeerSource(definition=LAB_LB, me="gui-node7").problems("gui")[0].endswith(
        "has no load balancer service with gui-node7 as a server checked on port 3001")
    assert nowhere.problems("ff") == []  # a cluster role: its cluster is asked instead


def utility(tmp_path, peers):
    said = []
    paths = MaintenanceFiles(lock=str(tmp_path / "lock"), record=str(tmp_path / "rec"),
                             reconcile_lock=str(tmp_path / "turn"))
    services = FakeServices(GUI, GUI)
    options = ReconcileOptions(files=paths, role="gui", timeout=30, progress=said.append)
    reconciler = Reconciler(options, cluster=FakeCluster(present=False), services=services,
                            clock=FakeClock(), heartbeat=FakeHeartbeat())
    return Maintenance(options, reconciler=reconciler, peers=peers), said, services


def test_gui_maintenance_refuses_when_the_peer_cannot_serve(endpoint, tmp_path):
    down = endpoint(code=503, text="NFVD-GUI draining")
    m, said, services = utility(tmp_path, PeerSource([f"127.0.0.1:{down.port}"], timeout=1))
    with pytest.raises(NfvdHaError) as error:
        m.start(drain=0)
    assert str(error.value.problems[0]).startswith("127.0.0.1 cannot serve: ")
    assert "nothing was changed" in error.value.hint and "--force" in error.value.hint
    assert not os.path.exists(tmp_path / "lock") and services.calls == []
    assert m.start(drain=0, force=True) == 0
    assert any("WARNING - forced: 127.0.0.1 cannot serve" in line for line in said)
    assert ("uoc", "stop") in services.calls


def test_gui_maintenance_goes_ahead_when_the_peer_serves(endpoint, tmp_path):
    up = endpoint()
    m, said, services = utility(tmp_path, PeerSource([f"127.0.0.1:{up.port}"], timeout=1))
    assert m.start(drain=0) == 0 and ("couchdb", "stop") in services.calls
