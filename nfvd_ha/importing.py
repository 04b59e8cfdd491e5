"""``nfvd-ha import-heartbeat``: an existing heartbeat pair's files -> a definition."""

import os

from heartbeat_compat.importer import import_heartbeat

from .definition import load_text
from .errors import NfvdHaError
from .files import read_text, write_atomic


def parse_addresses(addresses):
    pairs = dict(a.split("=", 1) for a in addresses if "=" in a)
    if len(pairs) != len(addresses):
        raise NfvdHaError("--address takes NODE=IP")
    return pairs


def import_definition(directory, name=None, addresses=(), out=None):
    """The definition's TOML text; written to ``out`` when given. It must itself be valid."""
    texts = {n: read_text(os.path.join(directory, n)) for n in ("ha.cf", "haresources")}
    text = import_heartbeat(texts, directory, name, parse_addresses(addresses))
    load_text(text, out or "<imported>")
    if out:
        write_atomic(out, text)
    return text
