"""ocf:nfvd:activator-ep: SOSA and the Lock Manager of HPE Service Activator (Fulfillment).

Drives NFVD's ``activator-ep start|stop|check`` script (the guide copies it from
/opt/HPE/nfvd/fulfillment/scripts to /etc/init.d; the agent uses it where it is, so that
/etc/init.d/activator-ep can be the operators' guarded shim). Running means both
"SOSA application is running" and "Lock Manager application is running"; one of the two
is a failure; neither is stopped.

When the script's stop does not stop them (or the script cannot run at all), the agent
escalates to TERM, then KILL, of SOSA and the Lock Manager only: the processes its pid
files name and the processes whose command line shows what it runs (``process_match``),
never anything else.
"""

from nfvd_ocf import checks, codes, initscript, nfvd, owned, proc, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, NotInstalled
from nfvd_ocf.params import Context

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

STOP_GRACE = 3  # seconds SOSA/Lock Manager get to vanish after the init script's stop
RESERVE = 6     # seconds of a stop kept for the escalation
PARTS = (("SOSA", "SOSA application is running"),
         ("Lock Manager", "Lock Manager application is running"))


def require_script(script: str) -> None:
    """NFVD's activator-ep, runnable; never nfvd-ha's guarded runbook shim (which refuses
    start: a cluster imported from heartbeat's /etc/init.d/activator-ep would never start)."""
    initscript.require(script, "init script")
    try:
        shim = nfvd.SHIM_MARK.encode() in proc.read_head(script)
    except OSError:
        shim = False
    if shim:
        raise NotInstalled(f"init script {script} is nfvd-ha's runbook shim (nfvd-ha compat "
                           "install), not NFVD's activator-ep: set init_script to NFVD's own "
                           f"script ({nfvd.ACTIVATOR_EP}, the default)")


def _check(ctx: Context) -> list[str]:
    script = ctx.params["init_script"]
    require_script(script)
    out = initscript.call(ctx, [script, "check"], ctx.params["check_timeout"]).output
    return [name for name, text in PARTS if text in out]


def state(ctx: Context) -> int:
    up = _check(ctx)
    if len(up) == len(PARTS):
        return codes.SUCCESS
    if not up:
        return codes.NOT_RUNNING
    down = [name for name, _ in PARTS if name not in up]
    raise Failed(f"{', '.join(up)} running but {', '.join(down)} not running")


def monitor(ctx: Context) -> int:
    return state(ctx)


def _quiet_state(ctx: Context) -> int:
    try:
        return state(ctx)
    except Failed:
        return codes.ERR_GENERIC


def start(ctx: Context) -> int:
    script = ctx.params["init_script"]
    require_script(script)
    if _quiet_state(ctx) == codes.SUCCESS:
        return codes.SUCCESS
    result = initscript.call(ctx, [script, "start"])
    if initscript.converge(ctx, lambda: _quiet_state(ctx), codes.SUCCESS):
        return codes.SUCCESS
    state(ctx)  # raises with what is missing
    raise Failed(f"{script} start exited {result.rc}: {result.output.strip()[-200:]}")


def stop(ctx: Context) -> int:
    script = ctx.params["init_script"]
    try:
        require_script(script)
        if _quiet_state(ctx) == codes.NOT_RUNNING:
            return codes.SUCCESS
        try:
            initscript.call(ctx, [script, "stop"], max(ctx.remaining() - RESERVE, 1))
        except Failed as exc:  # the script's stop did not return: escalate in the time left
            ctx.log.warning(f"stop: {exc}")
        else:
            if initscript.converge(ctx, lambda: _quiet_state(ctx), codes.NOT_RUNNING,
                                   limit=min(STOP_GRACE, max(ctx.remaining() - RESERVE, 0.5))):
                return codes.SUCCESS
    except NotInstalled as exc:  # the script cannot tell: the processes themselves will
        ctx.log.warning(f"stop: {exc}; looking for SOSA / Lock Manager processes")
        return _escalate(ctx, lambda: not _processes(ctx))
    return _escalate(ctx, lambda: _quiet_state(ctx) == codes.NOT_RUNNING)


def _processes(ctx: Context) -> list[owned.Proc]:
    return initscript.our_processes(ctx.params["pid_files"].split(),
                                    ctx.params["process_match"].split())


def _escalate(ctx: Context, stopped: "Callable[[], bool]") -> int:
    """TERM, then KILL, what the resource runs; success once ``stopped()`` says so."""
    found = _processes(ctx)
    if found:
        owned.terminate(found, max(ctx.remaining() - 1, 1), ctx.log, "SOSA / Lock Manager")
    if initscript.converge(ctx, stopped, True):
        return codes.SUCCESS
    left = _processes(ctx)
    raise Failed("SOSA / Lock Manager still running after stop, TERM and KILL"
                 + (f" (pids {left})" if left else ""))


def validate_all(ctx: Context) -> int:
    require_script(ctx.params["init_script"])
    return codes.SUCCESS


def param_problems(values: "Mapping[str, Any]") -> list[str]:
    return checks.found(
        checks.absolute_path(values["init_script"], "init_script"),
        checks.control(values["pid_files"], "pid_files"),
        *(checks.absolute_path(p, "pid_files:") for p in values["pid_files"].split()),
        checks.control(values["process_match"], "process_match"),
        *(checks.process_pattern(p, "process_match:") for p in values["process_match"].split()),
        checks.in_range(values["check_timeout"], 1, 600, "check_timeout"))


AGENT = Agent(
    name="activator-ep",
    version="1.0",
    shortdesc="HPE Service Activator SOSA + Lock Manager (NFVD Fulfillment)",
    longdesc=("Starts, stops and monitors SOSA and the Lock Manager through the "
              "activator-ep init script. Both must be running; one of the two running is a "
              "failure (Pacemaker restarts the pair, then moves it after the configured "
              "number of failures)."),
    params=(
        Param("init_script", "activator-ep init script", "Path of NFVD's activator-ep script.",
              default=nfvd.ACTIVATOR_EP),
        Param("pid_files", "Pid files (stop escalation)",
              "Space-separated pid files of SOSA and the Lock Manager. If the init script's "
              "stop leaves them running (or the script cannot run), the live processes they "
              "name get TERM, then KILL - only when their command line contains one of "
              "process_match. Stale pid files, FIFOs and symlinks are ignored.",
              default=""),
        Param("process_match", "SOSA / Lock Manager command lines",
              "Space-separated fragments of the command lines of SOSA and the Lock Manager "
              "(check with ps -eo args): a path fragment or KEY=VALUE with a distinctive "
              "word, found whole in one argument. A process is signalled only when one of "
              "them is in its command line and it is not a shell, pager, viewer, editor or "
              "similar tool; processes matching them are also what a stop looks for when "
              "the init script cannot run.",
              default="ServiceActivator/EP/SOSA ServiceActivator/EP/LockManager"),
        Param("check_timeout", "check timeout (s)", "Bound on one 'check' call.",
              type="integer", default=15),
    ),
    actions=(
        Action("start", 120), Action("stop", 120),
        Action("monitor", 30, interval=10, depth=0),
        Action("meta-data", 5), Action("validate-all", 10),
    ),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate_all},
    check=param_problems,
)


if __name__ == "__main__":
    runtime.main(AGENT)
