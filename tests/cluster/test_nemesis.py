"""A short nemesis in CI (issue 24): 5 minutes of compound faults and operator actions at
random on the Fulfillment, Assurance and load balancer pairs, under client traffic, judged
afterwards over the lab's continuous records (tests/helpers/nemesis.py's checker).

The seed is the date (YYYYMMDD, UTC): each day plays a new schedule, printed first, and any
day's is replayed with NFVD_NEMESIS_SEED=S (or python3 bench/nemesis.py --minutes 5 --seed S).
"""

import os
import time

import pytest

from helpers import nemesis, nemesis_lab

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("fresh_ff", "fresh_aa")]
MINUTES = 5


@pytest.mark.timeout(MINUTES * 60 + nemesis_lab.BOUND + nemesis_lab.HEAL_TIMEOUT + 600)
def test_five_minutes_of_random_compound_faults_break_no_invariant(lab, ff, aa, lbpair):
    seed = int(os.environ.get("NFVD_NEMESIS_SEED") or time.strftime("%Y%m%d", time.gmtime()))
    print(f"nemesis seed {seed} (replay: NFVD_NEMESIS_SEED={seed})")
    steps = nemesis.schedule(seed, MINUTES)
    verdict, line, kept, errors = nemesis_lab.run(lab, seed, MINUTES, steps)
    print(line)
    assert errors == [], f"the nemesis could not play its schedule: {errors}"
    assert verdict.violations == 0, f"{line}\n{verdict.report()}\nkept in {kept}"
    assert verdict.rounds >= 0.6 * MINUTES * 60 / 0.1, "the ARP watcher was not watching"
    assert all(gap < float("inf") for gap in verdict.unavailability.values()), \
        "no request was answered through a VIP"
