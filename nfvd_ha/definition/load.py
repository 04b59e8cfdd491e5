"""Load a definition file: TOML -> checked model, with every problem reported at once."""

import ipaddress
import re
import tomllib

from ..errors import NfvdHaError, Problem
from . import model
from .checker import Checker
from .resources import check_resource, param_text

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9\-]+)*$")
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_IFACE = re.compile(r"^[A-Za-z0-9_.:\-]{1,15}$")
FACILITIES = ("daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
              "local7", "user", "none")


def load_definition(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise NfvdHaError(Problem(f"cannot read: {exc.strerror}", path)) from None
    return load_text(raw.decode("utf-8", "replace"), path)


def load_text(text, source="<definition>"):
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise NfvdHaError(Problem(f"not valid TOML: {exc}", source, None,
                                  int(line.group(1)) if line else None)) from None
    check = Checker(source, text)
    check.keys(data, "", ("cluster", "loadbalancer"), required=("cluster",))
    clusters = tuple(_cluster(check, c, f"cluster[{i}]")
                     for i, c in enumerate(check.array(data, "cluster", "")))
    _unique(check, [(c.name, f"cluster[{i}].name") for i, c in enumerate(clusters) if c],
            "cluster name")
    lb = _loadbalancer(check, data["loadbalancer"], "loadbalancer") \
        if "loadbalancer" in data else None
    check.raise_if_any()
    return model.Definition(source, clusters, lb)


def _unique(check, pairs, what):
    seen = {}
    for value, where in pairs:
        if value in seen:
            check.error(where, f"duplicate {what} '{value}' (first at {seen[value]})")
        seen.setdefault(value, where)


def _name(check, value, where, pattern=_NAME, what="name"):
    if value is not None and not pattern.match(value):
        check.error(where, f"'{value}' is not a valid {what}")
    return value


def _ip(check, value, where):
    try:
        return str(ipaddress.ip_address(value)) if value is not None else None
    except ValueError:
        check.error(where, f"'{value}' is not an IP address")
        return None


def _port(check, value, where):
    if value is not None and not 1 <= value <= 65535:
        check.error(where, f"port {value} is out of range 1-65535")
    return value


CLUSTER_KEYS = ("name", "nodes", "preferred_node", "auto_failback", "timing", "transport",
                "recovery", "resource", "group", "clone", "fencing", "quorum_device",
                "logfacility")


def _cluster(check, c, where):
    if not isinstance(c, dict):
        check.error(where, "must be a table")
        return None
    check.keys(c, where, CLUSTER_KEYS, required=("name", "nodes"))
    name = _name(check, check.get(c, "name", where, str), f"{where}.name", _ID, "cluster name")
    nodes = _nodes(check, c, where)
    node_names = [n.name for n in nodes if n.name]
    preferred = check.get(c, "preferred_node", where, str, node_names[0] if node_names else "")
    if node_names and preferred not in node_names:
        check.error(f"{where}.preferred_node", f"'{preferred}' is not one of the nodes "
                    f"({', '.join(node_names)})")
    logfacility = check.get(c, "logfacility", where, str, "local0")
    if logfacility not in FACILITIES:
        check.error(f"{where}.logfacility", f"'{logfacility}' is not one of "
                    f"{', '.join(FACILITIES)}")
    resources = tuple(filter(None, (check_resource(check, r, f"{where}.resource[{i}]")
                                    for i, r in enumerate(check.array(c, "resource", where)))))
    groups = tuple(_groups(check, c, where, node_names))
    clones = tuple(_clones(check, c, where))
    fencing = tuple(_fencing(check, c, where, node_names))
    _references(check, where, resources, groups, clones, fencing)
    return model.Cluster(
        name=name, nodes=nodes, preferred_node=preferred,
        auto_failback=check.get(c, "auto_failback", where, bool, False),
        timing=_timing(check, c.get("timing", {}), f"{where}.timing"),
        transport=_transport(check, c.get("transport", {}), f"{where}.transport", nodes),
        recovery=_recovery(check, c.get("recovery", {}), f"{where}.recovery"),
        resources=resources, groups=groups, clones=clones, fencing=fencing,
        quorum_device=_qdevice(check, c["quorum_device"], f"{where}.quorum_device")
        if "quorum_device" in c else None,
        logfacility=logfacility)


def _nodes(check, c, where):
    nodes = []
    for i, n in enumerate(check.array(c, "nodes", where)):
        w = f"{where}.nodes[{i}]"
        n = check.keys(n, w, ("name", "address"), required=("name", "address"))
        name = _name(check, check.get(n, "name", w, str), f"{w}.name",
                     what="node name (it must equal `uname -n` on the node)")
        address = _ip(check, check.get(n, "address", w, str), f"{w}.address")
        nodes.append(model.Node(name, address, i + 1))
    if "nodes" in c and len(nodes) < 2:
        check.error(f"{where}.nodes", f"a cluster needs at least 2 nodes, not {len(nodes)}")
    _unique(check, [(n.name, f"{where}.nodes[{i}].name") for i, n in enumerate(nodes)],
            "node name")
    _unique(check, [(n.address, f"{where}.nodes[{i}].address") for i, n in enumerate(nodes)
                    if n.address], "node address")
    return tuple(nodes)


def _timing(check, t, where):
    t = check.keys(t, where, ("keepalive", "deadtime", "warntime", "initdead"))
    keepalive = check.get(t, "keepalive", where, "duration", 250)
    deadtime = check.get(t, "deadtime", where, "duration", 1000)
    warntime = check.get(t, "warntime", where, "duration", None)
    initdead = check.get(t, "initdead", where, "duration", None)
    if None in (keepalive, deadtime):
        return model.Timing(keepalive or 0, deadtime or 0, warntime or 0, initdead or 0)
    if keepalive <= 0:
        check.error(f"{where}.keepalive", "must be more than 0")
    if deadtime <= 2 * keepalive:
        check.error(f"{where}.deadtime", f"deadtime ({deadtime} ms) must be more than twice "
                    f"keepalive ({keepalive} ms)")
    warntime = (deadtime + keepalive) // 2 if warntime is None else warntime
    if not keepalive < warntime < deadtime:
        check.error(f"{where}.warntime", f"warntime ({warntime} ms) must be between keepalive "
                    f"({keepalive} ms) and deadtime ({deadtime} ms)")
    initdead = max(2 * deadtime, 10000) if initdead is None else initdead
    if initdead < deadtime:
        check.error(f"{where}.initdead", f"initdead ({initdead} ms) must be at least deadtime "
                    f"({deadtime} ms)")
    return model.Timing(keepalive, deadtime, warntime, initdead)


def _transport(check, t, where, nodes):
    t = check.keys(t, where, ("mode", "interface", "udpport", "mcast_group", "mcast_ttl"))
    mode = check.get(t, "mode", where, str, "ucast")
    if mode not in ("ucast", "bcast", "mcast"):
        check.error(f"{where}.mode", f"'{mode}' is not one of ucast, bcast, mcast")
    interface = _name(check, check.get(t, "interface", where, str, "eth0"),
                      f"{where}.interface", _IFACE, "interface name")
    udpport = _port(check, check.get(t, "udpport", where, int, 694), f"{where}.udpport")
    group = check.get(t, "mcast_group", where, str, "")
    if mode == "mcast":
        addr = _ip(check, group or None, f"{where}.mcast_group")
        if group == "":
            check.error(f"{where}.mcast_group", "is required with mode = mcast")
        elif addr and not ipaddress.ip_address(addr).is_multicast:
            check.error(f"{where}.mcast_group", f"'{group}' is not a multicast address")
    ttl = check.get(t, "mcast_ttl", where, int, 1)
    if ttl is not None and not 1 <= ttl <= 255:
        check.error(f"{where}.mcast_ttl", "must be 1-255")
    return model.Transport(mode, interface, udpport, group, ttl)


def _recovery(check, r, where):
    r = check.keys(r, where, ("restarts_before_failover", "failure_timeout"))
    restarts = check.get(r, "restarts_before_failover", where, int, 3)
    if restarts is not None and not 0 <= restarts <= 100:
        check.error(f"{where}.restarts_before_failover", "must be 0-100")
    timeout = check.get(r, "failure_timeout", where, "duration", 600000)
    return model.Recovery(restarts or 0, timeout or 0)


def _groups(check, c, where, node_names):
    for i, g in enumerate(check.array(c, "group", where)):
        w = f"{where}.group[{i}]"
        g = check.keys(g, w, ("id", "members", "preferred_node"), required=("id", "members"))
        preferred = check.get(g, "preferred_node", w, str, None)
        if preferred is not None and node_names and preferred not in node_names:
            check.error(f"{w}.preferred_node", f"'{preferred}' is not one of the nodes")
        gid = _name(check, check.get(g, "id", w, str), f"{w}.id", _ID, "id")
        members = check.get(g, "members", w, list, [])
        if not members and "members" in g:
            check.error(f"{w}.members", "must name at least one resource")
        yield model.Group(gid, tuple(m for m in members if isinstance(m, str)), preferred)


def _clones(check, c, where):
    for i, k in enumerate(check.array(c, "clone", where)):
        w = f"{where}.clone[{i}]"
        k = check.keys(k, w, ("id", "member", "max"), required=("id", "member"))
        yield model.Clone(_name(check, check.get(k, "id", w, str), f"{w}.id", _ID, "id"),
                          check.get(k, "member", w, str), check.get(k, "max", w, int, None))


def _fencing(check, c, where, node_names):
    for i, f in enumerate(check.array(c, "fencing", where)):
        w = f"{where}.fencing[{i}]"
        f = check.keys(f, w, ("id", "agent", "params", "targets"),
                       required=("id", "agent", "targets"))
        targets = check.get(f, "targets", w, list, [])
        for t in targets:
            if t not in node_names:
                check.error(f"{w}.targets", f"'{t}' is not a node of this cluster")
        params = check.get(f, "params", w, dict, {})
        yield model.Fencing(_name(check, check.get(f, "id", w, str), f"{w}.id", _ID, "id"),
                            check.get(f, "agent", w, str), tuple(sorted(
                                (k, param_text(v)) for k, v in params.items())), tuple(targets))


def _qdevice(check, q, where):
    q = check.keys(q, where, ("host", "algorithm", "port"), required=("host",))
    algorithm = check.get(q, "algorithm", where, str, "ffsplit")
    if algorithm not in ("ffsplit", "lms"):
        check.error(f"{where}.algorithm", f"'{algorithm}' is not one of ffsplit, lms")
    host = check.get(q, "host", where, str)
    return model.QuorumDevice(host, algorithm,
                              _port(check, check.get(q, "port", where, int, 5403),
                                    f"{where}.port"))


def _references(check, where, resources, groups, clones, fencing):
    ids = [(r.id, f"{where}.resource[{i}].id") for i, r in enumerate(resources)]
    ids += [(g.id, f"{where}.group[{i}].id") for i, g in enumerate(groups)]
    ids += [(k.id, f"{where}.clone[{i}].id") for i, k in enumerate(clones)]
    ids += [(f.id, f"{where}.fencing[{i}].id") for i, f in enumerate(fencing)]
    _unique(check, [p for p in ids if p[0]], "id")
    rids, gids = {r.id for r in resources}, {g.id for g in groups}
    owner = {}
    for i, g in enumerate(groups):
        for m in g.members:
            if m not in rids:
                check.error(f"{where}.group[{i}].members", f"'{m}' is not a resource")
            elif m in owner:
                check.error(f"{where}.group[{i}].members",
                            f"'{m}' is already a member of group '{owner[m]}'")
            owner.setdefault(m, g.id)
    cloned = {}
    for i, k in enumerate(clones):
        if k.member not in rids | gids:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is not a resource or group")
        elif k.member in owner:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is in group "
                        f"'{owner[k.member]}': clone the group instead")
        elif k.member in cloned:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is already cloned")
        cloned.setdefault(k.member, k.id)


def _loadbalancer(check, lb, where):
    lb = check.keys(lb, where, ("service", "stats"))
    stats = check.keys(lb.get("stats", {}), f"{where}.stats", ("bind", "env_file"))
    services = tuple(filter(None, (_service(check, s, f"{where}.service[{i}]")
                                   for i, s in enumerate(check.array(lb, "service", where)))))
    _unique(check, [(s.name, f"{where}.service[{i}].name") for i, s in enumerate(services)],
            "service name")
    _unique(check, [(s.bind, f"{where}.service[{i}].bind") for i, s in enumerate(services)],
            "bind address")
    return model.LoadBalancer(
        services, _bind(check, check.get(stats, "bind", f"{where}.stats", str, "*:1936"),
                        f"{where}.stats.bind"),
        check.get(stats, "env_file", f"{where}.stats", str, "/etc/haproxy/nfvd-stats.env"))


def _bind(check, value, where):
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        check.error(where, f"'{value}' is not address:port")
    elif host not in ("*", ""):
        _ip(check, host, where)
    return value


SERVICE_KEYS = ("name", "mode", "bind", "port", "check", "servers", "fall", "rise")


def _service(check, s, where):
    s = check.keys(s, where, SERVICE_KEYS, required=("name", "bind", "port", "servers"))
    mode = check.get(s, "mode", where, str, "active-active")
    if mode not in ("active-active", "primary-backup"):
        check.error(f"{where}.mode", f"'{mode}' is not one of active-active, primary-backup")
    hc = check.keys(s.get("check", {}), f"{where}.check", ("port", "path", "interval"))
    port = _port(check, check.get(s, "port", where, int), f"{where}.port")
    servers = []
    for i, v in enumerate(check.array(s, "servers", where)):
        w = f"{where}.servers[{i}]"
        v = check.keys(v, w, ("name", "address", "cookie"), required=("name", "address"))
        name = _name(check, check.get(v, "name", w, str), f"{w}.name", _ID, "server name")
        servers.append(model.Server(name, _ip(check, check.get(v, "address", w, str),
                                              f"{w}.address"),
                                    check.get(v, "cookie", w, str, name)))
    if "servers" in s and len(servers) < 2:
        check.error(f"{where}.servers", "a load-balanced service needs at least 2 servers")
    return model.LbService(
        name=_name(check, check.get(s, "name", where, str), f"{where}.name", _ID, "name"),
        mode=mode, bind=_bind(check, check.get(s, "bind", where, str), f"{where}.bind"),
        port=port,
        check_port=_port(check, check.get(hc, "port", f"{where}.check", int, port),
                         f"{where}.check.port"),
        check_path=check.get(hc, "path", f"{where}.check", str, "/"),
        check_interval=check.get(hc, "interval", f"{where}.check", "duration", 15000),
        servers=tuple(servers),
        fall=check.get(s, "fall", where, int, 1 if mode == "primary-backup" else 3),
        rise=check.get(s, "rise", where, int, 3 if mode == "primary-backup" else 2))
