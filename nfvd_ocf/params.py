"""Typed ``OCF_RESKEY_*`` parameters and the OCF environment of one action."""

import os
import time

from .errors import InvalidConfig

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from .declaration import Agent, Param
    from .log import Logger

    #: typed parameter values by name (str, int, bool, or None when unset without default)
    Values = dict[str, Any]

_TRUE = ("1", "true", "yes", "on", "y")
_FALSE = ("0", "false", "no", "off", "n", "")


def _convert(param: "Param", raw: str) -> str | int | bool:
    if param.type == "integer":
        try:
            return int(raw.strip())
        except ValueError:
            raise InvalidConfig(f"parameter {param.name}: '{raw}' is not an integer") from None
    if param.type == "boolean":
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InvalidConfig(f"parameter {param.name}: '{raw}' is not a boolean")
    if param.type == "select" and raw not in param.options:
        raise InvalidConfig(
            f"parameter {param.name}: '{raw}' is not one of {', '.join(param.options)}")
    return raw


def read_params(agent: "Agent", env: "Mapping[str, str]") -> "Values":
    """Every declared parameter, typed, with defaults; collects all errors into one."""
    values: Values = {}
    problems: list[str] = []
    for param in agent.params:
        raw = env.get("OCF_RESKEY_" + param.name)
        if raw is None or (raw == "" and param.type != "string"):
            if param.required:
                problems.append(f"required parameter {param.name} is not set")
            values[param.name] = param.default
            continue
        try:
            values[param.name] = _convert(param, raw)
        except InvalidConfig as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidConfig("; ".join(problems))
    return values


class Context:
    """One action's view of the world: parameters, probe flag, depth, deadline, log."""

    def __init__(self, agent: "Agent", action: str, env: "Mapping[str, str]",
                 log: "Logger") -> None:
        self.agent, self.action, self.env, self.log = agent, action, env, log
        self.started = time.monotonic()
        self.interval_ms = _int(env.get("OCF_RESKEY_CRM_meta_interval"), 0)
        self.probe = action == "monitor" and self.interval_ms == 0
        self.check_level = _int(env.get("OCF_CHECK_LEVEL"), 0)
        timeout_ms = _int(env.get("OCF_RESKEY_CRM_meta_timeout"), 0)
        self.timeout = timeout_ms / 1000.0 if timeout_ms > 0 else agent.default_timeout(action)
        self.node = env.get("OCF_RESKEY_CRM_meta_on_node") or os.uname().nodename
        self._params: Values | None = None

    @property
    def params(self) -> "Values":
        if self._params is None:
            self._params = read_params(self.agent, self.env)
        return self._params

    def remaining(self, margin: float = 0.5) -> float:
        """Seconds left before the action's timeout, keeping ``margin`` for the exit."""
        return max(0.0, self.timeout - (time.monotonic() - self.started) - margin)


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default
