"""The mount table, read from /proc/self/mountinfo (never touches the mounted filesystems)."""

import re

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field):
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


class Mount:
    __slots__ = ("mountpoint", "fstype", "source", "options")

    def __init__(self, mountpoint, fstype, source, options):
        self.mountpoint, self.fstype, self.source, self.options = (
            mountpoint, fstype, source, options)


def mounts(path="/proc/self/mountinfo"):
    found = []
    with open(path) as f:
        for line in f:
            left, _, right = line.partition(" - ")
            lf, rf = left.split(), right.split()
            if len(lf) >= 6 and len(rf) >= 2:
                found.append(Mount(_unescape(lf[4]), rf[0], _unescape(rf[1]), lf[5]))
    return found


def mounted_at(directory, table=None):
    """The topmost mount on ``directory``, or None."""
    hits = [m for m in (table if table is not None else mounts()) if m.mountpoint == directory]
    return hits[-1] if hits else None


def same_fstype(wanted, actual):
    """nfs matches nfs4; fuse.X matches fuse.X and fuse; otherwise equality."""
    if wanted == actual:
        return True
    if wanted in ("nfs", "nfs4") and actual in ("nfs", "nfs4"):
        return True
    return wanted.startswith("fuse") and actual.startswith("fuse")
