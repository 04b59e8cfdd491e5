"""nfvd-ha plan / apply against a CIB file with the real tools (CIB_file: cibadmin, crm_simulate,
crm_diff): readable changes, Pacemaker's own prediction, only the definition's objects,
secrets never shown, the plan refused once the CIB moved on."""

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from crm.cib import render_cib
from nfvd_ha.commands import plan
from nfvd_ha.definition import EXAMPLE, load_text
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.render import fence_secrets
from nfvd_ha.adapters.runner import Runner

TEXT = Path(EXAMPLE).read_text()
#: the example's fencing parameters of ff-node1 (its server ID as fence_openstack needs it)
FF1_PARAMS = 'params = { cloud = "nfvd", plug = "3f0c1a52-7d4e-4b8a-9c61-0000000ff001" }'


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
    text = TEXT.replace(FF1_PARAMS,
                        FF1_PARAMS[:-2] + ', password = '
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


# --- a plan file is what was reviewed, or nothing is applied ------------------------------
def _tampered_plan(tmp_path, edit):
    """A plan of a reviewed parameter change (saved 0600 by us) whose stored configuration
    ``edit`` then changes behind the change list's back."""
    found = plan.Planner(Runner()).plan(changed(param=PARAM))
    assert found["changes"] == [
        "change group fulfillment: primitive ff-vip > param dad_timeout_ms: 100 -> 200"]
    from lxml import etree
    config = etree.fromstring(found["new"])
    edit(config)
    found["new"] = etree.tostring(config, encoding="unicode")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(found))
    path.chmod(0o600)
    return path


def _shell_primitive(config):
    from lxml import etree
    config.find("resources").append(etree.fromstring(
        '<primitive id="sh" class="ocf" provider="heartbeat" type="anything">'
        '<instance_attributes id="sh-ia"><nvpair id="sh-bin" name="binfile" value="/bin/sh"/>'
        '</instance_attributes></primitive>'))


def _no_fencing(config):
    config.find("crm_config/cluster_property_set/nvpair[@name='stonith-enabled']").set(
        "value", "false")


def _fence_constraint_gone(config):
    gone = config.find("constraints/rsc_location[@id='location-fence-ff-node1-avoids-ff-node1']")
    gone.getparent().remove(gone)


def _operators_resource(config):
    from lxml import etree
    config.find("resources").append(etree.fromstring(
        '<primitive id="operators-own" class="ocf" provider="heartbeat" type="Dummy"/>'))


def _extra_property_set(config):
    from lxml import etree
    config.find("crm_config").append(etree.fromstring(
        '<cluster_property_set id="extra"><nvpair id="extra-se" name="stonith-enabled" '
        'value="false"/></cluster_property_set>'))


@pytest.mark.parametrize("edit", [_shell_primitive, _no_fencing, _fence_constraint_gone,
                                  _operators_resource, _extra_property_set])
def test_apply_refuses_a_plan_whose_stored_configuration_was_edited(live, tmp_path, edit):
    """The review found: a plan's stored configuration given an ocf:heartbeat:anything
    running /bin/sh and stonith-enabled=false, its change list left alone - apply printed
    "Applied 1 change(s)" and the CIB got both."""
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    path = _tampered_plan(tmp_path, edit)
    before = live.read_text()
    done = CliRunner().invoke(main, ["apply", str(path)])
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith("Error: ") and len(done.stderr.splitlines()) <= 2
    assert "not what its change list says" in done.stderr, done.stderr
    after = live.read_text()
    assert 'value="/bin/sh"' not in after and 'name="stonith-enabled" value="false"' not in after
    assert 'name="dad_timeout_ms" value="200"' not in after            # nothing at all
    assert after.count("<rsc_location") == before.count("<rsc_location")


@pytest.mark.parametrize("make", ["others-0666", "nobody-0600", "group-0620", "symlink",
                                  "fifo"])
def test_apply_refuses_a_plan_file_others_could_have_written(live, tmp_path, make):
    """A plan file owned by nobody with mode 0666 was accepted by root."""
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    good = tmp_path / "good.json"
    plan.save(plan.Planner(Runner()).plan(changed(param=PARAM)), str(good))
    path = tmp_path / "p.json"
    if make == "symlink":
        path.symlink_to(good)
    elif make == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(good.read_bytes())
        mode = {"others-0666": 0o666, "nobody-0600": 0o600, "group-0620": 0o620}[make]
        path.chmod(mode)
        if make == "nobody-0600":
            os.chown(path, 65534, 65534)
    done = CliRunner().invoke(main, ["apply", str(path)])
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith(f"Error: {path}: ")
    assert 'name="dad_timeout_ms" value="200"' not in live.read_text()


def test_plan_creates_its_file_exclusively_and_private(live, tmp_path):
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    definition = tmp_path / "def.toml"
    definition.write_text(TEXT.replace(*PARAM))
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "p.json"
    out.symlink_to(victim)                            # planted where the plan will go
    refused = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nfvd-ff",
                                        "--out", str(out)])
    assert refused.exit_code == 1 and refused.stderr.startswith(f"Error: {out}: ")
    assert victim.read_text() == "precious\n" and os.path.islink(out)
    out.unlink()
    made = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nfvd-ff",
                                     "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(os.lstat(out).st_mode) == 0o600 and not os.path.islink(out)
    again = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nfvd-ff",
                                      "--out", str(out), "--force"])
    assert again.exit_code == 0, again.output                  # --force replaces it
    assert stat.S_IMODE(os.lstat(out).st_mode) == 0o600


def test_a_value_read_from_a_secret_file_is_never_shown_whatever_its_name(live, tmp_path):
    """`plug = { file = ... }` printed the secret: only password-like names were hidden."""
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    secret = tmp_path / "plug"
    secret.write_text("instance-7f3a-secret\n")
    secret.chmod(0o600)
    definition = tmp_path / "def.toml"
    definition.write_text(TEXT.replace(FF1_PARAMS,
                                       f'params = {{ cloud = "nfvd", plug = {{ file = '
                                       f'"{secret}" }} }}'))
    said = CliRunner().invoke(main, ["plan", str(definition), "--cluster", "nfvd-ff",
                                     "--out", str(tmp_path / "p.json")])
    assert said.exit_code == 0, said.output
    assert "instance-7f3a-secret" not in said.output
    assert "change primitive fence-ff-node1: param plug: (secret) changed" in said.output
    done = CliRunner().invoke(main, ["apply", str(tmp_path / "p.json")])
    assert done.exit_code == 0, done.output + done.stderr      # and it still applies
    assert 'value="instance-7f3a-secret"' in live.read_text()


@pytest.mark.parametrize("path", ["/proc/self/syscall", "/proc/self/stat",
                                  "/sys/kernel/mm/transparent_hugepage/enabled"])
def test_a_secret_file_is_a_file_on_a_disk_not_a_kernel_view(live, tmp_path, path):
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing on this host")
    definition = tmp_path / "def.toml"
    definition.write_text(TEXT.replace(FF1_PARAMS,
                                       FF1_PARAMS[:-2] + ', '
                                       f'password = {{ file = "{path}" }} }}'))
    for argv in (["plan", str(definition), "--cluster", "nfvd-ff", "--out",
                  str(tmp_path / "p.json")], ["render", str(definition), "--out",
                                              str(tmp_path / "out")]):
        said = CliRunner().invoke(main, argv)
        assert said.exit_code == 1, said.output
        assert said.stderr.startswith(f"Error: {path}: secret file ")
        assert not os.path.exists(tmp_path / "out") and not os.path.exists(tmp_path / "p.json")
