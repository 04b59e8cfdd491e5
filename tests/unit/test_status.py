"""nfvd-ha status with the fake runner: the guide's table plus the cluster role."""

import json
import os

from nfvd_ha.commands import status
from nfvd_ha.adapters.heartbeat import Heartbeat

TABLE = """Service Activator (HPSA)           : [Running]
Service Order Smart Adapter (SOSA) : [Running]
Lock Manager                       : [Running]
Open Mediation                    : [Not Installed]
"""
MON = ("<pacemaker-result><nodes><node name='ff-node1' standby='false'/>"
       "<node name='ff-node2' standby='true'/></nodes><resources>"
       "<group id='fulfillment'><resource id='v' active='true' role='Started'>"
       "<node name='ff-node1'/></resource><resource id='s' active='true' role='Started'>"
       "<node name='ff-node1'/></resource></group>"
       "</resources></pacemaker-result>")


def tool(tmp_path):
    path = tmp_path / "nfv-director.sh"
    path.write_text("#!/bin/sh\n")
    os.chmod(path, 0o755)
    return str(path)


def script(runner, tmp_path, me):
    runner.expect([tool(tmp_path), "status"], TABLE)
    runner.expect(["crm_node", "-n"], me).expect(["crm_mon", "-1", "--output-as=xml"], MON)


def test_active_node(runner, tmp_path):
    script(runner, tmp_path, "ff-node1")
    report = status.status(runner, tool(tmp_path), str(tmp_path / "lock"))
    text = status.render_text(report)
    assert "Service Order Smart Adapter (SOSA) : [Running]" in text
    assert "Open Mediation                     : [Not Installed]" in text
    assert "Maintenance mode                   : OFF" in text
    assert "Group fulfillment                  : active" in text
    assert json.loads(json.dumps(report)) == report  # --output json: plain data throughout
    assert report["cluster"] == {"running": True, "stack": "pacemaker", "node": "ff-node1",
                                 "standby": False,
                                 "groups": [{"id": "fulfillment", "role": "active",
                                             "node": "ff-node1"}]}


def test_passive_standby_node_in_maintenance(runner, tmp_path):
    (tmp_path / "lock").touch()
    script(runner, tmp_path, "ff-node2")
    report = status.status(runner, tool(tmp_path), str(tmp_path / "lock"))
    assert report["maintenance"] and report["cluster"]["standby"]
    assert report["cluster"]["groups"] == [{"id": "fulfillment", "role": "passive",
                                            "node": "ff-node1"}]
    assert "(standby)" in status.render_text(report)


def test_a_node_without_pacemaker_says_so(runner, tmp_path):
    runner.expect([tool(tmp_path), "status"], TABLE)
    runner.expect(["crm_node", "-n"], "", rc=102, stderr="Could not connect")
    report = status.status(runner, tool(tmp_path), str(tmp_path / "lock"),
                           heartbeat=heartbeat_host(runner, tmp_path, present=False))
    assert report["cluster"] == {"running": False}
    assert "Cluster                            : not running on this node" in \
        status.render_text(report)


def heartbeat_host(runner, tmp_path, present=True):
    if present:
        (tmp_path / "ha.cf").write_text("node hb-node1\nnode hb-node2\n")
    for name in ("cl_status", "hb_standby"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    return Heartbeat(runner, ha_cf=str(tmp_path / "ha.cf"), cl_status=str(tmp_path / "cl_status"),
                     hb_standby=str(tmp_path / "hb_standby"), me="hb-node1")


def test_a_heartbeat_host_shows_what_it_holds_and_its_peer(runner, tmp_path):
    """Guide 5.2.1 on a host not yet migrated: cl_status rscstatus, not "not running"."""
    cl = str(tmp_path / "cl_status")
    runner.expect([tool(tmp_path), "status"], TABLE)
    runner.expect(["crm_node", "-n"], "", rc=102, stderr="Could not connect")
    runner.expect([cl, "hbstatus"], "Heartbeat is running on this machine.\n")
    runner.expect([cl, "rscstatus"], "all\n").expect([cl, "nodestatus", "hb-node2"], "active\n")
    report = status.status(runner, tool(tmp_path), str(tmp_path / "lock"),
                           heartbeat=heartbeat_host(runner, tmp_path))
    assert report["cluster"] == {"running": True, "stack": "heartbeat", "node": "hb-node1",
                                 "holding": "all", "role": "active",
                                 "peers": {"hb-node2": "active"}}
    text = status.render_text(report)
    assert "Cluster (heartbeat)                : hb-node1" in text
    assert "Resources (cl_status rscstatus)    : all (active)" in text
    assert "Peer hb-node2                      : active" in text
    assert "not running" not in text


def test_a_heartbeat_host_with_heartbeat_stopped_says_so(runner, tmp_path):
    cl = str(tmp_path / "cl_status")
    runner.expect([tool(tmp_path), "status"], TABLE)
    runner.expect(["crm_node", "-n"], "", rc=102, stderr="Could not connect")
    runner.expect([cl, "hbstatus"], "Heartbeat is stopped on this machine.\n", rc=1)
    report = status.status(runner, tool(tmp_path), str(tmp_path / "lock"),
                           heartbeat=heartbeat_host(runner, tmp_path))
    assert report["cluster"] == {"running": False, "stack": "heartbeat", "node": "hb-node1"}
    assert "Cluster (heartbeat)                : hb-node1: heartbeat not running on this node" \
        in status.render_text(report)
