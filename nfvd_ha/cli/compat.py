"""``nfvd-ha compat ...``: the guide's heartbeat runbook commands, answered by Pacemaker."""

import os
import sys

import click

from .. import paths
from ..errors import NfvdHaError
from .base import Group, nfvd_ha_executable


@click.group(cls=Group)
def compat():
    """The guide's heartbeat runbook commands, answered by Pacemaker."""


def _cluster():
    from ..adapters.pacemaker import Cluster
    from ..adapters.runner import Runner
    return Cluster(Runner())


@compat.command("cl_status")
@click.argument("what", type=click.Choice(["rscstatus"]))
def compat_cl_status(what):
    """cl_status rscstatus: all | local | foreign | none."""
    from heartbeat_compat.shims import rscstatus
    click.echo(rscstatus(_cluster()))


@compat.command("hb_standby")
@click.argument("which", default="all", type=click.Choice(["all", "local", "foreign"]))
@click.option("--timeout", type=click.FloatRange(1, 3600), default=120, show_default=True)
def compat_hb_standby(which, timeout):
    """hb_standby [all|local|foreign]: hand these groups to the peer."""
    from heartbeat_compat.shims import standby
    standby(_cluster(), which, timeout, click.echo)


@compat.command("activator-ep")
@click.option("--script", default=paths.ACTIVATOR_EP, show_default=True,
              help="NFVD's own activator-ep script.")
@click.argument("action")
def compat_activator_ep(script, action):
    """/etc/init.d/activator-ep: check/status as the guide shows; start/stop guarded."""
    from heartbeat_compat.shims import GUARDED, guarded
    if action in GUARDED and not os.environ.get("OCF_RESOURCE_INSTANCE"):
        guarded("activator-ep", action, "activator-ep")
    try:
        os.execv(script, [script, action])  # the agent itself (OCF env) or check/status
    except OSError as exc:
        raise NfvdHaError(f"{script}: cannot run: {exc.strerror}") from None


@compat.command("nfvd")
@click.option("--nfv-director", default=paths.NFV_DIRECTOR, show_default=True)
@click.argument("action")
def compat_nfvd(nfv_director, action):
    """/etc/init.d/nfvd: status as the guide shows (5.3); start/stop guarded."""
    from heartbeat_compat.shims import GUARDED, guarded, nfvd_status
    from ..adapters.runner import Runner
    from ..adapters.services import Services
    if action in GUARDED:
        guarded("nfvd", action, "nfvd-assurance")
    if action != "status":
        raise NfvdHaError(f"/etc/init.d/nfvd {action}: usage: nfvd {{status}}")
    lines, code = nfvd_status(Services(Runner(), nfv_director).rows())
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
def compat_install(only, activator_ep_script, root, force):
    """Install the opt-in runbook shims: cl_status, hb_standby, /etc/init.d/activator-ep,
    /etc/init.d/nfvd, maintenance_mode.sh (+ gui_/aa_/sis_ variants)."""
    from ..commands import compat as use_case
    report = use_case.install(root, only, force, nfvd_ha_executable(), activator_ep_script)
    for path in report["kept"]:
        click.echo(f"kept a copy of {path} as {path}.nfvd-ha-orig")
    for path in report["installed"]:
        click.echo(f"installed {path}")


COMMANDS = (compat,)
