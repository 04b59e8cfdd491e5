"""Load a definition file: TOML -> checked model, with every problem reported at once."""

import os
import re
import tomllib
from collections.abc import Sequence
from typing import Any

from ..errors import NfvdHaError, Problem
from ..adapters.files import read_text
from ..paths import HEARTBEAT_LOG
from . import balancer, fencing, model, mounts, qdevice_timing, topology
from .checker import Bounds, Checker
from .resources import check_resource

CLUSTER_KEYS = ("name", "nodes", "preferred_node", "auto_failback", "timing", "transport",
                "recovery", "resource", "group", "clone", "fencing", "fencing_disabled",
                "fencing_delay", "quorum_device", "logfacility", "logfile", "alert")
MAX_DEPTH = 32  # nested tables/arrays: a definition needs 5
MAX_DIGITS = 4300  # Python's int/str conversion limit
MAX_NUMBER = 2 ** 63  # no number of a definition comes near it


def load_definition(path: str | os.PathLike[str]) -> model.Definition:
    return load_text(read_text(path), str(path))


def load_text(text: str, source: str = "<definition>") -> model.Definition:
    depth = _nesting(text)
    if depth > MAX_DEPTH:
        raise NfvdHaError(Problem(f"nests tables or arrays {depth} deep (at most {MAX_DEPTH})",
                                  source))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise NfvdHaError(Problem(f"not valid TOML: {exc}", source, None,
                                  int(line.group(1)) if line else None)) from None
    except RecursionError:
        raise NfvdHaError(Problem("nests too deeply to read", source)) from None
    except ValueError:  # an integer of more digits than Python converts (4300)
        raise NfvdHaError(Problem(f"holds a number too large to read (over {MAX_DIGITS} "
                                  "digits)", source, None, _long_number_line(text))) from None
    check = Checker(source, text)
    _huge_numbers(check, data, "")
    check.raise_if_any()
    check.keys(data, "", ("cluster", "loadbalancer", "mount"))
    if not {"cluster", "loadbalancer", "mount"} & set(data):
        check.error("cluster", "is required (or a [loadbalancer] or a [[mount]])")
    clusters = tuple(_cluster(check, c, f"cluster[{i}]")
                     for i, c in enumerate(check.array(data, "cluster", "")))
    topology.unique(check, [(c.name, f"cluster[{i}].name") for i, c in enumerate(clusters)
                            if c], "cluster name")
    lb = balancer.loadbalancer(check, data["loadbalancer"], "loadbalancer") \
        if "loadbalancer" in data else None
    host_mounts = mounts.host_mounts(check, data, clusters)
    check.raise_if_any()
    return model.Definition(source, tuple(filter(None, clusters)), lb, tuple(check.notes),
                            host_mounts)


def _long_number_line(text: str) -> int | None:
    found = re.search(rf"[0-9_]{{{MAX_DIGITS},}}", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _huge_numbers(check: Checker, value: object, where: str) -> None:
    """Report every integer beyond 64 bits (a 0x... of thousands of digits parses, but
    cannot even be printed): too large for any field, whatever the key."""
    if isinstance(value, dict):
        for key, item in value.items():
            _huge_numbers(check, item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _huge_numbers(check, item, f"{where}[{i}]")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_NUMBER:
        check.error(where, f"is too large (at most {MAX_NUMBER - 1})")


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { outside strings and comments (before tomllib's own
    recursion can blow up)."""
    depth = deepest = 0
    quote, comment = None, False
    for i, char in enumerate(text):
        if comment:
            comment = char != "\n"
        elif quote:
            if char == quote and text[i - 1] != "\\":
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _cluster(check: Checker, c: Any, where: str) -> model.Cluster | None:
    if not isinstance(c, dict):
        check.error(where, "must be a table")
        return None
    check.keys(c, where, CLUSTER_KEYS, required=("name", "nodes"))
    name = check.get(c, "name", where, str, grammar="id")
    nodes = topology.nodes(check, c, where)
    node_names = [n.name for n in nodes if n.name]
    preferred = check.get(c, "preferred_node", where, str, node_names[0] if node_names else "",
                          grammar="node")
    if node_names and preferred not in node_names:
        check.error(f"{where}.preferred_node", f"'{preferred}' is not one of the nodes "
                    f"({', '.join(node_names)})")
    logfacility = check.get(c, "logfacility", where, str, "local0")
    if logfacility not in topology.FACILITIES:
        check.error(f"{where}.logfacility", f"'{logfacility}' is not one of "
                    f"{', '.join(topology.FACILITIES)}")
    resources = tuple(filter(None, (check_resource(check, r, f"{where}.resource[{i}]")
                                    for i, r in enumerate(check.array(c, "resource", where)))))
    groups = tuple(topology.groups(check, c, where, node_names))
    clones = tuple(topology.clones(check, c, where))
    devices = fencing.devices(check, c, where, node_names)
    alerts = tuple(topology.alerts(check, c, where))
    _references(check, where, resources, groups, clones, devices, alerts)
    links = max((len(n.addresses) for n in nodes), default=1)
    cluster = model.Cluster(
        name=name, nodes=nodes, preferred_node=preferred,
        auto_failback=check.get(c, "auto_failback", where, bool, False),
        timing=topology.timing(check, c.get("timing", {}), f"{where}.timing"),
        transport=topology.transport(check, c.get("transport", {}), f"{where}.transport",
                                     links),
        recovery=topology.recovery(check, c.get("recovery", {}), f"{where}.recovery"),
        resources=resources, groups=groups, clones=clones, fencing=devices,
        logfacility=logfacility,
        logfile=check.get(c, "logfile", where, str, HEARTBEAT_LOG, grammar="path"),
        fencing_disabled=fencing.require_fencing(check, c, where, devices, node_names, name),
        fencing_delay=check.ranged(c, "fencing_delay", where,
                                   Bounds.duration(0, 120000, default=5000)),
        alerts=alerts)
    if "quorum_device" in c:
        cluster = _with_qdevice(check, c, where, cluster)
    return cluster


def _with_qdevice(check: Checker, c: dict[str, Any], where: str,
                  cluster: model.Cluster) -> model.Cluster:
    import dataclasses
    qdevice = fencing.quorum_device(check, c["quorum_device"], f"{where}.quorum_device",
                                    cluster.vips(), cluster.name)
    qdevice_timing.judge(check, f"{where}.quorum_device", cluster.timing.deadtime,
                         qdevice.timeout, qdevice.sync_timeout)
    return dataclasses.replace(cluster, quorum_device=qdevice)


def _references(check: Checker, where: str, resources: Sequence[model.Resource],
                groups: Sequence[model.Group], clones: Sequence[model.Clone],
                devices: Sequence[model.Fencing], alerts: Sequence[model.Alert] = ()) -> None:
    ids = [(r.id, f"{where}.resource[{i}].id") for i, r in enumerate(resources)]
    ids += [(g.id, f"{where}.group[{i}].id") for i, g in enumerate(groups)]
    ids += [(k.id, f"{where}.clone[{i}].id") for i, k in enumerate(clones)]
    ids += [(f.id, f"{where}.fencing[{i}].id") for i, f in enumerate(devices)]
    ids += [(a.id, f"{where}.alert[{i}].id") for i, a in enumerate(alerts)]
    topology.unique(check, [p for p in ids if p[0]], "id")
    rids = {r.id for r in resources}
    owner = _group_members(check, where, rids, groups)
    _clone_members(check, where, rids | {g.id for g in groups}, clones, owner)
    _group_requires(check, where, groups, clones)


def _group_members(check: Checker, where: str, rids: set[str],
                   groups: Sequence[model.Group]) -> dict[str, str]:
    """{resource: the group it is in}; an error for a member that is no resource or is
    already in a group."""
    owner: dict[str, str] = {}
    for i, g in enumerate(groups):
        for m in g.members:
            if m not in rids:
                check.error(f"{where}.group[{i}].members", f"'{m}' is not a resource")
            elif m in owner:
                check.error(f"{where}.group[{i}].members",
                            f"'{m}' is already a member of group '{owner[m]}'")
            owner.setdefault(m, g.id)
    return owner


def _clone_members(check: Checker, where: str, cloneable: set[str],
                   clones: Sequence[model.Clone], owner: dict[str, str]) -> None:
    """An error for a clone of what is no resource or group, is in a group or is already
    cloned."""
    cloned: dict[str, str] = {}
    for i, k in enumerate(clones):
        if k.member not in cloneable:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is not a resource or group")
        elif k.member in owner:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is in group "
                        f"'{owner[k.member]}': clone the group instead")
        elif k.member in cloned:
            check.error(f"{where}.clone[{i}].member", f"'{k.member}' is already cloned")
        cloned.setdefault(k.member, k.id)


def _group_requires(check: Checker, where: str, groups: Sequence[model.Group],
                    clones: Sequence[model.Clone]) -> None:
    """An error for a group requiring what is no clone or a clone of itself."""
    clone_ids = {k.id for k in clones}
    for i, g in enumerate(groups):
        for needed in g.requires:
            if needed not in clone_ids:
                check.error(f"{where}.group[{i}].requires", f"'{needed}' is not a clone")
            elif next(k.member for k in clones if k.id == needed) == g.id:
                check.error(f"{where}.group[{i}].requires", f"'{needed}' clones this group")
