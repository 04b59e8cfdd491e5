"""packaging/build.sh: a .deb and an .rpm with the same tree (agents 0755 under the OCF root,
their runtime world-readable beside them, the CLI on a private copy, the controller's unit),
checked with dpkg-deb and rpm themselves. tests/cluster/test_package_install.py installs the
.deb into a bare Debian container."""

import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["bash", os.path.join(REPO, "packaging", "build.sh"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    deb, rpm = done.stdout.split()
    return deb, rpm


def run(*argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def deb_tree(deb):
    """{path: (mode string, owner)} of the .deb's payload."""
    tree = {}
    for line in run("dpkg-deb", "-c", deb).splitlines():
        mode, owner, _, _, _, path = line.split(None, 5)
        tree[path.removeprefix(".").rstrip("/") or "/"] = (mode, owner)
    return tree


def test_the_deb_holds_agents_runtime_cli_and_unit(built):
    tree = deb_tree(built[0])
    for agent in ("activator-ep", "nfvd-assurance", "shared-fs", "vip"):
        assert tree[f"/usr/lib/ocf/resource.d/nfvd/{agent}"] == ("-rwxr-xr-x", "root/root")
    assert tree["/usr/lib/ocf/lib/nfvd/nfvd_ocf/runtime.py"] == ("-rw-r--r--", "root/root")
    assert tree["/usr/lib/ocf/lib/nfvd/holds-address"][0] == "-rwxr-xr-x"
    assert tree["/usr/bin/nfvd-ha"][0] == "-rwxr-xr-x"
    assert tree["/usr/lib/nfvd-ha/nfvd_ha/cli/__init__.py"][0] == "-rw-r--r--"
    assert tree["/usr/lib/nfvd-ha/nfvd_ha/examples/reference.toml"][0] == "-rw-r--r--"
    assert tree["/lib/systemd/system/nfvd-ha-controller.service"][0] == "-rw-r--r--"
    assert all(mode == "drwxr-xr-x" for path, (mode, _) in tree.items()
               if mode.startswith("d")), "every directory 0755"
    assert not [p for p in tree if "__pycache__" in p or p.endswith(".pyc")]
    assert not [p for p in tree if p.startswith("/usr/lib/nfvd-ha/tests")]


def test_the_deb_says_what_it_needs(built):
    fields = dict(line.split(": ", 1) for line in run(
        "dpkg-deb", "-f", built[0], "Package", "Architecture", "Depends").splitlines())
    assert fields == {"Package": "nfvd-ha", "Architecture": "all",
                      "Depends": "python3 (>= 3.11), python3-lxml, python3-click, "
                                 "python3-pyinotify"}


def test_launchers_point_at_the_installed_runtime(built, tmp_path):
    run("dpkg-deb", "-x", built[0], str(tmp_path))
    vip = (tmp_path / "usr/lib/ocf/resource.d/nfvd/vip").read_text()
    assert vip.startswith("#!/usr/bin/python3 -IS\n")
    assert "sys.path.insert(0, '/usr/lib/ocf/lib/nfvd')" in vip and str(tmp_path) not in vip
    cli = (tmp_path / "usr/bin/nfvd-ha").read_text()
    assert cli.startswith("#!/usr/bin/python3\n") and '"/usr/lib/nfvd-ha"' in cli
    unit = (tmp_path / "lib/systemd/system/nfvd-ha-controller.service").read_text()
    assert "ExecStart=/usr/bin/nfvd-ha controller" in unit


def test_the_rpm_holds_the_same_tree_on_python3_11(built, tmp_path):
    files = set(run("rpm", "-qlp", built[1]).split())
    deb = {p for p, (mode, _) in deb_tree(built[0]).items() if not mode.startswith("d")}
    assert files - {"/usr/lib/nfvd-ha", "/usr/lib/ocf/resource.d/nfvd",
                    "/usr/lib/ocf/lib/nfvd"} == {
        p.replace("/lib/systemd/", "/usr/lib/systemd/") for p in deb}
    requires = run("rpm", "-qp", "--requires", built[1]).split("\n")
    assert "python3.11" in requires and "python3.11-lxml" in requires
    modes = {line.split()[-1]: line.split()[0] for line in
             run("rpm", "-qlvp", built[1]).splitlines()}
    assert modes["/usr/lib/ocf/resource.d/nfvd/vip"] == "-rwxr-xr-x"
    payload = subprocess.run(["rpm2cpio", built[1]], capture_output=True, timeout=60).stdout
    assert cpio_file(payload, "./usr/lib/ocf/resource.d/nfvd/vip").startswith(
        b"#!/usr/bin/python3.11 -IS\n")


def cpio_file(archive, wanted):
    """One member of a cpio "newc" archive (what rpm2cpio writes)."""
    at = 0
    while archive[at:at + 6] == b"070701":
        fields = [int(archive[at + 6 + 8 * i:at + 14 + 8 * i], 16) for i in range(13)]
        size, name_size = fields[6], fields[11]
        name_at = at + 110
        name = archive[name_at:name_at + name_size - 1].decode()
        data_at = (name_at + name_size + 3) & ~3
        if name == wanted:
            return archive[data_at:data_at + size]
        at = (data_at + size + 3) & ~3
    raise AssertionError(f"{wanted} not in the archive")
