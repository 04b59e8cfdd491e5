"""Atomic file writes: temp file in the same directory, fsync, chmod, rename."""

import os
import tempfile


def write_atomic(path, data, mode=0o644):
    """Write ``data`` (str or bytes) to ``path`` so readers see the old or the new file."""
    write_all_atomic([(path, data, mode)])


def write_all_atomic(files):
    """Write several files: all are staged first, then renamed into place together."""
    staged = []
    try:
        for path, data, mode in files:
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".nfvd-ha.", dir=directory)
            staged.append((tmp, path))
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
