import pytest

from helpers.ocf import Standins, install_agents, run_agent


@pytest.fixture(scope="session")
def agent_dir(tmp_path_factory):
    return install_agents(str(tmp_path_factory.mktemp("ocf")))


@pytest.fixture
def agent(agent_dir):
    def call(name, action, params=None, **kw):
        return run_agent(f"{agent_dir}/{name}", action, params, **kw)
    return call


@pytest.fixture
def standins(tmp_path):
    s = Standins(str(tmp_path / "nfvd"), components=[
        "activator", "sosa", "lockmgr", "uca-ebc", "openmediation", "nfvd-agw"])
    yield s
    s.cleanup()
