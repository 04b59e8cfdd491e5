"""``nfvd-ha controller``: keeps this node where its maintenance lock says.

Reconciles at start (after a crash or a reboot), on every inotify event on the way to the
lock, and every ``tick`` seconds whatever happens (level-triggered: a lost event or a
cluster change made behind our back is caught on the next tick). One controller per node:
a second one finds the instance lock held and exits.
"""

import dataclasses
import fcntl
import logging
import os
import time
from collections.abc import Callable

from ...adapters.runner import CommandRunner
from ...clock import REAL, Clock
from ...errors import NfvdHaError
from ...paths import INSTANCE
from .reconcile import ReconcileOptions, Reconciler, reconcile_lock
from .watch import LockWatcher

WAKE = 0.5  # seconds between looks at stop() while idle
WHO = "nfvd-ha controller"
log = logging.getLogger("nfvd-ha.controller")


def hold_instance_lock(path: str = INSTANCE) -> int:
    """Keep an flock for the life of the process; NfvdHaError if another controller has it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise NfvdHaError(f"another nfvd-ha controller runs on this node (pid {other})",
                          hint=f"{path} is held; one controller per node") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def controller_running(path: str = INSTANCE) -> bool:
    """A controller holds the instance lock at ``path`` now."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


class Controller:
    """Keeps this node where the maintenance lock says: a reconcile pass on every lock event
    and every ``tick`` seconds, never dying of a failed one."""

    def __init__(self, options: ReconcileOptions | None = None, tick: float = 5.0, *,
                 runner: CommandRunner | None = None, reconciler: Reconciler | None = None,
                 clock: Clock = REAL) -> None:
        """``options`` as the reconcile's, but its progress goes to the log."""
        options = options or ReconcileOptions()
        self.files, self.tick, self.clock = options.files, tick, clock
        self.reconciler = reconciler or Reconciler(
            dataclasses.replace(options, progress=lambda text: log.info("%s", text)),
            runner=runner)

    def pass_once(self, why: str) -> str:
        """One reconcile pass under the reconcile lock: what it did, or 'failed'."""
        try:
            with reconcile_lock(self.files.reconcile_lock, wait=min(self.tick, 5.0), who=WHO,
                                clock=self.clock):
                outcome = self.reconciler.run()
        except (NfvdHaError, OSError) as error:
            log.error("reconcile (%s) failed, retrying in %gs: %s", why, self.tick, error)
            return "failed"
        except Exception:  # noqa: BLE001 - a timeout, garbage from a tool: never die of it
            log.exception("reconcile (%s) failed unexpectedly, retrying in %gs", why, self.tick)
            return "failed"
        if outcome != "unchanged":
            log.info("%s (%s)", outcome, why)
        return outcome

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Pass at start, on lock events and every tick until ``stop()``."""
        watcher = LockWatcher(self.files.lock)
        log.info("watching %s (from %s)", self.files.lock, watcher.watched)
        self.pass_once("start")
        next_tick = time.monotonic() + self.tick
        while not stop():
            if watcher.wait(min(max(0.0, next_tick - time.monotonic()), WAKE)):
                self.pass_once("lock event")
            if time.monotonic() >= next_tick:
                self.pass_once("tick")
                next_tick = time.monotonic() + self.tick
        watcher.close()
