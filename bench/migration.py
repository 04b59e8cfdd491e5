#!/usr/bin/env python3
"""The rolling heartbeat -> Pacemaker migration of a running pair (docs/operator/migration.md;
tests/helpers/migration.py), its service downtime: a client asks SOSA through the
VIP every 100 ms (curl -m 1) from before the first step to after the last; the longest time
between two answers and the requests not answered. Each run on a new heartbeat pair.

  sudo python3 bench/migration.py [--runs 3]

Target: no worse than one node-loss failover of the fenced pair (bench/failover.py;
bench/results-failover.txt has both).
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.lab import gap_and_failures, gap_runs, running_lab, timed_requests  # noqa: E402
from helpers.migration import VIP, finish, hand_over, prepare  # noqa: E402

NODES = ("hb-node1", "hb-node2")
SOSA = f"http://{VIP}:7001/"

LABEL = "heartbeat -> Pacemaker rolling migration (SOSA via the VIP every 100 ms)"


def one_run(lab, run):
    lab.compose("up", "-d", "--force-recreate", "--no-deps", *NODES)
    holder = lab.wait(lambda: next((n for n in NODES if lab.curl(SOSA).strip() ==
                                    f"sosa on {n}"), None), 120, "SOSA on the heartbeat VIP")
    passive = next(n for n in NODES if n != holder)
    read = timed_requests(lab, SOSA, 240, f"migration-{run}")
    lab.wait(lambda: len(read()) >= 10, 10, "requests flowing")
    prepare(lab, holder, passive)
    hand_over(lab, holder, passive)
    lab.wait(lambda: lab.curl(SOSA).strip() == f"sosa on {passive}", 30, "SOSA on the peer")
    finish(lab, holder)
    lab.wait(lambda: "Online: [ hb-node1 hb-node2 ]" in lab.sh(passive, "crm_mon -1").stdout,
             120, "both nodes in Pacemaker")
    count = len(read())
    lab.wait(lambda: len(read()) >= count + 5, 10, "requests after the hand-over")
    return gap_and_failures([s for s in read() if s != ("done",)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with running_lab("benchmig", [*NODES, "client"]) as lab:
        gap_runs(LABEL, args.runs, lambda run: one_run(lab, run))


if __name__ == "__main__":
    main()
