"""maintenance start|stop|status: the guide's wording (4.2) per role, idempotent warnings."""

import os

import pytest

from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.maintenance.command import HEADER, Maintenance
from nfvd_ha.adapters.pacemaker import Pacemaker
from nfvd_ha.commands.maintenance.reconcile import (MaintenanceFiles, ReconcileOptions,
                                                    Reconciler)

from helpers.fakes import FakeClock
from .fakes import FakeCluster, FakeHeartbeat, FakePeers, FakeServices

GUI = ("couchdb", "uoc", "idp", "imageuploader")


def utility(tmp_path, cluster, services, role=None, peers=None):
    said = []
    paths = MaintenanceFiles(lock=str(tmp_path / "lock"), record=str(tmp_path / "rec"),
                             reconcile_lock=str(tmp_path / "turn"))
    options = ReconcileOptions(files=paths, role=role, timeout=30, progress=said.append)
    reconciler = Reconciler(options, cluster=cluster, services=services, clock=FakeClock(),
                            heartbeat=FakeHeartbeat())
    return Maintenance(options, reconciler=reconciler, peers=peers or FakePeers()), said


def test_gui_flow(tmp_path):
    m, said = utility(tmp_path, FakeCluster(present=False), FakeServices(GUI, GUI))
    m.status()
    assert said == [HEADER, "NFVD-GUI maintenance mode is OFF."]
    said.clear()
    m.start(drain=0)
    assert said[0] == HEADER and said[1].endswith(" - INFO - Start GUI maintenance mode")
    assert said[2:4] == ["Stopping NFVD Image Uploader Service", "...OK"]
    said.clear()
    m.status()
    assert said == [HEADER, "NFVD-GUI maintenance mode is ON."]
    said.clear()
    m.start()
    assert said[1].endswith(" - WARNING - Maintenance mode is already ON")
    said.clear()
    m.stop()
    assert said[1].endswith(" - INFO - Stop GUI maintenance mode")
    assert said[2:4] == ["Starting Apache CouchDB", "...OK"]
    said.clear()
    m.stop()
    assert said[1].endswith(" - WARNING - Maintenance mode is already OFF")


def test_assurance_flow(tmp_path):
    aa = ("uca-ebc", "openmediation", "nfvd-agw")
    m, said = utility(tmp_path, FakeCluster(), FakeServices(aa, aa))
    m.status()
    assert said[2] == "Node with Assurance-Gateway, UCA & NOM is in normal/non-maintenance mode."
    said.clear()
    m.start()
    assert "===== Entering Maintenance mode =====" in said
    assert said.index("Going standby [all].") < said.index("Waiting for resource balancing")
    assert said[-1] == "*** INFO: Node in standby, NFVD services stopped"
    said.clear()
    m.status()
    assert said[2] == "Node with Assurance-Gateway, UCA & NOM is in maintenance mode."
    assert said[-1] == "===== Node is in Maintenance mode ====="
    said.clear()
    m.stop()
    assert said[-1] == "===== Exited Maintenance mode ====="


def test_hand_lock_is_shown_as_such(tmp_path):
    m, said = utility(tmp_path, FakeCluster(), FakeServices(("sitescope",), ()))
    open(tmp_path / "lock", "w").close()
    m.status()
    assert said[2] == "Node with Sitescope is in maintenance mode."
    assert "maintenance without switchover" in said[3]


def test_role_unknown_asks_for_it(tmp_path):
    m, _ = utility(tmp_path, FakeCluster(), FakeServices((), ()))
    with pytest.raises(NfvdHaError) as error:
        m.status()
    assert "--role" in error.value.hint


def test_cluster_adapter_commands(runner):
    runner.expect(["crm_node", "-n"], "aa-node1\n")
    runner.expect(["cibadmin", "--query", "--scope", "nodes"], (
        "<nodes><node id='1' uname='aa-node1'><instance_attributes id='a'>"
        "<nvpair id='x' name='standby' value='on'/></instance_attributes></node>"
        "<node id='2' uname='aa-node2'/></nodes>"))
    runner.expect(["crm_mon", "-1", "--output-as=xml"], (
        "<r><resources><group id='g'><resource id='v' active='true'><node name='aa-node1'/>"
        "</resource><resource id='u' active='false'/></group><clone id='c'>"
        "<resource id='m' active='true'><node name='aa-node2'/></resource></clone>"
        "<resource id='fence-aa-node2' resource_agent='stonith:fence_openstack' active='true'>"
        "<node name='aa-node1'/></resource></resources></r>"))
    runner.expect(["crm_attribute", "--node", "aa-node1", "--name", "standby", "--update",
                   "on", "--lifetime", "forever"])
    runner.expect(["crm_attribute", "--node", "aa-node1", "--name", "nfvd-maintenance",
                   "--delete", "--lifetime", "forever"])
    node = Pacemaker(runner, files=(os.devnull, os.devnull))
    assert node.node_name() == "aa-node1"
    assert node.attributes() == {"standby": "on"}
    assert node.active() == {"m": {"aa-node2": None}, "v": {"aa-node1": None}}
    node.set_attribute("standby", "on")
    node.delete_attribute("nfvd-maintenance")
    assert node.present()
