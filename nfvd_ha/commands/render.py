"""Use cases: render a definition's files, generate its keys.

load -> validate (all errors at once) -> read secrets (keys kept, secret files of fence
devices) -> build every file in memory -> write them all (staged, then renamed). Nothing is
written when anything fails. Files that hold a secret (cib.xml: fence credentials;
haproxy.cfg: the stats password; ha.cf with stonith_host lines) are 0600.
"""

import os

from crm import render_cib
from heartbeat_compat.render import (render_authkeys, render_ha_cf, render_haresources,
                                     uncarried, unfenced_reason, UNFENCED)

from ..renderers import keys, mount_units, openstack
from ..renderers.corosync import render_corosync_conf
from ..definition import load_definition
from ..definition.model import SecretRef
from ..errors import NfvdHaError
from ..renderers.f5 import render_as3, render_tmsh
from ..adapters.files import write_all_atomic
from ..renderers.haproxy import render_haproxy_cfg

TARGETS = ("cib", "corosync", "heartbeat", "haproxy", "f5", "openstack", "mounts")
STATS_ENV = "haproxy/nfvd-stats.env"


def _cluster_files(cluster, targets, secrets, notes):
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


def key_files(definition, targets=TARGETS):
    """(relative path, generator, mode, kind) of every secret the targets need."""
    for cluster in definition.clusters:
        if "corosync" in targets:
            yield f"{cluster.name}/authkey", keys.corosync_authkey, 0o400, "corosync"
        if "heartbeat" in targets and not uncarried(cluster):
            yield (f"{cluster.name}/ha.d/authkeys",
                   lambda: render_authkeys(keys.heartbeat_key()), 0o600, "heartbeat")
    if "haproxy" in targets and definition.loadbalancer is not None:
        yield STATS_ENV, keys.stats_env, 0o600, "stats"


def build(definition, targets=TARGETS, secrets=None, stats_password=None):
    """Every file of the targets, in memory: [(relative path, text, mode)], and warnings."""
    files: list[tuple[str, str, int]] = []
    problems: list = []
    notes: list[str] = []
    for cluster in definition.clusters:
        try:
            files += list(_cluster_files(cluster, targets, secrets or {}, notes))
        except NfvdHaError as error:
            problems += error.problems
    if "haproxy" in targets and definition.loadbalancer is not None:
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


def validation_notes(definition):
    """What ``validate`` says besides the definition's own warnings: the clusters whose
    heartbeat files would not be rendered (heartbeat v1 cannot carry them)."""
    return [f"cluster {c.name} (heartbeat files): would not be rendered: "
            + "; ".join(uncarried(c)) for c in definition.clusters if uncarried(c)]


def fence_secrets(definition, targets):
    """{SecretRef: value} for the fence parameters kept in files (read now, never shown)."""
    if not {"cib", "heartbeat"} & set(targets):
        return {}
    refs = {v for c in definition.clusters for f in c.fencing for _, v in f.params
            if isinstance(v, SecretRef)}
    return {ref: keys.read_secret(ref.path) for ref in sorted(refs, key=lambda r: r.path)}


def _keys(definition, out, targets, force):
    """New key files to write, the kept ones, and the stats password (new or kept)."""
    plan, kept, password = [], [], None
    for rel, make, mode, kind in key_files(definition, targets):
        path = os.path.join(out, rel)
        if os.path.lexists(path) and not force:
            data = keys.existing_key(path, kind)
            kept.append(rel)
        else:
            data = make()
            plan.append((rel, data, mode))
        if kind == "stats":
            password = keys.stats_password_of(data if isinstance(data, bytes) else data.encode())
    return plan, kept, password


def render(path, out, targets=TARGETS, force=False):
    """Render ``targets`` of the definition at ``path`` into ``out``; returns a report."""
    definition = load_definition(path)
    plan, kept, password = _keys(definition, out, targets, force)
    files, notes = build(definition, targets, fence_secrets(definition, targets), password)
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in
                      files + plan])
    return {"written": [rel for rel, _, _ in files + plan], "kept": kept,
            "warnings": definition.warnings() + notes}


def keygen(path, out, force=False):
    definition = load_definition(path)
    plan, kept, _ = _keys(definition, out, TARGETS, force)
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in plan])
    return {"written": [rel for rel, _, _ in plan], "kept": kept,
            "warnings": definition.warnings()}
