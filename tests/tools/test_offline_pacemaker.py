"""Rendered configs checked by the real tools, offline: crm_verify, crmsh with CIB_file,
crm_simulate (recovery policy, no failback), haproxy -c, corosync -t."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.waits import wait_until

from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.definition import load_definition

DEF = load_definition(EXAMPLE)
PASSWORD = "offline-test-password-1234"
FILES = {rel: data for rel, data, _ in render.build(DEF, stats_password=PASSWORD)[0]}


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
def test_crm_verify_accepts_rendered_cib(cib, cluster, tmp_path):
    # fenced clusters: with an empty status crm_verify warns that the (never seen) nodes are
    # unclean and cannot be fenced without quorum; verify the config with both nodes up
    nodes = {"nfvd-ff": ("ff-node1", "ff-node2"), "nfvd-aa": ("aa-node1", "aa-node2")}[cluster]
    state = str(tmp_path / "up.xml")
    simulate(cib(cluster), state, "-u", nodes[0], "-u", nodes[1], "-q", "1")
    out = run("crm_verify", "--xml-file", state, "-V")
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
    text = Path(EXAMPLE).read_text().replace("auto_failback = false                 #",
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
    out = run("haproxy", "-c", "-f", str(cfg))  # no environment needed: stock units work
    assert out.returncode == 0, out.stdout + out.stderr
    assert "udg:udg" not in FILES["haproxy/haproxy.cfg"]  # no hard-coded credentials


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_haproxy_stats_really_authenticate(tmp_path):
    """Real haproxy on loopback with the rendered setup (keygen's password in haproxy.cfg,
    0600): no credentials, empty ones or wrong ones get 401; the right ones get 200; it
    serves them chrooted, as haproxy:haproxy."""
    import base64
    import urllib.error
    import urllib.request
    from nfvd_ha.cli import main
    from click.testing import CliRunner
    stats, service = free_port(), free_port()
    definition = tmp_path / "lb.toml"
    definition.write_text(f"""[loadbalancer]
stats = {{ bind = "127.0.0.1:{stats}", user = "nfvd" }}
  [[loadbalancer.service]]
  name = "http_web_gui"
  bind = "127.0.0.1:{service}"
  port = 9
  servers = [ {{ name = "a", address = "127.0.0.1" }}, {{ name = "b", address = "127.0.0.2" }} ]
""")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(definition), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cfg = out / "haproxy" / "haproxy.cfg"
    assert oct(cfg.stat().st_mode & 0o777) == "0o600"
    password = (out / "haproxy" / "nfvd-stats.env").read_text().split(
        "NFVD_HA_STATS_PASSWORD=")[1].strip()
    text = cfg.read_text().replace("pidfile /run/haproxy.pid", f"pidfile {tmp_path}/h.pid")
    text = text.replace("stats socket /run/haproxy-nfvd.sock", f"stats socket {tmp_path}/h.sock")
    text = text.replace("log /dev/log local2", "log stdout local2")
    cfg.write_text(text)
    proxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)

    def code(user=None, secret=None):
        request = urllib.request.Request(f"http://127.0.0.1:{stats}/")
        if user is not None:
            token = base64.b64encode(f"{user}:{secret}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            return urllib.request.urlopen(request, timeout=2).status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None
    try:
        wait_until(lambda: code() is not None, 10, 0.05, "haproxy's stats page answering")
        assert code() == 401
        assert code("", "") == 401
        assert code("nfvd", "wrong") == 401
        assert code("nfvd", password) == 200
        # guide 2.8.4: it bound its addresses as root, then changed root and dropped to
        # haproxy:haproxy (the stats page above is served by that process)
        import pwd
        account = pwd.getpwnam("haproxy")
        with open(f"/proc/{proxy.pid}/status") as f:
            ids = {line.split(":")[0]: line.split()[1:] for line in f
                   if line.startswith(("Uid:", "Gid:"))}
        assert ids == {"Uid": [str(account.pw_uid)] * 4, "Gid": [str(account.pw_gid)] * 4}
        assert os.readlink(f"/proc/{proxy.pid}/root") == "/var/lib/haproxy"
    finally:
        proxy.terminate()
        proxy.wait(10)


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
    try:  # a host that has one of the nodes' addresses (both links), as corosync requires
        sh("ip", "-n", lan.a, "addr", "add", f"{address}/24", "dev", lan.nic_a)
        second = address.replace("172.30.77.", "172.30.78.")
        sh("ip", "-n", lan.a, "addr", "add", f"{second}/24", "dev", lan.nic_a)
        out = run(*lan.exec_prefix(), "corosync", "-t", "-c", str(conf))
        assert out.returncode == 0, out.stdout + out.stderr
        broken = tmp_path / "broken.conf"
        text, count = re.subn(r"token: \d+", "token: soon", conf.read_text())
        assert count == 1
        broken.write_text(text)
        assert run(*lan.exec_prefix(), "corosync", "-t", "-c", str(broken)).returncode != 0
    finally:
        lan.close()


def test_fencing_and_quorum_device_render_and_verify(tmp_path):
    """The example: one fence device per node, kept off the node it fences; a quorum
    device (so no two_node and no fencing delay), both links."""
    cluster = DEF.clusters[0]
    path = tmp_path / "cib.xml"
    path.write_text(FILES["nfvd-ff/cib.xml"])
    # with both nodes up and quorate (an empty status makes crm_verify warn about fencing
    # nodes it has never seen), the config verifies and each device runs on the other node
    state = str(tmp_path / "s0.xml")
    summary = simulate(str(path), state, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    assert re.search(r"Start\s+fence-ff-node1\s+\( ff-node2 \)", summary), summary
    assert re.search(r"Start\s+fence-ff-node2\s+\( ff-node1 \)", summary), summary
    out = run("crm_verify", "--xml-file", state)
    assert out.returncode == 0, out.stderr
    text = path.read_text()
    assert 'name="stonith-enabled" value="true"' in text
    assert "priority-fencing-delay" not in text  # the quorum device decides, no delay
    assert '<rsc_location id="location-fence-ff-node1-avoids-ff-node1" node="ff-node1" ' \
           'rsc="fence-ff-node1" score="-INFINITY"/>' in text
    conf = FILES["nfvd-ff/corosync.conf"]
    assert "two_node" not in conf  # the quorum device breaks ties instead
    assert "host: 172.30.77.9" in conf and "algorithm: ffsplit" in conf and "tls: on" in conf
    assert "exec_holds_vip: /usr/lib/ocf/lib/nfvd/holds-address 172.30.77.100" in conf
    assert cluster.links == 2 and "ring1_addr: 172.30.78.12" in conf


TWO_NODE = """[[cluster]]
name = "pair"
nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]
fencing_delay = "7s"
  [[cluster.fencing]]
  id = "fence-n1"
  agent = "fence_ipmilan"
  targets = ["n1"]
  params = { ip = "10.1.0.1", username = "admin", password = { file = "SECRET" } }
  [[cluster.fencing]]
  id = "fence-n2"
  agent = "fence_ipmilan"
  targets = ["n2"]
  params = { ip = "10.1.0.2", username = "admin", password = { file = "SECRET" } }
  [[cluster.resource]]
  id = "vip"
  type = "vip"
  params = { ip = "10.0.0.100", cidr_netmask = 24, nic = "eth0" }
  [[cluster.group]]
  id = "g"
  members = ["vip"]
"""


def test_without_a_quorum_device_the_fence_race_goes_to_the_node_with_the_group(tmp_path):
    """two_node: both keep quorum in a split and race to fence; priority-fencing-delay
    with the group's priority delays only the fencing of the node that runs it. The
    password comes from a secret file, into the 0600 cib.xml only."""
    secret = tmp_path / "fence.pw"
    secret.write_text("s3cr3t-fence-pw\n")
    secret.chmod(0o600)
    definition = tmp_path / "pair.toml"
    definition.write_text(TWO_NODE.replace("SECRET", str(secret)))
    from click.testing import CliRunner
    from nfvd_ha.cli import main
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(definition), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "s3cr3t" not in result.output and "s3cr3t" not in definition.read_text()
    cib = (out / "pair" / "cib.xml")
    assert oct(cib.stat().st_mode & 0o777) == "0o600"
    text = cib.read_text()
    assert 'name="priority-fencing-delay" value="7s"' in text
    assert '<nvpair id="g-meta_attributes-priority" name="priority" value="10"/>' in text
    assert 'name="password" value="s3cr3t-fence-pw"' in text
    assert "two_node: 1" in (out / "pair" / "corosync.conf").read_text()
    state = str(tmp_path / "s0.xml")
    simulate(str(cib), state, "-u", "n1", "-u", "n2", "-q", "1")
    assert run("crm_verify", "--xml-file", state).returncode == 0
    hb = (out / "pair" / "ha.d" / "ha.cf")
    assert "stonith_host * external/ipmi n1 10.1.0.1 admin s3cr3t-fence-pw lanplus" in \
        hb.read_text() and oct(hb.stat().st_mode & 0o777) == "0o600"


def test_a_storage_failure_moves_the_group_at_once_and_is_forgotten_sooner(cib, tmp_path):
    """Remounting where the path to the server failed only fails again: one failure of the
    shared storage's write check moves the whole Assurance group (the services' own failures
    still restart in place, above); its failures expire after storage_failure_timeout."""
    s0, s1, s2 = (str(tmp_path / f"s{i}.xml") for i in range(3))
    simulate(cib("nfvd-aa"), s0, "-u", "aa-node1", "-u", "aa-node2", "-q", "1")
    summary = simulate(s0, s1, "-i", "uca-ebc-data_monitor_10000@aa-node1=1")
    for member in ("aa-vip", "uca-ebc-data", "assurance"):
        assert re.search(rf"(Move|Recover)\s+{member}\s+\( aa-node1 -> aa-node2 \)", summary), \
            summary
    summary = simulate(s0, s2, "-i", "assurance_monitor_10000@aa-node1=1")
    assert re.search(r"Recover\s+assurance\s+\( aa-node1 \)", summary), summary
    meta = run("crm_resource", "-r", "uca-ebc-data", "-m", "-g", "failure-timeout",
               env={"CIB_file": s0})
    assert meta.stdout.strip() == "120s", meta


def test_the_clone_of_a_shared_mount_still_restarts_in_place(cib, tmp_path):
    """The image repository is mounted on every FF node: an instance has nowhere to move, so
    it keeps the groups' policy (restart in place) instead of the storage's."""
    s0, s1 = (str(tmp_path / f"s{i}.xml") for i in range(2))
    simulate(cib("nfvd-ff"), s0, "-u", "ff-node1", "-u", "ff-node2", "-q", "1")
    summary = simulate(s0, s1, "-i", "ff-images_monitor_20000@ff-node1=1")
    assert re.search(r"Recover\s+ff-images:\d\s+\( ff-node1 \)", summary), summary


def test_every_check_path_validate_accepts_renders_to_a_config_haproxy_accepts(tmp_path):
    """A `'` in a check path passed validate; render exited 0 and haproxy -c rejected the
    file ("unmatched quote"). Every character the path grammar allows, at once, is taken by
    haproxy as written; `'`, `"`, `$`, `\\`, `#` and spaces are refused by validate."""
    from nfvd_ha.definition import load_text
    from nfvd_ha.definition.checker import GRAMMAR
    from nfvd_ha.errors import NfvdHaError
    text = Path(EXAMPLE).read_text()
    allowed = [chr(c) for c in range(33, 127) if GRAMMAR["url_path"][0].match("/" + chr(c))]
    path = "/" + "".join(allowed)
    definition = load_text(text.replace('path = "/", interval', f'path = "{path}", interval', 1),
                           "def.toml")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(dict((rel, data) for rel, data, _ in render.build(
        definition, ("haproxy",), stats_password=PASSWORD)[0])["haproxy/haproxy.cfg"])
    out = run("haproxy", "-c", "-f", str(cfg))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"    option httpchk GET {path}\n" in cfg.read_text()
    line = text[:text.index('path = "/", interval')].count("\n") + 1
    for bad in ("'", '"', "$", "\\", "#", " ", "`", "[", "{"):
        with pytest.raises(NfvdHaError) as error:
            load_text(text.replace('path = "/", interval',
                                   'path = "/a' + bad.replace("\\", "\\\\").replace('"', '\\"')
                                   + 'b", interval', 1), "def.toml")
        assert [str(p) for p in error.value.problems] == [
            f"def.toml:{line}: loadbalancer.service[0].check.path: '/a{bad}b' is not a valid URL "
            "path"]
