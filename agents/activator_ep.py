"""ocf:nfvd:activator-ep: SOSA and the Lock Manager of HPE Service Activator (Fulfillment).

Drives NFVD's ``activator-ep start|stop|check`` script (the guide copies it from
/opt/HPE/nfvd/fulfillment/scripts to /etc/init.d; the agent uses it where it is, so that
/etc/init.d/activator-ep can be the operators' guarded shim). Running means both
"SOSA application is running" and "Lock Manager application is running"; one of the two
is a failure; neither is stopped.
"""

from nfvd_ocf import codes, initscript, proc, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed

STOP_GRACE = 3  # seconds SOSA/Lock Manager get to vanish after the init script's stop
PARTS = (("SOSA", "SOSA application is running"),
         ("Lock Manager", "Lock Manager application is running"))


def _check(ctx):
    script = ctx.params["init_script"]
    initscript.require(script, "init script")
    out = initscript.call(ctx, [script, "check"], ctx.params["check_timeout"]).output
    return [name for name, text in PARTS if text in out]


def state(ctx):
    up = _check(ctx)
    if len(up) == len(PARTS):
        return codes.SUCCESS
    if not up:
        return codes.NOT_RUNNING
    down = [name for name, _ in PARTS if name not in up]
    raise Failed(f"{', '.join(up)} running but {', '.join(down)} not running")


def monitor(ctx):
    return state(ctx)


def _quiet_state(ctx):
    try:
        return state(ctx)
    except Failed:
        return codes.ERR_GENERIC


def start(ctx):
    script = ctx.params["init_script"]
    initscript.require(script, "init script")
    if _quiet_state(ctx) == codes.SUCCESS:
        return codes.SUCCESS
    result = initscript.call(ctx, [script, "start"])
    if initscript.converge(ctx, lambda: _quiet_state(ctx), codes.SUCCESS):
        return codes.SUCCESS
    state(ctx)  # raises with what is missing
    raise Failed(f"{script} start exited {result.rc}: {result.output.strip()[-200:]}")


def stop(ctx):
    script = ctx.params["init_script"]
    initscript.require(script, "init script")  # absent script: nothing can be running
    if _quiet_state(ctx) == codes.NOT_RUNNING:
        return codes.SUCCESS
    reserve = 6  # seconds kept for the pid-file escalation
    initscript.call(ctx, [script, "stop"], max(ctx.remaining() - reserve, 1))
    if initscript.converge(ctx, lambda: _quiet_state(ctx), codes.NOT_RUNNING,
                           limit=min(STOP_GRACE, max(ctx.remaining() - reserve, 0.5))):
        return codes.SUCCESS
    _kill_from_pidfiles(ctx)
    if initscript.converge(ctx, lambda: _quiet_state(ctx), codes.NOT_RUNNING):
        return codes.SUCCESS
    raise Failed("SOSA / Lock Manager still running after stop and SIGKILL")


def _kill_from_pidfiles(ctx):
    """Escalation: TERM, then KILL, the live processes the pid files name (stale ones skipped)."""
    pids = [p for p in map(proc.pid_from_file, ctx.params["pid_files"].split()) if p]
    if not pids:
        return
    ctx.log.warning(f"stop did not finish; sending TERM to {pids}")
    proc.signal_all(pids, proc.SIGTERM)
    if proc.wait_until(lambda: not any(proc.process_start_time(p) for p in pids), 3):
        return
    ctx.log.warning(f"sending KILL to {pids}")
    proc.signal_all(pids, proc.SIGKILL)


def validate_all(ctx):
    initscript.require(ctx.params["init_script"], "init script")
    return codes.SUCCESS


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
              default="/opt/HPE/nfvd/fulfillment/scripts/activator-ep"),
        Param("pid_files", "Pid files (stop escalation)",
              "Space-separated pid files of SOSA and the Lock Manager. If the init script's "
              "stop leaves them running, the live processes they name get TERM, then KILL. "
              "Stale pid files are ignored.",
              default="/var/run/nfvd/sosa.pid /var/run/nfvd/lockmgr.pid"),
        Param("check_timeout", "check timeout (s)", "Bound on one 'check' call.",
              type="integer", default=15),
    ),
    actions=(
        Action("start", 120), Action("stop", 120),
        Action("monitor", 30, interval=10, depth=0),
        Action("meta-data", 5), Action("validate-all", 10),
    ),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate_all},
)


if __name__ == "__main__":
    runtime.main(AGENT)
