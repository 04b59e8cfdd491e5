"""The Fulfillment pair on real Pacemaker + corosync, configured from the rendered example.

Tests run in order on a pair recreated for this module (new containers): placement, restart
in place, the restart-then-move policy, node loss, no failback, standby.
"""

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("fresh_ff")]  # destructive: a fresh pair

import time

VIP = "172.30.77.100"
GROUP = ("ff-vip", "sosa-lockmgr")


def sosa_answer(lab):
    return lab.curl(f"http://{VIP}:7001/").strip()


def group_on(ff, node):
    return all(ff.where(r) == node for r in GROUP)


def kill_sosa(lab, node):
    assert lab.sh(node, "kill -9 $(cat /var/run/nfvd/sosa.pid)").returncode == 0


def test_rendered_cib_loads_and_group_starts_on_preferred_node(lab, ff):
    cib = lab.sh("ff-node1", "cibadmin -Q").stdout
    assert 'validate-with="pacemaker-3.9"' in cib and 'id="fulfillment"' in cib
    lab.wait(lambda: group_on(ff, "ff-node1"), 60, "fulfillment on ff-node1")
    assert lab.sh("ff-node1", f"ip -4 -o addr show to {VIP}").stdout.count(VIP) == 1
    assert lab.sh("ff-node2", f"ip -4 -o addr show to {VIP}").stdout.count(VIP) == 0
    lab.wait(lambda: sosa_answer(lab) == "sosa on ff-node1", 20, "SOSA answering on the VIP")


def test_kill9_of_sosa_is_restarted_in_place(lab, ff):
    kill_sosa(lab, "ff-node1")
    lab.wait(lambda: ff.failcount("sosa-lockmgr", "ff-node1") == 1, 30, "failure noticed")
    lab.wait(lambda: sosa_answer(lab) == "sosa on ff-node1", 30, "SOSA back on ff-node1")
    assert group_on(ff, "ff-node1")


def test_moves_to_peer_after_three_restarts_not_before(lab, ff):
    for failures in (2, 3):
        kill_sosa(lab, "ff-node1")
        lab.wait(lambda: ff.failcount("sosa-lockmgr", "ff-node1") == failures, 30,
                 f"failure {failures} noticed")
        lab.wait(lambda: sosa_answer(lab) == "sosa on ff-node1", 30,
                 f"restart {failures} in place")
        assert group_on(ff, "ff-node1")
    kill_sosa(lab, "ff-node1")  # the fourth failure: restarts exhausted
    lab.wait(lambda: group_on(ff, "ff-node2"), 60, "the group on ff-node2")
    lab.wait(lambda: sosa_answer(lab) == "sosa on ff-node2", 30, "SOSA answering from ff-node2")
    assert VIP not in lab.sh("ff-node1", "ip -4 -o addr").stdout
    # clear the failures, as an operator would; with auto_failback off nothing moves back
    lab.sh("ff-node1", "crm_resource --cleanup -r sosa-lockmgr")
    lab.wait(lambda: ff.failcount("sosa-lockmgr", "ff-node1") == 0, 30, "cleanup")
    time.sleep(5)
    assert group_on(ff, "ff-node2")


def test_node_kill_moves_vip_and_service_then_no_failback(lab, ff):
    holder = next(n for n in ("ff-node1", "ff-node2") if group_on(ff, n))
    peer = "ff-node1" if holder == "ff-node2" else "ff-node2"
    lab.docker("kill", lab.container(holder))
    lab.wait(lambda: sosa_answer(lab) == f"sosa on {peer}", 60, f"SOSA answering from {peer}")
    assert group_on(ff, peer)
    lab.docker("start", lab.container(holder))
    lab.wait(lambda: ff.online() == {"ff-node1", "ff-node2"}, 120, f"{holder} back online")
    time.sleep(8)  # give a failback the chance to happen, if it were going to
    assert group_on(ff, peer)
    assert sosa_answer(lab) == f"sosa on {peer}"
    assert VIP not in lab.sh(holder, "ip -4 -o addr").stdout


def test_standby_switches_over(lab, ff):
    holder = next(n for n in ("ff-node1", "ff-node2") if group_on(ff, n))
    peer = "ff-node1" if holder == "ff-node2" else "ff-node2"
    assert lab.sh(holder, f"crm node standby {holder}").returncode == 0
    lab.wait(lambda: sosa_answer(lab) == f"sosa on {peer}", 60, f"switchover to {peer}")
    assert group_on(ff, peer)
    lab.sh(holder, f"crm node online {holder}")
