"""nfvd-ha plan / apply against a CIB file with the real tools (CIB_file: cibadmin, crm_simulate,
crm_diff): readable changes, Pacemaker's own prediction, only the definition's objects,
secrets never shown, the plan refused once the CIB moved on."""

import os
import re
import stat
import subprocess

import pytest

from crm.cib import render_cib
from nfvd_ha import plan
from nfvd_ha.definition import EXAMPLE, load_text
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.render import fence_secrets
from nfvd_ha.runner import Runner

TEXT = open(EXAMPLE).read()


def ff(text=TEXT):
    return next(c for c in load_text(text).clusters if c.name == "nfvd-ff")


@pytest.fixture
def live(tmp_path, monkeypatch):
    """The example's FF pair, both nodes up with quorum, everything started (the scheduler's
    own simulation, saved), as the CIB file every tool here uses."""
    rendered, path = tmp_path / "rendered.xml", tmp_path / "live.xml"
    rendered.write_text(render_cib(ff()))
    subprocess.run(["crm_simulate", "--xml-file", str(rendered), "--node-up", "ff-node1",
                    "--node-up", "ff-node2", "--quorum", "1", "--simulate", "--save-output",
                    str(path)], check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("CIB_file", str(path))
    return path


def changed(**edits):
    text = TEXT
    for old, new in edits.values():
        assert old in text
        text = text.replace(old, new, 1)
    return ff(text)


PARAM = ('label = "ff", dad_timeout_ms = 100', 'label = "ff", dad_timeout_ms = 200')
MONITOR = ('ops = { monitor = { interval = "5s", timeout = "60s" } }',
           'ops = { monitor = { interval = "10s", timeout = "60s" } }')


def test_nothing_to_do_when_the_cib_is_the_definitions(live):
    found = plan.Planner(Runner()).plan(ff())
    assert found["changes"] == [] and found["actions"] == []


def test_a_parameter_change_predicts_a_restart_and_is_applied(live, tmp_path):
    planner = plan.Planner(Runner())
    before = live.read_bytes()
    found = planner.plan(changed(param=PARAM, monitor=MONITOR))
    assert found["changes"] == [
        "change group fulfillment: primitive ff-vip > param dad_timeout_ms: 100 -> 200",
        "change clone hpsa-clone: remove primitive hpsa > op monitor 5s (timeout 60s); "
        "add primitive hpsa > op monitor 10s (timeout 60s)"]
    assert "Restart ff-vip ( ff-node1 ) due to resource definition change" in found["actions"]
    assert "Resource action: hpsa monitor=10000 on ff-node2" in found["actions"]
    assert live.read_bytes() == before                       # planning changed nothing
    plan.save(found, str(tmp_path / "p.json"))
    assert stat.S_IMODE(os.stat(tmp_path / "p.json").st_mode) == 0o600
    assert planner.apply(plan.load(str(tmp_path / "p.json"))) == (found["changes"], False)
    assert 'name="dad_timeout_ms" value="200"' in live.read_text()
    assert planner.plan(changed(param=PARAM, monitor=MONITOR))["changes"] == []


def test_what_the_definition_does_not_own_is_left_alone(live):
    subprocess.run(["cibadmin", "--create", "--scope", "resources", "--xml-text",
                    '<primitive id="operators-own" class="ocf" provider="heartbeat" '
                    'type="Dummy"/>'], check=True, capture_output=True, timeout=30)
    planner = plan.Planner(Runner())
    found = planner.plan(changed(param=PARAM))
    assert not any("operators-own" in c for c in found["changes"])
    assert found["left_alone"] == ["primitive operators-own"]
    planner.apply(found)
    assert 'id="operators-own"' in live.read_text()


def test_a_plan_is_refused_once_the_cib_moved_on(live):
    planner = plan.Planner(Runner())
    found = planner.plan(changed(param=PARAM))
    subprocess.run(["crm_attribute", "--name", "cluster-recheck-interval", "--update", "2min"],
                   check=True, capture_output=True, timeout=30)
    with pytest.raises(NfvdHaError) as error:
        planner.apply(found)
    assert "the live CIB changed since this plan" in str(error.value.problems[0])
    assert 'name="dad_timeout_ms" value="200"' not in live.read_text()


def test_secret_parameters_are_never_shown(live, tmp_path):
    secret = tmp_path / "fence-password"
    secret.write_text("s3cr3t-pw\n")
    secret.chmod(0o600)
    text = TEXT.replace('params = { cloud = "nfvd", plug = "ff-node1" }',
                        'params = { cloud = "nfvd", plug = "ff-node1", password = '
                        f'{{ file = "{secret}" }} }}')
    definition = load_text(text)
    found = plan.Planner(Runner()).plan(ff(text), fence_secrets(definition, ("cib",)))
    said = "\n".join(found["changes"] + found["actions"])
    assert "s3cr3t-pw" not in said
    assert re.search(r"param password = \(secret\)", said), said


def test_the_commands(live, tmp_path):
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    definition = tmp_path / "def.toml"
    definition.write_text(TEXT.replace(*PARAM))
    out = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nfvd-ff", "--out",
                                    str(tmp_path / "p.json")])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[:2] == ["Changes to nfvd-ff (1):", "  change group fulfillment: primitive "
                         "ff-vip > param dad_timeout_ms: 100 -> 200"]
    assert "What the cluster will do (crm_simulate):" in lines
    done = CliRunner().invoke(main, ["apply", str(tmp_path / "p.json")])
    assert done.exit_code == 0 and done.output == "Applied 1 change(s) to the CIB file.\n"
    again = CliRunner().invoke(main, ["apply", str(tmp_path / "p.json")])
    assert again.exit_code == 1
    assert again.stderr.startswith("Error: the live CIB changed since this plan")
    wrong = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nope"])
    assert wrong.exit_code == 1 and "Error: --cluster nope: not a cluster of" in wrong.stderr
