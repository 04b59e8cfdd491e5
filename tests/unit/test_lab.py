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
            out = "/dev/loop3\n" if "shared-disk.sh" in argv[1] else "nfvd-ha-node:abc\n"
        elif "crm_mon -1" in argv[-1]:
            out = "partition with quorum"
        elif "curl" in argv[-1]:
            out = "sosa on ff-node1\n" if ":7001" in argv[-1] else "nfvd-agw on aa-node1\n"
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
    assert argvs[1] == ["bash", os.path.join(lab.REPO, "docker", "shared-disk.sh"), "up",
                        "nfvdlab"]
    assert argvs[2] == ["docker-compose", "-f", compose, "-p", "nfvdlab", "up", "-d"]
    assert runner.calls[2][1] == {"NFVD_NODE_IMAGE": "nfvd-ha-node:abc",
                                  "NFVD_LAB_OUT": str(tmp_path / "lab" / "out"),
                                  "NFVD_LAB_DISK": "/dev/loop3"}
    assert ["docker", "exec", "nfvdlab_aa-node1_1", "sh", "-c",
            "crm configure load xml update /lab/out/nfvd-aa/cib.xml"] in argvs
    assert "/dev/nfvd-shared" in (tmp_path / "lab" / "out" / "nfvd-aa" / "cib.xml").read_text()
    assert ["docker", "exec", "nfvdlab_ff-node1_1", "sh", "-c",
            "crm configure load xml update /lab/out/nfvd-ff/cib.xml"] in argvs
    assert (tmp_path / "lab" / "out" / "nfvd-ff" / "cib.xml").exists()
    assert (tmp_path / "lab" / "out" / "nfvd-hb" / "ha.d" / "haresources").exists()
    assert ("Fulfillment VIP 172.30.77.100:7001", "sosa on ff-node1") in parts


def test_down(runner):
    lab.down(runner)
    assert runner.calls[0][0][-4:] == ["nfvdlab", "down", "-t", "1"]
    assert runner.calls[1][0][-2:] == ["down", "nfvdlab"]


def test_lab_aa_differs_from_the_example_only_in_the_shared_disk():
    from nfvd_ha.definition import load_definition
    example = load_definition(os.path.join(lab.REPO, "nfvd_ha", "examples", "reference.toml"))
    lab_aa = load_definition(os.path.join(lab.REPO, "docker", "lab-aa.toml"))
    mine = next(c for c in example.clusters if c.name == "nfvd-aa")
    theirs = lab_aa.clusters[0]
    disk = theirs.resource("uca-ebc-data")
    assert dict(disk.params)["fstype"] == "ext4"
    assert dict(disk.params)["device"] == "/dev/nfvd-shared"
    swapped = tuple(disk if r.id == "uca-ebc-data" else r for r in mine.resources)
    import dataclasses
    assert dataclasses.replace(mine, resources=swapped) == theirs
