"""Definition commands: example, validate, render, keygen, import-heartbeat."""

import os
from typing import Any

import click

from .base import warn

DEFINITION = click.argument("definition", type=click.Path())


@click.command()
def example() -> None:
    """Print the built-in reference definition (the guide's topology)."""
    from ..commands import definition as use_case
    click.echo(use_case.example(), nl=False)


@click.command()
@DEFINITION
def validate(definition: str) -> None:
    """Check DEFINITION; report every problem with its file, key and line."""
    from ..commands import definition as use_case
    loaded, notes = use_case.validate(definition)
    for text in notes:
        warn(text)
    for cluster in loaded.clusters:
        click.echo(f"cluster {cluster.name}: {len(cluster.nodes)} nodes, "
                   f"{len(cluster.resources)} resources, {len(cluster.groups)} groups, "
                   f"{len(cluster.clones)} clones")
    if loaded.loadbalancer:
        click.echo(f"loadbalancer: {len(loaded.loadbalancer.services)} services")
    click.echo(f"{definition}: valid")


@click.command()
@DEFINITION
@click.option("--out", required=True, type=click.Path(),
              help="Directory to write into.")
@click.option("--target", "targets", multiple=True, default=("all",), show_default=True,
              type=click.Choice(["cib", "corosync", "heartbeat", "haproxy", "f5", "openstack",
                                 "mounts", "all"]))
@click.option("--force", is_flag=True, help="Replace existing key files too.")
def render(definition: str, out: str, targets: tuple[str, ...], force: bool) -> None:
    """Render DEFINITION into OUT: CIB, corosync.conf, heartbeat, haproxy.cfg, F5 AS3/tmsh,
    OpenStack allowed address pairs, boot mounts of the hosts outside clusters."""
    from ..commands import render as use_case
    chosen = use_case.TARGETS if "all" in targets else tuple(targets)
    report = use_case.render(definition, out, chosen, force)
    _report(out, report, "existing key; --force replaces it")


@click.command()
@DEFINITION
@click.option("--out", required=True, type=click.Path())
@click.option("--force", is_flag=True, help="Replace existing key files.")
def keygen(definition: str, out: str, force: bool) -> None:
    """Generate the shared keys DEFINITION's clusters need (never printed)."""
    from ..commands import render as use_case
    _report(out, use_case.keygen(definition, out, force), "exists; --force replaces it")


def _report(out: str, report: dict[str, Any], kept_why: str) -> None:
    for text in report["warnings"]:
        warn(text)
    for rel in report["written"]:
        click.echo(f"wrote {os.path.join(out, rel)}")
    for rel in report["kept"]:
        click.echo(f"kept  {os.path.join(out, rel)} ({kept_why})")


@click.command("import-heartbeat")
@click.argument("directory", type=click.Path())
@click.option("--name", help="Cluster name (default: the directory's name).")
@click.option("--address", "addresses", multiple=True, metavar="NODE=IP",
              help="Address of a node, when ha.cf's ucast lines do not say.")
@click.option("--out", type=click.Path(), help="Write here (default: stdout).")
def import_heartbeat(directory: str, name: str | None, addresses: tuple[str, ...],
                     out: str | None) -> None:
    """Turn DIRECTORY's ha.cf + haresources into a definition."""
    from ..commands import importing as use_case
    text, warnings = use_case.import_definition(directory, name, addresses, out)
    for said in warnings:
        warn(said)
    if out:
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


COMMANDS = (example, validate, render, keygen, import_heartbeat)
