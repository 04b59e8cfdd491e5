"""The [[mount]] entries of a definition: shared filesystems mounted at boot by hosts outside
any Pacemaker cluster (guide 2.3.7.2: the GUI VMs mount the image repository the FF pair's
clone mounts). A node of a cluster never gets one: its shared directories are shared-fs
resources, mounted where the cluster runs them."""

from collections.abc import Sequence
from typing import Any

from agents.shared_fs import directory_problem, token_problem

from . import model
from .checker import GRAMMAR, Checker
from .topology import unique

KEYS = ("id", "hosts", "device", "directory", "fstype", "options", "owner")


def host_mounts(check: Checker, data: dict[str, Any],
                clusters: Sequence[model.Cluster | None]) -> tuple[model.HostMount, ...]:
    found = []
    for i, m in enumerate(check.array(data, "mount", "")):
        mount = _mount(check, m, f"mount[{i}]", clusters)
        if mount is not None:
            found.append(mount)
    unique(check, [(m.id, f"mount[{i}].id") for i, m in enumerate(found)], "mount id")
    unique(check, [((h, m.directory), f"mount[{i}].directory") for i, m in enumerate(found)
                   for h in m.hosts], "host and directory")
    return tuple(found)


def _mount(check: Checker, m: Any, where: str,
           clusters: Sequence[model.Cluster | None]) -> model.HostMount | None:
    if not isinstance(m, dict):
        check.error(where, "must be a table")
        return None
    m = check.keys(m, where, KEYS, required=("id", "hosts", "device", "directory"))
    values = {key: check.get(m, key, where, str, default) for key, default in (
        ("device", None), ("directory", None), ("fstype", "nfs"), ("options", "defaults"),
        ("owner", ""))}
    problem = directory_problem(values["directory"]) if values["directory"] else None
    if problem:
        check.error(f"{where}.directory", f"'{values['directory']}' {problem}")
    for key in ("device", "fstype", "options"):
        problem = token_problem(values[key] or "", key) if values[key] is not None else None
        if problem:
            check.error(f"{where}.{key}", problem)
    _owner(check, values["owner"], f"{where}.owner")
    hosts = check.strings(m, "hosts", where, "node")
    if "hosts" in m and not hosts:
        check.error(f"{where}.hosts", "must name at least one host")
    unique(check, [(h, f"{where}.hosts") for h in hosts], "host")
    _outside_clusters(check, hosts, clusters, f"{where}.hosts")
    _same_owner(check, values, clusters, f"{where}.owner")
    ident = check.get(m, "id", where, str, grammar="id")
    if ident is None or values["device"] is None or values["directory"] is None:
        return None
    return model.HostMount(ident, tuple(hosts), **values)


def _owner(check: Checker, owner: str, where: str) -> None:
    """user or user:group, each a user or group name."""
    if owner and not all(GRAMMAR["account"][0].match(part) for part in owner.split(":", 1)):
        check.error(where, f"'{owner}' is not user:group (user and group names)")


def _outside_clusters(check: Checker, hosts: Sequence[str],
                      clusters: Sequence[model.Cluster | None], where: str) -> None:
    for cluster in clusters:
        for host in hosts:
            if cluster and host in {n.name for n in cluster.nodes}:
                check.error(where, f"{host} is a node of cluster {cluster.name}: a cluster's "
                            "shared directory is a shared-fs resource (a clone where every "
                            "node mounts it), never mounted by the host at boot")


def _same_owner(check: Checker, values: dict[str, Any],
                clusters: Sequence[model.Cluster | None], where: str) -> None:
    """One share, one owner: a cluster's shared-fs resource on the same device agrees."""
    for cluster in filter(None, clusters):
        for r in cluster.resources:
            if r.type == "shared-fs" and r.param("device") == values["device"] and \
                    values["owner"] and r.param("owner", "uca:uca") != values["owner"]:
                check.error(where, f"'{values['owner']}': {values['device']} is also resource "
                            f"{r.id} of cluster {cluster.name}, owned by "
                            f"'{r.param('owner', 'uca:uca')}': one share, one owner")
