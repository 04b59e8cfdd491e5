"""The Docker lab, driven by pytest-docker: real Pacemaker/corosync and heartbeat nodes,
fenced through the lab's power switch, with a quorum device and two links.

The lab's lifecycle is nfvd_ha.commands.lab's (the same as `nfvd-ha lab up` and the benches): its
definitions rendered by the real renderer, its keys, the node image from
docker/build-images.sh (offline, rebuilt only when inputs change). pytest-docker brings the
compose project up and down.
"""

import os

import pytest
from pytest_docker.plugin import get_docker_services

from helpers.lab import Pacemaker, TestLab
from nfvd_ha.commands.lab import CLUSTERS, PAIRS

PROJECT = f"nfvdlab{os.getpid()}"
#: the cluster tier's core, run on every stack (NFVD_HA_LAB_STACK: the full tier on bookworm,
#: this on trixie as well): fenced node kill with the quorum device, five faults of the matrix
#: under the invariants, plan/apply, maintenance, the LB pair, the package install, the
#: status read from crm_mon's XML
STACK_CORE = (
    "test_fulfillment_pacemaker.py::test_rendered_cib_loads_fenced_and_group_starts_on_preferred_node",
    "test_fulfillment_pacemaker.py::test_node_kill_is_fenced_moves_vip_and_service_then_no_failback",
    "test_faults.py::test_symmetric_partition_the_node_running_the_resources_wins",
    "test_faults.py::test_frozen_active_node_long_enough_to_be_declared_dead_is_fenced",
    "test_faults.py::test_kill9_corosync_on_the_active_node",
    "test_faults.py::test_qnetd_lost_while_healthy_nothing_moves",
    "test_faults.py::test_link0_lost_with_two_links_nothing_moves",
    "test_plan_apply.py::test_plan_predicts_and_apply_does_a_parameter_change_and_a_monitor_interval",
    "test_maintenance.py::test_fulfillment_maintenance_switches_over_without_failback",
    "test_lb_pair.py::test_haproxy_on_both_nodes_the_vip_on_one_and_the_gui_through_it",
    "test_lb_pair.py::test_the_active_load_balancer_dies_the_gui_stays_reachable",
    "test_package_install.py::test_the_deb_in_a_bare_debian_container",
    "test_runbook_shims.py::test_nfvd_ha_status_shows_table_and_role",  # crm_mon XML read
)


def pytest_collection_modifyitems(config, items):
    """Mark the core (STACK_CORE) ``stacks``: ``-m stacks`` runs it on another stack."""
    for item in items:
        if item.nodeid.split("/")[-1].split("[")[0] in STACK_CORE:
            item.add_marker(pytest.mark.stacks)
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
    return []  # docker_services takes the lab down: Lab.down, which outlasts Docker's races


@pytest.fixture(scope="session")
def docker_services(docker_compose_command, docker_compose_file, docker_compose_project_name,
                    docker_setup, docker_cleanup, lab_files):
    """pytest-docker's lab, taken down by Lab.down: a network Docker still holds after its
    containers are gone (moby/moby#42119) is freed by force, not left to block the next lab."""
    try:
        with get_docker_services(docker_compose_command, docker_compose_file,
                                 docker_compose_project_name, docker_setup,
                                 docker_cleanup) as services:
            yield services
    finally:
        lab_files.down()


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
