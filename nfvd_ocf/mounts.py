"""The mount table, read from /proc/self/mountinfo (never touches the mounted filesystems)."""

MOUNTINFO = "/proc/self/mountinfo"
MAX_MOUNTINFO = 4 << 20  # bytes: a table larger than this is not a real node's


def _unescape(field: str) -> str:
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
    __slots__ = ("mount_id", "parent_id", "device", "mountpoint", "fstype", "source",
                 "options")

    def __init__(self, mount_id: int, parent_id: int, device: tuple[int, int], mountpoint: str,
                 fstype: str, source: str, options: str) -> None:
        self.mount_id, self.parent_id, self.device = mount_id, parent_id, device
        self.mountpoint, self.fstype, self.source, self.options = (
            mountpoint, fstype, source, options)

    def below(self, directory: str) -> bool:
        """True when this mount sits at ``directory`` or anywhere under it."""
        return self.mountpoint == directory or self.mountpoint.startswith(
            directory.rstrip("/") + "/")


def _device(field: str) -> tuple[int, int]:
    major, _, minor = field.partition(":")
    return (int(major), int(minor))


def mounts(path: str = MOUNTINFO) -> list[Mount]:
    found = []
    with open(path, "rb") as f:
        text = f.read(MAX_MOUNTINFO).decode("utf-8", "surrogateescape")
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        lf, rf = left.split(), right.split()
        if len(lf) >= 6 and len(rf) >= 2 and lf[0].isdigit() and lf[1].isdigit():
            try:
                device = _device(lf[2])
            except ValueError:
                continue
            found.append(Mount(int(lf[0]), int(lf[1]), device, _unescape(lf[4]), rf[0],
                               _unescape(rf[1]), lf[5]))
    return found


def mounted_at(directory: str, table: "list[Mount] | None" = None) -> "Mount | None":
    """The topmost mount on ``directory``, or None."""
    hits = [m for m in (table if table is not None else mounts()) if m.mountpoint == directory]
    return hits[-1] if hits else None


def root_mount(table: "list[Mount] | None" = None) -> "Mount | None":
    """The mount of this node's own root filesystem (the topmost one on /)."""
    return mounted_at("/", table)


def same_fstype(wanted: str, actual: str) -> bool:
    """nfs matches nfs4; fuse.X matches fuse.X and fuse; otherwise equality."""
    if wanted == actual:
        return True
    if wanted in ("nfs", "nfs4") and actual in ("nfs", "nfs4"):
        return True
    return wanted.startswith("fuse") and actual.startswith("fuse")


def by_id(mount_id: int, table: "list[Mount]") -> "Mount | None":
    return next((m for m in table if m.mount_id == mount_id), None)


#: device names mount(8) resolves to a block device (the table then shows that device)
_TAGS = {"UUID=": "/dev/disk/by-uuid/", "LABEL=": "/dev/disk/by-label/",
         "PARTUUID=": "/dev/disk/by-partuuid/", "PARTLABEL=": "/dev/disk/by-partlabel/"}


def source_matches(device: str, mount: Mount) -> bool:
    """True when ``mount`` (a table entry) is a mount of ``device`` as the resource names it:
    the same source; an NFS export with or without a trailing '/'; a FUSE filesystem that
    shows it as PROGRAM:DEVICE; or, for a block device (path, UUID=, LABEL=), the same
    device number. Never looks at the mounted filesystem itself."""
    source = mount.source
    if source == device or (":" in device and source.rstrip("/") == device.rstrip("/")):
        return True
    if mount.fstype.startswith("fuse") and source.endswith(":" + device):
        return True
    tag = next((t for t in _TAGS if device.startswith(t)), None)
    path = _TAGS[tag] + device[len(tag):] if tag else device
    if not path.startswith("/dev/"):
        return False
    import os
    import stat
    try:
        info = os.stat(path)
    except OSError:
        return False
    return stat.S_ISBLK(info.st_mode) and (os.major(info.st_rdev),
                                           os.minor(info.st_rdev)) == mount.device
