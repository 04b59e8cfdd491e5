"""Install the OCF agents under $OCF_ROOT/resource.d/nfvd as small launchers.

Each launcher runs the interpreter nfvd-ha is installed in with ``-S`` (no site
processing: agents run every few seconds) and the exact directory of the package.
"""

import os
import sys

import agents
import nfvd_ocf

from .errors import NfvdHaError
from .files import write_atomic

PROVIDER = "nfvd"

LAUNCHER = """#!{python} -S
# OCF resource agent ocf:{provider}:{name}, installed by `nfvd-ha agents install`.
import sys
sys.path.insert(0, {root!r})
from agents.{module} import AGENT
from nfvd_ocf.runtime import main
main(AGENT)
"""


def ocf_root(env=None):
    return (env or os.environ).get("OCF_ROOT") or "/usr/lib/ocf"


def agent_dir(root):
    return os.path.join(root, "resource.d", PROVIDER)


def launcher(name, module, python=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(nfvd_ocf.__file__)))
    return LAUNCHER.format(python=python or sys.executable, provider=PROVIDER, name=name, root=root,
                           module=module)


def install(root, python=None):
    """Write the launchers; ``python`` (default: this interpreter) runs them.

    The agents need only the standard library, so any Python >= 3.11 will do; the
    system's /usr/bin/python3 starts fastest.
    """
    if python and not os.access(python, os.X_OK):
        raise NfvdHaError(f"--python {python}: not an executable")
    target = agent_dir(root)
    try:
        for name, module in sorted(agents.AGENTS.items()):
            write_atomic(os.path.join(target, name), launcher(name, module, python), 0o755)
    except OSError as exc:
        raise NfvdHaError(f"cannot install agents into {target}: {exc.strerror}",
                          hint="run as root, or set OCF_ROOT") from exc
    return [os.path.join(target, n) for n in sorted(agents.AGENTS)]


def listing(root):
    target = agent_dir(root)
    return [(f"ocf:{PROVIDER}:{name}", os.path.join(target, name),
             os.access(os.path.join(target, name), os.X_OK)) for name in sorted(agents.AGENTS)]
