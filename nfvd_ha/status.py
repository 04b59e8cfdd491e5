"""``nfvd-ha status``: the ``nfv-director.sh status`` component table, plus this node's role
in the cluster (active / passive per group, standby, maintenance)."""

import os

from .maintenance.lockfile import LOCK
from .maintenance.node import NFV_DIRECTOR, Services


def components(runner, tool=NFV_DIRECTOR):
    return [{"name": label, "state": state} for label, state in Services(runner, tool).rows(timeout=60)]


def cluster(runner):
    """This node's view; ``running: False`` when Pacemaker does not answer here."""
    from .cluster_view import ClusterView
    from .errors import NfvdHaError
    view = ClusterView(runner)
    try:
        me, doc = view.node(), view.status()
    except (OSError, NfvdHaError):
        return {"running": False}
    if not me:
        return {"running": False}
    groups = []
    for gid, node in view.placement(doc).items():
        if not doc.xpath(f"//resources/group[@id='{gid}']"):
            continue
        role = "stopped" if node is None else "active" if node == me else "passive"
        groups.append({"id": gid, "role": role, "node": node})
    return {"running": True, "node": me, "standby": view.standby(me, doc), "groups": groups}


def status(runner, tool=NFV_DIRECTOR, lock=LOCK):
    return {"components": components(runner, tool), "maintenance": os.path.exists(lock),
            "cluster": cluster(runner)}


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
