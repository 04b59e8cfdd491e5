"""Paths judged by the descriptors met on the way down, never by a name resolved twice.

A path is walked from ``/`` one component at a time, each opened relative to the directory
before it without following a symlink, and every directory passed through must be one that
only root (or we) can change: owned by root or us, and writable by its owner alone - or, with
``sticky_ok``, root's and sticky (``/tmp``): there others may add names but never rename or
remove one that is not theirs, and whatever is below is judged in turn. So what the walk
reaches cannot be swapped by another user between the check and the use.
"""

import errno
import os
import stat


class Untrusted(Exception):
    """The path cannot be trusted; the message says which component and why."""


def directory_problem(info: os.stat_result, where: str, sticky_ok: bool = True) -> str | None:
    """Why a directory (its stat) lets others change what is in it, or None."""
    if info.st_uid not in (0, os.geteuid()):
        return f"{where} belongs to uid {info.st_uid}, not to root"
    if info.st_mode & 0o022:
        if sticky_ok and info.st_mode & stat.S_ISVTX and info.st_uid == 0:
            return None
        return f"{where} is writable by others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def components(path: str) -> list[str]:
    """The names of an absolute path, or Untrusted when it is not a plain one."""
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise Untrusted(f"{path!r} is not an absolute path")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise Untrusted(f"{path} has '.' or '..' components")
    return parts


def open_beneath(path: str, flags: int = os.O_RDONLY, sticky_ok: bool = True, mode: int = 0o777,
                 strict_last: int = 0) -> int:
    """A descriptor of ``path`` opened with ``flags`` (never through a symlink), every
    directory on the way judged (see the module), the last ``strict_last`` of them with no
    sticky exception; Untrusted, or OSError when it cannot be opened."""
    parts = components(path)
    fd = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    where = "/"
    try:
        for i, name in enumerate(parts):
            strict = len(parts) - i <= strict_last
            problem = directory_problem(os.fstat(fd), where, sticky_ok and not strict)
            if problem:
                raise Untrusted(problem)
            last = i == len(parts) - 1
            want = flags if last else os.O_PATH | os.O_DIRECTORY
            child = os.path.join(where, name)
            try:
                nfd = os.open(name, want | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, fd):
                    raise Untrusted(f"{child} is a symlink") from None
                raise
            os.close(fd)
            fd, where = nfd, child
        if not parts:
            return os.open("/", flags | os.O_CLOEXEC, mode)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def directory_chain_problem(path: str, sticky_ok: bool = True, create: bool = False) -> str | None:
    """Why the directory ``path`` is reached through a symlink or a directory others can
    change (or is no directory), or None. Missing components are fine (made by root below
    a directory judged trusted, they are trusted too); ``create`` makes them (0755)."""
    try:
        parts = components(path)
    except Untrusted as exc:
        return str(exc)
    fd, where = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC), "/"
    try:
        for name in parts:
            problem = directory_problem(os.fstat(fd), where, sticky_ok)
            if problem:
                return problem
            child = os.path.join(where, name)
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(name, 0o755, dir_fd=fd)
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                return f"{child} is a symlink"
            if not stat.S_ISDIR(info.st_mode):
                return f"{child} is not a directory"
            nfd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                          dir_fd=fd)
            os.close(fd)
            fd, where = nfd, child
        return None
    except OSError as exc:
        return f"{where}: {exc.strerror}"
    finally:
        os.close(fd)
