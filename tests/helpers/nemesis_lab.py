"""The nemesis on the lab: runs a schedule of tests/helpers/nemesis.py against the
Fulfillment, Assurance and load balancer pairs under client traffic, then judges the lab's
continuous records with nemesis.check.

Faults are the matrix's (tests/helpers/faults.py's Injector: node losses silent, as VMs
fail), each split into an inject and a heal so that they can overlap; operator actions into
a do and an undo, the undo retried like a heal and run once more when everything is healed
(restore), so that one lost to a fault leaves nothing behind. Network faults are an
nft table of their own per step, set from the host in the node's network namespace (so a
heal reaches a frozen node, and two overlapping network faults never lift each other's rules;
node faults share one silence table and one pause per node: see docs/design/nemesis.md).
Flag files are written from the host through /proc/PID/root (a frozen node's too).
"""

import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from helpers import faults
from helpers.faults import Injector, Witness
from helpers.waits import wait_until
from helpers.lab import timed_requests
from helpers.nemesis import VIPS, WRITERS, History, check, describe, results_line
from nfvd_ha.commands.lab import CLUSTERS, REPO

GROUPS = {**faults.GROUPS, "nfvd-lb": "lb-vips"}
URLS = {"nfvd-ff": f"http://{VIPS['nfvd-ff']}:7001/", "nfvd-aa": f"http://{VIPS['nfvd-aa']}:8085/",
        "nfvd-lb": f"http://{VIPS['nfvd-lb']}:3000/"}
LINKS = {**faults.LINKS, "lb-node1": ("172.30.77.51", "172.30.78.51"),
         "lb-node2": ("172.30.77.52", "172.30.78.52")}
DATA = {"sosa": "shared/ff/data", "uca-ebc": "shared/aa/data"}
LOCK = "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock"
DAEMONS = {"kill -9 corosync": "corosync",
           "kill -9 pacemaker-controld": "/usr/lib/pacemaker/pacemaker-controld",
           "kill -9 pacemaker-execd": "/usr/lib/pacemaker/pacemaker-execd"}

# Liveness bound: after the last heal, each service answers through its VIP and each pair is
# clean within the worst case of one recovery, from the lab's definitions (lab-ff.toml,
# lab-aa.toml, lab-lbpair.toml) and the lab's measured constants:
DETECT = 15.0   # token 0.5 s + consensus 0.6 s, then qnetd's verdict on a silent peer (<= 12 s)
STOP = 120.0    # a stop that hung when its flag was lifted runs to its timeout (sosa: 120 s)
FENCE = 60.0    # fence_docker through the power switch: Pacemaker's stonith-timeout (60 s)
BOOT = 40.0     # the node container's start, corosync's join, dc-deadtime 20 s, qdevice connect
START = 120.0   # the slowest group member's start timeout (sosa: 120 s)
BOUND = DETECT + STOP + FENCE + BOOT + START  # 355 s


class Driver:
    """Runs steps: resolves their roles, injects and heals, and keeps a journal."""

    def __init__(self, lab, started):
        self.lab, self.started, self.inject = lab, started, Injector(lab)
        self.journal: list[str] = []
        self.errors: list[str] = []  # steps that could not be played: the run is not valid
        self.undos: list[tuple[int, object, object]] = []  # (n, step, undo) of lasting actions
        self.lock = threading.Lock()

    def note(self, text):
        line = f"{time.time() - self.started:7.1f} s  {text}"
        with self.lock:
            self.journal.append(line)
        print(line, flush=True)

    # --- the nodes, from the host ------------------------------------------------------
    def pid(self, node):
        out = self.inject.docker("inspect", "-f", "{{.State.Pid}}", self.lab.container(node))
        pid = out.stdout.strip()
        return pid if out.returncode == 0 and pid not in ("", "0") else None

    def nft(self, node, script):
        pid = self.pid(node)
        if pid is None:
            return False  # powered off: its network is gone with it
        done = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", "nft", "-f", "-"],
                              input=script, capture_output=True, text=True, timeout=10)
        return done.returncode == 0

    def drop(self, node, table, addresses, inbound=True, outbound=True):
        sets = "{ " + ", ".join(addresses) + " }"
        chains = []
        if inbound:
            chains.append(f"chain i {{ type filter hook input priority -10; ip saddr {sets} "
                          "drop; }")
        if outbound:
            chains.append(f"chain o {{ type filter hook output priority -10; ip daddr {sets} "
                          "drop; }")
        self.nft(node, f"table ip {table} {{\n" + "\n".join(chains) + "\n}\n")

    def undrop(self, node, table):
        self.nft(node, f"delete table ip {table}\n")
        return True  # absent, or its node was powered off meanwhile: healed either way

    def flag(self, node, path, present=True):
        """``path`` on ``node`` made or removed from the host; False while it is off."""
        pid = self.pid(node)
        if pid is None:
            return False
        # /var/run is an absolute symlink to /run in the image: followed through
        # /proc/PID/root it would lead to the host's /run, so the real directory is named
        where = f"/proc/{pid}/root" + path.replace("/var/run/", "/run/", 1)
        try:
            if present:
                os.makedirs(os.path.dirname(where), exist_ok=True)
                open(where, "a").close()
            elif os.path.exists(where):
                os.remove(where)
        except OSError:
            return False
        return True

    def running(self, node):
        out = self.inject.docker("inspect", "-f", "{{.State.Running}}", self.lab.container(node))
        return out.stdout.strip() == "true"

    def power_on(self, node):
        """The VM started again if its fencing has not already done so."""
        if not self.running(node):
            self.inject.docker("start", self.lab.container(node))
        return self.running(node)

    def sh_any(self, nodes, command, timeout=60):
        """``command`` on the first of ``nodes`` where it succeeds; the last result."""
        out = None
        for node in nodes:
            out = self.lab.sh(node, command, timeout=timeout)
            if out.returncode == 0:
                return out
        return out

    def holder(self, cluster):
        try:
            return _pair(self.lab, cluster).holder()
        except Exception:  # noqa: BLE001 - no node answers: no holder
            return None


def roles(driver, step):
    """(target node or None, peer or None, the cluster's nodes) when the step starts."""
    if step.cluster == "qnetd":
        return None, None, ()
    nodes = CLUSTERS[step.cluster]
    holder = driver.holder(step.cluster) or nodes[0]
    passive = nodes[1] if holder == nodes[0] else nodes[0]
    target = {"holder": holder, "passive": passive}.get(step.target)
    return target, (passive if target == holder else holder), nodes


def fault(driver, step, n):
    """(inject, heal) of a fault step; heal returns True once healed."""
    d, target, peer, nodes = driver, *roles(driver, step)
    for build in (_node_fault, _network_fault, _flag_fault):
        made = build(d, step.name, target, peer, nodes, f"nemesis{n}")
        if made:
            return made
    raise ValueError(f"no such fault: {step.name}")


def _node_fault(d, name, target, peer, nodes, table):
    """A node or qnetd crashed or frozen, a cluster daemon killed."""
    if name in ("crash", "qnetd crash"):
        who = "qnetd" if name == "qnetd crash" else target
        return (lambda: d.inject.crash(who)), (lambda: d.power_on(who))
    if name in ("freeze", "qnetd freeze"):
        who = "qnetd" if name == "qnetd freeze" else target
        return (lambda: d.inject.freeze(who)), (lambda: d.inject.thaw(who) or True)
    if name in DAEMONS:
        return (lambda: d.lab.sh(target, f"pkill -9 -of '^{DAEMONS[name]}'", timeout=10)), \
            (lambda: True)
    return None


def _network_fault(d, name, target, peer, nodes, table):
    """Links cut (both ways, one way, link 0 alone, also from qnetd), the power switch."""
    a, b = (target, peer) if target else (nodes or (None, None))
    if name in ("partition", "link0 lost", "one-way partition", "cut off"):
        links = (0,) if name == "link0 lost" else (0, 1)
        extra = [faults.QNETD] if name == "cut off" else []

        def inject():
            d.drop(a, table, [LINKS[b][i] for i in links] + extra,
                   inbound=name != "one-way partition")
            if name in ("partition", "link0 lost"):
                d.drop(b, table, [LINKS[a][i] for i in links])
        return inject, lambda: d.undrop(a, table) and d.undrop(b, table)
    if name == "power switch unreachable":
        return ((lambda: [d.drop(x, table, [faults.POWER]) for x in nodes]),
                lambda: all([d.undrop(x, table) for x in nodes]))
    return None


def _flag_fault(d, name, target, peer, nodes, table):
    """A stand-in's stop that never returns, the storage path or server hanging."""
    if name == "stop never returns":
        path = f"{faults.STANDIN_RUN}/sosa.hang-stop"
        return (lambda: d.flag(target, path)), (lambda: d.flag(target, path, False))
    if name == "storage path lost":
        return ((lambda: d.flag(target, faults.STORAGE_HANG)),
                lambda: d.flag(target, faults.STORAGE_HANG, False))
    if name == "storage server down":
        return ((lambda: [d.flag(x, faults.STORAGE_HANG) for x in nodes]),
                lambda: all([d.flag(x, faults.STORAGE_HANG, False) for x in nodes]))
    return None


ORIGINAL_FF = os.path.join(REPO, "docker", "lab-ff.toml")
INTERVAL = ('ops = { monitor = { interval = "5s", timeout = "60s" } }',
            'ops = { monitor = { interval = "10s", timeout = "60s" } }')


def apply_command(text):
    assert INTERVAL[0] in Path(ORIGINAL_FF).read_text() and "NFVD_EOF" not in text
    return (f"cat > /tmp/nemesis.toml <<'NFVD_EOF'\n{text}NFVD_EOF\n"
            "nfvd-ha plan /tmp/nemesis.toml --cluster nfvd-ff --out /tmp/nemesis.plan.json "
            "--force >/dev/null && nfvd-ha apply /tmp/nemesis.plan.json --timeout 120")


def operation(driver, step):
    """(do, undo) of an operator action; undo returns True once undone."""
    d, target, peer, nodes = driver, *roles(driver, step)
    order = (target, peer) if target else nodes

    def run(command, timeout=60, where=order):
        out = d.sh_any(where, command, timeout)
        said = (out.stderr or out.stdout).strip().splitlines()[-1:] if out else []
        d.note(f"    {step.name}: `{command.splitlines()[-1][:70]}` -> rc "
               f"{out.returncode if out else '?'} {said[0][:120] if said else ''}")
        return out is not None and out.returncode == 0
    if step.name == "standby":
        return (lambda: run(f"crm node standby {target}")), \
            (lambda: run(f"crm node online {target}"))
    # maintenance and the lock file are the node's own: done and undone there alone (a node
    # fenced meanwhile keeps its lock file; the undo is retried until it is back)
    if step.name == "maintenance":
        return (lambda: run("nfvd-ha maintenance start --role ff --drain 0 --timeout 60", 90,
                            (target,))), \
            (lambda: run("nfvd-ha maintenance stop", 180, (target,)))
    if step.name == "lock file":
        return (lambda: run(f"mkdir -p $(dirname {LOCK}) && touch {LOCK}", 60, (target,))), \
            (lambda: run(f"rm -f {LOCK}", 60, (target,)))
    if step.name == "apply monitor interval":
        original = Path(ORIGINAL_FF).read_text()
        changed = original.replace(*INTERVAL)
        return (lambda: run(apply_command(changed), 150)), \
            (lambda: run(apply_command(original), 150))
    if step.name == "cleanup":
        return (lambda: run("crm_resource --cleanup >/dev/null")), (lambda: True)
    raise ValueError(f"no such operation: {step.name}")


def actions(driver, step, n):
    """(do, undo) of step number ``n`` of a schedule."""
    return fault(driver, step, n) if step.kind == "fault" else operation(driver, step)


HEAL_TIMEOUT = 180.0  # s a heal is retried (a node powered off by fencing comes back)


def play(driver, step, n):
    """One step, in a thread of its own: at its time, do it; after its duration, undo it."""
    time.sleep(max(0.0, driver.started + step.at - time.time()))
    try:
        do, undo = actions(driver, step, n)
        driver.note(f"{step.kind} {step.name} on {step.cluster}/{step.target} ({step.pattern})")
        do()
        if step.kind == "operation" and step.duration:
            with driver.lock:
                driver.undos.append((n, step, undo))
        time.sleep(max(0.0, driver.started + step.end - time.time()))
        if step.duration and not wait_until(undo, HEAL_TIMEOUT, 2.0, fail=False):
            driver.note(f"  could not heal {step.name} within {HEAL_TIMEOUT:.0f} s")
        elif step.duration:
            driver.note(f"  healed {step.name} on {step.cluster}/{step.target}")
    except Exception as error:  # noqa: BLE001 - a step that fails is noted, the run goes on
        driver.note(f"  {step.name} failed: {type(error).__name__}: {error}")
        with driver.lock:  # ... and is not a valid run: the nemesis did not do what it said
            driver.errors.append(f"step {n} ({step.name}): {type(error).__name__}: {error}")


def restore(driver):
    """Every lasting operator action undone once more, now that every fault is healed, as an
    operator would after an incident: an undo run during a fault can be lost (on the losing
    side of a partition `crm node online` succeeds locally, and the winner's CIB replaces it
    when the partition heals). Every undo is idempotent; what it did is in the journal."""
    for n, step, undo in sorted(driver.undos, key=lambda entry: entry[0]):
        if wait_until(undo, HEAL_TIMEOUT, 2.0, fail=False):
            driver.note(f"  restored {step.name} on {step.cluster}/{step.target} (step {n})")
        else:
            driver.note(f"  could not restore {step.name} on {step.cluster}/{step.target} "
                        f"(step {n}) within {HEAL_TIMEOUT:.0f} s")


def clean(lab, cluster):
    """Both nodes online and clean, nothing in standby or maintenance, the group started on
    one node, no failed resource or recorded failure, both qdevices voting, both links up."""
    nodes = CLUSTERS[cluster]
    pair = _pair(lab, cluster)
    status = pair.status()
    if status is None or pair.holder(status) is None:
        return False
    states = status.xpath("//nodes/node")
    return (len(states) == 2 and all(n.get("online") == "true" and n.get("unclean") == "false"
                                     and n.get("standby") == "false"
                                     and n.get("maintenance") == "false" for n in states)
            and not status.xpath("//resource[@failed='true']")
            and not status.xpath("//failures/failure")
            and all(lab.qdevice_voting(n) for n in nodes)
            and all(lab.sh(n, "corosync-cfgtool -s", timeout=10).stdout.count("\tconnected") == 2
                    for n in nodes))


def _pair(lab, cluster):
    """faults.Pair for any of the lab's pairs (the load balancer's group too)."""
    pair = faults.Pair.__new__(faults.Pair)
    pair.lab, pair.cluster, pair.nodes = lab, cluster, CLUSTERS[cluster]
    pair.group = GROUPS[cluster]
    return pair


def answers(lab, cluster):
    code = lab.sh("client", f"curl -s -o /dev/null -w '%{{http_code}}' -m 2 {URLS[cluster]}",
                  timeout=10).stdout.strip()
    return code == "200"


IN_FLIGHT = 60.0  # s: the longest operation timeout (hpsa's monitor): one begun on a faulty
#                   node before the heal may still end, and fail, this long after it
STEADY = 10.0     # s a pair must stay clean to count as clean (not a passing look)


def cleanup(lab, clusters):
    """The operator clears the failures the faults left, as after the matrix's faults."""
    for cluster in clusters:
        Driver(lab, 0).sh_any(CLUSTERS[cluster], "crm_resource --cleanup >/dev/null")


def recovered(lab, healed, bound):
    """{cluster: first time it answered}, {cluster: since when it was clean (and stayed so
    for STEADY s)}, looking until ``healed + bound``. The operator cleans up at the heal, and
    once more after IN_FLIGHT where a pair is not clean yet."""
    cleanup(lab, CLUSTERS)
    answered: dict = {c: None for c in CLUSTERS}
    cleaned: dict = {c: None for c in CLUSTERS}
    looked_again = False
    while time.time() < healed + bound:
        if not looked_again and time.time() > healed + IN_FLIGHT:
            looked_again = True
            cleanup(lab, [c for c in CLUSTERS if cleaned[c] is None])
        for cluster in CLUSTERS:
            if answered[cluster] is None and answers(lab, cluster):
                answered[cluster] = time.time()
            try:
                now_clean = clean(lab, cluster)
            except Exception:  # noqa: BLE001 - a node still booting: not yet
                now_clean = False
            if not now_clean:
                cleaned[cluster] = None
            elif cleaned[cluster] is None:
                cleaned[cluster] = time.time()
        if all(answered.values()) and all(t and time.time() - t >= STEADY
                                          for t in cleaned.values()):
            break
        time.sleep(1.0)
    return answered, {c: t if t and time.time() - t >= STEADY else None
                      for c, t in cleaned.items()}


def stored(lab, component, records):
    """The acked records found intact on the shared storage (read from the host)."""
    found = set()
    for record in records:
        try:
            with open(os.path.join(lab.state, DATA[component], record)) as f:
                if f.read().startswith(record + " "):
                    found.add(record)
        except OSError:
            pass
    return found


def history(lab, started, until, requests, healed, answered, cleaned, bound):
    witness = Witness(lab.state)
    arp = []
    with open(os.path.join(lab.state, "watch", "arp.jsonl")) as f:
        for line in f:
            try:
                sample = json.loads(line)
            except ValueError:
                continue
            if started <= sample["t"] <= until:
                arp.append((sample["t"], sample["vips"]))
    acks = {c: [a for a in witness.acks(c) if started <= a[0]] for c in WRITERS}
    return History(arp=arp, acks=acks,
                   stored={c: stored(lab, c, {r for _, _, r in acks[c]}) for c in WRITERS},
                   until=until, requests=requests, healed=healed, answered=answered,
                   clean=cleaned, bound=bound)


def samples(reader):
    return [(float(row[0]), row[1] == "200") for row in reader() if len(row) == 2]


def keep(lab, seed, minutes, steps, verdict, journal, directory=None):
    """Everything a replay needs, in a directory of its own: seed, schedule, journal, verdict,
    every node's pacemaker log and corosync blackbox, the ARP and ack records."""
    where = directory or tempfile.mkdtemp(prefix=f"nfvd-nemesis-{seed}-")
    os.makedirs(where, exist_ok=True)
    files = {"schedule.txt": describe(seed, minutes, steps),
             "journal.txt": "\n".join(journal), "verdict.txt": verdict.report()}
    for nodes in CLUSTERS.values():
        for node in nodes:
            files[f"{node}-pacemaker.log"] = lab.sh(
                node, "cat /var/log/pacemaker/pacemaker.log /var/log/pacemaker.log 2>/dev/null",
                timeout=60).stdout
            files[f"{node}-blackbox.txt"] = lab.sh(node, "corosync-blackbox 2>&1",
                                                   timeout=60).stdout
            files[f"{node}-crm_mon.txt"] = lab.sh(node, "crm_mon -1 -f 2>&1", timeout=30).stdout
    for name, text in files.items():
        with open(os.path.join(where, name), "w") as f:
            f.write(text)
    subprocess.run(["cp", "-r", os.path.join(lab.state, "watch"), os.path.join(lab.state, "acks"),
                    os.path.join(lab.state, "power"), where], timeout=120, check=False)
    return where


def ready(lab):
    """Every pair settled (its group started, both qdevices voting, nothing pending)."""
    for cluster, nodes in CLUSTERS.items():
        lab.wait(lambda cluster=cluster: Driver(lab, 0).holder(cluster), 300,
                 f"{cluster}'s group started")
        lab.settle(nodes[0])
        for component, owner in WRITERS.items():
            if owner == cluster:
                lab.wait(lambda component=component: writing(lab, component), 30,
                         f"the {component} writer writing")


def writing(lab, component):
    """Whether ``component``'s writer acknowledged a record in the last 2 s."""
    return (Witness(lab.state).last_ack(component) or (0,))[0] > time.time() - 2


def run(lab, seed, minutes, steps, bound=BOUND, keep_dir=None):
    """Play ``steps`` under traffic; (verdict, results line, directory kept or None, steps
    that could not be played)."""
    print(describe(seed, minutes, steps), flush=True)
    ready(lab)
    readers = {c: timed_requests(lab, URLS[c], int(minutes * 60 + bound + 120), f"nemesis-{c}")
               for c in CLUSTERS}
    driver = Driver(lab, time.time())
    threads = [threading.Thread(target=play, args=(driver, step, n), daemon=True)
               for n, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:  # each bounded: its duration, its commands' timeouts, its heal's
        thread.join(minutes * 60 + HEAL_TIMEOUT + 400)
    restore(driver)
    healed = time.time()
    lab.sh("client", "pkill -f '[/]tmp/nemesis-' ; true")  # the traffic ends with the run
    driver.note("every fault healed, every operation undone: liveness from here")
    answered, cleaned = recovered(lab, healed, bound)
    until = time.time()
    time.sleep(2 * faults.ARP_ROUND + faults.PERIOD + 0.5)  # the witnesses record past the end
    requests = {c: [s for s in samples(r) if driver.started <= s[0] <= until]
                for c, r in readers.items()}
    verdict = check(history(lab, driver.started, until, requests, healed, answered, cleaned,
                            bound))
    for cluster in CLUSTERS:
        for what, firsts in (("answered", answered), ("clean", cleaned)):
            first = firsts[cluster]
            driver.note(f"{cluster} {what} " + (f"{first - healed:.1f} s after the last heal"
                                                if first else "never"))
    print(verdict.report(), flush=True)
    for error in driver.errors:
        print(f"NOT A VALID RUN: {error}", flush=True)
    kept = None
    if verdict.violations or driver.errors:
        kept = keep(lab, seed, minutes, steps, verdict, driver.journal, keep_dir)
        print(f"violations kept for replay in {kept}", flush=True)
    return verdict, results_line(seed, minutes, steps, verdict), kept, driver.errors
