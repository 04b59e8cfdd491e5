"""``nfvd-ha upgrade check|begin|end``: the guide's upgrade (4.4), one checked step at a time."""

from typing import TYPE_CHECKING

import click

from .. import paths
from .base import Group

if TYPE_CHECKING:
    from ..commands.upgrade import Upgrade

platform_option = click.option(
    "--platform", type=click.Choice(["secondary", "primary"]), default=None,
    help="This node's platform (default: primary on the groups' preferred node).")
timeout_option = click.option("--timeout", type=click.FloatRange(1, 86400), default=300,
                              show_default=True, help="Seconds to wait for the cluster.")
lock_option = click.option("--lock", default=paths.LOCK, show_default=True, type=click.Path(),
                           help="The maintenance lock.")


def _upgrade(lock: str, timeout: float) -> "Upgrade":
    from ..commands.maintenance.reconcile import MaintenanceFiles, ReconcileOptions
    from ..commands.upgrade import Upgrade
    return Upgrade(ReconcileOptions(files=MaintenanceFiles(lock=lock), timeout=timeout,
                                    progress=click.echo))


@click.group(cls=Group)
def upgrade() -> None:
    """Upgrade an HA platform as the guide says (4.4), secondary first, each step checked."""


@upgrade.command("check")
@platform_option
@lock_option
def upgrade_check(platform: str | None, lock: str) -> None:
    """Is it safe to upgrade this node now? (Changes nothing.)"""
    _upgrade(lock, 300).check(platform)


@upgrade.command("begin")
@platform_option
@lock_option
@timeout_option
def upgrade_begin(platform: str | None, lock: str, timeout: float) -> None:
    """Check, then bring the groups here and enter maintenance in place for the installer."""
    _upgrade(lock, timeout).begin(platform)


@upgrade.command("end")
@lock_option
@timeout_option
@click.option("--force", is_flag=True,
              help="Leave maintenance even if the installer left services stopped here.")
def upgrade_end(lock: str, timeout: float, force: bool) -> None:
    """After the installer: leave maintenance, wait until settled, record the step done."""
    _upgrade(lock, timeout).end(force)


COMMANDS = (upgrade,)
