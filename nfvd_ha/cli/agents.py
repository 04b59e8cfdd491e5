"""``nfvd-ha agents install|list``."""

import click

from .. import paths
from .base import Group


@click.group(cls=Group)
def agents() -> None:
    """The OCF resource agents (ocf:nfvd:*)."""


@agents.command("install")
@click.option("--ocf-root", envvar="OCF_ROOT", default=paths.OCF_ROOT, show_default=True)
@click.option("--python", "python", default=None,
              help="Interpreter for the agents (default: the system's python3 when 3.9 "
                   "or later, else the one running nfvd-ha).")
@click.option("--destdir", default=None, type=click.Path(),
              help="Packaging: write under DESTDIR, the agents still pointing at OCF_ROOT.")
def agents_install(ocf_root: str, python: str | None, destdir: str | None) -> None:
    """Install the agents and their runtime into OCF_ROOT (resource.d/nfvd, lib/nfvd)."""
    from ..commands import agents_install as use_case
    for path in use_case.install(ocf_root, python, destdir):
        click.echo(f"installed {path}")


@agents.command("list")
@click.option("--ocf-root", envvar="OCF_ROOT", default=paths.OCF_ROOT, show_default=True)
def agents_list(ocf_root: str) -> None:
    """List the agents and whether they are installed."""
    from ..commands import agents_install as use_case
    for name, path, installed in use_case.listing(ocf_root):
        click.echo(f"{name:<24} {'installed' if installed else 'not installed':<14} {path}")


COMMANDS = (agents,)
