"""Running commands and finding processes, bounded in time, without heavy imports.

A child that touches hung storage can sit in uninterruptible sleep forever: not even
SIGKILL frees it. So every bound here is kept by *abandoning* the child (it is left in its
own session, with its output sent to a memory file nobody waits on), never by waiting for
it to die.
"""

import os
import time

SIGTERM, SIGKILL = 15, 9  # numbers, not the signal module: it imports enum

_ENV_KEEP = ("PATH", "OCF_ROOT", "HA_LOGFACILITY", "HA_LOGTAG", "HA_debug")


class Result:
    __slots__ = ("rc", "output", "timed_out")

    def __init__(self, rc, output, timed_out=False):
        self.rc, self.output, self.timed_out = rc, output, timed_out


def child_env(extra=None):
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run(argv, timeout, env=None):
    """Run ``argv`` (no shell) for at most ``timeout`` seconds; stdout+stderr captured.

    On timeout the child's process group gets SIGKILL and is abandoned; the result has
    ``timed_out`` set and ``rc`` None. A missing program raises FileNotFoundError.
    """
    out = os.memfd_create("nfvd-ocf-out")
    try:
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)]
        pid = os.posix_spawnp(argv[0], argv, env or child_env(), file_actions=actions,
                              setsid=True)
        status = _wait(pid, timeout)
        if status is None:
            _kill_group(pid)
            status = _wait(pid, 0.2)
            return Result(None, _read(out), timed_out=True)
        return Result(os.waitstatus_to_exitcode(status), _read(out))
    finally:
        os.close(out)


def _wait(pid, timeout):
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


def _kill_group(pid):
    try:
        os.killpg(pid, SIGKILL)
    except OSError:
        pass


def _read(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def boot_time():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime "):
                return int(line.split()[1])
    return 0


def process_start_time(pid):
    """Wall-clock start time of ``pid`` (seconds), or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def pid_from_file(path):
    """The live process a pid file names, or None when absent, unreadable or stale.

    A pid file is stale when its process is gone, or when the pid was reused: the process
    with that pid started after the file was written.
    """
    try:
        with open(path) as f:
            pid = int(f.read().split()[0])
        written = os.stat(path).st_mtime
    except (OSError, ValueError, IndexError):
        return None
    started = process_start_time(pid)
    if started is None or started > written + 1.0:
        return None
    return pid


def processes_using(path):
    """Pids whose cwd, root, executable, open files or mappings are under ``path``.

    Reads only /proc (links and maps): it never touches the filesystem at ``path``,
    so it cannot hang on a dead server the way ``fuser`` can.
    """
    prefix = path.rstrip("/") + "/"
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid() and _uses(name, path, prefix):
            found.append(int(name))
    return found


def _uses(pid, path, prefix):
    base = f"/proc/{pid}/"
    links = [base + "cwd", base + "root", base + "exe"]
    try:
        links += [base + "fd/" + fd for fd in os.listdir(base + "fd")]
    except OSError:
        pass
    for link in links:
        try:
            target = os.readlink(link)
        except OSError:
            continue
        if target == path or target.startswith(prefix):
            return True
    try:
        with open(base + "maps") as f:
            return any(line.rstrip().endswith((" " + path,)) or (" " + prefix) in line
                       for line in f)
    except OSError:
        return False


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def wait_until(predicate, timeout, interval=0.2):
    """Poll ``predicate`` until true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
