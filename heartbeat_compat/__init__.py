"""Heartbeat v1 compatibility: rendered haresources/ha.cf/authkeys, import, runbook shims."""
