"""Guide 4.4 on the lab's Assurance pair: `nfvd-ha upgrade check|begin|end` around the NFVD
installer (the stand-ins'), secondary first, with the Assurance Gateway asked through the VIP
every 100 ms all along. Asserts what the cluster (crm_mon, node attributes), the services
(their version) and the client see."""

import pytest

from helpers.upgrade import GROUP, PAIR, version, walk

pytestmark = pytest.mark.cluster


def node_attrs(lab, node):
    return lab.cib(node, "--scope", "nodes")


def cleanup(lab):
    for node in PAIR:
        lab.run(node, "rm", "-f", "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock")
        lab.nfvd_ha(node, "maintenance", "stop", timeout=180)
        lab.run(node, "crm_attribute", "--node", node, "--name", "nfvd-upgrade", "--delete",
                "--lifetime", "forever")


def test_the_primary_is_refused_before_the_secondary(lab, aa):
    lab.wait(lambda: aa.where(GROUP), 120, f"{GROUP} started")
    out = lab.nfvd_ha("aa-node1", "upgrade", "begin")
    assert out.returncode == 1
    assert "Error: the secondary platform is not upgraded yet: it goes first (guide 4.4; " \
        "`nfvd-ha upgrade begin` there)" in out.stderr.splitlines()
    assert "nfvd-upgrade" not in node_attrs(lab, "aa-node1")
    assert not lab.exists("aa-node1", "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock")


def test_the_whole_upgrade_with_traffic_through_the_vip(lab, aa):
    lab.wait(lambda: aa.online() == set(PAIR) and aa.where(GROUP), 120, "the pair serving")
    lab.settle("aa-node1")
    old, was = {n: version(lab, n) for n in PAIR}, aa.where(GROUP)
    new = "4.2.2-test" if old["aa-node1"] == "NFV Director 4.2.1-test" else "4.2.1-test"
    try:
        done = walk(lab, aa, new, "upgrade-traffic")
    finally:
        cleanup(lab)
    log = done.log
    assert {n: version(lab, n) for n in PAIR} == {n: f"NFV Director {new}" for n in PAIR}
    if was == "aa-node1":                                     # brought to the secondary
        assert "moving assurance-stack from aa-node1 to aa-node2" in log[1]
    assert log[1].rstrip().endswith("then: nfvd-ha upgrade end")
    assert "secondary platform upgraded" in log[4]
    assert log[-1].rstrip().endswith("primary platform upgraded: the upgrade is over")
    # the secondary's installer ran before the primary's, each with its flag
    events = {n: lab.ok(n, "cat", "/var/run/nfvd/events") for n in PAIR}
    assert "install -s" in events["aa-node2"] and "reconfigure -s -f" in events["aa-node2"]
    assert "install -p" in events["aa-node1"] and "reconfigure -p -f" in events["aa-node1"]
    # the cluster as it was: the group on the primary, managed, nothing failed, no records
    status = aa.status()
    assert aa.where(GROUP) == "aa-node1"
    assert status.xpath("//failures/failure") == []
    assert status.xpath("//group[@id='assurance-stack']/resource/@managed") == ["true"] * 3
    assert all(aa.failcount(r, n) == 0 for r in ("aa-vip", "uca-ebc-data", GROUP)
               for n in PAIR)
    assert "nfvd-upgrade" not in node_attrs(lab, "aa-node1")
    assert 'name="maintenance" value="true"' not in node_attrs(lab, "aa-node1")
    # what the client saw: two planned switchovers and two installer restarts, bounded
    print(f"upgrade: longest gap {done.gap:.2f} s, {done.failed} requests failed: "
          f"{done.by_step()}")
    assert done.gap < 15, f"longest gap {done.gap:.2f} s"
    # requests fail only once the upgrade moves or restarts the services: none while it
    # checks, none before its first step or after its last
    assert not [step for step in done.by_step() if step[0].endswith("upgrade check")]
    first, last = done.steps[0][1], done.steps[-1][2]
    assert [t for t, code in done.samples if code != "200" and not first <= float(t) <= last
            ] == []
