"""Reading inputs and writing outputs safely.

Inputs: regular files only (a FIFO or /dev/zero is refused, never read), opened without
blocking, size-capped, UTF-8. Outputs: every target is checked first (not a directory, its
parents directories), then all are staged as temp files beside their targets (fsync, mode
set before any byte is written) and renamed into place together. On any failure, temps and
directories created for them are removed, and the error names the path: nothing is written.
"""

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Collection, Iterable

from ..errors import NfvdHaError, Problem

#: a file to write: (path, its text or bytes, its mode)
File = tuple[str, str | bytes, int]

MAX_INPUT = 1 << 20  # bytes: a definition, ha.cf or haresources is far smaller


def kind(mode: int) -> str:
    """What a non-regular file is, in words ("a FIFO")."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symlink")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_INPUT) -> bytes:
    """The content of the regular file ``path`` (at most ``limit`` bytes), or NfvdHaError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NfvdHaError(Problem(f"cannot read: {exc.strerror}", str(path))) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NfvdHaError(Problem(f"is {kind(info.st_mode)}, not a regular file",
                                      str(path)))
        data = read_fd(fd, limit)
    except OSError as exc:
        raise NfvdHaError(Problem(f"cannot read: {exc.strerror}", str(path))) from None
    finally:
        os.close(fd)
    if data is None:
        raise NfvdHaError(Problem(f"is larger than {limit} bytes", str(path)))
    return data


#: filesystems that are the kernel's views, not stored files (statfs f_type): a "file"
#: there (/proc/self/syscall, /sys/...) is no secret and no plan
PSEUDO_FILESYSTEMS = {0x9FA0: "proc", 0x62656572: "sysfs", 0x64626720: "debugfs",
                      0x74726163: "tracefs", 0x73636673: "securityfs", 0x27E0EB: "cgroup",
                      0x63677270: "cgroup2", 0x62656570: "configfs", 0xDE5E81E4: "efivarfs",
                      0xCAFE4A11: "bpf", 0x6165676C: "pstore", 0x1CD1: "devpts",
                      0x65735543: "fusectl", 0x42494E4D: "binfmt_misc", 0x6E736673: "nsfs",
                      0x19800202: "mqueue", 0xF97CFF8C: "selinuxfs", 0x57AC6E9D: "stack"}


def filesystem_kind(fd: int) -> str:
    """The name of the pseudo filesystem ``fd`` is on ("proc"), "" on a stored one."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(256)  # struct statfs; f_type comes first
    if libc.fstatfs(fd, buf) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    f_type = ctypes.c_ulong.from_buffer(buf).value & 0xFFFFFFFF
    return PSEUDO_FILESYSTEMS.get(f_type, "")


def judge(fd: int, limit: int, private: bool = False, stored: bool = False,
          owners: Collection[int] | None = None) -> str | None:
    """Why the open file ``fd`` cannot be trusted, or None: it must be a regular file of
    ``owners`` (default: us or root) with one name, writable by its owner alone (``private``:
    nor readable by others), at most ``limit`` bytes, ``stored`` on a real filesystem."""
    info = os.fstat(fd)
    owners = (os.geteuid(), 0) if owners is None else owners
    if not stat.S_ISREG(info.st_mode):
        return f"is {kind(info.st_mode)}, not a regular file"
    if info.st_uid not in owners:
        return f"belongs to uid {info.st_uid}, not to us"
    mode = stat.S_IMODE(info.st_mode)
    if mode & (0o077 if private else 0o022):
        return (f"is {'readable or writable' if private else 'writable'} by others "
                f"(mode {mode:04o})")
    if info.st_nlink != 1:
        return f"has {info.st_nlink} names (hard links)"
    if info.st_size > limit:
        return f"is larger than {limit} bytes"
    if stored:
        try:
            pseudo = filesystem_kind(fd)
        except OSError as exc:
            return f"cannot tell which filesystem it is on: {exc.strerror}"
        if pseudo:
            return f"is on {pseudo}, not a file on a disk"
    return None


def open_no_follow(path: str, flags: int = os.O_RDONLY) -> int:
    """``path`` opened without following a symlink and without blocking; NfvdHaError."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = "is a symlink" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror}"
        raise NfvdHaError(Problem(why, str(path))) from None


def read_fd(fd: int, limit: int) -> bytes | None:
    """At most ``limit`` bytes from ``fd`` (None when there are more)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


def read_trusted(path: str, limit: int, what: str = "", private: bool = False,
                 stored: bool = False, hint: str | None = None) -> bytes:
    """The content of ``path`` once its descriptor passed :func:`judge` (never through a
    symlink, never blocking); NfvdHaError naming the path and ``what`` it should be."""
    fd = open_no_follow(path)
    try:
        problem = judge(fd, limit, private, stored)
        data = None if problem else read_fd(fd, limit)
        if data is None and not problem:
            problem = f"is larger than {limit} bytes"
    except OSError as exc:
        problem = f"cannot read: {exc.strerror}"
    finally:
        os.close(fd)
    if problem or data is None:
        raise NfvdHaError(Problem(f"{what} {problem}".strip(), str(path)), hint=hint)
    return data


def read_text(path: str | os.PathLike[str], limit: int = MAX_INPUT) -> str:
    """The UTF-8 text of the regular file ``path`` (at most ``limit`` bytes), or NfvdHaError."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NfvdHaError(Problem(f"is not UTF-8 text (byte {exc.start})", str(path))) from None


def write_atomic(path: str, data: str | bytes, mode: int = 0o644) -> None:
    """Write ``data`` (str or bytes) to ``path`` so readers see the old or the new file."""
    write_all_atomic([(path, data, mode)])


def _missing_dirs(directory: str) -> tuple[list[str], tuple[str, str] | None]:
    """Directories to create for ``directory`` (outermost first), or (path, problem)."""
    missing: list[str] = []
    probe = directory
    while True:
        try:
            info = os.stat(probe)
        except (FileNotFoundError, NotADirectoryError):
            missing.insert(0, probe)
            parent = os.path.dirname(probe)
            if parent == probe:
                return missing, None
            probe = parent
            continue
        except OSError as exc:
            return missing, (probe, exc.strerror or str(exc))
        if not stat.S_ISDIR(info.st_mode):
            return missing, (probe, "is not a directory")
        return missing, None


def _check_target(path: str) -> str | None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        return f"is {kind(info.st_mode)}, not a regular file: not replaced"
    return None  # a symlink is replaced by the rename itself, never written through


def write_all_atomic(files: Iterable[File]) -> None:
    """Write several files: all checked, then staged, then renamed into place together."""
    files = [(os.path.abspath(path), data, mode) for path, data, mode in files]
    problems: dict[str, str] = {}
    create: list[str] = []
    for path, _, _ in files:
        missing, blocked = _missing_dirs(os.path.dirname(path))
        target = _check_target(path)
        if blocked:  # one line for the directory, however many files it blocks
            problems.setdefault(blocked[0], f"cannot write under it: {blocked[1]}")
        elif target:
            problems[path] = f"cannot write: {target}"
        create += [d for d in missing if d not in create]
    if problems:
        raise NfvdHaError([Problem(text, where) for where, text in problems.items()],
                          hint="nothing was written")
    staged: list[tuple[str, str]] = []
    made: list[str] = []
    try:
        for directory in create:
            os.mkdir(directory, 0o755)
            made.append(directory)
        for path, data, mode in files:
            _stage(path, data, mode, staged)
    except OSError as exc:
        _undo(staged, made)
        where = exc.filename or (staged[-1][1] if staged else files[0][0])
        raise NfvdHaError(Problem(f"cannot write: {exc.strerror}", str(where)),
                          hint="nothing was written") from None
    except BaseException:
        _undo(staged, made)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def _stage(path: str, data: str | bytes, mode: int, staged: list[tuple[str, str]]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".nfvd-ha.", dir=os.path.dirname(path))
    staged.append((tmp, path))
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())


def _undo(staged: list[tuple[str, str]], made: list[str]) -> None:
    for tmp, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    for directory in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(directory)
