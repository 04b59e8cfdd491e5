"""The cluster adapter reads crm_mon's XML of both stacks alike: real captures of
`crm_mon -1 --output-as=xml` from Pacemaker 2.1.5 (Debian 12) and 3.0.0 (Debian 13), the same
scene on both (one node of the lab's Fulfillment pair up, its group started, the peer never
seen and unfenceable, three failed starts). Captured in the lab's images of either stack:
corosync on loopback, the CIB rendered from docker/lab-ff.toml loaded with crmsh (4.4, 5.0).
"""

import os

import pytest

from nfvd_ha.adapters import pacemaker
from helpers.fakes import FakeRunner

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                    "crm_mon")
VERSIONS = ("2.1.5", "3.0.0")


def status(version):
    with open(os.path.join(DATA, f"pacemaker-{version}.xml")) as f:
        return pacemaker.parse_xml(f.read(), "crm_mon")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_adapter_reads_the_same_scene_from_either_release(version):
    xml, cluster = status(version), pacemaker.Pacemaker(FakeRunner())
    # crm_mon's XML API: 2.25 (2.1.5), 2.38 (3.0.0: pacemakerd's state moved to <stack>)
    assert xml.get("api-version") == {"2.1.5": "2.25", "3.0.0": "2.38"}[version]
    assert pacemaker.quorate(xml)
    assert cluster.placement(xml) == {"fulfillment": "ff-node1", "fence-ff-node1": None,
                                      "fence-ff-node2": None}
    assert cluster.groups(xml) == ["fulfillment"]
    assert cluster.active(xml) == {"ff-vip": {"ff-node1": "Started"},
                                   "sosa-lockmgr": {"ff-node1": "Started"}}
    assert not cluster.standby("ff-node1", xml)
    assert pacemaker.node_unfit(xml, "ff-node2") == "offline"
    assert pacemaker.node_unfit(xml, "ff-node1") is None
    failed = pacemaker.failures(xml)
    assert failed[1:] == [
        "ff-images_start_0 on ff-node1: /image_repository is owned by 0:0, expected uoc:root "
        "(50010:0)",
        "hpsa_start_0 on ff-node1: not installed here: activator (activator: Not Installed)",
        "fence-ff-node2 failed 1000000 time(s) on ff-node1",
        "ff-images failed 1000000 time(s) on ff-node1",
        "hpsa failed 1000000 time(s) on ff-node1"]
    # the fence device's generic reason is Pacemaker's own words, which 3.0 changed
    assert failed[0] == "fence-ff-node2_start_0 on ff-node1: " + {
        "2.1.5": "error", "3.0.0": "Error occurred"}[version]
