"""ocf:nfvd:nfvd-assurance: the NFVD Assurance stack (UCA-EBC, Open Mediation, Gateway).

Drives ``nfv-director.sh -c COMPONENT start|stop`` in dependency order (stop reversed) and
reads the component table of ``nfv-director.sh status``: "UCA-EBC : [Running]".
"""

from nfvd_ocf import codes, initscript, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, InvalidConfig, NotInstalled

#: component (nfv-director.sh -c name) -> label in the status table
LABELS = {
    "uca-ebc": "UCA-EBC",
    "openmediation": "Open Mediation",
    "nfvd-agw": "NFVD Assurance Gateway",
}


def components(ctx):
    names = ctx.params["components"].split()
    unknown = [n for n in names if n not in LABELS]
    if unknown or not names:
        raise InvalidConfig(f"components: unknown {' '.join(unknown) or '(empty)'}; "
                            f"known: {' '.join(LABELS)}")
    return names


def table(ctx):
    """{component: status text} from one ``nfv-director.sh status``."""
    tool = ctx.params["nfv_director"]
    initscript.require(tool, "NFVD administration tool")
    out = initscript.call(ctx, [tool, "status"], ctx.params["status_timeout"]).output
    rows = dict(initscript.status_rows(out))
    return {name: rows.get(LABELS[name], "Missing") for name in components(ctx)}


def _describe(status):
    return "; ".join(f"{name}: {text}" for name, text in status.items())


def installed_table(ctx):
    """The status table; NotInstalled when a configured component is not on this host."""
    status = table(ctx)
    missing = [n for n, s in status.items() if s in ("Not Installed", "Missing")]
    if missing:
        raise NotInstalled(f"not installed here: {', '.join(missing)} ({_describe(status)})")
    return status


def state(ctx):
    status = installed_table(ctx)
    running = [n for n, s in status.items() if s == "Running"]
    if len(running) == len(status):
        return codes.SUCCESS
    if not running:
        return codes.NOT_RUNNING
    raise Failed(f"partly running: {_describe(status)}")


def monitor(ctx):
    return state(ctx)


def _component(ctx, name, verb):
    tool = ctx.params["nfv_director"]
    return initscript.call(ctx, [tool, "-c", name, verb])


def start(ctx):
    names = components(ctx)
    installed_table(ctx)
    for name in names:
        if table(ctx)[name] != "Running":
            _component(ctx, name, "start")
        if not initscript.converge(ctx, lambda: table(ctx)[name], "Running"):
            raise Failed(f"{name} did not start ({_describe(table(ctx))})")
    return state(ctx)


def stop(ctx):
    try:
        names = components(ctx)
        installed_table(ctx)
    except NotInstalled:
        return codes.SUCCESS
    for name in reversed(names):
        if table(ctx)[name] == "Running":
            _component(ctx, name, "stop")
        if not initscript.converge(ctx, lambda: table(ctx)[name] != "Running", True):
            raise Failed(f"{name} did not stop ({_describe(table(ctx))})")
    return codes.SUCCESS


def validate_all(ctx):
    components(ctx)
    initscript.require(ctx.params["nfv_director"], "NFVD administration tool")
    return codes.SUCCESS


AGENT = Agent(
    name="nfvd-assurance",
    version="1.0",
    shortdesc="NFVD Assurance: UCA-EBC, Open Mediation and the Assurance Gateway",
    longdesc=("Starts the Assurance components one by one in the configured order with "
              "nfv-director.sh -c COMPONENT start, each confirmed running before the next, "
              "and stops them in reverse order. Monitor reads the nfv-director.sh status "
              "table; the exit reason names each component's state."),
    params=(
        Param("nfv_director", "nfv-director.sh", "Path of the NFVD administration tool.",
              default="/opt/HPE/nfvd/bin/nfv-director.sh"),
        Param("components", "Components, in start order",
              "Space-separated nfv-director.sh component names, started left to right and "
              "stopped right to left.", default="uca-ebc openmediation nfvd-agw"),
        Param("status_timeout", "status timeout (s)", "Bound on one status call.",
              type="integer", default=20),
    ),
    actions=(
        Action("start", 300), Action("stop", 300),
        Action("monitor", 60, interval=20, depth=0),
        Action("meta-data", 5), Action("validate-all", 10),
    ),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate_all},
)


if __name__ == "__main__":
    runtime.main(AGENT)
