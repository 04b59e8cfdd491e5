"""What maintenance did on this node, written *before* each step (intent first), so that a
crash at any point leaves enough to finish or undo it. Persistent: survives reboots."""

import json
import os

from ..files import write_atomic

RECORD = "/var/lib/nfvd-ha/maintenance.json"


class Record:
    """mode: the maintenance we are in (None: none); attrs: node attributes we set;
    stopped: local components we stopped (to start again on leaving); done: entered fully."""

    def __init__(self, path=RECORD, mode=None, attrs=(), stopped=(), done=False):
        self.path, self.mode, self.done = path, mode, done
        self.attrs, self.stopped = list(attrs), list(stopped)

    @classmethod
    def load(cls, path=RECORD):
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            data = {"mode": "unknown", "attrs": ["standby", "maintenance"]}  # undo all
        return cls(path, data.get("mode"), data.get("attrs", ()), data.get("stopped", ()),
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
        self.mode, self.attrs, self.stopped, self.done = None, [], [], False

    def add(self, field, names):
        values = getattr(self, field)
        new = [n for n in names if n not in values]
        values.extend(new)
        return bool(new)
