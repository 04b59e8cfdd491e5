"""/etc/fstab lines that mount a directory at boot, behind the cluster's back.

The guide mounts its shared directories through /etc/fstab on every node (2.3.7.1, 2.3.7.3:
``<NFS_server_IP>:/var/opt/UCA-EBC /var/opt/UCA-EBC nfs defaults 0 0``). Under Pacemaker a
``shared-fs`` resource owns such a mount: a line that mounts it at boot puts it on the
passive node too. ``node setup`` refuses to join such a node and the agent's probe names the
line. Standard library only (the agents use it).
"""

from .regular import read_regular

FSTAB = "/etc/fstab"
MAX_FSTAB = 1 << 20  # bytes


class Entry:
    __slots__ = ("number", "device", "directory", "fstype", "options", "line")

    def __init__(self, number: int, device: str, directory: str, fstype: str, options: str,
                 line: str) -> None:
        self.number, self.device, self.directory = number, device, directory
        self.fstype, self.options, self.line = fstype, options, line

    @property
    def at_boot(self) -> bool:
        """True unless ``noauto``: ``mount -a`` (boot) mounts it."""
        return "noauto" not in self.options.split(",")

    def where(self, path: str = FSTAB) -> str:
        return f"{path}:{self.number}"


def _unescape(field: str) -> str:
    """fstab's octal escapes (\\040 for a space), as the kernel's mount table has them."""
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _canonical(directory: str) -> str:
    return directory.rstrip("/") or "/"


def parse(text: str) -> list[Entry]:
    """The entries of an fstab text (comments, blank and short lines skipped)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if len(words) >= 3:
            options = words[3] if len(words) > 3 else "defaults"
            found.append(Entry(number, _unescape(words[0]), _canonical(_unescape(words[1])),
                               words[2], options, line.strip()))
    return found


def read(path: str = FSTAB) -> str:
    """The text of the fstab at ``path`` ("" when there is none); OSError / ValueError when
    it is not a readable regular file of a sane size (opened without following a symlink and
    without blocking)."""
    try:
        return read_regular(path, MAX_FSTAB).decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def boot_mounts(directory: str, text: str) -> list[Entry]:
    """The entries that mount ``directory`` at boot."""
    wanted = _canonical(directory)
    return [e for e in parse(text) if e.directory == wanted and e.at_boot]


def advice(entry: Entry, path: str = FSTAB) -> str:
    """What the operator changes, naming the line."""
    line = "".join(c if c.isprintable() else "?" for c in entry.line[:200])
    return (f"{entry.where(path)} mounts {entry.directory} at boot ('{line}'): "
            "the cluster mounts it where its resource runs; add noauto to that line's "
            "options or remove it, and unmount it here")


def reason(entry: Entry, path: str = FSTAB) -> str:
    """The same, short enough for an exit reason (Pacemaker keeps 128 characters)."""
    return (f"{entry.where(path)} mounts {entry.directory} at boot: add noauto to that line "
            "or remove it, then unmount it")
