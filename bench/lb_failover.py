#!/usr/bin/env python3
"""The HA load balancer's failover (lab-lbpair.toml: HAProxy cloned on two Pacemaker nodes,
the LB VIP on one, fenced, a quorum device): the node holding the VIP is killed while the
client asks the GUI through the VIP every 100 ms (1 s timeout each).

  sudo python3 bench/lb_failover.py [--runs 3]

Per run: the longest time between two answered requests (target: 3 s at most) and the
requests that were not answered 200; then the killed node is fenced (power-cycled), rejoins,
and the next run kills whichever node holds the VIP then. Medians at the end.
"""
import argparse
import os
import platform
import statistics
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]  # the repo first: tests/agents is not agents/
from helpers.lab import (PAIR_SERVICES, Pacemaker, gap_and_failures,  # noqa: E402
                         running_lab, timed_requests)

NODES = ("lb-node1", "lb-node2")
GUI = "http://172.30.77.170:3000/"


def haproxy_everywhere(pcmk):
    return set(pcmk.status().xpath(
        "//clone[@id='haproxy-clone']/resource[@id='haproxy' and @active='true' and "
        "@role='Started' and @failed='false']/node/@name")) == set(NODES)


def one_run(lab, pcmk, run):
    lab.wait(lambda: pcmk.online() == set(NODES) and haproxy_everywhere(pcmk), 180,
             "both LB nodes online, HAProxy on both")
    holder = lab.wait(lambda: pcmk.where("lb-vip"), 60, "the LB VIP started")
    lab.wait(lambda: lab.curl(GUI).startswith("uoc on"), 30, "the GUI through the VIP")
    read = timed_requests(lab, GUI, 25, f"lb-bench-{run}")
    lab.wait(lambda: len(read()) >= 20, 10, "requests flowing")
    lab.docker("kill", lab.container(holder))
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
        results = []
        for run in range(args.runs):
            gap, failed = one_run(lab, pcmk, run)
            results.append((gap, failed))
            print(f"run {run + 1}: longest gap {gap:.2f} s, {failed} requests failed",
                  flush=True)
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    print(f"{'LB pair: active LB node killed (GUI via the LB VIP, a request every 100 ms)':<76}"
          f" longest gap median {statistics.median(g for g, _ in results):.2f} s, failed "
          f"requests median {statistics.median(f for _, f in results):g}   runs: "
          + " ".join(f"{g:.2f}s/{f}" for g, f in results))


if __name__ == "__main__":
    main()
