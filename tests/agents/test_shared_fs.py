"""ocf:nfvd:shared-fs on real mounts: tmpfs, and a FUSE filesystem that hangs on demand."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.waits import wait_until

pytestmark = pytest.mark.root
MON = 20000
HANGFS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "helpers", "hangfs.py")


def mounted(directory):
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == directory for line in f)


def unmount(directory):
    """Nothing mounted on ``directory`` any more (a lazy unmount per mount stacked there)."""
    def gone():
        if mounted(directory):
            subprocess.run(["umount", "-l", directory], timeout=10)
        return not mounted(directory)
    wait_until(gone, 10, 0.05, f"nothing mounted on {directory}")


@pytest.fixture
def mnt(tmp_path):
    directory = str(tmp_path / "UCA-EBC")
    yield directory
    unmount(directory)


@pytest.fixture
def rsctmp(tmp_path):
    """The agents' HA_RSCTMP (where shared-fs notes the mount it made)."""
    return {"HA_RSCTMP": str(tmp_path / "rsctmp")}


@pytest.fixture
def fs(agent, mnt, rsctmp):
    base = {"device": "tmpfs", "directory": mnt, "fstype": "tmpfs", "options": "size=8m",
            "owner": "root:root"}

    def call(action, params=None, env_extra=None, **kw):
        return agent("shared-fs", action, dict(base, **(params or {})),
                     env_extra=dict(rsctmp, **(env_extra or {})), **kw)
    return call


def test_lifecycle_with_every_check_depth(fs, mnt):
    assert fs("monitor").rc == 7
    assert fs("start").rc == 0
    assert mounted(mnt)
    for depth in (0, 10, 20):
        assert fs("monitor", interval_ms=MON, check_level=depth).rc == 0
    assert fs("start").rc == 0
    assert fs("stop").rc == 0
    assert not mounted(mnt)
    assert fs("stop").rc == 0
    assert fs("monitor", interval_ms=MON).rc == 7


def test_stop_terminates_processes_using_the_mount(fs, mnt):
    assert fs("start").rc == 0
    user = subprocess.Popen(["sleep", "300"], cwd=mnt)
    try:
        result = fs("stop")
        assert result.rc == 0, result
        assert not mounted(mnt)
        assert user.wait(timeout=5) == -15  # SIGTERM
    finally:
        user.kill()


def test_wrong_owner_fails_start(fs):
    result = fs("start", {"owner": "nobody:nogroup"})
    assert result.rc == 1
    assert "owned by 0:0, expected nobody:nogroup" in result.reason


def test_other_filesystem_on_the_mount_point_is_a_failure(fs, mnt):
    assert fs("start").rc == 0
    result = fs("monitor", {"fstype": "ext4"}, interval_ms=MON)
    assert result.rc == 1
    assert "has tmpfs tmpfs mounted, expected ext4" in result.reason


@pytest.mark.parametrize("params,action,expected,reason", [
    ({"directory": "relative/dir"}, "start", 6, "must be an absolute path"),
    ({"directory": "relative/dir"}, "stop", 0, ""),
    ({"directory": "relative/dir"}, "monitor", 6, "must be an absolute path"),
    ({"device": "-oremount"}, "start", 6, "device must not start with '-'"),
    ({"options": "ro nosuid"}, "start", 6, "options must not contain spaces"),
    ({"fstype": "nosuchfs"}, "start", 5, "fstype nosuchfs is not supported here"),
    ({"fstype": "nosuchfs"}, "monitor", 7, ""),
    ({"fstype": "nosuchfs"}, "stop", 0, ""),
    ({"owner": "nosuchuser:uca"}, "start", 2, "no such user or group on this host"),
    ({"device": ""}, "validate-all", 6, "device must not be empty"),
])
def test_bad_parameters(fs, mnt, params, action, expected, reason):
    result = fs(action, params)
    assert result.rc == expected
    assert reason in result.reason
    assert not mounted(mnt)


@pytest.fixture
def hung(agent, tmp_path, rsctmp):
    """A FUSE mount whose operations block while ``flag`` exists."""
    directory, flag = str(tmp_path / "image_repository"), str(tmp_path / "hang")
    os.makedirs(directory)
    subprocess.run([sys.executable, HANGFS, directory, flag], check=True, timeout=10)
    # the daemon may return before the kernel lists it, and answer writes a moment later
    wait_until(lambda: mounted(directory), 10, 0.05, f"hangfs mounted on {directory}")

    def ready():
        with open(os.path.join(directory, "ready"), "w") as f:
            return f.write("ok")
    wait_until(ready, 10, 0.1, "hangfs answering writes")
    stuck = []

    def call(action, **kw):
        return agent("shared-fs", action, {"device": "hangfs", "directory": directory,
                                           "fstype": "fuse", "owner": ""}, env_extra=rsctmp,
                     **kw)
    call.directory, call.flag, call.stuck = directory, flag, stuck
    yield call
    if os.path.exists(flag):
        os.unlink(flag)  # the 'server' answers again: stuck processes finish
    for p in stuck:
        p.wait(timeout=10)
    unmount(directory)
    subprocess.run(["pkill", "-f", f"hangfs.py {directory}"])


def test_hung_storage_fails_monitor_within_timeout(hung):
    for depth in (0, 10, 20):
        assert hung("monitor", interval_ms=MON, check_level=depth).rc == 0
    open(hung.flag, "w").close()
    assert hung("monitor", interval_ms=MON, check_level=0).rc == 0  # mount table only
    for depth in (10, 20):
        result = hung("monitor", interval_ms=MON, check_level=depth, timeout_ms=3000)
        assert result.rc == 1
        assert "did not complete" in result.reason and "storage not answering" in result.reason
        assert result.elapsed < 3.5


def test_stop_of_hung_storage_with_a_stuck_user_finishes_in_time(hung):
    open(hung.flag, "w").close()
    hung.stuck.append(subprocess.Popen(["stat", hung.directory + "/x"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def waiting_on():
        with open(f"/proc/{hung.stuck[0].pid}/wchan") as f:
            return f.read()
    wait_until(lambda: waiting_on() == "request_wait_answer", 5, 0.05, "stat stuck in FUSE")
    # really stuck in the kernel on a FUSE request the "server" never answers (FUSE waits
    # interruptibly at first, so the state says S; the kernel function says where it sleeps)
    assert waiting_on() == "request_wait_answer"
    result = hung("stop", timeout_ms=10000)
    assert result.rc == 0, result
    assert result.elapsed < 10
    assert not mounted(hung.directory)


# --- hostile directories: run where a regression cannot hurt the machine ----------------
# The agent runs in its own pid and mount namespaces (unshare), beside a bystander whose
# cwd is /; the wrapper reports whether the bystander survived and whether / is still there.
GUARD = ("unshare", "--pid", "--fork", "--mount", "--mount-proc", "--propagation", "private",
         "sh", "-c", 'cd /; sleep 300 & b=$!; "$@"; rc=$?; kill -0 $b && echo BYSTANDER-ALIVE;'
         ' grep -q " / / " /proc/self/mountinfo && echo ROOT-MOUNTED; exit $rc', "guard")


@pytest.mark.parametrize("directory", [
    "/image_repository/..", "/", "/usr", "/var", "/etc/nfvd", "/proc/sys", "/a//b",
    "/var/opt/./UCA-EBC", "/var/opt/UCA-EBC/", "/tmp/x y"])
@pytest.mark.parametrize("action,expected", [
    ("monitor", 6), ("start", 6), ("validate-all", 6), ("stop", 0)])
def test_system_or_non_canonical_directories_are_refused_and_nothing_is_signalled(
        agent, directory, action, expected):
    result = agent("shared-fs", action, {"device": "nfs-server:/x", "directory": directory,
                                         "fstype": "tmpfs", "owner": ""}, prefix=GUARD)
    assert result.rc == expected, result
    assert "BYSTANDER-ALIVE" in result.stdout and "ROOT-MOUNTED" in result.stdout
    assert "sending" not in result.stderr and "Traceback" not in result.stderr
    if expected == 6:
        assert "directory" in result.reason


def test_a_symlink_to_a_system_directory_is_refused(agent, tmp_path):
    link = tmp_path / "data"
    link.symlink_to("/var")
    for action, expected in (("monitor", 7), ("start", 2), ("validate-all", 2), ("stop", 0)):
        result = agent("shared-fs", action, {"device": "tmpfs", "directory": str(link),
                                             "fstype": "tmpfs", "owner": ""}, prefix=GUARD)
        assert result.rc == expected, result
        assert "BYSTANDER-ALIVE" in result.stdout and "ROOT-MOUNTED" in result.stdout
        assert "sending" not in result.stderr
        if expected == 2:
            assert f"{link} is a symlink" in result.reason


def test_stop_never_signals_the_agents_ancestors_or_the_cluster_stack(fs, mnt, tmp_path):
    assert fs("start").rc == 0
    corosync = tmp_path / "corosync"  # a process the kernel names corosync (its comm)
    corosync.symlink_to(subprocess.run(["which", "sleep"], capture_output=True,
                                       text=True).stdout.strip())
    daemon = subprocess.Popen([str(corosync), "300"], cwd=mnt)
    user = subprocess.Popen(["sleep", "300"], cwd=mnt)
    try:
        # the agent's parent shell sits in the mount too: an ancestor, never signalled
        result = fs("stop", prefix=("sh", "-c", f'cd {mnt} && "$@"; echo PARENT-ALIVE',
                                    "parent"))
        assert result.rc == 0, result
        assert "PARENT-ALIVE" in result.stdout
        assert daemon.poll() is None, "a cluster daemon was signalled"
        assert user.wait(timeout=5) == -15
        assert not mounted(mnt)  # detached (lazily) although corosync still sits in it
    finally:
        for p in (daemon, user):
            p.kill()
            p.wait()


FREEZER = "/sys/fs/cgroup/freezer"


def test_a_user_that_outlives_kill_fails_the_stop_instead_of_a_lazy_detach(fs, mnt):
    """A frozen process (cgroup freezer: its SIGKILL waits for the thaw, as a process stuck
    in the kernel on a dead server may never die) keeps the filesystem and could write
    through it once it runs again, after the peer took over: the stop must fail (Pacemaker
    fences the node), never hide the mount with a lazy unmount and say it is stopped."""
    if not os.path.isdir(FREEZER):
        pytest.fail(f"{FREEZER} is missing: this test needs the cgroup v1 freezer")
    assert fs("start").rc == 0
    group = os.path.join(FREEZER, f"nfvd-test-{os.getpid()}")
    os.mkdir(group)
    writer = subprocess.Popen(["sleep", "300"], cwd=mnt)
    try:
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(writer.pid))
        with open(os.path.join(group, "freezer.state"), "w") as f:
            f.write("FROZEN")
        result = fs("stop", timeout_ms=8000)
        assert result.rc == 1, result
        assert "outlived KILL" in result.reason and str(writer.pid) in result.reason
        assert mounted(mnt), "hidden by a lazy unmount while a writer survived"
        assert writer.poll() is None  # frozen: KILL pending
    finally:
        with open(os.path.join(group, "freezer.state"), "w") as f:
            f.write("THAWED")
        writer.kill()
        writer.wait()
        os.rmdir(group)
    assert fs("stop").rc == 0 and not mounted(mnt)  # once it is gone, the stop goes through


def test_a_process_under_the_mount_point_but_not_on_the_mount_is_left_alone(fs, mnt):
    os.makedirs(mnt)
    underneath = subprocess.Popen(["sleep", "300"], cwd=mnt)  # cwd: the bare directory
    try:
        assert fs("start").rc == 0
        result = fs("stop")
        assert result.rc == 0, result
        assert underneath.poll() is None and "sending" not in result.stderr
    finally:
        underneath.kill()
        underneath.wait()


def test_a_mount_point_is_never_reached_through_a_symlink(fs, tmp_path):
    """It used to be resolved once per action: now only the path itself, without a symlink
    on the way, is a mount point (else monitor and stop could not find the mount by it)."""
    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    link.symlink_to(real)
    (tmp_path / "parent-link").symlink_to(tmp_path)
    try:
        for p in ({"directory": str(link)},
                  {"directory": str(tmp_path / "parent-link" / "real")}):
            assert fs("monitor", p).rc == 7
            result = fs("start", p)
            assert result.rc == 2 and "is a symlink" in result.reason, result
            assert not mounted(str(real)) and not mounted(p["directory"])
            assert fs("stop", p).rc == 0
    finally:
        unmount(str(real))


def test_the_write_check_never_follows_a_planted_symlink(fs, mnt, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    assert fs("start").rc == 0
    for name in (".nfvd-ha-check." + os.uname().nodename, ".nfvd-ha-check.node1"):
        os.symlink(victim, os.path.join(mnt, name))
    result = fs("monitor", interval_ms=MON, check_level=20,
                env_extra={"OCF_RESKEY_CRM_meta_on_node": "node1"})
    assert result.rc == 0, result
    assert victim.read_text() == "precious\n"
    assert sorted(n for n in os.listdir(mnt) if n.startswith(".nfvd-ha-check.")) == sorted(
        (".nfvd-ha-check." + os.uname().nodename, ".nfvd-ha-check.node1"))


def with_fstab(tmp_path, text):
    """A prefix that runs the agent with ``text`` as /etc/fstab (bind-mounted in a private
    mount namespace: the host's own file is never touched; the mounts are the host's)."""
    fake = tmp_path / "fstab"
    fake.write_text(text)
    return ("unshare", "-m", "--propagation", "private", "sh", "-c",
            f'mount --bind {fake} /etc/fstab && exec "$0" "$@"')


GUIDE_LINE = "nfs-server:{d} {d} nfs defaults 0 0"  # guide 2.3.7.3, this test's directory


def test_a_probe_refuses_a_mount_that_etc_fstab_makes_at_boot(fs, mnt, tmp_path):
    """The guide mounts the UCA-EBC share from /etc/fstab on both nodes: the passive node then
    holds it at boot. Its probe says 2 (Pacemaker keeps the resource stopped there and shows
    the line) instead of 0 (running on two nodes: stopped everywhere)."""
    assert fs("start").rc == 0
    prefix = with_fstab(tmp_path, "# /etc/fstab\n" + GUIDE_LINE.format(d=mnt) + "\n")
    result = fs("monitor", prefix=prefix)
    assert result.rc == 2, result
    assert result.reason == (f"/etc/fstab:2 mounts {mnt} at boot: add noauto to that line or "
                             "remove it, then unmount it")
    assert f"('{GUIDE_LINE.format(d=mnt)}'): the cluster mounts it where" in result.stderr
    # a recurring monitor where the cluster runs it is not the probe's business
    assert fs("monitor", prefix=prefix, interval_ms=MON).rc == 0
    assert fs("stop").rc == 0 and not mounted(mnt)
    # not mounted (yet): nothing runs here, whatever the line says
    assert fs("monitor", prefix=prefix).rc == 7


@pytest.mark.parametrize("line", [
    "nfs-server:{d} {d} nfs noauto,_netdev 0 0",       # the fix the reason asks for
    "nfs-server:{d} {d}/other nfs defaults 0 0",       # another directory
    "# nfs-server:{d} {d} nfs defaults 0 0",           # removed (commented out)
])
def test_a_probe_accepts_a_mount_etc_fstab_leaves_to_the_cluster(fs, mnt, tmp_path, line):
    assert fs("start").rc == 0
    assert fs("monitor", prefix=with_fstab(tmp_path, line.format(d=mnt) + "\n")).rc == 0


# --- the mount is found by what it is (mountinfo: source, fstype, the id noted at start),
# never by resolving the path again -------------------------------------------------------
def _mount_other(where, source="othersrc"):
    os.makedirs(where, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", source, where], check=True)


def _alive(p):
    return p.poll() is None


@pytest.mark.parametrize("source", ["othersrc", "tmpfs"])  # (tmpfs: the very same source)
def test_a_mount_point_symlinked_to_another_filesystem_is_not_ours(fs, tmp_path, source):
    """The mount point a symlink to another filesystem: a probe said it ran, and stop TERMed
    that filesystem's users and unmounted it."""
    other, link = str(tmp_path / "other"), tmp_path / "UCA-EBC-link"
    _mount_other(other, source)
    writer = subprocess.Popen(["sleep", "300"], cwd=other)
    try:
        link.symlink_to(other)
        p = {"directory": str(link)}
        assert fs("monitor", p).rc == 7                                  # a probe
        assert fs("monitor", p, interval_ms=MON).rc == 7
        result = fs("stop", p)
        assert result.rc == 0, result
        assert mounted(other) and _alive(writer) and "sending" not in result.stderr
        refused = fs("start", p)                       # never mounted through a symlink
        assert refused.rc == 2, refused
        assert "is a symlink" in refused.reason
        assert not mounted(str(link)) and mounted(other)
    finally:
        writer.kill()
        writer.wait()
        unmount(other)


def test_a_parent_swapped_for_a_symlink_after_start_still_finds_the_mount(fs, tmp_path):
    """The parent replaced by a symlink after start: monitor said 7 and stop 0 while the
    real mount and its writer stayed (a failover would then mount it on both nodes)."""
    base = tmp_path / "base"
    directory = base / "parent" / "UCA-EBC"
    (base / "elsewhere" / "UCA-EBC").mkdir(parents=True)
    directory.mkdir(parents=True)
    p = {"directory": str(directory)}
    assert fs("start", p).rc == 0
    writer = subprocess.Popen(["sh", "-c", "while :; do date > now; sleep 0.1; done"],
                              cwd=str(directory))
    moved = base / "parent.real" / "UCA-EBC"
    try:
        os.rename(base / "parent", base / "parent.real")
        (base / "parent").symlink_to(base / "elsewhere")
        result = fs("monitor", p, interval_ms=MON)
        assert result.rc == 1, result                    # found where it really is
        assert str(moved) in result.reason
        assert fs("monitor", p).rc == 1                   # a probe too (not "stopped")
        result = fs("stop", p)
        assert result.rc == 0, result
        assert not mounted(str(moved)), "stop left the real mount"
        assert writer.wait(timeout=5) == -15              # its writer was stopped (TERM)
        assert fs("monitor", p, interval_ms=MON).rc == 7
        assert fs("start", p).rc == 2                      # not through the symlink now
        assert not mounted(str(base / "elsewhere" / "UCA-EBC"))
    finally:
        writer.kill()
        writer.wait()
        for where in (str(moved), str(directory), str(base / "elsewhere" / "UCA-EBC")):
            unmount(where)


@pytest.mark.parametrize("mode,expected", [(0o777, 2), (0o775, 2), (0o1777, 0)])
def test_a_mount_point_under_a_directory_others_can_change_is_refused(fs, tmp_path, mode,
                                                                     expected):
    """Others could swap what is below a directory they can write; root's sticky one
    (/tmp) is fine: there others cannot rename or remove what is not theirs."""
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(mode)
    directory = str(parent / "UCA-EBC")
    try:
        result = fs("start", {"directory": directory})
        assert result.rc == expected, result
        if expected:
            assert "writable by others" in result.reason and not mounted(directory)
            assert fs("validate-all", {"directory": directory}).rc == expected
        else:
            assert mounted(directory)
            assert fs("stop", {"directory": directory}).rc == 0
    finally:
        unmount(directory)


@pytest.mark.parametrize("forgery", ["writable-by-others", "symlink", "fifo", "junk",
                                     "wrong-parent"])
def test_the_noted_mount_is_untrusted_input(fs, mnt, tmp_path, rsctmp, forgery):
    """A state file that names another mount of the same source and fstype (tmpfs) - as a
    forgery or a stale one - never makes stop touch that mount."""
    other = str(tmp_path / "other")
    _mount_other(other, "tmpfs")
    writer = subprocess.Popen(["sleep", "300"], cwd=other)
    try:
        entry = next(line.split() for line in Path("/proc/self/mountinfo").read_text()
                     .splitlines() if line.split()[4] == other)
        state_dir = rsctmp["HA_RSCTMP"]
        os.makedirs(state_dir, exist_ok=True)
        state = os.path.join(state_dir, "nfvd-shared-fs" + mnt.replace("/", "%") + ".mount")
        text = f"{entry[0]} {entry[1]} {entry[2]}\n"
        if forgery == "wrong-parent":
            text = f"{entry[0]} {int(entry[1]) + 1000} {entry[2]}\n"
        if forgery == "symlink":
            with open(state + ".real", "w") as f:
                f.write(text)
            os.symlink(state + ".real", state)
        elif forgery == "fifo":
            os.mkfifo(state)
        else:
            with open(state, "w") as f:
                f.write("12 x 0:0\n" if forgery == "junk" else text)
            os.chmod(state, 0o666 if forgery == "writable-by-others" else 0o600)
        assert fs("monitor").rc == 7
        result = fs("stop")
        assert result.rc == 0, result
        assert "Traceback" not in result.stderr and "sending" not in result.stderr
        assert mounted(other) and _alive(writer)
    finally:
        writer.kill()
        writer.wait()
        unmount(other)
