"""What the definition refuses or says loudly so that a cluster cannot run a service on two
nodes: fencing (or a reason), whole links, quorum device TLS, secrets by reference, shared
storage never on a system directory."""

import pytest

from nfvd_ha.definition import load_text

from helpers.definitions import problems

NODES = """\
[[cluster]]
name = "c"
nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]
"""
DEVICES = """\
  [[cluster.fencing]]
  id = "f1"
  agent = "fence_ipmilan"
  targets = ["n1"]
  params = { ip = "10.1.0.1", username = "admin", password_script = "/usr/local/sbin/pw" }

  [[cluster.fencing]]
  id = "f2"
  agent = "fence_ipmilan"
  targets = ["n2"]
  params = { ip = "10.1.0.2", username = "admin", password_script = "/usr/local/sbin/pw" }
"""
FENCED = NODES + DEVICES


def fenced(cluster_keys):
    """FENCED with more keys of the cluster table (before its sub-tables, as TOML wants)."""
    return NODES + cluster_keys + DEVICES


def test_a_cluster_without_fencing_is_refused_and_the_error_says_why():
    found = problems(NODES)
    assert len(found) == 1, found
    assert "def.toml" in found[0] and "cluster[0].fencing" in found[0]
    assert "without fencing" in found[0] and 'fencing_disabled = "reason"' in found[0]


def test_a_reason_makes_it_render_with_a_warning_every_time():
    definition = load_text(NODES + 'fencing_disabled = "a lab without power control"\n')
    assert [w for w in definition.warnings() if "without fencing" in w
            and "a lab without power control" in w]


def test_a_fenced_cluster_has_no_such_warning():
    assert not [w for w in load_text(FENCED).warnings() if "without fencing" in w]


@pytest.mark.parametrize("text,message", [
    (NODES + 'fencing_disabled = "no"\n', "give the reason in words"),
    (FENCED.replace('targets = ["n2"]', 'targets = ["n1"]'), "no device fences n2"),
    (fenced('fencing_disabled = "both at once, by mistake"\n'),
     "the cluster has fencing devices: remove fencing_disabled"),
    (FENCED.replace('password_script = "/usr/local/sbin/pw"', 'password = "hunter2-literal"', 1),
     "password"),
])
def test_fencing_mistakes_are_refused(text, message):
    found = problems(text)
    assert any(message in p for p in found), found
    assert not any("hunter2-literal" in p for p in found)  # a secret is never echoed


OPENSTACK = DEVICES.replace('"fence_ipmilan"', '"fence_openstack"').replace(
    'ip = "10.1.0.1", username = "admin", password_script = "/usr/local/sbin/pw"',
    'cloud = "nfvd", plug = "3f1c2a9e-0000-4000-8000-000000000001"').replace(
    'ip = "10.1.0.2", username = "admin", password_script = "/usr/local/sbin/pw"',
    'cloud = "nfvd", plug = "3f1c2a9e00004000800000000000000a"')


@pytest.mark.parametrize("plug,message", [
    ('plug = "ff-node1"', "'ff-node1' is not a server ID: fence_openstack finds the server by its"
     " ID, never by its name (openstack server show n1 -f value -c id)"),
    ('plug = "vm one; rm -rf /"', "'vm one; rm -rf /' is not a server ID: fence_openstack finds"
     " the server by its ID, never by its name (openstack server show n1 -f value -c id)"),
    ('plug = "3f1c2a9e-0000-4000-8000-00000000000"',  # one digit short
     "'3f1c2a9e-0000-4000-8000-00000000000' is not a server ID: fence_openstack finds the server"
     " by its ID, never by its name (openstack server show n1 -f value -c id)"),
    ("", "fence_openstack needs the server's ID as plug (openstack server show n1 -f value -c id)"),
])
def test_fence_openstack_finds_its_server_by_id_never_by_name(plug, message):
    """fence_openstack looks the server up with servers.get(plug): a name (or no plug:
    Pacemaker then passes the node's name) fails every fence, and the survivor waits forever."""
    assert load_text(NODES + OPENSTACK, "def.toml").clusters[0].fencing[0].agent == \
        "fence_openstack"  # IDs with and without dashes
    found = problems(NODES + OPENSTACK.replace(
        ', plug = "3f1c2a9e-0000-4000-8000-000000000001"', f", {plug}" if plug else ""))
    assert [p for p in found if "plug" in p] == [
        f"def.toml:8: cluster[0].fencing[0].params.plug: {message}"], found


@pytest.mark.parametrize("nodes,message", [
    ('{ name = "n1", addresses = ["10.0.0.1", "10.9.0.1"] }, { name = "n2", address = "10.0.0.2" }',
     "every node must have the same number of links"),
    ('{ name = "n1", addresses = ["10.0.0.1", "fd00::1"] }, '
     '{ name = "n2", addresses = ["10.0.0.2", "10.9.0.2"] }', "link 1 mixes IPv4 and IPv6"),
])
def test_every_node_has_the_same_links(nodes, message):
    text = FENCED.replace(
        'nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]',
        f"nodes = [ {nodes} ]")
    assert any(message in p for p in problems(text))


def test_two_links_per_node_are_two_links():
    text = FENCED.replace(
        'nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]',
        'nodes = [ { name = "n1", addresses = ["10.0.0.1", "10.9.0.1"] }, '
        '{ name = "n2", addresses = ["10.0.0.2", "10.9.0.2"] } ]\n'
        'transport = { interfaces = ["eth0", "eth1"] }')
    assert load_text(text).clusters[0].links == 2


def test_a_quorum_device_has_tls_unless_told_and_then_it_is_said():
    on = load_text(fenced('quorum_device = { host = "qnetd.example" }\n'))
    assert on.clusters[0].quorum_device.tls and not [
        w for w in on.warnings() if "TLS" in w or "tls" in w]
    off = load_text(fenced('quorum_device = { host = "qnetd.example", tls = false }\n'))
    assert not off.clusters[0].quorum_device.tls
    assert [w for w in off.warnings() if "tls" in w.lower()]


@pytest.mark.parametrize("directory", [
    "/image_repository/..", "/", "/usr", "/var", "/etc/nfvd", "/proc/sys", "/a//b", "/a/./b"])
def test_shared_storage_is_never_mounted_on_a_system_or_non_canonical_directory(directory):
    text = FENCED + f"""\
  [[cluster.resource]]
  id = "fs"
  type = "shared-fs"
  params = {{ device = "nfs:/x", directory = "{directory}", fstype = "nfs" }}
"""
    found = problems(text)
    assert any("shared-fs: directory" in p and directory in p for p in found), found
