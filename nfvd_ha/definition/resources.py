"""Checking one [[cluster.resource]]: its type, its params against the agent's own
declaration (for ocf:nfvd agents), and its operations."""

import importlib
import ipaddress
import re

import agents

from . import model

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_TYPE = re.compile(r"^(ocf:[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-]+|(lsb|systemd|service):[A-Za-z0-9_.@\-]+)$")
OP_NAMES = ("start", "stop", "monitor", "promote", "demote")


def declaration(agent_type):
    module = agents.AGENTS.get(agent_type)
    return importlib.import_module(f"agents.{module}").AGENT if module else None


def check_resource(check, r, where):
    r = check.keys(r, where, ("id", "type", "params", "ops"), required=("id", "type"))
    rid = check.get(r, "id", where, str)
    if rid is not None and not _ID.match(rid):
        check.error(f"{where}.id", f"'{rid}' is not a valid id")
    rtype = check.get(r, "type", where, str)
    decl = declaration(rtype) if rtype else None
    if rtype and decl is None and not _TYPE.match(rtype):
        check.error(f"{where}.type", f"'{rtype}' is not an nfvd agent ({', '.join(agents.AGENTS)})"
                    " nor class:provider:type (ocf:heartbeat:IPaddr2) or lsb:NAME")
    raw = check.get(r, "params", where, dict, {})
    params = {k: param_text(v) for k, v in raw.items()}
    if decl is not None:
        _check_params(check, decl, raw, f"{where}.params")
        _check_values(check, rtype, params, f"{where}.params")
    ops = _ops(check, r.get("ops", {}), f"{where}.ops", decl)
    if rid is None or rtype is None:
        return None
    return model.Resource(rid, rtype, tuple(sorted(params.items())), ops)


def param_text(value):
    """A TOML value as Pacemaker's nvpair text (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_params(check, decl, raw, where):
    names = {p.name for p in decl.params}
    for key in sorted(set(raw) - names):
        check.error(f"{where}.{key}", f"unknown parameter '{key}' of ocf:nfvd:{decl.name} "
                    f"(known: {', '.join(sorted(names))})")
    for p in decl.params:
        value = raw.get(p.name)
        if value is None:
            if p.required:
                check.error(f"{where}.{p.name}", f"required by ocf:nfvd:{decl.name}")
            continue
        if p.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            check.error(f"{where}.{p.name}", "must be an integer")
        elif p.type == "boolean" and not isinstance(value, bool):
            check.error(f"{where}.{p.name}", "must be true or false")
        elif p.type == "select" and value not in p.options:
            check.error(f"{where}.{p.name}", f"must be one of {', '.join(p.options)}")


def _check_values(check, rtype, params, where):
    if rtype == "vip":
        _check_vip(check, params, where)
    elif rtype == "shared-fs":
        directory = params.get("directory", "/")
        if not directory.startswith("/") or directory == "/":
            check.error(f"{where}.directory", f"'{directory}' must be an absolute path "
                        "other than /")


def _check_vip(check, params, where):
    try:
        ip = ipaddress.ip_address(params.get("ip", ""))
    except ValueError:
        if "ip" in params:
            check.error(f"{where}.ip", f"'{params['ip']}' is not an IP address")
        return
    mask = params.get("cidr_netmask")
    if mask is None:
        return
    if mask.isdigit() and 1 <= int(mask) <= ip.max_prefixlen:
        return
    try:
        if ip.version == 4 and "." in mask:
            ipaddress.ip_network(f"0.0.0.0/{mask}")
            return
    except ValueError:
        pass
    check.error(f"{where}.cidr_netmask", f"'{mask}' is not a netmask for {ip} "
                f"(1-{ip.max_prefixlen} or dotted)")


def _ops(check, raw, where, decl):
    raw = check.keys(raw, where, OP_NAMES)
    ops = {}
    for name, spec in raw.items() if isinstance(raw, dict) else ():
        specs = spec if isinstance(spec, list) else [spec]
        ops[name] = [_op(check, name, s, f"{where}.{name}" + (f"[{i}]" if isinstance(spec, list)
                                                              else ""))
                     for i, s in enumerate(specs)]
    for action in decl.actions if decl else ():  # defaults: the agent's first of each
        if action.name in ("start", "stop", "monitor") and action.name not in ops:
            ops[action.name] = [model.Op(action.name, (action.interval or 0) * 1000,
                                         action.timeout * 1000, None)]
    flat = tuple(op for name in OP_NAMES for op in ops.get(name, []) if op)
    _unique_intervals(check, flat, where)
    return flat


def _op(check, name, spec, where):
    spec = check.keys(spec, where, ("interval", "timeout", "depth"))
    interval = check.get(spec, "interval", where, "duration", 0)
    timeout = check.get(spec, "timeout", where, "duration", 20000)
    depth = check.get(spec, "depth", where, int, None)
    if name == "monitor" and interval == 0:
        check.error(f"{where}.interval", "a recurring monitor needs an interval above 0")
    if interval is None or timeout is None:
        return None
    return model.Op(name, interval, timeout, depth)


def _unique_intervals(check, ops, where):
    seen = set()
    for op in ops:
        if (op.name, op.interval) in seen:
            check.error(f"{where}.{op.name}", f"two {op.name} ops with interval "
                        f"{op.interval} ms: Pacemaker needs distinct intervals")
        seen.add((op.name, op.interval))
