"""Maintenance commands: ``maintenance start|stop|status`` and the ``controller``."""

import contextlib
import sys
from typing import TYPE_CHECKING

import click

from .. import paths
from ..roles import ROLES, drain_defaults
from .base import Group, nfvd_ha_executable

if TYPE_CHECKING:
    from ..commands.maintenance.command import Maintenance
    from ..commands.maintenance.peers import PeerSource

role_option = click.option(
    "--role", envvar="NFVD_HA_ROLE", type=click.Choice(list(ROLES)),
    help="This VM's role (default: told by the installed NFVD components).")
lock_option = click.option("--lock", default=paths.LOCK, show_default=True,
                           type=click.Path(), help="The maintenance lock.")


def _maintenance(role: str | None, lock: str, timeout: float = 300,
                 peers: "PeerSource | None" = None) -> "Maintenance":
    from ..commands.maintenance.command import Maintenance
    from ..commands.maintenance.reconcile import MaintenanceFiles, ReconcileOptions
    return Maintenance(ReconcileOptions(files=MaintenanceFiles(lock=lock), role=role,
                                        timeout=timeout, progress=click.echo), peers=peers)


@click.group(cls=Group)
def maintenance() -> None:
    """The guide's maintenance_mode.sh: put this VM in or out of maintenance."""


@maintenance.command("start")
@role_option
@lock_option
@click.option("--drain", type=click.FloatRange(0, 3600), default=None,
              help="Seconds for the load balancer to drain this VM before its services stop "
                   f"(default {drain_defaults()}).")
@click.option("--timeout", type=click.FloatRange(1, 86400), default=300, show_default=True,
              help="Seconds to wait for the resources to leave this node.")
@click.option("--force", is_flag=True,
              help="Go ahead even when no other node can take over (what runs here stops).")
@click.option("--peer", "peer", multiple=True, metavar="HOST[:PORT]",
              help="GUI/SiteScope: a peer whose health endpoint must say it serves "
                   "(repeatable; default: the definition's load balancer servers).")
@click.option("--definition", envvar="NFVD_HA_DEFINITION", default=paths.DEFINITION,
              show_default=True, type=click.Path(),
              help="GUI/SiteScope: the definition naming this VM's peers.")
@click.option("--peer-timeout", type=click.FloatRange(0.1, 60), default=3, show_default=True,
              help="Seconds a peer's health endpoint has to answer.")
def maintenance_start(role: str | None, lock: str, drain: float | None, timeout: float, force: bool,
                      peer: tuple[str, ...], definition: str, peer_timeout: float) -> None:
    """Switch over (standby), then stop this VM's active/active services."""
    from ..commands.maintenance.peers import PeerSource
    peers = PeerSource(peer, definition, timeout=peer_timeout)
    sys.exit(_maintenance(role, lock, timeout, peers).start(drain, force))


@maintenance.command("stop")
@role_option
@lock_option
def maintenance_stop(role: str | None, lock: str) -> None:
    """Back in service: leave standby (no failback), start active/active services."""
    sys.exit(_maintenance(role, lock).stop())


@maintenance.command("status")
@role_option
@lock_option
def maintenance_status(role: str | None, lock: str) -> None:
    """Whether this VM is in maintenance, in the guide's words."""
    sys.exit(_maintenance(role, lock).status())


@click.group(cls=Group, invoke_without_command=True)
@role_option
@lock_option
@click.option("--tick", type=click.FloatRange(0.2, 3600), default=5, show_default=True,
              help="Seconds between level-triggered passes (events act at once).")
@click.option("--timeout", type=click.FloatRange(1, 86400), default=300, show_default=True)
@click.pass_context
def controller(ctx: click.Context, role: str | None, lock: str, tick: float,
               timeout: float) -> None:
    """Keep this node where the maintenance lock says (pyinotify + level-triggered)."""
    if ctx.invoked_subcommand:
        return
    import logging

    from ..commands.maintenance.controller import Controller, hold_instance_lock
    from ..commands.maintenance.reconcile import MaintenanceFiles, ReconcileOptions
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s nfvd-ha-controller[%(process)d]: %(message)s")
    hold_instance_lock()
    with contextlib.suppress(KeyboardInterrupt):
        Controller(ReconcileOptions(files=MaintenanceFiles(lock=lock), role=role,
                                    timeout=timeout), tick=tick).run()


@controller.command("install-unit")
@click.option("--path", default=paths.CONTROLLER_UNIT, show_default=True,
              type=click.Path())
def controller_install_unit(path: str) -> None:
    """Install the systemd unit (then: systemctl daemon-reload; systemctl enable --now ...)."""
    from ..commands.maintenance.unit import install_unit
    install_unit(path, nfvd_ha_executable())
    click.echo(f"installed {path}")


COMMANDS = (maintenance, controller)
