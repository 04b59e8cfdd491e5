"""Driving the Docker lab from tests: nfvd_ha.commands.lab's lifecycle, plus waits that fail a test
and the cluster's own view (crm_mon XML, crm_failcount), never our logs."""

import itertools
import posixpath
import re
import shlex
import subprocess
import sys
import tempfile
from contextlib import contextmanager

from nfvd_ha.commands.lab import DEFINITIONS, Lab
from nfvd_ha.adapters.runner import Result, Runner

from .waits import holds_for, wait_until

#: what a Pacemaker pair needs around it: its quorum device, its power switch, a client
PAIR_SERVICES = ("qnetd", "power", "client")
#: a DC elected in a partition with quorum (crm_mon's XML)
QUORATE_DC = "//current_dc[@present='true' and @with_quorum='true']"


class TestLab(Lab):
    """The lab as the tests and benches drive it: its lifecycle (nfvd_ha.commands.lab), its
    waits (helpers.waits), and the commands they run on its nodes as methods taking argv
    lists (``run``); ``sh`` is left for what needs a shell (pipes, redirections, ``&``)."""
    __test__ = False  # not a test class

    def __init__(self, project, state, stack=None):
        super().__init__(Runner(), project, state,
                         progress=lambda text: print(text, file=sys.stderr, flush=True),
                         stack=stack)

    def wait(self, predicate, timeout, what, interval=0.5, diagnose=None):
        """``wait_until`` with the lab's interval (it is also the lifecycle's wait: an
        AssertionError, not the CLI's error, when the lab does not come up)."""
        return wait_until(predicate, timeout, interval, what, diagnose=diagnose)

    def steady(self, predicate, seconds, what, interval=0.5):
        """``holds_for`` with the lab's interval."""
        holds_for(predicate, seconds, interval, what)

    # -- commands on the nodes, as argv ----------------------------------------------------
    def run(self, service, *argv, timeout=60, check=False) -> Result:
        """``argv`` in ``service``'s container (docker exec, no shell), bounded."""
        return self.runner.run(["docker", "exec", self.container(service), *argv],
                               timeout=timeout, check=check)

    def chain(self, service, *commands, timeout=60, check=False) -> Result:
        """Several argv lists in one exec, each run while the previous succeeded (one
        shell of quoted words: a fault's rules land together)."""
        return self.sh(service, " && ".join(shlex.join(c) for c in commands),
                       timeout=timeout, check=check)

    def ok(self, service, *argv, timeout=60) -> str:
        """``argv``'s output; an AssertionError with what it said when it fails."""
        done = self.run(service, *argv, timeout=timeout)
        assert done.returncode == 0, \
            f"{service}: {shlex.join(argv)} exited {done.returncode}: {done.stdout}{done.stderr}"
        return done.stdout

    def docker(self, *argv):
        return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=120)

    def kill_node(self, service):
        """``docker kill`` of a node's container (its processes die, its sockets close)."""
        return self.docker("kill", self.container(service))

    def cat(self, service, path) -> str:
        """A file of ``service`` ("" when it cannot be read)."""
        return self.run(service, "cat", path).stdout

    def exists(self, service, path) -> bool:
        return self.run(service, "test", "-e", path).returncode == 0

    def touch(self, service, path) -> Result:
        """``path`` made (empty), its directory too."""
        return self.chain(service, ["mkdir", "-p", posixpath.dirname(path)], ["touch", path])

    def write(self, service, path, text, check=True) -> Result:
        """``text`` into ``path`` of ``service``, its directory made (the words are
        arguments: no shell parses them)."""
        return self.run(service, "sh", "-c", 'mkdir -p "$(dirname "$2")" && printf %s "$1" > "$2"',
                        "write", text, path, check=check)

    def spawn(self, service, *argv, log="/dev/null") -> Result:
        """``argv`` started in the background on ``service``, detached (its own session, HUP
        ignored), its output appended to ``log``; returns at once."""
        return self.run(service, "sh", "-c", 'log=$1; shift; (setsid nohup "$@" >>"$log" 2>&1 '
                        '</dev/null &)', "spawn", log, *argv, check=True)

    def pid(self, service, component) -> str:
        """The pid an NFVD stand-in wrote for ``component`` ("" when none)."""
        return self.cat(service, f"/var/run/nfvd/{component}.pid").strip()

    def kill9(self, service, pid) -> Result:
        return self.run(service, "kill", "-9", str(pid))

    def addresses(self, service) -> str:
        """``ip -4 -o addr`` of ``service``."""
        return self.run(service, "ip", "-4", "-o", "addr").stdout

    def nfvd_ha(self, service, *args, timeout=60) -> Result:
        return self.run(service, "nfvd-ha", *args, timeout=timeout)

    def director(self, service, *args, timeout=60) -> Result:
        """NFVD's own nfv-director.sh (the stand-in's)."""
        return self.run(service, "/opt/HPE/nfvd/bin/nfv-director.sh", *args, timeout=timeout)

    def cl_status(self, service, *args, program="cl_status") -> str:
        """cl_status's answer, stripped: the one on the PATH (nfvd-ha's shim where installed),
        or ``program`` (heartbeat's own: /usr/bin/cl_status)."""
        return self.run(service, program, *args).stdout.strip()

    def crm_node(self, on, action, node) -> Result:
        """``crm node standby|online NODE`` run on ``on``."""
        return self.run(on, "crm", "node", action, node)

    def crm_resource(self, on, *args, timeout=60) -> Result:
        return self.run(on, "crm_resource", *args, timeout=timeout)

    def cib(self, on, *args) -> str:
        """``cibadmin --query`` on ``on`` (``--scope X``, ``--xpath Y``...): the CIB's text."""
        return self.run(on, "cibadmin", "--query", *args).stdout

    def idle(self, node, timeout=120):
        """Until the cluster has no transition pending (``crm_resource --wait``, bounded)."""
        done = self.crm_resource(node, "--wait", f"--timeout={timeout}", timeout=timeout + 10)
        assert done.returncode == 0, f"{node}: transitions still pending: {done.stderr}"

    def quorumtool(self, node) -> str:
        """``corosync-quorumtool -s`` of ``node``."""
        return self.run(node, "corosync-quorumtool", "-s", timeout=15).stdout

    def qdevice_voting(self, node, count=2):
        """``corosync-quorumtool -s`` on ``node`` lists ``count`` nodes, each Alive and Voting
        for the quorum device (A,V,...)."""
        rows = [line.split() for line in self.quorumtool(node).splitlines()
                if re.match(r"\s+\d+\s+\d+\s+\S+\s+\S+", line)]
        nodes = [r for r in rows if r[0] != "0"]
        return len(nodes) == count and all(r[2].startswith("A,V,") for r in nodes)

    def settle(self, node, count=2):
        """Wait until the pair is settled, as a pair in production is when a node dies: every
        node's quorum device voting (a node killed right after its peer rejoined, qdevice
        still connecting, takes ~12 s: a double failure, measured as such by bench/faults.py)
        and no transition in progress (a rejoined node's probes, starts, monitors being
        scheduled: a node lost then waits for those actions first)."""
        self.wait(lambda: self.qdevice_voting(node, count), 120, "every qdevice voting")
        self.crm_resource(node, "--wait", "--timeout=60", timeout=70)


class Pacemaker:
    """The one reader of a Pacemaker cluster's own view, for the tests and benches: crm_mon's
    XML (on whichever node is in the quorate partition) and crm_failcount, never our logs."""
    look_timeout = 60  # s for one crm_mon

    def __init__(self, lab, nodes):
        self.lab, self.nodes = lab, tuple(nodes)

    def look(self, node=None):
        """crm_mon of ``node``, else of a node in the quorate partition (a node rejoining
        after a fence has a view of its own that is not yet the cluster's), else of any node
        that answers; None when none does."""
        from lxml import etree
        found = None
        for candidate in ([node] if node else self.nodes):
            out = self.lab.run(candidate, "crm_mon", "-1", "--output-as=xml",
                               timeout=self.look_timeout)
            if out.returncode == 0 and out.stdout.strip():
                found = etree.fromstring(out.stdout.encode())
                if node or found.xpath(QUORATE_DC):
                    return found
        return found

    def status(self, node=None):
        """``look``, and an AssertionError when no node answers."""
        found = self.look(node)
        if found is None:
            raise AssertionError(f"no Pacemaker node of {', '.join(self.nodes)} answers")
        return found

    def any_node(self):
        for node in self.nodes:
            if self.look(node) is not None:
                return node
        raise AssertionError(f"no Pacemaker node of {', '.join(self.nodes)} answers")

    def started_on(self, rid, status=None):
        """The nodes where ``rid`` (a primitive, or a clone's instances) is Started, not
        failed."""
        status = self.status() if status is None else status
        return set(status.xpath(f"//resource[@id='{rid}' and @active='true' and "
                                "@role='Started' and @failed='false']/node/@name"))

    def where(self, rid):
        """The one node where ``rid`` is Started, or None."""
        nodes = self.started_on(rid)
        return nodes.pop() if len(nodes) == 1 else None

    def online(self):
        return set(self.status().xpath("//nodes/node[@online='true']/@name"))

    def node(self, name, status=None):
        """crm_mon's attributes of node ``name`` (online, standby, maintenance, unclean...);
        {} when crm_mon does not list it."""
        status = self.status() if status is None else status
        found = status.xpath(f"//nodes/node[@name='{name}']")
        return dict(found[0].attrib) if found else {}

    def quorate(self, status):
        """``status`` is the view of a partition with quorum."""
        return status is not None and status.xpath("//current_dc/@with_quorum") == ["true"]

    def failcount(self, rid, node):
        out = self.lab.run(self.any_node(), "crm_failcount", "-G", "-r", rid, "-N", node,
                           "-q").stdout
        return int(out.strip()) if out.strip().isdigit() else 0


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
        lab.down()


def timed_requests(lab, url, seconds, name, timeout=1):
    """A request to ``url`` every 100 ms from the client for ``seconds``, in the background
    (``timeout`` s each); returns a reader of [(epoch time, HTTP status)], ending
    ("done",)."""
    lab.sh("client", f"rm -f /tmp/{name}; end=$(($(date +%s)+{seconds})); "
           "(while [ $(date +%s) -lt $end ]; do t=$(date +%s.%N); "
           f"c=$(curl -s -o /dev/null -w '%{{http_code}}' -m {timeout} {url}); echo \"$t $c\" "
           f">> /tmp/{name}; sleep 0.1; done; echo done >> /tmp/{name}) >/dev/null 2>&1 &")
    return lambda: [tuple(line.split())
                    for line in lab.cat("client", f"/tmp/{name}").splitlines()]


def gap_and_failures(samples):
    """(the longest time between two answered requests, the requests not answered 200) of
    ``timed_requests``' samples."""
    answered = [float(t) for t, code in samples if code == "200"]
    failed = sum(1 for _, code in samples if code != "200")
    return max((b - a for a, b in itertools.pairwise(answered)), default=float("inf")), failed


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
