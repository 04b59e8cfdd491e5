"""The Docker lab, driven by pytest-docker: real Pacemaker/corosync and heartbeat nodes.

Images come from docker/build-images.sh (offline, rebuilt only when inputs change); the
configs every node uses are rendered by the real CLI from the built-in example
(Fulfillment pair) and docker/lab-heartbeat.toml (heartbeat pair).
"""

import os
import subprocess

import pytest

from helpers.lab import Lab, Pacemaker
from helpers.ocf import REPO

PROJECT = f"nfvdlab{os.getpid()}"


@pytest.fixture(scope="session")
def lab_out(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("lab-out"))
    example = os.path.join(REPO, "nfvd_ha", "examples", "reference.toml")
    subprocess.run(["nfvd-ha", "render", example, "--out", out], check=True,
                   capture_output=True)
    subprocess.run(["nfvd-ha", "render", os.path.join(REPO, "docker", "lab-aa.toml"),
                    "--out", out, "--target", "cib", "--target", "corosync"], check=True,
                   capture_output=True)
    subprocess.run(["nfvd-ha", "render", os.path.join(REPO, "docker", "lab-heartbeat.toml"),
                    "--out", out, "--target", "heartbeat"], check=True, capture_output=True)
    subprocess.run(["nfvd-ha", "render", os.path.join(REPO, "docker", "lab-lb.toml"),
                    "--out", out, "--target", "haproxy"], check=True, capture_output=True)
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
def shared_disk():
    """The Assurance pair's shared disk (a loop device; the kernel here has no NFS)."""
    script = os.path.join(REPO, "docker", "shared-disk.sh")
    dev = subprocess.run(["bash", script, "up", PROJECT], check=True, capture_output=True,
                         text=True).stdout.strip()
    yield dev
    subprocess.run(["bash", script, "down", PROJECT], capture_output=True)


@pytest.fixture(scope="session")
def docker_compose_file(node_image, lab_out, shared_disk):
    os.environ["NFVD_NODE_IMAGE"] = node_image
    os.environ["NFVD_LAB_OUT"] = lab_out
    os.environ["NFVD_LAB_DISK"] = shared_disk
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


@pytest.fixture(scope="session")
def lab(docker_services):
    lab = Lab(PROJECT)
    for service in ("ff-node1", "ff-node2", "aa-node1", "aa-node2", "hb-node1", "hb-node2",
                    "gui-node1", "gui-node2", "sis-node1", "sis-node2", "lb", "client"):
        lab.wait(lambda: lab.sh(service, "true").returncode == 0, 60, f"{service} up")
    return lab


def loaded_pair(lab, nodes, cluster):
    """A Pacemaker pair once it has a DC and both nodes, with its rendered CIB loaded
    through crmsh (``crm configure load xml update``) if a new pair has none yet."""
    pcmk = Pacemaker(lab, list(nodes))
    lab.wait(lambda: "partition with quorum" in lab.sh(nodes[0], "crm_mon -1").stdout
             and pcmk.online() == set(nodes), 120, f"{cluster}: a DC and both nodes online")
    if "<primitive" not in lab.sh(nodes[0], "cibadmin -Q --scope resources").stdout:
        load = lab.sh(nodes[0], f"crm configure load xml update /lab/out/{cluster}/cib.xml")
        assert load.returncode == 0, load.stderr  # once per pair: crmsh's update is no merge
    return pcmk


FF_PAIR, AA_PAIR = ("ff-node1", "ff-node2"), ("aa-node1", "aa-node2")


def recreate(lab, nodes):
    """New containers for a pair: an empty CIB, no history, no failcounts, no attributes."""
    subprocess.run(["docker-compose", "-f", os.path.join(REPO, "docker", "lab.yml"), "-p",
                    PROJECT, "up", "-d", "--force-recreate", "--no-deps", *nodes],
                   check=True, capture_output=True)
    for node in nodes:
        lab.wait(lambda: lab.sh(node, "true").returncode == 0, 60, f"{node} up")


@pytest.fixture(scope="module")
def fresh_ff(lab, docker_compose_file):
    """A fresh Fulfillment pair for a module of destructive tests."""
    recreate(lab, FF_PAIR)


@pytest.fixture(scope="module")
def fresh_aa(lab, docker_compose_file):
    """A fresh Assurance pair for a module of destructive tests."""
    recreate(lab, AA_PAIR)


@pytest.fixture
def ff(lab):
    """The Fulfillment pair (the rendered example), its CIB loaded."""
    return loaded_pair(lab, FF_PAIR, "nfvd-ff")


@pytest.fixture
def aa(lab):
    """The Assurance pair (lab-aa.toml: the example's, on a shared disk), CIB loaded."""
    return loaded_pair(lab, AA_PAIR, "nfvd-aa")
