"""``nfvd-ha plan`` / ``nfvd-ha apply``: change a running cluster to what the definition says,
with Pacemaker's own preview of what it will do."""

import click


@click.command("plan")
@click.argument("definition", type=click.Path())
@click.option("--cluster", "name", required=True, help="The cluster of the definition.")
@click.option("--out", "out", type=click.Path(), default=None,
              help="Where the plan goes (default: ./CLUSTER.plan.json, a new file, 0600).")
@click.option("--force", is_flag=True, help="Replace an existing file at --out.")
def plan(definition: str, name: str, out: str | None, force: bool) -> None:
    """What would change in the live CIB (on a cluster node; offline with CIB_file=FILE) and
    what the cluster would do about it (crm_simulate). Nothing is changed."""
    from ..commands import plan as use_case
    found = use_case.plan_cluster(definition, name)
    out = out or f"{name}.plan.json"
    use_case.save(found, out, force)
    click.echo(f"Changes to {name} ({len(found['changes'])}):")
    for line in found["changes"] or ["(none: the live CIB has what the definition says)"]:
        click.echo(f"  {line}")
    if found["left_alone"]:
        click.echo("Left alone (not in the definition; remove them yourself if they were "
                   "its):")
        for line in found["left_alone"]:
            click.echo(f"  {line}")
    click.echo("What the cluster will do (crm_simulate):")
    for line in found["actions"] or ["(nothing)"]:
        click.echo(f"  {line}")
    click.echo(f"Plan written to {out}; apply it with: nfvd-ha apply {out}")


@click.command("apply")
@click.argument("plan_file", type=click.Path())
@click.option("--timeout", default=120, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds to wait for the cluster to settle.")
def apply(plan_file: str, timeout: int) -> None:
    """Push exactly what `nfvd-ha plan` planned (refused when the live CIB changed since),
    then wait until the cluster settles."""
    from ..commands import plan as use_case
    done, settled = use_case.apply_plan(plan_file, timeout, click.echo)
    if not done:
        click.echo("Nothing to apply: the live CIB already has what the definition says.")
    else:
        click.echo("The cluster settled; what was changed runs." if settled else
                   f"Applied {len(done)} change(s) to the CIB file.")


COMMANDS = (plan, apply)
