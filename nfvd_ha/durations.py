"""Durations of the definition: parsed from "2s", "500ms", "10min", "1h" or whole seconds,
kept in milliseconds, and written back for the configs that take them."""

import re

UNITS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60000, "min": 60000, "h": 3600000}
PATTERN = re.compile(r"^(\d{1,9})(ms|s|sec|min|m|h)?$")


def parse(value: object) -> int | None:
    """Milliseconds of ``value`` (an int of seconds or a string), or None when invalid."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 1000 if 0 <= value <= 10**9 else None
    match = PATTERN.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(1)) * UNITS[match.group(2) or "s"] if match else None


def text(ms: int) -> str:
    """Pacemaker and HAProxy form: whole seconds as "10s", else "500ms"."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"
