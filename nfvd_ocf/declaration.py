"""What an agent declares: its parameters, actions and handlers.

Plain classes, not dataclasses: importing dataclasses (and with it inspect) would cost
more than the rest of a monitor action.
"""

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, Self

    from .params import Context

    #: an action's handler: an OCF exit code (None: success)
    Handler = Callable[[Context], int | None]
    #: the check of typed parameter values: the problems found
    Check = Callable[[Mapping[str, Any]], list[str]]

PARAM_TYPES = ("string", "integer", "boolean", "select")


class _Record:
    __slots__: tuple[str, ...] = ()

    def replace(self, **changes: object) -> "Self":
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return type(self)(**values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Param(_Record):
    __slots__ = ("name", "shortdesc", "longdesc", "type", "default", "required",
                 "unique_group", "reloadable", "options")

    def __init__(self, name: str, shortdesc: str, longdesc: str = "", type: str = "string",
                 default: "str | int | bool | None" = None, required: bool = False,
                 unique_group: str = "", reloadable: bool = False,
                 options: "Iterable[str]" = ()) -> None:
        if type not in PARAM_TYPES:
            raise ValueError(f"parameter {name}: unknown type {type}")
        self.name, self.shortdesc, self.longdesc, self.type = name, shortdesc, longdesc, type
        self.default, self.required, self.unique_group = default, required, unique_group
        self.reloadable, self.options = reloadable, tuple(options)


class Action(_Record):
    __slots__ = ("name", "timeout", "interval", "depth", "role")

    def __init__(self, name: str, timeout: int, interval: int | None = None,
                 depth: int | None = None, role: str | None = None) -> None:
        self.name, self.timeout, self.interval = name, timeout, interval  # seconds
        self.depth, self.role = depth, role


class Agent(_Record):
    """``check(values)``: the inherent problems of typed parameter values (a list of
    texts), pure; the runtime runs it before every action and ``nfvd-ha validate`` runs
    the same function on the definition."""

    __slots__ = ("name", "version", "shortdesc", "longdesc", "params", "actions", "handlers",
                 "check")

    def __init__(self, name: str, version: str, shortdesc: str, longdesc: str,
                 params: "Iterable[Param]", actions: "Iterable[Action]",
                 handlers: "Mapping[str, Handler] | None" = None,
                 check: "Check | None" = None) -> None:
        self.name, self.version, self.shortdesc, self.longdesc = (
            name, version, shortdesc, longdesc)
        self.params, self.actions = tuple(params), tuple(actions)
        self.handlers, self.check = dict(handlers or {}), check

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def default_timeout(self, action: str) -> float:
        for a in self.actions:
            if a.name == action:
                return a.timeout
        return 20
