"""nfvd-ha node setup: checks first (every problem, nothing changed), then only what differs;
a second run changes nothing; --check changes nothing; with systemd the units are enabled
and started and the node must join. A host under a temporary root, the fake runner."""

import os
from itertools import islice
from pathlib import Path

import pytest
from lxml import etree

from nfvd_ha.commands import node_setup, render
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.errors import NfvdHaError
from helpers.waits import window

FF1 = {"172.30.77.11", "172.30.78.11"}
PROGRAMS = ("corosync", "pacemakerd", "crm_mon", "corosync-qdevice", "fence_openstack")


@pytest.fixture
def keys(tmp_path):
    out = tmp_path / "keys"
    render.keygen(EXAMPLE, str(out))
    return str(out)


CLOUDS = """\
clouds:
  nfvd:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: nfvd-fence
      password: not-a-real-one
      project_name: nfvd
      user_domain_name: Default
"""


def host(tmp_path, programs=PROGRAMS, hostname="ff-node1", local=FF1, systemd=False,
         clouds=CLOUDS, python_lacks=""):
    root = tmp_path / "root"
    (root / "usr" / "sbin").mkdir(parents=True, exist_ok=True)
    for name in programs:
        path = root / "usr" / "sbin" / name
        path.write_text("#!/usr/bin/python3 -tt\n" if name.startswith("fence_") else
                        "#!/bin/sh\n")
        path.chmod(0o755)
    if systemd:
        (root / "run" / "systemd" / "system").mkdir(parents=True, exist_ok=True)
    if clouds is not None:  # what fence_openstack needs (fence_openstack's cloud = "nfvd")
        (root / "etc" / "openstack").mkdir(parents=True, exist_ok=True)
        (root / "etc" / "openstack" / "clouds.yaml").write_text(clouds)
        (root / "etc" / "openstack" / "clouds.yaml").chmod(0o600)
    asked = []

    def lacks(python, modules):
        asked.append((python, modules))
        return python_lacks
    h = node_setup.Host(str(root), hostname=hostname, is_local=lambda a: a in local,
                        python_lacks=lacks)
    h.asked = asked
    return h


def setup(tmp_path, keys, runner, h, check=False, said=None, pacemaker=None, **kw):
    said = [] if said is None else said
    options = node_setup.SetupOptions(EXAMPLE, "ff-node1", keys, check=check,
                                      python="/usr/bin/python3", **kw)
    return node_setup.setup(options, said.append, runner=runner, host=h, pacemaker=pacemaker)


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
        node_setup.setup(node_setup.SetupOptions(EXAMPLE, "ff-node9", keys,
                                                 python="/usr/bin/python3"),
                         print, runner=runner, host=host(tmp_path))
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
    conf = Path(h.path("/etc/corosync/corosync.conf")).read_text()
    assert "cluster_name: nfvd-ff" in conf and "model: net" in conf
    key = h.path("/etc/corosync/authkey")
    assert Path(key).read_bytes() == Path(os.path.join(keys, "nfvd-ff", "authkey")).read_bytes()
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
        return any(predicate() for _ in range(int(timeout)))


def test_with_systemd_the_units_start_and_the_node_must_join(tmp_path, runner, keys):
    h = host(tmp_path, systemd=True)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "is-enabled", f"{unit}.service"], "disabled\n", rc=1)
        runner.expect(["systemctl", "is-active", f"{unit}.service"], "inactive\n", rc=3)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "enable", "--now", f"{unit}.service"])
    said = []
    setup(tmp_path, keys, runner, h, said=said, pacemaker=Joined(2))
    assert said[-1] == "ff-node1 is online in nfvd-ff"
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "is-enabled", f"{unit}.service"], "enabled\n")
        runner.expect(["systemctl", "is-active", f"{unit}.service"], "active\n")
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h, pacemaker=Joined(1000), timeout=5)
    assert "ff-node1 did not join its cluster within 5s" in str(error.value.problems[0])


def test_no_start_writes_the_configuration_only(tmp_path, runner, keys):
    said = []
    setup(tmp_path, keys, runner, host(tmp_path, systemd=True), said=said, start=False)
    assert "note: --no-start: nothing was enabled or started" in said  # no systemctl at all


# -- guide 2.3.7.3: a shared directory the cluster mounts is not mounted by the host ----------
AA1 = {"172.30.77.21", "172.30.78.21"}
GUIDE_FSTAB = "10.75.14.23:/var/opt/UCA-EBC /var/opt/UCA-EBC nfs defaults 0 0\n"


def aa_setup(h, keys, runner, **kw):
    said = []
    options = node_setup.SetupOptions(EXAMPLE, "aa-node1", keys, python="/usr/bin/python3",
                                      **kw)
    node_setup.setup(options, said.append, runner=runner, host=h)
    return said


def aa_host(tmp_path, fstab_text=None, mounted=False, pacemaker=False):
    h = host(tmp_path, hostname="aa-node1", local=AA1)
    if fstab_text is not None:
        (tmp_path / "root" / "etc" / "fstab").write_text(fstab_text)
    if mounted:
        from nfvd_ocf.mounts import Mount
        h.mounts = lambda: [Mount(40, 1, (0, 52), "/var/opt/UCA-EBC", "nfs4",
                                  "10.75.14.23:/var/opt/UCA-EBC", "rw")]
    h.cluster_running = lambda: pacemaker
    return h


def test_the_guides_fstab_line_for_the_uca_ebc_share_is_refused_with_the_fix(
        tmp_path, runner, keys):
    h = aa_host(tmp_path, "# /etc/fstab\n" + GUIDE_FSTAB)
    with pytest.raises(NfvdHaError) as error:
        aa_setup(h, keys, runner, check=True)
    assert [str(p) for p in error.value.problems] == [
        "/etc/fstab:2 mounts /var/opt/UCA-EBC at boot ('10.75.14.23:/var/opt/UCA-EBC "
        "/var/opt/UCA-EBC nfs defaults 0 0'): the cluster mounts it where its resource runs; "
        "add noauto to that line's options or remove it, and unmount it here (resource "
        "uca-ebc-data)"]
    assert error.value.hint == "nothing was changed"
    assert not os.path.exists(h.path("/etc/corosync"))
    # the fix the message names: noauto (or the line removed)
    (tmp_path / "root" / "etc" / "fstab").write_text(GUIDE_FSTAB.replace("defaults",
                                                                         "defaults,noauto"))
    assert "would install the agents into /usr/lib/ocf" in aa_setup(h, keys, runner, check=True)


def test_a_share_mounted_before_pacemaker_runs_here_is_refused(tmp_path, runner, keys):
    h = aa_host(tmp_path, mounted=True)
    with pytest.raises(NfvdHaError) as error:
        aa_setup(h, keys, runner, check=True)
    assert [str(p) for p in error.value.problems] == [
        "/var/opt/UCA-EBC is mounted here (nfs4 10.75.14.23:/var/opt/UCA-EBC) while Pacemaker "
        "does not run here: resource uca-ebc-data mounts it where it runs; unmount it (umount "
        "/var/opt/UCA-EBC) before this node joins"]
    # a heartbeat host being migrated (--no-start) still serves it until the hand-over
    said = aa_setup(h, keys, runner, check=True, start=False)
    assert any(line.startswith("note: /var/opt/UCA-EBC is mounted here") for line in said)
    # where Pacemaker runs, the mount is the cluster's (a second run of node setup)
    h.cluster_running = lambda: True
    aa_setup(h, keys, runner, check=True)


# -- guide 2.3.4.3 (OpenStack): what fence_openstack needs on this host ------------------------
@pytest.mark.parametrize("clouds,mode,lacks,expected", [
    (None, 0o600, "", ["fence_openstack: no clouds.yaml (/root/.config/openstack/clouds.yaml "
                       "or /etc/openstack/clouds.yaml): write the cloud nfvd there, mode 0600"]),
    (CLOUDS, 0o644, "", ["/etc/openstack/clouds.yaml: is mode 0644: it holds the cloud's "
                         "password; chmod 600"]),
    (CLOUDS.replace("  nfvd:", "  other:"), 0o600, "",
     ["/etc/openstack/clouds.yaml: has no cloud 'nfvd' under clouds: (other) "
      "(fence_openstack --cloud nfvd)"]),
    (CLOUDS.replace("      password: not-a-real-one\n", ""), 0o400, "",
     ["/etc/openstack/clouds.yaml: cloud 'nfvd' auth lacks password (fence_openstack --cloud "
      "nfvd)"]),
    (CLOUDS, 0o600, "novaclient: No module named 'novaclient'",
     ["fence_openstack cannot run here: novaclient: No module named 'novaclient' (install "
      "python3-yaml and python3-novaclient for its interpreter)"]),
])
def test_what_fence_openstack_needs_is_checked_before_joining(tmp_path, runner, keys, clouds,
                                                               mode, lacks, expected):
    h = host(tmp_path, clouds=clouds, python_lacks=lacks)
    if clouds is not None:
        os.chmod(h.path("/etc/openstack/clouds.yaml"), mode)
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h, check=True)
    assert [str(p) for p in error.value.problems] == expected
    assert h.asked == [("/usr/bin/python3", ("yaml", "novaclient"))]  # fence_openstack's #!


def test_root_s_own_clouds_yaml_comes_first_as_fence_openstack_reads_it(tmp_path, runner,
                                                                        keys):
    h = host(tmp_path)
    mine = tmp_path / "root" / "root" / ".config" / "openstack"
    mine.mkdir(parents=True)
    (mine / "clouds.yaml").write_text("clouds:\n  lab: {}\n")
    (mine / "clouds.yaml").chmod(0o600)
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h, check=True)
    assert [str(p) for p in error.value.problems] == [
        "/root/.config/openstack/clouds.yaml: has no cloud 'nfvd' under clouds: (lab) "
        "(fence_openstack --cloud nfvd)"]
    os.unlink(mine / "clouds.yaml")
    os.symlink(h.path("/etc/openstack/clouds.yaml"), mine / "clouds.yaml")
    with pytest.raises(NfvdHaError) as error:
        setup(tmp_path, keys, runner, h, check=True)
    assert [str(p) for p in error.value.problems] == [
        "/root/.config/openstack/clouds.yaml: cannot be read (Too many levels of symbolic "
        "links)"]


@pytest.mark.parametrize("text,problem", [
    (CLOUDS, None),
    ("# comment\nclouds:  # the clouds\n\n  'nfvd':\n    region_name: r1\n    auth:\n"
     "        auth_url: u\n        username: n\n        password: p  # x\n"
     "        project_name: p\n", None),
    ("clouds: {nfvd: {auth: {}}}\n", "has no cloud 'nfvd' under clouds: (none)"),
    ("other:\n  clouds:\n    nfvd: {}\n", "has no top-level 'clouds:' mapping (block style)"),
    ("clouds:\n  nfvd:\n    region_name: r1\n", "cloud 'nfvd' has no auth:"),
    ("clouds:\n  nfvd:\n    auth:\n      auth_url: u\n  other:\n    auth:\n      username: n\n",
     "cloud 'nfvd' auth lacks username, password, project_name"),
])
def test_the_cloud_entry_is_read_from_block_style_yaml(text, problem):
    from nfvd_ha.commands.host_checks import cloud_problem
    assert cloud_problem(text, "nfvd") == problem


def test_the_modules_are_asked_of_fence_openstacks_interpreter(runner):
    from nfvd_ha.commands.host_checks import IMPORT_CHECK, imports_missing
    runner.expect(["/usr/bin/python3", "-c", IMPORT_CHECK, "yaml", "novaclient"],
                  '["novaclient: No module named \'novaclient\'"]\n')
    assert imports_missing(runner, "/usr/bin/python3", ("yaml", "novaclient")) == \
        "novaclient: No module named 'novaclient'"
    runner.expect(["/usr/bin/python3", "-c", IMPORT_CHECK, "yaml"], "", rc=127,
                  stderr="not found")
    assert imports_missing(runner, "/usr/bin/python3", ("yaml",)) == \
        "/usr/bin/python3 did not run (not found)"



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
        tries = 0
        for _ in islice(window(8, 0), 60):  # 60 tries, or what 8 s allow
            tries += 1
            try:
                setup(tmp_path, keys, runner, h)
            except NfvdHaError as error:
                refused += 1
                assert any(directory in str(p) for p in error.problems), \
                    error.problems
                continue
            key = h.path("/etc/corosync/authkey")
            if Path(key).read_bytes() == evil:
                installed += 1
            os.unlink(key)
    finally:
        swapper.kill()
        swapper.wait()
    assert installed == 0, f"the swapper's key was installed {installed} times in {tries}"
    assert refused == tries  # a keys directory others can write is refused outright
