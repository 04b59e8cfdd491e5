"""The guide's heartbeat runbook commands, answered from Pacemaker.

``cl_status rscstatus``: all / local / foreign / none, as operators read it in the guide: the
node holding every active/passive group says ``all``, a node holding none says ``none``;
``local`` / ``foreign`` when it holds only the groups whose home (preferred node) is itself /
its peer. ``hb_standby [all|local|foreign]``: give those groups to the peer, as heartbeat did —
a ban while they move, then cleared, so no constraint is left behind and the node can take
them back if the peer fails (stickiness keeps them where they are otherwise).
"""

import time

from nfvd_ha.cluster_view import ClusterView  # noqa: F401  (the CLI builds it)
from nfvd_ha.errors import NfvdHaError


def rscstatus(view):
    me, where, homes = view.node(), view.placement(), view.homes()
    groups = [g for g in where if g in homes]
    held = {g for g in groups if where[g] == me}
    if groups and held == set(groups):
        return "all"
    if not held:
        return "none"
    local = {g for g in groups if homes[g] == me}
    return "local" if held == local else "foreign"


def standby(view, which="all", timeout=120, progress=lambda text: None):
    if which not in ("all", "local", "foreign"):
        raise NfvdHaError(f"hb_standby: '{which}' is not all, local or foreign")
    me, where, homes = view.node(), view.placement(), view.homes()
    chosen = [g for g in where if g in homes and where[g] == me and
              (which == "all" or (homes[g] == me) == (which == "local"))]
    progress(f"Going standby [{which}].")
    run = view.runner.run
    for group in chosen:
        run(["crm_resource", "--ban", "--resource", group, "--node", me, "--quiet"], check=True)
    try:
        _wait_moved(view, chosen, me, timeout)
    finally:
        for group in chosen:
            run(["crm_resource", "--clear", "--resource", group, "--node", me, "--quiet"])
    return chosen


def _wait_moved(view, groups, me, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        where = view.placement()
        if all(where.get(g) not in (None, me) for g in groups):
            return
        time.sleep(0.5)
    raise NfvdHaError(f"hb_standby: {', '.join(groups)} did not move off {me} within "
                      f"{timeout}s", hint="crm_mon -1 shows why (a failed peer? a ban?)")


SHIMS = {
    "cl_status": '#!/bin/sh\n# nfvd-ha shim: heartbeat\'s cl_status on Pacemaker\n'
                 'exec nfvd-ha compat cl_status "$@"\n',
    "hb_standby": '#!/bin/sh\n# nfvd-ha shim: heartbeat\'s hb_standby on Pacemaker\n'
                  'exec nfvd-ha compat hb_standby "$@"\n',
}
