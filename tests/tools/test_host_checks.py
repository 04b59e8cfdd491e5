"""node setup's question to fence_openstack's interpreter, asked of a real one."""

import sys

from nfvd_ha.commands.host_checks import imports_missing
from nfvd_ha.adapters.runner import Runner


def test_a_real_interpreter_says_which_modules_it_cannot_import():
    assert imports_missing(Runner(), sys.executable, ("json", "os")) == ""
    said = imports_missing(Runner(), sys.executable, ("json", "nfvd_no_such_module"))
    assert said == "nfvd_no_such_module: No module named 'nfvd_no_such_module'"
