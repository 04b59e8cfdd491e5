"""The agents through Pacemaker's and resource-agents' own tools: crm_resource and ocf-tester.

Installs the agents into the system OCF root (/usr/lib/ocf) with Debian's /usr/bin/python3,
the way a node runs them.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.netns import VethPair
from helpers.ocf import REPO

pytestmark = pytest.mark.root
SCHEMA = os.path.join(REPO, "tests", "data", "ra-api-1.1.rng")  # OCF 1.1 ra-api.rng
AGENTS = ("activator-ep", "nfvd-assurance", "shared-fs", "vip")


@pytest.fixture(scope="module", autouse=True)
def system_agents():
    if not shutil.which("crm_resource") or not shutil.which("ocf-tester"):
        pytest.fail("pacemaker-cli-utils and resource-agents must be installed")
    subprocess.run(["nfvd-ha", "agents", "install", "--ocf-root", "/usr/lib/ocf",
                    "--python", "/usr/bin/python3"], check=True, capture_output=True)


def run(*argv, env=None, **kw):
    return subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **(env or {})),
                          **kw)


@pytest.mark.parametrize("agent", AGENTS)
def test_pacemaker_shows_metadata_valid_against_ocf_1_1(agent, tmp_path):
    out = run("crm_resource", "--show-metadata", f"ocf:nfvd:{agent}")
    assert out.returncode == 0
    (tmp_path / "md.xml").write_text(out.stdout)
    check = run("xmllint", "--noout", "--relaxng", SCHEMA, str(tmp_path / "md.xml"))
    assert check.returncode == 0, check.stderr
    assert "<version>1.1</version>" in out.stdout


@pytest.mark.parametrize("agent", AGENTS)
def test_crm_ra_info(agent):
    out = run("crm", "ra", "info", f"ocf:nfvd:{agent}")
    assert out.returncode == 0, out.stderr
    assert f"(ocf:nfvd:{agent})" in out.stdout and "Operations' defaults" in out.stdout


@pytest.mark.parametrize("agent", AGENTS)
def test_unversioned_callers_get_metadata_valid_against_ra_api_1_dtd(agent):
    md = run(f"/usr/lib/ocf/resource.d/nfvd/{agent}", "meta-data").stdout
    check = run("xmllint", "--noout", "--valid", "-", input=md,
                cwd="/usr/share/resource-agents")
    assert check.returncode == 0, check.stderr


def cib_with(tmp_path, primitive_xml):
    cib = tmp_path / "cib.xml"
    cib.write_text(run("cibadmin", "--empty").stdout)
    out = run("cibadmin", "-C", "-o", "resources", "-X", primitive_xml,
              env={"CIB_file": str(cib)})
    assert out.returncode == 0, out.stderr
    return {"CIB_file": str(cib)}


def primitive(rid, agent, **params):
    nv = "".join(f'<nvpair id="{rid}-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    return (f'<primitive id="{rid}" class="ocf" provider="nfvd" type="{agent}">'
            f'<instance_attributes id="{rid}-ia">{nv}</instance_attributes></primitive>')


def force(env, rid, what, prefix=()):
    return run(*prefix, "crm_resource", f"--force-{what}", "-r", rid, env=env)


def lifecycle(env, rid, prefix=()):
    assert force(env, rid, "check", prefix).returncode == 7
    start = force(env, rid, "start", prefix)
    assert start.returncode == 0, start.stdout + start.stderr
    assert force(env, rid, "check", prefix).returncode == 0
    assert force(env, rid, "stop", prefix).returncode == 0
    assert force(env, rid, "check", prefix).returncode == 7


@pytest.fixture
def standins(tmp_path):
    from helpers.ocf import Standins
    s = Standins(str(tmp_path / "nfvd"), components=["sosa", "lockmgr", "uca-ebc",
                                                       "openmediation", "nfvd-agw"])
    yield s
    s.cleanup()


def test_crm_resource_force_activator_ep(tmp_path, standins):
    env = cib_with(tmp_path, primitive("sosa", "activator-ep", init_script=standins.activator_ep))
    lifecycle(env, "sosa")


def test_crm_resource_force_nfvd_assurance(tmp_path, standins):
    env = cib_with(tmp_path, primitive("aa", "nfvd-assurance",
                                       nfv_director=standins.nfv_director))
    lifecycle(env, "aa")


def test_crm_resource_force_shared_fs(tmp_path):
    env = cib_with(tmp_path, primitive("uca", "shared-fs", device="tmpfs", fstype="tmpfs",
                                       directory=str(tmp_path / "m"), owner="root:root"))
    lifecycle(env, "uca")


def test_crm_resource_force_vip(tmp_path):
    lan = VethPair()
    try:
        env = cib_with(tmp_path, primitive("ffvip", "vip", ip="192.168.77.100"))
        lifecycle(env, "ffvip", prefix=lan.exec_prefix())
    finally:
        lan.close()


@pytest.mark.parametrize("agent", AGENTS)
def test_meta_data_as_an_unprivileged_user_whatever_the_checkout(agent):
    """crmsh users (haclient) run `crm ra info` as themselves, ocf-tester runs meta-data as
    nobody: the agents' runtime is a world-readable copy under the OCF root."""
    out = run("su", "nobody", "-s", "/bin/sh", "-c",
              f"OCF_ROOT=/usr/lib/ocf /usr/lib/ocf/resource.d/nfvd/{agent} meta-data")
    assert out.returncode == 0, out.stderr
    assert f'<resource-agent name="{agent}"' in out.stdout
    launcher = Path(f"/usr/lib/ocf/resource.d/nfvd/{agent}").read_text()
    assert "/usr/lib/ocf/lib/nfvd" in launcher and REPO not in launcher


def ocf_tester(agent, prefix=(), **params):
    argv = list(prefix) + ["ocf-tester", "-n", "t"]
    for k, v in params.items():
        argv += ["-o", f"{k}={v}"]
    return run(*argv, f"/usr/lib/ocf/resource.d/nfvd/{agent}")


def assert_passes(out):
    assert out.returncode == 0, out.stdout + out.stderr
    assert "passed all tests" in out.stdout


def test_ocf_tester_activator_ep(standins):
    assert_passes(ocf_tester("activator-ep", init_script=standins.activator_ep))


def test_ocf_tester_nfvd_assurance(standins):
    assert_passes(ocf_tester("nfvd-assurance", nfv_director=standins.nfv_director))


def test_ocf_tester_shared_fs(tmp_path):
    d = str(tmp_path / "m")
    try:
        assert_passes(ocf_tester("shared-fs", device="tmpfs", fstype="tmpfs", directory=d,
                                 owner="root:root"))
    finally:
        run("umount", "-l", d)


def test_ocf_tester_vip():
    lan = VethPair()
    try:
        assert_passes(ocf_tester("vip", prefix=lan.exec_prefix(), ip="192.168.77.100"))
    finally:
        lan.close()
