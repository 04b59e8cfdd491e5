"""What maintenance did on this node, written *before* each step (intent first), so that a
crash at any point leaves enough to finish or undo it. Persistent: survives reboots."""

import json
import os

from ..files import write_atomic

RECORD = "/var/lib/nfvd-ha/maintenance.json"


class Record:
    """mode: the maintenance we are in (None: none); attrs: node attributes we changed, with
    the value each had before (None: absent), to put back on leaving; stopped: local
    components we stopped (to start again on leaving); done: entered fully."""

    def __init__(self, path=RECORD, mode=None, attrs=None, stopped=(), done=False):
        self.path, self.mode, self.done = path, mode, done
        self.attrs, self.stopped = dict(attrs or {}), list(stopped)

    @classmethod
    def load(cls, path=RECORD):
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            data = {"mode": "unknown", "attrs": {"standby": None, "maintenance": None}}
        return cls(path, data.get("mode"), data.get("attrs"), data.get("stopped", ()),
                   bool(data.get("done")))

    def save(self):
        write_atomic(self.path, json.dumps({"mode": self.mode, "attrs": self.attrs,
                                            "stopped": self.stopped, "done": self.done},
                                           indent=1) + "\n", 0o600)

    def clear(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self.mode, self.attrs, self.stopped, self.done = None, {}, [], False

    def add_stopped(self, names):
        new = [n for n in names if n not in self.stopped]
        self.stopped.extend(new)
        return bool(new)

    def add_attrs(self, before):
        """Remember the values the attributes had before we first changed them."""
        new = {n: v for n, v in before.items() if n not in self.attrs}
        self.attrs.update(new)
        return bool(new)
