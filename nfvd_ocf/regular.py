"""Reading a small file that must be a regular file: opened without following a symlink and
without blocking (a FIFO never hangs the reader), judged on the opened descriptor, read up to
a cap. Standard library only (the agents use it)."""

import os
import stat

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable


def read_regular(path: str, limit: int,
                 judge: "Callable[[os.stat_result], str | None] | None" = None) -> bytes:
    """The bytes of ``path``; OSError when it cannot be opened (a symlink: ELOOP), ValueError
    (saying why, without the path) when it is not a regular file, is larger than ``limit`` or
    ``judge(fstat)`` says why not."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        problem = judge(info) if judge else None
        if problem:
            raise ValueError(problem)
        data = os.read(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(f"is larger than {limit} bytes")
    return data


def ours_alone(info: os.stat_result) -> str | None:
    """A judge for ``read_regular``: a state file this process's user owns and no one else
    can write."""
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return "is not ours alone (owner, or writable by others)"
    return None
