"""``nfvd-ha supervise``: the guide's process checking (2.9: nfvd_jboss_check/restart,
sis_check.sh) for the active/active services of a VM outside any Pacemaker cluster (GUI,
SiteScope, heartbeat hosts), without cron.

Every ``interval`` seconds the status table is read; a component of this VM's role that is
not running is started again in place, at most ``restarts`` times within ``window`` seconds.
One more failure and the supervisor gives up on it: the node is taken out of the load
balancer (the out-of-service file makes the health endpoints answer 503) and an alert is
raised through a Pacemaker alert agent (the same samples: file, SMTP, SNMP), with the
``CRM_alert_*`` variables Pacemaker would set. Once every component runs again (an operator
fixed it), the node is back in service and the counts start afresh. While the maintenance
lock exists the supervisor keeps its hands off. Everything it does is logged to the guide's
halogs directory and to standard error (the journal, under systemd).

On a heartbeat host (heartbeat v1 monitors nothing) the active node's active/passive
components (the role's ``held``: SOSA and Lock Manager, the Assurance stack) are watched too,
with the same count; restarts exhausted, the supervisor runs ``hb_standby all`` so that the
peer takes them over, as the guide's checkers did, and raises the alert. Pacemaker nodes are
refused: Pacemaker supervises their services (the FF nodes' HPSA is the hpsa clone).
"""

import contextlib
import errno
import os
import socket
import stat
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from nfvd_ocf.nfvd import LABELS

from .. import paths
from ..adapters import systemd
from ..adapters.files import kind, write_atomic
from ..adapters.heartbeat import Heartbeat
from ..adapters.lockfile import lock_present
from ..adapters.runner import CommandRunner
from ..adapters.services import Services
from ..clock import REAL, Clock
from ..errors import NfvdHaError
from ..roles import ROLES, Role, detect, installed

ALERT_TIMEOUT = 30
#: what heartbeat's cl_status rscstatus says when this node holds resources
HOLDING = ("all", "local", "foreign")


@dataclass(frozen=True)
class SuperviseOptions:
    """What ``nfvd-ha supervise`` is told: this VM's role (None: told by its components),
    seconds between looks, restarts in place within ``window`` seconds before giving up, and
    the Pacemaker alert agent told then, with its recipients; and the files it heeds: the
    maintenance lock (nothing is done while it is there) and the out-of-service mark it
    writes when it gives up."""

    role: str | None = None
    interval: float = 10
    restarts: int = 3
    window: float = 600
    alert: str | None = None
    recipients: tuple[str, ...] = ()
    lock: str = paths.LOCK
    out_of_service: str = paths.OUT_OF_SERVICE


class Supervisor:
    """Restarts this VM's services in place; when that keeps failing, takes the node out of
    the load balancer (or, on a heartbeat host, hands the pair's groups over) and alerts."""

    def __init__(self, services: Services, role: Role, runner: CommandRunner,
                 log: Callable[[str], None], options: SuperviseOptions | None = None, *,
                 clock: Clock = REAL, heartbeat: Heartbeat | None = None) -> None:
        """``role`` as resolved (``options.role`` is only what was asked for)."""
        options = options or SuperviseOptions()
        self.services, self.role, self.runner, self.clock = services, role, runner, clock
        self.heartbeat, self.log = heartbeat, log
        self.restarts, self.window = options.restarts, options.window
        self.lock, self.out_of_service = options.lock, options.out_of_service
        self.alert, self.recipients = options.alert, tuple(options.recipients)
        self.history: dict[str, list[float]] = {}
        self.exhausted: set[str] = set()

    def watched(self, here: Collection[str]) -> list[str]:
        """This role's components installed ``here`` (a set of names), in start order."""
        return [n for n in reversed(self.role.local) if n in here]

    def held(self, here: Collection[str]) -> list[str]:
        """On a heartbeat host holding its resources, the active/passive components it
        runs (installed ``here``, in start order); otherwise none."""
        if not self.heartbeat or not self.role.held or \
                self.heartbeat.holding() not in HOLDING:
            return []
        return [n for n in self.role.held if n in here]

    def pass_once(self) -> str:
        """One look at the status table: 'maintenance' (nothing done) or 'checked'."""
        if lock_present(self.lock):
            return "maintenance"
        rows = self.services.rows()
        here = set(installed(rows))
        watched, held = self.watched(here), self.held(here)
        running = set(self.services.running(watched + held, rows))
        down = [n for n in watched if n not in running]
        if self.exhausted and not down:
            self._back_in_service()
        for name in down:
            if name not in self.exhausted:
                self._recover(name, self._give_up)
        for name in held:
            if name not in running:
                self._recover(name, self._hand_over)
        return "checked"

    def _recover(self, name: str, exhausted: Callable[[str, int], None]) -> None:
        now = self.clock.monotonic()
        recent = [t for t in self.history.get(name, []) if now - t < self.window]
        if len(recent) >= self.restarts:
            exhausted(name, len(recent))
            return
        self.history[name] = recent + [now]
        self.log(f"{LABELS[name]} is not running: restarting it in place "
                 f"({len(recent) + 1}/{self.restarts})")
        try:
            self.services.act(name, "start")
            self.log(f"{LABELS[name]} restarted")
        except NfvdHaError as error:
            self.log(f"{LABELS[name]}: restart failed: {error.problems[0]}")

    def _give_up(self, name: str, count: int) -> None:
        self.exhausted.add(name)
        why = (f"{LABELS[name]} failed again after {count} restarts within "
               f"{self.window:g}s: restarts exhausted")
        write_atomic(self.out_of_service, why + "\n")
        self.log(f"{why}; this node is out of the load balancer until it runs again")
        self._raise_alert(name, "restarts exhausted")

    def _hand_over(self, name: str, count: int) -> None:
        """Restarts of an active/passive component exhausted on a heartbeat host: the peer
        takes the group over (hb_standby all), as the guide's checkers did."""
        self.history.pop(name, None)
        self.log(f"{LABELS[name]} failed again after {count} restarts within "
                 f"{self.window:g}s: restarts exhausted; hb_standby all, the peer takes over")
        self._raise_alert(name, "restarts exhausted: hb_standby")
        if self.heartbeat is None:  # held() names nothing without a heartbeat host
            return
        try:
            self.heartbeat.standby()
        except NfvdHaError as error:
            self.log(f"hb_standby failed: {error.problems[0]}")

    def _back_in_service(self) -> None:
        self.log(f"{', '.join(LABELS[n] for n in sorted(self.exhausted))} running again: "
                 "back in the load balancer")
        for name in sorted(self.exhausted):
            self._raise_alert(name, "running again")
        self.exhausted.clear()
        self.history.clear()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.out_of_service)

    def _raise_alert(self, name: str, desc: str) -> None:
        if not self.alert:
            return
        for recipient in self.recipients:
            env = alert_env(name, desc, recipient)
            done = self.runner.run([self.alert], timeout=ALERT_TIMEOUT, env=env)
            if done.rc != 0:
                self.log(f"alert agent {self.alert} exited {done.rc} for {recipient}")

    def run(self, interval: float, stopped: Callable[[], bool] = lambda: False) -> None:
        """Look every ``interval`` seconds until ``stopped()``."""
        names = list(reversed(self.role.local)) + list(self.role.held if self.heartbeat else ())
        self.log(f"supervising {', '.join(LABELS[n] for n in names)} "
                 f"every {interval:g}s ({self.restarts} restarts per {self.window:g}s)")
        while not stopped():
            try:
                self.pass_once()
            except NfvdHaError as error:  # a hung status table: say so, try again
                self.log(f"this pass failed: {'; '.join(map(str, error.problems))}")
            self.clock.sleep(interval)


def alert_env(component: str, desc: str, recipient: str) -> dict[str, str]:
    """What Pacemaker gives an alert agent for a resource event (its sample agents read
    these), for ``component`` on this node."""
    return {"CRM_alert_version": "nfvd-ha", "CRM_alert_kind": "resource",
            "CRM_alert_node": socket.gethostname(), "CRM_alert_rsc": component,
            "CRM_alert_task": "monitor", "CRM_alert_interval": "0",
            "CRM_alert_desc": desc, "CRM_alert_rc": "7", "CRM_alert_target_rc": "0",
            "CRM_alert_status": "0", "CRM_alert_recipient": recipient,
            "CRM_alert_timestamp": time.strftime("%H:%M:%S"),
            "CRM_alert_node_sequence": "1"}


def options_argv(options: SuperviseOptions) -> list[str]:
    """The command line options that say ``options``."""
    argv = ([] if options.role is None else ["--role", options.role]) + [
        "--interval", f"{options.interval:g}", "--restarts", str(options.restarts),
        "--window", f"{options.window:g}"]
    if options.alert:
        argv += ["--alert", options.alert]
    for recipient in options.recipients:
        argv += ["--recipient", recipient]
    return argv


def check_alert(alert: str | None, recipients: Sequence[str]) -> None:
    """The agent is an absolute path and every recipient has the definition's grammar."""
    from ..definition.checker import GRAMMAR
    problems: list[str] = []
    if alert and not GRAMMAR["path"][0].match(alert):
        problems.append(f"--alert {alert}: not an absolute path")
    if alert and not recipients:
        problems.append("--alert needs at least one --recipient")
    problems += [f"--recipient {r!r}: not an {GRAMMAR['recipient'][1]}" for r in recipients
                 if not GRAMMAR["recipient"][0].match(r)]
    if problems:
        raise NfvdHaError(problems)


def install_unit(path: str, executable: str, options: SuperviseOptions) -> None:
    """Write the systemd unit running ``executable supervise`` with ``options`` to ``path``."""
    check_alert(options.alert, options.recipients)
    argv = [executable, "supervise"] + options_argv(options)
    write_atomic(path, systemd.unit_text("nfvd-ha supervisor of the active/active NFVD "
                                         "services", argv))


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escaped(text: str) -> str:
    """``text`` on one line: control characters (C0, DEL, C1, the Unicode line and paragraph
    separators) written as escapes, so no message can start a forged line."""
    return "".join(_NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 32 or 127 <= ord(c) < 160
                                     else f"\\u{ord(c):04x}" if c in "\u2028\u2029" else c)
                   for c in text)


def append_line(path: str, line: str) -> None:
    """Append ``line`` to the log ``path``: never through a symlink, never blocking (a FIFO
    is refused, not waited on), only to a regular file of ours with one name."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                 | os.O_CLOEXEC, 0o640)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"is {kind(info.st_mode)}, not a regular file")
        if info.st_uid != os.geteuid() or info.st_nlink != 1:
            raise OSError(f"belongs to uid {info.st_uid} or has {info.st_nlink} names")
        os.write(fd, (line + "\n").encode("utf-8", "replace"))
    finally:
        os.close(fd)


def logger(say: Callable[[str], object], path: str = paths.SUPERVISE_LOG) -> Callable[[str], None]:
    """One line to ``say`` (stderr: the journal) and appended to the halogs file."""
    def log(text: str) -> None:
        line = escaped(f"{time.strftime('%Y-%m-%d %H:%M:%S')} nfvd-ha-supervise: {text}")
        say(line)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            append_line(path, line)
        except OSError as exc:
            why = "is a symlink" if exc.errno == errno.ELOOP else \
                "is a FIFO with no reader" if exc.errno == errno.ENXIO else \
                exc.strerror or str(exc)
            say(escaped(f"cannot write {path}: {why}"))
    return log


def run(options: SuperviseOptions, say: Callable[[str], object],
        stopped: Callable[[], bool] = lambda: False) -> None:
    """Supervise this VM's services as ``options`` say until ``stopped()``."""
    from ..adapters.pacemaker import Pacemaker
    from ..adapters.runner import Runner
    role, alert, recipients = options.role, options.alert, options.recipients
    check_alert(alert, recipients)
    if alert and not os.access(alert, os.X_OK):
        raise NfvdHaError(f"--alert {alert}: not an executable file")
    runner = Runner()
    if Pacemaker(runner).present():
        raise NfvdHaError("this node is in a Pacemaker cluster: Pacemaker supervises its "
                          "services (the FF nodes' HPSA is the hpsa clone)",
                          hint="nfvd-ha supervise is for GUI and SiteScope VMs and heartbeat "
                               "hosts")
    hb = Heartbeat(runner)
    heartbeat = hb if hb.present() else None
    services = Services(runner)
    chosen = ROLES[role] if role else detect(services.rows())
    if not chosen.local and not (heartbeat and chosen.held):
        raise NfvdHaError(f"role {chosen.name}: no active/active services to supervise here")
    Supervisor(services, chosen, runner, logger(say), options,
               heartbeat=heartbeat).run(options.interval, stopped)
