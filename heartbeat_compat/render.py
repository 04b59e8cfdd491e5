"""ha.cf, haresources and authkeys for hosts still on heartbeat v1 (3.0.6).

One ha.cf serves both nodes: it has a ucast line per node, and heartbeat ignores the one
naming the local node. Order matters: udpport before the media lines.
"""

import os

from nfvd_ha.errors import NfvdHaError, Problem

#: nfvd agent -> the init script heartbeat v1 runs (the guide's names)
INIT_SCRIPTS = {"activator-ep": "activator-ep", "nfvd-assurance": "nfvd"}


def hb_time(ms):
    """Heartbeat takes whole seconds or an 'ms' suffix."""
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms}ms"


def render_ha_cf(cluster):
    t, tr = cluster.timing, cluster.transport
    lines = ["# Rendered by nfvd-ha from the cluster definition; valid on every node.",
             "logfile /var/log/ha-log"]
    if cluster.logfacility != "none":
        lines.append(f"logfacility {cluster.logfacility}")
    lines += [f"keepalive {hb_time(t.keepalive)}", f"deadtime {hb_time(t.deadtime)}",
              f"warntime {hb_time(t.warntime)}", f"initdead {hb_time(t.initdead)}",
              f"udpport {tr.udpport}"]
    if tr.mode == "ucast":
        lines += [f"ucast {tr.interface} {n.address}" for n in cluster.nodes]
    elif tr.mode == "bcast":
        lines.append(f"bcast {tr.interface}")
    else:
        lines.append(f"mcast {tr.interface} {tr.mcast_group} {tr.udpport} {tr.mcast_ttl} 0")
    lines.append(f"auto_failback {'on' if cluster.auto_failback else 'off'}")
    lines += [f"node {n.name}" for n in cluster.nodes]
    return "\n".join(lines) + "\n"


def resource_spec(resource, where):
    """One haresources word for a resource, e.g. IPaddr::10.0.0.100/24/eth0:0."""
    p = dict(resource.params)
    if resource.type == "vip":
        spec = p["ip"] + (f"/{p['cidr_netmask']}" if "cidr_netmask" in p else "")
        if "nic" in p:
            spec += f"/{p['nic']}" + (f":{p['label']}" if "label" in p else "")
        return f"IPaddr::{spec}"
    if resource.type == "shared-fs":
        args = [p["device"], p["directory"], p.get("fstype", "nfs")]
        if p.get("options"):
            args.append(p["options"])
        return "Filesystem::" + "::".join(args)
    if resource.type in INIT_SCRIPTS:
        if "init_script" in p:
            return os.path.basename(p["init_script"])
        return INIT_SCRIPTS[resource.type]
    if resource.type.startswith(("lsb:", "service:")):
        return resource.type.split(":", 1)[1]
    raise NfvdHaError(Problem(f"resource '{resource.id}' of type {resource.type} has no "
                              "heartbeat v1 (haresources) form", where=where),
                      hint="use an nfvd agent type or lsb:SCRIPT for heartbeat hosts")


def render_haresources(cluster):
    """One line per group (and per lone primitive); clones have no v1 form: A/A services
    run outside heartbeat, as in the guide."""
    lines = ["# Rendered by nfvd-ha: node resource... (started left to right, stopped "
             "right to left)"]
    cloned = {c.id for c in cluster.clones}
    problems = []
    for top in cluster.top_level():
        if top in cloned:
            lines.append(f"# {top}: a clone, runs on every node outside heartbeat")
            continue
        group = next((g for g in cluster.groups if g.id == top), None)
        members = group.members if group else (top,)
        words = []
        for rid in members:
            try:
                words.append(resource_spec(cluster.resource(rid), f"{cluster.name}.{rid}"))
            except NfvdHaError as error:
                problems += error.problems
        lines.append(" ".join([cluster.preferred_for(top)] + words))
    if problems:
        raise NfvdHaError(problems, hint="use an nfvd agent type or lsb:SCRIPT for heartbeat")
    return "\n".join(lines) + "\n"


def render_authkeys(key_hex):
    return f"auth 1\n1 sha1 {key_hex}\n"
