"""The heartbeat adapter maintenance uses on hosts not yet migrated: heartbeat's own
cl_status and hb_standby, exact argv, every call bounded; the waits on a fake clock."""

import pytest

from nfvd_ha.errors import NfvdHaError
from nfvd_ha.heartbeat import Heartbeat

HA_CF = "# rendered by nfvd-ha\nkeepalive 200ms\nnode hb-node1\nnode hb-node2  # the peer\n"


@pytest.fixture
def host(tmp_path, runner, clock):
    (tmp_path / "ha.cf").write_text(HA_CF)
    for tool in ("cl_status", "hb_standby"):
        (tmp_path / tool).write_text("#!/bin/sh\n")
        (tmp_path / tool).chmod(0o755)
    return Heartbeat(runner, clock, ha_cf=str(tmp_path / "ha.cf"),
                     hb_standby=str(tmp_path / "hb_standby"),
                     cl_status=str(tmp_path / "cl_status"), me="hb-node1")


def test_present_only_with_ha_cf_and_the_tools(host, tmp_path, runner, clock):
    assert host.present() and host.peers() == ["hb-node2"]
    assert not Heartbeat(runner, clock, ha_cf=str(tmp_path / "none")).present()


def test_standby_waits_for_the_peer_to_take_over(host, tmp_path, runner, clock):
    cl = str(tmp_path / "cl_status")
    runner.expect([cl, "rscstatus"], "all\n")
    runner.expect([str(tmp_path / "hb_standby"), "all"], "Going standby [all].\n")
    for held in ("transition", "none"):
        runner.expect([cl, "rscstatus"], held + "\n")
        if held == "none":
            runner.expect([cl, "nodestatus", "hb-node2"], "active\n")
    said = []
    assert host.standby() is True
    host.wait_released(30, said.append)
    assert said == ["Waiting for resource balancing"] and clock.slept == [1.0]


def test_nothing_held_nothing_to_do(host, tmp_path, runner):
    runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "none\n")
    runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "none\n")
    assert host.standby() is False and host.takeover_problems() == []


def test_a_dead_peer_is_a_reason_to_refuse(host, tmp_path, runner):
    runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "all\n")
    runner.expect([str(tmp_path / "cl_status"), "nodestatus", "hb-node2"], "dead\n", rc=1)
    assert host.takeover_problems() == ["hb-node2 cannot take over: heartbeat says it is dead"]


def test_heartbeat_down_here_is_an_error_naming_it(host, tmp_path, runner):
    runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "", rc=7,
                  stderr="Heartbeat is stopped or not responding\n")
    with pytest.raises(NfvdHaError) as error:
        host.holding()
    assert "rscstatus exited 7: Heartbeat is stopped or not responding" in str(
        error.value.problems[0])


def test_a_peer_that_never_takes_over_ends_in_time(host, tmp_path, runner, clock):
    for _ in range(31):
        runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "all\n")
    runner.expect([str(tmp_path / "cl_status"), "rscstatus"], "all\n")  # in the message
    with pytest.raises(NfvdHaError) as error:
        host.wait_released(30, lambda text: None)
    assert "after 30s, heartbeat: hb-node1 still holds resources (all)" in str(
        error.value.problems[0])
