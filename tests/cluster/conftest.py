"""The Docker lab, driven by pytest-docker: real Pacemaker/corosync and heartbeat nodes,
fenced through the lab's power switch, with a quorum device and two links.

The lab's lifecycle is nfvd_ha.commands.lab's (the same as `nfvd-ha lab up` and the benches): its
definitions rendered by the real renderer, its keys, the node image from
docker/build-images.sh (offline, rebuilt only when inputs change). pytest-docker brings the
compose project up and down.
"""

import os

import pytest

from helpers.lab import Pacemaker, TestLab
from nfvd_ha.commands.lab import CLUSTERS, PAIRS

PROJECT = f"nfvdlab{os.getpid()}"
SERVICES = ("ff-node1", "ff-node2", "aa-node1", "aa-node2", "qnetd", "power", "hb-node1",
            "hb-node2", "gui-node1", "gui-node2", "sis-node1", "sis-node2", "lb", "lb-node1",
            "lb-node2", "client")


@pytest.fixture(scope="session")
def lab_files(tmp_path_factory):
    lab = TestLab(PROJECT, str(tmp_path_factory.mktemp("lab")))
    lab.prepare()
    lab.build_image()
    return lab


@pytest.fixture(scope="session")
def docker_compose_command():
    return "docker-compose"


@pytest.fixture(scope="session")
def docker_compose_file(lab_files):
    os.environ.update(lab_files.environment())
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "docker", "lab.yml")


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
def lab(docker_services, lab_files):
    for service in SERVICES:
        lab_files.wait(lambda service=service: lab_files.run(service, "true").returncode == 0, 60,
                       f"{service} up")
    return lab_files


def loaded_pair(lab, cluster):
    """A Pacemaker pair once it has a DC and both nodes, with its rendered CIB loaded
    through crmsh (``crm configure load xml update``) if a new pair has none yet."""
    nodes = CLUSTERS[cluster]
    pcmk = Pacemaker(lab, list(nodes))
    try:
        lab.pair_up(cluster)
    except AssertionError as timeout:
        said = "\n".join(f"== {n}\n" + lab.run(n, "ps", "-eo", "pid,etime,args").stdout
                          + lab.run(n, "crm_mon", "-1").stdout + lab.quorumtool(n)
                          + lab.docker("logs", "--tail", "20", lab.container(n)).stderr
                          for n in nodes)
        raise AssertionError(f"{timeout}\n{said}") from None
    lab.load_cib(cluster)
    return pcmk


FF_PAIR, AA_PAIR = PAIRS["nfvd-ff"], PAIRS["nfvd-aa"]


def recreate(lab, nodes):
    """New containers for a pair: an empty CIB, no history, no failcounts, no attributes."""
    lab.compose("up", "-d", "--force-recreate", "--no-deps", *nodes)
    for node in nodes:
        lab.wait(lambda node=node: lab.run(node, "true").returncode == 0, 60, f"{node} up")


@pytest.fixture(scope="module")
def fresh_ff(lab):
    """A fresh Fulfillment pair for a module of destructive tests."""
    recreate(lab, FF_PAIR)


@pytest.fixture(scope="module")
def fresh_aa(lab):
    """A fresh Assurance pair for a module of destructive tests."""
    recreate(lab, AA_PAIR)


@pytest.fixture(scope="module")
def fresh_hb(lab):
    """A fresh heartbeat pair (both nodes up, heartbeat from the rendered files)."""
    recreate(lab, ("hb-node1", "hb-node2"))


@pytest.fixture
def ff(lab):
    """The Fulfillment pair (lab-ff.toml: the example's, fenced by the lab), CIB loaded."""
    return loaded_pair(lab, "nfvd-ff")


@pytest.fixture
def aa(lab):
    """The Assurance pair (lab-aa.toml: the example's, on the lab's shared store)."""
    return loaded_pair(lab, "nfvd-aa")


@pytest.fixture
def lbpair(lab):
    """The HA load balancer (lab-lbpair.toml): HAProxy cloned on both nodes, the LB VIP on
    one, fenced, a quorum device; CIB loaded."""
    return loaded_pair(lab, "nfvd-lb")
