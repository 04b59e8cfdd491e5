"""The HA load balancer (guide 2.3.2): two HAProxy nodes as a Pacemaker pair (lab-lbpair.toml)
- HAProxy cloned on both, the LB VIP on one, fenced, a quorum device. The GUI stays
reachable through the VIP when the active load balancer dies; the lost requests and the
longest gap are measured from a client asking every 100 ms (bench/lb_failover.py reruns it).
"""

import os
import subprocess
import time

import pytest

from helpers.faults import Witness
from helpers.lab import gap_and_failures, timed_requests

pytestmark = pytest.mark.cluster
VIP = "172.30.77.170"
GUI = f"http://{VIP}:3000/"
NODES = ("lb-node1", "lb-node2")


def haproxy_nodes(pcmk):
    return pcmk.started_on("haproxy")


def holders(lab):
    """The nodes that have the VIP on an interface (the kernel's view, not Pacemaker's)."""
    return {n for n in NODES
            if lab.run(n, "ip", "-4", "-o", "addr", "show", "to", VIP).stdout.strip()}


def test_haproxy_on_both_nodes_the_vip_on_one_and_the_gui_through_it(lab, lbpair):
    lab.wait(lambda: haproxy_nodes(lbpair) == set(NODES), 90, "HAProxy on both LB nodes")
    holder = lab.wait(lambda: lbpair.where("lb-vip"), 60, "the LB VIP started")
    assert holders(lab) == {holder}
    lab.wait(lambda: lab.curl(GUI).startswith("uoc on gui-node"), 30, "the GUI through the VIP")
    standby = next(n for n in NODES if n != holder)
    # the standby's HAProxy already listens on the VIP (bind ... transparent): nothing to
    # start there when the VIP arrives
    assert f"{VIP}:3000" in lab.run(standby, "ss", "-Hltn").stdout


def haproxy_processes(lab, node):
    """{host pid: (parent pid, uids, root directory)} of the haproxy processes of ``node``'s
    container, read from the host: a process that changed its uid is not dumpable, and the
    container itself (no CAP_SYS_PTRACE) may not look at its root or its sockets."""
    cid = lab.docker("inspect", "-f", "{{.Id}}", lab.container(node)).stdout.strip()
    assert cid, node
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f, open(f"/proc/{pid}/cgroup") as g:
                if f.read().strip() != "haproxy" or cid not in g.read():
                    continue
            with open(f"/proc/{pid}/status") as f:
                status = {line.split(":")[0]: line.split()[1:] for line in f}
            found[int(pid)] = (int(status["PPid"][0]), status["Uid"],
                               os.readlink(f"/proc/{pid}/root"))
        except OSError:
            continue  # gone meanwhile
    return found


def test_haproxy_serves_chrooted_as_haproxy_and_the_standby_still_listens_on_the_vip(
        lab, lbpair):
    """Guide 2.8.4's global section (chroot, user, group): HAProxy binds the VIP
    ("transparent", before it is here) as root, then drops privileges. On both nodes the
    processes that serve run as haproxy in /var/lib/haproxy, and the standby's listening
    socket on the VIP is theirs."""
    lab.wait(lambda: haproxy_nodes(lbpair) == set(NODES), 90, "HAProxy on both LB nodes")
    holder = lab.wait(lambda: lbpair.where("lb-vip"), 60, "the LB VIP started")
    standby = next(n for n in NODES if n != holder)
    uid = lab.run(standby, "id", "-u", "haproxy").stdout.strip()
    for node in NODES:
        processes = haproxy_processes(lab, node)
        workers = {pid: p for pid, p in processes.items()
                   if not any(parent == pid for parent, _, _ in processes.values())}
        assert workers and all(uids == [uid] * 4 and root == "/var/lib/haproxy"
                               for _, uids, root in workers.values()), (node, processes)
        if node == standby:
            pid = next(iter(workers))
            listening = subprocess.run(["nsenter", "-t", str(pid), "-n", "ss", "-Hltnp"],
                                       capture_output=True, text=True, timeout=30).stdout
            line = next(x for x in listening.splitlines() if f"{VIP}:3000" in x)
            assert any(f"pid={p}," in line for p in workers), (line, workers)
    lab.wait(lambda: lab.curl(GUI).startswith("uoc on gui-node"), 30, "the GUI through the VIP")


def test_the_active_load_balancer_dies_the_gui_stays_reachable(lab, lbpair):
    lab.wait(lambda: haproxy_nodes(lbpair) == set(NODES), 90, "HAProxy on both LB nodes")
    holder = lab.wait(lambda: lbpair.where("lb-vip"), 60, "the LB VIP started")
    peer = next(n for n in NODES if n != holder)
    lab.wait(lambda: lab.curl(GUI).startswith("uoc on gui-node"), 30, "the GUI through the VIP")
    read = timed_requests(lab, GUI, 25, "lb-gaps")
    lab.wait(lambda: len(read()) >= 20, 10, "requests flowing")
    started = time.time()
    lab.kill_node(holder)
    lab.wait(lambda: holders(lab) == {peer}, 30, f"the VIP on {peer}")
    lab.wait(lambda: read()[-1:] == [("done",)], 40, "the request run to finish")
    gap, failed = gap_and_failures(read()[:-1])
    print(f"LB node killed: longest gap {gap:.2f} s, {failed} requests failed")
    # the client asked who has the VIP every 100 ms throughout: never two answers at once
    rounds, dual, seen = Witness(lab.state).arp(started - 5, time.time())
    assert rounds > 100 and dual == 0 and len(seen[VIP]) == 2, (rounds, dual, seen)
    # detection (500 ms token + consensus), fencing first (the VIP must never answer from
    # two nodes), the VIP's start: ~3.5 s (bench/lb_failover.py; the target of 3 s is not
    # met, see docs/operator/load-balancer.md; runs up to 4.6 s seen). The bound catches a
    # failover that waits for a timeout instead (fencing or election timeouts: 20 s and more).
    assert gap <= 8.0, f"longest gap {gap:.2f} s"
    assert failed <= 10, f"{failed} requests failed"  # ~4 (1 s client timeouts)
    assert lbpair.where("lb-vip") == peer
    # fenced (a power cycle): it rejoins, and the VIP stays where it is
    lab.wait(lambda: lbpair.online() == set(NODES), 120, f"{holder} back (fenced: rebooted)")
    lab.wait(lambda: haproxy_nodes(lbpair) == set(NODES), 60, f"HAProxy back on {holder}")
    lab.steady(lambda: holders(lab) == {peer}, 3, f"the VIP staying on {peer}")
