"""OpenStack allowed address pairs for a cluster's VIPs (guide 2.3.4.3). Pure.

Neutron's port security drops every packet to or from an address a port does not own: a VIP
that moves between two instances must be an allowed address on the port of each. One
``openstack port set --allowed-address ip-address=VIP PORT`` per node port x VIP; the port is
found by its server (the fence_openstack device's ``plug`` for that node, else the node's
name) and its fixed IP (the node's address on the VIP's subnet).
"""

import ipaddress
import shlex

from ..definition.model import Cluster, Node

HEAD = """\
#!/bin/sh
# Rendered by nfvd-ha from the cluster definition (guide 2.3.4.3); do not edit by hand.
# Cluster {cluster}: on OpenStack, Neutron drops the traffic of an address a port does not
# own. Every VIP the cluster can hold is allowed on every node's port, so whichever node
# holds it can answer. Run once, before the cluster starts, with the openstack CLI and the
# credentials of the project that owns the instances (OS_CLOUD, or an openrc sourced):
#   sh {file}
# A pair that is already there is refused by Neutron as a duplicate: harmless, said, counted.
# The guide also reserves each VIP as a port of its own, so Neutron gives it to no instance:
#   openstack port create --network NETWORK --fixed-ip ip-address=VIP NAME
set -u
failed=0
port() {{  # the ID of server $1's port with fixed IP $2; nothing (and a message) otherwise
    ids=$(openstack port list --server "$1" --fixed-ip ip-address="$2" -f value -c ID) || return 1
    if [ "$(printf '%s\\n' "$ids" | grep -c .)" != 1 ]; then
        echo "server $1: expected one port with fixed IP $2, found: ${{ids:-none}}" >&2
        return 1
    fi
    printf '%s\\n' "$ids"
}}
allow() {{  # allow() VIP SERVER FIXED_IP
    if id=$(port "$2" "$3") && openstack port set --allowed-address ip-address="$1" "$id"
    then
        echo "allowed $1 on $2 ($3, port $id)"
    else
        failed=$((failed + 1))
        echo "FAILED: $1 on $2 ($3)" >&2
    fi
}}
"""
FILE = "openstack-allowed-address-pairs.sh"


def vips(cluster: Cluster) -> list[tuple[str, str, int | None]]:
    """(resource id, address, prefix or None) of every vip resource the cluster can hold."""
    found: list[tuple[str, str, int | None]] = []
    for r in cluster.resources:
        ip = r.param("ip")
        if r.type == "vip" and ip:
            found.append((r.id, ip, _prefix(ip, r.param("cidr_netmask"))))
    return found


def _prefix(ip: str, mask: str | None) -> int | None:
    """A prefix length from cidr_netmask (a length or a dotted IPv4 mask), or None."""
    if mask is None:
        return None
    try:
        return ipaddress.ip_network(f"{ip}/{mask}", strict=False).prefixlen
    except ValueError:
        return None


def server(cluster: Cluster, node: Node) -> str:
    """The OpenStack server of ``node``: its fence_openstack device's plug, else its name."""
    for device in cluster.fencing:
        plug = dict(device.params).get("plug")
        if device.agent == "fence_openstack" and node.name in device.targets and \
                isinstance(plug, str) and len(device.targets) == 1:
            return plug
    return node.name


def fixed_ips(node: Node, ip: str, prefix: int | None) -> list[str]:
    """The node's addresses on the VIP's subnet; all of them when the prefix is unknown."""
    if prefix is None:
        return list(node.addresses)
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return [a for a in node.addresses if ipaddress.ip_address(a) in network]


def render_allowed_address_pairs(cluster: Cluster) -> str:
    """The script for ``cluster`` (see the module's doc)."""
    lines = [HEAD.format(cluster=cluster.name, file=f"{cluster.name}/{FILE}")]
    for rid, ip, prefix in vips(cluster):
        subnet = f"{ip}/{prefix}" if prefix is not None else f"{ip} (no cidr_netmask: every port)"
        lines.append(f"# {rid}: {subnet}")
        for node in cluster.nodes:
            ports = fixed_ips(node, ip, prefix)
            if not ports:
                lines.append(f"echo 'FAILED: {node.name} has no fixed IP in {ip}/{prefix}: "
                             f"allow {ip} on its port on that network by hand' >&2; "
                             "failed=$((failed + 1))")
            lines += [f"allow {ip} {shlex.quote(server(cluster, node))} {a}" for a in ports]
    if len(lines) == 1:
        lines.append("# no VIP in this cluster: nothing to allow")
    lines.append('[ "$failed" = 0 ] || { echo "$failed pair(s) not set" >&2; exit 1; }')
    return "\n".join(lines) + "\n"
