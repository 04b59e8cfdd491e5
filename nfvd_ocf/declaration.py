"""What an agent declares: its parameters, actions and handlers.

Plain classes, not dataclasses: importing dataclasses (and with it inspect) would cost
more than the rest of a monitor action.
"""

PARAM_TYPES = ("string", "integer", "boolean", "select")


class _Record:
    __slots__: tuple[str, ...] = ()

    def replace(self, **changes):
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return type(self)(**values)

    def __repr__(self):
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Param(_Record):
    __slots__ = ("name", "shortdesc", "longdesc", "type", "default", "required",
                 "unique_group", "reloadable", "options")

    def __init__(self, name, shortdesc, longdesc="", type="string", default=None,
                 required=False, unique_group="", reloadable=False, options=()):
        if type not in PARAM_TYPES:
            raise ValueError(f"parameter {name}: unknown type {type}")
        self.name, self.shortdesc, self.longdesc, self.type = name, shortdesc, longdesc, type
        self.default, self.required, self.unique_group = default, required, unique_group
        self.reloadable, self.options = reloadable, tuple(options)


class Action(_Record):
    __slots__ = ("name", "timeout", "interval", "depth", "role")

    def __init__(self, name, timeout, interval=None, depth=None, role=None):
        self.name, self.timeout, self.interval = name, timeout, interval  # seconds
        self.depth, self.role = depth, role


class Agent(_Record):
    """``check(values)``: the inherent problems of typed parameter values (a list of
    texts), pure; the runtime runs it before every action and ``nfvd-ha validate`` runs
    the same function on the definition."""

    __slots__ = ("name", "version", "shortdesc", "longdesc", "params", "actions", "handlers",
                 "check")

    def __init__(self, name, version, shortdesc, longdesc, params, actions, handlers=None,
                 check=None):
        self.name, self.version, self.shortdesc, self.longdesc = (
            name, version, shortdesc, longdesc)
        self.params, self.actions = tuple(params), tuple(actions)
        self.handlers, self.check = dict(handlers or {}), check

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def default_timeout(self, action):
        for a in self.actions:
            if a.name == action:
                return a.timeout
        return 20
