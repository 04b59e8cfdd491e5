"""nfvd-ha's lab lifecycle with the fake runner: the exact commands, in order; and the lab's
definitions differ from the example only where the lab must."""

import dataclasses
import os

import pytest

from nfvd_ha.commands import lab
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.definition import EXAMPLE, load_definition

DIED = "pidof pacemakerd >/dev/null && ! pidof corosync >/dev/null"
COMPOSE = ["docker-compose", "-f", os.path.join(lab.REPO, "docker", "lab.yml"), "-p", "nfvdlab"]


def test_up_prepares_builds_starts_waits_and_loads_the_cibs(runner, clock, tmp_path,
                                                             monkeypatch):
    owners = {}
    monkeypatch.delenv(lab.STACK_ENV, raising=False)
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: owners.update({path: (uid, gid)}))
    state = tmp_path / "lab"
    pki = state / "pki"
    runner.expect(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{pki}/ca.key", "-out",
                   f"{pki}/ca.crt", "-days", "30", "-subj", "/CN=nfvd-lab power switch CA"])
    for name, extra in (("power", ["-extfile", f"{pki}/power.ext"]), ("node", [])):
        runner.expect(["openssl", "req", "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{pki}/{name}.key",
                       "-out", f"{pki}/{name}.csr", "-subj", f"/CN=nfvd-lab {name}"])
        runner.expect(["openssl", "x509", "-req", "-in", f"{pki}/{name}.csr", "-CA",
                       f"{pki}/ca.crt", "-CAkey", f"{pki}/ca.key", "-CAcreateserial", "-days",
                       "30", "-out", f"{pki}/{name}.crt", *extra])
    runner.expect(["bash", os.path.join(lab.REPO, "docker", "build-images.sh"), "bookworm"],
                  "nfvd-ha-node:abc\n")
    runner.expect(COMPOSE + ["up", "-d"], env={
        "NFVD_NODE_IMAGE": "nfvd-ha-node:abc", "NFVD_LAB_OUT": str(state / "out"),
        "NFVD_LAB_STATE": str(state), "NFVD_LAB_PROJECT": "nfvdlab"})
    for node, peer, cluster in (("ff-node1", "ff-node2", "nfvd-ff"),
                                ("aa-node1", "aa-node2", "nfvd-aa"),
                                ("lb-node1", "lb-node2", "nfvd-lb")):
        container = f"nfvdlab_{node}_1"
        runner.expect(["docker", "exec", container, "sh", "-c", "crm_mon -1"],
                      "starting")  # not yet: waited for (both nodes' corosync still running)
        for member in (node, peer):
            runner.expect(["docker", "exec", f"nfvdlab_{member}_1", "sh", "-c", DIED], rc=1)
        runner.expect(["docker", "exec", container, "sh", "-c", "crm_mon -1"],
                      f"partition with quorum\n  * Online: [ {node} {peer} ]\n")
        runner.expect(["docker", "exec", container, "sh", "-c",
                       "cibadmin -Q --scope resources"], "<resources/>")
        runner.expect(["docker", "exec", container, "sh", "-c",
                       f"crm configure load xml update /lab/out/{cluster}/cib.xml"])
    for vip, port, answer in (("172.30.77.100", 7001, "sosa on ff-node1"),
                              ("172.30.77.101", 8085, "nfvd-agw on aa-node1")):
        runner.expect(["docker", "exec", "nfvdlab_client_1", "sh", "-c",
                       f"curl -s -m 2 http://{vip}:{port}/"], answer)
    lab.Lab(runner, state=str(state), clock=clock).up()
    assert "fence_docker" in (state / "out" / "nfvd-aa" / "cib.xml").read_text()
    assert "fuse.passfs" in (state / "out" / "nfvd-aa" / "cib.xml").read_text()
    assert "/lab/shared-ff/images" in (state / "out" / "nfvd-ff" / "cib.xml").read_text()
    assert (state / "out" / "nfvd-hb" / "ha.d" / "haresources").exists()
    assert (state / "out" / "haproxy" / "haproxy.cfg").exists()
    # the HA load balancer: its cluster beside the others, its haproxy.cfg apart
    assert "lsb:haproxy" not in (state / "out" / "nfvd-lb" / "cib.xml").read_text()
    assert 'type="haproxy"' in (state / "out" / "nfvd-lb" / "cib.xml").read_text()
    assert " transparent" in (state / "out" / "lbpair" / "haproxy" / "haproxy.cfg").read_text()
    # the single HAProxy holds its addresses itself: nothing to bind before it has them
    assert " transparent" not in (state / "out" / "haproxy" / "haproxy.cfg").read_text()
    # the nodes set themselves up from the definitions (nfvd-ha node setup)
    assert sorted(os.listdir(state / "out" / "definitions")) == [
        "lab-aa.toml", "lab-ff.toml", "lab-heartbeat.toml", "lab-lb.toml", "lab-lbpair.toml"]
    assert clock.slept == [1.0, 1.0, 1.0]  # one wait per pair, never a fixed sleep
    # the shared stores: UCA-EBC's uca's, the image repository uoc:root (guide 2.3.7.2)
    assert owners[str(state / "shared" / "ff" / "images")] == (lab.UOC, 0)
    assert owners[str(state / "shared" / "aa" / "data")] == (lab.UCA, lab.UCA)


def test_a_node_whose_corosync_died_while_the_pair_formed_is_power_cycled_once(
        runner, clock, tmp_path):
    said = []
    one, two = "nfvdlab_aa-node1_1", "nfvdlab_aa-node2_1"
    for attempt in range(2):  # aa-node2's corosync aborted: cycled once, never twice
        runner.expect(["docker", "exec", one, "sh", "-c", "crm_mon -1"],
                      "partition with quorum\n  * Node aa-node2: UNCLEAN (offline)\n")
        runner.expect(["docker", "exec", one, "sh", "-c", DIED], rc=1)
        if attempt == 0:
            runner.expect(["docker", "exec", two, "sh", "-c", DIED], rc=0)
            runner.expect(["docker", "restart", "-t", "0", two])
    runner.expect(["docker", "exec", one, "sh", "-c", "crm_mon -1"],
                  "partition with quorum\n  * Online: [ aa-node1 aa-node2 ]\n")
    lab.Lab(runner, state=str(tmp_path), clock=clock, progress=said.append).pair_up("nfvd-aa")
    assert said == ["aa-node2: corosync exited while nfvd-aa formed; power-cycling it, "
                    "as fencing would"]
    assert not runner.expected


def test_the_stack_comes_from_the_caller_then_the_environment_then_bookworm(
        runner, tmp_path, monkeypatch):
    monkeypatch.delenv(lab.STACK_ENV, raising=False)
    assert lab.Lab(runner, state=str(tmp_path)).stack == "bookworm"
    monkeypatch.setenv(lab.STACK_ENV, "trixie")
    assert lab.Lab(runner, state=str(tmp_path)).stack == "trixie"
    assert lab.Lab(runner, state=str(tmp_path), stack="bookworm").stack == "bookworm"
    runner.expect(["bash", os.path.join(lab.REPO, "docker", "build-images.sh"), "trixie"],
                  "nfvd-ha-node:trixie-abc\n")
    assert lab.Lab(runner, state=str(tmp_path)).build_image() == "nfvd-ha-node:trixie-abc"


def test_an_unknown_stack_is_refused_naming_the_known_ones(runner, tmp_path, monkeypatch):
    monkeypatch.setenv(lab.STACK_ENV, "sid")
    with pytest.raises(NfvdHaError, match="lab stack 'sid' is not one of bookworm, trixie"):
        lab.Lab(runner, state=str(tmp_path))


LABEL = "label=com.docker.compose.project=nfvdlab"
ENDPOINTS = ["docker", "network", "inspect", "--format",
             "{{range $id, $c := .Containers}}{{$id}} {{end}}"]


def _down_until_networks(runner, networks):
    runner.expect(COMPOSE + ["down", "-v", "-t", "1"])
    runner.expect(["docker", "ps", "-aq", "--filter", LABEL])
    runner.expect(["docker", "network", "ls", "-q", "--filter", LABEL, "--format",
                   "{{.Name}}"], "".join(f"{n}\n" for n in networks))


def test_down_removes_containers_volumes_and_networks(runner, tmp_path):
    _down_until_networks(runner, [])
    lab.Lab(runner, state=str(tmp_path)).down()
    assert runner.unused() == []


def test_down_frees_a_network_docker_holds_after_its_containers_are_gone(runner, clock,
                                                                        tmp_path):
    _down_until_networks(runner, ["nfvdlab_lab"])
    runner.expect(ENDPOINTS + ["nfvdlab_lab"], "ep1 \n")
    runner.expect(["docker", "network", "disconnect", "-f", "nfvdlab_lab", "ep1"])
    runner.expect(["docker", "network", "rm", "nfvdlab_lab"], rc=1,
                  stderr="has active endpoints")
    runner.expect(ENDPOINTS + ["nfvdlab_lab"], "")
    runner.expect(["docker", "network", "rm", "nfvdlab_lab"])
    lab.Lab(runner, state=str(tmp_path), clock=clock).down()
    assert runner.unused() == []


def test_down_says_so_when_docker_never_lets_go_of_a_network(runner, clock, tmp_path):
    _down_until_networks(runner, ["nfvdlab_lab"])
    for _ in range(lab.NETWORK_GRACE + 1):
        runner.expect(ENDPOINTS + ["nfvdlab_lab"], "")
        runner.expect(["docker", "network", "rm", "nfvdlab_lab"], rc=1)
    with pytest.raises(NfvdHaError, match=r"Docker keeps network nfvdlab_lab \(active "
                                          r"endpoints\) after 30 s"):
        lab.Lab(runner, state=str(tmp_path), clock=clock).down()
    assert runner.unused() == []


def test_down_refuses_to_go_on_when_a_container_survived(runner, tmp_path):
    runner.expect(COMPOSE + ["down", "-v", "-t", "1"], rc=1)
    runner.expect(["docker", "ps", "-aq", "--filter", LABEL], "abc123\n")
    with pytest.raises(NfvdHaError, match="containers abc123 survived"):
        lab.Lab(runner, state=str(tmp_path)).down()


def _cluster(path, name):
    return next(c for c in load_definition(path).clusters if c.name == name)


#: the shared-fs resource of each lab pair on the lab's store (the lab kernel has no NFS)
STORES = {"nfvd-ff": ("ff-images", "/lab/shared-ff/images"),
          "nfvd-aa": ("uca-ebc-data", "/lab/shared-aa")}


def test_the_lab_pairs_differ_from_the_example_only_in_fencing_and_the_shared_store():
    for name, lab_file in (("nfvd-ff", "lab-ff.toml"), ("nfvd-aa", "lab-aa.toml")):
        mine = _cluster(EXAMPLE, name)
        theirs = _cluster(os.path.join(lab.REPO, "docker", lab_file), name)
        assert {f.agent for f in mine.fencing} == {"fence_openstack"}
        assert {f.agent for f in theirs.fencing} == {"fence_docker"}
        assert [f.targets for f in theirs.fencing] == [f.targets for f in mine.fencing]
        rid, device = STORES[name]
        disk, example_disk = theirs.resource(rid), mine.resource(rid)
        assert example_disk.param("fstype") == "nfs"
        assert (disk.param("fstype"), disk.param("device"), disk.param("options")) == (
            "fuse.passfs", device, "allow_other")
        # only where it is stored and how it is mounted: the directory, the owner and the
        # checks are the example's
        store = {"device", "fstype", "options"}
        assert {k: v for k, v in disk.params if k not in store} == \
            {k: v for k, v in example_disk.params if k not in store} and disk.ops == \
            example_disk.ops
        resources = tuple(disk if r.id == rid else r for r in mine.resources)
        assert dataclasses.replace(mine, fencing=theirs.fencing, resources=resources) == theirs


def test_examples_reference_is_the_packaged_example():
    assert os.path.realpath(os.path.join(lab.REPO, "examples", "reference.toml")) == \
        os.path.realpath(EXAMPLE)


def test_lab_up_takes_the_stack_from_its_option(monkeypatch):
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    seen = []
    monkeypatch.setattr(lab, "up", lambda progress, stack: seen.append(stack) or [])
    assert CliRunner().invoke(main, ["lab", "up", "--stack", "trixie"]).exit_code == 0
    assert CliRunner().invoke(main, ["lab", "up"]).exit_code == 0
    assert seen == ["trixie", None]  # None: the use case reads $NFVD_HA_LAB_STACK
    wrong = CliRunner().invoke(main, ["lab", "up", "--stack", "sid"])
    assert wrong.exit_code == 2 and "'sid' is not one of 'bookworm', 'trixie'" in wrong.output
