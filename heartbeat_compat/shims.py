"""The guide's heartbeat runbook commands, answered from Pacemaker.

``cl_status rscstatus``: all / local / foreign / none, as operators read it in the guide: the
node holding every active/passive group says ``all``, a node holding none says ``none``;
``local`` / ``foreign`` when it holds only the groups whose home (preferred node) is itself /
its peer. ``hb_standby [all|local|foreign]``: give those groups to the peer, as heartbeat did —
a ban while they move, then cleared, so no constraint is left behind and the node can take
them back if the peer fails (stickiness keeps them where they are otherwise).
"""

import time

from nfvd_ha.errors import NfvdHaError


def _xml(text):
    from lxml import etree
    return etree.fromstring(text.encode())


class ClusterView:
    """A/P groups (and lone primitives), where they run and where they belong."""

    def __init__(self, runner):
        self.runner = runner

    def node(self):
        return self.runner.run(["crm_node", "-n"], check=True).stdout.strip()

    def placement(self):
        status = _xml(self.runner.run(["crm_mon", "-1", "--output-as=xml"], check=True).stdout)
        where = {}
        for group in status.xpath("//resources/group"):  # placed: every member up, one node
            members = group.xpath("resource")
            nodes = {n for r in members for n in r.xpath("node/@name")}
            up = all(r.get("active") == "true" and r.get("failed") != "true" for r in members)
            where[group.get("id")] = nodes.pop() if up and len(nodes) == 1 else None
        for rsc in status.xpath("//resources/resource"):
            nodes = rsc.xpath("node/@name")
            where[rsc.get("id")] = nodes[0] if rsc.get("active") == "true" and nodes else None
        return where

    def homes(self):
        cib = _xml(self.runner.run(["cibadmin", "-Q", "--scope", "constraints"],
                                   check=True).stdout)
        homes = {}
        for loc in cib.xpath("//rsc_location[@node and @rsc]"):
            if not loc.get("id", "").startswith("cli-") and _score(loc.get("score")) > 0:
                homes.setdefault(loc.get("rsc"), loc.get("node"))
        return homes


def _score(text):
    if text in ("INFINITY", "+INFINITY"):
        return 1000000
    try:
        return int(text or 0)
    except ValueError:
        return 0


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
