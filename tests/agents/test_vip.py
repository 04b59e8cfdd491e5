"""ocf:nfvd:vip on a real veth link between two network namespaces."""

import pytest

from helpers.netns import VethPair, sh
from helpers.waits import holds_for, wait_until

pytestmark = pytest.mark.root
MON = 10000
VIP = "192.168.77.100"


@pytest.fixture
def lan():
    pair = VethPair()
    yield pair
    pair.close()


@pytest.fixture
def vip(agent, lan):
    def call(action, params=None, **kw):
        return agent("vip", action, dict({"ip": VIP}, **(params or {})),
                     prefix=lan.exec_prefix(), **kw)
    return call


def test_probe_when_absent(vip):
    assert vip("monitor").rc == 7


def test_start_adds_address_with_detected_nic_and_netmask(vip, lan):
    result = vip("start", {"label": "ff"})
    assert result.rc == 0, result
    assert f"inet {VIP}/24 " in lan.addrs() and "lan0:ff" in lan.addrs()
    assert vip("monitor", interval_ms=MON).rc == 0
    # the peer can reach the VIP
    assert sh(*lan.exec_prefix(lan.b), "ping", "-c1", "-W2", VIP, check=False).returncode == 0


def test_start_sends_gratuitous_arp(vip, lan):
    assert vip("start").rc == 0
    wait_until(lambda: VIP in lan.neigh(), 3, 0.1, f"the peer learning {VIP}")
    assert f"{VIP} dev lan0 lladdr {lan.mac()}" in lan.neigh()


def test_idempotent_start_and_stop(vip, lan):
    assert vip("start").rc == 0
    assert vip("start").rc == 0
    assert lan.addrs().count(f"inet {VIP}/") == 1
    assert vip("stop").rc == 0
    assert VIP not in lan.addrs()
    assert vip("stop").rc == 0
    assert vip("monitor", interval_ms=MON).rc == 7


def test_link_down_is_a_failure(vip, lan):
    vip("start")
    sh("ip", "-n", lan.a, "link", "set", "lan0", "down")
    result = vip("monitor", interval_ms=MON)
    assert result.rc == 1
    assert "link of lan0 is down" in result.reason


def test_refuses_duplicate_address(vip, lan):
    sh("ip", "-n", lan.b, "addr", "add", f"{VIP}/24", "dev", "lan0")
    result = vip("start")
    assert result.rc == 1
    assert "already answers" in result.reason and "duplicate" in result.reason
    assert VIP not in lan.addrs()


def test_explicit_nic_and_dotted_netmask(vip, lan):
    assert vip("start", {"nic": "lan0", "cidr_netmask": "255.255.0.0"}).rc == 0
    assert f"inet {VIP}/16 " in lan.addrs()


def test_ipv6(vip, lan):
    p = {"ip": "fd00:77::100", "cidr_netmask": "64"}
    assert vip("monitor", p).rc == 7
    result = vip("start", p)
    assert result.rc == 0, result
    assert "inet6 fd00:77::100/64" in lan.addrs()
    assert vip("monitor", p, interval_ms=MON).rc == 0
    assert vip("stop", p).rc == 0
    assert "fd00:77::100" not in lan.addrs()


@pytest.mark.parametrize("params,action,expected,reason", [
    ({"ip": "300.1.1.1"}, "start", 6, "not an IPv4 or IPv6 address"),
    ({"ip": "300.1.1.1"}, "stop", 0, ""),
    ({"ip": "300.1.1.1"}, "monitor", 6, "not an IPv4 or IPv6 address"),
    ({"ip": "300.1.1.1"}, "monitor-recurring", 6, "not an IPv4 or IPv6 address"),
    ({"nic": ".."}, "validate-all", 6, "not an interface name"),
    ({"nic": "."}, "start", 6, "not an interface name"),
    ({"nic": "../../tmp"}, "validate-all", 6, "not an interface name"),
    ({"cidr_netmask": "\u00b2"}, "start", 6, "cidr_netmask"),
    ({"cidr_netmask": "\u00b2"}, "validate-all", 6, "cidr_netmask"),
    ({"arp_count": "1000"}, "start", 6, "arp_count 1000 is not 0-32"),
    ({"dad_timeout_ms": "99999"}, "validate-all", 6, "dad_timeout_ms"),
    ({"cidr_netmask": "33"}, "start", 6, "cidr_netmask '33'"),
    ({"label": "a-very-long-label"}, "validate-all", 6, "15 characters"),
    ({"nic": "eth9"}, "start", 2, "nic 'eth9' does not exist"),
    ({"ip": "10.9.9.9"}, "start", 2, "no interface here has a network containing 10.9.9.9"),
    ({"arp_count": "many"}, "start", 6, "arp_count"),
    ({"ip": "0.0.0.0", "nic": "lan0"}, "start", 6, "a VIP must be a unicast address"),
    ({"ip": "0.0.0.0", "nic": "lan0"}, "monitor", 6, "the unspecified address"),
    ({"ip": "127.0.0.2", "nic": "lan0"}, "validate-all", 6, "a loopback address"),
    ({"ip": "224.0.0.1", "nic": "lan0"}, "start", 6, "a multicast address"),
    ({"ip": "ff02::1", "nic": "lan0"}, "start", 6, "a multicast address"),
    ({"ip": "0.0.0.0", "nic": "lan0"}, "stop", 0, ""),
])
def test_bad_parameters(vip, lan, params, action, expected, reason):
    if action == "monitor-recurring":
        result = vip("monitor", params, interval_ms=MON)
    else:
        result = vip(action, params)
    assert result.rc == expected, result
    assert "Traceback" not in result.stderr
    assert reason in result.reason
    assert "10.9.9.9" not in lan.addrs() and VIP not in lan.addrs()
    assert " 0.0.0.0/" not in lan.addrs() and "224.0.0.1" not in lan.addrs()


def test_a_parameter_that_is_not_utf8_never_crashes_the_agent_with_syslog_on(vip, lan):
    result = vip("stop", {"ip": "10.0.0.\udcff"}, env_extra={"HA_LOGFACILITY": "daemon"})
    assert result.rc == 0, result
    assert "Traceback" not in result.stderr


ARP_COUNTER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("lan0", 0x0806)); s.settimeout(0.1)
vip, end, n = socket.inet_aton(sys.argv[1]), time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    try:
        frame = s.recv(128)
    except socket.timeout:
        continue
    n += frame[28:32] == vip
print(n)
"""


def test_stop_ends_the_gratuitous_arp_announcer(vip, lan, tmp_path):
    env = {"HA_RSCTMP": str(tmp_path)}
    assert vip("start", {"arp_count": "32"}, env_extra=env).rc == 0
    assert (tmp_path / f"nfvd-vip-{VIP}.garp").exists()  # announcing (6 s of frames)
    assert vip("stop", env_extra=env).rc == 0
    heard = sh(*lan.exec_prefix(lan.b), "python3", "-c", ARP_COUNTER, VIP, "1.5")
    assert heard.stdout.strip() == "0"  # not one frame for a removed address
    assert not (tmp_path / f"nfvd-vip-{VIP}.garp").exists()


def test_the_duplicate_address_probe_stays_within_the_start_timeout(vip, lan):
    result = vip("start", {"dad_timeout_ms": "10000"}, timeout_ms=2000)
    assert result.rc == 0, result
    assert result.elapsed < 2.0


def _ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


@pytest.mark.parametrize("stand_in", ["sleep", "another-vips-announcer"])
def test_stop_never_signals_a_process_the_announcer_state_names_unless_it_is_ours(
        vip, lan, tmp_path, stand_in):
    """`vip stop` SIGKILLed whatever pid the gratuitous-ARP state file in HA_RSCTMP named
    (pid and start time right): a process is ended only when it is this agent's own
    announcer - the vip agent's start, for this address."""
    import subprocess
    env, other = {"HA_RSCTMP": str(tmp_path)}, tmp_path / "other"
    if stand_in == "sleep":
        victim = subprocess.Popen(["sleep", "300"])
        pid = victim.pid
        wait_until(lambda: owned(pid), 5, 0.01, f"{pid}'s new command line")
    else:  # the real announcer of another VIP: the same command line, another address
        other.mkdir()
        assert vip("start", {"ip": "192.168.77.200", "arp_count": "32"},
                   env_extra={"HA_RSCTMP": str(other)}).rc == 0
        pid = int((other / "nfvd-vip-192.168.77.200.garp").read_text().split()[0])
    try:
        state = tmp_path / f"nfvd-vip-{VIP}.garp"
        state.write_text(f"{pid} {_ticks(pid)}\n")
        state.chmod(0o600)
        assert vip("stop", env_extra=env).rc == 0
        # a SIGKILL sent lands within this window (it dies)
        holds_for(lambda: running(pid), 1.0, 0.02,
                  "a process that is not this VIP's announcer running (not signalled)")
    finally:
        if stand_in == "sleep":
            victim.kill()
            victim.wait()
        else:
            assert vip("stop", {"ip": "192.168.77.200"},
                       env_extra={"HA_RSCTMP": str(other)}).rc == 0


def running(pid):
    """``pid`` exists, is not a zombie (a signalled child stays one until reaped) and has
    its command line (a process being torn down has none)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return state not in "ZX" and bool(f.read())
    except OSError:
        return False


def owned(pid):
    """The kernel shows the new command line of ``pid`` (just exec'd)."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().count(b"\0") > 1
