"""``nfvd-ha example`` and ``nfvd-ha validate``: the definition itself."""

from ..adapters.files import read_text
from ..definition import EXAMPLE, load_definition
from ..definition.model import Definition
from .render import validation_notes


def example() -> str:
    """The built-in reference definition's text (the guide's topology)."""
    return read_text(EXAMPLE)


def validate(path: str) -> tuple[Definition, list[str]]:
    """(the loaded definition at ``path``, its warnings and notes); NfvdHaError naming every
    problem when it is not valid."""
    loaded = load_definition(path)
    return loaded, loaded.warnings() + validation_notes(loaded)
