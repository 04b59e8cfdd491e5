"""Nodes and their links, timing, transport, recovery, groups and clones of a cluster."""

import ipaddress
from collections.abc import Iterable, Iterator
from typing import Any

from . import model
from .checker import Bounds, Checker, join, valid

MAX_LINKS = 8  # corosync knet
FACILITIES = ("daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
              "local7", "user", "none")


def unique(check: Checker, pairs: Iterable[tuple[object, str]], what: str) -> None:
    seen: dict[object, str] = {}
    for value, where in pairs:
        if value in seen:
            check.error(where, f"duplicate {what} '{value}' (first at {seen[value]})")
        seen.setdefault(value, where)


def nodes(check: Checker, c: dict[str, Any], where: str) -> tuple[model.Node, ...]:
    found = []
    for i, n in enumerate(check.array(c, "nodes", where)):
        w = f"{where}.nodes[{i}]"
        n = check.keys(n, w, ("name", "address", "addresses"), required=("name",))
        name = check.get(n, "name", w, str, grammar="node")
        found.append(model.Node(name, _addresses(check, n, w), i + 1))
    if "nodes" in c and len(found) < 2:
        check.error(f"{where}.nodes", f"a cluster needs at least 2 nodes, not {len(found)}")
    unique(check, [(n.name, f"{where}.nodes[{i}].name") for i, n in enumerate(found)
                   if n.name], "node name")
    unique(check, [(a, f"{where}.nodes[{i}].addresses") for i, n in enumerate(found)
                   for a in n.addresses if a], "node address")
    _same_links(check, found, where)
    return tuple(found)


def _addresses(check: Checker, n: dict[str, Any], w: str) -> tuple[str, ...]:
    """A node's addresses, one per link: ``address = "ip"`` or ``addresses = [...]``."""
    if "address" in n and "addresses" in n:
        check.error(f"{w}.addresses", "give address or addresses, not both")
        return ()
    if "address" in n:
        return (valid(check.ip(check.get(n, "address", w, str), f"{w}.address")),)
    if "addresses" not in n:
        check.error(f"{w}.address", "is required (or addresses, one per link)")
        return ()
    raw = check.strings(n, "addresses", w, None)
    if not 1 <= len(raw) <= MAX_LINKS:
        check.error(f"{w}.addresses", f"must list 1-{MAX_LINKS} addresses (one per link)")
    return tuple(valid(check.ip(a, f"{w}.addresses[{i}]")) for i, a in enumerate(raw))


def _same_links(check: Checker, found: list[model.Node], where: str) -> None:
    """Every node has the same links, and each link is one address family."""
    counts = {len(n.addresses) for n in found}
    if len(counts) > 1:
        check.error(f"{where}.nodes", "every node must have the same number of links "
                    f"(addresses): {', '.join(f'{n.name}: {len(n.addresses)}' for n in found)}")
        return
    for link in range(counts.pop() if counts else 0):
        families = {ipaddress.ip_address(n.addresses[link]).version for n in found
                    if n.addresses[link]}
        if len(families) > 1:
            check.error(f"{where}.nodes", f"link {link} mixes IPv4 and IPv6 addresses")


def timing(check: Checker, t: Any, where: str) -> model.Timing:
    t = check.keys(t, where, ("keepalive", "deadtime", "warntime", "initdead"))
    keepalive = check.ranged(t, "keepalive", where, Bounds.duration(50, 60000, default=250))
    deadtime = check.ranged(t, "deadtime", where, Bounds.duration(200, 300000, default=1000))
    warntime = check.ranged(t, "warntime", where, Bounds.duration(50, 300000))
    initdead = check.ranged(t, "initdead", where, Bounds.duration(200, 3600000))
    if None in (keepalive, deadtime):
        return model.Timing(keepalive or 0, deadtime or 0, warntime or 0, initdead or 0)
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


def transport(check: Checker, t: Any, where: str, links: int) -> model.Transport:
    t = check.keys(t, where, ("mode", "interface", "interfaces", "udpport", "mcast_group",
                              "mcast_ttl"))
    mode = check.get(t, "mode", where, str, "ucast")
    if mode not in ("ucast", "bcast", "mcast"):
        check.error(f"{where}.mode", f"'{mode}' is not one of ucast, bcast, mcast")
    if "interface" in t and "interfaces" in t:
        check.error(f"{where}.interfaces", "give interface or interfaces, not both")
    if "interfaces" in t:
        interfaces = tuple(check.strings(t, "interfaces", where, "interface"))
    else:
        interfaces = (check.get(t, "interface", where, str, "eth0", grammar="interface"),)
    if links > 1 and len(interfaces) != links:
        check.error(join(where, "interfaces"), f"name one interface per link ({links} links, "
                    f"{len(interfaces)} interfaces): heartbeat gets one medium per link")
    udpport = check.ranged(t, "udpport", where, Bounds(1, 65535, default=694))
    group = check.get(t, "mcast_group", where, str, "")
    if mode == "mcast":
        addr = check.ip(group or None, f"{where}.mcast_group")
        if group == "":
            check.error(f"{where}.mcast_group", "is required with mode = mcast")
        elif addr and not ipaddress.ip_address(addr).is_multicast:
            check.error(f"{where}.mcast_group", f"'{group}' is not a multicast address")
    ttl = check.ranged(t, "mcast_ttl", where, Bounds(1, 255, default=1))
    return model.Transport(mode, interfaces or ("eth0",), udpport, group, ttl)


def recovery(check: Checker, r: Any, where: str) -> model.Recovery:
    r = check.keys(r, where, ("restarts_before_failover", "failure_timeout",
                              "storage_restarts_before_failover", "storage_failure_timeout"))
    restarts = check.ranged(r, "restarts_before_failover", where, Bounds(0, 100, default=3))
    timeout = check.ranged(r, "failure_timeout", where,
                           Bounds.duration(0, 86400000, default=600000))
    storage_restarts = check.ranged(r, "storage_restarts_before_failover", where,
                                    Bounds(0, 100, default=0))
    storage_timeout = check.ranged(r, "storage_failure_timeout", where,
                                   Bounds.duration(10000, 86400000, default=120000))
    return model.Recovery(restarts or 0, timeout or 0, storage_restarts or 0,
                          storage_timeout or 120000)


def groups(check: Checker, c: dict[str, Any], where: str,
           node_names: Iterable[str]) -> Iterator[model.Group]:
    for i, g in enumerate(check.array(c, "group", where)):
        w = f"{where}.group[{i}]"
        g = check.keys(g, w, ("id", "members", "preferred_node", "requires"),
                       required=("id", "members"))
        preferred = check.get(g, "preferred_node", w, str, None, grammar="node")
        if preferred is not None and node_names and preferred not in node_names:
            check.error(f"{w}.preferred_node", f"'{preferred}' is not one of the nodes")
        members = check.strings(g, "members", w, "id")
        if not members and "members" in g:
            check.error(f"{w}.members", "must name at least one resource")
        yield model.Group(check.get(g, "id", w, str, grammar="id"), tuple(members), preferred,
                          tuple(check.strings(g, "requires", w, "id")))


def clones(check: Checker, c: dict[str, Any], where: str) -> Iterator[model.Clone]:
    for i, k in enumerate(check.array(c, "clone", where)):
        w = f"{where}.clone[{i}]"
        k = check.keys(k, w, ("id", "member", "max"), required=("id", "member"))
        yield model.Clone(check.get(k, "id", w, str, grammar="id"),
                          check.get(k, "member", w, str, grammar="id"),
                          check.ranged(k, "max", w, Bounds(1, 64)))


def alerts(check: Checker, c: dict[str, Any], where: str) -> Iterator[model.Alert]:
    for i, a in enumerate(check.array(c, "alert", where)):
        w = f"{where}.alert[{i}]"
        a = check.keys(a, w, ("id", "path", "recipients", "timeout"),
                       required=("id", "path", "recipients"))
        recipients = tuple(check.strings(a, "recipients", w, "recipient"))
        if a.get("recipients") == []:
            check.error(f"{w}.recipients", "an alert needs at least one recipient")
        yield model.Alert(check.get(a, "id", w, str, grammar="id"),
                          check.get(a, "path", w, str, grammar="path"), recipients,
                          check.ranged(a, "timeout", w,
                                       Bounds.duration(1000, 600000, default=30000)))
