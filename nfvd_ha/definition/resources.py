"""Checking one [[cluster.resource]]: its type, its params against the agent's own
declaration and the agent's own checks (for ocf:nfvd agents: the very function the agent
runs before every action), and its operations."""

import importlib
import re
from collections.abc import Iterable
from typing import Any

import agents
from nfvd_ocf.declaration import Agent, Param

from . import model
from .checker import Bounds, Checker

_TYPE = re.compile(r"^(ocf:[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-]+"
                   r"|(lsb|systemd|service):[A-Za-z0-9_.@\-]+)$")
OP_NAMES = ("start", "stop", "monitor", "promote", "demote")
DAY = 86400000  # ms


def declaration(agent_type: str) -> Agent | None:
    module = agents.AGENTS.get(agent_type)
    if module is None:
        return None
    found: Agent = importlib.import_module(f"agents.{module}").AGENT
    return found


def check_resource(check: Checker, r: Any, where: str) -> model.Resource | None:
    r = check.keys(r, where, ("id", "type", "params", "ops"), required=("id", "type"))
    rid = check.get(r, "id", where, str, grammar="id")
    rtype = check.get(r, "type", where, str)
    decl = declaration(rtype) if rtype else None
    if rtype and decl is None and not _TYPE.match(rtype):
        check.error(f"{where}.type", f"'{rtype}' is not an nfvd agent ({', '.join(agents.AGENTS)})"
                    " nor class:provider:type (ocf:heartbeat:IPaddr2) or lsb:NAME")
    raw = check.get(r, "params", where, dict, {})
    params = _texts(check, raw, f"{where}.params")
    if decl is not None:
        _check_params(check, decl, raw, params, f"{where}.params")
    ops = _ops(check, r.get("ops", {}), f"{where}.ops", decl)
    if rid is None or rtype is None:
        return None
    return model.Resource(rid, rtype, tuple(sorted(params.items())), ops)


def param_text(value: object) -> str:
    """A TOML value as Pacemaker's nvpair text (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _texts(check: Checker, raw: dict[str, Any], where: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in raw.items():
        if not check.string(key, f"{where}.{key}", "param"):
            continue
        if not isinstance(value, (str, int, bool)) or isinstance(value, float):
            check.error(f"{where}.{key}", "must be a string, an integer or a boolean")
        elif check.string(param_text(value), f"{where}.{key}"):
            texts[key] = param_text(value)
    return texts


def _check_params(check: Checker, decl: Agent, raw: dict[str, Any], texts: dict[str, str],
                  where: str) -> None:
    names = {p.name for p in decl.params}
    for key in sorted(set(raw) - names):
        check.error(f"{where}.{key}", f"unknown parameter '{key}' of ocf:nfvd:{decl.name} "
                    f"(known: {', '.join(sorted(names))})")
    values: dict[str, Any] = {}
    typed = True
    for p in decl.params:
        problem, value = _param_value(decl, p, raw.get(p.name), texts)
        if problem:
            check.error(f"{where}.{p.name}", problem)
        if value is _REFUSED:
            typed = False
        else:
            values[p.name] = value
    if typed and decl.check and None not in (values.get(p.name) for p in decl.params
                                             if p.required):
        for problem in decl.check(values):
            check.error(where, f"ocf:nfvd:{decl.name}: {problem}")


#: the value of a parameter that has none the agent's own check could judge
_REFUSED = object()


def _param_value(decl: Agent, p: Param, value: Any, texts: dict[str, str]) -> tuple[str | None,
                                                                                   Any]:
    """(what is wrong with ``value`` as ``p``, or None; its typed value, or _REFUSED)."""
    if value is None:
        if p.required:
            return f"required by ocf:nfvd:{decl.name}", _REFUSED
        return None, p.default
    if p.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return "must be an integer", _REFUSED
    if p.type == "boolean" and not isinstance(value, bool):
        return "must be true or false", _REFUSED
    if p.type == "select" and value not in p.options:
        return f"must be one of {', '.join(p.options)}", _REFUSED
    if p.type in ("integer", "boolean"):
        return None, value
    if p.name not in texts:
        return None, _REFUSED  # its text was refused above
    return None, texts[p.name]


def _ops(check: Checker, raw: Any, where: str, decl: Agent | None) -> tuple[model.Op, ...]:
    raw = check.keys(raw, where, OP_NAMES)
    ops: dict[str, list[model.Op | None]] = {}
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


def _op(check: Checker, name: str, spec: Any, where: str) -> model.Op | None:
    spec = check.keys(spec, where, ("interval", "timeout", "depth"))
    interval = check.ranged(spec, "interval", where, Bounds.duration(0, DAY, default=0))
    timeout = check.ranged(spec, "timeout", where, Bounds.duration(1000, DAY, default=20000))
    depth = check.ranged(spec, "depth", where, Bounds(0, 100))
    if name == "monitor" and interval == 0:
        check.error(f"{where}.interval", "a recurring monitor needs an interval above 0")
    if interval is None or timeout is None:
        return None
    return model.Op(name, interval, timeout, depth)


def _unique_intervals(check: Checker, ops: Iterable[model.Op], where: str) -> None:
    seen: set[tuple[str, int]] = set()
    for op in ops:
        if (op.name, op.interval) in seen:
            check.error(f"{where}.{op.name}", f"two {op.name} ops with interval "
                        f"{op.interval} ms: Pacemaker needs distinct intervals")
        seen.add((op.name, op.interval))
