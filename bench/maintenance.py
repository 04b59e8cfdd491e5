#!/usr/bin/env python3
"""Controller reaction: lock file event -> the cluster changed (CIB), on a real lab node.

  sudo python3 bench/maintenance.py [--runs 20]

Brings up the Fulfillment pair (Pacemaker, rendered example, controller running as the lab
starts it), then on the passive node, in one process on the node's own clock: `touch` the
lock (maintenance in place) and poll `cibadmin --query --scope nodes` until the node's
maintenance attribute is there; remove the lock and poll until it is gone. Resolution: one
cibadmin call (~10-20 ms).
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.lab import PAIR_SERVICES, Pacemaker, running_lab  # noqa: E402

PROBE = r"""
import os, subprocess, sys, time
lock, me, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def attr():
    out = subprocess.run(["cibadmin", "--query", "--scope", "nodes"], capture_output=True,
                         text=True).stdout
    line = next((n for n in out.split("<node ") if f'uname="{me}"' in n), "")
    return 'name="maintenance" value="true"' in line
def until(want):
    while attr() != want:
        pass
    return time.time()
os.makedirs(os.path.dirname(lock), exist_ok=True)
for _ in range(runs):
    t0 = time.time(); open(lock, "a").close(); t1 = until(True)
    time.sleep(0.5)
    t2 = time.time(); os.unlink(lock); t3 = until(False)
    print(f"{t1 - t0:.3f} {t3 - t2:.3f}", flush=True)
    time.sleep(0.5)
"""
LOCK = "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with running_lab("benchmaint", ["ff-node1", "ff-node2", *PAIR_SERVICES]) as lab:
        ff = Pacemaker(lab, ["ff-node1", "ff-node2"])
        lab.wait(lambda: lab.pair_ready("nfvd-ff"), 180, "the pair")
        lab.load_cib("nfvd-ff")
        holder = lab.wait(lambda: ff.where("sosa-lockmgr"), 60, "sosa started")
        node = "ff-node2" if holder == "ff-node1" else "ff-node1"
        res = subprocess.run(["docker", "exec", lab.container(node), "python3", "-c", PROBE,
                              LOCK, node, str(args.runs)], capture_output=True, text=True,
                             check=True, timeout=600)
        pairs = [tuple(map(float, line.split())) for line in res.stdout.split("\n") if line]
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    for label, values in (("touch lock -> node maintenance=true in the CIB",
                           [p[0] for p in pairs]),
                          ("rm lock -> attribute gone from the CIB", [p[1] for p in pairs])):
        print(f"{label:<48} median {statistics.median(values) * 1000:6.0f} ms   max "
              f"{max(values) * 1000:5.0f} ms   runs {len(values)}")


if __name__ == "__main__":
    main()
