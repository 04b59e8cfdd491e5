"""Collecting validation problems with file, key path and (where it can be found) line."""

import re

from ..errors import NfvdHaError, Problem

MISSING = object()
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_UNITS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60000, "min": 60000, "h": 3600000}
_DURATION = re.compile(r"^\s*(\d+)\s*(ms|s|sec|min|m|h)?\s*$")


def line_index(text):
    """{key path: line} for table headers and keys, e.g. 'cluster[0].resource[1].params'."""
    index, counters, current = {}, {}, ""
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


def _resolve(parts, counters):
    path = ""
    for part in parts:
        path = (path + "." if path else "") + part
        if path in counters:
            path += f"[{counters[path]}]"
    return path


class Checker:
    def __init__(self, file, text=""):
        self.file, self.problems = file, []
        self.lines = line_index(text) if text else {}

    def line_of(self, where):
        probe = where
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            shorter = re.sub(r"(\[\d+\]|\.[^.\[]+)$", "", probe)
            if shorter == probe:  # a top-level key (or an odd one): nothing left to strip
                return self.lines.get(probe.split(".")[0].split("[")[0])
            probe = shorter
        return None

    def error(self, where, message):
        self.problems.append(Problem(message, self.file, where, self.line_of(where)))

    def raise_if_any(self):
        if self.problems:
            raise NfvdHaError(self.problems, hint="nothing was written")

    def keys(self, table, where, allowed, required=()):
        if not isinstance(table, dict):
            self.error(where, f"must be a table, not {_kind(table)}")
            return {}
        for key in sorted(set(table) - set(allowed)):
            self.error(_join(where, key), f"unknown key '{key}' (allowed: "
                       f"{', '.join(sorted(allowed))})")
        for key in required:
            if key not in table:
                self.error(_join(where, key), "is required")
        return table

    def get(self, table, key, where, kind, default=MISSING):
        """``table[key]`` checked against ``kind`` (a type, 'duration' or 'ms'); None if bad."""
        if key not in table:
            return None if default is MISSING else default
        value, path = table[key], _join(where, key)
        fallback = None if default is MISSING else default  # after an error: keep checking
        if kind == "duration":
            ms = self.duration(value, path)
            return fallback if ms is None else ms
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.error(path, f"must be an integer, not {_kind(value)}")
            return fallback
        if kind is not int and not isinstance(value, kind):
            self.error(path, f"must be {_name(kind)}, not {_kind(value)}")
            return fallback
        return value

    def duration(self, value, where):
        """'2s', '500ms', '10min', '1h' or whole seconds; milliseconds."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value * 1000
        match = _DURATION.match(value) if isinstance(value, str) else None
        if not match:
            self.error(where, f"'{value}' is not a duration (e.g. 2s, 500ms, 10min)")
            return None
        return int(match.group(1)) * _UNITS[match.group(2) or "s"]

    def array(self, table, key, where):
        value = table.get(key, [])
        if not isinstance(value, list):
            self.error(_join(where, key), f"must be an array, not {_kind(value)}")
            return []
        return value


def _join(where, key):
    return f"{where}.{key}" if where else key


def _kind(value):
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _name(kind):
    if isinstance(kind, tuple):
        return " or ".join(_kind(k()) for k in kind)
    return _kind(kind())
