"""Guide 4.2 / 4.4 on the lab: maintenance on every role, the controller, the upgrade flow.

Each test asserts what the cluster, the services and the load balancer do (crm_mon XML,
nfv-director.sh, answers on VIPs and through HAProxy), never our own logs.
"""

import json
import time
from contextlib import contextmanager

import pytest

from helpers.lab import timed_requests

pytestmark = pytest.mark.cluster
UTILITY = "/opt/HPE/nfvd/solutions/ha-example/maintenance_mode.sh"
LOCK = "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock"
GUI_LB, SIS_LB = "http://172.30.77.150:3000/", "http://172.30.77.152:18888/"
FF_API_LB = "http://172.30.77.151:8080/nfvd-ext/status"
FF_VIP, AA_VIP = "172.30.77.100", "172.30.77.101"
ADDRESS = {"ff-node1": "172.30.77.11", "ff-node2": "172.30.77.12"}


def shims(lab, *nodes):
    for node in nodes:
        out = lab.nfvd_ha(node, "compat", "install", "--force")
        assert out.returncode == 0, out.stderr


@contextmanager
def restored(lab, *nodes):
    """Whatever happens in the test, these nodes leave maintenance afterwards."""
    try:
        yield
    finally:
        for node in nodes:
            lab.run(node, "rm", "-f", LOCK)
            lab.nfvd_ha(node, "maintenance", "stop", timeout=180)


def utility(lab, node, *args, timeout=180):
    out = lab.run(node, UTILITY, *args, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("===== NFVD Maintenance Utility =====\n")
    return out.stdout


def components(lab, node):
    out = lab.director(node, "status").stdout
    rows = [line.rsplit(":", 1) for line in out.splitlines() if ":" in line]
    return {label.strip(): state.strip(" []") for label, state in rows}


def node_state(pcmk, node):
    found = pcmk.node(node)
    return {k: found.get(k) for k in ("online", "standby", "maintenance")}


def traffic(lab, url, name, seconds):
    """Requests every 100 ms from the client (2 s timeout each), in the background; returns a
    reader of their HTTP status codes, ending "done"."""
    read = timed_requests(lab, url, seconds, name, timeout=2)
    return lambda: [sample[-1] for sample in read()]


def other(pair, node):
    return pair[1] if node == pair[0] else pair[0]


def roles(lab, pcmk, pair, rid):
    """(active, passive) once both nodes are online and ``rid`` is started."""
    lab.wait(lambda: pcmk.online() == set(pair), 120, f"{' and '.join(pair)} online")
    active = lab.wait(lambda: pcmk.where(rid), 120, f"{rid} started")
    return active, other(pair, active)


def test_gui_maintenance_drains_then_stops_and_traffic_stays_up(lab):
    with restored(lab, "gui-node1"):
        shims(lab, "gui-node1")
        lab.wait(lambda: "uoc on" in lab.curl(GUI_LB), 60, "the GUI behind HAProxy")
        assert utility(lab, "gui-node1", "status").splitlines()[1] == \
            "NFVD-GUI maintenance mode is OFF."
        codes = traffic(lab, GUI_LB, "gui-codes", 30)
        out = utility(lab, "gui-node1", "start", "--drain", "4")
        assert out.splitlines()[1].endswith(" - INFO - Start GUI maintenance mode")
        assert "Stopping NFVD Image Uploader Service\n...OK" in out
        gui = ("Apache CouchDB", "UOC Server", "NFVD Authentication Server",
               "NFVD Image Uploader Service")
        assert [components(lab, "gui-node1")[c] for c in gui] == ["Not Running"] * 4
        assert "NFVD-GUI draining" in lab.curl("http://172.30.77.31:3001/")
        assert {lab.curl(GUI_LB).strip() for _ in range(6)} == {"uoc on gui-node2"}
        assert utility(lab, "gui-node1", "status").splitlines()[1] == \
            "NFVD-GUI maintenance mode is ON."
        out = utility(lab, "gui-node1", "stop")
        assert out.splitlines()[1].endswith(" - INFO - Stop GUI maintenance mode")
        assert [components(lab, "gui-node1")[c] for c in gui] == ["Running"] * 4
        assert "WARNING - Maintenance mode is already OFF" in utility(lab, "gui-node1", "stop")
        lab.wait(lambda: "uoc on gui-node1" in {lab.curl(GUI_LB).strip() for _ in range(6)}, 20,
                 "gui-node1 back in rotation")
        lab.wait(lambda: codes()[-1:] == ["done"], 40, "the traffic run to finish")
        answered = codes()[:-1]
        assert len(answered) > 50 and set(answered) == {"200"}, answered


def test_sitescope_maintenance_sends_traffic_to_the_backup(lab):
    with restored(lab, "sis-node1"):
        shims(lab, "sis-node1")
        lab.wait(lambda: lab.curl(SIS_LB).strip() == "sitescope on sis-node1", 60, "the primary")
        out = utility(lab, "sis-node1", "start", "--drain", "2")
        assert "===== Entering Maintenance mode =====" in out
        assert out.rstrip().endswith("*** INFO: Stopped Sitescope")
        assert components(lab, "sis-node1")["SiteScope"] == "Not Running"
        lab.wait(lambda: lab.curl(SIS_LB).strip() == "sitescope on sis-node2", 10, "the backup")
        status = utility(lab, "sis-node1", "status")
        assert "Node with Sitescope is in maintenance mode." in status
        assert status.rstrip().endswith("===== Node is in Maintenance mode =====")
        out = utility(lab, "sis-node1", "stop")
        assert "*** INFO: Sitescope started" in out
        assert out.rstrip().endswith("===== Exited Maintenance mode =====")
        assert components(lab, "sis-node1")["SiteScope"] == "Running"
        lab.wait(lambda: lab.curl(SIS_LB).strip() == "sitescope on sis-node1", 20,
                 "the primary back after 3 good checks")
        assert "Node with Sitescope is in normal/non-maintenance mode." in utility(
            lab, "sis-node1", "status")


def test_gui_maintenance_refuses_while_the_peer_cannot_serve(lab):
    """Guide 4.2.1 with no cluster to ask: gui-node1 asks gui-node2's health endpoint (its
    address from the definition's load balancer servers) and refuses while it answers 503
    (gui-node2 draining: its lock made by hand), changing nothing; once gui-node2 serves, it
    goes ahead. --force overrides."""
    with restored(lab, "gui-node1", "gui-node2"):
        shims(lab, "gui-node1")
        lab.wait(lambda: "uoc on" in lab.curl(GUI_LB), 60, "the GUI behind HAProxy")
        lab.touch("gui-node2", LOCK)
        lab.wait(lambda: "NFVD-GUI draining" in lab.curl("http://172.30.77.32:3001/"), 10,
                 "gui-node2 answering draining")
        refused = lab.run("gui-node1", UTILITY, "start", "--drain", "0", timeout=60)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert refused.stderr.splitlines()[0] == (
            "Error: gui-node2 cannot serve: http://172.30.77.32:3001/ answered 'HTTP/1.1 503 "
            "Service Unavailable', not 200 'NFVD-GUI is running'")
        assert "--force" in refused.stderr
        assert not lab.exists("gui-node1", LOCK)
        assert components(lab, "gui-node1")["UOC Server"] == "Running"
        assert "uoc on gui-node1" in {lab.curl(GUI_LB).strip() for _ in range(6)}
        # a peer that does not answer at all (its endpoint's port dropped): refused in time
        started = time.monotonic()
        gone = lab.run("gui-node1", UTILITY, "start", "--drain", "0", "--peer",
                       "172.30.77.32:3009", "--peer-timeout", "2", timeout=60)
        assert gone.returncode == 1 and "did not answer" in gone.stderr
        assert time.monotonic() - started < 10
        lab.run("gui-node2", "rm", "-f", LOCK)
        lab.wait(lambda: "NFVD-GUI is running" in lab.curl("http://172.30.77.32:3001/"), 10,
                 "gui-node2 serving again")
        out = utility(lab, "gui-node1", "start", "--drain", "0")
        assert components(lab, "gui-node1")["UOC Server"] == "Not Running"
        utility(lab, "gui-node1", "stop")
        assert "Stopping" in out


def test_fulfillment_maintenance_switches_over_without_failback(lab, ff):
    pair = ("ff-node1", "ff-node2")
    with restored(lab, *pair):
        shims(lab, *pair)
        active, passive = roles(lab, ff, pair, "sosa-lockmgr")
        lab.wait(lambda: {(lab.curl(FF_API_LB).split() or [""])[-1] for _ in range(6)}
                 == set(pair), 30, "the FF API on both nodes behind HAProxy")
        codes = traffic(lab, FF_API_LB, "ff-api-codes", 20)
        # the FF API is drained (health endpoint: draining; HAProxy: 3 checks of 1 s) before
        # standby stops HPSA (a clone), so no request through the load balancer fails
        out = utility(lab, active, "start", "--drain", "4")
        lines = out.splitlines()
        assert lines.index("Waiting 4s for the load balancer to drain this node") < \
            lines.index("Going standby [all].")
        assert "NFVD FF API draining" in lab.curl(f"http://{ADDRESS[active]}:8081/")
        lab.wait(lambda: codes()[-1:] == ["done"], 40, "the FF API traffic run to finish")
        answered = codes()[:-1]
        assert len(answered) > 30 and set(answered) == {"200"}, answered
        assert ff.where("sosa-lockmgr") == passive and ff.where("ff-vip") == passive
        assert lab.curl(f"http://{FF_VIP}:7001/").strip() == f"sosa on {passive}"
        assert node_state(ff, active)["standby"] == "true"
        assert components(lab, active)["Service Activator (HPSA)"] == "Not Running"
        assert lab.cl_status(active, "rscstatus") == "none"
        out = utility(lab, active, "stop")
        assert out.rstrip().endswith("===== Exited Maintenance mode =====")
        assert node_state(ff, active)["standby"] == "false"
        lab.wait(lambda: components(lab, active)["Service Activator (HPSA)"] == "Running", 30,
                 "HPSA started again by its clone")
        lab.idle(passive)  # give Pacemaker every chance to fail back: it must not
        lab.steady(lambda: ff.where("sosa-lockmgr") == passive, 3, "no failback")
        attrs = lab.cib(active, "--scope", "nodes")
        assert "nfvd-maintenance" not in attrs and 'name="standby" value="on"' not in attrs


def test_maintenance_refuses_when_the_peer_cannot_take_over(lab, ff):
    """The peer in standby, then the group banned from it: start refuses, changes nothing
    (no lock, no standby, the group where it was); --force goes ahead and says so."""
    pair = ("ff-node1", "ff-node2")
    with restored(lab, *pair):
        active, passive = roles(lab, ff, pair, "sosa-lockmgr")
        try:
            assert lab.crm_node(passive, "standby", passive).returncode == 0
            lab.wait(lambda: node_state(ff, passive)["standby"] == "true", 30, "peer standby")
            refused = lab.nfvd_ha(active, "maintenance", "start", "--role", "ff", "--drain", "0")
            assert refused.returncode == 1
            assert refused.stderr.splitlines()[0] == \
                f"Error: {passive} cannot take over: in standby"
            assert "nothing was changed" in refused.stderr
            assert not lab.exists(active, LOCK)
            assert node_state(ff, active)["standby"] == "false"
            assert lab.crm_node(passive, "online", passive).returncode == 0
            assert lab.crm_resource(active, "--ban", "--resource", "sosa-lockmgr", "--node",
                                    passive, "--quiet").returncode == 0
            refused = lab.nfvd_ha(active, "maintenance", "start", "--role", "ff", "--drain", "0")
            assert refused.returncode == 1 and refused.stderr.splitlines()[0] == \
                f"Error: fulfillment cannot move: banned from {passive}"
            lab.steady(lambda: ff.where("sosa-lockmgr") == active, 2, "nothing moved")
        finally:
            lab.crm_resource(active, "--clear", "--resource", "sosa-lockmgr", "--node", passive,
                             "--quiet")
            lab.crm_node(active, "online", passive)
        lab.idle(active)
        forced = lab.crm_node(passive, "standby", passive)
        assert forced.returncode == 0
        lab.wait(lambda: node_state(ff, passive)["standby"] == "true", 30, "peer standby")
        out = lab.nfvd_ha(active, "maintenance", "start", "--role", "ff", "--drain", "0",
                          "--force", "--timeout", "60", timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"forced: {passive} cannot take over: in standby: it will stop, not move" \
            in out.stdout
        assert ff.where("sosa-lockmgr") is None  # stopped, as it said (an outage, forced)
        lab.crm_node(passive, "online", passive)


def test_assurance_maintenance_moves_the_stack_and_keeps_the_data(lab, aa):
    pair = ("aa-node1", "aa-node2")
    with restored(lab, *pair):
        shims(lab, *pair)
        active, passive = roles(lab, aa, pair, "assurance")
        assert lab.cl_status(active, "rscstatus") == "all"
        assert lab.run(active, "/etc/init.d/nfvd", "status").stdout.splitlines() == [
            "Status of NFVD processes", "NFVD processes are running"]
        down = lab.run(passive, "/etc/init.d/nfvd", "status")
        assert down.returncode == 3 and "NFVD processes are not running" in down.stdout
        stamp = str(time.time())
        write = lab.run(active, "su", "-s", "/bin/sh", "uca", "-c",
                        f"echo {stamp} > /var/opt/UCA-EBC/ack && sync /var/opt/UCA-EBC/ack")
        assert write.returncode == 0, write.stderr  # acknowledged: written and synced
        out = utility(lab, active, "start")
        assert "Going standby [all]." in out and "Waiting for resource balancing" in out
        assert out.rstrip().endswith("*** INFO: Node in standby, NFVD services stopped")
        assert aa.where("assurance") == passive and aa.where("uca-ebc-data") == passive
        assert lab.curl(f"http://{AA_VIP}:8085/").strip() == f"nfvd-agw on {passive}"
        assert lab.cat(passive, "/var/opt/UCA-EBC/ack").strip() == stamp
        assert lab.run(active, "grep", "-c", "/var/opt/UCA-EBC", "/proc/mounts").stdout.strip() \
            == "0"
        assert "Node with Assurance-Gateway, UCA & NOM is in maintenance mode." in utility(
            lab, active, "status")
        utility(lab, active, "stop")
        assert node_state(aa, active)["standby"] == "false"
        lab.idle(passive)
        lab.steady(lambda: aa.where("assurance") == passive, 3, "no failback")


def test_upgrade_lock_by_hand_keeps_services_running_unmanaged(lab, aa):
    """Guide 4.4: lock without switchover on the secondary first, then on the primary."""
    pair = ("aa-node1", "aa-node2")
    with restored(lab, *pair):
        active, passive = roles(lab, aa, pair, "assurance")
        for node in (passive, active):
            assert lab.touch(node, LOCK).returncode == 0
            lab.wait(lambda node=node: node_state(aa, node)["maintenance"] == "true", 5,
                     f"{node} in maintenance (no switchover)")
        managed = aa.status().xpath("//resource[@id='assurance']/@managed")
        assert managed == ["false"] and aa.where("assurance") == active
        # the "upgrade": NFVD restarted by hand behind the cluster; it must not react
        assert lab.director(active, "stop").returncode == 0
        assert lab.director(active, "start").returncode == 0
        lab.steady(lambda: aa.where("assurance") == active, 2, "the restarted stack left alone")
        assert "(lock created by hand" in utility(lab, active, "status")
        for node in (passive, active):
            lab.run(node, "rm", "-f", LOCK)
            lab.wait(lambda node=node: node_state(aa, node)["maintenance"] == "false", 5,
                     f"{node} out of maintenance")
        managed = "//resource[@id='assurance']/@managed"
        lab.wait(lambda: aa.status().xpath(managed) == ["true"], 10, "the stack managed again")
        lab.idle(active)  # re-probed and monitored again: still where it was, no failure
        lab.steady(lambda: aa.where("assurance") == active and
                   aa.failcount("assurance", active) == 0, 3, "the stack in place, no failure")
        assert lab.curl(f"http://{AA_VIP}:8085/").strip() == f"nfvd-agw on {active}"


def controller_pids(lab, node):
    return lab.run(node, "pgrep", "-f", "[n]fvd-ha controller").stdout.split()


def test_controller_killed_mid_transition_converges(lab, ff):
    pair = ("ff-node1", "ff-node2")
    with restored(lab, *pair):
        active, passive = roles(lab, ff, pair, "sosa-lockmgr")
        assert len(controller_pids(lab, active)) == 1
        second = lab.nfvd_ha(active, "controller")
        assert second.returncode == 1 and "another nfvd-ha controller runs" in second.stderr
        # a switchover lock renamed into place; the controller alone does the work
        lab.write(active, f"{LOCK}.new", "mode=switchover\ndrain=15\n")
        lab.run(active, "mv", f"{LOCK}.new", LOCK, check=True)
        lab.wait(lambda: "Waiting 15s for the load balancer to drain this node" in lab.cat(
            active, "/var/log/nfvd-ha-controller.log"), 10, "the drain begun")
        # during the drain: nothing stopped
        lab.run(active, "pkill", "-9", "-f", "[n]fvd-ha controller")
        record = json.loads(lab.cat(active, "/var/lib/nfvd-ha/maintenance.json"))
        assert record["mode"] == "switchover" and not record["done"]
        assert ff.where("sosa-lockmgr") == active
        assert components(lab, active)["Service Activator (HPSA)"] == "Running"
        lab.spawn(active, "nfvd-ha", "controller", "--tick", "2",
                  log="/var/log/nfvd-ha-controller.log")
        lab.wait(lambda: ff.where("sosa-lockmgr") == passive, 60,
                 "the restarted controller finishing the job: the group on the peer")
        lab.wait(lambda: components(lab, active)["Service Activator (HPSA)"] == "Not Running", 20,
                 "HPSA stopped here (standby)")
        assert node_state(ff, active)["standby"] == "true"
        lab.run(active, "rm", LOCK)
        lab.wait(lambda: node_state(ff, active)["standby"] == "false", 5, "standby cleared")
        lab.wait(lambda: components(lab, active)["Service Activator (HPSA)"] == "Running", 30,
                 "the FF API back")
        assert not lab.exists(active, "/var/lib/nfvd-ha/maintenance.json")
        lab.idle(passive)
        lab.steady(lambda: ff.where("sosa-lockmgr") == passive, 3, "no failback")


def test_init_script_shims_guard_start_and_stop(lab, ff):
    shims(lab, "ff-node1")
    out = lab.run("ff-node1", "/etc/init.d/activator-ep", "stop")
    assert out.returncode == 1 and "runs under Pacemaker here" in out.stderr
    check = lab.run("ff-node1", "/etc/init.d/activator-ep", "check").stdout.splitlines()
    running = ff.where("sosa-lockmgr") == "ff-node1"
    state = "is running" if running else "is not running"
    assert check == [f"HP Service Activator SOSA application {state}",
                     f"HP Service Activator Lock Manager application {state}"]
