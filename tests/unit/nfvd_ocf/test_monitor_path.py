"""The vip monitor, the agent Pacemaker runs most often: asked of the kernel, without a command
and without the slow standard modules, so that it stays inside its speed budget (bench/agents.py:
at most 0.7x the shell agent it replaces)."""

import os
import subprocess
import sys

from nfvd_ocf import addresses

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
#: what a monitor must not import: each costs milliseconds of start-up on every run
SLOW = {"ipaddress", "typing", "re", "enum", "dataclasses", "subprocess", "socket", "inspect",
        "functools", "collections", "signal", "nfvd_ocf.proc", "nfvd_ocf.arp"}
ABSENT = "192.0.2.77"  # TEST-NET-1: never on a host of the suite


def _monitor(interval_ms):
    """rc and the slow modules of one vip monitor of ABSENT, run as the launcher runs it (-IS)
    with no command on PATH."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from agents.vip import AGENT; "
            "from nfvd_ocf.runtime import run; rc = run(AGENT, ['vip', 'monitor']); "
            f"print(rc, sorted(set({sorted(SLOW)!r}) & set(sys.modules)))")
    env = {"PATH": "", "HA_LOGFACILITY": "none", "OCF_RESKEY_ip": ABSENT,
           "OCF_RESKEY_cidr_netmask": "24", "OCF_RESKEY_CRM_meta_interval": str(interval_ms)}
    done = subprocess.run([sys.executable, "-IS", "-c", code, REPO], capture_output=True,
                          text=True, env=env, timeout=30)
    return done.stdout.strip(), done.stderr


def test_a_vip_monitor_runs_no_command_and_imports_nothing_slow():
    for interval_ms in (0, 10000):  # the probe and the recurring monitor
        out, err = _monitor(interval_ms)
        assert out == "7 []", err  # with `ip` (not on PATH) a recurring monitor said 5


def test_the_kernel_lists_the_loopback_address_on_lo():
    held = addresses.assignments("127.0.0.1")
    assert [(a.device, a.prefixlen, a.tentative, a.dad_failed) for a in held] == [
        ("lo", 8, False, False)]
    assert addresses.assignments(ABSENT) == [] and addresses.assignments("not an ip") == []
