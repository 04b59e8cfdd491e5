#!/usr/bin/env python3
"""A randomized nemesis: compound faults and operator actions at random, under client traffic,
on a lab of its own; the whole history judged afterwards (issue 24).

  sudo python3 bench/nemesis.py --minutes 30 [--seed S] [--out bench/results-nemesis.txt]

The schedule (tests/helpers/nemesis.py) is a function of the seed and the minutes: printed
first, replayed exactly by the same --seed. Faults are the fault matrix's, node losses silent
as VMs fail, overlapping (two at once, one during another's recovery, flapping) with random
durations and gaps (often shorter than a recovery); between them (often on a pair still
recovering) and with a fault landing while one is under way, crm node standby/online,
nfvd-ha maintenance start/stop, the lock file, nfvd-ha apply of a changed monitor interval,
a resource cleanup. Requests through the Fulfillment, Assurance and LB VIPs
all along; the lab's ARP watcher and shared-storage writers record throughout.

The checker: never two MACs for one VIP in a round, never two writers within a lease, every
acknowledged record on the storage at the end; once everything is healed, every service
answers through its VIP and every pair is clean within a bound derived in
tests/helpers/nemesis_lab.py (BOUND). A violation keeps seed, schedule, verdict and every
node's logs in a directory it prints. Adds the run to --out (first: the current run), its
command line, then:
nemesis: seed S | minutes: M | faults: N | operations: M | dual-active: 0 | two writers: 0 |
lost writes: 0 | liveness violations: 0 | longest unavailability: X s
"""
import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers import nemesis, nemesis_lab  # noqa: E402
from helpers.lab import PAIR_SERVICES, running_lab  # noqa: E402
from nfvd_ha.commands.lab import CLUSTERS  # noqa: E402

#: the pairs, what they need around them, and the LB pair's backends (the GUI nodes)
SERVICES = [n for pair in CLUSTERS.values() for n in pair] + list(PAIR_SERVICES) + [
    "gui-node1", "gui-node2"]


def record(out, minutes, seed, line, kept):
    """The run, first in ``out`` (bench/evidence.py's format: the command that reruns it, its
    date and host, then its line; runs separated by blank lines, the current one first)."""
    run = (f"# python3 bench/nemesis.py --minutes {minutes:g} --seed {seed}   "
           f"({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {platform.node()}: "
           f"{os.cpu_count()} cores, {platform.platform()})\n{line}\n"
           + (f"# violations kept in {kept}\n" if kept else ""))
    before = Path(out).read_text() if os.path.exists(out) else ""
    with open(out + ".new", "w") as f:
        f.write(run + ("\n" + before if before else ""))
    os.replace(out + ".new", out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results-nemesis.txt"))
    parser.add_argument("--keep", default=None, help="where a violation's evidence goes")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10 ** 9)
    print(f"nemesis seed: {seed} (replay: python3 bench/nemesis.py --minutes {args.minutes:g}"
          f" --seed {seed})", flush=True)
    steps = nemesis.schedule(seed, args.minutes)
    with running_lab("benchnemesis", SERVICES) as lab:
        for cluster in CLUSTERS:
            lab.pair_up(cluster)
            lab.load_cib(cluster)
        verdict, line, kept, errors = nemesis_lab.run(lab, seed, args.minutes, steps,
                                                      keep_dir=args.keep)
    print(line, flush=True)
    if errors:  # the nemesis did not do what its schedule said: no result to record
        print(f"{len(errors)} steps could not be played: not recorded", flush=True)
        sys.exit(2)
    record(args.out, args.minutes, seed, line, kept)
    sys.exit(1 if verdict.violations else 0)


if __name__ == "__main__":
    main()
