"""The monitors Pacemaker runs every few seconds: the vip one asked of the kernel, without a
command, and neither it nor shared-fs's importing the slow standard modules or the code of the
other actions, so that they stay inside their speed budget (bench/agents.py: at most 0.7x the
shell agent each replaces)."""

import os
import subprocess
import sys

from nfvd_ocf import addresses

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
#: what a monitor must not import: each costs a fraction of a millisecond to milliseconds of
#: start-up on every run
SLOW = {"ipaddress", "typing", "re", "enum", "dataclasses", "subprocess", "socket", "inspect",
        "functools", "collections", "signal", "ctypes", "nfvd_ocf.proc", "nfvd_ocf.arp",
        "nfvd_ocf.owned", "nfvd_ocf.trusted"}
ABSENT = "192.0.2.77"  # TEST-NET-1: never on a host of the suite


def _monitor(module, params, interval_ms):
    """(rc, the slow modules it imported) of one monitor of ``agents.<module>``, run as the
    launcher runs it (-IS), with no command on PATH."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            f"from agents.{module} import AGENT; from nfvd_ocf.runtime import run; "
            f"rc = run(AGENT, ['{module}', 'monitor']); "
            f"print(rc, sorted(set({sorted(SLOW)!r}) & set(sys.modules)))")
    env = {"PATH": "", "HA_LOGFACILITY": "none", "HA_RSCTMP": "/nonexistent",
           "OCF_RESKEY_CRM_meta_interval": str(interval_ms)}
    env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
    done = subprocess.run([sys.executable, "-IS", "-c", code, REPO], capture_output=True,
                          text=True, env=env, timeout=30)
    return done.stdout.strip(), done.stderr


def test_a_vip_monitor_runs_no_command_and_imports_nothing_slow():
    for interval_ms in (0, 10000):  # the probe and the recurring monitor
        out, err = _monitor("vip", {"ip": ABSENT, "cidr_netmask": "24"}, interval_ms)
        assert out == "7 []", err  # with `ip` (not on PATH) a recurring monitor said 5


def test_a_shared_fs_monitor_imports_nothing_slow():
    out, err = _monitor("shared_fs", {"device": "nfs1:/export/nothing",
                                      "directory": "/srv/nfvd-ha-never-mounted",
                                      "fstype": "nfs"}, 20000)
    assert out == "7 []", err


def test_the_kernel_lists_the_loopback_address_on_lo():
    held = addresses.assignments("127.0.0.1")
    assert [(a.device, a.prefixlen, a.tentative, a.dad_failed) for a in held] == [
        ("lo", 8, False, False)]
    assert addresses.assignments(ABSENT) == [] and addresses.assignments("not an ip") == []


def test_main_exits_with_the_actions_code_and_all_it_wrote(tmp_path):
    """main() skips the interpreter's finalization: what the action wrote still gets out in
    full (meta-data to a file sits in its buffer until flushed), with the action's exit code."""
    for action, code in (("meta-data", 0), ("monitor", 7), ("reload-ish", 3)):
        out = tmp_path / f"{action}.out"
        with open(out, "w") as stdout:
            done = subprocess.run(
                [sys.executable, "-IS", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                 "from agents.vip import AGENT; from nfvd_ocf.runtime import main; "
                 f"sys.argv = ['vip', '{action}']; main(AGENT)", REPO],
                stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=30,
                env={"PATH": "", "HA_LOGFACILITY": "none", "OCF_RESKEY_ip": ABSENT})
        assert done.returncode == code, done.stderr
        if action == "meta-data":
            text = out.read_text()
            assert text.startswith("<?xml") and text.endswith("</resource-agent>\n"), text
        if code == 3:
            assert done.stderr.startswith("usage: vip {start|") and \
                "ocf-exit-reason:unsupported action 'reload-ish'" in done.stderr
