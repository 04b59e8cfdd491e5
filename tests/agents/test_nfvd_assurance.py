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
                                             ("monitor", 7)])
def test_unknown_component(agent, params, action, expected):
    result = agent("nfvd-assurance", action, dict(params, components="uca-ebc frobnicator"))
    assert result.rc == expected
    if expected == 6:
        assert "unknown frobnicator" in result.reason
