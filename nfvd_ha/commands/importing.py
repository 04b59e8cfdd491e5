"""``nfvd-ha import-heartbeat``: an existing heartbeat pair's files -> a definition.

It also reads this host's /etc/fstab and mount table for the directories the definition's
``shared-fs`` resources will own (guide 2.3.7.3 mounts the UCA-EBC share from fstab on both
nodes): what has to change before the node joins Pacemaker comes back as warnings.
"""

import os
from collections.abc import Sequence
from typing import Any

from heartbeat_compat.importer import import_heartbeat
from nfvd_ocf import fstab, mounts

from ..adapters.files import read_text, write_atomic
from ..definition import load_text
from ..definition.model import Cluster
from ..errors import NfvdHaError

NETWORK_FSTYPES = ("nfs", "nfs4", "cifs", "glusterfs")


def parse_addresses(addresses: Sequence[str]) -> dict[str, str]:
    """{node: address} of --address NODE=IP options; NfvdHaError when one is not that."""
    pairs = dict(a.split("=", 1) for a in addresses if "=" in a)
    if len(pairs) != len(addresses):
        raise NfvdHaError("--address takes NODE=IP")
    return pairs


def import_definition(directory: str, name: str | None = None, addresses: Sequence[str] = (),
                      out: str | None = None, fstab_path: str = fstab.FSTAB,
                      table: Any = None) -> tuple[str, list[str]]:
    """(the definition's TOML text, warnings); written to ``out`` when given. It must itself
    be valid."""
    texts = {n: read_text(os.path.join(directory, n)) for n in ("ha.cf", "haresources")}
    text = import_heartbeat(texts, directory, name, parse_addresses(addresses))
    definition = load_text(text, out or "<imported>")
    try:
        host_fstab = fstab.read(fstab_path)
    except (OSError, ValueError) as exc:
        host_fstab, unreadable = "", [f"{fstab_path}: cannot be read ({exc}): check it for "
                                      "the shared directories by hand"]
    else:
        unreadable = []
    table = mounts.mounts() if table is None else table
    warnings = unreadable + [w for c in definition.clusters
                             for w in shared_directory_notes(c, host_fstab, table, fstab_path)]
    if out:
        write_atomic(out, text)
    return text, warnings


def shared_directory_notes(cluster: Cluster, fstab_text: str, table: Any,
                           fstab_path: str = fstab.FSTAB) -> list[str]:
    """What this host's fstab and mounts mean for the cluster's shared directories."""
    managed = {directory: r.id for r in cluster.resources
               if r.type == "shared-fs" and (directory := r.param("directory"))}
    notes: list[str] = []
    for directory, rid in sorted(managed.items()):
        notes += [f"{fstab.advice(e, fstab_path)} (resource {rid}): do it on both nodes "
                  "before they join Pacemaker (nfvd-ha node setup refuses until then)"
                  for e in fstab.boot_mounts(directory, fstab_text)]
        found = mounts.mounted_at(directory, table)
        if found is not None:
            notes.append(f"{directory} is mounted here now ({found.fstype} {found.source}): "
                         f"resource {rid} will own it; it must be unmounted here before "
                         "Pacemaker starts on this node (heartbeat's stop does that for its "
                         "Filesystem resources, not for an fstab mount)")
    notes += [f"{e.where(fstab_path)} mounts {e.directory} ({e.fstype}) at boot, outside "
              "heartbeat: the guide shares it that way (2.3.7); to have the cluster own it, "
              "add a shared-fs resource to the group and make that line noauto on both nodes"
              for e in fstab.parse(fstab_text)
              if e.at_boot and e.fstype in NETWORK_FSTYPES and e.directory not in managed]
    return notes
