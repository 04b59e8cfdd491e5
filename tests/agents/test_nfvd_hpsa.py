"""ocf:nfvd:nfvd-hpsa (HPSA of a Fulfillment node, cloned) run as a real process against the
stand-in nfv-director.sh: the same component engine as nfvd-assurance, for HPSA only."""

import pytest

MON = 5000


@pytest.fixture
def params(standins):
    return {"nfv_director": standins.nfv_director}


def test_start_monitor_kill_stop(agent, params, standins):
    assert agent("nfvd-hpsa", "monitor", params).rc == 7  # the probe of a stopped node
    assert agent("nfvd-hpsa", "start", params).rc == 0
    assert standins.alive("activator") and not standins.alive("sosa")  # HPSA only
    assert agent("nfvd-hpsa", "monitor", params, interval_ms=MON).rc == 0
    standins.kill9("activator")
    failed = agent("nfvd-hpsa", "monitor", params, interval_ms=MON)
    assert failed.rc == 7 and not standins.alive("activator")  # cleanly down: restart it
    assert agent("nfvd-hpsa", "start", params).rc == 0
    assert agent("nfvd-hpsa", "stop", params).rc == 0
    assert agent("nfvd-hpsa", "stop", params).rc == 0
    assert not standins.alive("activator")
    assert standins.events() == ["start activator", "start activator", "stop activator"]


@pytest.mark.parametrize("components", ["sosa", "activator uca-ebc"])
def test_only_hpsa_is_its_business(agent, params, components):
    result = agent("nfvd-hpsa", "validate-all", dict(params, components=components))
    assert result.rc == 6
    assert "known: activator" in result.reason


def test_a_node_without_hpsa_is_not_installed(agent, tmp_path):
    from helpers.ocf import Standins
    gui = Standins(str(tmp_path / "gui"), components=["uoc", "couchdb"])
    try:
        assert agent("nfvd-hpsa", "monitor", {"nfv_director": gui.nfv_director}).rc == 7
        start = agent("nfvd-hpsa", "start", {"nfv_director": gui.nfv_director})
        assert start.rc == 5 and "not installed here: activator" in start.reason
    finally:
        gui.cleanup()
