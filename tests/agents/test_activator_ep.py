"""ocf:nfvd:activator-ep run as a real process against the stand-in init script."""

import os

import pytest

MON = 10000  # a recurring monitor's interval (ms); no interval = probe


@pytest.fixture
def params(standins):
    return {"init_script": standins.activator_ep,
            "pid_files": f"{standins.pidfile('sosa')} {standins.pidfile('lockmgr')}"}


def test_probe_of_stopped_resource_is_not_running(agent, params):
    assert agent("activator-ep", "monitor", params).rc == 7


def test_start_brings_up_sosa_and_lock_manager(agent, params, standins):
    result = agent("activator-ep", "start", params)
    assert result.rc == 0, result
    assert standins.alive("sosa") and standins.alive("lockmgr")
    assert agent("activator-ep", "monitor", params, interval_ms=MON).rc == 0


def test_start_and_stop_are_idempotent(agent, params, standins):
    assert agent("activator-ep", "start", params).rc == 0
    assert agent("activator-ep", "start", params).rc == 0
    assert agent("activator-ep", "stop", params).rc == 0
    assert not standins.alive("sosa") and not standins.alive("lockmgr")
    assert agent("activator-ep", "stop", params).rc == 0


def test_kill9_of_sosa_is_a_failure_naming_sosa(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("sosa")
    result = agent("activator-ep", "monitor", params, interval_ms=MON)
    assert result.rc == 1
    assert "Lock Manager running but SOSA not running" in result.reason


def test_kill9_of_both_is_not_running(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("sosa")
    standins.kill9("lockmgr")
    assert agent("activator-ep", "monitor", params, interval_ms=MON).rc == 7


def test_stale_pid_files_are_not_running(agent, params, standins):
    for name in ("sosa", "lockmgr"):  # pid 1 is alive but is not SOSA
        with open(standins.pidfile(name), "w") as f:
            f.write("1\n")
    assert agent("activator-ep", "monitor", params).rc == 7
    assert agent("activator-ep", "stop", params).rc == 0
    assert agent("activator-ep", "start", params).rc == 0
    assert standins.alive("sosa")


def test_start_after_partial_failure_recovers(agent, params, standins):
    agent("activator-ep", "start", params)
    standins.kill9("lockmgr")
    assert agent("activator-ep", "start", params).rc == 0
    assert standins.alive("lockmgr")


def test_stop_escalates_to_kill_when_init_script_stop_does_not_work(agent, params, standins):
    standins.flag("sosa", "ignore-term")
    assert agent("activator-ep", "start", params).rc == 0
    sosa = standins.pid("sosa")
    result = agent("activator-ep", "stop", params, timeout_ms=20000)
    assert result.rc == 0, result
    assert result.elapsed < 20
    assert not os.path.exists(f"/proc/{sosa}") or open(f"/proc/{sosa}/stat").read().split(
        ") ")[1][0] == "Z"


def test_start_that_cannot_bring_sosa_up_fails_within_timeout(agent, params, standins):
    standins.flag("sosa", "fail-start")
    result = agent("activator-ep", "start", params, timeout_ms=4000)
    assert result.rc == 1
    assert "SOSA not running" in result.reason
    assert result.elapsed < 4.5


@pytest.mark.parametrize("action,interval,expected", [
    ("monitor", None, 7), ("stop", None, 0), ("start", None, 5), ("validate-all", None, 5),
    ("monitor", MON, 5)])
def test_missing_init_script(agent, action, interval, expected, tmp_path):
    result = agent("activator-ep", action, {"init_script": str(tmp_path / "none")},
                   interval_ms=interval)
    assert result.rc == expected
    if expected == 5:
        assert str(tmp_path / "none") in result.reason


@pytest.mark.parametrize("action,expected", [("start", 6), ("validate-all", 6),
                                             ("stop", 0), ("monitor", 7)])
def test_bad_parameter(agent, params, action, expected):
    result = agent("activator-ep", action, dict(params, check_timeout="soon"))
    assert result.rc == expected
    if expected == 6:
        assert "check_timeout" in result.reason and "not an integer" in result.reason


def test_unknown_action_is_unimplemented(agent, params):
    result = agent("activator-ep", "promote", params)
    assert result.rc == 3
    assert "usage:" in result.stderr
