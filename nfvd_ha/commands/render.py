"""Use cases: render a definition's files, generate its keys.

load -> validate (all errors at once) -> read secrets (keys kept, secret files of fence
devices) -> build every file in memory -> write them all (staged, then renamed). Nothing is
written when anything fails. Files that hold a secret (cib.xml: fence credentials;
haproxy.cfg: the stats password; ha.cf with stonith_host lines) are 0600.
"""

import os
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from crm import render_cib
from heartbeat_compat.render import (UNFENCED, render_authkeys, render_ha_cf, render_haresources,
                                     uncarried, unfenced_reason)

from ..adapters.files import write_all_atomic
from ..definition import load_definition
from ..definition.model import Cluster, Definition, SecretRef
from ..errors import NfvdHaError, Problem
from ..renderers import keys, mount_units, openstack
from ..renderers.corosync import render_corosync_conf
from ..renderers.f5 import render_as3, render_tmsh
from ..renderers.haproxy import render_haproxy_cfg

TARGETS = ("cib", "corosync", "heartbeat", "haproxy", "f5", "openstack", "mounts")
STATS_ENV = "haproxy/nfvd-stats.env"


def _cluster_files(cluster: Cluster, targets: Collection[str], secrets: Mapping[SecretRef, str],
                   notes: list[str]) -> Iterator[tuple[str, str, int]]:
    """(relative path, text, mode) of every file of ``cluster`` the targets ask for; what
    cannot be rendered for heartbeat goes to ``notes``."""
    base = cluster.name
    if "cib" in targets:
        yield f"{base}/cib.xml", render_cib(cluster, secrets), 0o600
    if "corosync" in targets:
        yield f"{base}/corosync.conf", render_corosync_conf(cluster), 0o644
    if "openstack" in targets:
        yield (f"{base}/{openstack.FILE}", openstack.render_allowed_address_pairs(cluster),
               0o644)
    if "heartbeat" in targets:
        said = f"cluster {cluster.name} (heartbeat files): "
        skipped = uncarried(cluster)
        if skipped:  # the other targets are rendered; heartbeat hosts get nothing wrong
            notes.append(said + "not rendered: " + "; ".join(skipped))
            return
        why = unfenced_reason(cluster)
        if why:
            notes.append(said + UNFENCED.format(why=why))
        if cluster.alerts:
            notes.append(said + "heartbeat v1 has no alerts; its [[cluster.alert]] entries "
                         "reach Pacemaker only")
        notes += [said + f"heartbeat v1 cannot tie group {g.id} to {', '.join(g.requires)} "
                  "(requires): haresources starts it whether or not those run; the load "
                  "balancer pair is for Pacemaker" for g in cluster.groups if g.requires]
        yield f"{base}/ha.d/ha.cf", render_ha_cf(cluster, secrets), 0o644 if why else 0o600
        yield f"{base}/ha.d/haresources", render_haresources(cluster), 0o644


def key_files(definition: Definition, targets: Collection[str] = TARGETS
              ) -> Iterator[tuple[str, Callable[[], str | bytes], int, str]]:
    """(relative path, generator, mode, kind) of every secret the targets need."""
    for cluster in definition.clusters:
        if "corosync" in targets:
            yield f"{cluster.name}/authkey", keys.corosync_authkey, 0o400, "corosync"
        if "heartbeat" in targets and not uncarried(cluster):
            yield (f"{cluster.name}/ha.d/authkeys",
                   lambda: render_authkeys(keys.heartbeat_key()), 0o600, "heartbeat")
    if "haproxy" in targets and definition.loadbalancer is not None:
        yield STATS_ENV, keys.stats_env, 0o600, "stats"


def build(definition: Definition, targets: Collection[str] = TARGETS,
          secrets: Mapping[SecretRef, str] | None = None, stats_password: str | None = None
          ) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Every file of the targets, in memory: [(relative path, text, mode)], and warnings."""
    files: list[tuple[str, str, int]] = []
    problems: list[Problem] = []
    notes: list[str] = []
    for cluster in definition.clusters:
        try:
            files += list(_cluster_files(cluster, targets, secrets or {}, notes))
        except NfvdHaError as error:
            problems += error.problems
    if "haproxy" in targets and definition.loadbalancer is not None:
        if stats_password is None:
            raise NfvdHaError("haproxy.cfg needs the stats password of the keys "
                              f"({STATS_ENV}): nothing was written")
        files.append(("haproxy/haproxy.cfg",
                      render_haproxy_cfg(definition.loadbalancer, stats_password,
                                         [ip for c in definition.clusters for ip in c.vips()]),
                      0o600))
    if "f5" in targets and definition.loadbalancer is not None:
        files += [("f5/as3.json", render_as3(definition.loadbalancer), 0o644),
                  ("f5/nfvd.tmsh", render_tmsh(definition.loadbalancer), 0o644)]
    if "mounts" in targets:
        files += mount_units.files(definition)
    if problems:
        raise NfvdHaError(problems, hint="nothing was written")
    return files, notes


def validation_notes(definition: Definition) -> list[str]:
    """What ``validate`` says besides the definition's own warnings: the clusters whose
    heartbeat files would not be rendered (heartbeat v1 cannot carry them)."""
    return [f"cluster {c.name} (heartbeat files): would not be rendered: "
            + "; ".join(uncarried(c)) for c in definition.clusters if uncarried(c)]


def fence_secrets(definition: Definition, targets: Collection[str]) -> dict[SecretRef, str]:
    """{SecretRef: value} for the fence parameters kept in files (read now, never shown)."""
    if not {"cib", "heartbeat"} & set(targets):
        return {}
    refs = {v for c in definition.clusters for f in c.fencing for _, v in f.params
            if isinstance(v, SecretRef)}
    return {ref: keys.read_secret(ref.path) for ref in sorted(refs, key=lambda r: r.path)}


def _keys(definition: Definition, out: str, targets: Collection[str], force: bool
          ) -> tuple[list[tuple[str, str | bytes, int]], list[str], str | None]:
    """New key files to write, the kept ones, and the stats password (new or kept)."""
    new_keys: list[tuple[str, str | bytes, int]] = []
    kept: list[str] = []
    password = None
    for rel, make, mode, kind in key_files(definition, targets):
        path = os.path.join(out, rel)
        if os.path.lexists(path) and not force:
            data: str | bytes = keys.existing_key(path, kind)
            kept.append(rel)
        else:
            data = make()
            new_keys.append((rel, data, mode))
        if kind == "stats":
            password = keys.stats_password_of(data if isinstance(data, bytes) else data.encode())
    return new_keys, kept, password


def render(path: str, out: str, targets: Collection[str] = TARGETS, force: bool = False
           ) -> dict[str, Any]:
    """Render ``targets`` of the definition at ``path`` into ``out``; returns a report."""
    definition = load_definition(path)
    new_keys, kept, password = _keys(definition, out, targets, force)
    files, notes = build(definition, targets, fence_secrets(definition, targets), password)
    everything: list[tuple[str, str | bytes, int]] = [*files, *new_keys]
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in everything])
    return {"written": [rel for rel, _, _ in everything], "kept": kept,
            "warnings": definition.warnings() + notes}


def keygen(path: str, out: str, force: bool = False) -> dict[str, Any]:
    """Generate the keys the definition at ``path`` needs into ``out``; returns a report."""
    definition = load_definition(path)
    new_keys, kept, _ = _keys(definition, out, TARGETS, force)
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in new_keys])
    return {"written": [rel for rel, _, _ in new_keys], "kept": kept,
            "warnings": definition.warnings()}
