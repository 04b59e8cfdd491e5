"""What NFV Director itself looks like on a VM: its components and its paths (the guide's).

The one table of NFVD components: the agents, maintenance, status and the runbook shims
read it from here. Plain tuples: the agents import this on every action.
"""

#: (nfv-director.sh -c NAME, label in the nfv-director.sh status table), in table order
COMPONENTS = (
    ("activator", "Service Activator (HPSA)"),
    ("sosa", "Service Order Smart Adapter (SOSA)"),
    ("ecpool", "Equipment Connection Pool (ECP)"),
    ("lockmgr", "Lock Manager"),
    ("openmediation", "Open Mediation"),
    ("sitescope", "SiteScope"),
    ("uca-ebc", "UCA-EBC"),
    ("nfvd-agw", "NFVD Assurance Gateway"),
    ("couchdb", "Apache CouchDB"),
    ("uoc", "UOC Server"),
    ("idp", "NFVD Authentication Server"),
    ("imageuploader", "NFVD Image Uploader Service"),
)
LABELS = dict(COMPONENTS)                                    # name -> label
NAMES = {label: name for name, label in COMPONENTS}          # label -> name
#: the Assurance stack under /etc/init.d/nfvd, in start order
ASSURANCE_COMPONENTS = ("uca-ebc", "openmediation", "nfvd-agw")
#: HPSA (JBoss) of a Fulfillment node, active/active: the FF nodes' clone
HPSA_COMPONENTS = ("activator",)

NFV_DIRECTOR = "/opt/HPE/nfvd/bin/nfv-director.sh"
ACTIVATOR_EP = "/opt/HPE/nfvd/fulfillment/scripts/activator-ep"
HA_EXAMPLE = "/opt/HPE/nfvd/solutions/ha-example"
HALOGS = "/var/opt/HPE/nfvd/halogs"
#: the line that marks nfvd-ha's runbook shims (``nfvd-ha compat install``): an
#: /etc/init.d/activator-ep with it is the guarded shim, never NFVD's own script
SHIM_MARK = "# nfvd-ha shim"
