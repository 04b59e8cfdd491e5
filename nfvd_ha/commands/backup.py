"""``nfvd-ha backup`` / ``nfvd-ha restore``: the HA layer of a Pacemaker node, which the
guide's backups (4.3: NFVD's data) leave out.

A backup is one uncompressed tar archive, created exclusively with mode 0600 (it holds the
cluster's key), nothing staged beside it: ``manifest.json`` (format, cluster, the node it was
taken on, the live CIB's epochs, each member's size and SHA-256), ``corosync.conf``,
``authkey``, the quorum device's NSS database (``qdevice/*``), the live CIB (``cib.xml``,
``cibadmin --query``) and the definition when this node keeps one. Secrets are never printed.

A restore is hostile input: the archive must be a regular file within MAX_ARCHIVE; every
member a regular file with one of the names above, within MAX_MEMBER, listed once in the
manifest with its size and digest (``..``, absolute paths, links, devices, directories,
unknown or duplicate names, oversize, a digest that differs: the archive is refused, every
reason said, nothing written). It must be this cluster's: this host is a node of its
corosync.conf. It refuses while corosync runs here, and a file this host has that differs
from the archive's unless ``--force``. It writes corosync.conf (0644), the authkey (0400),
the NSS database (0600) and the definition all together or not at all; the CIB goes to
RESTORED_CIB (0600) for a whole-cluster rebuild, never into a running cluster: a node that
rejoins takes its peer's CIB. With systemd it starts corosync, pacemaker (and
corosync-qdevice) and waits until the node is online.
"""

import hashlib
import io
import json
import os
import re
import stat
import tarfile
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .. import paths
from ..adapters.files import read_bytes, write_all_atomic
from ..adapters.pacemaker import Pacemaker, parse_xml
from ..adapters.runner import CommandRunner, Runner
from ..errors import NfvdHaError, Problem
from .node_setup import NSSDB, Host, joined, unit_changes

FORMAT = "nfvd-ha-backup/1"
MAX_ARCHIVE = 32 << 20
MAX_MEMBER = 8 << 20
MAX_MEMBERS = 32
TIMEOUT = 60
RESTORED_CIB = paths.RESTORED_CIB
#: archive member -> (where on the node, mode)
FIXED = {"corosync.conf": (paths.COROSYNC_CONF, 0o644),
         "authkey": (paths.COROSYNC_AUTHKEY, 0o400)}
NSS_FILE = re.compile(r"^qdevice/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAMES = ("manifest.json", "corosync.conf", "authkey", "cib.xml", "definition.toml")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def corosync_facts(text: str) -> tuple[str | None, list[str], bool]:
    """(cluster_name, [node names], has a quorum device) of a corosync.conf."""
    blocks: list[str] = []
    nodes: list[str] = []
    name, qdevice = None, False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.endswith("{"):
            blocks.append(line[:-1].strip())
        elif line == "}":
            blocks = blocks[:-1]
        elif ":" in line:
            key, value = (part.strip() for part in line.split(":", 1))
            if key == "cluster_name" and blocks[-1:] == ["totem"]:
                name = value
            elif key == "name" and blocks[-2:] == ["nodelist", "node"]:
                nodes.append(value)
            elif key == "model" and value == "net" and blocks[-1:] == ["device"]:
                qdevice = True
    return name, nodes, qdevice


def cib_epochs(cib: bytes) -> tuple[int, ...]:
    """The CIB's version: (admin_epoch, epoch, num_updates) as ints."""
    root = parse_xml(cib.decode("utf-8", "replace"), "the CIB", "is not XML")
    try:
        return tuple(int(root.get(k, "")) for k in ("admin_epoch", "epoch", "num_updates"))
    except ValueError:
        raise NfvdHaError("the CIB has no admin_epoch, epoch and num_updates") from None


# -- backup --------------------------------------------------------------------------------
def collect(host: Host, runner: CommandRunner, definition: str | None = None
            ) -> dict[str, bytes]:
    """{member: bytes} of this node's HA layer; every missing piece named at once."""
    found: dict[str, bytes] = {}
    problems: list[str | Problem] = []
    for member, (where, _) in FIXED.items():
        try:
            found[member] = read_bytes(host.path(where), MAX_MEMBER)
        except NfvdHaError as error:
            problems += error.problems
    nssdb = host.path(NSSDB)
    for entry in sorted(os.listdir(nssdb)) if os.path.isdir(nssdb) else ():
        path = os.path.join(nssdb, entry)
        if not stat.S_ISREG(os.lstat(path).st_mode):
            problems.append(f"{path}: not a regular file (the quorum device's database holds "
                            "only files)")
        elif NSS_FILE.match(f"qdevice/{entry}"):
            found[f"qdevice/{entry}"] = read_bytes(path, MAX_MEMBER)
    if definition:
        try:
            found["definition.toml"] = read_bytes(definition, MAX_MEMBER)
        except NfvdHaError as error:
            problems += error.problems
    try:
        found["cib.xml"] = Pacemaker(runner).cib_text().encode()
    except NfvdHaError as error:
        problems += error.problems
    if problems:
        raise NfvdHaError(problems, hint="nothing was written")
    return found


def manifest_of(members: Mapping[str, bytes], host: Host) -> dict[str, Any]:
    """The archive's manifest: cluster, node, nodes, when, the CIB's version, each member's
    size and digest."""
    name, nodes, _ = corosync_facts(members["corosync.conf"].decode("utf-8", "replace"))
    if not name or host.hostname not in nodes:
        raise NfvdHaError(f"{host.path(paths.COROSYNC_CONF)}: no cluster_name, or "
                          f"{host.hostname} is not in its nodelist", hint="nothing was written")
    return {"format": FORMAT, "cluster": name, "node": host.hostname, "nodes": nodes,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cib": list(cib_epochs(members["cib.xml"])),
            "members": {m: {"size": len(d), "sha256": _sha256(d)}
                        for m, d in sorted(members.items())}}


def backup(out: str, runner: CommandRunner | None = None, host: Host | None = None,
           definition: str | None = None) -> dict[str, Any]:
    """Write the archive ``out`` (created exclusively, 0600); its manifest."""
    runner = runner or Runner()
    host = host or Host()
    if definition is None and os.path.isfile(host.path(paths.DEFINITION)):
        definition = host.path(paths.DEFINITION)
    members = collect(host, runner, definition)
    manifest = manifest_of(members, host)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
    except OSError as exc:
        raise NfvdHaError(f"{out}: cannot create the archive: {exc.strerror}",
                          hint="it must not exist yet (never overwritten)") from None
    try:
        with os.fdopen(fd, "wb") as f:
            with tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar:
                text = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
                for member, data in [("manifest.json", text), *sorted(members.items())]:
                    _add(tar, member, data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(out)
        raise
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    info.uname = info.gname = "root"
    tar.addfile(info, io.BytesIO(data))


# -- reading an archive (hostile input) ------------------------------------------------------
def read_archive(path: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(manifest, {member: bytes}) of a backup archive; NfvdHaError with every reason not."""
    raw = read_bytes(path, MAX_ARCHIVE)
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            members, problems = _read_members(path, tar)
    except (tarfile.TarError, EOFError, ValueError) as exc:
        raise NfvdHaError(f"{path}: not an nfvd-ha backup (not an uncompressed tar archive: "
                          f"{exc})") from None
    if problems:
        raise NfvdHaError(problems, hint="nothing was written")
    manifest = _manifest(path, members.pop("manifest.json", None))
    problems = _digest_problems(path, manifest, members)
    if problems:
        raise NfvdHaError(problems, hint="the archive was changed or damaged; nothing was "
                                         "written")
    return manifest, members


def _read_members(path: str, tar: tarfile.TarFile) -> tuple[dict[str, bytes], list[str]]:
    """({member: bytes}, [problem]) of the members of ``tar`` (read from ``path``)."""
    infos = tar.getmembers()
    if len(infos) > MAX_MEMBERS:
        raise NfvdHaError(f"{path}: {len(infos)} members (at most {MAX_MEMBERS})")
    problems: list[str] = []
    members: dict[str, bytes] = {}
    for info in infos:
        why = _member_problem(info, members)
        if why:
            problems.append(f"{path}: member {info.name!r}: {why}")
            continue
        handle = tar.extractfile(info)
        members[info.name] = handle.read(MAX_MEMBER + 1) if handle else b""
    return members, problems


def _member_problem(info: tarfile.TarInfo, seen: Collection[str]) -> str | None:
    name = info.name
    if name.startswith("/") or ".." in name.split("/") or "\\" in name:
        return "a path outside the archive"
    if not (name in NAMES or NSS_FILE.match(name)):
        return "not a member of an nfvd-ha backup"
    if not info.isreg():
        return ("a link" if info.issym() or info.islnk() else
                "a FIFO" if info.isfifo() else
                "a device" if info.ischr() or info.isblk() else "not a regular file")
    if info.size > MAX_MEMBER:
        return f"larger than {MAX_MEMBER} bytes"
    if name in seen:
        return "in the archive twice"
    return None


def _manifest(path: str, raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise NfvdHaError(f"{path}: not an nfvd-ha backup (no manifest.json)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise NfvdHaError(f"{path}: manifest.json is not JSON") from None
    shape = isinstance(data, dict) and data.get("format") == FORMAT and \
        isinstance(data.get("cluster"), str) and isinstance(data.get("nodes"), list) and \
        isinstance(data.get("members"), dict) and all(
            isinstance(v, dict) and isinstance(v.get("size"), int) and
            isinstance(v.get("sha256"), str) for v in data["members"].values())
    if not shape:
        raise NfvdHaError(f"{path}: manifest.json is not an {FORMAT} manifest")
    return data


def _digest_problems(path: str, manifest: dict[str, Any], members: Mapping[str, bytes]
                     ) -> list[str]:
    listed = manifest["members"]
    problems = [f"{path}: {m} is listed in the manifest but not in the archive"
                for m in sorted(set(listed) - set(members))]
    problems += [f"{path}: {m} is in the archive but not in the manifest"
                 for m in sorted(set(members) - set(listed))]
    for member in sorted(set(listed) & set(members)):
        data, want = members[member], listed[member]
        if len(data) != want["size"] or _sha256(data) != want["sha256"]:
            problems.append(f"{path}: {member} differs from its manifest entry (size or "
                            "SHA-256)")
    for required in ("corosync.conf", "authkey", "cib.xml"):
        if required not in members and required not in listed:
            problems.append(f"{path}: {required} is missing")
    return problems


# -- restore ---------------------------------------------------------------------------------
def targets(members: Mapping[str, bytes], host: Host, definition_to: str
            ) -> list[tuple[str, bytes, int]]:
    """[(path, data, mode)] the archive restores on this host."""
    found = [(host.path(where), members[m], mode) for m, (where, mode) in FIXED.items()]
    found += [(os.path.join(host.path(NSSDB), m.split("/", 1)[1]), d, 0o600)
              for m, d in sorted(members.items()) if m.startswith("qdevice/")]
    if "definition.toml" in members:
        found.append((host.path(definition_to), members["definition.toml"], 0o600))
    found.append((host.path(RESTORED_CIB), members["cib.xml"], 0o600))
    return found


def _differs(path: str, data: bytes) -> bool:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(info.st_mode) or read_bytes(path, MAX_MEMBER) != data


@dataclass(frozen=True)
class RestoreOptions:
    """What ``nfvd-ha backup restore`` is asked: the archive; the cluster it must be of
    (None: any); ``force``: replace this host's other files; ``start``: start the stack
    (systemd) and wait up to ``timeout`` seconds for the node to rejoin; where the
    archive's definition goes."""

    archive: str
    cluster: str | None = None
    force: bool = False
    start: bool = True
    timeout: float = 120
    definition_to: str = paths.DEFINITION


def refusals(manifest: dict[str, Any], members: Mapping[str, bytes], host: Host,
             runner: CommandRunner, options: RestoreOptions) -> list[str]:
    """Why this archive must not be restored here (every reason)."""
    cluster, force, definition_to = options.cluster, options.force, options.definition_to
    text = members["corosync.conf"].decode("utf-8", "replace")
    name, nodes, _ = corosync_facts(text)
    found = []
    if name != manifest["cluster"]:
        found.append(f"the archive's corosync.conf is of cluster {name!r}, its manifest says "
                     f"{manifest['cluster']!r}")
    if cluster and name != cluster:
        found.append(f"the archive is of cluster {name!r}, not {cluster!r} (--cluster)")
    if host.hostname not in nodes:
        found.append(f"the archive is of cluster {name!r} (nodes: {', '.join(nodes)}): this "
                     f"host ({host.hostname}, uname -n) is not one of them")
    if _corosync_runs(runner):
        found.append("corosync runs on this host: a restore is for a rebuilt node whose "
                     "cluster stack is stopped")
    differs = [p for p, d, _ in targets(members, host, definition_to)[:-1] if _differs(p, d)]
    stale = _stale_nss(members, host)
    if (differs or stale) and not force:
        found += [f"{p}: this host has another one (--force replaces it)"
                  for p in differs + stale]
    return found


def _stale_nss(members: Mapping[str, bytes], host: Host) -> list[str]:
    nssdb = host.path(NSSDB)
    keep = {m.split("/", 1)[1] for m in members if m.startswith("qdevice/")}
    return [os.path.join(nssdb, e) for e in sorted(os.listdir(nssdb)) if e not in keep] \
        if os.path.isdir(nssdb) else []


def _corosync_runs(runner: CommandRunner) -> bool:
    try:
        return runner.run(["corosync-cfgtool", "-s"], timeout=TIMEOUT).rc == 0
    except NfvdHaError:  # not installed: not running
        return False


def restore(options: RestoreOptions, progress: Callable[[str], object] = lambda text: None, *,
            runner: CommandRunner | None = None, host: Host | None = None,
            pacemaker: Pacemaker | None = None) -> dict[str, Any]:
    """Check the archive and this host, write the files together, start (systemd) and wait
    until the node is online. Returns the manifest."""
    runner = runner or Runner()
    host = host or Host()
    options = replace(options, definition_to=os.path.abspath(options.definition_to))
    manifest, members = read_archive(options.archive)
    found = refusals(manifest, members, host, runner, options)
    if found:
        raise NfvdHaError(found, hint="nothing was written")
    for path in _stale_nss(members, host):
        os.unlink(path)
    files = targets(members, host, options.definition_to)
    write_all_atomic(files)
    for path, _, mode in files:
        progress(f"restored {path} ({mode:04o})")
    progress(f"the archive's CIB (epoch {manifest['cib'][1]}) is in {files[-1][0]}: a node "
             "that rejoins takes its peer's; for a whole-cluster rebuild: cibadmin --replace "
             f"--xml-file {RESTORED_CIB}")
    _start(members, host, runner, progress, options, pacemaker)
    return manifest


def _start(members: Mapping[str, bytes], host: Host, runner: CommandRunner,
           progress: Callable[[str], object], options: RestoreOptions,
           pacemaker: Pacemaker | None) -> None:
    _, _, qdevice = corosync_facts(members["corosync.conf"].decode("utf-8", "replace"))
    units = ["corosync", "pacemaker"] + (["corosync-qdevice"] if qdevice else [])
    if not options.start:
        progress("note: --no-start: nothing was started")
        return
    if not host.systemd():
        progress("note: no systemd on this host: nothing was started; start "
                 + ", then ".join(units) + " with this host's init")
        return
    for change in [c for unit in units for c in unit_changes(runner, unit)]:
        change.apply()
        progress(f"done: {change.what}")
    joined(pacemaker or Pacemaker(runner), host.hostname, options.timeout)
    progress(f"{host.hostname} is online in its cluster")
