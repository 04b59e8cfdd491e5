"""Which NFVD VM this is (GUI, Fulfillment, Assurance, SiteScope) and what that means for
maintenance: its local active/active services and the guide's wording."""

from nfvd_ocf.nfvd import ASSURANCE_COMPONENTS, NAMES

from .errors import NfvdHaError


class Role:
    __slots__ = ("name", "title", "local", "marks", "held")

    def __init__(self, name, title, local, marks, held=()):
        self.name, self.title, self.local, self.marks = name, title, local, marks
        self.held = held


#: local = active/active services stopped by maintenance here (stop order; start reversed);
#: marks = components whose presence tells this role; held = the active/passive components
#: the active node of its pair runs (what heartbeat's haresources start there).
ROLES = {
    "gui": Role("gui", "NFVD-GUI", ("imageuploader", "idp", "uoc", "couchdb"),
                ("uoc", "couchdb", "idp", "imageuploader")),
    "ff": Role("ff", "Service Activator, SOSA & Lock Manager", ("activator",),
               ("sosa", "lockmgr", "activator"), ("sosa", "lockmgr")),
    "aa": Role("aa", "Assurance-Gateway, UCA & NOM", (),
               ("uca-ebc", "nfvd-agw", "openmediation"), ASSURANCE_COMPONENTS),
    "sitescope": Role("sitescope", "Sitescope", ("sitescope",), ("sitescope",)),
}


def installed(rows):
    """Component names the nfv-director.sh table shows as installed here."""
    return [NAMES[label] for label, state in rows
            if label in NAMES and state != "Not Installed"]


def detect(rows, override=None):
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
