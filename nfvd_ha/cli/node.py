"""``nfvd-ha node setup``: this host as a node of its cluster, from the definition."""

import click

from .base import Group


@click.group(cls=Group)
def node() -> None:
    """This host as a node of a cluster of the definition."""


@node.command("setup")
@click.argument("definition", type=click.Path())
@click.option("--node", "name", required=True, help="This host's node name (its uname -n).")
@click.option("--keys", "keys_dir", required=True, type=click.Path(),
              help="The directory `nfvd-ha keygen` wrote (CLUSTER/authkey), copied here.")
@click.option("--qdevice-ca", type=click.Path(),
              help="The quorum device's CA certificate (qnetd-cacert.crt).")
@click.option("--qdevice-p12", type=click.Path(),
              help="This cluster's certificate issued by qnetd (qdevice-net-node.p12).")
@click.option("--check", is_flag=True, help="Only list what would change.")
@click.option("--no-start", is_flag=True,
              help="Write the configuration only: enable and start nothing (a heartbeat "
                   "host being migrated starts corosync alone first).")
@click.option("--timeout", default=120, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds to wait for the node to join (with systemd).")
def node_setup(definition: str, name: str, keys_dir: str, qdevice_ca: str | None,
               qdevice_p12: str | None, check: bool, no_start: bool, timeout: int) -> None:
    """Check this host, then write the agents, corosync.conf, the authkey and the quorum
    device's certificate that differ, enable and start corosync and pacemaker (systemd) and
    wait until the node is online. Idempotent; --check changes nothing."""
    from ..commands import node_setup as use_case
    qdevice = (qdevice_ca or "", qdevice_p12 or "") if qdevice_ca or qdevice_p12 else None
    use_case.setup(use_case.SetupOptions(definition, name, keys_dir, qdevice=qdevice,
                                         check=check, start=not no_start, timeout=timeout),
                   click.echo)


COMMANDS = (node,)
