"""The Assurance pair on real Pacemaker + corosync: the example's AA cluster (VIP, UCA-EBC data
on the lab's shared store, the Assurance stack), fenced, placement and node loss without
losing acknowledged data or failing back.
"""

import time

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("fresh_aa")]  # destructive: a fresh pair
VIP = "172.30.77.101"
GROUP = ("aa-vip", "uca-ebc-data", "assurance")
DATA = "/var/opt/UCA-EBC"
NODES = ("aa-node1", "aa-node2")


def gateway(lab):
    return lab.curl(f"http://{VIP}:8085/").strip()


def stack_on(aa, node):
    return all(aa.where(r) == node for r in GROUP)


def mounted(lab, node):
    return lab.run(node, "grep", "-c", f" {DATA} fuse ", "/proc/mounts").stdout.strip() == "1"


def test_stack_starts_on_the_preferred_node_in_order(lab, aa):
    lab.wait(lambda: stack_on(aa, "aa-node1"), 90, "assurance-stack on aa-node1")
    assert mounted(lab, "aa-node1") and not mounted(lab, "aa-node2")
    assert lab.run("aa-node1", "stat", "-c", "%U:%G", DATA).stdout.strip() == "uca:uca"
    lab.wait(lambda: gateway(lab) == "nfvd-agw on aa-node1", 20, "the gateway on the VIP")
    rows = lab.director("aa-node1", "status").stdout
    for label in ("UCA-EBC", "Open Mediation", "NFVD Assurance Gateway"):
        assert f"{label:<35}: [Running]" in rows


def test_node_kill_keeps_acknowledged_data_and_does_not_fail_back(lab, aa):
    holder = lab.wait(lambda: next((n for n in NODES if stack_on(aa, n)), None), 90, "holder")
    peer = next(n for n in NODES if n != holder)
    stamp = f"{time.time():.6f}"
    ack = lab.run(holder, "su", "-s", "/bin/sh", "uca", "-c",
                  f"printf {stamp} > {DATA}/acked.tmp && sync {DATA}/acked.tmp && "
                  f"mv {DATA}/acked.tmp {DATA}/acked && sync {DATA}")
    assert ack.returncode == 0, ack.stderr  # written, fsynced, renamed, dir fsynced: acked
    lab.kill_node(holder)
    lab.wait(lambda: gateway(lab) == f"nfvd-agw on {peer}", 90, f"the gateway on {peer}")
    assert stack_on(aa, peer) and mounted(lab, peer)
    assert lab.cat(peer, f"{DATA}/acked") == stamp
    lab.wait(lambda: aa.online() == set(NODES), 120, f"{holder} back (fenced: rebooted)")
    lab.idle(peer)
    lab.steady(lambda: stack_on(aa, peer) and not mounted(lab, holder), 3,
               f"the stack staying on {peer} (no failback)")
    assert VIP not in lab.addresses(holder)


GUIDE_FSTAB = "172.30.77.5:/var/opt/UCA-EBC /var/opt/UCA-EBC nfs defaults 0 0"  # guide 2.3.7.3
#: the same line on the lab's store (the lab kernel has no NFS), for what the boot would mount
LAB_FSTAB = "/lab/shared-aa /var/opt/UCA-EBC fuse.passfs allow_other 0 0"


def uca_pid(lab, node):
    return lab.pid(node, "uca-ebc")


def test_a_node_with_the_guides_fstab_line_is_refused_and_never_multiple_active(lab, aa):
    """Guide 2.3.7.3 mounts the UCA-EBC share from /etc/fstab on both Assurance nodes. node
    setup refuses such a node with the fix; a passive node that mounted it at boot anyway is
    probed 2 with the line in the exit reason: the share is never active on two nodes, and
    the stack keeps running where it is, never stopped."""
    holder = lab.wait(lambda: next((n for n in NODES if stack_on(aa, n)), None), 90, "holder")
    passive = next(n for n in NODES if n != holder)
    fstab = lab.cat(passive, "/etc/fstab")
    lab.run(passive, "cp", "/etc/fstab", "/etc/fstab.orig", check=True)
    lab.write(passive, "/etc/fstab", f"{fstab}{GUIDE_FSTAB}\n")
    try:
        lines = len(lab.cat(passive, "/etc/fstab").splitlines())
        setup = lab.nfvd_ha(passive, "node", "setup", "/lab/out/definitions/lab-aa.toml",
                            "--node", passive, "--keys", "/lab/out", "--check")
        assert setup.returncode == 1, setup.stdout + setup.stderr
        assert (f"Error: /etc/fstab:{lines} mounts /var/opt/UCA-EBC at boot ('{GUIDE_FSTAB}'):"
                " the cluster mounts it where its resource runs; add noauto to that line's "
                "options or remove it, and unmount it here (resource uca-ebc-data)"
                ) in setup.stderr, setup.stderr
        # what the boot does with that line (here on the lab's store): mounted on the passive
        lab.write(passive, "/etc/fstab", f"{fstab}{LAB_FSTAB}\n")
        lab.chain(passive, ["mkdir", "-p", DATA], ["mount", DATA], check=True)  # as the guide
        assert mounted(lab, passive) and mounted(lab, holder)
        pid = uca_pid(lab, holder)
        # Pacemaker forgets what it knew there and probes again
        assert lab.crm_resource(passive, "--refresh", "--resource", "uca-ebc-data", "--node",
                                passive).returncode == 0

        def probed():  # the probe's result as the CIB recorded it (crm_mon 2.1.5 hides a
            # probe's 2 from its failed actions: Pacemaker masks it as "not running here")
            from lxml import etree
            out = lab.cib(holder, "--xpath", f"//node_state[@uname='{passive}']//lrm_resource"
                          "[@id='uca-ebc-data']/lrm_rsc_op[@operation='monitor' and "
                          "@interval='0']")
            ops = etree.fromstring(f"<ops>{out}</ops>".encode()).iter("lrm_rsc_op")
            return [op for op in ops if op.get("rc-code") == "2"]
        op = lab.wait(probed, 60, f"the probe of uca-ebc-data on {passive}")[0]
        reason = op.get("exit-reason")
        assert reason == (f"/etc/fstab:{lines} mounts {DATA} at boot: add noauto to that "
                          "line or remove it, then unmount it"), op.attrib
        # Pacemaker keeps the node out of the resource until the failure is cleaned up
        scores = lab.run(holder, "crm_simulate", "-Ls").stdout
        assert f"uca-ebc-data allocation score on {passive}: -INFINITY" in scores, scores
        # never active on two nodes; nothing stopped or moved where the stack runs
        lab.steady(lambda: aa.status().xpath(
            "//resource[@id='uca-ebc-data' and @active='true']/node/@name") == [holder]
            and stack_on(aa, holder), 10, "uca-ebc-data active on the holder only")
        assert uca_pid(lab, holder) == pid
        log = lab.run(holder, "grep", "-h", "active on 2 nodes",
                      "/var/log/pacemaker/pacemaker.log", "/var/log/pacemaker.log").stdout
        assert "uca-ebc-data" not in log, log
    finally:  # the fix the error names: no boot mount, unmounted, the failure cleaned up
        lab.run(passive, "mv", "/etc/fstab.orig", "/etc/fstab")
        lab.run(passive, "umount", DATA)
        lab.crm_resource(passive, "--cleanup", "--resource", "uca-ebc-data", "--node", passive)
    lab.wait(lambda: not probed(), 60, "the probe failure cleaned up")
    assert stack_on(aa, holder) and not mounted(lab, passive)
