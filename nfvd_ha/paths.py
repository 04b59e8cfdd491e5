"""Every path nfvd-ha itself reads or writes on a node, in one place.

NFVD's own paths (nfv-director.sh, the activator-ep script, the halogs directory) live in
``nfvd_ocf.nfvd``: the agents need them too and import nothing from nfvd_ha.
"""

import os

from nfvd_ocf.nfvd import ACTIVATOR_EP, HA_EXAMPLE, HALOGS, NFV_DIRECTOR  # noqa: F401

#: nfvd-ha's own files, beside its code: the package, the systemd units it ships, and the
#: source checkout it runs from (the lab needs one)
PACKAGE = os.path.dirname(os.path.abspath(__file__))
UNITS = os.path.join(PACKAGE, "units")
SOURCE = os.path.dirname(PACKAGE)

#: the maintenance lock of guide 4.2/4.4 (touch = maintenance in place)
LOCK = f"{HALOGS}/nfvd-ha-maintenance.lock"
#: what maintenance did on this node, written before each step
RECORD = "/var/lib/nfvd-ha/maintenance.json"
RUN_DIR = "/run/nfvd-ha"
#: the reconcile lock: the maintenance command and the controller never act together
RECONCILE_LOCK = f"{RUN_DIR}/reconcile.lock"
#: one controller per node
INSTANCE = f"{RUN_DIR}/controller.lock"
COROSYNC_CONF = "/etc/corosync/corosync.conf"
COROSYNC_AUTHKEY = "/etc/corosync/authkey"
#: the quorum device's NSS database on a cluster node (its certificates)
QDEVICE_NSSDB = "/etc/corosync/qdevice/net/nssdb"
#: Pacemaker writes its CIB here once it has run on this node
CIB_FILE = "/var/lib/pacemaker/cib/cib.xml"
OCF_ROOT = "/usr/lib/ocf"
#: where systemd units written for a host go
SYSTEMD_UNITS = "/etc/systemd/system"
CONTROLLER_UNIT = "/etc/systemd/system/nfvd-ha-controller.service"
HEALTH_UNIT = "/etc/systemd/system/nfvd-ha-health.service"
#: BIND= (and OPTIONS=) of the packages' nfvd-ha-health@ROLE.service
HEALTH_ENV = "/etc/nfvd-ha/health.env"
#: where the guide's xinetd health checks live (taken over by `health install-unit`)
XINETD_DIR = "/etc/xinetd.d"
SUPERVISE_UNIT = "/etc/systemd/system/nfvd-ha-supervise.service"
#: written by the supervisor when it gave up on a component: the health endpoints answer 503
OUT_OF_SERVICE = f"{RUN_DIR}/out-of-service"
#: the supervisor's log, beside the guide's own HA logs
SUPERVISE_LOG = f"{HALOGS}/nfvd-ha-supervise.log"
#: heartbeat v1's log on a host not yet migrated (guide 2.6.1.1, ha.cf ``logfile``)
HEARTBEAT_LOG = "/var/log/heartbeat.log"
#: where fence_openstack reads its clouds (the first that exists; ~ is root's, the fencer's)
OPENSTACK_CLOUDS = ("/root/.config/openstack/clouds.yaml", "/etc/openstack/clouds.yaml")
#: this node's copy of the definition (GUI and SiteScope VMs find their peers in it)
DEFINITION = "/etc/nfvd-ha/nfvd.toml"
#: where `nfvd-ha lab` keeps its rendered files and keys
LAB_STATE = "/var/tmp/nfvd-ha-lab"
#: where `nfvd-ha restore` puts the archive's CIB (a whole-cluster rebuild pushes it by hand)
RESTORED_CIB = "/var/lib/nfvd-ha/restored-cib.xml"
#: the executable the units nfvd-ha ships name (install-unit writes this nfvd-ha's instead)
SHIPPED_EXECUTABLE = "/usr/local/bin/nfvd-ha"

# -- the host ----------------------------------------------------------------------------
#: a directory that exists while systemd runs the host
SYSTEMD_RUNNING = "/run/systemd/system"
#: where the cluster stack's daemons and fence agents are installed
SBIN = "/usr/sbin"
FENCE_OPENSTACK = f"{SBIN}/fence_openstack"
#: the system's interpreter (the agents run on it when it is recent enough)
SYSTEM_PYTHON = "/usr/bin/python3"

# -- heartbeat v1 on a host not yet migrated, and the runbook shims standing in for it ------
HA_CF = "/etc/ha.d/ha.cf"
HEARTBEAT_INIT = "/etc/init.d/heartbeat"
#: heartbeat's own cl_status (nfvd-ha's shim is CL_STATUS_SHIM)
CL_STATUS = "/usr/bin/cl_status"
CL_STATUS_SHIM = "/usr/local/sbin/cl_status"
#: heartbeat's hb_standby; on a Pacemaker node the shim takes its place
HB_STANDBY = "/usr/share/heartbeat/hb_standby"
#: the init scripts the guide's runbook calls; on a Pacemaker node shims take their place
ACTIVATOR_EP_INIT = "/etc/init.d/activator-ep"
NFVD_INIT = "/etc/init.d/nfvd"

# -- NFVD's installer (the guide's upgrade, 4.4) -------------------------------------------
NFVD_INSTALL = "/opt/HPE/nfvd/install/nfvd-install.sh"
NFVD_RECONFIGURE = "/opt/HPE/nfvd/install/nfvd-reconfigure.sh"
