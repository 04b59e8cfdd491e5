"""``nfvd-ha compat ...``: the guide's heartbeat runbook commands answered by Pacemaker
(``cl_status``, ``hb_standby``, ``/etc/init.d/activator-ep``, ``/etc/init.d/nfvd``), and
``compat install``, which puts their shims in place (opt-in, Pacemaker nodes).

A file that is not one of our shims is replaced only when forced, and kept beside it as
``<path>.nfvd-ha-orig``; every target is checked before anything is written.
"""

import os
from collections.abc import Callable, Collection
from typing import Any

from heartbeat_compat import shims as runbook
from heartbeat_compat.shims import MARK, foreign_files, shims

from .. import paths
from ..adapters.files import read_bytes, write_all_atomic
from ..adapters.pacemaker import Pacemaker
from ..adapters.runner import Runner
from ..adapters.services import Services
from ..errors import NfvdHaError


def cl_status(cluster: Pacemaker | None = None) -> str:
    """``cl_status rscstatus``: all | local | foreign | none."""
    return runbook.rscstatus(cluster or Pacemaker(Runner()))


def hb_standby(which: str = "all", timeout: float = 120,
               progress: Callable[[str], object] = lambda text: None,
               cluster: Pacemaker | None = None) -> list[str]:
    """``hb_standby [all|local|foreign]``: hand these groups to the peer."""
    return runbook.standby(cluster or Pacemaker(Runner()), which, timeout, progress)


def activator_ep(action: str, script: str = paths.ACTIVATOR_EP,
                 under_pacemaker: bool | None = None) -> None:
    """``/etc/init.d/activator-ep ACTION``: start/stop refused outside the agent (Pacemaker
    owns it), anything else handed to NFVD's own script (this process becomes it)."""
    if under_pacemaker is None:
        under_pacemaker = bool(os.environ.get("OCF_RESOURCE_INSTANCE"))
    if action in runbook.GUARDED and not under_pacemaker:
        runbook.guarded("activator-ep", action, "activator-ep")
    try:
        os.execv(script, [script, action])  # the agent itself (OCF env) or check/status
    except OSError as exc:
        raise NfvdHaError(f"{script}: cannot run: {exc.strerror}") from None


def nfvd(action: str, nfv_director: str = paths.NFV_DIRECTOR,
         services: Services | None = None) -> tuple[list[str], int]:
    """``/etc/init.d/nfvd status`` (guide 5.3): (its lines, its LSB exit code); start/stop
    refused (Pacemaker owns NFVD Assurance)."""
    if action in runbook.GUARDED:
        runbook.guarded("nfvd", action, "nfvd-assurance")
    if action != "status":
        raise NfvdHaError(f"{paths.NFVD_INIT} {action}: usage: nfvd {{status}}")
    return runbook.nfvd_status((services or Services(Runner(), nfv_director)).rows())


def _existing(path: str) -> str | None:
    """The text of an existing file at ``path`` (capped), or None when there is none."""
    if not os.path.lexists(path):
        return None
    return read_bytes(path, 1 << 20).decode("utf-8", "replace")


def install(root: str, only: Collection[str], force: bool, executable: str,
            activator_ep: str) -> dict[str, Any]:
    """Install the shims (``only`` these, when given) under ``root``; what was kept and
    installed."""
    known = shims(executable, activator_ep)
    unknown = [n for n in only if n not in known]
    if unknown:
        raise NfvdHaError(f"--only {', '.join(unknown)}: not a shim ({', '.join(known)})")
    targets = [(os.path.join(root, path.lstrip("/")), text)
               for name, (path, text) in known.items() if not only or name in only]
    existing = {path: _existing(path) for path, _ in targets}
    foreign = foreign_files(targets, existing, force)
    originals = [(path + ".nfvd-ha-orig", read_bytes(path, 1 << 20),
                  os.stat(path).st_mode & 0o7777) for path in foreign]
    write_all_atomic(originals + [(path, text, 0o755) for path, text in targets])
    return {"kept": foreign, "installed": [path for path, _ in targets], "mark": MARK}
