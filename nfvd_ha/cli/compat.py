"""``nfvd-ha compat ...``: the guide's heartbeat runbook commands, answered by Pacemaker."""

import sys

import click

from .. import paths
from .base import Group, nfvd_ha_executable


@click.group(cls=Group)
def compat() -> None:
    """The guide's heartbeat runbook commands, answered by Pacemaker."""


@compat.command("cl_status")
@click.argument("what", type=click.Choice(["rscstatus"]))
def compat_cl_status(what: str) -> None:
    """cl_status rscstatus: all | local | foreign | none."""
    from ..commands import compat as use_case
    click.echo(use_case.cl_status())


@compat.command("hb_standby")
@click.argument("which", default="all", type=click.Choice(["all", "local", "foreign"]))
@click.option("--timeout", type=click.FloatRange(1, 3600), default=120, show_default=True)
def compat_hb_standby(which: str, timeout: float) -> None:
    """hb_standby [all|local|foreign]: hand these groups to the peer."""
    from ..commands import compat as use_case
    use_case.hb_standby(which, timeout, click.echo)


@compat.command("activator-ep")
@click.option("--script", default=paths.ACTIVATOR_EP, show_default=True,
              help="NFVD's own activator-ep script.")
@click.argument("action")
def compat_activator_ep(script: str, action: str) -> None:
    """/etc/init.d/activator-ep: check/status as the guide shows; start/stop guarded."""
    from ..commands import compat as use_case
    use_case.activator_ep(action, script)


@compat.command("nfvd")
@click.option("--nfv-director", default=paths.NFV_DIRECTOR, show_default=True)
@click.argument("action")
def compat_nfvd(nfv_director: str, action: str) -> None:
    """/etc/init.d/nfvd: status as the guide shows (5.3); start/stop guarded."""
    from ..commands import compat as use_case
    lines, code = use_case.nfvd(action, nfv_director)
    click.echo("\n".join(lines))
    sys.exit(code)


@compat.command("install")
@click.option("--only", "only", multiple=True, help="Install just these shims (repeatable).")
@click.option("--activator-ep-script", default=paths.ACTIVATOR_EP, show_default=True,
              help="NFVD's own activator-ep, called by the shim.")
@click.option("--root", default="/", show_default=True, type=click.Path(),
              help="Install under this root (packaging, tests).")
@click.option("--force", is_flag=True, help="Replace files that are not shims (kept as "
              "<path>.nfvd-ha-orig).")
def compat_install(only: tuple[str, ...], activator_ep_script: str, root: str, force: bool) -> None:
    """Install the opt-in runbook shims: cl_status, hb_standby, /etc/init.d/activator-ep,
    /etc/init.d/nfvd, maintenance_mode.sh (+ gui_/aa_/sis_ variants)."""
    from ..commands import compat as use_case
    report = use_case.install(root, only, force, nfvd_ha_executable(), activator_ep_script)
    for path in report["kept"]:
        click.echo(f"kept a copy of {path} as {path}.nfvd-ha-orig")
    for path in report["installed"]:
        click.echo(f"installed {path}")


COMMANDS = (compat,)
