"""Property-based, through the real tools: every definition `validate` accepts renders to
files their own tools accept - haproxy -c, crm_verify (the nodes up, as crm_simulate shows
them) and corosync -t on a host (a network namespace) holding the node's addresses.

The definitions are the example with its free values drawn anew (addresses of either family
per link, VIPs, timings, transports, quorum device, NFS devices - IPv6 servers too -, check
paths from the whole URL path grammar, ports, intervals, cookies...); those validate refuses
are only asked never to be a traceback."""

import copy
import ipaddress
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE, load_text
from nfvd_ha.definition.checker import GRAMMAR
from nfvd_ha.errors import NfvdHaError

from helpers.definitions import to_text

BASE = tomllib.loads(Path(EXAMPLE).read_text())
PASSWORD = "property-test-password-0123"
def examples(count):
    """Modest counts: every example runs the tools (a few seconds per test in all)."""
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def unicast(version):
    if version == 4:
        raw = st.tuples(st.sampled_from([10, 172, 192, 100]), st.integers(0, 255),
                        st.integers(0, 255), st.integers(1, 254)).map(
            lambda t: f"{t[0]}.{t[1]}.{t[2]}.{t[3]}")
    else:
        raw = st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(1, 0xFFFF)).map(
            lambda t: str(ipaddress.ip_address(f"fd{t[0]:02x}:{t[1]:x}::{t[2]:x}")))
    return raw


def ms(low, high):
    return st.integers(low, high).map(lambda n: f"{n}ms")


@st.composite
def timing(draw):
    keepalive = draw(st.integers(100, 2000))
    deadtime = draw(st.integers(2 * keepalive + 1, 10 * keepalive + 1))
    warntime = draw(st.integers(keepalive + 1, deadtime - 1))
    initdead = draw(st.integers(deadtime, deadtime + 60000))
    return {"keepalive": f"{keepalive}ms", "deadtime": f"{deadtime}ms",
            "warntime": f"{warntime}ms", "initdead": f"{initdead}ms"}


@st.composite
def cluster(draw, base):
    c = copy.deepcopy(base)
    families = [draw(st.sampled_from([4, 6])) for _ in c["nodes"][0]["addresses"]]
    seen = set()
    for node in c["nodes"]:
        node["addresses"] = [draw(unicast(f).filter(lambda a: a not in seen)) for f in families]
        seen.update(node["addresses"])
    c["timing"] = draw(timing())
    mode = draw(st.sampled_from(["ucast", "bcast", "mcast"]))
    c["transport"] = {"mode": mode, "interfaces": c["transport"]["interfaces"],
                      "udpport": draw(st.integers(1, 65535))}
    if mode == "mcast":
        c["transport"]["mcast_group"] = draw(st.sampled_from(["225.0.0.1", "239.1.2.3"]))
    c["recovery"] = {"restarts_before_failover": draw(st.integers(0, 10)),
                     "failure_timeout": draw(st.sampled_from(["0", "30s", "10min", "1h"]))}
    if "quorum_device" in c:
        c["quorum_device"] = {"host": draw(st.one_of(unicast(4), unicast(6),
                                                     st.sampled_from(["qnetd", "q.example"]))),
                              "algorithm": draw(st.sampled_from(["ffsplit", "lms"])),
                              "port": draw(st.integers(1, 65535)),
                              "tls": draw(st.booleans()),
                              "heuristics": draw(st.sampled_from(["vip", "none"]))}
    for resource in c.get("resource", []):
        params = resource.get("params", {})
        if resource["type"] == "vip":
            version = draw(st.sampled_from([4, 6]))
            params.update(ip=draw(unicast(version)),
                          cidr_netmask=draw(st.integers(8, 30) if version == 4
                                            else st.integers(48, 126)),
                          dad_timeout_ms=draw(st.integers(0, 10000)),
                          arp_count=draw(st.integers(0, 32)))
            if version == 6:
                params.pop("label", None)
        elif resource["type"] == "shared-fs":
            params.update(device=draw(st.sampled_from(
                ["nfs-server:/export", "[fd10:9::7]:/export/uca", "10.9.9.9:/var/opt/x",
                 "/dev/sdb1", "nfs.example:/a/b-c_d.e"])),
                options=draw(st.sampled_from(["", "rw", "rw,noatime,vers=4.1", "hard,timeo=60"])))
    return c


@st.composite
def loadbalancer(draw):
    lb = copy.deepcopy(BASE["loadbalancer"])
    names = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
                          min_size=len(lb["service"]), max_size=len(lb["service"]),
                          unique=True))
    for service, name in zip(lb["service"], names, strict=True):
        service["name"] = name
        service["bind"] = f"{draw(unicast(4))}:{draw(st.integers(1, 65535))}"
        service["port"] = draw(st.integers(1, 65535))
        service["check"] = {"port": draw(st.integers(1, 65535)),
                            "path": draw(st.from_regex(GRAMMAR["url_path"][0], fullmatch=True)),
                            "interval": draw(ms(100, 3600000))}
        service["fall"], service["rise"] = draw(st.integers(1, 100)), draw(st.integers(1, 100))
        for i, server in enumerate(service["servers"]):
            server["cookie"] = draw(st.from_regex(GRAMMAR["token"][0], fullmatch=True)) + str(i)
    return lb


@st.composite
def definitions(draw):
    data = copy.deepcopy(BASE)
    data["cluster"] = [draw(cluster(c)) for c in BASE["cluster"]]
    data["loadbalancer"] = draw(loadbalancer())
    return data


def rendered(data):
    """{relative path: text} of every target, or None when validate refuses the definition
    (reported: an NfvdHaError, never anything else)."""
    try:
        definition = load_text(to_text(data), "prop.toml")
    except NfvdHaError as error:
        assert error.problems
        return None
    files, _ = render.build(definition, render.TARGETS, {}, PASSWORD)
    return {rel: text for rel, text, _ in files}


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@examples(15)
@given(definitions())
def test_haproxy_accepts_every_rendered_config(tmp_path_factory, data):
    files = rendered(data)
    if files is None:
        return
    cfg = tmp_path_factory.mktemp("haproxy") / "haproxy.cfg"
    cfg.write_text(files["haproxy/haproxy.cfg"])
    out = run("haproxy", "-c", "-f", str(cfg))
    assert out.returncode == 0, out.stdout + out.stderr


@examples(8)
@given(definitions())
def test_crm_verify_accepts_every_rendered_cib(tmp_path_factory, data):
    files = rendered(data)
    if files is None:
        return
    where = tmp_path_factory.mktemp("cib")
    for c in data["cluster"]:
        cib, up = where / f"{c['name']}.xml", where / f"{c['name']}-up.xml"
        cib.write_text(files[f"{c['name']}/cib.xml"])
        nodes = [a for n in c["nodes"] for a in ("--node-up", n["name"])]
        simulated = run("crm_simulate", "--xml-file", str(cib), *nodes, "--quorum", "1",
                        "--simulate", "--save-output", str(up))
        assert simulated.returncode == 0, simulated.stderr
        out = run("crm_verify", "--xml-file", str(up), "-V")
        assert out.returncode == 0, c["name"] + ": " + out.stdout + out.stderr


@pytest.fixture(scope="module")
def host():
    """A network namespace whose loopback takes a node's addresses (corosync -t wants its
    own node among the nodelist's addresses)."""
    from helpers.netns import sh
    name = f"nfp{os.getpid() % 100000}"
    sh("ip", "netns", "add", name)
    sh("ip", "-n", name, "link", "set", "lo", "up")
    yield name
    sh("ip", "netns", "del", name, check=False)


@pytest.mark.root
@examples(12)
@given(definitions())
def test_corosync_accepts_every_rendered_configuration(tmp_path_factory, host, data):
    from helpers.netns import sh
    files = rendered(data)
    if files is None:
        return
    where = tmp_path_factory.mktemp("corosync")
    key = where / "authkey"
    key.write_bytes(os.urandom(256))
    key.chmod(0o400)
    for c in data["cluster"]:
        conf = where / f"{c['name']}.conf"
        conf.write_text(files[f"{c['name']}/corosync.conf"].replace("/etc/corosync/authkey",
                                                                      str(key)))
        sh("ip", "-n", host, "addr", "flush", "dev", "lo")
        for address in c["nodes"][0]["addresses"]:
            sh("ip", "-n", host, "addr", "add", address, "dev", "lo")
        out = run("ip", "netns", "exec", host, "corosync", "-t", "-c", str(conf))
        assert out.returncode == 0, c["name"] + ": " + out.stdout + out.stderr
