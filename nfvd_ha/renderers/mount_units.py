"""Boot mounts for hosts outside any Pacemaker cluster (guide 2.3.7.2), from the definition's
[[mount]] entries: per host a systemd mount unit for each mount and the same as fstab lines
(for a host without systemd). Pure.

The guide mounts NFS with ``defaults`` and makes the share's root ``uoc``'s (``chown -R
uoc.root``), the same uid and gid on the NFS server and every host that writes to it; a
mount unit cannot change an owner, so the owner is said in both files and checked where a
cluster mounts the same share (the shared-fs agent's ``owner``).
"""

from ..definition.model import Definition, HostMount
from ..paths import SYSTEMD_UNITS

NETWORK_FSTYPES = ("nfs", "nfs4", "cifs", "smb3", "glusterfs", "ceph")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")


def unit_name(directory: str) -> str:
    """systemd's name for the mount unit of ``directory`` (``systemd-escape --path
    --suffix=mount``): /var/opt/UCA-EBC -> var-opt-UCA\\x2dEBC.mount."""
    text = "-".join("".join(c if c in _PLAIN else "".join(f"\\x{b:02x}" for b in c.encode())
                            for c in part) for part in directory.strip("/").split("/"))
    return ("\\x2e" + text[1:] if text.startswith(".") else text) + ".mount"


def _network(mount: HostMount) -> bool:
    return mount.fstype.split(".")[0] in NETWORK_FSTYPES


def _owner_note(mount: HostMount) -> list[str]:
    if not mount.owner:
        return []
    user, _, group = mount.owner.partition(":")
    group_text = f", group {group}" if group else ""
    return [f"# The share's root belongs to {user}{group_text} (guide 2.3.7.2): the same uid and "
            "gid here,",
            "# on the file server and on every host that writes to it. Once, on the share:",
            f"#   chown {mount.owner} {mount.directory}"]


def render_mount_unit(mount: HostMount, host: str) -> str:
    """The systemd mount unit of ``mount`` on ``host``."""
    name = unit_name(mount.directory)
    target = "remote-fs.target" if _network(mount) else "local-fs.target"
    lines = ["# Rendered by nfvd-ha from the cluster definition (guide 2.3.7.2); do not edit "
             "by hand.",
             f"# {mount.id} on {host}: install as {SYSTEMD_UNITS}/{name}, then",
             f"#   systemctl daemon-reload && systemctl enable --now {name}",
             *_owner_note(mount),
             "[Unit]", f"Description=NFVD shared directory {mount.directory} ({mount.id}, "
             "nfvd-ha)"]
    if _network(mount):
        lines += ["Wants=network-online.target", "After=network-online.target"]
    lines += ["", "[Mount]", f"What={mount.device}", f"Where={mount.directory}",
              f"Type={mount.fstype}", f"Options={mount.options}", "",
              "[Install]", f"WantedBy={target}"]
    return "\n".join(lines) + "\n"


def render_fstab(mounts: list[HostMount], host: str) -> str:
    """The fstab lines of ``host``'s mounts (the same as its mount units: use one or the
    other)."""
    lines = ["# Rendered by nfvd-ha from the cluster definition (guide 2.3.7.1-2.3.7.2).",
             f"# The /etc/fstab lines of {host}, for a host without the mount units beside "
             "this file."]
    for mount in mounts:
        lines += [f"# {mount.id}"] + _owner_note(mount)
        lines.append(f"{mount.device} {mount.directory} {mount.fstype} {mount.options} 0 0")
    return "\n".join(lines) + "\n"


def files(definition: Definition) -> list[tuple[str, str, int]]:
    """[(relative path, text, mode)]: mounts/HOST/UNIT and mounts/HOST/fstab per host."""
    hosts = sorted({h for m in definition.mounts for h in m.hosts})
    out = []
    for host in hosts:
        mine = [m for m in definition.mounts if host in m.hosts]
        out += [(f"mounts/{host}/{unit_name(m.directory)}", render_mount_unit(m, host), 0o644)
                for m in mine]
        out.append((f"mounts/{host}/fstab", render_fstab(mine, host), 0o644))
    return out
