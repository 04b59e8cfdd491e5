"""Definition commands: example, validate, render, keygen, import-heartbeat."""

import os

import click

from .cli import main
from .maintenance.lockfile import LOCK
from .maintenance.node import NFV_DIRECTOR

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples", "reference.toml")


@main.command()
def example():
    """Print the built-in reference definition (the guide's topology)."""
    with open(EXAMPLE) as f:
        click.echo(f.read(), nl=False)


@main.command()
@click.argument("definition", type=click.Path(dir_okay=False))
def validate(definition):
    """Check DEFINITION; report every problem with its file, key and line."""
    from .definition import load_definition
    loaded = load_definition(definition)
    for cluster in loaded.clusters:
        click.echo(f"cluster {cluster.name}: {len(cluster.nodes)} nodes, "
                   f"{len(cluster.resources)} resources, {len(cluster.groups)} groups, "
                   f"{len(cluster.clones)} clones")
    if loaded.loadbalancer:
        click.echo(f"loadbalancer: {len(loaded.loadbalancer.services)} services")
    click.echo(f"{definition}: valid")


@main.command()
@click.argument("definition", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Directory to write into.")
@click.option("--target", "targets", multiple=True, default=("all",), show_default=True,
              type=click.Choice(["cib", "corosync", "heartbeat", "haproxy", "all"]))
@click.option("--force", is_flag=True, help="Replace existing key files too.")
def render(definition, out, targets, force):
    """Render DEFINITION into OUT: CIB, corosync.conf, heartbeat files, haproxy.cfg."""
    from . import render as use_case
    chosen = use_case.TARGETS if "all" in targets else tuple(targets)
    report = use_case.render(definition, out, chosen, force)
    for rel in report["written"]:
        click.echo(f"wrote {os.path.join(out, rel)}")
    for rel in report["kept"]:
        click.echo(f"kept  {os.path.join(out, rel)} (existing key; --force replaces it)")


@main.command()
@click.argument("definition", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace existing key files.")
def keygen(definition, out, force):
    """Generate the shared keys DEFINITION's clusters need (never printed)."""
    from . import render as use_case
    report = use_case.keygen(definition, out, force)
    for rel in report["written"]:
        click.echo(f"wrote {os.path.join(out, rel)}")
    for rel in report["kept"]:
        click.echo(f"kept  {os.path.join(out, rel)} (exists; --force replaces it)")


@main.command("import-heartbeat")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--name", help="Cluster name (default: the directory's name).")
@click.option("--address", "addresses", multiple=True, metavar="NODE=IP",
              help="Address of a node, when ha.cf's ucast lines do not say.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (default: stdout).")
def import_heartbeat(directory, name, addresses, out):
    """Turn DIRECTORY's ha.cf + haresources into a definition."""
    from heartbeat_compat.importer import import_heartbeat as use_case
    from .definition import load_text
    from .errors import NfvdHaError
    from .files import write_atomic
    pairs = dict(a.split("=", 1) for a in addresses if "=" in a)
    if len(pairs) != len(addresses):
        raise NfvdHaError("--address takes NODE=IP")
    text = use_case(directory, name, pairs)
    load_text(text, out or "<imported>")  # what we write must itself be valid
    if out:
        write_atomic(out, text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@main.group()
def lab():
    """The Docker lab of the reference topology (needs a source checkout and Docker)."""


@lab.command("up")
def lab_up():
    """Render, build the images, start the lab, load the CIB; then show its status."""
    from . import lab as use_case
    from .runner import Runner
    _show(use_case.up(Runner(), lambda text: click.echo(text, err=True)))


@lab.command("status")
def lab_status():
    """What the lab's clusters and VIPs say."""
    from . import lab as use_case
    from .runner import Runner
    _show(use_case.status(Runner()))


@lab.command("down")
def lab_down():
    """Stop and remove the lab's containers and network."""
    from . import lab as use_case
    from .runner import Runner
    use_case.down(Runner())
    click.echo("lab removed")


def _show(parts):
    for title, text in parts:
        click.echo(f"== {title}\n{text.rstrip()}\n")


@main.group()
def health():
    """Health endpoints for the load balancer."""


@health.command("serve")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["gui", "sitescope", "ffapi"]))
@click.option("--bind", default="0.0.0.0", show_default=True)
@click.option("--lock", default=LOCK,
              show_default=True, help="Maintenance lock: while it exists, report unavailable.")
def health_serve(roles, bind, lock):
    """Serve GUI :3001, SiteScope :8898, FF API :8081 health (the guide's texts)."""
    from . import health as use_case
    use_case.serve(roles, lock, bind)


@main.group()
def compat():
    """The guide's heartbeat runbook commands, answered by Pacemaker."""


@compat.command("cl_status")
@click.argument("what", type=click.Choice(["rscstatus"]))
def compat_cl_status(what):
    """cl_status rscstatus: all | local | foreign | none."""
    from heartbeat_compat.shims import ClusterView, rscstatus
    from .runner import Runner
    click.echo(rscstatus(ClusterView(Runner())))


@compat.command("hb_standby")
@click.argument("which", default="all", type=click.Choice(["all", "local", "foreign"]))
@click.option("--timeout", default=120, show_default=True)
def compat_hb_standby(which, timeout):
    """hb_standby [all|local|foreign]: hand these groups to the peer."""
    from heartbeat_compat.shims import ClusterView, standby
    from .runner import Runner
    standby(ClusterView(Runner()), which, timeout, click.echo)


@compat.command("activator-ep")
@click.option("--script", default="/opt/HPE/nfvd/fulfillment/scripts/activator-ep",
              show_default=True, help="NFVD's own activator-ep script.")
@click.argument("action")
def compat_activator_ep(script, action):
    """/etc/init.d/activator-ep: check/status as the guide shows; start/stop guarded."""
    from heartbeat_compat.shims import GUARDED, guarded
    if action in GUARDED and not os.environ.get("OCF_RESOURCE_INSTANCE"):
        guarded("activator-ep", action, "activator-ep")
    os.execv(script, [script, action])  # the agent itself (OCF env) or check/status


@compat.command("nfvd")
@click.option("--nfv-director", default=NFV_DIRECTOR, show_default=True)
@click.argument("action")
def compat_nfvd(nfv_director, action):
    """/etc/init.d/nfvd: status as the guide shows (5.3); start/stop guarded."""
    import sys
    from heartbeat_compat.shims import GUARDED, guarded, nfvd_status
    from .errors import NfvdHaError
    from .maintenance.node import Services
    from .runner import Runner
    if action in GUARDED:
        guarded("nfvd", action, "nfvd-assurance")
    if action != "status":
        raise NfvdHaError(f"/etc/init.d/nfvd {action}: usage: nfvd {{status}}")
    lines, code = nfvd_status(Services(Runner(), nfv_director).rows())
    click.echo("\n".join(lines))
    sys.exit(code)


@compat.command("install")
@click.option("--only", "only", multiple=True, help="Install just these shims (repeatable).")
@click.option("--activator-ep-script", default="/opt/HPE/nfvd/fulfillment/scripts/activator-ep",
              show_default=True, help="NFVD's own activator-ep, called by the shim.")
@click.option("--root", default="/", show_default=True, type=click.Path(file_okay=False),
              help="Install under this root (packaging, tests).")
@click.option("--force", is_flag=True, help="Replace files that are not shims (kept as "
              "<path>.nfvd-ha-orig).")
def compat_install(only, activator_ep_script, root, force):
    """Install the opt-in runbook shims: cl_status, hb_standby, /etc/init.d/activator-ep,
    /etc/init.d/nfvd, maintenance_mode.sh (+ gui_/aa_/sis_ variants)."""
    import shutil
    import sys
    from heartbeat_compat.shims import install_plan, shims
    from .errors import NfvdHaError
    from .files import write_all_atomic
    exe = shutil.which("nfvd-ha") or os.path.abspath(sys.argv[0])
    known = shims(exe, activator_ep_script)
    unknown = [n for n in only if n not in known]
    if unknown:
        raise NfvdHaError(f"--only {', '.join(unknown)}: not a shim ({', '.join(known)})")
    targets = [(os.path.join(root, path.lstrip("/")), text)
               for name, (path, text) in known.items() if not only or name in only]
    existing = {path: _read_or_none(path) for path, _ in targets}
    for path in install_plan(targets, existing, force):
        shutil.copy2(path, path + ".nfvd-ha-orig")
        click.echo(f"kept a copy of {path} as {path}.nfvd-ha-orig")
    write_all_atomic([(path, text, 0o755) for path, text in targets])
    for path, _ in targets:
        click.echo(f"installed {path}")


def _read_or_none(path):
    try:
        with open(path, errors="replace") as f:
            return f.read(65536)
    except FileNotFoundError:
        return None


@main.command("status")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--nfv-director", default=NFV_DIRECTOR, show_default=True)
def status_command(output, nfv_director):
    """The nfv-director.sh component table and this node's cluster role."""
    import json
    from . import status as use_case
    from .runner import Runner
    report = use_case.status(Runner(), nfv_director)
    click.echo(json.dumps(report, indent=2) if output == "json" else use_case.render_text(report))
