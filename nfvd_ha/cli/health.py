"""``nfvd-ha health serve`` and ``install-unit``."""

import click

from .. import paths
from ..endpoints import ENDPOINTS
from .base import Group, nfvd_ha_executable

ENDPOINT_CHOICE = click.Choice(list(ENDPOINTS))


@click.group(cls=Group)
def health() -> None:
    """Health endpoints for the load balancer."""


@health.command("serve")
@click.option("--role", "endpoints", multiple=True, required=True, type=ENDPOINT_CHOICE)
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on; the load balancer's checks need this node's own "
                   "address (0.0.0.0 for every address).")
@click.option("--port", "ports", multiple=True, metavar="ROLE=PORT",
              help="Serve ROLE on PORT instead of the guide's (repeatable).")
@click.option("--lock", default=paths.LOCK, show_default=True,
              help="Maintenance lock: while it exists, report unavailable.")
def health_serve(endpoints: tuple[str, ...], bind: str, ports: tuple[str, ...], lock: str) -> None:
    """Serve GUI :3001, SiteScope :8898, FF API :8081 health (the guide's texts)."""
    from ..commands import health as use_case
    use_case.serve(endpoints, lock, bind, ports=_ports(ports),
                   announce=lambda text: click.echo(text, err=True))


@health.command("install-unit")
@click.option("--role", "endpoints", multiple=True, required=True, type=ENDPOINT_CHOICE)
@click.option("--bind", required=True,
              help="This node's address the load balancer checks (0.0.0.0: every address).")
@click.option("--port", "ports", multiple=True, metavar="ROLE=PORT",
              help="Serve ROLE on PORT instead of the guide's (repeatable).")
@click.option("--take-over-xinetd", is_flag=True,
              help="Disable the guide's xinetd checks on the same ports (originals kept).")
@click.option("--xinetd-dir", default=paths.XINETD_DIR, show_default=True,
              type=click.Path())
@click.option("--path", default=paths.HEALTH_UNIT, show_default=True,
              type=click.Path())
def health_install_unit(endpoints: tuple[str, ...], bind: str, ports: tuple[str, ...],
                        take_over_xinetd: bool, xinetd_dir: str, path: str) -> None:
    """Install the systemd unit serving ROLEs (the guide's ports unless --port)."""
    from ..commands.health_unit import install
    for line in install(path, nfvd_ha_executable(), endpoints, bind, _ports(ports),
                        take_over_xinetd, xinetd_dir):
        click.echo(line)


def _ports(pairs: tuple[str, ...]) -> dict[str, int]:
    from ..errors import NfvdHaError
    found = {}
    for pair in pairs:
        endpoint, _, port = pair.partition("=")
        if endpoint not in ENDPOINTS or not (
                port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise NfvdHaError(f"--port {pair}: expected ROLE=PORT, ROLE one of "
                              f"{', '.join(ENDPOINTS)}, PORT 1-65535")
        found[endpoint] = int(port)
    return found


COMMANDS = (health,)
