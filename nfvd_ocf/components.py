"""The NFVD components an agent drives through ``nfv-director.sh`` (ocf:nfvd:nfvd-assurance,
ocf:nfvd:nfvd-hpsa): one agent per set of components, from :func:`agent`.

Drives ``nfv-director.sh -c COMPONENT start|stop`` in the configured order (stop reversed) and
reads the component table of ``nfv-director.sh status``: "UCA-EBC : [Running]". A component
that ``stop`` leaves running is escalated (TERM, then KILL) when its processes can be proven:
``process_match`` names, per component, a substring of its command line, and ``pid_files``
optionally where its pid files are.
"""

from nfvd_ocf import checks, codes, initscript, owned, proc
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, NotInstalled
from nfvd_ocf.nfvd import LABELS, NFV_DIRECTOR
from nfvd_ocf.params import Context

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

STOP_GRACE = 5  # seconds a component gets to vanish after its stop before the escalation


def components(ctx: Context) -> list[str]:
    return ctx.params["components"].split()


def per_component(ctx: Context, name: str) -> dict[str, list[str]]:
    """{component: [values]} of a COMPONENT=VALUE list parameter (``process_match``...)."""
    found: dict[str, list[str]] = {}
    for word in ctx.params[name].split():
        component, _, value = word.partition("=")
        found.setdefault(component, []).append(value)
    return found


def _pairs_problems(known: "Sequence[str]", text: str, name: str,
                    paths: bool = False) -> list[str | None]:
    problems = [checks.control(text, name)]
    for word in text.split():
        component, sep, value = word.partition("=")
        if not sep or not value or component not in known:
            problems.append(f"{name}: '{word}' is not COMPONENT=VALUE with COMPONENT one of "
                            f"{' '.join(known)}")
        elif paths:
            problems.append(checks.absolute_path(value, f"{name}: {component}"))
        else:
            problems.append(checks.process_pattern(value, f"{name}: {component}"))
    return problems


def param_problems(known: "Sequence[str]", values: "Mapping[str, Any]") -> list[str]:
    names = values["components"].split()
    unknown = [n for n in names if n not in known]
    return checks.found(
        (f"components: unknown {' '.join(unknown) or '(empty)'}; known: "
         f"{' '.join(known)}") if unknown or not names else None,
        "components: a component is named twice" if len(set(names)) != len(names) else None,
        checks.absolute_path(values["nfv_director"], "nfv_director"),
        *_pairs_problems(known, values["process_match"], "process_match"),
        *_pairs_problems(known, values["pid_files"], "pid_files", paths=True),
        checks.in_range(values["status_timeout"], 1, 600, "status_timeout"))


def table(ctx: Context) -> dict[str, str]:
    """{component: status text} from one ``nfv-director.sh status``."""
    tool = ctx.params["nfv_director"]
    initscript.require(tool, "NFVD administration tool")
    out = initscript.call(ctx, [tool, "status"], ctx.params["status_timeout"]).output
    rows = dict(initscript.status_rows(out))
    return {name: rows.get(LABELS[name], "Missing") for name in components(ctx)}


def _describe(status: "Mapping[str, str]") -> str:
    return "; ".join(f"{name}: {text}" for name, text in status.items())


def installed_table(ctx: Context) -> dict[str, str]:
    """The status table; NotInstalled when a configured component is not on this host."""
    status = table(ctx)
    missing = [n for n, s in status.items() if s in ("Not Installed", "Missing")]
    if missing:
        raise NotInstalled(f"not installed here: {', '.join(missing)} ({_describe(status)})")
    return status


def state(ctx: Context) -> int:
    status = installed_table(ctx)
    running = [n for n, s in status.items() if s == "Running"]
    if len(running) == len(status):
        return codes.SUCCESS
    if not running:
        return codes.NOT_RUNNING
    raise Failed(f"partly running: {_describe(status)}")


def monitor(ctx: Context) -> int:
    return state(ctx)


def _component(ctx: Context, name: str, verb: str,
               limit: float | None = None) -> proc.Result:
    tool = ctx.params["nfv_director"]
    return initscript.call(ctx, [tool, "-c", name, verb], limit)


def _status_of(ctx: Context, name: str) -> "Callable[[], str]":
    """A fresh read of ``name``'s status, each call."""
    return lambda: table(ctx)[name]


def start(ctx: Context) -> int:
    names = components(ctx)
    installed_table(ctx)
    for name in names:
        if table(ctx)[name] != "Running":
            _component(ctx, name, "start")
        if not initscript.converge(ctx, _status_of(ctx, name), "Running"):
            raise Failed(f"{name} did not start ({_describe(table(ctx))})")
    return state(ctx)


def stop(ctx: Context) -> int:
    try:
        names = components(ctx)
        installed_table(ctx)
    except NotInstalled:
        return codes.SUCCESS
    for position, name in enumerate(reversed(names)):
        if table(ctx)[name] == "Running":
            _stop_one(ctx, name, len(names) - position)
    return codes.SUCCESS


def _stop_one(ctx: Context, name: str, left: int) -> None:
    """Stop one component within its share of the time left, escalating if it stays."""
    share = max(ctx.remaining() / left, 1.0)
    def stopped() -> bool:
        return table(ctx)[name] != "Running"

    try:
        _component(ctx, name, "stop", max(share - STOP_GRACE - 2, 1))
    except Failed as exc:  # its stop did not return
        ctx.log.warning(f"stop: {exc}")
    else:
        if initscript.converge(ctx, stopped, True, limit=min(STOP_GRACE, share / 2)):
            return
    found = initscript.our_processes(per_component(ctx, "pid_files").get(name, []),
                                     per_component(ctx, "process_match").get(name, []))
    if found:
        owned.terminate(found, max(min(share, ctx.remaining()) - 1, 1), ctx.log, name)
    if not initscript.converge(ctx, stopped, True, limit=max(share / 4, 0.5)):
        raise Failed(f"{name} did not stop ({_describe(table(ctx))})"
                     + ("" if found else "; no process_match for it, so no escalation"))


def validate_all(ctx: Context) -> int:
    initscript.require(ctx.params["nfv_director"], "NFVD administration tool")
    return codes.SUCCESS


def agent(name: str, shortdesc: str, purpose: str, known: "Sequence[str]") -> Agent:
    """The declaration of an agent for ``known`` components (all of them, in that order, by
    default); ``purpose`` opens its long description."""
    return Agent(
        name=name,
        version="1.0",
        shortdesc=shortdesc,
        longdesc=(f"{purpose} Starts the components one by one in the configured order with "
                  "nfv-director.sh -c COMPONENT start, each confirmed running before the next, "
                  "and stops them in reverse order. Monitor reads the nfv-director.sh status "
                  "table; the exit reason names each component's state."),
        params=(
            Param("nfv_director", "nfv-director.sh", "Path of the NFVD administration tool.",
                  default=NFV_DIRECTOR),
            Param("components", "Components, in start order",
                  "Space-separated nfv-director.sh component names, started left to right and "
                  f"stopped right to left; known: {' '.join(known)}.", default=" ".join(known)),
            Param("process_match", "Component command lines (stop escalation)",
                  "Space-separated COMPONENT=FRAGMENT pairs: a component that its stop leaves "
                  "running gets TERM, then KILL, to the processes whose command line has its "
                  "fragment (a path fragment or KEY=VALUE with a distinctive word, found "
                  "whole in one argument; check with ps -eo args), never a shell, pager, "
                  "viewer or editor. Empty: no escalation (a stuck component fails the stop).",
                  default=""),
            Param("pid_files", "Component pid files",
                  "Space-separated COMPONENT=PIDFILE pairs, searched too (their processes must "
                  "still match process_match).", default=""),
            Param("status_timeout", "status timeout (s)", "Bound on one status call.",
                  type="integer", default=20),
        ),
        actions=(
            Action("start", 300), Action("stop", 300),
            Action("monitor", 60, interval=20, depth=0),
            Action("meta-data", 5), Action("validate-all", 10),
        ),
        handlers={"start": start, "stop": stop, "monitor": monitor,
                  "validate-all": validate_all},
        check=lambda values: param_problems(known, values),
    )
