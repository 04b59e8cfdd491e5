#!/bin/sh
# Rendered by nfvd-ha from the cluster definition (guide 2.3.4.3); do not edit by hand.
# Cluster nfvd-lb: on OpenStack, Neutron drops the traffic of an address a port does not
# own. Every VIP the cluster can hold is allowed on every node's port, so whichever node
# holds it can answer. Run once, before the cluster starts, with the openstack CLI and the
# credentials of the project that owns the instances (OS_CLOUD, or an openrc sourced):
#   sh nfvd-lb/openstack-allowed-address-pairs.sh
# A pair that is already there is refused by Neutron as a duplicate: harmless, said, counted.
# The guide also reserves each VIP as a port of its own, so Neutron gives it to no instance:
#   openstack port create --network NETWORK --fixed-ip ip-address=VIP NAME
set -u
failed=0
port() {  # the ID of server $1's port with fixed IP $2; nothing (and a message) otherwise
    ids=$(openstack port list --server "$1" --fixed-ip ip-address="$2" -f value -c ID) || return 1
    if [ "$(printf '%s\n' "$ids" | grep -c .)" != 1 ]; then
        echo "server $1: expected one port with fixed IP $2, found: ${ids:-none}" >&2
        return 1
    fi
    printf '%s\n' "$ids"
}
allow() {  # allow() VIP SERVER FIXED_IP
    if id=$(port "$2" "$3") && openstack port set --allowed-address ip-address="$1" "$id"
    then
        echo "allowed $1 on $2 ($3, port $id)"
    else
        failed=$((failed + 1))
        echo "FAILED: $1 on $2 ($3)" >&2
    fi
}

# lb-vip-gui: 172.30.77.150/24
allow 172.30.77.150 3f0c1a52-7d4e-4b8a-9c61-0000000cb001 172.30.77.51
allow 172.30.77.150 3f0c1a52-7d4e-4b8a-9c61-0000000cb002 172.30.77.52
# lb-vip-ff: 172.30.77.151/24
allow 172.30.77.151 3f0c1a52-7d4e-4b8a-9c61-0000000cb001 172.30.77.51
allow 172.30.77.151 3f0c1a52-7d4e-4b8a-9c61-0000000cb002 172.30.77.52
# lb-vip-sis: 172.30.77.152/24
allow 172.30.77.152 3f0c1a52-7d4e-4b8a-9c61-0000000cb001 172.30.77.51
allow 172.30.77.152 3f0c1a52-7d4e-4b8a-9c61-0000000cb002 172.30.77.52
[ "$failed" = 0 ] || { echo "$failed pair(s) not set" >&2; exit 1; }
