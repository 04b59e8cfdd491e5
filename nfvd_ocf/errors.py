"""Typed failures an agent raises; the runtime maps them to exit codes per action.

A handler says *what* went wrong; ``code_for`` decides what that means for the action
being run. Stop and probe of a resource that cannot be here are success / not running,
never an error: a failed stop means fencing, and a hard error on a probe bans the node.
Parameters that are wrong everywhere are the exception for probes (see InvalidConfig).
"""

from . import codes


class AgentError(Exception):
    """Base: a failure with an exit reason (the message)."""

    code = codes.ERR_GENERIC
    #: True when the failure means the resource cannot be running on this host.
    means_absent = False
    #: the code of a probe (monitor, interval 0) that meets this failure
    probe_code: int | None = None


class Failed(AgentError):
    """The resource failed (OCF_ERR_GENERIC)."""


class InvalidConfig(AgentError):
    """Parameters are inherently invalid, wherever they run (OCF_ERR_CONFIGURED).

    A stop of such a resource succeeds (it can never have started), but a probe says 6,
    not 7: the configuration is wrong on every node, and Pacemaker must not try it
    anywhere (a fatal error), nor take "not running" for an answer.
    """

    code = codes.ERR_CONFIGURED
    means_absent = True
    probe_code = codes.ERR_CONFIGURED


class InvalidHere(AgentError):
    """Parameters cannot work on this host (OCF_ERR_ARGS)."""

    code = codes.ERR_ARGS
    means_absent = True


class NotInstalled(AgentError):
    """Something the resource needs is missing on this host (OCF_ERR_INSTALLED)."""

    code = codes.ERR_INSTALLED
    means_absent = True


class ConflictHere(AgentError):
    """This host is set up against the cluster, e.g. it mounts the resource's filesystem at
    boot by itself (OCF_ERR_ARGS, on a probe too: Pacemaker then takes the resource for
    stopped here, keeps this node out of it until a cleanup and records the reason, instead
    of taking it for running on two nodes and stopping it everywhere)."""

    code = codes.ERR_ARGS


class PermissionDenied(AgentError):
    """Insufficient privileges (OCF_ERR_PERM)."""

    code = codes.ERR_PERM


def code_for(action: str, probe: bool, error: AgentError) -> int:
    """The exit code an ``AgentError`` gives for ``action`` (``probe``: monitor, interval 0)."""
    if error.means_absent:
        if action == "stop":
            return codes.SUCCESS
        if action == "monitor" and probe:
            return error.probe_code or codes.NOT_RUNNING
    return error.code
