"""``nfvd-ha status``."""

import click

from .. import paths


@click.command("status")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--nfv-director", default=paths.NFV_DIRECTOR, show_default=True)
@click.option("--timeout", type=click.FloatRange(1, 600), default=60, show_default=True,
              help="Seconds nfv-director.sh status may take.")
def status(output: str, nfv_director: str, timeout: float) -> None:
    """The nfv-director.sh component table and this node's state in its cluster."""
    import json

    from ..commands import status as use_case
    report = use_case.status(tool=nfv_director, timeout=timeout)
    click.echo(json.dumps(report, indent=2) if output == "json" else use_case.render_text(report))


COMMANDS = (status,)
