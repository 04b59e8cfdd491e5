"""What ``nfvd-ha node setup`` checks on this host beyond its own files, before it joins.

- Shared directories (guide 2.3.7.3): a ``shared-fs`` resource owns its mount. An /etc/fstab
  line that mounts it at boot, or a mount already there before Pacemaker runs here, puts it
  on the passive node too: Pacemaker's probe would find it running on two nodes and stop it
  everywhere. Refused with the fix (``noauto`` or remove the line; unmount it).
- fence_openstack (guide 2.3.4.3: NFVD on OpenStack): the ``cloud`` entry it reads from
  clouds.yaml (root's ``~/.config/openstack`` first, then ``/etc/openstack``, as the agent
  looks), a private file of root's, with the credentials it needs; and the Python modules it
  imports (python3-yaml, python3-novaclient), asked of its own interpreter.
"""

import json
import os
import re
from collections.abc import Sequence
from typing import Any, Protocol

from nfvd_ocf import fstab, mounts
from nfvd_ocf.regular import read_regular

from .. import paths
from ..adapters.runner import CommandRunner
from ..definition.model import Cluster, Resource


class Host(Protocol):
    """What these checks ask of the host (node_setup.Host is the real one)."""

    def path(self, rel: str) -> str: ...

    def mounts(self) -> list[Any]: ...

    def cluster_running(self) -> bool: ...

    def python_lacks(self, python: str, modules: Sequence[str]) -> str: ...

MAX_CLOUDS = 1 << 20  # bytes
AUTH_KEYS = ("auth_url", "username", "password", "project_name")
#: what fence_openstack imports for the clouds.yaml path and to talk to Nova
FENCE_OPENSTACK_MODULES = ("yaml", "novaclient")


def _shared_fs(cluster: Cluster) -> list[tuple[Resource, str]]:
    """(resource, its directory) of the cluster's shared-fs resources."""
    return [(r, directory) for r in cluster.resources
            if r.type == "shared-fs" and (directory := r.param("directory"))]


def shared_mounts(host: Host, cluster: Cluster, start: bool = True
                  ) -> tuple[list[str], list[str]]:
    """(problems, notes): fstab lines that mount a shared-fs directory at boot; such a
    directory mounted here while Pacemaker does not run here (a note only with --no-start:
    a heartbeat host being migrated still serves it until the hand-over)."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        text = fstab.read(host.path(fstab.FSTAB))
    except (OSError, ValueError) as exc:
        return [f"{fstab.FSTAB}: cannot be read ({exc}): it may mount a shared directory at "
                "boot"], []
    table = host.mounts()
    running = host.cluster_running()
    for resource, directory in _shared_fs(cluster):
        problems += [f"{fstab.advice(e)} (resource {resource.id})"
                     for e in fstab.boot_mounts(directory, text)]
        found = None if running else mounts.mounted_at(directory, table)
        if found is not None:
            said = (f"{directory} is mounted here ({found.fstype} {found.source}) while "
                    f"Pacemaker does not run here: resource {resource.id} mounts it where it "
                    f"runs; unmount it (umount {directory}) before this node joins")
            (problems if start else notes).append(said)
    return problems, notes


def fence_openstack(host: Host, cluster: Cluster) -> list[str]:
    """Problems with what the cluster's fence_openstack devices need on this host."""
    clouds = sorted({v for f in cluster.fencing if f.agent == "fence_openstack"
                     for k, v in f.params if k == "cloud" and isinstance(v, str)})
    if not clouds:
        return []
    found: list[str] = []
    missing = host.python_lacks(_agent_python(host), FENCE_OPENSTACK_MODULES)
    if missing:
        found.append(f"fence_openstack cannot run here: {missing} (install python3-yaml and "
                     "python3-novaclient for its interpreter)")
    path = next((p for p in paths.OPENSTACK_CLOUDS if os.path.lexists(host.path(p))), None)
    if path is None:
        return found + [f"fence_openstack: no clouds.yaml ({' or '.join(paths.OPENSTACK_CLOUDS)}"
                        f"): write the cloud {', '.join(clouds)} there, mode 0600"]
    try:
        text = _read_private(host.path(path))
    except ValueError as exc:
        return found + [f"{path}: {exc}"]
    for cloud in clouds:
        problem = cloud_problem(text, cloud)
        if problem:
            found.append(f"{path}: {problem} (fence_openstack --cloud {cloud})")
    return found


def _agent_python(host: Host) -> str:
    """The interpreter of fence_openstack's #! line (/usr/bin/python3 on Debian and RHEL)."""
    try:
        with open(host.path(paths.FENCE_OPENSTACK), "rb") as f:
            first = f.readline(256).decode("ascii", "replace")
    except OSError:
        return paths.SYSTEM_PYTHON
    words = first[2:].split() if first.startswith("#!") else []
    return words[0] if words and words[0].startswith("/") else paths.SYSTEM_PYTHON


def _read_private(path: str) -> str:
    """clouds.yaml holds the cloud's password: a regular file of root's, mode 0600/0400."""
    def judge(info: os.stat_result) -> str | None:
        if info.st_uid != 0:
            return f"belongs to uid {info.st_uid}, not root"
        if info.st_mode & 0o077:
            return (f"is mode {info.st_mode & 0o777:04o}: it holds the cloud's password; "
                    "chmod 600")
        return None
    try:
        return read_regular(path, MAX_CLOUDS, judge).decode("utf-8", "replace")
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None


_KEY = re.compile(r"^(\s*)([A-Za-z0-9_.\-]+|'[^']*'|\"[^\"]*\")\s*:(\s|$)")


def _block(lines: list[str], start: int, indent: int) -> list[str]:
    """Lines after ``start`` indented more than ``indent`` (blank lines and comments kept)."""
    out = []
    for line in lines[start + 1:]:
        stripped = line.split("#", 1)[0]
        if stripped.strip() and len(stripped) - len(stripped.lstrip()) <= indent:
            break
        out.append(line)
    return out


def _children(lines: list[str]) -> tuple[dict[str, int], int]:
    """{key: index} of the least-indented keys of a block-style YAML mapping."""
    keys: dict[str, int] = {}
    level: int | None = None
    for i, line in enumerate(lines):
        match = _KEY.match(line.split("#", 1)[0])
        if not match:
            continue
        indent = len(match.group(1))
        level = indent if level is None else level
        if indent == level:
            keys.setdefault(match.group(2).strip("'\""), i)
    return keys, level or 0


def cloud_problem(text: str, cloud: str) -> str | None:
    """Why clouds.yaml's block-style ``clouds: CLOUD: auth:`` lacks what fence_openstack
    reads (auth_url, username, password, project_name), or None."""
    lines = text.splitlines()
    top, _ = _children(lines)
    if "clouds" not in top:
        return "has no top-level 'clouds:' mapping (block style)"
    clouds_block = _block(lines, top["clouds"], 0)
    entries, level = _children(clouds_block)
    if cloud not in entries:
        return f"has no cloud '{cloud}' under clouds: ({', '.join(sorted(entries)) or 'none'})"
    entry = _block(clouds_block, entries[cloud], level)
    fields, level = _children(entry)
    if "auth" not in fields:
        return f"cloud '{cloud}' has no auth:"
    auth, _ = _children(_block(entry, fields["auth"], level))
    missing = [k for k in AUTH_KEYS if k not in auth]
    return f"cloud '{cloud}' auth lacks {', '.join(missing)}" if missing else None


#: run by the agent's interpreter: the modules of argv it cannot import, as JSON
IMPORT_CHECK = ("import importlib, json, sys\nmissing = []\nfor name in sys.argv[1:]:\n"
                "    try:\n        importlib.import_module(name)\n"
                "    except Exception as exc:\n        missing.append(f'{name}: {exc}')\n"
                "print(json.dumps(missing))\n")


def imports_missing(runner: CommandRunner, python: str, modules: Sequence[str],
                    timeout: float = 30) -> str:
    """The import error ``python`` meets for ``modules`` ("" when they all import)."""
    result = runner.run([python, "-c", IMPORT_CHECK, *modules], timeout=timeout)
    try:
        missing = json.loads(result.stdout) if result.rc == 0 else None
    except ValueError:
        missing = None
    if missing is None:
        return f"{python} did not run ({(result.stderr or result.stdout).strip()[-200:]})"
    return "; ".join(str(m)[:200] for m in missing)
