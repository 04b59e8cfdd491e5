"""OpenStack allowed address pairs (guide 2.3.4.3): one `openstack port set --allowed-address`
per node port x VIP, the port named by its server and fixed IP."""

from nfvd_ha.renderers import openstack
from nfvd_ha.definition import EXAMPLE, load_definition, load_text

from helpers.definitions import OPENSTACK_CLUSTER as CLUSTER


def commands(text):
    return [line for line in text.splitlines() if line.startswith(("allow ", "echo 'FAILED"))]


def test_every_vip_of_each_example_cluster_on_each_nodes_port():
    clusters = {c.name: c for c in load_definition(EXAMPLE).clusters}
    assert commands(openstack.render_allowed_address_pairs(clusters["nfvd-aa"])) == [
        "allow 172.30.77.101 3f0c1a52-7d4e-4b8a-9c61-0000000aa001 172.30.77.21",
        "allow 172.30.77.101 3f0c1a52-7d4e-4b8a-9c61-0000000aa002 172.30.77.22"]
    lb = commands(openstack.render_allowed_address_pairs(clusters["nfvd-lb"]))
    assert len(lb) == 6
    assert "allow 172.30.77.152 3f0c1a52-7d4e-4b8a-9c61-0000000cb002 172.30.77.52" in lb




def test_servers_are_the_fence_plugs_quoted_subnets_pick_the_port():
    text = openstack.render_allowed_address_pairs(load_text(CLUSTER).clusters[0])
    assert commands(text) == [
        # a dotted mask: the port on that subnet (link 1 here)
        "allow 10.1.0.100 3f1c2a9e-0000-4000-8000-000000000001 10.1.0.1",
        "allow 10.1.0.100 3f1c2a9e-0000-4000-8000-000000000002 10.1.0.2",
        # no mask: every port of every node (the agent finds the prefix on the node)
        "allow 10.0.0.200 3f1c2a9e-0000-4000-8000-000000000001 10.0.0.1",
        "allow 10.0.0.200 3f1c2a9e-0000-4000-8000-000000000001 10.1.0.1",
        "allow 10.0.0.200 3f1c2a9e-0000-4000-8000-000000000002 10.0.0.2",
        "allow 10.0.0.200 3f1c2a9e-0000-4000-8000-000000000002 10.1.0.2",
        # on no node's subnet: said, counted, never guessed
        "echo 'FAILED: n1 has no fixed IP in 192.168.5.5/24: allow 192.168.5.5 on its port on "
        "that network by hand' >&2; failed=$((failed + 1))",
        "echo 'FAILED: n2 has no fixed IP in 192.168.5.5/24: allow 192.168.5.5 on its port on "
        "that network by hand' >&2; failed=$((failed + 1))"]
