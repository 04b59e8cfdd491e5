"""The .deb installed into a bare Debian 12 container (NFVD_HA_LAB_STACK=trixie: Debian 13;
the lab's base image: Debian's own pacemaker, crmsh, resource-agents; no nfvd-ha): `crm ra
info` as a non-root haclient user, meta-data as nobody, ocf-tester on the vip agent inside the
container's own network namespace (a veth pair; no traffic leaves it), the CLI and its
version, the man pages, and bash completion answered by Debian's own click."""

import os
import subprocess

import pytest

from nfvd_ha.commands.lab import chosen_stack

pytestmark = pytest.mark.cluster
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r"""
set -e
dpkg -i /pkg/nfvd-ha_*_all.deb >/dev/null
useradd -m -G haclient nfvdop
echo "== crm ra info"
su nfvdop -c 'crm ra info ocf:nfvd:vip'
echo "== meta-data as nobody"
su nobody -s /bin/sh -c '/usr/lib/ocf/resource.d/nfvd/vip meta-data' | head -3
ip link add v0 type veth peer name v1
ip link set v0 up; ip link set v1 up; ip addr add 10.213.0.1/24 dev v0
echo "== ocf-tester"
ocf-tester -n vip -o ip=10.213.0.50 -o cidr_netmask=24 -o nic=v0 \
    /usr/lib/ocf/resource.d/nfvd/vip
echo "== cli"
nfvd-ha example > /tmp/nfvd.toml
nfvd-ha validate /tmp/nfvd.toml
nfvd-ha render /tmp/nfvd.toml --out /tmp/out --target f5 | tail -1
echo "== version"
nfvd-ha --version
echo "== man"
zcat /usr/share/man/man8/nfvd-ha.8.gz | grep '^\.TH'
for page in /usr/share/man/man7/ocf_nfvd_*.7.gz; do zcat "$page" | grep '^\.TH'; done
echo "== completion"
bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/nfvd-ha
COMP_WORDS=(nfvd-ha health serve --role ""); COMP_CWORD=4; _nfvd_ha_completion nfvd-ha
echo "${COMPREPLY[@]}"'
"""


@pytest.fixture(scope="module")
def base_image():
    done = subprocess.run(["bash", os.path.join(REPO, "docker", "build-base.sh"),
                           chosen_stack()],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_deb_in_a_bare_debian_container(base_image, tmp_path):
    built = subprocess.run(["bash", os.path.join(REPO, "packaging", "build.sh"), str(tmp_path)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert subprocess.run(["docker", "run", "--rm", base_image, "test", "-e",
                           "/usr/bin/nfvd-ha"], timeout=120).returncode == 1  # bare indeed
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", "--cap-add",
                           "NET_ADMIN", "--cap-add", "NET_RAW", "-v", f"{tmp_path}:/pkg:ro",
                           base_image, "bash", "-c", SCRIPT],
                          capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-2000:]
    info = out.split("== crm ra info")[1].split("==")[0]
    assert "ocf:nfvd:vip" in info and "ip*" in info and "cidr_netmask" in info
    assert "<resource-agent name=\"vip\"" in out.split("== meta-data as nobody")[1]
    tester = out.split("== ocf-tester")[1].split("== cli")[0]
    assert "/usr/lib/ocf/resource.d/nfvd/vip passed all tests" in tester
    cli = out.split("== cli")[1].split("== version")[0]
    assert "cluster nfvd-ff: 2 nodes" in cli and "wrote /tmp/out/f5/nfvd.tmsh" in cli
    assert out.split("== version\n")[1].split("\n")[0] == "nfvd-ha, version 0.1.0"
    pages = out.split("== man\n")[1].split("== completion")[0].splitlines()
    assert [line.split('"')[1] for line in pages] == [
        "NFVD-HA", "OCF_NFVD_ACTIVATOR-EP", "OCF_NFVD_NFVD-ASSURANCE", "OCF_NFVD_NFVD-HPSA",
        "OCF_NFVD_SHARED-FS", "OCF_NFVD_VIP"]
    # Debian's own click (8.1) answers the completion the package installs
    assert out.split("== completion\n")[1].strip() == "gui sitescope ffapi"
