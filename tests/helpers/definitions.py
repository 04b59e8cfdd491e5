"""Loading definitions in tests, and writing them from data."""

import json

import pytest

from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError


def problems(text):
    """Every problem the loader reports for ``text`` (which it must refuse), as strings."""
    with pytest.raises(NfvdHaError) as err:
        load_text(text, "def.toml")
    return [str(p) for p in err.value.problems]


#: a cluster on two subnets, fenced by fence_openstack (one plug is hostile to a shell), with
#: VIPs on link 1's subnet (dotted mask), with no mask, and on no node's subnet
OPENSTACK_CLUSTER = """\
[[cluster]]
name = "c"
nodes = [ { name = "n1", addresses = ["10.0.0.1", "10.1.0.1"] },
          { name = "n2", addresses = ["10.0.0.2", "10.1.0.2"] } ]
transport = { interfaces = ["eth0", "eth1"] }
  [[cluster.fencing]]
  id = "f1"
  agent = "fence_openstack"
  targets = ["n1"]
  params = { cloud = "nfvd", plug = "3f1c2a9e-0000-4000-8000-000000000001" }
  [[cluster.fencing]]
  id = "f2"
  agent = "fence_openstack"
  targets = ["n2"]
  params = { cloud = "nfvd", plug = "3f1c2a9e-0000-4000-8000-000000000002" }
  [[cluster.resource]]
  id = "v1"
  type = "vip"
  params = { ip = "10.1.0.100", cidr_netmask = "255.255.255.0" }
  [[cluster.resource]]
  id = "v2"
  type = "vip"
  params = { ip = "10.0.0.200" }
  [[cluster.resource]]
  id = "v3"
  type = "vip"
  params = { ip = "192.168.5.5", cidr_netmask = 24 }
"""


#: a [loadbalancer] with one active/active service and nothing else
LB_ONE_SERVICE = """\
[loadbalancer]
  [[loadbalancer.service]]
  name = "gui"
  bind = "10.0.0.150:3000"
  port = 3000
  servers = [ { name = "a", address = "10.0.0.31" }, { name = "b", address = "10.0.0.32" } ]
"""


def dump(value):
    """Inline TOML for any JSON-like value (invalid TOML is fine: it must be reported)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {dump(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(dump(v) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def to_text(data):
    return "\n".join(f"{json.dumps(k)} = {dump(v)}" for k, v in data.items()) + "\n"
