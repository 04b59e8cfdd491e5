"""Driving the Docker lab from tests: nfvd_ha.lab's lifecycle, plus waits that fail a test
and the cluster's own view (crm_mon XML, crm_failcount), never our logs."""

import subprocess
import time

from nfvd_ha.lab import Lab
from nfvd_ha.runner import Runner


class TestLab(Lab):
    __test__ = False  # not a test class

    def __init__(self, project, state):
        super().__init__(Runner(), project, state)

    def wait(self, predicate, timeout, what, interval=0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except Exception:  # noqa: BLE001 - a node still starting: not yet
                value = None
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def docker(self, *argv):
        return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=120)

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
        out = self.lab.sh(self.any_node(), "crm_mon -1 --output-as=xml").stdout
        from lxml import etree
        return etree.fromstring(out.encode())

    def where(self, rid):
        nodes = self.status().xpath(f"//resource[@id='{rid}' and @active='true' and @role='Started' and "
                                    "@failed='false']/node/@name")
        return nodes[0] if len(nodes) == 1 else None

    def online(self):
        return set(self.status().xpath("//nodes/node[@online='true']/@name"))

    def failcount(self, rid, node):
        out = self.lab.sh(self.any_node(), f"crm_failcount -G -r {rid} -N {node} -q").stdout
        return int(out.strip() or 0) if out.strip().isdigit() else 0
