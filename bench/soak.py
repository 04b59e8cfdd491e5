#!/usr/bin/env python3
"""Soak: the rendered example's timing under load — no spurious membership change.

  sudo python3 bench/soak.py [--minutes 10] [--hogs 4] [--timing 'keepalive = "150ms", ...']

Brings up the Fulfillment and Assurance pairs (Pacemaker, rendered example / lab-aa), keeps
every core of the machine busy with CPU hogs (plain busy loops at normal priority, on the
host), and samples corosync's ring id (`corosync-quorumtool -s`: it changes on any
membership change, however short) and Pacemaker's view every 10 s. Exits 1 if a ring id
changed or a node was ever seen offline, or if the quorum device dropped or lost a client:
with the timers derived from the token (quorum.device.timeout 1250 ms at token 500: qnetd drops
a client whose heartbeat is 500 ms late) a loaded host must not make qnetd disconnect a live
node, nor votequorum lose the device's vote. Also counts corosync's own "Token has not been
received in N ms" notices (printed at 75 % of the token timeout): the margin left.
--timing replaces the definitions' timing (to try a shorter token before rendering it).
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.faults import Pair  # noqa: E402
from helpers.lab import PAIR_SERVICES, Pacemaker, running_lab  # noqa: E402
from nfvd_ha.commands.lab import DEFINITIONS, PAIRS  # noqa: E402


def ring(lab, node):
    return Pair(lab, "nfvd-ff", PAIRS["nfvd-ff"]).ring_id(node)


def retimed(path, timing, out):
    with open(path) as f:
        text = f.read()
    lines = [f"timing = {{ {timing} }}" if line.startswith("timing = ") else line
             for line in text.splitlines()]
    copy = os.path.join(out, os.path.basename(path))  # the name the lab's nodes set up from
    with open(copy, "w") as f:
        f.write("\n".join(lines) + "\n")
    return copy


def token_warnings(lab, node):
    out = subprocess.run(["docker", "logs", lab.container(node)], capture_output=True,
                         text=True)
    return (out.stdout + out.stderr).count("Token has not been received")


#: what qnetd logs when a client goes or comes, what qdevice logs when it loses qnetd, and
#: what votequorum logs when it drops the device's vote
QDEVICE_EVENTS = {"qnetd": ("doesn't sent any message", "disconnected", "New client connected"),
                  "node": ("Server didn't send echo reply", "Can't connect", "disconnect")}


def qdevice_events(lab, nodes):
    """{where: count} of qdevice connection events so far (qnetd's log, each node's qdevice
    log)."""
    out = subprocess.run(["docker", "logs", lab.container("qnetd")], capture_output=True,
                         text=True)
    text = out.stdout + out.stderr
    found = {"qnetd": sum(text.count(k) for k in QDEVICE_EVENTS["qnetd"])}
    for node in nodes:
        text = lab.sh(node, "cat /var/log/corosync-qdevice.log", timeout=30).stdout
        found[node] = sum(text.count(k) for k in QDEVICE_EVENTS["node"])
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() * 2)
    parser.add_argument("--timing", help='e.g. keepalive = "150ms", deadtime = "400ms", '
                                         'warntime = "300ms", initdead = "10s"')
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="nfvd-soak-")
    definitions = [(retimed(os.path.join(REPO, d), args.timing, out) if args.timing else d, t, w)
                   for d, t, w in DEFINITIONS if d in ("docker/lab-ff.toml",
                                                       "docker/lab-aa.toml")]
    services = [n for p in PAIRS.values() for n in p] + list(PAIR_SERVICES)
    with running_lab("soak", services, definitions) as lab:
        for name in PAIRS:
            lab.wait(lambda name=name: lab.pair_ready(name), 180, f"{name} online")
            lab.load_cib(name)
        for name in PAIRS:  # both pairs settled (groups started) before the rings are read
            lab.sh(PAIRS[name][0], "crm_resource --wait --timeout=120", timeout=130)
        hogs = []
        try:
            return soak(lab, args, hogs)
        finally:
            for hog in hogs:
                hog.kill()


def soak(lab, args, hogs):
    before = {n: ring(lab, n) for p in PAIRS.values() for n in p}
    warned = {n: token_warnings(lab, n) for n in before}
    events = qdevice_events(lab, list(before))
    hogs += [subprocess.Popen([sys.executable, "-c", "while True: pass"])
             for _ in range(args.hogs)]
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}; "
          f"{args.hogs} CPU hogs for {args.minutes:g} min; rings {before}", flush=True)
    offline, changed, end = [], set(), time.time() + args.minutes * 60
    unvoted = []  # samples where a node's corosync did not count both nodes' device votes
    now = before
    while time.time() < end:
        time.sleep(10)  # the sampling period of the soak
        for name, pair in PAIRS.items():
            seen = Pacemaker(lab, list(pair)).online()
            if seen != set(pair):
                offline.append((time.strftime("%T"), name, sorted(seen)))
        unvoted += [(time.strftime("%T"), n) for n in before if not lab.qdevice_voting(n)]
        now = {n: ring(lab, n) for n in before}
        changed |= {n for n in before if now[n] != before[n]}
        print(f"{time.strftime('%T')} load {os.getloadavg()[0]:.1f} rings "
              f"{'unchanged' if not changed else sorted(changed)} offline {len(offline)} "
              f"device votes missing {len(unvoted)}", flush=True)
    late = {n: token_warnings(lab, n) - warned[n] for n in before}
    qdevice = {k: v - events[k] for k, v in qdevice_events(lab, list(before)).items()}
    ok = not changed and not offline and not any(qdevice.values()) and not unvoted
    token = lab.sh("ff-node1", "corosync-cmapctl -g runtime.config.totem.token").stdout
    print(f"RESULT: {'no membership change' if ok else 'MEMBERSHIP CHANGED'} in "
          f"{args.minutes:g} min under load ({token.strip()}); ring ids {before} -> "
          f"{now}; offline samples {offline}; 'Token has not been received' notices "
          f"during the run: {late}; quorum device connection events (qnetd drops or new "
          f"connections, qdevice echo/connect failures, votequorum losing the device): "
          f"{qdevice}; samples without both device votes: {unvoted}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
