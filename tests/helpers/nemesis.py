"""The nemesis's pure half: a seeded random schedule of compound faults and operator actions,
and a checker that judges a recorded history. No lab here (both are tested offline in
tests/unit/test_nemesis_schedule.py); the lab half is tests/helpers/nemesis_lab.py, the
command bench/nemesis.py, CI tests/cluster/test_nemesis.py.

The schedule is a function of (seed, minutes) alone: the same seed replays the same
schedule. Steps name roles ("holder": the node running the cluster's group when the step
starts, "passive": its peer), resolved when the step runs.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

#: cluster -> its VIP (what the client's ARP watcher asks for every 100 ms)
VIPS = {"nfvd-ff": "172.30.77.100", "nfvd-aa": "172.30.77.101", "nfvd-lb": "172.30.77.170"}
#: the shared-storage writers: component -> its cluster (acks every PERIOD s, a lease)
WRITERS = {"sosa": "nfvd-ff", "uca-ebc": "nfvd-aa"}
PERIOD = 0.2

ANY, NODES = ("nfvd-ff", "nfvd-aa", "nfvd-lb"), ("holder", "passive")


@dataclass(frozen=True)
class Kind:
    """A fault or an operator action of the catalogue: where it may land, how long it lasts
    (0: instant; else it is healed/undone after a random time in ``span``)."""
    clusters: tuple[str, ...]
    targets: tuple[str, ...]
    span: tuple[float, float]
    flappable: bool = False


#: the fault matrix's catalogue (tests/helpers/faults.py), as inject + heal. Node losses are
#: silent, as VMs fail: nothing leaves the node from the instant of the fault.
FAULTS = {
    "crash": Kind(ANY, NODES, (5, 40)),             # silenced then killed; powered on after
    "freeze": Kind(ANY, NODES, (1, 25), True),      # silenced then paused; thawed after
    "partition": Kind(ANY, ("-",), (2, 30), True),  # both links, both ways
    "one-way partition": Kind(ANY, ("holder",), (2, 30)),
    "cut off": Kind(ANY, NODES, (2, 30), True),     # from the peer and the quorum device
    "link0 lost": Kind(ANY, ("-",), (2, 30), True),
    "power switch unreachable": Kind(ANY, ("-",), (5, 30)),
    "kill -9 corosync": Kind(ANY, NODES, (0, 0)),
    "kill -9 pacemaker-controld": Kind(ANY, NODES, (0, 0)),
    "kill -9 pacemaker-execd": Kind(ANY, NODES, (0, 0)),
    "stop never returns": Kind(("nfvd-ff",), NODES, (10, 60)),
    "storage path lost": Kind(("nfvd-aa",), NODES, (5, 60)),
    "storage server down": Kind(("nfvd-aa",), ("-",), (5, 60)),
    "qnetd crash": Kind(("qnetd",), ("-",), (3, 30)),
    "qnetd freeze": Kind(("qnetd",), ("-",), (3, 20), True),
}

#: operator actions: between faults (often on a pair still recovering), and in "during
#: operation" episodes with a fault landing while the action is under way
OPERATIONS = {
    "standby": Kind(ANY, NODES, (10, 60)),          # crm node standby, then online
    "maintenance": Kind(("nfvd-ff",), ("holder",), (10, 60)),  # nfvd-ha maintenance start/stop
    "lock file": Kind(("nfvd-ff", "nfvd-aa"), NODES, (5, 40)),  # touched, then removed
    "apply monitor interval": Kind(("nfvd-ff",), ("-",), (20, 90)),  # applied, then reverted
    "cleanup": Kind(ANY, ("-",), (0, 0)),           # crm_resource --cleanup
}

#: how episodes are drawn: (weight, pattern)
PATTERNS = ((30, "single"), (15, "concurrent"), (15, "during recovery"), (10, "flapping"),
            (15, "operation"), (15, "during operation"))
RECOVERY = 15.0  # s: a fenced failover's recovery in the matrix (results-faults.txt, ~14 s)
#: "during operation": the share of faults that land in the action's first OPENING s (the
#: switchover itself: a node freezing while its resources move), the rest anywhere in it
EARLY, OPENING = 0.5, 5.0


@dataclass(frozen=True)
class Step:
    at: float         # s from the start of the run
    kind: str         # "fault" or "operation"
    name: str         # in FAULTS or OPERATIONS
    cluster: str
    target: str       # "holder", "passive" or "-"
    duration: float   # s until healed or undone; 0: instant
    pattern: str      # single, concurrent, during recovery, flapping, operation,
    #                   during operation

    @property
    def end(self) -> float:
        return self.at + self.duration

    def line(self) -> str:
        return (f"{self.at:7.1f} s  {self.kind:<9} {self.name:<26} {self.cluster:<7} "
                f"{self.target:<7} {self.duration:5.1f} s  ({self.pattern})")


def _pick(rng: random.Random, table: dict[str, Kind], name: str | None = None
          ) -> tuple[str, str, str, float]:
    name = name or rng.choice(sorted(table))
    kind = table[name]
    low, high = kind.span
    return (name, rng.choice(kind.clusters), rng.choice(kind.targets),
            round(rng.uniform(low, high), 1))


def _during_operation(rng: random.Random, at: float) -> list[Step]:
    """An operator action that lasts, and a fault of its pair (or of the quorum device)
    landing while it is under way: early (the switchover itself) or anywhere in it."""
    name = rng.choice(sorted(n for n, k in OPERATIONS.items() if k.span[1] > 0))
    _, cluster, target, duration = _pick(rng, OPERATIONS, name)
    action = Step(at, "operation", name, cluster, target, duration, "during operation")
    fault = rng.choice(sorted(n for n, k in FAULTS.items()
                              if cluster in k.clusters or k.clusters == ("qnetd",)))
    _, where, role, lasting = _pick(rng, FAULTS, fault)
    where = cluster if cluster in FAULTS[fault].clusters else where
    offset = rng.uniform(0, min(OPENING, duration)) if rng.random() < EARLY else \
        rng.uniform(0, duration)
    return [action, Step(round(at + offset, 1), "fault", fault, where, role, lasting,
                         "during operation")]


def _episode(rng: random.Random, at: float) -> list[Step]:
    pattern = rng.choices([p for _, p in PATTERNS], [w for w, _ in PATTERNS])[0]
    if pattern == "operation":
        name, cluster, target, duration = _pick(rng, OPERATIONS)
        return [Step(at, "operation", name, cluster, target, duration, pattern)]
    if pattern == "during operation":
        return _during_operation(rng, at)
    name, cluster, target, duration = _pick(rng, FAULTS)
    first = Step(at, "fault", name, cluster, target, duration, pattern)
    if pattern == "single":
        return [first]
    if pattern == "flapping":
        name = rng.choice(sorted(n for n, k in FAULTS.items() if k.flappable))
        _, cluster, target, _ = _pick(rng, FAULTS, name)
        steps, t = [], at
        for _ in range(rng.randint(3, 6)):
            on = round(rng.uniform(0.5, 4.0), 1)
            steps.append(Step(round(t, 1), "fault", name, cluster, target, on, pattern))
            t += on + rng.uniform(0.5, 4.0)
        return steps
    second = _pick(rng, FAULTS)
    if pattern == "concurrent":  # two at once: within 2 s of each other
        return [first, Step(round(at + rng.uniform(0, 2), 1), "fault", *second, pattern)]
    # during recovery: the second lands after the first is healed, sooner than a recovery
    return [first, Step(round(first.end + rng.uniform(0.5, RECOVERY), 1), "fault", *second,
                        pattern)]


def schedule(seed: int, minutes: float, warmup: float = 10.0) -> list[Step]:
    """The steps of a run of ``minutes``, ordered by start; every step healed by the end."""
    rng, total = random.Random(seed), minutes * 60.0
    steps: list[Step] = []
    at = warmup
    while at < total:
        episode = _episode(rng, round(at, 1))
        if all(s.end <= total for s in episode):  # else dropped whole: no half of a pattern
            steps += episode
        span = max((s.end for s in episode), default=at)
        # gaps: often shorter than a recovery (the next lands on a pair still recovering)
        gap = rng.uniform(0.5, RECOVERY) if rng.random() < 0.4 else rng.uniform(RECOVERY, 60)
        at = span + gap
    return sorted(steps, key=lambda s: (s.at, s.kind, s.name))


def describe(seed: int, minutes: float, steps: list[Step]) -> str:
    faults = sum(s.kind == "fault" for s in steps)
    head = (f"nemesis schedule: seed {seed}, {minutes:g} min, {faults} faults, "
            f"{len(steps) - faults} operations (replay: --seed {seed} --minutes {minutes:g})")
    return "\n".join([head] + [s.line() for s in steps])


# --- the checker ----------------------------------------------------------------------------

@dataclass
class History:
    """What the lab recorded, continuously, over a run.

    arp: [(time, {vip: [macs]})], one per 100 ms round of the client's ARP watcher;
    acks: {component: [(time, node, record)]}, each acknowledged write, as logged outside the
    storage; stored: {component: records found intact on the shared storage at the end};
    until: the end of the window judged (acks after it are not judged);
    requests: {service: [(time, answered)]}, the client's requests through each VIP;
    healed: when the last fault was healed and the last operation undone;
    answered: {service: first time it answered after ``healed`` (None: never)};
    clean: {cluster: first time it was clean after ``healed`` (None: never)};
    bound: s after ``healed`` within which each must answer and each cluster be clean."""
    arp: list[tuple[float, dict[str, list[str]]]]
    acks: dict[str, list[tuple[float, str, str]]]
    stored: dict[str, set[str]]
    until: float
    requests: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    healed: float = 0.0
    answered: dict[str, float | None] = field(default_factory=dict)
    clean: dict[str, float | None] = field(default_factory=dict)
    bound: float = 0.0


@dataclass
class Verdict:
    dual_active: list[str]
    two_writers: list[str]
    lost: list[str]
    liveness: list[str]
    unavailability: dict[str, float]
    rounds: int = 0  # ARP rounds judged: the watcher was watching

    @property
    def violations(self) -> int:
        return len(self.dual_active) + len(self.two_writers) + len(self.lost) + len(
            self.liveness)

    def report(self) -> str:
        lines = [f"violations: {self.violations} (over {self.rounds} ARP rounds)"]
        for title, found in (("dual-active", self.dual_active),
                             ("two writers", self.two_writers), ("lost writes", self.lost),
                             ("liveness", self.liveness)):
            lines += [f"{title}: {len(found)}"] + [f"  {entry}" for entry in found[:50]]
        lines += [f"longest unavailability of {service}: {gap:.1f} s"
                  for service, gap in sorted(self.unavailability.items())]
        return "\n".join(lines)


def dual_active(arp: list[tuple[float, dict[str, list[str]]]]) -> list[str]:
    """Every round in which two MACs answered for one VIP."""
    return [f"{t:.3f}: {vip} answered by {', '.join(macs)}" for t, vips in arp
            for vip, macs in sorted(vips.items()) if len(set(macs)) > 1]


def two_writers(acks: dict[str, list[tuple[float, str, str]]]) -> list[str]:
    """Acks of two different nodes less than a lease (PERIOD) apart."""
    found = []
    for component, entries in sorted(acks.items()):
        ordered = sorted(entries)
        found += [f"{b[0]:.3f}: {component} acked by {a[1]} and {b[1]} {b[0] - a[0]:.3f} s apart"
                  for a, b in itertools.pairwise(ordered)
                  if a[1] != b[1] and b[0] - a[0] < PERIOD]
    return found


def lost_writes(acks: dict[str, list[tuple[float, str, str]]], stored: dict[str, set[str]],
                until: float) -> list[str]:
    """Acknowledged records (up to ``until``) not intact on the shared storage."""
    return [f"{t:.3f}: {component} record {record} acked by {node} is missing"
            for component, entries in sorted(acks.items())
            for t, node, record in sorted(entries)
            if t <= until and record not in stored.get(component, set())]


def longest_gap(samples: list[tuple[float, bool]]) -> float:
    """The longest time without an answered request (from the first request on)."""
    if not samples:
        return float("inf")
    ordered = sorted(samples)
    answered = [t for t, ok in ordered if ok]
    if not answered:
        return ordered[-1][0] - ordered[0][0]
    edges = [ordered[0][0]] + answered + [ordered[-1][0]]
    return max(b - a for a, b in itertools.pairwise(edges))


def liveness(history: History) -> list[str]:
    """Each service answered, and each cluster was clean, within the bound after healing."""
    found = []
    deadline = history.healed + history.bound
    for what, firsts in (("answered through its VIP", history.answered),
                         ("clean", history.clean)):
        for name, first in sorted(firsts.items()):
            if first is None or first > deadline:
                late = "never" if first is None else f"after {first - history.healed:.1f} s"
                found.append(f"{name} {what} {late} (bound {history.bound:.0f} s after the "
                             "last heal)")
    return found


def check(history: History) -> Verdict:
    arp = [(t, vips) for t, vips in history.arp if t <= history.until]
    return Verdict(dual_active(arp), two_writers(history.acks),
                   lost_writes(history.acks, history.stored, history.until),
                   liveness(history),
                   {s: longest_gap(samples) for s, samples in history.requests.items()},
                   len(arp))


def results_line(seed: int, minutes: float, steps: list[Step], verdict: Verdict) -> str:
    faults = sum(s.kind == "fault" for s in steps)
    longest = max(verdict.unavailability.values(), default=float("nan"))
    return (f"nemesis: seed {seed} | minutes: {minutes:g} | faults: {faults} | operations: "
            f"{len(steps) - faults} | dual-active: {len(verdict.dual_active)} | two writers: "
            f"{len(verdict.two_writers)} | lost writes: {len(verdict.lost)} | liveness "
            f"violations: {len(verdict.liveness)} | longest unavailability: {longest:.1f} s")
