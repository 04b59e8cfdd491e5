"""The nfvd-ha command line: thin click commands over the use-case functions.

Only this module prints. Errors: ``Error: ...`` on stderr, one line per problem, exit 1.
"""

import sys

import click

from .errors import NfvdHaError


def fail(error):
    for problem in error.problems:
        click.echo(f"Error: {problem}", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)
    sys.exit(1)


class Group(click.Group):
    """Turns NfvdHaError into the CLI's error output wherever it is raised."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NfvdHaError as error:
            fail(error)


@click.group(cls=Group)
@click.version_option(package_name="nfvd-ha")
def main():
    """High availability for HPE NFV Director on Pacemaker/Corosync."""


@main.group(cls=Group)
def agents():
    """The OCF resource agents (ocf:nfvd:*)."""


@agents.command("install")
@click.option("--ocf-root", envvar="OCF_ROOT", default="/usr/lib/ocf", show_default=True)
@click.option("--python", "python", default=None,
              help="Interpreter for the agents (default: the one running nfvd-ha).")
def agents_install(ocf_root, python):
    """Install the agents into OCF_ROOT/resource.d/nfvd."""
    from . import agents_install as use_case
    for path in use_case.install(ocf_root, python):
        click.echo(f"installed {path}")


@agents.command("list")
@click.option("--ocf-root", envvar="OCF_ROOT", default="/usr/lib/ocf", show_default=True)
def agents_list(ocf_root):
    """List the agents and whether they are installed."""
    from . import agents_install as use_case
    for name, path, installed in use_case.listing(ocf_root):
        click.echo(f"{name:<24} {'installed' if installed else 'not installed':<14} {path}")


from . import cli_maintenance, cli_more  # noqa: E402,F401  (register the other commands)
