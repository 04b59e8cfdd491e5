"""ocf:nfvd:shared-fs: a shared filesystem mount (NFS first; any fstype the host supports).

For the UCA-EBC data repository and the VNF image repository of the guide (2.3.7).
Monitor depth 0 reads the mount table only (cannot hang); depth 10 reads the directory and
depth 20 writes and reads back a file, each in a child that is abandoned at the deadline,
because a process touching a dead NFS server cannot even be killed. Stop escalates within
the op timeout: unmount; TERM then KILL the users of that mount (found through /proc and
confirmed by mount id and device); forced, then lazy unmount.

The directory is a canonical absolute path (no ``.``, ``..``, ``//``), resolved through
symlinks once per action; a system directory (/, /usr, /var, /etc, ...) or the node's own
root filesystem is refused as inherently invalid, whatever path leads there.
"""

import os

from nfvd_ocf import bounded, codes, fstab, mounts, owned, proc, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import ConflictHere, Failed, InvalidConfig, InvalidHere, NotInstalled

MNT_FORCE, MNT_DETACH = 1, 2
MAX_PATH = 1024  # characters; also keeps a resolved path within one pipe write
#: never a shared mount point: the system itself
SYSTEM_DIRS = ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
               "/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var")
#: nor anything below these
SYSTEM_TREES = ("/boot", "/dev", "/etc", "/proc", "/run", "/sys", "/usr")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@:,=")


def directory_problem(directory):
    """Why ``directory`` cannot be a shared mount point (text only), or None."""
    if not isinstance(directory, str) or not directory.startswith("/"):
        return "must be an absolute path"
    if len(directory) > MAX_PATH:
        return f"is longer than {MAX_PATH} characters"
    parts = directory.split("/")[1:]
    if any(not part for part in parts) and directory != "/":
        return "must be canonical (no '//', no trailing '/')"
    if any(part in (".", "..") for part in parts):
        return "must be canonical (no '.' or '..' components)"
    if any(c not in _SAFE for part in parts for c in part):
        return "may hold only letters, digits and . _ - + @ : , = between the slashes"
    if directory in SYSTEM_DIRS or directory.startswith(tuple(t + "/" for t in SYSTEM_TREES)):
        return "is a system directory: a shared filesystem is never mounted there"
    return None


def token_problem(value, what, allow_empty=False):
    """A mount argument: no control characters, no spaces, never an option (leading -)."""
    if not value:
        return None if allow_empty else f"{what} must not be empty"
    if any(ord(c) < 33 or ord(c) == 127 for c in value):
        return f"{what} must not contain spaces or control characters"
    if value.startswith("-"):
        return f"{what} must not start with '-'"
    return None


def param_problems(params):
    """Every inherent problem of these parameters (the definition checks them too)."""
    problems = []
    where = directory_problem(params.get("directory"))
    if where:
        problems.append(f"directory '{params.get('directory')}' {where}")
    for name, allow_empty in (("device", False), ("fstype", False), ("options", True),
                              ("owner", True)):
        problem = token_problem(params.get(name) or "", name, allow_empty)
        if problem:
            problems.append(problem)
    return problems


class Place:
    """The mount point as resolved for this action, and what the mount table says of it."""

    __slots__ = ("directory", "table", "mount")

    def __init__(self, directory, table):
        self.directory, self.table = directory, table
        self.mount = mounts.mounted_at(directory, table)


def _resolve(ctx):
    """Resolve the directory through symlinks (bounded: a hung parent cannot hang us)."""
    raw = ctx.params["directory"]
    table = mounts.mounts()

    def resolve():
        parent, base = os.path.split(raw)
        candidate = os.path.join(os.path.realpath(parent), base)
        if mounts.mounted_at(candidate, table) is not None:
            return candidate  # a mount point is never a symlink: do not stat it
        return os.path.realpath(candidate)

    outcome = bounded.run_in_child(resolve, min(max(ctx.remaining(1.0), 0.5), 10))
    if not outcome.ok:
        raise Failed(f"cannot resolve {raw}: {outcome.detail}")
    resolved = outcome.detail
    if resolved != raw and (problem := directory_problem(resolved)):
        raise InvalidConfig(f"directory '{raw}' resolves to '{resolved}', which {problem}")
    place = Place(resolved, table)
    root = mounts.root_mount(table)
    if place.mount is not None and root is not None and place.mount.device == root.device:
        raise InvalidConfig(f"{resolved} has this node's root filesystem mounted "
                            f"({root.source}): refusing to manage it")
    return place


def _mounted(ctx, place):
    found = place.mount
    if found is not None and not mounts.same_fstype(ctx.params["fstype"], found.fstype):
        raise Failed(f"{found.mountpoint} has {found.fstype} {found.source} mounted, "
                     f"expected {ctx.params['fstype']} {ctx.params['device']}")
    return found


def _owner_ids(ctx):
    owner = ctx.params["owner"]
    if not owner:
        return None, None
    user, _, group = owner.partition(":")
    import grp
    import pwd
    try:
        entry = pwd.getpwnam(user)
        gid = grp.getgrnam(group).gr_gid if group else entry.pw_gid
    except KeyError:
        raise InvalidHere(f"owner '{owner}': no such user or group on this host") from None
    return entry.pw_uid, gid


def _bound(ctx):
    return max(ctx.remaining(1.0), 0.5)


def monitor(ctx):
    place = _resolve(ctx)
    found = _mounted(ctx, place)
    if found is None:
        return codes.NOT_RUNNING
    if ctx.probe:
        _not_mounted_at_boot(ctx, place.directory)
    directory = place.directory
    if ctx.check_level >= 10:
        _expect(bounded.run_in_child(lambda: _read_check(directory), _bound(ctx)),
                f"read check of {directory}")
    if ctx.check_level >= 20:
        uid, gid = _owner_ids(ctx) if os.geteuid() == 0 else (None, None)
        name = _check_name(ctx.node)
        _expect(bounded.run_in_child(lambda: _write_check(directory, name, found.device),
                                     _bound(ctx), uid, gid), f"write check of {directory}")
    return codes.SUCCESS


def _not_mounted_at_boot(ctx, directory):
    """A probe that finds the mount: refuse it (2) when /etc/fstab mounts it at boot, the
    guide's setup (2.3.7.3). Otherwise the node would hold it outside the cluster, and a
    passive node holding it looks to Pacemaker like the resource running twice."""
    try:
        entries = [e for d in {directory, ctx.params["directory"]}
                   for e in fstab.boot_mounts(d, fstab.read())]
    except (OSError, ValueError) as exc:
        ctx.log.warning(f"cannot read {fstab.FSTAB}: {exc}")
        return
    if entries:
        ctx.log.error(fstab.advice(entries[0]))  # the line itself; the reason must be short
        raise ConflictHere(fstab.reason(entries[0]))


def _expect(outcome, what):
    if not outcome.ok:
        hint = " (storage not answering?)" if outcome.timed_out else ""
        raise Failed(f"{what} failed: {outcome.detail}{hint}")


def _read_check(directory):
    os.listdir(directory)
    return os.stat(directory).st_mode


def _check_name(node):
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in node)
    return f".nfvd-ha-check.{safe[:64]}.{os.urandom(8).hex()}"


def _on_device(fd, device, what):
    st_dev = os.fstat(fd).st_dev
    if (os.major(st_dev), os.minor(st_dev)) != device:
        raise OSError(f"{what} is not on the mounted filesystem (device "
                      f"{os.major(st_dev)}:{os.minor(st_dev)}, mount {device[0]}:{device[1]})")


def _write_check(directory, name, device):
    """Create a new file (never an existing one, never through a symlink) on the mounted
    filesystem itself, write, fsync, read it back through a fresh open, remove it."""
    dirfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        _on_device(dirfd, device, directory)
        nonce = os.urandom(16).hex().encode()
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dirfd)
        try:
            _on_device(fd, device, name)
            os.write(fd, nonce)
            os.fsync(fd)
            back_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dirfd)
            try:
                if os.fstat(back_fd).st_ino != os.fstat(fd).st_ino:
                    raise OSError("the check file was replaced while it was written")
                back = os.read(back_fd, len(nonce) + 1)
            finally:
                os.close(back_fd)
        finally:
            os.close(fd)
            os.unlink(name, dir_fd=dirfd)
    finally:
        os.close(dirfd)
    if back != nonce:
        raise IOError("data read back differs from data written")
    return "ok"


def _check_fstype_supported(fstype):
    base = fstype.split(".")[0]
    with open("/proc/filesystems") as f:
        known = {line.split()[-1] for line in f if line.strip()}
    helpers = [f"{d}/mount.{t}" for d in ("/sbin", "/usr/sbin") for t in (fstype, base)]
    if base not in known and not any(os.path.exists(h) for h in helpers):
        raise NotInstalled(f"fstype {fstype} is not supported here (not in /proc/filesystems,"
                           f" no mount.{base} helper)")


def start(ctx):
    place, params = _resolve(ctx), ctx.params
    directory = place.directory
    _check_fstype_supported(params["fstype"])
    uid, gid = _owner_ids(ctx)
    if _mounted(ctx, place) is None:
        os.makedirs(directory, exist_ok=True)
        argv = ["mount", "-t", params["fstype"]] + (
            ["-o", params["options"]] if params["options"] else []) + ["--", params["device"],
                                                                        directory]
        result = proc.run(argv, _bound(ctx))
        if result.timed_out or result.rc != 0:
            raise Failed(f"{' '.join(argv)}: "
                         + ("timed out" if result.timed_out else result.output.strip()))
    if uid is not None:
        _check_owner(ctx, directory, uid, gid)
    if _mounted(ctx, Place(directory, mounts.mounts())) is None:
        raise Failed(f"{directory} is not in the mount table after mount")
    return codes.SUCCESS


def _check_owner(ctx, directory, uid, gid):
    outcome = bounded.run_in_child(lambda: "%d:%d" % os.stat(directory)[4:6], _bound(ctx))
    _expect(outcome, f"owner check of {directory}")
    if outcome.detail != f"{uid}:{gid}":
        raise Failed(f"{directory} is owned by {outcome.detail}, expected "
                     f"{ctx.params['owner']} ({uid}:{gid})")


def _umount(directory, flags, timeout):
    def call():
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.umount2(directory.encode(), flags) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return "unmounted"
    return bounded.run_in_child(call, timeout)


def stop(ctx):
    place = _resolve(ctx)
    directory = place.directory
    if place.mount is None:
        return codes.SUCCESS
    for step in _escalation(ctx, directory):
        step()
        if mounts.mounted_at(directory) is None:
            return codes.SUCCESS
    raise Failed(f"{directory} is still mounted after forced and lazy unmount")


def _escalation(ctx, directory):
    share = lambda: max(min(ctx.remaining(1.0) / 4, 10), 0.3)  # noqa: E731

    def unmount(flags, what):
        def step():
            outcome = _umount(directory, flags, share())
            ctx.log.info(f"{what} {directory}: {outcome.detail}")
        return step

    def signal_users(sig, name):
        def step():
            users = owned.MountUse(directory, mounts.mounts()).users()
            if users:
                ctx.log.warning(f"sending {name} to processes using {directory}: {users}")
                owned.send(users, sig)
                proc.wait_until(lambda: not any(p.alive() for p in users), share(), 0.05)
            unmount(0, "unmount")()
        return step

    return [unmount(0, "unmount"), signal_users(proc.SIGTERM, "TERM"),
            signal_users(proc.SIGKILL, "KILL"),
            unmount(MNT_FORCE, "forced unmount"), unmount(MNT_DETACH, "lazy unmount")]


def validate_all(ctx):
    _resolve(ctx)
    _check_fstype_supported(ctx.params["fstype"])
    _owner_ids(ctx)
    return codes.SUCCESS


AGENT = Agent(
    name="shared-fs",
    version="1.0",
    shortdesc="Shared filesystem mount (NFS) for NFVD data",
    longdesc=("Mounts a shared filesystem (NFS by default) and checks it: depth 0 reads the "
              "mount table only; depth 10 reads the directory; depth 20 writes and reads back "
              "a new file as the expected owner. Every check that touches the filesystem is "
              "bounded by the op timeout, so a dead server fails the monitor instead of "
              "hanging it. Stop escalates (TERM, KILL of the mount's users, forced and lazy "
              "unmount) within its timeout. System directories are refused."),
    params=(
        Param("device", "Device", "What to mount, e.g. nfs-server:/var/opt/UCA-EBC.",
              required=True),
        Param("directory", "Mount point", "Canonical absolute path, e.g. /var/opt/UCA-EBC "
              "(never /, /usr, /var, /etc or another system directory).",
              required=True, unique_group="directory"),
        Param("fstype", "Filesystem type", "nfs, nfs4, or any type this host supports.",
              default="nfs"),
        Param("options", "Mount options", "As for mount -o.", default=""),
        Param("owner", "Expected owner", "user:group the mount root must belong to; depth 20 "
              "writes as this user. Empty: no check.", default="uca:uca"),
    ),
    actions=(
        Action("start", 60), Action("stop", 60),
        Action("monitor", 40, interval=20, depth=0),
        Action("monitor", 40, interval=60, depth=10),
        Action("monitor", 40, interval=120, depth=20),
        Action("meta-data", 5), Action("validate-all", 20),
    ),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate_all},
    check=param_problems,
)


if __name__ == "__main__":
    runtime.main(AGENT)
