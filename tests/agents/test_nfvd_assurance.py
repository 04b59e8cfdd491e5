"""ocf:nfvd:nfvd-assurance run as a real process against the stand-in nfv-director.sh."""

import pytest

MON = 20000


@pytest.fixture
def params(standins):
    return {"nfv_director": standins.nfv_director}


def test_probe_when_stopped(agent, params):
    assert agent("nfvd-assurance", "monitor", params).rc == 7


def test_start_in_dependency_order_and_stop_in_reverse(agent, params, standins):
    assert agent("nfvd-assurance", "start", params).rc == 0
    assert all(standins.alive(c) for c in ("uca-ebc", "openmediation", "nfvd-agw"))
    assert agent("nfvd-assurance", "monitor", params, interval_ms=MON).rc == 0
    assert agent("nfvd-assurance", "stop", params).rc == 0
    assert not any(standins.alive(c) for c in ("uca-ebc", "openmediation", "nfvd-agw"))
    assert standins.events() == [
        "start uca-ebc", "start openmediation", "start nfvd-agw",
        "stop nfvd-agw", "stop openmediation", "stop uca-ebc"]


def test_configured_order_is_honoured(agent, params, standins):
    p = dict(params, components="nfvd-agw uca-ebc")
    assert agent("nfvd-assurance", "start", p).rc == 0
    assert standins.events() == ["start nfvd-agw", "start uca-ebc"]
    assert not standins.alive("openmediation")


def test_kill9_of_one_component_names_it(agent, params, standins):
    agent("nfvd-assurance", "start", params)
    standins.kill9("openmediation")
    result = agent("nfvd-assurance", "monitor", params, interval_ms=MON)
    assert result.rc == 1
    assert "openmediation: Not Running" in result.reason
    assert "uca-ebc: Running" in result.reason


def test_idempotent(agent, params):
    assert agent("nfvd-assurance", "start", params).rc == 0
    assert agent("nfvd-assurance", "start", params).rc == 0
    assert agent("nfvd-assurance", "stop", params).rc == 0
    assert agent("nfvd-assurance", "stop", params).rc == 0


def test_component_that_will_not_start_is_named(agent, params, standins):
    standins.flag("nfvd-agw", "fail-start")
    result = agent("nfvd-assurance", "start", params, timeout_ms=5000)
    assert result.rc == 1
    assert "nfvd-agw did not start" in result.reason
    assert result.elapsed < 5.5


@pytest.fixture
def no_assurance(tmp_path):
    from helpers.ocf import Standins
    s = Standins(str(tmp_path / "ff"), components=["activator", "sosa", "lockmgr"])
    yield s
    s.cleanup()


@pytest.mark.parametrize("action,interval,expected", [
    ("monitor", None, 7), ("stop", None, 0), ("start", None, 5), ("monitor", MON, 5)])
def test_components_not_installed_on_this_host(agent, no_assurance, action, interval,
                                               expected):
    result = agent("nfvd-assurance", action, {"nfv_director": no_assurance.nfv_director},
                   interval_ms=interval)
    assert result.rc == expected
    if expected == 5:
        assert "not installed here: uca-ebc, openmediation, nfvd-agw" in result.reason


@pytest.mark.parametrize("action,expected", [("start", 6), ("validate-all", 6), ("stop", 0),
                                             ("monitor", 6)])
def test_unknown_component(agent, params, action, expected):
    result = agent("nfvd-assurance", action, dict(params, components="uca-ebc frobnicator"))
    assert result.rc == expected
    if expected == 6:
        assert "unknown frobnicator" in result.reason


def test_a_component_its_stop_leaves_running_is_terminated(agent, params, standins):
    standins.flag("uca-ebc", "ignore-term")  # its stop gives up; TERM is ignored too
    p = dict(params, process_match="uca-ebc=nfvd-standin-daemon=uca-ebc")
    assert agent("nfvd-assurance", "start", p).rc == 0
    uca = standins.pid("uca-ebc")
    result = agent("nfvd-assurance", "stop", p, timeout_ms=30000)
    assert result.rc == 0, result
    assert result.elapsed < 30
    assert not standins.alive("uca-ebc") and not standins.alive("openmediation")
    assert f"sending KILL to uca-ebc: [{uca}]" in result.stderr


def test_without_process_match_a_stuck_component_fails_the_stop_in_time(agent, params,
                                                                        standins):
    standins.flag("uca-ebc", "ignore-term")
    assert agent("nfvd-assurance", "start", params).rc == 0
    result = agent("nfvd-assurance", "stop", params, timeout_ms=15000)
    assert result.rc == 1
    assert "uca-ebc did not stop" in result.reason and "no process_match" in result.reason
    assert result.elapsed < 15
    assert standins.alive("uca-ebc")  # nothing unproven was signalled


@pytest.mark.parametrize("value", ["uca-ebc", "frob=x", "uca-ebc=", "uca-ebc=a\x01b"])
def test_process_match_has_a_grammar(agent, params, value):
    result = agent("nfvd-assurance", "start", dict(params, process_match=value))
    assert result.rc == 6
    assert "process_match" in result.reason
