"""Loading definitions in tests."""

import pytest

from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError


def problems(text):
    """Every problem the loader reports for ``text`` (which it must refuse), as strings."""
    with pytest.raises(NfvdHaError) as err:
        load_text(text, "def.toml")
    return [str(p) for p in err.value.problems]
