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
    return lab.sh(node, f"grep -c ' {DATA} fuse ' /proc/mounts").stdout.strip() == "1"


def test_stack_starts_on_the_preferred_node_in_order(lab, aa):
    lab.wait(lambda: stack_on(aa, "aa-node1"), 90, "assurance-stack on aa-node1")
    assert mounted(lab, "aa-node1") and not mounted(lab, "aa-node2")
    assert lab.sh("aa-node1", f"stat -c %U:%G {DATA}").stdout.strip() == "uca:uca"
    lab.wait(lambda: gateway(lab) == "nfvd-agw on aa-node1", 20, "the gateway on the VIP")
    rows = lab.sh("aa-node1", "/opt/HPE/nfvd/bin/nfv-director.sh status").stdout
    for label in ("UCA-EBC", "Open Mediation", "NFVD Assurance Gateway"):
        assert f"{label:<35}: [Running]" in rows


def test_node_kill_keeps_acknowledged_data_and_does_not_fail_back(lab, aa):
    holder = lab.wait(lambda: next((n for n in NODES if stack_on(aa, n)), None), 90, "holder")
    peer = next(n for n in NODES if n != holder)
    stamp = f"{time.time():.6f}"
    ack = lab.sh(holder, f"su -s /bin/sh uca -c 'printf {stamp} > {DATA}/acked.tmp && "
                         f"sync {DATA}/acked.tmp && mv {DATA}/acked.tmp {DATA}/acked && "
                         f"sync {DATA}'")
    assert ack.returncode == 0, ack.stderr  # written, fsynced, renamed, dir fsynced: acked
    lab.docker("kill", lab.container(holder))
    lab.wait(lambda: gateway(lab) == f"nfvd-agw on {peer}", 90, f"the gateway on {peer}")
    assert stack_on(aa, peer) and mounted(lab, peer)
    assert lab.sh(peer, f"cat {DATA}/acked").stdout == stamp
    lab.wait(lambda: aa.online() == set(NODES), 120, f"{holder} back (fenced: rebooted)")
    assert lab.sh(peer, "crm_resource --wait --timeout=120", timeout=130).returncode == 0
    lab.steady(lambda: stack_on(aa, peer) and not mounted(lab, holder), 3,
               f"the stack staying on {peer} (no failback)")
    assert VIP not in lab.sh(holder, "ip -4 -o addr").stdout
