"""The nemesis's schedule and checker (tests/helpers/nemesis.py), offline: the same seed
replays the same schedule, the schedule has the overlaps it promises, and the checker catches
what it must over recorded histories (a planted dual-active, two writers, a lost write, a
service that never came back)."""

import itertools

from helpers import nemesis
from helpers.nemesis import FAULTS, OPERATIONS, History, check


def test_the_same_seed_replays_the_same_schedule_and_another_seed_does_not():
    assert nemesis.schedule(20261202, 30) == nemesis.schedule(20261202, 30)
    assert nemesis.schedule(20261202, 30) != nemesis.schedule(20261203, 30)
    said = nemesis.describe(7, 5, nemesis.schedule(7, 5))
    assert said.splitlines()[0].startswith("nemesis schedule: seed 7, 5 min, ")
    assert "replay: --seed 7 --minutes 5" in said.splitlines()[0]


def test_a_schedule_stays_in_its_catalogue_and_heals_everything_before_the_end():
    for seed in range(40):
        steps = nemesis.schedule(seed, 5)
        assert steps == sorted(steps, key=lambda s: (s.at, s.kind, s.name))
        for step in steps:
            table = FAULTS if step.kind == "fault" else OPERATIONS
            kind = table[step.name]
            assert step.cluster in kind.clusters and step.target in kind.targets, step
            assert step.at >= 0 and step.end <= 5 * 60, step
            if step.pattern != "flapping":
                assert kind.span[0] <= step.duration <= kind.span[1], step


def test_thirty_minutes_have_every_overlap_and_gaps_shorter_than_a_recovery():
    steps = nemesis.schedule(2, 30)
    patterns = {s.pattern for s in steps}
    assert {"single", "concurrent", "during recovery", "flapping", "operation",
            "during operation"} <= patterns
    faults = [s for s in steps if s.kind == "fault"]
    assert len(faults) >= 30 and sum(s.kind == "operation" for s in steps) >= 10
    overlapping = [(a, b) for a, b in itertools.pairwise(faults) if b.at < a.end]
    assert overlapping  # two faults at once
    gaps = [b.at - a.end for a, b in itertools.pairwise(faults) if b.at >= a.end]
    assert any(gap < nemesis.RECOVERY for gap in gaps)
    assert {s.name for s in steps} >= {"crash", "partition", "standby", "cleanup"}


def test_a_fault_during_an_operation_hits_its_pair_while_the_action_is_under_way():
    early = later = 0
    for seed in range(60):
        steps = [s for s in nemesis.schedule(seed, 30) if s.pattern == "during operation"]
        actions = [s for s in steps if s.kind == "operation"]
        for action in actions:  # its fault: the next fault of the pattern at or after it
            fault = min((s for s in steps if s.kind == "fault" and s.at >= action.at),
                        key=lambda s: s.at)
            assert action.duration > 0 and action.at <= fault.at <= action.end, (action, fault)
            assert fault.cluster in (action.cluster, "qnetd"), (action, fault)
            early += fault.at - action.at <= nemesis.OPENING
            later += fault.at - action.at > nemesis.OPENING
    assert early > 0 and later > 0  # the switchover itself, and later in the action


def clean_history(**changes):
    """Two writers taking turns with a failover between, one VIP moving, all stored."""
    acks = {"sosa": [(100 + i * 0.2, "ff-node1", f"r{i}") for i in range(10)]
            + [(105 + i * 0.2, "ff-node2", f"s{i}") for i in range(10)]}
    arp = [(100 + i * 0.1, {"172.30.77.100": ["aa:01"] if i < 30 else ["aa:02"]})
           for i in range(60)]
    history = History(arp=arp, acks=acks,
                      stored={"sosa": {r for _, _, r in acks["sosa"]}}, until=110.0,
                      requests={"nfvd-ff": [(100 + i * 0.5, not 4 <= i < 14)
                                            for i in range(20)]},
                      healed=106.0, answered={"nfvd-ff": 107.0}, clean={"nfvd-ff": 108.0},
                      bound=60.0)
    for name, value in changes.items():
        setattr(history, name, value)
    return history


def test_a_clean_history_has_no_violation_and_its_longest_unavailability():
    verdict = check(clean_history())
    assert verdict.violations == 0, verdict.report()
    assert verdict.rounds == 60
    assert verdict.unavailability == {"nfvd-ff": 5.5}  # answered at 101.5, then at 107.0


def test_the_checker_catches_a_planted_dual_active_round():
    history = clean_history()
    history.arp.insert(40, (104.05, {"172.30.77.100": ["aa:01", "aa:02"]}))
    verdict = check(history)
    assert verdict.dual_active == ["104.050: 172.30.77.100 answered by aa:01, aa:02"]
    assert verdict.violations == 1


def test_the_checker_catches_a_planted_lost_write():
    history = clean_history()
    history.stored["sosa"].discard("s3")
    verdict = check(history)
    assert verdict.lost == ["105.600: sosa record s3 acked by ff-node2 is missing"]
    assert verdict.violations == 1


def test_the_checker_catches_two_writers_within_a_lease():
    history = clean_history()
    history.acks["sosa"].append((101.05, "ff-node2", "x1"))
    history.stored["sosa"].add("x1")
    verdict = check(history)
    assert len(verdict.two_writers) == 2 and verdict.violations == 2  # ABA: both edges


def test_acks_after_the_window_are_not_judged_lost():
    history = clean_history()
    history.acks["sosa"].append((111.0, "ff-node2", "late"))
    assert check(history).violations == 0


def test_the_checker_catches_a_service_that_never_answers_or_answers_late():
    verdict = check(clean_history(answered={"nfvd-ff": None}, clean={"nfvd-ff": 200.0}))
    assert verdict.liveness == [
        "nfvd-ff answered through its VIP never (bound 60 s after the last heal)",
        "nfvd-ff clean after 94.0 s (bound 60 s after the last heal)"]


def test_the_results_line_has_the_issue_s_fields():
    steps = nemesis.schedule(3, 5)
    line = nemesis.results_line(3, 5, steps, check(clean_history()))
    faults = sum(s.kind == "fault" for s in steps)
    assert line == (f"nemesis: seed 3 | minutes: 5 | faults: {faults} | operations: "
                    f"{len(steps) - faults} | dual-active: 0 | two writers: 0 | lost writes: 0"
                    " | liveness violations: 0 | longest unavailability: 5.5 s")


def test_every_fault_and_operation_of_the_catalogue_has_its_lab_side():
    from helpers import nemesis_lab

    class Roles:  # the holder, as crm_mon would say; nothing is run
        def holder(self, cluster):
            return nemesis_lab.CLUSTERS[cluster][1]
    for table in (FAULTS, OPERATIONS):
        for name, kind in table.items():
            for cluster in kind.clusters:
                for target in kind.targets:
                    kind_of = "fault" if table is FAULTS else "operation"
                    step = nemesis.Step(0, kind_of, name, cluster, target, 1, "single")
                    do, undo = nemesis_lab.actions(Roles(), step, 1)  # as play() does
                    assert callable(do) and callable(undo)
    step = nemesis.Step(0, "fault", "crash", "nfvd-lb", "passive", 1, "single")
    assert nemesis_lab.roles(Roles(), step) == ("lb-node1", "lb-node2",
                                                ("lb-node1", "lb-node2"))


def test_a_step_the_nemesis_cannot_play_makes_the_run_invalid():
    import threading
    import time

    from helpers import nemesis_lab

    class Driver:
        started, lock, journal, errors = time.time(), threading.Lock(), [], []

        def note(self, text):
            self.journal.append(text)

        def holder(self, cluster):
            return None
    driver = Driver()
    nemesis_lab.play(driver, nemesis.Step(0, "fault", "meteor", "nfvd-ff", "holder", 0,
                                          "single"), 3)
    assert driver.errors == ["step 3 (meteor): ValueError: no such fault: meteor"]
