"""A real heartbeat 3.0.6 (v1, haresources) pair fed only our rendered files."""

import pytest

pytestmark = pytest.mark.cluster

VIP = "172.30.77.160"


def holds(lab, node):
    addrs = lab.sh(node, "ip -4 -o addr").stdout
    check = lab.sh(node, "/etc/init.d/activator-ep check").stdout
    return VIP in addrs and "SOSA application is running" in check and \
        "Lock Manager application is running" in check


def test_rendered_files_acquire_the_group_on_the_preferred_node(lab):
    lab.wait(lambda: holds(lab, "hb-node1"), 90, "hb-node1 holding VIP + activator-ep")
    assert not holds(lab, "hb-node2")
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == "sosa on hb-node1", 20,
             "SOSA answering on the heartbeat VIP")
    assert lab.sh("hb-node1", "stat -c %a /etc/ha.d/authkeys").stdout.strip() == "600"


def test_hb_standby_switches_over(lab):
    lab.wait(lambda: holds(lab, "hb-node1"), 90, "hb-node1 holding the group")
    out = lab.sh("hb-node1", "/usr/share/heartbeat/hb_standby all")
    assert "Going standby [all]." in out.stdout + out.stderr
    lab.wait(lambda: holds(lab, "hb-node2"), 60, "hb-node2 holding the group")
    assert VIP not in lab.sh("hb-node1", "ip -4 -o addr").stdout
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == "sosa on hb-node2", 20,
             "SOSA answering from hb-node2")
    assert lab.sh("hb-node2", "cl_status rscstatus").stdout.strip() == "all"


def test_node_kill_takes_over(lab):
    holder = "hb-node2" if holds(lab, "hb-node2") else "hb-node1"
    peer = "hb-node1" if holder == "hb-node2" else "hb-node2"
    lab.docker("kill", lab.container(holder))
    lab.wait(lambda: holds(lab, peer), 60, f"{peer} taking over")
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == f"sosa on {peer}", 20,
             "SOSA answering from the survivor")
