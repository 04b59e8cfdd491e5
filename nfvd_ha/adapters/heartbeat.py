"""This node's heartbeat v1 cluster, on hosts not yet migrated (guide 4.2.2-4.2.3), through
the runner: heartbeat's own cl_status and hb_standby, its init script (or systemd unit), each
call bounded. Maintenance uses it to do the guide's real work there (hb_standby, wait for the
peer to take over, stop heartbeat; on leaving start it again) or refuse."""

import os
from collections.abc import Callable

from heartbeat_compat.importer import ha_cf_nodes

from .. import paths
from ..clock import REAL, Clock
from ..errors import NfvdHaError
from .files import read_text
from .runner import CommandRunner

TIMEOUT = 30
DAEMON_TIMEOUT = 120  # seconds for heartbeat's own stop or start


class Heartbeat:
    """A heartbeat v1 host: what cl_status says, hb_standby, heartbeat's daemon."""

    def __init__(self, runner: CommandRunner, clock: Clock = REAL, ha_cf: str = paths.HA_CF,
                 hb_standby: str = paths.HB_STANDBY, cl_status: str = paths.CL_STATUS,
                 me: str | None = None, init: str = paths.HEARTBEAT_INIT,
                 systemd: bool | None = None) -> None:
        self.runner, self.clock, self.ha_cf = runner, clock, ha_cf
        self.hb_standby, self.cl_status = hb_standby, cl_status
        self._me, self.init = me, init
        self.systemd = os.path.isdir(paths.SYSTEMD_RUNNING) if systemd is None else systemd

    def present(self) -> bool:
        """A heartbeat host: ha.cf and heartbeat's tools are here."""
        return os.path.isfile(self.ha_cf) and os.access(self.cl_status, os.X_OK) and \
            os.access(self.hb_standby, os.X_OK)

    def me(self) -> str:
        """This node's name (heartbeat's, uname -n, unless given)."""
        return self._me or os.uname().nodename  # heartbeat names nodes by uname -n

    def peers(self) -> list[str]:
        """The other nodes ha.cf names."""
        return sorted(set(ha_cf_nodes(read_text(self.ha_cf))) - {self.me()})

    def _ask(self, *argv: str) -> str:
        """cl_status's answer; it exits 1 with a valid answer for a state that is not the
        good one (``nodestatus`` of a dead node prints "dead" and exits 1)."""
        done = self.runner.run([self.cl_status, *argv], timeout=TIMEOUT)
        if done.rc not in (0, 1) or not done.stdout.strip():
            raise NfvdHaError(f"{self.cl_status} {' '.join(argv)} exited {done.rc}: "
                              f"{(done.stderr or done.stdout).strip()[-200:]}",
                              hint="is heartbeat running on this node?")
        return done.stdout.strip()

    def running(self) -> bool:
        """heartbeat runs here (``cl_status hbstatus`` exits 0)."""
        return self.runner.run([self.cl_status, "hbstatus"], timeout=TIMEOUT).rc == 0

    def holding(self) -> str:
        """What this node holds: all, local, foreign, none or transition."""
        return self._ask("rscstatus")

    def node_status(self, node: str) -> str:
        """What heartbeat says of ``node``: active, dead, ..."""
        return self._ask("nodestatus", node)

    def takeover_problems(self) -> list[str]:
        """Why no peer could take over what this node holds ([] when one can)."""
        if self.holding() == "none":
            return []
        states = {peer: self.node_status(peer) for peer in self.peers()}
        if any(state == "active" for state in states.values()):
            return []
        return [f"{peer} cannot take over: heartbeat says it is {state}"
                for peer, state in sorted(states.items())] or \
            ["no other node in this heartbeat cluster (ha.cf has no peer)"]

    def standby(self) -> bool:
        """hb_standby all (once: it is a no-op when nothing is held here)."""
        if self.holding() == "none":
            return False
        done = self.runner.run([self.hb_standby, "all"], timeout=TIMEOUT)
        if done.rc != 0:
            raise NfvdHaError(f"{self.hb_standby} all exited {done.rc}: "
                              f"{(done.stderr or done.stdout).strip()[-200:]}")
        return True

    def wait_released(self, timeout: float, progress: Callable[[str], object]) -> None:
        """Until this node holds nothing and a peer is active (it took over), bounded."""
        def released() -> bool:
            return self.holding() == "none" and any(
                self.node_status(peer) == "active" for peer in self.peers())
        deadline = self.clock.monotonic() + timeout
        while not released():
            if self.clock.monotonic() >= deadline:
                raise NfvdHaError(
                    f"after {timeout:g}s, heartbeat: {self.me()} still holds resources "
                    f"({self.holding()}) or no peer is active",
                    hint="cl_status rscstatus and the peer's heartbeat log (ha.cf logfile) say "
                         "why; hb_takeover all on this node takes them back")
            progress("Waiting for resource balancing")
            self.clock.sleep(1.0)

    def _daemon(self, action: str) -> None:
        argv = ["systemctl", action, "heartbeat"] if self.systemd else [self.init, action]
        done = self.runner.run(argv, timeout=DAEMON_TIMEOUT)
        if done.rc != 0:
            raise NfvdHaError(f"{' '.join(argv)} exited {done.rc}: "
                              f"{(done.stderr or done.stdout).strip()[-200:]}")

    def stop_daemon(self) -> None:
        """Stop heartbeat here (guide 4.2.3: once the peer holds everything)."""
        self._daemon("stop")

    def start_daemon(self, timeout: float, progress: Callable[[str], object]) -> None:
        """Start heartbeat here, then wait until it runs and sees a peer active (it joined;
        with auto_failback off nothing moves back), bounded."""
        self._daemon("start")

        def joined() -> bool:
            return self.running() and any(self.node_status(peer) == "active"
                                          for peer in self.peers())
        if not self.clock.wait_for(joined, timeout, 1.0):
            raise NfvdHaError(f"after {timeout:g}s, heartbeat on {self.me()} does not run or "
                              "sees no active peer",
                              hint="cl_status hbstatus and heartbeat's log (ha.cf logfile) say why")
