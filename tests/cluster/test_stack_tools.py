"""The tools tier's Pacemaker checks run again on Debian 13's stack (Pacemaker 3.0.0, crmsh
5.0, corosync 3.1.9, haproxy 3.0, Python 3.13), inside the lab's trixie node image, whatever
stack the lab runs on: crm_verify, crmsh's offline `configure load`, crm_simulate's recovery
and fence-race policies, haproxy -c and corosync -t on what nfvd-ha renders; plan/apply
through crm_diff, cibadmin --patch and crm_simulate on a CIB file. The container has no
network (SYS_PTRACE: the haproxy check reads its chroot from /proc).

Left out: the `nfvd-ha plan`/`apply` command-line tests, whose assertions read click 8.2's
separate stderr (Debian 13 ships click 8.1; the same commands run on the trixie lab in
test_plan_apply.py and through the package in test_package_install.py); the tools tier's
`corosync -t` in a network namespace of its own (a container's /proc/sys is read-only): here
`nfvd-ha node setup` writes corosync.conf in the container and corosync 3.1.9 checks it."""

import os
import re
import subprocess

import pytest

pytestmark = pytest.mark.cluster
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = ("tests/tools/test_offline_pacemaker.py", "tests/tools/test_plan.py")
CLI_TESTS = ("test_the_commands", "refuses_a_plan_whose_stored", "refuses_a_plan_file_others",
             "creates_its_file_exclusively", "secret_file_is_a_file_on_a_disk",
             "corosync_accepts_rendered_config")


@pytest.fixture(scope="module")
def trixie_image():
    done = subprocess.run(["bash", os.path.join(REPO, "docker", "build-images.sh"), "trixie"],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()[-1]


def test_the_tools_tiers_pacemaker_checks_pass_on_pacemaker_3(trixie_image):
    versions = subprocess.run(["docker", "run", "--rm", "--network", "none", trixie_image, "sh",
                               "-c", "pacemakerd --version; crm --version; python3 --version"],
                              capture_output=True, text=True, timeout=120).stdout
    assert "Pacemaker 3.0" in versions and "crm 5.0" in versions and "Python 3.13" in versions
    deselect = " and ".join(f"not {name}" for name in CLI_TESTS)
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--cap-add", "SYS_PTRACE", "-v",
         f"{REPO}:/src:ro",
         "-e", "PYTHONPATH=/src", "-w", "/tmp", trixie_image, "python3", "-m", "pytest",
         "-p", "no:cacheprovider", "-q", "-rfE", "--rootdir=/src", "-c", "/src/pyproject.toml",
         "-k", deselect, *(f"/src/{f}" for f in FILES)],
        capture_output=True, text=True, timeout=600)
    tail = done.stdout[-4000:] + done.stderr[-1000:]
    assert done.returncode == 0, tail
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) >= 21, tail  # every selected check ran
    assert " skipped" not in done.stdout.splitlines()[-1], tail


NODE_SETUP = """
set -e
ip link add eth0 type veth peer name e0p; ip link set eth0 up; ip addr add 172.30.77.11/24 dev eth0
ip link add eth1 type veth peer name e1p; ip link set eth1 up; ip addr add 172.30.78.11/24 dev eth1
nfvd-ha node setup /src/docker/lab-ff.toml --node ff-node1 --keys /out
echo "== corosync -t"
corosync -t
"""


def test_node_setup_writes_what_corosync_3_1_9_accepts(trixie_image, tmp_path):
    """`nfvd-ha node setup` on Python 3.13 in a host holding the node's addresses (a veth pair
    inside the container's own namespace: no traffic leaves it), then `corosync -t` on what
    it wrote."""
    from nfvd_ha.commands import render
    render.render(os.path.join(REPO, "docker", "lab-ff.toml"), str(tmp_path), ("corosync",))
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--hostname", "ff-node1", "--cap-add",
         "NET_ADMIN", "-v", f"{REPO}:/src:ro", "-v", f"{tmp_path}:/out:ro", trixie_image,
         "bash", "-c", NODE_SETUP], capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "done: write /etc/corosync/corosync.conf (0644)" in out
    assert "done: write /etc/corosync/authkey (0400)" in out
    assert "Corosync Cluster Engine exiting normally" in out.split("== corosync -t")[1]
