"""The reconcile: what the lock asks for, idempotent, crash-safe (intent recorded first)."""

import os

import pytest

from nfvd_ha.errors import NfvdHaError
from nfvd_ha.adapters.lockfile import read_lock, write_switchover_lock, IN_PLACE, SWITCHOVER
from nfvd_ha.commands.maintenance.reconcile import (MaintenanceFiles, ReconcileOptions,
                                                    Reconciler)
from nfvd_ha.commands.maintenance.record import Record

from helpers.fakes import FakeClock
from .fakes import FakeCluster, FakeHeartbeat, FakeServices

GUI = ("couchdb", "uoc", "idp", "imageuploader")


@pytest.fixture
def paths(tmp_path):
    return MaintenanceFiles(lock=str(tmp_path / "halogs" / "nfvd-ha-maintenance.lock"),
                            record=str(tmp_path / "state" / "maintenance.json"),
                            reconcile_lock=str(tmp_path / "run" / "turn.lock"))


def reconciler(paths, cluster, services, said=None, timeout=30, role=None):
    out = [] if said is None else said
    options = ReconcileOptions(files=paths, role=role, timeout=timeout, progress=out.append)
    return Reconciler(options, cluster=cluster, services=services, clock=FakeClock(),
                      heartbeat=FakeHeartbeat())


def touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "a").close()


def test_lock_file_modes(paths):
    assert read_lock(paths.lock).mode is None
    touch(paths.lock)
    assert read_lock(paths.lock).mode == IN_PLACE          # touch: the upgrade procedure
    write_switchover_lock(paths.lock, drain=4)
    assert read_lock(paths.lock).mode == SWITCHOVER and read_lock(paths.lock).drain == 4
    with open(paths.lock, "w") as f:
        f.write("mode=switchover\ndrain=lots\n")
    assert read_lock(paths.lock).drain == 0


def test_switchover_then_local_services_stop(paths):
    cluster, services, said = FakeCluster(), FakeServices(GUI, GUI), []
    write_switchover_lock(paths.lock, drain=3)
    assert reconciler(paths, cluster, services, said, role="gui").run() == "entered switchover"
    assert cluster.attrs == {"nfvd-maintenance": "switchover", "standby": "on"}
    assert "Going standby [all]." in said and "Waiting for resource balancing" in said
    # the load balancer drains the node before anything stops here: the local services, and
    # the clones (HPSA on an FF node) that standby stops
    assert said.index("Waiting 3s for the load balancer to drain this node") < said.index(
        "Going standby [all].")
    assert said.index("Waiting for resource balancing") < said.index(
        "Stopping NFVD Image Uploader Service")
    assert services.calls == [("imageuploader", "stop"), ("idp", "stop"), ("uoc", "stop"),
                              ("couchdb", "stop")]
    record = Record.load(paths.record)
    assert record.done and record.stopped == ["imageuploader", "idp", "uoc", "couchdb"]
    again = FakeServices(GUI, ())
    assert reconciler(paths, cluster, again).run() == "unchanged"
    assert again.calls == [] and len(cluster.calls) == 2


def test_hand_made_lock_means_no_switchover(paths):
    cluster, services = FakeCluster(), FakeServices(GUI, GUI)
    touch(paths.lock)
    assert reconciler(paths, cluster, services).run() == "entered in-place"
    assert cluster.attrs == {"nfvd-maintenance": "in-place", "maintenance": "true"}
    assert services.calls == [] and cluster.active_ids  # nothing moved, nothing stopped


def test_lock_removed_back_in_service(paths):
    cluster, services = FakeCluster(), FakeServices(GUI, ("uoc", "couchdb"))
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, services, role="gui").run()
    os.unlink(paths.lock)
    assert reconciler(paths, cluster, services, role="gui").run() == "left"
    assert cluster.attrs == {}
    assert services.calls[-2:] == [("couchdb", "start"), ("uoc", "start")]  # reverse order
    assert not os.path.exists(paths.record)
    assert reconciler(paths, cluster, services).run() == "unchanged"


def test_an_operators_own_standby_is_left_alone(paths):
    cluster = FakeCluster(active=())
    cluster.attrs["standby"] = "on"
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    os.unlink(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    assert cluster.attrs == {"standby": "on"}


def test_killed_mid_stop_then_finished_and_undone(paths):
    cluster = FakeCluster()
    services = FakeServices(GUI, GUI, fail_on=("uoc", "stop"))
    write_switchover_lock(paths.lock)
    with pytest.raises(NfvdHaError):
        reconciler(paths, cluster, services, role="gui").run()
    assert not Record.load(paths.record).done
    assert reconciler(paths, cluster, services, role="gui").run() == "entered switchover"
    assert services.up == set()
    os.unlink(paths.lock)
    reconciler(paths, cluster, services, role="gui").run()
    assert services.up == set(GUI)  # all four back, though the first pass died half-way


def test_in_place_becomes_switchover(paths):
    cluster = FakeCluster()
    touch(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    assert cluster.attrs == {"nfvd-maintenance": "switchover", "standby": "on"}


def test_resources_that_never_leave_are_named(paths):
    cluster = FakeCluster(active=("uca-ebc-data",), leave_after=10 ** 9)
    write_switchover_lock(paths.lock)
    with pytest.raises(NfvdHaError, match="after 1s, still active on node1: uca-ebc-data"):
        reconciler(paths, cluster, FakeServices((), ()), timeout=1).run()


def test_resources_that_left_but_run_nowhere_are_named(paths):
    cluster = FakeCluster(active=("aa-vip", "assurance"))
    cluster.peer_up = False  # the peer cannot take them: the service is down
    write_switchover_lock(paths.lock)
    with pytest.raises(NfvdHaError, match="after 5s, not \\(yet\\) started anywhere else: "
                       "aa-vip, assurance"):  # they left after 3 polls (fake seconds)
        reconciler(paths, cluster, FakeServices((), ()), timeout=5).run()


def test_cluster_drift_is_repaired_on_the_next_pass(paths):
    cluster = FakeCluster(active=())
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    del cluster.attrs["standby"]  # someone ran `crm node online` behind our back
    assert reconciler(paths, cluster, FakeServices((), ())).run() == "entered switchover"
    assert cluster.attrs["standby"] == "on"


def test_no_cluster_only_services(paths):
    cluster, services = FakeCluster(present=False), FakeServices(("sitescope",), ("sitescope",))
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, services).run()
    assert cluster.calls == [] and services.calls == [("sitescope", "stop")]


def test_a_value_from_before_is_put_back(paths):
    cluster = FakeCluster(active=())
    cluster.attrs["standby"] = "off"  # left by `crm node online`
    write_switchover_lock(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    assert cluster.attrs["standby"] == "on"
    os.unlink(paths.lock)
    reconciler(paths, cluster, FakeServices((), ())).run()
    assert cluster.attrs == {"standby": "off"}


# --- hostile or broken lock and record files ---------------------------------------------
@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_a_lock_that_is_not_a_regular_file_never_blocks_and_changes_nothing(paths, kind):
    os.makedirs(os.path.dirname(paths.lock))
    if kind == "fifo":
        os.mkfifo(paths.lock)
    elif kind == "directory":
        os.mkdir(paths.lock)
    else:
        os.symlink("/etc/passwd", paths.lock)
    cluster = FakeCluster()
    with pytest.raises(NfvdHaError) as error:
        reconciler(paths, cluster, FakeServices((), ())).run()  # a FIFO would block here
    assert "the maintenance lock is a" in str(error.value) and "nothing was changed" in str(
        error.value)
    assert cluster.calls == []


def test_the_reconcile_turn_is_waited_for_within_a_bound_naming_its_holder(paths, clock):
    from nfvd_ha.commands.maintenance.reconcile import reconcile_lock
    with (reconcile_lock(paths.reconcile_lock, who="nfvd-ha controller"),
          pytest.raises(NfvdHaError) as error,
          reconcile_lock(paths.reconcile_lock, wait=5, who="nfvd-ha maintenance", clock=clock)):
        pass
    assert f"held by pid {os.getpid()} (nfvd-ha controller)" in str(error.value)
    assert sum(clock.slept) == pytest.approx(5, abs=0.2)


@pytest.mark.parametrize("content", [
    b"[]", b"null", b"{not json", b'{"mode": 3}', b'{"mode": "switchover", "attrs": []}',
    b'{"attrs": {"standby": {"x": 1}}}', b'{"stopped": ["rm -rf"]}', b'{"done": "yes"}',
    b"[" * 5000 + b"]" * 5000, b'{"mode": null, "attrs": {"standby": null}, "x": 1}'])
def test_a_corrupt_record_is_moved_aside_and_never_decides_anything(paths, content):
    os.makedirs(os.path.dirname(paths.record))
    with open(paths.record, "wb") as f:
        f.write(content)
    cluster = FakeCluster()
    cluster.attrs["standby"] = "on"  # set by hand, before: must survive
    with pytest.raises(NfvdHaError) as error:
        reconciler(paths, cluster, FakeServices((), ())).run()
    assert "moved aside to" in str(error.value) and "nothing was changed" in str(error.value)
    assert not os.path.exists(paths.record)
    assert any(n.startswith("maintenance.json.corrupt-")
               for n in os.listdir(os.path.dirname(paths.record)))
    assert reconciler(paths, cluster, FakeServices((), ())).run() == "unchanged"
    assert cluster.attrs == {"standby": "on"} and cluster.calls == []


def test_a_record_that_is_a_directory_is_moved_aside(paths):
    os.makedirs(paths.record)
    with pytest.raises(NfvdHaError, match="is not a regular file"):
        Record.load(paths.record)
    assert not os.path.exists(paths.record)
