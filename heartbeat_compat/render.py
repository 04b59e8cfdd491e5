"""ha.cf, haresources and authkeys for hosts still on heartbeat v1 (3.0.6).

One ha.cf serves both nodes: it has a ucast line per node, and heartbeat ignores the one
naming the local node. Order matters: udpport before the media lines.
"""

import os
from collections.abc import Mapping

from nfvd_ha.definition.model import Cluster, Resource, SecretRef
from nfvd_ha.errors import NfvdHaError, Problem

#: nfvd agent -> the init script heartbeat v1 runs (the guide's names)
INIT_SCRIPTS = {"activator-ep": "activator-ep", "nfvd-assurance": "nfvd"}
#: fence agent -> heartbeat's stonith plugin and how its arguments come from the params
STONITH_PLUGINS = {"fence_ipmilan": ("external/ipmi", ("ip", "username", "password"))}
UNFENCED = ("heartbeat v1 cannot fence this cluster: {why}. A partition or a frozen node "
            "can run its services on both nodes at once; migrate it to Pacemaker")


def hb_time(ms: int) -> str:
    """Heartbeat takes whole seconds or an 'ms' suffix."""
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms}ms"


def unfenced_reason(cluster: Cluster) -> str | None:
    """Why heartbeat would run this cluster unfenced, or None when every node has a
    stonith_host line."""
    if not cluster.fencing:
        return "no fencing device is defined"
    missing = sorted({f.agent for f in cluster.fencing if f.agent not in STONITH_PLUGINS})
    if missing:
        return f"heartbeat has no stonith plugin for {', '.join(missing)}"
    return None


def _stonith_lines(cluster: Cluster, secrets: Mapping[SecretRef, str]) -> list[str]:
    """A stonith_host line per fenced node (NfvdHaError when a device lacks what its
    heartbeat plugin needs)."""
    lines: list[str] = []
    for fence in cluster.fencing:
        plugin, keys = STONITH_PLUGINS[fence.agent]
        params = dict(fence.params)
        values = []
        for key in keys:
            value = params.get(key) if key != "password" else params.get("password",
                                                                         params.get("passwd"))
            if isinstance(value, SecretRef):
                value = secrets.get(value, value)
            if not value or any(c.isspace() for c in str(value)):
                raise NfvdHaError(f"fencing device {fence.id}: heartbeat's {plugin} needs "
                                  f"{key} (one word)")
            values.append(str(value))
        for target in fence.targets:
            lines.append(f"stonith_host * {plugin} {target} {' '.join(values)} lanplus")
    return lines


def render_ha_cf(cluster: Cluster, secrets: Mapping[SecretRef, str] | None = None) -> str:
    """ha.cf text; stonith_host lines where heartbeat has a plugin for every device,
    otherwise a loud UNFENCED comment (and ``unfenced_reason`` says why)."""
    t, tr = cluster.timing, cluster.transport
    lines = ["# Rendered by nfvd-ha from the cluster definition; valid on every node.",
             f"logfile {cluster.logfile}"]
    if cluster.logfacility != "none":
        lines.append(f"logfacility {cluster.logfacility}")
    lines += [f"keepalive {hb_time(t.keepalive)}", f"deadtime {hb_time(t.deadtime)}",
              f"warntime {hb_time(t.warntime)}", f"initdead {hb_time(t.initdead)}",
              f"udpport {tr.udpport}"]
    for link, interface in enumerate(tr.interfaces):  # one medium per link
        if tr.mode == "ucast":
            lines += [f"ucast {interface} {n.addresses[link]}" for n in cluster.nodes]
        elif tr.mode == "bcast":
            lines.append(f"bcast {interface}")
        else:
            lines.append(f"mcast {interface} {tr.mcast_group} {tr.udpport} {tr.mcast_ttl} 0")
    lines.append(f"auto_failback {'on' if cluster.auto_failback else 'off'}")
    why = unfenced_reason(cluster)
    if why:
        lines.append("# UNFENCED: " + UNFENCED.format(why=why))
    else:
        lines += _stonith_lines(cluster, secrets or {})
    lines += [f"node {n.name}" for n in cluster.nodes]
    return "\n".join(lines) + "\n"


def resource_spec(resource: Resource, where: str) -> str:
    """One haresources word for a resource, e.g. IPaddr::10.0.0.100/24/eth0:0."""
    p = dict(resource.params)
    carried = {"vip": ("cidr_netmask", "nic", "label"),
               "shared-fs": ("device", "directory", "fstype", "options")}.get(resource.type, ())
    if any(c.isspace() or c == ":" and "::" in p[k] for k in carried if k in p for c in p[k]):
        raise NfvdHaError(Problem(f"resource '{resource.id}': a parameter holds a space or "
                                  "'::', which haresources cannot carry", where=where))
    if resource.type == "vip":
        import ipaddress  # an IPv6 address is written out in full: '::' separates arguments
        spec = ipaddress.ip_address(p["ip"]).exploded + (
            f"/{p['cidr_netmask']}" if "cidr_netmask" in p else "")
        if "nic" in p:
            spec += f"/{p['nic']}" + (f":{p['label']}" if "label" in p else "")
        # heartbeat's IPaddr is IPv4 only; IPv6addr takes address/prefix/nic
        return f"{'IPv6addr' if ':' in p['ip'] else 'IPaddr'}::{spec}"
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


def _haresources_lines(cluster: Cluster) -> tuple[list[str], list[Problem]]:
    """(haresources lines, [Problem] of what haresources cannot carry)."""
    lines = ["# Rendered by nfvd-ha: node resource... (started left to right, stopped "
             "right to left)"]
    cloned = {c.id for c in cluster.clones}
    problems: list[Problem] = []
    for top in cluster.top_level():
        if top in cloned:
            lines.append(f"# {top}: a clone, runs on every node outside heartbeat")
            continue
        group = next((g for g in cluster.groups if g.id == top), None)
        members = group.members if group else (top,)
        words = []
        for rid in members:
            try:
                resource = cluster.resource(rid)
                if resource is None:  # the loader refuses a reference to none
                    raise NfvdHaError(f"cluster {cluster.name}: no resource {rid}")
                words.append(resource_spec(resource, f"{cluster.name}.{rid}"))
            except NfvdHaError as error:
                problems += error.problems
        lines.append(" ".join([cluster.preferred_for(top)] + words))
    return lines, problems


def uncarried(cluster: Cluster) -> list[str]:
    """What of ``cluster`` heartbeat v1 cannot carry (texts; [] when it can carry it all):
    its heartbeat files are then not rendered at all - half a group (a service without its
    data mount) would be worse than none."""
    return [p.message for p in _haresources_lines(cluster)[1]]


def render_haresources(cluster: Cluster) -> str:
    """One line per group (and per lone primitive); clones have no v1 form: A/A services
    run outside heartbeat, as in the guide."""
    lines, problems = _haresources_lines(cluster)
    if problems:
        raise NfvdHaError(problems, hint="use an nfvd agent type or lsb:SCRIPT for heartbeat")
    return "\n".join(lines) + "\n"


def render_authkeys(key_hex: str) -> str:
    """heartbeat's authkeys with ``key_hex`` (sha1)."""
    return f"auth 1\n1 sha1 {key_hex}\n"
