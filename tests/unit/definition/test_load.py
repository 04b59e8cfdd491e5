"""Loading and validating definitions: every problem, with file, key path and line."""

import pytest

from nfvd_ha.definition import load_text

from helpers.definitions import problems

BASE = """\
[[cluster]]
name = "c"
nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]
fencing_disabled = "unit tests of the loader: no fencing here"
"""


def test_minimal_definition_gets_defaults():
    c = load_text(BASE).clusters[0]
    assert c.preferred_node == "n1" and not c.auto_failback
    assert (c.timing.keepalive, c.timing.deadtime) == (250, 1000)
    assert c.recovery.restarts_before_failover == 3
    assert [n.nodeid for n in c.nodes] == [1, 2]


def test_reference_example_is_valid():
    from nfvd_ha.definition import EXAMPLE
    from nfvd_ha.definition import load_definition
    d = load_definition(EXAMPLE)
    assert [c.name for c in d.clusters] == ["nfvd-ff", "nfvd-aa", "nfvd-lb"]
    assert len(d.loadbalancer.services) == 5


def test_all_errors_reported_at_once_with_lines():
    found = problems(BASE.replace('"10.0.0.2"', '"10.0.0.999"') + """\
preferred_node = "n3"
colour = "blue"
timing = { keepalive = "2s", deadtime = "3s" }
  [[cluster.resource]]
  id = "v"
  type = "vip"
  params = { ip = "10.0.0.100", cidr_netmask = 33 }
  [[cluster.group]]
  id = "g"
  members = ["v", "ghost"]
""")
    assert "def.toml:3: cluster[0].nodes[1].address: '10.0.0.999' is not an IP address" in found
    assert "def.toml:5: cluster[0].preferred_node: 'n3' is not one of the nodes (n1, n2)" in found
    assert any(p.startswith("def.toml:6: cluster[0].colour: unknown key 'colour'") for p in found)
    assert any("timing.deadtime: deadtime (3000 ms) must be more than twice keepalive" in p
               for p in found)
    assert any(p.startswith("def.toml:11: cluster[0].resource[0].params: ocf:nfvd:vip: "
                            "cidr_netmask '33' is not a prefix length 1-32")
               for p in found)
    assert "def.toml:14: cluster[0].group[0].members: 'ghost' is not a resource" in found


@pytest.mark.parametrize("extra,message", [
    ('timing = { keepalive = "1s", deadtime = "5s", initdead = "2s" }',
     "initdead (2000 ms) must be at least deadtime"),
    ('timing = { keepalive = "1s", deadtime = "5s", warntime = "6s" }',
     "warntime (6000 ms) must be between keepalive"),
    ('timing = { keepalive = "soon" }', "'soon' is not a duration"),
    ('transport = { udpport = 70000 }', "70000 is out of range 1-65535"),
    ('transport = { mode = "mcast" }', "mcast_group: is required"),
    ('transport = { mode = "mcast", mcast_group = "10.1.1.1" }', "is not a multicast address"),
    ('transport = { interface = "this-name-is-too-long" }', "not a valid interface name"),
    ('auto_failback = "no"', "must be a boolean, not a string"),
    ('recovery = { restarts_before_failover = -1 }', "-1 is out of range 0-100"),
    ('quorum_device = { host = "q", algorithm = "coin" }', "'coin' is not one of ffsplit, lms"),
    ('fencing = [ { id = "f", agent = "fence_x", targets = ["n9"] } ]',
     "'n9' is not a node of this cluster"),
])
def test_single_problems(extra, message):
    assert any(message in p for p in problems(BASE + extra + "\n"))


def test_duplicate_ids_and_double_membership():
    found = problems(BASE + """\
  [[cluster.resource]]
  id = "a"
  type = "lsb:foo"
  [[cluster.resource]]
  id = "a"
  type = "lsb:bar"
  [[cluster.group]]
  id = "g1"
  members = ["a"]
  [[cluster.group]]
  id = "g2"
  members = ["a"]
""")
    assert any("duplicate id 'a'" in p for p in found)
    assert any("'a' is already a member of group 'g1'" in p for p in found)


def test_agent_params_checked_against_declaration():
    found = problems(BASE + """\
  [[cluster.resource]]
  id = "fs"
  type = "shared-fs"
  params = { directory = "relative", mode = 1 }
  [[cluster.resource]]
  id = "fs2"
  type = "shared-fs"
  params = { directory = "relative", device = "nfs:/x" }
""")
    assert any("params.device: required by ocf:nfvd:shared-fs" in p for p in found)
    assert any("unknown parameter 'mode' of ocf:nfvd:shared-fs" in p for p in found)
    assert any("directory 'relative' must be an absolute path" in p for p in found)


def test_bad_node_names_and_counts():
    found = problems('[[cluster]]\nname = "c"\nnodes = [ { name = "bad_name!", '
                     'address = "10.0.0.1" } ]\n')
    assert any("'bad_name!' is not a valid node name" in p for p in found)
    assert any("a cluster needs at least 2 nodes, not 1" in p for p in found)


def test_not_toml_names_the_line():
    found = problems("[[cluster]]\nname = \n")
    assert found[0].startswith("def.toml:2:") and "not valid TOML" in found[0]


def test_alerts_are_checked():
    found = problems(BASE + """\
  [[cluster.alert]]
  id = "mail"
  path = "relative/alert.sh"
  recipients = ["ops@example.com extra", "/var/log/ok.log"]
  timeout = "0s"
  [[cluster.alert]]
  id = "mail"
  path = "/usr/share/pacemaker/alerts/alert_smtp.sh.sample"
  recipients = []
""")
    assert any("alert[0].path" in p and "absolute path" in p for p in found), found
    assert any("alert[0].recipients[0]" in p and "alert recipient" in p for p in found), found
    assert any("alert[0].timeout" in p for p in found), found
    assert any("alert[1].recipients: an alert needs at least one recipient" in p
               for p in found), found
    assert any("duplicate id 'mail'" in p for p in found), found


LB = BASE + """\
  [[cluster.resource]]
  id = "v"
  type = "vip"
  params = { ip = "10.0.0.100" }
  [[cluster.resource]]
  id = "haproxy"
  type = "systemd:haproxy"
  [[cluster.clone]]
  id = "haproxy-clone"
  member = "haproxy"
  [[cluster.group]]
  id = "g"
  members = ["v"]
  requires = [REQUIRED]
"""


def test_a_group_requires_clones_of_its_cluster():
    group = load_text(LB.replace("REQUIRED", '"haproxy-clone"')).clusters[0].groups[0]
    assert group.requires == ("haproxy-clone",)
    assert problems(LB.replace("REQUIRED", '"haproxy"')) == [
        "def.toml:18: cluster[0].group[0].requires: 'haproxy' is not a clone"]
    looped = LB.replace("REQUIRED", '"g-clone"') + '  [[cluster.clone]]\n  id = "g-clone"\n' \
        '  member = "g"\n'
    assert problems(looped) == [
        "def.toml:18: cluster[0].group[0].requires: 'g-clone' clones this group"]


@pytest.mark.parametrize("ip,kind", [
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "unspecified"), ("127.0.0.1", "loopback"),
    ("127.9.9.9", "loopback"), ("224.0.0.1", "multicast"), ("239.1.1.1", "multicast"),
    ("255.255.255.255", "broadcast"), ("240.0.0.1", "reserved"), ("169.254.1.1", "link-local"),
    ("::", "unspecified"), ("::1", "loopback"), ("ff02::1", "multicast"),
    ("fe80::1", "link-local"), ("::ffff:10.0.0.5", "IPv4-mapped")])
def test_a_vip_must_be_a_unicast_address(ip, kind):
    """`ip = "0.0.0.0"` validated and went into the quorum device's heuristic, which every
    node then passed."""
    found = problems(BASE + f"""\
  [[cluster.resource]]
  id = "v"
  type = "vip"
  params = {{ ip = "{ip}", cidr_netmask = 24 }}
""")
    assert len(found) == 1, found
    assert found[0].startswith("def.toml:8: cluster[0].resource[0].params: ocf:nfvd:vip: "
                               f"ip '{ip}' is "), found
    assert kind in found[0] and "a VIP must be a unicast address" in found[0]


@pytest.mark.parametrize("ip", ["10.0.0.100", "192.0.2.7", "fd10:9::7", "2001:db8::5"])
def test_unicast_vips_are_fine(ip):
    text = BASE + (f'  [[cluster.resource]]\n  id = "v"\n  type = "vip"\n'
                   f'  params = {{ ip = "{ip}" }}\n')
    assert load_text(text).clusters[0].resource("v").params == (("ip", ip),)


@pytest.mark.parametrize("rtype,value,said", [
    ("activator-ep", "/", "process_match: '/' names nothing distinctive"),
    ("activator-ep", "ServiceActivator/EP/SOSA /usr/bin", "process_match: '/usr/bin' names "
     "nothing distinctive"),
    ("nfvd-assurance", "uca-ebc=/", "process_match: uca-ebc '/' names nothing distinctive"),
    ("nfvd-assurance", "uca-ebc=java", "process_match: uca-ebc 'java' is a bare name")])
def test_process_match_is_checked_as_the_agent_checks_it(rtype, value, said):
    """process_match="/" passed validate, and a stop then signalled sshd and postgres."""
    found = problems(BASE + f"""\
  [[cluster.resource]]
  id = "r"
  type = "{rtype}"
  params = {{ process_match = "{value}" }}
""")
    assert len(found) == 1, found
    assert found[0].startswith(f"def.toml:8: cluster[0].resource[0].params: ocf:nfvd:{rtype}: "
                               f"{said}"), found
