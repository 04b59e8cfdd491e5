"""The guide's runbook (2.10.3.2) on the Pacemaker Fulfillment pair, through our shims."""

import pytest

pytestmark = pytest.mark.cluster
VIP = "172.30.77.100"
NODES = ("ff-node1", "ff-node2")


def holder(ff):
    return ff.where("sosa-lockmgr")


def test_cl_status_and_hb_standby(lab, ff):
    for node in NODES:
        assert lab.sh(node, "nfvd-ha compat install --force").returncode == 0
    active = lab.wait(lambda: holder(ff), 60, "the group running")
    passive = NODES[1] if active == NODES[0] else NODES[0]
    assert lab.sh(active, "cl_status rscstatus").stdout.strip() == "all"
    assert lab.sh(passive, "cl_status rscstatus").stdout.strip() == "none"
    check = lab.sh(active, "/etc/init.d/activator-ep check").stdout
    assert "HP Service Activator SOSA application is running" in check
    assert "HP Service Activator Lock Manager application is running" in check

    out = lab.sh(active, "/usr/share/heartbeat/hb_standby all", timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "Going standby [all]."
    assert holder(ff) == passive
    lab.wait(lambda: lab.curl(f"http://{VIP}:7001/").strip() == f"sosa on {passive}", 30,
             "SOSA answering from the new active node")
    assert lab.sh(passive, "cl_status rscstatus").stdout.strip() == "all"
    assert lab.sh(active, "cl_status rscstatus").stdout.strip() == "none"
    assert "cli-ban" not in lab.sh(active, "cibadmin -Q --scope constraints").stdout


def test_nfvd_ha_status_shows_table_and_role(lab, ff):
    active = lab.wait(lambda: holder(ff), 60, "the group running")
    passive = NODES[1] if active == NODES[0] else NODES[0]
    text = lab.sh(active, "nfvd-ha status").stdout
    assert "Service Order Smart Adapter (SOSA) : [Running]" in text
    assert "Group fulfillment                  : active" in text
    other = lab.sh(passive, "nfvd-ha status --output json").stdout
    import json
    report = json.loads(other)
    assert report["cluster"]["groups"][0]["role"] == "passive"
    assert {"name": "Service Order Smart Adapter (SOSA)", "state": "Not Running"} in \
        report["components"]
