"""The VM's role - which NFVD VM this is (GUI, Fulfillment, Assurance, SiteScope) - and
everything that follows from it, in one table: its active/active and active/passive
services, how it is recognised, the load balancer's drain time, maintenance's wording, its
maintenance_mode.sh shim and the health endpoint its peers answer on. The CLI's choices,
the shims and the maintenance command read it from here."""

from collections.abc import Iterable
from dataclasses import dataclass

from nfvd_ocf.nfvd import ASSURANCE_COMPONENTS, NAMES

from .errors import NfvdHaError


@dataclass(frozen=True)
class Role:
    name: str
    #: how the guide's maintenance utility names the VM ("Node with TITLE is in ...")
    title: str
    #: active/active services stopped by maintenance here (stop order; start reversed)
    local: tuple[str, ...]
    #: components whose presence tells this role
    marks: tuple[str, ...]
    #: the active/passive components the active node of its pair runs (what heartbeat's
    #: haresources start there)
    held: tuple[str, ...] = ()
    #: seconds the load balancer drains this VM before its services stop (maintenance start)
    drain: float = 10.0
    #: maintenance's last words (start, stop) when the role has its own; None: those of the
    #: stack that runs the node's groups (CLOSING)
    closing: tuple[str, str] | None = None
    #: the prefix of its own maintenance_mode.sh shim (PREFIX_maintenance_mode.sh), if any
    shim: str | None = None
    #: outside any cluster: the health endpoint (endpoints.ENDPOINTS) whose peers serve
    #: while this VM is in maintenance
    endpoint: str | None = None


ROLES = {
    "gui": Role("gui", "NFVD-GUI", ("imageuploader", "idp", "uoc", "couchdb"),
                ("uoc", "couchdb", "idp", "imageuploader"), shim="gui", endpoint="gui"),
    "ff": Role("ff", "Service Activator, SOSA & Lock Manager", ("activator",),
               ("sosa", "lockmgr", "activator"), ("sosa", "lockmgr")),
    "aa": Role("aa", "Assurance-Gateway, UCA & NOM", (),
               ("uca-ebc", "nfvd-agw", "openmediation"), ASSURANCE_COMPONENTS, drain=0.0,
               shim="aa"),
    "sitescope": Role("sitescope", "Sitescope", ("sitescope",), ("sitescope",),
                      closing=("Stopped Sitescope", "Sitescope started"), shim="sis",
                      endpoint="sitescope"),
}

#: maintenance's last words (start, stop) on a role without its own, by the stack that runs
#: the node's groups (None: no cluster stack, an active/active VM)
CLOSING = {"pacemaker": ("Node in standby, NFVD services stopped",
                         "Node back in service (no failback)"),
           "heartbeat": ("Stopped heartbeat & NFVD services", "Heartbeat started"),
           None: ("NFVD services stopped", "NFVD services started")}


def drain_defaults() -> str:
    """The roles' drain times in words, for the CLI's help: "10 on gui, ff, sitescope; 0
    on aa"."""
    by_drain: dict[float, list[str]] = {}
    for role in ROLES.values():
        by_drain.setdefault(role.drain, []).append(role.name)
    return "; ".join(f"{drain:g} on {', '.join(names)}" for drain, names in by_drain.items())


def closing(role: Role, stack: str | None) -> tuple[str, str]:
    """Maintenance's last words (start, stop) on ``role`` whose groups ``stack`` runs."""
    return role.closing or CLOSING[stack]


def installed(rows: Iterable[tuple[str, str]]) -> list[str]:
    """Component names the nfv-director.sh table shows as installed here."""
    return [NAMES[label] for label, state in rows
            if label in NAMES and state != "Not Installed"]


def detect(rows: Iterable[tuple[str, str]], override: str | None = None) -> Role:
    """The role named by ``override``, else the one the installed components tell."""
    if override:
        if override not in ROLES:
            raise NfvdHaError(f"--role {override}: not one of {', '.join(ROLES)}")
        return ROLES[override]
    have = set(installed(rows))
    found = [r for r in ROLES.values() if have & set(r.marks)]
    if len(found) != 1:
        what = ", ".join(r.name for r in found) or "no NFVD component"
        raise NfvdHaError(f"cannot tell this VM's role from nfv-director.sh status ({what})",
                          hint="say it: --role gui|ff|aa|sitescope (or NFVD_HA_ROLE)")
    return found[0]
