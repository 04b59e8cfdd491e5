"""What every command shares: the error output (only the CLI prints) and the group class."""

import sys
from typing import Any, NoReturn

import click

from ..errors import NfvdHaError


def fail(error: NfvdHaError) -> NoReturn:
    for problem in error.problems:
        click.echo(f"Error: {problem}", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)
    sys.exit(1)


def warn(text: str) -> None:
    click.echo(f"Warning: {text}", err=True)


class Group(click.Group):
    """Turns NfvdHaError into the CLI's error output wherever it is raised."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NfvdHaError as error:
            fail(error)


def nfvd_ha_executable() -> str:
    import os
    import shutil
    return shutil.which("nfvd-ha") or os.path.abspath(sys.argv[0])
