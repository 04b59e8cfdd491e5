"""Driving the Docker lab from tests: nfvd_ha.commands.lab's lifecycle, plus waits that fail a test
and the cluster's own view (crm_mon XML, crm_failcount), never our logs."""

import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

from nfvd_ha.commands.lab import DEFINITIONS, Lab
from nfvd_ha.adapters.runner import Runner

#: what a Pacemaker pair needs around it: its quorum device, its power switch, a client
PAIR_SERVICES = ("qnetd", "power", "client")


class TestLab(Lab):
    __test__ = False  # not a test class

    def __init__(self, project, state, stack=None):
        super().__init__(Runner(), project, state,
                         progress=lambda text: print(text, file=sys.stderr, flush=True),
                         stack=stack)

    def wait(self, predicate, timeout, what, interval=0.5, diagnose=None):
        """``predicate``'s first true value within ``timeout``; on timeout an AssertionError
        naming ``what`` (and what ``diagnose()`` says)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except Exception:  # noqa: BLE001 - a node still starting: not yet
                value = None
            if value:
                return value
            time.sleep(interval)
        said = f"\n{diagnose()}" if diagnose else ""
        raise AssertionError(f"timed out after {timeout}s waiting for {what}{said}")

    def docker(self, *argv):
        return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=120)

    def qdevice_voting(self, node, count=2):
        """``corosync-quorumtool -s`` on ``node`` lists ``count`` nodes, each Alive and Voting
        for the quorum device (A,V,...)."""
        rows = [line.split() for line in self.sh(node, "corosync-quorumtool -s").stdout
                .splitlines() if re.match(r"\s+\d+\s+\d+\s+\S+\s+\S+", line)]
        nodes = [r for r in rows if r[0] != "0"]
        return len(nodes) == count and all(r[2].startswith("A,V,") for r in nodes)

    def settle(self, node, count=2):
        """Wait until the pair is settled, as a pair in production is when a node dies: every
        node's quorum device voting (a node killed right after its peer rejoined, qdevice
        still connecting, takes ~12 s: a double failure, measured as such by bench/faults.py)
        and no transition in progress (a rejoined node's probes, starts, monitors being
        scheduled: a node lost then waits for those actions first)."""
        self.wait(lambda: self.qdevice_voting(node, count), 120, "every qdevice voting")
        self.sh(node, "crm_resource --wait --timeout=60", timeout=70)

    def steady(self, predicate, seconds, what, interval=0.5):
        """``predicate`` holds at every look for ``seconds`` (a measured window, not a sleep:
        it fails at the first look that says otherwise)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert predicate(), f"{what} stopped holding"
            time.sleep(interval)


class Pacemaker:
    """Reads the cluster's own view (crm_mon XML, crm_failcount), never our logs."""

    def __init__(self, lab, nodes):
        self.lab, self.nodes = lab, nodes

    def any_node(self):
        for node in self.nodes:
            if self.lab.sh(node, "crm_mon -1 >/dev/null 2>&1").returncode == 0:
                return node
        raise AssertionError("no Pacemaker node answers")

    def status(self):
        """crm_mon of a node in the quorate partition (a node still rejoining, after a
        fence for instance, has a view of its own that is not yet the cluster's)."""
        from lxml import etree
        found = None
        for node in self.nodes:
            out = self.lab.sh(node, "crm_mon -1 --output-as=xml")
            if out.returncode != 0 or not out.stdout.strip():
                continue
            found = etree.fromstring(out.stdout.encode())
            if found.xpath("//current_dc[@present='true' and @with_quorum='true']"):
                return found
        if found is None:
            raise AssertionError("no Pacemaker node answers")
        return found

    def where(self, rid):
        nodes = self.status().xpath(f"//resource[@id='{rid}' and @active='true' and "
                                    "@role='Started' and @failed='false']/node/@name")
        return nodes[0] if len(nodes) == 1 else None

    def online(self):
        return set(self.status().xpath("//nodes/node[@online='true']/@name"))

    def failcount(self, rid, node):
        out = self.lab.sh(self.any_node(), f"crm_failcount -G -r {rid} -N {node} -q").stdout
        return int(out.strip() or 0) if out.strip().isdigit() else 0


@contextmanager
def running_lab(project, services, definitions=DEFINITIONS, stack=None):
    """A lab of its own for a bench: state in a new directory, these services up (on
    ``stack``, default $NFVD_HA_LAB_STACK or bookworm), always taken down afterwards."""
    lab = TestLab(project, tempfile.mkdtemp(prefix=f"nfvd-{project}-"), stack)
    lab.prepare(definitions)
    lab.build_image()
    lab.compose("up", "-d", *services)
    try:
        yield lab
    finally:
        lab.compose("down", "-t", "1", check=False)


def timed_requests(lab, url, seconds, name, timeout=1):
    """A request to ``url`` every 100 ms from the client for ``seconds``, in the background
    (``timeout`` s each); returns a reader of [(epoch time, HTTP status)], ending
    ("done",)."""
    lab.sh("client", f"rm -f /tmp/{name}; end=$(($(date +%s)+{seconds})); "
           "(while [ $(date +%s) -lt $end ]; do t=$(date +%s.%N); "
           f"c=$(curl -s -o /dev/null -w '%{{http_code}}' -m {timeout} {url}); echo \"$t $c\" "
           f">> /tmp/{name}; sleep 0.1; done; echo done >> /tmp/{name}) >/dev/null 2>&1 &")
    return lambda: [tuple(line.split())
                    for line in lab.sh("client", f"cat /tmp/{name}").stdout.splitlines()]


def gap_and_failures(samples):
    """(the longest time between two answered requests, the requests not answered 200) of
    ``timed_requests``' samples."""
    answered = [float(t) for t, code in samples if code == "200"]
    failed = sum(1 for _, code in samples if code != "200")
    return max((b - a for a, b in zip(answered, answered[1:])), default=float("inf")), failed


def gap_runs(label, runs, one_run):
    """Run ``one_run(run)`` -> (gap, failed) ``runs`` times, printing each, then the bench row:
    medians and every run."""
    import os
    import platform
    import statistics
    results = []
    for run in range(runs):
        gap, failed = one_run(run)
        results.append((gap, failed))
        print(f"run {run + 1}: longest gap {gap:.2f} s, {failed} requests failed", flush=True)
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    print(f"{label:<76} longest gap median {statistics.median(g for g, _ in results):.2f} s, "
          f"failed requests median {statistics.median(f for _, f in results):g}   runs: "
          + " ".join(f"{g:.2f}s/{f}" for g, f in results))
    return results
