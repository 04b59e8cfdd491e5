#!/usr/bin/env python3
"""The guide's upgrade of an HA platform (4.4) walked with `nfvd-ha upgrade check|begin|end`
on the lab's Assurance pair around the NFVD stand-ins' installer (tests/helpers/upgrade.py:
secondary first with -s, then primary with -p, nfvd-reconfigure after each), and what a
client sees: it asks the Assurance Gateway through the VIP every 100 ms (curl -m 1) from
before the first step to after the last; the longest time between two answers and the
requests not answered. The gaps are the two planned switchovers (`upgrade begin` brings the
group to the node the installer runs on) and the installer's own restarts of the services.

  sudo python3 bench/upgrade.py [--runs 3]      (results: bench/results-upgrade.txt)
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.lab import Pacemaker, gap_runs, running_lab  # noqa: E402
from helpers.upgrade import GROUP, PAIR, walk  # noqa: E402

LABEL = "upgrade 4.4, Assurance pair, secondary then primary (Gateway via the VIP / 100 ms)"


def one_run(lab, pcmk, run):
    lab.wait(lambda: pcmk.online() == set(PAIR) and pcmk.where(GROUP), 180, "the pair serving")
    lab.settle(PAIR[0])
    done = walk(lab, pcmk, f"4.2.{run + 1}-bench", f"upgrade-bench-{run}")
    print("  where: " + "; ".join(f"{step}: {failed} failed, gap {gap:.2f} s"
                                  for step, failed, gap in done.by_step()), flush=True)
    return done.gap, done.failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with running_lab("benchupg", [*PAIR, "qnetd", "power", "client"]) as lab:
        lab.pair_up("nfvd-aa")
        lab.load_cib("nfvd-aa")
        pcmk = Pacemaker(lab, list(PAIR))
        gap_runs(LABEL, args.runs, lambda run: one_run(lab, pcmk, run))


if __name__ == "__main__":
    main()
