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
WIPE = ("/etc/corosync/corosync.conf /etc/corosync/authkey /etc/corosync/qdevice/net/nssdb "
        "/var/lib/pacemaker/cib/* /etc/nfvd-ha")


def placement(pcmk):
    """{resource: [nodes]} of what runs, fence devices included."""
    return {r.get("id"): sorted(r.xpath("node/@name"))
            for r in pcmk.status().xpath("//resources//resource[@active='true']")}


def cib_version(lab, node):
    """(admin_epoch, epoch, SHA-256 of the configuration section) of the live CIB."""
    from lxml import etree
    root = etree.fromstring(lab.sh(node, "cibadmin --query").stdout.encode())
    config = etree.tostring(root.find("configuration"), method="c14n")
    return root.get("admin_epoch"), root.get("epoch"), hashlib.sha256(config).hexdigest()


def run(lab, node, command, timeout=120):
    done = lab.sh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stdout}{done.stderr}"
    return done.stdout


def stop_stack(lab, node):
    """What `systemctl stop pacemaker corosync` does (the lab has no systemd)."""
    run(lab, node, "pacemakerd --shutdown", timeout=120)
    lab.wait(lambda: lab.sh(node, "pidof pacemakerd").returncode == 1, 120, "pacemakerd gone")
    run(lab, node, "corosync-cfgtool -H")
    lab.wait(lambda: lab.sh(node, "pidof corosync").returncode == 1, 60, "corosync gone")


def start_stack(lab, node):
    """What `systemctl start corosync pacemaker` does (lab-node's way; its qdevice loop
    reconnects by itself)."""
    run(lab, node, "nohup corosync -f >>/var/log/corosync-restored.log 2>&1 &")
    lab.wait(lambda: lab.sh(node, "corosync-cfgtool -s").returncode == 0, 30, "corosync up")
    run(lab, node, "nohup /usr/sbin/pacemakerd >>/var/log/pacemakerd-restored.log 2>&1 &")


def test_a_wiped_node_restored_from_its_backup_rejoins_and_nothing_moves(lab, aa):
    lab.wait(lambda: aa.online() == set(PAIR) and aa.where("assurance"), 180, "the pair up")
    active = aa.where("assurance")
    passive = next(n for n in PAIR if n != active)
    lab.settle(active)
    before, cib = placement(aa), cib_version(lab, active)

    lab.sh(passive, f"rm -f {ARCHIVE}")
    out = run(lab, passive, f"nfvd-ha backup {ARCHIVE} --definition {DEFINITION}")
    assert out.startswith(f"wrote {ARCHIVE} (0600): cluster nfvd-aa, taken on {passive}")
    assert run(lab, passive, f"stat -c %a {ARCHIVE}").strip() == "600"
    key = run(lab, passive, "od -An -tx1 /etc/corosync/authkey | tr -d ' \\n'")[:32]
    assert key not in out
    again = lab.sh(passive, f"nfvd-ha backup {ARCHIVE}")      # never overwritten
    assert again.returncode == 1 and "File exists" in again.stderr

    stop_stack(lab, passive)
    run(lab, passive, f"rm -rf {WIPE}")                         # the rebuilt node
    assert aa.where("assurance") == active
    bad = lab.sh(passive, f"head -c 4000 {ARCHIVE} > /root/cut.backup; "
                          "nfvd-ha restore /root/cut.backup")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ")
    assert lab.sh(passive, "test -e /etc/corosync/corosync.conf").returncode == 1

    out = run(lab, passive, f"nfvd-ha restore {ARCHIVE}")
    assert "restored /etc/corosync/authkey (0400)" in out
    assert "note: no systemd on this host: nothing was started" in out
    assert run(lab, passive, "stat -c %a /etc/corosync/authkey").strip() == "400"
    assert run(lab, passive, f"cmp /etc/nfvd-ha/nfvd.toml {DEFINITION} && echo same"
               ).strip() == "same"
    start_stack(lab, passive)

    lab.wait(lambda: aa.online() == set(PAIR), 120, f"{passive} back online")
    lab.wait(lambda: lab.qdevice_voting(passive), 120, f"{passive}'s quorum device voting")
    lab.settle(active)
    lab.wait(lambda: placement(aa) == before, 60, "every resource where it was",
             diagnose=lambda: f"before {before}\nafter  {placement(aa)}")
    assert cib_version(lab, active) == cib and cib_version(lab, passive) == cib
    assert aa.status().xpath("//failures/failure") == []
