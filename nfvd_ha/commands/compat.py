"""``nfvd-ha compat install``: put the runbook shims in place (opt-in, Pacemaker nodes).

A file that is not one of our shims is replaced only when forced, and kept beside it as
``<path>.nfvd-ha-orig``; every target is checked before anything is written.
"""

import os

from heartbeat_compat.shims import MARK, install_plan, shims

from ..errors import NfvdHaError
from ..adapters.files import read_bytes, write_all_atomic


def _existing(path):
    """The text of an existing file at ``path`` (capped), or None when there is none."""
    if not os.path.lexists(path):
        return None
    return read_bytes(path, 1 << 20).decode("utf-8", "replace")


def install(root, only, force, executable, activator_ep):
    known = shims(executable, activator_ep)
    unknown = [n for n in only if n not in known]
    if unknown:
        raise NfvdHaError(f"--only {', '.join(unknown)}: not a shim ({', '.join(known)})")
    targets = [(os.path.join(root, path.lstrip("/")), text)
               for name, (path, text) in known.items() if not only or name in only]
    existing = {path: _existing(path) for path, _ in targets}
    foreign = install_plan(targets, existing, force)
    originals = [(path + ".nfvd-ha-orig", read_bytes(path, 1 << 20),
                  os.stat(path).st_mode & 0o7777) for path in foreign]
    write_all_atomic(originals + [(path, text, 0o755) for path, text in targets])
    return {"kept": foreign, "installed": [path for path, _ in targets], "mark": MARK}
