"""ocf:nfvd:shared-fs: a shared filesystem mount (NFS first; any fstype the host supports).

For the UCA-EBC data repository and the VNF image repository of the guide (2.3.7).
Monitor depth 0 reads the mount table only (cannot hang); depth 10 reads the directory and
depth 20 writes and reads back a file, each in a child that is abandoned at the deadline,
because a process touching a dead NFS server cannot even be killed. Stop escalates within
the op timeout: unmount; TERM then KILL the users of that mount (found through /proc and
confirmed by mount id and device); forced, then - once none of those is left - lazy unmount.
A user that outlives KILL fails the stop: Pacemaker then fences the node, the only way to
end it before the peer mounts the storage.

The directory is a canonical absolute path (no ``.``, ``..``, ``//``); a system directory
(/, /usr, /var, /etc, ...) or the node's own root filesystem is refused as inherently
invalid. Start mounts only where the path is reached without a symlink and through
directories no one but root can change (root's sticky /tmp is fine: there others cannot
rename or remove what is not theirs), else 2 (invalid here). Monitor and stop never resolve
the path again: they find *this resource's* mount in /proc/self/mountinfo - at the directory
with the configured source and fstype, or, once a directory on the way was moved or
replaced, by the mount id, parent mount and device noted at start (HA_RSCTMP, read as
untrusted input) - and act on that mount wherever it now is (monitor reports it as failed,
stop really unmounts it and ends its users).
"""

import os

from nfvd_ocf import bounded, codes, fstab, mounts, regular, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import ConflictHere, Failed, InvalidConfig, InvalidHere, NotInstalled
from nfvd_ocf.mounts import Mount
from nfvd_ocf.params import Context

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

MNT_FORCE, MNT_DETACH, UMOUNT_NOFOLLOW = 1, 2, 8
MAX_PATH = 1024  # characters; also keeps a resolved path within one pipe write
#: never a shared mount point: the system itself
SYSTEM_DIRS = ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
               "/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var")
#: nor anything below these
SYSTEM_TREES = ("/boot", "/dev", "/etc", "/proc", "/run", "/sys", "/usr")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@:,=")


def directory_problem(directory: object) -> str | None:
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


def token_problem(value: str, what: str, allow_empty: bool = False) -> str | None:
    """A mount argument: no control characters, no spaces, never an option (leading -)."""
    if not value:
        return None if allow_empty else f"{what} must not be empty"
    if any(ord(c) < 33 or ord(c) == 127 for c in value):
        return f"{what} must not contain spaces or control characters"
    if value.startswith("-"):
        return f"{what} must not start with '-'"
    return None


def param_problems(params: "Mapping[str, Any]") -> list[str]:
    """Every inherent problem of these parameters (the definition checks them too)."""
    problems: list[str] = []
    where = directory_problem(params.get("directory"))
    if where:
        problems.append(f"directory '{params.get('directory')}' {where}")
    for name, allow_empty in (("device", False), ("fstype", False), ("options", True),
                              ("owner", True)):
        problem = token_problem(params.get(name) or "", name, allow_empty)
        if problem:
            problems.append(problem)
    return problems


class Ours:
    """This resource's mount as the table shows it (``moved``: no longer at the directory)."""

    __slots__ = ("mount", "moved")

    def __init__(self, mount: Mount, moved: bool = False) -> None:
        self.mount, self.moved = mount, moved


def _state_file(ctx: Context) -> str:
    """Where start notes the mount it made: named after the directory ('/' as '%', which
    a directory cannot hold; a long one by its checksum - what is read is checked anyway)."""
    directory = ctx.params["directory"]
    name = directory.replace("/", "%") if len(directory) <= 200 else \
        f"{__import__('zlib').crc32(directory.encode()):08x}-{len(directory)}"
    return os.path.join(os.environ.get("HA_RSCTMP") or "/run/resource-agents",
                        f"nfvd-shared-fs{name}.mount")


class Noted:
    """What start notes of the mount it made: its id, its parent's and its device."""

    __slots__ = ("mount_id", "parent_id", "device")

    def __init__(self, mount_id: int, parent_id: int, device: tuple[int, int]) -> None:
        self.mount_id, self.parent_id, self.device = mount_id, parent_id, device


def _noted(ctx: Context) -> Noted | None:
    """What start noted, or None. Untrusted: a regular file of ours that only we can write,
    read without following a symlink or blocking, three numbers; and it only ever names a
    mount that also has our source and fstype."""
    try:
        raw = regular.read_regular(_state_file(ctx), 80, regular.ours_alone)
    except (OSError, ValueError):
        return None
    words = raw.decode("ascii", "replace").split()
    major, _, minor = words[2].partition(":") if len(words) == 3 else ("", "", "")
    if not all(w.isascii() and w.isdigit() for w in (words[:2] + [major, minor])):
        return None
    return Noted(int(words[0]), int(words[1]), (int(major), int(minor)))


def _note(ctx: Context, mount: Mount) -> None:
    path = _state_file(ctx)
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = f"{path}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{mount.mount_id} {mount.parent_id} {mount.device[0]}:{mount.device[1]}\n")
    os.replace(tmp, path)


def _forget(ctx: Context) -> None:
    try:  # noqa: SIM105 - no contextlib import on the agents' lean path
        os.unlink(_state_file(ctx))
    except OSError:
        pass


def _is_ours(ctx: Context, mount: Mount, noted: Noted | None = None) -> bool:
    """Our fstype, and our source - or the very mount (id, device) noted at start, when
    the table shows the source in another form."""
    return mounts.same_fstype(ctx.params["fstype"], mount.fstype) and (
        mounts.source_matches(ctx.params["device"], mount) or (
            noted is not None and (noted.mount_id, noted.device) == (mount.mount_id,
                                                                     mount.device)))


def find(ctx: Context, table: list[Mount] | None = None) -> tuple[Ours | None, Mount | None]:
    """(this resource's mount or None, a foreign mount on the directory or None), from the
    mount table alone: the path is never resolved."""
    table = mounts.mounts() if table is None else table
    directory, noted = ctx.params["directory"], _noted(ctx)
    at = mounts.mounted_at(directory, table)
    if at is not None and _is_ours(ctx, at, noted):
        return Ours(at), None
    moved = mounts.by_id(noted.mount_id, table) if noted else None
    if noted and moved is not None and (moved.parent_id, moved.device) == (
            noted.parent_id, noted.device) and _is_ours(ctx, moved) \
            and directory_problem(moved.mountpoint) is None:
        return Ours(moved, moved=True), at
    if noted and at is None:
        _forget(ctx)  # stale: what it names is gone (its id may be reused by another mount)
    return None, at


def _checked(ctx: Context,
             table: list[Mount] | None = None) -> tuple[Ours | None, Mount | None]:
    """``find``, refusing a mount of the node's own root filesystem (6)."""
    ours, foreign = find(ctx, table)
    root = mounts.root_mount(mounts.mounts() if table is None else table)
    if ours is not None and root is not None and ours.mount.device == root.device:
        raise InvalidConfig(f"{ours.mount.mountpoint} has this node's root filesystem "
                            f"mounted ({root.source}): refusing to manage it")
    return ours, foreign


def _foreign(ctx: Context, foreign: Mount) -> Failed:
    return Failed(f"{foreign.mountpoint} has {foreign.fstype} {foreign.source} mounted, "
                  f"expected {ctx.params['fstype']} {ctx.params['device']}")


def _moved(ctx: Context, ours: Ours) -> Failed:
    return Failed(f"{ctx.params['device']} is mounted at {ours.mount.mountpoint}, not at "
                  f"{ctx.params['directory']}: a directory on the way was moved or replaced")


def _trusted_path(ctx: Context, create: bool = False) -> None:
    """The directory is reached without a symlink, through directories only root can
    change (checked in a child abandoned at a deadline: a hung parent cannot hang us)."""
    from nfvd_ocf import trusted  # start and validate-all only
    directory = ctx.params["directory"]
    outcome = bounded.run_in_child(
        lambda: trusted.directory_chain_problem(directory, sticky_ok=True, create=create)
        or "", min(max(ctx.remaining(1.0), 0.5), 10))
    if not outcome.ok:
        raise Failed(f"cannot check {directory}: {outcome.detail}")
    if outcome.detail:
        raise InvalidHere(f"directory {directory}: {outcome.detail}: a shared filesystem is "
                          "mounted only where no symlink and no one but root can redirect it")


def _owner_ids(ctx: Context) -> tuple[int, int] | tuple[None, None]:
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


def _bound(ctx: Context) -> float:
    return max(ctx.remaining(1.0), 0.5)


def monitor(ctx: Context) -> int:
    ours, foreign = _checked(ctx)
    if ours is None:
        if foreign is not None:
            raise _foreign(ctx, foreign)
        return codes.NOT_RUNNING
    if ours.moved:
        raise _moved(ctx, ours)
    directory, device = ours.mount.mountpoint, ours.mount.device
    if ctx.probe:
        _not_mounted_at_boot(ctx, directory)
    if ctx.check_level >= 10:
        _expect(bounded.run_in_child(lambda: _read_check(directory, device), _bound(ctx)),
                f"read check of {directory}")
    if ctx.check_level >= 20:
        uid, gid = _owner_ids(ctx) if os.geteuid() == 0 else (None, None)
        name = _check_name(ctx.node)
        _expect(bounded.run_in_child(lambda: _write_check(directory, name, device),
                                     _bound(ctx), uid, gid), f"write check of {directory}")
    return codes.SUCCESS


def _not_mounted_at_boot(ctx: Context, directory: str) -> None:
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


def _expect(outcome: bounded.Outcome, what: str) -> None:
    if not outcome.ok:
        hint = " (storage not answering?)" if outcome.timed_out else ""
        raise Failed(f"{what} failed: {outcome.detail}{hint}")


def _read_check(directory: str, device: tuple[int, int]) -> str:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        _on_device(fd, device, directory)
        os.listdir(fd)
    finally:
        os.close(fd)
    return "ok"


def _check_name(node: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in node)
    return f".nfvd-ha-check.{safe[:64]}.{os.urandom(8).hex()}"


def _on_device(fd: int, device: tuple[int, int], what: str) -> None:
    st_dev = os.fstat(fd).st_dev
    if (os.major(st_dev), os.minor(st_dev)) != device:
        raise OSError(f"{what} is not on the mounted filesystem (device "
                      f"{os.major(st_dev)}:{os.minor(st_dev)}, mount {device[0]}:{device[1]})")


def _write_check(directory: str, name: str, device: tuple[int, int]) -> str:
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
        raise OSError("data read back differs from data written")
    return "ok"


def _check_fstype_supported(fstype: str) -> None:
    base = fstype.split(".")[0]
    with open("/proc/filesystems") as f:
        known = {line.split()[-1] for line in f if line.strip()}
    helpers = [f"{d}/mount.{t}" for d in ("/sbin", "/usr/sbin") for t in (fstype, base)]
    if base not in known and not any(os.path.exists(h) for h in helpers):
        raise NotInstalled(f"fstype {fstype} is not supported here (not in /proc/filesystems,"
                           f" no mount.{base} helper)")


def start(ctx: Context) -> int:
    params, directory = ctx.params, ctx.params["directory"]
    _trusted_path(ctx, create=True)
    _check_fstype_supported(params["fstype"])
    uid, gid = _owner_ids(ctx)
    before = mounts.mounts()
    ours, foreign = _checked(ctx, before)
    if ours is not None and ours.moved:
        raise _moved(ctx, ours)
    if ours is None:
        if foreign is not None:
            raise _foreign(ctx, foreign)
        argv = ["mount", "-t", params["fstype"]] + (
            ["-o", params["options"]] if params["options"] else []) + ["--", params["device"],
                                                                        directory]
        from nfvd_ocf import proc
        result = proc.run(argv, _bound(ctx))
        if result.timed_out or result.rc != 0:
            raise Failed(f"{' '.join(argv)}: "
                         + ("timed out" if result.timed_out else result.output.strip()))
        ours = _mounted_now(ctx, {m.mount_id for m in before})
    _note(ctx, ours.mount)
    if uid is not None and gid is not None:
        _check_owner(ctx, directory, uid, gid)
    return codes.SUCCESS


def _mounted_now(ctx: Context, earlier: set[int]) -> Ours:
    """The mount ``mount`` just made on the directory (a new id, our fstype)."""
    directory = ctx.params["directory"]
    made = [m for m in mounts.mounts() if m.mountpoint == directory and m.mount_id not in
            earlier and mounts.same_fstype(ctx.params["fstype"], m.fstype)]
    if not made:
        raise Failed(f"{directory} is not in the mount table after mount")
    return Ours(made[-1])


def _owner(path: str) -> str:
    """``uid:gid`` of ``path``."""
    st = os.stat(path)
    return f"{st.st_uid}:{st.st_gid}"


def _check_owner(ctx: Context, directory: str, uid: int, gid: int) -> None:
    outcome = bounded.run_in_child(lambda: _owner(directory), _bound(ctx))
    _expect(outcome, f"owner check of {directory}")
    if outcome.detail != f"{uid}:{gid}":
        raise Failed(f"{directory} is owned by {outcome.detail}, expected "
                     f"{ctx.params['owner']} ({uid}:{gid})")


def _umount(mount: Mount, flags: int, timeout: float) -> bounded.Outcome:
    """Unmount ``mount`` (a table entry) where the table says it is - never through a
    symlink, and only once the path is seen to lead to that very mount (its id)."""
    where, mount_id = mount.mountpoint, mount.mount_id

    def call() -> str:
        import ctypes

        from nfvd_ocf import owned
        fd = os.open(where, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            seen = owned.mount_id_of(fd)
        finally:
            os.close(fd)
        if seen != mount_id:
            raise OSError(f"{where} leads to mount {seen}, not {mount_id}")
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.umount2(where.encode(), flags | UMOUNT_NOFOLLOW) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return "unmounted"
    return bounded.run_in_child(call, timeout)


def stop(ctx: Context) -> int:
    ours, _ = find(ctx)  # a foreign mount on the directory is not ours to remove
    if ours is None:
        _forget(ctx)
        return codes.SUCCESS
    if ours.moved:
        ctx.log.warning(str(_moved(ctx, ours)))
    for step in _escalation(ctx, ours.mount):
        step()
        if mounts.by_id(ours.mount.mount_id, mounts.mounts()) is None:
            _forget(ctx)
            return codes.SUCCESS
    raise Failed(f"{ours.mount.mountpoint} is still mounted after forced and lazy unmount")


def _escalation(ctx: Context, mount: Mount) -> "list[Callable[[], None]]":
    from nfvd_ocf import owned, proc  # stop only

    def share() -> float:
        return max(min(ctx.remaining(1.0) / 4, 10), 0.3)

    directory = mount.mountpoint

    def unmount(flags: int, what: str) -> "Callable[[], None]":
        def step() -> None:
            outcome = _umount(mount, flags, share())
            ctx.log.info(f"{what} {directory}: {outcome.detail}")
        return step

    def signal_users(sig: int, name: str) -> "Callable[[], None]":
        def step() -> None:
            users = owned.MountUse(directory, mounts.mounts()).users()
            if users:
                ctx.log.warning(f"sending {name} to processes using {directory}: {users}")
                owned.send(users, sig)
                proc.wait_until(lambda: not any(p.alive() for p in users), share(), 0.05)
            unmount(0, "unmount")()
        return step

    def detach_once_nothing_of_ours_is_left() -> None:
        # A lazy unmount only hides the mount: whoever still uses it keeps the filesystem,
        # and a process that outlived KILL (stuck in the kernel, frozen) may write through it
        # once the storage answers again - after the peer took over. Only processes never
        # signalled (the cluster stack, this agent's ancestors) may be left behind.
        survivors = owned.MountUse(directory, mounts.mounts()).users()
        if survivors:
            raise Failed(f"{directory}: {len(survivors)} process(es) outlived KILL "
                         f"({', '.join(str(p.pid) for p in survivors[:5])}) and may still "
                         "write to it: it cannot be released on this node")
        unmount(MNT_DETACH, "lazy unmount")()

    return [unmount(0, "unmount"), signal_users(proc.SIGTERM, "TERM"),
            signal_users(proc.SIGKILL, "KILL"),
            unmount(MNT_FORCE, "forced unmount"), detach_once_nothing_of_ours_is_left]


def validate_all(ctx: Context) -> int:
    _trusted_path(ctx)
    _checked(ctx)
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
