"""Fencing devices, the quorum device, and the rule that a cluster is fenced or says why not.

Secrets stay out of the definition: a fence parameter may be ``{ file = "/path" }``, read
at render time (a regular file, 0600/0400, one line) and written only into the 0600 CIB;
or the fence agent's own ``password_script``; or, for fence_openstack, ``cloud`` naming an
entry of the node's clouds.yaml. A literal password is refused.
"""

import re
from collections.abc import Sequence
from typing import Any

from . import model, qdevice_timing
from .checker import Bounds, Checker, valid

#: fence agent parameters that hold a secret: never a literal in the definition
SECRET_PARAMS = ("password", "passwd", "snmp_priv_passwd", "snmp-priv-passwd")
#: parameters nfvd-ha renders itself from the device's targets
RENDERED_PARAMS = ("pcmk_host_list",)
UNFENCED = ("runs without fencing: a network partition or a frozen node (a paused VM, a "
            "busy hypervisor) lets both nodes run its services at once - two Lock Managers "
            "or two UCA-EBC writers on the same data")


def devices(check: Checker, c: dict[str, Any], where: str,
            node_names: Sequence[str]) -> tuple[model.Fencing, ...]:
    found = []
    for i, f in enumerate(check.array(c, "fencing", where)):
        w = f"{where}.fencing[{i}]"
        f = check.keys(f, w, ("id", "agent", "params", "targets"),
                       required=("id", "agent", "targets"))
        targets = check.strings(f, "targets", w, "node")
        for t in targets:
            if node_names and t not in node_names:
                check.error(f"{w}.targets", f"'{t}' is not a node of this cluster")
        if not targets and "targets" in f:
            check.error(f"{w}.targets", "must name the node(s) this device fences")
        if node_names and set(node_names) <= set(targets):
            check.error(f"{w}.targets", "a device that fences every node has no node left "
                        "to run on (it never runs on a node it fences): one device per node")
        agent = check.get(f, "agent", w, str, grammar="agent")
        params = _params(check, f, w)
        if agent == "fence_openstack":
            _openstack_server_id(check, w, dict(params), targets)
        found.append(model.Fencing(check.get(f, "id", w, str, grammar="id"), agent, params,
                                   tuple(targets)))
    return tuple(found)


#: an OpenStack server ID (Nova's UUID, with or without dashes)
SERVER_ID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


def _openstack_server_id(check: Checker, where: str, params: dict[str, Any],
                         targets: Sequence[str]) -> None:
    """fence_openstack finds the server it fences by its ID (``servers.get(plug)``); a name,
    or no plug (Pacemaker then passes the node's name), makes every fence fail, and the
    survivor never takes over."""
    plug = params.get("plug")
    server = targets[0] if len(targets) == 1 else "NODE"
    how = f"(openstack server show {server} -f value -c id)"
    if len(targets) > 1:
        check.error(f"{where}.targets", "a fence_openstack device fences one server (its "
                    "plug): one device per node")
    if plug is None:
        check.error(f"{where}.params.plug", "fence_openstack needs the server's ID as plug "
                    + how)
    elif isinstance(plug, str) and not SERVER_ID.fullmatch(plug):
        check.error(f"{where}.params.plug", f"'{plug}' is not a server ID: fence_openstack "
                    f"finds the server by its ID, never by its name {how}")


def _params(check: Checker, f: dict[str, Any],
            w: str) -> tuple[tuple[str, str | model.SecretRef | None], ...]:
    raw = check.get(f, "params", w, dict, {})
    params: list[tuple[str, str | model.SecretRef | None]] = []
    for key in sorted(raw):
        kw = f"{w}.params.{key}"
        if not check.string(key, kw, "param"):
            continue
        if key in RENDERED_PARAMS:
            check.error(kw, f"{key} is rendered from targets; do not set it")
            continue
        value = raw[key]
        if isinstance(value, dict):
            params.append((key, _secret(check, value, kw)))
        elif key in SECRET_PARAMS:
            check.error(kw, "a password is never written in the definition: use "
                        f'{key} = {{ file = "/etc/nfvd-ha/secrets/NAME" }} (read at render '
                        "time into the 0600 cib.xml), password_script, or the agent's own "
                        "credentials file (fence_openstack: cloud)")
        elif isinstance(value, (str, int, bool)) and not isinstance(value, float):
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if check.string(text, kw):
                params.append((key, text))
        else:
            check.error(kw, "must be a string, an integer, a boolean or { file = PATH }")
    return tuple(params)


def _secret(check: Checker, value: Any, where: str) -> model.SecretRef | None:
    value = check.keys(value, where, ("file",), required=("file",))
    path = check.get(value, "file", where, str, grammar="path")
    return model.SecretRef(path) if path else None


def require_fencing(check: Checker, c: dict[str, Any], where: str,
                    fencing: Sequence[model.Fencing], node_names: Sequence[str],
                    name: str) -> str | None:
    """Fenced, or an explicit reason (then a warning every time)."""
    reason = check.get(c, "fencing_disabled", where, str, None)
    if reason is not None and len(reason.strip()) < 10:
        check.error(f"{where}.fencing_disabled", "give the reason in words (at least 10 "
                    "characters): it is printed with every validate and render")
    if fencing and reason is not None:
        check.error(f"{where}.fencing_disabled", "the cluster has fencing devices: remove "
                    "fencing_disabled")
    if not fencing and reason is None:
        check.error(f"{where}.fencing", f"cluster {name} {UNFENCED}. Add a [[cluster.fencing]] "
                    "device per node (fence_openstack, fence_vmware_rest, fence_ipmilan...), "
                    "or say why it must run unfenced: fencing_disabled = \"reason\"")
    unfenced = [n for n in node_names if fencing and not any(n in f.targets for f in fencing)]
    if unfenced:
        check.error(f"{where}.fencing", f"no device fences {', '.join(unfenced)}")
    if reason is not None and not fencing and len(reason.strip()) >= 10:
        check.note(f"cluster {name} {UNFENCED} (fencing_disabled: {reason.strip()})")
    return reason


def quorum_device(check: Checker, q: Any, where: str, vips: Sequence[str],
                  name: str) -> model.QuorumDevice:
    q = check.keys(q, where, ("host", "algorithm", "port", "tls", "heuristics", "timeout",
                              "sync_timeout"), required=("host",))
    algorithm = check.get(q, "algorithm", where, str, "ffsplit")
    if algorithm not in ("ffsplit", "lms"):
        check.error(f"{where}.algorithm", f"'{algorithm}' is not one of ffsplit, lms")
    tls = check.get(q, "tls", where, bool, True)
    if tls is False:
        check.note(f"cluster {name}: the quorum device is reached without TLS (tls = false): "
                   "anyone on that network can pose as qnetd")
    heuristics = check.get(q, "heuristics", where, str, "vip" if vips else "none")
    if heuristics not in ("vip", "none"):
        check.error(f"{where}.heuristics", f"'{heuristics}' is not one of vip, none")
    elif heuristics == "vip" and not vips:
        check.error(f"{where}.heuristics", "vip: the cluster has no VIP resource to hold")
    host = valid(check.host(check.get(q, "host", where, str), f"{where}.host"))
    port = check.ranged(q, "port", where, Bounds(1, 65535, default=5403))
    low = qdevice_timing.MIN_TIMEOUT
    timeout = check.ranged(q, "timeout", where, Bounds.duration(low, qdevice_timing.MAX_TIMEOUT))
    sync_timeout = check.ranged(q, "sync_timeout", where,
                                Bounds.duration(low, qdevice_timing.MAX_SYNC_TIMEOUT))
    return model.QuorumDevice(host, algorithm, port, bool(tls), heuristics, timeout, sync_timeout)
