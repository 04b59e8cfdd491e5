"""Boot mounts for hosts outside a Pacemaker cluster (guide 2.3.7.2: the GUI VMs share the
image repository with the FF pair's clone): [[mount]] in the definition, a systemd mount unit
and fstab lines per host, the guide's options and owner; bad entries refused by line and key."""

from pathlib import Path

import pytest

from nfvd_ha.renderers import mount_units
from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE, load_definition, load_text

from helpers.definitions import problems


def test_the_example_mounts_the_image_repository_on_the_gui_vms_with_the_ff_clones_owner():
    definition = load_definition(EXAMPLE)
    [mount] = definition.mounts
    assert (mount.hosts, mount.device, mount.directory, mount.fstype, mount.options,
            mount.owner) == (("gui-node1", "gui-node2"), "nfs-server:/image_repository",
                             "/image_repository", "nfs", "defaults", "uoc:root")
    ff = next(c for c in definition.clusters if c.name == "nfvd-ff")
    assert ff.resource("ff-images").param("owner") == "uoc:root"   # one share, one owner
    files = {rel: text for rel, text, _ in render.build(definition, ("mounts",))[0]}
    assert sorted(files) == ["mounts/gui-node1/fstab", "mounts/gui-node1/image_repository.mount",
                             "mounts/gui-node2/fstab", "mounts/gui-node2/image_repository.mount"]
    unit = files["mounts/gui-node1/image_repository.mount"].splitlines()
    assert unit[unit.index("[Mount]"):] == [
        "[Mount]", "What=nfs-server:/image_repository", "Where=/image_repository", "Type=nfs",
        "Options=defaults", "", "[Install]", "WantedBy=remote-fs.target"]
    assert "After=network-online.target" in unit
    assert "#   chown uoc:root /image_repository" in unit
    assert files["mounts/gui-node2/fstab"].splitlines()[-1] == \
        "nfs-server:/image_repository /image_repository nfs defaults 0 0"


@pytest.mark.parametrize("directory,name", [
    ("/image_repository", "image_repository.mount"),
    ("/var/opt/UCA-EBC", "var-opt-UCA\\x2dEBC.mount"),
    ("/srv/a.b/c@d+e,f=g:h", "srv-a.b-c\\x40d\\x2be\\x2cf\\x3dg:h.mount"),
    ("/srv/.hidden", "srv-.hidden.mount"),
    ("/.hidden/x", "\\x2ehidden-x.mount"),
])
def test_unit_names_are_systemds(directory, name):
    assert mount_units.unit_name(directory) == name


def test_a_local_filesystem_is_wanted_by_local_fs():
    definition = load_text(MOUNT.replace('fstype = "nfs"', 'fstype = "xfs"').replace(
        'device = "nfs-server:/image_repository"', 'device = "/dev/vdb1"'))
    unit = mount_units.render_mount_unit(definition.mounts[0], "gui-node1")
    assert "WantedBy=local-fs.target" in unit and "network-online" not in unit


MOUNT = """\
[[mount]]
id = "gui-images"
hosts = ["gui-node1", "gui-node2"]
device = "nfs-server:/image_repository"
directory = "/image_repository"
fstype = "nfs"
owner = "uoc:root"
"""


@pytest.mark.parametrize("change,where,message", [
    (('hosts = ["gui-node1", "gui-node2"]', 'hosts = ["gui-node1", "ff-node1"]'),
     "def.toml:3: mount[0].hosts",
     "ff-node1 is a node of cluster nfvd-ff: a cluster's shared directory is a shared-fs "
     "resource"),
    (('owner = "uoc:root"', 'owner = "root:root"'), "def.toml:7: mount[0].owner",
     "'root:root': nfs-server:/image_repository is also resource ff-images of cluster nfvd-ff, "
     "owned by 'uoc:root': one share, one owner"),
    (('owner = "uoc:root"', 'owner = "uoc:root:x"'), "def.toml:7: mount[0].owner",
     "'uoc:root:x' is not user:group"),
    (('directory = "/image_repository"', 'directory = "/var"'), "def.toml:5: mount[0].directory",
     "'/var' is a system directory"),
    (('directory = "/image_repository"', 'directory = "/srv/../etc"'),
     "def.toml:5: mount[0].directory", "must be canonical"),
    (('device = "nfs-server:/image_repository"', 'device = "-oremount"'),
     "def.toml:4: mount[0].device", "device must not start with '-'"),
    (('fstype = "nfs"', 'fstype = "nfs x"'), "def.toml:6: mount[0].fstype",
     "fstype must not contain spaces"),
    (('hosts = ["gui-node1", "gui-node2"]', 'hosts = []'), "def.toml:3: mount[0].hosts",
     "must name at least one host"),
    (('hosts = ["gui-node1", "gui-node2"]', 'hosts = ["gui node"]'),
     "def.toml:3: mount[0].hosts[0]", "is not a valid node name"),
    (('owner = "uoc:root"', 'owner = "uoc:root"\nmode = "0777"'), "def.toml:8: mount[0].mode",
     "unknown key 'mode'"),
])
def test_bad_mounts_are_refused_by_line_and_key(change, where, message):
    text = MOUNT.replace(*change) + "\n" + _clusters_only(Path(EXAMPLE).read_text())
    found = problems(text)
    assert any(p.startswith(where) and message in p for p in found), found


def test_the_same_directory_twice_on_a_host_is_refused():
    found = problems(MOUNT + "\n" + MOUNT.replace('"gui-images"', '"again"'))
    assert any("mount[1].directory: duplicate host and directory" in p for p in found), found


def _clusters_only(example):
    """The example without its [[mount]] (so the test's is the first)."""
    return example.split("\n[[mount]]")[0] + "\n"
