"""The Docker lab, driven by pytest-docker: real Pacemaker/corosync and heartbeat nodes.

Images come from docker/build-images.sh (offline, rebuilt only when inputs change); the
configs every node uses are rendered by the real CLI from the built-in example
(Fulfillment pair) and docker/lab-heartbeat.toml (heartbeat pair).
"""

import json
import os
import subprocess
import time

import pytest

from helpers.ocf import REPO

PROJECT = f"nfvdlab{os.getpid()}"


@pytest.fixture(scope="session")
def lab_out(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("lab-out"))
    example = os.path.join(REPO, "nfvd_ha", "examples", "reference.toml")
    subprocess.run(["nfvd-ha", "render", example, "--out", out], check=True,
                   capture_output=True)
    subprocess.run(["nfvd-ha", "render", os.path.join(REPO, "docker", "lab-heartbeat.toml"),
                    "--out", out, "--target", "heartbeat"], check=True, capture_output=True)
    os.chmod(out, 0o755)
    return out


@pytest.fixture(scope="session")
def node_image():
    out = subprocess.run(["bash", os.path.join(REPO, "docker", "build-images.sh")],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def docker_compose_command():
    return "docker-compose"


@pytest.fixture(scope="session")
def docker_compose_file(node_image, lab_out):
    os.environ["NFVD_NODE_IMAGE"] = node_image
    os.environ["NFVD_LAB_OUT"] = lab_out
    return os.path.join(REPO, "docker", "lab.yml")


@pytest.fixture(scope="session")
def docker_compose_project_name():
    return PROJECT


@pytest.fixture(scope="session")
def docker_setup():
    return ["up -d"]


@pytest.fixture(scope="session")
def docker_cleanup():
    return ["down -v -t 1"]


class Lab:
    def __init__(self, project):
        self.project = project

    def container(self, service):
        return f"{self.project}_{service}_1"

    def sh(self, service, command, check=False, timeout=60):
        return subprocess.run(["docker", "exec", self.container(service), "sh", "-c", command],
                              capture_output=True, text=True, check=check, timeout=timeout)

    def wait(self, predicate, timeout, what, interval=0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def curl(self, url):
        return self.sh("client", f"curl -s -m 2 {url}").stdout

    def docker(self, *argv):
        return subprocess.run(["docker", *argv], capture_output=True, text=True)


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
        nodes = self.status().xpath(f"//resource[@id='{rid}' and @active='true' and "
                                    "@failed='false']/node/@name")
        return nodes[0] if len(nodes) == 1 else None

    def online(self):
        return set(self.status().xpath("//nodes/node[@online='true']/@name"))

    def failcount(self, rid, node):
        out = self.lab.sh(self.any_node(), f"crm_failcount -G -r {rid} -N {node} -q").stdout
        return int(out.strip() or 0) if out.strip().isdigit() else 0


@pytest.fixture(scope="session")
def lab(docker_services):
    lab = Lab(PROJECT)
    for service in ("ff-node1", "ff-node2", "hb-node1", "hb-node2", "client"):
        lab.wait(lambda: lab.sh(service, "true").returncode == 0, 60, f"{service} up")
    return lab


@pytest.fixture(scope="session")
def ff(lab):
    """The Fulfillment pair, with the rendered CIB loaded through crmsh."""
    pcmk = Pacemaker(lab, ["ff-node1", "ff-node2"])
    lab.wait(lambda: "partition with quorum" in lab.sh("ff-node1", "crm_mon -1").stdout
             and pcmk.online() == {"ff-node1", "ff-node2"}, 120, "a DC and both nodes online")
    load = lab.sh("ff-node1", "crm configure load xml update /lab/out/nfvd-ff/cib.xml")
    assert load.returncode == 0, load.stderr
    pcmk.loaded = load
    return pcmk
