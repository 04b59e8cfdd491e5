#!/usr/bin/env python3
"""The fault matrix, N times each, on a lab of its own: the split-brain safety record.

  sudo python3 bench/faults.py [--runs 3] [--only NAME ...] [--out bench/results-faults.txt]

Each fault is injected on a settled pair (Fulfillment, or Assurance where storage matters),
watched for its whole length by the invariants the lab records (one MAC per VIP every
100 ms, one writer on the shared storage every 200 ms, every acknowledged write readable
afterwards), and timed until the pair has settled again (the group started on one node and
answering, both nodes online, nothing pending). The same matrix runs once per CI in
tests/cluster/test_faults.py. One line per fault:
fault: NAME | runs: N | recovery median: X.XX s | recovery max: X.XX s | dual-active: N |
lost writes: N | fenced: NODES
"""
import argparse
import os
import platform
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers import faults  # noqa: E402
from helpers.lab import PAIR_SERVICES, running_lab  # noqa: E402
from nfvd_ha.commands.lab import PAIRS  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, choices=list(faults.MATRIX))
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results-faults.txt"))
    args = parser.parse_args()
    names = args.only or list(faults.MATRIX)
    services = [n for pair in PAIRS.values() for n in pair] + list(PAIR_SERVICES)
    started = time.time()
    lines = [f"# python3 bench/faults.py --runs {args.runs}   ({time.strftime('%Y-%m-%d %H:%M')}"
             f" UTC, {platform.node()}: {os.cpu_count()} cores, {platform.platform()})",
             "# fenced = nodes the lab's power switch powered off/on during the fault"]
    details = []
    with running_lab("benchfaults", services) as lab:
        for cluster in PAIRS:
            lab.wait(lambda cluster=cluster: lab.pair_ready(cluster), 180, f"{cluster} ready")
            lab.load_cib(cluster)
        for name in names:
            outcomes = []
            for run in range(args.runs):
                outcome = faults.run_fault(lab, name)
                outcomes.append(outcome)
                details.append(f"#   {name} run {run + 1}: {outcome}")
                print(details[-1], flush=True)
            lines.append(faults.summary(name, outcomes))
            print(lines[-1], flush=True)
    lines.append(f"# {len(names)} faults x {args.runs} runs in {(time.time() - started) / 60:.1f} "
                 "min; per run:")
    with open(args.out, "w") as f:
        f.write("\n".join(lines + details) + "\n")
    bad = [line for line in lines if "| dual-active: 0 |" not in line and line.startswith("fault")
           or "| lost writes: 0 |" not in line and line.startswith("fault")]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
