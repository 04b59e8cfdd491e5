"""``nfvd-ha lab up|status|down``."""

import click

from ..commands.lab import STACKS
from .base import Group


@click.group(cls=Group)
def lab() -> None:
    """The Docker lab of the reference topology (needs a source checkout and Docker)."""


@lab.command("up")
@click.option("--stack", type=click.Choice(STACKS), default=None,
              help="the platform the nodes run: bookworm (Debian 12, Pacemaker 2.1) or trixie "
                   "(Debian 13, Pacemaker 3.0); default $NFVD_HA_LAB_STACK, else bookworm")
def lab_up(stack: str | None) -> None:
    """Render, build the images, start the lab, load the CIB; then show its status."""
    from ..commands import lab as use_case
    _show(use_case.up(progress=lambda text: click.echo(text, err=True), stack=stack))


@lab.command("status")
def lab_status() -> None:
    """What the lab's clusters and VIPs say."""
    from ..commands import lab as use_case
    _show(use_case.status())


@lab.command("down")
def lab_down() -> None:
    """Stop and remove the lab's containers and network."""
    from ..commands import lab as use_case
    use_case.down()
    click.echo("lab removed")


def _show(parts: list[tuple[str, str]]) -> None:
    for title, text in parts:
        click.echo(f"== {title}\n{text.rstrip()}\n")


COMMANDS = (lab,)
