"""The maintenance lock file and what it asks for.

``nfvd-ha maintenance start`` writes ``mode=switchover`` (plus its drain time); a lock made
any other way (``touch``, the upgrade procedure of guide 4.4) asks for maintenance *in place*:
nothing moves, what runs here keeps running, unmanaged. The lock is read without following
a symlink and without blocking; anything but a regular file is an error that changes
nothing (a FIFO never stalls the controller).
"""

import errno
import os
import stat
import time

from ..errors import NfvdHaError
from ..paths import LOCK
from .files import kind, write_atomic

SWITCHOVER, IN_PLACE = "switchover", "in-place"
MAX_LOCK = 4096


class Lock:
    """What the lock file says; ``mode`` is None when there is no lock."""

    __slots__ = ("mode", "drain")

    def __init__(self, mode: str | None = None, drain: float = 0.0) -> None:
        self.mode, self.drain = mode, drain

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lock):
            return NotImplemented
        return (self.mode, self.drain) == (other.mode, other.drain)

    def __repr__(self) -> str:
        return f"Lock({self.mode!r}, drain={self.drain})"


def _not_a_lock(path: str, what: str) -> NfvdHaError:
    return NfvdHaError(f"{path}: the maintenance lock is {what}, not a regular file; nothing "
                       "was changed", hint="remove it, then use `nfvd-ha maintenance "
                       "start|stop` (or `touch` it for maintenance in place)")


def read_lock(path: str = LOCK) -> Lock:
    """What the lock at ``path`` asks for (no lock: ``mode`` None); NfvdHaError when
    something other than a regular file is there."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return Lock()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_a_lock(path, "a symlink") from None
        raise NfvdHaError(f"{path}: cannot read the maintenance lock: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_a_lock(path, kind(info.st_mode))
        text = os.read(fd, MAX_LOCK).decode("utf-8", "replace")
    finally:
        os.close(fd)
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    mode = SWITCHOVER if fields.get("mode", "").strip() == SWITCHOVER else IN_PLACE
    try:
        drain = max(0.0, min(float(fields.get("drain", 0)), 3600.0))
    except ValueError:
        drain = 0.0
    if drain != drain:  # NaN
        drain = 0.0
    return Lock(mode, drain if mode == SWITCHOVER else 0.0)


def lock_present(path: str = LOCK) -> bool:
    """True when anything is at the lock's path (for the load balancer: drain when unsure)."""
    return os.path.lexists(path)


def write_switchover_lock(path: str = LOCK, drain: float = 0.0,
                          who: str = "nfvd-ha maintenance start") -> None:
    """Ask for maintenance with a switchover, the load balancer draining ``drain`` seconds."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_atomic(path, f"# nfvd-ha maintenance lock: remove it (or run `nfvd-ha maintenance "
                       f"stop`) to leave maintenance\nmode={SWITCHOVER}\ndrain={drain:g}\n"
                       f"since={stamp}\nby={who}\n")


def remove_lock(path: str = LOCK) -> bool:
    """Remove the lock (True) or find none (False); NfvdHaError when it is no regular file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise _not_a_lock(path, kind(info.st_mode))
    os.unlink(path)
    return True
