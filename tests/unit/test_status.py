"""nfvd-ha status with a fake runner: the guide's table plus the cluster role."""

import json
import os

from nfvd_ha import status
from nfvd_ha.runner import Result

TABLE = """Service Activator (HPSA)           : [Running]
Service Order Smart Adapter (SOSA) : [Running]
Lock Manager                       : [Running]
Open Mediation                    : [Not Installed]
"""
MON = ("<pacemaker-result><nodes><node name='ff-node1' standby='false'/>"
       "<node name='ff-node2' standby='true'/></nodes><resources>"
       "<group id='fulfillment'><resource id='v' active='true' role='Started'><node name='ff-node1'/>"
       "</resource><resource id='s' active='true' role='Started'><node name='ff-node1'/></resource></group>"
       "</resources></pacemaker-result>")


class Fake:
    def __init__(self, me):
        self.me = me

    def run(self, argv, env=None, timeout=600, check=False):
        out = {"crm_mon": MON, "crm_node": self.me}.get(argv[0], TABLE)
        return Result(argv, 0, out, "")


def tool(tmp_path):
    path = tmp_path / "nfv-director.sh"
    path.write_text("#!/bin/sh\n")
    os.chmod(path, 0o755)
    return str(path)


def test_active_node(tmp_path):
    report = status.status(Fake("ff-node1"), tool(tmp_path), str(tmp_path / "lock"))
    text = status.render_text(report)
    assert "Service Order Smart Adapter (SOSA) : [Running]" in text
    assert "Open Mediation                     : [Not Installed]" in text
    assert "Maintenance mode                   : OFF" in text
    assert "Group fulfillment                  : active" in text
    json.dumps(report)  # --output json


def test_passive_standby_node_in_maintenance(tmp_path):
    (tmp_path / "lock").touch()
    report = status.status(Fake("ff-node2"), tool(tmp_path), str(tmp_path / "lock"))
    assert report["maintenance"] and report["cluster"]["standby"]
    assert report["cluster"]["groups"] == [{"id": "fulfillment", "role": "passive",
                                            "node": "ff-node1"}]
    assert "(standby)" in status.render_text(report)
