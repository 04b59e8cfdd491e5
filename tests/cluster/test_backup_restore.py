"""nfvd-ha backup / restore on the lab's Assurance pair: the passive node's cluster
configuration and keys wiped (a rebuilt node), restored from its backup; it rejoins (its
quorum device votes again: the certificates came back too), the CIB is the one it was, and
nothing moved. Asserted on crm_mon, corosync-quorumtool and the CIB itself."""

import hashlib

import pytest

pytestmark = pytest.mark.cluster

PAIR = ("aa-node1", "aa-node2")
ARCHIVE = "/root/nfvd-aa.backup"
DEFINITION = "/lab/out/definitions/lab-aa.toml"
WIPE = ("/etc/corosync/corosync.conf", "/etc/corosync/authkey", "/etc/corosync/qdevice/net/nssdb",
        "/etc/nfvd-ha")
CIB_DIR = "/var/lib/pacemaker/cib"  # emptied


def placement(pcmk):
    """{resource: [nodes]} of what runs, fence devices included."""
    return {r.get("id"): sorted(r.xpath("node/@name"))
            for r in pcmk.status().xpath("//resources//resource[@active='true']")}


def cib_version(lab, node):
    """(admin_epoch, epoch, SHA-256 of the configuration section) of the live CIB."""
    from lxml import etree
    root = etree.fromstring(lab.cib(node).encode())
    config = etree.tostring(root.find("configuration"), method="c14n")
    return root.get("admin_epoch"), root.get("epoch"), hashlib.sha256(config).hexdigest()


def stop_stack(lab, node):
    """What `systemctl stop pacemaker corosync` does (the lab has no systemd)."""
    lab.ok(node, "pacemakerd", "--shutdown", timeout=120)
    lab.wait(lambda: lab.run(node, "pidof", "pacemakerd").returncode == 1, 120,
             "pacemakerd gone")
    lab.ok(node, "corosync-cfgtool", "-H")
    lab.wait(lambda: lab.run(node, "pidof", "corosync").returncode == 1, 60, "corosync gone")


def start_stack(lab, node):
    """What `systemctl start corosync pacemaker` does (lab-node's way; its qdevice loop
    reconnects by itself)."""
    lab.spawn(node, "corosync", "-f", log="/var/log/corosync-restored.log")
    lab.wait(lambda: lab.run(node, "corosync-cfgtool", "-s").returncode == 0, 30, "corosync up")
    lab.spawn(node, "/usr/sbin/pacemakerd", log="/var/log/pacemakerd-restored.log")


def test_a_wiped_node_restored_from_its_backup_rejoins_and_nothing_moves(lab, aa):
    lab.wait(lambda: aa.online() == set(PAIR) and aa.where("assurance"), 180, "the pair up")
    active = aa.where("assurance")
    passive = next(n for n in PAIR if n != active)
    lab.settle(active)
    before, cib = placement(aa), cib_version(lab, active)

    lab.run(passive, "rm", "-f", ARCHIVE)
    out = lab.ok(passive, "nfvd-ha", "backup", ARCHIVE, "--definition", DEFINITION)
    assert out.startswith(f"wrote {ARCHIVE} (0600): cluster nfvd-aa, taken on {passive}")
    assert lab.ok(passive, "stat", "-c", "%a", ARCHIVE).strip() == "600"
    key = "".join(lab.ok(passive, "od", "-An", "-tx1", "/etc/corosync/authkey").split())[:32]
    assert key not in out
    again = lab.nfvd_ha(passive, "backup", ARCHIVE)            # never overwritten
    assert again.returncode == 1 and "File exists" in again.stderr

    stop_stack(lab, passive)
    lab.ok(passive, "rm", "-rf", *WIPE)                         # the rebuilt node
    lab.ok(passive, "find", CIB_DIR, "-mindepth", "1", "-delete")
    assert aa.where("assurance") == active
    lab.ok(passive, "dd", f"if={ARCHIVE}", "of=/root/cut.backup", "bs=4000", "count=1",
           "status=none")
    bad = lab.nfvd_ha(passive, "restore", "/root/cut.backup")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ")
    assert not lab.exists(passive, "/etc/corosync/corosync.conf")

    out = lab.ok(passive, "nfvd-ha", "restore", ARCHIVE)
    assert "restored /etc/corosync/authkey (0400)" in out
    assert "note: no systemd on this host: nothing was started" in out
    assert lab.ok(passive, "stat", "-c", "%a", "/etc/corosync/authkey").strip() == "400"
    lab.ok(passive, "cmp", "/etc/nfvd-ha/nfvd.toml", DEFINITION)  # the same
    start_stack(lab, passive)

    lab.wait(lambda: aa.online() == set(PAIR), 120, f"{passive} back online")
    lab.wait(lambda: lab.qdevice_voting(passive), 120, f"{passive}'s quorum device voting")
    lab.settle(active)
    lab.wait(lambda: placement(aa) == before, 60, "every resource where it was",
             diagnose=lambda: f"before {before}\nafter  {placement(aa)}")
    assert cib_version(lab, active) == cib and cib_version(lab, passive) == cib
    assert aa.status().xpath("//failures/failure") == []
