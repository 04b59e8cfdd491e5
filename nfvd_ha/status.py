"""``nfvd-ha status``: the ``nfv-director.sh status`` component table, plus this node's role
in the cluster (active / passive per group, standby, maintenance)."""

import os
import re

NFV_DIRECTOR = "/opt/HPE/nfvd/bin/nfv-director.sh"
LOCK = "/var/opt/HPE/nfvd/halogs/nfvd-ha-maintenance.lock"
_ROW = re.compile(r"^\s*(.+?)\s*:\s*\[([^\]]+)\]\s*$")


def components(runner, tool=NFV_DIRECTOR):
    if not os.access(tool, os.X_OK):
        return []
    out = runner.run([tool, "status"], timeout=60).stdout
    return [{"name": m.group(1), "state": m.group(2).strip()}
            for m in map(_ROW.match, out.splitlines()) if m]


def cluster(runner):
    """This node's view; ``running: False`` when Pacemaker does not answer here."""
    try:
        result = runner.run(["crm_mon", "-1", "--output-as=xml"], timeout=30)
        me = runner.run(["crm_node", "-n"], timeout=10).stdout.strip()
    except OSError:
        return {"running": False}
    if result.rc != 0 or not me:
        return {"running": False}
    from lxml import etree
    doc = etree.fromstring(result.stdout.encode())
    node = doc.xpath(f"//nodes/node[@name='{me}']")
    groups = []
    for group in doc.xpath("//resources/group"):
        members = group.xpath("resource")
        nodes = sorted({n for r in members for n in r.xpath("node/@name")})
        up = members and all(r.get("active") == "true" for r in members)
        role = "active" if up and nodes == [me] else "passive" if up else "stopped"
        groups.append({"id": group.get("id"), "role": role, "node": nodes[0] if up else None})
    return {"running": True, "node": me,
            "standby": bool(node) and node[0].get("standby") == "true", "groups": groups}


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
