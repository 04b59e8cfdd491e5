"""Shared secrets from the OS CSPRNG (``secrets``); written 0400/0600, never printed."""

import secrets

COROSYNC_AUTHKEY_BYTES = 256  # what corosync-keygen makes


def corosync_authkey():
    return secrets.token_bytes(COROSYNC_AUTHKEY_BYTES)


def heartbeat_key():
    return secrets.token_hex(32)


def stats_env():
    return (f"NFVD_HA_STATS_USER=nfvd\nNFVD_HA_STATS_PASSWORD={secrets.token_urlsafe(24)}\n")
