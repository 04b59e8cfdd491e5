"""The tools tier's Pacemaker checks run again on Debian 13's stack (Pacemaker 3.0.0, crmsh
5.0, corosync 3.1.9, haproxy 3.0, Python 3.13), inside the lab's trixie node image, whatever
stack the lab runs on: crm_verify, crmsh's offline `configure load`, crm_simulate's recovery
and fence-race policies, haproxy -c and corosync -t on what nfvd-ha renders; plan/apply
through crm_diff, cibadmin --patch and crm_simulate on a CIB file. The container has no
network (SYS_PTRACE: the haproxy check reads its chroot from /proc).

Left out: the `nfvd-ha plan`/`apply` command-line tests, whose assertions read click 8.2's
separate stderr (Debian 13 ships click 8.1; the same commands run on the trixie lab in
test_plan_apply.py and through the package in test_package_install.py); `corosync -t` in a
network namespace of its own (a container's /proc/sys is read-only; corosync 3.1.9 runs the
rendered corosync.conf on the trixie lab)."""

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
