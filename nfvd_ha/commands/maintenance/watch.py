"""Watch the lock's directory with inotify (pyinotify), even before the directory exists.

The watch sits on the deepest existing directory on the way to the lock (normally the
lock's own directory); after every batch of events it moves down or up as directories are
created, removed or renamed. Any event there means "look again": the reconcile reads the
truth from the file itself, so no event needs interpreting.
"""

import os
import warnings

with warnings.catch_warnings():  # pyinotify imports asyncore (deprecated in 3.11)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pyinotify

MASK = (pyinotify.IN_CREATE | pyinotify.IN_DELETE | pyinotify.IN_MOVED_TO |
        pyinotify.IN_MOVED_FROM | pyinotify.IN_ATTRIB | pyinotify.IN_CLOSE_WRITE |
        pyinotify.IN_MODIFY | pyinotify.IN_DELETE_SELF | pyinotify.IN_MOVE_SELF)


def deepest_existing(directory: str) -> str:
    """``directory``, or its deepest ancestor that exists."""
    path = os.path.abspath(directory)
    while not os.path.isdir(path):
        path = os.path.dirname(path)
    return path


class LockWatcher:
    """inotify on the lock's directory (or the deepest one of its path that exists)."""

    def __init__(self, lock_path: str) -> None:
        self.directory = os.path.dirname(os.path.abspath(lock_path))
        self.manager = pyinotify.WatchManager()
        self.events = 0
        self.notifier = pyinotify.Notifier(self.manager, self._count, timeout=0)
        self.watched: str | None = None
        self.wd: int | None = None
        self.rewatch()

    def _count(self, event: object) -> None:
        self.events += 1

    def rewatch(self) -> bool:
        want = deepest_existing(self.directory)
        if want == self.watched and self.wd is not None:
            return False
        if self.wd is not None:
            self.manager.rm_watch(self.wd, quiet=True)
        added = self.manager.add_watch(want, MASK, quiet=True)
        self.wd = added.get(want) if added.get(want, -1) >= 0 else None
        self.watched = want
        return True  # moved: what is already there was never seen as an event

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` s; True when something happened on the way to the lock."""
        self.events = 0
        if self.notifier.check_events(timeout=int(timeout * 1000)):
            self.notifier.read_events()
            self.notifier.process_events()
        moved = self.rewatch()
        return self.events > 0 or moved

    def close(self) -> None:
        self.notifier.stop()
