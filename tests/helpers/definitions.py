"""Loading definitions in tests, and writing them from data."""

import json

import pytest

from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError


def problems(text):
    """Every problem the loader reports for ``text`` (which it must refuse), as strings."""
    with pytest.raises(NfvdHaError) as err:
        load_text(text, "def.toml")
    return [str(p) for p in err.value.problems]


def dump(value):
    """Inline TOML for any JSON-like value (invalid TOML is fine: it must be reported)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {dump(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(dump(v) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def to_text(data):
    return "\n".join(f"{json.dumps(k)} = {dump(v)}" for k, v in data.items()) + "\n"
