"""``nfvd-ha node setup DEFINITION --node NAME --keys DIR``: this host as node NAME of its
Pacemaker cluster, from the definition, run on each node (no SSH fan-out).

Checked first, every problem reported at once and nothing changed: NAME is a node of a
cluster of the definition and this host's ``uname -n``; each of its link addresses is on this
host; corosync, pacemakerd and crm_mon (corosync-qdevice with a quorum device, each fence
agent the cluster uses) are installed; the cluster's authkey in DIR (made once by ``nfvd-ha
keygen`` and copied to every node - never generated here) is a private key file. Then only
what differs is changed: the agents under the OCF root, ``/etc/corosync/corosync.conf``
(0644), ``/etc/corosync/authkey`` (0400), the quorum device's certificate when one is given
(imported once), and, with systemd, the corosync, pacemaker (and corosync-qdevice) units
enabled and started, then a bounded wait until crm_mon shows the node online. Without
systemd it says so and starts nothing. A second run changes nothing; ``check`` lists what a
run would change.
"""

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nfvd_ocf import addresses, mounts, trusted

from .. import paths
from ..adapters.files import judge, read_bytes, read_fd, write_atomic
from ..adapters.pacemaker import Pacemaker
from ..adapters.runner import CommandRunner, Runner
from ..definition import load_definition, model
from ..errors import NfvdHaError, Problem
from ..renderers import keys
from ..renderers.corosync import render_corosync_conf
from . import agents_install, host_checks

TIMEOUT = 60
NSSDB = paths.QDEVICE_NSSDB
IMPORTED = "nfvd-ha-imported"  # in the NSS database: the digest of what was imported


class Host:
    """Where this host keeps things (``root`` is "/" but for tests) and what it says."""

    def __init__(self, root: str = "/", ocf_root: str = paths.OCF_ROOT,
                 hostname: str | None = None, is_local: Callable[[str], bool] | None = None,
                 python_lacks: Callable[[str, Sequence[str]], str] | None = None
                 ) -> None:
        self.root, self.ocf_root = root, os.path.join(root, ocf_root.lstrip("/"))
        self.hostname = hostname or os.uname().nodename
        self.is_local = is_local or _assigned
        self.python_lacks = python_lacks or _python_lacks

    def mounts(self) -> list[Any]:
        """This host's mount table (none under a test root without /proc)."""
        table = self.path(mounts.MOUNTINFO)
        return mounts.mounts(table) if os.path.exists(table) else []

    def cluster_running(self) -> bool:
        """True when pacemakerd runs here (its mounts are then the cluster's)."""
        proc = self.path("/proc")
        for pid in (os.listdir(proc) if os.path.isdir(proc) else ()):
            try:
                with open(os.path.join(proc, pid, "comm")) as f:
                    if pid.isdigit() and f.read(64).strip() == "pacemakerd":
                        return True
            except OSError:
                continue
        return False

    def path(self, rel: str) -> str:
        """``rel`` (an absolute path on a host) under this host's root."""
        return os.path.join(self.root, rel.lstrip("/"))

    def installed(self, program: str) -> bool:
        """``program`` is installed in the cluster stack's sbin."""
        return os.access(self.path(f"{paths.SBIN}/{program}"), os.X_OK)

    def systemd(self) -> bool:
        """systemd runs this host."""
        return os.path.isdir(self.path(paths.SYSTEMD_RUNNING))


def _python_lacks(python: str, modules: Sequence[str]) -> str:
    return host_checks.imports_missing(Runner(), python, modules)


def _assigned(ip: str) -> bool:
    """The kernel has ``ip`` on an interface here (rtnetlink; not a bind())."""
    try:
        return addresses.assigned(ip)
    except OSError:
        return False


class Change:
    """One change to this host: what it is, in words, and the function that makes it."""

    def __init__(self, what: str, apply: Callable[[], object]) -> None:
        self.what, self.apply = what, apply


def find_node(definition: model.Definition, name: str, where: str
              ) -> tuple[model.Cluster, model.Node]:
    """The cluster and node called ``name``; NfvdHaError naming the nodes there are."""
    for cluster in definition.clusters:
        for node in cluster.nodes:
            if node.name == name:
                return cluster, node
    raise NfvdHaError(Problem(f"--node {name}: not a node of any cluster (nodes: "
                              f"{', '.join(n.name for c in definition.clusters for n in c.nodes)})",
                              where))


def problems(host: Host, cluster: model.Cluster, node: model.Node, keys_dir: str) -> list[str]:
    """Why this host cannot be ``node`` of ``cluster`` (every reason, [] when it can)."""
    found = []
    if host.hostname != node.name:
        found.append(f"this host is {host.hostname!r} (uname -n), not {node.name!r}: "
                     "corosync and Pacemaker name nodes by uname -n")
    found += [f"address {a} (link {i}) of {node.name} is not on this host"
              for i, a in enumerate(node.addresses) if not host.is_local(a)]
    needed = ["corosync", "pacemakerd", "crm_mon"]
    needed += ["corosync-qdevice"] if cluster.quorum_device else []
    needed += sorted({f.agent for f in cluster.fencing})
    found += [f"{p} is not installed ({paths.SBIN}/{p})" for p in needed if not host.installed(p)]
    key, _, problem = read_authkey(keys_dir, cluster.name)
    found += [f"{key}: {problem} (make it once with `nfvd-ha keygen`, copy it to every node)"
              ] if problem else []
    return found


def read_authkey(keys_dir: str, cluster_name: str) -> tuple[str, bytes | None, str | None]:
    """(path, content, None) of the cluster's authkey in ``keys_dir``, or (path, None, why
    not). Read from the descriptor it is judged by - a private regular file of ours, opened
    without following a symlink - reached through directories only root (or we) can change:
    the keys directory and the cluster's below it writable by their owner alone, those above
    too or root's and sticky (/tmp); a swap between check and read is impossible."""
    key = os.path.join(os.path.realpath(keys_dir), cluster_name, "authkey")
    try:
        fd = trusted.open_beneath(key, os.O_RDONLY | os.O_NONBLOCK, strict_last=2)
    except trusted.Untrusted as exc:
        return key, None, f"{exc}: keys are read only from directories others cannot change"
    except OSError as exc:
        return key, None, f"cannot be read: {exc.strerror}"
    try:
        problem = judge(fd, keys.MAX_SECRET, private=True)
        data = None if problem else read_fd(fd, keys.MAX_SECRET)
    except OSError as exc:
        problem, data = f"cannot be read: {exc.strerror}", None
    finally:
        os.close(fd)
    return key, data, problem


@dataclass(frozen=True)
class SetupOptions:
    """What ``nfvd-ha node setup`` is asked: make this host node ``name`` of the definition
    at ``definition`` with the keys under ``keys_dir``; ``qdevice``: (CA certificate, node
    p12) issued by the quorum device's qnetd; ``check``: only say what would change;
    ``start``: enable and start the units and wait up to ``timeout`` seconds for the node to
    join; ``python``: what the agents' launchers run (None: the system's Python)."""

    definition: str
    name: str
    keys_dir: str
    qdevice: tuple[str, str] | None = None
    check: bool = False
    start: bool = True
    timeout: float = 120
    python: str | None = None


def changes_needed(options: SetupOptions, runner: CommandRunner, host: Host | None = None
                   ) -> tuple[model.Cluster, list[Change], list[str]]:
    """(cluster, [Change], [note]) for making this host ``options.name``; NfvdHaError when
    it cannot be."""
    host = host or Host()
    definition_path, name, keys_dir = options.definition, options.name, options.keys_dir
    qdevice, start = options.qdevice, options.start
    cluster, node = find_node(load_definition(definition_path), name, definition_path)
    found = problems(host, cluster, node, keys_dir)
    conflicts, notes = host_checks.shared_mounts(host, cluster, start)
    found += conflicts + host_checks.fence_openstack(host, cluster)
    if found:
        raise NfvdHaError(found, hint="nothing was changed")
    changes = []
    python = options.python or agents_install.default_python(runner)
    wanted = agents_install.files(paths.OCF_ROOT, python, host.ocf_root)
    if any(_differs(path, data) for path, data, _ in wanted):
        changes.append(Change(f"install the agents into {paths.OCF_ROOT}",
                              lambda: agents_install.install(paths.OCF_ROOT, python,
                                                             _destdir(host))))
    conf = host.path(paths.COROSYNC_CONF)
    changes += _file(conf, render_corosync_conf(cluster).encode(), 0o644)
    path, data, problem = read_authkey(keys_dir, cluster.name)
    if problem:  # it changed since the checks
        raise NfvdHaError(Problem(f"existing key {problem}", path), hint="nothing was changed")
    key = keys.existing_key(path, "corosync", data)  # judged as read; its form here
    changes += _file(host.path(paths.COROSYNC_AUTHKEY), key, 0o400)
    if cluster.quorum_device:
        changes += _qdevice(host, runner, qdevice, notes)
    units = ["corosync", "pacemaker"] + (["corosync-qdevice"] if cluster.quorum_device else [])
    if not start:
        notes.append("--no-start: nothing was enabled or started")
    elif host.systemd():
        changes += [c for u in units for c in unit_changes(runner, u)]
    else:
        notes.append("no systemd on this host: nothing was started; start corosync, then "
                     "pacemakerd" + (" and corosync-qdevice" if cluster.quorum_device else "")
                     + " with this host's init")
    return cluster, changes, notes


def _destdir(host: Host) -> str | None:
    return None if host.root == "/" else host.root


def _differs(path: str, data: str | bytes) -> bool:
    try:
        current = read_bytes(path)
    except NfvdHaError:
        return True
    return current != (data if isinstance(data, bytes) else data.encode())


def _file(path: str, data: str | bytes, mode: int) -> list[Change]:
    same = not _differs(path, data) and (os.stat(path).st_mode & 0o777) == mode
    return [] if same else [Change(f"write {path} ({mode:04o})",
                                   lambda: write_atomic(path, data, mode))]


def _qdevice(host: Host, runner: CommandRunner, given: tuple[str, str] | None,
             notes: list[str]) -> list[Change]:
    """The NSS database corosync-qdevice reads, from the CA and p12 qnetd issued."""
    nssdb = host.path(NSSDB)
    if not given:
        if not os.path.exists(os.path.join(nssdb, "cert9.db")):
            notes.append("quorum device: no certificate imported yet; give the ones its qnetd "
                         "issued with --qdevice-ca and --qdevice-p12")
        return []
    ca, p12 = (read_bytes(path, keys.MAX_SECRET * 4) for path in given)
    digest = hashlib.sha256(ca + b"\0" + p12).hexdigest()
    marker = os.path.join(nssdb, IMPORTED)
    if not _differs(marker, digest + "\n"):
        return []

    def imported() -> None:
        shutil.rmtree(nssdb, ignore_errors=True)
        for flag, path in (("-i", given[0]), ("-m", given[1])):
            runner.run(["corosync-qdevice-net-certutil", flag, "-c", path], timeout=TIMEOUT,
                       check=True)
        write_atomic(marker, digest + "\n", 0o600)
    return [Change(f"import the quorum device certificate into {nssdb}", imported)]


def unit_changes(runner: CommandRunner, unit: str) -> list[Change]:
    """Enable and start ``unit`` unless it is both already."""
    enabled = runner.run(["systemctl", "is-enabled", f"{unit}.service"], timeout=TIMEOUT)
    active = runner.run(["systemctl", "is-active", f"{unit}.service"], timeout=TIMEOUT)
    if enabled.stdout.strip() == "enabled" and active.stdout.strip() == "active":
        return []
    return [Change(f"enable and start {unit}.service", lambda: runner.run(
        ["systemctl", "enable", "--now", f"{unit}.service"], timeout=TIMEOUT * 2,
        check=True))]


def joined(pacemaker: Pacemaker, name: str, timeout: float) -> None:
    """Until crm_mon shows ``name`` online (bounded); NfvdHaError after ``timeout``."""
    def online() -> bool:
        try:
            status = pacemaker.status()
        except NfvdHaError:
            return False
        return bool(status.xpath("//nodes/node[@name=$n and @online='true']", n=name))
    if not pacemaker.wait_for(online, timeout, 1.0):
        raise NfvdHaError(f"{name} did not join its cluster within {timeout:g}s",
                          hint="journalctl -u corosync -u pacemaker; corosync-cfgtool -s "
                               "shows the links")


def setup(options: SetupOptions, progress: Callable[[str], object] = lambda text: None, *,
          runner: CommandRunner | None = None, host: Host | None = None,
          pacemaker: Pacemaker | None = None) -> list[Change]:
    """Work out the changes, then (unless ``options.check``) make what differs and, with
    systemd, wait until the node joined. ``progress`` is told each change (done, or that it
    would be) and each note; returns the changes."""
    runner = runner or Runner()
    host = host or Host()
    name, check = options.name, options.check
    if options.qdevice is not None and not all(options.qdevice):
        raise NfvdHaError("--qdevice-ca and --qdevice-p12 go together")
    cluster, changes, notes = changes_needed(options, runner, host)
    for change in changes:
        if check:
            progress(f"would {change.what}")
        else:
            change.apply()
            progress(f"done: {change.what}")
    if not changes:
        progress(f"{name}: nothing to change")
    for note in notes:
        progress(f"note: {note}")
    if not check and options.start and host.systemd():
        joined(pacemaker or Pacemaker(runner), name, options.timeout)
        progress(f"{name} is online in {cluster.name}")
    return changes
