"""The maintenance lock file and what it asks for.

``nfvd-ha maintenance start`` writes ``mode=switchover`` (plus its drain time); a lock made
any other way (``touch``, the upgrade procedure of guide 4.4) asks for maintenance *in place*:
nothing moves, what runs here keeps running, unmanaged.
"""

import os
import time

from ..files import write_atomic

LOCK = "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock"
SWITCHOVER, IN_PLACE = "switchover", "in-place"


class Lock:
    """What the lock file says; ``mode`` is None when there is no lock."""

    __slots__ = ("mode", "drain")

    def __init__(self, mode=None, drain=0.0):
        self.mode, self.drain = mode, drain

    def __eq__(self, other):
        return (self.mode, self.drain) == (other.mode, other.drain)

    def __repr__(self):
        return f"Lock({self.mode!r}, drain={self.drain})"


def read_lock(path=LOCK):
    try:
        with open(path, errors="replace") as f:
            text = f.read(4096)
    except FileNotFoundError:
        return Lock()
    except IsADirectoryError:
        return Lock(IN_PLACE)
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    mode = SWITCHOVER if fields.get("mode", "").strip() == SWITCHOVER else IN_PLACE
    try:
        drain = max(0.0, min(float(fields.get("drain", 0)), 3600.0))
    except ValueError:
        drain = 0.0
    return Lock(mode, drain if mode == SWITCHOVER else 0.0)


def write_switchover_lock(path=LOCK, drain=0.0, who="nfvd-ha maintenance start"):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_atomic(path, f"# nfvd-ha maintenance lock: remove it (or run `nfvd-ha maintenance "
                       f"stop`) to leave maintenance\nmode={SWITCHOVER}\ndrain={drain:g}\n"
                       f"since={stamp}\nby={who}\n")


def remove_lock(path=LOCK):
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
