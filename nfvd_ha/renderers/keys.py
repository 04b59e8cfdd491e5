"""Shared secrets: generated from the OS CSPRNG (``secrets``), written 0400/0600, never
printed. An existing key file is kept (replacing a key on one node of a running cluster
splits it) only when it is trustworthy: a regular file of ours, readable by us alone, of
the right form. Secret files named by a definition are read under the same rules."""

import re
import secrets
from collections.abc import Callable

from ..adapters.files import read_trusted
from ..errors import NfvdHaError, Problem

COROSYNC_AUTHKEY_BYTES = 256  # what corosync-keygen makes
MAX_SECRET = 4096
_AUTHKEYS = re.compile(r"^auth 1\n1 sha1 [0-9a-f]{64}\n$")
_PASSWORD = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")


def corosync_authkey() -> bytes:
    """A new corosync authkey (CSPRNG bytes)."""
    return secrets.token_bytes(COROSYNC_AUTHKEY_BYTES)


def heartbeat_key() -> str:
    """A new key for heartbeat's authkeys (CSPRNG, hex)."""
    return secrets.token_hex(32)


def stats_password() -> str:
    """A new password for HAProxy's stats page (CSPRNG)."""
    return secrets.token_urlsafe(24)


def stats_env(password: str | None = None) -> str:
    """The stats env file's text with ``password`` (a new one when None)."""
    return f"NFVD_HA_STATS_USER=nfvd\nNFVD_HA_STATS_PASSWORD={password or stats_password()}\n"


def stats_password_of(data: bytes) -> str | None:
    """The password of a stats env file (bytes), or None when it has none that is usable."""
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "NFVD_HA_STATS_PASSWORD" and _PASSWORD.match(value.strip()):
            return value.strip()
    return None


#: what a key file must look like, by its kind
FORMS: dict[str, Callable[[bytes], bool]] = {
    "corosync": lambda data: 128 <= len(data) <= 512,
    "heartbeat": lambda data: bool(_AUTHKEYS.match(data.decode("ascii", "replace"))),
    "stats": lambda data: stats_password_of(data) is not None,
}


def read_private(path: str, limit: int = MAX_SECRET,
                 stored: bool = False) -> tuple[bytes, None] | tuple[None, str]:
    """(content, None) of a file that can hold a secret of ours - a regular file (opened
    without following a symlink or blocking, judged by its descriptor) of ours or root's,
    readable by its owner alone, one name, at most ``limit`` bytes, ``stored`` on a disk
    filesystem (not /proc or /sys) - or (None, why not)."""
    try:
        return read_trusted(path, limit, private=True, stored=stored), None
    except NfvdHaError as error:
        return None, error.problems[0].message


def private_file_problem(path: str) -> str | None:
    """Why ``path`` cannot hold a secret of ours (None: it can)."""
    return read_private(path)[1]


def existing_key(path: str, kind: str, data: bytes | None = None) -> bytes:
    """The content of a trustworthy existing key file; NfvdHaError naming what is wrong.
    ``data``: its content, already read by :func:`read_private`."""
    problem = None
    if data is None:
        data, problem = read_private(path)
    if data is not None and not FORMS[kind](data):
        problem = "does not hold a key of the expected form"
    if problem or data is None:
        raise NfvdHaError(Problem(f"existing key {problem}", path),
                          hint="nothing was written; check who made it, or replace it with "
                               "--force (replace it on every node of the cluster)")
    return data


def read_secret(path: str) -> str:
    """One line of secret text from ``path`` (a private regular file on a disk), for a
    fence device."""
    data, problem = read_private(path, stored=True)
    if problem or data is None:
        raise NfvdHaError(Problem(f"secret file {problem}", path),
                          hint="keep secrets in a root-owned file of mode 0600 or 0400")
    text = data.decode("utf-8", "replace")
    value = text[:-1] if text.endswith("\n") else text
    if not value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise NfvdHaError(Problem("secret file must hold one non-empty line of text", path))
    return value
