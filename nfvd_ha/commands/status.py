"""``nfvd-ha status``: the ``nfv-director.sh status`` component table, plus this node's state
in the cluster (Pacemaker: active / passive / stopped per group, standby; heartbeat v1: what
``cl_status rscstatus`` says this node holds and the peers' states), and maintenance.

The report's ``role`` keys (a group's, a heartbeat node's) hold that state: the key is the
JSON output's, kept as it is for the scripts that read it; in the code, a role is the VM's."""

from typing import Any

from .. import paths
from ..adapters.heartbeat import Heartbeat
from ..adapters.lockfile import lock_present
from ..adapters.pacemaker import Pacemaker
from ..adapters.runner import CommandRunner, Runner
from ..adapters.services import Services
from ..errors import NfvdHaError


def components(runner: CommandRunner, tool: str = paths.NFV_DIRECTOR,
               timeout: float = 60) -> list[dict[str, str]]:
    """The nfv-director.sh status table as [{name, state}]."""
    return [{"name": label, "state": state}
            for label, state in Services(runner, tool).rows(timeout)]


def cluster(pacemaker: Pacemaker) -> dict[str, Any]:
    """This node's view; ``running: False`` when Pacemaker does not answer here."""
    try:
        me, doc = pacemaker.node_name(), pacemaker.status()
    except NfvdHaError:
        return {"running": False}
    if not me:
        return {"running": False}
    groups = set(pacemaker.groups(doc))
    found = []
    for gid, node in pacemaker.placement(doc).items():
        if gid in groups:
            state = "stopped" if node is None else "active" if node == me else "passive"
            found.append({"id": gid, "role": state, "node": node})
    return {"running": True, "stack": "pacemaker", "node": me,
            "standby": pacemaker.standby(me, doc), "groups": found}


#: cl_status rscstatus -> this node's state in its heartbeat pair
STATE_OF_HOLDING = {"all": "active", "local": "active (its own groups)",
        "foreign": "active (the peer's groups)", "none": "passive",
        "transition": "in transition"}


def heartbeat_view(heartbeat: Heartbeat) -> dict[str, Any] | None:
    """A heartbeat host's view, or None when this is not one."""
    if not heartbeat.present():
        return None
    try:
        if not heartbeat.running():
            return {"running": False, "stack": "heartbeat", "node": heartbeat.me()}
        holding = heartbeat.holding()
        peers = {peer: heartbeat.node_status(peer) for peer in heartbeat.peers()}
    except NfvdHaError:
        return {"running": False, "stack": "heartbeat", "node": heartbeat.me()}
    return {"running": True, "stack": "heartbeat", "node": heartbeat.me(), "holding": holding,
            "role": STATE_OF_HOLDING.get(holding, holding), "peers": peers}


def status(runner: CommandRunner | None = None, tool: str = paths.NFV_DIRECTOR,
           lock: str = paths.LOCK, pacemaker: Pacemaker | None = None, timeout: float = 60,
           heartbeat: Heartbeat | None = None) -> dict[str, Any]:
    """The report of ``nfvd-ha status``: components, maintenance, this node's cluster."""
    runner = runner or Runner()
    table = components(runner, tool, timeout)
    view = cluster(pacemaker or Pacemaker(runner))
    if not view["running"]:
        view = heartbeat_view(heartbeat or Heartbeat(runner)) or view
    return {"components": table, "maintenance": lock_present(lock), "cluster": view}


def render_text(report: dict[str, Any]) -> str:
    """The report as the text ``nfvd-ha status`` prints."""
    lines = [f"{c['name']:<35}: [{c['state']}]" for c in report["components"]]
    c = report["cluster"]
    lines.append("")
    lines.append(f"Maintenance mode                   : {'ON' if report['maintenance'] else 'OFF'}")
    if c.get("stack") == "heartbeat":
        return "\n".join(lines + _heartbeat_lines(c))
    if not c["running"]:
        lines.append("Cluster                            : not running on this node")
        return "\n".join(lines)
    lines.append(f"Cluster node                       : {c['node']}"
                 + (" (standby)" if c["standby"] else ""))
    for g in c["groups"]:
        where = f" (on {g['node']})" if g["role"] == "passive" else ""
        lines.append(f"{'Group ' + g['id']:<35}: {g['role']}{where}")
    return "\n".join(lines)


def _heartbeat_lines(c: dict[str, Any]) -> list[str]:
    if not c["running"]:
        return [f"Cluster (heartbeat)                : {c['node']}: heartbeat not running on "
                "this node"]
    lines = [f"Cluster (heartbeat)                : {c['node']}",
             f"{'Resources (cl_status rscstatus)':<35}: {c['holding']} ({c['role']})"]
    lines += [f"{'Peer ' + peer:<35}: {state}" for peer, state in sorted(c["peers"].items())]
    return lines
