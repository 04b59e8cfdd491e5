"""packaging/generate.py: nfvd-ha(8) from the click command tree, ocf_nfvd_NAME(7) from each
agent's meta-data, and bash completion, as the packages install them. The pages format
without a warning from man/groff (as lintian checks them), name every command, option,
parameter and action there is, and the completion completes from the CLI itself."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from agents import AGENTS
from nfvd_ha.cli import main as cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(REPO, "packaging", "generate.py")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    done = subprocess.run([sys.executable, GENERATE, str(out), "--date", "2026-12-01"],
                          cwd="/", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def rendered(path):
    """The page as man shows it (80 columns), and man's and groff's warnings."""
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    done = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", str(path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["man", "-E", "UTF-8", "-l", "-Tutf8", str(path)], env=dict(
        env, MAN_KEEP_FORMATTING="0"), capture_output=True, text=True, timeout=60).stdout
    plain = subprocess.run(["col", "-bx"], input=text, capture_output=True, text=True,
                           timeout=60).stdout
    return " ".join(plain.split()), done.stderr


def test_it_writes_one_page_per_agent_the_cli_page_and_the_completion(generated):
    found = sorted(os.path.relpath(os.path.join(d, f), generated)
                   for d, _, files in os.walk(generated) for f in files)
    assert found == sorted(["bash-completion/nfvd-ha", "man8/nfvd-ha.8"]
                           + [f"man7/ocf_nfvd_{name}.7" for name in AGENTS])


def test_every_page_formats_without_a_warning(generated):
    for page in [generated / "man8" / "nfvd-ha.8"] + sorted((generated / "man7").iterdir()):
        _, warnings = rendered(page)
        assert warnings == "", (page.name, warnings)


def walk(command, ctx):
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield from walk(sub, click.Context(sub, info_name=name, parent=ctx))


def test_the_cli_page_has_every_command_and_option(generated):
    text, _ = rendered(generated / "man8" / "nfvd-ha.8")
    assert text.startswith("NFVD-HA(8) System Administration NFVD-HA(8) NAME nfvd-ha - High "
                           "availability for HPE NFV Director on Pacemaker/Corosync")
    commands = list(walk(cli, click.Context(cli, info_name="nfvd-ha")))[1:]
    assert len(commands) > 30
    for command, ctx in commands:
        assert f"{ctx.command_path} [OPTIONS]" in text, ctx.command_path
        first = " ".join(command.help.split("\n\n")[0].replace("`", "").split())
        assert first in text, ctx.command_path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.opts[0] in text, (ctx.command_path, param.opts)
    assert "0 Success. 1 An error: one Error: ... line per problem" in text
    assert "OCF_ROOT The default of nfvd-ha agents install --ocf-root, nfvd-ha agents list " \
           "--ocf-root." in text
    assert "/etc/nfvd-ha/health.env" in text
    assert "2026-12-01" in text and "nfvd-ha 0.1.0" in text


def test_an_agent_page_has_its_metadata(generated):
    from agents.shared_fs import AGENT
    text, _ = rendered(generated / "man7" / "ocf_nfvd_shared-fs.7")
    assert text.startswith("OCF_NFVD_SHARED-FS(7) OCF resource agents OCF_NFVD_SHARED-FS(7) "
                           f"NAME ocf_nfvd_shared-fs - {AGENT.shortdesc} SYNOPSIS shared-fs "
                           "[start | stop | monitor | meta-data | validate-all]")
    for param in AGENT.params:
        assert f" {param.name} {param.shortdesc}" in text, param.name
    assert "directory Mount point. Canonical absolute path, e.g. /var/opt/UCA-EBC" in text
    assert "(required, string, no default, unique in group directory)" in text
    assert '(optional, string, default "nfs")' in text
    assert "monitor Checks the resource's state. Suggested minimum timeout: 40s. Suggested " \
           "interval: 60s. Depth (OCF_CHECK_LEVEL): 10." in text
    assert "primitive p_shared-fs ocf:nfvd:shared-fs \\ params \\ device=value \\ " \
           "directory=value \\ op monitor" in text
    assert 'pcs resource create p_shared-fs ocf:nfvd:shared-fs \\ device=value \\ ' \
           'directory=value \\ op monitor timeout="40s" interval="20s" OCF_CHECK_LEVEL="0"' \
           in text


def test_every_agent_page_lists_every_parameter_and_action(generated):
    import importlib
    for name, module in AGENTS.items():
        agent = importlib.import_module(f"agents.{module}").AGENT
        text, _ = rendered(generated / "man7" / f"ocf_nfvd_{name}.7")
        for param in agent.params:
            assert f" {param.name} " in text, (name, param.name)
        for action in agent.actions:
            assert f" {action.name} " in text and f"timeout: {action.timeout}s" in text, \
                (name, action.name)


def complete(generated, tmp_path, words):
    """What bash completion offers for ``words`` (the last one being typed), with nfvd-ha on
    PATH being this tree's CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    launcher = bin_dir / "nfvd-ha"
    launcher.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {REPO!r})\n"
                        "from nfvd_ha.cli import main\nmain()\n")
    launcher.chmod(0o755)
    script = (f"source {generated / 'bash-completion' / 'nfvd-ha'}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); "
              f"COMP_CWORD={len(words) - 1}\n"
              "_nfvd_ha_completion nfvd-ha\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                          text=True, env=dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin"),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_commands_subcommands_and_choices(generated, tmp_path):
    assert complete(generated, tmp_path, ["nfvd-ha", "va"]) == ["validate"]
    assert complete(generated, tmp_path, ["nfvd-ha", "health", ""]) == ["install-unit", "serve"]
    assert complete(generated, tmp_path, ["nfvd-ha", "health", "serve", "--role", ""]) == \
        ["gui", "sitescope", "ffapi"]
    assert "--timeout" in complete(generated, tmp_path, ["nfvd-ha", "node", "setup", "--t"])
    assert "complete -o nosort -F _nfvd_ha_completion nfvd-ha" in \
        (generated / "bash-completion" / "nfvd-ha").read_text()


def test_the_pages_of_one_commit_are_the_same_bytes(generated, tmp_path):
    subprocess.run([sys.executable, GENERATE, str(tmp_path), "--date", "2026-12-01"],
                   check=True, capture_output=True, timeout=120)
    for d, _, files in os.walk(generated):
        for f in files:
            ours = os.path.join(d, f)
            theirs = os.path.join(tmp_path, os.path.relpath(ours, generated))
            assert Path(ours).read_text() == Path(theirs).read_text(), f
