"""nfvd-ha lab with a fake runner: the exact commands it gives, in order."""

import os

import pytest

from nfvd_ha import lab
from nfvd_ha.runner import Result


class FakeRunner:
    def __init__(self):
        self.calls = []

    def run(self, argv, env=None, timeout=600, check=False):
        self.calls.append((argv, env))
        out = ""
        if argv[0] == "bash":
            out = "nfvd-ha-node:abc\n"
        elif "crm_mon -1" in argv[-1]:
            out = "partition with quorum"
        elif "curl" in argv[-1]:
            out = "sosa on ff-node1\n"
        return Result(argv, 0, out, "")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setattr(lab, "STATE", str(tmp_path / "lab"))
    return FakeRunner()


def test_up_renders_builds_starts_and_loads_the_cib(runner, tmp_path):
    parts = lab.up(runner, lambda text: None)
    argvs = [argv for argv, _ in runner.calls]
    compose = os.path.join(lab.REPO, "docker", "lab.yml")
    assert argvs[0] == ["bash", os.path.join(lab.REPO, "docker", "build-images.sh")]
    assert argvs[1] == ["docker-compose", "-f", compose, "-p", "nfvdlab", "up", "-d"]
    assert runner.calls[1][1] == {"NFVD_NODE_IMAGE": "nfvd-ha-node:abc",
                                  "NFVD_LAB_OUT": str(tmp_path / "lab" / "out")}
    assert ["docker", "exec", "nfvdlab_ff-node1_1", "sh", "-c",
            "crm configure load xml update /lab/out/nfvd-ff/cib.xml"] in argvs
    assert (tmp_path / "lab" / "out" / "nfvd-ff" / "cib.xml").exists()
    assert (tmp_path / "lab" / "out" / "nfvd-hb" / "ha.d" / "haresources").exists()
    assert ("Fulfillment VIP 172.30.77.100:7001", "sosa on ff-node1") in parts


def test_down(runner):
    lab.down(runner)
    assert runner.calls[0][0][-4:] == ["nfvdlab", "down", "-t", "1"]
