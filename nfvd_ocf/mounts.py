"""The mount table, read from /proc/self/mountinfo (never touches the mounted filesystems)."""

def _unescape(field):
    """Undo the kernel's octal escapes (\\040 for a space) without importing re."""
    if "\\" not in field:
        return field
    parts = field.split("\\")
    out = [parts[0]]
    for part in parts[1:]:
        code = part[:3]
        if len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)) + part[3:])
        else:
            out.append("\\" + part)
    return "".join(out)


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
