"""Use cases: validate a definition, render its files, generate its keys.

load -> validate (all errors at once) -> build every file in memory -> write them all
(staged, then renamed). Nothing is written when anything fails. Existing key files are
kept unless ``force``: replacing a key on one node of a running cluster splits it.
"""

import os

from crm import render_cib
from heartbeat_compat.render import render_authkeys, render_ha_cf, render_haresources

from . import keys
from .corosync import render_corosync_conf
from .definition import load_definition
from .errors import NfvdHaError
from .files import write_all_atomic
from .haproxy import render_haproxy_cfg

TARGETS = ("cib", "corosync", "heartbeat", "haproxy")


def _cluster_files(cluster, targets):
    base = cluster.name
    if "cib" in targets:
        yield f"{base}/cib.xml", render_cib(cluster), 0o644
    if "corosync" in targets:
        yield f"{base}/corosync.conf", render_corosync_conf(cluster), 0o644
    if "heartbeat" in targets:
        yield f"{base}/ha.d/ha.cf", render_ha_cf(cluster), 0o644
        yield f"{base}/ha.d/haresources", render_haresources(cluster), 0o644


def key_files(definition, targets=TARGETS):
    """(relative path, generator, mode) of every secret the targets need."""
    for cluster in definition.clusters:
        if "corosync" in targets:
            yield f"{cluster.name}/authkey", keys.corosync_authkey, 0o400
        if "heartbeat" in targets:
            yield (f"{cluster.name}/ha.d/authkeys",
                   lambda: render_authkeys(keys.heartbeat_key()), 0o600)
    if "haproxy" in targets and definition.loadbalancer is not None:
        yield "haproxy/nfvd-stats.env", keys.stats_env, 0o600


def build(definition, targets=TARGETS):
    files, problems = [], []
    for cluster in definition.clusters:
        try:
            files += list(_cluster_files(cluster, targets))
        except NfvdHaError as error:
            problems += error.problems
    if "haproxy" in targets and definition.loadbalancer is not None:
        files.append(("haproxy/haproxy.cfg", render_haproxy_cfg(definition.loadbalancer),
                      0o644))
    if problems:
        raise NfvdHaError(problems, hint="nothing was written")
    return files


def _secrets(definition, out, targets, force):
    plan, kept = [], []
    for rel, make, mode in key_files(definition, targets):
        if os.path.exists(os.path.join(out, rel)) and not force:
            kept.append(rel)
        else:
            plan.append((rel, make(), mode))
    return plan, kept


def render(path, out, targets=TARGETS, force=False):
    """Render ``targets`` of the definition at ``path`` into ``out``; returns a report."""
    definition = load_definition(path)
    files = build(definition, targets)
    secrets, kept = _secrets(definition, out, targets, force)
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in
                      files + secrets])
    return {"written": [rel for rel, _, _ in files + secrets], "kept": kept}


def keygen(path, out, force=False):
    definition = load_definition(path)
    secrets, kept = _secrets(definition, out, TARGETS, force)
    write_all_atomic([(os.path.join(out, rel), data, mode) for rel, data, mode in secrets])
    return {"written": [rel for rel, _, _ in secrets], "kept": kept}
