"""``nfvd-ha status``: the ``nfv-director.sh status`` component table, plus this node's role
in the cluster (Pacemaker: active / passive per group, standby; heartbeat v1: what
``cl_status rscstatus`` says this node holds and the peers' states), and maintenance."""

from .. import paths
from ..adapters.pacemaker import Cluster
from ..adapters.runner import Runner
from ..errors import NfvdHaError
from ..adapters.heartbeat import Heartbeat
from ..adapters.lockfile import lock_present
from ..adapters.services import Services


def components(runner, tool=paths.NFV_DIRECTOR, timeout=60):
    return [{"name": label, "state": state}
            for label, state in Services(runner, tool).rows(timeout)]


def cluster(adapter):
    """This node's view; ``running: False`` when Pacemaker does not answer here."""
    try:
        me, doc = adapter.node_name(), adapter.status()
    except NfvdHaError:
        return {"running": False}
    if not me:
        return {"running": False}
    groups = set(adapter.groups(doc))
    found = []
    for gid, node in adapter.placement(doc).items():
        if gid in groups:
            role = "stopped" if node is None else "active" if node == me else "passive"
            found.append({"id": gid, "role": role, "node": node})
    return {"running": True, "stack": "pacemaker", "node": me,
            "standby": adapter.standby(me, doc), "groups": found}


#: cl_status rscstatus -> this node's role in its heartbeat pair
HELD = {"all": "active", "local": "active (its own groups)",
        "foreign": "active (the peer's groups)", "none": "passive",
        "transition": "in transition"}


def heartbeat_view(adapter):
    """A heartbeat host's view, or None when this is not one."""
    if not adapter.present():
        return None
    try:
        if not adapter.running():
            return {"running": False, "stack": "heartbeat", "node": adapter.me()}
        holding = adapter.holding()
        peers = {peer: adapter.node_status(peer) for peer in adapter.peers()}
    except NfvdHaError:
        return {"running": False, "stack": "heartbeat", "node": adapter.me()}
    return {"running": True, "stack": "heartbeat", "node": adapter.me(), "holding": holding,
            "role": HELD.get(holding, holding), "peers": peers}


def status(runner=None, tool=paths.NFV_DIRECTOR, lock=paths.LOCK, adapter=None, timeout=60,
           hb=None):
    runner = runner or Runner()
    table = components(runner, tool, timeout)
    view = cluster(adapter or Cluster(runner))
    if not view["running"]:
        view = heartbeat_view(hb or Heartbeat(runner)) or view
    return {"components": table, "maintenance": lock_present(lock), "cluster": view}


def render_text(report):
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


def _heartbeat_lines(c):
    if not c["running"]:
        return [f"Cluster (heartbeat)                : {c['node']}: heartbeat not running on "
                "this node"]
    lines = [f"Cluster (heartbeat)                : {c['node']}",
             f"{'Resources (cl_status rscstatus)':<35}: {c['holding']} ({c['role']})"]
    lines += [f"{'Peer ' + peer:<35}: {state}" for peer, state in sorted(c["peers"].items())]
    return lines
