#!/usr/bin/env python3
"""Failover, side by side in one run, on the pairs as the example renders them (fenced through
the lab's power switch, corosync-qdevice with the VIP heuristic, two knet links), against
heartbeat v1 with the guide's ha.cf (deadtime 30) and heartbeat tuned (deadtime 2s).

  sudo python3 bench/failover.py [--runs 9] [--pacemaker-only] [--stacks bookworm,trixie]
      [--rows crash,kill9,standby]

--stacks runs the Pacemaker rows on each stack in turn (Debian 12: Pacemaker 2.1.5; Debian 13:
Pacemaker 3.0.0), each row labelled with its stack; --rows keeps only some of them.

Every row names its fault model. Node losses are *silent* unless said otherwise, as VMs fail:
nothing leaves the node from the instant of the fault (tests/helpers/faults.Injector: every
frame in and out of its network namespace dropped, then the node killed or frozen), so the
quorum device learns of the loss only from its dead-peer timer. The polite kill (``docker
kill`` alone: the dying processes' sockets are closed and a FIN tells qnetd at once) is kept
as a named row for comparison.

Rows: Fulfillment pair - silent crash, frozen holder, holder cut from its peer and the quorum
device, polite kill (-> VIP *and* SOSA answering on the peer); kill -9 SOSA (-> answering
again); planned switchover (crm node standby -> SOSA on the peer). Assurance pair - silent
crash (-> VIP and the Assurance gateway on the peer); storage path lost under the holder
(its shared-storage I/O hangs -> the gateway on the peer). heartbeat v1 pairs - silent crash.
Each fault starts from a settled pair (both qdevices voting, no transition in progress:
TestLab.settle). A poller in the client container (same clock as the host) asks the service
through its VIP every 50 ms. For the Pacemaker node losses the survivor's pacemaker.log and
qnetd's log say where the time goes; the medians of each step are printed under the row.
"""
import argparse
import calendar
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers import faults  # noqa: E402
from helpers.lab import PAIR_SERVICES, Pacemaker, running_lab  # noqa: E402

POLLER = """
import sys, time, urllib.request
url, want, deadline = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
while time.time() < deadline:
    try:
        if want in urllib.request.urlopen(url, timeout=0.2).read().decode():
            print(repr(time.time())); break
    except Exception:
        pass
    time.sleep(0.05)
"""
HB_GUIDE = {"keepalive": "2s", "deadtime": "30s", "initdead": "120s"}
HB_TUNED = {"keepalive": "500ms", "deadtime": "2s", "initdead": "10s"}
FF, AA = ("ff-node1", "ff-node2"), ("aa-node1", "aa-node2")
#: per pair: (VIP, service port, the answer's prefix, VIP resource, service resource)
PAIR = {"nfvd-ff": ("172.30.77.100", 7001, "sosa on", "ff-vip", "sosa-lockmgr"),
        "nfvd-aa": ("172.30.77.101", 8085, "nfvd-agw on", "aa-vip", "assurance")}
#: (phase, pattern in the survivor's pacemaker.log), in the order they happen
PHASES = (("membership lost", r"Node {lost} state is now lost"),
          # the controller asks the scheduler ... and the scheduler answers: between the two
          # only the controller's fixed one-second "Re-asking for the CIB" retry waits (while
          # node-left CIB updates are pending, controld_schedulerd.c; logged at debug level)
          ("scheduler asked", r"-> S_POLICY_ENGINE"),
          ("transition calculated", r"Calculated transition"),
          # 2.1.5: "... of node X", 3.0.0: "... targeting node X"
          ("fencing requested", r"Requesting fencing \(\w+\) (?:of|targeting) node {lost}"),
          ("fenced", r"Operation '\w+' targeting {lost} .*: OK"),
          # 2.1.5: "...: ok", 3.0.0: "...: OK"
          ("VIP started", r"Result of start operation for {vip} on {peer}: (?i:ok)"),
          ("service started", r"Result of start operation for {service} on {peer}: (?i:ok)"))
#: node-loss fault models: name -> (label, inject(injector, node, peer) -> instant, heal)
LOSSES = {
    "crash": ("silent crash (nothing leaves the node, then killed)",
              lambda inj, node, peer: inj.crash(node), lambda inj, node: None),
    "freeze": ("frozen holder (silent, paused)",
               lambda inj, node, peer: inj.freeze(node), lambda inj, node: inj.thaw(node)),
    "cutoff": ("holder cut from its peer (both links) and qnetd, still running",
               lambda inj, node, peer: inj.cut_off(node, peer),
               lambda inj, node: inj.heal_network(node)),
    "polite": ("polite kill (docker kill: sockets closed, qnetd told at once)",
               lambda inj, node, peer: inj.polite_kill(node), lambda inj, node: None),
}


def poll_then(lab, vip, port, want, action, timeout=90):
    """Start the poller, do ``action`` (returns its instant), return seconds until answered."""
    poll = subprocess.Popen(["docker", "exec", lab.container("client"), "python3", "-c",
                             POLLER, f"http://{vip}:{port}/", want, str(timeout)],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)  # the poller runs (it only counts answers from the peer)
    started = action()
    out = poll.communicate()[0].strip()
    if not out:
        report_no_answer(lab, want, timeout)
        return None
    return float(out) - started


def report_no_answer(lab, want, timeout):
    """A failover that did not happen is a finding: say what the cluster showed, go on."""
    print(f"# NO ANSWER: '{want}' not seen within {timeout} s; the pair then:", flush=True)
    for node in (*FF, *AA):
        try:
            out = lab.sh(node, "crm_mon -1 -r 2>&1 | head -30; corosync-quorumtool -s 2>&1"
                         " | grep -E 'Quorate|Flags|Qdevice'; tail -5 /var/run/nfvd/events;"
                         " cat /var/run/nfvd/signals 2>/dev/null", timeout=20).stdout
        except Exception as error:  # a powered-off node: say so and go on
            out = f"(no answer: {error})"
        for line in out.splitlines():
            print(f"#   {node}: {line}", flush=True)


def _stamp(line, year):
    """Seconds since the epoch of a pacemaker.log line ("Nov 26 10:52:28.425", UTC)."""
    stamp = line[:19]
    try:
        return calendar.timegm(time.strptime(f"{year} {stamp[:15]}", "%Y %b %d %H:%M:%S")) \
            + float(stamp[15:19])
    except ValueError:
        return None


def log_times(lab, cluster, node, since, lost, peer):
    """{phase: seconds after ``since``} from ``node``'s pacemaker.log and qnetd's log."""
    _, _, _, vip, service = PAIR[cluster]
    text = lab.sh(node, "cat /var/log/pacemaker/pacemaker.log", timeout=30).stdout
    year, found = time.gmtime(since).tm_year, {}
    found.update(qnetd_times(lab, since, lost, peer))
    for phase, pattern in PHASES:
        regex = re.compile(pattern.format(lost=lost, peer=peer, vip=vip, service=service))
        for line in text.splitlines():
            at = _stamp(line, year)
            if at is not None and at >= since - 0.5 and regex.search(line):
                found[phase] = at - since
                break
    return found


def qnetd_times(lab, since, lost, peer):
    """When qnetd dropped the lost node's client, and when it voted ACK for the peer (in
    its reply to the peer's new membership, or in a vote info message once the membership
    became stable)."""
    out = subprocess.run(["docker", "logs", "-t", "--since", str(int(since) - 1),
                          lab.container("qnetd")], capture_output=True, text=True, timeout=30)
    lost_ip, peer_ip = faults.LINKS[lost][0], faults.LINKS[peer][0]
    found, waiting = {}, False  # waiting: the peer's message whose answer is the next vote
    for line in (out.stdout + out.stderr).splitlines():
        match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z (.*)", line)
        if not match:
            continue
        at = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")) \
            + float("0." + match.group(2))
        text = match.group(3)
        if at < since - 0.2:
            continue
        if f"{lost_ip}:" in text and ("Disconnecting" in text or "disconnected" in text):
            found.setdefault("qnetd dropped the lost node", at - since)
        if f"::ffff:{peer_ip}:" in text and ("sent membership node list" in text
                                             or "Sending vote info" in text):
            waiting = True
        elif "::ffff:" in text:
            waiting = False  # another client's exchange
        elif waiting and ("vote is ACK" in text or "vote = ACK" in text):
            found.setdefault("qnetd vote for the peer", at - since)
    return found


def node_losses(lab, cluster, kind, runs):
    """``runs`` node losses of ``kind`` on ``cluster``: (seconds until the peer answers,
    [phases])."""
    nodes = FF if cluster == "nfvd-ff" else AA
    pcmk, inject = Pacemaker(lab, list(nodes)), faults.Injector(lab)
    vip, port, answer, _, service = PAIR[cluster]
    _, fault, heal = LOSSES[kind]
    took, phases = [], []
    for _ in range(runs):
        node = lab.wait(lambda: pcmk.where(service), 180, f"{service} started")
        peer = nodes[1] if node == nodes[0] else nodes[0]
        lab.settle(peer)
        moment = {}

        def act(node=node, peer=peer, moment=moment):
            moment["t"] = fault(inject, node, peer)
            return moment["t"]
        took.append(poll_then(lab, vip, port, f"{answer} {peer}", act))
        phases.append(log_times(lab, cluster, peer, moment["t"], node, peer))
        heal(inject, node)
        lab.wait(lambda: pcmk.online() == set(nodes), 240, "the fenced node back")
    return took, phases


def storage_losses(lab, runs):
    """The Assurance holder's path to the shared storage hangs: seconds until the gateway
    answers on the peer (faults.storage_path_lost's model)."""
    pcmk, inject = Pacemaker(lab, list(AA)), faults.Injector(lab)
    vip, port, answer, _, service = PAIR["nfvd-aa"]
    took = []
    for _ in range(runs):
        node = lab.wait(lambda: pcmk.where(service), 180, f"{service} started")
        peer = AA[1] if node == AA[0] else AA[0]
        lab.settle(peer)

        def hang(node=node):
            inject.flag(node, faults.STORAGE_HANG)
            return time.time()
        took.append(poll_then(lab, vip, port, f"{answer} {peer}", hang, timeout=120))
        inject.flag(node, faults.STORAGE_HANG, present=False)
        lab.sh(peer, "crm_resource --cleanup -r assurance-stack >/dev/null; "
                     "crm_resource --wait --timeout=120", timeout=130)
    return took


def process_kills(lab, runs):
    ff = Pacemaker(lab, list(FF))
    took = []
    for _ in range(runs):
        node = lab.wait(lambda: ff.where("sosa-lockmgr"), 120, "SOSA started")
        before = lab.sh(node, "cat /var/run/nfvd/sosa.pid").stdout.strip()
        t0 = time.time()
        lab.sh(node, f"kill -9 {before}")
        lab.wait(lambda node=node, before=before:
                 lab.sh(node, "cat /var/run/nfvd/sosa.pid").stdout.strip()
                 not in ("", before) and lab.curl("http://172.30.77.100:7001/").strip()
                 == f"sosa on {node}", 60, "SOSA back", interval=0.05)
        took.append(time.time() - t0)
        lab.sh(node, "crm_resource --cleanup -r sosa-lockmgr")
        lab.sh(node, "crm_resource --wait --timeout=60", timeout=70)
    return took


def switchovers(lab, runs):
    ff = Pacemaker(lab, list(FF))
    took = []
    for _ in range(runs):
        node = lab.wait(lambda: ff.where("sosa-lockmgr"), 120, "SOSA started")
        peer = FF[1] if node == FF[0] else FF[0]

        def standby(node=node):
            t0 = time.time()
            lab.sh(node, f"crm node standby {node}")
            return t0
        took.append(poll_then(lab, "172.30.77.100", 7001, f"sosa on {peer}", standby))
        lab.sh(node, f"crm node online {node}")
        lab.sh(node, "crm_resource --wait --timeout=60", timeout=70)
    return took


def heartbeat_runs(timing, runs):
    with open(os.path.join(REPO, "docker", "lab-heartbeat.toml")) as f:
        text = f.read()
    line = next(x for x in text.splitlines() if x.startswith("timing = "))
    new = "timing = { " + ", ".join(f'{k} = "{v}"' for k, v in timing.items()) + " }"
    path = os.path.join(tempfile.mkdtemp(prefix="nfvd-bench-"), "hb.toml")
    with open(path, "w") as f:
        f.write(text.replace(line, new))
    with running_lab("benchhb", ["hb-node1", "hb-node2", "client"],
                     definitions=[(path, ("heartbeat",), "")]) as lab:
        inject = faults.Injector(lab)

        def holder():
            for n in ("hb-node1", "hb-node2"):
                if "sosa on " + n == lab.curl("http://172.30.77.160:7001/").strip():
                    return n
            return None
        # the guide's initdead (120 s) and deadtime (30 s) bound a restarted node's rejoin
        rejoin = 180 + 2 * sum(int(timing[k].rstrip("s")) for k in ("initdead", "deadtime"))
        results = []
        for _ in range(runs):
            node = lab.wait(holder, 240, "heartbeat holder")
            peer = "hb-node2" if node == "hb-node1" else "hb-node1"
            results.append(poll_then(lab, "172.30.77.160", 7001, f"sosa on {peer}",
                                     lambda node=node: inject.crash(node)))
            lab.docker("start", lab.container(node))
            # back *and* joined: it sees the holder active and holds nothing itself (killing
            # the holder before then left the pair with nobody taking over)
            lab.wait(lambda node=node, peer=peer:
                     lab.sh(node, f"cl_status nodestatus {peer}").stdout.strip()
                     == "active" and lab.sh(node, "cl_status rscstatus").stdout.strip()
                     == "none", rejoin, "heartbeat back and joined")
        return results


def summary(label, values):
    """One row: the median of the runs that got an answer; a run that did not is "none" and
    the row says how many there were."""
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    median = f"{statistics.median(answered):6.2f} s" if answered else "  none"
    failed = f"   NO ANSWER in {missing} of {len(values)} runs" if missing else ""
    print(f"{label:<78} median {median}{failed}   runs: "
          + " ".join("none" if v is None else f"{v:.2f}" for v in values), flush=True)


#: a wait this long between the scheduler asked and the transition calculated is the
#: controller's one-second CIB retry (a calculation takes ~20 ms)
RETRY = 0.9


def phase_summary(phases):
    steps = ("qnetd dropped the lost node", "membership lost", "qnetd vote for the peer",
             *(name for name, _ in PHASES[1:]))
    for phase in steps:
        values = [p[phase] for p in phases if phase in p]
        if values:
            print(f"#   {phase:<28} median {statistics.median(values):5.2f} s after the fault"
                  f" ({len(values)} of {len(phases)} runs)", flush=True)
    waits = [p["transition calculated"] - p["scheduler asked"] for p in phases
             if "scheduler asked" in p and "transition calculated" in p]
    if waits:
        paid = sum(1 for wait in waits if wait >= RETRY)
        label = "scheduler waited for the CIB"
        print(f"#   {label:<28} median {statistics.median(waits):5.2f} s: the controller's"
              f" 1 s retry paid in {paid} of {len(waits)} runs", flush=True)


ROWS = ("crash", "freeze", "cutoff", "polite", "kill9", "standby", "aa-crash", "storage")


def pacemaker_rows(stack, rows, runs):
    """The Pacemaker rows on ``stack``'s lab (labelled with it when not the default)."""
    tag = "" if stack is None else f"[{stack}] "
    with running_lab("benchpcmk", [*FF, *AA, *PAIR_SERVICES], stack=stack) as lab:
        print(f"# {tag}{lab.sh(FF[0], 'pacemakerd --version | head -1').stdout.strip()}, "
              f"{lab.sh(FF[0], 'corosync -v | head -1').stdout.strip()}", flush=True)
        for cluster in ("nfvd-ff", "nfvd-aa"):
            lab.wait(lambda cluster=cluster: lab.pair_ready(cluster), 180, f"{cluster} ready")
            lab.load_cib(cluster)
        for kind in ("crash", "freeze", "cutoff", "polite"):
            if kind in rows:
                took, phases = node_losses(lab, "nfvd-ff", kind, runs)
                summary(f"{tag}FF pair, {LOSSES[kind][0]} -> VIP+SOSA", took)
                phase_summary(phases)
        if "kill9" in rows:
            summary(f"{tag}FF pair, kill -9 SOSA -> answering (restart in place)",
                    process_kills(lab, runs))
        if "standby" in rows:
            summary(f"{tag}FF pair, crm node standby -> SOSA on peer", switchovers(lab, runs))
        if "aa-crash" in rows:
            took, phases = node_losses(lab, "nfvd-aa", "crash", runs)
            summary(f"{tag}AA pair, {LOSSES['crash'][0]} -> VIP+gateway", took)
            phase_summary(phases)
        if "storage" in rows:
            summary(f"{tag}AA pair, storage path lost under the holder (I/O hangs) -> "
                    "gateway on peer", storage_losses(lab, runs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pacemaker-only", action="store_true")
    parser.add_argument("--stacks", help="comma-separated lab stacks (bookworm,trixie)")
    parser.add_argument("--rows", default=",".join(ROWS),
                        help=f"comma-separated Pacemaker rows of {','.join(ROWS)}")
    args = parser.parse_args()
    rows = args.rows.split(",")
    if not set(rows) <= set(ROWS):
        parser.error(f"--rows: unknown {sorted(set(rows) - set(ROWS))}")
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    for stack in args.stacks.split(",") if args.stacks else [None]:
        pacemaker_rows(stack, rows, args.runs)
    if args.pacemaker_only:
        return
    summary("heartbeat, deadtime 2s: silent crash -> VIP+SOSA",
            heartbeat_runs(HB_TUNED, args.runs))
    summary("heartbeat, guide's ha.cf (deadtime 30): silent crash -> VIP+SOSA",
            heartbeat_runs(HB_GUIDE, args.runs))


if __name__ == "__main__":
    main()
