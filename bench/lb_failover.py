#!/usr/bin/env python3
"""The HA load balancer's failover (lab-lbpair.toml: HAProxy cloned on two Pacemaker nodes,
the LB VIP on one, fenced, a quorum device): the node holding the VIP is lost while the
client asks the GUI through the VIP every 100 ms (1 s timeout each).

  sudo python3 bench/lb_failover.py [--runs 3]

Two fault models, one row each: a silent crash (nothing leaves the node from the instant of
the fault, as a VM crashes: tests/helpers/faults.Injector.crash) and the polite kill
(``docker kill`` alone: sockets closed, qnetd told at once). Per run: the longest time
between two answered requests (target for the silent crash: 5 s at most) and the requests
that were not answered 200; then the lost node is fenced (power-cycled), rejoins, and the
next run takes whichever node holds the VIP then. Medians at the end.
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.faults import Injector  # noqa: E402
from helpers.lab import (PAIR_SERVICES, Pacemaker, gap_and_failures,  # noqa: E402
                         gap_runs, running_lab, timed_requests)

NODES = ("lb-node1", "lb-node2")
GUI = "http://172.30.77.170:3000/"


def haproxy_everywhere(pcmk):
    return set(pcmk.status().xpath(
        "//clone[@id='haproxy-clone']/resource[@id='haproxy' and @active='true' and "
        "@role='Started' and @failed='false']/node/@name")) == set(NODES)

LABELS = {"crash": "LB pair: silent crash of the active LB node (GUI via the LB VIP, "
                   "a request every 100 ms)",
          "polite": "LB pair: polite kill of the active LB node (docker kill: qnetd told "
                    "at once)"}


def one_run(lab, pcmk, run, kind):
    lab.wait(lambda: pcmk.online() == set(NODES) and haproxy_everywhere(pcmk), 180,
             "both LB nodes online, HAProxy on both")
    holder = lab.wait(lambda: pcmk.where("lb-vip"), 60, "the LB VIP started")
    lab.settle(holder)
    lab.wait(lambda: lab.curl(GUI).startswith("uoc on"), 30, "the GUI through the VIP")
    read = timed_requests(lab, GUI, 25, f"lb-bench-{kind}-{run}")
    lab.wait(lambda: len(read()) >= 20, 10, "requests flowing")
    inject = Injector(lab)
    inject.crash(holder) if kind == "crash" else inject.polite_kill(holder)
    lab.wait(lambda: read()[-1:] == [("done",)], 60, "the request run to finish")
    return gap_and_failures(read()[:-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    services = [*NODES, *PAIR_SERVICES, "gui-node1", "gui-node2"]
    with running_lab("benchlb", services) as lab:
        pcmk = Pacemaker(lab, list(NODES))
        lab.pair_up("nfvd-lb")
        lab.load_cib("nfvd-lb")
        for kind in ("crash", "polite"):
            gap_runs(LABELS[kind], args.runs, lambda run, kind=kind: one_run(lab, pcmk, run, kind))


if __name__ == "__main__":
    main()
