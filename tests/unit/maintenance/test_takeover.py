"""maintenance start refuses when no other node can take over what runs here (issue: with the
peer down it stopped the service): the peer offline, in standby, in maintenance, unclean, or
the group banned from it. Nothing is changed; --force goes ahead and says what goes down."""

import os

import pytest
from lxml import etree

from nfvd_ha.adapters.pacemaker import takeover_problems
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.maintenance.command import Maintenance
from nfvd_ha.commands.maintenance.reconcile import (MaintenanceFiles, ReconcileOptions,
                                                    Reconciler)

from helpers.fakes import FakeClock
from .fakes import FakeCluster, FakeHeartbeat, FakeServices

FF = ("activator", "sosa")
NODE = ('<node name="{name}" online="true" standby="false" maintenance="false" '
        'pending="false" unclean="false" shutdown="false"/>')


def status(here="ff-node1", clone_only=False):
    group = "" if clone_only else (
        '<group id="ff-group"><resource id="ff-vip" active="true" role="Started">'
        f'<node name="{here}"/></resource><resource id="sosa-lockmgr" active="true" '
        f'role="Started"><node name="{here}"/></resource></group>')
    xml = (f'<crm_mon><nodes>{NODE.format(name="ff-node1")}'
           f'{NODE.format(name="ff-node2")}</nodes><resources>{group}'
           '<clone id="repo-clone"><resource id="repo" active="true" role="Started">'
           '<node name="ff-node1"/></resource></clone>'
           '<resource id="fence-ff-node2" resource_agent="stonith:fence_openstack" '
           'active="true" role="Started"><node name="ff-node1"/></resource>'
           '</resources></crm_mon>')
    return etree.fromstring(xml)


def peer(**state):
    """ff-node2 with some attributes changed (crm_mon writes each once)."""
    tree = status()
    for key, value in state.items():
        tree.xpath("//node[@name='ff-node2']")[0].set(key, value)
    return tree


def constraints(*locations):
    return etree.fromstring("<constraints>" + "".join(
        f'<rsc_location id="l{i}" rsc="{rsc}" node="{node}" score="{score}"/>'
        for i, (rsc, node, score) in enumerate(locations)) + "</constraints>")


NONE = constraints(("ff-group", "ff-node1", "100"))


def test_a_fit_peer_can_take_over():
    assert takeover_problems(status(), NONE, "ff-node1") == []


@pytest.mark.parametrize("state,words", [
    ({"online": "false"}, "offline"), ({"standby": "true"}, "in standby"),
    ({"maintenance": "true"}, "in maintenance"), ({"unclean": "true"}, "unclean"),
    ({"pending": "true"}, "still joining")])
def test_a_peer_that_cannot_take_over_is_named(state, words):
    assert takeover_problems(peer(**state), NONE, "ff-node1") == [
        f"ff-node2 cannot take over: {words}"]


@pytest.mark.parametrize("rsc", ["ff-group", "sosa-lockmgr"])
def test_a_group_banned_from_the_peer_cannot_move(rsc):
    banned = constraints(("ff-group", "ff-node1", "100"), (rsc, "ff-node2", "-INFINITY"))
    assert takeover_problems(status(), banned, "ff-node1") == [
        "ff-group cannot move: banned from ff-node2"]
    weak = constraints((rsc, "ff-node2", "-100"))        # a preference, not a ban
    assert takeover_problems(status(), weak, "ff-node1") == []


def history(tree, rsc, count, limit="4", node="ff-node2"):
    """crm_mon's node history: ``rsc`` failed ``count`` times on ``node``."""
    tree.append(etree.fromstring(
        f'<node_history><node name="{node}"><resource_history id="{rsc}" orphan="false" '
        f'migration-threshold="{limit}" fail-count="{count}"/></node></node_history>'))
    return tree


def test_a_group_whose_member_exhausted_its_restarts_on_the_peer_cannot_move():
    """The peer is online, but Pacemaker will not start SOSA there before a cleanup: standby
    here would stop the group everywhere."""
    assert takeover_problems(history(status(), "sosa-lockmgr", "4"), NONE, "ff-node1") == [
        "ff-group cannot move: sosa-lockmgr reached its failure limit on ff-node2 "
        "(crm_resource --cleanup --resource sosa-lockmgr --node ff-node2 once fixed)"]
    assert takeover_problems(history(status(), "sosa-lockmgr", "1000000"), NONE,
                             "ff-node1") != []                    # a failed start: INFINITY
    assert takeover_problems(history(status(), "sosa-lockmgr", "3"), NONE, "ff-node1") == []
    assert takeover_problems(history(status(), "repo", "4"), NONE, "ff-node1") == []  # a clone
    assert takeover_problems(history(status(), "sosa-lockmgr", "4", node="ff-node1"), NONE,
                             "ff-node1") == []                    # here, not on the peer


def test_nothing_here_to_move_needs_no_peer():
    assert takeover_problems(peer(online="false"), NONE, "ff-node2") == []
    # clone instances and fence devices stay where they are: nothing to take over
    assert takeover_problems(status(clone_only=True), NONE, "ff-node1") == []


def utility(tmp_path, cluster, heartbeat=None):
    said = []
    paths = MaintenanceFiles(lock=str(tmp_path / "lock"), record=str(tmp_path / "rec"),
                             reconcile_lock=str(tmp_path / "turn"))
    options = ReconcileOptions(files=paths, role="ff", timeout=30, progress=said.append)
    reconciler = Reconciler(options, cluster=cluster, services=FakeServices(FF, FF),
                            clock=FakeClock(), heartbeat=heartbeat or FakeHeartbeat())
    return Maintenance(options, reconciler=reconciler), said


def test_start_refuses_and_changes_nothing(tmp_path):
    cluster = FakeCluster()
    cluster.blockers = ["ff-node2 cannot take over: offline"]
    m, said = utility(tmp_path, cluster)
    with pytest.raises(NfvdHaError) as error:
        m.start(drain=0)
    assert [str(p) for p in error.value.problems] == ["ff-node2 cannot take over: offline"]
    assert "nothing was changed" in error.value.hint and "--force" in error.value.hint
    assert cluster.calls == [] and not os.path.exists(tmp_path / "lock")
    assert not os.path.exists(tmp_path / "rec")


def test_force_goes_ahead_and_says_what_goes_down(tmp_path):
    cluster = FakeCluster()
    cluster.blockers = ["ff-group cannot move: banned from ff-node2"]
    m, said = utility(tmp_path, cluster)
    assert m.start(drain=0, force=True) == 0
    assert any(line.endswith(" - WARNING - forced: ff-group cannot move: banned from "
                             "ff-node2: it will stop, not move") for line in said)
    assert ("set", "standby", "on") in cluster.calls


def test_forced_with_nowhere_to_go_waits_only_for_this_node_to_be_empty(tmp_path):
    cluster = FakeCluster()
    cluster.peer_up, cluster.blockers = False, ["ff-node2 cannot take over: offline"]
    m, said = utility(tmp_path, cluster)
    assert m.start(drain=0, force=True) == 0          # not "not started anywhere" after 30 s
    assert cluster.active() == {}
    unforced = FakeCluster()
    unforced.peer_up = False                          # the same cluster, not refused, not forced
    (tmp_path / "x").mkdir()
    m, _ = utility(tmp_path / "x", unforced)
    with pytest.raises(NfvdHaError) as error:
        m.start(drain=0)
    assert "not (yet) started anywhere else: grp-app, grp-vip" in str(error.value.problems[0])


def test_on_a_heartbeat_host_it_goes_standby_there_or_refuses(tmp_path):
    """Guide 4.2.2: hb_standby all and wait for the peer; never 'stopped' having done nothing."""
    heartbeat = FakeHeartbeat(present=True)
    m, said = utility(tmp_path, FakeCluster(present=False), heartbeat)
    assert m.start(drain=0) == 0
    assert heartbeat.calls == ["hb_standby all", "wait", "stop heartbeat"]
    assert "Going standby [all]." in said
    assert said[-3:] == ["Done.", "", "*** INFO: Stopped heartbeat & NFVD services"]
    dead = FakeHeartbeat(present=True, peer="dead")
    (tmp_path / "x").mkdir()
    m, said = utility(tmp_path / "x", FakeCluster(present=False), dead)
    with pytest.raises(NfvdHaError) as error:
        m.start(drain=0)
    assert str(error.value.problems[0]) == "node2 cannot take over: heartbeat says it is dead"
    assert dead.calls == [] and not os.path.exists(tmp_path / "x" / "lock")


def test_on_a_heartbeat_host_leaving_starts_heartbeat_before_the_services(tmp_path):
    """Guide 4.2.3: heartbeat stopped on entry (after the peer took over and the local
    services stopped), started again on exit before anything else."""
    heartbeat = FakeHeartbeat(present=True)
    m, said = utility(tmp_path, FakeCluster(present=False), heartbeat)
    services = m.reconciler.services
    m.start(drain=0)
    assert heartbeat.calls[-1] == "stop heartbeat" and ("activator", "stop") in services.calls
    assert said.index("Stopping Service Activator (HPSA)") < said.index(
        "Stopping High-Availability services:")
    heartbeat.calls.clear()
    said.clear()
    m.stop()
    assert heartbeat.calls == ["start heartbeat"]
    assert said.index("Starting High-Availability services:") < said.index(
        "Starting Service Activator (HPSA)")
    assert said[-4:] == ["*** INFO: Heartbeat started", "", "***",
                         "===== Exited Maintenance mode ====="]


def test_a_crash_after_heartbeat_stopped_finishes_without_asking_heartbeat(tmp_path):
    """Killed after heartbeat stopped (the record says so, not done): the next pass finishes
    without hb_standby or cl_status, which would fail with heartbeat down."""
    from nfvd_ha.adapters.lockfile import write_switchover_lock
    from nfvd_ha.commands.maintenance.record import Record
    heartbeat = FakeHeartbeat(present=True)
    m, _ = utility(tmp_path, FakeCluster(present=False), heartbeat)
    write_switchover_lock(str(tmp_path / "lock"))
    Record(str(tmp_path / "rec"), "switchover", heartbeat=True).save()
    assert m.reconciler.run() == "entered switchover"
    assert heartbeat.calls == [] and Record.load(str(tmp_path / "rec")).done
