"""Faults injected into the lab's real clusters, and the invariants watched all along.

Invariants, recorded continuously by the lab itself (never sampled at the end):
- one MAC per VIP: the client's arpwatch asks who has each VIP every 100 ms and logs every
  reply (state/watch/arp.jsonl); two MACs in one round is a dual-active sample;
- one writer: the SOSA and UCA-EBC stand-ins write an acknowledged record every 200 ms to the
  pair's shared storage and log each ack outside it (state/acks); acks from two nodes less
  than a period apart is two writers at once;
- nothing acknowledged lost: every acknowledged record is on the shared storage afterwards.

Used by tests/cluster/test_faults.py (each fault once) and bench/faults.py (--runs N).
"""

import contextlib
import glob
import itertools
import json
import os
import statistics
import subprocess
import time

from .lab import Pacemaker
from .waits import fault_lasts, wait_until, window

PERIOD = 0.2       # s between a writer's records: its lease
ARP_ROUND = 0.1    # s between arpwatch rounds
VIPS = {"nfvd-ff": "172.30.77.100", "nfvd-aa": "172.30.77.101"}
PORTS = {"nfvd-ff": 7001, "nfvd-aa": 8085}
GROUPS = {"nfvd-ff": "fulfillment", "nfvd-aa": "assurance-stack"}
WRITERS = {"nfvd-ff": ("sosa", "shared/ff/data"), "nfvd-aa": ("uca-ebc", "shared/aa/data")}
ANSWER = {"nfvd-ff": "sosa on {}", "nfvd-aa": "nfvd-agw on {}"}
LINKS = {"ff-node1": ("172.30.77.11", "172.30.78.11"),
         "ff-node2": ("172.30.77.12", "172.30.78.12"),
         "aa-node1": ("172.30.77.21", "172.30.78.21"),
         "aa-node2": ("172.30.77.22", "172.30.78.22")}
QNETD, POWER = "172.30.77.9", "172.30.79.2"
CHAIN = "NFVDLAB"


class Witness:
    """Reads what the lab recorded under its state directory."""

    def __init__(self, state):
        self.state = state

    def arp(self, since, until):
        """(rounds, dual-active rounds, {vip: macs seen}) in [since, until]."""
        rounds, dual, seen = 0, 0, {}
        with open(os.path.join(self.state, "watch", "arp.jsonl")) as f:
            for line in f:
                try:
                    sample = json.loads(line)
                except ValueError:
                    continue  # the line being written
                if not since <= sample["t"] <= until:
                    continue
                rounds += 1
                dual += any(len(macs) > 1 for macs in sample["vips"].values())
                for vip, macs in sample["vips"].items():
                    seen.setdefault(vip, set()).update(macs)
        return rounds, dual, seen

    def arp_recorded(self):
        """The time of the ARP watcher's last round (0 before its first)."""
        path = os.path.join(self.state, "watch", "arp.jsonl")
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 4096))
            for line in reversed(f.read().splitlines()):
                try:
                    return json.loads(line)["t"]
                except (ValueError, KeyError):
                    continue  # the line being written, or the tail of a cut one
        return 0

    def acks(self, component):
        """[(time, node, record)] of every acknowledged write of ``component``."""
        found = []
        for path in glob.glob(os.path.join(self.state, "acks", f"*-{component}.log")):
            node = os.path.basename(path)[:-len(f"-{component}.log")]
            with open(path) as f:
                for line in f:
                    words = line.split()
                    if len(words) == 2:
                        found.append((float(words[1]), node, words[0]))
        return sorted(found)

    def dual_writers(self, component, since, until):
        """Acks of two different nodes less than a period apart, within the window."""
        acks = [a for a in self.acks(component) if since <= a[0] <= until]
        return sum(1 for a, b in itertools.pairwise(acks) if a[1] != b[1] and b[0] - a[0] < PERIOD)

    def lost_writes(self, component, data_dir, until):
        """Acknowledged records (up to ``until``) missing or wrong on the shared storage."""
        lost = 0
        for _, _, record in (a for a in self.acks(component) if a[0] <= until):
            try:
                with open(os.path.join(self.state, data_dir, record)) as f:
                    lost += not f.read().startswith(record + " ")
            except OSError:
                lost += 1
        return lost

    def power(self, since, until):
        """Nodes the power switch powered off or cycled in the window (fenced)."""
        fenced = []
        path = os.path.join(self.state, "power", "actions.log")
        if not os.path.exists(path):
            return fenced
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                if since <= entry["time"] <= until and entry["action"] in (
                        "kill", "restart", "start") and entry["plug"] not in fenced:
                    fenced.append(entry["plug"])
        return fenced

    def last_ack(self, component):
        acks = self.acks(component)
        return acks[-1] if acks else None


class Pair(Pacemaker):
    """One Pacemaker pair of the lab and its group, read through ``Pacemaker``."""
    look_timeout = 15  # a fault's looks are many and short

    def __init__(self, lab, cluster, nodes):
        super().__init__(lab, nodes)
        self.cluster, self.group = cluster, GROUPS[cluster]

    def other(self, node):
        return self.nodes[1] if node == self.nodes[0] else self.nodes[0]

    def holder(self, status=None):
        """The node where every member of the group is Started, or None."""
        status = self.look() if status is None else status
        if status is None:
            return None
        members = status.xpath(f"//group[@id='{self.group}']/resource")
        nodes = {n for r in members for n in r.xpath("node/@name")}
        up = members and all(r.get("active") == "true" and r.get("role") == "Started"
                             and r.get("failed") == "false" for r in members)
        return nodes.pop() if up and len(nodes) == 1 else None

    def settled(self):
        """The group Started on one node and answering there, both nodes online, nothing
        pending (no fencing in flight, no unclean node)."""
        status = self.look()
        if status is None:
            return None
        online = set(status.xpath("//nodes/node[@online='true']/@name"))
        unclean = status.xpath("//nodes/node[@unclean='true']")
        holder = self.holder(status)
        if online != set(self.nodes) or unclean or holder is None:
            return None
        answer = self.lab.curl(f"http://{VIPS[self.cluster]}:{PORTS[self.cluster]}/").strip()
        return holder if answer == ANSWER[self.cluster].format(holder) else None

    def node_attr(self, node, attr):
        status = self.look()
        return None if status is None else self.node(node, status).get(attr)

    def ring_id(self, node):
        out = self.lab.quorumtool(node)
        return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                     if line.startswith("Ring ID")), None)


def _drop_rules(action, addresses, inbound=True, outbound=True):
    """iptables argvs that add (-A) or delete (-D) the DROP rules for ``addresses``."""
    flags = [flag for flag, wanted in (("-s", inbound), ("-d", outbound)) if wanted]
    return [["iptables", action, CHAIN, flag, address, "-j", "DROP"]
            for address in addresses for flag in flags]


class Injector:
    """Faults, as a hypervisor, a switch or a dying daemon would cause them.

    A VM that crashes, hangs or is cut off sends nothing more: no FIN closing its sockets, no
    ARP reply, no TCP retransmission. So every node-loss fault first *silences* the node
    (nft netdev ingress and egress chains, policy drop, on every interface of its network
    namespace, set from the host: nothing crosses its links from that instant), then kills
    or freezes it. ``polite_kill`` (``docker kill`` alone: the kernel closes the dying
    processes' sockets and a FIN tells qnetd at once) is kept only as a named variant."""

    def __init__(self, lab):
        self.lab = lab

    def docker(self, *argv):
        return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=60)

    def _netns(self, node):
        pid = self.docker("inspect", "-f", "{{.State.Pid}}", self.lab.container(node))
        assert pid.returncode == 0 and pid.stdout.strip() not in ("", "0"), \
            f"{node} is not running: {pid.stderr.strip()}"
        return ["nsenter", f"--net=/proc/{pid.stdout.strip()}/ns/net"]

    def interfaces(self, node):
        out = subprocess.run([*self._netns(node), "ip", "-o", "link", "show"], check=True,
                             capture_output=True, text=True, timeout=10).stdout
        names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]
        return [name for name in names if name != "lo"]

    def silence(self, node):
        """Nothing in or out of ``node`` from now on (returns the time it took effect)."""
        rules = ["table netdev silence {"]
        for nic in self.interfaces(node):
            rules += [f'  chain in_{nic} {{ type filter hook ingress device "{nic}" '
                      "priority -500; policy drop; }",
                      f'  chain out_{nic} {{ type filter hook egress device "{nic}" '
                      "priority -500; policy drop; }"]
        rules.append("}")
        subprocess.run([*self._netns(node), "nft", "-f", "-"], input="\n".join(rules) + "\n",
                       check=True, capture_output=True, text=True, timeout=10)
        return time.time()

    def unsilence(self, node):
        """Lift ``silence`` (a node fenced meanwhile came back with a new, clean netns)."""
        with contextlib.suppress(AssertionError):  # powered off: nothing to lift
            subprocess.run([*self._netns(node), "nft", "delete", "table", "netdev", "silence"],
                           capture_output=True, timeout=10)

    def crash(self, node):
        """A VM that crashes (kernel panic, power cut, hypervisor lost): silent, then gone.
        Returns the instant of the fault (from then on nothing left the node)."""
        at = self.silence(node)
        self.docker("kill", self.lab.container(node))
        return at

    def polite_kill(self, node):
        """``docker kill`` alone: the processes die and their sockets are closed, so a FIN
        tells qnetd at once - kinder than a VM that crashes. Returns the instant."""
        at = time.time()
        self.docker("kill", self.lab.container(node))
        return at

    def _chain(self, node):
        self.lab.run(node, "iptables", "-N", CHAIN)  # there already: fine
        for hook in ("INPUT", "OUTPUT"):
            if self.lab.run(node, "iptables", "-C", hook, "-j", CHAIN).returncode != 0:
                self.lab.run(node, "iptables", "-I", hook, "-j", CHAIN, check=True)

    def drop(self, node, addresses, inbound=True, outbound=True):
        """Drop this node's traffic with ``addresses`` (one way or both)."""
        self._chain(node)
        rules = _drop_rules("-A", addresses, inbound, outbound)
        self.lab.chain(node, *rules, check=True)  # one exec: the rules land together

    def undrop(self, node, addresses):
        """Lift ``drop`` (both ways) for ``addresses`` alone: the node's other drops stay."""
        self.lab.chain(node, *_drop_rules("-D", addresses), check=True)

    def heal_network(self, *nodes):
        for node in nodes:  # a node fenced meanwhile came back with a new, clean netns
            self.lab.run(node, "iptables", "-F", CHAIN)

    def partition(self, a, b, links=(0, 1), oneway=False):
        self.drop(a, [LINKS[b][i] for i in links], inbound=not oneway, outbound=True)
        if not oneway:
            self.drop(b, [LINKS[a][i] for i in links])

    def cut_off(self, node, peer):
        """``node`` cut from its peer (both links) and from the quorum device, still running
        (its own switch port or uplink lost). Returns the instant."""
        self.drop(node, [*LINKS[peer], QNETD])
        return time.time()

    def freeze(self, node):
        """A frozen VM (a long storage stall, a paused or migrating VM): its processes
        stopped and its kernel silent (pause alone still answers ARP and ICMP)."""
        at = self.silence(node)
        self.docker("pause", self.lab.container(node))
        return at

    def thaw(self, node):
        self.docker("unpause", self.lab.container(node))  # fails harmlessly if fenced
        self.unsilence(node)

    def flag(self, node, path, present=True):
        if present:
            self.lab.touch(node, path)
        else:
            self.lab.run(node, "rm", "-f", path)


class Outcome:
    """One run of one fault: what the invariants and the cluster said."""

    def __init__(self, name, recovery, rounds, dual_arp, dual_writers, lost, fenced, notes):
        self.name, self.recovery, self.rounds = name, recovery, rounds
        self.dual_arp, self.dual_writers, self.lost = dual_arp, dual_writers, lost
        self.fenced, self.notes = fenced, notes

    @property
    def dual_active(self):
        return self.dual_arp + self.dual_writers

    def __repr__(self):
        return (f"Outcome({self.name}: recovery {self.recovery}, rounds {self.rounds}, dual "
                f"arp {self.dual_arp} writers {self.dual_writers}, lost {self.lost}, fenced "
                f"{self.fenced}, {self.notes})")


def summary(name, outcomes):
    """The results line of bench/results-faults.txt for one fault."""
    times = [o.recovery for o in outcomes if o.recovery is not None]
    fenced = sorted({n for o in outcomes for n in o.fenced})
    return (f"fault: {name} | runs: {len(outcomes)} | recovery median: "
            f"{statistics.median(times) if times else float('nan'):.2f} s | recovery max: "
            f"{max(times) if times else float('nan'):.2f} s | dual-active: "
            f"{sum(o.dual_active for o in outcomes)} | lost writes: "
            f"{sum(o.lost for o in outcomes)} | fenced: {', '.join(fenced) or 'none'}")


# --- the fault matrix ---------------------------------------------------------------------
TOKEN = 0.5  # s: the example's corosync token
STANDIN_RUN = "/var/run/nfvd"


class Context:
    def __init__(self, lab, pair, holder):
        self.lab, self.pair, self.holder = lab, pair, holder
        self.passive = pair.other(holder)
        self.inject = Injector(lab)
        self.facts = {}


def _fenced_wait(ctx, node, timeout=90):
    """Until the power switch has acted on ``node`` (read from its log)."""
    witness = Witness(ctx.lab.state)
    since = ctx.facts.setdefault("since", time.time())
    return wait_until(lambda: node in witness.power(since, time.time() + 1), timeout,
                      what=f"the power switch acting on {node}", fail=False)


def symmetric_partition(ctx):
    """Both links cut between the nodes, both ways; both still reach qnetd and the switch."""
    ctx.inject.partition(ctx.holder, ctx.passive)
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.passive))
    ctx.inject.heal_network(ctx.holder, ctx.passive)


def one_way_partition(ctx):
    """The holder's packets to its peer are dropped; the peer's still arrive."""
    ctx.inject.partition(ctx.holder, ctx.passive, oneway=True)
    witness = Witness(ctx.lab.state)
    since = ctx.facts.setdefault("since", time.time())
    ctx.facts["fence_seen"] = bool(wait_until(lambda: witness.power(since, time.time() + 1),
                                              90, what="a fence", fail=False))
    ctx.inject.heal_network(ctx.holder, ctx.passive)


def _freeze(ctx, node, seconds):
    ctx.inject.freeze(node)
    fault_lasts(seconds)  # a paused VM
    ctx.inject.thaw(node)


def frozen_active(ctx, seconds=3 * TOKEN):
    _freeze(ctx, ctx.holder, seconds)


def frozen_active_long(ctx):
    _freeze(ctx, ctx.holder, 20.0)  # well past qnetd's heartbeat timeout: declared dead


def frozen_passive(ctx, seconds=3 * TOKEN):
    _freeze(ctx, ctx.passive, seconds)


def _pid(ctx, path):
    return ctx.lab.run(ctx.holder, "pgrep", "-of", f"^{path}", timeout=10).stdout.strip()


def _kill(ctx, path, expect_fence, timeout=90):
    """kill -9 of a cluster daemon on the holder; then until the cluster has reacted: the
    holder fenced, or (where Pacemaker respawns the daemon) the daemon back, the node's
    controller rejoined (S_NOT_DC or S_IDLE) and its resources probed again."""
    before = _pid(ctx, path)
    assert before, f"{path} does not run on {ctx.holder}"
    ctx.lab.run(ctx.holder, "kill", "-9", before, check=True)
    if expect_fence:
        ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.holder, timeout))
        return
    ctx.facts["respawned"] = bool(wait_until(lambda: _pid(ctx, path) not in ("", before),
                                             timeout, what=f"{path} respawned", fail=False))

    def controller_state():  # crmadmin -q says it on stderr
        said = ctx.lab.run(ctx.pair.other(ctx.holder), "crmadmin", "-q", "-S", ctx.holder,
                           timeout=10)
        return said.stdout + said.stderr
    ctx.facts["rejoined"] = bool(wait_until(
        lambda: any(state in controller_state() for state in ("S_NOT_DC", "S_IDLE")), timeout,
        what=f"{ctx.holder}'s controller rejoined", fail=False))


def kill_corosync(ctx):
    _kill(ctx, "corosync", expect_fence=True)


def kill_controld(ctx):
    _kill(ctx, "/usr/lib/pacemaker/pacemaker-controld", expect_fence=False)


def kill_execd(ctx):
    _kill(ctx, "/usr/lib/pacemaker/pacemaker-execd", expect_fence=False)


def hung_stop(ctx):
    """The vendor script's stop never returns, during a planned switchover."""
    component = "sosa" if ctx.pair.cluster == "nfvd-ff" else "uca-ebc"
    flag = f"{STANDIN_RUN}/{component}.hang-stop"
    ctx.inject.flag(ctx.holder, flag)
    assert ctx.lab.crm_node(ctx.holder, "standby", ctx.holder).returncode == 0
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.holder, 240))
    # the operator brings the node back only once the service runs on the peer (brought back
    # sooner, while nothing runs, the group may start on the preferred node instead)
    ctx.facts["took_over"] = bool(wait_until(
        lambda: ctx.pair.holder(ctx.pair.look(ctx.passive)) == ctx.passive, 60,
        what="the peer running the group", fail=False))
    wait_until(lambda: ctx.lab.run(ctx.holder, "true").returncode == 0, 60,
               what=f"{ctx.holder} powered on again", fail=False)
    ctx.inject.flag(ctx.holder, flag, present=False)
    # back in service once it has rejoined (a change made on a node still joining is
    # overwritten by the DC's CIB), from the peer, and until the cluster shows it
    wait_until(lambda: ctx.pair.node_attr(ctx.holder, "online") == "true", 180,
               what=f"{ctx.holder} online", fail=False)
    wait_until(lambda: ctx.lab.crm_node(ctx.passive, "online", ctx.holder).returncode == 0
               and ctx.pair.node_attr(ctx.holder, "standby") == "false", 60, 1.0,
               what=f"{ctx.holder} out of standby", fail=False)


STORAGE_HANG = "/run/nfvd-lab/storage-hang"  # docker/labtools/passfs blocks while it exists
STORAGE, SERVICE = "uca-ebc-data", "assurance"  # the Assurance pair's shared storage, its user


def storage_path_lost(ctx):
    """The holder's path to the shared storage is lost: its I/O blocks in the kernel, as on a
    hard-mounted NFS share whose server stopped answering it; the peer still reaches the
    server. Timed until the Assurance gateway answers on the peer."""
    started = time.time()
    ctx.inject.flag(ctx.holder, STORAGE_HANG)
    url = f"http://{VIPS[ctx.pair.cluster]}:{PORTS[ctx.pair.cluster]}/"
    want = ANSWER[ctx.pair.cluster].format(ctx.passive)
    answered = wait_until(lambda: ctx.lab.curl(url).strip() == want, 120, 0.2,
                          what=f"'{want}' on the VIP", fail=False)
    ctx.facts["answered_after"] = round(time.time() - started, 2) if answered else None
    ctx.facts["moved"] = bool(answered)
    ctx.inject.flag(ctx.holder, STORAGE_HANG, present=False)  # the path is back


def storage_server_down(ctx, hold=60.0):
    """The shared storage stops answering both nodes for at least ``hold`` s, then comes
    back. Moving cannot help: the group must end stopped (never running on two nodes,
    nothing acknowledged lost), then start again by itself once the server answers and the
    storage's failures expire (storage_failure_timeout)."""
    started = time.time()
    for node in ctx.pair.nodes:
        ctx.inject.flag(node, STORAGE_HANG)

    def stopped():  # nothing writes: the storage and what uses it stopped everywhere (the
        status = ctx.pair.look()  # group's VIP, before them, may stay where it last was)
        return status is not None and not status.xpath(
            f"//group[@id='{ctx.pair.group}']/resource[@active='true' and "
            f"(@id='{STORAGE}' or @id='{SERVICE}')]")
    ctx.facts["stopped_after"] = wait_until(stopped, 120, 1.0, what="the group stopped",
                                            fail=False) and round(time.time() - started, 1)
    fault_lasts(started + hold - time.time())  # the server is down this long at least
    for node in ctx.pair.nodes:
        ctx.inject.flag(node, STORAGE_HANG, present=False)
    returned = time.time()
    ctx.facts["back_after_server"] = wait_until(ctx.pair.holder, 300, 1.0, what="a holder",
                                                fail=False) and round(
        time.time() - returned, 1)


def qnetd_lost(ctx, hold=10.0):
    """The quorum device's host crashes (silently: its clients learn it only when their
    heartbeats go unanswered) and is back after ``hold`` s. Nothing may move."""
    ctx.inject.crash("qnetd")
    fault_lasts(hold)
    ctx.facts["holder_during"] = ctx.pair.holder()
    ctx.inject.docker("start", ctx.lab.container("qnetd"))


def qnetd_frozen(ctx, hold=10.0):
    """The quorum device's host freezes (silent, paused) for ``hold`` s, longer than the
    device's timers: each node's qdevice loses it and votequorum drops the device's vote.
    With its peer present a node keeps quorum (two votes of three): nothing may move, and
    the pair must be quorate at every look."""
    ctx.inject.freeze("qnetd")
    looks, quorate = 0, 0
    for _ in window(hold, 0.5):  # the fault lasts this long, watched all along
        for node in ctx.pair.nodes:
            looks += 1
            quorate += ctx.pair.quorate(ctx.pair.look(node))
    ctx.facts["quorate_looks"] = (quorate, looks)
    ctx.facts["device_votes_during"] = [ctx.lab.qdevice_voting(n) for n in ctx.pair.nodes]
    ctx.facts["holder_during"] = ctx.pair.holder()
    ctx.inject.thaw("qnetd")


def node_lost_while_qnetd_down(ctx, hold=15.0):
    """The quorum device's host crashes, then the holder crashes, both silently."""
    ctx.inject.crash("qnetd")
    fault_lasts(1.0)  # qnetd is really gone before the node goes
    ctx.inject.crash(ctx.holder)
    fault_lasts(hold)
    status = ctx.pair.look(ctx.passive)
    ctx.facts["survivor_quorate"] = ctx.pair.quorate(status)
    ctx.facts["survivor_runs"] = status is not None and ctx.pair.holder(status) == ctx.passive
    ctx.inject.docker("start", ctx.lab.container("qnetd"))
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.holder))


def _took_over(ctx, timeout=120):
    """Until the peer serves on the VIP; the seconds it took from the fault."""
    url = f"http://{VIPS[ctx.pair.cluster]}:{PORTS[ctx.pair.cluster]}/"
    want = ANSWER[ctx.pair.cluster].format(ctx.passive)
    answered = wait_until(lambda: ctx.lab.curl(url).strip() == want, timeout, 0.2,
                          what=f"'{want}' on the VIP", fail=False)
    return round(time.time() - ctx.facts["since"], 2) if answered else None


def crash_active(ctx):
    """The holder crashes as a VM does (kernel panic, power cut, hypervisor lost): nothing
    leaves it from the instant of the fault."""
    ctx.facts["since"] = ctx.inject.crash(ctx.holder)
    ctx.facts["answered_after"] = _took_over(ctx)
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.holder))


def cut_off_active(ctx):
    """The holder loses its peer (both links) and the quorum device while it keeps running:
    it must stop what it runs and be fenced, the peer takes over."""
    ctx.facts["since"] = ctx.inject.cut_off(ctx.holder, ctx.passive)
    ctx.facts["answered_after"] = _took_over(ctx)
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.holder))
    ctx.inject.heal_network(ctx.holder)  # a fenced node came back with a clean netns anyway


def _links_up(ctx, node):
    """Both of ``node``'s links see the peer (corosync-cfgtool: "connected" twice)."""
    out = ctx.lab.run(node, "corosync-cfgtool", "-s", timeout=10).stdout
    return out.count("LINK ID") == 2 and out.count("\tconnected") == 2


def link0_lost(ctx, hold=10.0):
    ctx.facts["links_up"] = bool(wait_until(  # the fault is losing one of *two* links
        lambda: all(_links_up(ctx, n) for n in ctx.pair.nodes), 60, 0.5,
        what="both links up", fail=False))
    ctx.facts["ring_before"] = ctx.pair.ring_id(ctx.holder)
    ctx.inject.partition(ctx.holder, ctx.passive, links=(0,))
    fault_lasts(hold)
    ctx.facts["ring_during"] = ctx.pair.ring_id(ctx.holder)
    ctx.facts["holder_during"] = ctx.pair.holder()
    ctx.inject.heal_network(ctx.holder, ctx.passive)


def power_switch_lost(ctx, hold=20.0):
    """A partition while neither node can reach the power switch: fencing cannot succeed,
    so nobody may start anything; once the switch answers again, fencing completes."""
    for node in (ctx.holder, ctx.passive):
        ctx.inject.drop(node, [POWER])
    ctx.inject.partition(ctx.holder, ctx.passive)
    fault_lasts(hold)
    status = ctx.pair.look(ctx.passive)
    ctx.facts["passive_runs"] = bool(status is not None and status.xpath(
        f"//group[@id='{ctx.pair.group}']/resource/node[@name='{ctx.passive}']"))
    ctx.facts["fenced_during"] = Witness(ctx.lab.state).power(
        ctx.facts.setdefault("since", time.time() - hold), time.time())
    # The switch is back, the partition is not (never lifted, not even for a moment). The
    # passive's way first: inquorate, it fences nobody. From the instant the holder's way is
    # back its pending fence may power-cycle the passive, so nothing execs into it after.
    for node in (ctx.passive, ctx.holder):
        ctx.inject.undrop(node, [POWER])
    ctx.facts["fence_seen"] = bool(_fenced_wait(ctx, ctx.passive, 120))
    ctx.inject.heal_network(ctx.holder, ctx.passive)


#: name -> (cluster, fault): the matrix, in the order CI runs it
MATRIX = {
    "symmetric partition": ("nfvd-ff", symmetric_partition),
    "symmetric partition (Assurance)": ("nfvd-aa", symmetric_partition),
    "one-way partition": ("nfvd-ff", one_way_partition),
    "silent crash of the active node": ("nfvd-ff", crash_active),
    "silent crash of the active node (Assurance)": ("nfvd-aa", crash_active),
    "active node cut from its peer and the quorum device": ("nfvd-ff", cut_off_active),
    "frozen active node 1.5 s": ("nfvd-ff", frozen_active),
    "frozen active node 20 s": ("nfvd-ff", frozen_active_long),
    "frozen passive node 1.5 s": ("nfvd-ff", frozen_passive),
    "kill -9 corosync on the active node": ("nfvd-ff", kill_corosync),
    "kill -9 pacemaker-controld on the active node": ("nfvd-ff", kill_controld),
    "kill -9 pacemaker-execd on the active node": ("nfvd-ff", kill_execd),
    "stop that never returns during a switchover": ("nfvd-ff", hung_stop),
    "storage path lost under the active node": ("nfvd-aa", storage_path_lost),
    "shared storage server down for both nodes": ("nfvd-aa", storage_server_down),
    "qnetd lost while the pair is healthy": ("nfvd-ff", qnetd_lost),
    "qnetd frozen while the pair is healthy": ("nfvd-ff", qnetd_frozen),
    "node lost while qnetd is down": ("nfvd-ff", node_lost_while_qnetd_down),
    "link 0 lost (two links)": ("nfvd-ff", link0_lost),
    "power switch unreachable during a partition": ("nfvd-ff", power_switch_lost),
}


STEADY = 5.0  # s a settled pair must stay settled (a node just thawed shows a stale view)


def steady(pair):
    """The holder, once the pair has stayed settled on it for STEADY seconds."""
    first = pair.settled()
    if not first:
        return None
    held = all(pair.settled() == first for _ in window(STEADY, 0.5))
    return first if held else None


def run_fault(lab, name, settle=300):
    """Inject one fault of the matrix on a settled pair, wait until it settles again, and
    read the invariants over the whole window."""
    from nfvd_ha.commands.lab import PAIRS
    cluster, fault = MATRIX[name]
    pair, witness = Pair(lab, cluster, PAIRS[cluster]), Witness(lab.state)
    holder = wait_until(pair.settled, settle, 1.0, what=f"{cluster} settled", fail=False)
    assert holder, f"{cluster} did not settle before '{name}'"
    lab.settle(holder)  # as a pair in production is: both qdevices voting, nothing pending
    component, data_dir = WRITERS[cluster]
    wait_until(lambda: (witness.last_ack(component) or (0,))[0] > time.time() - 2, 10,
               what=f"the {component} writer writing")
    ctx = Context(lab, pair, holder)
    started = time.time()
    ctx.facts["since"] = started
    fault(ctx)
    settled = wait_until(lambda: steady(pair), settle, 0.5, what=f"{cluster} steady",
                         fail=False)
    recovery = time.time() - started - STEADY if settled else None
    if settled:  # the failures the fault left are cleared, as an operator would
        lab.crm_resource(settled, "--cleanup")
        lab.crm_resource(settled, "--wait", "--timeout=120", timeout=130)
    ctx.facts["final_holder"] = settled
    ended = time.time() + 2 * ARP_ROUND + PERIOD
    # the witnesses record past the window's end (the acks' log a moment after the ARP's)
    wait_until(lambda: witness.arp_recorded() > ended + 0.5, 10, ARP_ROUND,
               what="the ARP watcher recording past the window", fail=False)
    rounds, dual_arp, _ = witness.arp(started, ended)
    return Outcome(name, recovery, rounds, dual_arp,
                   witness.dual_writers(component, started, ended),
                   witness.lost_writes(component, data_dir, ended),
                   witness.power(started, ended), dict(ctx.facts, holder=holder,
                                                       passive=ctx.passive))
