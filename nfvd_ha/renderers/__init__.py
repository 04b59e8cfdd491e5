"""Renderers: a definition in, a document out (corosync.conf, haproxy.cfg, F5 AS3/tmsh,
OpenStack address pairs, boot mounts) plus the keys they need. Pure: they run no process;
the use cases (``nfvd_ha.commands``) write what they return. The CIB renderer is ``crm/``,
heartbeat's files ``heartbeat_compat/``."""
