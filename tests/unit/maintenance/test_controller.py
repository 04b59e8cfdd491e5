"""The controller on a real inotify watch: reaction, level-triggered ticks, one instance."""

import logging
import os
import threading

import pytest

from helpers.waits import wait_until

from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.maintenance.controller import (Controller, controller_running,
                                                     hold_instance_lock)
from nfvd_ha.commands.maintenance.reconcile import (MaintenanceFiles, ReconcileOptions,
                                                    Reconciler)

from .fakes import FakeCluster, FakeHeartbeat, FakeServices


@pytest.fixture
def running(tmp_path):
    """A controller in a thread; the lock's directory does not exist yet."""
    paths = MaintenanceFiles(lock=str(tmp_path / "opt" / "halogs" / "nfvd-ha-maintenance.lock"),
                             record=str(tmp_path / "maintenance.json"),
                             reconcile_lock=str(tmp_path / "turn"))
    cluster = FakeCluster(active=())
    options = ReconcileOptions(files=paths, timeout=10)
    reconciler = Reconciler(options, cluster=cluster, services=FakeServices((), ()),
                            heartbeat=FakeHeartbeat())
    done, watching = threading.Event(), Watching()
    ctl = Controller(options, tick=30, reconciler=reconciler)
    thread = threading.Thread(target=ctl.run, args=(done.is_set,), daemon=True)
    logger = logging.getLogger("nfvd-ha.controller")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(watching)
    try:
        thread.start()
        wait_until(watching.said.is_set, 5, 0.01, "the controller watching the lock")
        yield paths, cluster
    finally:
        logger.removeHandler(watching)
        logger.setLevel(level)
        done.set()
        thread.join(timeout=40)


class Watching(logging.Handler):
    """Told when the controller says it watches the lock (its inotify watch is set)."""

    def __init__(self):
        super().__init__()
        self.said = threading.Event()

    def emit(self, record):
        if record.getMessage().startswith("watching "):
            self.said.set()


def until(predicate, limit=1.0):
    """Within ``limit`` s (the controller reacts to the lock within a second)."""
    wait_until(predicate, limit, 0.01, f"the controller's reaction within {limit}s")


def test_reacts_to_touch_rm_and_rename_within_a_second(running):
    paths, cluster = running
    os.makedirs(os.path.dirname(paths.lock))        # the directory appears later
    open(paths.lock, "w").close()                   # touch by hand
    until(lambda: cluster.attrs.get("maintenance") == "true")
    os.unlink(paths.lock)
    until(lambda: cluster.attrs == {})
    tmp = paths.lock + ".new"
    with open(tmp, "w") as f:
        f.write("mode=switchover\n")
    os.rename(tmp, paths.lock)                      # renamed into place
    until(lambda: cluster.attrs.get("standby") == "on")


def test_lock_dir_removed_and_recreated(running):
    paths, cluster = running
    directory = os.path.dirname(paths.lock)
    os.makedirs(directory)
    os.rmdir(directory)
    os.makedirs(directory)
    open(paths.lock, "w").close()
    until(lambda: cluster.attrs.get("maintenance") == "true")


def test_level_triggered_tick_repairs_drift(tmp_path):
    paths = MaintenanceFiles(lock=str(tmp_path / "l"), record=str(tmp_path / "r"),
                             reconcile_lock=str(tmp_path / "t"))
    open(paths.lock, "w").close()
    cluster = FakeCluster(active=())
    options = ReconcileOptions(files=paths, timeout=10)
    reconciler = Reconciler(options, cluster=cluster, services=FakeServices((), ()),
                            heartbeat=FakeHeartbeat())
    ctl, done = Controller(options, tick=0.2, reconciler=reconciler), threading.Event()
    thread = threading.Thread(target=ctl.run, args=(done.is_set,), daemon=True)
    thread.start()
    until(lambda: cluster.attrs.get("maintenance") == "true")
    cluster.attrs.clear()                           # changed behind our back, no file event
    until(lambda: cluster.attrs.get("maintenance") == "true")
    done.set()
    thread.join(5)


def test_one_controller_per_node(tmp_path):
    path = str(tmp_path / "controller.lock")
    assert not controller_running(path)
    fd = hold_instance_lock(path)
    assert controller_running(path)
    with pytest.raises(NfvdHaError, match=f"another nfvd-ha controller runs.*pid {os.getpid()}"):
        hold_instance_lock(path)
    os.close(fd)
    assert not controller_running(path)


def test_a_failing_pass_is_retried_not_fatal(tmp_path):
    class Flaky:
        calls = 0

        def run(self):
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise TimeoutError("crm_mon did not answer")  # not an NfvdHaError
            raise ValueError("garbage XML")

    paths = MaintenanceFiles(lock=str(tmp_path / "l"), record=str(tmp_path / "r"),
                             reconcile_lock=str(tmp_path / "t"))
    ctl = Controller(ReconcileOptions(files=paths), tick=0.2, reconciler=Flaky())
    assert ctl.pass_once("start") == "failed" and ctl.pass_once("tick") == "failed"
