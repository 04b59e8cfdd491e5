"""The nfvd-ha command line: thin click commands over the use cases.

Each module below holds one area's commands; they are registered here, in one place.
Only the CLI prints. Errors: ``Error: ...`` on stderr, one line per problem, exit 1.
"""

import click

from . import (agents, backup, compat, definition, health, lab, maintenance, node, plan, status,
               supervise, upgrade)
from .base import Group


@click.group(cls=Group)
@click.version_option(package_name="nfvd-ha")
def main() -> None:
    """High availability for HPE NFV Director on Pacemaker/Corosync."""


for area in (agents, definition, lab, health, compat, status, maintenance, supervise, node,
             plan, backup, upgrade):
    for command in area.COMMANDS:
        main.add_command(command)
