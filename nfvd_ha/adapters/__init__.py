"""The outside world, one adapter per thing nfvd-ha talks to: the runner (every external
command), Pacemaker (every crm_mon / cibadmin / crm_simulate / crm_diff / crm_resource /
crm_attribute call), NFVD's services, systemd, files, the maintenance lock file and a
heartbeat host. Use cases (``nfvd_ha.commands``) reach the world only through these."""
