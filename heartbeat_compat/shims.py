"""The guide's heartbeat runbook commands, answered from Pacemaker.

``cl_status rscstatus``: all / local / foreign / none, as operators read it in the guide: the
node holding every active/passive group says ``all``, a node holding none says ``none``;
``local`` / ``foreign`` when it holds only the groups whose home (preferred node) is itself /
its peer. ``hb_standby [all|local|foreign]``: give those groups to the peer, as heartbeat did —
a ban while they move, then cleared, so no constraint is left behind and the node can take
them back if the peer fails (stickiness keeps them where they are otherwise).
"""

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

from nfvd_ha import paths
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.roles import ROLES
from nfvd_ocf.nfvd import ACTIVATOR_EP, ASSURANCE_COMPONENTS, HA_EXAMPLE, LABELS, SHIM_MARK

T = TypeVar("T")


class PacemakerView(Protocol):
    """What the runbook commands need of this node's cluster (the Pacemaker adapter,
    nfvd_ha.adapters.pacemaker.Pacemaker, is one)."""

    def node_name(self) -> str: ...

    def placement(self) -> dict[str, str | None]: ...

    def preferred_nodes(self) -> dict[str, str]: ...

    def ban(self, resource: str, node: str) -> None: ...

    def clear(self, resource: str, node: str) -> None: ...

    def wait_for(self, predicate: Callable[[], T], timeout: float, interval: float = 0.5
                 ) -> T: ...


def rscstatus(cluster: PacemakerView) -> str:
    """What this node holds of the active/passive groups, in heartbeat's words: all, local
    (only those preferring this node), foreign (only the peer's) or none. ``cluster``: the
    Pacemaker adapter of this node (nfvd_ha.adapters.pacemaker.Pacemaker)."""
    me, where, preferred = cluster.node_name(), cluster.placement(), cluster.preferred_nodes()
    groups = [g for g in where if g in preferred]
    held = {g for g in groups if where[g] == me}
    if groups and held == set(groups):
        return "all"
    if not held:
        return "none"
    local = {g for g in groups if preferred[g] == me}
    return "local" if held == local else "foreign"


def standby(cluster: PacemakerView, which: str = "all", timeout: float = 120,
            progress: Callable[[str], object] = lambda text: None) -> list[str]:
    """hb_standby WHICH: ban the groups this node holds (all, or those preferring this node
    - local - or its peer - foreign) from it until they run elsewhere, then clear the bans;
    the groups moved."""
    if which not in ("all", "local", "foreign"):
        raise NfvdHaError(f"hb_standby: '{which}' is not all, local or foreign")
    me, where, preferred = cluster.node_name(), cluster.placement(), cluster.preferred_nodes()
    chosen = [g for g in where if g in preferred and where[g] == me and
              (which == "all" or (preferred[g] == me) == (which == "local"))]
    progress(f"Going standby [{which}].")
    for group in chosen:
        cluster.ban(group, me)
    try:
        moved = lambda: all(  # noqa: E731
            w not in (None, me) for w in map(cluster.placement().get, chosen))
        if chosen and not cluster.wait_for(moved, timeout, 0.5):
            raise NfvdHaError(f"hb_standby: {', '.join(chosen)} did not move off {me} within "
                              f"{timeout}s", hint="crm_mon -1 shows why (a failed peer? a ban?)")
    finally:
        for group in chosen:
            cluster.clear(group, me)
    return chosen


MARK = SHIM_MARK


def shims(nfvd_ha: str = "nfvd-ha", activator_ep: str = ACTIVATOR_EP
          ) -> dict[str, tuple[str, str]]:
    """{name: (default path, script text)}: each a two-line sh script calling nfvd-ha."""
    def script(what: str, command: str) -> str:
        return (f'#!/bin/sh\n{MARK}: {what}\nexec {shlex.quote(nfvd_ha)} {command} '
                '"$@"\n')
    found = {
        "cl_status": (paths.CL_STATUS_SHIM, script(
            "heartbeat's cl_status on Pacemaker", "compat cl_status")),
        "hb_standby": (paths.HB_STANDBY, script(
            "heartbeat's hb_standby on Pacemaker", "compat hb_standby")),
        "activator-ep": (paths.ACTIVATOR_EP_INIT, script(
            "SOSA + Lock Manager under Pacemaker (check/status answer, start/stop guarded)",
            f"compat activator-ep --script {shlex.quote(activator_ep)}")),
        "nfvd": (paths.NFVD_INIT, script(
            "NFVD Assurance under Pacemaker (status answers, start/stop guarded)",
            "compat nfvd")),
        "maintenance_mode.sh": (f"{HA_EXAMPLE}/maintenance_mode.sh", script(
            "the guide's maintenance utility", "maintenance")),
    }
    for role in (r for r in ROLES.values() if r.shim):
        found[f"{role.shim}_maintenance_mode.sh"] = (
            f"{HA_EXAMPLE}/{role.shim}_maintenance_mode.sh",
            script(f"the guide's maintenance utility ({role.name})",
                   f"maintenance --role {role.name}"))
    return found


#: init-script actions that change what runs: under Pacemaker they belong to the cluster
GUARDED = ("start", "stop", "restart", "force-reload", "reload")


def guarded(name: str, action: str, resource_type: str) -> None:
    """Refuse ``/etc/init.d/NAME ACTION``: Pacemaker runs it (as ocf:nfvd:RESOURCE_TYPE)."""
    raise NfvdHaError(
        f"/etc/init.d/{name} {action}: {name} runs under Pacemaker here "
        f"(ocf:nfvd:{resource_type}); starting or stopping it behind the cluster's back "
        "counts as a failure", hint="use `crm resource stop|start <id>`, `hb_standby all` "
        "or `nfvd-ha maintenance start|stop`")


def nfvd_status(rows: Iterable[tuple[str, str]]) -> tuple[list[str], int]:
    """/etc/init.d/nfvd status (guide 5.3): text and LSB status code."""
    states = dict(rows)
    found = [(LABELS[c], states.get(LABELS[c], "Not Installed")) for c in ASSURANCE_COMPONENTS]
    up = [label for label, state in found if state == "Running"]
    lines = ["Status of NFVD processes"]
    if len(up) == len(found):
        return lines + ["NFVD processes are running"], 0
    if not up:
        return lines + ["NFVD processes are not running"], 3
    detail = ", ".join(f"{label} [{state}]" for label, state in found)
    return lines + [f"NFVD processes are partly running: {detail}"], 1


def foreign_files(targets: Sequence[tuple[str, str]], existing: Mapping[str, str | None],
                  force: bool) -> list[str]:
    """The paths among ``targets`` ([(path, text)]) whose ``existing`` text ({path: text or
    None}) is not one of our shims: they are kept as ``<path>.nfvd-ha-orig`` before the
    shims replace them. NfvdHaError naming every one of them unless ``force``."""
    foreign = [path for path, _ in targets
               if (text := existing.get(path)) is not None and MARK not in text]
    if foreign and not force:
        raise NfvdHaError([f"{path} exists and is not an nfvd-ha shim" for path in foreign],
                          hint="--force keeps a copy as <path>.nfvd-ha-orig and replaces it; "
                               "the agents call the vendor scripts under /opt/HPE/nfvd")
    return foreign
