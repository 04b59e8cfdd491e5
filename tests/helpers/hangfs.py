#!/usr/bin/env python3
"""A tiny in-memory FUSE filesystem that hangs on demand, like a dead hard-mounted NFS server.

While the flag file exists, every operation sleeps (the caller sits in state D in the
kernel, unkillable). Usage: hangfs.py MOUNTPOINT FLAGFILE  (daemonises once mounted)
"""
import errno
import os
import stat
import sys
import time

from fuse import FUSE, FuseOSError, Operations


class HangFS(Operations):
    def __init__(self, flag):
        self.flag = flag
        self.files = {}
        now = time.time()
        self.root = dict(st_mode=stat.S_IFDIR | 0o777, st_nlink=2, st_uid=0, st_gid=0,
                         st_ctime=now, st_mtime=now, st_atime=now)

    def _gate(self):
        while os.path.exists(self.flag):
            time.sleep(0.2)

    def getattr(self, path, fh=None):
        self._gate()
        if path == "/":
            return self.root
        if path[1:] in self.files:
            now = time.time()
            return dict(st_mode=stat.S_IFREG | 0o666, st_nlink=1, st_size=len(self.files[path[1:]]),
                        st_uid=0, st_gid=0, st_ctime=now, st_mtime=now, st_atime=now)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        self._gate()
        return [".", ".."] + list(self.files)

    def create(self, path, mode, fi=None):
        self._gate()
        self.files[path[1:]] = b""
        return 0

    def mknod(self, path, mode, dev):  # the kernel's fallback to create()
        return self.create(path, mode)

    def chmod(self, path, mode):  # fusepy's defaults answer EROFS: this fs is writable
        self._gate()
        return 0

    def chown(self, path, uid, gid):
        self._gate()
        return 0

    def utimens(self, path, times=None):
        self._gate()
        return 0

    def open(self, path, flags):
        self._gate()
        return 0

    def write(self, path, data, offset, fh):
        self._gate()
        old = self.files.get(path[1:], b"")
        self.files[path[1:]] = old[:offset] + data + old[offset + len(data):]
        return len(data)

    def read(self, path, size, offset, fh):
        self._gate()
        return self.files.get(path[1:], b"")[offset:offset + size]

    def truncate(self, path, length, fh=None):
        self._gate()
        self.files[path[1:]] = self.files.get(path[1:], b"")[:length]

    def unlink(self, path):
        self._gate()
        self.files.pop(path[1:], None)

    def fsync(self, path, datasync, fh):
        self._gate()
        return 0

    def flush(self, path, fh):
        self._gate()
        return 0


if __name__ == "__main__":
    FUSE(HangFS(sys.argv[2]), sys.argv[1], foreground=False, allow_other=True,
         fsname="hangfs")
