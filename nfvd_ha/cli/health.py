"""``nfvd-ha health serve``."""

import click

from .. import paths
from .base import Group


@click.group(cls=Group)
def health():
    """Health endpoints for the load balancer."""


@health.command("serve")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["gui", "sitescope", "ffapi"]))
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on; the load balancer's checks need this node's own "
                   "address (0.0.0.0 for every address).")
@click.option("--port", "ports", multiple=True, metavar="ROLE=PORT",
              help="Serve ROLE on PORT instead of the guide's (repeatable).")
@click.option("--lock", default=paths.LOCK, show_default=True,
              help="Maintenance lock: while it exists, report unavailable.")
def health_serve(roles, bind, ports, lock):
    """Serve GUI :3001, SiteScope :8898, FF API :8081 health (the guide's texts)."""
    from .. import health as use_case
    use_case.serve(roles, lock, bind, ports=_ports(ports),
                   announce=lambda text: click.echo(text, err=True))


def _ports(pairs):
    from ..errors import NfvdHaError
    found = {}
    for pair in pairs:
        role, _, port = pair.partition("=")
        if role not in ("gui", "sitescope", "ffapi") or not (
                port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise NfvdHaError(f"--port {pair}: expected ROLE=PORT, ROLE one of gui, "
                              "sitescope, ffapi, PORT 1-65535")
        found[role] = int(port)
    return found


COMMANDS = (health,)
