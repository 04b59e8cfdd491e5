"""The heartbeat adapter maintenance uses on hosts not yet migrated: heartbeat's own
cl_status and hb_standby, exact argv, every call bounded; the waits on a fake clock."""

import pytest

from nfvd_ha.errors import NfvdHaError
from nfvd_ha.adapters.heartbeat import Heartbeat

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


def test_stop_and_start_heartbeat_through_its_init_script_or_systemd(tmp_path, runner, clock):
    cl = str(tmp_path / "cl_status")
    (tmp_path / "ha.cf").write_text(HA_CF)
    init = Heartbeat(runner, clock, ha_cf=str(tmp_path / "ha.cf"), cl_status=cl,
                     me="hb-node1", init="/etc/init.d/heartbeat", systemd=False)
    runner.expect(["/etc/init.d/heartbeat", "stop"], "Stopping High-Availability services: "
                                                    "Done.\n")
    init.stop_daemon()
    runner.expect(["/etc/init.d/heartbeat", "start"])
    runner.expect([cl, "hbstatus"], "", rc=1)             # not up yet
    runner.expect([cl, "hbstatus"], "Heartbeat is running on this machine.\n")
    runner.expect([cl, "nodestatus", "hb-node2"], "active\n")
    init.start_daemon(30, lambda text: None)
    units = Heartbeat(runner, clock, ha_cf=str(tmp_path / "ha.cf"), cl_status=cl,
                      me="hb-node1", systemd=True)
    runner.expect(["systemctl", "stop", "heartbeat"], rc=1, stderr="Job failed\n")
    with pytest.raises(NfvdHaError) as error:
        units.stop_daemon()
    assert str(error.value.problems[0]) == "systemctl stop heartbeat exited 1: Job failed"


def test_a_heartbeat_that_never_joins_ends_in_time(tmp_path, runner, clock):
    cl = str(tmp_path / "cl_status")
    (tmp_path / "ha.cf").write_text(HA_CF)
    hb = Heartbeat(runner, clock, ha_cf=str(tmp_path / "ha.cf"), cl_status=cl, me="hb-node1",
                   init="/etc/init.d/heartbeat", systemd=False)
    runner.expect(["/etc/init.d/heartbeat", "start"])
    for _ in range(6):
        runner.expect([cl, "hbstatus"], "", rc=1)
    with pytest.raises(NfvdHaError) as error:
        hb.start_daemon(5, lambda text: None)
    assert "after 5s, heartbeat on hb-node1 does not run or sees no active peer" in str(
        error.value)
