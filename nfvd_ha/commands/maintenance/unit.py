"""The controller's systemd unit, installed with the path of this nfvd-ha."""

import os
import shlex

from ... import paths
from ...adapters.files import read_text, write_atomic

UNIT = os.path.join(paths.UNITS, "nfvd-ha-controller.service")


def install_unit(path: str, executable: str) -> None:
    """Write the controller's unit to ``path``, running ``executable``."""
    write_atomic(path, read_text(UNIT).replace(paths.SHIPPED_EXECUTABLE,
                                               shlex.quote(executable)))
