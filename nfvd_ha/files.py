"""Reading inputs and writing outputs safely.

Inputs: regular files only (a FIFO or /dev/zero is refused, never read), opened without
blocking, size-capped, UTF-8. Outputs: every target is checked first (not a directory, its
parents directories), then all are staged as temp files beside their targets (fsync, mode
set before any byte is written) and renamed into place together. On any failure, temps and
directories created for them are removed, and the error names the path: nothing is written.
"""

import os
import stat
import tempfile

from .errors import NfvdHaError, Problem

MAX_INPUT = 1 << 20  # bytes: a definition, ha.cf or haresources is far smaller


def kind(mode):
    """What a non-regular file is, in words ("a FIFO")."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symlink")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path, limit=MAX_INPUT):
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
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise NfvdHaError(Problem(f"cannot read: {exc.strerror}", str(path))) from None
    finally:
        os.close(fd)
    if size > limit:
        raise NfvdHaError(Problem(f"is larger than {limit} bytes", str(path)))
    return b"".join(chunks)


def read_text(path, limit=MAX_INPUT):
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NfvdHaError(Problem(f"is not UTF-8 text (byte {exc.start})", str(path))) from None


def write_atomic(path, data, mode=0o644):
    """Write ``data`` (str or bytes) to ``path`` so readers see the old or the new file."""
    write_all_atomic([(path, data, mode)])


def _missing_dirs(directory):
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
            return missing, (probe, exc.strerror)
        if not stat.S_ISDIR(info.st_mode):
            return missing, (probe, "is not a directory")
        return missing, None


def _check_target(path):
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        return f"is {kind(info.st_mode)}, not a regular file: not replaced"
    return None  # a symlink is replaced by the rename itself, never written through


def write_all_atomic(files):
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


def _stage(path, data, mode, staged):
    fd, tmp = tempfile.mkstemp(prefix=".nfvd-ha.", dir=os.path.dirname(path))
    staged.append((tmp, path))
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())


def _undo(staged, made):
    for tmp, _ in staged:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    for directory in reversed(made):
        try:
            os.rmdir(directory)
        except OSError:
            pass
