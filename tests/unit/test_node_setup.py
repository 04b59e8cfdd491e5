"""nfvd-ha node setup: checks first (every problem, nothing changed), then only what differs;
a second run changes nothing; --check changes nothing; with systemd the units are enabled
and started and the node must join. A host under a temporary root, the fake runner."""

import os

import pytest
from lxml import etree

from nfvd_ha import node_setup, render
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.errors import NfvdHaError

FF1 = {"172.30.77.11", "172.30.78.11"}
PROGRAMS = ("corosync", "pacemakerd", "crm_mon", "corosync-qdevice", "fence_openstack")


@pytest.fixture
def keys(tmp_path):
    out = tmp_path / "keys"
    render.keygen(EXAMPLE, str(out))
    return str(out)


def host(tmp_path, programs=PROGRAMS, hostname="ff-node1", local=FF1, systemd=False):
    root = tmp_path / "root"
    (root / "usr" / "sbin").mkdir(parents=True, exist_ok=True)
    for name in programs:
        path = root / "usr" / "sbin" / name
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    if systemd:
        (root / "run" / "systemd" / "system").mkdir(parents=True, exist_ok=True)
    return node_setup.Host(str(root), hostname=hostname, is_local=lambda a: a in local)


def setup(tmp_path, keys, runner, h, check=False, said=None, **kw):
    said = [] if said is None else said
    return node_setup.setup(EXAMPLE, "ff-node1", keys, runner, said.append, check, host=h,
                            python="/usr/bin/python3", **kw)


def test_every_problem_at_once_and_nothing_changed(tmp_path, runner, keys):
    os.chmod(os.path.join(keys, "nfvd-ff", "authkey"), 0o644)
    h = host(tmp_path, programs=("corosync",), hostname="vm7", local={"172.30.77.11"})
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h)
    assert [str(p) for p in error.value.problems] == [
        "this host is 'vm7' (uname -n), not 'ff-node1': corosync and Pacemaker name nodes by "
        "uname -n",
        "address 172.30.78.11 (link 1) of ff-node1 is not on this host",
        "pacemakerd is not installed (/usr/sbin/pacemakerd)",
        "crm_mon is not installed (/usr/sbin/crm_mon)",
        "corosync-qdevice is not installed (/usr/sbin/corosync-qdevice)",
        "fence_openstack is not installed (/usr/sbin/fence_openstack)",
        f"{keys}/nfvd-ff/authkey: is readable or writable by others (mode 0644) (make it "
        "once with `nfvd-ha keygen`, copy it to every node)"]
    assert not os.path.exists(h.path("/etc/corosync"))
    assert not os.path.exists(h.ocf_root)


def test_an_unknown_node_is_named(tmp_path, runner, keys):
    with pytest.raises(NfvdHaError) as error:
        node_setup.setup(EXAMPLE, "ff-node9", keys, runner, print, host=host(tmp_path),
                         python="/usr/bin/python3")
    assert "--node ff-node9: not a node of any cluster" in str(error.value.problems[0])


def test_writes_what_differs_once_then_nothing(tmp_path, runner, keys):
    h, said = host(tmp_path), []
    assert [c.what for c in setup(tmp_path, keys, runner, h, check=True, said=said)] == [
        "install the agents into /usr/lib/ocf",
        f"write {h.path('/etc/corosync/corosync.conf')} (0644)",
        f"write {h.path('/etc/corosync/authkey')} (0400)"]
    assert said[0] == "would install the agents into /usr/lib/ocf"
    assert not os.path.exists(h.path("/etc/corosync"))             # --check changed nothing
    setup(tmp_path, keys, runner, h)
    conf = open(h.path("/etc/corosync/corosync.conf")).read()
    assert "cluster_name: nfvd-ff" in conf and "model: net" in conf
    key = h.path("/etc/corosync/authkey")
    assert open(key, "rb").read() == open(os.path.join(keys, "nfvd-ff", "authkey"), "rb").read()
    assert os.stat(key).st_mode & 0o777 == 0o400
    assert os.access(os.path.join(h.ocf_root, "resource.d", "nfvd", "nfvd-hpsa"), os.X_OK)
    said = []
    assert setup(tmp_path, keys, runner, h, said=said) == []     # idempotent
    assert said[0] == "ff-node1: nothing to change"
    assert any(s.startswith("note: no systemd on this host: nothing was started") for s in said)
    os.chmod(key, 0o600)                                          # a wrong mode is a change
    assert [c.what for c in setup(tmp_path, keys, runner, h)] == [f"write {key} (0400)"]


def test_the_quorum_device_certificate_is_imported_once(tmp_path, runner, keys):
    h = host(tmp_path)
    ca, p12 = tmp_path / "qnetd-cacert.crt", tmp_path / "qdevice-net-node.p12"
    ca.write_bytes(b"CA")
    p12.write_bytes(b"P12")
    runner.expect(["corosync-qdevice-net-certutil", "-i", "-c", str(ca)])
    runner.expect(["corosync-qdevice-net-certutil", "-m", "-c", str(p12)])
    changes = setup(tmp_path, keys, runner, h, qdevice=(str(ca), str(p12)))
    assert changes[-1].what.startswith("import the quorum device certificate")
    assert setup(tmp_path, keys, runner, h, qdevice=(str(ca), str(p12))) == []
    with pytest.raises(NfvdHaError):
        setup(tmp_path, keys, runner, h, qdevice=(str(ca), None))


class Joined:
    """crm_mon's view, as the cluster adapter gives it: offline first, then online."""

    def __init__(self, looks_offline):
        self.left = looks_offline

    def status(self):
        online = "false" if self.left > 0 else "true"
        self.left -= 1
        return etree.fromstring(f'<crm_mon><nodes><node name="ff-node1" online="{online}"/>'
                                "</nodes></crm_mon>")

    def wait_for(self, predicate, timeout, interval):
        for _ in range(int(timeout)):
            if predicate():
                return True
        return False


def test_with_systemd_the_units_start_and_the_node_must_join(tmp_path, runner, keys):
    h = host(tmp_path, systemd=True)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "is-enabled", f"{unit}.service"], "disabled\n", rc=1)
        runner.expect(["systemctl", "is-active", f"{unit}.service"], "inactive\n", rc=3)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "enable", "--now", f"{unit}.service"])
    said = []
    setup(tmp_path, keys, runner, h, said=said, cluster_adapter=Joined(2))
    assert said[-1] == "ff-node1 is online in nfvd-ff"
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "is-enabled", f"{unit}.service"], "enabled\n")
        runner.expect(["systemctl", "is-active", f"{unit}.service"], "active\n")
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h, cluster_adapter=Joined(1000), timeout=5)
    assert "ff-node1 did not join its cluster within 5s" in str(error.value.problems[0])


def test_no_start_writes_the_configuration_only(tmp_path, runner, keys):
    said = []
    setup(tmp_path, keys, runner, host(tmp_path, systemd=True), said=said, start=False)
    assert "note: --no-start: nothing was enabled or started" in said  # no systemctl at all


# --- the authkey: judged by the descriptor it is read from, in a directory no one else can
# change (a renameat2 swapper running as nobody got its own key installed within 5-10 tries)
SWAPPER = r"""
import ctypes, os, sys
directory, other = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
os.setgroups([]); os.setgid(65534); os.setuid(65534)
key, link = os.path.join(directory, "authkey"), os.path.join(directory, other)
print("ready", flush=True)
while True:  # RENAME_EXCHANGE: authkey and the planted entry trade places, atomically
    libc.renameat2(-100, key.encode(), -100, link.encode(), 2)
"""


@pytest.fixture
def reachable(tmp_path):
    """A directory the nobody user can reach (tmp_path's parents are root's, 0700)."""
    import shutil
    import tempfile
    base = tempfile.mkdtemp(prefix="nfvd-keys-", dir="/tmp")
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("planted", ["symlink", "file"])
def test_a_key_swapped_under_the_check_is_never_installed(tmp_path, runner, reachable,
                                                          planted):
    import subprocess
    import sys
    import time
    keys = os.path.join(reachable, "keys")
    render.keygen(EXAMPLE, keys)
    directory = os.path.join(keys, "nfvd-ff")
    os.chmod(directory, 0o777)                               # others can rename in it
    evil = os.urandom(256)
    theirs = os.path.join(reachable, "evil")
    with open(theirs, "wb") as f:
        f.write(evil)
    os.chown(theirs, 65534, 65534)
    os.chmod(theirs, 0o400)
    other = os.path.join(directory, "other")
    if planted == "symlink":
        os.symlink(theirs, other)
    else:
        os.link(theirs, other)
    os.lchown(other, 65534, 65534)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, directory, "other"],
                               stdout=subprocess.PIPE, text=True)
    h, installed, refused = host(tmp_path), 0, 0
    try:
        assert swapper.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 8
        tries = 0
        while time.monotonic() < deadline and tries < 60:
            tries += 1
            try:
                setup(tmp_path, keys, runner, h)
            except NfvdHaError as error:
                refused += 1
                assert any(directory in str(p) for p in error.problems), \
                    error.problems
                continue
            key = h.path("/etc/corosync/authkey")
            if open(key, "rb").read() == evil:
                installed += 1
            os.unlink(key)
    finally:
        swapper.kill()
        swapper.wait()
    assert installed == 0, f"the swapper's key was installed {installed} times in {tries}"
    assert refused == tries  # a keys directory others can write is refused outright
