"""Run a check in a forked child and give up on it after a deadline.

For storage that can hang: the child may block in the kernel forever (a dead NFS server,
a stuck FUSE daemon). The parent never waits for it past the deadline; the child is left
in its own session with /dev/null as its stdio, so it cannot hold Pacemaker's pipes open.
"""

import os
import select

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn


class Outcome:
    __slots__ = ("ok", "detail", "timed_out")

    def __init__(self, ok: bool, detail: str, timed_out: bool = False) -> None:
        self.ok, self.detail, self.timed_out = ok, detail, timed_out


def run_in_child(check: "Callable[[], object]", timeout: float, uid: int | None = None,
                 gid: int | None = None) -> Outcome:
    """Call ``check()`` in a child (as uid/gid if given); its return value is the detail."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        _child(check, r, w, uid, gid)
    os.close(w)
    try:
        poller = select.poll()
        poller.register(r, select.POLLIN | select.POLLHUP)
        if not poller.poll(max(0, int(timeout * 1000))):
            return Outcome(False, f"did not complete within {timeout:g}s", timed_out=True)
        data = os.read(r, 4096).decode("utf-8", "replace")
    finally:
        os.close(r)
    os.waitpid(pid, 0)
    if data.startswith("0"):
        return Outcome(True, data[1:])
    return Outcome(False, data[1:] or "check process died")


def _child(check: "Callable[[], object]", r: int, w: int, uid: int | None,
           gid: int | None) -> "NoReturn":
    status = "1"
    try:
        os.close(r)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.setsid()
        if gid is not None:
            os.setgroups([])
            os.setgid(gid)
        if uid is not None:
            os.setuid(uid)
        detail = check() or ""
        status = "0" + str(detail)
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        status = "1" + f"{type(exc).__name__}: {exc}"
    finally:
        try:
            os.write(w, status.encode()[:4000])
        finally:
            os._exit(0)
