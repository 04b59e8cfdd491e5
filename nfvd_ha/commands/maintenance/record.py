"""What maintenance did on this node, written *before* each step (intent first), so that a
crash at any point leaves enough to finish or undo it. Persistent: survives reboots.

A record that cannot be trusted (not a regular file, too big, not JSON, not of the expected
shape) is moved aside and reported; it is never turned into a decision that changes the
cluster (for instance "standby was absent, delete it").
"""

import contextlib
import json
import os
import stat
import time
from collections.abc import Iterable, Mapping
from typing import Any

from nfvd_ocf.nfvd import LABELS

from ...adapters.files import write_atomic
from ...errors import NfvdHaError
from ...paths import RECORD

MAX_RECORD = 64 << 10
MODES = (None, "switchover", "in-place")
#: node attributes maintenance may change (and so may have recorded)
ATTRIBUTES = ("standby", "maintenance", "nfvd-maintenance")


class Record:
    """mode: the maintenance we are in (None: none); attrs: node attributes we changed, with
    the value each had before (None: absent), to put back on leaving; stopped: local
    components we stopped (to start again on leaving); heartbeat: we stopped heartbeat here
    (to start again on leaving); done: entered fully."""

    def __init__(self, path: str = RECORD, mode: str | None = None,
                 attrs: Mapping[str, str | None] | None = None, stopped: Iterable[str] = (),
                 done: bool = False, heartbeat: bool = False) -> None:
        self.path, self.mode, self.done = path, mode, done
        self.attrs: dict[str, str | None] = dict(attrs or {})
        self.stopped: list[str] = list(stopped)
        self.heartbeat = heartbeat

    @classmethod
    def load(cls, path: str = RECORD) -> "Record":
        """The record at ``path`` (an empty one when there is none); NfvdHaError, the file
        moved aside, when it is not one."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise _untrusted(path, f"cannot be read ({exc.strerror})") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _untrusted(path, "is not a regular file")
            raw = os.read(fd, MAX_RECORD + 1)
        finally:
            os.close(fd)
        if len(raw) > MAX_RECORD:
            raise _untrusted(path, f"is larger than {MAX_RECORD} bytes")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise _untrusted(path, "is not valid JSON") from None
        problem = _shape_problem(data)
        if problem:
            raise _untrusted(path, problem)
        return cls(path, data.get("mode"), data.get("attrs"), data.get("stopped", ()),
                   data.get("done", False), data.get("heartbeat", False))

    def save(self) -> None:
        write_atomic(self.path, json.dumps({"mode": self.mode, "attrs": self.attrs,
                                            "stopped": self.stopped, "done": self.done,
                                            "heartbeat": self.heartbeat},
                                           indent=1, sort_keys=True) + "\n", 0o600)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.mode, self.attrs, self.stopped, self.done = None, {}, [], False
        self.heartbeat = False

    def add_stopped(self, names: Iterable[str]) -> bool:
        """Remember components stopped; True when any is new."""
        new = [n for n in names if n not in self.stopped]
        self.stopped.extend(new)
        return bool(new)

    def add_attrs(self, before: Mapping[str, str | None]) -> bool:
        """Remember the values the attributes had before we first changed them."""
        new = {n: v for n, v in before.items() if n not in self.attrs}
        self.attrs.update(new)
        return bool(new)


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or set(data) - {"mode", "attrs", "stopped", "done",
                                                  "heartbeat"}:
        return ("is not a maintenance record (an object with mode, attrs, stopped, done, "
                "heartbeat)")
    if data.get("mode") not in MODES:
        return "has an unknown mode"
    attrs = data.get("attrs", {})
    if not isinstance(attrs, dict) or any(
            k not in ATTRIBUTES or not (v is None or (isinstance(v, str) and len(v) < 256))
            for k, v in attrs.items()):
        return "has attrs that are not node attributes maintenance changes"
    stopped = data.get("stopped", [])
    if not isinstance(stopped, list) or any(
            not isinstance(n, str) or n not in LABELS for n in stopped) or \
            len(set(stopped)) != len(stopped):
        return "has stopped components that are not NFVD components"
    if not isinstance(data.get("done", False), bool):
        return "has a done flag that is not true or false"
    if not isinstance(data.get("heartbeat", False), bool):
        return "has a heartbeat flag that is not true or false"
    return None


def _untrusted(path: str, problem: str) -> NfvdHaError:
    aside = f"{path}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
    try:
        os.rename(path, aside)
        where = f"moved aside to {aside}"
    except OSError as exc:
        where = f"could not be moved aside ({exc.strerror})"
    return NfvdHaError(f"{path} {problem}: {where}; nothing was changed from it",
                       hint="check this node's attributes (crm_mon -1A: standby, maintenance) "
                            "and the NFVD components by hand; the next maintenance start or "
                            "stop starts from a clean record")
