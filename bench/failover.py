#!/usr/bin/env python3
"""Failover, side by side in one run: our rendered Pacemaker pair as the example renders it
(fenced, quorum device, two links) against heartbeat v1 with the guide's ha.cf (deadtime 30)
and heartbeat tuned (deadtime 2s).

  sudo python3 bench/failover.py [--runs 5] [--pacemaker-only]

Rows: node kill -> VIP *and* SOSA answering on the peer (the killed node fenced before the
peer starts anything; each kill from a settled pair: both qdevices voting, no transition in
progress - TestLab.settle); kill -9 SOSA -> answering again; planned switchover (crm node
standby -> SOSA answering on the peer). Method: a poller in the client container (same
clock as the host) asks http://VIP:7001/ every 50 ms and notes the first answer from the
peer's SOSA. For Pacemaker node kills, the survivor's pacemaker.log gives where the time
goes (membership lost, DC, fencing requested/done, VIP and SOSA started), medians printed.
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
FF = ("ff-node1", "ff-node2")
#: (phase, pattern in the survivor's pacemaker.log), in the order they happen
PHASES = (("membership lost", r"Node {lost} state is now lost"),
          ("fencing requested", r"Requesting fencing \(\w+\) of node {lost}"),
          ("fenced", r"Operation '\w+' targeting {lost} .*: OK"),
          ("VIP started", r"Result of start operation for ff-vip on {peer}: ok"),
          ("SOSA started", r"Result of start operation for sosa-lockmgr on {peer}: ok"))


def poll_then(lab, vip, want, action, timeout=90):
    """Start the poller, do ``action`` (returns its time), return seconds until answered."""
    poll = subprocess.Popen(["docker", "exec", lab.container("client"), "python3", "-c",
                             POLLER, f"http://{vip}:7001/", want, str(timeout)],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)  # the poller runs (it only counts answers from the peer)
    started = action()
    out = poll.communicate()[0].strip()
    if not out:
        raise SystemExit(f"no '{want}' within {timeout}s")
    return float(out) - started


def log_times(lab, node, since, lost, peer):
    """{phase: seconds after ``since``} from ``node``'s pacemaker.log."""
    text = lab.sh(node, "cat /var/log/pacemaker/pacemaker.log", timeout=30).stdout
    year, found = time.gmtime(since).tm_year, {}
    for phase, pattern in PHASES:
        regex = re.compile(pattern.format(lost=lost, peer=peer))
        for line in text.splitlines():
            stamp = line[:19]  # "Nov 26 10:52:28.425", UTC in the containers
            try:
                at = calendar.timegm(time.strptime(f"{year} {stamp[:15]}",
                                                   "%Y %b %d %H:%M:%S")) + float(stamp[15:19])
            except ValueError:
                continue
            if at >= since - 0.5 and regex.search(line):
                found[phase] = at - since
                break
    return found


def pacemaker_runs(runs):
    with running_lab("benchpcmk", [*FF, *PAIR_SERVICES]) as lab:
        ff = Pacemaker(lab, list(FF))
        lab.wait(lambda: lab.pair_ready("nfvd-ff"), 180, "the pair")
        lab.load_cib("nfvd-ff")
        holder = lambda: lab.wait(lambda: ff.where("sosa-lockmgr"), 120, "SOSA started")  # noqa: E731
        node_loss, phases, process, switchover = [], [], [], []
        for _ in range(runs):
            node = holder()
            peer = FF[1] if node == FF[0] else FF[0]
            lab.settle(peer)
            moment = {}

            def kill():
                moment["t"] = time.time()
                lab.docker("kill", lab.container(node))
                return moment["t"]
            node_loss.append(poll_then(lab, "172.30.77.100", f"sosa on {peer}", kill))
            phases.append(log_times(lab, peer, moment["t"], node, peer))
            lab.wait(lambda: ff.online() == set(FF), 180, "the fenced node back")  # rebooted
        for _ in range(runs):
            node = holder()
            before = lab.sh(node, "cat /var/run/nfvd/sosa.pid").stdout.strip()
            t0 = time.time()
            lab.sh(node, f"kill -9 {before}")
            lab.wait(lambda: lab.sh(node, "cat /var/run/nfvd/sosa.pid").stdout.strip()
                     not in ("", before) and lab.curl("http://172.30.77.100:7001/").strip()
                     == f"sosa on {node}", 60, "SOSA back", interval=0.05)
            process.append(time.time() - t0)
            lab.sh(node, "crm_resource --cleanup -r sosa-lockmgr")
            lab.sh(node, "crm_resource --wait --timeout=60", timeout=70)
        for _ in range(runs):
            node = holder()
            peer = FF[1] if node == FF[0] else FF[0]

            def standby():
                t0 = time.time()
                lab.sh(node, f"crm node standby {node}")
                return t0
            switchover.append(poll_then(lab, "172.30.77.100", f"sosa on {peer}", standby))
            lab.sh(node, f"crm node online {node}")
            lab.sh(node, "crm_resource --wait --timeout=60", timeout=70)
        return node_loss, phases, process, switchover


def heartbeat_runs(timing, runs):
    text = open(os.path.join(REPO, "docker", "lab-heartbeat.toml")).read()
    line = next(x for x in text.splitlines() if x.startswith("timing = "))
    new = "timing = { " + ", ".join(f'{k} = "{v}"' for k, v in timing.items()) + " }"
    path = os.path.join(tempfile.mkdtemp(prefix="nfvd-bench-"), "hb.toml")
    with open(path, "w") as f:
        f.write(text.replace(line, new))
    with running_lab("benchhb", ["hb-node1", "hb-node2", "client"],
                     definitions=[(path, ("heartbeat",), "")]) as lab:
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

            def kill():
                t0 = time.time()
                lab.docker("kill", lab.container(node))
                return t0
            results.append(poll_then(lab, "172.30.77.160", f"sosa on {peer}", kill))
            lab.docker("start", lab.container(node))
            # back *and* joined: it sees the holder active and holds nothing itself (killing
            # the holder before then left the pair with nobody taking over)
            lab.wait(lambda: lab.sh(node, f"cl_status nodestatus {peer}").stdout.strip()
                     == "active" and lab.sh(node, "cl_status rscstatus").stdout.strip()
                     == "none", rejoin, "heartbeat back and joined")
        return results


def summary(label, values):
    print(f"{label:<60} median {statistics.median(values):6.2f} s   runs: "
          + " ".join(f"{v:.2f}" for v in values), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pacemaker-only", action="store_true")
    args = parser.parse_args()
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    node_loss, phases, process, switchover = pacemaker_runs(args.runs)
    summary("Pacemaker, fenced + qdevice: node kill -> VIP+SOSA", node_loss)
    for phase, _ in PHASES:
        values = [p[phase] for p in phases if phase in p]
        if values:
            print(f"#   {phase:<22} median {statistics.median(values):5.2f} s after the kill")
    summary("Pacemaker, fenced + qdevice: kill -9 SOSA -> answering", process)
    summary("Pacemaker, fenced + qdevice: crm node standby -> SOSA on peer", switchover)
    if args.pacemaker_only:
        return
    summary("heartbeat, deadtime 2s: node kill -> VIP+SOSA", heartbeat_runs(HB_TUNED, args.runs))
    summary("heartbeat, guide's ha.cf (deadtime 30): node kill -> VIP+SOSA",
            heartbeat_runs(HB_GUIDE, args.runs))


if __name__ == "__main__":
    main()
