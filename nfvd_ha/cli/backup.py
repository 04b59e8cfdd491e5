"""``nfvd-ha backup`` / ``nfvd-ha restore``: this node's HA layer into one 0600 archive, and
back onto a rebuilt node."""

import click

from .. import paths


@click.command("backup")
@click.argument("archive", type=click.Path())
@click.option("--definition", type=click.Path(), default=None,
              help=f"The definition to keep with it (default: {paths.DEFINITION} if there).")
def backup(archive: str, definition: str | None) -> None:
    """This node's HA layer into ARCHIVE: corosync.conf, the authkey, the quorum device's
    certificates, the live CIB, the definition (created, never overwritten; 0600)."""
    from ..commands import backup as use_case
    manifest = use_case.backup(archive, definition=definition)
    click.echo(f"wrote {archive} (0600): cluster {manifest['cluster']}, taken on "
               f"{manifest['node']}, CIB epoch {manifest['cib'][1]}, "
               f"{len(manifest['members'])} files: {', '.join(manifest['members'])}")


@click.command("restore")
@click.argument("archive", type=click.Path())
@click.option("--cluster", default=None, help="Refuse an archive of any other cluster.")
@click.option("--force", is_flag=True,
              help="Replace files this host has that differ from the archive's.")
@click.option("--no-start", is_flag=True, help="Write the files only; start nothing.")
@click.option("--timeout", default=120, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds to wait for the node to join (with systemd).")
@click.option("--definition-to", default=paths.DEFINITION, show_default=True,
              type=click.Path(), help="Where the archive's definition goes.")
def restore(archive: str, cluster: str | None, force: bool, no_start: bool, timeout: int,
            definition_to: str) -> None:
    """A backup onto a rebuilt node (its stack stopped): check ARCHIVE, write corosync.conf,
    the authkey, the quorum device's certificates and the definition, then (systemd) start
    the stack and wait until the node rejoins."""
    from ..commands import backup as use_case
    manifest = use_case.restore(use_case.RestoreOptions(
        archive, cluster=cluster, force=force, start=not no_start, timeout=timeout,
        definition_to=definition_to), click.echo)
    click.echo(f"restored cluster {manifest['cluster']} (backup taken on {manifest['node']} "
               f"at {manifest.get('created', '?')})")


COMMANDS = (backup, restore)
