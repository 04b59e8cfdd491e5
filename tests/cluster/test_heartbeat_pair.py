"""A real heartbeat 3.0.6 (v1, haresources) pair fed only our rendered files."""

import pytest

pytestmark = pytest.mark.cluster

VIP = "172.30.77.160"
HEARTBEATS = "/usr/bin/cl_status"  # heartbeat's own


def holds(lab, node):
    addrs = lab.addresses(node)
    check = lab.run(node, "/etc/init.d/activator-ep", "check").stdout
    return VIP in addrs and "SOSA application is running" in check and \
        "Lock Manager application is running" in check


def test_rendered_files_acquire_the_group_on_the_preferred_node(lab):
    lab.wait(lambda: holds(lab, "hb-node1"), 90, "hb-node1 holding VIP + activator-ep")
    assert not holds(lab, "hb-node2")
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == "sosa on hb-node1", 20,
             "SOSA answering on the heartbeat VIP")
    assert lab.run("hb-node1", "stat", "-c", "%a", "/etc/ha.d/authkeys").stdout.strip() == "600"


def test_hb_standby_switches_over(lab):
    lab.wait(lambda: holds(lab, "hb-node1"), 90, "hb-node1 holding the group")
    out = lab.run("hb-node1", "/usr/share/heartbeat/hb_standby", "all")
    assert "Going standby [all]." in out.stdout + out.stderr
    lab.wait(lambda: holds(lab, "hb-node2"), 60, "hb-node2 holding the group")
    assert VIP not in lab.addresses("hb-node1")
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == "sosa on hb-node2", 20,
             "SOSA answering from hb-node2")
    assert lab.cl_status("hb-node2", "rscstatus") == "all"


def node_status(lab, on, node):
    return lab.cl_status(on, "nodestatus", node, program=HEARTBEATS)


def heartbeat_runs(lab, node):
    return lab.run(node, HEARTBEATS, "hbstatus").returncode == 0


def test_maintenance_on_a_heartbeat_host_hands_over_or_refuses(lab):
    """Guide 4.2.2-4.2.3 on a heartbeat host: with the peer's heartbeat down, maintenance
    refuses and changes nothing; with it up, hb_standby all, the peer takes the group, then
    heartbeat stops here, and the words say so only then. Leaving starts heartbeat again and
    does not fail back (auto_failback off). `nfvd-ha status` shows heartbeat's view."""
    lab.wait(lambda: holds(lab, "hb-node1") or holds(lab, "hb-node2"), 90, "a holder")
    holder = "hb-node1" if holds(lab, "hb-node1") else "hb-node2"
    peer = "hb-node2" if holder == "hb-node1" else "hb-node1"
    start = ("maintenance", "start", "--role", "ff", "--drain", "0", "--timeout", "60")
    try:
        assert lab.run(peer, "/etc/init.d/heartbeat", "stop", timeout=60).returncode == 0
        lab.wait(lambda: node_status(lab, holder, peer) == "dead", 30, f"{peer} dead")
        refused = lab.nfvd_ha(holder, *start)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert refused.stderr.splitlines()[0] == \
            f"Error: {peer} cannot take over: heartbeat says it is dead"
        assert "NFVD services stopped" not in refused.stdout
        assert holds(lab, holder)
    finally:
        lab.run(peer, "/etc/init.d/heartbeat", "start", timeout=60)
    lab.wait(lambda: node_status(lab, holder, peer) == "active", 60, f"{peer} active again")
    # the peer's return starts a resource negotiation: heartbeat says "transition" until it ends
    lab.wait(lambda: lab.cl_status(holder, "rscstatus", program=HEARTBEATS) == "all", 30,
             f"{holder} holding all once {peer} is back")
    shown = lab.nfvd_ha(holder, "status").stdout
    assert f"Cluster (heartbeat)                : {holder}\n" in shown
    assert "Resources (cl_status rscstatus)    : all (active)" in shown
    assert f"Peer {peer:<30}: active" in shown
    out = lab.nfvd_ha(holder, *start, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Going standby [all]." in out.stdout
    assert "Stopping High-Availability services:\nDone." in out.stdout
    assert out.stdout.rstrip().endswith("*** INFO: Stopped heartbeat & NFVD services")
    assert holds(lab, peer) and not holds(lab, holder)
    assert not heartbeat_runs(lab, holder)
    assert lab.run(holder, "pidof", "heartbeat").returncode == 1   # no heartbeat process left
    lab.wait(lambda: node_status(lab, peer, holder) == "dead", 30,
             f"{peer} seeing {holder} gone")
    assert f"{holder}: heartbeat not running on this node" in lab.nfvd_ha(
        holder, "status").stdout
    status = lab.nfvd_ha(holder, "maintenance", "status", "--role", "ff").stdout
    assert "is in maintenance mode." in status
    out = lab.nfvd_ha(holder, "maintenance", "stop", "--role", "ff", timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Starting High-Availability services:\nDone." in out.stdout
    assert "*** INFO: Heartbeat started" in out.stdout
    assert "===== Exited Maintenance mode =====" in out.stdout
    assert heartbeat_runs(lab, holder) and node_status(lab, holder, peer) == "active"
    lab.wait(lambda: node_status(lab, peer, holder) == "active", 30, f"{peer} seeing {holder}")
    lab.steady(lambda: holds(lab, peer) and not holds(lab, holder), 5, "no failback")
    assert "Resources (cl_status rscstatus)    : none (passive)" in lab.nfvd_ha(
        holder, "status").stdout


def sosa_pid(lab, node):
    return lab.pid(node, "sosa")


def test_supervisor_restarts_sosa_on_the_holder_three_times_then_hands_over(lab):
    """Guide 2.9 on heartbeat v1, which monitors nothing: `nfvd-ha supervise` on the holder
    restarts a killed SOSA in place three times; the fourth time it runs hb_standby all, the
    peer takes the group over, and the alert agent is told."""
    lab.wait(lambda: holds(lab, "hb-node1") or holds(lab, "hb-node2"), 90, "a holder")
    holder = "hb-node1" if holds(lab, "hb-node1") else "hb-node2"
    peer = "hb-node2" if holder == "hb-node1" else "hb-node1"
    alerts = "/tmp/nfvd-supervise-alerts.log"
    lab.run(holder, "rm", "-f", alerts)
    lab.director(holder, "-c", "activator", "start")
    lab.spawn(holder, "nfvd-ha", "supervise", "--role", "ff", "--interval", "1", "--alert",
              "/usr/share/pacemaker/alerts/alert_file.sh.sample", "--recipient", alerts,
              log="/tmp/supervise.out")
    try:
        lab.wait(lambda: "Lock Manager every 1s" in lab.cat(
            holder, "/var/opt/HPE/nfvd/halogs/nfvd-ha-supervise.log"), 20,
            "the supervisor watching SOSA and Lock Manager too")
        for attempt in (1, 2, 3):
            before = sosa_pid(lab, holder)
            assert lab.kill9(holder, before).returncode == 0
            lab.wait(lambda before=before: sosa_pid(lab, holder) not in ("", before)
                     and holds(lab, holder), 20, f"SOSA restarted in place ({attempt}/3)")
        assert not lab.exists(holder, alerts)  # no alert yet
        assert lab.kill9(holder, sosa_pid(lab, holder)).returncode == 0
        lab.wait(lambda: holds(lab, peer), 60, f"{peer} taking the group over")
        lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == f"sosa on {peer}", 20,
                 "SOSA answering from the peer")
        assert lab.cl_status(holder, "rscstatus", program=HEARTBEATS) == "none"
        assert lab.cat(holder, alerts).strip().endswith(
            f"Resource operation 'monitor' for 'sosa' on '{holder}': restarts exhausted: "
            "hb_standby")
        log = lab.cat(holder, "/var/opt/HPE/nfvd/halogs/nfvd-ha-supervise.log")
        assert "restarting it in place (3/3)" in log and "hb_standby all" in log
        lab.steady(lambda: holds(lab, peer), 3, "the group staying on the peer")
    finally:
        lab.run(holder, "pkill", "-f", "[n]fvd-ha supervise")


def test_node_kill_takes_over(lab):
    holder = "hb-node2" if holds(lab, "hb-node2") else "hb-node1"
    peer = "hb-node1" if holder == "hb-node2" else "hb-node2"
    lab.kill_node(holder)
    lab.wait(lambda: holds(lab, peer), 60, f"{peer} taking over")
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == f"sosa on {peer}", 20,
             "SOSA answering from the survivor")
