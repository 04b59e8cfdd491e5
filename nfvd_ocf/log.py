"""Logging in the HA conventions: stderr always, syslog unless HA_LOGFACILITY is none.

``HA_LOGTAG`` names the tag, ``HA_debug=1`` enables debug messages. Exit reasons go
to stderr as ``ocf-exit-reason:TEXT``, which Pacemaker shows in ``crm_mon``.
"""

import os
import sys

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Mapping

_FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
               "cron", "authpriv", "ftp", "local0", "local1", "local2", "local3", "local4",
               "local5", "local6", "local7")
_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3}


def printable(text: object) -> str:
    """``text`` safe for syslog and any stderr: bytes that were not UTF-8 (parameters reach
    us surrogate-escaped) and control characters become backslash escapes."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " if c in "\t\n\r" else repr(c)[1:-1]
                   for c in text)


class Logger:
    def __init__(self, tag: str, env: "Mapping[str, str] | None" = None) -> None:
        env = os.environ if env is None else env
        self.tag = env.get("HA_LOGTAG") or tag
        self.debug_enabled = env.get("HA_debug", "0") not in ("0", "", "false", "no")
        facility = env.get("HA_LOGFACILITY", "daemon")
        self.facility = facility if facility in _FACILITIES else None
        self.stderr = sys.stderr

    def _emit(self, level: str, message: object) -> None:
        message = printable(message)
        self.stderr.write(f"{self.tag}[{os.getpid()}]: {level.upper()}: {message}\n")
        if self.facility is not None:
            import syslog  # a C module: cheap, and only loaded when something is logged
            fac = _FACILITIES.index(self.facility) << 3
            syslog.openlog(self.tag, syslog.LOG_PID, fac)
            syslog.syslog(_PRIORITY[level] | fac, message)

    def debug(self, message: object) -> None:
        if self.debug_enabled:
            self._emit("debug", message)

    def info(self, message: object) -> None:
        self._emit("info", message)

    def warning(self, message: object) -> None:
        self._emit("warning", message)

    def error(self, message: object) -> None:
        self._emit("error", message)

    def exit_reason(self, reason: object) -> None:
        """Pacemaker's exit reason: one line, prefixed, on stderr."""
        self.stderr.write("ocf-exit-reason:" + " ".join(printable(reason).split()) + "\n")
