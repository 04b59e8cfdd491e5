"""``nfvd-ha maintenance start|stop|status`` with the guide's wording (4.2), on every role.

Each function takes ``say`` (one line of output) and returns the exit status; only the CLI
prints. The work itself is the reconcile, run in the foreground under the reconcile lock,
so the controller (if one runs) and this command never act at the same time.
"""

import time

from ...adapters.lockfile import IN_PLACE, Lock, read_lock, remove_lock, write_switchover_lock
from ...adapters.runner import CommandRunner
from ...clock import REAL, Clock
from ...errors import NfvdHaError
from ...roles import Role, closing, detect
from .peers import PeerSource
from .reconcile import ReconcileOptions, Reconciler, reconcile_lock
from .record import Record

WHO = "nfvd-ha maintenance"

HEADER = "===== NFVD Maintenance Utility ====="


def _stamp(level: str, text: str) -> str:
    """A line as the guide's utility logs it: date, level, text."""
    return f"{time.strftime('%Y-%m-%d %H:%M:%S')} - {level} - {text}"


class Maintenance:
    """The guide's maintenance_mode.sh on this VM: start, stop, status."""

    def __init__(self, options: ReconcileOptions | None = None, *,
                 runner: CommandRunner | None = None, clock: Clock = REAL,
                 reconciler: Reconciler | None = None, peers: PeerSource | None = None) -> None:
        """``options`` as the reconcile's (default: printed progress); its progress is also
        where the command says what it says."""
        options = options or ReconcileOptions(progress=print)
        self.files, self.say = options.files, options.progress
        #: who serves while a VM outside any cluster (GUI, SiteScope) is in maintenance
        self.peers = peers or PeerSource()
        self.reconciler = reconciler or Reconciler(options, runner=runner, clock=clock)
        self.clock = self.reconciler.clock
        self._role: Role | None = None

    def role(self) -> Role:
        """This VM's role: the one given, else the one its components tell."""
        if self._role is None:
            rows = self.reconciler.services.rows()
            self._role = detect(rows, self.reconciler.role_override)
        return self._role

    def status(self) -> int:
        role, lock, record = self.role(), read_lock(self.files.lock), Record.load(
            self.files.record)
        self.say(HEADER)
        if role.name == "gui":
            self.say(f"NFVD-GUI maintenance mode is {'ON' if lock.mode else 'OFF'}.")
        elif lock.mode:
            self.say("")
            self.say(f"Node with {role.title} is in maintenance mode.")
        else:
            self.say("")
            self.say(f"Node with {role.title} is in normal/non-maintenance mode.")
        self._detail(lock, record)
        return 0

    def _detail(self, lock: Lock, record: Record) -> None:
        if lock.mode == IN_PLACE:
            self.say("(lock created by hand: maintenance without switchover; what runs here "
                     "keeps running, unmanaged)")
        elif lock.mode and not (record.done and record.mode == lock.mode):
            self.say("(entering: the switchover has not finished yet)")
        elif not lock.mode and record.mode:
            self.say("(leaving: not back in service yet)")
        if lock.mode and self.role().name != "gui":
            self.say("")
            self.say("***")
            self.say("===== Node is in Maintenance mode =====")

    def start(self, drain: float | None = None, force: bool = False) -> int:
        role = self.role()
        self.say(HEADER)
        if read_lock(self.files.lock).mode:
            self.say(_stamp("WARNING", "Maintenance mode is already ON"))
            return 0
        self._peer_can_take_over(force)
        drain = role.drain if drain is None else drain
        self._opening(role, "Start")
        with reconcile_lock(self.files.reconcile_lock, who=WHO, clock=self.clock):
            write_switchover_lock(self.files.lock, drain)
            self.reconciler.run()
        self._closing(role, "start")
        return 0

    def _peer_can_take_over(self, force: bool) -> None:
        """Refuse (nothing changed) when what runs here could not run anywhere else - on a
        cluster node (Pacemaker or heartbeat) the peer offline, in standby or maintenance, or
        a ban; on a GUI or SiteScope VM no peer's health endpoint saying it serves - unless
        forced, which says what will go down."""
        problems = self.reconciler.takeover_problems()
        if not problems and not self.reconciler.clustered():
            problems = self.peers.problems(self.role().name)
        if not problems:
            return
        if not force:
            raise NfvdHaError(problems, hint="nothing was changed; --force goes ahead and "
                                             "stops what cannot move (an outage)")
        for problem in problems:
            self.say(_stamp("WARNING", f"forced: {problem}: it will stop, not move"))
        self.reconciler.accept_stopped = True

    def stop(self) -> int:
        role = self.role()
        self.say(HEADER)
        if not read_lock(self.files.lock).mode and Record.load(self.files.record).mode is None:
            self.say(_stamp("WARNING", "Maintenance mode is already OFF"))
            return 0
        self._opening(role, "Stop")
        with reconcile_lock(self.files.reconcile_lock, who=WHO, clock=self.clock):
            remove_lock(self.files.lock)
            self.reconciler.run()
        self._closing(role, "stop")
        return 0

    def _opening(self, role: Role, verb: str) -> None:
        if role.name == "gui":
            self.say(_stamp("INFO", f"{verb} GUI maintenance mode"))
            return
        self.say("")
        self.say(time.strftime("%a %b %d %H:%M:%S %Z %Y"))
        if verb == "Start":
            self.say("===== Entering Maintenance mode =====")

    def _closing(self, role: Role, verb: str) -> None:
        if role.name == "gui":
            return
        started, stopped = closing(role, self.reconciler.stack())
        self.say("")
        if verb == "start":
            self.say(f"*** INFO: {started}")
            return
        self.say(f"*** INFO: {stopped}")
        self.say("")
        self.say("***")
        self.say("===== Exited Maintenance mode =====")

