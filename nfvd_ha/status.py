"""``nfvd-ha status``: the ``nfv-director.sh status`` component table, plus this node's role
in the cluster (active / passive per group, standby, maintenance)."""

from . import paths
from .cluster import Cluster
from .errors import NfvdHaError
from .maintenance.lockfile import lock_present
from .services import Services


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
    return {"running": True, "node": me, "standby": adapter.standby(me, doc), "groups": found}


def status(runner, tool=paths.NFV_DIRECTOR, lock=paths.LOCK, adapter=None, timeout=60):
    return {"components": components(runner, tool, timeout), "maintenance": lock_present(lock),
            "cluster": cluster(adapter or Cluster(runner))}


def render_text(report):
    lines = [f"{c['name']:<35}: [{c['state']}]" for c in report["components"]]
    c = report["cluster"]
    lines.append("")
    lines.append(f"Maintenance mode                   : {'ON' if report['maintenance'] else 'OFF'}")
    if not c["running"]:
        lines.append("Cluster                            : not running on this node")
        return "\n".join(lines)
    lines.append(f"Cluster node                       : {c['node']}"
                 + (" (standby)" if c["standby"] else ""))
    for g in c["groups"]:
        where = f" (on {g['node']})" if g["role"] == "passive" else ""
        lines.append(f"{'Group ' + g['id']:<35}: {g['role']}{where}")
    return "\n".join(lines)
