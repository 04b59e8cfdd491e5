"""The nfvd-ha CLI: outputs, errors on stderr with exit 1, atomic writes, key files."""

import os
import stat
from pathlib import Path

import pytest

from click.testing import CliRunner

from nfvd_ha.cli import main
from nfvd_ha.definition import EXAMPLE


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_example_is_the_reference_definition():
    result = invoke("example")
    assert result.exit_code == 0 and result.output == Path(EXAMPLE).read_text()


def test_validate_ok():
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 0
    assert "cluster nfvd-ff: 2 nodes, 4 resources, 1 groups, 2 clones" in result.output


def test_validate_reports_every_error_on_stderr(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[cluster]]\nname = "x"\nnodes = []\ncolour = 1\n')
    result = invoke("validate", str(bad))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"Error: {bad}:4: cluster[0].colour: unknown key 'colour'" in lines[0]
    assert any("a cluster needs at least 2 nodes, not 0" in line for line in lines)
    assert lines[-1] == "Hint: nothing was written"


def test_missing_file_is_a_clear_error(tmp_path):
    result = invoke("validate", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    assert "nope.toml: cannot read: No such file or directory" in result.stderr


def test_render_writes_files_and_keys_with_modes(tmp_path):
    out = tmp_path / "out"
    result = invoke("render", EXAMPLE, "--out", str(out))
    assert result.exit_code == 0, result.output
    mode = lambda p: stat.S_IMODE(os.stat(out / p).st_mode)  # noqa: E731
    assert mode("nfvd-ff/authkey") == 0o400
    assert mode("nfvd-ff/ha.d/authkeys") == 0o600
    assert mode("haproxy/nfvd-stats.env") == 0o600
    assert mode("nfvd-ff/cib.xml") == 0o600  # it may hold fence credentials
    assert mode("haproxy/haproxy.cfg") == 0o600  # the stats password
    assert mode("nfvd-ff/corosync.conf") == 0o644
    assert os.path.getsize(out / "nfvd-ff/authkey") == 256
    authkeys = (out / "nfvd-ff/ha.d/authkeys").read_text().splitlines()
    assert authkeys[0] == "auth 1" and authkeys[1].startswith("1 sha1 ")
    assert len(authkeys[1].split()[2]) == 64
    # secrets are never printed
    assert authkeys[1].split()[2] not in result.output
    assert (out / "nfvd-ff/authkey").read_bytes() != (out / "nfvd-aa/authkey").read_bytes()


def test_render_keeps_existing_keys_unless_forced(tmp_path):
    out = tmp_path / "out"
    invoke("render", EXAMPLE, "--out", str(out))
    key = (out / "nfvd-ff/authkey").read_bytes()
    again = invoke("render", EXAMPLE, "--out", str(out))
    assert "kept  " in again.output and (out / "nfvd-ff/authkey").read_bytes() == key
    invoke("render", EXAMPLE, "--out", str(out), "--force")
    assert (out / "nfvd-ff/authkey").read_bytes() != key


def test_render_one_target(tmp_path):
    out = tmp_path / "out"
    assert invoke("render", EXAMPLE, "--out", str(out), "--target", "haproxy").exit_code == 0
    assert sorted(os.listdir(out)) == ["haproxy"]


def test_invalid_definition_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(EXAMPLE).read_text().replace('deadtime = "500ms"', 'deadtime = "400ms"'))
    out = tmp_path / "out"
    result = invoke("render", str(bad), "--out", str(out))
    assert result.exit_code == 1 and "must be more than twice keepalive" in result.stderr
    assert not out.exists()


def test_what_heartbeat_cannot_carry_skips_that_clusters_heartbeat_files(tmp_path):
    """A type with no haresources form: that cluster's heartbeat files are not rendered,
    with a warning (validate says so too); everything else is."""
    text = Path(EXAMPLE).read_text().replace('type = "activator-ep"',
                                             'type = "ocf:heartbeat:Dummy"')
    text = text.replace(
        'params = { init_script = "/opt/HPE/nfvd/fulfillment/scripts/activator-ep" }', "")
    definition = tmp_path / "d.toml"
    definition.write_text(text)
    out = tmp_path / "out"
    result = invoke("render", str(definition), "--out", str(out))
    assert result.exit_code == 0, result.output
    said = ("Warning: cluster nfvd-ff (heartbeat files): not rendered: resource "
            "'sosa-lockmgr' of type ocf:heartbeat:Dummy has no heartbeat v1 (haresources) form")
    assert said in result.stderr.splitlines()
    assert sorted(os.listdir(out / "nfvd-ff")) == ["authkey", "cib.xml", "corosync.conf",
                                                   "openstack-allowed-address-pairs.sh"]
    assert (out / "nfvd-aa" / "ha.d" / "haresources").exists()
    checked = invoke("validate", str(definition))
    assert checked.exit_code == 0
    assert said.replace("not rendered", "would not be rendered") in checked.stderr.splitlines()


@pytest.mark.parametrize("device", ["[fd10:9::7]:/export/uca", "nfs server:/export"])
def test_an_ipv6_nfs_share_renders_every_target_but_its_heartbeat_files(tmp_path, device):
    """`device = "[fd10:9::7]:/export/uca"` passed validate, and render --out failed as a
    whole ("a parameter holds a space or '::', which haresources cannot carry"), Pacemaker
    files included."""
    text = Path(EXAMPLE).read_text()
    old = 'device = "nfs-server:/var/opt/UCA-EBC"'
    assert old in text
    definition = tmp_path / "d.toml"
    definition.write_text(text.replace(old, f'device = "{device}"'))
    checked = invoke("validate", str(definition))
    if " " in device:  # a space is no mount device at all: refused by the agent's check
        assert checked.exit_code == 1 and "device must not contain spaces" in checked.stderr
        return
    assert checked.exit_code == 0, checked.output
    warning = ("Warning: cluster nfvd-aa (heartbeat files): would not be rendered: resource "
               "'uca-ebc-data': a parameter holds a space or '::', which haresources cannot carry")
    assert warning in checked.stderr.splitlines(), checked.stderr
    out = tmp_path / "out"
    result = invoke("render", str(definition), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert warning.replace("would not be", "not") in result.stderr.splitlines()
    assert device in (out / "nfvd-aa" / "cib.xml").read_text()
    assert not (out / "nfvd-aa" / "ha.d").exists() and (out / "nfvd-ff" / "ha.d").exists()


def test_heartbeat_files_say_what_heartbeat_v1_cannot_do(tmp_path):
    """Rendered anyway (legacy hosts), but never silently: no fencing, no alerts, no tie of
    a group to the clone it requires."""
    result = invoke("render", EXAMPLE, "--out", str(tmp_path), "--target", "heartbeat")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert any("nfvd-ff (heartbeat files): heartbeat v1 cannot fence" in w for w in warnings)
    assert any("nfvd-ff (heartbeat files): heartbeat v1 has no alerts" in w for w in warnings)
    assert [w for w in warnings if "(requires)" in w] == [
        "Warning: cluster nfvd-lb (heartbeat files): heartbeat v1 cannot tie group lb-vips to "
        "haproxy-clone (requires): haresources starts it whether or not those run; the load "
        "balancer pair is for Pacemaker"]
    assert not any("(requires)" in w for w in invoke(
        "render", EXAMPLE, "--out", str(tmp_path / "cib"), "--target", "cib").stderr.splitlines())


def test_keygen(tmp_path):
    result = invoke("keygen", EXAMPLE, "--out", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / "nfvd-aa/authkey").exists()
    assert "kept" in invoke("keygen", EXAMPLE, "--out", str(tmp_path)).output


def test_agents_install_and_list(tmp_path):
    assert invoke("agents", "install", "--ocf-root", str(tmp_path)).exit_code == 0
    listing = invoke("agents", "list", "--ocf-root", str(tmp_path)).output
    assert "ocf:nfvd:vip" in listing and "not installed" not in listing
    assert os.access(tmp_path / "resource.d/nfvd/shared-fs", os.X_OK)


def test_agents_install_unwritable_root_is_an_error():
    result = invoke("agents", "install", "--ocf-root", "/proc/nfvd")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: /proc/nfvd") and "cannot write" in result.stderr
    assert "Traceback" not in result.output


PLANTED = "import os\nopen({marker!r}, 'w').write('ran as uid %d' % os.getuid())\n"


def _plant(directory, marker):
    """An agents/vip.py (and a runtime, and stdlib names the agents import) that records
    that it ran, in ``directory``."""
    for rel in ("agents/__init__.py", "agents/vip.py", "nfvd_ocf/__init__.py",
                "nfvd_ocf/runtime.py", "errno.py", "select.py", "struct.py", "signal.py",
                "rel/lib/nfvd/agents/__init__.py", "rel/lib/nfvd/agents/vip.py",
                "rel/lib/nfvd/nfvd_ocf/__init__.py", "rel/lib/nfvd/nfvd_ocf/runtime.py"):
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PLANTED.format(marker=str(marker)))


@pytest.mark.parametrize("root", ["rel", "./rel", "rel/../rel", "{tmp}/../{name}/ocf-x",
                                  "{tmp}//ocf-x", "{tmp}/ocf-x/", "{tmp}/./ocf-x", ""])
def test_agents_install_takes_an_absolute_canonical_root_only(tmp_path, monkeypatch, root):
    """`--ocf-root rel` was accepted; the launchers then imported from the caller's working
    directory (a planted agents/vip.py ran as uid 0)."""
    monkeypatch.chdir(tmp_path)
    root = root.format(tmp=tmp_path, name=tmp_path.name)
    result = invoke("agents", "install", "--ocf-root", root)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: --ocf-root {root}: ") and \
        "absolute" in result.stderr
    assert os.listdir(tmp_path) == []                                  # nothing written


def test_the_launchers_never_import_from_the_callers_directory_or_environment(tmp_path,
                                                                              monkeypatch):
    import subprocess
    root, planted, marker = tmp_path / "ocf", tmp_path / "cwd", tmp_path / "ran"
    _plant(planted, marker)
    (tmp_path / "admin").mkdir()
    monkeypatch.chdir(tmp_path / "admin")
    result = invoke("agents", "install", "--ocf-root", "rel")  # (refused: see above)
    if result.exit_code == 0:  # launchers that import from "rel", wherever they are run
        done = subprocess.run([str(tmp_path / "admin/rel/resource.d/nfvd/vip"), "meta-data"],
                              capture_output=True, text=True, timeout=30, cwd=planted)
        assert not marker.exists(), marker.read_text() + done.stderr
    assert invoke("agents", "install", "--ocf-root", str(root)).exit_code == 0
    for program in ("resource.d/nfvd/vip", "lib/nfvd/holds-address"):
        done = subprocess.run([str(root / program), "meta-data"], capture_output=True,
                              text=True, timeout=30, cwd=planted,
                              env={"PATH": os.environ["PATH"], "PYTHONPATH": str(planted),
                                   "PYTHONHOME": "", "PYTHONSTARTUP": str(planted / "errno.py"),
                                   "PYTHONINSPECT": ""})
        assert not marker.exists(), f"{program}: {marker.read_text()}"
    text = (root / "resource.d/nfvd/vip").read_text()
    assert text.splitlines()[0].endswith(" -IS")  # isolated: no cwd, no PYTHON* variables
