"""The guide's runbook (2.10.3.2) on the Pacemaker Fulfillment pair, through our shims."""

import pytest

pytestmark = pytest.mark.cluster
VIP = "172.30.77.100"
NODES = ("ff-node1", "ff-node2")


def holder(ff):
    return ff.where("sosa-lockmgr")


def test_cl_status_and_hb_standby(lab, ff):
    for node in NODES:
        assert lab.nfvd_ha(node, "compat", "install", "--force").returncode == 0
    active = lab.wait(lambda: holder(ff), 60, "the group running")
    passive = NODES[1] if active == NODES[0] else NODES[0]
    assert lab.cl_status(active, "rscstatus") == "all"
    assert lab.cl_status(passive, "rscstatus") == "none"
    check = lab.run(active, "/etc/init.d/activator-ep", "check").stdout
    assert "HP Service Activator SOSA application is running" in check
    assert "HP Service Activator Lock Manager application is running" in check

    out = lab.run(active, "/usr/share/heartbeat/hb_standby", "all", timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "Going standby [all]."
    assert holder(ff) == passive
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == f"sosa on {passive}", 30,
             "SOSA answering from the new active node")
    assert lab.cl_status(passive, "rscstatus") == "all"
    assert lab.cl_status(active, "rscstatus") == "none"
    assert "cli-ban" not in lab.cib(active, "--scope", "constraints")


def test_nfvd_ha_status_shows_table_and_role(lab, ff):
    active = lab.wait(lambda: holder(ff), 60, "the group running")
    passive = NODES[1] if active == NODES[0] else NODES[0]
    text = lab.nfvd_ha(active, "status").stdout
    assert "Service Order Smart Adapter (SOSA) : [Running]" in text
    assert "Group fulfillment                  : active" in text
    other = lab.nfvd_ha(passive, "status", "--output", "json").stdout
    import json
    report = json.loads(other)
    assert report["cluster"]["groups"][0]["role"] == "passive"
    assert {"name": "Service Order Smart Adapter (SOSA)", "state": "Not Running"} in \
        report["components"]
