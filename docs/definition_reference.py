#!/usr/bin/env python3
"""Write docs/operator/definition-reference.md from the definition's own checks.

Every key, its type, default and range come from the loader itself: the definition's checks
are run on the built-in example and on a few definitions that reach the branches it does not
(a single link, one interface, a secret file, no VIP...), with a checker that records each
key it is asked for (``get``, ``ranged``, ``strings``, ``array``) and each table's allowed
and required keys (``keys``). What a key means is said here, once per key; a key the loader
allows that has no meaning here stops the generator (and tests/tools/test_definition_reference.py
with it), so the page cannot drift from the code. The agents' parameters come from their
declarations (the meta-data Pacemaker reads), the string grammar from the checker's table.

    python3 docs/definition_reference.py           # rewrite the page
    python3 docs/definition_reference.py --check   # exit 1 when the page is not current
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import agents  # noqa: E402
from nfvd_ha.definition import checker, load  # noqa: E402
from nfvd_ha.errors import NfvdHaError  # noqa: E402

PAGE = os.path.join(REPO, "docs", "operator", "definition-reference.md")
EXAMPLE = os.path.join(REPO, "nfvd_ha", "examples", "reference.toml")

#: definitions that reach what the example does not (errors are expected and ignored:
#: only the questions the loader asks are recorded)
BRANCHES = ['''
[[cluster]]
name = "b"
nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]
transport = { mode = "mcast", interface = "eth0", mcast_group = "239.0.0.1" }
fencing_disabled = "a reason given in words"
timing = { keepalive = "1s", deadtime = "10s" }
quorum_device = { host = "q", timeout = "2s", sync_timeout = "4s", port = 5403 }
  [[cluster.fencing]]
  id = "f"
  agent = "fence_ipmilan"
  targets = ["n1"]
  params = { password = { file = "/etc/nfvd-ha/secrets/pw" } }
  [[cluster.resource]]
  id = "r"
  type = "lsb:x"
  ops = { monitor = [ { interval = "5s", timeout = "20s", depth = 0 } ], promote = {}, demote = {} }
  [[cluster.clone]]
  id = "c"
  member = "r"
  max = 2
[loadbalancer]
stats = { bind = "127.0.0.1:1936", user = "nfvd" }
  [[loadbalancer.service]]
  name = "s"
  bind = "10.0.0.9:80"
  port = 80
  servers = [ { name = "a", address = "10.0.0.3" }, { name = "b", address = "10.0.0.4" } ]
  f5_monitor = { interval = "5s", timeout = "16s" }
''']

#: what each key means, by its path (arrays of tables as ``[]``). The type, default and
#: range columns come from the loader; enumerations are said here.
MEANING = {
    "cluster": "One Pacemaker (or heartbeat) cluster; at least one `[[cluster]]`, a "
               "`[loadbalancer]` or a `[[mount]]` is required.",
    "loadbalancer": "The load-balanced services (guide 2.8): rendered as haproxy.cfg and as "
                    "F5 AS3 and tmsh.",
    "mount": "A shared filesystem that hosts outside any cluster mount at boot (guide "
             "2.3.7.2), rendered per host as a systemd mount unit and fstab lines.",
    "cluster[].name": "The cluster's name (corosync's `cluster_name`, the output directory "
                      "of `render`).",
    "cluster[].nodes": "The nodes, at least 2; node ids follow this order.",
    "cluster[].nodes[].name": "Must equal `uname -n` on the node.",
    "cluster[].nodes[].address": "The node's address when it has one link (or give "
                                 "`addresses`).",
    "cluster[].nodes[].addresses": "One address per link, link 0 first (1-8; two for the "
                                   "guide's redundant networks). Every node has the same "
                                   "number of links; each link is one address family.",
    "cluster[].preferred_node": "Where the groups start (and go back to with "
                                "`auto_failback = true`). Default: the first node.",
    "cluster[].auto_failback": "`false` (the guide's advice): stickiness above the "
                               "preference, nothing moves back when a node returns.",
    "cluster[].logfacility": "heartbeat hosts' ha.cf syslog facility: one of daemon, "
                             "local0-local7, user, none.",
    "cluster[].logfile": "heartbeat hosts' ha.cf log file (`import-heartbeat` keeps the "
                         "host's).",
    "cluster[].timing": "heartbeat's timers; corosync gets `token = deadtime`, "
                        "`consensus = 1.2 x token`, knet pings every `keepalive`.",
    "cluster[].timing.keepalive": "Interval between heartbeats.",
    "cluster[].timing.deadtime": "A node silent this long is dead (corosync's token). "
                                 "More than 2 x keepalive.",
    "cluster[].timing.warntime": "Late-heartbeat warning; between keepalive and deadtime. "
                                 "Default: halfway between them.",
    "cluster[].timing.initdead": "Deadtime at start; at least deadtime. Default: "
                                 "2 x deadtime, at least 10 s.",
    "cluster[].transport": "heartbeat's media, one per link (corosync always uses knet "
                           "over the node addresses).",
    "cluster[].transport.mode": "One of ucast, bcast, mcast.",
    "cluster[].transport.interface": "The interface of a single link (or `interfaces`).",
    "cluster[].transport.interfaces": "One interface per link, link 0 first.",
    "cluster[].transport.udpport": "heartbeat's UDP port.",
    "cluster[].transport.mcast_group": "The multicast group; required with `mode = mcast`.",
    "cluster[].transport.mcast_ttl": "The multicast TTL.",
    "cluster[].recovery": "What a failure costs: restart in place, then move.",
    "cluster[].recovery.restarts_before_failover": "Restarts in place before the resource "
                                                   "moves (the guide: 3); rendered as "
                                                   "`migration-threshold = N + 1`.",
    "cluster[].recovery.failure_timeout": "Failures older than this expire.",
    "cluster[].recovery.storage_restarts_before_failover": "The same for a group's shared "
                                                           "storage (shared-fs): by default a "
                                                           "storage failure moves the group "
                                                           "at once.",
    "cluster[].recovery.storage_failure_timeout": "Failures of shared storage expire after "
                                                  "this.",
    "cluster[].quorum_device": "corosync-qdevice (model net) on a third host running "
                               "corosync-qnetd; with it `two_node` is off.",
    "cluster[].quorum_device.host": "qnetd's host name or address.",
    "cluster[].quorum_device.algorithm": "One of ffsplit, lms.",
    "cluster[].quorum_device.port": "qnetd's TCP port.",
    "cluster[].quorum_device.tls": "`false` is possible and warned about at every render.",
    "cluster[].quorum_device.heuristics": "One of vip (the node holding the cluster's VIPs "
                                          "wins a 50:50 split), none. Default: vip when the "
                                          "cluster has a VIP, else none.",
    "cluster[].quorum_device.timeout": "`quorum.device.timeout`. Default: from the token "
                                       "(1250 ms at a 500 ms token); `validate` explains an "
                                       "override that makes a silent crash cost more than 6 "
                                       "tokens (docs/design/failover-timing.md).",
    "cluster[].quorum_device.sync_timeout": "`quorum.device.sync_timeout`. Default: "
                                            "2 x timeout.",
    "cluster[].fencing": "One fence device per node; a device never runs on the node it "
                         "fences. Required unless `fencing_disabled`.",
    "cluster[].fencing[].id": "The device's id in the CIB.",
    "cluster[].fencing[].agent": "The fence agent (fence_openstack, fence_vmware_rest, "
                                 "fence_ipmilan...).",
    "cluster[].fencing[].targets": "The node(s) this device fences (never every node).",
    "cluster[].fencing[].params": "The agent's parameters: strings, integers, booleans, or "
                                  "`{ file = PATH }` for a secret read at render time. A "
                                  "literal password is refused; `pcmk_host_list` is rendered "
                                  "from `targets`.",
    "cluster[].fencing[].params.<name>.file": "A secret file (root's, mode 0600/0400), read at "
                                       "render time into the 0600 cib.xml only.",
    "cluster[].fencing_disabled": "Only instead of fencing devices: the reason (at least 10 "
                                  "characters), printed with every validate and render.",
    "cluster[].fencing_delay": "Without a quorum device: Pacemaker's "
                               "`priority-fencing-delay`, so the node running the groups wins "
                               "a fencing race.",
    "cluster[].resource": "A resource Pacemaker runs.",
    "cluster[].resource[].id": "The resource's id in the CIB.",
    "cluster[].resource[].type": "An nfvd agent (vip, activator-ep, nfvd-assurance, "
                                 "nfvd-hpsa, shared-fs: its params are checked by the "
                                 "agent's own check, below) or `ocf:PROVIDER:TYPE`, "
                                 "`lsb:NAME`, `systemd:NAME`, `service:NAME`.",
    "cluster[].resource[].params": "The agent's parameters (strings, integers, booleans); "
                                   "for an nfvd agent, see \"Agent parameters\" below.",
    "cluster[].resource[].ops": "Operations by name: start, stop, monitor, promote, demote; "
                                "each a table or (monitor at several depths) a list of "
                                "tables. Default: the agent's own start, stop and monitor.",
    "cluster[].resource[].ops.<op>": "One operation: a table of interval, timeout, depth "
                                     "(monitor: or a list of them, one per depth).",
    "cluster[].resource[].ops.<op>.interval": "Recurring interval (0: none; a monitor needs "
                                              "one). Two ops of one name need distinct "
                                              "intervals.",
    "cluster[].resource[].ops.<op>.timeout": "The operation's timeout.",
    "cluster[].resource[].ops.<op>.depth": "`OCF_CHECK_LEVEL` of a monitor (shared-fs: 0, "
                                           "10, 20).",
    "cluster[].group": "Ordered members: started left to right, stopped in reverse, on one "
                       "node.",
    "cluster[].group[].id": "The group's id in the CIB.",
    "cluster[].group[].members": "Resource ids, at least one; a resource is in one group "
                                 "at most.",
    "cluster[].group[].preferred_node": "Overrides the cluster's `preferred_node`.",
    "cluster[].group[].requires": "Clone ids: the group runs only where they run, started "
                                  "after them (a colocation and an order; heartbeat v1 has no "
                                  "such tie: its render warns).",
    "cluster[].clone": "A resource or group run on every node (or `max`).",
    "cluster[].clone[].id": "The clone's id in the CIB.",
    "cluster[].clone[].member": "A resource or group id (not a member of a group).",
    "cluster[].clone[].max": "At most this many instances (`clone-max`).",
    "cluster[].alert": "A Pacemaker alert: every node, fencing and resource event handed to "
                       "the agent once per recipient (Pacemaker's samples: "
                       "alert_file.sh.sample, alert_smtp.sh.sample, alert_snmp.sh.sample).",
    "cluster[].alert[].id": "The alert's id in the CIB.",
    "cluster[].alert[].path": "The alert agent, executable on every node.",
    "cluster[].alert[].recipients": "At least one: a file path, an e-mail address, a trap "
                                    "host - what the agent takes.",
    "cluster[].alert[].timeout": "How long the agent may run.",
    "loadbalancer.stats": "HAProxy's stats page (its password is generated at render time "
                          "into nfvd-stats.env).",
    "loadbalancer.stats.bind": "`address:port` of the stats page.",
    "loadbalancer.stats.user": "The stats page's user.",
    "loadbalancer.process": "Who HAProxy runs as once it has bound its addresses (guide "
                            "2.8.4).",
    "loadbalancer.process.user": "HAProxy's user.",
    "loadbalancer.process.group": "HAProxy's group.",
    "loadbalancer.process.chroot": "HAProxy's root directory.",
    "loadbalancer.service": "One load-balanced service.",
    "loadbalancer.service[].name": "The service's name (HAProxy's frontend and backend, the "
                                   "cookie `NFVD_NAME`).",
    "loadbalancer.service[].mode": "One of active-active (round robin, sticky cookie, "
                                   "redispatch), primary-backup (the second server is the "
                                   "backup, no cookie: SiteScope).",
    "loadbalancer.service[].bind": "`address:port` the clients use (`*` for any address; "
                                   "IPv6 in brackets).",
    "loadbalancer.service[].port": "The servers' service port.",
    "loadbalancer.service[].servers": "At least 2 servers.",
    "loadbalancer.service[].servers[].name": "The server's name.",
    "loadbalancer.service[].servers[].address": "The server's IP address.",
    "loadbalancer.service[].servers[].cookie": "Its persistence cookie value. Default: its "
                                               "name.",
    "loadbalancer.service[].check": "The health check (the guide's alias service port: the "
                                    "health endpoints of `nfvd-ha health`).",
    "loadbalancer.service[].check.port": "The check's port. Default: the service port.",
    "loadbalancer.service[].check.path": "The check's URL path (no `'` or `$`).",
    "loadbalancer.service[].check.interval": "HAProxy's check interval.",
    "loadbalancer.service[].fall": "Failed checks before a server is down. Default: 3 "
                                   "(primary-backup: 1).",
    "loadbalancer.service[].rise": "Good checks before a server is up. Default: 2 "
                                   "(primary-backup: 3).",
    "loadbalancer.service[].f5_monitor": "The F5 monitor, whole seconds, apart from "
                                         "HAProxy's check (guide 2.8.x.4).",
    "loadbalancer.service[].f5_monitor.interval": "The F5 monitor's interval.",
    "loadbalancer.service[].f5_monitor.timeout": "Longer than the interval. Default: F5's "
                                                 "rule, 3 x interval + 1.",
    "mount[].id": "The mount's id.",
    "mount[].hosts": "The hosts that mount it (none of them a cluster node: a cluster's "
                     "share is a shared-fs resource).",
    "mount[].device": "What to mount (`server:/export`).",
    "mount[].directory": "Where (a canonical absolute path; not a system directory).",
    "mount[].fstype": "The filesystem type.",
    "mount[].options": "Mount options.",
    "mount[].owner": "`user:group` the share's root belongs to (guide: `uoc:root`); the "
                     "same as a cluster's shared-fs resource on the same device.",
}

#: the heading of each table of the definition (by its path)
TITLES = {"": "The file (top level)", "cluster[]": "`[[cluster]]`",
          "cluster[].nodes[]": "`nodes = [ {...} ]` of a cluster",
          "cluster[].timing": "`timing = {...}` of a cluster",
          "cluster[].transport": "`transport = {...}` of a cluster",
          "cluster[].recovery": "`recovery = {...}` of a cluster",
          "cluster[].resource[]": "`[[cluster.resource]]`",
          "cluster[].resource[].ops": "`ops = {...}` of a resource",
          "cluster[].resource[].ops.<op>": "one operation: `ops = { monitor = {...} }`",
          "cluster[].group[]": "`[[cluster.group]]`", "cluster[].clone[]": "`[[cluster.clone]]`",
          "cluster[].fencing[]": "`[[cluster.fencing]]`",
          "cluster[].fencing[].params.<name>": "a secret of a fence device: "
                                               "`params = { password = { file = PATH } }`",
          "cluster[].alert[]": "`[[cluster.alert]]`",
          "cluster[].quorum_device": "`quorum_device = {...}` of a cluster",
          "loadbalancer": "`[loadbalancer]`", "loadbalancer.stats": "`[loadbalancer] stats`",
          "loadbalancer.process": "`[loadbalancer] process`",
          "loadbalancer.service[]": "`[[loadbalancer.service]]`",
          "loadbalancer.service[].check": "`check = {...}` of a service",
          "loadbalancer.service[].servers[]": "`servers = [ {...} ]` of a service",
          "loadbalancer.service[].f5_monitor": "`f5_monitor = {...}` of a service",
          "mount[]": "`[[mount]]`"}

#: keys whose type the recorder cannot see (checked by hand-written code, not ``get``)
KNOWN_TYPES = {"cluster": "array of tables", "loadbalancer": "table", "mount": "array of tables",
               "cluster[].timing": "table", "cluster[].transport": "table",
               "cluster[].recovery": "table", "cluster[].quorum_device": "table",
               "loadbalancer.stats": "table", "loadbalancer.process": "table",
               "loadbalancer.service[].check": "table",
               "loadbalancer.service[].f5_monitor": "table",
               "cluster[].resource[].ops": "table",
               "cluster[].resource[].ops.<op>": "table (or array of tables)",
               "cluster[].fencing[].params.<name>": "table"}
IP_KEYS = {"cluster[].nodes[].address", "cluster[].nodes[].addresses",
           "loadbalancer.service[].servers[].address", "cluster[].transport.mcast_group"}
BIND_KEYS = {"loadbalancer.stats.bind", "loadbalancer.service[].bind"}
HOST_KEYS = {"cluster[].quorum_device.host"}


@dataclass
class Key:
    kinds: set[str] = field(default_factory=set)
    defaults: list[Any] = field(default_factory=list)
    ranges: set[tuple[int, int, str]] = field(default_factory=set)
    grammar: set[str] = field(default_factory=set)


@dataclass
class Table:
    allowed: dict[str, None] = field(default_factory=dict)  # in the loader's order
    required: set[str] = field(default_factory=set)


def shape(where: str) -> str:
    """A key path with its array indexes dropped and op names generalised."""
    where = re.sub(r"\[\d+\]", "[]", where)
    where = re.sub(r"\.params\.[a-z][a-z0-9_\-]*(\.file)?$", r".params.<name>\1", where)
    return re.sub(r"\.ops\.[a-z]+(\[\])?", ".ops.<op>", where)


class Recorder(checker.Checker):
    """The loader's checker, noting every question it is asked."""

    keys_seen: dict[str, Key] = {}
    tables: dict[str, Table] = {}
    _inside = 0  # ranged/strings call get/array: only the outer call is noted

    def _key(self, where: str, key: str) -> Key:
        return self.keys_seen.setdefault(shape(checker.join(where, key)), Key())

    def keys(self, table, where, allowed, required=()):  # type: ignore[no-untyped-def]
        noted = self.tables.setdefault(shape(where), Table())
        noted.allowed.update(dict.fromkeys(allowed))
        noted.required |= set(required)
        return super().keys(table, where, allowed, required)

    def get(self, table, key, where, kind, default=checker.MISSING, grammar=None):  # type: ignore[no-untyped-def]  # noqa: E501
        if not self._inside:
            noted = self._key(where, key)
            noted.kinds.add(kind if isinstance(kind, str) else kind.__name__)
            if default is not checker.MISSING:
                noted.defaults.append(default)
            if grammar:
                noted.grammar.add(grammar)
        return super().get(table, key, where, kind, default, grammar)

    def ranged(self, table, key, where, bounds):  # type: ignore[no-untyped-def]
        noted, kind = self._key(where, key), bounds.kind
        noted.kinds.add(kind if isinstance(kind, str) else kind.__name__)
        noted.ranges.add((bounds.low, bounds.high, kind if isinstance(kind, str) else "int"))
        noted.defaults.append(bounds.default)
        type(self)._inside += 1
        try:
            return super().ranged(table, key, where, bounds)
        finally:
            type(self)._inside -= 1

    def strings(self, table, key, where, grammar):  # type: ignore[no-untyped-def]
        noted = self._key(where, key)
        noted.kinds.add("array of strings")
        if grammar:
            noted.grammar.add(grammar)
        type(self)._inside += 1
        try:
            return super().strings(table, key, where, grammar)
        finally:
            type(self)._inside -= 1

    def array(self, table, key, where):  # type: ignore[no-untyped-def]
        if not self._inside:
            self._key(where, key).kinds.add("array of tables")
        return super().array(table, key, where)


def record() -> tuple[dict[str, Key], dict[str, Table]]:
    Recorder.keys_seen, Recorder.tables = {}, {}
    with open(EXAMPLE, encoding="utf-8") as example:
        texts = [example.read(), *BRANCHES]
    with mock.patch.object(load, "Checker", Recorder):
        for text in texts:
            # the branch definitions are not meant to be valid
            with contextlib.suppress(NfvdHaError):
                load.load_text(text, "reference")
    return Recorder.keys_seen, Recorder.tables


def every_key(tables: dict[str, Table]) -> list[str]:
    """Every key path the loader allows."""
    return list(dict.fromkeys(shape(checker.join(where, key))
                              for where, table in tables.items() for key in table.allowed))


def duration(ms: int) -> str:
    if ms == 0:
        return "0"
    for unit, size in (("h", 3600000), ("min", 60000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def type_of(path: str, key: Key | None) -> str:
    if path in IP_KEYS:
        return "IP addresses" if path.endswith("addresses") else "IP address"
    if path in BIND_KEYS:
        return "string (address:port)"
    if path in HOST_KEYS:
        return "string (host name or IP address)"
    if path in KNOWN_TYPES:
        return KNOWN_TYPES[path]
    kinds = key.kinds if key else set()
    if "array of strings" in kinds:
        return "array of strings"
    if "array of tables" in kinds:
        return "array of tables"
    names = {"str": "string", "int": "integer", "bool": "boolean", "dict": "table",
             "duration": "duration"}
    if not kinds:
        raise SystemExit(f"Error: {path}: the loader allows it but its type was not seen: "
                         "reach it in BRANCHES or name it in KNOWN_TYPES")
    return " or ".join(sorted(names.get(k, k) for k in kinds))


def default_of(key: Key | None) -> str:
    values = [v for v in (key.defaults if key else []) if v is not None]
    if not values:
        return ""
    if len({repr(v) for v in values}) > 1:
        return "computed (see meaning)"
    value = values[0]
    if key and "duration" in key.kinds and isinstance(value, int):
        return f"`{duration(value)}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return "none" if not value else f"`{value}`"
    return f"`{value}`" if value != "" else "empty"


def range_of(key: Key | None) -> str:
    parts = []
    for low, high, kind in sorted(key.ranges if key else ()):
        parts.append(f"{duration(low) if kind == 'duration' else low} - "
                     f"{duration(high) if kind == 'duration' else high}")
    for grammar in sorted(key.grammar if key else ()):
        parts.append(f"grammar *{grammar}*")
    return "; ".join(parts)


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def key_sections(keys: dict[str, Key], tables: dict[str, Table]) -> list[str]:
    """One table of keys per table of the definition, in the order the loader reads them."""
    required = {shape(checker.join(w, k)) for w, t in tables.items() for k in t.required}
    paths = every_key(tables)
    missing = [p for p in paths if p not in MEANING]
    if missing:
        raise SystemExit("Error: the loader allows keys this page does not explain: "
                         + ", ".join(missing) + " (add them to MEANING in "
                         "docs/definition_reference.py)")
    stale = sorted(set(MEANING) - set(paths))
    if stale:
        raise SystemExit("Error: MEANING explains keys the loader no longer allows: "
                         + ", ".join(stale))
    lines: list[str] = []
    for where, table in tables.items():
        title = TITLES.get(where, f"`{where}`")
        lines += [f"### {title}", "",
                  "| key | type | required | default | range, grammar | meaning |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for name in table.allowed:
            path = shape(checker.join(where, name))
            key = keys.get(path)
            lines.append("| " + " | ".join(cell(text) for text in (
                f"`{name}`", type_of(path, key), "yes" if path in required else "",
                default_of(key), range_of(key), MEANING[path])) + " |")
        lines.append("")
    return lines


def grammar_rows() -> list[str]:
    rows = ["| grammar | pattern | what |", "| --- | --- | --- |"]
    for name, (pattern, what) in checker.GRAMMAR.items():
        rows.append(f"| *{name}* | `{cell(pattern.pattern)}` | {cell(what)} |")
    return rows


def agent_rows(name: str) -> list[str]:
    decl = importlib.import_module(f"agents.{agents.AGENTS[name]}").AGENT
    rows = [f"### `type = \"{name}\"` (ocf:nfvd:{name}, `man ocf_nfvd_{name}`)", "",
            decl.shortdesc + ".", "",
            "| parameter | type | required | default | meaning |",
            "| --- | --- | --- | --- | --- |"]
    for p in decl.params:
        meaning = f"{p.shortdesc}. {' '.join(p.longdesc.split())}".strip()
        kind = p.type + (f" ({', '.join(p.options)})" if p.options else "")
        default = "" if p.default in (None, "") else f"`{p.default}`"
        rows.append(f"| `{p.name}` | {kind} | {'yes' if p.required else ''} | "
                    f"{cell(default)} | {cell(meaning)} |")
    ops = ", ".join(f"{a.name}" + (f" every {a.interval} s" if a.interval else "")
                    + (f" depth {a.depth}" if a.depth is not None else "")
                    + f" ({a.timeout} s)" for a in decl.actions
                    if a.name in ("start", "stop", "monitor"))
    return rows + ["", f"Default operations: {ops}.", ""]


def page() -> str:
    keys, tables = record()
    lines = [
        "# The definition: every key",
        "",
        "Generated by `python3 docs/definition_reference.py` from the definition's own checks "
        "(`nfvd_ha/definition/`) and the agents' declarations: do not edit; rerun it after "
        "changing them (tests/tools/test_definition_reference.py checks this page is current).",
        "",
        "One TOML file describes the platform; `nfvd-ha example` prints the built-in one "
        "(the guide's reference topology, commented). `nfvd-ha validate FILE` reports every "
        "problem at once, each with file, line and key path, and exits 1. Keys are written as "
        "paths: `cluster[]` is each `[[cluster]]` table. *Durations* are `\"250ms\"`, "
        "`\"2s\"`, `\"10min\"`, `\"1h\"` or whole seconds. Every string is at most "
        f"{checker.MAX_TEXT} characters and holds no control character; every number fits in "
        "64 bits; tables and arrays nest at most "
        f"{load.MAX_DEPTH} deep. Besides the ranges below, `validate` checks what ties keys "
        "together (`deadtime > 2 x keepalive`, `keepalive < warntime < deadtime`, "
        "`initdead >= deadtime`, unique ids, names and addresses, references between groups, "
        "clones and resources, one fence device per node...).",
        "",
        "## Keys",
        "",
        *key_sections(keys, tables),
        "## String grammar",
        "",
        *grammar_rows(),
        "",
        "## Agent parameters",
        "",
        "`params` of a `[[cluster.resource]]` whose `type` is an nfvd agent, checked by the "
        "agent's own check (the one it runs before every action).",
        "",
    ]
    for name in sorted(agents.AGENTS):
        lines += agent_rows(name)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the page is not current; write nothing")
    parser.add_argument("--out", default=PAGE, help="the page to write (default: %(default)s)")
    args = parser.parse_args(argv)
    text = page()
    if args.check:
        current = ""
        if os.path.exists(args.out):
            with open(args.out, encoding="utf-8") as f:
                current = f.read()
        if current != text:
            sys.stderr.write(f"Error: {args.out} is not current: run python3 "
                             "docs/definition_reference.py\n")
            raise SystemExit(1)
        return
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(text)


if __name__ == "__main__":
    main()
