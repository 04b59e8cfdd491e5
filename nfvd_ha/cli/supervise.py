"""``nfvd-ha supervise``: restart this VM's active/active services in place, then take the
node out of the load balancer and raise an alert (guide 2.9, without cron)."""

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import paths
from ..roles import ROLES
from .base import Group, nfvd_ha_executable

ROLE = click.Choice(list(ROLES))


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed((
            click.option("--role", envvar="NFVD_HA_ROLE", type=ROLE, default=None,
                         help="This VM's role (default: told by the installed components)."),
            click.option("--interval", type=click.FloatRange(0.5, 3600), default=10,
                         show_default=True, help="Seconds between looks at the status table."),
            click.option("--restarts", type=click.IntRange(0, 100), default=3,
                         show_default=True, help="Restarts in place before giving up."),
            click.option("--window", type=click.FloatRange(1, 86400), default=600,
                         show_default=True, help="Seconds over which restarts are counted."),
            click.option("--alert", type=click.Path(), default=None,
                         help="A Pacemaker alert agent (e.g. /usr/share/pacemaker/alerts/"
                              "alert_smtp.sh.sample) told when restarts are exhausted."),
            click.option("--recipient", "recipients", multiple=True,
                         help="The agent's recipient (repeatable): address, host or file."))):
        command = option(command)
    return command


@click.group(cls=Group, invoke_without_command=True)
@_options
@click.pass_context
def supervise(ctx: click.Context, role: str | None, interval: float, restarts: int, window: float,
              alert: str | None, recipients: tuple[str, ...]) -> None:
    """Supervise this VM's NFVD services (GUI, SiteScope; FF and AA on heartbeat hosts)."""
    if ctx.invoked_subcommand:
        return
    from ..commands.supervise import SuperviseOptions, run
    options = SuperviseOptions(role, interval, restarts, window, alert, tuple(recipients))
    try:
        run(options, say=lambda text: click.echo(text, err=True))
    except KeyboardInterrupt:
        sys.exit(0)


@supervise.command("install-unit")
@_options
@click.option("--path", default=paths.SUPERVISE_UNIT, show_default=True,
              type=click.Path())
def supervise_install_unit(role: str | None, interval: float, restarts: int, window: float,
                           alert: str | None, recipients: tuple[str, ...], path: str) -> None:
    """Install the systemd unit running the supervisor with these options."""
    from ..commands.supervise import SuperviseOptions, install_unit
    install_unit(path, nfvd_ha_executable(),
                 SuperviseOptions(role, interval, restarts, window, alert, tuple(recipients)))
    click.echo(f"installed {path}")
    click.echo("then: systemctl daemon-reload && systemctl enable --now "
               f"{os.path.basename(path)}")


COMMANDS = (supervise,)
