"""This node as maintenance sees it: its NFVD components (nfv-director.sh) and its place in
a Pacemaker cluster (node attributes, what runs here). Every command goes through the runner."""

import os
import time

from ..errors import NfvdHaError
from nfvd_ocf.initscript import status_rows

NFV_DIRECTOR = "/opt/HPE/nfvd/bin/nfv-director.sh"
COROSYNC_CONF = "/etc/corosync/corosync.conf"
#: Pacemaker writes its CIB here once it has run: a node with both is a cluster node (a VM
#: with the packages merely installed is not; a cluster node whose stack is down is, and
#: maintenance then fails and retries rather than skip the cluster)
CIB_FILE = "/var/lib/pacemaker/cib/cib.xml"
#: node attribute recording which maintenance this node is in (survives our crashes)
MARKER = "nfvd-maintenance"


class Services:
    """The NFVD components of this VM, driven by nfv-director.sh (A/A, outside the cluster)."""

    def __init__(self, runner, tool=NFV_DIRECTOR):
        self.runner, self.tool = runner, tool

    def rows(self, timeout=120):
        if not os.access(self.tool, os.X_OK):
            return []
        return status_rows(self.runner.run([self.tool, "status"], timeout=timeout).stdout)

    def running(self, names, rows=None):
        """Which of ``names`` the status table (``rows``, else a fresh one) shows Running."""
        from .roles import LABELS
        states = dict(self.rows() if rows is None else rows)
        return [n for n in names if states.get(LABELS[n]) == "Running"]

    def act(self, name, action, confirm=120.0):
        """``nfv-director.sh -c NAME start|stop``, then wait until the table agrees."""
        result = self.runner.run([self.tool, "-c", name, action], timeout=600)
        if result.rc != 0:
            raise NfvdHaError(f"{self.tool} -c {name} {action} exited {result.rc}: "
                              f"{(result.stderr or result.stdout).strip()[-300:]}")
        want = action == "start"
        deadline = time.monotonic() + confirm
        while bool(self.running([name])) != want:
            if time.monotonic() >= deadline:
                raise NfvdHaError(f"{name} is {'not ' if want else 'still '}running "
                                  f"{confirm:g}s after '{self.tool} -c {name} {action}'")
            time.sleep(0.3)
        return result.stdout


class ClusterNode:
    """This node of a Pacemaker cluster: its permanent node attributes and its resources."""

    def __init__(self, runner, corosync_conf=COROSYNC_CONF, cib_file=CIB_FILE):
        self.runner, self.files, self._name = runner, (corosync_conf, cib_file), None

    def present(self):
        return all(os.path.exists(path) for path in self.files)

    def name(self):
        if self._name is None:
            self._name = self.runner.run(["crm_node", "-n"], check=True,
                                         timeout=30).stdout.strip()
        return self._name

    def attributes(self):
        from lxml import etree
        out = self.runner.run(["cibadmin", "--query", "--scope", "nodes"], check=True,
                              timeout=30).stdout
        found = etree.fromstring(out.encode()).xpath(
            "//node[@uname=$me]/instance_attributes/nvpair", me=self.name())
        return {p.get("name"): p.get("value") for p in found}

    def set(self, name, value):
        self.runner.run(["crm_attribute", "--node", self.name(), "--name", name,
                         "--update", value, "--lifetime", "forever"], check=True, timeout=30)

    def delete(self, name):
        self.runner.run(["crm_attribute", "--node", self.name(), "--name", name,
                         "--delete", "--lifetime", "forever"], check=True, timeout=30)

    def active(self):
        """{resource id: {node: role}} for active resources (failed ones too: they hold)."""
        from lxml import etree
        out = self.runner.run(["crm_mon", "-1", "--output-as=xml"], check=True,
                              timeout=30).stdout
        found = {}
        for rsc in etree.fromstring(out.encode()).xpath("//resources//resource[@active='true']"):
            for node in rsc.xpath("node/@name"):
                found.setdefault(rsc.get("id"), {})[node] = rsc.get("role")
        return dict(sorted(found.items()))
