"""Pure checks of parameter values, shared by the agents (every action) and by
``nfvd-ha validate`` (the definition). Each returns a problem text, or None."""


def control(value, what):
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{what}: control characters are not allowed"
    return None


def absolute_path(value, what):
    if not value.startswith("/") or any(c.isspace() or not c.isprintable() for c in value) \
            or "/../" in value + "/" or len(value) > 1024:
        return f"{what} '{value}' must be an absolute path without spaces or '..'"
    return None


def in_range(value, low, high, what):
    if not low <= value <= high:
        return f"{what} {value} is not {low}-{high}"
    return None


def found(*problems):
    """The problems that are there (None dropped)."""
    return [p for p in problems if p]
