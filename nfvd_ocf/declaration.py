"""What an agent declares: its parameters, actions and handlers."""

from dataclasses import dataclass, field

PARAM_TYPES = ("string", "integer", "boolean", "select")
STANDARD_ACTIONS = ("start", "stop", "monitor", "meta-data", "validate-all")


@dataclass(frozen=True)
class Param:
    name: str
    shortdesc: str
    longdesc: str = ""
    type: str = "string"
    default: object = None
    required: bool = False
    unique_group: str = ""
    reloadable: bool = False
    options: tuple = ()


@dataclass(frozen=True)
class Action:
    name: str
    timeout: int  # seconds
    interval: int = None
    depth: int = None
    role: str = None


@dataclass(frozen=True)
class Agent:
    name: str
    version: str
    shortdesc: str
    longdesc: str
    params: tuple
    actions: tuple
    handlers: dict = field(default_factory=dict)

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
