"""Collecting validation problems with file, key path and (where it can be found) line, and
the grammar every kind of string in a definition must follow."""

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import durations
from ..errors import NfvdHaError, Problem

MISSING = object()
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
MAX_TEXT = 1024  # characters in any string of a definition

#: name -> (pattern, what it is): the grammar of the free strings
GRAMMAR = {
    "id": (re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"), "an id (letters, digits, _ . -)"),
    "node": (re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
                        r"(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$"),
             "node name (it must equal `uname -n` on the node)"),
    "hostname": (re.compile(r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
                            r"(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$"),
                 "host name"),
    "interface": (re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,14}$"), "interface name"),
    "path": (re.compile(r"^(/[A-Za-z0-9._+@,=:\-]+)+$"), "absolute path"),
    # RFC 3986 path characters but ' and $: haproxy's parser takes quotes and (in quotes)
    # $VAR, tmsh (F5) takes $ and [ ]: the path must reach the check exactly as written
    "url_path": (re.compile(r"^/[A-Za-z0-9._~!&()*+,;=:@%/\-]{0,255}$"), "URL path"),
    "token": (re.compile(r"^[A-Za-z0-9_\-]{1,64}$"), "token (letters, digits, _ -)"),
    "agent": (re.compile(r"^fence_[a-z0-9_]{1,60}$"), "fence agent (fence_...)"),
    "param": (re.compile(r"^[a-z][a-z0-9_\-]{0,63}$"), "parameter name"),
    "account": (re.compile(r"^[a-z_][a-z0-9_\-]{0,31}$"), "user or group name"),
    "recipient": (re.compile(r"^[A-Za-z0-9._@+:/\-]{1,255}$"),
                  "alert recipient (an e-mail address, a host, a file path)"),
}


def line_index(text: str) -> dict[str, int]:
    """{key path: line} for table headers and keys, e.g. 'cluster[0].resource[1].params'."""
    index: dict[str, int] = {}
    counters: dict[str, int] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            parts = header.group(2).replace('"', "").split(".")
            prefix = _resolve(parts[:-1], counters)
            name = (prefix + "." if prefix else "") + parts[-1]
            if header.group(1) == "[[":
                counters[name] = counters.get(name, -1) + 1
                name += f"[{counters[name]}]"
            current = name
            index.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            index.setdefault((current + "." if current else "") + key.group(1), number)
    return index


def _resolve(parts: list[str], counters: dict[str, int]) -> str:
    path = ""
    for part in parts:
        path = (path + "." if path else "") + part
        if path in counters:
            path += f"[{counters[path]}]"
    return path


def text_problem(value: str) -> str | None:
    """Why a string cannot appear in any rendered file (control characters, length)."""
    if len(value) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    bad = next((c for c in value if ord(c) < 32 or 127 <= ord(c) < 160 or c in "\u2028\u2029"),
               None)
    if bad is not None:
        return f"contains the control character {bad!r}"
    return None


@dataclass(frozen=True)
class Bounds:
    """What ``Checker.ranged`` accepts: an integer within [low, high]; ``default`` when the
    key is absent (None: no value). ``kind`` "duration": written as one, bounds in ms."""

    low: int
    high: int
    default: Any = None
    kind: Any = int

    @classmethod
    def duration(cls, low: int, high: int, default: int | None = None) -> "Bounds":
        """A duration within [low, high] ms."""
        return cls(low, high, default, "duration")


class Checker:
    """Collects every problem of one definition file (and the notes printed with it)."""

    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.lines = line_index(text) if text else {}

    def line_of(self, where: str) -> int | None:
        probe = where
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            shorter = re.sub(r"(\[\d+\]|\.[^.\[]+)$", "", probe)
            if shorter == probe:  # a top-level key (or an odd one): nothing left to strip
                return self.lines.get(probe.split(".")[0].split("[")[0])
            probe = shorter
        return None

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, where, self.line_of(where)))

    def raise_if_any(self) -> None:
        if self.problems:
            raise NfvdHaError(self.problems, hint="nothing was written")

    def keys(self, table: Any, where: str, allowed: Iterable[str],
             required: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.error(where, f"must be a table, not {_kind(table)}")
            return {}
        for key in sorted(set(table) - set(allowed)):
            self.error(join(where, key), f"unknown key '{key[:64]}' (allowed: "
                       f"{', '.join(sorted(allowed))})")
        for key in required:
            if key not in table:
                self.error(join(where, key), "is required")
        return table

    def get(self, table: dict[str, Any], key: str, where: str, kind: Any,
            default: Any = MISSING, grammar: str | None = None) -> Any:
        """``table[key]`` checked against ``kind`` (a type or 'duration') and, for strings,
        against no control characters and ``grammar``; the default (or None) if bad."""
        if key not in table:
            return None if default is MISSING else default
        value, path = table[key], join(where, key)
        fallback = None if default is MISSING else default  # after an error: keep checking
        if kind == "duration":
            ms = durations.parse(value)
            if ms is None:
                self.error(path, f"'{_short(value)}' is not a duration (e.g. 2s, 500ms, 10min)")
                return fallback
            return ms
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.error(path, f"must be an integer, not {_kind(value)}")
            return fallback
        if kind is not int and not isinstance(value, kind):
            self.error(path, f"must be {_name(kind)}, not {_kind(value)}")
            return fallback
        if isinstance(value, str) and not self.string(value, path, grammar):
            return fallback
        return value

    def string(self, value: str, where: str, grammar: str | None = None) -> bool:
        """True when ``value`` is a clean string of ``grammar`` (reports otherwise)."""
        problem = text_problem(value)
        if problem:
            self.error(where, f"'{_short(value)}' {problem}")
            return False
        if grammar and not GRAMMAR[grammar][0].match(value):
            self.error(where, f"'{_short(value)}' is not a valid {GRAMMAR[grammar][1]}")
            return False
        return True

    def ranged(self, table: dict[str, Any], key: str, where: str, bounds: "Bounds") -> Any:
        """An integer (or a duration, in ms) within ``bounds``; their default when absent or
        out of range (an error then)."""
        low, high = bounds.low, bounds.high
        value = self.get(table, key, where, bounds.kind, bounds.default)
        if value is not None and not low <= value <= high:
            unit = " ms" if bounds.kind == "duration" else ""
            self.error(join(where, key), f"{value}{unit} is out of range {low}-{high}{unit}")
            return bounds.default
        return value

    def ip(self, value: str | None, where: str) -> str | None:
        if value is None:
            return None
        try:
            if value.isascii():
                return str(ipaddress.ip_address(value))
        except ValueError:
            pass
        self.error(where, f"'{_short(value)}' is not an IP address")
        return None

    def host(self, value: str | None, where: str) -> str | None:
        """A host name or an IP address."""
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value if self.string(value, where, "hostname") else None

    def array(self, table: dict[str, Any], key: str, where: str) -> list[Any]:
        value = table.get(key, [])
        if not isinstance(value, list):
            self.error(join(where, key), f"must be an array, not {_kind(value)}")
            return []
        return value

    def strings(self, table: dict[str, Any], key: str, where: str,
                grammar: str | None) -> list[str]:
        """An array of strings of ``grammar`` (each checked)."""
        found = []
        for i, value in enumerate(self.array(table, key, where)):
            if not isinstance(value, str):
                self.error(f"{join(where, key)}[{i}]", f"must be a string, not {_kind(value)}")
            elif self.string(value, f"{join(where, key)}[{i}]", grammar):
                found.append(value)
        return found

    def note(self, text: str) -> None:
        """A warning the CLI prints every time (the definition is valid)."""
        self.notes.append(text)


T = TypeVar("T")


def valid(value: T | None) -> T:
    """``value`` for a model field that is never None in a loaded definition: a check returns
    None only after recording an error, and ``raise_if_any`` refuses the definition before a
    model holding that None leaves the loader."""
    return value  # type: ignore[return-value]


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _short(value: object) -> str:
    """``value`` for an error message: one line, printable, at most 80 characters."""
    text = str(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    return text if text.isprintable() else repr(text)[1:-1]


def _kind(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_kind(k()) for k in kind)
    return _kind(kind())
