"""Bring this node to what the maintenance lock says (level-triggered, idempotent).

Used by ``nfvd-ha maintenance start|stop`` (in the foreground, with progress) and by the
controller (on every lock event and every tick). Runs under the reconcile lock (an flock,
waited for within a bound, naming its holder) so the two never act at the same time; every
step is recorded before it is taken, so a kill -9 anywhere leaves a state the next run
finishes (lock present) or undoes (lock gone).
"""

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from nfvd_ocf.nfvd import LABELS

from ... import paths
from ...adapters.heartbeat import Heartbeat
from ...adapters.lockfile import IN_PLACE, SWITCHOVER, Lock, read_lock
from ...adapters.pacemaker import SETTLED, Pacemaker
from ...adapters.runner import CommandRunner, Runner
from ...adapters.services import Services
from ...clock import REAL, Clock
from ...errors import NfvdHaError
from ...roles import Role, detect
from .record import Record

#: node attribute recording which maintenance this node is in (survives our crashes)
MARKER = "nfvd-maintenance"
#: node attribute -> value we set, per mode
ATTRS = {SWITCHOVER: (("standby", "on"),), IN_PLACE: (("maintenance", "true"),)}
RECONCILE_LOCK_WAIT = 60.0  # seconds the maintenance command waits for the controller's pass


@dataclass(frozen=True)
class MaintenanceFiles:
    """Where maintenance keeps its state: the maintenance lock (what the operator asked for),
    the record (what was done) and the reconcile lock (who acts now)."""

    lock: str = paths.LOCK
    record: str = paths.RECORD
    reconcile_lock: str = paths.RECONCILE_LOCK


def _quiet(text: str) -> None:
    """Progress nobody reads."""


@dataclass(frozen=True)
class ReconcileOptions:
    """What a reconcile works on and within: the maintenance files, the role forced (None:
    the one the installed components tell), the bound of each wait in seconds, and where
    its progress lines go."""

    files: MaintenanceFiles = field(default_factory=MaintenanceFiles)
    role: str | None = None
    timeout: float = 300
    progress: Callable[[str], object] = _quiet


@contextmanager
def reconcile_lock(path: str, wait: float = RECONCILE_LOCK_WAIT, who: str = "nfvd-ha",
                   clock: Clock = REAL) -> Iterator[None]:
    """Hold the reconcile lock (an flock) for a while; the CLI and the controller never act
    together. Waits at most ``wait`` seconds, then names who holds it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if not clock.wait_for(lambda: _try_lock(fd), wait, 0.1):
            holder = os.pread(fd, 128, 0).decode("utf-8", "replace").strip() or "unknown"
            raise NfvdHaError(f"{path} is held by {holder}: another maintenance action runs "
                              f"on this node (waited {wait:g}s)",
                              hint="wait for it to finish, or see its log")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({who})\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class PacemakerNode(Protocol):
    """What the reconcile asks of this node's Pacemaker (adapters.pacemaker.Pacemaker)."""

    def present(self) -> bool: ...

    def node_name(self) -> str: ...

    def takeover_problems(self) -> list[str]: ...

    def attributes(self) -> dict[str, str]: ...

    def set_attribute(self, name: str, value: str) -> None: ...

    def delete_attribute(self, name: str) -> None: ...

    def active(self) -> dict[str, dict[str, str]]: ...


class HeartbeatNode(Protocol):
    """What the reconcile asks of a heartbeat host (adapters.heartbeat.Heartbeat)."""

    def present(self) -> bool: ...

    def takeover_problems(self) -> list[str]: ...

    def standby(self) -> bool: ...

    def wait_released(self, timeout: float, progress: Callable[[str], object]) -> None: ...

    def stop_daemon(self) -> None: ...

    def start_daemon(self, timeout: float, progress: Callable[[str], object]) -> None: ...


class NfvdServices(Protocol):
    """What the reconcile asks of NFVD's services (adapters.services.Services)."""

    def rows(self) -> list[tuple[str, str]]: ...

    def running(self, names: Iterable[str],
                rows: Iterable[tuple[str, str]] | None = None) -> list[str]: ...

    def act(self, name: str, action: str) -> str: ...


class Reconciler:
    """Brings this node to what the maintenance lock says, one idempotent pass at a time."""

    def __init__(self, options: ReconcileOptions | None = None, *,
                 runner: CommandRunner | None = None, cluster: PacemakerNode | None = None,
                 services: NfvdServices | None = None, heartbeat: HeartbeatNode | None = None,
                 clock: Clock = REAL) -> None:
        """``options`` (default: the real files, the role told, 300 s, no progress); the
        cluster, heartbeat and services default to the real ones through ``runner``."""
        options = options or ReconcileOptions()
        runner = runner or Runner()
        self.options, self.files = options, options.files
        self.role_override, self.timeout = options.role, options.timeout
        self.progress = options.progress
        self.cluster: PacemakerNode = cluster or Pacemaker(runner, clock)
        self.heartbeat: HeartbeatNode = heartbeat or Heartbeat(runner, clock)
        self.services: NfvdServices = services or Services(runner, clock=clock)
        self.clock = clock
        #: forced by the operator: what cannot move may stop (only "nothing here" is awaited)
        self.accept_stopped = False

    def run(self) -> str:
        """One pass: returns 'entered <mode>', 'left', or 'unchanged'."""
        lock, record = read_lock(self.files.lock), Record.load(self.files.record)
        if lock.mode:
            if record.done and record.mode == lock.mode and self._cluster_holds(lock.mode):
                return "unchanged"
            self.enter(lock, record)
            return f"entered {lock.mode}"
        if record.mode is None:
            return "unchanged"
        self.leave(record)
        return "left"

    # -- entering ---------------------------------------------------------------------------
    def enter(self, lock: Lock, record: Record) -> None:
        """Enter the maintenance ``lock`` asks for (recording each step first)."""
        if lock.mode is None:
            return  # no lock: nothing to enter (run() leaves instead)
        if record.mode != lock.mode:
            record.mode, record.done = lock.mode, False
            record.save()
        if lock.mode == SWITCHOVER:
            self._drain(lock)
        on_heartbeat = not self.cluster.present() and lock.mode == SWITCHOVER and \
            self.heartbeat.present()
        if self.cluster.present():
            self._enter_cluster(lock.mode, record)
        elif on_heartbeat and not record.heartbeat:
            self._enter_heartbeat()
        if lock.mode == SWITCHOVER:
            self._stop_local(lock, record)
        if on_heartbeat and not record.heartbeat:
            self._stop_heartbeat(record)
        record.done = True
        record.save()

    def _enter_cluster(self, mode: str, record: Record) -> None:
        have = self.cluster.attributes()
        other = {n for m, pairs in ATTRS.items() if m != mode for n, _ in pairs}
        for name in [n for n in record.attrs if n in other]:  # the mode changed
            self._put_back(name, record.attrs[name], have)
            del record.attrs[name]
            record.save()
        changes = [(n, v) for n, v in ((MARKER, mode), *ATTRS[mode]) if have.get(n) != v]
        if record.add_attrs({n: have.get(n) for n, _ in changes}):  # before, to put back
            record.save()
        for name, value in changes:
            if name == "standby":
                self.progress("Going standby [all].")
            self.cluster.set_attribute(name, value)
        if mode == SWITCHOVER:
            self._wait_balanced()

    def _enter_heartbeat(self) -> None:
        """Guide 4.2.2: hb_standby all, then wait until the peer holds what was here."""
        if self.heartbeat.standby():
            self.progress("Going standby [all].")
        self.heartbeat.wait_released(self.timeout, self.progress)

    def _stop_heartbeat(self, record: Record) -> None:
        """Guide 4.2.3: with the peer holding everything, heartbeat stops here (recorded
        first: leaving starts it again)."""
        record.heartbeat = True
        record.save()
        self.progress("Stopping High-Availability services:")
        self.heartbeat.stop_daemon()
        self.progress("Done.")

    def stack(self) -> str | None:
        """What runs this node's active/passive groups: pacemaker, heartbeat or None."""
        if self.cluster.present():
            return "pacemaker"
        return "heartbeat" if self.heartbeat.present() else None

    def clustered(self) -> bool:
        """Pacemaker or heartbeat runs this node's active/passive groups."""
        return self.cluster.present() or self.heartbeat.present()

    def takeover_problems(self) -> list[str]:
        """Why no other node could take over what runs here ([] without a cluster)."""
        if self.cluster.present():
            return self.cluster.takeover_problems()
        if self.heartbeat.present():
            return self.heartbeat.takeover_problems()
        return []

    def _wait_balanced(self) -> None:
        """Until nothing runs here and what left runs elsewhere (the guide's 'balancing')."""
        me, deadline = self.cluster.node_name(), self.clock.monotonic() + self.timeout
        active = self.cluster.active()
        moving = {rid for rid, nodes in active.items() if me in nodes}
        while True:
            here = [rid for rid, nodes in active.items() if me in nodes]
            lost = [] if self.accept_stopped else [rid for rid in sorted(moving) if not any(
                state in SETTLED for state in active.get(rid, {}).values())]
            if not here and not lost:
                return
            if self.clock.monotonic() >= deadline:
                raise NfvdHaError(_unbalanced(me, self.timeout, here, lost), hint=(
                    "crm_mon -1 shows why (a failed stop? the peer down or in standby?); "
                    "the node stays in standby; `nfvd-ha maintenance stop` undoes it"))
            self.progress("Waiting for resource balancing")
            self.clock.sleep(1.0)
            active = self.cluster.active()

    def _drain(self, lock: Lock) -> None:
        """The health endpoints answer 'draining' from the moment the lock exists: wait out
        the drain before anything here stops - the A/A services, and on Pacemaker the
        clones (HPSA) that standby stops."""
        rows = self.services.rows()
        role = self.role(rows)
        if lock.drain and role and role.local and self.services.running(role.local, rows):
            self.progress(f"Waiting {lock.drain:g}s for the load balancer to drain this node")
            self.clock.sleep(lock.drain)

    def _stop_local(self, lock: Lock, record: Record) -> None:
        rows = self.services.rows()
        role = self.role(rows)
        names = self.services.running(role.local, rows) if role and role.local else []
        if not names:
            return
        if record.add_stopped(names):
            record.save()
        for name in names:
            self.progress(f"Stopping {LABELS[name]}")
            self.services.act(name, "stop")
            self.progress("...OK")

    def role(self, rows: Iterable[tuple[str, str]]) -> Role | None:
        """This VM's role from the status table (None: no NFVD here and none given)."""
        return detect(rows, self.role_override) if rows or self.role_override else None

    def _cluster_holds(self, mode: str) -> bool:
        if not self.cluster.present():
            return True
        have = self.cluster.attributes()
        return have.get(MARKER) == mode and all(have.get(k) == v for k, v in ATTRS[mode])

    def _put_back(self, name: str, before: str | None, have: Mapping[str, str]) -> None:
        if before is None:
            if name in have:
                self.cluster.delete_attribute(name)
        elif have.get(name) != before:
            self.cluster.set_attribute(name, before)

    # -- leaving ----------------------------------------------------------------------------
    def leave(self, record: Record) -> None:
        """Undo what ``record`` says maintenance did, then forget it."""
        if self.cluster.present() and record.attrs:
            have = self.cluster.attributes()
            for name in sorted(record.attrs, key=lambda n: n == MARKER):  # the marker last
                self._put_back(name, record.attrs[name], have)
        if record.heartbeat:
            self.progress("Starting High-Availability services:")
            self.heartbeat.start_daemon(self.timeout, self.progress)
            self.progress("Done.")
            record.heartbeat = False
            record.save()
        for name in list(reversed(record.stopped)):
            self.progress(f"Starting {LABELS[name]}")
            self.services.act(name, "start")
            self.progress("...OK")
            record.stopped.remove(name)
            record.save()
        record.clear()


def _unbalanced(me: str, timeout: float, here: list[str], lost: list[str]) -> str:
    parts = ([f"still active on {me}: {', '.join(here)}"] if here else []) + (
        [f"not (yet) started anywhere else: {', '.join(lost)}"] if lost else [])
    return f"after {timeout:g}s, " + "; ".join(parts)
