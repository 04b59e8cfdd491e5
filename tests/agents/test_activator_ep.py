"""ocf:nfvd:activator-ep run as a real process against the stand-in init script."""

import os
import subprocess

import pytest
from helpers.waits import wait_until

MON = 10000  # a recurring monitor's interval (ms); no interval = probe


MATCH = "nfvd-standin-daemon=sosa nfvd-standin-daemon=lockmgr"  # the stand-ins' command lines


@pytest.fixture
def params(standins):
    return {"init_script": standins.activator_ep,
            "pid_files": f"{standins.pidfile('sosa')} {standins.pidfile('lockmgr')}",
            "process_match": MATCH}


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_probe_of_stopped_resource_is_not_running(agent, params):
    assert agent("activator-ep", "monitor", params).rc == 7


def test_start_brings_up_sosa_and_lock_manager(agent, params, standins):
    result = agent("activator-ep", "start", params)
    assert result.rc == 0, result
    assert standins.alive("sosa") and standins.alive("lockmgr")
    assert agent("activator-ep", "monitor", params, interval_ms=MON).rc == 0


def test_start_and_stop_are_idempotent(agent, params, standins):
    assert agent("activator-ep", "start", params).rc == 0
    assert agent("activator-ep", "start", params).rc == 0
    assert agent("activator-ep", "stop", params).rc == 0
    assert not standins.alive("sosa") and not standins.alive("lockmgr")
    assert agent("activator-ep", "stop", params).rc == 0


def test_kill9_of_sosa_is_a_failure_naming_sosa(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("sosa")
    result = agent("activator-ep", "monitor", params, interval_ms=MON)
    assert result.rc == 1
    assert "Lock Manager running but SOSA not running" in result.reason


def test_kill9_of_both_is_not_running(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("sosa")
    standins.kill9("lockmgr")
    assert agent("activator-ep", "monitor", params, interval_ms=MON).rc == 7


def test_stale_pid_files_are_not_running(agent, params, standins):
    for name in ("sosa", "lockmgr"):  # pid 1 is alive but is not SOSA
        with open(standins.pidfile(name), "w") as f:
            f.write("1\n")
    assert agent("activator-ep", "monitor", params).rc == 7
    assert agent("activator-ep", "stop", params).rc == 0
    assert agent("activator-ep", "start", params).rc == 0
    assert standins.alive("sosa")


def test_start_after_partial_failure_recovers(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("lockmgr")
    assert agent("activator-ep", "start", params).rc == 0
    assert standins.alive("lockmgr")


def test_stop_escalates_to_kill_when_init_script_stop_does_not_work(agent, params, standins):
    standins.flag("sosa", "ignore-term")
    assert agent("activator-ep", "start", params).rc == 0
    sosa = standins.pid("sosa")
    result = agent("activator-ep", "stop", params, timeout_ms=20000)
    assert result.rc == 0, result
    assert result.elapsed < 20
    assert not alive(sosa)


def test_a_pid_file_naming_another_process_never_gets_it_signalled(agent, params, standins,
                                                                   tmp_path):
    standins.flag("sosa", "ignore-term")
    assert agent("activator-ep", "start", params).rc == 0
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        planted = tmp_path / "planted.pid"
        planted.write_text(f"{bystander.pid}\n")
        result = agent("activator-ep", "stop", dict(params, pid_files=str(planted)),
                       timeout_ms=12000)
        assert result.rc == 0, result  # SOSA found by its command line, killed
        assert bystander.poll() is None, "a process that is not SOSA was signalled"
        assert not standins.alive("sosa")
    finally:
        bystander.kill()
        bystander.wait()


def test_pid_files_that_are_fifos_or_symlinks_never_block_or_mislead_a_stop(
        agent, params, standins, tmp_path):
    fifo, link = tmp_path / "fifo.pid", tmp_path / "link.pid"
    os.mkfifo(fifo)
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        target = tmp_path / "target.pid"
        target.write_text(f"{bystander.pid}\n")
        link.symlink_to(target)
        standins.flag("sosa", "ignore-term")  # the script's stop fails: the escalation runs
        assert agent("activator-ep", "start", params).rc == 0
        result = agent("activator-ep", "stop", dict(params, pid_files=f"{fifo} {link}"),
                       timeout_ms=10000, wait=30)
        assert result.rc == 0, result
        assert result.elapsed < 10
        assert bystander.poll() is None  # a symlinked pid file is not followed
        assert not standins.alive("sosa")
    finally:
        bystander.kill()
        bystander.wait()


@pytest.fixture(params=["no-shebang", "bad-interpreter", "directory"])
def broken_script(request, tmp_path):
    """An init script the kernel cannot execute."""
    path = tmp_path / "activator-ep"
    if request.param == "directory":
        path.mkdir()
        path.chmod(0o755)
    else:
        path.write_text("echo SOSA\n" if request.param == "no-shebang"
                        else "#!/nonexistent/sh\necho SOSA\n")
        path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("action,interval,expected", [
    ("monitor", None, 7), ("monitor", MON, 5), ("start", None, 5), ("validate-all", None, 5),
    ("stop", None, 0)])
def test_an_init_script_that_cannot_run_is_not_installed(agent, params, broken_script, action,
                                                        interval, expected):
    result = agent("activator-ep", action, dict(params, init_script=broken_script),
                   interval_ms=interval)
    assert result.rc == expected, result
    assert "Traceback" not in result.stderr
    if expected == 5:
        assert broken_script in result.reason


def test_stop_with_a_script_that_cannot_run_kills_what_still_runs(agent, params, standins,
                                                                  broken_script):
    assert agent("activator-ep", "start", params).rc == 0
    sosa, lockmgr = standins.pid("sosa"), standins.pid("lockmgr")
    result = agent("activator-ep", "stop", dict(params, init_script=broken_script))
    assert result.rc == 0, result
    assert not alive(sosa) and not alive(lockmgr)


def test_start_that_cannot_bring_sosa_up_fails_within_timeout(agent, params, standins):
    standins.flag("sosa", "fail-start")
    result = agent("activator-ep", "start", params, timeout_ms=4000)
    assert result.rc == 1
    assert "SOSA not running" in result.reason
    assert result.elapsed < 4.5


@pytest.mark.parametrize("action,interval,expected", [
    ("monitor", None, 7), ("stop", None, 0), ("start", None, 5), ("validate-all", None, 5),
    ("monitor", MON, 5)])
def test_missing_init_script(agent, action, interval, expected, tmp_path):
    result = agent("activator-ep", action, {"init_script": str(tmp_path / "none")},
                   interval_ms=interval)
    assert result.rc == expected
    if expected == 5:
        assert str(tmp_path / "none") in result.reason


@pytest.mark.parametrize("action,expected", [("start", 6), ("validate-all", 6),
                                             ("stop", 0), ("monitor", 6)])
def test_bad_parameter(agent, params, action, expected):
    result = agent("activator-ep", action, dict(params, check_timeout="soon"))
    assert result.rc == expected
    if expected == 6:
        assert "check_timeout" in result.reason and "not an integer" in result.reason


def test_unknown_action_is_unimplemented(agent, params):
    result = agent("activator-ep", "promote", params)
    assert result.rc == 3
    assert "usage:" in result.stderr


def test_the_runbook_shim_is_never_taken_for_nfvd_s_script(agent, tmp_path):
    """`nfvd-ha compat install` puts a guarded shim at /etc/init.d/activator-ep; an agent
    pointed at it (heartbeat's path) says so instead of failing to start for ever."""
    from heartbeat_compat.shims import shims
    path, text = shims(activator_ep="/opt/HPE/nfvd/fulfillment/scripts/activator-ep")[
        "activator-ep"]
    shim = tmp_path / "activator-ep"
    shim.write_text(text)
    shim.chmod(0o755)
    for action, expected in (("start", 5), ("validate-all", 5), ("monitor", 7), ("stop", 0)):
        result = agent("activator-ep", action, {"init_script": str(shim)})
        assert result.rc == expected, (action, result)
        if expected == 5:
            assert "nfvd-ha's runbook shim" in result.reason
            assert "/opt/HPE/nfvd/fulfillment/scripts/activator-ep" in result.reason


# --- process_match selects SOSA and the Lock Manager, nothing else ----------------------
# The agent runs in its own pid (and mount) namespace beside bystanders, so that a
# regression cannot signal anything of this machine: sshd and postgres stand-ins, an
# operator's `tail -f` of SOSA's log. The wrapper reports which bystanders survived.
BYSTANDERS = r"""
"$BIN/sshd" 300 & a=$!
"$BIN/postgres" 300 & b=$!
tail -f "$LOGS/ServiceActivator/EP/SOSA/sosa.log" >/dev/null & c=$!
sh -c "sleep 300; : $LOGS/ServiceActivator/EP/SOSA/sosa.log" & d=$!
"$BIN/java" -Dsosa.home=/opt/OV/ServiceActivator/EP/SOSAbackup & e=$!
"$BIN/java" -Dsosa.home=/opt/OV/ServiceActivator/EP/SOSA & f=$!
sleep 0.3
"$@"; rc=$?
for who in sshd:$a postgres:$b tail:$c shell:$d backup:$e sosa:$f; do
    kill -0 "${who#*:}" 2>/dev/null && echo "ALIVE ${who%:*}"
done
exit $rc
"""


@pytest.fixture
def bystanders(tmp_path):
    """The prefix that runs an agent among the bystanders (in a pid namespace)."""
    import shutil
    bin_dir, logs = tmp_path / "bin", tmp_path / "var-opt-OV"
    bin_dir.mkdir()
    (logs / "ServiceActivator" / "EP" / "SOSA").mkdir(parents=True)
    (logs / "ServiceActivator" / "EP" / "SOSA" / "sosa.log").write_text("started\n")
    sleep = shutil.which("sleep")
    for name in ("sshd", "postgres"):
        (bin_dir / name).symlink_to(sleep)  # argv[0] and a path: what "/" matched
    (bin_dir / "java").write_text("#!/usr/bin/python3\nimport time\ntime.sleep(300)\n")
    (bin_dir / "java").chmod(0o755)
    script = f'BIN={bin_dir}; LOGS={logs}\n' + BYSTANDERS
    return ("unshare", "--pid", "--fork", "--mount", "--mount-proc", "--propagation",
            "private", "sh", "-c", script, "bystanders")


def alive_after(result):
    return {line.split()[1] for line in result.stdout.splitlines() if line.startswith("ALIVE")}


@pytest.mark.parametrize("action,expected", [("start", 6), ("validate-all", 6), ("monitor", 6),
                                             ("stop", 0)])
def test_process_match_slash_is_refused_and_signals_nothing(agent, tmp_path, bystanders,
                                                            action, expected):
    """process_match="/" made an activator-ep stop TERM sshd and postgres (a stop with no
    runnable init script goes straight to the processes)."""
    result = agent("activator-ep", action, {"init_script": str(tmp_path / "missing"),
                                             "process_match": "/"}, prefix=bystanders)
    assert result.rc == expected, result
    assert "Traceback" not in result.stderr and "sending" not in result.stderr
    if expected == 6:
        assert "process_match" in result.reason and "'/'" in result.reason
    assert alive_after(result) == {"sshd", "postgres", "tail", "shell", "backup", "sosa"}


@pytest.mark.parametrize("pattern", ["/", "/usr/bin", "java", "sshd", "bin/java", "a=b",
                                     "/opt/OV", "ServiceActivator EP", "x\"y", "-", "..."])
def test_process_match_needs_a_distinctive_fragment(agent, params, pattern):
    result = agent("activator-ep", "validate-all", dict(params, process_match=pattern))
    assert result.rc == 6, result
    assert "process_match" in result.reason


def test_with_the_default_patterns_a_stop_signals_sosa_only(agent, tmp_path, bystanders):
    """The defaults (ServiceActivator/EP/SOSA, .../LockManager) also hit `tail -f
    .../ServiceActivator/EP/SOSA/...`: now only a program running from there is ended."""
    result = agent("activator-ep", "stop", {"init_script": str(tmp_path / "missing")},
                   prefix=bystanders)
    assert result.rc == 0, result
    assert alive_after(result) == {"sshd", "postgres", "tail", "shell", "backup"}
    assert "sending TERM" in result.stderr  # SOSA (its java, by -Dsosa.home=...) was ended


def test_a_stop_never_signals_a_container_s_processes(agent, params, standins, tmp_path):
    """A host's /proc shows its containers' processes with their command lines: a SOSA in a
    container (another pid namespace) matches process_match as well as ours does. A stop
    that escalates ends our SOSA and Lock Manager and leaves the container's alone (the
    lab saw a Fulfillment node's SOSA and Lock Manager TERMed from outside its namespace
    while these tests ran on its host)."""
    script = tmp_path / "container.sh"  # the pattern only inside the container
    script.write_text("exec python3 -c 'import time; time.sleep(300)' daemon sosa"
                      " nfvd-standin-daemon=sosa\n")
    container = subprocess.Popen(["unshare", "--pid", "--fork", "--mount", "--mount-proc",
                                  "--propagation", "private", "sh", str(script)])
    try:
        inside = wait_for_pid_in_other_namespace("nfvd-standin-daemon=sosa")
        assert agent("activator-ep", "start", params).rc == 0
        sosa, lockmgr = standins.pid("sosa"), standins.pid("lockmgr")
        result = agent("activator-ep", "stop", dict(params, init_script=str(tmp_path / "none")))
        assert result.rc == 0, result
        assert not alive(sosa) and not alive(lockmgr)
        assert alive(inside), "the container's SOSA was signalled"
    finally:
        container.kill()
        container.wait(timeout=10)


def wait_for_pid_in_other_namespace(fragment, timeout=10.0):
    """The pid (host's view) of a process of another pid namespace running ``fragment``."""
    return wait_until(lambda: pid_in_other_namespace(fragment), timeout, 0.05,
                      f"a process of another pid namespace running {fragment!r}")


def pid_in_other_namespace(fragment):
    own = os.stat("/proc/self/ns/pid").st_ino
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
            other = os.stat(f"/proc/{name}/ns/pid").st_ino != own
        except OSError:
            continue
        if fragment in argv and other:
            return int(name)
    return None
