"""The NFVD components of this VM, driven by nfv-director.sh (the A/A ones run outside the
cluster). Every command goes through the runner, bounded."""

import os
from collections.abc import Iterable

from nfvd_ocf.initscript import status_rows
from nfvd_ocf.nfvd import LABELS

from .. import paths
from ..clock import REAL, Clock
from ..errors import NfvdHaError
from .runner import CommandRunner

STATUS_TIMEOUT = 60   # seconds for one `nfv-director.sh status`
ACTION_TIMEOUT = 600  # seconds for one `nfv-director.sh -c NAME start|stop`


class Services:
    """NFVD's own services through its ``nfv-director.sh``: the status table, start, stop."""

    def __init__(self, runner: CommandRunner, tool: str = paths.NFV_DIRECTOR,
                 clock: Clock = REAL) -> None:
        self.runner, self.tool, self.clock = runner, tool, clock

    def rows(self, timeout: float = STATUS_TIMEOUT) -> list[tuple[str, str]]:
        """(label, state) rows of the status table; none when NFVD is not installed here."""
        if not os.access(self.tool, os.X_OK):
            return []
        return status_rows(self.runner.run([self.tool, "status"], timeout=timeout).stdout)

    def running(self, names: Iterable[str],
                rows: Iterable[tuple[str, str]] | None = None) -> list[str]:
        """Which of ``names`` the status table (``rows``, else a fresh one) shows Running."""
        states = dict(self.rows() if rows is None else rows)
        return [n for n in names if states.get(LABELS[n]) == "Running"]

    def act(self, name: str, action: str, confirm: float = 120.0) -> str:
        """``nfv-director.sh -c NAME start|stop``, then wait until the table agrees."""
        result = self.runner.run([self.tool, "-c", name, action], timeout=ACTION_TIMEOUT)
        if result.rc != 0:
            raise NfvdHaError(f"{self.tool} -c {name} {action} exited {result.rc}: "
                              f"{(result.stderr or result.stdout).strip()[-300:]}")
        want = action == "start"
        if not self.clock.wait_for(lambda: bool(self.running([name])) == want, confirm, 0.3):
            raise NfvdHaError(f"{name} is {'not ' if want else 'still '}running "
                              f"{confirm:g}s after '{self.tool} -c {name} {action}'")
        return result.stdout
