"""``nfvd-ha import-heartbeat``: an existing ha.cf + haresources -> a definition.

Pure: it is given the texts (the use case reads the files). The authkeys file is referenced,
not copied: secrets never go into a definition. Heartbeat v1 ran the pair unfenced, and the
files cannot say how to fence it: the definition says so (fencing_disabled), so every
validate and render warns until fencing devices are added.
"""

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from nfvd_ha.errors import NfvdHaError, Problem

#: a resource of haresources: (its type, its parameters)
Resource = tuple[str, dict[str, str]]
#: a group of haresources: (its preferred node, its resources, its line)
Group = tuple[str, list[Resource], int]

_TIME = re.compile(r"^([0-9]{1,9})(ms|s)?$")


IMPORTED_UNFENCED = ("imported from heartbeat v1, which ran this pair without fencing; add a "
                     "[[cluster.fencing]] device per node before running it on Pacemaker")


def _lines(text: str, continuation: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, words) of every line that says something (comments left out)."""
    if continuation:
        text = re.sub(r"\\\n", " ", text)
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line.split()


def ha_cf_nodes(text: str) -> list[str]:
    """The node names of an ha.cf's ``node`` lines (comments and blank lines skipped)."""
    return [name for _, words in _lines(text, continuation=False) if words[0] == "node"
            for name in words[1:]]


def _shown(words: Sequence[str]) -> str:
    """Words of a line for a message: printable, at most 60 characters."""
    text = " ".join(words)
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= 60 else text[:57] + "..."


#: directive -> (how many arguments it takes (low, high), what they are)
ARGUMENTS = {"node": ((1, 64), "node names"), "ucast": ((2, 2), "an interface and an address"),
             "bcast": ((1, 16), "an interface"),
             "mcast": ((5, 5), "an interface, a group, a port, a TTL and a loop flag"),
             "udpport": ((1, 1), "a port 1-65535"), "auto_failback": ((1, 1), "on or off"),
             "logfacility": ((1, 1), "a facility"), "logfile": ((1, 1), "a file"),
             "crm": ((1, 1), "on or off"), "keepalive": ((1, 1), "a time"),
             "deadtime": ((1, 1), "a time"), "warntime": ((1, 1), "a time"),
             "initdead": ((1, 1), "a time")}


def parse_ha_cf(text: str, path: str) -> dict[str, Any]:
    """The directives nfvd-ha imports, each checked against what it takes; NfvdHaError
    naming file, line and directive for anything else (every problem at once)."""
    conf: dict[str, Any] = {"node": [], "ucast": [], "media": []}
    problems: list[Problem] = []
    for number, words in _lines(text, continuation=False):
        key, args = words[0], words[1:]
        if key == "auto" and args[:1] == ["failback"]:  # the guide's "auto failback off"
            key, args = "auto_failback", args[1:]
        problem = _directive_problem(key, args)
        if problem:
            problems.append(Problem(problem, path, None, number))
        else:
            _take(conf, key, args)
    if problems:
        raise NfvdHaError(problems)
    if not conf["node"]:
        raise NfvdHaError(Problem("has no node lines: which nodes form the pair?", path))
    return conf


def _take(conf: dict[str, Any], key: str, args: list[str]) -> None:
    """Add a checked directive to ``conf``."""
    if key == "node":
        conf["node"] += args
    elif key == "ucast":
        conf["ucast"].append((args[0], args[1]))
    elif key in ("bcast", "mcast"):
        conf["media"].append((key, args))
    elif key in ("keepalive", "deadtime", "warntime", "initdead"):
        conf[key] = _ms(args[0])
    elif key == "udpport":
        conf[key] = int(args[0])
    else:
        conf[key] = args[0]


def _directive_problem(key: str, args: Sequence[str]) -> str | None:
    if key not in ARGUMENTS:
        return f"directive '{_shown([key])}' is not imported"
    (low, high), what = ARGUMENTS[key]
    if not low <= len(args) <= high:
        return f"{key} '{_shown(args)}': takes {what}"
    if key in ("keepalive", "deadtime", "warntime", "initdead") and _ms(args[0]) is None:
        return f"{key} '{_shown(args)}' is not a time (seconds, or N ms; up to 9 digits)"
    if key == "udpport" and not (args[0].isascii() and args[0].isdigit() and
                                 len(args[0]) <= 5 and 1 <= int(args[0]) <= 65535):
        return f"udpport '{_shown(args)}' is not a port 1-65535"
    return None


def _ms(word: str) -> int | None:
    match = _TIME.match(word)
    if not match:
        return None
    return int(match.group(1)) * (1 if match.group(2) == "ms" else 1000)


def parse_haresources(text: str, path: str) -> list[Group]:
    """The groups of a haresources file, in its order."""
    groups: list[Group] = []
    for number, words in _lines(text, continuation=True):
        groups.append((words[0], [(_resource(w, path, number)) for w in words[1:]], number))
    return groups


def _resource(word: str, path: str, number: int) -> Resource:
    name, _, rest = word.partition("::")
    args = rest.split("::") if rest else []
    if re.match(r"^\d+\.\d+\.\d+\.\d+$", word):
        return "vip", {"ip": word}
    if name in ("IPaddr", "IPaddr2"):
        return "vip", _vip(args[0] if args else "", path, number)
    if name == "Filesystem":
        if len(args) < 3:
            raise NfvdHaError(Problem("Filesystem needs device::directory::fstype", path,
                                      None, number))
        params = {"device": args[0], "directory": args[1], "fstype": args[2], "owner": ""}
        if len(args) > 3:
            params["options"] = args[3]
        return "shared-fs", params
    if args:
        raise NfvdHaError(Problem(f"'{word}': script arguments are not imported", path, None,
                                  number))
    if name == "activator-ep":
        # not /etc/init.d/activator-ep, heartbeat's copy: `nfvd-ha compat install` puts the
        # guarded shim there, which refuses start. The agent's default is NFVD's own script.
        return "activator-ep", {}
    if name == "nfvd":
        return "nfvd-assurance", {}
    return f"lsb:{name}", {}


def _vip(spec: str, path: str, number: int) -> dict[str, str]:
    ip, *rest = spec.split("/")
    params = {"ip": ip}
    if rest:
        params["cidr_netmask"] = rest[0]
    if len(rest) > 1:
        nic, _, label = rest[1].partition(":")
        params["nic"] = nic
        if label:
            params["label"] = label
    return params


def import_heartbeat(texts: Mapping[str, str], directory: str, name: str | None = None,
                     addresses: Mapping[str, str] | None = None) -> str:
    """TOML text of a definition equivalent to ``texts`` ({"ha.cf": ..., "haresources":
    ...}, read from ``directory``)."""
    conf = parse_ha_cf(texts["ha.cf"], os.path.join(directory, "ha.cf"))
    groups = parse_haresources(texts["haresources"], os.path.join(directory, "haresources"))
    nodes = conf["node"]
    known = dict(addresses or {})
    if not known and len(conf["ucast"]) == len(nodes):
        known = {n: a for n, (_, a) in zip(nodes, conf["ucast"], strict=True)}
    missing = [n for n in nodes if n not in known]
    if missing:
        raise NfvdHaError(f"no address known for node(s) {', '.join(missing)}: ha.cf has "
                          f"{len(conf['ucast'])} ucast lines for {len(nodes)} nodes",
                          hint="give --address NODE=IP for each node")
    name = name or re.sub(r"[^A-Za-z0-9_.\-]", "-", os.path.basename(
        os.path.abspath(directory)).lstrip(".")) or "imported"
    return _toml(name, conf, nodes, known, groups, directory)


def _q(value: object) -> str:
    """``value`` as a TOML basic string."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _inline(d: Mapping[str, object]) -> str:
    """``d`` as a TOML inline table of strings."""
    return "{ " + ", ".join(f"{k} = {_q(v)}" for k, v in d.items()) + " }"


def _toml(name: str, conf: dict[str, Any], nodes: list[str], addresses: Mapping[str, str],
          groups: list[Group], directory: str) -> str:
    iface = conf["ucast"][0][0] if conf["ucast"] else (conf["media"][0][1][0]
                                                        if conf["media"] else "eth0")
    out = [f"# Imported by nfvd-ha from {os.path.abspath(directory)}",
           f"# The shared key stays in {os.path.abspath(directory)}/authkeys (not copied).",
           "", "[[cluster]]", f"name = {_q(name)}",
           "nodes = [ " + ", ".join(_inline({"name": n, "address": addresses[n]})
                                    for n in nodes) + " ]",
           f"preferred_node = {_q(groups[0][0] if groups else nodes[0])}",
           f"auto_failback = {'true' if conf.get('auto_failback') == 'on' else 'false'}",
           f"fencing_disabled = {_q(IMPORTED_UNFENCED)}"]
    if conf.get("logfacility"):
        out.append(f"logfacility = {_q(conf['logfacility'])}")
    if conf.get("logfile"):
        out.append(f"logfile = {_q(conf['logfile'])}")
    timing = {k: f"{conf[k]}ms" for k in ("keepalive", "deadtime", "warntime", "initdead")
              if conf.get(k) is not None}
    if timing:
        out.append(f"timing = {_inline(timing)}")
    out.append(f"transport = {_transport(conf, iface)}")
    count: dict[str, int] = {}
    for g, (node, resources, _) in enumerate(groups):
        ids = []
        for rtype, params in resources:
            base = {"vip": "vip", "shared-fs": "fs"}.get(rtype, rtype.replace("lsb:", ""))
            count[base] = count.get(base, 0) + 1
            rid = base if count[base] == 1 and rtype not in ("vip", "shared-fs") \
                else f"{base}{count[base]}"
            ids.append(rid)
            out += ["", "  [[cluster.resource]]", f"  id = {_q(rid)}", f"  type = {_q(rtype)}"]
            if params:
                out.append(f"  params = {_inline(params)}")
        out += ["", "  [[cluster.group]]", f"  id = {_q(f'group{g + 1}')}",
                "  members = [" + ", ".join(_q(i) for i in ids) + "]"]
        if node != groups[0][0]:
            out.append(f"  preferred_node = {_q(node)}")
    return "\n".join(out) + "\n"


def _transport(conf: dict[str, Any], iface: str) -> str:
    spec = {"mode": "ucast", "interface": iface}
    if conf["media"]:
        kind, args = conf["media"][0]
        spec = {"mode": kind, "interface": args[0] if args else iface}
        if kind == "mcast" and len(args) > 1:
            spec["mcast_group"] = args[1]
    text = _inline(spec)
    if conf.get("udpport"):
        text = text[:-2] + f", udpport = {conf['udpport']} }}"
    return text
