"""ocf:nfvd:shared-fs: a shared filesystem mount (NFS first; any fstype the host supports).

For the UCA-EBC data repository and the VNF image repository of the guide (2.3.7).
Monitor depth 0 reads the mount table only (cannot hang); depth 10 reads the directory and
depth 20 writes and reads back a file, each in a child that is abandoned at the deadline,
because a process touching a dead NFS server cannot even be killed. Stop escalates within
the op timeout: unmount; TERM then KILL the users found through /proc; forced, then lazy
unmount.
"""

import os

from nfvd_ocf import bounded, codes, mounts, proc, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, InvalidConfig, InvalidHere, NotInstalled

MNT_FORCE, MNT_DETACH = 1, 2


def _directory(ctx):
    directory = ctx.params["directory"]
    if not directory.startswith("/") or directory == "/":
        raise InvalidConfig(f"directory '{directory}' must be an absolute path other than /")
    return os.path.normpath(directory)


def _mounted(ctx):
    found = mounts.mounted_at(_directory(ctx))
    if found is None:
        return None
    if not mounts.same_fstype(ctx.params["fstype"], found.fstype):
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
    if _mounted(ctx) is None:
        return codes.NOT_RUNNING
    directory = _directory(ctx)
    if ctx.check_level >= 10:
        _expect(bounded.run_in_child(lambda: _read_check(directory), _bound(ctx)),
                f"read check of {directory}")
    if ctx.check_level >= 20:
        uid, gid = _owner_ids(ctx) if os.geteuid() == 0 else (None, None)
        _expect(bounded.run_in_child(lambda: _write_check(directory, ctx.node), _bound(ctx),
                                     uid, gid), f"write check of {directory}")
    return codes.SUCCESS


def _expect(outcome, what):
    if not outcome.ok:
        hint = " (storage not answering?)" if outcome.timed_out else ""
        raise Failed(f"{what} failed: {outcome.detail}{hint}")


def _read_check(directory):
    os.listdir(directory)
    return os.stat(directory).st_mode


def _write_check(directory, node):
    path = os.path.join(directory, f".nfvd-ha-check.{node}")
    nonce = os.urandom(16).hex().encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, nonce)
        os.fsync(fd)
    finally:
        os.close(fd)
    with open(path, "rb") as f:
        back = f.read()
    os.unlink(path)
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
    directory, params = _directory(ctx), ctx.params
    _check_fstype_supported(params["fstype"])
    uid, gid = _owner_ids(ctx)
    if _mounted(ctx) is None:
        os.makedirs(directory, exist_ok=True)
        argv = ["mount", "-t", params["fstype"]] + (
            ["-o", params["options"]] if params["options"] else []) + [params["device"],
                                                                        directory]
        result = proc.run(argv, _bound(ctx))
        if result.timed_out or result.rc != 0:
            raise Failed(f"{' '.join(argv)}: "
                         + ("timed out" if result.timed_out else result.output.strip()))
    if uid is not None:
        _check_owner(ctx, directory, uid, gid)
    if _mounted(ctx) is None:
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
    directory = _directory(ctx)
    if mounts.mounted_at(directory) is None:
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
            users = proc.processes_using(directory)
            if users:
                ctx.log.warning(f"sending {name} to processes using {directory}: {users}")
                proc.signal_all(users, sig)
                proc.wait_until(lambda: not proc.processes_using(directory), share())
            unmount(0, "unmount")()
        return step

    return [unmount(0, "unmount"), signal_users(proc.SIGTERM, "TERM"),
            signal_users(proc.SIGKILL, "KILL"),
            unmount(MNT_FORCE, "forced unmount"), unmount(MNT_DETACH, "lazy unmount")]


def validate_all(ctx):
    _directory(ctx)
    if not ctx.params["device"]:
        raise InvalidConfig("device must not be empty")
    _check_fstype_supported(ctx.params["fstype"])
    _owner_ids(ctx)
    return codes.SUCCESS


AGENT = Agent(
    name="shared-fs",
    version="1.0",
    shortdesc="Shared filesystem mount (NFS) for NFVD data",
    longdesc=("Mounts a shared filesystem (NFS by default) and checks it: depth 0 reads the "
              "mount table only; depth 10 reads the directory; depth 20 writes and reads back "
              "a file as the expected owner. Every check that touches the filesystem is "
              "bounded by the op timeout, so a dead server fails the monitor instead of "
              "hanging it. Stop escalates (TERM, KILL of users, forced and lazy unmount) "
              "within its timeout."),
    params=(
        Param("device", "Device", "What to mount, e.g. nfs-server:/var/opt/UCA-EBC.",
              required=True),
        Param("directory", "Mount point", "Absolute path, e.g. /var/opt/UCA-EBC.",
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
)


if __name__ == "__main__":
    runtime.main(AGENT)
