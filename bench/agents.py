#!/usr/bin/env python3
"""Wall time of `monitor`: ocf:nfvd agents vs the shell agents they replace, side by side.

  sudo python3 bench/agents.py [--runs 60] [--ocf-root /usr/lib/ocf]

Needs root (a network namespace and a tmpfs mount), resource-agents installed, and the nfvd
agents installed (`nfvd-ha agents install --python /usr/bin/python3`; to measure a checkout,
install its agents elsewhere, `PYTHONPATH=$PWD python3 -m nfvd_ha agents install --ocf-root
/tmp/ocf --python /usr/bin/python3`, and pass `--ocf-root /tmp/ocf`). The same resource is
monitored by both agents, runs alternate (A B A B ...) so that machine noise hits both alike;
the medians and their ratios are printed: wall time (the budget: nfvd at most 0.7x the shell
agent) and CPU time (user + system of the agent and its children), which a busy machine
inflates least.
"""
import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.netns import VethPair  # noqa: E402

OCF = "/usr/lib/ocf/resource.d"  # the shell agents (resource-agents)
Run = tuple[list[str], dict[str, str]]  # (argv, environment) of one monitor


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one run."""
    cpu, started = _cpu(), time.perf_counter()
    rc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, _cpu() - cpu, rc


def env_for(params: dict[str, str]) -> dict[str, str]:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESKEY_CRM_meta_interval": "10000", "OCF_RESKEY_CRM_meta_timeout": "20000",
           "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1", "HA_LOGFACILITY": "none",
           "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESOURCE_TYPE": "bench"}
    env.update({f"OCF_RESKEY_{k}": v for k, v in params.items()})
    return env


def compare(label: str, ours: Run, theirs: Run, runs: int) -> None:
    """Print the medians of ``runs`` monitors of each side, alternating."""
    wall: dict[str, list[float]] = {"nfvd": [], "shell": []}
    cpu: dict[str, list[float]] = {"nfvd": [], "shell": []}
    for _ in range(runs):
        for name, (argv, env) in (("nfvd", ours), ("shell", theirs)):
            seconds, cpu_seconds, rc = timed(argv, env)
            if rc != 0:
                sys.exit(f"{label}: {name} monitor returned {rc}: {argv}")
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    ours_ms, theirs_ms = (statistics.median(wall[n]) * 1000 for n in ("nfvd", "shell"))
    ours_cpu, theirs_cpu = (statistics.median(cpu[n]) * 1000 for n in ("nfvd", "shell"))
    print(f"{label:<44} nfvd {ours_ms:6.1f} ms   shell {theirs_ms:6.1f} ms   "
          f"ratio {ours_ms / theirs_ms:.2f}x   cpu nfvd {ours_cpu:5.1f} ms   shell "
          f"{theirs_cpu:5.1f} ms   ratio {ours_cpu / theirs_cpu:.2f}x   ({runs} runs each)")


def bench_vip(nfvd: str, runs: int) -> None:
    lan = VethPair()
    try:
        ns = list(lan.exec_prefix())
        params = {"ip": "192.168.77.100", "cidr_netmask": "24", "nic": "lan0"}
        subprocess.run(ns + [f"{nfvd}/vip", "start"], env=env_for(params), check=True,
                       capture_output=True)
        compare("monitor vip vs ocf:heartbeat:IPaddr2",
                (ns + [f"{nfvd}/vip", "monitor"], env_for(params)),
                (ns + [f"{OCF}/heartbeat/IPaddr2", "monitor"], env_for(params)), runs)
    finally:
        lan.close()


def bench_fs(nfvd: str, runs: int) -> None:
    directory = tempfile.mkdtemp(prefix="nfvd-bench-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", directory], check=True)
    try:
        params = {"device": "tmpfs", "directory": directory, "fstype": "tmpfs"}
        ours = dict(params, owner="")
        for depth in ("0", "10", "20"):
            e_ours, e_theirs = env_for(ours), env_for(params)
            e_ours["OCF_CHECK_LEVEL"] = e_theirs["OCF_CHECK_LEVEL"] = depth
            compare(f"monitor depth {depth:<2} shared-fs vs Filesystem",
                    ([f"{nfvd}/shared-fs", "monitor"], e_ours),
                    ([f"{OCF}/heartbeat/Filesystem", "monitor"], e_theirs), runs)
    finally:
        subprocess.run(["umount", directory])
        os.rmdir(directory)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--ocf-root", default="/usr/lib/ocf", help="where our agents are installed")
    args = parser.parse_args()
    nfvd = os.path.join(args.ocf_root, "resource.d", "nfvd")
    with open(nfvd + "/vip") as launcher:
        interpreter = launcher.readline().strip()[2:]
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
          f"agents in {args.ocf_root} run by {interpreter}")
    bench_vip(nfvd, args.runs)
    bench_fs(nfvd, args.runs)


if __name__ == "__main__":
    main()
