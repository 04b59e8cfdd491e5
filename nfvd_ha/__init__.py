"""nfvd-ha: high availability for HPE NFV Director on Pacemaker/Corosync."""
