"""Running commands, bounded in time and size, without heavy imports (see owned.py for the
processes an agent may signal).

A child that touches hung storage can sit in uninterruptible sleep forever: not even
SIGKILL frees it. So every bound here is kept by *abandoning* the child (it is left in its
own session, with its output sent to a memory file nobody waits on), never by waiting for
it to die.
"""

import os
import time

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import TypeVar

    T = TypeVar("T")

SIGTERM, SIGKILL = 15, 9  # numbers, not the signal module: it imports enum

_ENV_KEEP = ("PATH", "OCF_ROOT", "HA_LOGFACILITY", "HA_LOGTAG", "HA_debug")
MAX_OUTPUT = 1 << 20   # bytes of a command's output kept; writes past it fail (EPERM)
S_IFMT, S_IFREG = 0o170000, 0o100000


class Result:
    __slots__ = ("rc", "output", "timed_out")

    def __init__(self, rc: int | None, output: str, timed_out: bool = False) -> None:
        self.rc, self.output, self.timed_out = rc, output, timed_out


def child_env(extra: "Mapping[str, str] | None" = None) -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run(argv: list[str], timeout: float, env: "Mapping[str, str] | None" = None) -> Result:
    """Run ``argv`` (no shell) for at most ``timeout`` seconds; stdout+stderr captured.

    At most MAX_OUTPUT bytes of output are kept (a sealed memory file that cannot grow).
    On timeout the child's process group gets SIGKILL and is abandoned; the result has
    ``timed_out`` set and ``rc`` None. A program the kernel cannot execute (missing, no
    interpreter, not a regular file, no permission) raises OSError.
    """
    out = capped_buffer()
    try:
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)]
        pid = os.posix_spawnp(argv[0], argv, env or child_env(), file_actions=actions,
                              setsid=True)
        status = _wait(pid, timeout)
        if status is None:
            _kill_group(pid)
            _wait(pid, 0.2)
            return Result(None, buffer_text(out), timed_out=True)
        return Result(os.waitstatus_to_exitcode(status), buffer_text(out))
    finally:
        os.close(out)


def capped_buffer(limit: int = MAX_OUTPUT) -> int:
    """A memory file for a child's output that can never grow past ``limit`` bytes (writes
    beyond fail with EPERM). No pipe: a daemon the child leaves behind holding it cannot
    make anyone wait, and nothing has to read it while the child runs."""
    import fcntl  # a C module: cheap
    fd = os.memfd_create("nfvd-out", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, limit)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    return fd


def buffer_text(fd: int) -> str:
    """What a child wrote into ``capped_buffer`` (the shared offset tells how far)."""
    end = os.lseek(fd, 0, os.SEEK_CUR)
    return os.pread(fd, end, 0).decode("utf-8", "replace")


def _wait(pid: int, timeout: float) -> int | None:
    """The wait status of our child ``pid`` once it exits, or None after ``timeout`` seconds.
    Woken by the child's pidfd the moment it exits (a sleep-and-poll loop adds up to its last
    sleep to every command); that loop only where the kernel refuses a pidfd."""
    import select  # built into Debian's python3
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # (a seccomp profile that predates pidfds)
        return _wait_polling(pid, timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            poller.poll(max(1, int(left * 1000 + 0.999)))
    finally:
        os.close(fd)


def _wait_polling(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + max(timeout, 0)
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _kill_group(pid: int) -> None:
    try:  # noqa: SIM105 - no contextlib import on the agents' lean path
        os.killpg(pid, SIGKILL)
    except OSError:
        pass


def is_regular_file(path: str) -> bool:
    try:
        return (os.stat(path).st_mode & S_IFMT) == S_IFREG
    except OSError:
        return False


def is_executable(path: str) -> bool:
    return exec_problem(path) is None


def read_head(path: str, size: int = 256) -> bytes:
    """The first ``size`` bytes of ``path``, read without blocking (a FIFO gives nothing)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def exec_problem(path: str, depth: int = 0) -> str | None:
    """Why the kernel could not execute ``path`` (as execve sees it), or None.

    A regular file with the execute bit, starting with an ELF header or a ``#!`` line whose
    interpreter is itself executable. Read without blocking; never runs anything.
    """
    if not is_regular_file(path):
        return "is missing or not a regular file"
    if not os.access(path, os.X_OK):
        return "is not executable"
    try:
        head = read_head(path)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if head.startswith(b"\x7fELF"):
        return None
    if not head.startswith(b"#!"):
        return "has no #! line and is not an ELF binary"
    line = head[2:].split(b"\n", 1)[0].strip()
    interpreter = line.split()[0].decode("utf-8", "replace") if line else ""
    if not interpreter.startswith("/"):
        return "has no interpreter on its #! line"
    if depth >= 4:
        return "has too many nested interpreters"
    problem = exec_problem(interpreter, depth + 1)
    return f"names an interpreter {interpreter} that {problem}" if problem else None


def wait_until(predicate: "Callable[[], T]", timeout: float, interval: float = 0.2) -> "T":
    """Poll ``predicate`` until true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
