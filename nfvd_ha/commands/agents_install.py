"""Install the OCF agents under $OCF_ROOT, self-contained, as resource-agents does.

The agents' runtime (the ``nfvd_ocf`` and ``agents`` packages: standard library only) is
copied world-readable into ``$OCF_ROOT/lib/nfvd``; each agent in ``resource.d/nfvd`` is a
small launcher that runs Python with ``-IS`` on that copy, by its absolute path: isolated
(no working directory or script directory on the path, no PYTHON* variables: nothing a
caller plants is imported) and without site processing (agents run every few seconds).
The OCF root must be an absolute, canonical path. So ``crm ra info`` as a haclient user
and ``ocf-tester`` as nobody work wherever pip put nfvd-ha. ``lib/nfvd/holds-address`` is
the corosync-qdevice heuristic: exit 0 when one of its addresses is a unicast address on
an interface of this host that is up (asked of the kernel, not a bind()).
"""

import os
import sys
from collections.abc import Iterator

import agents
import nfvd_ocf

from .. import paths
from ..adapters.files import File, read_bytes, write_all_atomic
from ..adapters.runner import CommandRunner
from ..errors import NfvdHaError

PROVIDER = "nfvd"
PACKAGES = (nfvd_ocf, agents)

LAUNCHER = """#!{python} -IS
# OCF resource agent ocf:{provider}:{name}, installed by `nfvd-ha agents install`.
import sys
sys.path.insert(0, {lib!r})
from agents.{module} import AGENT
from nfvd_ocf.runtime import main
main(AGENT)
"""
HOLDS_ADDRESS = """#!{python} -IS
# corosync-qdevice heuristic, installed by `nfvd-ha agents install`: exit 0 when one of the
# addresses given is a unicast address on an interface of this host that is up (the kernel
# says so: rtnetlink), so the node running the VIPs wins a 50:50 split; 1 otherwise.
import sys
sys.path.insert(0, {lib!r})
from nfvd_ocf.addresses import holds
try:
    held = any(holds(a) for a in sys.argv[1:])
except OSError as exc:
    sys.stderr.write("holds-address: %s\\n" % exc)
    held = False
sys.exit(0 if held else 1)
"""


def agent_dir(root: str) -> str:
    """Where the agents' launchers go under the OCF root ``root``."""
    return os.path.join(root, "resource.d", PROVIDER)


def lib_dir(root: str) -> str:
    """Where the agents' runtime goes under the OCF root ``root``."""
    return os.path.join(root, "lib", PROVIDER)


def _runtime_files(lib: str) -> Iterator[File]:
    """(path, bytes, mode) of every module of the agents' runtime, copied as is."""
    for package in PACKAGES:
        source = os.path.dirname(os.path.abspath(str(package.__file__)))
        name = package.__name__
        for entry in sorted(os.listdir(source)):
            if entry.endswith(".py"):
                yield (os.path.join(lib, name, entry), read_bytes(os.path.join(source, entry)),
                       0o644)


SYSTEM_PYTHON = paths.SYSTEM_PYTHON
MIN_PYTHON = (3, 9)  # pidfd_open, memfd seals


def default_python(runner: CommandRunner | None = None) -> str:
    """The system's Python when it is recent enough (it starts fastest and any user may run
    it), else the one running nfvd-ha."""
    if os.access(SYSTEM_PYTHON, os.X_OK):
        from ..adapters.runner import Runner
        probe = (runner or Runner()).run(
            [SYSTEM_PYTHON, "-S", "-c", f"import sys; sys.exit(sys.version_info < {MIN_PYTHON})"],
            timeout=10)
        if probe.rc == 0:
            return SYSTEM_PYTHON
    return sys.executable


def files(root: str, python: str, staged: str | None = None) -> list[File]:
    """(path, content, mode) of everything ``install`` writes: the runtime, the launchers
    (running ``python`` on ``root``'s copy), the heuristic; written under ``staged``."""
    staged, lib = staged or root, lib_dir(root)
    found: list[File] = list(_runtime_files(lib_dir(staged)))
    found += [(os.path.join(agent_dir(staged), name), LAUNCHER.format(
        python=python, provider=PROVIDER, name=name, lib=lib, module=module), 0o755)
        for name, module in sorted(agents.AGENTS.items())]
    found.append((os.path.join(lib_dir(staged), "holds-address"),
                  HOLDS_ADDRESS.format(python=python, lib=lib), 0o755))
    return found


def root_problem(root: str) -> str | None:
    """Why ``root`` cannot be an OCF root to install into, or None: absolute and canonical
    (no '.', '..', '//' or trailing '/', printable, no spaces)."""
    if not root or not root.startswith("/") or root.startswith("//") or \
            os.path.normpath(root) != root or any(
                c.isspace() or not c.isprintable() for c in root):
        return "must be an absolute, canonical path (no '.', '..', '//' or trailing '/')"
    return None


def install(root: str, python: str | None = None, destdir: str | None = None) -> list[str]:
    """Write the runtime and the launchers; ``python`` (default: the system's Python when
    recent enough) runs them. The agents need only the standard library. ``destdir``
    (packaging, as make's DESTDIR): write under it, the launchers still pointing at
    ``root``."""
    problem = root_problem(root)
    if problem:
        raise NfvdHaError(f"--ocf-root {root}: {problem}",
                          hint="the launchers import the runtime from it, as root")
    python = python or default_python()
    if not os.path.isabs(python) or any(c.isspace() for c in python) or (
            not destdir and not os.access(python, os.X_OK)):
        raise NfvdHaError(f"--python {python}: not an executable absolute path")
    staged = os.path.join(destdir, root.lstrip("/")) if destdir else root
    write_all_atomic(files(root, python, staged))
    _world_readable(staged, lib_dir(staged))
    return [os.path.join(agent_dir(staged), n) for n in sorted(agents.AGENTS)] + [
        os.path.join(lib_dir(staged), "holds-address")]


def _world_readable(root: str, lib: str) -> None:
    """Directories we made under the OCF root are 0755 whatever the umask."""
    for directory in (os.path.join(root, "resource.d"), agent_dir(root),
                      os.path.join(root, "lib"), lib,
                      *(os.path.join(lib, p.__name__) for p in PACKAGES)):
        if os.path.isdir(directory) and not os.path.islink(directory):
            os.chmod(directory, os.stat(directory).st_mode | 0o755)


def listing(root: str) -> list[tuple[str, str, bool]]:
    """(ocf:nfvd:NAME, its path, installed) of every agent under the OCF root ``root``."""
    target = agent_dir(root)
    return [(f"ocf:{PROVIDER}:{name}", os.path.join(target, name),
             os.access(os.path.join(target, name), os.X_OK)) for name in sorted(agents.AGENTS)]
