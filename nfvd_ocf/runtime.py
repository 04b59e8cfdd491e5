"""Dispatch one OCF action: parse the environment, run the handler, map errors to codes."""

import os
import sys

from . import codes
from .errors import AgentError, InvalidConfig, code_for
from .log import Logger
from .params import Context

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from typing import NoReturn

    from .declaration import Agent, Handler


def usage(agent: "Agent") -> str:
    names = "|".join(a.name for a in agent.actions)
    return f"usage: {agent.name} {{{names}}}\n"


def run(agent: "Agent", argv: "Sequence[str] | None" = None,
        env: "Mapping[str, str] | None" = None) -> int:
    """Run the action named in ``argv`` and return its exit code."""
    argv = sys.argv if argv is None else argv
    env = os.environ if env is None else env
    log = Logger(agent.name, env)
    action = argv[1] if len(argv) > 1 else ""
    if action == "meta-data":
        from .metadata import render_metadata, wants_v11
        sys.stdout.write(render_metadata(agent, wants_v11(env)))
        return codes.SUCCESS
    if action in ("usage", "help"):
        sys.stdout.write(usage(agent))
        return codes.SUCCESS
    handler = agent.handlers.get(action)
    if handler is None:
        sys.stderr.write(usage(agent))
        log.exit_reason(f"unsupported action '{action}'")
        return codes.ERR_UNIMPLEMENTED
    ctx = Context(agent, action, env, log)
    return _call(handler, ctx)


def _checked(handler: "Handler") -> "Handler":
    """The handler, once the parameters are typed and pass the agent's own check."""
    def call(ctx: Context) -> int | None:
        problems = ctx.agent.check(ctx.params) if ctx.agent.check else ()
        if problems:
            raise InvalidConfig("; ".join(problems))
        return handler(ctx)
    return call


def _call(handler: "Handler", ctx: Context) -> int:
    handler = _checked(handler)
    try:
        rc = handler(ctx)
    except AgentError as exc:
        rc = code_for(ctx.action, ctx.probe, exc)
        if rc in (codes.SUCCESS, codes.NOT_RUNNING):
            ctx.log.info(f"{ctx.action}: {exc} (so the resource cannot be running here)")
        else:
            ctx.log.exit_reason(str(exc))
            ctx.log.error(f"{ctx.action}: {exc}")
    except Exception as exc:  # noqa: BLE001 - an agent answers with a code, never a traceback
        rc = codes.ERR_GENERIC
        reason = f"internal error in {ctx.action}: {type(exc).__name__}: {exc}"
        ctx.log.exit_reason(reason)
        ctx.log.error(reason)
    return codes.SUCCESS if rc is None else rc


def main(agent: "Agent") -> "NoReturn":
    """Run the action of ``sys.argv`` and exit with its code, without the interpreter's
    finalization (tearing every module down costs more than a monitor's own work): what is
    written is flushed first; a flush that fails makes a generic error."""
    rc = run(agent)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            rc = rc or codes.ERR_GENERIC
    os._exit(rc)
