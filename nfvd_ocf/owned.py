"""Processes proven to be the ones judged, and signals sent only to them.

A process is found (pid files read without blocking, command lines checked against what
the resource runs, mounts compared by mount id and device), its start time is noted, and a
signal is sent through a pidfd opened *before* that start time is checked again, so a
recycled pid is never hit. The agent itself, its ancestors, pid 1, kernel threads, the
cluster stack and the processes of other pid namespaces (containers) are never hit.
"""

import os

from .proc import S_IFMT, S_IFREG, SIGKILL, SIGTERM, wait_until  # noqa: F401  (SIG*: callers)

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .log import Logger
    from .mounts import Mount

    Pid = int | str  # a pid, or its /proc directory's name

MAX_PIDFILE = 64       # bytes: a pid file is a number and a newline
MAX_PROC_READ = 1 << 16
#: processes never signalled, by /proc/PID/comm (15 characters at most) or its prefix
PROTECTED_COMMS = frozenset({"sbd", "dlm_controld", "heartbeat", "ipfail", "ccm", "cib",
                             "crmd", "lrmd", "stonithd", "attrd", "pengine", "init",
                             "systemd", "tini", "docker-init", "dockerd", "containerd"})
PROTECTED_PREFIXES = ("pacemaker", "corosync", "containerd-shim")
PF_KTHREAD = 0x00200000


def boot_time() -> int:
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime "):
                return int(line.split()[1])
    return 0


def _read_small(path: str, limit: int = MAX_PROC_READ) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def _stat_fields(pid: "Pid") -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state is [0], ppid [1])."""
    raw = _read_small(f"/proc/{pid}/stat")
    if not raw:
        return None
    text = raw.decode("ascii", "replace")
    return text[text.rindex(")") + 2:].split()


def start_ticks(pid: "Pid") -> int | None:
    """The start time of ``pid`` in clock ticks since boot (its identity), or None."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None


def process_start_time(pid: "Pid") -> float | None:
    """Wall-clock start time of ``pid`` (seconds), or None when it does not exist."""
    ticks = start_ticks(pid)
    return None if ticks is None else boot_time() + ticks / os.sysconf("SC_CLK_TCK")


#: programs that take files, patterns or commands as their data - shells, pagers, viewers,
#: editors, searches, tracers, copiers, process tools - never the resource itself, though
#: their arguments may name its paths (`tail -f .../ServiceActivator/EP/SOSA/x.log`)
NOT_A_SERVICE = frozenset({
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "rbash",
    "tail", "head", "cat", "tac", "less", "more", "most", "pg", "view", "od", "hexdump",
    "xxd", "strings", "file", "stat", "wc", "vi", "vim", "nvim", "gvim", "vim.basic",
    "vim.tiny", "nano", "pico", "emacs", "ed", "ex", "joe", "mcedit", "grep", "egrep",
    "fgrep", "zgrep", "rgrep", "rg", "ag", "ack", "awk", "gawk", "mawk", "sed", "find",
    "locate", "ls", "du", "watch", "strace", "ltrace", "gdb", "perf", "lsof", "fuser", "ps",
    "pgrep", "pkill", "top", "htop", "journalctl", "cp", "mv", "rm", "rsync", "scp", "tar",
    "gzip", "zcat", "zless", "bzcat", "xzcat", "diff", "sort", "uniq", "tee", "xargs",
    "sudo", "su", "ssh", "screen", "tmux", "script", "nohup", "timeout", "env", "nice",
    "ionice", "chroot", "setsid", "flock"})
#: a pattern matches only where it is a whole run of these (not a part of a longer word)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def arguments(pid: "Pid") -> list[str]:
    """The command line of ``pid`` as its arguments (argv), [] when it has none."""
    raw = _read_small(f"/proc/{pid}/cmdline")
    if not raw:
        return []
    return [a.decode("utf-8", "replace") for a in raw.rstrip(b"\0").split(b"\0")]


def environment(pid: "Pid") -> dict[str, str]:
    """{name: value} of the environment ``pid`` was started with ({} when unreadable)."""
    raw = _read_small(f"/proc/{pid}/environ") or b""
    found: dict[str, str] = {}
    for entry in raw.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep:
            found.setdefault(name.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    return found


def user_of(pid: "Pid") -> int | None:
    """The real uid of ``pid`` (None when it is gone)."""
    raw = _read_small(f"/proc/{pid}/status", 4096) or b""
    for line in raw.splitlines():
        if line.startswith(b"Uid:"):
            return int(line.split()[1])
    return None


def _program(pid: "Pid", argv: "Sequence[str]") -> set[str]:
    """The base names of what ``pid`` runs: its argv[0] and its executable."""
    names = {argv[0].rsplit("/", 1)[-1]} if argv else set()
    try:  # noqa: SIM105 - no contextlib import on the agents' lean path
        names.add(os.readlink(f"/proc/{pid}/exe").rsplit("/", 1)[-1].removesuffix(
            " (deleted)"))
    except OSError:
        pass
    return names


def in_argument(pattern: str, argument: str) -> bool:
    """True when ``pattern`` occurs in ``argument`` as whole words: what touches it on
    either side is the argument's end or a separator (/ = : . , @ ...), never a letter,
    digit, '_' or '-' ("ServiceActivator/EP/SOSA" is in "-Dhome=/opt/ServiceActivator/EP/
    SOSA/lib", not in ".../EP/SOSAbackup")."""
    start = argument.find(pattern)
    while start >= 0:
        end = start + len(pattern)
        if (start == 0 or pattern[0] not in _WORD or argument[start - 1] not in _WORD) and (
                end == len(argument) or pattern[-1] not in _WORD or argument[end] not in _WORD):
            return True
        start = argument.find(pattern, start + 1)
    return False


def runs(pid: "Pid", patterns: "Iterable[str]") -> bool:
    """True when one of ``patterns`` is in one argument of ``pid``'s command line (never
    across two: see :func:`in_argument`) and ``pid`` does not run a shell, pager, viewer,
    editor or another tool of :data:`NOT_A_SERVICE` (none: False)."""
    wanted = [p for p in patterns if p]
    argv = arguments(pid)
    if not wanted or not argv or _program(pid, argv) & NOT_A_SERVICE:
        return False
    return any(in_argument(p, a) for p in wanted for a in argv)


class Proc:
    """A process as judged: its pid and start time (a recycled pid has another)."""

    __slots__ = ("pid", "start")

    def __init__(self, pid: int, start: int | None) -> None:
        self.pid, self.start = pid, start

    def alive(self) -> bool:
        fields = _stat_fields(self.pid)
        return fields is not None and len(fields) > 19 and fields[0] != "Z" and \
            int(fields[19]) == self.start

    def __repr__(self) -> str:
        return str(self.pid)


def process_from_pidfile(path: str, patterns: "Sequence[str]") -> Proc | None:
    """The live process a pid file names, if it runs what ``patterns`` describe.

    The file is opened without following a symlink and without blocking (a FIFO never
    stalls the agent), must be a regular file of a few bytes holding a pid above 1, and
    must not be older than its process (a pid reused since it was written is stale).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (info.st_mode & S_IFMT) != S_IFREG:
            return None
        raw = os.read(fd, MAX_PIDFILE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    words = raw.split()
    if len(raw) > MAX_PIDFILE or not words or not words[0].isdigit():
        return None
    pid = int(words[0])
    started = process_start_time(pid) if pid > 1 else None
    if started is None or started > info.st_mtime + 1.0 or not runs(pid, patterns):
        return None
    proc = Proc(pid, start_ticks(pid))
    return None if is_protected(proc.pid) else proc


def matching(patterns: "Sequence[str]") -> list[Proc]:
    """Live processes (not protected) whose command line contains one of ``patterns``."""
    if not any(patterns):
        return []
    ancestors, found = _ancestors(), []
    for name in os.listdir("/proc"):
        if name.isdigit() and runs(name, patterns) and not is_protected(int(name), ancestors):
            start = start_ticks(name)
            if start is not None:
                found.append(Proc(int(name), start))
    return found


def _ancestors() -> set[int]:
    found, pid = set(), os.getpid()
    while pid > 1 and pid not in found:
        found.add(pid)
        fields = _stat_fields(pid)
        pid = int(fields[1]) if fields else 0
    return found


def pid_namespace(pid: "Pid") -> tuple[int, int] | None:
    """The identity (device, inode) of the pid namespace ``pid`` lives in, or None when it
    cannot be read (the process is gone, or not ours to inspect)."""
    try:
        info = os.stat(f"/proc/{pid}/ns/pid")
    except OSError:
        return None
    return info.st_dev, info.st_ino


#: this agent's, read once (a list, not functools.cache: functools stays off the agents' imports)
_OWN_NAMESPACE: list[tuple[int, int] | None] = []


def _own_pid_namespace() -> tuple[int, int] | None:
    if not _OWN_NAMESPACE:
        _OWN_NAMESPACE.append(pid_namespace("self"))
    return _OWN_NAMESPACE[0]


def is_protected(pid: int, ancestors: "set[int] | None" = None) -> bool:
    """Pid 1, this agent and its ancestors, kernel threads, the cluster stack, and every
    process of another pid namespace: a container's processes are visible in the host's
    /proc with the same command lines, and are never the resource this agent manages."""
    if pid <= 1 or pid in (ancestors if ancestors is not None else _ancestors()):
        return True
    own = _own_pid_namespace()
    if own is None or pid_namespace(pid) != own:
        return True
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 7 or int(fields[6]) & PF_KTHREAD:
        return True
    comm = (_read_small(f"/proc/{pid}/comm") or b"").decode("utf-8", "replace").strip()
    return comm in PROTECTED_COMMS or comm.startswith(PROTECTED_PREFIXES)


def _fdinfo_mount_id(path: str) -> int | None:
    raw = _read_small(path, 4096) or b""
    for line in raw.splitlines():
        if line.startswith(b"mnt_id:"):
            return int(line.split()[1])
    return None


def mount_id_of(fd: int) -> int | None:
    """The mount id of what the open descriptor ``fd`` is on (None when unknown)."""
    return _fdinfo_mount_id(f"/proc/self/fdinfo/{fd}")


def _link_mount_id(link: str) -> int | None:
    """The mount id of what a /proc magic link points at, without touching that fs."""
    try:
        fd = os.open(link, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return _fdinfo_mount_id(f"/proc/self/fdinfo/{fd}")
    finally:
        os.close(fd)


def _under(target: str, directory: str, prefix: str) -> bool:
    return target == directory or target.startswith(prefix)


class MountUse:
    """Which processes use a mount and what sits below it (mount ids and devices)."""

    def __init__(self, directory: str, table: "Iterable[Mount]") -> None:
        self.directory = directory
        self.prefix = directory.rstrip("/") + "/"
        below = [m for m in table if m.below(directory)]
        self.mount_ids = {m.mount_id for m in below}
        self.devices = {m.device for m in below}

    def users(self) -> list[Proc]:
        """Processes (not protected) with a cwd, root, open file or mapping on the mount."""
        ancestors, found = _ancestors(), []
        for name in os.listdir("/proc"):
            if not name.isdigit() or is_protected(int(name), ancestors):
                continue
            start = start_ticks(name)
            if start is not None and self._uses(name):
                found.append(Proc(int(name), start))
        return found

    def _uses(self, pid: str) -> bool:
        base = f"/proc/{pid}/"
        for link in (base + "cwd", base + "root"):
            if self._link_points_here(link) and _link_mount_id(link) in self.mount_ids:
                return True
        try:
            fds = os.listdir(base + "fd")
        except OSError:
            fds = []
        for fd in fds:
            if self._link_points_here(base + "fd/" + fd) and _fdinfo_mount_id(
                    base + "fdinfo/" + fd) in self.mount_ids:
                return True
        return self._maps_here(base + "maps")

    def _link_points_here(self, link: str) -> bool:
        try:
            return _under(os.readlink(link), self.directory, self.prefix)
        except OSError:
            return False

    def _maps_here(self, path: str) -> bool:
        raw = _read_small(path, 16 << 20) or b""
        for line in raw.decode("utf-8", "replace").splitlines():
            fields = line.split(None, 5)
            if len(fields) == 6 and _under(fields[5], self.directory, self.prefix):
                major, _, minor = fields[3].partition(":")
                try:
                    if (int(major, 16), int(minor, 16)) in self.devices:
                        return True
                except ValueError:
                    continue
        return False


def send(procs: "Iterable[Proc]", sig: int) -> list[Proc]:
    """Signal each process still being the one judged (pid and start time), via a pidfd."""
    sent = []
    for proc in procs:
        try:
            fd = os.pidfd_open(proc.pid)
        except OSError:
            continue
        try:
            if start_ticks(proc.pid) == proc.start:
                import signal
                signal.pidfd_send_signal(fd, sig)
                sent.append(proc)
        except OSError:
            pass
        finally:
            os.close(fd)
    return sent


def _none_alive(procs: "Sequence[Proc]") -> "Callable[[], bool]":
    """True once none of ``procs`` is alive (each call looks again)."""
    return lambda: not any(p.alive() for p in procs)


def terminate(procs: "Iterable[Proc]", budget: float, log: "Logger", what: str) -> bool:
    """TERM, then KILL after half of ``budget`` seconds; True when all of them are gone."""
    left = [p for p in procs if p.alive()]
    for sig, name, share in ((SIGTERM, "TERM", 0.5), (SIGKILL, "KILL", 0.5)):
        if not left:
            return True
        log.warning(f"sending {name} to {what}: {left}")
        send(left, sig)
        wait_until(_none_alive(left), budget * share, 0.05)
        left = [p for p in left if p.alive()]
    return not left
