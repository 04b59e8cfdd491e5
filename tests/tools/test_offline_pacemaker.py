"""Rendered configs checked by the real tools, offline: crm_verify, crmsh with CIB_file,
crm_simulate (recovery policy, no failback), haproxy -c, corosync -t."""

import os
import re
import shutil
import subprocess

import pytest

from nfvd_ha import render
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.definition import load_definition

DEF = load_definition(EXAMPLE)
FILES = {rel: data for rel, data, _ in render.build(DEF)}


def run(*argv, env=None, **kw):
    return subprocess.run(argv, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), **kw)


@pytest.fixture(autouse=True)
def tools():
    for tool in ("crm_verify", "crm_simulate", "cibadmin", "crm", "haproxy", "corosync"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed (pacemaker, crmsh, haproxy, corosync)")


@pytest.fixture
def cib(tmp_path):
    def write(cluster):
        path = tmp_path / f"{cluster}.xml"
        path.write_text(FILES[f"{cluster}/cib.xml"])
        return str(path)
    return write


@pytest.mark.parametrize("cluster", ["nfvd-ff", "nfvd-aa"])
def test_crm_verify_accepts_rendered_cib(cib, cluster):
    out = run("crm_verify", "--xml-file", cib(cluster), "-V")
    assert out.returncode == 0, out.stderr


def test_crm_verify_rejects_a_broken_cib(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(FILES["nfvd-ff/cib.xml"].replace('type="vip"', 'typo="vip"'))
    assert run("crm_verify", "--xml-file", str(bad)).returncode != 0


@pytest.mark.parametrize("cluster", ["nfvd-ff", "nfvd-aa"])
def test_crmsh_loads_rendered_cib_offline(tmp_path, cib, cluster):
    target = tmp_path / "live.xml"
    target.write_text(run("cibadmin", "--empty").stdout)
    env = {"CIB_file": str(target)}
    out = run("crm", "-o", "core.check_frequency=never", "configure", "load", "xml", "update",
              cib(cluster), env=env)
    assert out.returncode == 0, out.stderr
    shown = run("crm", "configure", "show", env=env).stdout
    assert f"cluster-name={cluster}" in shown
    assert "migration-threshold=4" in shown and "resource-stickiness=200" in shown


def simulate(source, target, *args):
    out = run("crm_simulate", "-x", source, "-S", "-O", target, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout.split("Transition Summary:")[1].split("Executing")[0]


def test_recovery_policy_restarts_three_times_then_moves(cib, tmp_path):
    state = str(tmp_path / "s0.xml")
    summary = simulate(cib("nfvd-ff"), state, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    assert re.search(r"Start\s+sosa-lockmgr\s+\( ff-node1 \)", summary)
    for failure in (1, 2, 3, 4):
        nxt = str(tmp_path / f"s{failure}.xml")
        summary = simulate(state, nxt, "-i", "sosa-lockmgr_monitor_2000@ff-node1=1")
        state = nxt
        if failure < 4:
            assert re.search(r"Recover\s+sosa-lockmgr\s+\( ff-node1 \)", summary), summary
            assert "ff-node2" not in summary
        else:
            assert re.search(r"Move\s+ff-vip\s+\( ff-node1 -> ff-node2 \)", summary), summary
            assert re.search(r"Recover\s+sosa-lockmgr\s+\( ff-node1 -> ff-node2 \)", summary)


def test_no_failback_when_the_preferred_node_returns(cib, tmp_path):
    s0, s1, s2 = (str(tmp_path / f"s{i}.xml") for i in range(3))
    simulate(cib("nfvd-ff"), s0, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    summary = simulate(s0, s1, "-d", "ff-node1")
    assert re.search(r"(Start|Move)\s+sosa-lockmgr\s+\( (ff-node1 -> )?ff-node2 \)", summary)
    summary = simulate(s1, s2, "-u", "ff-node1")
    assert "sosa-lockmgr" not in summary and "ff-vip" not in summary, summary


def test_failback_when_asked_for(tmp_path):
    text = open(EXAMPLE).read().replace("auto_failback = false                 #",
                                        "auto_failback = true #", 1)
    from nfvd_ha.definition import load_text
    from crm import render_cib
    source = tmp_path / "cib.xml"
    source.write_text(render_cib(load_text(text).clusters[0]))
    s0, s1, s2 = (str(tmp_path / f"s{i}.xml") for i in range(3))
    simulate(str(source), s0, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    simulate(s0, s1, "-d", "ff-node1")
    summary = simulate(s1, s2, "-u", "ff-node1")
    assert re.search(r"Move\s+sosa-lockmgr\s+\( ff-node2 -> ff-node1 \)", summary), summary


def test_haproxy_accepts_rendered_config(tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(FILES["haproxy/haproxy.cfg"])
    out = run("haproxy", "-c", "-f", str(cfg),
              env={"NFVD_HA_STATS_USER": "u", "NFVD_HA_STATS_PASSWORD": "p"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "udg:udg" not in FILES["haproxy/haproxy.cfg"]  # no hard-coded credentials


@pytest.mark.root
@pytest.mark.parametrize("cluster,address", [("nfvd-ff", "172.30.77.11"),
                                             ("nfvd-aa", "172.30.77.22")])
def test_corosync_accepts_rendered_config(tmp_path, cluster, address):
    from helpers.netns import VethPair, sh
    key = tmp_path / "authkey"
    key.write_bytes(os.urandom(256))
    key.chmod(0o400)
    conf = tmp_path / "corosync.conf"
    conf.write_text(FILES[f"{cluster}/corosync.conf"].replace("/etc/corosync/authkey", str(key)))
    lan = VethPair()
    try:  # a host that has one of the nodes' addresses, as corosync requires
        sh("ip", "-n", lan.a, "addr", "add", f"{address}/24", "dev", lan.nic_a)
        out = run(*lan.exec_prefix(), "corosync", "-t", "-c", str(conf))
        assert out.returncode == 0, out.stdout + out.stderr
        broken = tmp_path / "broken.conf"
        text, count = re.subn(r"token: \d+", "token: soon", conf.read_text())
        assert count == 1
        broken.write_text(text)
        assert run(*lan.exec_prefix(), "corosync", "-t", "-c", str(broken)).returncode != 0
    finally:
        lan.close()


FENCED = open(EXAMPLE).read().replace(
    'recovery = { restarts_before_failover = 3, failure_timeout = "10min" }\n',
    'recovery = { restarts_before_failover = 3, failure_timeout = "10min" }\n'
    'quorum_device = { host = "172.30.77.9", algorithm = "ffsplit" }\n'
    'fencing = [ { id = "fence-ff1", agent = "fence_ipmilan", targets = ["ff-node1"], '
    'params = { ip = "10.1.0.11", username = "admin", password = "x" } },\n'
    '            { id = "fence-ff2", agent = "fence_ipmilan", targets = ["ff-node2"], '
    'params = { ip = "10.1.0.12", username = "admin", password = "x" } } ]\n', 1)


def test_fencing_and_quorum_device_render_and_verify(tmp_path):
    from crm import render_cib
    from nfvd_ha.corosync import render_corosync_conf
    from nfvd_ha.definition import load_text
    cluster = load_text(FENCED).clusters[0]
    path = tmp_path / "cib.xml"
    path.write_text(render_cib(cluster))
    # with both nodes up and quorate (an empty status makes crm_verify warn about fencing
    # nodes it has never seen), the config verifies and each device runs on the other node
    state = str(tmp_path / "s0.xml")
    summary = simulate(str(path), state, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    assert re.search(r"Start\s+fence-ff1\s+\( ff-node2 \)", summary), summary
    assert re.search(r"Start\s+fence-ff2\s+\( ff-node1 \)", summary), summary
    out = run("crm_verify", "--xml-file", state)
    assert out.returncode == 0, out.stderr
    text = path.read_text()
    assert 'name="stonith-enabled" value="true"' in text
    assert '<rsc_location id="location-fence-ff1-avoids-ff-node1" node="ff-node1" ' \
           'rsc="fence-ff1" score="-INFINITY"/>' in text
    conf = render_corosync_conf(cluster)
    assert "two_node" not in conf  # the quorum device breaks ties instead
    assert "host: 172.30.77.9" in conf and "algorithm: ffsplit" in conf
